# Many watches in one daemon (-C): watches sharing one NFLOG group told
# apart by the rule's log prefix, each on its own TTL; log lines and hooks
# name the watch; --check-config; a prefix read twice is refused; the
# keys that tune activity (keepalive-filter, keepalive-prefix, holdoff,
# min-up, max-up); reload: unchanged, removed, changed, added, and a
# broken file refused while the running watches stay.
. "$(dirname "$0")/lib.sh"
bed_up
ip netns exec "$NS_B" nft -f - <<'NFT' || bail "nft rules"
table inet tw {
	chain in {
		type filter hook input priority 0;
		udp dport 9001 log prefix "one" group 8
		udp dport 9002 log prefix "two" group 8
		udp dport 9003 log prefix "three" group 8
		udp dport 9004 log prefix "four" group 8
		udp dport 9005 log prefix "five-ka" group 8
	}
}
NFT
mkhook
# records of a watch: "EVENT WATCH REASON" lines
wev() { awk -v e="$1" -v w="$2" '/^[a-z]/{ev=$1} $1=="TUNINETD_WATCH="w && ev==e{n++} END{print n+0}' "$T/events"; }
wreason() { awk -v e="$1" -v w="$2" '/^[a-z]/{if(ok)print r; ev=$1; ok=0} $1=="TUNINETD_WATCH="w && ev==e{ok=1} /TUNINETD_REASON=/{r=$1; sub(/.*=/, "", r)} END{if(ok)print r}' "$T/events" | tr '\n' ' '; }
wtime() { awk -v e="$1" -v w="$2" -v k="$3" '/^[a-z]/{ev=$1; t=$2} $1=="TUNINETD_WATCH="w && ev==e{n++; if(n==k)print t}' "$T/events"; }
wait_w() { local i; for i in $(seq $(( ${4%.*} * 50 + 1 ))); do [ "$(wev "$1" "$2")" -ge "$3" ] && return 0; sleep 0.02; done; return 1; }
# the process's settings, last in each file (no line of a watch moves):
# no control socket, the state in the test's own directory
own() { printf '[daemon]\ncontrol = off\nstate-dir = %s\n' "$T/state"; }
conf() { # NAME PREFIX TTL [MORE-LINES]
	printf '[watch %s]\nnflog-group = 8\nnflog-prefix = %s\ncommand = %s\nttl = %s\n%s\n\n' \
	    "$1" "$2" "$T/hook" "$3" "${4:-}"
}

# 1. two watches share group 8; each starts on its own traffic, stops at
#    its own TTL
{ conf one one 1 "hook-timeout = 10"; conf two two 2 "hook-timeout = 10"; own; } > "$T/c.conf"
out=$("$TUNINETD" --check-config -C "$T/c.conf" 2>&1)
check "--check-config: $out" [ "$out" = "configuration OK: 2 watches" ]
daemon -C "$T/c.conf"
tl1=$(send 1 9001 | cut -d' ' -f2)
wait_w start one 1 2 || bail "no start for one"
sleep 0.3
check "traffic for one started one alone" [ "$(wev start two)" = 0 ]
tl2=$(send 1 9002 | cut -d' ' -f2)
wait_w stop two 1 4 || bail "no stop for two"
e1=$(stop_err "$(wtime stop one 1)" "$tl1" 1); e2=$(stop_err "$(wtime stop two 1)" "$tl2" 2)
check "one stopped at its last packet + TTL 1 s (${e1} ms)" within "$e1" -100 150
check "two stopped at its last packet + TTL 2 s (${e2} ms)" within "$e2" -100 150
check "log lines start with the watch's name" logged "one: NFLOG: executing START command..."
check "the trigger line too" logged "two: |- IPv4 $ADDR_A > $ADDR_B"
check "the hook got TUNINETD_WATCH and the prefix" grep -q 'TUNINETD_NFLOG_PREFIX=one' "$T/events"
check "one socket bound the group for both (one listening line each)" \
    [ "$(grep -c 'Start listening nflog-group 8, prefix' "$T/log")" = 2 ]
kill "$DPID"; wait "$DPID"; DPID=

# a file with no watch: accepted, with a warning, by --check-config and
# at start-up
own > "$T/empty.conf"
out=$("$TUNINETD" --check-config -C "$T/empty.conf" 2>"$T/err"); rc=$?
check "no watch: --check-config exit 0, 0 watches ($rc, $out)" [ "$rc/$out" = "0/configuration OK: 0 watches" ]
check "no watch: --check-config warns: $(cat "$T/err")" grep -q "empty.conf: no \[watch NAME\] section: the daemon would watch nothing" "$T/err"
daemon -C "$T/empty.conf"
check "no watch: start-up warns" logged "empty.conf: no [watch NAME] section: the daemon would watch nothing"
kill "$DPID"; wait "$DPID"; DPID=

# what start-up would refuse of the [daemon] section, --check-config
# refuses alike: a state directory others may write to, a control group
# that does not exist
mkdir -m 0777 "$T/ww"
{ printf '[daemon]\nstate-dir = %s\ncontrol-group = no-such-group\n' "$T/ww"; conf one one 1; } > "$T/d.conf"
refused_by "$TUNINETD" "d.conf:2: state-dir: \`$T/ww' is writable by group or others" --check-config -C "$T/d.conf"
refused_by "$TUNINETD" "d.conf:3: control-group: \`no-such-group': no such group" --check-config -C "$T/d.conf"

# 2. a prefix read by two watches is refused, naming the file, the key's
#    line, the group and the other watch; by --check-config alike
{ conf one one 1; conf again one 1; own; } > "$T/dup.conf"
refused_by "$TUNINETD" "dup.conf:10: nflog-prefix: NFLOG group 8, prefix \`one' is read by watch one already (" -C "$T/dup.conf"
refused_by "$TUNINETD" "dup.conf:10: nflog-prefix: NFLOG group 8, prefix \`one' is read by watch one already (" --check-config -C "$T/dup.conf"

# 3. keepalive-prefix: while up only "five-ka" records keep it up;
#    min-up holds it up; max-up ends it with reason max-up
: > "$T/events"
{ conf ka four 1 "keepalive-prefix = five-ka"; conf minup three 1 "min-up = 3"; conf maxup two 1 "max-up = 2"; own; } > "$T/k.conf"
daemon -C "$T/k.conf"
t0=$(send 1 9004 | cut -d' ' -f1); wait_w start ka 1 2 || bail "ka start"
for i in 1 2 3; do sleep 0.4; send 1 9004 > /dev/null; done	# its own prefix: not keep-alive
wait_w stop ka 1 3 || bail "ka stop"
d=$(ms "$(wtime stop ka 1)" "$t0")
check "keepalive-prefix: its start prefix does not keep it up (stop ${d} ms after the first, 900-1400)" within "$d" 900 1400
send 1 9004 > /dev/null; wait_w start ka 2 2 || bail "ka start 2"
for i in 1 2 3 4; do sleep 0.4; tl=$(send 1 9005 | cut -d' ' -f2); done
check "keepalive-prefix: a keep-alive record does not start it" [ "$(wev start ka)" = 2 ]
wait_w stop ka 2 3 || bail "ka stop 2"
e=$(stop_err "$(wtime stop ka 2)" "$tl" 1)
check "keepalive-prefix: its records keep it up to the last + TTL (${e} ms)" within "$e" -100 200
t0=$(send 1 9003 | cut -d' ' -f1); wait_w stop minup 1 5 || bail "minup stop"
d=$(ms "$(wtime stop minup 1)" "$t0")
check "min-up 3: up 3 s though idle after 1 s (stop ${d} ms after, 2950-3300)" within "$d" 2950 3300
t0=$(send 1 9002 | cut -d' ' -f1)
for i in $(seq 8); do sleep 0.4; send 1 9002 > /dev/null; done & sp=$!
wait_w stop maxup 1 4 || bail "maxup stop"
d=$(ms "$(wtime stop maxup 1)" "$t0")
check "max-up 2: stopped ${d} ms after start with traffic (1950-2400)" within "$d" 1950 2400
check "max-up: TUNINETD_REASON=max-up" [ "$(wreason stop maxup)" = "max-up " ]
wait $sp; kill "$DPID"; wait "$DPID"; DPID=

# 4. holdoff: after a stop, packets start nothing until it passed; one
#    that came meanwhile starts it when it ends
: > "$T/events"
{ conf hold one 1 "holdoff = 2"; own; } > "$T/h.conf"
daemon -C "$T/h.conf"
send 1 9001 > /dev/null; wait_w stop hold 1 3 || bail "hold cycle"
ts=$(wtime stop hold 1); sleep 0.3; send 1 9001 > /dev/null
sleep 0.5
check "holdoff: no start 0.8 s after the stop" [ "$(wev start hold)" = 1 ]
wait_w start hold 2 3 || bail "start after the holdoff"
d=$(ms "$(wtime start hold 2)" "$ts")
check "holdoff 2: the packet during it started it when it ended (${d} ms after the stop, 1950-2400)" within "$d" 1950 2400
kill "$DPID"; wait "$DPID"; DPID=

# 5. keepalive-filter (pcap): while up only TCP to 22 keeps it up
: > "$T/events"
{ printf '[watch kf]\ninterface = %s\nfilter = udp port 9001\nkeepalive-filter = udp port 9002\ncommand = %s\nttl = 1\n' "$VB" "$T/hook"; own; } > "$T/f.conf"
daemon -C "$T/f.conf"
t0=$(send 1 9001 | cut -d' ' -f1); wait_w start kf 1 2 || bail "kf start"
for i in 1 2 3; do sleep 0.4; send 1 9001 > /dev/null; done
wait_w stop kf 1 3 || bail "kf stop"
d=$(ms "$(wtime stop kf 1)" "$t0")
check "keepalive-filter: packets of the filter alone do not keep it up (stop ${d} ms, 900-1400)" within "$d" 900 1400
send 1 9001 > /dev/null; wait_w start kf 2 2 || bail "kf start 2"
for i in 1 2 3 4; do sleep 0.4; tl=$(send 1 9002 | cut -d' ' -f2); done
wait_w stop kf 2 3 || bail "kf stop 2"
e=$(stop_err "$(wtime stop kf 2)" "$tl" 1)
check "keepalive-filter: its packets keep it up to the last + TTL (${e} ms)" within "$e" -100 200
kill "$DPID"; wait "$DPID"; DPID=

# 6. reload: three up; alpha kept, gamma tuned in place (ttl), beta
#    changed (another prefix), delta added with beta's old prefix (it
#    waits for beta's stop, then reads it), zeta removed
: > "$T/events"
{ conf alpha one 30; conf beta two 30; conf gamma three 30; conf zeta five-ka 30; own; } > "$T/r.conf"
"$TOOLS/notifylisten" "$T/notify" 20 > "$T/msgs" & EXTRA_PIDS=$!
sleep 0.2
[ -f "$T/log" ] && cat "$T/log" >> "$T/log.all"
ip netns exec "$NS_B" env NOTIFY_SOCKET="$T/notify" "$TUNINETD" -C "$T/r.conf" > "$T/log" 2>&1 & DPID=$!
sleep 0.5
for p in 9001 9002 9003; do send 1 $p > /dev/null; done
wait_ev start 3 3 || bail "three starts"
{ conf alpha one 30; conf beta four 30; conf gamma three 31; conf delta two 30; own; } > "$T/r.conf"
kill -HUP "$DPID"; sleep 1
check "reload: alive" kill -0 "$DPID"
check "reload: alpha, unchanged, ran no hook" [ "$(wev stop alpha)/$(wev start alpha)" = 0/1 ]
check "reload: beta, changed, stopped with reason reload" [ "$(wreason stop beta)" = "reload " ]
check "reload: gamma, tuned in place, ran no hook" [ "$(wev stop gamma)/$(wev start gamma)" = 0/1 ]
check "reload: gamma's log says which key changed" logged "gamma: CORE: reloaded in place (ttl changed); the cycle goes on"
check "reload: zeta, removed, ran no hook (it was idle)" [ "$(wev stop zeta)" = 0 ]
send 1 9001 > /dev/null; send 1 9002 > /dev/null; send 1 9004 > /dev/null; send 1 9003 > /dev/null; sleep 0.6
check "reload: alpha stayed up (no new start)" [ "$(wev start alpha)" = 1 ]
check "reload: gamma stayed up (no new start)" [ "$(wev start gamma)" = 1 ]
check "reload: delta, added with beta's old prefix, starts on its traffic" [ "$(wev start delta)" = 1 ]
check "reload: beta, made again, starts on its new prefix's traffic" [ "$(wev start beta)" = 2 ]
check "reload: RELOADING=1 then READY=1" bash -c "grep -n 'RELOADING=1' '$T/msgs' | head -1 | grep -q . && tail -n +\$(grep -n 'RELOADING=1' '$T/msgs' | head -1 | cut -d: -f1) '$T/msgs' | grep -q 'READY=1'"
check "reload: logged what changed" logged "reloaded: 1 watch kept, 1 tuned in place, 1 changed, 1 added, 1 removed"
n=$(grep -cE '^(start|stop) ' "$T/events")
{ printf '[watch alpha]\ncommand = %s\nnflog-group = eight\n' "$T/hook"; own; } > "$T/r.conf"
kill -HUP "$DPID"; sleep 0.5
check "a broken file on reload: alive" kill -0 "$DPID"
check "a broken file on reload: refused, naming r.conf:3" logged "r.conf:3: nflog-group: \`eight'"
check "a broken file on reload: no hook ran" [ "$(grep -cE '^(start|stop) ' "$T/events")" = "$n" ]
kill -USR1 "$DPID"; sleep 0.3
check "a broken file on reload: the running watches stay (SIGUSR1 lists delta)" logged "- watch: delta"
kill "$DPID"; wait "$DPID"; DPID=
check "SIGTERM: every watch that was up ran stop (reason exit)" [ "$(grep -c 'TUNINETD_REASON=exit' "$T/events")" = 4 ]

# 7. a reload while the last one's stops still run is refused, said why;
#    once they have ended, the next one takes effect; the stop hook names
#    the NFLOG prefix of its watch
mkhook '[ "$1" = stop ] && sleep 2; exit 0'
{ conf slow one 30; own; } > "$T/s.conf"
daemon -C "$T/s.conf"
send 1 9001 > /dev/null; wait_w start slow 1 2 || bail "slow start"
{ conf other two 30; own; } > "$T/s.conf"
kill -HUP "$DPID"; sleep 0.5
{ conf slow one 30; conf other two 30; own; } > "$T/s.conf"
kill -HUP "$DPID"; sleep 0.3
check "a reload during the last one's stop: refused, said why" logged "the last reload is still being applied (slow stopping)"
wait_w stop slow 1 4 || bail "slow stop"	# recorded as it began
sleep 2.5; kill -HUP "$DPID"; sleep 0.5
check "after its stop, the next reload took effect" bash -c "tail -n 5 '$T/log' | grep -q 'reloaded: 1 watch kept, 0 tuned in place, 0 changed, 1 added, 0 removed'"
check "the stop hook got its watch's NFLOG prefix" \
    bash -c "awk '/^stop /{s=1} /^start /{s=0} s' '$T/events' | grep -q 'TUNINETD_NFLOG_PREFIX=one'"
kill "$DPID"; wait "$DPID"; DPID=
