#!/bin/sh
# ssh-tunnel.sh: a tuninetd hook for an IP tunnel over SSH (ssh -w), up
# when traffic needs it, down when idle. The original's idea, fixed so
# that "already up" on start and "already down" on stop are not errors.
#
# Setup, once, on this machine (tun0 persistent, with its address and the
# route through it, held by tuntapd while the tunnel is down so that the
# pcap sensor sees the packets routed into it):
#
#   ip tuntap add tun0 mode tun
#   ip addr add 10.200.0.1/30 peer 10.200.0.2 dev tun0
#   ip link set tun0 up
#   ip route add 192.168.50.0/24 dev tun0
#   mkdir -p /run/tuninetd-ssh-tunnel
#   tuntapd -i tun0 & echo $! > /run/tuninetd-ssh-tunnel/tuntapd.pid
#   tuninetd -i tun0 -c /etc/tuninetd/ssh-tunnel.sh -t 600
#
# and on the remote side: "PermitTunnel point-to-point" in sshd_config,
# and a tun0 configured the same way (10.200.0.2/30 peer 10.200.0.1),
# which sshd attaches to; key-based login for the user below.
#
# Settings, from the environment (a systemd unit's EnvironmentFile, say):
#   SSH_TUNNEL_REMOTE   user@host to connect to (required)
#   SSH_TUNNEL_TUN      local tun number (default 0: tun0)
#   SSH_TUNNEL_REMOTE_TUN  remote tun number (default 0)
#   SSH_TUNNEL_OPTS     more ssh options, e.g. "-i /etc/tuninetd/id_ed25519"
#   SSH_TUNNEL_STATE    directory for pid files (default /run/tuninetd-ssh-tunnel)
set -u
REMOTE=${SSH_TUNNEL_REMOTE:?set SSH_TUNNEL_REMOTE to user@host}
N=${SSH_TUNNEL_TUN:-0}
RN=${SSH_TUNNEL_REMOTE_TUN:-0}
TUN=tun$N
STATE=${SSH_TUNNEL_STATE:-/run/tuninetd-ssh-tunnel}
mkdir -p "$STATE"

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

case "${1:-}" in
start)
	if running "$STATE/ssh.pid"; then
		echo "$TUN: tunnel to $REMOTE already up"
		exit 0
	fi
	# hand the device over from tuntapd to ssh: the one whose pid is
	# in our state directory (no other process is looked for by name)
	if running "$STATE/tuntapd.pid"; then
		kill "$(cat "$STATE/tuntapd.pid")"
		while running "$STATE/tuntapd.pid"; do sleep 0.05; done
	fi
	# shellcheck disable=SC2086 # SSH_TUNNEL_OPTS is a list of options
	ssh -N -w "$N:$RN" -o Tunnel=point-to-point -o ExitOnForwardFailure=yes \
	    -o BatchMode=yes -o ServerAliveInterval=10 -o ServerAliveCountMax=3 \
	    ${SSH_TUNNEL_OPTS:-} "$REMOTE" < /dev/null > /dev/null 2>&1 &
	echo $! > "$STATE/ssh.pid"
	# up once the link has carrier, which ssh gives it on success
	for _ in $(seq 100); do
		ip link show "$TUN" 2>/dev/null | grep -q LOWER_UP && {
			echo "$TUN: tunnel to $REMOTE up"; exit 0; }
		running "$STATE/ssh.pid" || break
		sleep 0.1
	done
	echo "$TUN: tunnel to $REMOTE failed" >&2
	exit 1
	;;
stop)
	if running "$STATE/ssh.pid"; then
		kill "$(cat "$STATE/ssh.pid")"
		while running "$STATE/ssh.pid"; do sleep 0.05; done
		echo "$TUN: tunnel to $REMOTE down (up ${TUNINETD_UP_SECONDS:-?} s)"
	else
		echo "$TUN: tunnel to $REMOTE already down"
	fi
	rm -f "$STATE/ssh.pid"
	# hold the device again, so the next packet into it is seen
	if ! running "$STATE/tuntapd.pid"; then
		tuntapd -i "$TUN" < /dev/null > /dev/null 2>&1 &
		echo $! > "$STATE/tuntapd.pid"
	fi
	exit 0
	;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
