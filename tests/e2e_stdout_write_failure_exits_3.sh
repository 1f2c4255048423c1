#!/usr/bin/env bash
# End-to-end: output that cannot fail silently. Every command that prints
# what it read (each read command of cli/main.c's table, text and --json,
# and help) exits 3 with the one line "kifu: write failure on standard
# output: No space left on device" on stderr when stdout is /dev/full, and
# exits 0 with its output and nothing on stderr when stdout is a file. A
# write command whose printing fails is exit 3 too, its entry recorded.
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
SRC=$(realpath "$SRC")
. "$(dirname "$0")/common.sh"
if ! [ -c /dev/full ] || echo x 2>/dev/null >/dev/full; then
  echo "no /dev/full that fails writes: skipped"
  exit 77
fi
export KIFU_DB=L.db KIFU_KEY=admin.key
FULL='kifu: write failure on standard output: No space left on device'

# A ledger with something in every registry, a grant application, a
# checkpoint and a receipt.
kifu init --fund テスト基金 --admin admin --key-out admin.key --origin example.org/kifu \
  --rules "$SRC/tests/data/rules-grants.ini" >/dev/null
# Gifts are dated to 2026-05-03 and a business date may not be after today:
# the clock moves on from the init's 2026-05-01.
export KIFU_NOW=2026-05-10T09:00:00+09:00
kifu key add rev1 --role reviewer --key-out rev1.key >/dev/null
kifu group add G1 --name グループ1 --type volunteer --founded 2020-04-01 --members 12 >/dev/null
kifu group add G9 --name グループ9 --type volunteer --founded 2020-04-01 --members 12 >/dev/null
kifu member add M1 --name 会員一 --tier regular --joined 2024-04-01 >/dev/null
kifu partner add P1 --name 協賛社 --per-click 7 --monthly-cap 20000 >/dev/null
kifu partner clicks P1 --month 2026-06 --clicks 100 >/dev/null
kifu box add B1 --location 区役所 --host 市民課 >/dev/null
s=$(kifu donate --amount 500000 --date 2026-05-01 --donor 山田花子 --address 札幌市 --ref R1 |
  sed -n 's/^seq \([0-9]*\):.*/\1/p')
kifu donate --amount 3000 --date 2026-05-02 --source member:M1 >/dev/null
app=$(kifu grant apply "$SRC/tests/data/apps/A1.ini" --date 2026-04-25 |
  sed -n 's/^seq [0-9]*: \(A-[0-9]*-[0-9]*\) recorded$/\1/p')
kifu --key rev1.key grant review "$app" --score 4 >/dev/null
kifu checkpoint --out cp.txt 2>/dev/null
kifu identity set --issuer-name 市長 --issuer-title 札幌市長 --address 札幌市中央区 --phone 011-211-2111 \
  --fund-name テスト基金 --tax-note 控除の証明です --url https://example.org/verify.html >/dev/null
c=$(kifu receipt "$s" --out r.txt | sed -n 's/^seq \([0-9]*\):.*/\1/p')
VA=$(kifu key list --json | sed -n 's/.*"name":"admin",[^}]*"vkey":"\([^"]*\)".*/\1/p')
[[ -n "$s" && "$app" == A-2026-* && "$VA" == admin+* && -s cp.txt && -s r.txt ]] && ok ||
  bad "setup: seq '$s', app '$app', vkey '$VA'"

# full CMD...: with stdout on /dev/full, exit 3 and the one line on stderr.
full() {
  local code=0
  "$@" >/dev/full 2>full.err || code=$?
  if [ "$code" = 3 ] && [ "$(cat full.err)" = "$FULL" ]; then
    ok
  else
    bad "$* >/dev/full -> exit $code, want 3; stderr '$(cat full.err)', want '$FULL'"
  fi
}
# fine CMD...: with stdout on a file, exit 0, some output and no error.
fine() {
  local code=0
  "$@" >fine.out 2>fine.err || code=$?
  if [ "$code" = 0 ] && [ -s fine.out ] && [ ! -s fine.err ]; then
    ok
  else
    bad "$* -> exit $code, want 0; stdout $(wc -c <fine.out) bytes; stderr '$(cat fine.err)'"
  fi
}
both() {
  fine "$@"
  full "$@"
}

# The read commands, in the order of cli/main.c's table, text and JSON.
READS=(
  "key list"
  "log"
  "log --since 3"
  "verify"
  "verify --trust cp.txt"
  "checkpoint"
  "receipt --copy $c"
  "receipt list"
  "identity show"
  "verify-receipt r.txt --origin-key $VA"
  "prove $s"
  "prove --from 2"
  "prove $s --size $((s + 1))"
  "rules show"
  "group list"
  "member list"
  "member list --fy 2026"
  "partner list"
  "partner show P1"
  "box list"
  "balance"
  "balance --fy 2026"
  "grant allocate --menu collab --round R1"
  "grant list"
  "grant list --fy 2026"
  "grant show $app"
)
for json in "" --json; do
  for c in "${READS[@]}"; do
    # shellcheck disable=SC2086 # the words of the command
    both kifu $json $c
  done
done
# Help is output too.
for c in "help" "--help" "help grant" "help grant show" "grant --help" "grant show --help"; do
  # shellcheck disable=SC2086
  both kifu $c
done
# The rules when none were loaded: the defaults as JSON after a line.
kifu init --db D.db --fund F --admin a --key-out d.key >/dev/null
both kifu --db D.db rules show
both kifu --db D.db --json rules show

# A write: its entry is recorded, then its printing fails: exit 3.
n=$(kifu log | wc -l)
full kifu donate --amount 1000 --date 2026-05-03
full kifu --json donate --amount 1000 --date 2026-05-03
[ "$(kifu log | wc -l)" = $((n + 2)) ] && ok || bad "the donations printed to /dev/full were not recorded"

# A failed command keeps its own exit code and message (no second line).
code=0
kifu grant show A-2026-9999 >/dev/full 2>full.err || code=$?
[ "$code" = 1 ] && [ "$(wc -l <full.err)" = 1 ] && ! grep -q "standard output" full.err && ok ||
  bad "grant show of an unknown application >/dev/full -> exit $code: $(cat full.err)"
# A reader that went away (EPIPE, SIGPIPE ignored) is not kifu's failure.
code=$(trap '' PIPE; set -o pipefail; kifu log 2>pipe.err | true; echo $?)
[ "$code" = 0 ] && [ ! -s pipe.err ] && ok || bad "kifu log | true -> exit $code: $(cat pipe.err)"

finish
