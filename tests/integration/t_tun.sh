# pcap on tun (raw IP) and tap (Ethernet) devices held open by tuntapd:
# packets routed into the device fire start with the right fields;
# tuntapd decodes what it discards, refuses bad input, exits 0 on SIGTERM.
. "$(dirname "$0")/lib.sh"
bed_up; mkhook
TUN=tu$ID TAP=ta$ID

ip netns exec "$NS_B" "$TUNTAPD" -i "$TUN" -m tun > "$T/tt.log" 2>&1 & tt=$!
EXTRA_PIDS=$tt; sleep 0.5
kill -0 $tt 2>/dev/null || bail "tuntapd holds a tun device: $(cat "$T/tt.log")"
in_b ip addr add 10.78.0.1/24 dev "$TUN" && in_b ip link set "$TUN" up || bail "configure $TUN"
check "the tun device has carrier while tuntapd holds it" bash -c "ip -n $NS_B link show $TUN | grep -q LOWER_UP"
daemon -i "$TUN" -f "icmp or icmp6" -t 1 -c "$T/hook"
in_b ping -c 1 -W 1 10.78.0.2 > /dev/null
wait_ev start 1 2 || bail "start for a packet routed into the tun device"
env1=$(evenv start 1)
for kv in TUNINETD_INTERFACE=$TUN TUNINETD_SRC=10.78.0.1 TUNINETD_DST=10.78.0.2 TUNINETD_PROTO=icmp; do
	check "tun: start hook gets $kv" grep -qx "  $kv" <<< "$env1"
done
check "tun: |- IPv4 line" logged "|- IPv4 10.78.0.1 > 10.78.0.2, NXT_HDR: 0x01 (ICMP)"
check "tun: no MAC line (raw IP has none)" bash -c "! grep -q '|- MAC' '$T/log'"
wait_ev stop 1 3 || bail "stop on tun"
in_b ip -6 addr add fd00:78::1/64 dev "$TUN" nodad
in_b ping -6 -c 1 -W 1 fd00:78::2 > /dev/null
wait_ev start 2 2 || bail "start for IPv6 into the tun device"
check "tun: |- IPv6 line" logged "|- IPv6 fd00:78::1 > fd00:78::2, NXT_HDR: 0x3A (IPv6-ICMP)"
check "tun: TUNINETD_PROTO=ipv6-icmp" grep -qx "  TUNINETD_PROTO=ipv6-icmp" <<< "$(evenv start 2)"
wait_ev stop 2 3
check "tuntapd logged a decoded packet" grep -qF "$TUN: IPv4 10.78.0.1 > 10.78.0.2" "$T/tt.log"
kill "$DPID"; wait "$DPID"; DPID=

kill -TERM $tt
for i in $(seq 50); do kill -0 $tt 2>/dev/null || break; sleep 0.02; done
check "tuntapd exited within 1 s of SIGTERM" bash -c "! kill -0 $tt 2>/dev/null"
wait $tt; rc=$?; EXTRA_PIDS=
check "tuntapd exit status 0 (got $rc)" [ $rc = 0 ]
check "the non-persistent tun device is gone with tuntapd" bash -c "! ip -n $NS_B link show $TUN 2>/dev/null"

ip netns exec "$NS_B" "$TUNTAPD" -i "$TAP" -m tap > "$T/tt.log" 2>&1 & tt=$!
EXTRA_PIDS=$tt; sleep 0.5
in_b ip addr add 10.79.0.1/24 dev "$TAP" && in_b ip link set "$TAP" up || bail "configure $TAP"
mac=$(ip -n "$NS_B" -br link show "$TAP" | awk '{print $3}')
mkhook
daemon -i "$TAP" -f "arp" -t 1 -c "$T/hook"
in_b ping -c 1 -W 1 10.79.0.2 > /dev/null
wait_ev start 1 2 || bail "start for an ARP request on the tap device"
check "tap: |- ARP line" logged "|- ARP 10.79.0.1 > 10.79.0.2, OPER: 1 (request)"
check "tap: |- MAC line, broadcast, EtherType 0x0806" logged "|- MAC: $mac > ff:ff:ff:ff:ff:ff, EtherType: 0x0806 (ARP)"
check "tap: TUNINETD_PROTO=arp" grep -qx "  TUNINETD_PROTO=arp" <<< "$(evenv start 1)"
kill "$DPID"; wait "$DPID"; DPID=
kill $tt; wait $tt; EXTRA_PIDS=

# tuntapd's bad input
tt_refused() { refused_by "$TUNTAPD" "$@"; }
tt_refused "no device"
tt_refused "\`bogus' is neither tun nor tap" -i x -m bogus
tt_refused "\`waytoolonginterfacename'" -i waytoolonginterfacename
tt_refused "\`-Z'" -i x -Z
tt_refused "\`$VB'" -i "$VB"
