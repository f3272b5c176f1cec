# bench/dns.sh: sourced by bench/bench.sh (its bed, helpers and $T), in
# the full run after match.sh, or alone with ONLY=dns: --dns-name.
#   - a query held by -q until the start hook has started the resolver
#     (dnsmasq in A): the client's query time against the hook's run time;
#   - a query for another name through the same queue, while the watch is
#     idle: its round trip against the same query with no queue rule;
#   - what reading queries costs the daemon while idle: 100,000 queries
#     for other names past the pcap sensor, against the same datagrams to
#     another port, which the same filter lets in and no DNS reading
#     looks at: the difference is the parsing's own cost.
# Sets the D* figures. Needs dnsmasq and dig (make deps).
command -v dnsmasq > /dev/null && command -v dig > /dev/null || die "dnsmasq and dig are needed (make deps)"
RESOLVE="dnsmasq -C /dev/null --port 53 --listen-address $ADDR_A --bind-interfaces --no-resolv --address=/corp.example/10.88.0.9 --address=/other.example/10.88.0.9 --user=root --group=root"
# the hook: start runs the resolver in A and stamps its own run time
cat > "$T/dnshook" <<EOF
#!/bin/sh
case \$1 in
start) t0=\$(date +%s.%N); ip netns exec $NS_A $RESOLVE --pid-file=$T/dnsmasq.pid
       echo "start \$t0 \$(date +%s.%N)" >> $STAMP_FILE ;;
stop)  kill \$(cat $T/dnsmasq.pid); rm -f $T/dnsmasq.pid; echo stop >> $STAMP_FILE ;;
esac
EOF
chmod +x "$T/dnshook"
# rtt NAME COUNT: round trips (ms) of COUNT queries for NAME from B, one
# after another, their median
cat > "$T/rtt.py" <<'PY'
import socket, struct, sys, time
addr, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
q = lambda i: struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + b"".join(
    bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0\0\1\0\1"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
t = []
for i in range(n):
    a = time.perf_counter(); s.sendto(q(i), (addr, 53)); s.recv(512)
    t.append((time.perf_counter() - a) * 1000)
t.sort(); print("%.3f" % t[n // 2])
PY
rtt() { ip netns exec "$NS_B" python3 "$T/rtt.py" "$ADDR_A" "$1" "$2"; }
QRULE="OUTPUT -d $ADDR_A -p udp --dport 53 -j NFQUEUE --queue-num 21 --queue-bypass"

# the held query: ROUNDS, each after the stop that ended the resolver
ip netns exec "$NS_B" iptables -A $QRULE || die "iptables NFQUEUE rule"
rm -f "$STAMP_FILE"
start "$TUNINETD" -q 21 --dns-name db.corp.example -t 1 -c "$T/dnshook"
: > "$T/dns.held"
for k in $(seq "$ROUNDS"); do
	o=$(ip netns exec "$NS_B" dig +tries=1 +time=3 db.corp.example @"$ADDR_A" 2>&1)
	for i in $(seq 80); do [ "$(grep -c '^stop' "$STAMP_FILE" 2>/dev/null)" -ge "$k" ] && break; sleep 0.05; done
	qt=$(echo "$o" | sed -n 's/^;; Query time: \([0-9]*\) msec/\1/p')
	h=$(grep '^start' "$STAMP_FILE" | sed -n "${k}p" | awk '{printf "%.2f", ($3 - $2) * 1000}')
	echo "$o" | grep -q '10\.88\.0\.9' && [ -n "$h" ] && echo "$qt $h" >> "$T/dns.held"
	sleep 0.2
done
stop
echo "  held query rounds, query ms / start hook ms: $(tr '\n' ';' < "$T/dns.held")"
[ "$(wc -l < "$T/dns.held")" = "$ROUNDS" ] || die "--dns-name: held query rounds missing (answered late or not at all)"
DQ=$(awk '{print $1}' "$T/dns.held" | median) DH=$(awk '{print $2}' "$T/dns.held" | median)
DQH=$(awk '{print $1 - $2}' "$T/dns.held" | median)

# another name through the queue, the watch idle, against no rule
ip netns exec "$NS_A" $RESOLVE --pid-file="$T/dnsmasq.pid" || die "dnsmasq"
: > "$T/dns.other"
for r in $(seq "$RUNS"); do
	ip netns exec "$NS_B" iptables -D $QRULE
	b=$(rtt www.other.example 200)
	ip netns exec "$NS_B" iptables -A $QRULE
	start "$TUNINETD" -q 21 --dns-name db.corp.example -t 1 -c "$T/dnshook"
	q=$(rtt www.other.example 200)
	stop
	echo "$b $q" >> "$T/dns.other"
	echo "  run $r: another name's round trip, no rule $b ms, through the queue $q ms"
done
ip netns exec "$NS_B" iptables -D $QRULE
kill "$(cat "$T/dnsmasq.pid")"; rm -f "$T/dnsmasq.pid"
DB=$(awk '{print $1}' "$T/dns.other" | median) DO=$(awk '{print $2}' "$T/dns.other" | median)
DADD=$(calc "$(awk '{print $2 - $1}' "$T/dns.other" | median)" 3)

# what reading them costs while idle: 100,000 queries for other names
# from A past B's pcap sensor (nobody answers them)
cat > "$T/flood.py" <<'PY'
import socket, struct, sys
addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(struct.pack(">HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 0) +
             b"\3www\5other\7example\0\0\1\0\1", (addr, port))
PY
# idle_cost PORT: the daemon's CPU ns per datagram of the flood to PORT
DN=100000
idle_cost() {
	local c0 c1
	start "$TUNINETD" -i "$VB" -f "udp dst port 53 or udp dst port 54" \
	    --dns-name db.corp.example -t 1 -c "$T/dnshook"
	c0=$(cpu_ns $pid)
	ip netns exec "$NS_A" python3 "$T/flood.py" "$ADDR_B" "$1" "$DN"
	sleep 0.3
	c1=$(cpu_ns $pid)
	stop
	calc "($c1 - $c0) / $DN" 1
}
: > "$T/dns.cost"
for r in $(seq "$RUNS"); do
	a=$(idle_cost 53) b=$(idle_cost 54)
	echo "$a $b" >> "$T/dns.cost"
	echo "  run $r: idle, ns per datagram: queries for another name $a, the same to port 54 $b"
done
DC=$(awk '{print $1}' "$T/dns.cost" | median) DC54=$(awk '{print $2}' "$T/dns.cost" | median)
DP=$(calc "$(awk '{print $1 - $2}' "$T/dns.cost" | median)" 1)

dns_table() {
	goal "--dns-name: held query $DQ ms, hook $DH ms" "$DQH <= 5"
	drow "a held query answered, query time (ms)" "$DQ" "hook $DH ms" "<= hook + 5" $OK
	goal "--dns-name: another name +$DADD ms" "$DADD <= 0.2"
	drow "another name through the queue, added (ms)" "$DADD" "$DO vs $DB" "<= 0.2" $OK
	goal "--dns-name: parsing $DP ns per query" "$DP <= 1000"
	drow "reading a query while idle (ns per packet)" "$DP" "$DC vs $DC54" "<= 1000" $OK
	drow "the daemon while idle, in all (ns per query)" "$DC" "pcap, $DN" report -
}
drow() { printf '| %-46s | %9s | %-16s | %-14s | %-3s |\n' "$@"; }
