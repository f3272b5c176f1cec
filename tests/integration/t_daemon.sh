# -d: the command returns 0 at once, prints nothing, the daemon runs
# detached (its own session, cwd /, stdio on /dev/null), fires events,
# and a relative -c path still means what it meant. --pid-file: the
# detached daemon's PID, written whole (a rename), mode 0644, removed at
# exit only while it is still ours; a path that cannot be written is
# refused before -d detaches. The daemon is found by its pid file and
# in this test's namespace, never by name.
. "$(dirname "$0")/lib.sh"
bed_up; mkhook
cd "$T" || bail "cd"
# the tuninetd processes of this test's namespace B
ours() { local p; for p in $(ip netns pids "$NS_B"); do [ "$(cat /proc/$p/comm 2>/dev/null)" = tuninetd ] && echo "$p"; done; }
# ... but the worker of each (privsep: a child of the daemon's process)
daemons() { local p all; all=$(ours); for p in $all; do grep -qx "$(awk '/^PPid:/{print $2}' /proc/$p/status 2>/dev/null)" <<< "$all" || echo "$p"; done; }

(umask 077; timeout 5 ip netns exec "$NS_B" "$TUNINETD" -d -i "$VB" -f "udp port 9999" -t 1 -c ./hook --pid-file ./tnd.pid > "$T/out" 2>&1)
rc=$?
check "-d returned 0 at once (rc $rc)" [ $rc = 0 ]
check "nothing was printed in the foreground" [ ! -s "$T/out" ]
sleep 0.3
DPID=$(cat "$T/tnd.pid" 2>/dev/null)
[ -n "$DPID" ] || bail "a pid file at ./tnd.pid (relative to where -d was run)"
check "the pid file is the PID and a line feed, nothing else" [ "$(wc -c < "$T/tnd.pid")" = $(( ${#DPID} + 1 )) ]
check "the pid file names the one daemon running ($(daemons | tr '\n' ' '))" [ "$(daemons)" = "$DPID" ]
check "the pid file is mode 0644 under umask 077 ($(stat -c %a "$T/tnd.pid"))" [ "$(stat -c %a "$T/tnd.pid")" = 644 ]
check "no temporary file left beside it" [ -z "$(ls "$T" | grep '^tnd\.pid\.')" ]
check "the daemon is in a session of its own (the PID after -d)" [ "$(ps -o sid= -p "$DPID" | tr -d ' ')" = "$DPID" ]
check "the daemon's cwd is /" [ "$(readlink /proc/$DPID/cwd)" = / ]
check "the daemon's stdout is /dev/null" [ "$(readlink /proc/$DPID/fd/1)" = /dev/null ]
send > /dev/null
wait_ev start 1 2; check "daemon fired start" [ "$(nev start)" = 1 ]
wait_ev stop 1 4; check "daemon fired stop" [ "$(nev stop)" = 1 ]
kill -TERM "$DPID"
for i in $(seq 50); do gone "$DPID" && break; sleep 0.02; done
check "daemon exited on SIGTERM" gone "$DPID"
DPID=
check "its pid file removed at exit" [ ! -e "$T/tnd.pid" ]

# refused before -d detaches: said, exit 1, nothing left running, nothing
# written
mkdir "$T/piddir"; mkfifo "$T/fifo"
refused_by "$TUNINETD" "--pid-file: \`$T/piddir' is a directory" -d -n 7 -c "$T/hook" --pid-file "$T/piddir"
refused_by "$TUNINETD" "--pid-file: \`$T/none/t.pid': its directory \`$T/none' does not exist" -d -n 7 -c "$T/hook" --pid-file "$T/none/t.pid"
refused_by "$TUNINETD" "--pid-file: \`$T/hook/t.pid': \`$T/hook' is not a directory" -d -n 7 -c "$T/hook" --pid-file "$T/hook/t.pid"
refused_by "$TUNINETD" "--pid-file: \`$T/fifo' is not a regular file" -d -n 7 -c "$T/hook" --pid-file "$T/fifo"
refused_by "$TUNINETD" "--pid-file: empty path" -d -n 7 -c "$T/hook" --pid-file ''
sleep 0.3
check "no daemon left after the refused starts" [ -z "$(ours)" ]
check "the directory and the pipe untouched, nothing made" bash -c "[ -d '$T/piddir' ] && [ -p '$T/fifo' ] && [ ! -e '$T/none' ] && [ -z \"\$(ls '$T/piddir')\" ]"

# in the foreground too; a stale file is replaced; at exit a file that
# is no longer ours stays: another daemon's (renamed over it), or one
# rewritten in place
for how in rename rewrite; do
	echo stale > "$T/fg.pid"
	daemon -n 7 -c "$T/hook" --pid-file "$T/fg.pid"
	check "$how: foreground: the stale pid file replaced by its PID" [ "$(cat "$T/fg.pid")" = "$DPID" ]
	if [ $how = rename ]; then
		echo 12345 > "$T/other"; mv "$T/other" "$T/fg.pid"
	else
		echo 12345 > "$T/fg.pid"
	fi
	kill -TERM "$DPID"; wait "$DPID"; DPID=
	check "$how: at exit another's pid file is left alone" [ "$(cat "$T/fg.pid" 2>/dev/null)" = 12345 ]
done
