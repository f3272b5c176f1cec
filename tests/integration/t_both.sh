# Both sensors at once: NFLOG (UDP 9999) fires start; pcap alone (UDP
# 9998) keeps the watch up past the TTL; stop comes once, only when both
# have been idle for the TTL, and names the sensor of the last packet.
. "$(dirname "$0")/lib.sh"
bed_up; mkhook
daemon -i "$VB" -f "udp port 9998" -n 7 -t 2 -c "$T/hook"

send 1 9999 > /dev/null
wait_ev start 1 2 || bail "start from the NFLOG sensor"
check "start names TUNINETD_SENSOR=nflog" grep -qx "  TUNINETD_SENSOR=nflog" <<< "$(evenv start 1)"
for k in $(seq 8); do sleep 0.5; tl=$(send 1 9998 | cut -d' ' -f2); done
check "no stop while the pcap sensor still saw packets" [ "$(nev stop)" = 0 ]
wait_ev stop 1 5 || bail "stop after both went idle"
e=$(stop_err "$(evtime stop 1)" "$tl" 2)
note "both sensors: stop_err_ms $e"
check "stop ${e} ms from the last packet + TTL (within 100)" within "$e" -100 100
check "stop names TUNINETD_SENSOR=pcap (the last packet's)" grep -qx "  TUNINETD_SENSOR=pcap" <<< "$(evenv stop 1)"
check "exactly one start" [ "$(nev start)" = 1 ]

# and the other way round: pcap starts, NFLOG keeps it up
send 1 9998 > /dev/null
wait_ev start 2 2 || bail "start from the pcap sensor"
check "start names TUNINETD_SENSOR=pcap" grep -qx "  TUNINETD_SENSOR=pcap" <<< "$(evenv start 2)"
for k in $(seq 6); do sleep 0.5; tl=$(send 1 9999 | cut -d' ' -f2); done
check "no stop while the NFLOG sensor still saw packets" [ "$(nev stop)" = 1 ]
wait_ev stop 2 5 || bail "second stop"
e=$(stop_err "$(evtime stop 2)" "$tl" 2)
check "stop ${e} ms from the last NFLOG packet + TTL (within 100)" within "$e" -100 100

# SIGHUP right after an NFLOG packet (still in a kernel batch while up):
# the stop first hears it, so the stop names it, and it starts nothing after
wait_ev stop 2 1
send 1 9998 > /dev/null; wait_ev start 3 2 || bail "start before SIGHUP"
sleep 0.5
in_a "$TOOLS/sendudp" $ADDR_B 9999 > /dev/null; kill -HUP "$DPID"
wait_ev stop 3 2 || bail "stop after SIGHUP"
sleep 0.3
check "the stop names the NFLOG packet that passed just before SIGHUP" \
    grep -qx "  TUNINETD_SENSOR=nflog" <<< "$(evenv stop 3)"
check "and that packet started nothing after the stop" [ "$(nev start)" = 3 ]
