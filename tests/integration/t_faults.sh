# Faults injected for real: the NFLOG socket overflows (the daemon is
# frozen with SIGSTOP under a flood), thousands of signals arrive during
# traffic and slow hooks, the hook is deleted or loses its execute bit
# after start-up. The daemon lives on, answers, keeps its state in order,
# and stops at last packet + TTL.
. "$(dirname "$0")/lib.sh"
bed_up; mkhook
daemon -n 7 -t 1 -c "$T/hook"

# 1. overflow while idle: frozen, flooded, thawed
kill -STOP "$(worker_of "$DPID")"
send 20000 > /dev/null
kill -CONT "$(worker_of "$DPID")"
wait_ev start 1 2 || bail "start after an overflow while idle"
check "alive after ENOBUFS" kill -0 "$DPID"
check "the overflow logged" logged "receive buffer overflowed"
wait_ev stop 1 3 || bail "stop after the first flood"

# 2. overflow while up, twice within a minute: logged once, stop exact
send 1 > /dev/null; wait_ev start 2 2 || bail "start"
for k in 1 2; do
	kill -STOP "$(worker_of "$DPID")"; send 30000 > /dev/null; kill -CONT "$(worker_of "$DPID")"; sleep 0.2
done
tl=$(send 1 | cut -d' ' -f2)
wait_ev stop 2 4 || bail "stop after the floods"
e=$(stop_err "$(evtime stop 2)" "$tl" 1)
note "nflog after overflows: stop_err_ms $e"
check "stop ${e} ms from the last packet + TTL after overflows (within 100)" within "$e" -100 100
check "overflows logged at most once a minute" [ "$(grep -c 'receive buffer overflowed' "$T/log")" = 1 ]
kill "$DPID"; wait "$DPID"; DPID=

# 3. a signal storm during traffic and slow hooks, both sensors
mkhook 'sleep 0.2'
daemon -i "$VB" -f "udp port 9999" -n 7 -t 1 -c "$T/hook"
send 100000 9999 0 > /dev/null & tr=$!
for i in $(seq 1000); do kill -USR1 "$DPID"; kill -HUP "$DPID"; kill -CHLD "$DPID"; done 2>/dev/null
wait $tr
check "alive after 3000 signals during traffic and hooks" kill -0 "$DPID"
sleep 2
off=$(stat -c %s "$T/log"); kill -USR1 "$DPID"; sleep 0.3
check "SIGUSR1 answered after the storm" bash -c "tail -c +$((off + 1)) '$T/log' | grep -q 'SIGUSR1 caught'"
check "starts and stops alternate, in order" bash -c "grep -E '^(start|stop) ' '$T/events' | awk '{print \$1}' | uniq -d | grep -q . && exit 1 || exit 0"
check "as many stops as starts once idle ($(nev start)/$(nev stop))" [ "$(nev start)" = "$(nev stop)" ]
check "no zombie children" bash -c "! ps -o stat= --ppid $DPID | grep -q Z"
n=$(nev start)
tl=$(send 1 | cut -d' ' -f2)
wait_ev stop $((n + 1)) 3 || bail "a cycle after the storm"
e=$(stop_err "$(evtime stop $((n + 1)))" "$tl" 1)
check "a cycle after the storm stops on time (${e} ms)" within "$e" -100 100
kill "$DPID"; wait "$DPID"; DPID=

# 4. the hook deleted, then not executable, after start-up
mkhook
daemon -i "$VB" -f "udp port 9999" -t 1 -c "$T/hook"
cp "$T/hook" "$T/hook.saved"; rm -f "$T/hook"
send > /dev/null; sleep 1.6
check "alive with its hook deleted" kill -0 "$DPID"
check "start and stop each logged an error naming the hook" \
    [ "$(grep -c "command \`$T/hook' cannot run: No such file or directory" "$T/log")" = 2 ]
cp "$T/hook.saved" "$T/hook"; chmod 644 "$T/hook"
send > /dev/null; sleep 1.6
check "an error each time the hook is not executable" \
    [ "$(grep -c "command \`$T/hook' cannot run: Permission denied" "$T/log")" = 2 ]
chmod 755 "$T/hook"
send > /dev/null; wait_ev start 1 2; wait_ev stop 1 3
check "the state moved on: the restored hook runs start and stop" [ "$(nev start)/$(nev stop)" = 1/1 ]
check "no zombie children" bash -c "! ps -o stat= --ppid $DPID | grep -q Z"
