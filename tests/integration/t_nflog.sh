# NFLOG sensor (nftables `log group 7'), TTL 2: start within 100 ms of the
# first packet, stop within 100 ms of last packet + TTL, twice; the rule's
# log prefix reaches the hook; the group is free again after SIGTERM.
. "$(dirname "$0")/lib.sh"
bed_up; mkhook
daemon -n 7 -t 2 -c "$T/hook"

timed_rounds nflog 2
check "2 starts and 2 stops" [ "$(nev start)/$(nev stop)" = 2/2 ]

env1=$(evenv start 1)
for kv in TUNINETD_SENSOR=nflog TUNINETD_NFLOG_GROUP=7 TUNINETD_NFLOG_PREFIX=tnd \
    TUNINETD_SRC=$ADDR_A TUNINETD_DST=$ADDR_B TUNINETD_PROTO=udp TUNINETD_DPORT=9999; do
	check "start hook gets $kv" grep -qx "  $kv" <<< "$env1"
done
check "start hook gets no TUNINETD_INTERFACE" bash -c '! grep -q TUNINETD_INTERFACE <<< "$1"' _ "$env1"
check "stop hook gets TUNINETD_NFLOG_GROUP=7" grep -qx "  TUNINETD_NFLOG_GROUP=7" <<< "$(evenv stop 1)"
check "log: NFLOG: start command done" logged "NFLOG: start command done"
check "log: |- IPv4 line" logged "|- IPv4 $ADDR_A > $ADDR_B, NXT_HDR: 0x11 (UDP)"

# a steady stream well past the TTL keeps it up, batched, then stops once
n=$(nev start)
send 1 > /dev/null; wait_ev start $((n + 1)) 2 || bail "start before the stream"
tl=$(send 120 9999 25 | cut -d' ' -f2)
check "a 3 s stream kept it up past the 2 s TTL" [ "$(nev stop)" = "$n" ]
wait_ev stop $((n + 1)) 4 || bail "stop after the stream"
e=$(stop_err "$(evtime stop $((n + 1)))" "$tl" 2)
note "nflog after a stream: stop_err_ms $e"
check "stop ${e} ms from the stream's last packet + TTL (within 100)" within "$e" -100 100

kill -TERM "$DPID"
for i in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.02; done
check "SIGTERM: exited within 1 s" bash -c "! kill -0 $DPID 2>/dev/null"
wait "$DPID"; rc=$?; DPID=
check "SIGTERM: exit status 0 (got $rc)" [ "$rc" = 0 ]
timeout 3 ip netns exec "$NS_B" tcpdump -i nflog:7 -c 1 -w /dev/null > /dev/null 2>&1 & tp=$!
sleep 1; send > /dev/null
wait $tp; check "NFLOG group 7 free again after exit" [ $? = 0 ]

# an overflow while up never makes the stop early: the daemon frozen
# (SIGSTOP) through a 5.5 s flood that overflows its socket, thawed right
# after the flood's last packet. The kernel reports ENOBUFS before the
# datagrams it still holds, which are seconds older: the overflow means
# packets passed until now, so stop comes at last packet + TTL, not at once.
mkhook
daemon -n 7 -t 3 -c "$T/hook"
send > /dev/null; wait_ev start 1 2 || bail "start before the flood"
in_a "$TOOLS/sendudp" "$ADDR_B" 9999 100000000 32 0 5.5 > "$T/flood" & fl=$!
sleep 0.3; kill -STOP "$(worker_of "$DPID")"
wait $fl; kill -CONT "$(worker_of "$DPID")"
tl=$(cut -d' ' -f2 "$T/flood")
wait_ev stop 1 8 || bail "stop after the overflow"
e=$(stop_err "$(evtime stop 1)" "$tl" 3)
note "nflog after an overflow while frozen: stop_err_ms $e"
check "the overflow logged" logged "receive buffer overflowed"
check "after an overflow while frozen: stop ${e} ms from the flood's last packet + TTL (-300..800)" within "$e" -300 800
kill "$DPID"; wait "$DPID"; DPID=
