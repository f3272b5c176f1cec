# What hooks print: every line is logged however much a hook prints (its
# stdout is an ordinary blocking pipe); a child it leaves behind writes on
# after it exited, logged as its run's while the next run goes on, and its
# pipe is closed at end of file; a hook that never stops printing does not
# freeze the daemon; control bytes are escaped, long lines split; children
# that never close the pipe keep at most 16 pipes open.
. "$(dirname "$0")/lib.sh"
bed_up

# stop_daemon: SIGTERM, and SIGKILL if it does not answer within 3 s
stop_daemon() {
	local i
	kill "$DPID" 2>/dev/null
	for i in $(seq 30); do gone "$DPID" && break; sleep 0.1; done
	kill -9 "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; DPID=
}
# wait_log TEXT TENTHS: wait up to TENTHS tenths of a second for TEXT
wait_log() {
	local i
	for i in $(seq "$2"); do logged "$1" && return 0; sleep 0.1; done
	return 1
}
nfds() { ls "/proc/$DPID/fd" | wc -l; }

# 1. 300,000 lines, then 50 MB in lines of 200 bytes
Z=$(printf '%0199d' 7)
mkhook '[ "$1" = start ] || exit 0
echo "fdflags $(awk "/^flags/ { print \$2 }" /proc/$$/fdinfo/1)"
seq 1 300000 || exit 3
yes '"$Z"' | head -c 50000000 || exit 4
exit 0'
daemon -i "$VB" -f "udp port 9999" -t 30 -c "$T/hook"
send > /dev/null; wait_ev start 1 2 || bail "start"
wait_log "start command done" 1200 || note "the start hook did not end within 120 s"
fl=$(sed -n 's/.*start hook: fdflags //p' "$T/log")
check "the hook's stdout is a blocking pipe (fd 1 flags ${fl:-none})" \
    bash -c "[ -n '$fl' ] && [ \$(( 8#$fl & 04000 )) = 0 ]"
n=$(awk '/ start hook: [0-9]+$/ && length($NF) < 10 { if ($NF != ++n) bad = 1 }
    END { print bad ? "out of order" : n + 0 }' "$T/log")
check "all 300,000 lines of seq logged, in order ($n)" [ "$n" = 300000 ]
n=$(grep -c "start hook: $Z\$" "$T/log")
check "all 250,000 lines of 50 MB logged ($n)" [ "$n" = 250000 ]
st=$(grep -o 'start command .* exited with status [0-9]*' "$T/log" | head -n 1)
check "the hook that printed 50 MB exited 0${st:+ (but: $st)}" [ -z "$st" ]
stop_daemon

# 2. a child the start hook leaves writes after it exited, and after the
# stop hook ran: it lives, its line is the start hook's, its pipe closes
mkhook '
if [ "$1" = start ]; then
	(sleep 2; echo late-child-line; touch "'"$T"'/alive") &
	echo start-line
else
	echo stop-line
fi'
daemon -i "$VB" -f "udp port 9999" -t 1 -c "$T/hook"
fds=$(nfds)
send > /dev/null; wait_ev start 1 2 || bail "start"
wait_ev stop 1 3 || bail "stop"
for i in $(seq 40); do [ -e "$T/alive" ] && break; sleep 0.1; done
sleep 0.3
check "a child writing after its hook exited lives on (no SIGPIPE)" [ -e "$T/alive" ]
check "its line is logged as the start hook's" logged "start hook: late-child-line"
check "after the stop hook's own output" awk '
    /stop hook: stop-line$/ { s = NR } /start hook: late-child-line$/ { l = NR }
    END { exit !(s && l > s) }' "$T/log"
check "its pipe is closed at end of file ($fds fds before, $(nfds) after)" \
    [ "$(nfds)" = "$fds" ]
stop_daemon

# 3. a hook that prints without end, 500 lines a write (more than the
# daemon logs in the time): SIGUSR1 answered, --hook-timeout ends it
mkhook '[ "$1" = start ] || exit 0
echo $$ > "'"$T"'/chatty"
lines=$(printf "chatter %s\n" $(seq 500))
while :; do echo "$lines"; done'
daemon -i "$VB" -f "udp port 9999" -t 30 --hook-timeout 2 -c "$T/hook"
send > /dev/null; wait_ev start 1 2 || bail "start"
sleep 0.5; kill -USR1 "$DPID"
check "SIGUSR1 answered within 0.5 s while the hook floods its output" \
    wait_log "SIGUSR1 caught:" 5
check "--hook-timeout 2 sends SIGTERM to the flooding hook" \
    wait_log "still running after 2 s: SIGTERM" 30
check "the flooding hook is gone, the state moved on" \
    wait_log "start command failed" 20
[ -s "$T/chatty" ] && kill -9 -- "-$(cat "$T/chatty")" 2>/dev/null
stop_daemon
: > "$T/log"	# a few hundred MB of chatter: not kept in log.all

# 4. control bytes escaped, a backslash kept, CR LF a line end; a line
# longer than 512 characters (escapes counted as written) split
mkhook '[ "$1" = start ] || exit 0
printf "esc:\033[31mred\033[0m bel:\007 nul:\000 after back\\\\slash tab:\tx del:\177 end\n"
printf "crlf-line\r\n"
printf "lone\rcr\n"
awk "BEGIN { for (i = 0; i < 1200; i++) printf \"a\"; print \"\" }"
awk "BEGIN { for (i = 0; i < 200; i++) printf \"\033\"; print \"\" }"
printf "no newline at the end"'
daemon -i "$VB" -f "udp port 9999" -t 30 -c "$T/hook"
send > /dev/null; wait_ev start 1 2 || bail "start"
wait_log "start command done" 30 || note "no start command done"
line() { grep -qxF -- "tuninetd: start hook: $1" "$T/log"; }
check "ESC, BEL, NUL, DEL escaped as \\xHH, a backslash and a tab kept, the rest of the line after NUL kept" \
    line "esc:\\x1b[31mred\\x1b[0m bel:\\x07 nul:\\x00 after back\\slash tab:$(printf '\t')x del:\\x7f end"
check "CR LF ends a line" line "crlf-line"
check "a lone CR escaped" line "lone\\x0dcr"
a512=$(printf '%0512d' 0 | tr 0 a)
check "a line of 1200 characters logged as 512, 512 and 176" bash -c "
    grep -xF 'tuninetd: start hook: $a512' '$T/log' | wc -l | grep -qx 2 &&
    grep -qxF 'tuninetd: start hook: ${a512:0:176}' '$T/log'"
e128=$(for i in $(seq 128); do printf '\\x1b'; done)
check "200 escaped ESC (800 characters) logged as 128 and 72, no escape cut" bash -c "
    grep -qxF 'tuninetd: start hook: $e128' '$T/log' &&
    grep -qxF 'tuninetd: start hook: ${e128:0:288}' '$T/log'"
check "a last line without newline logged at end of file" line "no newline at the end"
stop_daemon

# 5. children that hold the pipe for ever: at most 16 pipes open at once,
# the running hook's included; past that the oldest is closed
mkhook '[ "$1" = start ] || exit 0
sleep 600 & echo $! >> "'"$T"'/sleepers"'
daemon -i "$VB" -f "udp port 9999" -t 30 -c "$T/hook"
readers() { ls -l "/proc/$DPID/fd" | grep -c '^lr.*pipe:'; }
for i in $(seq 18); do
	send > /dev/null; wait_ev start "$i" 2 || bail "start $i"
	kill -HUP "$DPID"; wait_ev stop "$i" 2 || bail "stop $i"
done
sleep 0.2
check "past 16 open pipes the oldest is closed, logged" \
    logged "start hook: output of 16 earlier runs still open, held by children they left: the oldest closed"
n=$(readers)
check "$n pipes kept for the children of 18 start hooks (15)" [ "$n" = 15 ]
kill $(cat "$T/sleepers") 2>/dev/null
sleep 0.3
n=$(readers)
check "every pipe closed once those children are gone ($n left)" [ "$n" = 0 ]
stop_daemon
