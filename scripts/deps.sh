#!/usr/bin/env bash
# Installs what kifu needs to build and test, from Debian's packages only,
# when it is missing. Safe to run again: it installs nothing that is there.
set -euo pipefail
# sqlite3 (the shell), Go and python3 are for tests only: tamper tests, the Go
# interop test, and reading the workbooks' XML cell by cell.
pkgs=(build-essential cmake pkg-config libsqlite3-dev libsodium-dev libxlsxwriter-dev check
      libinih-dev libcsv-dev libssl-dev sqlite3 golang-go golang-golang-x-mod-dev python3)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "kifu: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "kifu: need root (or sudo) to install ${missing[*]}" >&2; exit 3; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
