# Shutting down runs the stop hook to its end: SIGTERM while up runs stop
# and waits for it; while starting, waits for start, then runs stop and
# waits; while stopping, waits; each wait bounded by --hook-timeout; a
# second SIGTERM exits at once. And the template unit stopped the way
# systemd stops it (KillMode=mixed: SIGTERM to the main process alone,
# SIGKILL to the rest only after TimeoutStopSec), from its own ExecStart.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
bed_up
# the stop hook takes its time ($T/stop_sleep seconds) and says so; it
# writes down its pid, the id of its process group
mkhook '[ "$1" = start ] && [ -f "'"$T"'/start_sleep" ] && sleep "$(cat "'"$T"'/start_sleep")"
[ "$1" = stop ] || exit 0
echo $$ > "'"$T"'/stop.pgid"
echo "stop step1"; sleep "$(cat "'"$T"'/stop_sleep")"; echo "stop step2"
touch "'"$T"'/stopped.$TUNINETD_REASON"'
echo 1 > "$T/stop_sleep"
now() { date +%s.%N; }

# 1. SIGTERM while up
daemon -n 7 -t 30 -c "$T/hook"
send > /dev/null; wait_ev start 1 2 || bail "start"
t0=$(now); kill -TERM "$DPID"; wait "$DPID"; rc=$?; t1=$(now); DPID=
d=$(ms "$t1" "$t0")
check "SIGTERM while up: the stop hook ran to its end (reason exit)" [ -e "$T/stopped.exit" ]
check "SIGTERM while up: its last line was logged" logged "stop hook: stop step2"
check "SIGTERM while up: exited ${d} ms after, once the 1 s stop hook ended (950-3000)" within "$d" 950 3000
check "SIGTERM while up: exit status 0 (got $rc)" [ "$rc" = 0 ]
check "SIGTERM while up: said it waits for the stop command" logged "SIGTERM caught, exiting once the stop command is done"

# 2. SIGTERM while starting: start ends, then stop runs, then exit
rm -f "$T"/stopped.*; : > "$T/events"; echo 1 > "$T/start_sleep"
daemon -n 7 -t 30 -c "$T/hook"
send > /dev/null; wait_ev start 1 2 || bail "start (2)"
kill -TERM "$DPID"; wait "$DPID"; rc=$?; DPID=
check "SIGTERM while starting: start, then stop ran to its end" \
    bash -c "[ -e '$T/stopped.exit' ] && [ \"\$(grep -cE '^(start|stop) ' '$T/events')\" = 2 ]"
check "SIGTERM while starting: exit status 0" [ "$rc" = 0 ]
rm -f "$T/start_sleep"

# 3. SIGTERM while stopping (TTL 1, a 2 s stop hook)
rm -f "$T"/stopped.*; : > "$T/events"; echo 2 > "$T/stop_sleep"
daemon -n 7 -t 1 -c "$T/hook"
send > /dev/null; wait_ev stop 1 4 || bail "stop (3)"; sleep 0.3
kill -TERM "$DPID"; wait "$DPID"; DPID=
check "SIGTERM while stopping: the stop hook ran to its end" [ -e "$T/stopped.idle" ]

# 4. a second SIGTERM exits at once
rm -f "$T"/stopped.*; : > "$T/events"; echo 5 > "$T/stop_sleep"
daemon -n 7 -t 30 -c "$T/hook"
send > /dev/null; wait_ev start 1 2 || bail "start (4)"
kill -TERM "$DPID"; sleep 0.3; t0=$(now); kill -TERM "$DPID"; wait "$DPID"; rc=$?; t1=$(now); DPID=
d=$(ms "$t1" "$t0")
check "a second SIGTERM exits at once (${d} ms, < 500)" within "$d" 0 500
check "a second SIGTERM: exit status 0 (got $rc)" [ "$rc" = 0 ]
# the stop hook left sleeping: SIGKILLed with its group, and said
sleep 0.3
sg=$(cat "$T/stop.pgid" 2>/dev/null)
stop_group_gone() { [ -n "$sg" ] && ! group_alive "$sg"; }
check "a second SIGTERM: the running stop hook's group is gone (group ${sg:-unknown})" stop_group_gone
check "... said so" logged "still running: SIGKILL to its process group"
[ -n "$sg" ] && kill -9 -- "-$sg" 2>/dev/null

# 5. the wait is bounded by --hook-timeout
rm -f "$T"/stopped.*; : > "$T/events"; echo 30 > "$T/stop_sleep"
daemon -n 7 -t 30 --hook-timeout 1 -c "$T/hook"
send > /dev/null; wait_ev start 1 2 || bail "start (5)"
t0=$(now); kill -TERM "$DPID"; wait "$DPID"; t1=$(now); DPID=
d=$(ms "$t1" "$t0")
check "a stop hook that hangs is ended by --hook-timeout 1, then exit (${d} ms, 900-3000)" within "$d" 900 3000
check "the hung stop hook got SIGTERM" logged "still running after 1 s: SIGTERM"

# 6. the unit, stopped as systemd stops it
unit=$T/tuninetd@.service
sed -e "s|@SBINDIR@|$(dirname "$TUNINETD")|g" -e "s|@LIBEXECDIR@|$T|g" \
    -e "s|@DOCDIR@|/usr/share/doc/tuninetd|g" "$SRC/systemd/tuninetd@.service.in" > "$unit"
sed -e "s|@SBINDIR@|$(dirname "$TUNINETD")|g" -e "s|@DOCDIR@|/usr/share/doc/tuninetd|g" \
    "$SRC/systemd/tuninetd-instance.in" > "$T/tuninetd-instance"
chmod 755 "$T/tuninetd-instance"
check "the unit has KillMode=mixed" grep -qx "KillMode=mixed" "$unit"
tos=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s\?$/\1/p' "$unit")
check "the unit's TimeoutStopSec (${tos:-none}) exceeds twice the default hook timeout + grace (130 s)" \
    bash -c "[ -n '$tos' ] && [ '$tos' -gt 130 ]"
name=tnd$ID
cat > /etc/default/tuninetd-$name <<CONF
NFLOG_GROUP=7
HOOK=$T/hook
TTL=30
CONF
trap 'rm -rf /etc/default/tuninetd-$name /run/tuninetd/$name /run/tuninetd/$name.control; cleanup' EXIT
rm -f "$T"/stopped.*; : > "$T/events"; echo 2 > "$T/stop_sleep"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit" | sed "s/%i/$name/g")
set -a; . /etc/default/tuninetd-$name; set +a
ip netns exec "$NS_B" env TND_UNIT=$ID $exec_start > "$T/log" 2>&1 & DPID=$!
unset NFLOG_GROUP HOOK TTL
sleep 0.8
send > /dev/null; wait_ev start 1 2 || bail "the unit's start"
# systemd: SIGTERM to the main process; SIGKILL to the rest after TimeoutStopSec
# (what is left of the unit: the processes in B that carry its mark)
unit_pids() {
	local p
	for p in $(ns_pids "$NS_B"); do
		grep -qxz "TND_UNIT=$ID" "/proc/$p/environ" 2>/dev/null && echo "$p"
	done
}
t0=$(now); kill -TERM "$DPID"
for i in $(seq $((tos * 10))); do gone "$DPID" && break; sleep 0.1; done
t1=$(now); wait "$DPID"; rc=$?; DPID=
for p in $(unit_pids); do kill -9 "$p" 2>/dev/null; done
d=$(ms "$t1" "$t0")
check "unit stop: the 2 s stop hook ran to its end" [ -e "$T/stopped.exit" ]
check "unit stop: the main process exited once it had ended (${d} ms, 1900-5000)" within "$d" 1900 5000
check "unit stop: exit status 0 (got $rc), before TimeoutStopSec" [ "$rc" = 0 ]

# 7. TTL and hook timeout at their largest: deadlines do not overflow
: > "$T/events"; echo 0 > "$T/stop_sleep"
daemon -n 7 -t 2147483647 --hook-timeout 2147483647 -c "$T/hook"
send > /dev/null; wait_ev start 1 2 || bail "start with TTL 2^31-1"
sleep 0.3
check "alive with TTL and hook timeout 2147483647 while up" kill -0 "$DPID"
kill -HUP "$DPID"; wait_ev stop 1 2
check "SIGHUP still stops it" [ "$(nev stop)" = 1 ]

# 8. the deadlines run on CLOCK_BOOTTIME (7), which goes on in suspend
tfd=$(for f in /proc/$(worker_of $DPID)/fdinfo/*; do grep -q '^clockid:' "$f" && grep '^clockid:' "$f"; done | sort -u)
check "the daemon's timerfd is CLOCK_BOOTTIME (${tfd:-none})" [ "$tfd" = "clockid: 7" ]
