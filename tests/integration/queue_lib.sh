# queue_lib.sh: sourced by t_queue*.sh after lib.sh, for the NFQUEUE
# sensor (queue $Q). On top of the bed: IPv6 on the veth (A fd00:77::1, B
# fd00:77::2); in A, a server for curl on TCP 8080 (both families) behind
# a gate, an iptables and ip6tables drop rule standing for the tunnel that
# is down, which the start hook lifts and the stop hook puts back, and an
# nftables counter of the SYNs that reach A, ahead of the gate; in B,
# counters of the UDP 9000 packets that reach B's input hook and of those
# that got past it (before and after iptables, so its NFQUEUE rules). The
# NFQUEUE rules themselves are the test's. Nothing listens on UDP 9000 in
# B: its port-unreachable errors are dropped, so that the sender's next
# datagrams are not refused.
Q=9
bed_up
in_a ip addr add fd00:77::1/64 dev "$VA" nodad && in_b ip addr add fd00:77::2/64 dev "$VB" nodad ||
    bail "IPv6 addresses"
ip netns exec "$NS_A" "$TOOLS/tcpchat" serve :: 8080 & EXTRA_PIDS=$!
in_a nft -f - <<'NFT' || bail "SYN counter in A"
table inet cnt {
	chain in {
		type filter hook input priority -10;
		tcp dport 8080 tcp flags syn counter
	}
}
NFT
in_b nft -f - <<'NFT' || bail "UDP counters in B"
table inet cnt {
	chain pre {
		type filter hook input priority -10;
		udp dport 9000 counter
	}
	chain in {
		type filter hook input priority 10;
		udp dport 9000 counter
	}
	chain out {
		type filter hook output priority 0;
		icmp type destination-unreachable drop
	}
}
NFT
cat > "$T/gate" <<GATE
#!/bin/sh
# down: lift the gate (the tunnel is up); up: put it back; either once
for t in iptables ip6tables; do
	while ip netns exec $NS_A \$t -C INPUT -p tcp --dport 8080 -j DROP 2> /dev/null; do
		[ \$1 = up ] && continue 2
		ip netns exec $NS_A \$t -D INPUT -p tcp --dport 8080 -j DROP
	done
	[ \$1 = up ] && ip netns exec $NS_A \$t -I INPUT -p tcp --dport 8080 -j DROP
done
exit 0
GATE
chmod +x "$T/gate"
"$T/gate" up || bail "gate"

# counter NS CHAIN: the packets its rule counted
counter() { ip netns exec "$1" nft list chain inet cnt "$2" | awk '/counter/ {for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1)}'; }
syns() { counter "$NS_A" in; }		# SYNs that reached A
udps() { counter "$NS_B" in; }		# UDP 9000 packets past B's input
udps_in() { counter "$NS_B" pre; }	# UDP 9000 packets that reached it
# the queue's line in B's /proc: total held in the kernel, copy mode,
# or nothing while it is not bound
qline() { in_b awk -v q=$Q '$1 == q' /proc/net/netfilter/nfnetlink_queue; }
kernel_held() { local l; l=$(qline); echo "${l:+$(awk '{print $3}' <<< "$l")}"; }
# connect ADDR [NS]: curl's connect time (s) to A's server, from B or NS
connect() { ip netns exec "${2:-$NS_B}" curl -gs -o /dev/null --max-time 5 -w '%{time_connect}' "http://$1:8080/"; }
# send UDP to B's port 9000 from A: COUNT [INTERVAL_MS]
udp() { send "$1" 9000 "${2:-0}" > /dev/null; }

# the hook: records start, end-start, stop, end-stop; start waits
# $T/start_s seconds (default 0.1) then lifts the gate; with $T/fail the
# start exits 1 without lifting it (removing $T/fail when it holds
# "once"); with $T/stop_s the stop waits that long before the gate
mkqhook() {
	mkhook '
d='"$T"'
if [ "$1" = start ]; then
	[ -f $d/noterm ] && trap "" TERM
	sleep $(cat $d/start_s 2>/dev/null || echo 0.1)
	if [ -f $d/fail ]; then
		grep -q once $d/fail && rm -f $d/fail
		echo "end-start $(date +%s.%N)" >> $d/events; exit 1
	fi
	$d/gate down
else
	[ -f $d/stop_s ] && sleep $(cat $d/stop_s)
	$d/gate up
fi
echo "end-$1 $(date +%s.%N)" >> $d/events
exit 0'
}
# hook_ms N: how long the Nth start hook ran
hook_ms() { ms "$(evtime end-start "$1")" "$(evtime start "$1")"; }
# stop_daemon: SIGTERM, and wait for it
stop_daemon() { kill "$DPID" 2> /dev/null; wait "$DPID" 2> /dev/null; DPID=; }
