# Reloads are whole or not at all, and what a watch holds moves with it:
# a changed watch whose new settings cannot be opened refuses the reload
# (by file check, and by the kernel) and runs on untouched; a renamed
# queue watch takes its queue over; packets held while a changed queue
# watch stops start the watch that replaces it, none dropped, and it is
# shown stopping meanwhile; settings applied in place run no hook and
# move the deadline; a cancelled start drops what it held at once; a hold
# lasts through a reload that changes the watch and through a restart.
. "$(dirname "$0")/lib.sh"
CTL=$(dirname "$TUNINETD")/tuninetctl
PY=/usr/bin/python3
Q=9
bed_up
ip netns exec "$NS_B" nft -f - <<'NFT' || bail "nft rules"
table inet tr {
	chain in {
		type filter hook input priority 0;
		udp dport 9021 log prefix "alpha" group 8
		udp dport 9022 log prefix "beta" group 8
		udp dport 9023 log prefix "beta-ka" group 8
	}
	chain past {
		type filter hook input priority 10;
		udp dport 9031 counter
	}
	chain out {
		type filter hook output priority 0;
		icmp type destination-unreachable drop
	}
}
NFT
in_b iptables -A INPUT -p udp --dport 9031 -j NFQUEUE --queue-num $Q --queue-bypass ||
    bail "iptables NFQUEUE rule"
# the stop hook takes $T/stop_s seconds when that file exists
mkhook '[ "$1" = stop ] && [ -f '"$T"'/stop_s ] && sleep $(cat '"$T"'/stop_s); exit 0'
S=$T/ctl
ctl() { "$CTL" -s "$S" "$@"; }
js() { "$PY" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
state() { ctl status --json | js "[w['state'] for w in d['watches'] if w['name'] == '$1'][0]" 2>/dev/null; }
names() { ctl status --json | js "' '.join(w['name'] + '=' + w['state'] for w in d['watches'])"; }
qfield() { ctl status --json | js "[w['queue']['$2'] for w in d['watches'] if w['name'] == '$1'][0]"; }
wev() { awk -v e="$1" -v w="$2" '/^[a-z]/{ev=$1} $1=="TUNINETD_WATCH="w && ev==e{n++} END{print n+0}' "$T/events"; }
wreason() { awk -v e="$1" -v w="$2" '/^[a-z]/{if(ok)print r; ev=$1; ok=0} $1=="TUNINETD_WATCH="w && ev==e{ok=1} /TUNINETD_REASON=/{r=$1; sub(/.*=/, "", r)} END{if(ok)print r}' "$T/events" | tr '\n' ' '; }
wait_w() { local i; for i in $(seq $(( ${4%.*} * 50 + 1 ))); do [ "$(wev "$1" "$2")" -ge "$3" ] && return 0; sleep 0.02; done; return 1; }
passed() { in_b nft list chain inet tr past | awk '/counter/ {for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1)}'; }
own() { printf '[daemon]\ncontrol = %s\nstate-dir = %s\n\n' "$S" "$T/state"; }
nfw() { # NAME PREFIX TTL [MORE-LINES]
	printf '[watch %s]\nnflog-group = 8\nnflog-prefix = %s\ncommand = %s\nttl = %s\n%s\n\n' \
	    "$1" "$2" "$T/hook" "$3" "${4:-}"
}
qw() { # NAME TTL [MORE-LINES]
	printf '[watch %s]\nqueue = %s\ncommand = %s\nttl = %s\n%s\n\n' "$1" $Q "$T/hook" "$2" "${3:-}"
}
restart() { kill "$DPID"; wait "$DPID"; DPID=; daemon -C "$T/c.conf"; }

# 1. a changed watch whose new interface does not exist: the reload is
#    refused whole, said with the file, the line and the key; alpha runs
#    on up, no hook ran
{ own; nfw alpha alpha 30; nfw beta beta 30; } > "$T/c.conf"
daemon -C "$T/c.conf"
send 1 9021 > /dev/null; wait_w start alpha 1 2 || bail "alpha start"
sed -i '/^\[watch alpha\]/a interface = nosuch0' "$T/c.conf"
out=$(ctl reload 2>&1); rc=$?
check "reload of an unopenable change: refused (exit $rc)" [ $rc != 0 ]
check "... saying where: $out" grep -q "c.conf:6: interface: \`nosuch0': no such interface" <<< "$out"
check "... alpha still up, no hook ran" [ "$(state alpha)/$(wev stop alpha)/$(wev start alpha)" = up/0/1 ]
check "... SIGHUP alike: refused, logged" bash -c "kill -HUP $DPID; sleep 0.3; grep -q 'refused: 1 error; the running configuration stays' '$T/log'"
check "... alpha still up" [ "$(state alpha)/$(wev stop alpha)" = up/0 ]

# 2. what only opening can tell: queue 11 is another process's; beta,
#    changed to read it, is refused whole, and beta (up) stays as it was
ip netns exec "$NS_B" "$TUNINETD" -q 11 -c "$T/hook" > "$T/other.log" 2>&1 & other=$!
EXTRA_PIDS="$EXTRA_PIDS $other"
sleep 0.4
send 1 9022 > /dev/null; wait_w start beta 1 2 || bail "beta start"
{ own; nfw alpha alpha 30; nfw beta beta 30 "queue = 11"; } > "$T/c.conf"
out=$(ctl reload 2>&1); rc=$?
check "a change the kernel refuses: the reload refused (exit $rc)" [ $rc != 0 ]
check "... naming the key and the cause: $out" grep -q "c.conf:17: queue: NFQUEUE queue 11 is already bound by another process" <<< "$out"
check "... beta still up, no hook ran" [ "$(state beta)/$(wev stop beta)/$(wev start beta)" = up/0/1 ]
# the same, moving the control socket and giving it a group: the socket
# the monitor made for the worker is gone, the old one as it was
{ printf '[daemon]\ncontrol = %s\ncontrol-group = nogroup\nstate-dir = %s\n\n' "$T/ctl9" "$T/state"
  nfw alpha alpha 30; nfw beta beta 30 "queue = 11"; } > "$T/c.conf"
out=$(ctl reload 2>&1); rc=$?
check "... with a control socket moved: refused (exit $rc), the new one gone, the old one answers, its group root" \
    bash -c "[ $rc != 0 ] && [ ! -e '$T/ctl9' ] && [ \$(stat -c %G '$S') = root ] && '$CTL' -s '$S' status | grep -q alpha"
kill "$other"; wait "$other" 2>/dev/null

# 3. in place: ttl 30 -> 2 and hook-timeout: no hook runs, the log says
#    which keys, and the deadline follows (the stop comes 2 s after the
#    last packet)
tl=$(send 1 9021 | cut -d' ' -f2)
{ own; nfw alpha alpha 2 "hook-timeout = 7"; nfw beta beta 30; } > "$T/c.conf"
out=$(ctl reload 2>&1); rc=$?
check "in place: reload ok (exit $rc)" [ $rc = 0 ]
check "in place: the log says which keys changed" logged "alpha: CORE: reloaded in place (ttl, hook-timeout changed); the cycle goes on"
check "in place: no hook ran" [ "$(wev stop alpha)/$(wev start alpha)" = 0/1 ]
check "in place: status says ttl 2" [ "$(ctl status --json | js "[w['ttl'] for w in d['watches'] if w['name'] == 'alpha'][0]")" = 2 ]
wait_w stop alpha 1 4 || bail "alpha did not stop after its new TTL"
e=$(stop_err "$(evtime stop 1)" "$tl" 2)
check "in place: stopped at the last packet + the new TTL (${e} ms)" within "$e" -100 300
check "in place: ... reason idle" [ "$(wreason stop alpha)" = "idle " ]

# a record of beta's keep-alive prefix (added in place) is listed as such
# by why, not under its start prefix
{ own; nfw alpha alpha 2 "hook-timeout = 7"; nfw beta beta 30 "keepalive-prefix = beta-ka"; } > "$T/c.conf"
ctl reload > /dev/null 2>&1 || not_ok "reload adding a keep-alive prefix"
send 1 9023 > /dev/null; sleep 0.3
why=$(ctl why beta)
check "why: a keep-alive record is named by its prefix" grep -q "nflog 8 keep-alive prefix beta-ka" <<< "$why"
check "... the last one not under the start prefix" bash -c "grep -A1 'newest first' <<< '$why' | grep -q 'keep-alive prefix beta-ka'"

# 4. a watch stopping for a reload is shown stopping; a packet during its
#    stop starts the watch that replaces it (another command, a copy of
#    the hook, changes it)
echo 1.5 > "$T/stop_s"
send 1 9022 > /dev/null; sleep 0.2
cp -p "$T/hook" "$T/hook2"
{ own; nfw alpha alpha 2; nfw beta beta 30 "hook-timeout = 9" |
  sed "s|^command = .*|command = $T/hook2|"; } > "$T/c.conf"
ctl reload > /dev/null 2>&1 || not_ok "reload with beta changed"
sleep 0.3
check "a watch stopping for a reload is in status: $(names)" [ "$(state beta)" = stopping ]
send 1 9022 > /dev/null
wait_w start beta 2 4 || bail "beta's successor did not start"
check "... the packet during its stop started its successor (reason packet)" [ "$(wreason start beta)" = "packet packet " ]
check "... which runs: $(names)" [ "$(state beta)" = starting -o "$(state beta)" = up ]
rm -f "$T/stop_s"

# 5. a queue watch renamed: the new name takes the queue over and starts
#    on its traffic
kill "$DPID"; wait "$DPID"; DPID=; : > "$T/events"
{ own; qw qa 30; } > "$T/c.conf"
daemon -C "$T/c.conf"
sed -i 's/^\[watch qa\]/[watch qb]/' "$T/c.conf"
out=$(ctl reload 2>&1); rc=$?
check "a renamed queue watch: reload ok (exit $rc: $out)" [ $rc = 0 ]
sleep 0.3
check "... the old name gone, the new idle: $(names)" [ "$(names)" = "qb=idle" ]
send 1 9031 > /dev/null
wait_w start qb 1 2 || not_ok "qb did not start on its queue's traffic"
check "... qb started on its queue's traffic" [ "$(wev start qb)" = 1 ]

# 6. packets held while a changed queue watch stops go to the watch that
#    replaces it: its start lets them through, none dropped
sleep 0.3
echo 1.5 > "$T/stop_s"
p0=$(passed)
{ own; qw qb 30 "queue-hold-max = 64"; } > "$T/c.conf"
ctl reload > /dev/null 2>&1 || not_ok "reload with qb changed"
sleep 0.3
check "a changed queue watch: stopping, in status" [ "$(state qb)" = stopping ]
send 3 9031 50 > /dev/null
sleep 0.3
check "... its packets are held meanwhile ($(qfield qb held))" [ "$(qfield qb held)" = 3 ]
wait_w start qb 2 4 || bail "qb's successor did not start"
sleep 0.5
check "... its successor started on them" [ "$(wreason start qb)" = "packet packet " ]
check "... the queue was handed over with them" logged "qb: NFQUEUE: queue $Q: taken over from qb, with 3 held packets"
check "... and they passed ($(($(passed) - p0)) of 3)" [ $(($(passed) - p0)) = 3 ]
check "... none dropped" bash -c "! grep -q 'dropped' '$T/log'"
rm -f "$T/stop_s"

# 7. a start that will not come any more drops what it held at once: the
#    watch stops (its stop hook slow), packets are held for the start after
#    it, then tuninetctl stop cancels that start
echo 1.5 > "$T/stop_s"
ctl stop qb > /dev/null || not_ok "stop qb"
sleep 0.2
send 2 9031 50 > /dev/null; sleep 0.3
check "cancelled start: 2 held while it stops ($(qfield qb held))" [ "$(qfield qb held)" = 2 ]
ctl stop qb > /dev/null 2>&1
sleep 0.2
check "... tuninetctl stop dropped them at once ($(qfield qb held) held)" [ "$(qfield qb held)" = 0 ]
check "... said why" logged "qb: NFQUEUE: queue $Q: tuninetctl stop cancelled the start they were held for: dropped 2 held packets"
sleep 1.5
check "... and no start came after the stop" [ "$(wev start qb)" = 2 ]
# the same, cancelled by a hold: dropped, not let through by the hold
p0=$(passed)
send 1 9031 > /dev/null; wait_w start qb 3 2 || bail "qb start (hold)"
sleep 0.3
ctl stop qb > /dev/null || not_ok "stop qb (hold)"
sleep 0.2
send 2 9031 50 > /dev/null; sleep 0.3
check "hold while held: 2 held while it stops ($(qfield qb held))" [ "$(qfield qb held)" = 2 ]
p1=$(passed)
ctl hold qb > /dev/null || not_ok "hold qb"
sleep 0.3
check "... dropped at once, not let through ($(qfield qb held) held, $(($(passed) - p1)) passed)" \
    [ "$(qfield qb held)/$(($(passed) - p1))" = 0/0 ]
check "... said why" logged "qb: NFQUEUE: queue $Q: the watch was put on hold: dropped 2 held packets"
ctl release qb > /dev/null
sleep 1.5
rm -f "$T/stop_s"
kill "$DPID"; wait "$DPID"; DPID=

# 7b. a renamed NFLOG watch (its prefix moves): while the old name's stop
#     runs, the new name is shown waiting, and may be held; a packet then
#     starts the new name once the stop has ended
: > "$T/events"
{ own; nfw ep2 beta 30; } > "$T/c.conf"
daemon -C "$T/c.conf"
send 1 9022 > /dev/null; wait_w start ep2 1 2 || bail "ep2 start"
echo 1.5 > "$T/stop_s"
{ own; nfw ep3 beta 30; } > "$T/c.conf"
ctl reload > /dev/null 2>&1 || not_ok "reload renaming ep2"
sleep 0.3
check "renamed NFLOG watch: the old name stopping, the new one waiting: $(names)" \
    [ "$(names)" = "ep2=stopping ep3=waiting" ]
check "... the waiting one refuses start, as it cannot yet" bash -c "! '$CTL' -s '$S' start ep3 > /dev/null 2>&1"
send 1 9022 > /dev/null
wait_w start ep3 1 4 || not_ok "ep3 did not start on the packet during ep2's stop"
check "... the packet during the old name's stop started the new one" [ "$(wreason start ep3)" = "packet " ]
rm -f "$T/stop_s"
kill "$DPID"; wait "$DPID"; DPID=

# 8. a hold lasts: through a reload that changes the watch (restarts it),
#    and through a restart of the daemon (the state file says so)
: > "$T/events"
{ own; nfw alpha alpha 30; } > "$T/c.conf"
daemon -C "$T/c.conf"
ctl hold alpha > /dev/null || not_ok "hold alpha"
{ own; nfw alpha alpha 30 | sed "s|^command = .*|command = $T/hook2|"; } > "$T/c.conf"
ctl reload > /dev/null 2>&1 || not_ok "reload with alpha changed"
sleep 0.3
check "hold: kept through a reload that changed the watch ($(state alpha))" [ "$(state alpha)" = held ]
send 1 9021 > /dev/null; sleep 0.4
check "hold: its traffic started nothing" [ "$(wev start alpha)" = 0 ]
check "hold: the state file says held, mode 0600 ($(stat -c %a "$T/state/alpha.state"))" \
    bash -c "grep -qx 'held=1' '$T/state/alpha.state' && [ \$(stat -c %a '$T/state/alpha.state') = 600 ]"
restart
check "hold: kept through a restart ($(state alpha))" [ "$(state alpha)" = held ]
check "hold: ... said" logged "alpha: CORE: held, as it was before the restart"
send 1 9021 > /dev/null; sleep 0.4
check "hold: its traffic started nothing after the restart" [ "$(wev start alpha)" = 0 ]
ctl release alpha > /dev/null || not_ok "release alpha"
send 1 9021 > /dev/null; wait_w start alpha 1 2
check "hold: released, its traffic starts it" [ "$(wev start alpha)" = 1 ]
ctl hold alpha > /dev/null
check "hold: an up watch held says so in plain status: $(ctl status | grep alpha | tr -s ' ')" \
    bash -c "'$CTL' -s '$S' status | grep alpha | grep -q 'up, held'"
ctl release alpha > /dev/null

# 9. the [daemon] section moves too: the control socket to another path
#    (the reply to that reload comes through the old one's connection),
#    its group, the state directory (each watch's state written there at
#    once, and gone from the old one); control = off, and on again. Run
#    as root alone (`user = root'), in a state directory of its own: the
#    jailed worker's state directory does not move (10.)
kill "$DPID"; wait "$DPID"; DPID=
{ printf '[daemon]\nuser = root\ncontrol = %s\nstate-dir = %s\n\n' "$S" "$T/rstate"
  nfw alpha alpha 30 "savefile = $T/a.pcap"; } > "$T/c.conf"
daemon -C "$T/c.conf"
{ printf '[daemon]\nuser = root\ncontrol = %s\ncontrol-group = nogroup\nstate-dir = %s\n\n' "$T/ctl2" "$T/state2"
  nfw alpha alpha 30 "savefile = $T/a.pcap"; } > "$T/c.conf"
out=$(ctl reload 2>&1); rc=$?
check "control and state-dir moved: the reload answered ok through the old socket (exit $rc: $out)" [ $rc = 0 ]
check "... the old socket is gone" [ ! -e "$S" ]
check "... the new one answers, group nogroup ($(stat -c %G "$T/ctl2" 2>/dev/null))" \
    bash -c "'$CTL' -s '$T/ctl2' status | grep -q alpha && [ \$(stat -c %G '$T/ctl2') = nogroup ]"
check "... alpha's state is in the new directory, 0640 of nogroup, not in the old" \
    bash -c "[ -f '$T/state2/alpha.state' ] && [ ! -e '$T/rstate/alpha.state' ] && [ \"\$(stat -c '%a %G' '$T/state2/alpha.state')\" = '640 nogroup' ]"
check "... said" logged "CORE: state kept in $T/state2 from now on"
{ printf '[daemon]\nuser = root\ncontrol = off\nstate-dir = %s\n\n' "$T/state2"
  nfw alpha alpha 30 "savefile = $T/a.pcap"; } > "$T/c.conf"
"$CTL" -s "$T/ctl2" reload > /dev/null 2>&1
check "control = off: the socket is gone" [ ! -e "$T/ctl2" ]
{ printf '[daemon]\nuser = root\ncontrol = %s\nstate-dir = %s\n\n' "$S" "$T/state2"
  nfw alpha alpha 30 "savefile = $T/a.pcap"; } > "$T/c.conf"
kill -HUP "$DPID"; sleep 0.5
check "control on again by SIGHUP: it answers" bash -c "'$CTL' -s '$S' status | grep -q alpha"
mkdir -m 0777 "$T/ww"
{ printf '[daemon]\nuser = root\ncontrol = %s\nstate-dir = %s\n\n' "$T/ctl3" "$T/ww"; nfw alpha alpha 30 "savefile = $T/a.pcap"; } > "$T/c.conf"
out=$(ctl reload 2>&1); rc=$?
refused_whole() { [ "$rc" != 0 ] && grep -q "state-dir: .* is writable by group or others" <<< "$out"; }
check "a state-dir others may write: the reload refused whole (exit $rc)" refused_whole
check "... the control socket did not move" bash -c "[ ! -e '$T/ctl3' ] && '$CTL' -s '$S' status | grep -q alpha"
kill "$DPID"; wait "$DPID"; DPID=

# 10. the jailed worker's reload: the monitor makes the moved control
#     socket (its group too) and hands it over; the state directory stays
#     (the jail writes there only), and a reload that moves it is refused
#     whole, saying so; control = off and on again
{ own; nfw alpha alpha 30; } > "$T/c.conf"
daemon -C "$T/c.conf"
{ printf '[daemon]\ncontrol = %s\ncontrol-group = nogroup\nstate-dir = %s\n\n' "$T/ctl4" "$T/state"
  nfw alpha alpha 30; } > "$T/c.conf"
out=$(ctl reload 2>&1); rc=$?
check "jailed: control moved, answered through the old socket (exit $rc: $out)" [ $rc = 0 ]
check "... the old socket is gone" [ ! -e "$S" ]
check "... the new one answers, group nogroup ($(stat -c %G "$T/ctl4" 2>/dev/null))" \
    bash -c "'$CTL' -s '$T/ctl4' status | grep -q alpha && [ \$(stat -c %G '$T/ctl4') = nogroup ]"
{ printf '[daemon]\ncontrol = %s\nstate-dir = %s\n\n' "$T/ctl4" "$T/state5"
  nfw alpha alpha 30; } > "$T/c.conf"
out=$("$CTL" -s "$T/ctl4" reload 2>&1); rc=$?
check "jailed: a state-dir moved: refused whole, saying why (exit $rc: $out)" \
    bash -c "[ $rc != 0 ] && grep -q \"the worker's jail writes in .$T/state' only\" <<< \"\$1\"" _ "$out"
check "... the control socket kept its group" [ "$(stat -c %G "$T/ctl4")" = nogroup ]
{ printf '[daemon]\ncontrol = off\nstate-dir = %s\n\n' "$T/state"; nfw alpha alpha 30; } > "$T/c.conf"
"$CTL" -s "$T/ctl4" reload > /dev/null 2>&1
check "jailed: control = off: the socket is gone" [ ! -e "$T/ctl4" ]
{ own; nfw alpha alpha 30; } > "$T/c.conf"
kill -HUP "$DPID"; sleep 0.5
check "jailed: control on again by SIGHUP: it answers" bash -c "'$CTL' -s '$S' status | grep -q alpha"
kill "$DPID"; wait "$DPID"; DPID=
check "jailed: the monitor removed the socket at the end" [ ! -e "$S" ]
[ "$NCHECK" -gt 0 ] || bail "no check ran"
