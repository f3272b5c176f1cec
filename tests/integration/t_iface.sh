# The pcap interface comes and goes: deleted while up, its tun closed by
# its owner, moved to another namespace; each time tuninetd logs it once,
# lives on, keeps its NFLOG sensor working, stops at last packet + TTL,
# and re-attaches within 1 s of the interface's return, driven by
# rtnetlink (no wake-ups while it waits). Taken down (a veth, a tun), it
# keeps its capture, logs the down and the up, stops at last packet + TTL
# and captures again once up. --wait-interface starts with no interface
# at all, or with one that is down, and attaches once it is up.
. "$(dirname "$0")/lib.sh"
bed_up; mkhook
recreate() {
	ip link add "$VA" type veth peer name "$VB" && ip link set "$VA" netns "$NS_A" &&
	ip link set "$VB" netns "$NS_B" && in_a ip addr add $ADDR_A/24 dev "$VA" &&
	in_b ip addr add $ADDR_B/24 dev "$VB" && in_a ip link set "$VA" up &&
	in_b ip link set "$VB" up
}
ctxt() { awk '/ctxt_switches/{s += $2} END{print s}' /proc/$(worker_of $DPID)/status; }
# back_within EVENT-COUNT: a packet fires start number N within 1 s
fires() { local n=$1; send 1 9998 > /dev/null; wait_ev start "$n" 1; }

daemon -i "$VB" -f "udp port 9998" -n 7 -t 1 -c "$T/hook"
send 1 9998 > /dev/null; wait_ev start 1 2 || bail "start"
t=$(date +%s.%N)
in_b ip link del "$VB" || bail "ip link del"
sleep 0.3
check "alive after its interface was deleted while up" kill -0 "$DPID"
wait_ev stop 1 3 || bail "stop after the interface vanished"
d=$(ms "$(evtime stop 1)" "$t")
check "stop at last packet + TTL (${d} ms after the delete, < 1100)" within "$d" 0 1100
check "the loss logged once" [ "$(grep -c 'capture lost' "$T/log")" = 1 ]
c0=$(ctxt); sleep 2; c1=$(ctxt)
check "no wake-ups while the interface is absent ($((c1 - c0)) in 2 s)" [ $((c1 - c0)) = 0 ]
in_b "$TOOLS/sendudp" 127.0.0.1 9999 > /dev/null	# no veth now: loopback
wait_ev start 2 2
check "the NFLOG sensor still fires start" [ "$(nev start)" = 2 ]
wait_ev stop 2 3
recreate || bail "re-create the veth pair"
sleep 1
fires 3; check "re-attached within 1 s of the interface's return" [ "$(nev start)" = 3 ]
check "the return logged" logged "$VB: interface is back, capturing again"
wait_ev stop 3 3

# moved to another namespace, and back
ip -n "$NS_B" link set "$VB" netns "$NS_A" || bail "move to $NS_A"
sleep 0.3
check "alive after its interface moved away" kill -0 "$DPID"
check "the move logged" [ "$(grep -c 'capture lost' "$T/log")" = 2 ]
ip -n "$NS_A" link set "$VB" netns "$NS_B" && in_b ip addr add $ADDR_B/24 dev "$VB" &&
in_b ip link set "$VB" up || bail "move back"
sleep 1; fires 4; check "re-attached after moving back" [ "$(nev start)" = 4 ]
wait_ev stop 4 3

# taken down while up, and up again
t=$(send 1 9998 | cut -d' ' -f2); wait_ev start 5 1 || bail "start before down"
in_b ip link set "$VB" down; sleep 0.7
check "alive while its interface is down" kill -0 "$DPID"
check "taking it down is logged" logged "PCAP: $VB: interface down; no packets until it is up again"
wait_ev stop 5 3 || bail "stop while down"
d=$(stop_err "$(evtime stop 5)" "$t" 1)
check "while down: stop at last packet + TTL (${d} ms, within 100)" within "$d" -100 100
in_b ip link set "$VB" up; in_a ip link set "$VA" up; sleep 1
check "bringing it up is logged" logged "PCAP: $VB: interface up again, capturing"
fires 6; check "capturing again after down/up" [ "$(nev start)" = 6 ]
wait_ev stop 6 3
check "down and up logged once each" [ "$(grep -c "PCAP: $VB: interface \(down\|up again\)" "$T/log")" = 2 ]
kill "$DPID"; wait "$DPID"; DPID=

# a tun closed by its owner; --wait-interface before it ever existed
TUN=tu$ID
mkhook
daemon --wait-interface -i "$TUN" -f icmp -t 1 -c "$T/hook"
check "--wait-interface: running with no $TUN" kill -0 "$DPID"
check "--wait-interface: said it waits" logged "$TUN: no such interface yet; waiting for it"
ip netns exec "$NS_B" "$TUNTAPD" -i "$TUN" > /dev/null 2>&1 & tt=$!; EXTRA_PIDS=$tt
sleep 0.3; in_b ip addr add 10.78.0.1/24 dev "$TUN"; in_b ip link set "$TUN" up; sleep 0.7
in_b ping -c 1 -W 1 10.78.0.2 > /dev/null
wait_ev start 1 2; check "--wait-interface: fired once $TUN appeared" [ "$(nev start)" = 1 ]
wait_ev stop 1 3
in_b ip link set "$TUN" down; sleep 0.7
check "a tun taken down is logged" logged "PCAP: $TUN: interface down"
in_b ip link set "$TUN" up; sleep 0.5
check "a tun brought up is logged" logged "PCAP: $TUN: interface up again, capturing"
in_b ping -c 1 -W 1 10.78.0.2 > /dev/null
wait_ev start 2 2; check "capturing on the tun again after down/up" [ "$(nev start)" = 2 ]
wait_ev stop 2 3
kill $tt; wait $tt; EXTRA_PIDS=
sleep 0.3
check "alive after the tun's owner closed it" kill -0 "$DPID"
ip netns exec "$NS_B" "$TUNTAPD" -i "$TUN" > /dev/null 2>&1 & tt=$!; EXTRA_PIDS=$tt
sleep 0.3; in_b ip addr add 10.78.0.1/24 dev "$TUN"; in_b ip link set "$TUN" up; sleep 0.7
in_b ping -c 1 -W 1 10.78.0.2 > /dev/null
wait_ev start 3 2; check "re-attached to the tun when its owner came back" [ "$(nev start)" = 3 ]
kill "$DPID"; wait "$DPID"; DPID=

# --wait-interface still checks the filter
timeout 3 ip netns exec "$NS_B" "$TUNINETD" --wait-interface -i nosuch -f "udp port" -c "$T/hook" > "$T/out" 2>&1
check "--wait-interface refuses a bad filter" bash -c "[ $? = 1 ] && grep -q 'udp port' '$T/out'"

# an interface that exists but is down (a tap held by tuntapd): refused
# without --wait-interface, saying so; waited for with it, and captured
# on once it is up
TAP=ta$ID
ip netns exec "$NS_B" "$TUNTAPD" -i "$TAP" -m tap > /dev/null 2>&1 & tt=$!; EXTRA_PIDS=$tt
sleep 0.5
refused_by "$TUNINETD" "\`$TAP' is down: bring it up first, or give --wait-interface" -i "$TAP" -c "$T/hook"
mkhook
daemon --wait-interface -i "$TAP" -f arp -t 1 -c "$T/hook"
check "--wait-interface: running while $TAP is down" kill -0 "$DPID"
check "--wait-interface: said it waits for $TAP to come up" logged "PCAP: $TAP: interface is down; waiting for it to come up"
in_b ip addr add 10.79.0.1/24 dev "$TAP"; in_b ip link set "$TAP" up; sleep 0.5
in_b ping -c 1 -W 1 10.79.0.2 > /dev/null
wait_ev start 1 2; check "--wait-interface: fired once the down $TAP came up" [ "$(nev start)" -ge 1 ]
kill "$DPID"; wait "$DPID"; DPID=
