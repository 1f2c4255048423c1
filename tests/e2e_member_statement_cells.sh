#!/usr/bin/env bash
# End-to-end: `kifu export member` — a supporters' club member's yearly
# statement (年間寄附明細) as .xlsx. The workbook is a zip; its parts are read
# with python3's zipfile (or unzip / busybox unzip); without any of them the
# content checks are skipped and only the file's existence and zip magic are
# checked. Also: the FY's non-voided donations only, the total formula's cached
# value, reproducible bytes under KIFU_NOW, read-only (no key, ledger unchanged),
# exit codes 2 (unknown member, bad --fy/--year/--lang, missing options, both
# or neither of --fy and --year) and 3 (unwritable --out, leaving nothing
# behind). Names, not codes, in the ja statement (no `field:…`, `cash`, …);
# 和暦 dates; the line that says it is not a receipt; a calendar year's
# statement (--year: a gift of January to March counts in its calendar year,
# not its FY's); with LibreOffice, each statement prints on one A4 page.
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
# M3 for the calendar year: FY2025 / year 2026, FY2026 / year 2026, FY2026 /
# year 2027 (January), FY2027 / year 2027.
kifu member add M3 --name 鈴木三郎 --tier regular --joined 2025-04-01 >/dev/null
y1=$(KIFU_NOW=2027-05-01T09:00:00+09:00 d --amount 1000 --source member:M3 --date 2026-03-15 --method cash)
y2=$(KIFU_NOW=2027-05-01T09:00:00+09:00 d --amount 2000 --source member:M3 --date 2026-12-20 --method transfer)
y3=$(KIFU_NOW=2027-05-01T09:00:00+09:00 d --amount 4000 --source member:M3 --date 2027-01-10 --method transfer)
y4=$(KIFU_NOW=2027-05-01T09:00:00+09:00 d --amount 8000 --source member:M3 --date 2027-04-05)
[ -n "$y1" ] && [ -n "$y2" ] && [ -n "$y3" ] && [ -n "$y4" ] && ok || bad "setup M3: '$y1' '$y2' '$y3' '$y4'"
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
  # the total: a SUBTOTAL formula (a filter changes it) carrying its computed
  # value, and the summary cell (the whole FY's: SUM)
  grep -q '<c r="C14"[^>]*><f>SUBTOTAL(9,C11:C13)</f><v>4400</v>' <<<"$sheet" && ok || bad "total formula: $sheet"
  grep -q '<c r="D14"[^>]*><f>SUBTOTAL(9,D11:D13)</f><v>100</v>' <<<"$sheet" && ok || bad "fee total formula"
  grep -q '<c r="B7"[^>]*><f>SUM(C11:C13)</f><v>4400</v>' <<<"$sheet" && ok || bad "summary total formula"
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
  for t in '年間寄附明細（サポーターズクラブ） 令和8年度' さぽーとほっと基金 山田花子 regular 令和8年度 有効 BANK-0001 口座振込 \
    クレジットカード '子ども食堂（団体）' '保健・医療・福祉の増進（分野）' 一般 合計 '取り消された寄附 1 件は含みません。' \
    'この明細は寄附金受領証明書ではありません。確定申告には寄附金受領証明書をご利用ください。' \
    '令和9年4月30日 09:00' 記録番号; do
    grep -qF "<t>$t</t>" <<<"$strings" && ok || bad "shared strings lack '$t'"
  done
  # the not-a-receipt line is row 2, right under the title
  grep -qE '<c r="A2" s="[0-9]+" t="s"><v>[0-9]+</v></c>' <<<"$sheet" && ok || bad "row 2: the not-a-receipt line"
  # no codes in the ja statement: every string is a name or a word
  codes=$(grep -oP '<t[^>]*>[^<]*</t>' <<<"$strings" | grep -P '(field|theme|group|member|partner|box):|\b(direct|cash|transfer|card|slip|approved|open|rejected|donation|box\.collect|active|lapsed)\b')
  [ -z "$codes" ] && ok || bad "codes in the ja statement: $codes"
  # dates are real dates: 2026-04-15 is serial 46127, with the 和暦 date format
  grep -qE '<c r="A11" s="[0-9]+"><v>46127</v></c>' <<<"$sheet" && ok || bad "A11 is not the date 2026-04-15"
  grep -qE '<c r="F6" s="[0-9]+"><v>46113</v></c>' <<<"$sheet" && ok || bad "FY first day 2026-04-01"
  grep -qE '<c r="F7" s="[0-9]+"><v>46477</v></c>' <<<"$sheet" && ok || bad "FY last day 2027-03-31"
  grep -q 'formatCode="\[\$-411\]ggge&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"' <<<"$styles" && ok || bad "no 和暦 date format"
  grep -q 'formatCode="#,##0&quot;円&quot;_-;-#,##0&quot;円&quot;_-"' <<<"$styles" && ok || bad "no yen format"
  # printing: A4, one page wide, the header row repeated, page header and footer
  grep -qE '<pageSetup paperSize="9"[^>]*fitToHeight="0"' <<<"$sheet" && grep -q 'fitToPage="1"' <<<"$sheet" && ok || bad "page setup"
  grep -q "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'明細'!\$10:\$10</definedName>" <<<"$book" && ok || bad "print titles: $book"
  grep -q '<oddHeader>&amp;Lさぽーとほっと基金&amp;R年間寄附明細（サポーターズクラブ） 山田花子 令和8年度</oddHeader>' <<<"$sheet" && ok || bad "page header"
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
  for t in 'Annual donation statement (supporters'"'"' club) FY2026' 'Receipt no.' Total active 'bank transfer' '1 voided donation(s) not included.' \
    'This statement is not a donation receipt (寄附金受領証明書). For a tax return, use the donation receipt.' \
    '子ども食堂 (group)' '2027-04-30 09:00'; do
    grep -qF "<t>$t</t>" <<<"$en" && ok || bad "en strings lack '$t'"
  done
  grep -q 'formatCode="&quot;¥&quot;#,##0_-;-&quot;¥&quot;#,##0_-"' <<<"$(part m1-en.xlsx xl/styles.xml)" && ok || bad "en yen format"
  grep -q 'formatCode="yyyy-mm-dd"' <<<"$(part m1-en.xlsx xl/styles.xml)" && ok || bad "en date format"

  # A lapsed member; an FY with no donations still has a total of 0.
  expect 0 "1 donation, 4321 yen \(lapsed\)" -- kifu export member M2 --fy 2026 --out m2.xlsx
  grep -qF '<t>失効</t>' <<<"$(part m2.xlsx xl/sharedStrings.xml)" && ok || bad "M2 lapsed"
  expect 0 "0 donations, 0 yen \(lapsed\)" -- kifu export member M1 --fy 2025 --out empty.xlsx
  grep -q '<f>SUBTOTAL(9,C11:C11)</f><v>0</v>' <<<"$(part empty.xlsx xl/worksheets/sheet1.xml)" && ok || bad "empty FY total"
  grep -qF '<t>（この年度の寄附はありません）</t>' <<<"$(part empty.xlsx xl/sharedStrings.xml)" && ok || bad "empty FY note"
  # FY2027 lists the 9999 gift only
  expect 0 "1 donation, 9999 yen" -- kifu export member M1 --fy 2027 --out m1-27.xlsx
  grep -q '<f>SUBTOTAL(9,C11:C11)</f><v>9999</v>' <<<"$(part m1-27.xlsx xl/worksheets/sheet1.xml)" && ok || bad "FY2027 total"

  # The calendar year (確定申告): 2026 holds y1 (March, FY2025) and y2
  # (December); 2027 holds y3 (January, FY2026) and y4 (April, FY2027);
  # FY2026 holds y2 and y3.
  expect 0 "^member M3 year 2026: 2 donations, 3000 yen written to y26.xlsx$" -- kifu export member M3 --year 2026 --out y26.xlsx
  expect 0 '^\{"member":"M3","year":2027,"donations":2,"voided":0,"total":12000,"file":"y27.xlsx"\}$' -- \
    kifu --json export member M3 --year 2027 --out y27.xlsx
  expect 0 "member M3 FY 2026: 2 donations, 6000 yen" -- kifu export member M3 --fy 2026 --out m3.xlsx
  expect 0 "" -- kifu export member M3 --year 2027 --out y27-en.xlsx --lang en
  ys=$(part y26.xlsx xl/worksheets/sheet1.xml)
  yt=$(part y26.xlsx xl/sharedStrings.xml)
  grep -q '<c r="C13"[^>]*><f>SUBTOTAL(9,C11:C12)</f><v>3000</v>' <<<"$ys" && ok || bad "year 2026 total"
  grep -q '<c r="B7"[^>]*><f>SUM(C11:C12)</f><v>3000</v>' <<<"$ys" && ok || bad "year 2026 summary"
  # by date: March (receipt of FY2025), then December; the year's days
  r1=$(printf '2025-%06d' "$y1") r2=$(printf '2026-%06d' "$y2")
  grep -q "<t>$r1</t>.*<t>$r2</t>" <<<"$yt" && ok || bad "year 2026 receipt numbers: $yt"
  grep -qE '<c r="A11" s="[0-9]+"><v>46096</v></c>' <<<"$ys" && ok || bad "A11 is 2026-03-15"
  grep -qE '<c r="F6" s="[0-9]+"><v>46023</v></c>' <<<"$ys" && ok || bad "first day 2026-01-01"
  grep -qE '<c r="F7" s="[0-9]+"><v>46387</v></c>' <<<"$ys" && ok || bad "last day 2026-12-31"
  for t in '寄附明細（サポーターズクラブ・暦年） 令和8年（2026年1月〜12月）' 期間 開始日 終了日 \
    'この明細は寄附金受領証明書ではありません。確定申告には寄附金受領証明書をご利用ください。'; do
    grep -qF "<t>$t</t>" <<<"$yt" && ok || bad "year strings lack '$t'"
  done
  grep -qF '<t>会員資格</t>' <<<"$yt" && bad "a calendar year has no membership status" || ok
  codes=$(grep -oP '<t[^>]*>[^<]*</t>' <<<"$yt" | grep -P '(field|theme|group|member|partner|box):|\b(direct|cash|transfer|card|slip|approved|open|rejected|donation|box\.collect|active|lapsed)\b')
  [ -z "$codes" ] && ok || bad "codes in the ja year statement: $codes"
  grep -q '<c r="C13"[^>]*><f>SUBTOTAL(9,C11:C12)</f><v>12000</v>' <<<"$(part y27.xlsx xl/worksheets/sheet1.xml)" && ok || bad "year 2027 total"
  grep -qF '<t>Donation statement (supporters'"'"' club, calendar year) 2027 (January to December 2027)</t>' <<<"$(part y27-en.xlsx xl/sharedStrings.xml)" && ok || bad "en year title"
  grep -q "<dc:title>寄附明細（サポーターズクラブ・暦年） M3 2026</dc:title>" <<<"$(part y26.xlsx docProps/core.xml)" && ok || bad "year title property"
fi

# With LibreOffice installed: its recalculation gives the values kifu cached.
if command -v soffice >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
  out=$(xlsx_recalc m1.xlsx m1-en.xlsx y26.xlsx 2>&1)
  grep -q "^mismatches 0$" <<<"$out" && ok || bad "LibreOffice recalculation: $out"
fi
# With LibreOffice and pdfinfo: each statement prints on one A4 page (one
# page wide: fitted to the width, so one page in all).
if command -v soffice >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1 && [ "$have_reader" = 1 ]; then
  mkdir -p pdf && timeout 300 soffice -env:UserInstallation=file://$T/lo-pdf --headless --convert-to pdf --outdir pdf m1.xlsx m1-en.xlsx y26.xlsx >/dev/null 2>&1
  for f in m1 m1-en y26; do
    n=$(pdfinfo "pdf/$f.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
    size=$(pdfinfo "pdf/$f.pdf" 2>/dev/null | awk '/^Page size:/ {print $3 "x" $5}')
    [ "$n" = 1 ] && ok || bad "$f.xlsx prints on '$n' pages, want 1"
    # A4: 595 x 842 points, either way round
    case "$size" in 595*x841* | 595*x842* | 841*x595* | 842*x595*) ok ;; *) bad "$f.pdf is not A4: $size" ;; esac
  done
else
  echo "e2e_member_statement_cells: LibreOffice or pdfinfo not installed: page counts not checked" >&2
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
expect 2 "--fy and --year cannot both be given" -- kifu export member M1 --fy 2026 --year 2026 --out x.xlsx
expect 2 "usage: kifu export member ID \(--fy Y \| --year Y\)" -- kifu export member M1 --out x.xlsx --lang en
expect 2 "--year 'abc' is not a calendar year like 2026" -- kifu export member M1 --year abc --out x.xlsx
expect 2 "--year '26' is not a calendar year" -- kifu export member M1 --year 26 --out x.xlsx
expect 2 "--year given twice" -- kifu export member M1 --year 2026 --year 2027 --out x.xlsx
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
expect 0 "usage: kifu export member ID \(--fy Y \| --year Y\) --out FILE.xlsx" -- kifu export member --help
expect 0 "exactly one of --fy Y" -- kifu export member --help
expect 0 "export member" -- kifu help
tmps=$(ls -d ./*.tmp* 2>/dev/null)
[ -z "$tmps" ] && ok || bad "temporary files left behind: $tmps"

finish
