# bench/match.sh: sourced by bench/bench.sh (its bed, helpers and $T),
# after demand.sh: the --match sensor beside the others of the same run.
# Its cost per packet while up (the kernel refreshes the set; the daemon
# does nothing), the sender's rate with its rules in place, start latency
# and stop error (also after a flood to the very end), the first TCP
# connection through the gate with --hold-first, 10,000 sessions at once,
# and 1,000 --match watches read at start-up and reloaded. Sets the M*
# and S* figures.
MATCH="udp dport 9999"

# the cost and the sender's rate, RUNS times, beside a run with no sensor
: > "$T/mcost"
for r in $(seq "$RUNS"); do
	base=$(blast "$N" | awk '{printf "%.0f", $1 / $2 / 1000}')
	m=$(cost "$TUNINETD" --match "$MATCH" --match-hooks input -t 600 -c "$TOOLS/stamp")
	echo "$base $m" >> "$T/mcost"
	echo "  run $r: no sensor $base kpps; --match ${m% *} ns, sender ${m#* } kpps"
done
mcol() { awk "{print \$$1}" "$T/mcost" | median; }
XM=$(mcol 2) XMK=$(mcol 3) XBASE=$(mcol 1)
XMT=$(calc "$(awk '{print $3 / $1}' "$T/mcost" | median)" 3)

latency --match "$MATCH" --match-hooks input > "$T/lat.match"
echo "  latency rounds, --match start ms / stop error ms: $(tr '\n' ';' < "$T/lat.match")"
[ "$(wc -l < "$T/lat.match")" = "$ROUNDS" ] || die "--match latency rounds missing"
XLS=$(awk '{print $1}' "$T/lat.match" | median) XLE=$(awk '{print $2}' "$T/lat.match" | median)

# the stop after a flood at full rate to the very end, TTL 1 s
rm -f "$STAMP_FILE"
start "$TUNINETD" --match "$MATCH" --match-hooks input -t 1 -c "$TOOLS/stamp"
: > "$T/flood.match"
for k in $(seq "$ROUNDS"); do
	tl=$(blast 200000 | cut -d' ' -f4)
	for i in $(seq 60); do [ "$(grep -c '^stop' "$STAMP_FILE" 2>/dev/null)" -ge "$k" ] && break; sleep 0.05; done
	sp=$(grep '^stop' "$STAMP_FILE" | sed -n "${k}p" | cut -d' ' -f2)
	[ -n "$sp" ] && calc "($sp - $tl - 1) * 1000" 2 >> "$T/flood.match" && echo >> "$T/flood.match"
	sleep 0.2
done
stop
sed -i '/^$/d' "$T/flood.match"
echo "  stop error after a flood to the end, --match (ms): $(tr '\n' ';' < "$T/flood.match")"
XFE=$(median < "$T/flood.match")

# the first TCP connection through the gate (demand.sh's), --hold-first
ip netns exec "$NS_A" "$TOOLS/tcpchat" serve 0.0.0.0 8080 > /dev/null 2>&1 & spid=$!
sleep 0.2
connects --match "tcp dport 8080" --match-hooks output --hold-first > "$T/conn.match"
kill $spid 2> /dev/null; wait $spid 2> /dev/null
echo "  first connect rounds, --hold-first, connect ms / start hook ms: $(tr '\n' ';' < "$T/conn.match")"
[ "$(wc -l < "$T/conn.match")" = "$ROUNDS" ] || die "--hold-first connect rounds missing"
XC=$(awk '{print $1}' "$T/conn.match" | median) XH=$(awk '{print $2}' "$T/conn.match" | median)

# 10,000 sessions: one per source address of A
SN=${SESSIONS:-10000} STTL=$(( 6 + SN / 500 ))
for i in $(seq 0 $((SN - 1))); do
	echo "addr add 10.89.$((i / 250)).$((1 + i % 250))/32 dev $VA"
done | ip -n "$NS_A" -batch - || die "session addresses"
ip -n "$NS_B" route add 10.89.0.0/16 dev "$VB"
cat > "$T/srcs.py" <<'PY'
import socket, sys, time
n, mode, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.89.%d.%d" % (i // 250, 1 + i % 250), 0)); socks.append(s)
dst = ("10.88.0.2", 9998)
last = [0.0] * n
if mode == "once":
    for i, s in enumerate(socks):
        s.sendto(b"x" * 32, dst); last[i] = time.time()
elif mode == "burst":          # every source, as fast as it goes, 2 s
    sent, end = 0, time.time() + 2
    while time.time() < end:
        for s in socks: s.sendto(b"x" * 32, dst)
        sent += n
    print(sent)
    for i in range(n): last[i] = time.time()
else:                          # source i falls silent after round i % 20
    for r in range(20):
        for i, s in enumerate(socks):
            if r <= i % 20:
                s.sendto(b"x" * 32, dst); last[i] = time.time()
        time.sleep(0.25)
with open(out, "w") as f:
    for i in range(n): f.write("10.89.%d.%d %.6f\n" % (i // 250, 1 + i % 250, last[i]))
PY
# the static hook (stamp: "EVENT TIME SESSION"), as for the other
# figures: with a shell script, its fork and exec bound the stops, not
# the daemon (make bench of 2026-12-05: median 1.4 s late, 1,157 hooks
# a second on 2 CPUs, against 2,000 stops a second due)
: > "$T/sevents"
STAMP_FILE=$T/sevents start "$TUNINETD" --match "ip saddr 10.89.0.0/16 udp dport 9998" \
    --match-hooks input --session saddr -t "$STTL" --control "$T/sctl" -c "$TOOLS/stamp"
ip netns exec "$NS_A" python3 "$T/srcs.py" "$SN" once "$T/sfirst" || die "session sender"
for i in $(seq 600); do [ "$(grep -c '^start' "$T/sevents")" -ge "$SN" ] && break; sleep 0.1; done
[ "$(grep -c '^start' "$T/sevents")" = "$SN" ] || die "$(grep -c '^start' "$T/sevents") of $SN sessions started"
t_first=$(sort -n -k2 "$T/sfirst" | awk 'NR==1{print $2}')
t_last=$(grep '^start' "$T/sevents" | sort -n -k2 | tail -1 | cut -d' ' -f2)
SRATE=$(calc "$SN / ($t_last - $t_first)" 0)
: > "$T/sstat"
for k in 1 2 3 4 5; do
	a=$(date +%s%N); "$1/tuninetctl" -s "$T/sctl" status > /dev/null 2>&1 || true
	b=$(date +%s%N); calc "($b - $a) / 1000000" 2 >> "$T/sstat"; echo >> "$T/sstat"
done
sed -i '/^$/d' "$T/sstat"; SSTAT=$(median < "$T/sstat")
c0=$(cpu_ns $pid)
pk=$(ip netns exec "$NS_A" python3 "$T/srcs.py" "$SN" burst "$T/sburst") || die "session sender"
c1=$(cpu_ns $pid)
SCPU=$(calc "($c1 - $c0) / $pk" 2)
SRSS=$(pss_kb $pid)
[ "$(grep -c '^stop' "$T/sevents")" = 0 ] || die "sessions stopped while every source was sending"
ip netns exec "$NS_A" python3 "$T/srcs.py" "$SN" spread "$T/slast" || die "session sender"
for i in $(seq $(( (STTL + 30) * 10 ))); do [ "$(grep -c '^stop' "$T/sevents")" -ge "$SN" ] && break; sleep 0.1; done
stop
awk '$1 == "stop" {print $3, $2}' "$T/sevents" | sort > "$T/sstops"
sort "$T/slast" | join - "$T/sstops" | awk -v ttl="$STTL" '{print ($3 - $2 - ttl) * 1000}' > "$T/serr"
[ "$(wc -l < "$T/serr")" = "$SN" ] || die "$(wc -l < "$T/serr") of $SN sessions stopped"
SERR_MED=$(median < "$T/serr")
SERR_LO=$(sort -g "$T/serr" | head -1) SERR_HI=$(sort -g "$T/serr" | tail -1)
SERR_BAD=$(awk '$1 < -50 || $1 > 50' "$T/serr" | wc -l)
echo "  $SN sessions: $SRATE starts/s, status ${SSTAT} ms, ${SCPU} ns/packet ($pk packets in 2 s), RSS $SRSS kB, stop errors ${SERR_LO}..${SERR_HI} ms (median $SERR_MED, $SERR_BAD beyond 50)"
ip -n "$NS_B" route del 10.89.0.0/16 dev "$VB"
ip -n "$NS_A" addr flush dev "$VA" to 10.89.0.0/16

# 1,000 --match watches: the file read to READY=1, a reload replacing
# one (a new expression) and one tuning one (its ttl); many.sh's helpers
mconf() {
	{
		printf '[daemon]\ncontrol = %s\nstate-dir = %s\n\n' "$T/mctl" "$T/mstate"
		for w in $(seq 1000); do
			printf '[watch m%d]\nmatch = udp dport %d\nmatch-hooks = input\nttl = 600\ncommand = %s\n\n' \
			    "$w" $((20000 + w)) "$TOOLS/stamp"
		done
	} > "$1"
}
: > "$T/xmany"
for r in $(seq "$MRUNS"); do
	rm -rf "$T/mstate"; rm -f "$STAMP_FILE"; : > "$STAMP_FILE"
	mconf "$T/m1000.conf"
	mstart "$T/m1000.conf"
	ready=$(calc "($(notified READY=1) - $M0) * 1000" 1)
	rss=$(pss_kb $pid)
	sed -i '0,/^ttl = 600$/s//ttl = 601/' "$T/m1000.conf"
	mreload; tune=$reload
	sed -i 's/^match = udp dport 20500$/match = udp dport 30500/' "$T/m1000.conf"
	mreload
	mstop
	echo "$ready $reload $tune $rss" >> "$T/xmany"
	echo "  run $r: 1,000 --match watches: READY=1 after $ready ms, RSS $rss kB; reload replacing one $reload ms, tuning one $tune ms"
done
xcol() { awk "{print \$$1}" "$T/xmany" | median; }
XREADY=$(xcol 1) XRELOAD=$(xcol 2) XTUNE=$(xcol 3) XRSS=$(xcol 4)
