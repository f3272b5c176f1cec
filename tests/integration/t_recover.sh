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
strace -qq -p "$DPID" -e trace=rename -o "$T/strace" & sp=$!
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
