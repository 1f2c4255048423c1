#!/usr/bin/env bash
# End-to-end: the auditor's workbook as a Japanese public fund's auditor reads
# it (README, "The auditor's workbook"). Two fiscal years worked by hand: gifts
# with a fee and a void (of the year before), interest earned, a grant cut by
# its pool, paid twice, settled and partly refunded, a group deregistered (its
# pool moved to general), a rejected application, an auditor's cosigned
# checkpoint. Read back with openpyxl (python3-openpyxl): the sheets in order;
# on the Summary, per pool and in total, 寄附金(総額) − 手数料 − 取消 +
# 返還金(戻入) + 運用益 + 移管受入 = 収入 and 期首 + 収入 − 助成金支出 −
# 移管払出 = 期末, each closing as `kifu balance --fy` gives it, counts, the
# 指定/一般 subtotals and the 運用状況; the Donations in date order with
# SUBTOTAL totals; the grant register's dates, scores and reasons in words;
# the reconciliation by payment method; the Verification sheet's root in hex
# and base64 (one value) and the cosigned checkpoint the ledger extends; no
# code (field:…, member:…, English kinds, methods or states) in the ja
# workbook outside the Ledger sheet. With LibreOffice: the Summary prints on
# one A4 page.
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
SRC=$(realpath "$SRC")
. "$(dirname "$0")/common.sh"
export KIFU_DB=L.db KIFU_KEY=admin.key

PY=
for p in /usr/bin/python3 python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import openpyxl' 2>/dev/null; then
    PY=$p
    break
  fi
done

seq_of() { sed -n 's/^seq \([0-9]*\):.*/\1/p'; }
export KIFU_NOW=2025-05-01T09:00:00+09:00
kifu init --fund テスト基金 --admin admin --key-out admin.key --rules "$SRC/tests/data/rules-grants.ini" >/dev/null
kifu key add kaikei --role treasurer --key-out t.key >/dev/null
kifu key add kansa --role auditor --key-out aud.key >/dev/null
kifu key add shinsa1 --role reviewer --key-out r1.key >/dev/null
kifu key add shinsa2 --role reviewer --key-out r2.key >/dev/null
kifu group add G5 --name 子ども食堂 --type volunteer --founded 2020-04-01 --members 12 >/dev/null
kifu group add G6 --name 解散する会 --type volunteer --founded 2020-04-01 --members 5 >/dev/null
kifu member add M1 --name 山田花子 --tier regular --joined 2024-04-01 >/dev/null
export KIFU_NOW=2026-03-31T09:00:00+09:00
d() { kifu --key t.key donate "$@" | seq_of; }
# FY2025
a1=$(d --amount 100000 --to field:welfare --date 2025-06-01 --method transfer)
a2=$(d --amount 20000 --to group:G6 --date 2025-07-01 --method cash)
a3=$(d --amount 5000 --date 2025-08-01 --method cash)                     # voided in FY2026
export KIFU_NOW=2027-05-01T09:00:00+09:00
# FY2026: gross 600000 + 3000 + 5000 + 7777 + 1000 = 616777
b1=$(d --amount 600000 --to field:welfare --date 2026-04-10 --method transfer)
b2=$(d --amount 3000 --source member:M1 --date 2026-05-10 --method cash)
b3=$(d --amount 5000 --fee 200 --method card --to group:G5 --date 2026-05-20 --donor 佐藤一郎)
b4=$(d --amount 7777 --date 2026-06-01 --method slip)                      # voided below
b5=$(d --amount 1000 --date 2026-04-02 --method cash)                      # recorded last, dated first
v1=$(kifu --key t.key void "$b4" --reason 二重計上 --date 2026-06-02 | seq_of)
v2=$(kifu --key t.key void "$a3" --reason 誤記 --date 2026-06-03 | seq_of)
i1=$(kifu --key t.key interest --amount 1234 --date 2027-03-31 --ref 普通預金利息 | seq_of)
app=$(kifu grant apply "$SRC/tests/data/apps/F1.ini" --date 2026-05-10 | sed -n 's/^seq [0-9]*: \(A-[0-9]*-[0-9]*\) recorded$/\1/p')
kifu grant decide "$app" --approve 480000 --date 2026-06-01 >/dev/null
kifu --key t.key grant pay "$app" --amount 300000 --date 2026-06-15 >/dev/null
kifu --key t.key grant pay "$app" --amount 180000 --date 2026-09-15 >/dev/null
kifu grant settle "$app" --spent 500000 --income 50000 --date 2027-02-10 >/dev/null
kifu --key t.key grant refund "$app" --amount 120000 --date 2027-03-01 >/dev/null
kifu group deregister G6 --reason 解散 --date 2026-10-01 >/dev/null
kifu checkpoint --out cp.txt >/dev/null && kifu --key aud.key cosign cp.txt >/dev/null
[ -n "$a1" ] && [ -n "$b5" ] && [ -n "$v1" ] && [ -n "$v2" ] && [ -n "$i1" ] && [ "$app" = A-2026-0001 ] && ok ||
  bad "setup: '$a1' '$b5' '$v1' '$v2' '$i1' '$app'"
kifu --json balance --fy 2026 >bal.json

expect 0 "FY 2026: 5 donations \(1 voided" -- kifu --key t.key export audit --fy 2026 --out a.xlsx --sign
expect 0 "" -- kifu export audit --fy 2026 --out a-en.xlsx --lang en

if [ -z "$PY" ]; then
  echo "e2e_audit_workbook_reconciles: python3-openpyxl not installed: cells not checked" >&2
  finish
fi

check() {
  "$PY" - "$@" <<'EOF'
import base64, json, re, sys
import openpyxl

path, lang, bal = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
fails = []
def need(cond, what):
    if not cond:
        fails.append(what)

wbf = openpyxl.load_workbook(path)                 # formulas
wbv = openpyxl.load_workbook(path, data_only=True) # their cached values
names = wbv.sheetnames
want = (["概要", "寄附", "助成（交付台帳）", "財源", "照合", "台帳", "検証"] if lang == "ja" else
        ["Summary", "Donations", "Grants (register)", "Pools", "Reconciliation", "Ledger", "Verification"])
need(names == want, "sheets %r" % names)
need(any("交付台帳" in n for n in names) or lang == "en", "no 交付台帳 sheet")

def rows(sheet):
    return [[c for c in r] for r in wbv[sheet].iter_rows(values_only=True)]

S, F = wbv[names[0]], wbf[names[0]]
# the reconciliation table: its header row starts with 区分 / Kind
hdr = next(r for r in range(1, 60) if S.cell(r, 1).value in ("区分", "Kind"))
cols = [S.cell(hdr, c).value for c in range(1, 18)]
ix = {name: i + 1 for i, name in enumerate(cols)}
K = (["期首残高", "寄附件数", "寄附金(総額)", "手数料", "取消件数", "取消", "返還金(戻入)", "運用益",
      "移管受入", "収入", "助成金支出", "移管払出", "期末残高", "確保額", "利用可能額"] if lang == "ja" else
     ["Opening", "Gifts", "Donations (gross)", "Fees", "Voids", "Voided", "Refunds returned", "Interest",
      "Transfers in", "Income", "Grants paid", "Transfers out", "Closing", "Committed", "Available"])
need(all(k in ix for k in K), "reconciliation columns %r" % cols)
(op, n, gross, fee, nv, voided, ref, intr, xin, inc, paid, xout, close, com, avail) = [ix[k] for k in K]
total_label = "合計" if lang == "ja" else "Total"
r = hdr + 1
pools = {}
while S.cell(r, 1).value != total_label:
    v = lambda c: S.cell(r, c).value or 0
    name = S.cell(r, 2).value
    pools[name] = {k: v(ix[k]) for k in K}
    need(v(inc) == v(gross) - v(fee) - v(voided) + v(ref) + v(intr) + v(xin), "income of %s" % name)
    need(v(close) == v(op) + v(inc) - v(paid) - v(xout), "closing of %s" % name)
    need(v(avail) == v(close) - v(com), "available of %s" % name)
    need(str(F.cell(r, inc).value).startswith("="), "income of %s is not a formula" % name)
    need(str(F.cell(r, close).value).startswith("="), "closing of %s is not a formula" % name)
    r += 1
tot = r
for k in K:
    c = ix[k]
    need(S.cell(tot, c).value == sum(p[k] for p in pools.values()), "total %s" % k)
    need(str(F.cell(tot, c).value).startswith("=SUBTOTAL(9,"), "total %s is not SUBTOTAL" % k)
    need(S.cell(tot + 1, c).value + S.cell(tot + 2, c).value == S.cell(tot, c).value,
         "指定 + 一般 != total for %s" % k)
# each pool's closing is kifu balance --fy's
by_code = {p["pool"]: p for p in bal["pools"]}
need(S.cell(tot, close).value == bal["total"]["balance"], "total closing vs kifu balance")
need(S.cell(tot, com).value == bal["total"]["committed"], "total committed vs kifu balance")
if lang == "ja":
    want_pools = {"一般": "general", "保健・医療・福祉の増進（分野）": "field:welfare",
                  "子ども食堂（団体）": "group:G5", "解散する会（団体）": "group:G6"}
    need(set(pools) == set(want_pools), "pool names %r" % sorted(pools))
    for name, code in want_pools.items():
        need(pools[name]["期末残高"] == by_code[code]["balance"], "closing of %s vs kifu balance" % name)
        need(pools[name]["期首残高"] == by_code[code]["opening"], "opening of %s vs kifu balance" % name)
    g, w, k5, k6 = (pools[x] for x in want_pools)
    # worked by hand
    need(sum(p["寄附金(総額)"] for p in pools.values()) == 616777, "gross 616777")
    need(sum(p["寄附件数"] for p in pools.values()) == 5, "5 gifts")
    need(k5["手数料"] == 200 and k5["寄附金(総額)"] == 5000, "G5 gross 5000 fee 200: %r" % k5)
    need(g["取消"] == 12777 and g["取消件数"] == 2, "general voided 7777 + 5000: %r" % g)
    need(g["運用益"] == 1234, "interest to general")
    need(w["助成金支出"] == 480000 and w["返還金(戻入)"] == 120000, "welfare paid and refunded: %r" % w)
    need(k6["移管払出"] == 20000 and g["移管受入"] == 20000 and k6["期首残高"] == 20000, "G6 moved: %r" % k6)
    need(w["期首残高"] == 100000, "welfare opening")

# 運用状況: start + received + interest - spent = end = the total closing
st = next(r for r in range(tot, tot + 20) if S.cell(r, 1).value in ("基金の運用状況", "The fund in the year"))
vals = [S.cell(st + i, 3).value for i in range(1, 6)]
need(vals[0] + vals[1] + vals[2] - vals[3] == vals[4], "運用状況 does not add up: %r" % vals)
need(vals[4] == S.cell(tot, close).value, "運用状況 end vs closing")
need(vals[2] == S.cell(tot, intr).value, "運用益 vs interest")
# sign-off block
flat = [str(c) for row in rows(names[0]) for c in row if c is not None]
for word in (["作成者", "確認者", "会計管理者", "監査委員", "印"] if lang == "ja" else ["Prepared by", "Auditor"]):
    need(word in flat, "sign-off: no %s" % word)

# Donations: in date order (then seq), SUBTOTAL totals
D, DF = wbv[names[1]], wbf[names[1]]
dates, seqs, amounts = [], [], []
for r in range(2, D.max_row + 1):
    if not isinstance(D.cell(r, 1).value, int):
        break
    dates.append(D.cell(r, 2).value); seqs.append(D.cell(r, 1).value); amounts.append(D.cell(r, 8).value)
need(len(seqs) == 5, "5 donation rows: %r" % seqs)
need(list(zip(dates, seqs)) == sorted(zip(dates, seqs)), "donations not in date order: %r" % seqs)
tr = 2 + len(seqs)
need(D.cell(tr, 8).value == sum(amounts) == 616777, "donations total")
need(str(DF.cell(tr, 8).value).startswith("=SUBTOTAL(9,"), "donations total is %r" % DF.cell(tr, 8).value)
need(D.cell(tr + 1, 8).value == 616777 - 7777, "total less voided")

# the grant register
G = rows(names[2])
head = G[0]
a = dict(zip(head, G[1]))
if lang == "ja":
    need(a["申請番号"] == "A-2026-0001", "first application")
    need(a["団体"] == "子ども食堂" and a["メニュー"] == "分野指定助成", "names in the register: %r" % a)
    for k in ("申請日", "交付決定日", "実績報告・確定日", "返還日"):
        need(a[k] is not None and hasattr(a[k], "year"), "%s is not a date: %r" % (k, a[k]))
    need("令和8年6月15日 300,000円" in a["支払（日付・金額）"] and "令和8年9月15日 180,000円" in a["支払（日付・金額）"],
         "payments %r" % a["支払（日付・金額）"])
    need(a["支払額"] == 480000 and a["返還額"] == 120000, "paid and refunded")
    need(a["状態"] == "確定（返還済）", "state %r" % a["状態"])
    need("上限額" in (a["決定の内容"] or ""), "why %r" % a["決定の内容"])

# Reconciliation by method: the methods add up to the Summary's gross
R = wbv[names[4]]
rr = 2
gsum = 0
while R.cell(rr, 1).value not in (total_label, None):
    need(R.cell(rr, 7).value == R.cell(rr, 3).value - R.cell(rr, 4).value - R.cell(rr, 6).value, "net by method")
    gsum += R.cell(rr, 3).value
    rr += 1
need(R.cell(rr, 1).value == total_label and R.cell(rr, 3).value == gsum == S.cell(tot, gross).value,
     "methods' gross vs the Summary")
bank = [r for r in range(rr, rr + 12) if R.cell(r, 1).value and str(R.cell(r, 1).value).startswith(("預金通帳", "Bank book"))]
need(len(bank) == 1, "no bank book cell")

# Verification: the root in hex and base64 is one value; the cosigned checkpoint is extended
V = rows(names[-1])
byname = {r[0]: r[1] for r in V if r and r[0]}
hx = byname.get("ルート（16進）" if lang == "ja" else "Root (hex)")
b64 = byname.get("ルート（Base64）" if lang == "ja" else "Root (base64)")
need(hx and b64 and base64.b64decode(b64).hex() == hx, "hex %r and base64 %r differ" % (hx, b64))
co = [r for r in V if r and r[0] and str(r[0]).startswith("kansa")]
need(len(co) == 1 and co[0][5] in ("はい", "yes"), "cosigned checkpoint: %r" % co)

# no code in the ja workbook outside the Ledger
if lang == "ja":
    code = re.compile(r"\b(field|theme|group|member|partner|box):|\b(direct|cash|transfer|card|slip|approved|open|"
                      r"rejected|settled|donation|box\.collect|admin|treasurer|reviewer|auditor)\b")
    for n in names:
        if n.startswith("台帳"):
            continue
        for row in wbv[n].iter_rows(values_only=True):
            for c in row:
                if isinstance(c, str) and code.search(c) and not c.startswith(("kansa", "kaikei", "admin+", "shinsa")):
                    m = code.search(c)
                    # key names and verifier keys are names, not codes
                    if n.startswith("検証") and re.match(r"^[a-z0-9]+(\+|$)", c):
                        continue
                    fails.append("code %r in %s: %r" % (m.group(0), n, c[:80]))
for f in fails:
    print("FAIL: " + f)
print("checked")
EOF
}
for x in "a.xlsx ja" "a-en.xlsx en"; do
  set -- $x
  out=$(check "$1" "$2" bal.json 2>&1)
  if grep -q '^checked$' <<<"$out" && ! grep -q '^FAIL' <<<"$out"; then ok; else bad "$1: $out"; fi
done

if command -v soffice >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1; then
  # The Summary alone prints on one page: the workbook with only its first
  # sheet's print area is not needed, its first page holds the sheet's
  # footer "概要 … 1 / N" and page 2 belongs to the next sheet.
  mkdir -p pdf && timeout 300 soffice -env:UserInstallation=file://$T/lo-pdf --headless --convert-to pdf --outdir pdf a.xlsx >/dev/null 2>&1
  p2=$(pdftotext -f 2 -l 2 -layout pdf/a.pdf - 2>/dev/null | tail -3 | tr -s ' ')
  p1=$(pdftotext -f 1 -l 1 -layout pdf/a.pdf - 2>/dev/null)
  grep -q "概要" <<<"$p1" && grep -q "決裁・確認欄" <<<"$p1" && grep -q "寄附" <<<"$p2" && ! grep -q "概要" <<<"$p2" && ok ||
    bad "the Summary does not print on one page: page 2 ends '$p2'"
else
  echo "e2e_audit_workbook_reconciles: LibreOffice or pdftotext not installed: pages not checked" >&2
fi
finish
