#!/usr/bin/env bash
# End-to-end: grants from application to refund, with every figure worked by
# hand below: allocation (scores, ties, partial awards, no_funds, round
# budgets, awaiting_review, below_pass, ineligible), decisions, payments,
# settlement and refund, and each refusal writing nothing.
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/common.sh"
APPS=$SRC/tests/data/apps
export KIFU_DB=L.db KIFU_KEY=admin.key

kifu init --fund テスト基金 --admin admin --key-out admin.key --rules "$SRC/tests/data/rules-grants.ini" >/dev/null
kifu key add kaikei --role treasurer --key-out t.key >/dev/null
kifu key add rev1 --role reviewer --affiliation G8 --key-out rev1.key >/dev/null
kifu key add rev2 --role reviewer --key-out rev2.key >/dev/null
kifu key add rec --role reviewer --affiliation G9,G3 --key-out rec.key >/dev/null
for g in 1 2 3 4 5 6 7 8 9; do
  kifu group add G$g --name グループ$g --type volunteer --founded 2020-04-01 --members 12 >/dev/null
done
# A business date may not be after today: the grants below are decided and
# paid through FY 2026, so the clock stands on its last day (commands without
# --date are dated then); the ledger began on 2026-05-01.
export KIFU_NOW=2027-03-31T09:00:00+09:00
GEN=$(kifu --key t.key donate --amount 1000000 --date 2026-05-01 | sed -n 's/^seq \([0-9]*\):.*/\1/p')  # general 1,000,000
kifu --key t.key donate --amount 600000 --to field:welfare --date 2026-05-01 >/dev/null

id_of() { sed -n 's/^seq [0-9]*: \(A-[0-9]*-[0-9]*\) recorded$/\1/p'; }
declare -A ID
for a in A1 A2 A3 A4 A5 A6 A7 S1 S2 S3 S4 F1 F2; do
  ID[$a]=$(kifu grant apply "$APPS/$a.ini" --date 2026-04-25 | id_of)
done
[ "${ID[A1]}" = A-2026-0001 ] && [ "${ID[F2]}" = A-2026-0013 ] && ok || bad "application ids: ${ID[A1]} .. ${ID[F2]}"

review() { kifu --key "$1.key" grant review "${ID[$2]}" --score "$3" >/dev/null || bad "review $1 $2 $3"; }
review rev1 A1 4; review rev2 A1 4     # mean 4
review rev1 A2 5; review rev2 A2 3     # mean 4: ties with A1, A1 applied first
review rev1 A3 5; review rev2 A3 5     # mean 5
review rev1 A4 2; review rev2 A4 3     # mean 2.5 < 3.0: below_pass
review rev1 A5 4                       # one review of two: awaiting_review
review rev1 A6 5; review rev2 A6 5     # no partner: ineligible whatever its score
review rev1 A7 2; review rev1 A7 3     # a later score replaces the earlier...
review rev2 A7 3                       # ...mean 3 passes, but the pool is dry by then
before=$(fingerprint L.db)
expect 1 "reviewer rec is affiliated with G9 and must recuse" -- kifu --key rec.key grant review "${ID[A1]}" --score 5
expect 1 "affiliated with G3" -- kifu --key rec.key grant review "${ID[A3]}" --score 5
expect 1 "role treasurer, which may not write grant.review" -- kifu --key t.key grant review "${ID[S1]}" --score 5
expect 2 "score must be 1 to 5" -- kifu --key rev1.key grant review "${ID[S1]}" --score 6
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "refused reviews changed the ledger"

# collab, round R1, general pool 1,000,000; ceilings (8/10, cap 500,000, round 1,000):
#   A1 (550,000 eligible lines - 50,000 income) x 8/10 = 400,000
#   A2 (350,000 - 50,000) x 8/10 = 240,000;  A3 1,000,000 x 8/10 = 800,000 -> cap 500,000
#   A3 takes 500,000, A1 400,000, A2 the 100,000 left (partial), A7 nothing (no_funds)
got=$(kifu grant allocate --menu collab --round R1 --json)
want='{"menu":"collab","round":"R1","applications":['\
'{"id":"A-2026-0003","group":"G3","eligible":true,"reasons":[],"eligible_cost":1000000,"ceiling":500000,"score":5,"reviews":2,"status":"funded","award":500000,"partial":false,"pool":"general"},'\
'{"id":"A-2026-0006","group":"G6","eligible":false,"reasons":["partners"],"eligible_cost":150000,"ceiling":100000,"score":5,"reviews":2,"status":"ineligible","award":0,"partial":false,"pool":"general"},'\
'{"id":"A-2026-0001","group":"G1","eligible":true,"reasons":[],"eligible_cost":500000,"ceiling":400000,"score":4,"reviews":2,"status":"funded","award":400000,"partial":false,"pool":"general"},'\
'{"id":"A-2026-0002","group":"G2","eligible":true,"reasons":[],"eligible_cost":300000,"ceiling":240000,"score":4,"reviews":2,"status":"funded","award":100000,"partial":true,"pool":"general"},'\
'{"id":"A-2026-0005","group":"G5","eligible":true,"reasons":[],"eligible_cost":150000,"ceiling":100000,"score":4,"reviews":1,"status":"awaiting_review","award":0,"partial":false,"pool":"general"},'\
'{"id":"A-2026-0007","group":"G7","eligible":true,"reasons":[],"eligible_cost":150000,"ceiling":100000,"score":3,"reviews":2,"status":"no_funds","award":0,"partial":false,"pool":"general"},'\
'{"id":"A-2026-0004","group":"G4","eligible":true,"reasons":[],"eligible_cost":150000,"ceiling":100000,"score":2.5,"reviews":2,"status":"below_pass","award":0,"partial":false,"pool":"general"}]}'
[ "$got" = "$want" ] && ok || bad "allocate collab: $got"
[ "$(kifu grant allocate --menu collab --round R1 --json)" = "$got" ] && ok || bad "allocation is not byte-identical"
# small, round R1: first come first served, round budget 250,000: 100,000 + 100,000 + 50,000 (partial)
got=$(kifu grant allocate --menu small --round R1 --json)
[[ "$got" == *'"id":"A-2026-0008"'*'"status":"funded","award":100000,"partial":false'*'"id":"A-2026-0009"'*'"award":100000,"partial":false'*'"id":"A-2026-0010"'*'"status":"funded","award":50000,"partial":true'*'"id":"A-2026-0011"'*'"status":"no_funds","award":0'* ]] && ok || bad "allocate small: $got"
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "allocate wrote to the ledger"

# field F1 (welfare pool 600,000): (650,000 - 50,000) x 8/10 = 480,000
F1=${ID[F1]} F2=${ID[F2]}
expect 0 '"ceiling":480000' -- kifu grant show "$F1" --json
expect 0 "eligible cost +600000" -- kifu grant show "$F1"
before=$(fingerprint L.db)
expect 1 "above its ceiling of 480000" -- kifu grant decide "$F1" --approve 481000
expect 1 "role treasurer, which may not write grant.decide" -- kifu --key t.key grant decide "$F1" --approve 480000
expect 1 "is not approved" -- kifu --key t.key grant pay "$F1" --amount 1000
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "refused decisions changed the ledger"
expect 0 "approved" -- kifu grant decide "$F1" --approve 480000 --date 2026-06-01
bal() { kifu balance ${2:+--fy $2} --json | grep -o "\"pool\":\"$1\"[^}]*"; }
[ "$(bal field:welfare)" = '"pool":"field:welfare","in":600000,"out":0,"balance":600000,"committed":480000,"available":120000' ] && ok || bad "after approval: $(bal field:welfare)"
expect 1 "more than pool field:welfare has available \(120000 yen at the end of FY 2026\)" -- kifu grant decide "$F2" --approve 130000
expect 1 "already decided" -- kifu grant decide "$F1" --approve 1000
expect 1 "a payment dated 2026-04-30 would precede its decision \(2026-06-01\)" -- kifu --key t.key grant pay "$F1" --amount 1000 --date 2026-04-30
expect 1 "a settlement dated 2026-04-30 would precede its decision" -- kifu grant settle "$F1" --spent 1 --date 2026-04-30
expect 0 "payment recorded" -- kifu --key t.key grant pay "$F1" --amount 200000 --date 2026-06-10
expect 0 "payment recorded" -- kifu --key t.key grant pay "$F1" --amount 200000 --date 2026-09-10
[ "$(bal field:welfare)" = '"pool":"field:welfare","in":600000,"out":400000,"balance":200000,"committed":80000,"available":120000' ] && ok || bad "after payments: $(bal field:welfare)"
before=$(fingerprint L.db)
expect 1 "would exceed the award of 480000 yen \(400000 paid\)" -- kifu --key t.key grant pay "$F1" --amount 80001
expect 1 "is not settled" -- kifu --key t.key grant refund "$F1" --amount 1
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "refused payments changed the ledger"
# spent 500,000 with income 50,000: (450,000 x 8/10 = 360,000) -> final 360,000; 40,000 due back
expect 0 "final 360000, refund_due 40000, payable 0" -- kifu grant settle "$F1" --spent 500000 --income 50000 --date 2027-02-15
[ "$(bal field:welfare)" = '"pool":"field:welfare","in":600000,"out":400000,"balance":200000,"committed":0,"available":200000' ] && ok || bad "after settlement: $(bal field:welfare)"
expect 1 "already settled" -- kifu grant settle "$F1" --spent 1 --date 2027-02-16
expect 1 "a refund dated 2027-02-14 would precede its settlement \(2027-02-15\)" -- kifu --key t.key grant refund "$F1" --amount 1000 --date 2027-02-14
expect 1 "more than the 40000 yen still due back" -- kifu --key t.key grant refund "$F1" --amount 40001
expect 1 "would exceed the settled amount of 360000" -- kifu --key t.key grant pay "$F1" --amount 1
expect 0 "refund recorded" -- kifu --key t.key grant refund "$F1" --amount 30000 --date 2027-03-01
expect 0 "refund recorded" -- kifu --key t.key grant refund "$F1" --amount 10000 --date 2027-03-02
expect 1 "more than the 0 yen still due back" -- kifu --key t.key grant refund "$F1" --amount 1
[ "$(bal field:welfare)" = '"pool":"field:welfare","in":640000,"out":400000,"balance":240000,"committed":0,"available":240000' ] && ok || bad "after refunds: $(bal field:welfare)"
expect 0 "\"status\":\"settled\",\"approved\":480000,\"paid\":400000,\"settled\":true,\"final\":360000,\"refund_due\":40000,\"refunded\":40000,\"committed\":0" -- kifu grant list --json
# F2 now fits: 500,000 ceiling but 240,000 available
expect 1 "above its ceiling of 500000" -- kifu grant decide "$F2" --approve 500001
expect 0 "approved" -- kifu grant decide "$F2" --approve 240000
# collab decisions follow the allocation; A4 below the pass score and A6 ineligible are refused
expect 0 "approved" -- kifu grant decide "${ID[A3]}" --approve 500000
expect 1 "scored 2.50, below the pass score" -- kifu grant decide "${ID[A4]}" --approve 1000
expect 1 "has 1 of the 2 reviews needed" -- kifu grant decide "${ID[A5]}" --approve 1000
expect 1 "not eligible: partners" -- kifu grant decide "${ID[A6]}" --approve 1000
expect 1 "already decided" -- kifu --key rev1.key grant review "${ID[A3]}" --score 1
expect 0 "rejected" -- kifu grant decide "${ID[A6]}" --reject --reason 協働先がない
expect 1 "A-2026-0007: a decision dated 2026-04-24 would precede the application \(2026-04-25\)" -- kifu grant decide "${ID[A7]}" --approve 1000 --date 2026-04-24
expect 2 "needs --reason" -- kifu grant decide "${ID[A7]}" --reject
# small round budget: 250,000 per round
expect 0 "approved" -- kifu grant decide "${ID[S1]}" --approve 100000
expect 0 "approved" -- kifu grant decide "${ID[S2]}" --approve 100000
expect 1 "more than the round budget left \(50000 yen\)" -- kifu grant decide "${ID[S3]}" --approve 100000
# a second application of the same group, menu and round is a duplicate
expect 0 "recorded" -- kifu grant apply "$APPS/S1.ini" --date 2026-04-28
expect 0 '"reasons":\["duplicate"\]' -- kifu grant show A-2026-0014 --json
expect 0 "^ok: " -- kifu verify
b1=$(kifu balance --json); l1=$(kifu grant list --json)
expect 0 "rebuilt" -- kifu reindex
[ "$(kifu balance --json)" = "$b1" ] && [ "$(kifu grant list --json)" = "$l1" ] && ok || bad "reindex changed grant state"

# Business dates: money is looked at FY by FY, as `kifu balance --fy` shows it.
# general: FY 2026 ends with 1,000,000 in, 700,000 committed, 300,000 available.
# A donation dated in FY 2027 does not make money available at the end of FY 2026.
export KIFU_NOW=2027-05-01T09:00:00+09:00
expect 0 "" -- kifu --key t.key donate --amount 1000000 --date 2027-05-01
# allocation proposes what a decision dated today could take: in FY 2026 the
# 300,000 left then; on a day of FY 2027 the FY 2027 money too
got=$(KIFU_NOW=2027-03-31T09:00:00+09:00 kifu grant allocate --menu collab --round R1 --json)
[[ "$got" == *'"id":"A-2026-0001"'*'"status":"funded","award":300000,"partial":true'*'"id":"A-2026-0002"'*'"status":"no_funds","award":0'* ]] && ok || bad "allocation in FY 2026: $got"
got=$(KIFU_NOW=2027-05-02T09:00:00+09:00 kifu grant allocate --menu collab --round R1 --json)
[[ "$got" == *'"id":"A-2026-0001"'*'"award":400000,"partial":false'*'"id":"A-2026-0002"'*'"award":240000,"partial":false'*'"id":"A-2026-0007"'*'"status":"funded","award":100000'* ]] && ok || bad "allocation in FY 2027: $got"
before=$(fingerprint L.db)
# A1 (ceiling 400,000) decided in FY 2026: only 300,000 is available then
expect 1 "400000 yen is more than pool general has available \(300000 yen at the end of FY 2026\)" -- kifu grant decide "${ID[A1]}" --approve 400000 --date 2026-06-01
# voiding the FY 2026 million in FY 2026 would leave FY 2026 at -700,000
expect 1 "voiding seq $GEN would leave pool general with -700000 yen available at the end of FY 2026" -- kifu --key t.key void "$GEN" --reason 誤入金 --date 2026-06-01
expect 1 "a void dated 2026-04-01 would precede the donation it reverses" -- kifu --key t.key void "$GEN" --reason 誤入金 --date 2026-04-01
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "refused decisions or voids changed the ledger"
# voided in FY 2027, FY 2026 keeps its figures and FY 2027 nets to 0
expect 0 "voided seq $GEN" -- kifu --key t.key void "$GEN" --reason 誤入金 --date 2027-05-01
[ "$(bal general 2026)" = '"pool":"general","opening":0,"in":1000000,"out":0,"balance":1000000,"committed":700000,"available":300000' ] && ok || bad "FY 2026 after the void: $(bal general 2026)"
[ "$(bal general 2027)" = '"pool":"general","opening":1000000,"in":1000000,"out":1000000,"balance":1000000,"committed":700000,"available":300000' ] && ok || bad "FY 2027 after the void: $(bal general 2027)"
# a group cannot be deregistered on a date before money it received
export KIFU_NOW=2028-04-11T09:00:00+09:00
kifu --key t.key donate --amount 10000 --to group:G9 --date 2028-04-10 >/dev/null
expect 1 "group G9 has money dated in a fiscal year after 2027-05-01: deregistered on that date, pool group:G9 would have -10000 yen at the end of FY 2027" -- kifu group deregister G9 --reason 解散 --date 2027-05-01
expect 0 "10000 yen moved" -- kifu group deregister G9 --reason 解散 --date 2028-04-11
expect 0 "^ok: " -- kifu verify
finish
