# --match: tuninetd writes its own rules (no rule of the test's for the
# ports used here) and the kernel keeps the idle time. Refusals: what nft
# refuses (its words), a verdict, two commands, a bad hook, settings
# that need --match or --session, combinations not built; also by
# --check-config with the file's line. A cycle: the table is there while
# the daemon runs, the first packet starts it (the hook told
# TUNINETD_SENSOR=nft and the packet), a flood to the end costs the
# daemon nothing and stops it at last packet + TTL; tuninetctl rules shows
# the table; SIGTERM and kill -9 leave nothing. --hold-first: packets wait
# for the start hook, then pass in order. --session saddr: a cycle per
# source, each stopping at its own last packet + TTL, listed by status;
# session-max bounds them; a crash loses none (the state directory);
# the README's door (a concatenated set);
# --keep-connections with no rule of the user's. A reload retimes a watch in place (its rule
# says the new TTL) and replaces a changed expression's rules.
. "$(dirname "$0")/lib.sh"
CTL=$(dirname "$TUNINETD")/tuninetctl
PY=/usr/bin/python3
S=$T/ctl
bed_up
# after tuninetd's chains (priority -180): count what passed, and drop
# it, so that no port-unreachable makes the sender's next send fail
ip netns exec "$NS_B" nft -f - <<'NFT' || bail "counter table"
table inet past {
	chain in {
		type filter hook input priority 0;
		udp dport 9996 counter
		udp dport 9990-9999 drop
	}
}
NFT
mkhook '[ "$1" = start ] && [ -f '"$T"'/start_s ] && sleep $(cat '"$T"'/start_s); exit 0'
ctl() { "$CTL" -s "$S" "$@"; }
refused() { refused_by "$TUNINETD" "$@"; }
tables() { in_b nft list tables | grep -c 'tuninetd$'; }
passed() { in_b nft list chain inet past in | awk '/counter/ {for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1)}'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# from_a ADDR PORT [COUNT]: one datagram (or COUNT) from A's address ADDR
from_a() {
	in_a "$PY" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 0))
for i in range(int(sys.argv[3])): s.sendto(b"x" * 32, ("'"$ADDR_B"'", int(sys.argv[2])))' "$1" "$2" "${3:-1}"
}

# --- refusals ---------------------------------------------------------
refused "--match: \`udp dport 99x9': nft: syntax error" --match 'udp dport 99x9' -c "$T/hook"
refused "conflicting protocols specified: udp vs. tcp at \`tcp flags'" --match 'udp dport 1 tcp flags syn' -c "$T/hook"
refused "it holds a verdict" --match 'tcp dport 22 accept' -c "$T/hook"
refused "one expression, without \`;'" --match 'udp dport 1; flush ruleset' -c "$T/hook"
refused "\`input,sideways' is not a list of netfilter hooks" --match 'udp dport 1' --match-hooks input,sideways -c "$T/hook"
refused "--match-hooks needs --match" -n 7 --match-hooks input -c "$T/hook"
refused "--hold-first needs --match" -n 7 --hold-first -c "$T/hook"
refused "--session needs --match" -n 7 --session saddr -c "$T/hook"
refused "\`client' is not a session key" --match 'udp dport 1' --session client -c "$T/hook"
refused "--session-max needs --session" --match 'udp dport 1' --session-max 5 -c "$T/hook"
refused "--hold-first does not go with --session" --match 'udp dport 1' --session saddr --hold-first -c "$T/hook"
refused "--keep-connections auto needs --match" -n 7 --keep-connections auto -c "$T/hook"
refused "-a does not go with --match" --match 'udp dport 1' -a -c "$T/hook"
printf '[watch a]\nmatch = udp dport 1\ncommand = %s\n[watch b]\nmatch = udp dport x1\ncommand = %s\n' \
    "$T/hook" "$T/hook" > "$T/bad.conf"
refused "bad.conf:5: match: \`udp dport x1': nft:" -C "$T/bad.conf" --check-config
check "nothing of tuninetd left after the refusals ($(tables) tables)" [ "$(tables)" = 0 ]

# --- a cycle ----------------------------------------------------------
daemon --match 'udp dport 9998' --match-hooks input -t 2 --control "$S" -c "$T/hook"
check "its tables are there while it runs ($(tables))" [ "$(tables)" = 2 ]
check "the compiler's scratch tables are gone once it runs" \
    sh -c "! ip netns exec $NS_B nft list tables | grep -q tuninetd_compile"
check "the watch's chain in the input hook jumps to its own" \
    sh -c "ip netns exec $NS_B nft list chain ip tuninetd match_input | grep -q 'udp dport 9998 jump match'"
ctl rules > "$T/rules" 2>&1
check "tuninetctl rules shows the set and its update rule" \
    grep -q 'update @match { meta nfproto timeout 2s }' "$T/rules"
t0=$(send 1 9998 | cut -d' ' -f1)
wait_ev start 1 2 || bail "no start on the first packet"
s=$(ms "$(evtime start 1)" "$t0")
check "start ${s} ms after the first packet (< 100)" within "$s" 0 100
check "the hook is told the sensor and the packet" \
    sh -c "grep -q '^  TUNINETD_SENSOR=nft' $T/events && grep -q '^  TUNINETD_DPORT=9998' $T/events && grep -q '^  TUNINETD_SRC=$ADDR_A' $T/events"
check "the trigger packet is logged" logged "|- IPv4 $ADDR_A > $ADDR_B"
sleep 0.3
c0=$(cpu_ticks "$DPID")
r=$(send 20000 9998 0); last=$(echo "$r" | cut -d' ' -f2)
c1=$(cpu_ticks "$DPID")
check "20000 packets while up cost the daemon $((c1 - c0)) ticks (<= 2)" [ $((c1 - c0)) -le 2 ]
wait_ev stop 1 5 || bail "no stop after the flood"
e=$(stop_err "$(evtime stop 1)" "$last" 2)
note "flood to the end: stop_err_ms $e"
check "stop ${e} ms from the flood's last packet + TTL (within 100)" within "$e" -100 100
check "one start for the whole flood" [ "$(nev start)" = 1 ]
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=
check "SIGTERM: its tables are gone ($(tables))" [ "$(tables)" = 0 ]
daemon --match 'udp dport 9998' --match-hooks input -t 2 -c "$T/hook"
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=; sleep 0.5
check "kill -9: its tables are gone within 0.5 s ($(tables))" [ "$(tables)" = 0 ]

# --- --hold-first -----------------------------------------------------
: > "$T/events"; echo 0.4 > "$T/start_s"
daemon --match 'udp dport 9996' --match-hooks input --hold-first -t 2 -c "$T/hook"
p0=$(passed)
send 3 9996 50 > /dev/null
sleep 0.15
check "hold-first: nothing passed during the start hook ($(($(passed) - p0)))" [ $(($(passed) - p0)) = 0 ]
wait_ev start 1 2 || bail "hold-first: start"
sleep 0.5
check "hold-first: the 3 held packets passed after it ($(($(passed) - p0)))" [ $(($(passed) - p0)) = 3 ]
check "hold-first: logged as accepted" logged "accepted 3 held packets"
send 5 9996 > /dev/null; sleep 0.1
check "hold-first: packets while up pass at once ($(($(passed) - p0)) of 8)" [ $(($(passed) - p0)) = 8 ]
rm -f "$T/start_s"
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=; sleep 0.3
p0=$(passed); send 2 9996 > /dev/null; sleep 0.1
check "hold-first: after kill -9, packets pass ($(($(passed) - p0)) of 2)" [ $(($(passed) - p0)) = 2 ]

# --- --session saddr --------------------------------------------------
for i in 11 12 13; do in_a ip addr add 10.77.0.$i/24 dev "$VA"; done
: > "$T/events"
daemon --match 'ip saddr 10.77.0.0/24 udp dport 9995' --match-hooks input --session saddr -t 2 --control "$S" -c "$T/hook"
from_a 10.77.0.11 9995; l11=$(date +%s.%N)
from_a 10.77.0.12 9995; l12=$(date +%s.%N)
for k in 1 2 3 4 5; do from_a 10.77.0.13 9995 20; l13=$(date +%s.%N); sleep 0.3; done
wait_ev start 3 2 || bail "sessions: 3 starts"
check "sessions: each start names its session" \
    [ "$(grep '^  TUNINETD_SESSION=' "$T/events" | sort -u | wc -l)" = 3 ]
check "sessions: status lists them" sh -c "'$CTL' -s '$S' status | grep -q 'session 10.77.0.13: up'"
wait_ev stop 3 6 || bail "sessions: 3 stops"
for i in 11 12 13; do
	eval last=\$l$i
	t=$(awk -v k="10.77.0.$i" '/^[a-z]+ [0-9]/{ev=$1; t=$2} $1=="TUNINETD_SESSION="k && ev=="stop"{print t}' "$T/events")
	e=$(stop_err "$t" "$last" 2)
	check "session 10.77.0.$i: stop ${e} ms from its last packet + TTL (within 150)" within "$e" -150 150
done
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=
: > "$T/events"
daemon --match 'ip saddr 10.77.0.0/24 udp dport 9995' --match-hooks input --session saddr --session-max 2 -t 1 -c "$T/hook"
for i in 11 12 13; do from_a 10.77.0.$i 9995; done
sleep 0.5
check "session-max 2: two of three sources started ($(nev start))" [ "$(nev start)" = 2 ]
check "session-max 2: the refusal is logged" logged "session-max 2 reached"
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=

# sessions after a crash: kill -9 with two up takes the table with it;
# the next daemon takes both over from the state directory (no start
# hook), each key back in the set for what it has left, so that packets
# keep it; each stops at its own time. One whose time ran out while no
# daemon ran is stopped at once, reason recovered.
SD=$T/state
sess() { daemon --match 'ip saddr 10.77.0.0/24 udp dport 9995' --match-hooks input \
    --session saddr -t "$1" --state-dir "$SD" -c "$T/hook"; }
: > "$T/events"
sess 3
from_a 10.77.0.11 9995; from_a 10.77.0.12 9995; l11=$(date +%s.%N)
wait_ev start 2 2 || bail "recovery: 2 starts"
sleep 0.2
check "recovery: a state file per session ($(ls "$SD/default.sessions" 2>/dev/null | wc -l))" \
    [ "$(ls "$SD/default.sessions" 2>/dev/null | wc -l)" = 2 ]
check "recovery: the sessions' directory is closed to others ($(stat -c %a "$SD/default.sessions"))" \
    [ "$(stat -c %a "$SD/default.sessions")" = 700 ]
check "recovery: a session's file names its client" \
    sh -c "grep -l '^session=10.77.0.12$' '$SD'/default.sessions/*.state | grep -q ."
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
sess 3
check "recovery: both sessions adopted" sh -c "[ \$(grep -c 'adopted from the state file: up since' '$T/log') = 2 ]"
check "recovery: no start hook ran again ($(nev start))" [ "$(nev start)" = 2 ]
for k in 1 2 3 4 5 6 7 8; do from_a 10.77.0.12 9995; l12=$(date +%s.%N); sleep 0.5; done
wait_ev stop 2 5 || bail "recovery: 2 stops"
for i in 11 12; do
	eval last=\$l$i
	t=$(awk -v k="10.77.0.$i" '/^[a-z]+ [0-9]/{ev=$1; t=$2} $1=="TUNINETD_SESSION="k && ev=="stop"{print t}' "$T/events")
	e=$(stop_err "$t" "$last" 3)
	check "recovery: session 10.77.0.$i stopped ${e} ms from its last packet + TTL (within 300)" within "$e" -300 300
done
check "recovery: the stopped sessions' files are gone" \
    [ "$(ls "$SD/default.sessions" | wc -l)" = 0 ]
check "recovery: nothing was stopped as recovered" sh -c "! grep -q '^  TUNINETD_REASON=recovered' '$T/events'"
: > "$T/events"
from_a 10.77.0.13 9995
wait_ev start 1 2 || bail "recovery: the third session's start"
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
sleep 1.2
sess 1
wait_ev stop 1 2 || bail "recovery: no stop of a session whose time ran out"
check "recovery: a session whose time ran out is stopped at once, reason recovered" \
    grep -q '^  TUNINETD_REASON=recovered' "$T/events"
check "recovery: its stop is logged as due" logged "its deadline passed: stopping"
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=

# the README's door: a concatenation with ct state, in an anonymous set
: > "$T/events"
daemon --match 'meta l4proto . th dport . ct state { udp . 9992 . new, tcp . 22 . established }' \
    --match-hooks input --session saddr -t 1 -c "$T/hook"
from_a 10.77.0.12 9992
wait_ev start 1 2 || bail "door: no start on the knock"
check "door: the knock opened 10.77.0.12's session" grep -q '^  TUNINETD_SESSION=10.77.0.12$' "$T/events"
from_a 10.77.0.12 9991; sleep 0.2
check "door: another port starts nothing ($(nev start) starts)" [ "$(nev start)" = 1 ]
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=

# --keep-connections auto with --match: the daemon picks a mark bit and
# marks the watch's connections itself; a quiet connection holds the
# watch past its TTL
in_b "$TOOLS/tcpchat" listen 0.0.0.0 9100 & EXTRA_PIDS="$EXTRA_PIDS $!"
sleep 0.2
: > "$T/events"
daemon --match 'tcp dport 9100' --match-hooks input --keep-connections auto -t 1 -c "$T/hook"
read -r t_open t_close < <(in_a "$TOOLS/tcpchat" talk "$ADDR_B" 9100 1 0 3000)
wait_ev stop 1 4 || bail "keep-connections: no stop"
d=$(ms "$(evtime stop 1)" "$t_close")
check "keep-connections: the quiet connection held it; stop ${d} ms after its close (0-2000)" within "$d" 0 2000
check "keep-connections: the mark is the daemon's own rule" \
    sh -c "ip netns exec $NS_B nft list chain ip tuninetd match | grep -q 'ct mark set ct mark | 0x01000000'"
check "keep-connections auto: the log says the bit it took" \
    logged "conntrack mark 0x1000000/0x1000000"
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=

# --- reload -----------------------------------------------------------
conf() { printf '[daemon]\ncontrol = %s\n\n[watch m]\nmatch = udp dport %s\nmatch-hooks = input\nttl = %s\ncommand = %s\n' \
    "$S" "$1" "$2" "$T/hook" > "$T/m.conf"; }
conf 9994 2
daemon -C "$T/m.conf"
conf 9994 3; ctl reload > /dev/null 2>&1
check "reload, ttl only: in place" logged "m: CORE: reloaded in place (ttl changed)"
check "reload, ttl only: the update rule says 3s" \
    sh -c "ip netns exec $NS_B nft list chain ip tuninetd m | grep -q 'timeout 3s'"
conf 9993 3; ctl reload > /dev/null 2>&1; sleep 0.3
check "reload, a new expression: its rules replace the old" \
    sh -c "ip netns exec $NS_B nft list table ip tuninetd | grep -q 'udp dport 9993' && ! ip netns exec $NS_B nft list table ip tuninetd | grep -q 'udp dport 9994'"
