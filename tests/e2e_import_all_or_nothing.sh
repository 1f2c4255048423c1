#!/usr/bin/env bash
# End-to-end: kifu import donations — all or nothing, every bad
# row named FILE:LINE, one commit per import, duplicates, CP932, quoting,
# BOM and CRLF, dry runs, and the books adding up.
SRC=$(cd "$(dirname "$0")/.." && pwd)
FIX=$SRC/fixtures
. "$(dirname "$0")/common.sh"
# The fixtures hold a whole FY 2026 of donations (to 2027-03-30) and a
# business date may not be after today: the clock stands on FY 2026's last day.
export KIFU_NOW=2027-03-31T09:00:00+09:00

# A ledger with what the fixtures refer to (groups, members, partners, boxes).
new_ledger() {
  kifu init --db "$1" --fund "さぽーとほっと基金" --admin admin --key-out "$1.key" \
    --rules "$FIX/rules.ini" >/dev/null &&
    KIFU_DB=$1 KIFU_KEY=$1.key bash "$FIX/setup.sh" "$KIFU_BIN"
}
commits() { sqlite3 "$1" "SELECT count(*) FROM commits"; }
total_in() { kifu --db "$1" balance --json | grep -o '"total":{"in":[0-9-]*' | grep -o '[0-9-]*$'; }
seq_of_ref() { sqlite3 "$1" "SELECT seq FROM don_refs WHERE ref='$2'"; }
personal() { sqlite3 "$1" "SELECT name || '|' || address FROM personal WHERE seq=$2"; }

new_ledger L.db || bad "setting up the ledger failed"
export KIFU_DB=L.db KIFU_KEY=L.db.key

# --- a file with bad rows changes nothing and names every bad line ---------
cp "$FIX/donations-bad.csv" bad.csv
before=$(fingerprint L.db)
expect 2 "^kifu: import of bad.csv refused \(17 bad rows\); nothing recorded$" -- kifu import donations bad.csv
kifu import donations bad.csv >/dev/null 2>err.txt
[ "$(grep -oE '^bad\.csv:[0-9]+:' err.txt | tr -d ':' | sed 's/bad.csv//' | tr '\n' ' ')" = \
  "3 4 5 6 7 8 9 10 13 14 15 16 17 18 20 21 22 " ] && ok || bad "bad lines listed: $(cat err.txt)"
for want in \
  "bad.csv:3: amount -500 must be more than 0 yen" \
  "bad.csv:4: amount 0 must be more than 0 yen" \
  "bad.csv:5: amount 1000000000001 is above the limit of 1,000,000,000,000 yen" \
  "bad.csv:6: date '2026-02-30' is not a real date YYYY-MM-DD" \
  "bad.csv:7: amount '3千円' is not a whole number of yen" \
  "bad.csv:8: fee 1000 must be less than the amount 1000" \
  "bad.csv:9: method 'paypay' must be cash, transfer, card or slip" \
  "bad.csv:10: designation 'shop:ABC' must be general, group:ID, field:CODE or theme:CODE" \
  "bad.csv:13: ref 'BAD-2026-0001' repeats line 2" \
  "bad.csv:14: unknown member M999 (see kifu member list)" \
  "bad.csv:15: unknown group G999 (see kifu group list)" \
  "bad.csv:17: the row has 5 fields, the header has 9" \
  "bad.csv:20: amount '1,000' is not a whole number of yen" \
  "bad.csv:21: partner P001: payment of 40000 yen is more than the 35000 yen pledged and unpaid"; do
  grep -qxF -- "$want" err.txt && ok || bad "missing error line: $want"
done
grep -qE '^bad\.csv:18: malformed CSV' err.txt && ok || bad "stray quote not reported at line 18"
expect 2 "bad.csv:3: amount -500" -- kifu import donations bad.csv --dry-run
expect 2 "bad.csv:15: unknown group G999" -- kifu import donations bad.csv --skip-duplicates
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "a refused import changed the ledger"

# --- the same rows, fixed, in one commit -------------------------------------
cat >fixed.csv <<'EOF'
date,amount,source,to,donor,address,ref,method,fee
2026-04-05,10000,,general,伊藤 直樹,札幌市中央区北1条西2丁目,BAD-2026-0001,transfer,
2026-04-06,500,,general,,,BAD-2026-0002,cash,
2026-04-07,100,,,,,BAD-2026-0003,cash,
2026-04-08,1000000,,,,,BAD-2026-0004,transfer,
2026-02-28,3000,,,,,BAD-2026-0005,cash,
2026-04-10,3000,,,,,BAD-2026-0006,cash,
2026-04-11,1000,,,,,BAD-2026-0007,card,32
2026-04-12,5000,,,,,BAD-2026-0008,transfer,
2026-04-13,5000,,group:G001,,,BAD-2026-0009,cash,
2026-04-14,20000,,group:G002,"渡辺 恵子","札幌市北区北8条西5丁目
北海道大学 クラーク会館, 2F",BAD-2026-0010,transfer,
2026-04-15,3000,,,,,BAD-2026-0019,cash,
2026-04-16,3000,member:M005,,,,BAD-2026-0011,cash,
2026-04-17,3000,,group:G003,,,BAD-2026-0012,cash,
2026-04-18,3000,,field:culture,,,BAD-2026-0013,cash,
2026-04-19,3000,,,,,BAD-2026-0020,cash,
2026-04-20,1000,direct,,,,BAD-2026-0014,cash,
2026-04-21,1000,,,,,BAD-2026-0015,cash,
2026-04-22,1000,,,,,BAD-2026-0016,cash,
2026-04-23,5000,partner:P001,,,,BAD-2026-0017,transfer,
EOF
c0=$(commits L.db)
size0=$(sqlite3 L.db "SELECT max(seq) FROM entries")
expect 0 "^seq $((size0 + 1))\.\.$((size0 + 19)): 19 donations recorded \(total 1070600 yen\), 0 duplicates skipped$" -- kifu import donations fixed.csv
[ "$(commits L.db)" = $((c0 + 1)) ] && ok || bad "the import was not exactly one commit"
[ "$(kifu log --since $((size0 + 1)) --json | grep -o '"commit":[0-9]*' | sort -u | wc -l)" = 1 ] &&
  ok || bad "the imported entries are not all in one commit"
s=$(seq_of_ref L.db BAD-2026-0010)
[ "$(personal L.db "$s")" = "$(printf '渡辺 恵子|札幌市北区北8条西5丁目\n北海道大学 クラーク会館, 2F')" ] &&
  ok || bad "multi-line address stored as: $(personal L.db "$s")"

# --- re-importing: duplicates refused, or skipped ----------------------------
before=$(fingerprint L.db)
expect 2 "^fixed.csv:2: ref 'BAD-2026-0001' is already recorded" -- kifu import donations fixed.csv
expect 0 "^nothing to record: 0 donations, 19 duplicates skipped$" -- kifu import donations fixed.csv --skip-duplicates
expect 0 '^\{"recorded":0,"skipped":19,"total":0,' -- kifu import donations fixed.csv --skip-duplicates --json
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "a re-import changed the ledger"
# a ref repeated in the file is skipped too, the first occurrence kept
{ cat fixed.csv; echo "2026-05-01,700,,,,,NEW-0001,cash,"; echo "2026-05-02,800,,,,,NEW-0001,cash,"; } >dup.csv
expect 2 "^dup.csv:23: ref 'NEW-0001' repeats line 22$" -- kifu import donations dup.csv
expect 0 "^seq [0-9]+\.\.[0-9]+: 1 donation recorded \(total 700 yen\), 20 duplicates skipped$" -- kifu import donations dup.csv --skip-duplicates

# --- the FY2026 fixture: dry run, then the real import; the books add up -----
want_total=$(awk -F, '/^[A-Z]+-2026-[0-9][0-9][0-9][0-9],/ { s += $3 } END { print s }' "$FIX/donations-2026.csv")
want_net=$(awk -F, '/^[A-Z]+-2026-[0-9][0-9][0-9][0-9],/ { s += $3 - $4 } END { print s }' "$FIX/donations-2026.csv")
in0=$(total_in L.db)
before=$(fingerprint L.db)
expect 0 "^dry run: seq [0-9]+\.\.[0-9]+: 300 donations would be recorded \(total $want_total yen\), 0 duplicates skipped; nothing written$" -- kifu import donations "$FIX/donations-2026.csv" --dry-run
expect 0 '"dry_run":true,"seq":[0-9]+,"last":[0-9]+,"recorded":300,' -- kifu import donations "$FIX/donations-2026.csv" --dry-run --json
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "--dry-run wrote to the ledger"
c0=$(commits L.db)
out=$(kifu import donations "$FIX/donations-2026.csv" --json 2>&1)
grep -qE '^\{"seq":[0-9]+,"last":[0-9]+,"commit":[0-9]+,"recorded":300,"skipped":0,"total":'"$want_total"',' <<<"$out" &&
  ok || bad "fixture import: $out"
[ "$(commits L.db)" = $((c0 + 1)) ] && ok || bad "the fixture import was not one commit"
in1=$(total_in L.db)
[ $((in1 - in0)) = "$want_net" ] && ok || bad "balance in grew by $((in1 - in0)), want $want_net (amount - fee)"
# quoted fields: a line break in an address, a comma, a doubled quote
s=$(seq_of_ref L.db BANK-2026-0026)
[ "$(personal L.db "$s")" = "$(printf '山田 太郎|札幌市白石区本通1丁目南3-15\nグランドハイツ白石 201号室')" ] &&
  ok || bad "BANK-2026-0026 personal data: $(personal L.db "$s")"
s=$(seq_of_ref L.db CASH-2026-0037)
[ "$(personal L.db "$s")" = '有限会社"まるやま"商店|札幌市北区北12条西7丁目4-9, サンプルビル3F' ] &&
  ok || bad "CASH-2026-0037 personal data: $(personal L.db "$s")"
expect 0 "300 duplicates skipped" -- kifu import donations "$FIX/donations-2026.csv" --skip-duplicates

# --- CP932 with CRLF: the same names and addresses as the UTF-8 original -----
expect 2 "donations-2026-cp932.csv:2: invalid UTF-8 byte 0x[0-9A-F]{2} \(for a CP932 file, use --encoding cp932\)" -- kifu import donations "$FIX/donations-2026-cp932.csv"
expect 0 "^seq [0-9]+\.\.[0-9]+: 40 donations recorded" -- kifu import donations "$FIX/donations-2026-cp932.csv" --encoding cp932
iconv -f CP932 -t UTF-8 "$FIX/donations-2026-cp932.csv" >u8.csv
new_ledger U.db || bad "setting up the second ledger failed"
expect 0 "40 donations recorded" -- kifu --db U.db --key U.db.key import donations u8.csv --encoding utf-8
q="SELECT r.ref, p.name, p.address FROM personal p JOIN don_refs r ON r.seq = p.seq WHERE r.ref LIKE 'SHINKIN-%' ORDER BY r.ref"
[ "$(sqlite3 L.db "$q" | sha256sum)" = "$(sqlite3 U.db "$q" | sha256sum)" ] &&
  ok || bad "CP932 import differs from the UTF-8 original"
[ "$(sqlite3 U.db "$q" | wc -l)" -ge 40 ] && ok || bad "too few SHINKIN rows with personal data"
s=$(seq_of_ref L.db SHINKIN-2026-0007)
[ "$(personal L.db "$s")" = "$(printf 'ﾎｯｶｲﾄﾞｳ ｼﾞﾛｳ|札幌市南区真駒内\n上町３丁目, ２－１５')" ] &&
  ok || bad "SHINKIN-2026-0007 (CRLF inside quotes) stored as: $(personal L.db "$s")"
sqlite3 L.db "SELECT name FROM personal" | grep -qxF '髙橋 﨑子' && ok || bad "IBM extension characters lost"
printf 'date,amount,donor,ref\r\n2026-06-01,1000,\x82\xa0\x82,CP-BAD-1\r\n2026-06-02,1000,\x82\xa0,CP-OK-1\r\n' >badcp.csv
expect 2 "^badcp.csv:2: invalid CP932 byte 0x82" -- kifu import donations badcp.csv --encoding cp932
printf 'date,amount,donor,ref\n2026-06-01,1000,\xff\xfe,U-BAD-1\n' >badu8.csv
expect 2 "^badu8.csv:2: invalid UTF-8 byte 0xFF" -- kifu import donations badu8.csv

# --- BOM + CRLF; header problems; empty files; malformed quoting -------------
printf '\xef\xbb\xbfdate,amount,ref,address\r\n2026-06-01,1000,BOM-0001,"a\r\nb"\r\n\r\n2026-06-02,2000,BOM-0002,c\r\n' >bom.csv
expect 0 "^seq [0-9]+\.\.[0-9]+: 2 donations recorded \(total 3000 yen\)" -- kifu import donations bom.csv
s=$(seq_of_ref L.db BOM-0001)
[ "$(personal L.db "$s")" = "$(printf '|a\nb')" ] && ok || bad "BOM/CRLF row stored as: $(personal L.db "$s")"
before=$(fingerprint L.db)
printf 'date,amout,ref\n2026-06-01,1000,H-1\n' >h1.csv
expect 2 "^h1.csv:1: unknown column 'amout'" -- kifu import donations h1.csv
printf 'date,ref,method\n2026-06-01,H-2,cash\n' >h2.csv
expect 2 "^h2.csv:1: required column 'amount' is missing" -- kifu import donations h2.csv
printf 'date,amount,Date\n2026-06-01,1,2026-06-01\n' >h3.csv
expect 2 "^h3.csv:1: column 'date' appears twice" -- kifu import donations h3.csv
: >empty.csv
expect 2 "^empty.csv:1: no header row" -- kifu import donations empty.csv
printf 'amount,date,ref\r\n' >header-only.csv
expect 0 "^nothing to record: 0 donations, 0 duplicates skipped$" -- kifu import donations header-only.csv
printf 'date,amount,donor\n2026-06-01,1000,"never closed\n2026-06-02,1000,x\n' >open.csv
expect 2 '^open.csv:2: malformed CSV \(a quoted field is not closed at the end of the file\)' -- kifu import donations open.csv
printf 'date,amount,donor\n2026-06-01,1000,"ok"x\n2026-06-02,0,y\n' >junk.csv
kifu import donations junk.csv >/dev/null 2>err.txt
grep -q '^junk.csv:2: malformed CSV' err.txt && grep -q '^junk.csv:3: amount 0' err.txt &&
  ok || bad "after a malformed line the next line is read: $(cat err.txt)"
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "a bad file changed the ledger"

# --- at most 100 bad rows are listed, then a count ----------------------------
{ echo "date,amount"; for i in $(seq 1 150); do echo "2026-06-01,-$i"; done; } >many.csv
kifu import donations many.csv >/dev/null 2>err.txt && bad "many.csv accepted" || ok
[ "$(grep -c '^many.csv:[0-9]*: amount' err.txt)" = 100 ] && ok || bad "not 100 errors listed"
grep -qxF "many.csv: … and 50 more" err.txt && ok || bad "no '… and 50 more': $(tail -2 err.txt)"
grep -q importing err.txt && bad "progress bar drawn although stderr is not a terminal" || ok

# --- usage and roles ----------------------------------------------------------
expect 2 "must be utf-8 or cp932" -- kifu import donations bom.csv --encoding latin1
expect 2 "unknown option '--force'" -- kifu import donations bom.csv --force
expect 2 "usage: kifu import donations" -- kifu import donations
expect 2 "needs a subcommand" -- kifu import
expect 2 "cannot open nosuch.csv" -- kifu import donations nosuch.csv
expect 0 "usage: kifu import donations FILE.csv" -- kifu import donations --help
kifu key add aud --role auditor --key-out aud.key >/dev/null
expect 1 "key aud has role auditor, which may not record donations" -- kifu --key aud.key import donations "$FIX/donations-2026.csv" --skip-duplicates
kifu key add tre --role treasurer --key-out tre.key >/dev/null
printf 'date,amount,ref\n2026-07-01,1000,TRE-0001\n' >tre.csv
expect 0 "1 donation recorded" -- kifu --key tre.key import donations tre.csv

expect 0 "^ok: " -- kifu verify
expect 0 "^ok: " -- kifu --db U.db verify
finish
