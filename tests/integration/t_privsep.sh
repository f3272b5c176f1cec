# --user: the process that reads packets runs as that user, with
# CAP_NET_ADMIN and CAP_NET_RAW only, no_new_privs and a seccomp filter,
# seen from outside (/proc/PID/status), and Landlock (it cannot write
# outside its state directory: a probe); the root process (the monitor)
# holds no packet socket and runs the hooks, as root. The worker killed
# (SIGKILL, SIGSEGV, a system call outside its filter) while a watch is
# up: the monitor says why and starts the daemon again, which takes the
# watch over from the state directory, no start hook twice. A missing
# user is refused. SIGTERM: the stop hook, both processes gone, the
# control socket removed. tuninetctl answers root and a reader; a reload
# adds a pcap watch. All of it in a directory only root may enter (the
# worker reaches its state directory, its configuration and systemd's
# socket through what root opened for it). Without `user', the default
# user; `user = root', no separation. A reload that needs a new savefile
# is refused, saying why.
. "$(dirname "$0")/lib.sh"
CTL=$(dirname "$TUNINETD")/tuninetctl
bed_up
mkhook 'echo "uid $(id -u)" >> '"$T"'/uids'
check "the test's directory is root's alone (mode $(stat -c %a "$T"))" [ "$(stat -c %a "$T")" = 700 ]
S=$T/ctl

refused_by "$TUNINETD" "user: \`no-such-user-here' does not exist" \
    -n 7 --user no-such-user-here -c "$T/hook"

cat > "$T/c.conf" <<CONF
[daemon]
control = $S
control-group = nogroup
state-dir = $T/state
user = nobody

[watch p]
interface = $VB
filter = udp dst port 9041
command = $T/hook
ttl = 30

[watch n]
nflog-group = 7
command = $T/hook
ttl = 30

[watch q]
queue = 12
command = $T/hook
ttl = 30

[watch m]
match = udp dport 9051
match-hooks = input
hold-first = yes
command = $T/hook
ttl = 30
CONF
in_b iptables -A INPUT -p udp --dport 9031 -j NFQUEUE --queue-num 12 --queue-bypass ||
    bail "iptables NFQUEUE"
# the probe (a test's own request): the worker, once jailed, opens this
# for writing; /tmp lets nobody write, Landlock does not
probe=/tmp/tuninetd-probe.$$; rm -f "$probe"
TUNINETD_JAIL_PROBE=$probe daemon -C "$T/c.conf"
check "the log says how packets are read" \
    logged "packets are read as user nobody (uid 65534), with CAP_NET_ADMIN and CAP_NET_RAW only, no_new_privs, a seccomp filter, Landlock ABI"
check "Landlock: the worker cannot write outside its state directory" \
    logged "jail probe: \`$probe': Permission denied"
check "Landlock: nothing was made there" [ ! -e "$probe" ]
rm -f "$probe"
send 1 9041 > /dev/null; send 1 9999 > /dev/null; send 1 9031 > /dev/null
send 1 9051 > /dev/null
wait_ev start 4 3 || bail "the four watches did not start ($(nev start))"
# the daemon's processes: the one started (the monitor), its children
worker=$(cat /proc/"$DPID"/task/*/children | awk '{print $1}')
[ -n "$worker" ] || bail "no worker"
st=/proc/$worker/status
field() { awk -v k="$1:" '$1 == k {print $2, $3, $4, $5}' "$2"; }
check "worker: uids all 65534 ($(field Uid "$st"))" [ "$(field Uid "$st")" = "65534 65534 65534 65534" ]
check "worker: gids all 65534 ($(field Gid "$st"))" [ "$(field Gid "$st")" = "65534 65534 65534 65534" ]
check "worker: no supplementary group" [ -z "$(field Groups "$st" | tr -d ' ')" ]
check "worker: CapEff NET_ADMIN and NET_RAW only ($(field CapEff "$st"))" [ "$(field CapEff "$st" | tr -d ' ')" = 0000000000003000 ]
check "worker: CapPrm the same" [ "$(field CapPrm "$st" | tr -d ' ')" = 0000000000003000 ]
check "worker: CapBnd the same" [ "$(field CapBnd "$st" | tr -d ' ')" = 0000000000003000 ]
check "worker: no_new_privs" [ "$(field NoNewPrivs "$st" | tr -d ' ')" = 1 ]
check "worker: a seccomp filter" [ "$(field Seccomp "$st" | tr -d ' ')" = 2 ]
check "monitor: root" [ "$(field Uid /proc/"$DPID"/status)" = "0 0 0 0" ]
inode=$(in_b awk 'NR > 1 {print $NF}' /proc/net/packet | head -1)
check "the worker holds the packet socket" sh -c "ls -l /proc/$worker/fd | grep -q 'socket:\[$inode\]'"
check "the monitor holds no packet socket, nor any but its pair's end" \
    [ "$(ls -l /proc/"$DPID"/fd | grep -c socket)" = 1 ]
check "hooks ran as root" [ "$(sort -u "$T/uids")" = "uid 0" ]
check "the hook is told the daemon's PID, the monitor's" \
    grep -qx "  TUNINETD_PID=$DPID" "$T/events"
"$CTL" -s "$S" status > "$T/status" 2>&1
check "tuninetctl status, as root, says how packets are read" \
    grep -q "^packets are read as nobody (uid 65534), with CAP_NET_ADMIN and CAP_NET_RAW" "$T/status"
"$CTL" -s "$S" status --json > "$T/status.json" 2>&1
check "tuninetctl status --json: the jail" /usr/bin/python3 -c "
import json, sys
j = json.load(open('$T/status.json'))['jail']
sys.exit(not (j['user'] == 'nobody' and j['uid'] == 65534 and j['seccomp'] and
    j['no_new_privs'] and j['capabilities'] == ['CAP_NET_ADMIN', 'CAP_NET_RAW']))"
chmod 0711 "$T"	# for the reader to reach the socket; the daemon needs none
check "tuninetctl status, as a reader in control-group" \
    quiet setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" -s "$S" status
chmod 0700 "$T"
check "the state files are the worker's, written beneath its state directory" \
    [ "$(stat -c %u "$T/state/p.state")" = 65534 ]

# a reload adds a pcap watch: the worker opens it, with CAP_NET_RAW
printf '\n[watch p2]\ninterface = %s\nfilter = udp dst port 9042\ncommand = %s\nttl = 30\n' \
    "$VB" "$T/hook" >> "$T/c.conf"
check "reload adding a pcap watch" "$CTL" -s "$S" reload
sleep 0.5; send 1 9042 > /dev/null
wait_ev start 5 3 || bail "the pcap watch added by reload did not start"
ok "the reload's pcap watch started, its hook run by the monitor"

# the worker killed, three ways: started again, the watches taken over
n=0
for sig in KILL SEGV SYS; do
	n=$((n + 1))
	worker=$(cat /proc/"$DPID"/task/*/children | awk '{print $1}')
	kill -"$sig" "$worker"
	for i in $(seq 100); do
		w2=$(cat /proc/"$DPID"/task/*/children 2>/dev/null | awk '{print $1}')
		[ -n "$w2" ] && [ "$w2" != "$worker" ] &&
		    grep -q "Seccomp:.2" /proc/"$w2"/status 2>/dev/null && break
		sleep 0.1
	done
	check "SIG$sig: the monitor said why" logged "the worker was killed by signal"
	check "SIG$sig: a new worker, jailed" [ -n "$w2" ] && [ "$w2" != "$worker" ]
	check "SIG$sig: the monitor is the same process" kill -0 "$DPID"
	check "SIG$sig: the watches taken over, no start hook again ($(nev start))" \
	    [ "$(nev start)" = 5 ]
	check "SIG$sig: and no stop" [ "$(nev stop)" = 0 ]
	[ $n -lt 3 ] && sleep 1	# past the back-off's calm for the next
done
check "the restarts back off (1 s, then 2 s, then 4 s)" logged "starts again in 4 s (restart 3)"
send 1 9041 > /dev/null
check "tuninetctl answers the new worker" quiet "$CTL" -s "$S" status
send 1 9031 > /dev/null; send 1 9051 > /dev/null
check "the new worker's queue and --match watches pass packets" quiet "$CTL" -s "$S" status
kill "$DPID"; wait "$DPID" 2>/dev/null; st=$?; DPID=
check "SIGTERM: exit status 0 ($st)" [ "$st" = 0 ]
check "SIGTERM: each up watch's stop hook ran ($(nev stop))" [ "$(nev stop)" = 5 ]
check "SIGTERM: the worker is gone too" gone "$w2"
check "SIGTERM: the control socket removed" [ ! -e "$S" ]

# the worker's end heard however it falls beside a hook's (reaped
# together): a stop hook then the exit, ten times over
: > "$T/events"; hung=0
for k in $(seq 10); do
	daemon -n 7 -t 30 --user nobody -c "$T/hook"
	send > /dev/null; wait_ev start "$k" 3 || bail "exits: no start $k"
	kill "$DPID"
	for i in $(seq 100); do gone "$DPID" && break; sleep 0.05; done
	gone "$DPID" || { hung=$((hung + 1)); kill -9 "$DPID"; }
	wait "$DPID" 2>/dev/null; DPID=
done
check "SIGTERM after a stop hook: the monitor exits every time ($hung of 10 hung)" [ "$hung" = 0 ]

# a second SIGTERM while the stop hook runs: its group killed, by the
# monitor, and the daemon gone at once
mkhook '[ "$1" = stop ] && exec sleep 30'
daemon -n 7 -t 30 --user nobody -c "$T/hook"
send > /dev/null; wait_ev start 1 3 || bail "second SIGTERM: no start"
kill "$DPID"; wait_ev stop 1 3 || bail "second SIGTERM: no stop hook"
sleep 0.3
hookpid=
for c in $(cat /proc/"$DPID"/task/*/children); do
	grep -q "Seccomp:.2" /proc/"$c"/status || hookpid=$c
done
[ -n "$hookpid" ] || bail "second SIGTERM: the stop hook is not the monitor's child"
kill "$DPID"
for i in $(seq 40); do gone "$DPID" && break; sleep 0.05; done
check "a second SIGTERM: the daemon is gone at once" gone "$DPID"
wait "$DPID" 2>/dev/null; DPID=
check "a second SIGTERM: the stop hook's group killed" gone "$hookpid"
check "a second SIGTERM: said so" logged "SIGKILL to its process group"

# no `user': separated all the same, as the default user (tuninetd, which
# the package makes; nobody where it is not made)
def=nobody; getent passwd tuninetd > /dev/null && def=tuninetd
: > "$T/events"
daemon -n 7 -t 30 -c "$T/hook"
w=$(worker_of "$DPID")
check "no user given: a worker, as $def ($(field Uid /proc/"$w"/status))" \
    bash -c "[ '$w' != '$DPID' ] && [ \"\$(awk '/^Uid:/{print \$2}' /proc/$w/status)\" = $(id -u $def) ]"
check "... said so" logged "packets are read as user $def"
kill "$DPID"; wait "$DPID"; DPID=
# user = root: one process, no jail, nothing said of one
daemon -n 7 -t 30 --user root -c "$T/hook"
check "--user root: no worker, the daemon reads the packets" [ "$(worker_of "$DPID")" = "$DPID" ]
check "--user root: nothing said of a jail" bash -c "! grep -q 'packets are read as' '$T/log'"
kill "$DPID"; wait "$DPID"; DPID=
# a reload that needs a savefile not open yet: the jailed worker opens no
# file outside its state directory; refused whole, saying so
cat > "$T/s.conf" <<CONF
[daemon]
control = $T/ctl5
state-dir = $T/state5

[watch n]
nflog-group = 7
command = $T/hook
ttl = 30
CONF
daemon -C "$T/s.conf"
printf 'savefile = %s\n' "$T/n.pcap" >> "$T/s.conf"
out=$("$CTL" -s "$T/ctl5" reload 2>&1); rc=$?
check "a reload with a new savefile: refused (exit $rc), saying why: $out" \
    bash -c "[ $rc != 0 ] && grep -q 'opens no new file outside its state directory: a restart of the daemon opens it' <<< \"\$1\"" _ "$out"
kill "$DPID"; wait "$DPID"; DPID=
daemon -C "$T/s.conf"
send 1 9999 > /dev/null; wait_ev start 1 2
check "... a restart opens it: the start packet in it ($(stat -c %s "$T/n.pcap") bytes: a header is 24)" \
    [ "$(stat -c %s "$T/n.pcap")" -gt 24 ]
kill "$DPID"; wait "$DPID"; DPID=

# under the units' capability bounding set (as systemd sets it): the
# monitor still makes the worker's jail and runs hooks
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$(dirname "$0")/../../systemd/tuninetd.service.in" |
    tr ' ' '\n' | sed 's/^CAP_/+/' | tr 'A-Z' 'a-z' | paste -sd, -)
[ -n "$caps" ] || not_ok "the unit has a CapabilityBoundingSet"
mkhook 'echo "uid $(id -u)" >> '"$T"'/uids'; : > "$T/uids"; : > "$T/events"
real=$TUNINETD
TUNINETD=setpriv daemon --bounding-set "-all,$caps" "$real" -n 7 -t 1 -c "$T/hook"
TUNINETD=$real
send 1 9999 > /dev/null
wait_ev stop 1 4
check "the unit's bounding set: start and stop ran, as root ($(nev start)/$(nev stop)/$(sort -u "$T/uids" | paste -sd " " -))" \
    [ "$(nev start)/$(nev stop)/$(sort -u "$T/uids")" = "1/1/uid 0" ]
check "... the worker jailed" logged "packets are read as user"
kill "$DPID"; wait "$DPID"; DPID=
