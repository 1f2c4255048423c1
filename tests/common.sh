# Shared helpers for kifu's end-to-end shell tests (sourced, not run).
# Env: KIFU_BIN (the kifu binary; default build/kifu), KIFU_KDF_COST=min.
set -u
KIFU_BIN=${KIFU_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/kifu}
KIFU_BIN=$(realpath "$KIFU_BIN")
export KIFU_KDF_COST=${KIFU_KDF_COST:-min}
export KIFU_PASSPHRASE=${KIFU_PASSPHRASE:-test-pass}
export KIFU_NOW=${KIFU_NOW:-2026-05-01T09:00:00+09:00}
unset KIFU_DB KIFU_KEY KIFU_TEST_SEED KIFU_NEW_PASSPHRASE
T=$(mktemp -d /tmp/kifu-e2e.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
kifu() { "$KIFU_BIN" "$@"; }

# expect CODE REGEX -- cmd...: runs cmd, checks exit code and that stderr+stdout match REGEX.
expect() {
  local want=$1 re=$2
  shift 3
  local out code
  out=$("$@" 2>&1) && code=0 || code=$?
  if [ "$code" != "$want" ]; then
    bad "$* -> exit $code, want $want: $out"
  elif [ -n "$re" ] && ! grep -qE -- "$re" <<<"$out"; then
    bad "$* -> output does not match /$re/: $out"
  else
    ok
  fi
}

# fingerprint DB: a digest of everything in the ledger, to show nothing changed.
fingerprint() {
  sqlite3 "$1" "SELECT hex(body) FROM entries ORDER BY seq; SELECT hex(body) FROM commits ORDER BY id;" | sha256sum
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
