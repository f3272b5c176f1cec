# bench/privsep.sh: sourced by bench/bench.sh (its bed, helpers and $T),
# in the full run after dns.sh, or alone with ONLY=privsep: --user nobody,
# the worker jailed and the monitor that runs the hooks, against one
# process (--user root) in the same run:
#   - CPU per packet while up, pcap and NFLOG: the two processes' CPU
#     together against the one process's (medians of RUNS);
#   - first packet -> start hook running, pcap and NFLOG (the hop to the
#     monitor in it), medians of ROUNDS;
#   - memory, idle, both sensors: the two together against one, as the
#     proportional set size (PSS: a page the two share counted once, half
#     in each), and as the sum of their resident sets (a shared page
#     twice).
# Sets the P* figures.
# pcost ARGS...: the daemon's CPU per packet (bench.sh's cost: both
# processes together)
pcost() { cost "$TUNINETD" "$@" | cut -d' ' -f1; }
: > "$T/privsep.cost"
for r in $(seq "$RUNS"); do
	a=$(pcost -i "$VB" -f "udp port 9999" -t 600 --user root -c "$TOOLS/stamp")
	b=$(pcost -i "$VB" -f "udp port 9999" -t 600 --user nobody -c "$TOOLS/stamp")
	c=$(pcost -n 7 -t 600 --user root -c "$TOOLS/stamp")
	d=$(pcost -n 7 -t 600 --user nobody -c "$TOOLS/stamp")
	echo "$a $b $c $d" >> "$T/privsep.cost"
	echo "  privsep run $r: pcap $a ns, --user $b ns; nflog $c ns, --user $d ns"
done
pcol() { awk "{print \$$1}" "$T/privsep.cost" | median; }
PCP=$(pcol 1) PCPU=$(pcol 2) PCN=$(pcol 3) PCNU=$(pcol 4)
latency -i "$VB" -f "udp port 9999" --user root > "$T/plat.one"
latency -i "$VB" -f "udp port 9999" --user nobody > "$T/plat.user"
latency -n 7 --user root > "$T/plat.none"
latency -n 7 --user nobody > "$T/plat.nuser"
PLP=$(awk '{print $1}' "$T/plat.one" | median) PLPU=$(awk '{print $1}' "$T/plat.user" | median)
PLN=$(awk '{print $1}' "$T/plat.none" | median) PLNU=$(awk '{print $1}' "$T/plat.nuser" | median)
PEPU=$(awk '{print $2}' "$T/plat.user" | median)
[ "$(wc -l < "$T/plat.user")" = "$ROUNDS" ] && [ "$(wc -l < "$T/plat.nuser")" = "$ROUNDS" ] ||
    die "--user: latency rounds missing"
start "$TUNINETD" -i "$VB" -f "udp port 9999" -n 7 -t 600 --user root -c "$TOOLS/stamp"
sleep 1; PPSS=$(pss_kb $pid) PRSS=$(rss_kb $pid); stop
start "$TUNINETD" -i "$VB" -f "udp port 9999" -n 7 -t 600 --user nobody -c "$TOOLS/stamp"
sleep 1; PPSSU=$(pss_kb $pid) PRSSU=$(rss_kb $pid); stop

privsep_table() {
	local rp rn
	rp=$(calc "$PCPU / ($PCP > 0 ? $PCP : 1)" 2) rn=$(calc "$PCNU / ($PCN > 0 ? $PCN : 1)" 2)
	goal "--user: CPU per packet, pcap $PCPU ns against $PCP (within 10 % or 0.5 ns)" \
	    "$PCPU <= $PCP * 1.1 || $PCPU <= $PCP + 0.5"
	prow "CPU per packet while up, pcap (ns)" "$PCPU" "$PCP" "<= x 1.1" $OK
	goal "--user: CPU per packet, NFLOG $PCNU ns against $PCN (within 10 % or 0.5 ns)" \
	    "$PCNU <= $PCN * 1.1 || $PCNU <= $PCN + 0.5"
	prow "CPU per packet while up, NFLOG (ns)" "$PCNU" "$PCN" "<= x 1.1" $OK
	goal "--user: start latency, pcap $PLPU ms" "$PLPU <= 1.5"
	prow "first packet -> start hook, pcap (ms)" "$PLPU" "$PLP" "<= 1.5" $OK
	goal "--user: start latency, NFLOG $PLNU ms" "$PLNU <= 1.5"
	prow "first packet -> start hook, NFLOG (ms)" "$PLNU" "$PLN" "<= 1.5" $OK
	prow "stop - (last packet + TTL), pcap (ms)" "$PEPU" - report -
	goal "--user: PSS $PPSSU kB against $PPSS" "$PPSSU <= $PPSS * 1.5"
	prow "memory, both processes, PSS (kB)" "$PPSSU" "$PPSS" "<= x 1.5" $OK
	prow "resident sets summed, shared twice (kB)" "$PRSSU" "$PRSS" report -
	echo "(ratios: pcap CPU x $rp, NFLOG CPU x $rn)"
}
prow() { printf '| %-40s | %9s | %9s | %-9s | %-3s |\n' "$@"; }
