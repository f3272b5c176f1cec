# One full start/stop cycle of each sensor under valgrind memcheck (the
# queue bound, unbound while up, bound again; and one cycle held up by a
# marked connection, --keep-connections), tuninetctl's every reading
# command, a start and a stop through it, a garbage line, and a peer still
# connected at exit, then SIGTERM: no error, no definite, indirect or
# possible leak (a client left behind is one: the timer heap points into
# it). Plain build only (the
# runner does not run this under the sanitizer build).
. "$(dirname "$0")/lib.sh"
command -v valgrind > /dev/null || bail "valgrind is installed (make deps)"
bed_up; mkhook
in_b nft add rule inet tnd in tcp dport 9100 ct mark set 5 log group 7 ||
    bail "nft: the marking rule"
in_b "$TOOLS/tcpchat" listen 0.0.0.0 9100 & EXTRA_PIDS=$!
in_b iptables -A INPUT -p udp --dport 9997 -j NFQUEUE --queue-num 9 --queue-bypass || bail "NFQUEUE rule"
SETTLE=4 daemon -i "$VB" -f "udp port 9998" -n 7 -t 1 -c "$T/hook"
mv "$T/log" "$T/vg.log"	# keep it out of daemon()'s way
kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null
ip netns exec "$NS_B" valgrind -q --error-exitcode=9 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect,possible --child-silent-after-fork=yes \
    "$TUNINETD" -i "$VB" -f "udp port 9998" -n 7 -q 9 -t 1 \
    --keep-connections 5 --control "$T/vg.sock" -c "$T/hook" > "$T/vg.log" 2>&1 &
DPID=$!
sleep 4
send 1 9998 > /dev/null; wait_ev stop 1 8 || { cat $T/vg.log; bail "pcap cycle under valgrind"; }
sleep 0.5
send 1 9999 > /dev/null; wait_ev stop 2 8 || bail "NFLOG cycle under valgrind"
sleep 0.5
send 1 9997 > /dev/null; wait_ev stop 3 8 || bail "NFQUEUE cycle under valgrind"
check "the three cycles ran (pcap, nflog, nfqueue)" bash -c "grep -A20 '^start' '$T/events' | grep -c 'TUNINETD_SENSOR=' | grep -q 6"
check "the queue's packet was held and accepted" grep -q "accepted 1 held packet" "$T/vg.log"
sleep 0.5
in_a "$TOOLS/tcpchat" talk "$ADDR_B" 9100 1 0 2500 > /dev/null
wait_ev stop 4 8 || bail "conntrack-held cycle under valgrind"
check "a quiet marked connection held the fourth cycle" \
    grep -q "marked connection kept it up" "$T/vg.log"
CTL=$(dirname "$TUNINETD")/tuninetctl
ok=0
for c in status why events metrics list; do
	"$CTL" -s "$T/vg.sock" $c > /dev/null && ok=$((ok + 1))
done
"$CTL" -s "$T/vg.sock" start && wait_ev start 5 8 && "$CTL" -s "$T/vg.sock" stop && wait_ev stop 5 8 && ok=$((ok + 1))
check "tuninetctl under valgrind: status, why, events, metrics, list, start and stop answered" [ $ok = 6 ]
python3 -c '
import socket, sys, time
g = socket.socket(socket.AF_UNIX); g.connect(sys.argv[1]); g.sendall(b"{]\n"); g.recv(100)
i = socket.socket(socket.AF_UNIX); i.connect(sys.argv[1]); i.sendall(b"{\"comm")
print("connected", flush=True); time.sleep(30)' "$T/vg.sock" > "$T/peer" & EXTRA_PIDS="$EXTRA_PIDS $!"
for i in $(seq 50); do grep -q connected "$T/peer" && break; sleep 0.1; done
kill -TERM "$DPID"; wait "$DPID"; rc=$?; DPID=
check "memcheck: no error and no leak (exit $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || grep -m5 '==' "$T/vg.log" | sed 's/^/# /'
