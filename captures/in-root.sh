# Sourced by regenerate-udp.sh and regenerate-trixie.sh, which set $root (a Debian 13 root),
# $source_dir (the checkout) and $work (a temporary directory).
#
# in_root COMMAND: runs the shell COMMAND in $root, in a mount namespace of its own: the source tree
# read-only at /mnt, the work directory at /tmp, /proc mounted; a clean environment.
in_root() {
  unshare --mount --propagation private -- bash -c '
    mount --bind -o ro "$1" "$0/mnt" && mount --bind "$2" "$0/tmp" && mount -t proc proc "$0/proc" &&
    chroot "$0" env -i PATH=/usr/bin:/bin HOME=/tmp TMPDIR=/tmp bash -c "$3"' "$root" "$source_dir" "$work" "$1"
}
