# -w: each packet that fired start is appended to a pcap savefile (mode
# 0600, flushed at once) that tcpdump reads; tcpdump's reading of each
# record agrees field by field with tuninetd's log lines for it (IPv4/UDP,
# 802.1Q and QinQ tagged frames, IPv6/ICMPv6); NFLOG-only files are LINKTYPE_NFLOG;
# with both sensors NFLOG packets go in behind their MAC header; a tun's
# file is raw IP and a tap's Ethernet, both read back by tcpdump; an
# existing file is appended to; a symlink, a directory, a FIFO (at once,
# with no reader) or a file of another link type is refused at start-up;
# every fd of the daemon, libpcap's and the savefile's too, is
# close-on-exec.
. "$(dirname "$0")/lib.sh"
bed_up; mkhook
smac=$(ip -n "$NS_A" -br link show "$VA" | awk '{print $3}')
dmac=$(ip -n "$NS_B" -br link show "$VB" | awk '{print $3}')
in_a ip addr add fd00:77::1/64 dev "$VA" nodad && in_b ip addr add fd00:77::2/64 dev "$VB" nodad || bail "IPv6"
F=$T/ev.pcap

# (this kernel has no VLAN devices: tagged frames are sent raw)
daemon -i "$VB" -f "icmp6[0] == 128 or udp port 9999 or vlan" -t 1 -w "$F" -c "$T/hook"
send > /dev/null;				wait_ev stop 1 4 || bail "cycle 1 (IPv4)"
in_a "$TOOLS/vlansend" "$VA" "$smac" "$dmac" 10.80.0.1 10.80.0.2 9999 3
wait_ev stop 2 4 || bail "cycle 2 (802.1Q VID 3)"
in_a ping -6 -c 1 -W 1 fd00:77::2 > /dev/null;	wait_ev stop 3 4 || bail "cycle 3 (IPv6)"
in_a "$TOOLS/vlansend" "$VA" "$smac" "$dmac" 10.80.0.1 10.80.0.2 9999 3 100
wait_ev stop 4 4 || bail "cycle 4 (802.1ad VID 100, 802.1Q VID 3)"

check "savefile created with mode 0600" [ "$(stat -c %a "$F")" = 600 ]
tcpdump -nn -e -r "$F" 2> "$T/tcpdump.err" > "$T/tcpdump"
check "tcpdump reads 4 records, link type EN10MB" bash -c "[ \$(wc -l < '$T/tcpdump') = 4 ] && grep -q 'link-type EN10MB' '$T/tcpdump.err'"

# fields K: what tuninetd logged for start K, as "smac dmac vid src dst sport dport"
ours() {
	awk -v k="$1" '
	/start command done/ { n++ }
	{ sub(/^tuninetd: /, "") }
	n == k && /^\|- (IPv4|IPv6) / { src = $3; dst = $5; sub(/,$/, "", dst)
		if (match($0, /PORTS: [0-9]+ > [0-9]+/)) { split(substr($0, RSTART + 7, RLENGTH - 7), p, " > "); sp = p[1]; dp = p[2] } }
	n == k && /^\|- MAC: / { sm = $3; dm = $5; sub(/,$/, "", dm)
		while (match($0, /VID: [0-9]+/)) { vid = vid (vid ? "," : "") substr($0, RSTART + 5, RLENGTH - 5); $0 = substr($0, RSTART + RLENGTH) } }
	END { printf "%s %s %s %s %s %s %s\n", sm, dm, vid ? vid : "-", src, dst, sp ? sp : "-", dp ? dp : "-" }' "$T/log"
}
# the same fields from tcpdump -e's line K
theirs() {
	sed -n "${1}p" "$T/tcpdump" | awk '{
		sm = $2; dm = $4; sub(/,$/, "", dm); vid = "-"
		rest = $0; v = ""
		while (match(rest, /vlan [0-9]+/)) { v = v (v ? "," : "") substr(rest, RSTART + 5, RLENGTH - 5); rest = substr(rest, RSTART + RLENGTH) }
		if (v != "") vid = v
		line = $0; sub(/.*\(0x[0-9a-f]+\), /, "", line); sub(/^length [0-9]+: /, "", line)
		split(line, w, " ")
		src = w[1]; dst = w[3]; sub(/:$/, "", dst); sp = "-"; dp = "-"
		if (src ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/) {
			sp = src; sub(/.*\./, "", sp); sub(/\.[0-9]+$/, "", src)
			dp = dst; sub(/.*\./, "", dp); sub(/\.[0-9]+$/, "", dst) }
		printf "%s %s %s %s %s %s %s\n", sm, dm, vid, src, dst, sp, dp }'
}
for k in 1 2 3 4; do
	a=$(ours $k); b=$(theirs $k)
	check "start $k: log lines agree with tcpdump -e: '$a' = '$b'" [ "$a" = "$b" ]
done
check "802.1Q frame logged as '802.1Q VID: 3, EtherType: 0x0800 (IPv4)'" \
    logged "$smac > $dmac, 802.1Q VID: 3, EtherType: 0x0800 (IPv4)"
check "QinQ frame logged as '802.1ad VID: 100, 802.1Q VID: 3'" \
    logged "$smac > $dmac, 802.1ad VID: 100, 802.1Q VID: 3, EtherType: 0x0800 (IPv4)"
check "IPv6 line" logged "|- IPv6 fd00:77::1 > fd00:77::2, NXT_HDR: 0x3A (IPv6-ICMP)"
check "the records' timestamps are the start events' (within 0.1 s)" \
    bash -c "t=\$(tcpdump -tt -nn -r '$F' 2>/dev/null | sed -n 1p | cut -d' ' -f1); awk -v a=\$t -v b=$(evtime start 1) 'BEGIN{exit !(b - a >= 0 && b - a < 0.1)}'"
kill "$DPID"; wait "$DPID"; DPID=

# appending across restarts
daemon -i "$VB" -f "udp port 9999" -t 1 -w "$F" -c "$T/hook"
send > /dev/null; wait_ev stop 5 4 || bail "cycle after restart"
check "a restart appends: 5 records" [ "$(tcpdump -nn -r "$F" 2>/dev/null | wc -l)" = 5 ]
kill "$DPID"; wait "$DPID"; DPID=

# NFLOG only: LINKTYPE_NFLOG, prefix kept
daemon -n 7 -t 1 -w "$T/nf.pcap" -c "$T/hook"
send > /dev/null; wait_ev stop 6 4 || bail "NFLOG cycle"
check "NFLOG-only savefile has link type NFLOG" bash -c "tcpdump -nn -r '$T/nf.pcap' 2>&1 | grep -q 'link-type NFLOG'"
check "tcpdump reads the NFLOG record" bash -c "tcpdump -nn -r '$T/nf.pcap' 2>/dev/null | grep -q '$ADDR_A\.[0-9]* > $ADDR_B\.9999: UDP'"
kill "$DPID"; wait "$DPID"; DPID=

# both sensors: an NFLOG trigger in the pcap sensor's Ethernet file
daemon -i "$VB" -f "udp port 9998" -n 7 -t 1 -w "$T/both.pcap" -c "$T/hook"
send > /dev/null; wait_ev stop 7 4 || bail "NFLOG cycle with both sensors"
check "NFLOG packet in the Ethernet file behind its MAC header" \
    bash -c "tcpdump -nn -e -r '$T/both.pcap' 2>/dev/null | grep -q '^[0-9:.]* $smac > .* $ADDR_A\.[0-9]* > $ADDR_B\.9999: UDP'"
kill "$DPID"; wait "$DPID"; DPID=

# the daemon's own fds are close-on-exec (the hook gets none of them
# anyway, but a library's exec must not either): O_CLOEXEC in fdinfo
daemon -i "$VB" -f "udp port 9999" -n 7 -t 1 -w "$T/cx.pcap" -c "$T/hook"
n=$(nev stop); send > /dev/null; wait_ev stop $((n + 1)) 4 || bail "cycle for the fd check"
bad=
for fd in /proc/$(worker_of $DPID)/fd/*; do
	k=${fd##*/}; [ "$k" -le 2 ] && continue
	fl=$(awk '/^flags:/{print $2}' "/proc/$(worker_of $DPID)/fdinfo/$k" 2>/dev/null) || continue
	[ -n "$fl" ] && (( (8#$fl & 8#2000000) == 0 )) && bad="$bad $k=$(readlink "$fd")"
done
check "every fd of the daemon past 0-2 is close-on-exec (pcap socket and eventfd, NFLOG, savefile)${bad:+; not:$bad}" [ -z "$bad" ]
kill "$DPID"; wait "$DPID"; DPID=

# a tun (DLT_RAW, 12 on Linux, is LINKTYPE_RAW, 101, in a file) and a tap
TUN=tu$ID TAP=ta$ID
ip netns exec "$NS_B" "$TUNTAPD" -i "$TUN" -m tun > /dev/null 2>&1 & t1=$!
ip netns exec "$NS_B" "$TUNTAPD" -i "$TAP" -m tap > /dev/null 2>&1 & t2=$!
EXTRA_PIDS="$t1 $t2"; sleep 0.5
in_b ip addr add 10.78.0.1/24 dev "$TUN" && in_b ip link set "$TUN" up &&
in_b ip addr add 10.79.0.1/24 dev "$TAP" && in_b ip link set "$TAP" up || bail "tun and tap"
# on_dev NAME DEV FILTER PING-ADDR LINK-TYPE PATTERN: -w on DEV, one start,
# the file read back by tcpdump -r
on_dev() {
	local f=$T/$1.pcap n
	n=$(nev start)
	cat "$T/log" >> "$T/log.all"
	ip netns exec "$NS_B" "$TUNINETD" -i "$2" -f "$3" -t 1 -w "$f" -c "$T/hook" > "$T/log" 2>&1 & DPID=$!
	sleep 0.5
	if ! kill -0 "$DPID" 2> /dev/null; then
		wait "$DPID"; DPID=
		not_ok "-w on a $1: refused at start-up: $(tail -n 1 "$T/log")"
		return
	fi
	in_b ping -c 1 -W 1 "$4" > /dev/null
	wait_ev start $((n + 1)) 2
	kill "$DPID"; wait "$DPID"; DPID=
	tcpdump -nn -r "$f" > "$T/read" 2>&1
	check "-w on a $1: tcpdump -r reads link type $5 and the packet ($(tr '\n' ' ' < "$T/read" | head -c 160))" \
	    bash -c "grep -q 'link-type $5 ' '$T/read' && grep -q '$6' '$T/read'"
}
on_dev tun "$TUN" icmp 10.78.0.2 RAW "IP 10.78.0.1 > 10.78.0.2: ICMP echo request"
on_dev tap "$TAP" arp 10.79.0.2 EN10MB "ARP, Request who-has 10.79.0.2 tell 10.79.0.1"
kill $t1 $t2; wait $t1 $t2; EXTRA_PIDS=

# refusals
refused() { refused_by "$TUNINETD" "$@"; }
mkfifo "$T/fifo"
refused "fifo' is not a regular file" -i "$VB" -c "$T/hook" -w "$T/fifo"
echo "precious" > "$T/target"; ln -s "$T/target" "$T/link.pcap"
refused "link.pcap' is a symbolic link" -i "$VB" -c "$T/hook" -w "$T/link.pcap"
check "the symlink's target was not touched" [ "$(cat "$T/target")" = precious ]
refused "$T" -i "$VB" -c "$T/hook" -w "$T"
refused "nf.pcap" -i "$VB" -c "$T/hook" -w "$T/nf.pcap"
check "...because of its link type" grep -qi "linktype\|link type" "$T/out"
echo "not a capture" > "$T/text"
refused "text" -i "$VB" -c "$T/hook" -w "$T/text"
