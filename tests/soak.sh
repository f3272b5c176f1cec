#!/bin/bash
# tests/soak.sh BINDIR TOOLDIR STAMP [CYCLES]: thousands of start/stop
# cycles with traffic, on a veth pair between two namespaces of its own,
# both sensors. Most cycles end with SIGHUP (so thousands fit in minutes),
# every 50th waits out the TTL, and traffic runs while up. Checks that
# every cycle produced exactly one start then one stop, and that resident
# memory and open fds stay flat. Run as root: make soak [SOAK_CYCLES=N].
set -u
TUNINETD=$1/tuninetd TOOLS=$2 STAMP=$3 CYCLES=${4:-3000}
. "$(dirname "$0")/bed.sh"
ID=$$ NS_A=tsk$ID-a NS_B=tsk$ID-b VA=tsk${ID}a VB=tsk${ID}b
ADDR_A=10.89.0.1 ADDR_B=10.89.0.2 DST=10.89.0.2
T=$(mktemp -d /tmp/tuninetd-soak.XXXXXX)
export STAMP_FILE=$T/stamps
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	bed_destroy
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() { echo "soak: FAIL: $*"; exit 1; }

bed_create <<'NFT' || die "test bed"
table inet soak {
	chain in { type filter hook input priority 0; udp dport 9999 log group 7; }
}
NFT
: > "$STAMP_FILE"
ip netns exec "$NS_B" "$TUNINETD" -i "$VB" -f "udp port 9998" -n 7 -t 1 -c "$STAMP" > "$T/log" 2>&1 &
pid=$!
sleep 0.5
kill -0 $pid || die "tuninetd did not start"

lines() { wc -l < "$STAMP_FILE"; }
wait_lines() { local i; for i in $(seq 400); do [ "$(lines)" -ge "$1" ] && return 0; sleep 0.005; done; return 1; }
rss() { awk '/VmRSS/{print $2}' /proc/$pid/status; }
fds() { ls /proc/$pid/fd | wc -l; }

every=$(( CYCLES >= 1000 ? 250 : (CYCLES >= 4 ? CYCLES / 4 : 1) ))
echo "soak: $CYCLES cycles, pid $pid"
: > "$T/samples"
t0=$(date +%s)
for c in $(seq "$CYCLES"); do
	port=$(( c % 2 ? 9998 : 9999 ))
	ip netns exec "$NS_A" "$TOOLS/sendudp" $DST $port 1 > /dev/null
	wait_lines $((2 * c - 1)) || die "cycle $c: no start"
	ip netns exec "$NS_A" "$TOOLS/sendudp" $DST $((19997 - port)) 20 > /dev/null
	if [ $((c % 50)) = 0 ]; then
		wait_lines $((2 * c)) || die "cycle $c: no stop after the TTL"
	else
		kill -HUP $pid
		wait_lines $((2 * c)) || die "cycle $c: no stop after SIGHUP"
	fi
	# let a packet that came during stop start its cycle, so counts stay exact
	sleep 0.01
	[ "$(lines)" = $((2 * c)) ] || die "cycle $c: $(lines) events, expected $((2 * c))"
	if [ $((c % every)) = 0 ]; then
		echo "$c $(rss) $(fds)" >> "$T/samples"
		echo "  cycle $c: rss $(rss) kB, $(fds) fds, $(( $(date +%s) - t0 )) s"
	fi
done
kill -0 $pid || die "tuninetd died"

# order: start, stop, start, stop...
awk 'NR % 2 == 1 && $1 != "start" || NR % 2 == 0 && $1 != "stop" {bad++} END{exit bad > 0}' "$STAMP_FILE" ||
    die "events out of order"
# flat: after the first sample, RSS within 64 kB and fds unchanged
read -r _ rss0 fd0 < "$T/samples"
awk -v r="$rss0" -v f="$fd0" '$2 - r > 64 || r - $2 > 64 || $3 != f {bad++} END{exit bad > 0}' "$T/samples" ||
    die "resident memory or fds grew: $(tr '\n' ';' < "$T/samples")"
echo "soak: ok: $CYCLES cycles, $((2 * CYCLES)) events in order, rss $(awk 'NR==1{a=$2} END{print a "-" $2}' "$T/samples") kB, $fd0 fds throughout, $(( $(date +%s) - t0 )) s"
