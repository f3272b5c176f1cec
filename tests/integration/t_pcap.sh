# pcap sensor on a veth, TTL 2: start within 100 ms of the first packet,
# stop within 100 ms of last packet + TTL, twice; the hook's environment;
# the original's log lines; a non-matching packet starts nothing.
. "$(dirname "$0")/lib.sh"
bed_up; mkhook
daemon -i "$VB" -f "udp port 9999" -t 2 -c "$T/hook"

send 1 9998 > /dev/null
sleep 0.5
check "a packet the filter rejects fires nothing" [ "$(nev start)" = 0 ]

timed_rounds pcap 2
check "2 starts and 2 stops" [ "$(nev start)/$(nev stop)" = 2/2 ]

env1=$(evenv start 1)
for kv in TUNINETD_EVENT=start TUNINETD_SENSOR=pcap TUNINETD_INTERFACE=$VB \
    TUNINETD_SRC=$ADDR_A TUNINETD_DST=$ADDR_B TUNINETD_PROTO=udp \
    TUNINETD_DPORT=9999 TUNINETD_TTL=2 TUNINETD_REASON=packet \
    TUNINETD_PID=$DPID; do
	check "start hook gets $kv" grep -qx "  $kv" <<< "$env1"
done
check "start hook gets TUNINETD_SPORT" grep -q '^  TUNINETD_SPORT=[0-9]' <<< "$env1"
check "start hook gets no TUNINETD_UP_SECONDS" bash -c '! grep -q UP_SECONDS <<< "$1"' _ "$env1"
stop1=$(evenv stop 1)
for kv in TUNINETD_EVENT=stop TUNINETD_SENSOR=pcap TUNINETD_REASON=idle; do
	check "stop hook gets $kv" grep -qx "  $kv" <<< "$stop1"
done
# up from the packet to the stop: TTL 2 s, more only if the start hook
# itself ran past it (a loaded machine, a sanitizer build)
up=$(sed -n 's/^  TUNINETD_UP_SECONDS=//p' <<< "$stop1")
check "stop hook gets TUNINETD_UP_SECONDS=${up:-none} (2, or 3 on a slow start)" within "${up:-0}" 2 3
check "stop hook gets no packet fields" bash -c '! grep -q TUNINETD_SRC <<< "$1"' _ "$stop1"

check "log: PCAP: start command done" logged "PCAP: start command done"
check "log: |- IPv4 line" logged "|- IPv4 $ADDR_A > $ADDR_B, NXT_HDR: 0x11 (UDP)"
check "log: |- MAC line" grep -qE '\|- MAC: ([0-9a-f]{2}:){5}[0-9a-f]{2} > ([0-9a-f]{2}:){5}[0-9a-f]{2}, EtherType: 0x0800 \(IPv4\)' "$T/log"
check "log: CORE: executing STOP command..." logged "CORE: executing STOP command..."
check "log: original start line" logged "Success! Tuninetd has been started with PID: $DPID"

# a flood fills the ring, so the sensor only counts: stop is late by at
# most the check interval (TTL/100 here, 20 ms), never early
n=$(nev stop)
send 1 > /dev/null; wait_ev start 3 2 || bail "start before the flood"
tl=$(send 60000 | cut -d' ' -f2)
wait_ev stop $((n + 1)) 5 || bail "stop after the flood"
e=$(stop_err "$(evtime stop $((n + 1)))" "$tl" 2)
note "pcap after a 60000-packet flood: stop_err_ms $e"
check "stop ${e} ms from the flood's last packet + TTL (0-60)" within "$e" 0 60
check "one start and one stop for the flood" [ "$(nev start)/$(nev stop)" = 3/3 ]
kill "$DPID"; wait "$DPID"; DPID=

# a filter libpcap runs in user space: on `any', one that reads the cooked
# header's link-layer address (the sender's MAC), which the kernel's
# socket filter never sees. The kernel counters then count every packet,
# matching or not: unrelated traffic (20,000/s to another port) must not
# keep the watch up; stop at the last matching packet + TTL.
mkhook
m=$(ip -n "$NS_A" -br link show "$VA" | awk '{print $3}' | tr -d :)
daemon -i any -f "udp port 9999 and ether[6:4] = 0x${m:0:8} and ether[10:2] = 0x${m:8:4}" -t 2 -c "$T/hook"
W=$(worker_of "$DPID")	# the process that reads the packets
check "any + a link-layer filter: no kernel filter on the packet socket (ss -0 -b)" \
    bash -c "ip netns exec $NS_B ss -0 -b -p | grep -A1 'pid=$W,' | grep -q 'p_dgr' && ! ip netns exec $NS_B ss -0 -b -p | grep -A1 'pid=$W,' | grep -q 'bpf filter'"
check "the filter's place is logged" logged "PCAP: any: libpcap runs this filter in user space"
in_a "$TOOLS/sendudp" "$ADDR_B" 9998 1000000 32 0.05 4.5 > /dev/null & fl=$!
sleep 0.3
send 1 > /dev/null; wait_ev start 1 2 || bail "start on a matching packet amid unrelated traffic"
for k in 1 2 3; do sleep 0.3; tl=$(send | cut -d' ' -f2); done
wait_ev stop 1 4
e=$(stop_err "$(evtime stop 1)" "$tl" 2)
note "pcap, user-space filter, unrelated traffic: stop_err_ms $e"
check "user-space filter amid unrelated traffic: stop ${e} ms from the last matching packet + TTL (-100..300)" \
    bash -c "[ $(nev stop) = 1 ] && awk -v v='$e' 'BEGIN{exit !(v >= -100 && v <= 300)}'"
check "the unrelated traffic still flowed at the stop" kill -0 $fl
wait $fl
