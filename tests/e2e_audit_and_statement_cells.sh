#!/usr/bin/env bash
# End-to-end: `kifu export audit` — the auditor's workbook (README, "The auditor's workbook") — and the
# group's and partner's statements (`kifu export group|partner`). A small
# year worked by hand: direct, member, partner and box donations, a fee, a
# void, a gift of the next FY, a grant approved and partly paid. Checked in
# the workbook's XML (python3's zipfile; without python3 only the exit codes,
# zip magic, reproducibility and read-only checks run): the six sheets in
# order (ja and en), every FY donation once with its void, totals as formulas
# with their values, the pool figures as `kifu balance --fy` gives them, the
# months table, every ledger entry with its leaf hash, the verification
# result and the keys, the workbook properties; and the group's and the
# partner's statements cell by cell (every cell of the ja ones, the rows
# above the table of the en ones, the number formats of dates, yen and
# counts), frozen down to their first table's header. Also: a tampered
# ledger is still exported but the command fails (exit 1), usage errors (2), an
# unwritable --out (3) leaving nothing behind.
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
SRC=$(realpath "$SRC")
. "$(dirname "$0")/common.sh"
APPS=$SRC/tests/data/apps
export KIFU_DB=L.db KIFU_KEY=admin.key

kifu init --fund テスト基金 --admin admin --key-out admin.key --rules "$SRC/tests/data/rules-grants.ini" >/dev/null
# Money is dated to 2027-04-02 below and a business date may not be after
# today: the clock moves on from the init's 2026-05-01.
export KIFU_NOW=2027-04-30T09:00:00+09:00
kifu key add kaikei --role treasurer --key-out t.key >/dev/null
kifu key add shinsa --role reviewer --key-out rev.key >/dev/null
kifu group add G5 --name 子ども食堂 --type volunteer --founded 2020-04-01 --members 12 >/dev/null
kifu member add M1 --name 山田花子 --tier regular --joined 2024-04-01 >/dev/null
kifu partner add P1 --name 協賛社 --per-click 7 --monthly-cap 20000 --to field:welfare >/dev/null
kifu box add B1 --location 区役所 --host 市民課 --to group:G5 >/dev/null
seq_of() { sed -n 's/^seq \([0-9]*\):.*/\1/p'; }
d() { kifu --key t.key donate "$@" | seq_of; }
d1=$(d --amount 600000 --to field:welfare --date 2026-04-10 --method transfer --ref BANK-1)
d2=$(d --amount 3000 --source member:M1 --date 2026-05-10 --method cash)
d3=$(d --amount 5000 --fee 200 --method card --to group:G5 --date 2026-05-20 --donor 佐藤一郎 --address 札幌市中央区)
d4=$(d --amount 7777 --date 2026-06-01)                                   # voided below
d5=$(d --amount 9999 --date 2027-04-02)                                   # FY2027
kifu --key t.key partner clicks P1 --month 2026-06 --clicks 2000 >/dev/null # pledge 14000
d6=$(kifu --key t.key partner pay P1 --amount 14000 --date 2026-07-01 | seq_of)
d7=$(kifu --key t.key box collect B1 --date 2026-08-10 --count-a 8000 --count-b 8000 --counters "佐藤,鈴木" | seq_of)
v=$(kifu --key t.key void "$d4" --reason 二重計上 --date 2026-06-02 | seq_of)
app=$(kifu grant apply "$APPS/F1.ini" --date 2026-05-10 | sed -n 's/^seq [0-9]*: \(A-[0-9]*-[0-9]*\) recorded$/\1/p')
kifu grant decide "$app" --approve 480000 --date 2026-06-01 >/dev/null
kifu --key t.key grant pay "$app" --amount 200000 --date 2026-06-15 >/dev/null
[ -n "$d1" ] && [ -n "$d2" ] && [ -n "$d3" ] && [ -n "$d4" ] && [ -n "$d5" ] && [ -n "$d6" ] &&
  [ -n "$d7" ] && [ -n "$v" ] && [ "$app" = A-2026-0001 ] && ok ||
  bad "setup: '$d1' '$d2' '$d3' '$d4' '$d5' '$d6' '$d7' '$v' '$app'"
size=$(kifu --json verify | sed -n 's/.*"entries":\([0-9]*\).*/\1/p')
root=$(kifu --json verify | sed -n 's/.*"root":"\([0-9a-f]*\)".*/\1/p')

# FY2026 donations: d1 600000, d2 3000, d3 5000 (fee 200), d4 7777 (voided),
# d6 14000, d7 8000: 6 rows, total 637777, voided 7777, net 630000 yen.
before=$(fingerprint L.db)
expect 0 "FY 2026: 6 donations \(1 voided, 630000 yen net\), 1 application, $size ledger entries; verification passed; written to a.xlsx" -- \
  env -u KIFU_KEY "$KIFU_BIN" export audit --fy 2026 --out a.xlsx
expect 0 "^\{\"fy\":2026,\"donations\":6,\"voided\":1,\"donated\":630000,\"applications\":1,\"entries\":$size,\"verified\":true,\"root\":\"$root\",\"sheets\":6,\"file\":\"a-en.xlsx\"\}$" -- \
  kifu --json export audit --fy 2026 --out a-en.xlsx --lang en
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "export changed the ledger"
is_xlsx() { [ -s "$1" ] && [ "$(head -c 2 "$1")" = "PK" ]; }
is_xlsx a.xlsx && is_xlsx a-en.xlsx && ok || bad "not a zip"

# Same ledger, same KIFU_NOW: the same bytes.
expect 0 "" -- kifu export audit --fy 2026 --out again.xlsx
cmp -s a.xlsx again.xlsx && ok || bad "export is not reproducible under KIFU_NOW"

# cells FILE SHEET-NO: "REF<TAB>value<TAB>formula" per cell (inline strings,
# numbers, formulas), and the sheet's autofilter/pane lines.
if command -v python3 >/dev/null 2>&1 && python3 -c 'import zipfile' 2>/dev/null; then
  cells() {
    python3 - "$1" "$2" <<'EOF'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
x = z.read("xl/worksheets/sheet%s.xml" % sys.argv[2]).decode("utf-8")
for m in re.finditer(r'<c r="([A-Z]+[0-9]+)"[^>]*?(?:/>|>(.*?)</c>)', x):
    body = m.group(2) or ""
    f = re.search(r"<f>(.*?)</f>", body)
    v = re.search(r"<v>(.*?)</v>", body)
    t = re.search(r"<t[^>]*>(.*?)</t>", body, re.S)
    val = t.group(1) if t else (v.group(1) if v else "")
    print("%s\t%s\t%s" % (m.group(1), val, f.group(1) if f else ""))
for m in re.finditer(r'<(autoFilter|pane|dimension) [^>]*>', x):
    print(m.group(0))
EOF
  }
  part() { python3 -c 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode("utf-8"))' "$1" "$2"; }
  has() { grep -qF -- "$2" <<<"$1" && ok || bad "$3: no '$2'"; }
  # frozen_filter WHAT CELLS N REF: rows 1..N of the sheet are frozen, and
  # its autofilter covers REF (a table's header and data rows).
  frozen_filter() {
    has "$2" "<pane ySplit=\"$3\" topLeftCell=\"A$(($3 + 1))\" activePane=\"bottomLeft\" state=\"frozen\"/>" "$1: frozen rows 1-$3"
    has "$2" "<autoFilter ref=\"$4\"/>" "$1: autofilter"
  }
  # cellv REF VALUE [=FORMULA] ...: the lines cells prints for these cells
  cellv() {
    local ref val f
    while [ $# -ge 2 ]; do
      ref=$1 val=$2 f=
      shift 2
      if [ $# -gt 0 ] && [ "${1:0:1}" = = ]; then
        f=${1:1}
        shift
      fi
      printf '%s\t%s\t%s\n' "$ref" "$val" "$f"
    done
  }
  # cell_rows CELLS FROM TO: the cells of rows FROM..TO
  cell_rows() {
    awk -F'\t' -v from="$2" -v to="$3" '$1 ~ /^[A-Z]+[0-9]+$/ {
      r = $1; sub(/^[A-Z]+/, "", r); if (r + 0 >= from && r + 0 <= to) print }' <<<"$1"
  }
  # same WHAT GOT WANT: GOT is WANT, line for line
  same() {
    [ "$2" = "$3" ] && ok || bad "$1: $(diff <(echo "$3") <(echo "$2") | sed -n 's/^[<>] /&/p' | tr '\n' '|')"
  }
  # xdate YYYY-MM-DD: the date as an Excel date number
  xdate() { echo $(($(date -ud "$1" +%s) / 86400 + 25569)); }
  # fmt_is WHAT FILE FORMAT REF...: the cells REF of FILE's first sheet have
  # the number format FORMAT
  fmt_is() {
    local what=$1 file=$2 want=$3 got
    shift 3
    got=$(python3 - "$file" "$@" <<'PY'
import html, re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
x = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
st = z.read("xl/styles.xml").decode("utf-8")
fmts = {"0": "General", "1": "0"}
for m in re.finditer(r'<numFmt numFmtId="([0-9]+)" formatCode="([^"]*)"', st):
    fmts[m.group(1)] = html.unescape(m.group(2))
xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", st, re.S).group(1)
ids = [re.search(r'numFmtId="([0-9]+)"', xf).group(1) for xf in re.findall(r"<xf [^>]*>", xfs)]
for ref in sys.argv[2:]:
    c = re.search(r'<c r="%s"( s="([0-9]+)")?' % ref, x)
    print(ref, fmts.get(ids[int(c.group(2) or 0)], "?") if c else "(no cell)")
PY
)
    [ "$(cut -d' ' -f2- <<<"$got" | sort -u)" = "$want" ] && ok || bad "$what: want $want: $(tr '\n' '|' <<<"$got")"
  }

  book=$(part a.xlsx xl/workbook.xml)
  [[ "$book" == *'<sheet name="概要"'*'<sheet name="寄附"'*'<sheet name="助成"'*'<sheet name="財源"'*'<sheet name="台帳"'*'<sheet name="検証"'* ]] &&
    ok || bad "ja sheets: $book"
  book=$(part a-en.xlsx xl/workbook.xml)
  [[ "$book" == *'"Summary"'*'"Donations"'*'"Grants"'*'"Pools"'*'"Ledger"'*'"Verification"'* ]] &&
    ok || bad "en sheets: $book"

  # Donations (sheet 2): the six FY rows in seq order, nothing of FY2027.
  don=$(cells a.xlsx 2)
  for s in "$d1" "$d2" "$d3" "$d4" "$d6" "$d7"; do
    grep -qP "^A[0-9]+\t$s\t$" <<<"$don" && ok || bad "donation seq $s not listed"
  done
  grep -qP "^A[0-9]+\t$d5\t$" <<<"$don" && bad "FY2027 donation listed" || ok
  [ "$(grep -cP '^H[0-9]+\t' <<<"$don")" = 10 ] && ok || bad "amount column: header + 6 + 3 totals"
  row4=$(grep -P "^A[0-9]+\t$d4\t" <<<"$don" | cut -f1 | tr -d A)
  has "$don" "N$row4	$v	" "the void's seq on the voided row"
  has "$don" "C$row4	2026-$(printf %06d "$d4")	" "receipt number"
  row3=$(grep -P "^A[0-9]+\t$d3\t" <<<"$don" | cut -f1 | tr -d A)
  has "$don" "I$row3	200	" "fee"
  has "$don" "F$row3	group:G5	" "designation"
  has "$don" "B$row3	46162	" "date 2026-05-20 as an Excel date"
  rowp=$(grep -P "^A[0-9]+\t$d6\t" <<<"$don" | cut -f1 | tr -d A)
  has "$don" "E$rowp	partner:P1	" "partner source"
  has "$don" "D$(grep -P "^A[0-9]+\t$d7\t" <<<"$don" | cut -f1 | tr -d A)	box.collect	" "box kind"
  has "$don" "H8	637777	SUM(H2:H7)" "total"
  has "$don" "I8	200	SUM(I2:I7)" "fee total"
  has "$don" 'H9	7777	SUMIF(N2:N7,"&gt;0",H2:H7)' "voided total"
  has "$don" "H10	630000	H8-H9" "net"
  frozen_filter donations "$don" 1 A1:N7

  # Summary (sheet 1): the pool rows agree with kifu balance --fy 2026.
  sum=$(cells a.xlsx 1)
  has "$sum" "B2	テスト基金	" "fund"
  has "$sum" "B4	$size	" "ledger size"
  has "$sum" "E4	$root	" "root"
  has "$sum" "B6	成功	" "verification result"
  bal=$(kifu --json balance --fy 2026)
  for pool in general field:welfare group:G5; do
    r=$(grep -P "^A[0-9]+\t$pool\t" <<<"$sum" | head -1 | cut -f1 | tr -d A)
    [ -n "$r" ] || { bad "summary lacks pool $pool"; continue; }
    fig=$(grep -o "\"pool\":\"$pool\"[^}]*" <<<"$bal")
    for k in in:D out:E balance:F committed:G available:H; do
      want=$(sed -n "s/.*\"${k%%:*}\":\(-\?[0-9]*\).*/\1/p" <<<"$fig")
      grep -qP "^${k#*:}$r\t$want\t" <<<"$sum" && ok || bad "summary $pool ${k%%:*}: want $want"
    done
    has "$sum" "F$r	" "closing formula"
    grep -qP "^F$r\t-?[0-9]+\tC$r\+D$r-E$r$" <<<"$sum" && ok || bad "closing formula of $pool"
  done
  # months: May (row of 2026年5月): direct 5000 (d3), member 3000 (d2)
  mr=$(grep -P "^A[0-9]+\t2026年5月\t" <<<"$sum" | cut -f1 | tr -d A)
  has "$sum" "B$mr	5000	" "May direct"
  has "$sum" "C$mr	3000	" "May member"
  grep -qP "^F$mr\t8000\tSUM\(B$mr:E$mr\)$" <<<"$sum" && ok || bad "May total"
  jr=$(grep -P "^A[0-9]+\t2026年6月\t" <<<"$sum" | cut -f1 | tr -d A)
  grep -qP "^F$jr\t0\t" <<<"$sum" && ok || bad "June: the voided gift is not counted"
  grep -qP "^F[0-9]+\t630000\tSUM\(F" <<<"$sum" && ok || bad "months grand total 630000"
  [ -n "$(part a.xlsx xl/charts/chart1.xml)" ] && ok || bad "no chart"
  # the title and the facts (rows 1-6) stay in view; the pools table (header
  # on row 9, its total row left out) has the filter
  pt=$(grep -P "^A[0-9]+\t合計\t" <<<"$sum" | head -1 | cut -f1 | tr -d A)
  [ "${pt:-0}" -gt 12 ] && ok || bad "summary pools total row '$pt'"
  has "$sum" "A9	財源	" "summary pools header on row 9"
  frozen_filter summary "$sum" 6 "A9:H$((pt - 1))"

  # Grants (sheet 3)
  gr=$(cells a.xlsx 3)
  has "$gr" "A2	$app	" "application"
  has "$gr" "F2	テスト事業 F1	" "title"
  has "$gr" "G2	500000	" "requested"
  has "$gr" "H2	480000	" "approved"
  has "$gr" "I2	200000	" "paid"
  has "$gr" "M2	280000	" "committed"
  has "$gr" "H3	480000	SUM(H2:H2)" "approved total"
  frozen_filter grants "$gr" 1 A1:O2

  # Pools (sheet 4): the FY's figures again, with the FY column.
  po=$(cells a.xlsx 4)
  grep -qP "^A[0-9]+\t2026\t" <<<"$po" && ok || bad "pools FY column"
  # one filter over every FY's rows down to the last total row, which holds
  # its FY (a filter on the FY keeps the FY's total)
  lt=$(grep -P "^B[0-9]+\t合計\t" <<<"$po" | tail -1 | cut -f1 | tr -d B)
  grep -qP "^A$lt\t2026\t" <<<"$po" && ok || bad "pools total row $lt lacks its FY"
  frozen_filter pools "$po" 1 "A1:I$lt"

  # Ledger (sheet 5): every entry, with its leaf hash.
  led=$(cells a.xlsx 5)
  [ "$(grep -cP '^A[0-9]+\t[0-9]+\t$' <<<"$led")" = "$size" ] && ok || bad "ledger rows != $size"
  leaf=$(kifu --json prove "$d3" | sed -n 's/.*"leaf":"\([0-9a-f]*\)".*/\1/p')
  has "$led" "F$((d3 + 1))	$leaf	" "leaf hash of seq $d3"
  has "$led" "D$((v + 1))	donation.void	" "the void entry"
  has "$led" "E$((d1 + 1))	kaikei (" "actor"
  grep -P "^G$((d3 + 1))\t" <<<"$led" | grep -q "佐藤" && bad "personal data in the ledger sheet" || ok
  frozen_filter ledger "$led" 1 "A1:G$((size + 1))"

  # Verification (sheet 6): result, counts, keys.
  ve=$(cells a.xlsx 6)
  has "$ve" "B2	成功	" "verified"
  has "$ve" "B3	$size	" "entries verified"
  has "$ve" "（署名なし" "unsigned note"
  admin_vkey=$(kifu key list --json | grep -o '"vkey":"admin+[^"]*"' | head -1 | cut -d'"' -f4)
  [ -n "$admin_vkey" ] && has "$ve" "$admin_vkey" "admin's verifier key" || bad "no admin vkey"
  has "$ve" "	treasurer	" "treasurer role"
  # the title and the result stay in view; the keys table has the filter
  kh=$(grep -P "^A[0-9]+\tID\t" <<<"$ve" | cut -f1 | tr -d A)
  nkeys=$(kifu key list --json | grep -o '"vkey"' | wc -l)
  [ "$nkeys" = 3 ] && ok || bad "keys: $nkeys"
  frozen_filter verification "$ve" 2 "A$kh:G$((kh + nkeys))"

  # Properties: title, subject with FY and root.
  core=$(part a.xlsx docProps/core.xml)
  has "$core" "<dc:subject>テスト基金; FY 2026; ledger size $size; root $root</dc:subject>" "subject"
  has "$core" "<dc:title>監査用ワークブック テスト基金 2026</dc:title>" "title"
  grep -q dataValidation <<<"$(part a.xlsx xl/worksheets/sheet2.xml)" && bad "data validation" || ok

  # Sheets past the last row continue on "寄附 (2)", "台帳 (2)"...: with rows
  # limited to 8 (a test hook), 6 donations make 4 + 2 rows (4 kept for the
  # totals), the ledger's entries 8 a sheet; the parts come after 検証, and
  # the totals sum every part.
  expect 0 "FY 2026: 6 donations" -- env KIFU_TEST_XLSX_ROWS=8 "$KIFU_BIN" export audit --fy 2026 --out parts.xlsx
  book=$(part parts.xlsx xl/workbook.xml)
  nparts=$(( (size + 7) / 8 ))
  # sheet_no NAME: the position of a sheet (its part is xl/worksheets/sheetN.xml)
  sheet_no() { grep -o '<sheet name="[^"]*"' <<<"$book" | grep -nF "\"$1\"" | cut -d: -f1; }
  [ "$(grep -o '<sheet name=' <<<"$book" | wc -l)" = $((6 + 1 + nparts - 1)) ] && ok || bad "sheet count: $book"
  [ "$(sheet_no 検証)" = 6 ] && [ "$(sheet_no '寄附 (2)')" -gt 6 ] && ok || bad "parts after 検証: $book"
  dp=$(cells parts.xlsx "$(sheet_no '寄附 (2)')")
  grep -qP "^H[0-9]+\t637777\tSUM\('寄附'!H2:H5,'寄附 \(2\)'!H2:H3\)$" <<<"$dp" && ok || bad "total across parts: $dp"
  grep -qP "^H[0-9]+\t630000\tH[0-9]+-H[0-9]+$" <<<"$dp" && ok || bad "net across parts"
  lrows=0
  for i in $(seq 1 "$nparts"); do
    name=台帳
    [ "$i" = 1 ] || name="台帳 ($i)"
    lrows=$((lrows + $(cells parts.xlsx "$(sheet_no "$name")" | grep -cP '^A[0-9]+\t[0-9]+\t$')))
  done
  [ "$lrows" = "$size" ] && ok || bad "ledger rows across parts: $lrows, want $size"
  # every part keeps its frozen header and its filter over its own rows
  frozen_filter "寄附" "$(cells parts.xlsx "$(sheet_no 寄附)")" 1 A1:N5
  frozen_filter "寄附 (2)" "$dp" 1 A1:N3
  for i in $(seq 1 "$nparts"); do
    name=台帳
    [ "$i" = 1 ] || name="台帳 ($i)"
    n=$((i < nparts ? 8 : size - 8 * (nparts - 1)))
    frozen_filter "$name" "$(cells parts.xlsx "$(sheet_no "$name")")" 1 "A1:G$((n + 1))"
  done

  # English labels; a signed checkpoint with --sign.
  expect 0 "" -- kifu export audit --fy 2026 --out s.xlsx --lang en --sign
  ve=$(cells s.xlsx 6)
  has "$ve" "B2	passed	" "en verified"
  has "$ve" "— admin " "signed checkpoint line"
  # An FY with nothing: still every sheet, "(none)" rows and zero totals.
  expect 0 "FY 2025: 0 donations" -- kifu export audit --fy 2025 --out e.xlsx
  has "$(cells e.xlsx 2)" "B2	（なし）	" "empty donations"
  has "$(cells e.xlsx 2)" "H3	0	SUM(H2:H2)" "empty total"

  # The group's statement: its pool, the two gifts credited to it (d3 net of
  # its fee, d7 the box), its application; every cell at its place.
  expect 0 "group G5 FY 2026: 2 donations, 12800 yen to its pool; 1 application \(approved 480000, paid 200000\) written to g.xlsx" -- \
    kifu export group G5 --fy 2026 --out g.xlsx
  expect 0 "written to g-en.xlsx" -- kifu export group G5 --fy 2026 --out g-en.xlsx --lang en
  gs=$(cells g.xlsx 1)
  fig=$(kifu --json balance --fy 2026 | grep -o '"pool":"group:G5"[^}]*')
  figure() { sed -n "s/.*\"$1\":\(-\?[0-9]*\).*/\1/p" <<<"$fig"; }
  [ "$(figure in)" = 12800 ] && [ "$(figure balance)" = 12800 ] && ok || bad "group:G5 figures: $fig"
  fy_first=$(xdate 2026-04-01) fy_last=$(xdate 2027-03-31)
  # rows 1-11, frozen: the title; the pairs two to a row (label and value in
  # A-B, the group's name in C; label and value in E-F); the donations'
  # title and header
  same "group statement rows 1-11" "$(cell_rows "$gs" 1 11)" "$(cellv \
    A1 団体別明細 \
    A2 基金 B2 テスト基金 E2 発行 F2 "$KIFU_NOW" \
    A3 団体 B3 G5 C3 子ども食堂 E3 状態 F3 登録 \
    A4 年度 B4 2026年度 E4 期首 F4 "$fy_first" \
    A5 財源 B5 group:G5 E5 期末 F5 "$fy_last" \
    A6 期首残高 B6 "$(figure opening)" E6 確保額 F6 "$(figure committed)" \
    A7 収入 B7 "$(figure in)" E7 利用可能額 F7 "$(figure available)" \
    A8 支出 B8 "$(figure out)" E8 台帳の記録数 F8 "$size" \
    A9 期末残高 B9 "$(figure balance)" E9 台帳ルート F9 "$root" \
    A10 この団体への寄附（財源への計上分） \
    A11 日付 B11 受領番号 C11 寄附元 D11 金額 E11 計上額 F11 取消seq G11 seq)"
  # the two lines (nothing of d1, d2, d6: not the group's), the totals, the
  # application as lead group (unsettled: no settled amount)
  same "group statement rows 12-" "$(cell_rows "$gs" 12 99)" "$(cellv \
    A12 "$(xdate 2026-05-20)" B12 "2026-$(printf %06d "$d3")" C12 direct D12 5000 E12 4800 G12 "$d3" \
    A13 "$(xdate 2026-08-10)" B13 "2026-$(printf %06d "$d7")" C13 box:B1 D13 8000 E13 8000 G13 "$d7" \
    A14 合計 D14 13000 '=SUM(D12:D13)' E14 12800 '=SUM(E12:E13)' \
    A15 うち取消 D15 0 '=SUMIF(F12:F13,"&gt;0",D12:D13)' E15 0 '=SUMIF(F12:F13,"&gt;0",E12:E13)' \
    A16 差引 D16 13000 =D14-D15 E16 12800 =E14-E15 \
    A18 助成（代表団体として） \
    A19 申請ID B19 メニュー C19 募集回 D19 事業名 E19 申請額 F19 決定額 G19 支払額 H19 確定額 I19 返還済 J19 状態 \
    A20 "$app" B20 field C20 R1 D20 "テスト事業 F1" E20 500000 F20 480000 G20 200000 I20 0 J20 approved \
    A21 合計 E21 500000 '=SUM(E20:E20)' F21 480000 '=SUM(F20:F20)' G21 200000 '=SUM(G20:G20)' \
    H21 0 '=SUM(H20:H20)' I21 0 '=SUM(I20:I20)')"
  # frozen down to the donations' header; their filter over the two lines
  frozen_filter "group statement" "$gs" 11 A11:G13
  fmt_is "group dates" g.xlsx 'yyyy/mm/dd' F4 F5 A12 A13
  fmt_is "group amounts" g.xlsx '#,##0"円"' B6 B7 B8 B9 F6 F7 D12 E12 D13 E13 D14 E14 E20 F20 G20 I20 E21
  fmt_is "group counts" g.xlsx 0 F8 G12 G13
  # English: the same places
  same "en group statement rows 1-11" "$(cell_rows "$(cells g-en.xlsx 1)" 1 11)" "$(cellv \
    A1 "Group statement" \
    A2 Fund B2 テスト基金 E2 Issued F2 "$KIFU_NOW" \
    A3 Group B3 G5 C3 子ども食堂 E3 Status F3 registered \
    A4 "Fiscal year" B4 "FY 2026" E4 "First day" F4 "$fy_first" \
    A5 Pool B5 group:G5 E5 "Last day" F5 "$fy_last" \
    A6 Opening B6 "$(figure opening)" E6 Committed F6 "$(figure committed)" \
    A7 In B7 "$(figure in)" E7 Available F7 "$(figure available)" \
    A8 Out B8 "$(figure out)" E8 "Ledger entries" F8 "$size" \
    A9 Closing B9 "$(figure balance)" E9 "Ledger root" F9 "$root" \
    A10 "Donations credited to the group's pool" \
    A11 Date B11 "Receipt no." C11 Source D11 Amount E11 Credited F11 "Voided by" G11 seq)"
  fmt_is "en group dates" g-en.xlsx 'yyyy-mm-dd' F4 F5 A12
  fmt_is "en group amounts" g-en.xlsx '"¥"#,##0' B6 B7 B8 B9 F6 F7 D12 E14
  frozen_filter "en group statement" "$(cells g-en.xlsx 1)" 11 A11:G13
  expect 1 "no group G9" -- kifu export group G9 --fy 2026 --out x.xlsx

  # The partner's statement: June's clicks and pledge, paid by the July payment.
  expect 0 '^\{"partner":"P1","fy":2026,"payments":1,"voided":0,"total":14000,"pledged":14000,"outstanding":0,"file":"p.xlsx"\}$' -- \
    kifu --json export partner P1 --fy 2026 --out p.xlsx
  ps=$(cells p.xlsx 1)
  # rows 1-9, frozen: the title; the pairs (A-B, the partner's name in C with
  # nothing right of it; D-E); the months' title and header
  same "partner statement rows 1-9" "$(cell_rows "$ps" 1 9)" "$(cellv \
    A1 クリック募金明細 \
    A2 基金 B2 テスト基金 D2 発行 E2 "$KIFU_NOW" \
    A3 協賛企業 B3 P1 C3 協賛社 \
    A4 1クリック B4 7 D4 月額上限 E4 20000 \
    A5 年度 B5 2026年度 D5 期首 E5 "$fy_first" \
    A6 指定 B6 field:welfare D6 期末 E6 "$fy_last" \
    A7 台帳の記録数 B7 "$size" D7 台帳ルート E7 "$root" \
    A8 月別のクリックと寄附 \
    A9 月 B9 クリック数 C9 寄附額 D9 入金額 E9 未入金)"
  # June (the FY's one month), its totals; the payment and its totals
  same "partner statement rows 10-" "$(cell_rows "$ps" 10 99)" "$(cellv \
    A10 2026-06 B10 2000 C10 14000 D10 14000 E10 0 =C10-D10 \
    A11 合計 B11 2000 '=SUM(B10:B10)' C11 14000 '=SUM(C10:C10)' D11 14000 '=SUM(D10:D10)' E11 0 '=SUM(E10:E10)' \
    A13 入金 \
    A14 日付 B14 受領番号 C14 金額 D14 取消seq E14 seq \
    A15 "$(xdate 2026-07-01)" B15 "2026-$(printf %06d "$d6")" C15 14000 E15 "$d6" \
    A16 合計 C16 14000 '=SUM(C15:C15)' \
    A17 うち取消 C17 0 '=SUMIF(D15:D15,"&gt;0",C15:C15)' \
    A18 差引 C18 14000 =C16-C17)"
  # frozen down to the months' header; their filter over the one month
  frozen_filter "partner statement" "$ps" 9 A9:E10
  fmt_is "partner dates" p.xlsx 'yyyy/mm/dd' E5 E6 A15
  fmt_is "partner amounts" p.xlsx '#,##0"円"' B4 E4 C10 D10 E10 C15 C16
  fmt_is "partner counts" p.xlsx 0 B7 B10 E15
  expect 0 "" -- kifu export partner P1 --fy 2026 --out p-en.xlsx --lang en
  pe=$(cells p-en.xlsx 1)
  same "en partner statement rows 1-9" "$(cell_rows "$pe" 1 9)" "$(cellv \
    A1 "Click-fund partner statement" \
    A2 Fund B2 テスト基金 D2 Issued E2 "$KIFU_NOW" \
    A3 Partner B3 P1 C3 協賛社 \
    A4 "Per click" B4 7 D4 "Monthly cap" E4 20000 \
    A5 "Fiscal year" B5 "FY 2026" D5 "First day" E5 "$fy_first" \
    A6 Designation B6 field:welfare D6 "Last day" E6 "$fy_last" \
    A7 "Ledger entries" B7 "$size" D7 "Ledger root" E7 "$root" \
    A8 "Clicks and pledges by month" \
    A9 Month B9 Clicks C9 Pledged D9 Paid E9 Outstanding)"
  fmt_is "en partner dates" p-en.xlsx 'yyyy-mm-dd' E5 E6 A15
  fmt_is "en partner amounts" p-en.xlsx '"¥"#,##0' B4 E4 C10 C15
  frozen_filter "en partner statement" "$pe" 9 A9:E10
  expect 1 "no partner P9" -- kifu export partner P9 --fy 2026 --out x.xlsx

  # With LibreOffice installed (it is not in scripts/deps.sh: too big for CI),
  # every workbook is opened and recalculated by it, and each formula's value
  # must equal the value kifu cached: the formulas are right, and a viewer
  # without recalculation shows the same figures as Excel.
  if command -v soffice >/dev/null 2>&1; then
    out=$(xlsx_recalc a.xlsx a-en.xlsx parts.xlsx g.xlsx g-en.xlsx p.xlsx p-en.xlsx 2>&1)
    grep -q "^mismatches 0$" <<<"$out" && ok || bad "LibreOffice recalculation: $out"
  else
    echo "no LibreOffice (soffice): formulas not recalculated" >&2
  fi
else
  echo "no python3: skipping workbook content checks" >&2
fi

# A tampered ledger: the workbook is written and says so; the export fails.
cp L.db T.db
sqlite3 T.db "PRAGMA recursive_triggers=OFF; DROP TRIGGER entries_no_update;
  UPDATE entries SET body=CAST(replace(CAST(body AS TEXT), 'amount#3000', 'amount#3300') AS BLOB) WHERE seq=$d2"
expect 1 "verification failed" -- kifu --db T.db export audit --fy 2026 --out t.xlsx
is_xlsx t.xlsx && ok || bad "no workbook for the tampered ledger"
if command -v python3 >/dev/null 2>&1; then
  grep -qP "^B2\t失敗\t" <<<"$(cells t.xlsx 6)" && ok || bad "tamper not shown"
  # the title, the result and its error stay in view
  has "$(cells t.xlsx 6)" '<pane ySplit="3" topLeftCell="A4"' "tampered verification: frozen rows 1-3"
fi

# Errors
expect 2 "usage: kifu export audit" -- kifu export audit --out x.xlsx
expect 2 "usage: kifu export audit" -- kifu export audit --fy 2026
expect 2 "--fy 'x' is not a fiscal year" -- kifu export audit --fy x --out x.xlsx
expect 2 "--lang 'fr' must be ja or en" -- kifu export audit --fy 2026 --out x.xlsx --lang fr
expect 2 "unknown option '--bogus'" -- kifu export audit --fy 2026 --out x.xlsx --bogus
[ -e x.xlsx ] && bad "x.xlsx written on a usage error" || ok
nodir="kifu: cannot write $T/nodir/x.xlsx: No such file or directory"
only_error 3 "$nodir" -- kifu export audit --fy 2026 --out "$T/nodir/x.xlsx"
only_error 3 "$nodir" -- kifu export group G5 --fy 2026 --out "$T/nodir/x.xlsx"
only_error 3 "$nodir" -- kifu export partner P1 --fy 2026 --out "$T/nodir/x.xlsx"
# checked first: before the ledger is opened (here, one that does not exist)
# or a key unlocked
only_error 3 "$nodir" -- kifu --db missing.db export audit --fy 2026 --out "$T/nodir/x.xlsx" --sign
only_error 3 "$nodir" -- kifu --db missing.db export group G5 --fy 2026 --out "$T/nodir/x.xlsx"
mkdir adir
only_error 3 "kifu: cannot write adir: Is a directory" -- kifu export audit --fy 2026 --out adir
only_error 3 "kifu: cannot write adir: Is a directory" -- kifu --db missing.db export partner P1 --fy 2026 --out adir
ls adir.tmp* >/dev/null 2>&1 && bad "temporary file left behind" || ok
expect 0 "usage: kifu export audit --fy Y --out FILE.xlsx" -- kifu export audit --help
expect 1 "may not sign" -- kifu --key rev.key export audit --fy 2026 --out x.xlsx --sign
[ -e x.xlsx ] && bad "x.xlsx written when signing was refused" || ok
expect 2 "usage: kifu export group ID" -- kifu export group --fy 2026 --out x.xlsx
expect 2 "usage: kifu export partner ID" -- kifu export partner P1 --out x.xlsx
[ -e x.xlsx ] && bad "x.xlsx written on an error" || ok
expect 1 "no group G9" -- kifu export group G9 --fy 2026 --out y.xlsx
tmps=$(ls -d ./*.tmp* 2>/dev/null)
[ -z "$tmps" ] && ok || bad "temporary files left behind: $tmps"

# Printing: every sheet of the workbook and of the statements is A4, one
# page wide, with "page / pages" in the footer; the tables repeat their
# header row on every page (print titles).
if command -v python3 >/dev/null 2>&1; then
  for wb in a.xlsx g.xlsx; do
    got=$(python3 - "$wb" <<'EOF2'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
sheets = [n for n in z.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n)]
bad = [n for n in sheets
       if not re.search(r'<pageSetup[^>]*paperSize="9"', z.read(n).decode())
       or 'fitToPage="1"' not in z.read(n).decode()
       or '&amp;P / &amp;N' not in z.read(n).decode()]
titles = len(re.findall(r'_xlnm.Print_Titles', z.read("xl/workbook.xml").decode()))
print(len(sheets), len(bad), titles)
EOF2
)
    set -- $got
    [ "${2:-1}" = 0 ] && [ "${1:-0}" -gt 0 ] && ok || bad "$wb: sheets without A4 / fit to width / page numbers: $got"
    [ $wb = g.xlsx ] || { [ "${3:-0}" -ge 4 ] && ok || bad "$wb: $3 sheets repeat their header row, want the 4 tables"; }
  done
fi
if command -v soffice >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1; then
  # the printed workbook: a handful of pages, not one per column strip
  mkdir -p pdf && timeout 300 soffice -env:UserInstallation=file://$T/lo-pdf --headless --convert-to pdf --outdir pdf a.xlsx g.xlsx >/dev/null 2>&1
  pa=$(pdfinfo pdf/a.pdf 2>/dev/null | awk '/^Pages:/ {print $2}')
  pg=$(pdfinfo pdf/g.pdf 2>/dev/null | awk '/^Pages:/ {print $2}')
  [ -n "$pa" ] && [ "$pa" -le 12 ] && ok || bad "the audit workbook prints on $pa pages"
  [ "$pg" = 1 ] && ok || bad "the group statement prints on $pg pages, want 1"
else
  echo "e2e_audit_and_statement_cells: LibreOffice or pdfinfo not installed: page counts not checked" >&2
fi

finish
