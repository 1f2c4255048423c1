#!/usr/bin/env bash
# End-to-end: `kifu export member` — a supporters' club member's yearly
# statement (年間寄附明細) as .xlsx. The workbook is a zip; its parts are read
# with python3's zipfile (or unzip / busybox unzip); without any of them the
# content checks are skipped and only the file's existence and zip magic are
# checked. Also: the FY's non-voided donations only, the total formula's cached
# value, reproducible bytes under KIFU_NOW, read-only (no key, ledger unchanged),
# exit codes 2 (unknown member, bad --fy/--lang, missing options) and 3
# (unwritable --out, leaving nothing behind).
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
SRC=$(realpath "$SRC")
. "$(dirname "$0")/common.sh"
export KIFU_DB=L.db KIFU_KEY=admin.key

kifu init --fund さぽーとほっと基金 --admin admin --key-out admin.key --rules "$SRC/fixtures/rules.ini" >/dev/null
kifu group add G001 --name 子ども食堂 --type volunteer --founded 2020-04-01 --members 12 >/dev/null
kifu member add M1 --name 山田花子 --tier regular --joined 2024-04-01 >/dev/null
kifu member add M2 --name 佐藤一郎 --tier gold --joined 2025-04-01 >/dev/null
# The gifts are dated to 2027-04-01 and a business date may not be after
# today: the clock moves on from the init's 2026-05-01.
export KIFU_NOW=2027-04-30T09:00:00+09:00
d() { kifu donate "$@" | sed -n 's/^seq \([0-9]*\):.*/\1/p'; }
a=$(d --amount 1200 --source member:M1 --date 2026-04-15 --method transfer --ref BANK-0001)
b=$(d --amount 2500 --fee 100 --source member:M1 --date 2026-06-01 --to group:G001 --method card)
c=$(d --amount 700 --source member:M1 --date 2026-05-20 --to field:welfare)
v=$(d --amount 8888 --source member:M1 --date 2026-07-01)             # voided below
o=$(d --amount 9999 --source member:M1 --date 2027-04-01)             # FY2027
p=$(d --amount 4321 --source member:M2 --date 2026-08-01)             # another member
q=$(d --amount 6543 --date 2026-08-02)                                # not a member's
kifu void "$v" --reason 二重計上 --date 2026-07-02 >/dev/null
[ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] && [ -n "$v" ] && [ -n "$o" ] && [ -n "$p" ] && [ -n "$q" ] &&
  ok || bad "setup: seqs '$a' '$b' '$c' '$v' '$o' '$p' '$q'"

# part FILE PART: prints one part of the zip, or fails when no reader exists.
if command -v python3 >/dev/null 2>&1 && python3 -c 'import zipfile' 2>/dev/null; then
  part() { python3 -c 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode("utf-8"))' "$1" "$2"; }
elif command -v unzip >/dev/null 2>&1; then
  part() { unzip -p "$1" "$2"; }
elif command -v busybox >/dev/null 2>&1 && busybox unzip >/dev/null 2>&1; then
  part() { busybox unzip -p "$1" "$2"; }
else
  part() { return 1; }
fi
have_reader=1
is_xlsx() { [ -s "$1" ] && [ "$(head -c 2 "$1")" = "PK" ]; }

# Read-only: no key needed, and the ledger is unchanged.
before=$(fingerprint L.db)
expect 0 "member M1 FY 2026: 3 donations, 4400 yen \(active\) written to m1.xlsx" -- \
  env -u KIFU_KEY "$KIFU_BIN" export member M1 --fy 2026 --out m1.xlsx
expect 0 '^\{"member":"M1","fy":2026,"donations":3,"voided":1,"total":4400,"status":"active","file":"m1-en.xlsx"\}$' -- \
  kifu --json export member M1 --fy 2026 --out m1-en.xlsx --lang en
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "export changed the ledger"
is_xlsx m1.xlsx && is_xlsx m1-en.xlsx && ok || bad "m1.xlsx is not a zip"
# The member list agrees with the statement's total and status.
expect 0 '"id":"M1","name":"山田花子","tier":"regular","joined":"2024-04-01","tier_min":3000,"donated":4400,"status":"active"' -- \
  kifu member list --fy 2026 --json

if ! part m1.xlsx xl/worksheets/sheet1.xml >/dev/null 2>&1; then
  have_reader=0
  echo "no zip reader (python3, unzip, busybox): skipping workbook content checks" >&2
fi

if [ "$have_reader" = 1 ]; then
  sheet=$(part m1.xlsx xl/worksheets/sheet1.xml)
  strings=$(part m1.xlsx xl/sharedStrings.xml)
  styles=$(part m1.xlsx xl/styles.xml)
  core=$(part m1.xlsx docProps/core.xml)
  book=$(part m1.xlsx xl/workbook.xml)
  # amount cells (column C) of the FY's non-voided donations, in date order
  for amount in 1200 700 2500; do
    grep -qE "<c r=\"C[0-9]+\"[^>]*><v>$amount</v></c>" <<<"$sheet" && ok || bad "amount $amount not in column C"
  done
  grep -qE '<c r="D[0-9]+"[^>]*><v>100</v></c>' <<<"$sheet" && ok || bad "fee 100 not in column D"
  # the total: a SUM formula carrying its computed value, and the summary cell
  grep -q '<f>SUM(C11:C13)</f><v>4400</v>' <<<"$sheet" && ok || bad "total formula: $sheet"
  grep -q '<f>SUM(D11:D13)</f><v>100</v>' <<<"$sheet" && ok || bad "fee total formula"
  grep -q '<f>C14</f><v>4400</v>' <<<"$sheet" && ok || bad "summary total formula"
  # neither the voided gift, the other FY's, another member's nor a direct one
  for amount in 8888 9999 4321 6543; do
    grep -q "<v>$amount</v>" <<<"$sheet" && bad "amount $amount must not be listed" || ok
  done
  for s in "$v" "$o" "$p" "$q"; do
    grep -q "$(printf '%d-%06d' 2026 "$s")\|$(printf '%d-%06d' 2027 "$s")" <<<"$strings" &&
      bad "receipt no of seq $s must not be listed" || ok
  done
  # receipt numbers <FY>-<seq, 6 digits>, rows by date: a (04-15), c (05-20), b (06-01)
  ra=$(printf '2026-%06d' "$a") rb=$(printf '2026-%06d' "$b") rc=$(printf '2026-%06d' "$c")
  grep -q "<t>$ra</t>.*<t>$rc</t>.*<t>$rb</t>" <<<"$strings" && ok || bad "receipt nos: $strings"
  for t in 年間寄附明細（サポーターズクラブ） さぽーとほっと基金 山田花子 regular 2026年度 '有効 (active)' BANK-0001 振込 カード \
    '子ども食堂 (group:G001)' '保健・医療・福祉の増進 (field:welfare)' 一般 合計 '取り消された寄附 1 件は含みません。'; do
    grep -qF "<t>$t</t>" <<<"$strings" && ok || bad "shared strings lack '$t'"
  done
  # dates are real dates: 2026-04-15 is serial 46127, with a date format
  grep -qE '<c r="A11" s="[0-9]+"><v>46127</v></c>' <<<"$sheet" && ok || bad "A11 is not the date 2026-04-15"
  grep -qE '<c r="F5" s="[0-9]+"><v>46113</v></c>' <<<"$sheet" && ok || bad "FY first day 2026-04-01"
  grep -qE '<c r="F6" s="[0-9]+"><v>46477</v></c>' <<<"$sheet" && ok || bad "FY last day 2027-03-31"
  grep -q 'formatCode="yyyy/mm/dd"' <<<"$styles" && ok || bad "no date format"
  grep -q 'formatCode="#,##0&quot;円&quot;"' <<<"$styles" && ok || bad "no yen format"
  # frozen header row, autofilter over header and lines, no data validation
  grep -q '<pane ySplit="10" topLeftCell="A11" activePane="bottomLeft" state="frozen"/>' <<<"$sheet" && ok || bad "header not frozen"
  grep -q '<autoFilter ref="A10:H13"/>' <<<"$sheet" && ok || bad "autofilter"
  grep -q '<cols>' <<<"$sheet" && ok || bad "no column widths"
  grep -q 'dataValidation' <<<"$sheet" && bad "data validation must not be used" || ok
  grep -q '<sheet name="明細"' <<<"$book" && ok || bad "sheet name: $book"
  # properties: title, and a subject naming fund, FY and the ledger's root
  root=$(kifu prove 1 --json | sed -n 's/.*"root":"\([0-9a-f]*\)".*/\1/p')
  grep -q "<dc:title>年間寄附明細（サポーターズクラブ） M1 2026</dc:title>" <<<"$core" && ok || bad "title: $core"
  [ -n "$root" ] && grep -q "<dc:subject>さぽーとほっと基金; FY 2026; ledger size [0-9]*; root $root</dc:subject>" <<<"$core" &&
    ok || bad "subject lacks root '$root': $core"
  grep -q '2027-04-30T00:00:00Z' <<<"$core" && ok || bad "created time is not KIFU_NOW"

  # English labels
  grep -q '<sheet name="Statement"' <<<"$(part m1-en.xlsx xl/workbook.xml)" && ok || bad "en sheet name"
  en=$(part m1-en.xlsx xl/sharedStrings.xml)
  for t in 'Annual donation statement (supporters'"'"' club)' 'Receipt no.' Total active 'bank transfer' '1 voided donation(s) not included.'; do
    grep -qF "<t>$t</t>" <<<"$en" && ok || bad "en strings lack '$t'"
  done
  grep -q 'formatCode="&quot;¥&quot;#,##0"' <<<"$(part m1-en.xlsx xl/styles.xml)" && ok || bad "en yen format"

  # A lapsed member; an FY with no donations still has a total of 0.
  expect 0 "1 donation, 4321 yen \(lapsed\)" -- kifu export member M2 --fy 2026 --out m2.xlsx
  grep -qF '<t>失効 (lapsed)</t>' <<<"$(part m2.xlsx xl/sharedStrings.xml)" && ok || bad "M2 lapsed"
  expect 0 "0 donations, 0 yen \(lapsed\)" -- kifu export member M1 --fy 2025 --out empty.xlsx
  grep -q '<f>SUM(C11:C11)</f><v>0</v>' <<<"$(part empty.xlsx xl/worksheets/sheet1.xml)" && ok || bad "empty FY total"
  grep -qF '<t>（この年度の寄附はありません）</t>' <<<"$(part empty.xlsx xl/sharedStrings.xml)" && ok || bad "empty FY note"
  # FY2027 lists the 9999 gift only
  expect 0 "1 donation, 9999 yen" -- kifu export member M1 --fy 2027 --out m1-27.xlsx
  grep -q '<f>SUM(C11:C11)</f><v>9999</v>' <<<"$(part m1-27.xlsx xl/worksheets/sheet1.xml)" && ok || bad "FY2027 total"
fi

# With LibreOffice installed: its recalculation gives the values kifu cached.
if command -v soffice >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
  out=$(xlsx_recalc m1.xlsx m1-en.xlsx 2>&1)
  grep -q "^mismatches 0$" <<<"$out" && ok || bad "LibreOffice recalculation: $out"
fi

# Same ledger, same KIFU_NOW: the same bytes.
expect 0 "" -- kifu export member M1 --fy 2026 --out again.xlsx
cmp -s m1.xlsx again.xlsx && ok || bad "export is not reproducible under KIFU_NOW"
# Overwrites an existing file in place with --force (refused without it).
expect 1 "again.xlsx exists; give --force to replace it" -- kifu export member M1 --fy 2026 --out again.xlsx
expect 0 "" -- kifu export member M1 --fy 2026 --out again.xlsx --force
is_xlsx again.xlsx && ok || bad "overwrite"

# Errors
expect 1 "no member M9" -- kifu export member M9 --fy 2026 --out x.xlsx
expect 2 "'bad id' is not a member id" -- kifu export member 'bad id' --fy 2026 --out x.xlsx
expect 2 "--fy 'abc' is not a fiscal year" -- kifu export member M1 --fy abc --out x.xlsx
expect 2 "--fy '20260' is not a fiscal year" -- kifu export member M1 --fy 20260 --out x.xlsx
expect 2 "usage: kifu export member" -- kifu export member M1 --out x.xlsx
expect 2 "usage: kifu export member" -- kifu export member M1 --fy 2026
expect 2 "usage: kifu export member" -- kifu export member --fy 2026 --out x.xlsx
expect 2 "--lang 'fr' must be ja or en" -- kifu export member M1 --fy 2026 --out x.xlsx --lang fr
expect 2 "unknown option '--bogus'" -- kifu export member M1 --fy 2026 --out x.xlsx --bogus
[ -e x.xlsx ] && bad "x.xlsx written on a usage error" || ok
only_error 3 "kifu: cannot write $T/nodir/x.xlsx: No such file or directory" -- kifu export member M1 --fy 2026 --out "$T/nodir/x.xlsx"
# checked before the ledger is opened and the statement read
only_error 3 "kifu: cannot write $T/nodir/x.xlsx: No such file or directory" -- kifu --db missing.db export member M1 --fy 2026 --out "$T/nodir/x.xlsx"
mkdir adir
only_error 3 "kifu: cannot write adir: Is a directory" -- kifu export member M1 --fy 2026 --out adir
ls adir.tmp* >/dev/null 2>&1 && bad "temporary file left behind" || ok
if [ "$(id -u)" != 0 ]; then
  mkdir ro && chmod 555 ro
  expect 3 "cannot write ro/x.xlsx" -- kifu export member M1 --fy 2026 --out ro/x.xlsx
  [ -z "$(ls -A ro)" ] && ok || bad "ro/ not empty"
fi
expect 2 "" -- kifu --db missing.db export member M1 --fy 2026 --out x.xlsx
expect 0 "usage: kifu export member ID --fy Y --out FILE.xlsx" -- kifu export member --help
expect 0 "export member" -- kifu help
tmps=$(ls -d ./*.tmp* 2>/dev/null)
[ -z "$tmps" ] && ok || bad "temporary files left behind: $tmps"

finish
