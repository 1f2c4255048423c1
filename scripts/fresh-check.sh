#!/usr/bin/env bash
# Runs a command on a bare Debian 12, as the README promises it works there:
# makes (once, cached) a `debootstrap --variant=minbase bookworm` chroot, copies
# this checkout (committed files only, as a fresh clone has them) and the
# ../shared folder beside it into the chroot, and runs the command as root in
# the copy. Default command: the README's two commands (the demo, then the
# whole test suite). On demand, not in CI: it takes many minutes.
#
#   scripts/fresh-check.sh                 # demo + test suite
#   scripts/fresh-check.sh 'bash .ci/run'  # any command, run in the checkout
#
# Env: FRESH_ROOT (default /var/tmp/kifu-fresh) holds the cached base system;
# FRESH_MIRROR (default: the first URI of the host's apt sources) the mirror;
# FRESH_KEEP=1 keeps the used chroot. Needs root and debootstrap (installed
# if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
cmd=${1:-'bash scripts/demo.sh && bash scripts/test.sh'}
root=${FRESH_ROOT:-/var/tmp/kifu-fresh}
[ "$(id -u)" -eq 0 ] || { echo "fresh-check: run as root" >&2; exit 3; }
command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
mirror=${FRESH_MIRROR:-$(grep -hoE '^URIs: *http[^ ]*' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | awk '{print $2}')}
mirror=${mirror:-http://deb.debian.org/debian}

base=$root/base
if [ ! -e "$base/.done" ]; then
  rm -rf "$base"
  mkdir -p "$base"
  echo "fresh-check: debootstrap --variant=minbase bookworm ($mirror)" >&2
  debootstrap --variant=minbase bookworm "$base" "$mirror" >"$root/debootstrap.log" 2>&1 ||
    { tail -20 "$root/debootstrap.log" >&2; exit 3; }
  touch "$base/.done"
fi

run=$root/run.$$
rm -rf "$run"
cp -a "$base" "$run"
cleanup() {
  for m in dev/pts dev proc sys; do umount -l "$run/$m" 2>/dev/null || true; done
  [ "${FRESH_KEEP:-0}" = 1 ] || rm -rf "$run"
}
trap cleanup EXIT
mkdir -p "$run/work"
# the committed tree, as a fresh clone would have it
git -C "$src" archive --format=tar --prefix=kifu/ HEAD | tar -x -C "$run/work"
[ -d "$src/../shared" ] && cp -a "$src/../shared" "$run/work/shared"
cp /etc/resolv.conf "$run/etc/resolv.conf"
mount -t proc proc "$run/proc"
mount -t sysfs sys "$run/sys"
mount --bind /dev "$run/dev"
mount --bind /dev/pts "$run/dev/pts"
echo "fresh-check: in a bare bookworm: $cmd" >&2
chroot "$run" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 CI=true bash -c "cd /work/kifu && $cmd"
echo "fresh-check: ok" >&2
