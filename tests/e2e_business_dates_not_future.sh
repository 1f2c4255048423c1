#!/usr/bin/env bash
# End-to-end (issue 13, item 7): a business date after today — the date of
# the clock (KIFU_NOW) in the fund's time zone, +09:00 — is refused by every
# writer with exit 2 and a clear message, and nothing is recorded; today
# itself is taken. Here today is 2026-06-30 and 2026-07-01 is the future.
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/common.sh"
APPS=$SRC/tests/data/apps
export KIFU_DB=L.db KIFU_KEY=admin.key

kifu init --fund テスト基金 --admin admin --key-out admin.key --rules "$SRC/tests/data/rules-grants.ini" >/dev/null || bad "init"
export KIFU_NOW=2026-06-30T09:00:00+09:00
FUTURE="is after today \(2026-06-30, the fund's time zone \+09:00\): a business date cannot be in the future"
kifu key add kaikei --role treasurer --key-out t.key >/dev/null || bad "key add"
kifu group add G5 --name グループ5 --type volunteer --founded 2020-04-01 --members 12 >/dev/null || bad "group add G5"
kifu group add G2 --name グループ2 --type volunteer --founded 2020-04-01 --members 12 >/dev/null || bad "group add G2"
kifu partner add P1 --name 協賛社 --per-click 5 --monthly-cap 30000 >/dev/null || bad "partner add"
kifu partner clicks P1 --month 2026-05 --clicks 1000 >/dev/null || bad "partner clicks"
kifu box add B1 --location 区役所 --host 市民課 >/dev/null || bad "box add"
T1="--key t.key"
seq_of() { sed -n 's/^seq \([0-9]*\):.*/\1/p'; }
kifu $T1 donate --amount 600000 --to field:welfare --date 2026-05-01 >/dev/null || bad "donate"
kifu $T1 donate --amount 5000 --to group:G2 --date 2026-05-01 >/dev/null || bad "donate G2"

# refused CMD...: exit 2 naming the future date, and the ledger unchanged
# (its entries by kifu log, and every byte of its entries and commits).
refused() {
  local what=$1 n before
  shift
  n=$(kifu log | wc -l)
  before=$(fingerprint L.db)
  expect 2 "$what 2026-07-01 $FUTURE" -- "$@"
  [ "$(kifu log | wc -l)" = "$n" ] && [ "$(fingerprint L.db)" = "$before" ] && ok ||
    bad "a refused future date was recorded: $*"
}

# money in
refused "date" kifu $T1 donate --amount 1000 --date 2026-07-01
expect 0 "donation of 1000 yen recorded" -- kifu $T1 donate --amount 1000 --date 2026-06-30
refused "date" kifu $T1 partner pay P1 --amount 100 --date 2026-07-01
expect 0 "payment of 100" -- kifu $T1 partner pay P1 --amount 100 --date 2026-06-30
printf 'date,amount,ref\n2026-06-30,100,CSV-1\n2026-07-01,200,CSV-2\n' >rows.csv
refused "rows.csv:3: date" kifu $T1 import donations rows.csv
printf 'date,amount,ref\n2026-06-30,100,CSV-1\n' >today.csv
expect 0 "1 donation recorded" -- kifu $T1 import donations today.csv
refused "date" kifu $T1 box collect B1 --date 2026-07-01 --count-a 300 --count-b 300 --counters "A,B"
expect 0 "" -- kifu $T1 box collect B1 --date 2026-06-30 --count-a 300 --count-b 300 --counters "A,B"
gift=$(kifu $T1 donate --amount 700 --date 2026-06-01 | seq_of)
refused "date" kifu $T1 void "$gift" --reason 二重計上 --date 2026-07-01
expect 0 "voided seq $gift" -- kifu $T1 void "$gift" --reason 二重計上 --date 2026-06-30
refused "date" kifu $T1 interest --amount 12 --date 2026-07-01
expect 0 "interest of 12 yen recorded" -- kifu $T1 interest --amount 12 --date 2026-06-30

# the registry
refused "--date" kifu group deregister G2 --reason 解散 --date 2026-07-01
expect 0 "5000 yen moved" -- kifu group deregister G2 --reason 解散 --date 2026-06-30

# money out: an application's date is a business date, its start (2026-06-01
# here, 2026-09-01 below) a planned one that may lie ahead
refused "the application's date" kifu grant apply "$APPS/F1.ini" --date 2026-07-01
APP=$(kifu grant apply "$APPS/F1.ini" --date 2026-06-30 | sed -n 's/^seq [0-9]*: \(A-[0-9]*-[0-9]*\) recorded$/\1/p')
[ "$APP" = A-2026-0001 ] && ok || bad "grant apply dated today: '$APP'"
sed 's/^start = .*/start = 2026-09-01/; s/^round = .*/round = R2/' "$APPS/F1.ini" >later.ini
expect 0 "A-2026-0002 recorded" -- kifu grant apply later.ini --date 2026-06-30
refused "--date" kifu grant decide "$APP" --approve 480000 --date 2026-07-01
refused "--date" kifu grant decide "$APP" --reject --reason 予算 --date 2026-07-01
expect 0 "approved" -- kifu grant decide "$APP" --approve 480000 --date 2026-06-30
refused "--date" kifu $T1 grant pay "$APP" --amount 1000 --date 2026-07-01
expect 0 "payment recorded" -- kifu $T1 grant pay "$APP" --amount 1000 --date 2026-06-30
refused "--date" kifu grant settle "$APP" --spent 0 --date 2026-07-01
expect 0 "refund_due 1000" -- kifu grant settle "$APP" --spent 0 --date 2026-06-30
refused "--date" kifu $T1 grant refund "$APP" --amount 100 --date 2026-07-01
expect 0 "refund recorded" -- kifu $T1 grant refund "$APP" --amount 100 --date 2026-06-30

# Without --date a writer takes today.
expect 0 "" -- kifu $T1 donate --amount 50 --ref TODAY-1
expect 0 '"ref":"TODAY-1"' -- kifu log --json
[[ "$(kifu log --json)" == *'"date":"2026-06-30","fy":2026,"ref":"TODAY-1"'* ]] && ok || bad "default date is not today"

# Today is the date in Japan: 15:00 UTC is already the next day there.
KIFU_NOW=2026-06-30T14:59:59Z expect 2 "date 2026-07-01 is after today \(2026-06-30," -- kifu $T1 donate --amount 1 --date 2026-07-01
KIFU_NOW=2026-06-30T15:00:00Z expect 0 "donation of 1 yen recorded" -- kifu $T1 donate --amount 1 --date 2026-07-01
KIFU_NOW=2026-06-30T15:00:00Z expect 0 "" -- kifu $T1 donate --amount 2 --ref UTC-1
[[ "$(kifu log --json)" == *'"date":"2026-07-01","fy":2026,"ref":"UTC-1"'* ]] && ok || bad "today at 15:00 UTC is not the next day"
KIFU_NOW=2026-07-01T00:30:00+09:00 expect 2 "date 2026-07-02 is after today \(2026-07-01," -- kifu $T1 donate --amount 1 --date 2026-07-02

expect 0 "^ok: " -- kifu verify
finish
