#!/usr/bin/env bash
# On demand (not in CI; minutes): what must keep holding under abuse.
#   1. kill -9 during imports: each import is all there or not at all;
#   2. concurrent writers: every acknowledged donation is in the ledger;
#   3. hostile input files (CSV, rules INI, applications, receipts,
#      checkpoints): each refused with a message naming the file (and line
#      where there is one), and the ledger unchanged.
# Usage: scripts/stress.sh [KILLS [DONATIONS_PER_WRITER]]   (default 200 500)
# Env: KIFU_BIN (default build/kifu, built by scripts/demo.sh).
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${KIFU_BIN:-$src/build/kifu}")
kills=${1:-200}
per=${2:-500}
export KIFU_KDF_COST=min KIFU_PASSPHRASE=stress-pass KIFU_NEW_PASSPHRASE=stress-pass
# after fixtures/setup.sh's dates (to 2026-05-12): a business date may not be after today
export KIFU_NOW=2026-05-31T09:00:00+09:00
unset KIFU_DB KIFU_KEY KIFU_TEST_SEED
T=$(mktemp -d /tmp/kifu-stress.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
k() { "$bin" --db L.db --key admin.key "$@"; }
fp() { sqlite3 "$1" "SELECT hex(body) FROM entries ORDER BY seq; SELECT hex(body) FROM commits ORDER BY id;" | sha256sum; }
"$bin" --db L.db init --fund F --admin admin --key-out admin.key --origin stress.example/kifu \
  --rules "$src/fixtures/rules.ini" >/dev/null || exit 3
KIFU_DB=L.db KIFU_KEY=admin.key bash "$src/fixtures/setup.sh" "$bin" || exit 3

# 1. kill -9 during imports
count() { sqlite3 L.db "SELECT count(*) FROM entries"; }
partial=0 whole=0 none=0
for r in $(seq 1 "$kills"); do
  awk -v r="$r" 'BEGIN { print "date,amount,ref"; for (i = 1; i <= 20000; i++) printf "2026-05-01,%d,K%d-%d\n", 1000 + i % 500, r, i }' >k.csv
  before=$(count)
  "$bin" --db L.db --key admin.key import donations k.csv >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  after=$(count)
  if [ "$after" = "$before" ]; then none=$((none + 1))
  elif [ "$after" = $((before + 20000)) ]; then whole=$((whole + 1))
  else partial=$((partial + 1)); echo "round $r: $((after - before)) entries left" >&2; fi
done
"$bin" --db L.db verify >/dev/null 2>v.err && v=ok || v="FAILED: $(cat v.err)"
echo "kill -9 during imports: $kills kills, $partial partial commits ($whole landed whole, $none not at all); verify $v"

# 2. concurrent writers
before=$(sqlite3 L.db "SELECT count(*) FROM entries WHERE kind='donation'")
for w in 1 2 3 4; do
  ( acked=0
    for i in $(seq 1 "$per"); do
      "$bin" --db L.db --key admin.key donate --amount 1000 --ref "W$w-$i" >/dev/null 2>&1 && acked=$((acked + 1))
    done
    echo $acked >acked.$w ) &
done
wait
acked=$(cat acked.* | paste -sd+ | bc)
after=$(sqlite3 L.db "SELECT count(*) FROM entries WHERE kind='donation'")
"$bin" --db L.db verify >/dev/null 2>v.err && v=ok || v="FAILED: $(cat v.err)"
echo "concurrent writers: 4 x $per donations, $acked acknowledged, $((after - before)) recorded, $((acked - (after - before))) lost; verify $v"

# 3. hostile files
F=$(fp L.db)
n=0 bad=0
hostile() { # hostile FILE WANT-REGEX -- command...
  local f=$1 re=$2 out code
  shift 3
  n=$((n + 1))
  out=$("$@" 2>&1) && code=0 || code=$?
  if [ $code = 0 ] || ! grep -qE -- "$re" <<<"$out" || [ "$(fp L.db)" != "$F" ]; then
    bad=$((bad + 1)); echo "hostile $f: exit $code: $out" >&2
  fi
}
csv() { printf '%b' "$2" >"$1"; hostile "$1" "${3:-$1:[0-9]+}" -- k import donations "$1"; }
csv c01.csv 'date,amount\n2026-05-01,abc\n'
csv c02.csv 'date,amount\n2026-13-01,1000\n'
csv c03.csv 'date,amount\n1900-01-01,1000\n'
csv c04.csv 'date,amount,to\n2026-05-01,1000,group:NOPE\n'
csv c05.csv 'date,amount\n2026-05-01,\xff\xfe\n'
csv c06.csv 'date,amount\n2026-05-01,10\x0000\n'
csv c07.csv 'date\n2026-05-01\n' 'c07.csv'
csv c08.csv 'date,amount\n2026-05-01,99999999999999999999\n'
csv c09.csv 'date,amount,ref\n2026-05-01,1,R\n2026-05-02,1,R\n'
csv c10.csv 'date,amount\n"2026-05-01,1000\n'
csv c11.csv 'date,amount,fee\n2026-05-01,1000,1000\n'
csv c12.csv 'date,amount,source\n2026-05-01,1000,member:NOPE\n'
csv c13.csv 'date,amount,method\n2026-05-01,1000,bitcoin\n'
csv c14.csv 'date,amount,amount\n2026-05-01,1,2\n' 'c14.csv'
csv c15.csv '' 'c15.csv'
csv c16.csv 'date,amount\n2026-05-01,-5\n'
csv c17.csv 'date,amount,to\n2026-05-01,5,theme:\n'
csv c18.csv 'date,amount,donor\n2026-05-01,5,a\x01b\n'
ini() { printf '%b' "$2" >"$1"; hostile "$1" "${3:-$1:[0-9]+}" -- k rules load "$1"; }
ini r01.ini '[fund]\nnope = 1\n'
ini r02.ini '[fund]\nname = a\nname = b\n'
ini r03.ini '[fund]\nfy_start = 02-30\n'
ini r04.ini '[menu x]\nrate = 11/10\n'
ini r05.ini '[menu x]\ncap = -1\n'
ini r06.ini '[tiers]\ngold = many\n'
ini r07.ini '[nosuch]\n'
ini r08.ini '\xff\xfe[fund]\n'
ini r09.ini '[menu x]\nsource = moon\n'
ini r10.ini '[fund]\ndesignated_share = 3/0\n'
app() { printf '%b' "$2" >"$1"; hostile "$1" "${3:-$1:[0-9]+}" -- k grant apply "$1"; }
app a01.ini '[application]\nmenu = nosuch\n'
app a02.ini '[application]\nmenu = field\nround = r\ngroup = G001\nstart = 2026-13-01\n'
app a03.ini '[budget]\nhonoraria = x\n'
app a04.ini '[application]\nbogus = 1\n'
app a05.ini '\x00\x01'
app a06.ini '[application]\nmenu = field\nmenu = field\n'
"$bin" --db L.db --key admin.key receipt 30 --out good.txt >/dev/null 2>&1 || k receipt "$(sqlite3 L.db "SELECT min(seq) FROM entries WHERE kind='donation'")" --out good.txt >/dev/null
vkey=$("$bin" --db L.db key list --vkey admin)
rcp() { hostile "$1" "$1|receipt|not" -- "$bin" verify-receipt "$1" --origin-key "$vkey"; }
sed 's/yen/円/' good.txt >x01.txt; rcp x01.txt
head -c 200 good.txt >x02.txt; rcp x02.txt
sed '$ s/.$/!/' good.txt >x03.txt; rcp x03.txt
printf '\x00\x01\x02' >x04.txt; rcp x04.txt
sed 's/amount#\([0-9]*\)/amount#9\1/' good.txt >x05.txt; rcp x05.txt
: >x06.txt; rcp x06.txt
k checkpoint --out cp.txt >/dev/null
cpt() { hostile "$1" "${2:-checkpoint}" -- "$bin" --db L.db verify --trust "$1"; }
sed '2s/.*/1/' cp.txt >p01.txt; cpt p01.txt
sed '3s/^./A/;3s/^AA/B/' cp.txt >p02.txt; cpt p02.txt
head -3 cp.txt >p03.txt; cpt p03.txt
sed '1s/.*/other.example\/x/' cp.txt >p04.txt; cpt p04.txt
printf 'garbage\n' >p05.txt; cpt p05.txt
sed '$ s/ [^ ]*$/ AAAA/' cp.txt >p06.txt; cpt p06.txt
[ "$(fp L.db)" = "$F" ] && same=unchanged || same=CHANGED
echo "hostile files: $n, $bad not refused with a message naming them (or the ledger changed); ledger $same"
[ $partial = 0 ] && [ "$acked" = $((after - before)) ] && [ $bad = 0 ] && [ "$same" = unchanged ]
