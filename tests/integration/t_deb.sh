# The Debian package: make deb (dpkg-buildpackage) builds it from a clean
# copy of the tree, and leaves that tree as it was (git status shows
# nothing new, ignored or not); lintian reports no error or warning; it
# holds the binaries, man pages, the unit, the examples, tuninetctl and
# the bash completion; installed, tuninetd@NAME's ExecStart (run as
# systemd would: its environment file, NOTIFY_SOCKET) reports READY=1,
# fires the hook and answers tuninetctl on its own socket, and its helper
# run by hand, reading the file itself, fires the hook too; the installed
# completion offers tuninetctl's commands; removed and purged, nothing is
# left. When a tuninetd package is already installed it is not touched:
# the install part is skipped and says so.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
bed_up; mkhook
for t in dpkg-buildpackage lintian dh; do
	command -v $t > /dev/null || bail "$t is installed (make deps)"
done
mkdir -p "$T/b/src"
if git -C "$SRC" rev-parse --git-dir > /dev/null 2>&1; then
	# the committed tree plus what is not committed yet
	(cd "$SRC" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$T/b/src") || bail "copy"
else
	cp -a "$SRC/." "$T/b/src" && rm -rf "$T/b/src/build" "$T/b/src/bin"
fi
# the copy as a git tree of its own, to see what the build leaves in it
tracked=
if git -C "$SRC" rev-parse --git-dir > /dev/null 2>&1; then
	(cd "$T/b/src" && git init -q && git add -A &&
	    git -c user.name=test -c user.email=test@localhost commit -qm tree) && tracked=1
fi
(cd "$T/b/src" && timeout 300 make deb > "$T/build.log" 2>&1)
rc=$?
check "make deb (dpkg-buildpackage -us -uc -b) succeeds" [ $rc = 0 ]
[ $rc = 0 ] || { tail -n 8 "$T/build.log" | sed 's/^/# /'; exit 1; }
if [ -n "$tracked" ]; then
	left=$(cd "$T/b/src" && git status --porcelain --ignored | tr '\n' ' ')
	check "make deb leaves the tree as it was (git status --porcelain --ignored: ${left:-nothing})" [ -z "$left" ]
else
	note "not a git checkout: the check that make deb leaves no file in the tree is skipped"
fi
deb=$(ls "$T"/b/tuninetd_*.deb | head -1)
note "built $(basename "$deb")"
c=$(dpkg-deb -c "$deb")
for f in ./usr/sbin/tuninetd ./usr/sbin/tuntapd ./usr/sbin/tuninetd-demo \
    ./usr/sbin/tuninetctl ./usr/share/man/man8/tuninetctl.8.gz \
    ./usr/share/bash-completion/completions/tuninetd \
    ./usr/share/man/man8/tuninetd.8.gz ./usr/share/man/man8/tuntapd.8.gz \
    ./lib/systemd/system/tuninetd@.service ./lib/systemd/system/tuninetd.service \
    ./usr/share/man/man5/tuninetd.conf.5.gz ./usr/share/doc/tuninetd/examples/tuninetd.conf \
    ./usr/libexec/tuninetd/tuninetd-instance \
    ./usr/share/doc/tuninetd/examples/ssh-tunnel.sh ./usr/share/doc/tuninetd/examples/nflog.nft; do
	check "package holds $f" grep -q " $f\$" <<< "$c"
done
check "run-time dependencies on libpcap, libmnl, libnetfilter-log" \
    bash -c "dpkg-deb -f '$deb' Depends | grep -q libpcap && dpkg-deb -f '$deb' Depends | grep -q libmnl && dpkg-deb -f '$deb' Depends | grep -q libnetfilter-log"
lintian "$deb" > "$T/lintian" 2>&1
check "lintian: no error or warning" bash -c "! grep -E '^(E|W):' '$T/lintian'"
grep -E '^(E|W):' "$T/lintian" | head -5 | sed 's/^/# /'

if dpkg-query -W -f '${Status}' tuninetd 2> /dev/null | grep -q 'ok installed'; then
	note "a tuninetd package is installed already: install, unit and purge checks skipped"
	exit 0
fi
dpkg -i "$deb" > "$T/dpkg.log" 2>&1
check "dpkg -i installs it" [ $? = 0 ]
check "installed tuninetd runs (-v)" quiet /usr/sbin/tuninetd -v
check "installed tuninetctl runs (-v)" quiet /usr/sbin/tuninetctl -v
check "installed man page of tuninetctl reads" bash -c "man -P cat tuninetctl 2>/dev/null | grep -q 'tuninetctl status' || mandoc /usr/share/man/man8/tuninetctl.8.gz | grep -q 'tuninetctl status'"
check "the installed completion offers tuninetctl's commands" bash -c '. /usr/share/bash-completion/completions/tuninetctl; COMP_WORDS=(tuninetctl re); COMP_CWORD=1; _tuninetctl; [ "${COMPREPLY[*]}" = "release reload" ]'
check "installed man page reads" bash -c "man -P cat tuninetd 2>/dev/null | grep -q SIGUSR1 || mandoc /usr/share/man/man8/tuninetd.8.gz | grep -q SIGUSR1"
if command -v systemd-analyze > /dev/null; then
	check "systemd-analyze verify accepts the unit" bash -c "systemd-analyze verify /lib/systemd/system/tuninetd@.service 2>&1 | grep -v 'Unit is bound to inactive\|network-online\|nftables' | grep -q . && exit 1 || exit 0"
fi

# tuninetd@tndtest as systemd runs it: ExecStart from the unit, %i = the name
name=tnd$ID
cat > /etc/default/tuninetd-$name <<CONF
INTERFACE=$VB
FILTER="udp port 9999"
HOOK=$T/hook
TTL=1
OPTIONS="--hook-timeout 10"
CONF
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/tuninetd@.service | sed "s/%i/$name/g")
"$TOOLS/notifylisten" "$T/notify" 8 > "$T/msgs" & EXTRA_PIDS=$!
sleep 0.3
set -a; . /etc/default/tuninetd-$name; set +a
ip netns exec "$NS_B" env NOTIFY_SOCKET="$T/notify" $exec_start > "$T/log" 2>&1 & DPID=$!
unset INTERFACE FILTER HOOK TTL OPTIONS
sleep 0.8
check "tuninetd@$name: READY=1 on NOTIFY_SOCKET" grep -q "READY=1" "$T/msgs"
check "tuninetd@$name: the main process is tuninetd itself" grep -q "MAINPID=$DPID" "$T/msgs"
send > /dev/null; wait_ev stop 1 4
check "tuninetd@$name: a packet runs the hook, start then stop" [ "$(nev start)/$(nev stop)" = 1/1 ]
kill -USR1 "$DPID"; sleep 0.3
check "tuninetd@$name: the quoted filter reached tuninetd whole" logged '-- pcap filter: "udp port 9999"'
check "tuninetd@$name: answers tuninetctl on /run/tuninetd/$name.control" \
    bash -c "/usr/sbin/tuninetctl -s /run/tuninetd/$name.control status | grep -q '^default  idle'"
kill "$DPID"; wait "$DPID"; DPID=
check "tuninetd@$name: its socket is gone once it has exited" [ ! -e /run/tuninetd/$name.control ]

# the same helper run by hand, with nothing read for it: it reads the file
mkhook
ip netns exec "$NS_B" /usr/libexec/tuninetd/tuninetd-instance "$name" > "$T/log" 2>&1 & DPID=$!
sleep 0.8
send > /dev/null; wait_ev stop 1 4
check "tuninetd-instance $name by hand: a packet runs the hook, start then stop" [ "$(nev start)/$(nev stop)" = 1/1 ]
kill -USR1 "$DPID"; sleep 0.3
check "tuninetd-instance $name by hand: the quoted filter reached tuninetd whole" logged '-- pcap filter: "udp port 9999"'
kill "$DPID"; wait "$DPID"; DPID=
rm -rf /etc/default/tuninetd-$name /run/tuninetd/$name /run/tuninetd/$name.control

dpkg --purge tuninetd > "$T/dpkg.log" 2>&1
check "dpkg --purge removes it" [ $? = 0 ]
left=$(dpkg-deb -c "$deb" | awk '{print substr($6, 2)}' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
check "nothing of the package left behind${left:+: $left}" [ -z "$left" ]
