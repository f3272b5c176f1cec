# NFQUEUE sensor (-q), with real TCP through iptables NFQUEUE rules
# (--queue-bypass): the first connection's SYN is held until the start
# hook, which lifts a gate, has exited 0, then accepted: exactly one SYN
# reaches the far side and curl connects in about the hook's run time, no
# retransmission; for locally sent packets (OUTPUT) and a router's
# forwarded ones (FORWARD), each over IPv4 and IPv6. The trigger packet is
# logged, in the hook's environment and in the -w savefile (tcpdump -r).
# Up and alone, the queue stays bound (no payload copied) and traffic
# through it keeps the watch up; a connection during the stop hook is held
# and starts the next cycle once the stop has ended. Beside an NFLOG
# sensor the queue is unbound while up and bound again for the next cycle.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/queue_lib.sh"
NS_C=tnd$ID-c VC=tv${ID}c VBC=tv${ID}d
trap 'ip netns del "$NS_C" 2>/dev/null; cleanup' EXIT

for t in iptables ip6tables; do
	in_b $t -A OUTPUT -p tcp --dport 8080 -j NFQUEUE --queue-num $Q --queue-bypass &&
	in_b $t -A FORWARD -p tcp --dport 8080 -j NFQUEUE --queue-num $Q --queue-bypass ||
	    bail "$t NFQUEUE rules"
done
mkqhook
daemon -q $Q -t 2 -w "$T/save.pcap" -c "$T/hook"
check "log: Start listening nfqueue $Q" logged "Start listening nfqueue $Q"

# first_connect NAME ADDR [NS]: a connection through the closed gate
first_connect() {
	local name=$1 addr=$2 ns=${3:-$NS_B} n0 s c
	n0=$(syns) s=$(($(nev start) + 1))
	c=$(connect "$addr" "$ns") || { not_ok "$name: curl connected (${c:-nothing})"; return 1; }
	wait_ev end-start $s 2 || bail "$name: start"
	note "$name: connect ${c} s, start hook ran $(hook_ms $s) ms"
	check "$name: connected in ${c} s (0.1-0.5, a 0.1 s hook)" within "$c" 0.1 0.5
	check "$name: one SYN reached the far side ($(($(syns) - n0)))" [ $(($(syns) - n0)) = 1 ]
	wait_ev stop $s 5 || bail "$name: stop"
	wait_ev end-stop $s 2 || bail "$name: end of stop"
	check "$name: no packet left held in the kernel" [ "$(kernel_held)" = 0 ]
}

first_connect "OUTPUT IPv4" "$ADDR_A"
env1=$(evenv start 1)
for kv in TUNINETD_SENSOR=nfqueue TUNINETD_QUEUE=$Q TUNINETD_SRC=$ADDR_B \
    TUNINETD_DST=$ADDR_A TUNINETD_PROTO=tcp TUNINETD_DPORT=8080 TUNINETD_REASON=packet; do
	check "start hook gets $kv" grep -qx "  $kv" <<< "$env1"
done
check "start hook gets the source port" grep -qE '^  TUNINETD_SPORT=[0-9]+$' <<< "$env1"
check "stop hook gets TUNINETD_SENSOR=nfqueue" grep -qx "  TUNINETD_SENSOR=nfqueue" <<< "$(evenv stop 1)"
check "log: NFQUEUE: start command done" logged "NFQUEUE: start command done"
check "log: the held SYN accepted" logged "NFQUEUE: queue $Q: accepted 1 held packet"
check "log: |- IPv4 line with ports" grep -qE "\|- IPv4 $ADDR_B > $ADDR_A, NXT_HDR: 0x06 \(TCP\), PORTS: [0-9]+ > 8080" "$T/log"
check "start came before the SYN passed: the hook's gate was lifted after it" \
    awk -v a="$(evtime start 1)" -v b="$(evtime end-start 1)" 'BEGIN{exit !(a < b)}'

first_connect "OUTPUT IPv6" "[fd00:77::1]"
check "log: |- IPv6 line" logged "|- IPv6 fd00:77::2 > fd00:77::1, NXT_HDR: 0x06 (TCP)"

# up and alone: bound, no payload, every packet accepted in batches; a
# connection every 0.35 s for 3 s keeps the 2 s TTL from running out
s=$(($(nev start) + 1)) cs=
connect "$ADDR_A" > /dev/null; wait_ev end-start $s 2 || bail "start before the stream"
sleep 0.2
check "up alone: the queue stays bound, copying no payload (mode 1): $(qline)" \
    [ "$(awk '{print $4}' <<< "$(qline)")" = 1 ]
for k in $(seq 9); do cs="$cs $(connect "$ADDR_A")"; sleep 0.35; done
note "connect times while up: $cs"
check "up alone: 9 connections in 3 s kept the watch up (TTL 2)" [ "$(nev stop)" = $((s - 1)) ]
check "up alone: each connected at once (< 50 ms):$cs" \
    awk -v l="$cs" 'BEGIN{n = split(l, a, " "); for (i = 1; i <= n; i++) if (a[i] > 0.05 || a[i] <= 0) exit 1; exit !(n == 9)}'
wait_ev end-stop $s 5 || bail "stop after the stream"

# a connection during the stop hook (0.6 s): held, then the next start
echo 0.6 > "$T/stop_s"
s=$(($(nev start) + 1))
connect "$ADDR_A" > /dev/null; wait_ev stop $s 5 || bail "stop before the held connection"
sleep 0.2; n0=$(syns)
c=$(connect "$ADDR_A")
wait_ev end-start $((s + 1)) 2 || bail "start after the stop"
d=$(ms "$(evtime start $((s + 1)))" "$(evtime end-stop $s)")
check "during stop: the start began ${d} ms after the stop ended (0-300)" within "$d" 0 300
check "during stop: connected in ${c} s (0.4-0.95: held, no retransmission)" within "$c" 0.4 0.95
check "during stop: one SYN reached the far side" [ $(($(syns) - n0)) = 1 ]
rm -f "$T/stop_s"
wait_ev end-stop $((s + 1)) 5 || bail "stop"

# FORWARD: C reaches A through B, which forwards (10.79.0.0/24, fd00:79::/64)
ip netns add "$NS_C" && ip link add "$VC" type veth peer name "$VBC" &&
ip link set "$VC" netns "$NS_C" && ip link set "$VBC" netns "$NS_B" &&
ip -n "$NS_C" addr add 10.79.0.1/24 dev "$VC" && ip -n "$NS_B" addr add 10.79.0.2/24 dev "$VBC" &&
ip -n "$NS_C" addr add fd00:79::1/64 dev "$VC" nodad && ip -n "$NS_B" addr add fd00:79::2/64 dev "$VBC" nodad &&
ip -n "$NS_C" link set "$VC" up && ip -n "$NS_B" link set "$VBC" up && ip -n "$NS_C" link set lo up &&
ip -n "$NS_C" route add default via 10.79.0.2 && ip -n "$NS_C" -6 route add default via fd00:79::2 &&
ip -n "$NS_A" route add 10.79.0.0/24 via "$ADDR_B" && ip -n "$NS_A" -6 route add fd00:79::/64 via fd00:77::2 &&
in_b sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || bail "router namespace"
first_connect "FORWARD IPv4" "$ADDR_A" "$NS_C"
check "log: |- IPv4 line of the forwarded SYN" logged "|- IPv4 10.79.0.1 > $ADDR_A, NXT_HDR: 0x06 (TCP)"
first_connect "FORWARD IPv6" "[fd00:77::1]" "$NS_C"
check "log: |- IPv6 line of the forwarded SYN" logged "|- IPv6 fd00:79::1 > fd00:77::1, NXT_HDR: 0x06 (TCP)"

kill -TERM "$DPID"; wait "$DPID"; rc=$?; DPID=
check "SIGTERM: exit status 0 (got $rc)" [ "$rc" = 0 ]
check "queue $Q unbound after exit" [ -z "$(qline)" ]
tcpdump -nr "$T/save.pcap" > "$T/save.txt" 2> /dev/null
note "savefile: $(wc -l < "$T/save.txt") packets"
check "savefile: one SYN per start ($(nev start))" [ "$(grep -c 'Flags \[S\]' "$T/save.txt")" = "$(nev start)" ]
check "savefile: the IPv4 SYN, read back by tcpdump" grep -q "IP $ADDR_B\.[0-9]* > $ADDR_A\.8080: Flags \[S\]" "$T/save.txt"
check "savefile: the IPv6 SYN" grep -q "IP6 fd00:77::2\.[0-9]* > fd00:77::1\.8080: Flags \[S\]" "$T/save.txt"
check "savefile: the forwarded SYN" grep -q "IP 10.79.0.1\.[0-9]* > $ADDR_A\.8080: Flags \[S\]" "$T/save.txt"
check "savefile: raw IP link type" bash -c "tcpdump -r '$T/save.pcap' -c 1 2>&1 >/dev/null | grep -q 'Raw IP'"

# beside an NFLOG sensor: unbound while up (the bypass flag passes
# packets, NFLOG keeps the deadline), bound again when the stop begins
in_b nft add chain inet tnd out '{ type filter hook output priority 0; }' &&
in_b nft add rule inet tnd out tcp dport 8080 log group 7 || bail "NFLOG rule"
mkqhook
daemon -q $Q -n 7 -t 2 -c "$T/hook"
first_connect "-q with -n" "$ADDR_A"
s=$(($(nev start) + 1))
connect "$ADDR_A" > /dev/null; wait_ev end-start $s 2 || bail "start before the stream"
sleep 0.2
check "beside NFLOG, up: queue $Q is unbound" [ -z "$(qline)" ]
kill -USR1 "$DPID"; sleep 0.2
check "SIGUSR1: capture engine nfqueue, unbound while up" logged "- capture engine: nfqueue $Q (0 held), unbound while up"
cs=
for k in $(seq 9); do cs="$cs $(connect "$ADDR_A")"; sleep 0.35; done
check "beside NFLOG, up: connections kept it up (TTL 2)" [ "$(nev stop)" = $((s - 1)) ]
check "beside NFLOG, up: each connected at once (< 50 ms):$cs" \
    awk -v l="$cs" 'BEGIN{n = split(l, a, " "); for (i = 1; i <= n; i++) if (a[i] > 0.05 || a[i] <= 0) exit 1; exit !(n == 9)}'
wait_ev end-stop $s 5 || bail "stop"
check "after the stop: queue $Q bound again, copying packets (mode 2)" [ "$(awk '{print $4}' <<< "$(qline)")" = 2 ]
first_connect "-q with -n, the next cycle" "$ADDR_A"
check "no refused request logged" bash -c "! grep -q 'refused' '$T/log'"
