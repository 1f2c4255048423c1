#!/usr/bin/env bash
# End-to-end: `kifu export audit` — the auditor's workbook (README, "The auditor's workbook") — and the
# group's and partner's statements (`kifu export group|partner`). A small
# year worked by hand: direct, member, partner and box donations, a fee, a
# void, a gift of the next FY, a grant approved and partly paid. Checked in
# the workbook's XML (python3's zipfile; without python3 only the exit codes,
# zip magic, reproducibility and read-only checks run): the seven sheets in
# order (ja and en), every ledger entry with its leaf hash, the verification
# result, the workbook properties, sheets continued past the last row with
# totals over every part (the figures themselves: e2e_audit_workbook_reconciles);
# and the group's and the
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
expect 0 "^\{\"fy\":2026,\"donations\":6,\"voided\":1,\"donated\":630000,\"applications\":1,\"entries\":$size,\"verified\":true,\"root\":\"$root\",\"sheets\":7,\"file\":\"a-en.xlsx\"\}$" -- \
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
  [[ "$book" == *'<sheet name="概要"'*'<sheet name="寄附"'*'<sheet name="助成（交付台帳）"'*'<sheet name="財源"'*'<sheet name="照合"'*'<sheet name="台帳"'*'<sheet name="検証"'* ]] &&
    ok || bad "ja sheets: $book"
  book=$(part a-en.xlsx xl/workbook.xml)
  [[ "$book" == *'"Summary"'*'"Donations"'*'"Grants (register)"'*'"Pools"'*'"Reconciliation"'*'"Ledger"'*'"Verification"'* ]] &&
    ok || bad "en sheets: $book"

  # Donations (sheet 2): the six FY rows, nothing of FY2027.
  don=$(cells a.xlsx 2)
  [ "$(grep -cP '^A[0-9]+\t[0-9]+\t$' <<<"$don")" = 6 ] && ok || bad "six donation rows"
  grep -qP "^A[0-9]+\t$d5\t" <<<"$don" && bad "FY2027 gift on the FY2026 sheet" || ok
  has "$don" "637777	SUBTOTAL(9,H2:H7)" "total"
  has "$don" "7777	SUBTOTAL(9,O2:O7)" "voided total"
  frozen_filter donations "$don" 1 A1:O7

  # Ledger (sheet 6): every entry as signed, with its leaf hash.
  led=$(cells a.xlsx 6)
  [ "$(grep -cP '^A[0-9]+\t[0-9]+\t$' <<<"$led")" = "$size" ] && ok || bad "ledger rows != $size"
  leaf=$(kifu --json prove "$d3" | sed -n 's/.*"leaf":"\([0-9a-f]*\)".*/\1/p')
  has "$led" "F$((d3 + 1))	$leaf	" "leaf hash of seq $d3"
  has "$led" "D$((v + 1))	donation.void	" "the void entry"
  has "$led" "E$((d1 + 1))	kaikei (" "actor"
  grep -P "^G$((d3 + 1))\t" <<<"$led" | grep -q "佐藤" && bad "personal data in the ledger sheet" || ok
  frozen_filter ledger "$led" 1 "A1:G$((size + 1))"

  # Verification (sheet 7): result, counts, keys.
  ve=$(cells a.xlsx 7)
  has "$ve" "B2	成功	" "verified"
  has "$ve" "B3	$size	" "entries verified"
  has "$ve" "（署名なし" "unsigned note"
  admin_vkey=$(kifu key list --json | grep -o '"vkey":"admin+[^"]*"' | head -1 | cut -d'"' -f4)
  [ -n "$admin_vkey" ] && has "$ve" "$admin_vkey" "admin's verifier key" || bad "no admin vkey"
  has "$ve" "	会計	" "treasurer role in words"
  # the title and the result stay in view
  has "$ve" '<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>' "verification: frozen rows 1-2"

  # Properties: title, subject with FY and root.
  core=$(part a.xlsx docProps/core.xml)
  has "$core" "<dc:subject>テスト基金; FY 2026; ledger size $size; root $root</dc:subject>" "subject"
  has "$core" "<dc:title>監査用ワークブック テスト基金 令和8年度</dc:title>" "title"
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
  [ "$(grep -o '<sheet name=' <<<"$book" | wc -l)" = $((7 + 1 + nparts - 1)) ] && ok || bad "sheet count: $book"
  [ "$(sheet_no 検証)" = 7 ] && [ "$(sheet_no '寄附 (2)')" -gt 7 ] && ok || bad "parts after 検証: $book"
  dp=$(cells parts.xlsx "$(sheet_no '寄附 (2)')")
  grep -qP "^H[0-9]+\t637777\tSUBTOTAL\(9,'寄附'!H2:H5,'寄附 \(2\)'!H2:H3\)$" <<<"$dp" && ok || bad "total across parts: $dp"
  grep -qP "^H[0-9]+\t630000\tH[0-9]+-O[0-9]+$" <<<"$dp" && ok || bad "net across parts"
  lrows=0
  for i in $(seq 1 "$nparts"); do
    name=台帳
    [ "$i" = 1 ] || name="台帳 ($i)"
    lrows=$((lrows + $(cells parts.xlsx "$(sheet_no "$name")" | grep -cP '^A[0-9]+\t[0-9]+\t$')))
  done
  [ "$lrows" = "$size" ] && ok || bad "ledger rows across parts: $lrows, want $size"
  # every part keeps its frozen header and its filter over its own rows
  frozen_filter "寄附" "$(cells parts.xlsx "$(sheet_no 寄附)")" 1 A1:O5
  frozen_filter "寄附 (2)" "$dp" 1 A1:O3
  for i in $(seq 1 "$nparts"); do
    name=台帳
    [ "$i" = 1 ] || name="台帳 ($i)"
    n=$((i < nparts ? 8 : size - 8 * (nparts - 1)))
    frozen_filter "$name" "$(cells parts.xlsx "$(sheet_no "$name")")" 1 "A1:G$((n + 1))"
  done

  # English labels; a signed checkpoint with --sign.
  expect 0 "" -- kifu export audit --fy 2026 --out s.xlsx --lang en --sign
  ve=$(cells s.xlsx 7)
  has "$ve" "B2	passed	" "en verified"
  has "$ve" "— admin " "signed checkpoint line"
  # An FY with nothing: still every sheet, "(none)" rows and zero totals.
  expect 0 "FY 2025: 0 donations" -- kifu export audit --fy 2025 --out e.xlsx
  has "$(cells e.xlsx 2)" "B2	（なし）	" "empty donations"
  has "$(cells e.xlsx 2)" "H3	0	SUBTOTAL(9,H2:H2)" "empty total"

  # The statements (README, "The statements"). The ledger grows first: the
  # box collection d7 voided (a minus line on the group's statement), a
  # month over the partner's cap (5000 clicks x 7 = 35000 > 20000) and a
  # partner payment voided, the grant settled (spent 150000 x 8/10 = final
  # 120000, refund due 200000 - 120000 = 80000) and the refund paid back.
  # (Recorded with a later clock: these dates are after the test's KIFU_NOW.)
  later() { KIFU_NOW=2027-05-01T09:00:00+09:00 "$KIFU_BIN" --key t.key "$@"; }
  vb=$(later void "$d7" --reason 集計誤り --date 2026-08-11 | seq_of)
  later partner clicks P1 --month 2026-09 --clicks 5000 >/dev/null
  p2=$(later partner pay P1 --amount 5000 --date 2026-10-01 | seq_of)
  vp=$(later void "$p2" --reason 誤入金 --date 2026-10-02 | seq_of)
  st=$(KIFU_NOW=2027-05-01T09:00:00+09:00 kifu grant settle "$app" --spent 150000 --date 2027-03-01 | seq_of)
  rf=$(later grant refund "$app" --amount 80000 --date 2027-03-20 | seq_of)
  [ -n "$vb" ] && [ -n "$p2" ] && [ -n "$vp" ] && [ -n "$st" ] && [ -n "$rf" ] && ok ||
    bad "statements setup: '$vb' '$p2' '$vp' '$st' '$rf'"
  size=$(kifu --json verify | sed -n 's/.*"entries":\([0-9]*\).*/\1/p')
  root=$(kifu --json verify | sed -n 's/.*"root":"\([0-9a-f]*\)".*/\1/p')
  # the issue time as the statements write it: 令和8年5月1日 09:00 (ja)
  issued_ja="令和$((${KIFU_NOW:0:4} - 2018))年$((10#${KIFU_NOW:5:2}))月$((10#${KIFU_NOW:8:2}))日 ${KIFU_NOW:11:5}"
  issued_en="${KIFU_NOW:0:10} ${KIFU_NOW:11:5}"
  rno() { printf '%s-%06d' "$1" "$2"; }
  # seq_kind KIND: the seq of the ledger's first entry of that kind
  seq_kind() { kifu log | awk -v k="$1" '$5 == k { print $1; exit }'; }
  # nocodes WHAT FILE: no code in the workbook's strings (inline and shared)
  nocodes() {
    local got
    got=$(python3 - "$2" <<'PY'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
texts = []
for n in z.namelist():
    if re.match(r"xl/(worksheets/sheet\d+|sharedStrings)\.xml$", n):
        texts += re.findall(r"<t[^>]*>([^<]*)</t>", z.read(n).decode("utf-8"))
code = re.compile(r"(field|theme|group|member|partner|box):|\b(direct|cash|transfer|card|slip|approved|open|rejected|settled|donation|box\.collect)\b")
print("|".join(t for t in texts if code.search(t)))
PY
)
    [ -z "$got" ] && ok || bad "$1: codes in the ja statement: $got"
  }

  # The group's statement: its pool; the two gifts credited to it (d3 net of
  # its fee, d7 the box) and d7's void as a minus line, by date; its
  # application with every step; every cell at its place.
  expect 0 "group G5 FY 2026: 2 donations, 4800 yen to its pool; 1 application \(approved 480000, paid 200000\) written to g.xlsx" -- \
    kifu export group G5 --fy 2026 --out g.xlsx
  expect 0 '^\{"group":"G5","fy":2026,"donations":2,"voided":1,"total":4800,"applications":1,"approved":480000,"paid":200000,"file":"g-en.xlsx"\}$' -- \
    kifu --json export group G5 --fy 2026 --out g-en.xlsx --lang en
  gs=$(cells g.xlsx 1)
  fig=$(kifu --json balance --fy 2026 | grep -o '"pool":"group:G5"[^}]*')
  figure() { sed -n "s/.*\"$1\":\(-\?[0-9]*\).*/\1/p" <<<"$fig"; }
  # in: 4800 + 8000; out: the void of d7's 8000
  [ "$(figure in)" = 12800 ] && [ "$(figure out)" = 8000 ] && [ "$(figure balance)" = 4800 ] && ok || bad "group:G5 figures: $fig"
  fy_first=$(xdate 2026-04-01) fy_last=$(xdate 2027-03-31)
  # rows 1-12, frozen: the title; the pairs two to a row (label and value in
  # A-B, the group's name in C; label and value in E-F); the ledger root;
  # the donations' title and header
  same "group statement rows 1-12" "$(cell_rows "$gs" 1 12)" "$(cellv \
    A1 "団体別明細 令和8年度" \
    A2 基金 B2 テスト基金 E2 発行 F2 "$issued_ja" \
    A3 団体 B3 G5 C3 子ども食堂 E3 状態 F3 登録 \
    A4 年度 B4 令和8年度 E4 期首 F4 "$fy_first" \
    A5 財源 B5 子ども食堂（団体） E5 期末 F5 "$fy_last" \
    A6 期首残高 B6 "$(figure opening)" E6 確保額 F6 "$(figure committed)" \
    A7 収入 B7 "$(figure in)" E7 利用可能額 F7 "$(figure available)" \
    A8 支出 B8 "$(figure out)" E8 台帳の記録数 F8 "$size" \
    A9 期末残高 B9 "$(figure balance)" \
    A10 台帳ルート B10 "$root" \
    A11 この団体への寄附（財源への計上分） \
    A12 日付 B12 受領番号 C12 寄附元 D12 金額 E12 計上額 F12 備考 G12 記録番号)"
  # the lines by date: d3 (a direct gift: its kind only), d7 (the box by
  # its place), d7's void the next day (minus, with d7's receipt number);
  # nothing of d1, d2, d6 (not the group's); SUBTOTAL totals (net); the
  # application (settled and refunded: 確定（返還済）); its steps by date
  same "group statement rows 13-" "$(cell_rows "$gs" 13 99)" "$(cellv \
    A13 "$(xdate 2026-05-20)" B13 "$(rno 2026 "$d3")" C13 直接 D13 5000 E13 4800 G13 "$d3" \
    A14 "$(xdate 2026-08-10)" B14 "$(rno 2026 "$d7")" C14 "募金箱 区役所" D14 8000 E14 8000 F14 "取消済（記録番号 $vb）" G14 "$d7" \
    A15 "$(xdate 2026-08-11)" B15 "$(rno 2026 "$d7")" C15 "募金箱 区役所" D15 -8000 E15 -8000 F15 "取消（集計誤り）" G15 "$vb" \
    A16 合計 B16 "" C16 "" D16 5000 '=SUBTOTAL(9,D13:D15)' E16 4800 '=SUBTOTAL(9,E13:E15)' F16 "" G16 "" \
    A18 "助成（代表団体として）" \
    A19 申請ID B19 事業名 C19 メニュー D19 申請日 E19 申請額 F19 交付決定額 G19 支払額 H19 確定額 I19 返還額 J19 状態 \
    A20 "$app" B20 "テスト事業 F1" C20 分野指定助成 D20 "$(xdate 2026-05-10)" E20 500000 F20 480000 G20 200000 H20 120000 I20 80000 J20 "確定（返還済）" \
    A21 合計 B21 "" C21 "" D21 "" E21 500000 '=SUBTOTAL(9,E20:E20)' F21 480000 '=SUBTOTAL(9,F20:F20)' G21 200000 '=SUBTOTAL(9,G20:G20)' \
    H21 120000 '=SUBTOTAL(9,H20:H20)' I21 80000 '=SUBTOTAL(9,I20:I20)' J21 "" \
    A23 助成の経過 \
    A24 日付 B24 申請ID C24 事項 D24 金額 E24 備考 F24 記録番号 \
    A25 "$(xdate 2026-05-10)" B25 "$app" C25 申請 D25 500000 F25 "$(seq_kind grant.apply)" \
    A26 "$(xdate 2026-06-01)" B26 "$app" C26 交付決定 D26 480000 F26 "$(seq_kind grant.decide)" \
    A27 "$(xdate 2026-06-15)" B27 "$app" C27 支払 D27 200000 F27 "$(seq_kind grant.pay)" \
    A28 "$(xdate 2027-03-01)" B28 "$app" C28 額の確定 D28 120000 E28 "返還すべき額 80,000円" F28 "$st" \
    A29 "$(xdate 2027-03-20)" B29 "$app" C29 返還 D29 80000 F29 "$rf")"
  # frozen down to the donations' header; their filter over the three lines
  frozen_filter "group statement" "$gs" 12 A12:G15
  fmt_is "group dates" g.xlsx '[$-411]ggge"年"m"月"d"日"' F4 F5 A13 A14 A15 D20 A25 A29
  fmt_is "group amounts" g.xlsx '#,##0"円"_-;-#,##0"円"_-' B6 B7 B8 B9 F6 F7 D13 E13 D15 E15 D16 E16 E20 H20 I20 E21 D25
  fmt_is "group seqs" g.xlsx '0_-' F8 G13 G15 F25
  nocodes "group statement" g.xlsx
  # English: the same places, English words and ISO dates
  same "en group statement rows 1-12" "$(cell_rows "$(cells g-en.xlsx 1)" 1 12)" "$(cellv \
    A1 "Group statement FY2026" \
    A2 Fund B2 テスト基金 E2 Issued F2 "$issued_en" \
    A3 Group B3 G5 C3 子ども食堂 E3 Status F3 registered \
    A4 "Fiscal year" B4 FY2026 E4 "First day" F4 "$fy_first" \
    A5 Pool B5 "子ども食堂 (group)" E5 "Last day" F5 "$fy_last" \
    A6 Opening B6 "$(figure opening)" E6 Committed F6 "$(figure committed)" \
    A7 In B7 "$(figure in)" E7 Available F7 "$(figure available)" \
    A8 Out B8 "$(figure out)" E8 "Ledger entries" F8 "$size" \
    A9 Closing B9 "$(figure balance)" \
    A10 "Ledger root" B10 "$root" \
    A11 "Donations credited to the group's pool" \
    A12 Date B12 "Receipt no." C12 Source D12 Amount E12 Credited F12 Note G12 seq)"
  ge=$(cells g-en.xlsx 1)
  has "$ge" "C13	direct	" "en direct source"
  has "$ge" "F15	void (集計誤り)	" "en void line"
  has "$ge" "J20	settled, refunded	" "en grant state"
  has "$ge" "C28	settled	" "en settlement step"
  fmt_is "en group dates" g-en.xlsx 'yyyy-mm-dd' F4 F5 A13
  fmt_is "en group amounts" g-en.xlsx '"¥"#,##0_-;-"¥"#,##0_-' B6 B7 B8 B9 F6 F7 D13 E16
  frozen_filter "en group statement" "$ge" 12 A12:G15
  expect 1 "no group G9" -- kifu export group G9 --fy 2026 --out x.xlsx

  # The partner's statement: the FY's twelve months (0 where no clicks),
  # June paid by the July payment, September over the cap (○) and unpaid;
  # the payments by date with the voided one and its minus line.
  expect 0 '^\{"partner":"P1","fy":2026,"payments":2,"voided":1,"total":14000,"pledged":34000,"outstanding":20000,"file":"p.xlsx"\}$' -- \
    kifu --json export partner P1 --fy 2026 --out p.xlsx
  ps=$(cells p.xlsx 1)
  # rows 1-10, frozen: the title; the pairs (A-B, the partner's name in C;
  # D-E); the root; the months' title and header
  same "partner statement rows 1-10" "$(cell_rows "$ps" 1 10)" "$(cellv \
    A1 "クリック募金明細 令和8年度" \
    A2 基金 B2 テスト基金 D2 発行 E2 "$issued_ja" \
    A3 協賛企業 B3 P1 C3 協賛社 \
    A4 1クリック単価 B4 7 D4 月額上限 E4 20000 \
    A5 年度 B5 令和8年度 D5 期首 E5 "$fy_first" \
    A6 指定 B6 "保健・医療・福祉の増進（分野）" D6 期末 E6 "$fy_last" \
    A7 台帳の記録数 B7 "$size" \
    A8 台帳ルート B8 "$root" \
    A9 月別のクリックと寄附 \
    A10 月 B10 クリック数 C10 単価×クリック数 D10 上限適用 E10 寄附額 F10 入金額 G10 未入金)"
  # every month of the FY, April to March, in order
  months=""
  for m in 4 5 6 7 8 9 10 11 12; do months="$months 令和8年${m}月"; done
  for m in 1 2 3; do months="$months 令和9年${m}月"; done
  got=$(grep -P '^A(1[1-9]|2[0-2])\t' <<<"$ps" | cut -f2 | tr '\n' ' ')
  [ "$got" = "${months# } " ] && ok || bad "partner months: '$got'"
  # the cap mark on September only (row 16); a month with no clicks is 0
  [ "$(grep -cP '^D(1[1-9]|2[0-2])\t○\t' <<<"$ps")" = 1 ] && has "$ps" "D16	○	" "cap mark on September" || bad "cap mark: $(grep -P '^D(1[1-9]|2[0-2])\t' <<<"$ps" | tr '\n' '|')"
  same "partner June, September and April" "$(grep -P '^[A-G](11|13|16)\t' <<<"$ps")" "$(cellv \
    A11 令和8年4月 B11 0 C11 0 E11 0 F11 0 G11 0 =E11-F11 \
    A13 令和8年6月 B13 2000 C13 14000 E13 14000 F13 14000 G13 0 =E13-F13 \
    A16 令和8年9月 B16 5000 C16 35000 D16 ○ E16 20000 F16 0 G16 20000 =E16-F16)"
  same "partner statement rows 23-" "$(cell_rows "$ps" 23 99)" "$(cellv \
    A23 合計 B23 7000 '=SUBTOTAL(9,B11:B22)' C23 "" D23 "" E23 34000 '=SUBTOTAL(9,E11:E22)' F23 14000 '=SUBTOTAL(9,F11:F22)' G23 20000 '=SUBTOTAL(9,G11:G22)' \
    A25 入金 \
    A26 日付 B26 受領番号 C26 金額 D26 備考 E26 記録番号 \
    A27 "$(xdate 2026-07-01)" B27 "$(rno 2026 "$d6")" C27 14000 E27 "$d6" \
    A28 "$(xdate 2026-10-01)" B28 "$(rno 2026 "$p2")" C28 5000 D28 "取消済（記録番号 $vp）" E28 "$p2" \
    A29 "$(xdate 2026-10-02)" B29 "$(rno 2026 "$p2")" C29 -5000 D29 "取消（誤入金）" E29 "$vp" \
    A30 合計 B30 "" C30 14000 '=SUBTOTAL(9,C27:C29)' D30 "" E30 "")"
  # frozen down to the months' header; their filter over the twelve months
  frozen_filter "partner statement" "$ps" 10 A10:G22
  fmt_is "partner dates" p.xlsx '[$-411]ggge"年"m"月"d"日"' E5 E6 A27 A29
  fmt_is "partner amounts" p.xlsx '#,##0"円"_-;-#,##0"円"_-' B4 E4 C13 E13 F13 G13 E23 C27 C29 C30
  fmt_is "partner clicks" p.xlsx '#,##0_-' B11 B16 B23
  nocodes "partner statement" p.xlsx
  expect 0 "" -- kifu export partner P1 --fy 2026 --out p-en.xlsx --lang en
  pe=$(cells p-en.xlsx 1)
  same "en partner statement rows 1-10" "$(cell_rows "$pe" 1 10)" "$(cellv \
    A1 "Click-fund partner statement FY2026" \
    A2 Fund B2 テスト基金 D2 Issued E2 "$issued_en" \
    A3 Partner B3 P1 C3 協賛社 \
    A4 "Per click" B4 7 D4 "Monthly cap" E4 20000 \
    A5 "Fiscal year" B5 FY2026 D5 "First day" E5 "$fy_first" \
    A6 Designation B6 "保健・医療・福祉の増進 (field)" D6 "Last day" E6 "$fy_last" \
    A7 "Ledger entries" B7 "$size" \
    A8 "Ledger root" B8 "$root" \
    A9 "Clicks and pledges by month" \
    A10 Month B10 Clicks C10 "Clicks x rate" D10 Cap E10 Pledged F10 Paid G10 Outstanding)"
  has "$pe" "A16	2026-09	" "en month"
  has "$pe" "D16	cap applied	" "en cap mark"
  fmt_is "en partner dates" p-en.xlsx 'yyyy-mm-dd' E5 E6 A27
  fmt_is "en partner amounts" p-en.xlsx '"¥"#,##0_-;-"¥"#,##0_-' B4 E4 C13 C27
  frozen_filter "en partner statement" "$pe" 10 A10:G22
  expect 1 "no partner P9" -- kifu export partner P9 --fy 2026 --out x.xlsx

  # Printing: A4, one page wide, the first table's header repeated, the fund
  # and the statement in the page header; with LibreOffice, one page each.
  for wb in g.xlsx g-en.xlsx p.xlsx p-en.xlsx; do
    sh=$(part "$wb" xl/worksheets/sheet1.xml)
    grep -qE '<pageSetup paperSize="9"[^>]*fitToHeight="0"' <<<"$sh" && grep -q 'fitToPage="1"' <<<"$sh" && ok || bad "$wb: page setup"
  done
  has "$(part g.xlsx xl/workbook.xml)" "'明細'!\$12:\$12</definedName>" "group print titles"
  has "$(part p.xlsx xl/workbook.xml)" "'明細'!\$10:\$10</definedName>" "partner print titles"
  has "$(part g.xlsx xl/worksheets/sheet1.xml)" "<oddHeader>&amp;Lテスト基金&amp;R団体別明細 子ども食堂 令和8年度</oddHeader>" "group page header"
  has "$(part p.xlsx xl/worksheets/sheet1.xml)" "<oddHeader>&amp;Lテスト基金&amp;Rクリック募金明細 協賛社 令和8年度</oddHeader>" "partner page header"
  if command -v soffice >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1; then
    mkdir -p spdf && timeout 300 soffice -env:UserInstallation=file://$T/lo-spdf --headless --convert-to pdf --outdir spdf g.xlsx g-en.xlsx p.xlsx p-en.xlsx >/dev/null 2>&1
    for f in g g-en p p-en; do
      n=$(pdfinfo "spdf/$f.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
      [ "$n" = 1 ] && ok || bad "$f.xlsx prints on '$n' pages, want 1"
    done
  else
    echo "e2e_audit_and_statement_cells: LibreOffice or pdfinfo not installed: statement pages not counted" >&2
  fi

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
  grep -qP "^B2\t失敗\t" <<<"$(cells t.xlsx 7)" && ok || bad "tamper not shown"
  # the title, the result and its error stay in view
  has "$(cells t.xlsx 7)" '<pane ySplit="3" topLeftCell="A4"' "tampered verification: frozen rows 1-3"
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
