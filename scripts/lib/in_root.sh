# Sourced by scripts/wireshark-version-test.sh and scripts/package-test.sh, which set $root (a root made
# by scripts/wireshark-root.sh).
#
# in_root COMMAND...: runs COMMAND in $root, in a mount namespace of its own with /proc mounted (bash's
# <(...) needs /dev/fd, a link into /proc); the mount ends with the namespace. A clean environment, with
# apt and debconf told not to ask.
in_root() {
  unshare --mount --propagation private -- bash -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' \
    "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}
