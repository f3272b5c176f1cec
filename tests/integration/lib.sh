# lib.sh: sourced by the integration tests. A test bed of two network
# namespaces of this test's own (names carry the pid, so parallel runs
# never meet), joined by a veth pair: A (10.77.0.1) sends, B (10.77.0.2)
# runs tuninetd. In B, nftables logs UDP to 9999 into NFLOG group 7 with
# the prefix "tnd". Everything is removed on exit, pass or fail.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../bed.sh"
ID=$$
NS_A=tnd$ID-a NS_B=tnd$ID-b VA=tv${ID}a VB=tv${ID}b
ADDR_A=10.77.0.1 ADDR_B=10.77.0.2
T=$(mktemp -d /tmp/tuninetd-test.XXXXXX)
DPID=
EXTRA_PIDS=
NCHECK=0

alive() {
	local p
	for p in $DPID $EXTRA_PIDS; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}
cleanup() {
	local p i
	for p in $DPID $EXTRA_PIDS; do kill "$p" 2>/dev/null; done
	for i in $(seq 20); do alive || break; sleep 0.05; done
	for p in $DPID $EXTRA_PIDS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	# a sanitizer build reports into the logs: any report fails the test
	[ -f "$T/log" ] && cat "$T/log" >> "$T/log.all"
	if cat "$T"/*.log* "$T"/out 2>/dev/null | grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:'; then
		echo "not ok - sanitizer report: $(cat "$T"/*.log* "$T"/out 2>/dev/null | grep -m1 -E 'Sanitizer|runtime error:')"
	fi
	bed_destroy
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { NCHECK=$((NCHECK + 1)); echo "ok - $*"; }
not_ok() { NCHECK=$((NCHECK + 1)); echo "not ok - $*"; }
note() { echo "# $*"; }
# check DESCRIPTION COMMAND...: one check, passed when COMMAND succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# fail_now DESCRIPTION: a check failed and the rest cannot run
bail() { not_ok "$*"; [ -f "$T/log" ] && tail -n 8 "$T/log" | sed 's/^/# log: /'; exit 1; }

bed_up() {
	bed_create <<'NFT' || bail "test bed: namespaces, veth and nftables"
table inet tnd {
	chain in {
		type filter hook input priority 0;
		udp dport 9999 log prefix "tnd" group 7
	}
}
NFT
}

in_a() { ip netns exec "$NS_A" "$@"; }
quiet() { "$@" > /dev/null 2>&1; }
in_b() { ip netns exec "$NS_B" "$@"; }

# the recording hook: "EVENT SECONDS.NANOS" then "  TUNINETD_X=..." lines,
# appended in one write so a reader never sees half a record; $1, if
# given, is shell code run after recording
mkhook() {
	cat > "$T/hook" <<HOOK
#!/bin/sh
r="\$1 \$(date +%s.%N)
\$(env | grep '^TUNINETD_' | sort | sed 's/^/  /')"
printf '%s\n' "\$r" >> "$T/events"
${1:-}
HOOK
	chmod +x "$T/hook"
	: > "$T/events"
}

# start tuninetd in B, in the foreground of a background job; the log of
# an earlier instance is kept in log.all
daemon() {
	[ -f "$T/log" ] && cat "$T/log" >> "$T/log.all"
	ip netns exec "$NS_B" "$TUNINETD" "$@" > "$T/log" 2>&1 &
	DPID=$!
	sleep "${SETTLE:-0.5}"
	kill -0 "$DPID" 2>/dev/null || bail "tuninetd started: $(tail -n 2 "$T/log" | tr '\n' ' ')"
}

# worker_of PID: the daemon's worker (privsep: the child that reads the
# packets, not root), or PID itself when it has none (user = root)
worker_of() {
	local c
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		[ "$(cat /proc/"$c"/comm 2>/dev/null)" = tuninetd ] &&
		    [ "$(awk '/^Uid:/{print $2}' /proc/"$c"/status 2>/dev/null)" != 0 ] &&
		    { echo "$c"; return; }
	done
	echo "$1"
}

# send [COUNT [PORT [INTERVAL_MS [ADDR]]]]: UDP from A to B; prints the
# realtime of the first and last send
send() { in_a "$TOOLS/sendudp" "${4:-$ADDR_B}" "${2:-9999}" "${1:-1}" 32 "${3:-0}"; }

nev() { local n; n=$(grep -c "^$1 " "$T/events" 2>/dev/null); echo "${n:-0}"; }
# wait_ev EVENT COUNT SECONDS
wait_ev() {
	local i
	for i in $(seq $(( ${3%.*} * 50 + 1 ))); do
		[ "$(nev "$1")" -ge "$2" ] && return 0
		sleep 0.02
	done
	return 1
}
evtime() { grep "^$1 " "$T/events" | sed -n "${2}p" | cut -d' ' -f2; }
# the environment block of the Nth event of a kind
evenv() { awk -v e="$1" -v n="$2" '/^[a-z]/{k = ($1 == e) ? k + 1 : k; on = ($1 == e && k == n); next} on' "$T/events"; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", (a - b) * 1000}'; }
# stop_err STOP LAST TTL: how far (ms) stop came from last packet + TTL
stop_err() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN{printf "%.1f", (a - b - t) * 1000}'; }

# timed_rounds NAME TTL: twice, a packet then three more 0.3 s apart: start
# within 100 ms of the first, stop within 100 ms of the last + TTL
timed_rounds() {
	local name=$1 ttl=$2 r k t0 tl s e base
	base=$(nev start)
	for r in $((base + 1)) $((base + 2)); do
		t0=$(send | cut -d' ' -f1)
		wait_ev start $r 2 || bail "round $r: start"
		for k in 1 2 3; do sleep 0.3; tl=$(send | cut -d' ' -f2); done
		wait_ev stop $r $((ttl + 3)) || bail "round $r: stop"
		s=$(ms "$(evtime start $r)" "$t0")
		e=$(stop_err "$(evtime stop $r)" "$tl" "$ttl")
		note "$name round $r: start_ms $s stop_err_ms $e"
		check "round $r: start ${s} ms after the first packet (< 100)" within "$s" 0 100
		check "round $r: stop ${e} ms from last packet + TTL (within 100)" within "$e" -100 100
		sleep 0.3
	done
}

# refused_by PROGRAM WANT ARGS...: PROGRAM (in B, after $PRIV if set)
# exits non-zero within 3 s with a message containing WANT
refused_by() {
	local prog=$1 want=$2 rc; shift 2
	timeout 3 ip netns exec "$NS_B" ${PRIV:-} "$prog" "$@" > "$T/out" 2>&1; rc=$?
	if [ $rc = 124 ]; then not_ok "refused: $* (still running after 3 s)"
	elif [ $rc = 0 ]; then not_ok "refused: $* (exit 0)"
	elif ! grep -qF -- "$want" "$T/out"; then
		not_ok "refused: $* (message lacks '$want': $(head -c 150 "$T/out"))"
	else ok "$(basename "$prog") refuses, exit $rc, naming '$want': $*"
	fi
}
within() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN{exit !(v >= lo && v <= hi)}'; }
# gone PID: exited (a zombie counts: a detached daemon's reaper is init)
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
logged() { grep -qF -- "$1" "$T/log"; }
# Finding processes: only those this test started, never by name across
# the machine. A test's namespaces hold only its own processes, and a hook
# leads a process group of its own, whose id the hook can write to a file.
# ns_pids NS [REGEX]: the processes in the test's namespace NS, those
# whose command line (arguments joined by spaces) matches REGEX if given
ns_pids() {
	local p
	for p in $(ip netns pids "$1" 2>/dev/null); do
		[ $# -lt 2 ] || tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qE -- "$2" || continue
		echo "$p"
	done
}
# group_alive PGID: a process of group PGID still runs (a zombie does not)
group_alive() {
	local p
	for p in $(pgrep -g "$1"); do gone "$p" || return 0; done
	return 1
}
