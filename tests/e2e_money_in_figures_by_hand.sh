#!/usr/bin/env bash
# End-to-end: a scripted year of money in, with every pool figure worked out
# by hand below; refusals (exit 1) and bad values (exit 2) that write nothing.
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/common.sh"
export KIFU_DB=L.db KIFU_KEY=admin.key

kifu init --fund テスト基金 --admin admin --key-out admin.key --rules "$SRC/tests/data/rules-money.ini" >/dev/null
kifu key add kaikei --role treasurer --key-out t.key >/dev/null
kifu group add G001 --name 子ども食堂 --type volunteer --founded 2020-04-01 --members 12 >/dev/null
kifu group add G002 --name 見守り隊 --type neighborhood --founded 2025-01-01 --members 30 --status provisional >/dev/null
kifu group add G003 --name 解散予定 --type other --founded 2010-01-01 --members 3 >/dev/null
kifu member add M1 --name 会員一 --tier regular --joined 2024-04-01 >/dev/null
kifu member add M2 --name 会員二 --tier gold --joined 2025-04-01 >/dev/null
kifu partner add P1 --name 協賛社 --per-click 7 --monthly-cap 20000 --to field:welfare >/dev/null
kifu box add B1 --location 区役所 --host 市民課 --to group:G002 >/dev/null
# The money below is dated up to 2027-04-20 and a business date may not be
# after today: the clock moves to 2027-05-01 (the ledger began on 2026-05-01).
export KIFU_NOW=2027-05-01T09:00:00+09:00

T1="--key t.key"   # the treasurer records money
d() { kifu $T1 donate "$@" | sed -n 's/^seq \([0-9]*\):.*/\1/p'; }
s1=$(d --amount 10000 --date 2026-04-10)                                   # general 10000
s2=$(d --amount 12345 --fee 345 --to group:G001 --date 2026-05-01)        # net 12000: G001 10800, general 1200
s3=$(d --amount 9999 --to group:G001 --date 2026-05-02)                   # 8999.1 -> 8999 -> 8900; general 1099
s4=$(d --amount 5000 --fee 150 --method card --to field:welfare --date 2026-05-03)  # welfare 4850
d --amount 3000 --source member:M1 --date 2026-06-01 >/dev/null           # general 3000; M1 active
d --amount 9000 --source member:M2 --date 2026-06-02 >/dev/null           # general 9000; M2 lapsed
expect 0 "pledge 14000" -- kifu $T1 partner clicks P1 --month 2026-06 --clicks 2000   # min(14000, 20000)
expect 0 "pledge 20000" -- kifu $T1 partner clicks P1 --month 2026-07 --clicks 5000   # min(35000, 20000)
expect 0 "payment of 25000" -- kifu $T1 partner pay P1 --amount 25000 --date 2026-08-01  # welfare 25000
expect 0 "" -- kifu $T1 box collect B1 --date 2026-08-10 --count-a 8000 --count-b 8000 --counters "佐藤,鈴木"  # G002 7200, general 800
expect 0 "" -- kifu $T1 box collect B1 --date 2026-09-10 --count-a 5000 --count-b 4900 --counters "佐藤,鈴木" --resolved 4950 --note 三人目が再計数 --seal S-12  # G002 4400, general 550
d --amount 20000 --to theme:smart --date 2027-03-31 >/dev/null            # smart 20000 (FY2026)
d --amount 7000 --date 2027-04-01 >/dev/null                               # general 7000 (FY2027)
expect 0 "voided seq $s4" -- kifu $T1 void "$s4" --reason 二重計上 --date 2026-09-01  # welfare out 4850
expect 0 "voided seq $s1" -- kifu $T1 void "$s1" --reason 返金 --date 2026-10-01      # general out 10000

# Whole ledger, worked by hand:
#   general  in 10000+1200+1099+3000+9000+800+550+7000 = 32649, out 10000
#   G001     in 10800+8900 = 19700;  G002 in 7200+4400 = 11600
#   welfare  in 4850+25000 = 29850, out 4850;  smart in 20000
want='{"pools":[{"pool":"general","in":32649,"out":10000,"balance":22649,"committed":0,"available":22649},{"pool":"field:welfare","in":29850,"out":4850,"balance":25000,"committed":0,"available":25000},{"pool":"group:G001","in":19700,"out":0,"balance":19700,"committed":0,"available":19700},{"pool":"group:G002","in":11600,"out":0,"balance":11600,"committed":0,"available":11600},{"pool":"theme:smart","in":20000,"out":0,"balance":20000,"committed":0,"available":20000}],"total":{"in":113799,"out":14850,"balance":98949,"committed":0,"available":98949}}'
got=$(kifu balance --json)
[ "$got" = "$want" ] && ok || bad "balance: got $got"
# FY2026 (April 2026 - March 2027): general in 25649 out 10000; FY2027: general opening 15649, in 7000
got=$(kifu balance --fy 2026 --json)
[[ "$got" == '{"fy":2026,"pools":[{"pool":"general","opening":0,"in":25649,"out":10000,"balance":15649,'* ]] && ok || bad "balance --fy 2026: $got"
[[ "$got" == *'"total":{"opening":0,"in":106799,"out":14850,"balance":91949,"committed":0,"available":91949}}' ]] && ok || bad "balance --fy 2026 total: $got"
got=$(kifu balance --fy 2027 --json)
[[ "$got" == '{"fy":2027,"pools":[{"pool":"general","opening":15649,"in":7000,"out":0,"balance":22649,'* ]] && ok || bad "balance --fy 2027: $got"

# Members: M1 gave 3000 (regular 3000: active), M2 9000 (gold 10000: lapsed)
got=$(kifu member list --fy 2026 --json)
[[ "$got" == *'"id":"M1"'*'"donated":3000,"status":"active"'*'"id":"M2"'*'"donated":9000,"status":"lapsed"'* ]] && ok || bad "member list: $got"
expect 0 '"status":"lapsed"' -- kifu member list --fy 2027 --json
# Partner: pledged 14000+20000, paid 25000 applied to June first
got=$(kifu partner show P1 --json)
[ "$got" = '{"partner":"P1","months":[{"month":"2026-06","clicks":2000,"pledged":14000,"paid":14000,"outstanding":0},{"month":"2026-07","clicks":5000,"pledged":20000,"paid":11000,"outstanding":9000}],"pledged":34000,"paid":25000,"outstanding":9000}' ] && ok || bad "partner show: $got"
expect 0 '"collections":2,"collected":12950' -- kifu box list --json
# every list, text and JSON, with the figures above
got=$(kifu partner list --json)
[ "$got" = '{"partners":[{"id":"P1","name":"協賛社","to":"field:welfare","per_click":7,"monthly_cap":20000,"pledged":34000,"paid":25000,"outstanding":9000}]}' ] && ok || bad "partner list: $got"
expect 0 '^P1 +7/click cap 20000 +pledged 34000 +paid 25000 +field:welfare  協賛社$' -- kifu partner list
expect 0 '^B1 +2 collections +12950 yen  group:G002  区役所 \(市民課\)$' -- kifu box list
got=$(kifu group list --json | sed 's/"age":[0-9]*,//g')
[ "$got" = '{"groups":[{"id":"G001","name":"子ども食堂","type":"volunteer","founded":"2020-04-01","members":12,"fields":"","status":"registered","seq":4,"balance":19700,"available":19700},{"id":"G002","name":"見守り隊","type":"neighborhood","founded":"2025-01-01","members":30,"fields":"","status":"provisional","seq":5,"balance":11600,"available":11600},{"id":"G003","name":"解散予定","type":"other","founded":"2010-01-01","members":3,"fields":"","status":"registered","seq":6,"balance":0,"available":0}]}' ] && ok || bad "group list: $got"
expect 0 '^G002 +provisional +neighborhood 2025-01-01 +30 members +11600 yen  見守り隊$' -- kifu group list
got=$(kifu member list --fy 2026)
[ "$got" = "$(printf 'FY 2026\nM1           regular  active        3000 / 3000     2024-04-01  会員一\nM2           gold     lapsed        9000 / 10000    2025-04-01  会員二')" ] && ok || bad "member list: $got"

before=$(fingerprint L.db)
# Refusals: exit 1, nothing written
expect 1 "counts differ \(5000 and 4900 yen\)" -- kifu $T1 box collect B1 --date 2026-10-10 --count-a 5000 --count-b 4900 --counters "A,B"
expect 1 "more than the 9000 yen pledged and unpaid" -- kifu $T1 partner pay P1 --amount 9001 --date 2026-10-01
expect 1 "clicks for 2026-06 were already recorded" -- kifu $T1 partner clicks P1 --month 2026-06 --clicks 1
expect 1 "unknown group G999" -- kifu $T1 donate --amount 1000 --to group:G999
expect 1 "unknown field nosuch" -- kifu $T1 donate --amount 1000 --to field:nosuch
expect 1 "unknown theme nosuch" -- kifu $T1 donate --amount 1000 --to theme:nosuch
expect 1 "unknown member M9" -- kifu $T1 donate --amount 1000 --source member:M9
expect 1 "already voided" -- kifu $T1 void "$s1" --reason again
expect 1 "is a group.add, not a donation" -- kifu $T1 void 4 --reason x
expect 1 "role treasurer, which may not write group.add" -- kifu $T1 group add G9 --name x --type other --founded 2020-01-01 --members 1
# Bad values: exit 2, nothing written
expect 2 "amount -5 must be more than 0" -- kifu $T1 donate --amount -5
expect 2 "amount 0 must be more than 0" -- kifu $T1 donate --amount 0
expect 2 "above the limit" -- kifu $T1 donate --amount 1000000000001
expect 2 "'2026-02-30' is not a real date" -- kifu $T1 donate --amount 100 --date 2026-02-30
expect 2 "amount '12a' is not a whole number" -- kifu $T1 donate --amount 12a
expect 2 "amount '1.5' is not a whole number" -- kifu $T1 donate --amount 1.5
expect 2 "fee 100 must be less than the amount 100" -- kifu $T1 donate --amount 100 --fee 100
expect 2 "method 'bitcoin'" -- kifu $T1 donate --amount 100 --method bitcoin
expect 2 "designation 'everywhere'" -- kifu $T1 donate --amount 100 --to everywhere
expect 2 "unknown option '--colour'" -- kifu $T1 donate --amount 100 --colour red
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "a refused or bad command changed the ledger"

# A void that would leave a pool negative: G003's money moved on deregistration
s5=$(d --amount 6000 --to group:G003 --date 2027-04-05)                   # G003 5400, general 600
expect 0 "5400 yen moved" -- kifu group deregister G003 --reason 解散 --date 2027-04-15
before=$(fingerprint L.db)
expect 1 "leave pool group:G003 with -5400 yen available at the end of FY 2027" -- kifu $T1 void "$s5" --reason x --date 2027-04-20
expect 1 "a void dated 2026-05-01 would precede the donation it reverses \(seq $s5, dated 2027-04-05\)" -- kifu $T1 void "$s5" --reason x --date 2026-05-01
expect 1 "group G003 is deregistered" -- kifu $T1 donate --amount 100 --to group:G003
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "a refused void changed the ledger"
got=$(kifu balance --fy 2027 --json)
[[ "$got" == '{"fy":2027,"pools":[{"pool":"general","opening":15649,"in":13000,"out":0,"balance":28649,'* ]] && ok || bad "after deregistration: $got"

# Personal data: kept outside the entry, erased on request, the ledger still verifies
s6=$(d --amount 4000 --donor 山田花子 --address "札幌市中央区北1条西2丁目" --ref BANK-1 --date 2027-04-20)
[ "$(sqlite3 L.db "SELECT name FROM personal WHERE seq=$s6")" = 山田花子 ] && ok || bad "personal data not kept"
! sqlite3 L.db "SELECT body FROM entries WHERE seq=$s6" | grep -q 山田 && ok || bad "donor name inside the hashed entry"
expect 1 "ref 'BANK-1' is already recorded" -- kifu $T1 donate --amount 1 --ref BANK-1
expect 1 "role treasurer, which may not write personal.erase" -- kifu $T1 erase donor BANK-1
expect 0 "personal data erased" -- kifu erase donor BANK-1
[ -z "$(sqlite3 L.db "SELECT name FROM personal WHERE seq=$s6")" ] && ok || bad "personal data not erased"
! grep -qa 山田花子 L.db L.db-wal 2>/dev/null && ok || bad "the erased name is still in the file"
expect 1 "no personal data is kept" -- kifu erase donor --seq "$s6"
expect 0 "^ok: " -- kifu verify

# Derived tables are rebuilt identically from the entries
b1=$(kifu balance --json)
expect 0 "rebuilt" -- kifu reindex
[ "$(kifu balance --json)" = "$b1" ] && ok || bad "reindex changed the balance"
finish
