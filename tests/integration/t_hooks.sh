# Hooks never block the daemon and never overlap: a slow start hook while
# SIGUSR1 is answered, a packet during a slow stop brings a start right
# after it; the hook's exit status, output lines, environment, stdin,
# fds (also where close_range fails) and signal dispositions; a hook that
# outlives --hook-timeout is killed (SIGTERM, then SIGKILL 5 s later) and
# the state moves on.
. "$(dirname "$0")/lib.sh"
bed_up
mkhook '
[ -f "'"$T"'/slow" ] && sleep 2
echo "end-$1 $(date +%s.%N)" >> "'"$T"'/events"
echo "line one from $1"; echo "to stderr from $1" >&2
ls -l /proc/self/fd/0 | grep -q " -> /dev/null$" && echo "stdin-null"
echo "child fds: $(ls /proc/self/fd | tr "\n" " ")"
[ "$(ps -o pgid= -p $$ | tr -d " ")" = "$$" ] && echo "own-group"
echo "ignored signals: $(sed -n "s/^SigIgn:[[:space:]]*//p" /proc/$$/status)"
echo "myvar=${MYVAR:-unset} stale=${TUNINETD_STALE:-unset}"
[ -f "'"$T"'/fail" ] && exit 3
[ -f "'"$T"'/bg" ] && (sleep 31 & echo $! >> "'"$T"'/bg.pids")
exit 0'
touch "$T/slow"
# SIG_IGN survives execve: the daemon gets SIGUSR2 ignored from us (and
# SIGINT, SIGQUIT from bash's `&'); its hooks must not
trap '' USR2
MYVAR=kept TUNINETD_STALE=leak daemon -i "$VB" -f "udp port 9999" -t 1 -c "$T/hook"
trap - USR2

send > /dev/null; wait_ev start 1 2 || bail "start"
sleep 0.5; kill -USR1 "$DPID"; sleep 0.3
check "SIGUSR1 answered while the start hook ran" logged "SIGUSR1 caught:"
check "status while the start hook runs: up (ON), then start command running" \
    bash -c "grep -A1 -- '- current status: up (ON), time since last captured packet: ' '$T/log' | grep -q -- '- start command running'"
wait_ev stop 1 6 || bail "stop"
check "stop began after start ended" \
    awk -v e="$(evtime end-start 1)" -v s="$(evtime stop 1)" 'BEGIN{exit !(s >= e)}'
sleep 0.8; t=$(send | cut -d' ' -f1)	# during the 2 s stop hook
wait_ev start 2 6 || bail "start after a packet during stop"
d=$(ms "$(evtime start 2)" "$(evtime end-stop 1)")
check "start began ${d} ms after the stop ended (0-300)" within "$d" 0 300
wait_ev stop 2 8 || bail "second stop"
rm -f "$T/slow"; sleep 0.3

check "hook stdout lines logged, tagged" logged "start hook: line one from start"
check "hook stderr lines logged, tagged" logged "stop hook: to stderr from stop"
check "hook stdin is /dev/null" logged "start hook: stdin-null"
check "hook inherits only fds 0-2 (ls opens 3)" logged "start hook: child fds: 0 1 2 3 "
check "hook runs in its own process group" logged "start hook: own-group"
check "hook starts with no signal ignored (the daemon ignores $(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$DPID/status))" \
    logged "start hook: ignored signals: 0000000000000000"
check "hook keeps the daemon's environment, minus TUNINETD_*" logged "start hook: myvar=kept stale=unset"
check "TUNINETD_STALE absent from the recorded environment" bash -c "! grep -q STALE '$T/events'"

touch "$T/fail"
send > /dev/null; wait_ev stop 3 4 || bail "cycle with a failing hook"
rm -f "$T/fail"
check "a hook exiting 3 is logged with its status" logged "start command \`$T/hook' exited with status 3"
check "the state advanced past the failing hooks" [ "$(nev start)/$(nev stop)" = 3/3 ]

touch "$T/bg"
send > /dev/null; wait_ev start 4 2 || bail "start with a background child"
t=$(evtime start 4)
wait_ev stop 4 4 || bail "stop with a background child holding stdout"
d=$(ms "$(evtime stop 4)" "$t")
check "a child holding the hook's stdout does not delay stop (${d} ms, < 1500)" within "$d" 900 1500
rm -f "$T/bg"
check "no zombie children" bash -c "! ps -o stat= --ppid $DPID | grep -q Z"
kill "$DPID"; wait "$DPID"; DPID=

# --hook-timeout: a start hook that ignores SIGTERM, and so does its child;
# the hook writes down its process group, where the child is too
mkhook 'trap "" TERM
[ "$1" = start ] && { ps -o pgid= -p $$ | tr -d " " > "'"$T"'/hung.pgid"; sleep 30; }
exit 0'
daemon -i "$VB" -f "udp port 9999" -t 1 --hook-timeout 1 -c "$T/hook"
t0=$(send | cut -d' ' -f1)
wait_ev start 1 2 || bail "start of the hanging hook"
sleep 1.5
check "SIGTERM sent to the hook's group after --hook-timeout 1" logged "still running after 1 s: SIGTERM"
wait_ev stop 1 8 || bail "stop after the hanging start was killed"
d=$(ms "$(evtime stop 1)" "$t0")
check "SIGKILL 5 s after SIGTERM, then stop (${d} ms after the packet, 5900-7500)" within "$d" 5900 7500
check "SIGKILL logged" logged "SIGKILL to its process group"
check "killed by signal 9 logged" logged "killed by signal 9"
check "... then the start said failed, not done" bash -c "grep -A3 'killed by signal 9' '$T/log' | grep -q 'start command failed' && ! grep -q 'start command done' '$T/log'"
sleep 0.3
check "no zombie children after the kills" bash -c "! ps -o stat= --ppid $DPID | grep -q Z"
hg=$(cat "$T/hung.pgid" 2>/dev/null)
hung_group_gone() { [ -n "$hg" ] && ! group_alive "$hg"; }
check "no process left of the killed hook (its group ${hg:-unknown})" hung_group_gone
kill $(cat "$T/bg.pids") 2>/dev/null	# the background children of cycle 4
kill "$DPID"; wait "$DPID"; DPID=

# a hook that cannot run any more (its interpreter removed after start-up):
# the log says START, then why it cannot run, then that the start failed;
# the watch goes on (up, then down at its TTL, the stop failing alike)
mkdir -m 0755 "$T/interp"; cp /bin/sh "$T/interp/sh"
printf '#!%s\nexit 0\n' "$T/interp/sh" > "$T/gone-hook"; chmod 0755 "$T/gone-hook"
daemon -i "$VB" -f "udp port 9999" -t 1 -c "$T/gone-hook"
rm "$T/interp/sh"
send > /dev/null; sleep 0.5
a=$(grep -n 'executing START command' "$T/log" | head -1 | cut -d: -f1)
b=$(grep -n "start command \`$T/gone-hook' cannot run: No such file or directory" "$T/log" | head -1 | cut -d: -f1)
c=$(grep -n 'start command failed' "$T/log" | head -1 | cut -d: -f1)
in_order() { [ -n "$1" ] && [ -n "$2" ] && [ -n "$3" ] && [ "$1" -lt "$2" ] && [ "$2" -lt "$3" ]; }
check "a hook that cannot run: START, then cannot run, then failed (lines ${a:-?} ${b:-?} ${c:-?})" \
    in_order "$a" "$b" "$c"
check "... and never done" bash -c "! grep -q 'command done' '$T/log'"
for i in $(seq 40); do logged "stop command failed" && break; sleep 0.05; done
check "... the stop at its TTL failed alike" logged "stop command failed"
kill "$DPID"; wait "$DPID"; DPID=

# close_range refused (an old kernel, a seccomp filter): every fd above 2
# still closed, with /proc and without it. A shim preloaded into the
# daemon refuses close_range (and getdents64), and leaves fd 200 open
# without O_CLOEXEC, as a careless library would.
cat > "$T/shim.c" <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int
close_range(unsigned int first, unsigned int last, int flags)
{
	(void)first; (void)last; (void)flags;
	errno = ENOSYS;
	return -1;
}

#ifdef NO_PROC
ssize_t
getdents64(int fd, void *buf, size_t len)
{
	(void)fd; (void)buf; (void)len;
	errno = ENOSYS;
	return -1;
}
#endif

__attribute__((constructor)) static void
leak(void)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd >= 0 && fd != 200 && dup2(fd, 200) == 200)
		close(fd);
	unsetenv("LD_PRELOAD");		/* the daemon's, not its hooks' */
}
EOF
cc -shared -fPIC -o "$T/noclose.so" "$T/shim.c" &&
    cc -shared -fPIC -DNO_PROC -o "$T/noclose-noproc.so" "$T/shim.c" ||
    bail "build the close_range shim"
mkhook 'echo "fds: $(ls /proc/self/fd | tr "\n" " ")"'
real=$TUNINETD
# Without separation (--user root) the daemon holds it; with it, the
# monitor closed it at the split, close_range refused or not.
for run in noclose:root noclose-noproc:root noclose-noproc:split; do
	shim=${run%:*} how=${run#*:}
	TUNINETD=env daemon LD_PRELOAD="$T/$shim.so" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    "$real" -i "$VB" -f "udp port 9999" -t 1 -c "$T/hook" \
	    $([ $how = root ] && echo --user root)
	send > /dev/null
	wait_ev start 1 2
	for i in $(seq 40); do logged "start command done" && break; sleep 0.05; done
	if [ $how = root ]; then
		check "$shim: the daemon holds fd 200, not close-on-exec" \
		    [ -e "/proc/$DPID/fd/200" ]
	else
		check "$shim, separated: the monitor closed fd 200 at the split" \
		    [ ! -e "/proc/$DPID/fd/200" ]
	fi
	check "$shim ($how): the hook runs and inherits only fds 0-2 (ls opens 3)" \
	    logged "start hook: fds: 0 1 2 3 "
	wait_ev stop 1 3
	kill "$DPID"; wait "$DPID"; DPID=
	: > "$T/events"
done
TUNINETD=$real
