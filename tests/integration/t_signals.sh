# SIGUSR1 logs the configuration and state in the original's words; SIGHUP
# runs stop at once (TUNINETD_REASON=signal) and does nothing when idle;
# SIGTERM while up runs stop (reason exit) and exits 0; SIGINT exits 0.
. "$(dirname "$0")/lib.sh"
bed_up; mkhook
daemon -i "$VB" -f "udp port 9999" -n 7 -t 60 -c "$T/hook"

kill -USR1 "$DPID"; sleep 0.3
check "SIGUSR1 caught:" logged "SIGUSR1 caught:"
check "- capture engine: pcap, <if>" logged "- capture engine: pcap, $VB"
check '-- pcap filter: "udp port 9999"' logged '-- pcap filter: "udp port 9999"'
check "- capture engine: nflog group 7" logged "- capture engine: nflog group 7"
check "- event path: <hook>" logged "- event path: $T/hook"
check "- TTL: 60 sec." logged "- TTL: 60 sec."
check "- current status: standby (OFF)" logged "- current status: standby (OFF)"

kill -HUP "$DPID"; sleep 0.5
check "SIGHUP while idle runs nothing" [ "$(nev stop)" = 0 ]
check "SIGHUP while idle is said" logged "CORE: SIGHUP caught; standby, nothing to stop"

send > /dev/null; wait_ev start 1 2 || bail "start"
sleep 1.2; kill -USR1 "$DPID"; sleep 0.3
check "- current status: up (ON), time since last captured packet: 1 sec." \
    logged "- current status: up (ON), time since last captured packet: 1 sec."

t=$(date +%s.%N); kill -HUP "$DPID"
wait_ev stop 1 1 || bail "SIGHUP ran stop within 1 s"
check "SIGHUP: stop $(ms "$(evtime stop 1)" "$t") ms after the signal (< 200)" \
    within "$(ms "$(evtime stop 1)" "$t")" 0 200
check "SIGHUP: TUNINETD_REASON=signal" grep -qx "  TUNINETD_REASON=signal" <<< "$(evenv stop 1)"
sleep 0.3
send > /dev/null; wait_ev start 2 2 || bail "start after SIGHUP"
check "a packet after SIGHUP's stop starts again" [ "$(nev start)" = 2 ]

sleep 0.2; kill -TERM "$DPID"
for i in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.02; done
check "SIGTERM: exited within 1 s" bash -c "! kill -0 $DPID 2>/dev/null"
wait "$DPID"; rc=$?; DPID=
check "SIGTERM: exit status 0 (got $rc)" [ "$rc" = 0 ]
wait_ev stop 2 2
check "SIGTERM while up: stop ran with TUNINETD_REASON=exit" grep -qx "  TUNINETD_REASON=exit" <<< "$(evenv stop 2)"

daemon -n 7 -t 60 -c "$T/hook"
kill -INT "$DPID"; wait "$DPID"; rc=$?; DPID=
check "SIGINT while idle: exit status 0 (got $rc), no hook" [ "$rc/$(nev stop)" = 0/2 ]
