# A hook that someone else can change would run their code as root: a hook
# writable by group or others, one in such a directory (unless sticky, as
# /tmp), one owned by another user, or reached through such a place by a
# symlink, is refused at start-up, exit 1, naming the path; so is a file
# that is neither ELF nor a #! script. Sound hooks are accepted: a 0755
# script under /tmp, one in a sticky world-writable directory, an ELF
# binary, a symlink to a sound hook.
. "$(dirname "$0")/lib.sh"
bed_up

refused() { refused_by "$TUNINETD" "$1" -i "$VB" -t 5 -c "$2"; }
# accepted PATH: still running 1.5 s after its start
accepted() {
	timeout 1.5 ip netns exec "$NS_B" "$TUNINETD" -i "$VB" -t 5 -c "$1" \
	    > "$T/out" 2>&1
	[ $? = 124 ] || { note "$1: $(head -c 200 "$T/out")"; return 1; }
}
script() { printf '#!/bin/sh\nexit 0\n' > "$1"; chmod "${2:-0755}" "$1"; }

script "$T/ww-hook" 0777
refused "-c: \`$T/ww-hook' is writable by group or others (mode 0777)" "$T/ww-hook"
script "$T/gw-hook" 0775
refused "-c: \`$T/gw-hook' is writable by group or others (mode 0775)" "$T/gw-hook"

mkdir -m 0777 "$T/ww"; script "$T/ww/hook"
refused "-c: \`$T/ww/hook': \`$T/ww' is writable by group or others (mode 0777)" "$T/ww/hook"
mkdir -m 0775 "$T/gw"; mkdir -m 0755 "$T/gw/sub"; script "$T/gw/sub/hook"
refused "-c: \`$T/gw/sub/hook': \`$T/gw' is writable by group or others (mode 0775)" "$T/gw/sub/hook"

script "$T/theirs"; chown 65534 "$T/theirs"
refused "-c: \`$T/theirs' belongs to uid 65534, not to root" "$T/theirs"
mkdir -m 0755 "$T/their-dir"; script "$T/their-dir/hook"; chown 65534 "$T/their-dir"
refused "-c: \`$T/their-dir/hook': \`$T/their-dir' belongs to uid 65534, not to root" "$T/their-dir/hook"

# through symlinks: where they lead, and where they are
ln -s "$T/ww/hook" "$T/to-ww"
refused "-c: \`$T/to-ww': \`$T/ww' is writable by group or others" "$T/to-ww"
script "$T/good"; ln -s "$T/good" "$T/ww/to-good"
refused "-c: \`$T/ww/to-good': \`$T/ww' is writable by group or others" "$T/ww/to-good"

printf 'echo no interpreter line\n' > "$T/bare"; chmod 0755 "$T/bare"
refused "-c: \`$T/bare': not an executable format: no #! line?" "$T/bare"
: > "$T/empty"; chmod 0755 "$T/empty"
refused "-c: \`$T/empty': not an executable format: no #! line?" "$T/empty"

# a script whose #! interpreter is not there, or is no executable file:
# execve would refuse it at every event
printf '#!/nonexistent/sh\nexit 0\n' > "$T/no-interp"; chmod 0755 "$T/no-interp"
refused "-c: \`$T/no-interp': its interpreter \`/nonexistent/sh': No such file or directory" "$T/no-interp"
printf 'x\n' > "$T/not-exec"; chmod 0644 "$T/not-exec"
printf '#! %s -x\nexit 0\n' "$T/not-exec" > "$T/bad-interp"; chmod 0755 "$T/bad-interp"
refused "-c: \`$T/bad-interp': its interpreter \`$T/not-exec' is not an executable file" "$T/bad-interp"
printf '#!\nexit 0\n' > "$T/empty-interp"; chmod 0755 "$T/empty-interp"
refused "-c: \`$T/empty-interp': its #! line names no interpreter" "$T/empty-interp"
printf '[watch a]\nnflog-group = 7\ncommand = %s\n' "$T/no-interp" > "$T/i.conf"
refused_by "$TUNINETD" "i.conf:3: command: \`$T/no-interp': its interpreter \`/nonexistent/sh'" --check-config -C "$T/i.conf"
printf '#!  /bin/sh -e\nexit 0\n' > "$T/blank-interp"; chmod 0755 "$T/blank-interp"
check "accepted: blanks before the interpreter, an argument after it" accepted "$T/blank-interp"

check "accepted: a 0755 script in a 0700 directory under /tmp" accepted "$T/good"
mkdir -m 1777 "$T/sticky"; script "$T/sticky/hook"
check "accepted: a 0755 script in a sticky world-writable directory" accepted "$T/sticky/hook"
cp /bin/true "$T/elf"; chmod 0755 "$T/elf"
check "accepted: an ELF binary" accepted "$T/elf"
ln -s "$T/good" "$T/to-good"
check "accepted: a symlink to a sound hook" accepted "$T/to-good"
