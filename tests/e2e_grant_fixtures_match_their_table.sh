#!/usr/bin/env bash
# End-to-end: every fixture application of fixtures/applications/ (its
# README's hand-worked table) recorded with `kifu grant apply` on ledgers
# made with fixtures/rules.ini and the README's registry, checked through
# `kifu grant show --json` and `kifu grant allocate --json`; then the
# history-dependent reasons through the ledger (max_awards, exclusive,
# consecutive, duplicate), a designated award against a group's pool and
# deregistration, and `kifu rules load` (errors with FILE:LINE, and a new
# version deciding what follows).
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/common.sh"
FIX=$SRC/fixtures/applications
RULES=$SRC/fixtures/rules.ini

# --- helpers -----------------------------------------------------------------

# newledger NAME [BEGUN]: a fresh ledger in $T/NAME with an admin key and the
# README's registry G001..G004; exports KIFU_DB and KIFU_KEY. The ledger is
# begun at BEGUN (default 2026-05-01: its window of business dates starts in
# the FY before); then the clock stands at LATER, since the sections below
# write business dates up to FY 2029 and none may be after today.
LATER=2029-12-31T09:00:00+09:00
newledger() {
  mkdir -p "$T/$1"
  export KIFU_DB=$T/$1/L.db KIFU_KEY=$T/$1/admin.key
  KIFU_NOW=${2:-2026-05-01T09:00:00+09:00} kifu init --fund テスト基金 --admin admin --key-out "$KIFU_KEY" --rules "$RULES" >/dev/null || bad "init $1"
  export KIFU_NOW=$LATER
  kifu group add G001 --name "子ども食堂ネット" --type volunteer --founded 2020-04-01 --members 12 >/dev/null &&
    kifu group add G002 --name "北町内会" --type neighborhood --founded 2024-06-01 --members 4 --status provisional >/dev/null &&
    kifu group add G003 --name "NPO法人まちの灯" --type npo --founded 2015-01-01 --members 25 >/dev/null &&
    kifu group add G004 --name "多世代カフェの会" --type other --founded 2025-10-01 --members 6 >/dev/null ||
    bad "registry of $1"
}

# apply FILE [DATE]: records an application, prints its id.
apply() {
  kifu grant apply "$1" --date "${2:-2026-05-01}" | sed -n 's/^seq [0-9]*: \(A-[0-9]*-[0-9]*\) recorded$/\1/p'
}

# jget KEY JSON: the value of a scalar key, or the array of "reasons", in a
# flat JSON object (the first occurrence).
jget() {
  if [ "$1" = reasons ]; then
    grep -oE '"reasons":\[[^]]*\]' <<<"$2" | head -n1 | cut -d: -f2-
  else
    grep -oE "\"$1\":(true|false|null|-?[0-9.]+|\"[^\"]*\")" <<<"$2" | head -n1 | cut -d: -f2-
  fi
}

# is WHAT JSON KEY=VALUE...: each key of JSON has exactly VALUE.
is() {
  local what=$1 json=$2 kv k v got ok_all=1
  shift 2
  for kv in "$@"; do
    k=${kv%%=*} v=${kv#*=}
    got=$(jget "$k" "$json")
    if [ "$got" != "$v" ]; then
      bad "$what: $k is ${got:-(absent)}, want $v in $json"
      ok_all=0
    fi
  done
  [ $ok_all = 1 ] && ok
}

# show_is ID ELIGIBLE REASONS COST CEILING [more KEY=VALUE]: kifu grant show ID --json
show_is() {
  local id=$1 el=$2 r=$3 cost=$4 ceil=$5 j
  shift 5
  if ! j=$(kifu grant show "$id" --json 2>&1); then
    bad "grant show $id failed: $j"
    return
  fi
  is "show $id" "$j" eligible="$el" reasons="$r" eligible_cost="$cost" ceiling="$ceil" "$@"
}

# alloc_of JSON ID: the object of application ID in an allocate --json output.
alloc_of() {
  sed 's/},{/}\n{/g' <<<"$1" | grep -F "\"id\":\"$2\"" | head -n1
}

# alloc_is MENU ROUND ID KEY=VALUE...
alloc_is() {
  local menu=$1 round=$2 id=$3 j o
  shift 3
  if ! j=$(kifu grant allocate --menu "$menu" --round "$round" --json 2>&1); then
    bad "allocate $menu $round failed: $j"
    return
  fi
  o=$(alloc_of "$j" "$id")
  [ -n "$o" ] || { bad "allocate $menu $round: no $id in $j"; return; }
  is "allocate $menu $round $id" "$o" "$@"
}

# expect_exact CODE TEXT -- cmd: exit code and the whole of stderr+stdout.
expect_exact() {
  local want=$1 text=$2 out code
  shift 3
  out=$("$@" 2>&1) && code=0 || code=$?
  if [ "$code" != "$want" ] || [ "$out" != "$text" ]; then
    bad "$* -> exit $code: '$out', want exit $want: '$text'"
  else
    ok
  fi
}

# bal POOL: a pool's whole-ledger figures from kifu balance --json.
bal() { kifu balance --json | grep -o "\"pool\":\"$1\"[^}]*"; }

# mkapp FILE MENU ROUND GROUP START [KEY = VALUE...]: an application with one
# equipment line of ${AMOUNT:-200000} yen, requested the same, ending at the
# end of the FY of START (or ${END}).
mkapp() {
  local f=$1 menu=$2 round=$3 group=$4 start=$5 y
  shift 5
  y=${start:0:4}
  {
    echo "[application]"
    echo "menu = $menu"
    echo "round = $round"
    echo "group = $group"
    echo "title = テスト事業 $f"
    echo "start = $start"
    echo "end = ${END:-$((y + 1))-03-31}"
    echo "requested = ${AMOUNT:-200000}"
    local kv
    for kv in "$@"; do echo "$kv"; done
    echo "[budget]"
    echo "equipment = ${AMOUNT:-200000}, 備品"
  } >"$T/$f"
  echo "$T/$f"
}

verify_ok() { expect 0 "^ok: " -- kifu verify; }

# --- 1. every fixture on a ledger of its own -----------------------------------
# file | eligible | reasons | eligible_cost | ceiling | allocate status on a
# ledger with no money (unscored eligible: no_funds; scored: awaiting_review)
TABLE='designated-ok.ini|true|[]|123456|123000|no_funds
field-ok.ini|true|[]|420000|336000|awaiting_review
field-duplicate.ini|true|[]|420000|336000|awaiting_review
field-tier.ini|true|[]|1500000|750000|awaiting_review
field-provisional.ini|false|["status"]|250000|200000|ineligible
field-too-young.ini|false|["members","age"]|200000|160000|ineligible
field-below-min.ini|false|["below_min"]|124999|99000|ineligible
field-no-field.ini|false|["field"]|200000|160000|ineligible
field-unknown-field.ini|false|["field"]|200000|160000|ineligible
field-running-only.ini|false|["expenses","below_min"]|0|0|ineligible
small-ok.ini|true|[]|87654|87000|no_funds
small-too-old.ini|false|["age"]|50000|50000|ineligible
small-few-members.ini|false|["members"]|42500|42000|ineligible
small-income-exceeds.ini|false|["expenses"]|0|0|ineligible
collab-ok.ini|true|[]|700000|500000|awaiting_review
collab-city-partner.ini|true|[]|125000|100000|awaiting_review
collab-no-partner.ini|false|["partners"]|100000|80000|ineligible
collab-partner-provisional.ini|false|["partners"]|250000|200000|ineligible
theme-ok.ini|true|[]|275500|250000|no_funds
theme-unknown.ini|false|["theme"]|150000|150000|ineligible
theme-missing.ini|false|["theme"]|120000|120000|ineligible
theme-below-min.ini|false|["below_min"]|99999|99000|ineligible'

n=0
while IFS='|' read -r file el reasons cost ceil status; do
  n=$((n + 1))
  newledger "alone$n"
  id=$(apply "$FIX/$file")
  if [ "$id" != A-2026-0001 ]; then
    bad "$file: recorded as '$id', want A-2026-0001"
    continue
  fi
  ok
  show_is "$id" "$el" "$reasons" "$cost" "$ceil"
  menu=$(sed -n 's/^menu = \([a-z]*\).*/\1/p' "$FIX/$file")
  alloc_is "$menu" 2026-early "$id" eligible="$el" reasons="$reasons" eligible_cost="$cost" \
    ceiling="$ceil" status="\"$status\"" award=0 reviews=0 score=null
done <<<"$TABLE"
[ "$n" = 22 ] && ok || bad "fixture table has $n rows, want 22"
[ "$(ls "$FIX"/*.ini | wc -l)" = 25 ] && ok || bad "fixtures/applications has $(ls "$FIX"/*.ini | wc -l) files, want 25 (22 + G999 + 2 parse errors)"

# the tier and the base rate, step by step
newledger tier
id=$(apply "$FIX/field-tier.ini")
show_is "$id" true '[]' 1500000 750000 tier=0 rate='"1/2"' cap=1000000 by_rate=750000 capped=750000 requested=900000
id=$(apply "$FIX/field-ok.ini")
show_is "$id" true '[]' 420000 336000 tier=-1 rate='"8/10"' cap=500000 by_rate=336000 budget_total=550000 eligible_lines=470000 pool='"field:welfare"'
verify_ok

# G999 is not in the registry: kifu grant apply refuses it and writes nothing
newledger unknown
before=$(fingerprint "$KIFU_DB")
expect 1 "^kifu: unknown group G999 \(see kifu group list\)$" -- kifu grant apply "$FIX/designated-unknown-group.ini" --date 2026-05-01
[ "$(fingerprint "$KIFU_DB")" = "$before" ] && ok || bad "a refused application changed the ledger"

# parse errors: exit 2, FILE as given on the command line (the bare name)
in_fix() { (cd "$FIX" && kifu "$@"); }
expect_exact 2 "kifu: bad-budget-amount.ini:14: [budget] equipment: '250,000, 調理器具' has a thousands separator: write the amount without commas, then ', description'" -- in_fix grant apply bad-budget-amount.ini --date 2026-05-01
expect_exact 2 "kifu: bad-end-before-start.ini:8: [application] end: '2026-03-31' is before start '2026-06-01'" -- in_fix grant apply bad-end-before-start.ini --date 2026-05-01
[ "$(fingerprint "$KIFU_DB")" = "$before" ] && ok || bad "a file that does not parse changed the ledger"

# --- 2. all of them on one ledger: later ones of a lead/menu/round are duplicates
newledger shared
SHARED='designated-ok.ini|true|[]
field-ok.ini|true|[]
field-duplicate.ini|false|["duplicate"]
field-tier.ini|true|[]
field-provisional.ini|false|["status"]
field-too-young.ini|false|["members","age"]
field-below-min.ini|false|["below_min","duplicate"]
field-no-field.ini|false|["duplicate","field"]
field-unknown-field.ini|false|["duplicate","field"]
field-running-only.ini|false|["expenses","below_min","duplicate"]
small-ok.ini|true|[]
small-too-old.ini|false|["age"]
small-few-members.ini|false|["members"]
small-income-exceeds.ini|false|["expenses","duplicate"]
collab-ok.ini|true|[]
collab-city-partner.ini|true|[]
collab-no-partner.ini|false|["partners","duplicate"]
collab-partner-provisional.ini|false|["partners","duplicate"]
theme-ok.ini|true|[]
theme-unknown.ini|false|["duplicate","theme"]
theme-missing.ini|false|["theme"]
theme-below-min.ini|false|["below_min","duplicate"]'
declare -A SID
n=0
while IFS='|' read -r file el reasons; do
  n=$((n + 1))
  want=$(printf 'A-2026-%04d' "$n")
  SID[$file]=$(apply "$FIX/$file")
  [ "${SID[$file]}" = "$want" ] && ok || bad "$file: recorded as '${SID[$file]}', want $want"
  row=$(grep -F "$file|" <<<"$TABLE")
  IFS='|' read -r _ _ _ cost ceil _ <<<"$row"
  show_is "${SID[$file]}" "$el" "$reasons" "$cost" "$ceil"
done <<<"$SHARED"

# allocation with money in the pools: general 150,000; group:G003 100,000;
# theme:smart 300,000
kifu donate --amount 150000 --date 2026-05-01 >/dev/null
kifu donate --amount 100000 --to group:G003 --date 2026-05-01 >/dev/null
kifu donate --amount 300000 --to theme:smart --date 2026-05-01 >/dev/null
# designated: 123,000 ceiling, 100,000 in group:G003 -> a partial award of 100,000
got=$(kifu grant allocate --menu designated --round 2026-early --json)
want='{"menu":"designated","round":"2026-early","applications":[{"id":"A-2026-0001","group":"G003","eligible":true,"reasons":[],"eligible_cost":123456,"ceiling":123000,"score":null,"reviews":0,"status":"funded","award":100000,"partial":true,"pool":"group:G003"}]}'
[ "$got" = "$want" ] && ok || bad "allocate designated: $got"
# small: first come first served from general (150,000)
got=$(kifu grant allocate --menu small --round 2026-early --json)
want='{"menu":"small","round":"2026-early","applications":['\
'{"id":"A-2026-0011","group":"G004","eligible":true,"reasons":[],"eligible_cost":87654,"ceiling":87000,"score":null,"reviews":0,"status":"funded","award":87000,"partial":false,"pool":"general"},'\
'{"id":"A-2026-0012","group":"G001","eligible":false,"reasons":["age"],"eligible_cost":50000,"ceiling":50000,"score":null,"reviews":0,"status":"ineligible","award":0,"partial":false,"pool":"general"},'\
'{"id":"A-2026-0013","group":"G002","eligible":false,"reasons":["members"],"eligible_cost":42500,"ceiling":42000,"score":null,"reviews":0,"status":"ineligible","award":0,"partial":false,"pool":"general"},'\
'{"id":"A-2026-0014","group":"G004","eligible":false,"reasons":["expenses","duplicate"],"eligible_cost":0,"ceiling":0,"score":null,"reviews":0,"status":"ineligible","award":0,"partial":false,"pool":"general"}]}'
[ "$got" = "$want" ] && ok || bad "allocate small: $got"
# theme: theme-ok takes 250,000 of theme:smart's 300,000; a missing theme has no pool
got=$(kifu grant allocate --menu theme --round 2026-early --json)
want='{"menu":"theme","round":"2026-early","applications":['\
'{"id":"A-2026-0019","group":"G001","eligible":true,"reasons":[],"eligible_cost":275500,"ceiling":250000,"score":null,"reviews":0,"status":"funded","award":250000,"partial":false,"pool":"theme:smart"},'\
'{"id":"A-2026-0020","group":"G001","eligible":false,"reasons":["duplicate","theme"],"eligible_cost":150000,"ceiling":150000,"score":null,"reviews":0,"status":"ineligible","award":0,"partial":false,"pool":"theme:green"},'\
'{"id":"A-2026-0021","group":"G003","eligible":false,"reasons":["theme"],"eligible_cost":120000,"ceiling":120000,"score":null,"reviews":0,"status":"ineligible","award":0,"partial":false,"pool":""},'\
'{"id":"A-2026-0022","group":"G003","eligible":false,"reasons":["below_min","duplicate"],"eligible_cost":99999,"ceiling":99000,"score":null,"reviews":0,"status":"ineligible","award":0,"partial":false,"pool":"theme:smart"}]}'
[ "$got" = "$want" ] && ok || bad "allocate theme: $got"
# scored menus without reviews: eligible ones await review, in seq order
alloc_is field 2026-early A-2026-0002 status='"awaiting_review"' reasons='[]'
alloc_is field 2026-early A-2026-0003 status='"ineligible"' reasons='["duplicate"]'
alloc_is field 2026-early A-2026-0004 status='"awaiting_review"' ceiling=750000 pool='"field:children"'
alloc_is field 2026-early A-2026-0008 status='"ineligible"' pool='""'
alloc_is collab 2026-early A-2026-0015 status='"awaiting_review"' ceiling=500000
alloc_is collab 2026-early A-2026-0016 status='"awaiting_review"' ceiling=100000
alloc_is collab 2026-early A-2026-0017 status='"ineligible"' reasons='["partners","duplicate"]'
got=$(kifu grant allocate --menu field --round 2026-early --json)
[ "$(grep -o '"id":"A-2026-[0-9]*"' <<<"$got" | tr -d '\n')" = '"id":"A-2026-0002""id":"A-2026-0003""id":"A-2026-0004""id":"A-2026-0005""id":"A-2026-0006""id":"A-2026-0007""id":"A-2026-0008""id":"A-2026-0009""id":"A-2026-0010"' ] &&
  ok || bad "allocate field lists the field applications in seq order: $got"
# another round holds none of them
expect 0 '^\{"menu":"field","round":"2026-late","applications":\[\]\}$' -- kifu grant allocate --menu field --round 2026-late --json
# an eligible one is approved as allocated; the duplicates are refused
expect 0 "approved" -- kifu grant decide A-2026-0011 --approve 87000 --date 2026-06-01
# G004's small award (FY 2026, tag annual) now also makes its other small
# application of FY 2026 exclusive
expect 1 "not eligible: exclusive, expenses, duplicate$" -- kifu grant decide A-2026-0014 --approve 1000 --date 2026-06-01
expect 1 "not eligible: duplicate, theme" -- kifu grant decide A-2026-0020 --approve 1000 --date 2026-06-01
verify_ok

# --- 3. max_awards: field allows 3 awards per lead group, ever -------------------
newledger maxawards
kifu key add rev1 --role reviewer --key-out "$T/maxawards/rev1.key" >/dev/null
kifu key add rev2 --role reviewer --key-out "$T/maxawards/rev2.key" >/dev/null
kifu donate --amount 1000000 --to field:welfare --date 2026-05-01 >/dev/null
review2() { # review2 APP: two passing scores (mean 4)
  kifu --key "$T/maxawards/rev1.key" grant review "$1" --score 4 >/dev/null &&
    kifu --key "$T/maxawards/rev2.key" grant review "$1" --score 4 >/dev/null || bad "reviews of $1"
}
# one field application of G001 a year, FY 2025..2029 (exclusive `annual`
# allows one award per FY), 200,000 eligible -> ceiling 160,000
declare -A M
for y in 2025 2026 2027 2028 2029; do
  M[$y]=$(apply "$(mkapp "maxaw$y.ini" field "R$y" G001 "$y-06-01" "field = welfare")" "$y-05-01")
  [ "${M[$y]}" = "A-$y-0001" ] && ok || bad "FY $y field application recorded as '${M[$y]}'"
  review2 "${M[$y]}"
done
# G003 applies in FY 2029 too: max_awards is per lead group
G3=$(apply "$(mkapp maxaw-g3.ini field R2029 G003 2029-06-01 "field = welfare")" 2029-05-01)
review2 "$G3"
expect 0 "rejected" -- kifu grant decide "${M[2025]}" --reject --reason 予算超過 --date 2025-07-01
expect 0 "approved" -- kifu grant decide "${M[2026]}" --approve 160000 --date 2026-07-01
expect 0 "approved" -- kifu grant decide "${M[2027]}" --approve 160000 --date 2027-07-01
# two approved (a rejection does not count): the FY 2029 application is eligible
show_is "${M[2029]}" true '[]' 200000 160000
alloc_is field R2029 "${M[2029]}" status='"funded"' award=160000 reasons='[]'
expect 0 "approved" -- kifu grant decide "${M[2028]}" --approve 150000 --date 2028-07-01
# three approved: the fourth is ineligible with max_awards and nothing else
show_is "${M[2029]}" false '["max_awards"]' 200000 160000 status='"open"'
alloc_is field R2029 "${M[2029]}" status='"ineligible"' award=0 reasons='["max_awards"]' score=4 reviews=2
alloc_is field R2029 "$G3" status='"funded"' award=160000 reasons='[]'
# an approved award does not count against itself
show_is "${M[2028]}" true '[]' 200000 160000 status='"approved"' approved=150000
before=$(fingerprint "$KIFU_DB")
expect 1 "^kifu: ${M[2029]} is not eligible: max_awards$" -- kifu grant decide "${M[2029]}" --approve 160000 --date 2029-07-01
[ "$(fingerprint "$KIFU_DB")" = "$before" ] && ok || bad "a refused decision changed the ledger"
[ "$(bal field:welfare)" = '"pool":"field:welfare","in":1000000,"out":0,"balance":1000000,"committed":470000,"available":530000' ] && ok || bad "field:welfare after three awards: $(bal field:welfare)"
verify_ok

# --- 4. exclusive: one award per FY among menus tagged `annual` ------------------
newledger exclusive
# G005: founded 2024-06-01 (age 1 on 2026-05-01), registered, 12 members:
# eligible for small (age < 3, >= 5 members), field (age >= 1, >= 10) and theme
kifu group add G005 --name "若葉の会" --type volunteer --founded 2024-06-01 --members 12 >/dev/null || bad "add G005"
kifu key add rev1 --role reviewer --key-out "$T/exclusive/rev1.key" >/dev/null
kifu key add rev2 --role reviewer --key-out "$T/exclusive/rev2.key" >/dev/null
kifu donate --amount 500000 --date 2026-05-01 >/dev/null
kifu donate --amount 1000000 --to theme:smart --date 2026-05-01 >/dev/null
kifu donate --amount 500000 --to field:welfare --date 2026-05-01 >/dev/null
S26=$(apply "$(mkapp ex-s26.ini small R26 G005 2026-06-01)")
T26=$(apply "$(mkapp ex-t26.ini theme R26 G005 2026-06-01 "theme = smart")")
F26=$(apply "$(mkapp ex-f26.ini field R26 G005 2026-06-01 "field = welfare")")
T26L=$(apply "$(END=2027-03-31 mkapp ex-t26late.ini theme R26L G005 2027-03-31 "theme = smart")")
T27=$(apply "$(mkapp ex-t27.ini theme R27 G005 2027-06-01 "theme = smart")")
S26B=$(apply "$(mkapp ex-s26b.ini small R26B G005 2026-09-01)")
G1T26=$(apply "$(mkapp ex-g1t26.ini theme R26 G001 2026-06-01 "theme = smart")")
kifu --key "$T/exclusive/rev1.key" grant review "$F26" --score 5 >/dev/null || bad "review $F26"
kifu --key "$T/exclusive/rev2.key" grant review "$F26" --score 3 >/dev/null || bad "review $F26"
[ "$S26 $T26 $F26 $T26L $T27 $S26B $G1T26" = "A-2026-0001 A-2026-0002 A-2026-0003 A-2026-0004 A-2027-0001 A-2026-0005 A-2026-0006" ] && ok || bad "exclusive ids: $S26 $T26 $F26 $T26L $T27 $S26B $G1T26"
# nothing awarded yet: all eligible
show_is "$T26" true '[]' 200000 200000
show_is "$F26" true '[]' 200000 160000
show_is "$S26B" true '[]' 200000 100000
show_is "$T26L" true '[]' 200000 200000
expect 0 "approved" -- kifu grant decide "$S26" --approve 100000 --date 2026-06-15
# a small award in FY 2026 takes G005's `annual` award for FY 2026
show_is "$S26" true '[]' 200000 100000 status='"approved"'
show_is "$T26" false '["exclusive"]' 200000 200000
show_is "$F26" false '["exclusive"]' 200000 160000
show_is "$S26B" false '["exclusive"]' 200000 100000
show_is "$T26L" false '["exclusive"]' 200000 200000 # 2027-03-31 is still FY 2026
show_is "$T27" true '[]' 200000 200000               # 2027-06-01 is FY 2027
show_is "$G1T26" true '[]' 200000 200000             # another group
alloc_is theme R26 "$T26" status='"ineligible"' reasons='["exclusive"]'
alloc_is theme R26 "$G1T26" status='"funded"' award=200000
alloc_is field R26 "$F26" status='"ineligible"' reasons='["exclusive"]' score=4 reviews=2
expect 1 "^kifu: $T26 is not eligible: exclusive$" -- kifu grant decide "$T26" --approve 200000 --date 2026-06-15
expect 1 "^kifu: $F26 is not eligible: exclusive$" -- kifu grant decide "$F26" --approve 160000 --date 2026-06-15
expect 0 "approved" -- kifu grant decide "$T27" --approve 200000 --date 2027-06-15
# the FY 2027 theme award now blocks another FY 2027 `annual` application, not FY 2026's
S27=$(apply "$(mkapp ex-s27.ini small R27 G005 2027-04-01)" 2027-03-01)
show_is "$S27" false '["exclusive"]' 200000 100000
verify_ok

# --- 5. consecutive: small allows awards in at most 3 FYs in a row -----------------
# (a ledger begun in FY 2024, so that its business dates from 2024-04 are in
# its window: README, "Business dates")
newledger consecutive 2024-04-01T09:00:00+09:00
# G006: founded 2024-04-01, so younger than small's max_years 3 on every
# application date below (2024-04-15 age 0 ... 2027-03-15 age 2); 6 members
kifu group add G006 --name "ひよこの会" --type volunteer --founded 2024-04-01 --members 6 >/dev/null || bad "add G006"
kifu donate --amount 1000000 --date 2024-04-10 >/dev/null
C24=$(apply "$(mkapp co-24.ini small R24 G006 2024-06-01)" 2024-04-15)
C25=$(apply "$(mkapp co-25.ini small R25 G006 2025-06-01)" 2025-04-15)
C26=$(apply "$(mkapp co-26.ini small R26 G006 2026-06-01)" 2026-04-15)
C27=$(apply "$(mkapp co-27.ini small R27 G006 2027-06-01)" 2027-03-15)
C28=$(apply "$(mkapp co-28.ini small R28 G006 2028-06-01)" 2027-03-20)
C28B=$(apply "$(mkapp co-28b.ini small R28B G006 2028-06-01)" 2027-04-01)
[ "$C24 $C25 $C26 $C27 $C28 $C28B" = "A-2024-0001 A-2025-0001 A-2026-0001 A-2027-0001 A-2028-0001 A-2028-0002" ] && ok || bad "consecutive ids: $C24 $C25 $C26 $C27 $C28 $C28B"
# age is taken on the application's date: 3 on 2027-04-01
show_is "$C28B" false '["age"]' 200000 100000
expect 0 "approved" -- kifu grant decide "$C24" --approve 100000 --date 2024-07-01
expect 0 "approved" -- kifu grant decide "$C25" --approve 100000 --date 2025-07-01
show_is "$C26" true '[]' 200000 100000 # 2 FYs in a row before FY 2026
show_is "$C27" true '[]' 200000 100000 # none in FY 2026 yet
expect 0 "approved" -- kifu grant decide "$C26" --approve 90000 --date 2026-07-01
show_is "$C27" false '["consecutive"]' 200000 100000
alloc_is small R27 "$C27" status='"ineligible"' reasons='["consecutive"]' award=0
show_is "$C28" true '[]' 200000 100000 # FY 2027 has no award: the run is broken
show_is "$C24" true '[]' 200000 100000 status='"approved"'
expect 1 "^kifu: $C27 is not eligible: consecutive$" -- kifu grant decide "$C27" --approve 100000 --date 2027-07-01
expect 0 "approved" -- kifu grant decide "$C28" --approve 100000 --date 2028-07-01
verify_ok

# --- 6. duplicate ------------------------------------------------------------------
newledger duplicate
D1=$(apply "$FIX/field-ok.ini")
D2=$(apply "$FIX/field-duplicate.ini")
sed 's/^round = 2026-early$/round = 2026-late/' "$FIX/field-duplicate.ini" >"$T/field-late.ini"
D3=$(apply "$T/field-late.ini")
D4=$(apply "$FIX/collab-city-partner.ini") # same group and round, another menu
show_is "$D1" true '[]' 420000 336000  # the first stays eligible
show_is "$D2" false '["duplicate"]' 420000 336000
show_is "$D3" true '[]' 420000 336000  # another round
show_is "$D4" true '[]' 125000 100000  # another menu
alloc_is field 2026-early "$D2" status='"ineligible"' reasons='["duplicate"]'
alloc_is field 2026-early "$D1" status='"awaiting_review"' reasons='[]'
# a rejected first application still came first
expect 0 "rejected" -- kifu grant decide "$D1" --reject --reason 書類不備 --date 2026-05-20
show_is "$D2" false '["duplicate"]' 420000 336000
# and the undecided list of the round no longer holds it
got=$(kifu grant allocate --menu field --round 2026-early --json)
[ -z "$(alloc_of "$got" "$D1")" ] && [ -n "$(alloc_of "$got" "$D2")" ] && ok || bad "allocate after a rejection: $got"
verify_ok

# --- 7. a designated award comes from group:<lead> and holds the group -----------------
newledger pools
P=$(apply "$FIX/designated-ok.ini")
alloc_is designated 2026-early "$P" status='"no_funds"' award=0 pool='"group:G003"'
before=$(fingerprint "$KIFU_DB")
expect 1 "more than pool group:G003 has available \(0 yen at the end of FY 2026\)" -- kifu grant decide "$P" --approve 123000 --date 2026-06-01
[ "$(fingerprint "$KIFU_DB")" = "$before" ] && ok || bad "a refused decision changed the ledger"
kifu donate --amount 150000 --to group:G003 --date 2026-05-01 >/dev/null
kifu donate --amount 50000 --date 2026-05-01 >/dev/null # general: not the designated menu's pool
alloc_is designated 2026-early "$P" status='"funded"' award=123000 partial=false pool='"group:G003"'
expect 0 "approved" -- kifu grant decide "$P" --approve 123000 --date 2026-06-01
show_is "$P" true '[]' 123456 123000 status='"approved"' pool='"group:G003"' committed=123000
[ "$(bal group:G003)" = '"pool":"group:G003","in":150000,"out":0,"balance":150000,"committed":123000,"available":27000' ] && ok || bad "group:G003 after the award: $(bal group:G003)"
[ "$(bal general)" = '"pool":"general","in":50000,"out":0,"balance":50000,"committed":0,"available":50000' ] && ok || bad "general after the award: $(bal general)"
before=$(fingerprint "$KIFU_DB")
expect 1 "committed" -- kifu group deregister G003 --reason 解散 --date 2026-07-01
[ "$(fingerprint "$KIFU_DB")" = "$before" ] && ok || bad "a refused deregistration changed the ledger"
expect 0 "payment recorded" -- kifu grant pay "$P" --amount 100000 --date 2026-06-10
expect 1 "23000 yen committed" -- kifu group deregister G003 --reason 解散 --date 2026-07-01
expect 0 "payment recorded" -- kifu grant pay "$P" --amount 23000 --date 2026-06-20
[ "$(bal group:G003)" = '"pool":"group:G003","in":150000,"out":123000,"balance":27000,"committed":0,"available":27000' ] && ok || bad "group:G003 after payment: $(bal group:G003)"
expect 0 "G003 deregistered; 27000 yen moved" -- kifu group deregister G003 --reason 解散 --date 2026-07-01
[ "$(bal group:G003)" = '"pool":"group:G003","in":150000,"out":150000,"balance":0,"committed":0,"available":0' ] && ok || bad "group:G003 after deregistration: $(bal group:G003)"
[ "$(bal general)" = '"pool":"general","in":77000,"out":0,"balance":77000,"committed":0,"available":77000' ] && ok || bad "general after deregistration: $(bal general)"
verify_ok

# --- 8. kifu rules load --------------------------------------------------------------
newledger rules
cd "$T"
# badrules NAME LINE12: a small rules file whose line 12 is LINE12
badrules() {
  cat >"$1" <<EOF
# テスト用のルール
[fund]
name = テスト基金
fy_start = 04-01 ; 年度

[fields]
welfare = 福祉

[menu small]
name = 小口
source = general
$2
cap = 100000
EOF
}
badrules rate-zero.ini 'rate = 3/0'
badrules rate-over.ini 'rate = 11/10 ; more than the cost'
badrules unknown-key.ini 'colour = blue'
badrules unknown-section.ini '[extras]'
badrules dup-menu.ini '[menu small]'
badrules tier-no-cap.ini 'tier.1000002 = 1/2'
before=$(fingerprint "$KIFU_DB")
expect 2 "^kifu: rate-zero\.ini:12: \[menu small\] rate: '3/0' " -- kifu rules load rate-zero.ini
expect 2 "^kifu: rate-over\.ini:12: \[menu small\] rate: '11/10' " -- kifu rules load rate-over.ini
expect 2 "^kifu: unknown-key\.ini:12: \[menu small\] colour: unknown key" -- kifu rules load unknown-key.ini
expect 2 "^kifu: unknown-section\.ini:12: \[extras\]: unknown section" -- kifu rules load unknown-section.ini
expect 2 "^kifu: dup-menu\.ini:12: \[menu small\]: duplicate menu 'small'" -- kifu rules load dup-menu.ini
expect 2 "^kifu: tier-no-cap\.ini:12: \[menu small\] tier\.1000002: '1/2' lacks the cap" -- kifu rules load tier-no-cap.ini
badrules fund-key.ini 'rate = 1/2'
sed -i 's/^fy_start = 04-01 ; 年度$/fy_begin = 04-01/' fund-key.ini
expect 2 "^kifu: fund-key\.ini:4: \[fund\] fy_begin: unknown key" -- kifu rules load fund-key.ini
[ "$(fingerprint "$KIFU_DB")" = "$before" ] && ok || bad "a rules file that does not load changed the ledger"
# the same file with a good line 12 loads
badrules good.ini 'rate = 1/2'
expect 0 "^seq [0-9]+: rules loaded from good.ini$" -- kifu rules load good.ini
[ "$(fingerprint "$KIFU_DB")" != "$before" ] && ok || bad "a loaded rules file wrote nothing"
# back to the fixture rules, then a version with lower caps
kifu rules load "$RULES" >/dev/null || bad "reload fixture rules"
R1=$(apply "$FIX/field-ok.ini")
R2=$(apply "$FIX/small-ok.ini")
kifu donate --amount 1000000 --date 2026-05-01 >/dev/null
show_is "$R1" true '[]' 420000 336000 cap=500000
expect 0 "approved" -- kifu grant decide "$R2" --approve 87000 --date 2026-06-01
sed -e '/^\[menu field\]/,/^\[menu small\]/s/^cap = 500000 *$/cap = 300000/' \
  -e '/^\[menu small\]/,/^\[menu collab\]/s/^cap = 100000 .*$/cap = 50000/' "$RULES" >lower.ini
[ "$(diff "$RULES" lower.ini | grep -c '^>')" = 2 ] && ok || bad "lower.ini: $(diff "$RULES" lower.ini)"
expect 0 "rules loaded from lower.ini" -- kifu rules load lower.ini
show_is "$R1" true '[]' 420000 300000 cap=300000 by_rate=336000 capped=300000
show_is "$R2" true '[]' 87654 50000 cap=50000 status='"approved"' approved=87000
R3=$(apply "$FIX/field-tier.ini") # the tier keeps its own cap
show_is "$R3" true '[]' 1500000 750000 cap=1000000
kifu key add rev1 --role reviewer --key-out "$T/rules/rev1.key" >/dev/null
kifu key add rev2 --role reviewer --key-out "$T/rules/rev2.key" >/dev/null
kifu --key "$T/rules/rev1.key" grant review "$R1" --score 4 >/dev/null
kifu --key "$T/rules/rev2.key" grant review "$R1" --score 4 >/dev/null
kifu donate --amount 500000 --to field:welfare --date 2026-05-01 >/dev/null
alloc_is field 2026-early "$R1" status='"funded"' award=300000 ceiling=300000
expect 1 "above its ceiling of 300000 yen" -- kifu grant decide "$R1" --approve 336000 --date 2026-06-01
expect 0 "approved" -- kifu grant decide "$R1" --approve 300000 --date 2026-06-01
# the small award made under the old cap still verifies under the rules of its time
verify_ok
# a settlement uses the rate of the decision
expect 0 "final 300000, refund_due 0, payable 300000" -- kifu grant settle "$R1" --spent 500000 --income 50000 --date 2027-02-01
verify_ok

finish
