#!/usr/bin/env bash
# End-to-end: no command writes over the ledger in use (or its -wal/-shm),
# the key file in use (--key/KIFU_KEY, by any name: a symlink too), or an
# existing file unless --force; --force never allows the first two. The
# temporary files a killed export left (OUT.tmpPID...) are removed by the
# next write to OUT. And smaller points of the CLI: the confirmation of a
# written file on stdout, an amount too large said so, the names of CP932,
# the CP932 hint once per file, "1 payment".
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
SRC=$(realpath "$SRC")
. "$(dirname "$0")/common.sh"
FIX=$SRC/fixtures
export KIFU_DB=L.db KIFU_KEY=admin.key

kifu init --fund テスト基金 --admin admin --key-out admin.key --rules "$FIX/rules.ini" >/dev/null
# Money is dated to 2026-07-01 below and a business date may not be after
# today: the clock moves on from the init's 2026-05-01.
export KIFU_NOW=2026-07-31T09:00:00+09:00
kifu key add t1 --role treasurer --key-out t.key >/dev/null
kifu key add a1 --role auditor --key-out aud.key >/dev/null
kifu group add G5 --name 子ども食堂 --type volunteer --founded 2020-04-01 --members 12 >/dev/null
kifu member add M1 --name 山田花子 --tier regular --joined 2024-04-01 >/dev/null
kifu partner add P1 --name 協賛社 --per-click 7 --monthly-cap 20000 --to field:welfare >/dev/null
seq_of() { sed -n 's/^seq \([0-9]*\):.*/\1/p'; }
s=$(kifu --key t.key donate --amount 3000 --source member:M1 --date 2026-05-10 --method cash | seq_of)
kifu --key t.key partner clicks P1 --month 2026-06 --clicks 2000 >/dev/null
kifu --key t.key partner pay P1 --amount 14000 --date 2026-07-01 >/dev/null
kifu identity set --issuer-name 市長 --issuer-title 札幌市長 --address 札幌市中央区 --phone 011-211-2111 \
  --fund-name テスト基金 --tax-note 控除の証明です --url https://example.org/verify.html >/dev/null
c=$(kifu --key t.key receipt "$s" --date 2026-05-20 --out first-cert.txt | seq_of)
[ -n "$s" ] && [ -n "$c" ] && ok || bad "setup: seq '$s', certificate '$c'"
kifu checkpoint --out cp.txt >/dev/null
sha() { sha256sum "$1" | cut -d' ' -f1; }
db_fp=$(fingerprint L.db)
key_sha=$(sha admin.key)
ln -s admin.key other-name.key
ln -s L.db other-name.db

# Every writer of a file, with its target last (the --out is appended).
writers=(
  "export audit --fy 2026"
  "export group G5 --fy 2026"
  "export partner P1 --fy 2026"
  "export member M1 --fy 2026"
  "checkpoint"
  "receipt --copy $c"
  "cosign cp.txt"
)
n=0
for w in "${writers[@]}"; do
  n=$((n + 1))
  # cosign signs with the auditor's key: that is the key in use.
  k=admin.key
  [[ $w == cosign* ]] && k=aud.key
  # shellcheck disable=SC2086
  run() { kifu --key "$k" $w "$@"; }
  for f in "" --force; do
    only_error 1 "kifu: L.db is the ledger in use (--db L.db); choose another --out" -- run --out L.db $f
    only_error 1 "kifu: other-name.db is the ledger in use (--db L.db); choose another --out" -- run --out other-name.db $f
    only_error 1 "kifu: L.db-wal is a file of the ledger in use (--db L.db); choose another --out" -- run --out L.db-wal $f
    only_error 1 "kifu: ./L.db-shm is a file of the ledger in use (--db L.db); choose another --out" -- run --out ./L.db-shm $f
    only_error 1 "kifu: $k is the key file in use (--key $k); choose another --out" -- run --out "$k" $f
    ln -sf "$k" k-link
    only_error 1 "kifu: k-link is the key file in use (--key $k); choose another --out" -- run --out k-link $f
  done
  [ "$(fingerprint L.db)" = "$db_fp" ] && ok || bad "$w: the ledger changed"
  [ "$(sha admin.key)" = "$key_sha" ] && ok || bad "$w: admin.key changed"
  # An existing file: refused and unchanged without --force, replaced with it.
  echo "someone else's file" >"existing$n.txt"
  before=$(sha "existing$n.txt")
  only_error 1 "kifu: existing$n.txt exists; give --force to replace it" -- run --out "existing$n.txt"
  [ "$(sha "existing$n.txt")" = "$before" ] && ok || bad "$w --out existing$n.txt changed it"
  expect 0 "written to existing$n.txt" -- run --out "existing$n.txt" --force
  [ "$(sha "existing$n.txt")" != "$before" ] && ok || bad "$w --out existing$n.txt --force did not replace it"
  # A new file is written; writing it again needs --force.
  expect 0 "written to new$n.out" -- run --out "new$n.out"
  expect 1 "new$n.out exists; give --force" -- run --out "new$n.out"
  # --force is in the command's help.
  words=$(awk '{ for (i = 1; i <= NF && $i ~ /^[a-z]+$/; i++) printf "%s ", $i }' <<<"$w")
  # shellcheck disable=SC2086
  kifu $words --help | grep -q -- '--force' && ok || bad "kifu $words--help does not say --force"
  db_fp=$(fingerprint L.db) # a cosignature is recorded in the ledger
done
[ "$(sha admin.key)" = "$key_sha" ] && ok || bad "admin.key changed"
kifu verify >/dev/null && ok || bad "kifu verify after the refused writes"

# The ledger given by another name, and by KIFU_DB through a symlink.
only_error 1 "kifu: L.db is the ledger in use (--db other-name.db); choose another --out" -- \
  kifu --db other-name.db checkpoint --out L.db --force
# With KIFU_KEY through a symlink, the key file it names is the key in use.
only_error 1 "kifu: admin.key is the key file in use (--key other-name.key); choose another --out" -- \
  env KIFU_KEY=other-name.key "$KIFU_BIN" checkpoint --out admin.key --force

# cosign with no --out cosigns FILE in place, as before (no --force needed).
kifu checkpoint --out cp2.txt >/dev/null
expect 0 "cosigned by a1, written to cp2.txt" -- kifu --key aud.key cosign cp2.txt
grep -q '^— a1 ' cp2.txt && ok || bad "cp2.txt not cosigned: $(cat cp2.txt)"
kifu checkpoint --out cp5.txt >/dev/null
expect 0 "cosigned by a1, written to cp5.txt" -- kifu --key aud.key cosign cp5.txt --out cp5.txt

# The confirmation of a written file is on stdout, nothing on stderr.
kifu checkpoint --out cp3.txt >c.out 2>c.err
[ "$(cat c.out)" = "checkpoint written to cp3.txt" ] && [ ! -s c.err ] && ok ||
  bad "checkpoint confirmation: stdout '$(cat c.out)' stderr '$(cat c.err)'"
# With no --out the checkpoint is the only thing on stdout.
kifu checkpoint >c.out 2>c.err
[ "$(head -1 c.out)" = "$(head -1 cp3.txt)" ] && ! grep -q written c.out && [ ! -s c.err ] && ok ||
  bad "checkpoint to stdout: '$(cat c.out)' '$(cat c.err)'"

# --- temporary files -------------------------------------------------------
# The files of a run killed by kill -9 (a process that is gone), by hand:
# removed by the next export to the same file; those of a live process and
# other names are left.
sleep 0 &
dead=$!
wait "$dead"
touch "a.xlsx.tmp$dead.xlsx" "a.xlsx.tmp$dead-3.xlsx" "a.xlsx.tmp$dead" "a.xlsx.tmp$$.xlsx" a.xlsx.tmpnotes
expect 0 "written to a.xlsx" -- kifu export audit --fy 2026 --out a.xlsx
[ ! -e "a.xlsx.tmp$dead.xlsx" ] && [ ! -e "a.xlsx.tmp$dead-3.xlsx" ] && [ ! -e "a.xlsx.tmp$dead" ] && ok ||
  bad "stale temporary files left: $(ls a.xlsx.tmp*)"
[ -e "a.xlsx.tmp$$.xlsx" ] && [ -e a.xlsx.tmpnotes ] && ok || bad "a live process's temporary file removed"
rm -f "a.xlsx.tmp$$.xlsx" a.xlsx.tmpnotes
touch "cp4.txt.tmp$dead"
expect 0 "checkpoint written to cp4.txt" -- kifu checkpoint --out cp4.txt
[ ! -e "cp4.txt.tmp$dead" ] && ok || bad "stale checkpoint temporary file left"
# A real kill -9 of exports, the moment their temporary workbook appears:
# it is left behind, and the next export to the same file removes it.
caught=0
for i in 1 2 3 4 5; do
  "$KIFU_BIN" export audit --fy 2026 --out k.xlsx --force >/dev/null 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null && [ ! -e "k.xlsx.tmp$pid.xlsx" ]; do :; done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ -e "k.xlsx.tmp$pid.xlsx" ] && caught=$((caught + 1)) && last=$pid
done
[ "$caught" -ge 1 ] && [ "$(ls -A | grep -c '^k\.xlsx\.tmp')" -le 1 ] && ok ||
  bad "kill -9: caught $caught mid-export; left: $(ls -A | grep tmp)"
expect 0 "written to k.xlsx" -- kifu export audit --fy 2026 --out k.xlsx --force
[ ! -e "k.xlsx.tmp${last:-0}.xlsx" ] && [ -z "$(ls -A | grep -E '\.tmp[0-9]')" ] && ok ||
  bad "temporary files left: $(ls -A | grep tmp)"
# SIGTERM or SIGHUP mid-export: the run removes its temporary workbook and
# writes no s.xlsx. (SIGINT too, but a background job of a script ignores it.)
for sig in TERM HUP; do
  "$KIFU_BIN" export audit --fy 2026 --out s.xlsx >/dev/null 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null && [ ! -e "s.xlsx.tmp$pid.xlsx" ]; do :; done
  kill -"$sig" "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ ! -e "s.xlsx.tmp$pid.xlsx" ] && [ ! -e s.xlsx ] && ok || bad "SIG$sig: left $(ls s.xlsx*)"
  rm -f s.xlsx
done

# --- smaller points --------------------------------------------------------
only_error 2 "kifu: amount 99999999999999999999 is above the limit of 1,000,000,000,000 yen" -- \
  kifu --key t.key donate --amount 99999999999999999999 --date 2026-05-02
only_error 2 "kifu: --amount 99999999999999999999 must be between 1 and 1,000,000,000,000 yen" -- \
  kifu --key t.key partner pay P1 --amount 99999999999999999999 --date 2026-07-02
expect 2 "amount '12x' is not a whole number of yen" -- kifu --key t.key donate --amount 12x --date 2026-05-02
{
  echo "ref,date,amount,fee,method,source,to,donor,address"
  for i in 1 2 3 4 5; do echo "R$i,2026-06-0$i,100$i,,cash,,,山田花子,札幌市中央区"; done
} >u8.csv
iconv -f UTF-8 -t CP932 u8.csv >sj.csv
# Every common name of CP932, and of UTF-8, in any case.
for e in cp932 CP932 ms932 MS932 windows-31j Windows-31J sjis SJIS shift_jis Shift_JIS shift-jis SHIFT-JIS; do
  expect 0 "dry run: seq [0-9]+\.\.[0-9]+: 5 donations would be recorded" -- \
    kifu --key t.key import donations sj.csv --encoding "$e" --dry-run
done
for e in utf8 UTF8 utf-8 UTF-8; do
  expect 0 "dry run: seq [0-9]+\.\.[0-9]+: 5 donations would be recorded" -- \
    kifu --key t.key import donations u8.csv --encoding "$e" --dry-run
done
expect 2 "must be utf-8 or cp932" -- kifu --key t.key import donations u8.csv --encoding euc-jp
# A CP932 file read as UTF-8: the hint once, on the first bad line.
kifu --key t.key import donations sj.csv >i.out 2>i.err && bad "CP932 as UTF-8 imported" || ok
[ "$(grep -c 'use --encoding cp932' i.err)" = 1 ] && grep -q '^sj.csv:2: .*use --encoding cp932' i.err && [ "$(grep -c '^sj.csv:' i.err)" = 5 ] &&
  ok || bad "the CP932 hint: $(cat i.err)"
# Singulars: one payment, one donation.
expect 0 "partner P1 FY 2026: pledged 14000, 1 payment of 14000 yen" -- kifu export partner P1 --fy 2026 --out p1.xlsx
expect 0 "member M1 FY 2026: 1 donation, 3000 yen" -- kifu export member M1 --fy 2026 --out m1.xlsx
kifu --db one.db init --fund f --admin a --key-out one.key >/dev/null
expect 0 "^ok: 1 entry, 1 commit, 0 Merkle nodes, 1 key verified" -- kifu --db one.db verify
expect 0 "^derived tables rebuilt from the entries \(1 entry\)$" -- kifu --db one.db --key one.key reindex
finish
