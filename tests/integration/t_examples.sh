# The examples, run for real where they can run here: the nftables
# snippet feeds the NFLOG sensor; the rsyslog snippet sorts tuninetd's
# lines into their own file in a real rsyslogd; the SSH tunnel hook brings
# an ssh -w tunnel up and down between two namespaces, driven by tuninetd
# on a tun device held by tuntapd; the OpenVPN hook does the same with an
# OpenVPN client and server. "Already up" and "already down" exit 0. The
# instance settings run a watch through the unit's helper by hand, and the
# README's nftables lines work on an empty ruleset.
. "$(dirname "$0")/lib.sh"
EX=$(cd "$(dirname "$0")/../../examples" && pwd)
bed_up; mkhook
export PATH="$(dirname "$TUNTAPD"):$PATH"

# 1. examples/nflog.nft, loaded in A, feeds tuninetd -n 1 in A
in_a nft -f "$EX/nflog.nft" || bail "nflog.nft loads"
in_a ip route add 192.0.2.0/24 via $ADDR_B
ip netns exec "$NS_A" "$TUNINETD" -n 1 -t 1 -c "$T/hook" > "$T/log" 2>&1 & DPID=$!
sleep 0.5
in_a "$TOOLS/sendudp" 198.51.100.7 9000 > /dev/null 2>&1	# the VPN endpoint: not counted
in_a "$TOOLS/sendudp" 192.0.2.5 53 > /dev/null			# DNS: not counted
sleep 0.3
check "nflog.nft: the endpoint and DNS fire nothing" [ "$(nev start)" = 0 ]
in_a "$TOOLS/sendudp" 192.0.2.5 4000 > /dev/null
wait_ev start 1 2
check "nflog.nft: traffic to 192.0.2.0/24 fires start with prefix office" \
    grep -qx "  TUNINETD_NFLOG_PREFIX=office" <<< "$(evenv start 1)"
kill "$DPID"; wait "$DPID"; DPID=

# 2. examples/rsyslog-tuninetd.conf in a real rsyslogd, on a socket of its own
if command -v rsyslogd > /dev/null; then
	sed "s|/var/log/tuninetd.log|$T/tuninetd.log|" "$EX/rsyslog-tuninetd.conf" > "$T/snippet.conf"
	cat > "$T/rsyslog.conf" <<CONF
global(workDirectory="$T")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$T/log.sock" CreatePath="on")
include(file="$T/snippet.conf")
*.* action(type="omfile" file="$T/messages")
CONF
	rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid" > "$T/rsyslogd.out" 2>&1 & rs=$!
	EXTRA_PIDS=$rs
	for i in $(seq 50); do [ -S "$T/log.sock" ] && break; sleep 0.1; done
	logger -u "$T/log.sock" -t tuninetd "PCAP: start command done"
	logger -u "$T/log.sock" -t tuntapd "holding tun device tun0"
	logger -u "$T/log.sock" -t other "an unrelated line"
	for i in $(seq 50); do grep -q unrelated "$T/messages" 2>/dev/null && break; sleep 0.1; done
	check "rsyslog: tuninetd's lines in their own file" grep -q "tuninetd.*PCAP: start command done" "$T/tuninetd.log"
	check "rsyslog: tuntapd's too" grep -q "tuntapd.*holding" "$T/tuninetd.log"
	check "rsyslog: and not in the general log" bash -c "! grep -q 'tuninetd\|tuntapd' '$T/messages' && grep -q unrelated '$T/messages'"
	kill $rs; wait $rs 2>/dev/null; EXTRA_PIDS=
else
	not_ok "rsyslog: rsyslogd is installed (make deps)"
fi

# 3. examples/ssh-tunnel.sh between A (client, tuninetd) and B (sshd)
if command -v sshd > /dev/null && command -v ssh > /dev/null; then
	mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" && ssh-keygen -q -t ed25519 -N '' -f "$T/id" || bail "ssh keys"
	cp "$T/id.pub" "$T/authorized_keys"
	cat > "$T/sshd_config" <<CONF
ListenAddress $ADDR_B
HostKey $T/hostkey
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PermitTunnel point-to-point
StrictModes no
UsePAM no
CONF
	ip netns exec "$NS_B" /usr/sbin/sshd -D -f "$T/sshd_config" -E "$T/sshd.log" & sshd=$!
	# both ends: a persistent tun5 with its address, as the example says
	in_a ip tuntap add tun5 mode tun && in_a ip addr add 10.200.0.1/30 peer 10.200.0.2 dev tun5 &&
	in_a ip link set tun5 up && in_b ip tuntap add tun5 mode tun &&
	in_b ip addr add 10.200.0.2/30 peer 10.200.0.1 dev tun5 && in_b ip link set tun5 up || bail "tun5 on both sides"
	ip netns exec "$NS_A" "$TUNTAPD" -i tun5 > /dev/null 2>&1 & tt=$!
	EXTRA_PIDS="$sshd $tt"
	echo "$tt" > "$T/tt.pid"
	mkdir -p "$T/ssh-state"; echo "$tt" > "$T/ssh-state/tuntapd.pid"
	export SSH_TUNNEL_REMOTE=root@$ADDR_B SSH_TUNNEL_TUN=5 SSH_TUNNEL_REMOTE_TUN=5 \
	    SSH_TUNNEL_STATE=$T/ssh-state \
	    SSH_TUNNEL_OPTS="-i $T/id -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
	mkhook '"'"$EX"'/ssh-tunnel.sh" "$1"'
	sleep 0.5
	ip netns exec "$NS_A" "$TUNINETD" -i tun5 -f icmp -t 2 -c "$T/hook" > "$T/log" 2>&1 & DPID=$!
	sleep 0.5
	in_a ping -c 1 -W 1 10.200.0.2 > /dev/null		# into tuntapd: fires start
	wait_ev start 1 2 || bail "ssh: start"
	for i in $(seq 50); do logged "tunnel to root@$ADDR_B up" && break; sleep 0.1; done
	check "ssh: the start hook brought the tunnel up" logged "start hook: tun5: tunnel to root@$ADDR_B up"
	check "ssh: ping through the tunnel" quiet in_a ping -c 2 -W 2 10.200.0.2
	out=$(in_a "$EX/ssh-tunnel.sh" start); rc=$?
	check "ssh: start again says already up, exit 0 ($out)" bash -c "[ $rc = 0 ] && grep -q 'already up' <<< '$out'"
	kill -HUP "$DPID"; wait_ev stop 1 5
	for i in $(seq 50); do logged "tunnel to root@$ADDR_B down" && break; sleep 0.1; done
	check "ssh: SIGHUP's stop hook took it down" logged "stop hook: tun5: tunnel to root@$ADDR_B down"
	out=$(in_a "$EX/ssh-tunnel.sh" stop); rc=$?
	check "ssh: stop again says already down, exit 0 ($out)" bash -c "[ $rc = 0 ] && grep -q 'already down' <<< '$out'"
	sleep 0.5
	in_a ping -c 1 -W 1 10.200.0.2 > /dev/null
	wait_ev start 2 3
	check "ssh: tuntapd holds tun5 again, the next ping starts again" [ "$(nev start)" = 2 ]
	kill "$DPID"; wait "$DPID"; DPID=
	in_a "$EX/ssh-tunnel.sh" stop > /dev/null
	# the tuntapd the hook started again, by the pid it wrote
	kill "$(cat "$T/ssh-state/tuntapd.pid")" "$sshd" 2>/dev/null
else
	not_ok "ssh: sshd and ssh are installed (make deps)"
fi

# 4. examples/openvpn-on-demand.sh: client in A, server in B, TLS
if command -v openvpn > /dev/null && command -v openssl > /dev/null; then
	cd "$T" || bail cd
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	    -subj /CN=ca -keyout ca.key -out ca.crt 2> /dev/null &&
	for n in server client; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		    -subj /CN=$n -keyout $n.key -out $n.csr 2> /dev/null &&
		printf 'extendedKeyUsage=%sAuth\nkeyUsage=digitalSignature,keyAgreement\n' $n > $n.ext &&
		openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
		    -days 2 -extfile $n.ext -out $n.crt 2> /dev/null || bail "certificates"
	done
	in_a ip tuntap add tun6 mode tun && in_a ip addr add 10.8.0.2/30 peer 10.8.0.1 dev tun6 &&
	in_a ip link set tun6 up || bail "tun6"
	cat > server.conf <<CONF
dev tun6
local $ADDR_B
ifconfig 10.8.0.1 10.8.0.2
tls-server
dh none
ca $T/ca.crt
cert $T/server.crt
key $T/server.key
verb 3
CONF
	cat > client.conf <<CONF
dev-type tun
remote $ADDR_B
tls-client
remote-cert-tls server
ca $T/ca.crt
cert $T/client.crt
key $T/client.key
verb 3
CONF
	ip netns exec "$NS_B" openvpn --config server.conf --log "$T/ovpn-server.log" & ovs=$!
	ip netns exec "$NS_A" "$TUNTAPD" -i tun6 > /dev/null 2>&1 & tt=$!
	EXTRA_PIDS="$ovs $tt"
	mkdir -p "$T/ovpn-state"; echo "$tt" > "$T/ovpn-state/tuntapd.pid"
	export OPENVPN_CONFIG=$T/client.conf OPENVPN_DEV=tun6 OPENVPN_STATE=$T/ovpn-state
	mkhook '"'"$EX"'/openvpn-on-demand.sh" "$1"'
	sleep 1
	ip netns exec "$NS_A" "$TUNINETD" -i tun6 -f icmp -t 2 -c "$T/hook" > "$T/log" 2>&1 & DPID=$!
	sleep 0.5
	in_a ping -c 1 -W 1 10.8.0.1 > /dev/null
	wait_ev start 1 2 || bail "openvpn: start"
	for i in $(seq 200); do logged "OpenVPN up" && break; sleep 0.1; done
	check "openvpn: the start hook connected the client" logged "start hook: tun6: OpenVPN up for 10.8.0.1"
	check "openvpn: ping through the VPN" quiet in_a ping -c 2 -W 2 10.8.0.1
	out=$(in_a "$EX/openvpn-on-demand.sh" start); rc=$?
	check "openvpn: start again says already up, exit 0" bash -c "[ $rc = 0 ] && grep -q 'already up' <<< '$out'"
	t=$(date +%s.%N)
	wait_ev stop 1 6 || bail "openvpn: stop after the TTL"
	for i in $(seq 50); do logged "OpenVPN down" && break; sleep 0.1; done
	check "openvpn: idle, the stop hook disconnected" logged "stop hook: tun6: OpenVPN down"
	out=$(in_a "$EX/openvpn-on-demand.sh" stop); rc=$?
	check "openvpn: stop again says already down, exit 0" bash -c "[ $rc = 0 ] && grep -q 'already down' <<< '$out'"
	kill "$DPID"; wait "$DPID"; DPID=
	kill "$(cat "$T/ovpn-state/tuntapd.pid")" "$ovs" 2>/dev/null
else
	not_ok "openvpn: openvpn and openssl are installed (make deps)"
fi

# 5. examples/tuninetd-instance.default through the unit's helper, run by
# hand (no systemd): the helper reads the file itself, quoted values keep
# their spaces, and the hook's own settings reach the hook
name=tnd$ID conf=/etc/default/tuninetd-tnd$ID
# tuninetd(8) FILES names each setting the helper reads, and nothing else
vars=$(sed -n 's/^unset //p' "$EX/../systemd/tuninetd-instance.in")
files=$(sed -n '/^\.Sh FILES/,/^\.Sh EXIT/p' "$EX/../man/tuninetd.8")
check "tuninetd(8) FILES names the settings the helper reads ($vars), no other variable" \
    bash -c 'for v in $1; do grep -q "^\.Ev $v\( \|$\)" <<< "$2" || exit 1; done
	    ! grep "^\.Ev " <<< "$2" | grep -vqE "^\.Ev ($(tr " " "|" <<< "$1"))( |$)"' _ "$vars" "$files"
sed -e "s|@SBINDIR@|$(dirname "$TUNINETD")|" -e "s|@DOCDIR@|$EX/..|" \
    "$EX/../systemd/tuninetd-instance.in" > "$T/tuninetd-instance"
sed -e "s|^INTERFACE=.*|INTERFACE=$VB|" -e 's|^FILTER=.*|FILTER="udp port 9999"|' \
    -e "s|^HOOK=.*|HOOK=$T/hook|" -e 's|^TTL=.*|TTL=1|' -e 's|^#SSH_TUNNEL_OPTS=|SSH_TUNNEL_OPTS=|' \
    "$EX/tuninetd-instance.default" > "$conf"
mkhook 'echo "$SSH_TUNNEL_OPTS" > "'"$T"'/hook-opts"'
ip netns exec "$NS_B" env -u INTERFACE -u FILTER -u HOOK -u TTL -u OPTIONS \
    sh "$T/tuninetd-instance" "$name" > "$T/log" 2>&1 & DPID=$!
sleep 0.5
check "tuninetd-instance $name by hand: reads $conf and becomes tuninetd" kill -0 "$DPID"
send > /dev/null; wait_ev stop 1 4
check "tuninetd-instance by hand: a packet runs the hook, start then stop" [ "$(nev start)/$(nev stop)" = 1/1 ]
kill -USR1 "$DPID"; sleep 0.3
check "tuninetd-instance by hand: the quoted filter reached tuninetd whole" logged '-- pcap filter: "udp port 9999"'
check "tuninetd-instance by hand: the hook got its setting (SSH_TUNNEL_OPTS=$(cat "$T/hook-opts" 2>/dev/null))" \
    grep -qx -- "-i /etc/tuninetd/id_ed25519" "$T/hook-opts"
kill "$DPID"; wait "$DPID"; DPID=
rm -f "$conf"

# 6. the README's nftables example, as shown, on an empty ruleset (a
# network namespace of its own, gone when the shell exits)
# the first block of `nft add' lines: the NFLOG sensor's example
awk '/^    nft add /{print substr($0, 5); n++; next} n{exit}' "$EX/../README.md" > "$T/readme.nft"
unshare --net sh -ec ". '$T/readme.nft'; nft list ruleset" > "$T/nft.out" 2>&1
check "README: its nft example ($(wc -l < "$T/readme.nft") lines) runs on an empty ruleset and makes the rule" \
    grep -q 'log prefix "vpn" group 1' "$T/nft.out"
grep -q 'log prefix' "$T/nft.out" || sed 's/^/# nft: /' "$T/nft.out" | head -3

# 7. examples/tuninetd.conf: three watches, accepted by --check-config
#    once its hooks exist; then tuninetd.service's ExecStart and
#    ExecReload as systemd runs them, on a file of two watches
mkhook
sed "s|/etc/tuninetd/hooks/[a-z-]*|$T/hook|" "$EX/tuninetd.conf" > "$T/example.conf"
out=$("$TUNINETD" --check-config -C "$T/example.conf" 2>&1)
check "examples/tuninetd.conf: $out" [ "$out" = "configuration OK: 3 watches" ]
unit=$EX/../systemd/tuninetd.service.in
check "tuninetd.service: Type=notify, ExecReload sends SIGHUP, KillMode=mixed" \
    bash -c "grep -qx 'Type=notify' '$unit' && grep -qx 'ExecReload=/bin/kill -HUP \$MAINPID' '$unit' && grep -qx 'KillMode=mixed' '$unit'"
printf '[daemon]\ncontrol = off\n[watch a]\nnflog-group = 7\ncommand = %s\nttl = 1\n' "$T/hook" > "$T/svc.conf"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit" | sed -e "s|@SBINDIR@|$(dirname "$TUNINETD")|" \
    -e "s|/etc/tuninetd/tuninetd.conf|$T/svc.conf|")
"$TOOLS/notifylisten" "$T/svc.notify" 6 > "$T/svc.msgs" & EXTRA_PIDS=$!
sleep 0.3
ip netns exec "$NS_B" env NOTIFY_SOCKET="$T/svc.notify" $exec_start > "$T/log" 2>&1 & DPID=$!
sleep 0.5
check "tuninetd.service: READY=1 from its ExecStart" grep -q "READY=1" "$T/svc.msgs"
send > /dev/null; wait_ev stop 1 4
check "tuninetd.service: the watch of the file ran start and stop" [ "$(nev start)/$(nev stop)" = 1/1 ]
printf '[daemon]\ncontrol = off\n[watch a]\nnflog-group = 7\ncommand = %s\nttl = 1\n[watch b]\nnflog-group = 9\ncommand = %s\n' "$T/hook" "$T/hook" > "$T/svc.conf"
MAINPID=$DPID; eval "$(sed -n 's/^ExecReload=//p' "$unit")"
sleep 0.5
check "tuninetd.service: ExecReload: RELOADING=1 then READY=1" \
    bash -c "grep -q 'RELOADING=1' '$T/svc.msgs' && [ \$(grep -c 'READY=1' '$T/svc.msgs') -ge 2 ]"
check "tuninetd.service: ExecReload added watch b" logged "1 watch kept, 0 tuned in place, 0 changed, 1 added, 0 removed"
kill "$DPID"; wait "$DPID"; DPID=
