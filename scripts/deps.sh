#!/usr/bin/env bash
# Installs what kifu needs to build and test, from Debian's packages only,
# when it is missing. Safe to run again: it installs nothing that is there.
#
# Two steps. First the packages named below. Then the libraries the link
# actually needs, derived from the libraries' own pkg-config files: every
# -lNAME that `pkg-config --libs` gives for the modules CMakeLists.txt uses
# must have its development symlink libNAME.so; when one is missing (zlib's,
# for libxlsxwriter's `-lz`, on a minimal Debian), the package that owns the
# runtime library libNAME.so.* is found with dpkg and its -dev package is
# installed.
set -euo pipefail
# sqlite3 (the shell), Go, python3 and chromium are for tests only: tamper
# tests, the Go interop test, reading the workbooks' cells (python3-openpyxl),
# and the public site's pages run in a real browser
# (tests/e2e_site_in_chromium.sh). The certificate PDF needs cairo, pango,
# libqrencode and the IPAex fonts; poppler-utils (pdftotext, pdftoppm) and
# zbar-tools (zbarimg) are its tests' readers. libreoffice-calc prints the
# workbooks to PDF in the tests, to count their pages.
pkgs=(build-essential cmake pkg-config libsqlite3-dev libsodium-dev libxlsxwriter-dev check
      libinih-dev libcsv-dev libssl-dev zlib1g-dev sqlite3 golang-go golang-golang-x-mod-dev
      python3 python3-openpyxl chromium libcairo2-dev libpango1.0-dev libqrencode-dev
      fonts-ipaexfont poppler-utils zbar-tools libreoffice-calc)
# the pkg-config modules of CMakeLists.txt (libcsv has no .pc file: libcsv-dev above)
modules=(sqlite3 libsodium inih libcrypto xlsxwriter check cairo pangocairo libqrencode zlib)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
fi
updated=no
install() {
  if [ -n "$sudo" ] && ! command -v sudo >/dev/null; then
    echo "kifu: need root (or sudo) to install $*" >&2
    exit 3
  fi
  echo "kifu: installing $*" >&2
  export DEBIAN_FRONTEND=noninteractive
  if [ $updated = no ]; then
    $sudo apt-get update -qq
    updated=yes
  fi
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for p in "${pkgs[@]}"; do
  installed "$p" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] || install "${missing[@]}"

# The -dev package of the package that owns a runtime library libNAME.so.N:
# zlib1g -> zlib1g-dev, libsubunit0 -> libsubunit-dev.
dev_package_of() {
  local lib=$1 owner cand
  owner=$(dpkg -S "/usr/lib/*/lib$lib.so.*" "/lib/*/lib$lib.so.*" 2>/dev/null | head -1 | cut -d: -f1) || true
  [ -n "$owner" ] || return 1
  for cand in "$owner-dev" "$(sed -E 's/[0-9.]+(t64)?$//' <<<"$owner")-dev"; do
    if apt-cache show "$cand" >/dev/null 2>&1; then
      echo "$cand"
      return 0
    fi
  done
  return 1
}

lib_found() { [ -e "$(gcc -print-file-name="lib$1.so")" ] || [ -e "$(gcc -print-file-name="lib$1.a")" ]; }

need=()
for m in "${modules[@]}"; do
  for flag in $(pkg-config --libs "$m"); do
    case $flag in -l*) lib=${flag#-l} ;; *) continue ;; esac
    lib_found "$lib" && continue
    if [ $updated = no ]; then
      $sudo apt-get update -qq
      updated=yes
    fi
    if dev=$(dev_package_of "$lib"); then
      need+=("$dev")
    else
      echo "kifu: $m links with -l$lib, and no Debian package providing lib$lib.so was found" >&2
      exit 3
    fi
  done
done
if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  install "${need[@]}"
fi
exit 0
