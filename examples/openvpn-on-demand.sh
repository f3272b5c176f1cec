#!/bin/sh
# openvpn-on-demand.sh: a tuninetd hook that runs an OpenVPN client while
# traffic needs it and stops it when idle; "already up" and "already
# down" are not errors.
#
# How the traffic is seen while the VPN is down: the VPN's device is a
# persistent tun with its address and routes, held by tuntapd while
# OpenVPN is not running, so packets routed to the VPN's networks go into
# it and tuninetd's pcap sensor sees them. Setup, once:
#
#   ip tuntap add tun1 mode tun
#   ip addr add 10.8.0.2/30 peer 10.8.0.1 dev tun1
#   ip link set tun1 up
#   ip route add 172.16.0.0/16 dev tun1     # the networks behind the VPN
#   mkdir -p /run/tuninetd-openvpn
#   tuntapd -i tun1 & echo $! > /run/tuninetd-openvpn/tuntapd.pid
#   tuninetd -i tun1 -c /etc/tuninetd/openvpn-on-demand.sh -t 900
#
# The OpenVPN client configuration uses that device as it is: "dev tun1",
# "dev-type tun", and no "ifconfig" or "route" of its own (the device
# keeps the ones above). On start the hook stops tuntapd and starts
# OpenVPN on the device; on stop it stops OpenVPN and starts tuntapd again.
# The first packets, sent while OpenVPN connects, are lost; TCP resends.
#
# Settings, from the environment:
#   OPENVPN_CONFIG   the client configuration file (required)
#   OPENVPN_DEV      the tun device (default tun1)
#   OPENVPN_STATE    directory for pid files (default /run/tuninetd-openvpn)
#   OPENVPN_WAIT     seconds to wait for the connection (default 20)
# Instead of running openvpn itself, the hook could just as well call
# "systemctl start openvpn-client@NAME" and "systemctl stop ...".
set -u
CONFIG=${OPENVPN_CONFIG:?set OPENVPN_CONFIG to the client configuration}
DEV=${OPENVPN_DEV:-tun1}
STATE=${OPENVPN_STATE:-/run/tuninetd-openvpn}
WAIT=${OPENVPN_WAIT:-20}
mkdir -p "$STATE"

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

case "${1:-}" in
start)
	if running "$STATE/openvpn.pid"; then
		echo "$DEV: OpenVPN already up"
		exit 0
	fi
	if running "$STATE/tuntapd.pid"; then
		kill "$(cat "$STATE/tuntapd.pid")"
		while running "$STATE/tuntapd.pid"; do sleep 0.05; done
	fi
	rm -f "$STATE/openvpn.log"
	openvpn --config "$CONFIG" --dev "$DEV" --daemon \
	    --writepid "$STATE/openvpn.pid" --log "$STATE/openvpn.log" || exit 1
	for _ in $(seq $((WAIT * 10))); do
		grep -q "Initialization Sequence Completed" "$STATE/openvpn.log" 2>/dev/null && {
			echo "$DEV: OpenVPN up for ${TUNINETD_DST:-traffic}"; exit 0; }
		sleep 0.1
	done
	echo "$DEV: OpenVPN did not connect in $WAIT s; see $STATE/openvpn.log" >&2
	exit 1
	;;
stop)
	if running "$STATE/openvpn.pid"; then
		kill "$(cat "$STATE/openvpn.pid")"
		while running "$STATE/openvpn.pid"; do sleep 0.05; done
		echo "$DEV: OpenVPN down after ${TUNINETD_UP_SECONDS:-?} s"
	else
		echo "$DEV: OpenVPN already down"
	fi
	rm -f "$STATE/openvpn.pid"
	if ! running "$STATE/tuntapd.pid"; then
		tuntapd -i "$DEV" < /dev/null > /dev/null 2>&1 &
		echo $! > "$STATE/tuntapd.pid"
	fi
	exit 0
	;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
