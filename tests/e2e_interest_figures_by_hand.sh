#!/usr/bin/env bash
# End-to-end: kifu interest — interest earned on the fund's deposits
# (fund.interest, docs/ENTRIES.md "Money in"): the pool figures worked out by
# hand before and after, the pool the rules name ([fund] interest_to), its
# usage, help and exit codes, refusals that write nothing, kifu log, verify,
# reindex, and a tampered pool or fy caught by verify naming the seq.
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/common.sh"
export KIFU_DB=L.db KIFU_KEY=admin.key

kifu init --fund テスト基金 --admin admin --key-out admin.key --rules "$SRC/tests/data/rules-money.ini" >/dev/null
# The money below is dated to 2027-04-10 and a business date may not be
# after today: the clock moves on from the init's 2026-05-01.
export KIFU_NOW=2027-04-30T09:00:00+09:00
kifu key add kaikei --role treasurer --key-out t.key >/dev/null
kifu key add shinsa --role reviewer --key-out r.key >/dev/null
T1="--key t.key"
kifu $T1 donate --amount 10000 --date 2026-05-01 >/dev/null                  # general 10000
kifu $T1 donate --amount 5000 --to field:welfare --date 2026-06-01 >/dev/null # welfare 5000

# Before: general in 10000, welfare in 5000 (all in FY 2026).
bal() { kifu balance ${2:+--fy $2} --json | grep -o "\"pool\":\"$1\"[^}]*"; }
[ "$(bal general)" = '"pool":"general","in":10000,"out":0,"balance":10000,"committed":0,"available":10000' ] && ok || bad "general before: $(bal general)"

# Interest to general (the default interest_to): 123 on 2026-09-30 and 456 on
# 2027-03-31 are FY 2026, 78 on 2027-04-01 is FY 2027.
expect 0 "^seq 7: interest of 123 yen recorded to general \(FY 2026\)$" -- kifu $T1 interest --amount 123 --date 2026-09-30 --ref INT-2026-09 --note 普通預金利息
expect 0 '^\{"seq":8,"amount":456,"pool":"general","fy":2026,"date":"2027-03-31"\}$' -- kifu $T1 --json interest --amount 456 --date 2027-03-31
expect 0 "^seq 9: interest of 78 yen recorded to general \(FY 2027\)$" -- kifu interest --amount 78 --date 2027-04-01 # the admin may too
# whole ledger: general in 10000 + 123 + 456 + 78 = 10657
[ "$(bal general)" = '"pool":"general","in":10657,"out":0,"balance":10657,"committed":0,"available":10657' ] && ok || bad "general after: $(bal general)"
# FY 2026: in 10000 + 123 + 456 = 10579; FY 2027: opening 10579, in 78
[ "$(bal general 2026)" = '"pool":"general","opening":0,"in":10579,"out":0,"balance":10579,"committed":0,"available":10579' ] && ok || bad "general FY 2026: $(bal general 2026)"
[ "$(bal general 2027)" = '"pool":"general","opening":10579,"in":78,"out":0,"balance":10657,"committed":0,"available":10657' ] && ok || bad "general FY 2027: $(bal general 2027)"
# the welfare pool is untouched
[ "$(bal field:welfare)" = '"pool":"field:welfare","in":5000,"out":0,"balance":5000,"committed":0,"available":5000' ] && ok || bad "welfare: $(bal field:welfare)"

# The rules decide the pool: interest_to = field:welfare from the next rules version on.
sed 's/^deregister_to = general$/deregister_to = general\ninterest_to = field:welfare/' "$SRC/tests/data/rules-money.ini" >rules-welfare.ini
grep -q '^interest_to = field:welfare$' rules-welfare.ini && ok || bad "rules-welfare.ini lacks interest_to"
expect 0 "" -- kifu rules load rules-welfare.ini
expect 0 '"interest_to":"field:welfare"' -- kifu --json rules show
expect 0 "^seq 11: interest of 1000 yen recorded to field:welfare \(FY 2027\)$" -- kifu $T1 interest --amount 1000 --date 2027-04-10
# welfare FY 2027: opening 5000, in 1000; general FY 2027 still in 78
[ "$(bal field:welfare 2027)" = '"pool":"field:welfare","opening":5000,"in":1000,"out":0,"balance":6000,"committed":0,"available":6000' ] && ok || bad "welfare FY 2027: $(bal field:welfare 2027)"
[ "$(bal general 2027)" = '"pool":"general","opening":10579,"in":78,"out":0,"balance":10657,"committed":0,"available":10657' ] && ok || bad "general FY 2027 after: $(bal general 2027)"
expect 0 '"total":\{"in":16657,"out":0,"balance":16657,"committed":0,"available":16657\}' -- kifu balance --json

# kifu log shows the entries readably, as signed
expect 0 "fund\.interest +amount=123 date=2026-09-30 fy=2026 note=普通預金利息 pool=general ref=INT-2026-09$" -- kifu log --since 7
expect 0 '"kind":"fund.interest".*"fields":\{"amount":1000,"date":"2027-04-10","fy":2027,"pool":"field:welfare"\}' -- kifu log --since 11 --json

# Usage and help
expect 0 "^usage: kifu interest --amount YEN \[--date D\] \[--ref EXTREF\] \[--note TEXT\]" -- kifu interest --help
expect 0 "interest_to, default general" -- kifu interest --help
expect 0 "kifu interest +record interest earned on the fund's deposits" -- kifu help

# Refusals (exit 1) and bad values (exit 2) write nothing
before=$(fingerprint L.db)
expect 1 "role reviewer, which may not write fund.interest" -- kifu --key r.key interest --amount 1 --date 2027-04-01
expect 1 "ref 'INT-2026-09' is already recorded \(seq 7\)" -- kifu $T1 interest --amount 1 --ref INT-2026-09
expect 1 "ref 'INT-2026-09' is already recorded" -- kifu $T1 donate --amount 1 --ref INT-2026-09
expect 2 "--amount is missing" -- kifu $T1 interest --date 2027-04-01
expect 2 "--amount '0' must be a whole number of yen from 1 to 1,000,000,000,000" -- kifu $T1 interest --amount 0
expect 2 "--amount '-5' must be" -- kifu $T1 interest --amount -5
expect 2 "--amount '1000000000001' must be" -- kifu $T1 interest --amount 1000000000001
expect 2 "--amount '12a' must be" -- kifu $T1 interest --amount 12a
expect 2 "--date '2027-02-30' is not a real date" -- kifu $T1 interest --amount 1 --date 2027-02-30
expect 2 "date 2027-05-01 is after today \(2027-04-30, the fund's time zone \+09:00\): a business date cannot be in the future" -- kifu $T1 interest --amount 1 --date 2027-05-01
expect 2 "date 2025-03-31 is outside the business dates this ledger takes" -- kifu $T1 interest --amount 1 --date 2025-03-31
expect 2 "--note must be one line" -- kifu $T1 interest --amount 1 --note "$(printf 'a\nb')"
expect 2 "unknown option '--to'" -- kifu $T1 interest --amount 1 --to general
expect 2 "--amount given twice" -- kifu $T1 interest --amount 1 --amount 2
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "a refused or bad kifu interest changed the ledger"

expect 0 "^ok: " -- kifu verify
b1=$(kifu balance --json)
expect 0 "rebuilt" -- kifu reindex
[ "$(kifu balance --json)" = "$b1" ] && ok || bad "reindex changed the balance"

# Tampering with a signed interest entry's pool or fy is caught, naming its seq.
for t in "pool=general/pool=theme:smart" "fy#2026/fy#2027"; do
  cp L.db X.db
  from=${t%/*} to=${t#*/}
  sqlite3 X.db "DROP TRIGGER entries_no_update; UPDATE entries SET body=CAST(replace(CAST(body AS TEXT), '$from', '$to') AS BLOB) WHERE seq=7; SELECT changes();" >/dev/null
  sqlite3 X.db "SELECT CAST(body AS TEXT) FROM entries WHERE seq=7" | grep -q "^$to$" && ok || bad "tampering $t did not take"
  expect 1 "seq 7" -- kifu --db X.db verify
done
finish
