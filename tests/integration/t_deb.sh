# The Debian package: make deb (dpkg-buildpackage) builds it from a copy
# of the tree, and leaves that tree as it was (every file, built ones in
# bin/ and build/ and an editor backup too, and git status, ignored files
# included); lintian reports no error or warning; it holds the binaries,
# man pages, the unit, the examples, tuninetctl, the bash completion and
# an empty /etc/tuninetd (no conffile); `make install DESTDIR=' installs
# the examples where the units point, and /etc/tuninetd; installed, the
# package's examples are where its units point, /etc/tuninetd is its
# own; tuninetd@NAME's ExecStart (run as
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
# what a working tree holds besides its sources: a build (bin/, build/,
# which the package's clean removes) and an editor backup (dh_clean's)
mkdir -p "$T/b/src/bin" "$T/b/src/build/obj"
echo "a build of the tree's own" | tee "$T/b/src/bin/tuninetd" > "$T/b/src/build/obj/log.o"
echo "an editor backup" > "$T/b/src/README.md~"
# tree_state: every file of the copy with its checksum, and git status
tree_state() {
	(cd "$T/b/src" && find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 md5sum &&
	    if [ -n "$tracked" ]; then git status --porcelain --ignored; fi)
}
tree_state > "$T/tree.before"
(cd "$T/b/src" && timeout 300 make deb > "$T/build.log" 2>&1)
rc=$?
check "make deb (dpkg-buildpackage -us -uc -b) succeeds" [ $rc = 0 ]
[ $rc = 0 ] || { tail -n 8 "$T/build.log" | sed 's/^/# /'; exit 1; }
tree_state > "$T/tree.after"
left=$(diff "$T/tree.before" "$T/tree.after" | grep '^[<>]' | head -5 | tr '\n' ' ')
check "make deb leaves the tree as it was, bin/, build/ and README.md~ too (${left:-no file, no git status line changed})" \
    [ -z "$left" ]
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
check "package holds /etc/tuninetd, and nothing in it (no conffile)" \
    bash -c "grep -q ' ./etc/tuninetd/\$' <<< '$c' && ! grep -q ' ./etc/tuninetd/.' <<< '$c'"

# examples_named ROOT FILE...: the examples FILEs name (ROOT/usr/share/doc,
# ROOT/usr/local/share/doc...), each missing one as "missing PATH"
examples_named() {
	local root=$1 e; shift
	for e in $(grep -oh '/[a-z/]*/share/doc/tuninetd/examples/[A-Za-z0-9._-]*' "$@" | sort -u); do
		[ -f "$root$e" ] && echo "$e" || echo "missing $e"
	done
}
# examples_installed DIR: every file of examples/ is in DIR, the same,
# the hooks executable; prints what is not
examples_installed() {
	local f
	for f in "$SRC"/examples/*; do
		cmp -s "$f" "$1/${f##*/}" || echo "${f##*/} "
		case $f in *.sh) [ -x "$1/${f##*/}" ] || echo "${f##*/}: not executable " ;; esac
	done
}

# make install DESTDIR= (the default PREFIX, /usr/local), of the binaries
# of this pass (-o all: nothing is built)
I=$T/inst
make -C "$T/b/src" -o all install DESTDIR="$I" BIN="$(dirname "$TUNINETD")" > "$T/install.log" 2>&1
check "make install DESTDIR=... succeeds" [ $? = 0 ]
bad=$(examples_installed "$I/usr/local/share/doc/tuninetd/examples")
check "make install: the examples in \$(DOCDIR)/examples, hooks executable${bad:+: not so: $bad}" [ -z "$bad" ]
named=$(examples_named "$I" "$I"/usr/local/lib/systemd/system/tuninetd*.service "$I/usr/local/libexec/tuninetd/tuninetd-instance")
check "make install: the examples the units and tuninetd-instance name are there ($(paste -sd ' ' <<< "$named"))" \
    bash -c "[ -n '$named' ] && ! grep -q missing <<< '$named'"
check "make install: /etc/tuninetd made, empty" \
    bash -c "[ -d '$I/etc/tuninetd' ] && [ -z \"\$(ls -A '$I/etc/tuninetd')\" ]"
check "run-time dependencies on libpcap, libmnl, libnetfilter-log" \
    bash -c "dpkg-deb -f '$deb' Depends | grep -q libpcap && dpkg-deb -f '$deb' Depends | grep -q libmnl && dpkg-deb -f '$deb' Depends | grep -q libnetfilter-log"
lintian "$deb" > "$T/lintian" 2>&1
check "lintian: no error or warning" bash -c "! grep -E '^(E|W):' '$T/lintian'"
grep -E '^(E|W):' "$T/lintian" | head -5 | sed 's/^/# /'

if dpkg-query -W -f '${Status}' tuninetd 2> /dev/null | grep -q 'ok installed'; then
	note "a tuninetd package is installed already: install, unit and purge checks skipped"
	exit 0
fi
etc_before=; [ -e /etc/tuninetd ] && etc_before=1
user_before=; getent passwd tuninetd > /dev/null && user_before=1
# a system user stays after a purge (Debian's way); this test's goes, even
# when it fails, so that the machine's daemons keep the user they had
[ -n "$user_before" ] ||
    trap 'userdel tuninetd 2> /dev/null; groupdel tuninetd 2> /dev/null; cleanup' EXIT
dpkg -i "$deb" > "$T/dpkg.log" 2>&1
check "dpkg -i installs it" [ $? = 0 ]
check "installed: the worker's user tuninetd exists, no login ($(getent passwd tuninetd))" \
    bash -c "getent passwd tuninetd | grep -q ':/nonexistent:/usr/sbin/nologin$'"
check "installed: /etc/tuninetd is there, the package's" \
    bash -c "[ -d /etc/tuninetd ] && dpkg -L tuninetd | grep -qx /etc/tuninetd"
named=$(examples_named "" /lib/systemd/system/tuninetd*.service /usr/libexec/tuninetd/tuninetd-instance)
check "installed: the examples the units and tuninetd-instance name are there ($(paste -sd ' ' <<< "$named"))" \
    bash -c "[ -n '$named' ] && ! grep -q missing <<< '$named'"
bad=$(examples_installed /usr/share/doc/tuninetd/examples)
check "installed: every example, the same, hooks executable${bad:+: not so: $bad}" [ -z "$bad" ]
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
if [ -z "$etc_before" ]; then
	check "purged: /etc/tuninetd gone" [ ! -e /etc/tuninetd ]
else
	note "/etc/tuninetd was there before the package: not checked after the purge"
fi
