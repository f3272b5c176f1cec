# bench/demand.sh: sourced by bench/bench.sh (its bed, helpers and $T):
# the queue sensor's cost while up, and the first TCP connection through
# an on-demand gate, -q against pcap. Sets the Q*, C*, H* and X* figures.
# The queue sensor while up, in the same conditions as NFLOG alone (an
# NFQUEUE rule for the blast ahead of the NFLOG rule): alone it stays
# bound and accepts in batches; beside NFLOG it is unbound and the bypass
# flag passes packets. Alone, packets beyond a full queue fail open
# unseen: the share that went through the queue is reported with it.
qseq() { ip netns exec "$NS_B" awk '$1 == 3 {print $8}' /proc/net/netfilter/nfnetlink_queue; }
# qcost CMD...: like cost, plus the percentage of packets queued
qcost() {
	local c0 c1 s0 s1 r
	start "$@"
	blast 1 > /dev/null; sleep 0.2
	c0=$(cpu_ns $pid) s0=$(qseq)
	r=$(blast "$N")
	sleep 0.2
	c1=$(cpu_ns $pid) s1=$(qseq)
	stop
	echo "$(calc "($c1 - $c0) / $N" 2) $(echo "$r" | awk '{printf "%.0f", $1 / $2 / 1000}') $(calc "($s1 - $s0) * 100 / $N" 1)"
}
ip netns exec "$NS_B" iptables -I INPUT -p udp --dport 9999 -j NFQUEUE --queue-num 3 --queue-bypass ||
    die "iptables NFQUEUE rule"
: > "$T/qcost"
for r in $(seq "$RUNS"); do
	qa=$(qcost "$TUNINETD" -q 3 -t 600 -c "$TOOLS/stamp")
	qn=$(cost "$TUNINETD" -q 3 -n 7 -t 600 -c "$TOOLS/stamp")
	nn=$(cost "$TUNINETD" -n 7 -t 600 -c "$TOOLS/stamp")
	echo "$qa $qn $nn" >> "$T/qcost"
	echo "  run $r: nfqueue alone ${qa%% *} ns ($(echo "$qa" | cut -d' ' -f3) % queued, sender $(echo "$qa" | cut -d' ' -f2) kpps); nfqueue beside nflog ${qn% *} ns; nflog alone ${nn% *} ns"
done
ip netns exec "$NS_B" iptables -D INPUT -p udp --dport 9999 -j NFQUEUE --queue-num 3 --queue-bypass
# columns: 1 2 3 alone ns kpps %queued, 4 5 beside NFLOG ns kpps, 6 7 NFLOG alone
qcol() { awk "{print \$$1}" "$T/qcost" | median; }
QA=$(qcol 1) QAK=$(qcol 2) QAS=$(qcol 3) QN=$(qcol 4) NN=$(qcol 6) NNK=$(qcol 7)

# The first TCP connection through an on-demand path: a gate (a drop rule
# in A) that the start hook lifts and the stop hook puts back, curl's
# connect time from B to a server in A. The pcap sensor fires start on the
# SYN, which the gate drops: TCP sends it again after 1 s. The queue
# sensor holds it until the hook has exited. The hook (gatehook, static)
# stamps its own run time, lifting the gate with iptables included. TTL 3:
# the pcap case's resent SYN must find the gate still open.
ip netns exec "$NS_A" "$TOOLS/tcpchat" serve 0.0.0.0 8080 > /dev/null 2>&1 & spid=$!
export GATE_START="ip netns exec $NS_A iptables -D INPUT -p tcp --dport 8080 -j DROP"
export GATE_STOP="ip netns exec $NS_A iptables -I INPUT -p tcp --dport 8080 -j DROP"
ip netns exec "$NS_B" iptables -A OUTPUT -p tcp --dport 8080 -j NFQUEUE --queue-num 3 --queue-bypass ||
    die "iptables NFQUEUE rule"
# connects ARGS...: ROUNDS first connections, each after a stop; prints per
# round "connect-ms start-hook-ms"
connects() {
	local k i c h
	rm -f "$STAMP_FILE"; sh -c "$GATE_STOP"
	start "$TUNINETD" "$@" -t 3 -c "$TOOLS/gatehook"
	for k in $(seq "$ROUNDS"); do
		c=$(ip netns exec "$NS_B" curl -s -o /dev/null --max-time 5 -w '%{time_connect}' "http://$ADDR_A:8080/")
		for i in $(seq 160); do [ "$(grep -c '^stop' "$STAMP_FILE" 2>/dev/null)" -ge "$k" ] 2>/dev/null && break; sleep 0.05; done
		h=$(grep '^start' "$STAMP_FILE" | sed -n "${k}p" | awk '{printf "%.2f", ($3 - $2) * 1000}')
		[ -n "$h" ] && echo "$(calc "$c * 1000" 2) $h"
		sleep 0.2
	done
	stop
	sh -c "$GATE_START"
}
connects -i "$VB" -f "tcp dst port 8080" > "$T/conn.pcap"
connects -q 3 > "$T/conn.queue"
kill $spid 2> /dev/null; wait $spid 2> /dev/null
ip netns exec "$NS_B" iptables -D OUTPUT -p tcp --dport 8080 -j NFQUEUE --queue-num 3 --queue-bypass
echo "  first connect rounds, connect ms / start hook ms: pcap $(tr '\n' ';' < "$T/conn.pcap") nfqueue $(tr '\n' ';' < "$T/conn.queue")"
[ "$(wc -l < "$T/conn.pcap")" = "$ROUNDS" ] && [ "$(wc -l < "$T/conn.queue")" = "$ROUNDS" ] || die "first connect rounds missing"
CP=$(awk '{print $1}' "$T/conn.pcap" | median) HP=$(awk '{print $2}' "$T/conn.pcap" | median)
CQ=$(awk '{print $1}' "$T/conn.queue" | median) HQ=$(awk '{print $2}' "$T/conn.queue" | median)
XQ=$(awk '{print $1 - $2}' "$T/conn.queue" | median)

