# Shared helpers for kifu's end-to-end shell tests (sourced, not run).
# Env: KIFU_BIN (the kifu binary; default build/kifu), KIFU_KDF_COST=min.
set -u
KIFU_BIN=${KIFU_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/kifu}
KIFU_BIN=$(realpath "$KIFU_BIN")
export KIFU_KDF_COST=${KIFU_KDF_COST:-min}
export KIFU_PASSPHRASE=${KIFU_PASSPHRASE:-test-pass}
export KIFU_NOW=${KIFU_NOW:-2026-05-01T09:00:00+09:00}
unset KIFU_DB KIFU_KEY KIFU_TEST_SEED KIFU_NEW_PASSPHRASE
# A new key's passphrase is never taken from KIFU_PASSPHRASE by itself (kifu
# key add): the tests give every key the same one, explicitly.
export KIFU_NEW_PASSPHRASE=$KIFU_PASSPHRASE
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

# only_error CODE LINE -- cmd...: exits CODE with nothing on stdout and
# exactly LINE on stderr (kifu's message alone, say none of a library's).
only_error() {
  local want=$1 line=$2 code=0
  shift 3
  "$@" >oe.out 2>oe.err || code=$?
  if [ "$code" = "$want" ] && [ ! -s oe.out ] && [ "$(wc -l <oe.err)" = 1 ] && [ "$(cat oe.err)" = "$line" ]; then
    ok
  else
    bad "$* -> exit $code, want $want; stdout '$(cat oe.out)'; stderr '$(cat oe.err)', want '$line'"
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

# xlsx_recalc FILE...: opens each workbook in LibreOffice (soffice, when
# installed), recalculates it, and prints every formula whose value differs
# from the value kifu cached in the file, then "mismatches N". LibreOffice
# keeps the cached values of an .xlsx by default; a profile of its own (in
# $T) makes it recalculate every formula on load.
xlsx_recalc() {
  mkdir -p "$T/lo-profile/user"
  cat >"$T/lo-profile/user/registrymodifications.xcu" <<'XCU'
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
XCU
  LO_PROFILE="file://$T/lo-profile" python3 - "$@" <<'EOF'
import csv, os, re, subprocess, sys, zipfile

def col(c):
    n = 0
    for ch in c:
        n = n * 26 + ord(ch) - 64
    return n - 1

bad = 0
for path in sys.argv[1:]:
    base = os.path.splitext(os.path.basename(path))[0]
    subprocess.run(["soffice", "-env:UserInstallation=" + os.environ["LO_PROFILE"],
                    "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    path], capture_output=True, timeout=300)
    z = zipfile.ZipFile(path)
    names = re.findall(r'<sheet name="([^"]+)"', z.read("xl/workbook.xml").decode())
    for i, name in enumerate(names, 1):
        f = base + "-" + name + ".csv"
        if not os.path.exists(f):
            print("%s: LibreOffice wrote no %s" % (path, f))
            bad += 1
            continue
        rows = list(csv.reader(open(f, encoding="utf-8")))
        x = z.read("xl/worksheets/sheet%d.xml" % i).decode()
        for m in re.finditer(r'<c r="([A-Z]+)([0-9]+)"[^>]*><f>([^<]*)</f><v>([^<]*)</v>', x):
            c, r, formula, v = m.groups()
            try:
                got = rows[int(r) - 1][col(c)]
            except IndexError:
                got = "(none)"
            if got != v:
                print("%s %s!%s%s =%s: kifu %s, LibreOffice %s" % (path, name, c, r, formula, v, got))
                bad += 1
print("mismatches", bad)
EOF
}
