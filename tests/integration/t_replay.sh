# -r: the real binary, as nobody, replays captures this test writes (pcap
# and pcapng, at exact times): the text timeline and summary, --json, the
# TTL sweep, -C with a watch it cannot serve, and every refusal with its
# exit status. Then a capture taken live while a daemon read NFLOG group
# 7 with a recording hook: tcpdump on the interface, and on group 18, to
# which a second rule logs the same packets (group 7 has one listener,
# the daemon; tcpdump is refused it). The replays find the same cycles,
# at the daemon's times within 100 ms, fired by the same packets: group
# 18 read as 7 with --replay-group 18=7, and without it a replay says
# which groups the capture holds and the watch reads.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
chmod 0711 "$T"		# nobody reads the captures written here
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$TUNINETD" "$@"; }

# UDP to 9999 at +0, +1, +2.5, +30, +31 (source ports 40000-40004), TCP
# to 80 at +50 and +100, from 2023-11-14 22:13:20 UTC; pcap (microsecond)
# or pcapng (nanosecond, if_tsresol 9); and a pcapng in whole seconds
# (if_tsresol 0) whose second packet is stamped 2^40 s after the epoch
"$PY" - "$T/c.pcap" "$T/c.pcapng" "$T/coarse.pcapng" <<'PY' || bail "writing the captures"
import struct, sys
BASE = 1700000000
def frame(proto, sport, dport):
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    l4 = struct.pack("!HHHH", sport, dport, 12, 0) + b"ping" if proto == 17 else \
         struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x02, 1024, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
                     bytes([10, 201, 0, 1]), bytes([10, 201, 0, 2]))
    return eth + ip + l4
pk = [(0, 17, 40000), (1, 17, 40001), (2.5, 17, 40002), (30, 17, 40003),
      (31, 17, 40004), (50, 6, 40005), (100, 6, 40006)]
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for t, p, s in pk:
        d = frame(p, s, 9999 if p == 17 else 80)
        f.write(struct.pack("<IIII", BASE + int(t), int(round(t % 1 * 1e6)), len(d), len(d)) + d)
def block(kind, body):
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)
with open(sys.argv[2], "wb") as f:
    f.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
    f.write(block(1, struct.pack("<HHI", 1, 0, 65535) + struct.pack("<HHB3x", 9, 1, 9) + struct.pack("<HH", 0, 0)))
    for t, p, s in pk:
        d = frame(p, s, 9999 if p == 17 else 80)
        ns = BASE * 10**9 + int(round(t * 1e9))
        f.write(block(6, struct.pack("<IIIII", 0, ns >> 32, ns & 0xffffffff, len(d), len(d)) + d + b"\0" * (-len(d) % 4)))
with open(sys.argv[3], "wb") as f:
    f.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
    f.write(block(1, struct.pack("<HHI", 1, 0, 65535) + struct.pack("<HHB3x", 9, 1, 0) + struct.pack("<HH", 0, 0)))
    d = frame(17, 40000, 9999)
    for s in (BASE, 1 << 40):
        f.write(block(6, struct.pack("<IIIII", 0, s >> 32, s & 0xffffffff, len(d), len(d)) + d))
PY
chmod 644 "$T/c.pcap" "$T/c.pcapng" "$T/coarse.pcapng"

U='IPv4 10.201.0.1 > 10.201.0.2, NXT_HDR: 0x11 (UDP), PORTS:'
for f in c.pcap c.pcapng; do
	as_nobody -r "$T/$f" -f udp -t 5 > "$T/r.txt" 2> "$T/r.log"; rc=$?
	cat > "$T/want" <<EOF
$T/$f: 7 packets of Ethernet, 2023-11-14 22:13:20.000 to 2023-11-14 22:15:00.000 UTC (1m40s)

2023-11-14 22:13:20.000 start packet  $U 40000 > 9999
2023-11-14 22:13:27.500 stop  idle    (up 7.5 s)
2023-11-14 22:13:50.000 start packet  $U 40003 > 9999
2023-11-14 22:13:56.000 stop  idle    (up 6.0 s)

cycles       time up   share    longest up  longest down
     2        13.5 s   13.5%         7.5 s         1m04s
EOF
	check "$f as nobody: exit 0, nothing on stderr" [ "$rc/$(wc -c < "$T/r.log")" = 0/0 ]
	check "$f: the text timeline and summary, exactly" diff -u "$T/want" "$T/r.txt"
	[ -s "$T/r.log" ] && sed 's/^/# /' "$T/r.log"

	as_nobody -r "$T/$f" -f udp -t 5 --json > "$T/r.json" 2> "$T/r.log"
	check "$f --json: events, packets, counts exactly" "$PY" - "$T/r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
B = 1700000000
ev = [(round(e["time"] - B, 6), e["event"], e["reason"]) for e in d["events"]]
want = [(0, "start", "packet"), (7.5, "stop", "idle"), (30, "start", "packet"), (36, "stop", "idle")]
pk = {"src": "10.201.0.1", "dst": "10.201.0.2", "proto": "udp", "sport": 40000, "dport": 9999}
s = d["events"][0]
bad = [m for m, ok in [
    (f"events {ev}", ev == want),
    (f"packet {s.get('packet')}", s.get("packet") == pk),
    (f"second trigger {d['events'][2].get('packet')}", d["events"][2]["packet"]["sport"] == 40003),
    (f"summary {s.get('summary')}", s.get("summary") == "IPv4 10.201.0.1 > 10.201.0.2, NXT_HDR: 0x11 (UDP), PORTS: 40000 > 9999"),
    (f"stop {d['events'][1]}", d["events"][1].get("up_seconds") == 7.5 and "packet" not in d["events"][1]),
    ("counts", (d["cycles"], d["up_seconds"], d["capture_seconds"], d["longest_up_seconds"],
                d["longest_down_seconds"], d["hook_runs"], d["packets"], d["ttl"]) == (2, 13.5, 100, 7.5, 64, 4, 7, 5)),
    ("capture_start", d["capture_start"] == B)] if not ok]
print("# " + "; ".join(bad)) if bad else None
sys.exit(1 if bad else 0)
PY
done

as_nobody -r "$T/c.pcap" -f udp --ttl-sweep 5,20,30,600 > "$T/s.txt" 2> "$T/s.log"
cat > "$T/want" <<EOF
$T/c.pcap: 7 packets of Ethernet, 2023-11-14 22:13:20.000 to 2023-11-14 22:15:00.000 UTC (1m40s)

   ttl  cycles       time up   share  hook runs
     5       2        13.5 s   13.5%          4
    20       2        43.5 s   43.5%          4
    30       1         1m01s   61.0%          2
   600       1         1m40s  100.0%          2
EOF
check "--ttl-sweep: one row per TTL, exactly (600: up to the end)" diff -u "$T/want" "$T/s.txt"
as_nobody -r "$T/c.pcap" -f udp --ttl-sweep 5,20,30,600 --json > "$T/s.json" 2> "$T/s.log"
check "--ttl-sweep --json: the same rows" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = [(r["ttl"], r["cycles"], r["up_seconds"], r["hook_runs"]) for r in d["sweep"]]
sys.exit(0 if rows == [(5, 2, 13.5, 4), (20, 2, 43.5, 4), (30, 1, 61, 2), (600, 1, 100, 2)]
         and d["capture_seconds"] == 100 else 1)' "$T/s.json"

# the end of the capture: a watch still up stops at its deadline after it
as_nobody -r "$T/c.pcap" -t 30 > "$T/e.txt" 2> "$T/e.log"
check "no filter, TTL 30: the last stop comes after the end, marked" grep -qx \
    "2023-11-14 22:15:30.000 stop  idle    (up 30.0 s, after the end of the capture)" "$T/e.txt"
check "no filter, TTL 30: up 80 s within the capture" grep -qx \
    "     2         1m20s   80.0%         1m20s        20.0 s" "$T/e.txt"

# -C: each watch of the daemon's file, named; hooks are not checked (none
# runs); a watch this capture cannot serve is named and left out
cat > "$T/w.conf" <<'EOF'
[daemon]
control = off

[watch udp]
interface = eth0
filter = udp
command = /nonexistent/hook
ttl = 5

[watch tcp]
interface = eth0
filter = tcp
command = /nonexistent/hook
ttl = 60

[watch vpn]
nflog-group = 7
command = /nonexistent/hook
EOF
chmod 644 "$T/w.conf"
as_nobody -r "$T/c.pcap" -C "$T/w.conf" > "$T/w.txt" 2> "$T/w.log"; rc=$?
check "-C as nobody: exit 0" [ $rc = 0 ]
check "-C: the NFLOG watch named and left out" grep -qF \
    "tuninetd: watch vpn: an NFLOG watch (group 7) is replayed from a capture of its records" "$T/w.log"
check "-C: each line names its watch, in time order" bash -c "
	grep -E '^(udp|tcp) +2023-' '$T/w.txt' | awk '{print \$1, \$4}' | tr '\n' ' ' |
	grep -qx 'udp start udp stop udp start udp stop tcp start tcp stop '"
check "-C: a row per watch" bash -c "grep -q '^udp         2        13.5 s' '$T/w.txt' &&
	grep -q '^tcp         1        50.0 s   50.0%         1m50s' '$T/w.txt'"
as_nobody -r "$T/c.pcap" -C "$T/w.conf" --json > "$T/w.json" 2> /dev/null
check "-C --json: a watches array with names" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
w = {x["name"]: x for x in d["watches"]}
sys.exit(0 if sorted(w) == ["tcp", "udp"] and w["udp"]["cycles"] == 2 and w["tcp"]["cycles"] == 1
         and w["tcp"]["events"][1].get("after_end") is True else 1)' "$T/w.json"

# refusals: exit 1 naming the file or the value; 2 for the command line
printf 'not a capture\n' > "$T/junk"; : > "$T/empty"
head -c 24 "$T/c.pcap" > "$T/nopkt.pcap"
cp "$T/c.pcap" "$T/secret.pcap"; chmod 600 "$T/secret.pcap"
chmod 644 "$T/junk" "$T/empty" "$T/nopkt.pcap"
refused_as_nobody() {
	local want=$1 code=$2 rc; shift 2
	as_nobody "$@" > "$T/out" 2>&1; rc=$?
	if [ $rc = "$code" ] && grep -qF -- "$want" "$T/out"; then
		ok "refused, exit $rc, naming '$want': $*"
	else
		not_ok "refused with $code naming '$want': $* (exit $rc: $(head -c 200 "$T/out"))"
	fi
}
refused_as_nobody "-r: \`$T/none.pcap': No such file or directory" 1 -r "$T/none.pcap" -f udp
refused_as_nobody "-r: \`$T/secret.pcap': Permission denied" 1 -r "$T/secret.pcap"
refused_as_nobody "\`$T/junk': not a pcap or pcapng capture (unknown file format)" 1 -r "$T/junk"
refused_as_nobody "\`$T/empty': an empty file, not a capture" 1 -r "$T/empty"
refused_as_nobody "\`$T/nopkt.pcap': the capture holds no packet" 1 -r "$T/nopkt.pcap"
refused_as_nobody "\`$T/coarse.pcapng': packet 2: time stamp 1099511627776.000000000 s since the epoch: a replay counts from 1970 to 2106 only" 1 -r "$T/coarse.pcapng" -f udp
refused_as_nobody "-f \`udp port': can't parse filter expression" 1 -r "$T/c.pcap" -f "udp port"
refused_as_nobody "an NFLOG watch (group 7) is replayed from a capture of its records" 1 -r "$T/c.pcap" -n 7
refused_as_nobody "an NFQUEUE watch (queue 3) cannot be replayed" 1 -r "$T/c.pcap" -q 3
refused_as_nobody "--ttl-sweep: \`5,x': \`x' is not a number of seconds" 2 -r "$T/c.pcap" --ttl-sweep 5,x
refused_as_nobody "-d does not go with it" 2 -r "$T/c.pcap" -d
refused_as_nobody "--replay-group: \`18' is not CAPTURE=WATCH" 2 -r "$T/c.pcap" -n 7 --replay-group 18
refused_as_nobody "--replay-group: \`18=70000': \`70000' is not an NFLOG group (0-65535)" 2 -r "$T/c.pcap" -n 7 --replay-group 18=70000
refused_as_nobody "--replay-group: \`18=9': group 18 is read as 8 already" 2 -r "$T/c.pcap" -n 8 --replay-group 18=8 --replay-group 18=9
refused_as_nobody "--replay-group needs -r <capture>" 2 -n 7 -c /bin/true --replay-group 18=7
refused_as_nobody "--replay-group 18=7: \`$T/c.pcap' is a capture of Ethernet, not of NFLOG records" 1 -r "$T/c.pcap" -n 7 --replay-group 18=7

# Live: a daemon reads NFLOG group 7 (nftables logs UDP to 9999 with
# prefix "tnd" into it); a second rule, as README says, logs the same
# packets into group 18, which tcpdump takes, beside the interface.
bed_up; mkhook
in_b nft add rule inet tnd in udp dport 9999 log prefix '"tnd"' group 18 ||
	bail "the second rule, of group 18"
daemon -n 7 --nflog-prefix tnd -t 2 -c "$T/hook"
in_b timeout 5 tcpdump -i nflog:7 -w /dev/null > /dev/null 2> "$T/td7.err"
check "tcpdump -i nflog:7 while the daemon reads group 7: Operation not permitted" \
    grep -q "Operation not permitted" "$T/td7.err"
ip netns exec "$NS_B" tcpdump -Z root -U -i "$VB" -s 256 -w "$T/live.pcap" > /dev/null 2> "$T/td1.err" & td1=$!
ip netns exec "$NS_B" tcpdump -Z root -U -i nflog:18 -w "$T/live-nflog.pcap" > /dev/null 2> "$T/td2.err" & td2=$!
EXTRA_PIDS="$td1 $td2"
for i in $(seq 50); do
	grep -q listening "$T/td1.err" && grep -q listening "$T/td2.err" && break; sleep 0.1
done
grep -q listening "$T/td1.err" && grep -q listening "$T/td2.err" ||
	bail "tcpdump started: $(cat "$T/td1.err" "$T/td2.err" | tr "\n" " ")"
for r in 1 2; do
	send > /dev/null
	send 1 9998 > /dev/null		# the filter takes no port 9998
	for k in 1 2 3; do sleep 0.4; send > /dev/null; done
	wait_ev stop $r 4 || bail "round $r: the daemon's stop"
	sleep 0.5
done
send 3 9999 300 > /dev/null		# a third cycle: three packets 0.3 s apart
wait_ev stop 3 5 || bail "round 3: the daemon's stop"
sleep 0.3
kill -INT $td1 $td2; wait $td1 $td2 2> /dev/null; EXTRA_PIDS=
check "tcpdump captured the interface and group 18" bash -c "[ -s '$T/live.pcap' ] && [ -s '$T/live-nflog.pcap' ]"
chmod 644 "$T/live.pcap" "$T/live-nflog.pcap"

# the daemon's events, as "start|stop SECONDS SPORT" lines
daemon_events() {
	local e n i
	for e in start stop; do
		n=$(nev $e)
		for i in $(seq "$n"); do
			echo "$e $(evtime $e "$i") $(evenv $e "$i" | sed -n 's/^  TUNINETD_SPORT=//p')"
		done
	done
}
daemon_events > "$T/daemon.ev"
note "daemon: $(tr '\n' ' ' < "$T/daemon.ev")"
# compare_live FILE WATCH...: the replay of FILE with the daemon's TTL
compare_live() {
	local f=$1; shift
	as_nobody -r "$T/$f" "$@" -t 2 --json > "$T/$f.json" 2> "$T/$f.log"
	check "replay of $f as nobody: exit 0" [ $? = 0 ]
	check "replay of $f ($*): the daemon's cycles, within 100 ms, same trigger packets" \
	    "$PY" - "$T/$f.json" "$T/daemon.ev" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["events"]
ours = {"start": [], "stop": []}
for line in open(sys.argv[2]):
    k, t, *sp = line.split()
    ours[k].append((float(t), int(sp[0]) if sp else None))
bad = []
for k in ("start", "stop"):
    rep = [e for e in ev if e["event"] == k]
    if len(rep) != len(ours[k]):
        bad.append(f"{len(rep)} {k}s replayed, the daemon ran {len(ours[k])}")
        continue
    for i, (e, (t, sp)) in enumerate(zip(rep, ours[k])):
        ms = (t - e["time"]) * 1000
        print(f"# {k} {i + 1}: daemon - replay {ms:.1f} ms")
        if not -100 <= ms <= 100:
            bad.append(f"{k} {i + 1} {ms:.1f} ms apart")
        if k == "start" and e["packet"].get("sport") != sp:
            bad.append(f"start {i + 1}: trigger port {e['packet'].get('sport')}, the daemon's {sp}")
if d["cycles"] != 3:
    bad.append(f"cycles {d['cycles']}")
print("# " + "; ".join(bad)) if bad else None
sys.exit(1 if bad else 0)
PY
}
compare_live live.pcap -f "udp port 9999"
compare_live live-nflog.pcap -n 7 --nflog-prefix tnd --replay-group 18=7
check "replay of the NFLOG capture: the prefix in the trigger packet" grep -q '"nflog_prefix":"tnd"' "$T/live-nflog.pcap.json"

# the daemon's own file, its group 18 read as 7
cat > "$T/vpn.conf" <<'EOF'
[watch vpn]
nflog-group = 7
nflog-prefix = tnd
ttl = 2
command = /nonexistent/hook
EOF
chmod 644 "$T/vpn.conf"
as_nobody -r "$T/live-nflog.pcap" -C "$T/vpn.conf" --replay-group 18=7 > "$T/vpn.txt" 2> "$T/vpn.log"
check "-C --replay-group 18=7: three cycles of watch vpn" grep -qE '^vpn +3 ' "$T/vpn.txt"

# without --replay-group: the groups said, in place of the timeline
want="the capture holds NFLOG group 18; the watch reads group 7 (--replay-group 18=7 reads the one as the other)"
as_nobody -r "$T/live-nflog.pcap" -n 7 --nflog-prefix tnd -t 2 > "$T/g.txt" 2> "$T/g.log"; rc=$?
check "group 18 replayed for group 7: exit 0, the groups said" \
    bash -c '[ "$1" = 0 ] && grep -qxF "no start: $2" "$3"' - "$rc" "$want" "$T/g.txt"
as_nobody -r "$T/live-nflog.pcap" -n 7 --nflog-prefix tnd -t 2 --json > "$T/g.json" 2> "$T/g.log"
check "--json: the groups said on stderr, no event" \
    bash -c 'grep -qxF "$1" "$2" && grep -qF "\"events\":[]" "$3"' - \
    "tuninetd: -r: \`$T/live-nflog.pcap': $want" "$T/g.log" "$T/g.json"
