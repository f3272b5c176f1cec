# The command line: -h and -v exit 0; every bad input is refused before
# anything starts, with a message naming the bad value, a non-zero exit
# status within 3 s, and no process left behind, also with -d.
. "$(dirname "$0")/lib.sh"
bed_up; mkhook
H=$T/hook
printf '#!/bin/sh\n' > "$T/noexec"; chmod 644 "$T/noexec"

out=$("$TUNINETD" -h); rc=$?
check "-h exits 0" [ $rc = 0 ]
for o in -a -c -d -f -i -n -t -w -h -v --hook-timeout --pid-file SIGHUP SIGUSR1; do
	check "-h mentions $o" grep -q -- "$o" <<< "$out"
done
# what came before -h or -v is let go (a sanitizer build counts a leak)
"$TUNINETD" -C "$T/x.conf" -r x.pcap --ttl-sweep 5 -h > /dev/null 2> "$T/h.log"; rc=$?
check "-h after other options exits 0, nothing leaked" [ "$rc/$(cat "$T/h.log")" = "0/" ]
"$TUNINETD" -C "$T/x.conf" --control /x --state-dir /y -v > /dev/null 2> "$T/v.log"; rc=$?
check "-v after other options exits 0, nothing leaked" [ "$rc/$(cat "$T/v.log")" = "0/" ]
out=$("$TUNINETD" -v); rc=$?
check "-v exits 0 and names the version ($out)" bash -c "[ $rc = 0 ] && grep -q '^tuninetd [0-9]' <<< '$out'"

refused() { refused_by "$TUNINETD" "$@"; }
refused "no sensor"
refused "no command" -i "$VB"
refused "/nonexistent" -i "$VB" -c /nonexistent
refused "$T' is a directory" -i "$VB" -c "$T"
refused "noexec' is not executable" -i "$VB" -c "$T/noexec"
refused "\`abc'" -i "$VB" -c "$H" -t abc
refused "\`0'" -i "$VB" -c "$H" -t 0
refused "\`-5'" -i "$VB" -c "$H" -t -5
refused "\`99999999999999999999'" -i "$VB" -c "$H" -t 99999999999999999999
refused "\`x'" -n x -c "$H"
refused "\`70000'" -n 70000 -c "$H"
refused "\`nosuchif': no such interface" -i nosuchif -c "$H"
refused "\`udp port'" -i "$VB" -f "udp port" -c "$H"
refused "-f \`udp' needs -i" -n 7 -f udp -c "$H"
refused "\`-Z'" -i "$VB" -c "$H" -Z
refused "\`--bogus'" -i "$VB" -c "$H" --bogus
refused "\`-1'" -i "$VB" -c "$H" --hook-timeout -1
# an interface name the kernel cannot hold (IFNAMSIZ 16, with its NUL):
# too long, not missing, and refused even with --wait-interface (it could
# never appear); a long option given an argument, by its name; no -w path
refused "\`abcdefghijklmnop' is too long for an interface name (at most 15 characters)" -i abcdefghijklmnop -c "$H"
refused "is too long for an interface name" --wait-interface -i abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrs -c "$H"
refused "\`--help=foo': --help takes no value" --help=foo
refused "-w: empty savefile name" -i "$VB" -c "$H" -w ''

ip netns exec "$NS_B" tcpdump -i nflog:7 -w /dev/null > /dev/null 2>&1 & tp=$!
EXTRA_PIDS=$tp; sleep 1
refused "NFLOG group 7 is already bound by another process" -n 7 -c "$H"
kill $tp; wait $tp 2>/dev/null; EXTRA_PIDS=

# without the capability each sensor needs (root, minus one capability)
PRIV="setpriv --bounding-set=-net_raw --" refused "CAP_NET_RAW" -i "$VB" -c "$H"
PRIV="setpriv --bounding-set=-net_admin --" refused "CAP_NET_ADMIN" -n 7 -c "$H"

# with -d: refused in the foreground, and nothing left running
refused "\`nosuchif'" -d -i nosuchif -c "$H"
refused "\`abc'" -d -n 7 -c "$H" -t abc
refused "\`udp port'" -d -i "$VB" -n 7 -f "udp port" -c "$H"
sleep 0.3
left=$(ns_pids "$NS_B" | tr '\n' ' ')
check "no process left in B after refused starts${left:+ (left: $left)}" [ -z "$left" ]
# a refused start has released what it opened: the group binds at once
timeout 2 ip netns exec "$NS_B" tcpdump -i nflog:7 -c 1 -w /dev/null > /dev/null 2>&1 & tp=$!
sleep 0.5; send > /dev/null
wait $tp; check "NFLOG group 7 free after a start refused for its filter" [ $? = 0 ]
