# -a: while up, only TCP packets with ACK move the deadline; a UDP stream
# does not keep the watch up, a TCP conversation does; any packet still
# fires start. For both sensors (the NFLOG group gets TCP 9996 too), and
# for TCP over IPv6.
. "$(dirname "$0")/lib.sh"
bed_up; mkhook
in_b nft add rule inet tnd in tcp dport 9996 log group 7 || bail "nft rule"
in_a ip addr add fd00:77::1/64 dev "$VA" nodad && in_b ip addr add fd00:77::2/64 dev "$VB" nodad
ip netns exec "$NS_B" "$TOOLS/tcpchat" listen :: 9996 & EXTRA_PIDS=$!

# sensor_cycle NAME DAEMON-ARGS...: UDP start + UDP stream, then TCP
sensor_cycle() {
	local name=$1 n t0 d tl e; shift
	mkhook
	daemon -a "$@" -t 2 -c "$T/hook"
	t0=$(send 1 9999 | cut -d' ' -f1)
	wait_ev start 1 2 || bail "$name: start from a UDP packet"
	send 10 9999 300 > /dev/null		# ~3 s of UDP while up
	wait_ev stop 1 3 || bail "$name: a UDP stream kept the -a watch up"
	d=$(ms "$(evtime stop 1)" "$t0")
	check "$name: UDP did not extend: stop ${d} ms after the start packet (1900-2300)" within "$d" 1900 2300
	for i in $(seq 60); do [ "$(nev start)" = "$(nev stop)" ] && break; sleep 0.1; done
	n=$(nev start)
	send 1 9999 > /dev/null; wait_ev start $((n + 1)) 2 || bail "$name: start before the TCP phase"
	for addr in $ADDR_B fd00:77::2; do
		tl=$(in_a "$TOOLS/tcpchat" talk "$addr" 9996 8 400 | cut -d' ' -f2)
	done
	check "$name: no stop during 6 s of TCP over IPv4 then IPv6" [ "$(nev stop)" = "$n" ]
	wait_ev stop $((n + 1)) 4 || bail "$name: stop after the TCP conversation"
	e=$(ms "$(evtime stop $((n + 1)))" "$tl")
	check "$name: stop ${e} ms after the conversation ended (1900-2300)" within "$e" 1900 2300
	kill "$DPID"; wait "$DPID"; DPID=
}
sensor_cycle pcap -i "$VB" -f "tcp port 9996 or udp port 9999"
sensor_cycle nflog -n 7
