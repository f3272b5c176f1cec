# bench/keep.sh: sourced by bench/bench.sh (its bed, helpers and $T):
# how long the loop takes to answer while --keep-connections holds a
# watch, a dump of the conntrack table every 0.9 s, over KFLOWS UDP
# entries (one datagram from A to each flow, kept 600 s) and one quiet
# marked TCP connection that holds the watch. The entries are marked
# first (each is sent, parsed and counted), then not (the kernel's filter
# walks them, in one system call). tuninetctl's status request is sent
# over the control socket (a new connection each, as tuninetctl does)
# every 5 ms for KSECS s; the figure is the slowest answer of each
# second, median over the seconds of KRUNS runs; the same while the
# watch is idle (no dump) tells the machine's own noise. With
# KEEP_OLD=/path/to/tuninetd (an older build), that binary is measured
# in the same runs. Sets the K* variables keep_table prints.
KFLOWS=100000 KSECS=10 KIDLE=3 KRUNS=${KRUNS:-3}
CTL_SOCK=$T/keep.ctl
ip netns exec "$NS_B" nft -f - <<'NFT' || die "keep: nftables"
table inet keep {
	chain in {
		type filter hook input priority 0;
		udp dport 40000-49999 ct mark set 0x5
		tcp dport 9100 ct mark set 0x5
	}
}
NFT
ip netns exec "$NS_B" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=600 ||
    die "keep: nf_conntrack_udp_timeout"
ip netns exec "$NS_B" "$TOOLS/tcpchat" listen 0.0.0.0 9100 > /dev/null 2>&1 & kl=$!
sleep 0.2
ip netns exec "$NS_A" "$TOOLS/tcpchat" talk $DST 9100 1 0 3600000 > /dev/null 2>&1 & kt=$!

# entries PORT: KFLOWS UDP entries to ports PORT..., the others gone
entries() {
	ip netns exec "$NS_B" conntrack -D -p udp > /dev/null 2>&1
	ip netns exec "$NS_A" "$TOOLS/blast" $DST "$1" "$KFLOWS" "$KFLOWS" > /dev/null
	KENTRIES=$(ip netns exec "$NS_B" conntrack -C)
	[ "$KENTRIES" -ge "$KFLOWS" ] || die "keep: $KENTRIES conntrack entries, not $KFLOWS"
}
# asked SECONDS [held]: a status request every 5 ms (after the answer to
# the last); per answer, "second ms" (the second since the first request,
# the answer's time); with held, the first answer must show the watch up
# with its connection open
asked() {
	python3 "$(dirname "$0")/../tests/tools/askstatus.py" "$CTL_SOCK" "$1" 5 \
	    ${2:-} || die "keep: the watch is not held up"
}
# worst FILE: the slowest answer of each second, median over the seconds
worst() { awk '{if ($2 > m[$1]) m[$1] = $2} END{for (s in m) print m[s]}' "$1" | median; }
# kmeasure TUNINETD: the daemon idle (no dump: the machine's own noise),
# asked for KIDLE s; then up, held by the connection: its CPU over 3 s,
# and asked for KSECS s. Sets KRES to "held-worst CPU-% idle-worst".
kmeasure() {
	local c0 c1 i
	rm -f "$CTL_SOCK"
	start "$1" -n 7 -t 1 --keep-connections 0x5 --control "$CTL_SOCK" -c "$TOOLS/stamp"
	for i in $(seq 50); do [ -S "$CTL_SOCK" ] && break; sleep 0.1; done
	asked "$KIDLE" > "$T/idle" 2> "$T/asked.err" || die "$(cat "$T/asked.err")"
	blast 1 > /dev/null
	sleep 2		# TTL 1 s: the connection holds it from then on
	c0=$(cpu_ns $pid); sleep 3; c1=$(cpu_ns $pid)
	asked "$KSECS" held > "$T/held" 2> "$T/asked.err" || die "$(cat "$T/asked.err")"
	stop
	KRES="$(worst "$T/held") $(calc "($c1 - $c0) / 10000000 / 3" 1) $(worst "$T/idle")"
}
# kphase NAME: KRUNS runs, this build then KEEP_OLD's, into $T/keep.NAME
kphase() {
	local r kn ko
	: > "$T/keep.$1"
	for r in $(seq "$KRUNS"); do
		kmeasure "$TUNINETD"; kn=$KRES ko="- - -"
		[ -n "${KEEP_OLD:-}" ] && { kmeasure "$KEEP_OLD"; ko=$KRES; }
		echo "$kn $ko" >> "$T/keep.$1"
		echo "  run $r, $KENTRIES entries $1: status answer ms (slowest a second, median), CPU %, idle answer ms: this build $kn${KEEP_OLD:+; KEEP_OLD $ko}"
	done
}
entries 40000; kphase marked
entries 50000; kphase unmarked
kill $kt $kl 2>/dev/null; wait $kt $kl 2>/dev/null
ip netns exec "$NS_B" nft delete table inet keep
ip netns exec "$NS_B" conntrack -F 2>/dev/null
# columns: 1 2 3 this build's held worst per second, CPU %, idle worst
# per second; 4 5 6 KEEP_OLD's
kcol() { awk "{print \$$2}" "$T/keep.$1" | median; }
KW=$(kcol marked 1) KC=$(kcol marked 2) KI=$(kcol marked 3)
KWO=$(kcol marked 4) KCO=$(kcol marked 5) KIO=$(kcol marked 6)
KU=$(kcol unmarked 1) KUC=$(kcol unmarked 2) KUO=$(kcol unmarked 4) KUCO=$(kcol unmarked 5)

krow() { printf '| %-52s | %9s | %9s | %-9s | %-3s |\n' "$@"; }
keep_table() {
	krow "keep-connections, 100,000 entries (medians)" "tuninetd" "KEEP_OLD" goal met
	krow "----------------------------------------------------" --------- --------- --------- ---
	goal "keep-connections: slowest answer $KW ms a second" "$KW <= 10"
	krow "status answer, slowest a second, all marked (ms)" "$KW" "${KEEP_OLD:+$KWO}" "<= 10" $OK
	krow "status answer, slowest a second, none marked (ms)" "$KU" "${KEEP_OLD:+$KUO}" report -
	krow "status answer, slowest a second, idle: no dump (ms)" "$KI" "${KEEP_OLD:+$KIO}" report -
	krow "CPU while held, all marked (%)" "$KC" "${KEEP_OLD:+$KCO}" report -
	krow "CPU while held, none marked (%)" "$KUC" "${KEEP_OLD:+$KUCO}" report -
	echo "(a watch held by one quiet marked TCP connection beside 100,000 UDP entries, a dump every 0.9 s; a status request every 5 ms for $KSECS s, $KRUNS runs)"
	echo
}
