# lib.sh: sourced by the integration tests. A test bed of two network
# namespaces of this test's own (names carry the pid, so parallel runs
# never meet), joined by a veth pair: A (10.77.0.1) sends, B (10.77.0.2)
# runs tuninetd. In B, nftables logs UDP to 9999 into NFLOG group 7 with
# the prefix "tnd". Everything is removed on exit, pass or fail.
set -u
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
	for ns in $NS_A $NS_B; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	ip link del "$VA" 2>/dev/null
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
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add "$VA" type veth peer name "$VB" &&
	ip link set "$VA" netns "$NS_A" && ip link set "$VB" netns "$NS_B" &&
	ip -n "$NS_A" addr add $ADDR_A/24 dev "$VA" &&
	ip -n "$NS_B" addr add $ADDR_B/24 dev "$VB" &&
	ip -n "$NS_A" link set "$VA" up && ip -n "$NS_B" link set "$VB" up &&
	ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up &&
	ip netns exec "$NS_B" nft -f - <<'NFT' || bail "test bed: namespaces, veth and nftables"
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
within() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN{exit !(v >= lo && v <= hi)}'; }
# gone PID: exited (a zombie counts: a detached daemon's reaper is init)
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
logged() { grep -qF -- "$1" "$T/log"; }
