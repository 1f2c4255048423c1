#!/usr/bin/env bash
# End-to-end: kifu verify covers the derived state (docs/FORMAT.md §8,
# "Derived state"). A small ledger is built with real commands (registry,
# donations with personal data, a void, a partner, a box, an erasure,
# grants with reviews, decisions and payments); then, on a fresh copy for
# each case, one derived or side table is edited with plain sqlite3, and
# kifu verify must exit 1 naming the table (or the seq, for personal data)
# while leaving the file byte for byte as it was. A forged entry that no
# signed commit covers is refused by every other command at open.
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/common.sh"
APPS=$SRC/tests/data/apps
export KIFU_DB=L.db KIFU_KEY=admin.key KIFU_PASSPHRASE=pw-tests KIFU_NEW_PASSPHRASE=pw-tests

q() { sqlite3 -batch "$1" "$2"; }
sha() { sha256sum "$1" | cut -c1-64; }
seq_of() { sed -n 's/^seq \([0-9]*\):.*/\1/p'; }

# must CMD...: a setup step; if it fails the whole test stops.
must() {
  local out
  if ! out=$("$@" 2>&1); then
    bad "setup step failed: $*: $out"
    finish
    exit 1
  fi
  printf '%s\n' "$out"
}

# ------------------------------------------------------------ the ledger
must kifu init --fund テスト基金 --admin admin --key-out admin.key --rules "$SRC/tests/data/rules-grants.ini" >/dev/null
# The money below is dated to 2026-09-01 and a business date may not be
# after today: the clock moves on from the init's 2026-05-01.
export KIFU_NOW=2026-09-30T09:00:00+09:00
must kifu key add kaikei --role treasurer --key-out t.key >/dev/null
must kifu key add rev1 --role reviewer --key-out rev1.key >/dev/null
must kifu key add rev2 --role reviewer --key-out rev2.key >/dev/null
for g in 1 2 9; do
  must kifu group add G$g --name グループ$g --type volunteer --founded 2020-04-01 --members 12 >/dev/null
done
must kifu member add M1 --name 会員一 --tier regular --joined 2024-04-01 >/dev/null
must kifu partner add P1 --name 協賛社 --per-click 7 --monthly-cap 20000 --to field:welfare >/dev/null
must kifu box add B1 --location 区役所 --host 市民課 --to group:G2 >/dev/null
T1="--key t.key"
GEN=$(must kifu $T1 donate --amount 1000000 --date 2026-05-01 --ref R-1 --donor 山田太郎 --address 東京都千代田区1-1 | seq_of)
WEL=$(must kifu $T1 donate --amount 600000 --to field:welfare --date 2026-05-01 --ref R-2 --donor 佐藤花子 --address 大阪市北区2-2 | seq_of)
must kifu $T1 donate --amount 3000 --source member:M1 --date 2026-06-01 --ref R-3 >/dev/null
VOIDED=$(must kifu $T1 donate --amount 5000 --to group:G1 --date 2026-06-02 --ref R-4 | seq_of)
must kifu $T1 void "$VOIDED" --reason 二重計上 --date 2026-06-03 >/dev/null
ERASED=$(must kifu $T1 donate --amount 2000 --date 2026-06-04 --ref R-5 --donor 鈴木一郎 --address 札幌市 | seq_of)
ERASED_ROW=$(q L.db "SELECT format('%d, X''%s'', %Q, %Q', seq, hex(salt), name, address) FROM personal WHERE seq=$ERASED")
must kifu erase donor R-5 >/dev/null
must kifu $T1 partner clicks P1 --month 2026-06 --clicks 2000 >/dev/null
must kifu $T1 partner pay P1 --amount 10000 --date 2026-08-01 >/dev/null
must kifu $T1 box collect B1 --date 2026-08-10 --count-a 8000 --count-b 8000 --counters "佐藤,鈴木" >/dev/null
A1=$(must kifu grant apply "$APPS/A1.ini" --date 2026-04-25 | sed -n 's/^seq [0-9]*: \(A-[0-9]*-[0-9]*\) recorded$/\1/p')
must kifu --key rev1.key grant review "$A1" --score 4 >/dev/null
must kifu --key rev2.key grant review "$A1" --score 5 >/dev/null
must kifu grant decide "$A1" --approve 400000 --date 2026-06-01 >/dev/null
must kifu $T1 grant pay "$A1" --amount 100000 --date 2026-06-10 >/dev/null
must kifu $T1 donate --amount 1500 --date 2026-09-01 >/dev/null # last: every index is current
[ -n "$GEN" ] && [ -n "$WEL" ] && [ -n "$VOIDED" ] && [ -n "$ERASED" ] && [ "$A1" = A-2026-0001 ] && ok ||
  bad "setup: seqs '$GEN' '$WEL' '$VOIDED' '$ERASED', application '$A1'"
cp L.db pristine.db
[ ! -e L.db-wal ] || [ ! -s L.db-wal ] || bad "the ledger's WAL was not checkpointed at close"

# verify_good DB: kifu verify exits 0, compares every derived table, and
# leaves the file as it was.
verify_good() {
  local db=$1 before code
  before=$(sha "$db")
  kifu --db "$db" verify >v.out 2>v.err && code=0 || code=$?
  if [ $code = 0 ] && grep -qE '^derived state of seq 1\.\.[0-9]+: 16 tables \([0-9]+ rows\) and 2 personal rows match the entries$' v.out; then
    ok
  else
    bad "verify of $db -> exit $code: $(cat v.out v.err)"
  fi
  [ "$(sha "$db")" = "$before" ] && ok || bad "verify changed $db"
}

# tampered NAME SQL REGEX...: on a fresh copy of the ledger, SQL must
# change a row; then kifu verify exits 1 with a message matching every
# REGEX, and the file is the same before and after.
tampered() {
  local name=$1 sql=$2 db=case-$1.db out before code re
  shift 2
  cp pristine.db "$db"
  if ! out=$(sqlite3 -batch -bail "$db" "$sql; SELECT total_changes();" 2>&1) || [ "$(tail -n 1 <<<"$out")" = 0 ]; then
    bad "[$name] tampering changed nothing: $out"
    return
  fi
  before=$(sha "$db")
  kifu --db "$db" verify >v.out 2>v.err && code=0 || code=$?
  if [ $code != 1 ]; then
    bad "[$name] verify -> exit $code, want 1: $(cat v.out v.err)"
  else
    ok
    for re in "$@"; do
      grep -qE -- "$re" v.err && ok || bad "[$name] verify message does not match /$re/: $(cat v.err)"
    done
  fi
  [ "$(sha "$db")" = "$before" ] && ok || bad "[$name] verify changed the file"
}

verify_good L.db
expect 0 '"derived":\{"size":[0-9]+,"tables":16,"rows":[0-9]+,"personal":2,"skipped":""\}' -- kifu verify --json

ADV='kifu reindex \(admin\) rebuilds derived state once the cause is found$'
# --- derived tables
tampered pool_fy "UPDATE pool_fy SET in_=in_-1000000 WHERE pool='general'" \
  "^kifu: verification failed: derived table pool_fy, origin=donations, pool=general, fy=2026: stored in_=[0-9]+, the entries give in_=[0-9]+; $ADV"
tampered don_refs "DELETE FROM don_refs WHERE ref='R-2'" \
  "derived table don_refs, ref=R-2: the entries give a row \(seq=$WEL\) that is not stored; $ADV"
tampered grp_apps "UPDATE grp_apps SET approved=approved+1 WHERE id='$A1'" \
  "derived table grp_apps, id=$A1: stored approved=400001, the entries give approved=400000; $ADV"
tampered reg_groups "UPDATE reg_groups SET name='X' WHERE id='G1'" \
  "derived table reg_groups, id=G1: stored name='X', the entries give name='グループ1'; $ADV"
tampered reg_members "UPDATE reg_members SET tier='gold', joined='2020-01-01' WHERE id='M1'" \
  "derived table reg_members, id=M1: stored tier='gold', joined='2020-01-01', the entries give tier='regular', joined='2024-04-01'"
tampered don_partner_totals "UPDATE don_partner_totals SET paid=paid+1 WHERE id='P1'" \
  "derived table don_partner_totals, id=P1: stored paid=10001, the entries give paid=10000"
tampered don_voids "DELETE FROM don_voids WHERE seq=$VOIDED" \
  "derived table don_voids, seq=$VOIDED: the entries give a row \(void_seq=[0-9]+\) that is not stored"
tampered grp_reviews "UPDATE grp_reviews SET score=1 WHERE app='$A1' AND score=5" \
  "derived table grp_reviews, app=$A1, reviewer=[0-9a-f]+: stored score=1, the entries give score=5"
tampered extra_row "INSERT INTO reg_boxes(id, location, host, dest, seq) VALUES('B9', '駅前', '商店会', 'general', 99)" \
  "derived table reg_boxes, id=B9: stored row \(location='駅前', host='商店会', dest='general', seq=99\) that the entries do not give; $ADV"
tampered extra_zero_pool_row "INSERT INTO pool_fy(origin, pool, fy) VALUES('donations', 'theme:x', 2030)" \
  "derived table pool_fy, origin=donations, pool=theme:x, fy=2030: stored row \(in_=0, out_=0, committed=0\) that the entries do not give"
tampered unknown_origin "INSERT INTO pool_fy(origin, pool, fy, in_) VALUES('other', 'general', 2026, 5)" \
  "derived table pool_fy, origin=other, pool=general, fy=2026: stored row"
tampered dropped_table "DROP TABLE don_box_totals; UPDATE index_state SET seq=seq WHERE name='donations'" \
  "derived table don_box_totals is not stored, though index_state says its index covers the entries"
# --- personal data (not derived: the seq is named, no reindex offered)
tampered personal_name "UPDATE personal SET name='偽名' WHERE seq=$GEN" \
  "^kifu: verification failed: personal data of seq $GEN: the stored name and address do not give the donor commitment its entry holds \(edited\)$"
tampered personal_deleted "DELETE FROM personal WHERE seq=$WEL" \
  "^kifu: verification failed: personal data of seq $WEL: its entry holds a donor commitment, but no personal data is stored and no personal.erase names it \(the data is lost\)$"
tampered personal_moved "UPDATE personal SET seq=$VOIDED WHERE seq=$WEL" \
  "personal data of seq $VOIDED: the entry at seq $VOIDED \(donation\) holds no donor commitment"
tampered personal_kept "INSERT INTO personal(seq, salt, name, address) VALUES($ERASED_ROW)" \
  "personal data of seq $ERASED: still stored, though personal.erase at seq [0-9]+ erased it"
tampered personal_beyond "INSERT INTO personal(seq, salt, name, address) VALUES(9999, zeroblob(16), 'x', 'y')" \
  "personal data of seq 9999: there is no entry at seq 9999"

# An index the file does not record as built for these entries is not
# compared (the next command rebuilds it before reading it), and says so.
cp pristine.db stale.db
q stale.db "UPDATE reg_groups SET name='X' WHERE id='G1'; UPDATE index_state SET seq=seq-1 WHERE name='registry'"
before=$(sha stale.db)
expect 0 "; not compared \(not built for these entries; the next command rebuilds them\): registry$" -- kifu --db stale.db verify
[ "$(sha stale.db)" = "$before" ] && ok || bad "verify changed stale.db"
expect 0 '"name":"グループ1"' -- kifu --db stale.db group list --json
verify_good stale.db

# --- the pool_fy edit: reads of pool figures refuse, reindex restores
cp pristine.db pools.db
q pools.db "UPDATE pool_fy SET in_=in_-1000000 WHERE pool='general'"
expect 1 "the pool figures stored in table pool_fy differ from those signed by commit [0-9]+; run kifu verify" -- kifu --db pools.db balance
expect 1 "pool_fy differ from those signed" -- kifu --db pools.db export audit --fy 2026 --out audit.xlsx
expect 1 "pool_fy" -- kifu --db pools.db export group G1 --fy 2026 --out group.xlsx
[ ! -e audit.xlsx ] && [ ! -e group.xlsx ] && ok || bad "a refused export left a workbook"
expect 1 "derived table pool_fy" -- kifu --db pools.db verify
expect 0 "rebuilt" -- kifu --db pools.db reindex
verify_good pools.db
[ "$(kifu --db pools.db balance --json)" = "$(kifu --db pristine.db balance --json)" ] && ok || bad "reindex did not restore the balance"

# --- a forged entry no signed commit covers (with its leaf and Merkle nodes)
hex2bin() { printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }
sha256hex() { sha256sum | cut -c1-64; }
node_hash() { hex2bin "01$1$2" | sha256hex; }
popcount() {
  local n=$1 c=0
  while [ "$n" -gt 0 ]; do c=$((c + (n & 1))); n=$((n >> 1)); done
  echo $c
}
node_idx() {
  local i=$(((($2 + 1) << $1) - 1))
  echo $((i - $(popcount $i) + $1 - 1))
}
cp pristine.db forged.db
N=$(($(q forged.db "SELECT max(seq) FROM entries") + 1))
C=$(q forged.db "SELECT max(id) FROM commits")
printf 'kifu.entry.v1\nseq#%d\nkind=donation\namount#7000000\ncredit#0\ncredit_general#7000000\ncredit_pool=general\ndate=2026-09-02\nfy#2026\nsource=direct\nto=general\n' "$N" >forged.bin
leaf=$({ printf '\0'; cat forged.bin; } | sha256hex)
sql="INSERT INTO entries(seq, commit_id, kind, leaf, body) VALUES($N, $C, 'donation', X'$leaf', X'$(od -An -tx1 -v forged.bin | tr -d ' \n')');"
i=$((N - 1)) h=$leaf lvl=0
while (((i >> lvl) & 1)); do
  n=$(((i >> lvl) - 1))
  if [ $lvl = 0 ]; then
    left=$(q forged.db "SELECT lower(hex(leaf)) FROM entries WHERE seq=$((n + 1))")
  else
    left=$(q forged.db "SELECT lower(hex(hash)) FROM nodes WHERE idx=$(node_idx $lvl $n)")
  fi
  h=$(node_hash "$left" "$h")
  lvl=$((lvl + 1))
  sql+="INSERT INTO nodes(idx, hash) VALUES($(node_idx $lvl $((i >> lvl))), X'$h');"
done
q forged.db "$sql"
[ "$(q forged.db "SELECT count(*) FROM entries WHERE seq=$N")" = 1 ] && ok || bad "the forged row was not stored"
before=$(sha forged.db)
SEEN="seq $N\.\.$N are stored but no signed commit covers them .*; run kifu verify$"
expect 1 "$SEEN" -- kifu --db forged.db balance
expect 1 "$SEEN" -- kifu --db forged.db log
expect 1 "$SEEN" -- kifu --db forged.db $T1 donate --amount 1000
expect 1 "$SEEN" -- kifu --db forged.db checkpoint
expect 1 "$SEEN" -- kifu --db forged.db receipt "$GEN" --out receipt.txt
[ ! -e receipt.txt ] && ok || bad "a refused receipt was written"
expect 1 "^kifu: verification failed: seq $N is not covered by any signed commit" -- kifu --db forged.db verify
[ "$(sha forged.db)" = "$before" ] && ok || bad "a refused command changed forged.db"

# Exports present figures only from state that passed the checks they
# describe: with a group renamed in reg_groups (a derived table no signature
# covers), the statements are refused and written nowhere, and the auditor's
# workbook exits 1 and says 検証 失敗 on its first sheet, never 成功.
cp pristine.db exp.db
sqlite3 exp.db "UPDATE reg_groups SET name='X' WHERE id='G1'"
expect 1 "verification failed, no statement written: derived table reg_groups, id=G1" -- kifu --db exp.db export group G1 --fy 2026 --out g.xlsx
[ ! -e g.xlsx ] && ok || bad "a statement was written from a ledger that fails verification"
expect 1 "verification failed, no statement written" -- kifu --db exp.db export member M1 --fy 2026 --out m.xlsx
[ ! -e m.xlsx ] && ok || bad "a member statement was written from a ledger that fails verification"
expect 1 "verification FAILED" -- kifu --db exp.db export audit --fy 2026 --out a.xlsx
if command -v python3 >/dev/null; then
  first=$(python3 -c "import zipfile,sys; print(zipfile.ZipFile('a.xlsx').read('xl/worksheets/sheet1.xml').decode())")
  grep -q '失敗' <<<"$first" && ! grep -q '成功' <<<"$first" && ok || bad "the audit workbook's first sheet does not say 検証 失敗"
fi
# the pristine ledger was never touched by any of this
verify_good pristine.db
finish
