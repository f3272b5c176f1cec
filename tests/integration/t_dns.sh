# --dns-name: a watch starts on a DNS query for one of its names, and on
# nothing else. A real resolver (dnsmasq) in B answers; A asks with dig.
# pcap: another name starts nothing; a name below the pattern starts it,
# the hook told the name and type, the log says the query; mixed case,
# TCP, IPv6 and the `.name' form; a name's parent is not below it;
# hostile packets to port 53 start nothing and stop no sensor, and are
# counted; replayed, their capture starts as many cycles. NFLOG and
# --match see queries too. -q: the query is held until
# the start hook (which starts the resolver) has exited, and answered on
# dig's one try; a query for another name is not held; the same with
# --match --hold-first. Refusals name the bad pattern. dns-keep: the
# answer's address keeps a --match watch up while traffic goes to it;
# another name's, or a forged answer's, does not; why lists it.
. "$(dirname "$0")/lib.sh"
CTL=$(dirname "$TUNINETD")/tuninetctl
PY=/usr/bin/python3
command -v dnsmasq > /dev/null && command -v dig > /dev/null ||
    bail "dnsmasq and dig are needed (make deps)"
bed_up
in_a ip addr add fd00:77::1/64 dev "$VA" nodad && in_b ip addr add fd00:77::2/64 dev "$VB" nodad ||
    bail "IPv6 on the veth"
mkhook
S=$T/ctl
# resolver ARGS...: dnsmasq in B on both addresses, answering everything
# under corp.example, other.example and internal
resolver() {
	in_b dnsmasq -C /dev/null --port 53 --listen-address "$ADDR_B" \
	    --listen-address fd00:77::2 --bind-interfaces --no-resolv \
	    --address=/corp.example/10.77.0.9 --address=/other.example/10.77.0.9 \
	    --address=/internal/10.77.0.9 --user=root --group=root "$@"
}
# q NAME [DIG OPTIONS...]: one query from A, one try
q() { local n=$1; shift; in_a dig +tries=1 +time=2 "$@" "$n" @"$ADDR_B" 2>&1; }
dnsmasq_pid() { cat "$T/dnsmasq.pid" 2>/dev/null; }

refused_by "$TUNINETD" "dns-name: \`a..example' is not a DNS name pattern" \
    -n 7 --dns-name 'a..example' -c "$T/hook"
refused_by "$TUNINETD" "use its xn-- form" -n 7 --dns-name 'bücher.example' -c "$T/hook"
refused_by "$TUNINETD" "--dns-name does not go with --session" \
    --match 'udp dport 53' --session saddr --dns-name x.example -c "$T/hook"

resolver --pid-file="$T/dnsmasq.pid" || bail "dnsmasq"
sleep 0.3
EXTRA_PIDS=$(dnsmasq_pid)

# --- pcap ------------------------------------------------------------
in_b tcpdump --immediate-mode -i "$VB" -U -w "$T/dns.pcap" port 53 2> /dev/null & EXTRA_PIDS="$EXTRA_PIDS $!"
TCPDUMP=$!
sleep 0.5
daemon -i "$VB" -f 'port 53' --dns-name '*.corp.example, .internal' -t 1 \
    --control "$S" -c "$T/hook"
q www.other.example > /dev/null; q mail.other.example AAAA > /dev/null
q corp.example > /dev/null; sleep 0.5
check "pcap: other names and the pattern's parent start nothing ($(nev start))" [ "$(nev start)" = 0 ]
q www.corp.example > "$T/dig1"
check "pcap: the query is answered as ever" grep -q '10\.77\.0\.9' "$T/dig1"
wait_ev start 1 2 || bail "pcap: no start on www.corp.example"
check "pcap: the hook is told the name" grep -q '^  TUNINETD_DNS_NAME=www.corp.example$' "$T/events"
check "pcap: and the type" grep -q '^  TUNINETD_DNS_TYPE=A$' "$T/events"
check "pcap: the log says the query" logged "|- DNS query A www.corp.example"
wait_ev stop 1 4 || bail "pcap: no stop"
q DB.Corp.EXAMPLE +tcp > "$T/dig2"
wait_ev start 2 2 || bail "pcap: no start on a query over TCP"
check "pcap: over TCP, in mixed case: the name lower-cased" \
    sh -c "grep '^  TUNINETD_DNS_NAME=' '$T/events' | tail -1 | grep -q '=db.corp.example$'"
wait_ev stop 2 4 || bail "pcap: no second stop"
in_a dig +tries=1 +time=2 INTERNAL AAAA @fd00:77::2 > /dev/null 2>&1
wait_ev start 3 2 || bail "pcap: no start on a query over IPv6"
check "pcap: IPv6, \`.internal' holds internal itself, type AAAA" \
    sh -c "grep '^  TUNINETD_DNS_' '$T/events' | tail -2 | tr -d ' \n' | grep -q 'NAME=internalTUNINETD_DNS_TYPE=AAAA'"
wait_ev stop 3 4 || bail "pcap: no third stop"
in_a "$PY" - "$ADDR_B" <<'PY'
import socket, os, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def q(body): s.sendto(body, (sys.argv[1], 53))
hdr = lambda qd: struct.pack(">HHHHHH", 0x1234, 0x0100, qd, 0, 0, 0)
name = b"\x03www\x04corp\x07example\x00"
q(os.urandom(12))
q(hdr(1) + b"\xc0\x0c\x00\x01\x00\x01")                    # pointer to itself
q(hdr(1) + b"\xc0\x12\x00\x01\x00\x01\x03www\xc0\x0c")     # pointer forward, loop
q(hdr(1) + b"\x03www\x04corp\x07example")                  # name cut short
q(hdr(1) + b"\x40" + b"a" * 64 + b"\x04corp\x07example\x00\x00\x01\x00\x01")  # label > 63
q(hdr(1) + (b"\x3f" + b"a" * 63) * 4 + b"\x04corp\x07example\x00\x00\x01\x00\x01")  # > 255
q(hdr(60000) + name + b"\x00\x01\x00\x01")                  # qdcount lies
q(hdr(2) + name + b"\x00\x01\x00\x01" + name + b"\x00\x01\x00\x01")  # two questions
q(struct.pack(">HHHHHH", 1, 0x8180, 1, 1, 0, 0) + name + b"\x00\x01\x00\x01")  # a response
for i in range(200):
    q(os.urandom(40))
PY
sleep 0.5
check "pcap: hostile packets to port 53 started nothing ($(nev start) starts)" [ "$(nev start)" = 3 ]
check "pcap: the daemon runs on" kill -0 "$DPID"
"$CTL" -s "$S" metrics > "$T/m.txt" 2>&1
check "pcap: the malformed ones are counted" \
    sh -c "grep 'tuninetd_dns_ignored_total{watch=\"default\",why=\"malformed\"}' '$T/m.txt' | awk '{exit !(\$2 >= 8)}'"
q www.corp.example > /dev/null
wait_ev start 4 2 || bail "pcap: the sensor stopped after hostile packets"
ok "pcap: a query starts it after them"
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=
sleep 0.3; kill "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null
# replay: what the capture's queries would have started
"$TUNINETD" -r "$T/dns.pcap" -f 'port 53' --dns-name '*.corp.example, .internal' -t 1 \
    --json > "$T/r.json" 2> "$T/r.log"
check "replay: the capture's four queries for the names, four cycles" "$PY" - "$T/r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
starts = [e for e in d["events"] if e["event"] == "start"]
ok = d["cycles"] == 4 and all(e["packet"]["dport"] == 53 for e in starts)
print("# cycles %d, starts %s" % (d["cycles"], [e["packet"] for e in starts])) if not ok else None
sys.exit(0 if ok else 1)
PY

# --- NFLOG and --match -------------------------------------------------
in_b nft add table inet dns || bail "nft table"
in_b nft add chain inet dns in '{ type filter hook input priority 0; }'
in_b nft add rule inet dns in udp dport 53 log group 8
: > "$T/events"
daemon -n 8 --dns-name www.corp.example -t 1 -c "$T/hook"
q mail.corp.example > /dev/null; sleep 0.4
check "nflog: another name starts nothing" [ "$(nev start)" = 0 ]
q www.corp.example > /dev/null
wait_ev start 1 2 || bail "nflog: no start on the query"
check "nflog: the hook is told the name" grep -q '^  TUNINETD_DNS_NAME=www.corp.example$' "$T/events"
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=
in_b nft delete table inet dns
: > "$T/events"
daemon --match 'udp dport 53' --match-hooks input --dns-name '*.corp.example' -t 1 \
    --control "$S" -c "$T/hook"
q www.other.example > /dev/null; sleep 0.4
check "match: another name starts nothing" [ "$(nev start)" = 0 ]
q api.corp.example > /dev/null
wait_ev start 1 2 || bail "match: no start on the query"
check "match: the hook is told the name" grep -q '^  TUNINETD_DNS_NAME=api.corp.example$' "$T/events"
# stopped by hand while other names are asked on and on: the next query
# for the names still reaches the daemon (the kernel's element went with
# the stop, and other names do not bring it back)
"$CTL" -s "$S" stop > /dev/null
for k in 1 2 3 4 5 6 7 8; do q www.other.example > /dev/null; sleep 0.2; done
q api.corp.example > /dev/null
wait_ev start 2 2 || bail "match: no start after a stop by hand with other names asked"
ok "match: stopped by hand, other names asked meanwhile, the next query starts it"
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=
kill "$(dnsmasq_pid)"; EXTRA_PIDS=; sleep 0.2

# --- dns-keep: the answers' addresses keep it up --------------------------
refused_by "$TUNINETD" "--dns-keep needs --match" -q 3 --dns-name x.example --dns-keep -c "$T/hook"
refused_by "$TUNINETD" "--dns-keep needs --dns-name" --match 'udp dport 53' --dns-keep -c "$T/hook"
refused_by "$TUNINETD" "--dns-keep-max needs --dns-keep" \
    --match 'udp dport 53' --dns-name x.example --dns-keep-max 9 -c "$T/hook"
refused_by "$TUNINETD" "dns-keep-max: \`0' is not a number of addresses" \
    --match 'udp dport 53' --dns-name x.example --dns-keep --dns-keep-max 0 -c "$T/hook"
# the answers' addresses are B's (A reaches them on the veth's subnet);
# the traffic to them is dropped in B's input, after the daemon's rules,
# so that B's port unreachables do not use up its ICMP rate for A
in_b ip addr add 10.77.0.9/32 dev lo && in_b ip addr add 10.77.0.10/32 dev lo &&
    in_b nft add rule inet tnd in udp dport 9998 drop || bail "dns-keep: addresses"
in_b dnsmasq -C /dev/null --port 53 --listen-address "$ADDR_B" --bind-interfaces --no-resolv \
    --address=/corp.example/10.77.0.9 --address=/other.example/10.77.0.10 \
    --user=root --group=root --pid-file="$T/dnsmasq.pid" || bail "dnsmasq"
sleep 0.3
EXTRA_PIDS=$(dnsmasq_pid)
: > "$T/events"
daemon --match 'udp dport 53' --match-hooks input --dns-name '*.corp.example' --dns-keep \
    -t 1 --control "$S" -c "$T/hook"
set_name=$(sed -n "s/.*, set \([^ ]*\)$/\1/p" "$T/log" | head -1)
q www.corp.example > "$T/k1"
wait_ev start 1 2 || bail "dns-keep: no start"
sleep 0.2
check "dns-keep: the answer's address is kept, logged (TTL 0: the watch's, 1 s)" \
    logged "NFT: dns-keep 10.77.0.9 (www.corp.example) for 1 s"
"$CTL" -s "$S" why > "$T/why" 2>&1
check "dns-keep: why shows the address and its name" \
    grep -Eq '^ +10\.77\.0\.9 .* left +www\.corp\.example$' "$T/why"
# 3.5 s of traffic to the address, nothing else, TTL 1 s: kept up
send 15 9998 250 10.77.0.9 > /dev/null
check "dns-keep: traffic to the address kept it up 3.5 s past a TTL of 1 s ($(nev stop) stops)" \
    [ "$(nev stop)" = 0 ]
wait_ev stop 1 3 || bail "dns-keep: no stop once the traffic ended"
ok "dns-keep: stopped once the traffic to the address ended"
check "dns-keep: idle, the kernel's set of addresses is empty" \
    sh -c "! ip netns exec $NS_B nft list set ip tuninetd ${set_name}_dns | grep -q 10.77"
# up again; an answer for another name keeps nothing: traffic to its
# address does not hold the watch up
q www.corp.example > /dev/null
wait_ev start 2 2 || bail "dns-keep: no second start"
q www.other.example > /dev/null
# a forged answer for the names, from port 53 of A with no query before
# it, giving the other address: no reply conntrack knows, not read
in_a "$PY" - "$ADDR_B" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 53))
name = b"\x03www\x04corp\x07example\x00"
m = struct.pack(">HHHHHH", 7, 0x8180, 1, 1, 0, 0) + name + b"\x00\x01\x00\x01"
m += b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 600, 4) + bytes([10, 77, 0, 10])
s.sendto(m, (sys.argv[1], 40000))
PY
send 15 9998 250 10.77.0.10 > /dev/null
check "dns-keep: traffic to the address of another name, and of a forged answer, kept nothing ($(nev stop) stops)" \
    [ "$(nev stop)" = 2 ]
check "dns-keep: neither address logged" sh -c "! grep -q 'dns-keep 10.77.0.10' '$T/log'"
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=
kill "$(dnsmasq_pid)"; EXTRA_PIDS=; sleep 0.2

# --- -q: the query held until the resolver is up -----------------------
mkhook "case \$1 in
start) dnsmasq -C /dev/null --port 53 --listen-address $ADDR_B --bind-interfaces \\
    --no-resolv --address=/corp.example/10.77.0.9 --user=root --group=root \\
    --pid-file=$T/dnsmasq.pid ;;
stop) kill \$(cat $T/dnsmasq.pid); rm -f $T/dnsmasq.pid ;;
esac"
in_b iptables -A INPUT -p udp --dport 53 -j NFQUEUE --queue-num 15 --queue-bypass ||
    bail "iptables NFQUEUE"
daemon -q 15 --dns-name db.corp.example -t 1 -c "$T/hook"
s=$(date +%s.%N); q www.other.example > "$T/o.out"; o=$(ms "$(date +%s.%N)" "$s")
check "queue: a query for another name is not held (dig gave up in ${o} ms, < 500)" within "$o" 0 500
check "queue: and starts nothing" [ "$(nev start)" = 0 ]
q db.corp.example > "$T/h.out"
check "queue: the held query is answered on dig's one try" grep -q '10\.77\.0\.9' "$T/h.out"
wait_ev start 1 2 || bail "queue: no start"
qt=$(sed -n 's/^;; Query time: \([0-9]*\) msec/\1/p' "$T/h.out")
note "held query: answered in ${qt:-?} ms"
wait_ev stop 1 4 || bail "queue: no stop"
check "queue: the stop hook ended the resolver" sh -c "! [ -s '$T/dnsmasq.pid' ]"
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=
# --match --hold-first: the same in the daemon's own rules
in_b iptables -D INPUT -p udp --dport 53 -j NFQUEUE --queue-num 15 --queue-bypass
: > "$T/events"
daemon --match 'udp dport 53' --match-hooks input --hold-first --dns-name db.corp.example \
    -t 1 -c "$T/hook"
s=$(date +%s.%N); q www.other.example > /dev/null; o=$(ms "$(date +%s.%N)" "$s")
check "hold-first: a query for another name is not held (${o} ms, < 500)" within "$o" 0 500
q db.corp.example > "$T/h2.out"
check "hold-first: the held query is answered on dig's one try" grep -q '10\.77\.0\.9' "$T/h2.out"
wait_ev start 1 2 || bail "hold-first: no start"
check "hold-first: one start, the query's" [ "$(nev start)" = 1 ]
wait_ev stop 1 4 || bail "hold-first: no stop"
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=
