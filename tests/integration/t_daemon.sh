# -d: the command returns 0 at once, the daemon runs detached (its own
# session, cwd /, stdio on /dev/null), fires events, and a relative -c
# path still means what it meant.
. "$(dirname "$0")/lib.sh"
bed_up; mkhook
cd "$T" || bail "cd"
timeout 5 ip netns exec "$NS_B" "$TUNINETD" -d -i "$VB" -f "udp port 9999" -t 1 -c ./hook > "$T/out" 2>&1
rc=$?
check "-d returned 0 at once (rc $rc)" [ $rc = 0 ]
sleep 0.3
DPID=$(ns_pids "$NS_B" " -c \./hook" | head -1)
[ -n "$DPID" ] || bail "a daemon is running after -d"
check "the daemon is in a session of its own" [ "$(ps -o sid= -p "$DPID" | tr -d ' ')" = "$DPID" ]
check "the daemon's cwd is /" [ "$(readlink /proc/$DPID/cwd)" = / ]
check "the daemon's stdout is /dev/null" [ "$(readlink /proc/$DPID/fd/1)" = /dev/null ]
send > /dev/null
wait_ev start 1 2; check "daemon fired start" [ "$(nev start)" = 1 ]
wait_ev stop 1 4; check "daemon fired stop" [ "$(nev stop)" = 1 ]
kill -TERM "$DPID"
for i in $(seq 50); do gone "$DPID" && break; sleep 0.02; done
check "daemon exited on SIGTERM" gone "$DPID"
DPID=
check "nothing was printed in the foreground" [ ! -s "$T/out" ]
