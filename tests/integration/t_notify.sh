# systemd integration without systemd: with NOTIFY_SOCKET set, READY=1
# (with MAINPID) once the sensors are open, STATUS= on each transition,
# STOPPING=1 on the way out, and NOTIFY_SOCKET kept from the hooks; with
# JOURNAL_STREAM naming stderr, lines carry <N> priority prefixes.
. "$(dirname "$0")/lib.sh"
bed_up; mkhook 'echo "hook sees NOTIFY_SOCKET=${NOTIFY_SOCKET:-unset}"'
"$TOOLS/notifylisten" "$T/notify" 8 > "$T/msgs" & EXTRA_PIDS=$!
sleep 0.3
touch "$T/log"; js=$(stat -c '%d:%i' "$T/log")
ip netns exec "$NS_B" env NOTIFY_SOCKET="$T/notify" JOURNAL_STREAM="$js" \
    "$TUNINETD" -i "$VB" -f "udp port 9999" -t 1 -c "$T/hook" -w "$T/no/such/dir/x.pcap" \
    >> "$T/log" 2>&1
check "a refused start says so with priority <3>" grep -q '^<3>-w: ' "$T/log"
: > "$T/log"
ip netns exec "$NS_B" env NOTIFY_SOCKET="$T/notify" JOURNAL_STREAM="$js" \
    "$TUNINETD" -i "$VB" -f "udp port 9999" -t 1 -c "$T/hook" >> "$T/log" 2>&1 &
DPID=$!
sleep 0.5
check "READY=1 once the sensors are open, with MAINPID" grep -q "READY=1|MAINPID=$DPID|STATUS=standby" "$T/msgs"
send > /dev/null; wait_ev stop 1 4 || bail "a cycle"
sleep 0.3
for s in "STATUS=starting, on a packet from the pcap sensor" "STATUS=up, stop after 1 s" \
    "STATUS=stopping (idle)" "STATUS=standby, waiting for a packet"; do
	check "notified $s" grep -qF "$s" "$T/msgs"
done
check "log lines carry <6> priorities" grep -q '^<6>PCAP: start command done' "$T/log"
check "no 'tuninetd:' prefix under the journal" bash -c "! grep -q '^tuninetd:' '$T/log'"
check "hooks do not inherit NOTIFY_SOCKET" grep -q "hook sees NOTIFY_SOCKET=unset" "$T/log"
kill -TERM "$DPID"; wait "$DPID"; DPID=
sleep 0.3
check "STOPPING=1 on exit" grep -q "STOPPING=1" "$T/msgs"
