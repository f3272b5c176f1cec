# bench/many.sh: sourced by bench/bench.sh (its bed, helpers and $T). A
# thousand watches in one daemon against one watch in the same run: one
# NFLOG group, an nftables verdict map sending each UDP port 10000+i to a
# chain that logs it with prefix "wI"; then 10 and 100 pcap watches on one
# interface. Sets the M* variables the tables print.
MANY=1000
{ echo 'table inet many {'
  for i in $(seq 0 $((MANY - 1))); do echo "  chain w$i { log prefix \"w$i\" group 8; }"; done
  echo '  chain in { type filter hook input priority 0;'
  printf '    udp dport vmap { '
  for i in $(seq 0 $((MANY - 1))); do printf '%d : jump w%d, ' $((10000 + i)) "$i"; done
  printf '}\n  }\n}\n'; } | ip netns exec "$NS_B" nft -f - || die "nft verdict map"

# conf FILE COUNT TTL: COUNT watches on group 8, one prefix each
conf() {
	{ printf '[daemon]\ncontrol = off\nstate-dir = %s/state\n\n' "$T"
	  for i in $(seq 0 $(($2 - 1))); do
		printf '[watch w%d]\nnflog-group = 8\nnflog-prefix = w%d\ncommand = %s\nttl = %s\n\n' \
		    "$i" "$i" "$TOOLS/stamp" "$3"
	  done; } > "$1"
}
mblast() { ip netns exec "$NS_A" "$TOOLS/blast" $DST "$1" "$2"; }
nstarts() { grep -c '^start' "$STAMP_FILE" 2>/dev/null || echo 0; }
# mreload: SIGHUP to the daemon, and how long from RELOADING=1 to READY=1
# (reload, ms) and how many hooks it ran (hooks)
mreload() {
	local n0 m0 i
	n0=$(wc -l < "$STAMP_FILE"); m0=$(wc -l < "$T/notify.msgs")
	kill -HUP $pid
	for i in $(seq 100); do [ -n "$(notified READY=1 "$m0")" ] && break; sleep 0.02; done
	sleep 0.5
	reload=$(calc "($(notified READY=1 "$m0") - $(notified RELOADING=1 "$m0")) * 1000" 1)
	hooks=$(( $(wc -l < "$STAMP_FILE") - n0 ))
}
# mlat PORT: ms from the packet sent to the start hook running
mlat() {
	local n0 t0 i
	n0=$(nstarts); t0=$(mblast "$1" 1 | cut -d' ' -f3)
	for i in $(seq 100); do [ "$(nstarts)" -gt "$n0" ] && break; sleep 0.01; done
	calc "($(grep '^start' "$STAMP_FILE" | tail -1 | cut -d' ' -f2) - $t0) * 1000" 3
	echo
}
# mcost PORT: CPU ns per packet of N packets, and the sender's kpps
mcost() {
	local c0 c1 r
	c0=$(cpu_ns $pid); r=$(mblast "$1" "$N"); sleep 0.2; c1=$(cpu_ns $pid)
	echo "$(calc "($c1 - $c0) / $N" 2) $(echo "$r" | awk '{printf "%.0f", $1 / $2 / 1000}')"
}
# notified WORD [FROM]: the time systemd would have been told WORD (the
# first, after line FROM)
notified() { awk -v w="$1" -v from="${2:-0}" 'NR > from && index($0, w) {print $1; exit}' "$T/notify.msgs"; }
# mstart FILE: the daemon under a NOTIFY_SOCKET of ours
mstart() {
	"$TOOLS/notifylisten" "$T/notify" 600 > "$T/notify.msgs" & npid=$!
	sleep 0.2
	M0=$(date +%s.%N)
	ip netns exec "$NS_B" env NOTIFY_SOCKET="$T/notify" "$TUNINETD" -C "$1" > "$T/out" 2>&1 & pid=$!
	for i in $(seq 100); do [ -n "$(notified READY=1)" ] && break; sleep 0.02; done
	[ -n "$(notified READY=1)" ] || die "many: no READY=1: $(head -c 200 "$T/out")"
}
mstop() { stop; kill $npid 2>/dev/null; wait $npid 2>/dev/null; }

: > "$T/many"
for r in $(seq "$MRUNS"); do
	rm -rf "$T/state"; rm -f "$STAMP_FILE"
	conf "$T/one.conf" 1 1
	mstart "$T/one.conf"
	l1=$(for k in $(seq "$ROUNDS"); do mlat 10000; sleep 1.3; done | median)
	mblast 10000 1 > /dev/null; sleep 0.3
	c1=$(mcost 10000)
	mstop
	rm -f "$STAMP_FILE"
	conf "$T/many.conf" "$MANY" 60
	mstart "$T/many.conf"
	ready=$(calc "($(notified READY=1) - $M0) * 1000" 1)
	sleep 1; w0=$(ctxt $pid); sleep "$IDLE"; w1=$(ctxt $pid)
	lm=$(for k in $(seq "$ROUNDS"); do mlat $((10000 + MANY - k)); sleep 0.2; done | median)
	ip netns exec "$NS_A" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in range(10000, 10000 + int(sys.argv[2])): s.sendto(b"x" * 16, (sys.argv[1], p))' "$DST" $((MANY - ROUNDS))
	for i in $(seq 100); do [ "$(nstarts)" -ge "$MANY" ] && break; sleep 0.1; done
	[ "$(nstarts)" -ge "$MANY" ] || die "many: only $(nstarts) of $MANY watches started"
	cm=$(mcost 10000)
	rss=$(pss_kb $pid)
	# a reload tuning one watch in place (its ttl: no hook), then one
	# replacing one (ack-only: its stop hook runs)
	sed -i '0,/^ttl = 60$/s//ttl = 61/' "$T/many.conf"
	mreload; tune=$reload tunehooks=$hooks
	sed -i '0,/^ttl = 61$/s//ttl = 61\nack-only = yes/' "$T/many.conf"
	mreload
	mstop
	echo "${c1% *} ${cm% *} $l1 $lm $rss $ready $(calc "($w1 - $w0) / $IDLE" 2) $reload $hooks $tune $tunehooks" >> "$T/many"
	echo "  run $r: cpu/pkt one ${c1% *} ns, 1000 ${cm% *} ns; start one $l1 ms, #1000 $lm ms; rss $rss kB; ready $ready ms; idle $(calc "($w1 - $w0) / $IDLE" 2)/s; reload in place $tune ms, $tunehooks hook(s); replacing $reload ms, $hooks hook(s)"
done
ip netns exec "$NS_B" nft delete table inet many
# columns: 1 2 cpu one, many; 3 4 latency one, many; 5 rss; 6 ready;
# 7 wake-ups; 8 reload ms (a watch replaced); 9 hooks it ran; 10 11 the
# same for the reload that tuned one in place
mcol() { awk "{print \$$1}" "$T/many" | median; }
MC1=$(mcol 1) MCM=$(mcol 2) ML1=$(mcol 3) MLM=$(mcol 4) MRSS=$(mcol 5)
MREADY=$(mcol 6) MWAKE=$(mcol 7) MRELOAD=$(mcol 8) MHOOKS=$(awk '{print $9}' "$T/many" | sort -n | tail -1)
MTUNE=$(mcol 10) MTUNEHOOKS=$(awk '{print $11}' "$T/many" | sort -n | tail -1)
MCR=$(calc "$(awk '{print ($1 > 0 ? $2 / $1 : 99)}' "$T/many" | median)" 2)
MLR=$(calc "$(awk '{print ($3 > 0 ? $4 / $3 : 99)}' "$T/many" | median)" 2)

# pcap watches on one interface: each opens a capture of its own; all up
# (one packet each), then N packets that every filter matches
pconf() {
	{ printf '[daemon]\ncontrol = off\nstate-dir = %s/state\n\n' "$T"
	  for i in $(seq 1 "$2"); do
		printf '[watch p%d]\ninterface = %s\nfilter = udp port 9999\ncommand = %s\nttl = 600\n\n' \
		    "$i" "$VB" "$TOOLS/stamp"
	  done; } > "$1"
}
: > "$T/pcap"
for r in $(seq "$MRUNS"); do
	line=
	for k in 1 10 100; do
		pconf "$T/p$k.conf" $k; rm -rf "$T/state"
		mstart "$T/p$k.conf"
		blast 1 > /dev/null; sleep 0.5
		line="$line $(mcost 9999)"
		mstop
	done
	echo "$line" >> "$T/pcap"
	echo "  run $r: pcap watches on one interface (ns/pkt kpps): 1:$(echo $line | cut -d' ' -f1-2) 10:$(echo $line | cut -d' ' -f3-4) 100:$(echo $line | cut -d' ' -f5-6)"
done
pcol() { awk "{print \$$1}" "$T/pcap" | median; }
MP1=$(pcol 1) MP1K=$(pcol 2) MP10=$(pcol 3) MP10K=$(pcol 4) MP100=$(pcol 5) MP100K=$(pcol 6)
