# NFQUEUE sensor (-q), its bounds and faults, with real packets through
# iptables NFQUEUE rules: refused at start-up (a queue bound by another
# process, an out-of-range number, no CAP_NET_ADMIN), also with -d; a
# failing start hook drops what it held, and says how many; with
# --strict-start a packet during the back-off is held until the next
# attempt; --queue-hold-max 5 drops the 15 packets beyond it at once;
# --hook-timeout drops a packet held longer; the kernel's queue overflowing
# while the daemon is stopped (SIGSTOP): what the queue cannot take passes
# (fail-open), the rest is held or dropped, none leaks; kill -9: the bypass
# flag lets connections through; a held packet's interface deleted: the
# kernel drops it, the daemon goes on and the next cycle works.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/queue_lib.sh"
in_b iptables -A INPUT -p udp --dport 9000 -j NFQUEUE --queue-num $Q --queue-bypass &&
in_b iptables -A OUTPUT -p tcp --dport 8080 -j NFQUEUE --queue-num $Q --queue-bypass &&
in_b iptables -A OUTPUT -d 10.80.0.0/24 -j NFQUEUE --queue-num $Q --queue-bypass ||
    bail "iptables NFQUEUE rules"
mkqhook
refused() { refused_by "$TUNINETD" "$@"; }

refused "\`70000' is not an NFQUEUE number" -q 70000 -c "$T/hook"
refused "--queue-hold-max: \`0'" -q $Q --queue-hold-max 0 -c "$T/hook"
PRIV="setpriv --bounding-set=-net_admin --" \
    refused "-q: binding NFQUEUE queue $Q needs the CAP_NET_ADMIN capability" -q $Q -c "$T/hook"

# a failing start drops what it held; the watch is up all the same
echo always > "$T/fail"
daemon -q $Q -t 2 -c "$T/hook"
refused "-q: NFQUEUE queue $Q is already bound by another process" -q $Q -c "$T/hook"
refused "NFQUEUE queue $Q is already bound" -d -q $Q -c "$T/hook"
sleep 0.2
check "no process left after the refused -d start" [ -z "$(ns_pids "$NS_B" "tuninetd -d -q $Q( |$)")" ]
p0=$(udps)
udp 3 50; wait_ev end-start 1 2 || bail "failing start"
sleep 0.2
check "failed start: none of the 3 held packets passed ($(($(udps) - p0)))" [ $(($(udps) - p0)) = 0 ]
check "failed start: logged with the count" logged "NFQUEUE: queue $Q: start failed: dropped 3 held packets"
check "failed start: nothing left held in the kernel" [ "$(kernel_held)" = 0 ]
p0=$(udps); udp 2 20; sleep 0.2
check "up after the failed start: packets pass ($(($(udps) - p0)) of 2)" [ $(($(udps) - p0)) = 2 ]
wait_ev end-stop 1 5 || bail "stop"
stop_daemon

# --strict-start: the first attempt fails; a packet during the back-off is
# held, and passes once the next attempt has succeeded
echo once > "$T/fail"; mkqhook
daemon -q $Q -t 2 --strict-start -c "$T/hook"
p0=$(udps)
udp 1; wait_ev end-start 1 2 || bail "strict: first attempt"
sleep 0.3; udp 1; sleep 0.1
check "strict: the packet in the back-off is held ($(kernel_held) in the kernel)" [ "$(kernel_held)" = 1 ]
wait_ev end-start 2 3 || bail "strict: second attempt"
sleep 0.1
d=$(ms "$(evtime start 2)" "$(evtime end-start 1)")
check "strict: the next attempt ${d} ms after the failure (back-off 1 s: 900-1300)" within "$d" 900 1300
check "strict: back-off logged" logged "start command failed (exit 1), next attempt in 1 s"
check "strict: the first packet dropped with the failure" logged "start failed: dropped 1 held packet"
check "strict: the held packet passed after the second start ($(($(udps) - p0)) of 2)" [ $(($(udps) - p0)) = 1 ]
wait_ev end-stop 1 5 || bail "strict: stop"
stop_daemon

# --queue-hold-max 5: of 20 packets during a 0.5 s start, 5 pass
echo 0.5 > "$T/start_s"; mkqhook
daemon -q $Q -t 2 --queue-hold-max 5 -c "$T/hook"
p0=$(udps) a0=$(udps_in)
udp 20; wait_ev end-start 1 2 || bail "hold-max: start"
sleep 0.2
note "hold-max: $(($(udps_in) - a0)) arrived, $(($(udps) - p0)) passed"
check "hold-max: 5 of 20 passed" [ $(($(udps) - p0)) = 5 ]
check "hold-max: 15 dropped, logged" logged "NFQUEUE: queue $Q: dropped 15 packets beyond --queue-hold-max 5"
check "hold-max: the 5 accepted, logged" logged "NFQUEUE: queue $Q: accepted 5 held packets"
wait_ev end-stop 1 5 || bail "hold-max: stop"

# the kernel's queue (5 + 1024 here) overflows while the daemon is stopped
echo 0.1 > "$T/start_s"
kill -STOP "$(worker_of "$DPID")"
p0=$(udps) a0=$(udps_in) n0=$(grep -c 'beyond --queue-hold-max' "$T/log")
udp 1500; sleep 0.5
during=$(($(udps) - p0)) arrived=$(($(udps_in) - a0))
kill -CONT "$(worker_of "$DPID")"
wait_ev end-start 2 3 || bail "overflow: start after SIGCONT"
sleep 0.3
passed=$(($(udps) - p0))
dropped=$(grep 'beyond --queue-hold-max' "$T/log" | tail -n 1 | sed 's/.*dropped \([0-9]*\) packet.*/\1/')
note "overflow: $arrived arrived, $during passed while stopped, $passed in all, $dropped dropped beyond the hold"
check "overflow: beyond the kernel's queue, packets passed while stopped ($during, >= $((arrived - 1029)))" \
    [ "$during" -ge $((arrived - 1029)) -a "$during" -gt 0 ]
check "overflow: every packet passed or was dropped, none leaked ($passed + $dropped = $arrived)" \
    [ $((passed + dropped)) = "$arrived" ]
check "overflow: the 5 held then accepted" [ "$(grep -c 'accepted 5 held packets' "$T/log")" = 2 ]
check "overflow: nothing left held in the kernel" [ "$(kernel_held)" = 0 ]
wait_ev end-stop 2 5 || bail "overflow: stop"
stop_daemon

# --hook-timeout 1: a start hook ignoring SIGTERM runs 2.2 s; the packet
# held since its beginning is dropped after 1 s, one sent after 1.7 s passes
echo 2.2 > "$T/start_s"; touch "$T/noterm"; mkqhook
daemon -q $Q -t 2 --hook-timeout 1 -c "$T/hook"
p0=$(udps)
udp 1; wait_ev start 1 1 || bail "timeout: start"
sleep 1.2
check "timeout: the first packet dropped after 1 s ($(kernel_held) held)" [ "$(kernel_held)" = 0 ]
sleep 0.5; udp 1; wait_ev end-start 1 3 || bail "timeout: end of the start"
sleep 0.1
check "timeout: the later packet passed, the first not ($(($(udps) - p0)) of 2)" [ $(($(udps) - p0)) = 1 ]
check "timeout: logged with the count" logged "NFQUEUE: queue $Q: dropped 1 held packet older than --hook-timeout 1 s"
wait_ev end-stop 1 5 || bail "timeout: stop"
stop_daemon
rm -f "$T/noterm" "$T/start_s"

# a held packet's interface goes away: the kernel drops it
# (a veth pair inside B: this kernel has no dummy interfaces)
gone_if() {
	in_b ip link add dq$ID type veth peer name dr$ID && in_b ip addr add 10.80.0.1/24 dev dq$ID &&
	in_b ip link set dq$ID up && in_b ip link set dr$ID up
}
gone_if || bail "interface for the packet to leave by"
echo 1 > "$T/start_s"; mkqhook
daemon -q $Q -t 1 -c "$T/hook" --control "$T/qf.ctl"
in_b "$TOOLS/sendudp" 10.80.0.2 9000 1 32 0 > /dev/null
wait_ev start 1 1 || bail "iface: start"
sleep 0.2
check "iface: the packet is held ($(kernel_held))" [ "$(kernel_held)" = 1 ]
in_b ip link del dq$ID; sleep 0.2
check "iface: deleting its interface dropped it in the kernel ($(kernel_held))" [ "$(kernel_held)" = 0 ]
wait_ev end-stop 1 5 || bail "iface: cycle"
check "iface: the daemon goes on" kill -0 "$DPID"
check "iface: the log says the kernel dropped it before its verdict" \
    logged "NFQUEUE: queue $Q: the kernel dropped 1 held packet before its verdict"
check "iface: ... and not that it was accepted, nor an error" bash -c "! grep -qiE 'refused|accepted' '$T/log'"
kd=$("$(dirname "$TUNINETD")/tuninetctl" -s "$T/qf.ctl" status --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["watches"][0]["queue"]["kernel_dropped"])')
check "iface: status counts it as dropped by the kernel ($kd)" [ "$kd" = 1 ]
check "iface: so do the metrics" bash -c "'$(dirname "$TUNINETD")/tuninetctl' -s '$T/qf.ctl' metrics | grep -qx 'tuninetd_queue_kernel_dropped_packets_total{watch=\"default\"} 1'"
gone_if || bail "the interface again"
in_b "$TOOLS/sendudp" 10.80.0.2 9000 1 32 0 > /dev/null
wait_ev end-start 2 3 || bail "iface: next cycle"
sleep 0.1
check "iface: the next cycle held and accepted its packet" [ "$(grep -c 'accepted 1 held packet' "$T/log")" = 1 ]
wait_ev end-stop 2 5 || bail "iface: next stop"
rm -f "$T/start_s"; mkqhook

# kill -9: the rule's bypass flag passes packets, the gate is open
"$T/gate" down
kill -9 "$DPID"; wait "$DPID" 2> /dev/null; DPID=
sleep 0.1
check "kill -9: the queue went with the daemon" [ -z "$(qline)" ]
c=$(connect "$ADDR_A") || c=failed
check "kill -9: a connection goes through at once (${c} s, < 0.1)" within "$c" 0.00001 0.1

# thousands held: their verdicts are answered only where the kernel
# cannot give them, so the answers fit the receive buffer, and the log
# says exactly how many were accepted (an answer each overflowed it from
# some 3,000 on)
echo 2 > "$T/start_s"; mkqhook
daemon -q $Q -t 30 --queue-hold-max 8000 -c "$T/hook" --control "$T/big.ctl"
for k in 1 2 3 4 5; do udp 1000; sleep 0.1; done
sleep 0.3
h=$("$(dirname "$TUNINETD")/tuninetctl" -s "$T/big.ctl" status --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["watches"][0]["queue"]["held"])')
wait_ev end-start 1 5 || bail "big hold: start"
sleep 0.5
note "big hold: $h held"
check "big hold: thousands held ($h)" [ "${h:-0}" -ge 3000 ]
check "big hold: accepted $h held packets, said exactly" logged "NFQUEUE: queue $Q: accepted $h held packets"
check "big hold: no answer lost, none said dropped by the kernel" bash -c "! grep -qE 'unconfirmed|kernel dropped' '$T/log'"
stop_daemon
rm -f "$T/start_s"; mkqhook

# a queue under more traffic than the daemon can answer: every loop that
# reads it is bounded, so a stop asked for while up (the queue alone
# leaves up mode, reading what passed meanwhile) runs at once, and the
# control socket answers, flood or not
mkqhook
daemon -q $Q -t 30 -c "$T/hook" --control "$T/fl.ctl"
udp 1; wait_ev end-start 1 2 || bail "flood: start"
fl=
for k in 1 2; do in_a "$TOOLS/sendudp" "$ADDR_B" 9000 3000000 32 0 > /dev/null & fl="$fl $!"; done
EXTRA_PIDS="$EXTRA_PIDS $fl"
sleep 1
t0=$(date +%s.%N); kill -HUP "$DPID"
wait_ev stop 1 5; t1=$(date +%s.%N)
d=$(ms "$t1" "$t0")
check "flood: SIGHUP's stop ran at once (${d} ms, < 1500)" within "$d" 0 1500
t0=$(date +%s.%N)
timeout 5 "$(dirname "$TUNINETD")/tuninetctl" -s "$T/fl.ctl" status > /dev/null; rc=$?
d=$(ms "$(date +%s.%N)" "$t0")
check "flood: tuninetctl status answered (${d} ms, rc $rc)" within "$d" 0 1500
for p in $fl; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
check "flood: the daemon runs on" kill -0 "$DPID"
stop_daemon
