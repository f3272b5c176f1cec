# The control socket and tuninetctl, against a running daemon with real
# hooks and packets: two NFLOG watches (alpha and beta, whose start hook
# fails). status in text and --json, why, start/stop (the hook gets
# TUNINETD_REASON=control), hold and release, reload, events, metrics
# through a real Prometheus parser; a non-root peer may read and is
# refused changes, one without access is told so; peers that say
# nothing, send garbage, 10 MB, connect by the hundred or never read
# their reply do not stall or crash the daemon. Then the command line's
# --control, the socket's refusals at start-up, the default path in
# config mode, and the bash completion.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CTL=$(dirname "$TUNINETD")/tuninetctl
PY=/usr/bin/python3
bed_up
ip netns exec "$NS_B" nft -f - <<'NFT' || bail "nft rules"
table inet tc {
	chain in {
		type filter hook input priority 0;
		udp dport 9021 log prefix "alpha" group 8
		udp dport 9022 log prefix "beta" group 8
		udp dport 9023 log prefix "gamma" group 8
	}
}
NFT
mkhook
# beta's hook records, then fails its start
cp "$T/hook" "$T/hookfail"
echo '[ "$1" = start ] && exit 3; exit 0' >> "$T/hookfail"
chmod 755 "$T/hookfail"
chmod 0711 "$T"; mkdir -m 0755 "$T/run"
S=$T/run/ctl
ctl() { "$CTL" -s "$S" "$@"; }
# wev EVENT WATCH: hook records of that watch
wev() { awk -v e="$1" -v w="$2" '/^[a-z]/{ev=$1} $1=="TUNINETD_WATCH="w && ev==e{n++} END{print n+0}' "$T/events"; }
wreason() { awk -v e="$1" -v w="$2" '/^[a-z]/{if(ok)print r; ev=$1; ok=0} $1=="TUNINETD_WATCH="w && ev==e{ok=1} /TUNINETD_REASON=/{r=$1; sub(/.*=/, "", r)} END{if(ok)print r}' "$T/events" | tr '\n' ' '; }
wait_w() { local i; for i in $(seq $(( ${4%.*} * 50 + 1 ))); do [ "$(wev "$1" "$2")" -ge "$3" ] && return 0; sleep 0.02; done; return 1; }
# jq-like: js 'PYTHON EXPRESSION ON d' < JSON
js() { "$PY" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
state() { ctl status --json | js "[w['state'] for w in d['watches'] if w['name'] == '$1'][0]"; }
wait_state() { local i; for i in $(seq 100); do [ "$(state "$1")" = "$2" ] && return 0; sleep 0.03; done; return 1; }
conf() { # NAME PREFIX TTL HOOK
	printf '[watch %s]\nnflog-group = 8\nnflog-prefix = %s\ncommand = %s\nttl = %s\n\n' "$1" "$2" "$4" "$3"
}
write_conf() {
	{ printf '[daemon]\ncontrol = %s\ncontrol-group = nogroup\nstate-dir = %s\n\n' "$S" "$T/state"
	  conf alpha alpha 30 "$T/hook"; conf beta beta 30 "$T/hookfail"; "$@"; } > "$T/c.conf"
}
write_conf
daemon -C "$T/c.conf"

# 1. the socket
check "the socket is mode 0660, group nogroup ($(stat -c '%a %G' "$S"))" [ "$(stat -c '%a %G %F' "$S")" = "660 nogroup socket" ]
check "the daemon says where it listens" logged "Control socket: $S"

# 2. status, idle
out=$(ctl status --json); rc=$?
check "status --json: exit 0, both idle" [ "$rc/$(js "[(w['name'], w['state']) for w in d['watches']]" <<< "$out")" = "0/[('alpha', 'idle'), ('beta', 'idle')]" ]
check "status --json: ok, now, every field" [ "$(js "d['ok'] and d['now'] > 0 and sorted(d['watches'][0]) == sorted(['name', 'state', 'held', 'since', 'up_since', 'started_by', 'last_packet', 'last_sensor', 'kept_up_by_connections', 'connections_seen', 'deadline', 'ttl', 'up_seconds', 'sensors', 'trigger', 'counters'])" <<< "$out")" = True ]

# 3. a packet starts alpha; status shows it, decoded
send 1 9021 > /dev/null
wait_w start alpha 1 2 || bail "alpha did not start"
wait_state alpha up || bail "alpha not up: $(state alpha)"
# one packet has moved alpha's deadline: said in the singular
n=$(ctl why alpha --json | js "len(d['watch']['moved'])")
ctl why alpha > "$T/why"
check "why alpha after one packet: one moved the deadline, said so (not \"the last 1 packets\")" \
    [ "$n/$(grep -c '^  the last packet that moved the deadline:$' "$T/why")/$(grep -c 'packets that moved' "$T/why")" = "1/1/0" ]
out=$(ctl status --json)
check "status --json: alpha up, started by a packet from $ADDR_A to port 9021" [ "$(js "[(w['state'], w['started_by'], w['trigger']['src'], w['trigger']['dst'], w['trigger']['proto'], w['trigger']['dport'], w['trigger']['sensor']) for w in d['watches'] if w['name'] == 'alpha'][0]" <<< "$out")" = "('up', 'packet', '$ADDR_A', '$ADDR_B', 'udp', 9021, 'nflog')" ]
check "status --json: alpha's deadline is its last packet + TTL 30 s" [ "$(js "[round(w['deadline'] - w['last_packet'], 3) for w in d['watches'] if w['name'] == 'alpha'][0]" <<< "$out")" = 30.0 ]
check "status --json: counters: alpha 1 start, beta 0" [ "$(js "[w['counters']['starts'] for w in d['watches']]" <<< "$out")" = "[1, 0]" ]
ctl status > "$T/st.all"; rc=$?
cat "$T/st.all" | sed 's/^/# /'
check "status: the last line says how packets are read (the worker's jail)" \
    bash -c "tail -n 1 '$T/st.all' | grep -q '^packets are read as .* (uid [1-9][0-9]*), with CAP_NET_ADMIN and CAP_NET_RAW, no_new_privs, seccomp, .*; hooks run as root$'"
grep -v '^packets are read as ' "$T/st.all" > "$T/st"
check "status: exit 0, one line per watch" [ "$rc/$(wc -l < "$T/st")" = "0/2" ]
check "status: alpha up, stop in 29.x s, the packet decoded" grep -qE "^alpha +up +since [0-9:]+ +last [0-9.]+ s ago +stop in 29\.[0-9] s +nflog 8 prefix alpha +IPv4 $ADDR_A > $ADDR_B" "$T/st"
check "status: beta idle, no packet yet" grep -qE "^beta +idle +since [0-9:]+ +no packet yet +- +nflog 8 prefix beta +-$" "$T/st"
check "status: columns aligned (since, sensors)" [ "$(awk '{print index($0, "since "), index($0, "nflog 8")}' "$T/st" | sort -u | wc -l)" = 1 ]
out=$(ctl status beta); check "status beta: that watch alone" [ "$(wc -l <<< "$out")/$(cut -d' ' -f1 <<< "$out")" = "1/beta" ]
out=$(ctl status alpha alpha); check "status alpha alpha: a watch named twice is shown once" [ "$(wc -l <<< "$out")/$(cut -d' ' -f1 <<< "$out")" = "1/alpha" ]
out=$(ctl status --json beta alpha beta | js "[w['name'] for w in d['watches']]")
check "status --json beta alpha beta: each once, in the file's order ($out)" [ "$out" = "['alpha', 'beta']" ]
refused_by "$CTL" "no watch \`nosuch'" -s "$S" status nosuch

# 4. why: the trigger decoded, the packets that moved the deadline
for i in 1 2 3; do sleep 0.25; send 1 9021 > /dev/null; done; sleep 0.3
ctl why alpha > "$T/why"; rc=$?
sed 's/^/# /' "$T/why"
check "why alpha: exit 0, up, stop due" grep -qE "^alpha: up since .*; stop in 2[89]\.[0-9] s unless a packet comes \(TTL 30 s\)" "$T/why"
check "why alpha: started by the packet from $ADDR_A, its sensor named" grep -qE "started by: +IPv4 $ADDR_A > $ADDR_B.*PORTS: [0-9]+ > 9021" "$T/why"
check "why alpha: the last packet, its age and sensor" grep -qE "last packet: [0-9.]+ s ago, at .*, by nflog" "$T/why"
n=$(ctl why alpha --json | js "len(d['watch']['moved'])")
check "why alpha: the packets that moved the deadline are listed (${n}, 2-4)" within "$n" 2 4
check "why alpha: \"the last $n packets that moved the deadline, newest first\"" grep -q "^  the last $n packets that moved the deadline, newest first:$" "$T/why"
check "why alpha: each with its age and sensor label" [ "$(grep -cE '^    [0-9:.]+ +[0-9.]+ s ago  nflog 8 prefix alpha$' "$T/why")" = "$n" ]
out=$(ctl why beta); check "why beta: idle, nothing keeps it up" grep -q "^beta: idle since .*: nothing keeps it up" <<< "$out"
refused_by "$CTL" "which watch? There are 2" -s "$S" why

# 5. stop and start by control; a start that fails
ctl stop alpha; rc=$?
wait_w stop alpha 1 3
check "stop alpha: exit 0, the stop hook ran with TUNINETD_REASON=control" [ "$rc/$(wreason stop alpha)" = "0/control " ]
wait_state alpha idle
refused_by "$CTL" "alpha is idle already" -s "$S" stop alpha
ctl start alpha; rc=$?
wait_w start alpha 2 2
check "start alpha: exit 0, the start hook ran with TUNINETD_REASON=control" [ "$rc/$(wreason start alpha)" = "0/packet control " ]
check "start alpha: the hook got no packet's addresses, no sensor" [ -z "$(evenv start 2 | grep -E 'TUNINETD_(SRC|SENSOR)')" ]
wait_state alpha up
check "status: a control start says so" grep -qE "^alpha +up .*started by tuninetctl start$" <(ctl status)
refused_by "$CTL" "alpha is up already" -s "$S" start alpha
ctl start beta; rc=$?
wait_w start beta 1 2
check "start beta: exit 0 (asked), its hook ran" [ "$rc/$(wev start beta)" = "0/1" ]
ctl stop alpha; wait_w stop alpha 2 3; ctl stop beta; wait_w stop beta 1 3
wait_state alpha idle; wait_state beta idle

# 6. hold and release
ctl hold alpha; rc=$?
check "hold alpha: exit 0, state held" [ "$rc/$(state alpha)" = "0/held" ]
refused_by "$CTL" "alpha is held already" -s "$S" hold alpha
send 1 9021 > /dev/null; sleep 0.6
check "held: a packet starts nothing" [ "$(wev start alpha)" = 2 ]
check "held: status --json says held:true" [ "$(ctl status --json alpha | js "d['watches'][0]['held']")" = True ]
check "why alpha: held, until released" grep -q "^alpha: held since .*packets start nothing until tuninetctl release" <(ctl why alpha)
ctl release alpha; rc=$?
check "release alpha: exit 0, idle again" [ "$rc/$(state alpha)" = "0/idle" ]
refused_by "$CTL" "alpha is not held" -s "$S" release alpha
check "... said without \"already\"" bash -c "! grep -q 'not held already' '$T/out'"
send 1 9021 > /dev/null
check "released: a packet starts it" wait_w start alpha 3 2

# 7. events: the last hook runs, oldest first, exit statuses and durations
ctl events -n 4 > "$T/ev"; rc=$?
sed 's/^/# /' "$T/ev"
check "events -n 4: exit 0, four lines" [ "$rc/$(wc -l < "$T/ev")" = "0/4" ]
check "events: ISO 8601 times, oldest first" bash -c "cut -d' ' -f1 '$T/ev' | sort -c && grep -cE '^20[0-9-]{8}T[0-9:]{8}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} ' '$T/ev' | grep -qx 4"
check "events: the newest is alpha's start on a packet, exit 0" grep -qE "^[^ ]+  alpha +start +packet +exit 0 +[0-9.]+ m?s$" <(tail -n 1 "$T/ev")
out=$(ctl events -n 20 --json)
check "events --json: beta's failed start: exit 3, reason control" [ "$(js "[(e['result'], e['status'], e['reason']) for e in d['events'] if e['watch'] == 'beta' and e['event'] == 'start']" <<< "$out")" = "[('exit', 3, 'control')]" ]
check "events --json: each with time, watch, event, reason, result, duration" [ "$(js "all(sorted(e) == ['duration', 'event', 'reason', 'result', 'status', 'time', 'watch'] for e in d['events'])" <<< "$out")" = True ]
check "events: 7 hook runs in all" [ "$(js "len(d['events'])" <<< "$out")" = 7 ]
refused_by "$CTL" "-n: \`0' is not a number from 1 to 256" -s "$S" events -n 0

# 8. metrics, read by prometheus_client's parser
ctl metrics > "$T/m.txt"; rc=$?
check "metrics: exit 0" [ $rc = 0 ]
"$PY" - "$T/m.txt" > "$T/m.out" 2>&1 <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
v, types = {}, {}
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    types[fam.name] = fam.type
    for s in fam.samples:
        v[(s.name, tuple(sorted(s.labels.items())))] = s.value
def get(name, **labels):
    return v.get((name, tuple(sorted(labels.items()))))
want = [
    (get("tuninetd_starts_total", watch="alpha"), 3),
    (get("tuninetd_starts_total", watch="beta"), 1),
    (get("tuninetd_stops_total", watch="alpha", reason="control"), 2),
    (get("tuninetd_stops_total", watch="alpha", reason="idle"), 0),
    (get("tuninetd_hook_failures_total", watch="beta", event="start"), 1),
    (get("tuninetd_hook_failures_total", watch="alpha", event="start"), 0),
    (get("tuninetd_up", watch="alpha"), 1),
    (get("tuninetd_up", watch="beta"), 0),
    (get("tuninetd_held", watch="alpha"), 0),
    (get("tuninetd_hook_duration_seconds_count", watch="alpha", event="start"), 3),
    (get("tuninetd_hook_duration_seconds_bucket", watch="alpha", event="start", le="+Inf"), 3),
    (get("tuninetd_start_latency_seconds_count", watch="alpha"), 2),
    (types.get("tuninetd_hook_duration_seconds"), "histogram"),
    (types.get("tuninetd_start_latency_seconds"), "histogram"),
    (types.get("tuninetd_starts"), "counter"),
    (types.get("tuninetd_up"), "gauge"),
]
bad = ["%d: got %r, want %r" % (i, g, w) for i, (g, w) in enumerate(want) if g != w]
lat = get("tuninetd_start_latency_seconds_sum", watch="alpha")
if lat is None or not 0 < lat < 0.5: bad.append("start latency sum %r" % lat)
ts = get("tuninetd_last_packet_timestamp_seconds", watch="alpha")
import time
if ts is None or not time.time() - 10 < ts <= time.time(): bad.append("last packet timestamp %r" % ts)
if get("tuninetd_last_packet_timestamp_seconds", watch="beta") is not None: bad.append("beta has a last packet")
b = [get("tuninetd_hook_duration_seconds_bucket", watch="alpha", event="start", le=le) for le in
     ("0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "+Inf")]
if None in b or b != sorted(b): bad.append("buckets not cumulative: %r" % b)
if any(n.startswith("tuninetd_queue") or n.startswith("tuninetd_connections") for n, _ in v): bad.append("queue or conntrack metrics without such sensors")
print("; ".join(bad) if bad else "ok")
PY
check "metrics: prometheus_client parses them; counts, types, buckets as they happened ($(cat "$T/m.out" | tail -n 1 | head -c 300))" [ "$(tail -n 1 "$T/m.out")" = ok ]
check "metrics: HELP and TYPE once per family" [ "$(grep -c '^# TYPE' "$T/m.txt")" = "$(grep '^# TYPE' "$T/m.txt" | sort -u | wc -l)" ]

# 9. reload by tuninetctl: gamma added; a broken file refused, said why
write_conf conf gamma gamma 30 "$T/hook"
ctl reload; rc=$?
check "reload: exit 0, gamma added" [ "$rc/$(ctl list | tr '\n' ' ')" = "0/alpha beta gamma " ]
check "reload: alpha kept up, its hook not run" [ "$(state alpha)/$(wev start alpha)/$(wev stop alpha)" = "up/3/2" ]
echo "[watch broken" >> "$T/c.conf"
refused_by "$CTL" "c.conf refused, 1 error" -s "$S" reload
check "a refused reload: the watches stay" [ "$(ctl list | wc -l)" = 3 ]
write_conf conf gamma gamma 30 "$T/hook"

# 10. a non-root peer in control-group reads, and is refused changes
nob() { setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" -s "$S" "$@"; }
out=$(nob status 2>&1); rc=$?; out=$(grep -v '^packets are read as ' <<< "$out")
check "non-root in control-group: status answers" [ "$rc/$(wc -l <<< "$out")" = "0/3" ]
for cmd in "stop alpha" "start beta" "hold beta" "release alpha" reload; do
	out=$(nob $cmd 2>&1); rc=$?
	check "non-root: $cmd refused, exit 1: $out" bash -c "[ $rc = 1 ] && grep -q 'permission denied: only root may' <<< '$out'"
done
check "non-root: nothing changed" [ "$(state alpha)/$(state beta)/$(wev stop alpha)" = "up/idle/2" ]
# without the group, the socket cannot be opened: said so
chgrp root "$S"
out=$(nob status 2>&1); rc=$?
check "a peer without access: exit 1, told why, naming the socket: $out" [ "$rc/$out" = "1/tuninetctl: \`$S': permission denied: the socket is open to root and to its control-group only" ]
chgrp nogroup "$S"

# 11. hostile peers: silent, garbage, 10 MB, 150 at once, some that
# never read; status keeps answering within a second, the daemon lives
cat > "$T/hostile.py" <<'EOF'
import socket, sys, time
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX); s.connect(path); return s
def reply(s, limit=5):
    s.settimeout(limit); b = b""
    try:
        while not b.endswith(b"\n"):
            d = s.recv(65536)
            if not d: break
            b += d
    except OSError as e:
        return "error " + str(e)
    return b.decode(errors="replace")
def closed(s, limit):
    """what is left read; True when the daemon closed it within limit s"""
    s.settimeout(limit)
    try:
        while s.recv(1 << 20):
            pass
        return True
    except ConnectionResetError:    # it had not read all we sent
        return True
    except OSError:
        return False
def is_open(s):
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
def status_ok():
    s = conn(); s.sendall(b'{"command":"status"}\n'); t = time.time()
    r = reply(s, 2); s.close()
    return r.startswith('{"ok":true') and time.time() - t < 1
idle = conn(); t0 = time.time()
g = conn(); g.sendall(b"\x00\xffgarbage{]\n")
print("garbage:", reply(g).strip())
print("garbage closed:", closed(g, 2))
big = conn(); big.settimeout(5)
try:
    big.sendall(b"{" * (10 << 20))
    print("10MB: all sent")
except OSError as e:
    print("10MB: cut off:", type(e).__name__)
print("10MB reply:", reply(big).strip())
print("status with an idle peer:", status_ok())
c = closed(idle, 8)
print("idle closed after %.1f s: %s" % (time.time() - t0, c))
many = [conn() for i in range(150)]
print("many connected:", len(many))
time.sleep(0.3)
kept = [is_open(s) for s in many]
n = sum(kept)
print("many kept: %d, the newest: %s" % (n, kept == [False] * (150 - n) + [True] * n))
print("status with 150 more:", status_ok())
for s in many: s.close()
deaf = []
for i in range(3):
    d = conn(); d.sendall(b'{"command":"metrics"}\n' * 50); deaf.append(d)
time.sleep(0.5)
print("status with 3 deaf peers:", all(status_ok() for i in range(5)))
t0 = time.time()
c = all(closed(d, 8) for d in deaf)
print("deaf peers dropped: %s after %.1f s" % (c, time.time() - t0))
EOF
"$PY" "$T/hostile.py" "$S" > "$T/hostile" 2>&1 & hp=$!
bad=0 n=0
while kill -0 $hp 2>/dev/null; do
	t0=$(date +%s%N); timeout 2 "$CTL" -s "$S" status > /dev/null; rc=$?; t1=$(date +%s%N)
	n=$((n + 1))
	[ $rc = 0 ] && [ $(( (t1 - t0) / 1000000 )) -lt 1000 ] || bad=$((bad + 1))
	sleep 0.3
done
wait $hp
sed 's/^/# /' "$T/hostile"
check "tuninetctl status answered within 1 s all along ($n tries, $bad late or failed)" [ $bad = 0 ]
check "garbage: a reply naming the fault, then closed" bash -c "grep -q 'garbage: {\"ok\":false,\"error\":\"not a JSON request: at byte 0: not a JSON value\"}' '$T/hostile' && grep -q 'garbage closed: True' '$T/hostile'"
check "10 MB: refused as too long, connection closed" grep -q '10MB reply: {"ok":false,"error":"a request is one line of at most 65535 bytes"}' "$T/hostile"
check "status answers with an idle peer connected" grep -q "status with an idle peer: True" "$T/hostile"
check "an idle peer is closed after about 5 s" grep -qE "idle closed after [5-6]\.[0-9] s: True" "$T/hostile"
check "150 peers at once: all connect, status still answers" bash -c "grep -q 'many connected: 150' '$T/hostile' && grep -q 'status with 150 more: True' '$T/hostile'"
check "150 peers at once: the oldest let go, the newest 64 kept (less those tuninetctl pushed out)" grep -qE "many kept: (6[0-4]), the newest: True" "$T/hostile"
check "peers that never read: status answers meanwhile" grep -q "status with 3 deaf peers: True" "$T/hostile"
check "peers that never read: dropped within about 5 s" grep -qE "deaf peers dropped: True after [0-6]\.[0-9] s" "$T/hostile"
check "the daemon lives" kill -0 "$DPID"
kill -USR1 "$DPID"; sleep 0.3
check "SIGUSR1 still answered" logged "SIGUSR1 caught:"
sleep 0.2
check "no connection left open in the daemon ($(ls -l /proc/$(worker_of $DPID)/fd | grep -c socket) sockets)" \
    [ "$(ls -l /proc/$(worker_of $DPID)/fd | grep -c socket)" -le 3 ]
cat > "$T/script.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); s.shutdown(socket.SHUT_WR)
s.settimeout(3); b = b""
while True:
    d = s.recv(65536)
    if not d: break
    b += d
sys.stdout.write(b.decode())
EOF
out=$(printf '{"command":"list"}\n{"command":"status","watches":["alpha"]}\n\n{"command":"nope"}' | "$PY" "$T/script.py" "$S")
printf '%s\n' "$out" | cut -c1-100 | sed 's/^/# /'
check "scripts: three requests on one connection (a blank line skipped, the last without a line feed), three replies in order" \
    [ "$(wc -l <<< "$out")/$(sed -n 1p <<< "$out")/$(sed -n 2p <<< "$out" | cut -c1-11)/$(sed -n 3p <<< "$out")" = '3/{"ok":true,"watches":["alpha","beta","gamma"]}/{"ok":true,/{"ok":false,"error":"unknown command `nope'"'"'"}' ]

# 12. usage
refused_by "$CTL" "\`bogus' is not a command" -s "$S" bogus
refused_by "$CTL" "no command given" -s "$S"
refused_by "$CTL" "reload takes no watch" -s "$S" reload alpha
# what is at -s, said: nothing, a directory, a file (all three refuse a
# connect as a dead socket does, ECONNREFUSED but for the first)
refused_by "$CTL" "no control socket at \`$T/none' (it does not exist)" -s "$T/none" status
refused_by "$CTL" "\`$T/run' is a directory, not a socket" -s "$T/run" status
refused_by "$CTL" "\`$T/c.conf' is not a socket (a regular file)" -s "$T/c.conf" status
"$CTL" -s "$S" bogus > /dev/null 2>&1; check "a usage error exits 2" [ $? = 2 ]
check "tuninetctl -h lists the commands" bash -c "'$CTL' -h | grep -q 'release \[<watch>\]'"
check "tuninetctl -v names the version" bash -c "'$CTL' -v | grep -q '^tuninetctl [0-9]'"

# 13. refusals at start-up
refused_by "$TUNINETD" "control: \`$S' is in use: a running tuninetd answers there" -C "$T/c.conf"
check "the running daemon's socket is left alone" [ -S "$S" ]
long=$T/$(printf 'x%.0s' $(seq 120))
{ printf '[daemon]\ncontrol = %s\n' "$long"; conf one alpha 1 "$T/hook"; } > "$T/long.conf"
refused_by "$TUNINETD" "is longer than a Unix socket's path may be (107 bytes)" -C "$T/long.conf"
mkdir "$T/dir"
{ printf '[daemon]\ncontrol = %s\n' "$T/dir"; conf one alpha 1 "$T/hook"; } > "$T/dir.conf"
refused_by "$TUNINETD" "control: \`$T/dir' is in the way: a directory, not a socket" -C "$T/dir.conf"
{ printf '[daemon]\ncontrol = %s\ncontrol-group = nosuchgroup\n' "$T/g.sock"; conf one alpha 1 "$T/hook"; } > "$T/g.conf"
refused_by "$TUNINETD" "control-group: \`nosuchgroup': no such group" -C "$T/g.conf"
check "a refused start leaves no socket" [ ! -e "$T/g.sock" ]
refused_by "$TUNINETD" "give control = <path> in the file's [daemon] section" -C "$T/c.conf" --control "$T/x"

# a stale socket of a daemon killed -9 is replaced
kill -9 "$DPID"; wait "$DPID" 2>/dev/null
check "after kill -9 the socket file stays behind" [ -S "$S" ]
refused_by "$CTL" "\`$S': nobody answers there (the tuninetd that made it is not running)" -s "$S" status
daemon -C "$T/c.conf"
check "a new daemon replaces the stale socket and answers" bash -c "'$CTL' -s '$S' list | grep -qx gamma"
kill "$DPID"; wait "$DPID"; DPID=
check "a clean exit removes the socket" [ ! -e "$S" ]

# 14. the command line: no socket unless --control; one watch, "default";
# what the queue sensor, --keep-connections and --strict-start add
daemon -n 7 -c "$T/hook" -t 30
check "command line without --control: no control socket" bash -c "! grep -q 'Control socket' '$T/log'"
kill "$DPID"; wait "$DPID"; DPID=
: > "$T/events"
daemon -n 7 -q 9 --keep-connections 5 --strict-start -c "$T/hookfail" -t 30 --control "$T/cl.sock"
check "--control: the socket, mode 0660" [ "$(stat -c '%a' "$T/cl.sock")" = 660 ]
out=$("$CTL" -s "$T/cl.sock" status --json | js "[(w['name'], w['state']) for w in d['watches']]")
check "command line: one watch named default ($out)" [ "$out" = "[('default', 'idle')]" ]
"$CTL" -s "$T/cl.sock" start; rc=$?
wait_ev start 1 2
check "start without a watch acts on the only one" [ "$rc/$(nev start)" = "0/1" ]
check "its hook got TUNINETD_REASON=control" grep -q TUNINETD_REASON=control <(evenv start 1)
sleep 0.3
out=$("$CTL" -s "$T/cl.sock" status --json)
check "status --json: the failed strict start's back-off, the queue, the connections" \
    [ "$(js "[(w['state'], w['backoff']['failures'], 0 < w['backoff']['until'] - d['now'] <= 1, w['queue'], w['connections']) for w in d['watches']]" <<< "$out")" = "[('idle', 1, True, {'held': 0, 'dropped': 0, 'kernel_dropped': 0}, 0)]" ]
"$CTL" -s "$T/cl.sock" status | sed "s/^/# /"
check "status: held packets, connections, the failed start in its notes" \
    grep -qE "^default +idle .* retry in 0\.[0-9] s +nflog 7, nfqueue 9, conntrack.* +0 connections open, 0 held, 0 dropped, 1 failed start +-$" <("$CTL" -s "$T/cl.sock" status)
"$CTL" -s "$T/cl.sock" metrics > "$T/m2.txt"
check "metrics: the queue's and conntrack's families for it" bash -c "grep -qx 'tuninetd_queue_held_packets{watch=\"default\"} 0' '$T/m2.txt' && grep -qx 'tuninetd_queue_dropped_packets_total{watch=\"default\"} 0' '$T/m2.txt' && grep -qx 'tuninetd_queue_kernel_dropped_packets_total{watch=\"default\"} 0' '$T/m2.txt' && grep -qx 'tuninetd_connections_open{watch=\"default\"} 0' '$T/m2.txt' && grep -qx 'tuninetd_hook_failures_total{watch=\"default\",event=\"start\"} 1' '$T/m2.txt'"
refused_by "$CTL" "no configuration file to reload" -s "$T/cl.sock" reload
kill "$DPID"; wait "$DPID"; DPID=
# opened before -d detaches: the detached daemon answers on it
ip netns exec "$NS_B" "$TUNINETD" -d -n 7 -c "$T/hook" --control "$T/d.sock" > /dev/null 2>&1
check "-d: the detached daemon answers" bash -c "'$CTL' -s '$T/d.sock' list | grep -qx default"
for p in $(ip netns pids "$NS_B"); do [ "$(cat /proc/$p/comm 2>/dev/null)" = tuninetd ] && kill "$p"; done
for i in $(seq 50); do [ -e "$T/d.sock" ] || break; sleep 0.05; done
check "-d: its socket removed when it exits" [ ! -e "$T/d.sock" ]

# 15. config mode without `control': /run/tuninetd/control, its directory
# made (in a mount namespace of its own, with an empty /run)
conf one alpha 30 "$T/hook" > "$T/d.conf"
[ -f "$T/log" ] && cat "$T/log" >> "$T/log.all"
ip netns exec "$NS_B" unshare -m --propagation private sh -c \
    'mount -t tmpfs tmpfs /run && exec "$@"' sh "$TUNINETD" -C "$T/d.conf" > "$T/log" 2>&1 & DPID=$!
sleep 0.8
in_mnt() { nsenter -t "$DPID" -m "$@"; }
check "config mode: a socket at /run/tuninetd/control by default" in_mnt test -S /run/tuninetd/control
check "its mode 0660, root's; the directory made 0755" [ "$(in_mnt stat -c '%a %U %G' /run/tuninetd/control /run/tuninetd | tr '\n' ' ')" = "660 root root 755 root root " ]
check "tuninetctl finds it without -s" bash -c "nsenter -t $DPID -m '$CTL' list | grep -qx one"
kill "$DPID"; wait "$DPID"; DPID=

# 16. bash completion: tuninetd's options, tuninetctl's commands and watch
# names (asked of the daemon)
write_conf
daemon -C "$T/c.conf"
comp() { # COMMAND-LINE...: what completing its last word offers
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		f=$(complete -p "$1" | sed "s/.* -F \([^ ]*\) .*/\1/"); "$f" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
	    sh "$SRC/completion/tuninetd" "$@"
}
check "completion: tuninetctl st -> start status stop ($(comp tuninetctl st))" [ "$(comp tuninetctl st)" = "start status stop " ]
check "completion: tuninetctl -s S stop <tab> -> the daemon's watches ($(PATH=$(dirname "$CTL"):$PATH comp tuninetctl -s "$S" stop ''))" [ "$(PATH=$(dirname "$CTL"):$PATH comp tuninetctl -s "$S" stop '')" = "alpha beta " ]
check "completion: tuninetctl -s S status alpha <tab> -> the other watches" [ "$(PATH=$(dirname "$CTL"):$PATH comp tuninetctl -s "$S" status alpha '')" = "beta " ]
check "completion: tuninetd --st -> --state-dir --strict-start ($(comp tuninetd --st))" [ "$(comp tuninetd --st)" = "--state-dir --strict-start " ]
check "completion: tuninetd --keepalive -> both keepalive options" [ "$(comp tuninetd --keepalive)" = "--keepalive-filter --keepalive-prefix " ]
touch "$T/pidf.pid"
check "completion: tuninetd --pi -> --pid-file; its value a file ($(comp tuninetd --pid-file "$T/pidf"))" [ "$(comp tuninetd --pi)/$(comp tuninetd --pid-file "$T/pidf")" = "--pid-file /$T/pidf.pid " ]
missing=$(comm -23 <("$TUNINETD" -h | grep -oE -- '--[a-z-]+' | sort -u) <(comp tuninetd -- | tr ' ' '\n' | sort -u) | tr '\n' ' ')
check "completion: every long option of tuninetd -h is offered${missing:+ (not: $missing)}" [ -z "$missing" ]
kill "$DPID"; wait "$DPID"; DPID=
check "no sanitizer report in the daemon's logs" bash -c "! cat '$T/log' '$T/log.all' 2>/dev/null | grep -qE 'Sanitizer|runtime error:'"
