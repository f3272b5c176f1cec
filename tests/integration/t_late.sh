# A late NFLOG batch from an output-hook rule (no kernel timestamp) does
# not restart the cycle that ended. The daemon is frozen while its start
# hook ends and, after that, a packet is logged in up mode (batched); on
# waking it hears the hook's end first (stop: the TTL passed meanwhile),
# then the record, which carries up mode's sequence number: it passed
# before the stop began and starts nothing. Without the marker its time
# would be "now" and it would start a second cycle.
. "$(dirname "$0")/lib.sh"
bed_up
in_b nft add chain inet tnd out '{ type filter hook output priority 0; }' &&
    in_b nft add rule inet tnd out udp dport 9998 log group 7 || bail "nft output rule"
mkhook '[ "$1" = start ] && sleep 1; exit 0'
daemon -n 7 -t 1 -c "$T/hook"
for round in 1 2 3; do
	: > "$T/events"
	send > /dev/null			# input rule: starts it
	wait_ev start 1 2 || bail "round $round: start"
	sleep 0.5; kill -STOP "$(worker_of "$DPID")"
	sleep 0.8				# the start hook ends meanwhile
	in_b "$TOOLS/sendudp" "$ADDR_A" 9998 1 32 0 > /dev/null	# output: no stamp
	sleep 0.3; kill -CONT "$(worker_of "$DPID")"
	wait_ev stop 1 3 || bail "round $round: stop"
	sleep 1.5
	check "round $round: the late output-hook record started nothing ($(nev start) start)" \
	    [ "$(nev start)" = 1 ]
done
