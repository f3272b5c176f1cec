#!/bin/bash
# bench/bench.sh BINDIR TOOLDIR [QUICK]: the performance figures of tuninetd,
# measured on this machine against tcpdump (and no sensor at all) in the
# same run, on a veth pair between two network namespaces of its own, with
# 64-byte UDP; in the full run also the first TCP connection through an
# on-demand gate (-q against pcap, demand.sh), a thousand watches
# against one (many.sh), the loop's answer time while
# --keep-connections reads a table of 100,000 entries (keep.sh), and
# the --match sensor beside the others, with 10,000 sessions (match.sh),
# and --dns-name (dns.sh; ONLY=dns: that table alone), and --user
# against one process (privsep.sh; ONLY=privsep: that table alone). Prints
# tables of medians and exits non-zero when a goal is missed. Run as root
# (make bench; make bench QUICK=1, the first table alone, for < 1 minute;
# ONLY=keep, keep.sh's table alone, with KEEP_OLD=/path/to/tuninetd an
# older build measured beside this one).
set -u
TUNINETD=$1/tuninetd TOOLS=$2 QUICK=${3:-0} ONLY=${ONLY:-}
if [ "$QUICK" = 1 ]; then RUNS=3 N=150000 ROUNDS=5 IDLE=3 MRUNS=1
else RUNS=7 N=1000000 ROUNDS=9 IDLE=10 MRUNS=3; fi

. "$(dirname "$0")/../tests/bed.sh"
ID=$$ NS_A=tbn$ID-a NS_B=tbn$ID-b VA=tbn${ID}a VB=tbn${ID}b
ADDR_A=10.88.0.1 ADDR_B=10.88.0.2 DST=10.88.0.2
T=$(mktemp -d /tmp/tuninetd-bench.XXXXXX)
export STAMP_FILE=$T/stamps
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	bed_destroy
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() { echo "bench: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root"
bed_create <<'NFT' || die "test bed"
table inet bench {
	chain in { type filter hook input priority 0; udp dport 9999 log group 7; }
}
NFT

met=0 missed=
# goal NAME CONDITION: sets OK to yes or NO and counts it
goal() {
	if awk "BEGIN{exit !($2)}"; then met=$((met + 1)); OK=yes
	else missed="$missed; $1"; OK=NO; fi
}
# verdict: the last line, and the exit status
verdict() {
	if [ -n "$missed" ]; then echo "bench: goals MISSED: ${missed#; }"; exit 1; fi
	echo "bench: all $met goals met"
	exit 0
}
# a process and its children: tuninetd's worker (privilege separation) is
# the monitor's child, and reads the packets
tree() { echo "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); }
cpu_ns() { local s=0 p t a; for p in $(tree "$1"); do for t in /proc/$p/task/*/schedstat; do read -r a _ < "$t" 2> /dev/null && s=$((s + a)); done; done; echo $s; }
ctxt() { local p; for p in $(tree "$1"); do cat /proc/$p/task/*/status 2> /dev/null; done | awk '/ctxt_switches/{s += $2} END{print s}'; }
# memory: the proportional set size of the processes (a page the monitor
# and the worker share counted once, split between them), and the sum of
# their resident sets (a shared page counted in each)
pss_kb() { local p; for p in $(tree "$1"); do cat /proc/$p/smaps_rollup 2> /dev/null; done | awk '/^Pss:/{s += $2} END{print s}'; }
rss_kb() { local p; for p in $(tree "$1"); do cat /proc/$p/status 2> /dev/null; done | awk '/^VmRSS/{s += $2} END{print s}'; }
blast() { ip netns exec "$NS_A" "$TOOLS/blast" $DST 9999 "$1"; }
start() { ip netns exec "$NS_B" "$@" > "$T/out" 2>&1 & pid=$!; sleep 0.4; kill -0 $pid 2>/dev/null || die "$1 did not start: $(head -c 200 "$T/out")"; }
stop() { kill "$pid"; wait "$pid" 2>/dev/null; pid=; }
median() { sort -g | awk '{a[NR] = $1} END{if (NR == 0) print "nan"; else print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
calc() { awk "BEGIN{printf \"%.${2:-3}f\", $1}"; }

# cost CMD...: CMD up (one packet has fired start), then N packets:
# prints "CPU-ns-per-packet sender-kpps"
cost() {
	local c0 c1 r
	start "$@"
	blast 1 > /dev/null; sleep 0.2
	c0=$(cpu_ns $pid)
	r=$(blast "$N")
	sleep 0.2
	c1=$(cpu_ns $pid)
	stop
	echo "$(calc "($c1 - $c0) / $N" 2) $(echo "$r" | awk '{printf "%.0f", $1 / $2 / 1000}')"
}

# latency ARGS...: ROUNDS of one packet, another 0.3 s later, then stop
# after TTL 1 s; prints per round "start-ms stop-error-ms"
latency() {
	local k t0 tl st sp
	rm -f "$STAMP_FILE"
	start "$TUNINETD" "$@" -t 1 -c "$TOOLS/stamp"
	for k in $(seq "$ROUNDS"); do
		t0=$(blast 1 | cut -d' ' -f3); sleep 0.3; tl=$(blast 1 | cut -d' ' -f4)
		for i in $(seq 60); do [ "$(grep -c '^stop' "$STAMP_FILE" 2>/dev/null)" -ge "$k" ] && break; sleep 0.05; done
		st=$(grep '^start' "$STAMP_FILE" | sed -n "${k}p" | cut -d' ' -f2)
		sp=$(grep '^stop' "$STAMP_FILE" | sed -n "${k}p" | cut -d' ' -f2)
		[ -n "$st" ] && [ -n "$sp" ] && calc "($st - $t0) * 1000 - 0" 3 && echo " $(calc "($sp - $tl - 1) * 1000" 2)"
		sleep 0.2
	done
	stop
}
if [ "$ONLY" = dns ]; then
	echo "bench: $(nproc) CPUs, Linux $(uname -r), the --dns-name table alone"
	. "$(dirname "$0")/dns.sh"
	echo
	drow "--dns-name (medians)" "--dns-name" "beside it" goal met
	drow "----------------------------------------------" --------- ---------------- -------------- ---
	dns_table
	verdict
fi
if [ "$ONLY" = privsep ]; then
	echo "bench: $(nproc) CPUs, Linux $(uname -r), the --user table alone"
	. "$(dirname "$0")/privsep.sh"
	echo
	prow "--user (medians)" "--user" "one proc" goal met
	prow "----------------------------------------" --------- --------- --------- ---
	privsep_table
	verdict
fi
if [ "$ONLY" = keep ]; then
	echo "bench: $(nproc) CPUs, Linux $(uname -r), the keep-connections table alone"
	. "$(dirname "$0")/keep.sh"
	echo
	keep_table
	verdict
fi
echo "bench: $(nproc) CPUs, Linux $(uname -r), $( [ "$QUICK" = 1 ] && echo quick || echo full) mode: $RUNS runs of $N packets, $ROUNDS latency rounds"
: > "$T/cost"
for r in $(seq "$RUNS"); do
	base=$(blast "$N" | awk '{printf "%.0f", $1 / $2 / 1000}')
	tp=$(cost "$TUNINETD" -i "$VB" -f "udp port 9999" -t 600 -c "$TOOLS/stamp")
	rp=$(cost tcpdump -i "$VB" -w /dev/null "udp port 9999")
	tn=$(cost "$TUNINETD" -n 7 -t 600 -c "$TOOLS/stamp")
	rn=$(cost tcpdump -i nflog:7 -w /dev/null)
	echo "$base $tp $rp $tn $rn" >> "$T/cost"
	echo "  run $r: no sensor $base kpps; pcap tuninetd ${tp% *} ns tcpdump ${rp% *} ns; nflog tuninetd ${tn% *} ns tcpdump ${rn% *} ns"
done
# columns: 1 base kpps, 2 3 tuninetd pcap ns kpps, 4 5 tcpdump pcap, 6 7 tuninetd nflog, 8 9 tcpdump nflog
col() { awk "{print \$$1}" "$T/cost" | median; }
ratio() { calc "$(awk "{print (\$$2 > 0 ? \$$1 / \$$2 : 99)}" "$T/cost" | median)" 3; }
TP=$(col 2) RP=$(col 4) TN=$(col 6) RN=$(col 8)
RPCAP=$(ratio 2 4) RNFLOG=$(ratio 6 8)
THR_T=$(ratio 3 1) THR_R=$(ratio 5 1) BASE=$(col 1)

latency -i "$VB" -f "udp port 9999" > "$T/lat.pcap"
latency -n 7 > "$T/lat.nflog"
echo "  latency rounds, start ms / stop error ms: pcap $(tr '\n' ';' < "$T/lat.pcap") nflog $(tr '\n' ';' < "$T/lat.nflog")"
LSP=$(awk '{print $1}' "$T/lat.pcap" | median) LEP=$(awk '{print $2}' "$T/lat.pcap" | median)
LSN=$(awk '{print $1}' "$T/lat.nflog" | median) LEN=$(awk '{print $2}' "$T/lat.nflog" | median)
[ "$(wc -l < "$T/lat.pcap")" = "$ROUNDS" ] && [ "$(wc -l < "$T/lat.nflog")" = "$ROUNDS" ] || die "latency rounds missing"

# idle: both sensors, no traffic
start "$TUNINETD" -i "$VB" -f "udp port 9999" -n 7 -t 600 -c "$TOOLS/stamp"
sleep 1; c0=$(ctxt $pid); sleep "$IDLE"; c1=$(ctxt $pid)
WAKE=$(calc "($c1 - $c0) / $IDLE" 2)
RSS=$(pss_kb $pid) RSS_SUM=$(rss_kb $pid)
stop
start tcpdump -i "$VB" -w /dev/null "udp port 9999"
RSS_TCPDUMP=$(pss_kb $pid)
stop

# the demand and many-watches figures take minutes: the full run only
if [ "$QUICK" != 1 ]; then
	. "$(dirname "$0")/demand.sh"
	. "$(dirname "$0")/many.sh"
	. "$(dirname "$0")/keep.sh"
	. "$(dirname "$0")/match.sh"
	. "$(dirname "$0")/dns.sh"
	. "$(dirname "$0")/privsep.sh"
fi

row() { printf '| %-40s | %9s | %9s | %6s | %-9s | %-3s |\n' "$@"; }
echo
row "figure (medians)" tuninetd tcpdump ratio goal met
row "----------------------------------------" --------- --------- ------ --------- ---
goal "pcap cost ratio $RPCAP" "$RPCAP <= 0.0667"
row "CPU per packet while up, pcap (ns)" "$TP" "$RP" "$RPCAP" "<= 0.067" $OK
goal "NFLOG cost ratio $RNFLOG" "$RNFLOG <= 0.2"
row "CPU per packet while up, NFLOG (ns)" "$TN" "$RN" "$RNFLOG" "<= 0.2" $OK
row "sender throughput, pcap attached" "$(calc "$THR_T * 100" 0) %" "$(calc "$THR_R * 100" 0) %" - "report" -
goal "pcap start $LSP ms" "$LSP <= 1.5"
row "start latency, pcap, static hook (ms)" "$LSP" - - "<= 1.5" $OK
goal "NFLOG start $LSN ms" "$LSN <= 1.5"
row "start latency, NFLOG, static hook (ms)" "$LSN" - - "<= 1.5" $OK
goal "pcap stop error $LEP ms" "$LEP >= -20 && $LEP <= 20"
row "stop - (last packet + TTL), pcap (ms)" "$LEP" - - "+-20" $OK
goal "NFLOG stop error $LEN ms" "$LEN >= -20 && $LEN <= 20"
row "stop - (last packet + TTL), NFLOG (ms)" "$LEN" - - "+-20" $OK
goal "wake-ups $WAKE/s" "$WAKE < 0.2"
row "wake-ups per second, no traffic" "$WAKE" - - "0 (< 0.2)" $OK
goal "memory $RSS kB (PSS of the monitor and the worker; their RSS sum $RSS_SUM kB)" "$RSS <= 3584"
row "memory, both sensors (MB, PSS)" "$(calc "$RSS / 1024" 2)" "$(calc "$RSS_TCPDUMP / 1024" 2)" - "<= 3.5" $OK
echo "(throughput: the sender's packets/s with the sensor attached, against $BASE kpps with none)"
echo
if [ "$QUICK" = 1 ]; then
	echo "(quick: the demand and many-watches figures are measured by the full run, make bench)"
	echo
else
	drow() { printf '| %-44s | %9s | %-12s | %-12s | %-3s |\n' "$@"; }
	drow "demand figure (medians)" "-q" "other sensor" goal met
	drow "--------------------------------------------" --------- ------------ ------------ ---
	goal "first connect -q $CQ ms, hook $HQ ms" "$CQ <= $HQ + 2"
	drow "first TCP connect through the gate (ms)" "$CQ" "pcap $CP" "<= hook + 2" $OK
	drow "start hook's own run time, lifting it (ms)" "$HQ" "pcap $HP" report -
	drow "connect - hook run time, per round (ms)" "$XQ" - report -
	drow "CPU per packet while up, -q alone (ns)" "$QA" "NFLOG $NN" report -
	drow "packets through the queue, -q alone (%)" "$QAS" - report -
	drow "sender throughput, -q alone (kpps)" "$QAK" "NFLOG $NNK" report -
	drow "CPU per packet while up, -q beside -n (ns)" "$QN" "NFLOG $NN" report -
	echo "(-q alone: bound, no payload, batch verdicts; beside -n: unbound, the rule's bypass passes packets)"
	echo
	mrow() { printf '| %-46s | %9s | %9s | %-16s | %-3s |\n' "$@"; }
	mrow "many watches (medians)" "1,000" "one" goal met
	mrow "----------------------------------------------" --------- --------- ---------------- ---
	goal "1,000 watches: CPU per packet ${MCR} x one" "$MCR <= 1.5"
	mrow "CPU per packet, all up (ns)" "$MCM" "$MC1" "<= 1.5 x ($MCR)" $OK
	goal "1,000 watches: start latency of #1000 ${MLR} x one" "$MLR <= 1.5 || $MLM <= $ML1 + 0.5"
	mrow "first packet -> start hook, watch #1000 (ms)" "$MLM" "$ML1" "<= 1.5 x ($MLR)" $OK
	goal "1,000 watches: RSS $MRSS kB" "$MRSS <= 6144"
	mrow "resident memory (MB)" "$(calc "$MRSS / 1024" 2)" - "<= 6" $OK
	goal "1,000 watches: READY=1 after $MREADY ms" "$MREADY <= 500"
	mrow "configuration read to READY=1 (ms)" "$MREADY" - "<= 500" $OK
	goal "1,000 watches: $MWAKE wake-ups/s idle" "$MWAKE < 0.2"
	mrow "wake-ups per second, all idle" "$MWAKE" - "0 (< 0.2)" $OK
	goal "reload of one watch in 1,000: $MRELOAD ms, $MHOOKS hook(s)" "$MRELOAD <= 100 && $MHOOKS == 1"
	mrow "reload, one watch of 1,000 replaced (ms)" "$MRELOAD" - "<= 100, 1 hook" $OK
	goal "reload tuning one watch in 1,000: $MTUNE ms, $MTUNEHOOKS hook(s)" "$MTUNE <= 100 && $MTUNEHOOKS == 0"
	mrow "reload, one watch of 1,000 tuned (ms)" "$MTUNE" - "<= 100, 0 hooks" $OK
	echo "(1,000 NFLOG watches on one group, one nftables verdict map to 1,000 chains, each its own log prefix)"
	echo
	prow() { printf '| %-32s | %9s | %9s | %9s |\n' "$@"; }
	prow "pcap watches on one interface" 1 10 100
	prow "--------------------------------" --------- --------- ---------
	prow "CPU per packet, all up (ns)" "$MP1" "$MP10" "$MP100"
	prow "sender throughput (kpps)" "$MP1K" "$MP10K" "$MP100K"
	echo "(each pcap watch opens a capture of its own: the kernel copies each packet to every ring; no sensor: $BASE kpps)"
	echo
	keep_table
	echo
	xrow() { printf '| %-46s | %9s | %-16s | %-14s | %-3s |\n' "$@"; }
	xrow "--match (medians)" "--match" "beside it" goal met
	xrow "----------------------------------------------" --------- ---------------- -------------- ---
	goal "--match cost $XM ns" "$XM <= 0.5"
	xrow "CPU per packet while up (ns)" "$XM" "NFLOG $TN, pcap $TP" "<= 0.5" $OK
	goal "--match sender $XMT of no rule" "$XMT >= 0.9"
	xrow "sender with its rules, of no sensor (%)" "$(calc "$XMT * 100" 0)" "$XMK / $XBASE kpps" ">= 90" $OK
	goal "--match start $XLS ms" "$XLS <= 1.5"
	xrow "first packet -> start hook (ms)" "$XLS" "NFLOG $LSN" "<= 1.5" $OK
	goal "--match stop error $XLE ms" "$XLE >= -5 && $XLE <= 5"
	xrow "stop - (last packet + TTL) (ms)" "$XLE" "NFLOG $LEN" "+-5" $OK
	goal "--match stop error after a flood $XFE ms" "$XFE >= -5 && $XFE <= 5"
	xrow "the same, after a flood to the end (ms)" "$XFE" - "+-5" $OK
	goal "--hold-first connect $XC ms, hook $XH ms" "$XC <= $XH + 2"
	xrow "first TCP connect, --hold-first (ms)" "$XC" "-q $CQ, pcap $CP" "<= hook + 2" $OK
	xrow "start hook's own run time (ms)" "$XH" "-q $HQ" report -
	goal "$SN sessions RSS $SRSS kB" "$SRSS <= 16384"
	xrow "$SN sessions up: resident memory (MB)" "$(calc "$SRSS / 1024" 2)" - "<= 16" $OK
	goal "sessions cost $SCPU ns" "$SCPU <= 0.5"
	xrow "$SN sessions up: CPU per packet (ns)" "$SCPU" - "<= 0.5" $OK
	goal "sessions: $SERR_BAD stops beyond 50 ms" "$SERR_BAD == 0"
	xrow "each session's stop error, median (ms)" "$SERR_MED" "$SERR_LO..$SERR_HI" "all +-50" $OK
	goal "sessions start $SRATE/s" "$SRATE >= 500"
	xrow "sessions started per second" "$SRATE" - ">= 500" $OK
	goal "status with $SN sessions $SSTAT ms" "$SSTAT <= 50"
	xrow "tuninetctl status, $SN sessions (ms)" "$SSTAT" - "<= 50" $OK
	goal "1,000 --match READY=1 $XREADY ms" "$XREADY <= 500"
	xrow "1,000 --match watches: READY=1 (ms)" "$XREADY" "NFLOG $MREADY" "<= 500" $OK
	goal "1,000 --match reload of one $XRELOAD ms" "$XRELOAD <= 100"
	xrow "reload replacing one of 1,000 (ms)" "$XRELOAD" "NFLOG $MRELOAD" "<= 100" $OK
	xrow "reload tuning one of 1,000 (ms)" "$XTUNE" "NFLOG $MTUNE" report -
	echo "(--match: the kernel refreshes a timeout set per packet; the daemon reads it at the deadline)"
	echo
	drow "--dns-name (medians)" "--dns-name" "beside it" goal met
	drow "----------------------------------------------" --------- ---------------- -------------- ---
	dns_table
	echo
	prow "--user (medians)" "--user" "one proc" goal met
	prow "----------------------------------------" --------- --------- --------- ---
	privsep_table
fi
verdict
