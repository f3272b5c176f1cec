# State that survives a crash: with --state-dir, kill -9 while up and a
# restart adopt the watch (no start hook, stop at the saved last packet +
# TTL); past that deadline, stop at once with reason recovered; the file
# is written on transitions and at most once a second while packets come;
# a state file of another configuration is not taken over; with
# --strict-start, a start that was still running is not adopted.
. "$(dirname "$0")/lib.sh"
bed_up; mkhook
S=$T/state
run() { daemon -n 7 -t 3 --state-dir "$S" -c "$T/hook" "$@"; }

# 1. kill -9 while up, restart at once: adopted, stop at last + TTL
run
tl=$(send | cut -d' ' -f2); wait_ev start 1 2 || bail "start"
sleep 0.5
check "the state file says up" grep -qx "state=up" "$S/default.state"
check "the state file is not for others to read (mode $(stat -c %a "$S/default.state"))" [ "$(stat -c %a "$S/default.state")" = 600 ]
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
run
check "adopted: logged" logged "adopted from the state file: up since"
wait_ev stop 1 5 || bail "no stop after the restart"
check "adopted: no start hook ran again" [ "$(nev start)" = 1 ]
e=$(stop_err "$(evtime stop 1)" "$tl" 3)
check "adopted: stop at the saved last packet + TTL (${e} ms)" within "$e" -200 300
check "adopted: TUNINETD_REASON=idle" grep -qx "  TUNINETD_REASON=idle" <<< "$(evenv stop 1)"
sleep 0.2
check "the state file says idle after the stop" grep -qx "state=idle" "$S/default.state"

# 2. kill -9 while up, restart after the deadline: stop at once, recovered
send > /dev/null; wait_ev start 2 2 || bail "start 2"
sleep 0.3; kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
sleep 3.5
t0=$(date +%s.%N); run
wait_ev stop 2 2 || bail "no recovered stop"
check "past the deadline: stop at once ($(ms "$(evtime stop 2)" "$t0") ms after the restart)" \
    within "$(ms "$(evtime stop 2)" "$t0")" 0 700
check "past the deadline: TUNINETD_REASON=recovered" grep -qx "  TUNINETD_REASON=recovered" <<< "$(evenv stop 2)"
check "past the deadline: no start hook" [ "$(nev start)" = 2 ]
kill "$DPID"; wait "$DPID"; DPID=

# 3. while packets come, the file is written about once a second, not per
#    packet: 3 s of a packet every 50 ms
command -v strace > /dev/null || bail "strace is installed"
: > "$T/events"; run
send > /dev/null; wait_ev start 1 3 || bail "start before strace"
strace -qq -p "$(worker_of "$DPID")" -e trace=rename,renameat,renameat2 -o "$T/strace" & sp=$!
sleep 0.5
send 60 9999 50 > /dev/null
n=$(grep -c 'default.state' "$T/strace")
kill "$sp"; wait "$sp" 2>/dev/null
check "3 s of 60 packets: the state file written $n times (2-5)" within "$n" 2 5
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=

# 4. another configuration's state file is not taken over
cat > "$S/default.state" <<EOF
source=/etc/tuninetd/other.conf
state=up
up_since=$(date +%s%N)
last_packet=$(date +%s%N)
trigger=
EOF
: > "$T/events"; run
check "a state file of another source: not adopted" bash -c "! grep -q 'adopted' '$T/log'"
send > /dev/null; wait_ev start 1 2
check "a state file of another source: the watch starts as usual" [ "$(nev start)" = 1 ]
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=

# 5. --strict-start: killed while its start hook ran: not adopted
mkhook '[ "$1" = start ] && { echo $$ > "'"$T"'/start.pgid"; sleep 5; }; exit 0'
rm -f "$S/default.state"
daemon -n 7 -t 3 --strict-start --state-dir "$S" -c "$T/hook"
send > /dev/null; wait_ev start 1 2 || bail "strict start"
sleep 0.3
check "the state file says starting" grep -qx "state=starting" "$S/default.state"
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
# the start hook, orphaned: its group ended
[ -s "$T/start.pgid" ] && kill -9 -- "-$(cat "$T/start.pgid")" 2>/dev/null
daemon -n 7 -t 3 --strict-start --state-dir "$S" -c "$T/hook"
check "--strict-start: a start still running at the crash is not adopted" bash -c "! grep -q 'adopted' '$T/log'"
kill "$DPID"; wait "$DPID"; DPID=

# 6. a state directory that cannot be made is refused at start-up
refused_by "$TUNINETD" "state-dir: \`$T/hook/x'" -n 7 --state-dir "$T/hook/x" -c "$T/hook"

# 7. the daemon adopts what its state files say, and they hold
#    trigger packets: a directory others could write to is refused (even
#    sticky), and one of another user; a state file that is a FIFO, a
#    symlink, not ours, or does not parse is said and ignored, and the
#    daemon runs and answers SIGTERM
mkdir -m 1777 "$T/ww"
refused_by "$TUNINETD" "state-dir: \`$T/ww' is writable by group or others (mode 1777)" -n 7 --state-dir "$T/ww" -c "$T/hook"
# another user's directory where others may write: refused; in a
# directory only root may write, only root could have given it away (to
# a worker of another user: `user' changed, the package made tuninetd):
# taken back, its files not adopted
mkdir -m 0777 "$T/pub"; mkdir -m 0755 "$T/pub/theirs"; chown 12345 "$T/pub/theirs"
refused_by "$TUNINETD" "state-dir: \`$T/pub/theirs' belongs to uid 12345, not to root" -n 7 --state-dir "$T/pub/theirs" -c "$T/hook"
mkdir -m 0755 "$T/theirs"; chown 12345 "$T/theirs"
printf 'source=-\nstate=up\nup_since=1\nlast_packet=1\n' > "$T/theirs/default.state"; chown 12345 "$T/theirs/default.state"
: > "$T/events"; daemon -n 7 -t 3 --state-dir "$T/theirs" -c "$T/hook"
check "a worker's old state directory: taken back, said" logged "state-dir: \`$T/theirs' was uid 12345's, a worker's before: taken back"
check "... the worker's now ($(stat -c %u "$T/theirs"))" [ "$(stat -c %u "$T/theirs")" = "$(awk '/^Uid:/{print $2}' /proc/$(worker_of "$DPID")/status)" ]
check "... its file not adopted" bash -c "! grep -q 'CORE: adopted' '$T/log' && grep -q 'default.state. is not a regular file of the daemon' '$T/log'"
kill "$DPID"; wait "$DPID"; DPID=
mkdir -m 0755 "$T/odd"
for kind in fifo link garbage theirs; do
	rm -f "$T/odd/default.state"
	case $kind in
	fifo) mkfifo "$T/odd/default.state" ;;
	link) printf 'state=up\n' > "$T/odd/real"; ln -s "$T/odd/real" "$T/odd/default.state" ;;
	garbage) printf 'state=up\nup_since=ban\033[31mana\n' > "$T/odd/default.state" ;;
	theirs) printf 'source=-\nstate=up\nup_since=1\nlast_packet=1\n' > "$T/odd/default.state"; chown 12345 "$T/odd/default.state" ;;
	esac
	daemon -n 7 -t 3 --state-dir "$T/odd" -c "$T/hook"
	check "a state file ($kind) is said and ignored" logged "state-dir: \`$T/odd/default.state'"
	check "... nothing adopted" bash -c "! grep -q adopted '$T/log'"
	[ $kind = garbage ] && check "... its text escaped in the log" \
	    logged "not a state file: \`up_since=ban\x1b[31mana'"
	t0=$(date +%s.%N); kill -TERM "$DPID"; wait "$DPID"; DPID=
	check "... SIGTERM answered ($(ms "$(date +%s.%N)" "$t0") ms)" within "$(ms "$(date +%s.%N)" "$t0")" 0 2000
done

# 8. state files are 0600, 0640 and of control-group when it is given (as
#    the socket); a directory made under umask 077 is 0755 all the same
rm -rf "$T/s8"
mask=$(umask); umask 077
daemon -n 7 -t 3 --state-dir "$T/s8" -c "$T/hook"
umask "$mask"
send > /dev/null; wait_ev start 1 2 || bail "start (8)"
sleep 0.3
check "state dir made under umask 077 is 0755 ($(stat -c %a "$T/s8"))" [ "$(stat -c %a "$T/s8")" = 755 ]
check "state file 0600 ($(stat -c %a "$T/s8/default.state"))" [ "$(stat -c %a "$T/s8/default.state")" = 600 ]
kill "$DPID"; wait "$DPID"; DPID=
printf '[daemon]\ncontrol = %s\ncontrol-group = nogroup\nstate-dir = %s\n[watch g]\nnflog-group = 7\ncommand = %s\n' \
    "$T/ctl8/ctl" "$T/s9" "$T/hook" > "$T/g.conf"
umask 077
daemon -C "$T/g.conf"
umask "$mask"
send > /dev/null; sleep 0.5
check "with control-group: state file 0640, group nogroup ($(stat -c '%a %G' "$T/s9/g.state"))" \
    [ "$(stat -c '%a %G' "$T/s9/g.state")" = "640 nogroup" ]
check "the control socket's directory made under umask 077 is 0755 ($(stat -c %a "$T/ctl8"))" \
    [ "$(stat -c %a "$T/ctl8")" = 755 ]
kill "$DPID"; wait "$DPID"; DPID=
