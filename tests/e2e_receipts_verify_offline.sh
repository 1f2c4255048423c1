#!/usr/bin/env bash
# End-to-end: certificates (寄附金受領証明書, 受領書). `kifu receipt` records a
# receipt.issue and writes the certificate as PDF or text; pdftotext finds
# every field a certificate prints; the numbers run without a gap across
# several certificates and a reissue; zbarimg reads the QR code of the PDF
# (rendered with pdftoppm) and what it holds verifies with `kifu
# verify-receipt`, with no database; altered receipts fail; refusals record
# nothing; a void names the certificate; an entry edited in the file fails
# kifu verify.
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
SRC=$(realpath "$SRC")
. "$(dirname "$0")/common.sh"
for tool in pdftotext pdftoppm zbarimg sqlite3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed (scripts/deps.sh)"; exit 77; }
done
export KIFU_DB=L.db KIFU_KEY=admin.key

kifu init --fund さぽーとほっと基金 --admin admin --key-out admin.key --origin sapporo.example/kifu \
  --rules "$SRC/fixtures/rules.ini" >/dev/null
# The gifts are dated 2026-05-02 to 05-05 and a business date may not be
# after today: the clock moves on from the init's 2026-05-01.
export KIFU_NOW=2026-05-10T09:00:00+09:00
# a step dated in FY 2027 is recorded with the clock there
later() { KIFU_NOW=2027-04-10T09:00:00+09:00 "$KIFU_BIN" "$@"; }
kifu key add t1 --role treasurer --key-out t1.key >/dev/null
kifu key add r1 --role reviewer --key-out r1.key >/dev/null
kifu box add B1 --location 区役所 --host 市民課 >/dev/null
kifu member add M1 --name "佐藤 花子" --tier regular --joined 2025-04-01 --address "札幌市北区北8条西5丁目" >/dev/null
kifu partner add P1 --name 北海道みらい銀行 --per-click 5 --monthly-cap 30000 --to field:welfare \
  --address "札幌市中央区大通西3丁目" >/dev/null
seqof() { sed -n 's/^seq \([0-9]*\):.*/\1/p'; }
d() { kifu --key t1.key donate "$@" | seqof; }
s=$(d --amount 50000 --date 2026-04-20 --donor 山田花子 --address 札幌市中央区北1条西2丁目 --ref R1 \
  --to field:welfare --method transfer)
s2=$(d --amount 8000 --date 2026-04-21 --donor "伊藤 一" --address 札幌市東区 --ref R2)
plain=$(d --amount 3000 --date 2026-04-22 --ref R3)
m1=$(d --amount 10000 --date 2026-04-23 --source member:M1)
m2=$(d --amount 12000 --date 2026-04-24 --source member:M1 --to field:children)
box=$(kifu --key t1.key box collect B1 --date 2026-04-25 --count-a 4000 --count-b 4000 \
  --counters "佐藤,鈴木" | seqof)
kifu --key t1.key partner clicks P1 --month 2026-04 --clicks 2000 >/dev/null
pay=$(kifu --key t1.key partner pay P1 --amount 10000 --date 2026-04-30 | seqof)
[ -n "$s" ] && [ -n "$plain" ] && [ -n "$box" ] && [ -n "$pay" ] && ok || bad "setup: '$s' '$plain' '$box' '$pay'"
VA=$(kifu key list --vkey admin)
VT=$(kifu key list --vkey t1)

# Refusals record nothing: no identity yet, then the gifts no certificate may name.
before=$(fingerprint L.db)
expect 1 "no fund identity is recorded" -- kifu --key t1.key receipt "$s" --out x.pdf
kifu identity set --issuer-name "秋元 克広" --issuer-title 札幌市長 --address "札幌市中央区北1条西2丁目" \
  --phone 011-211-2111 --fund-name さぽーとほっと基金 \
  --tax-note "この証明書は確定申告の際に寄附金控除の証明として添付してください。" \
  --url https://sapporo.example/kifu/verify.html >/dev/null && ok || bad "identity set"
expect 0 '"issuer_title":"札幌市長"' -- kifu --json identity show
before=$(fingerprint L.db)
expect 1 "seq $plain has no identifiable donor" -- kifu --key t1.key receipt "$plain" --out x.pdf
expect 1 "seq $box is a box collection" -- kifu --key t1.key receipt "$box" --out x.pdf
expect 2 "no entry with seq 999" -- kifu --key t1.key receipt 999 --out x.pdf
expect 1 "nothing to reissue" -- kifu --key t1.key receipt "$s" --reissue --out x.pdf
expect 1 "may not write receipt.issue|may not" -- kifu --key r1.key receipt "$s" --out x.pdf
[ "$(fingerprint L.db)" = "$before" ] && [ ! -e x.pdf ] && ok || bad "a refusal recorded or wrote something"

# Certificates: three first issues, a reissue, an annual one, a partner's 受領書.
expect 0 "寄附金受領証明書 第 2026-000001 号 for 山田花子, 50000 yen, written to c1.pdf" -- \
  kifu --key t1.key receipt "$s" --out c1.pdf --date 2026-05-01
expect 0 "第 2026-000002 号" -- kifu --key t1.key receipt "$s2" --out c2.txt --date 2026-05-01
expect 1 "already covers this gift; give --reissue" -- kifu --key t1.key receipt "$s" --out x.pdf
expect 0 "第 2026-000003 号 \(再発行, replaces 第 2026-000001 号\)" -- \
  kifu --key t1.key receipt "$s" --reissue --out c3.pdf --date 2026-05-02
expect 0 "第 2026-000004 号 for 佐藤 花子, 22000 yen" -- \
  kifu --key t1.key receipt --member M1 --year 2026 --out c4.pdf --date 2026-05-02
expect 0 "受領書 第 2026-000005 号 for 北海道みらい銀行, 10000 yen" -- \
  kifu --key t1.key receipt "$pay" --out c5.pdf --date 2026-05-02
# A new fiscal year starts again at 1.
expect 0 "第 2027-000001 号" -- later --key t1.key receipt "$s2" --reissue --out c6.txt --date 2027-04-01
nums=$(kifu --json receipt list | grep -o '"number":"[0-9-]*"' | cut -d'"' -f4 | tr '\n' ' ')
[ "$nums" = "2026-000001 2026-000002 2026-000003 2026-000004 2026-000005 2027-000001 " ] && ok ||
  bad "numbers: $nums"
expect 0 "^ok: .* verified" -- kifu verify

# The PDF: A4, fonts embedded, every field in its text.
pdftotext -layout c1.pdf c1.txt
flat=$(tr -d ' \n' <c1.txt)
for want in 寄附金受領証明書 第2026-000001号 令和8年5月1日 山田花子 様 札幌市中央区北1条西2丁目 \
  金50,000円 令和8年4月20日 保健・医療・福祉の増進 上記の金額を寄附金として受領しました \
  この証明書は確定申告の際に寄附金控除の証明として添付してください 札幌市長 秋元克広 011-211-2111 印 \
  https://sapporo.example/kifu/verify.html; do
  grep -qF -- "$want" <<<"$flat" && ok || bad "c1.pdf lacks '$want'"
done
pdftotext c3.pdf - | grep -q 再発行 && pdftotext c3.pdf - | grep -q '第 2026-000001 号に代わるもの' && ok ||
  bad "c3.pdf lacks its 再発行 mark"
flat4=$(pdftotext c4.pdf - | tr -d ' \n')
grep -qF 令和8年4月23日 <<<"$flat4" && grep -qF 金12,000円 <<<"$flat4" && grep -qF 金22,000円 <<<"$flat4" &&
  grep -qF 札幌市北区北8条西5丁目 <<<"$flat4" && ok || bad "c4.pdf (annual): $flat4"
flat5=$(pdftotext c5.pdf - | tr -d ' \n')
grep -qF 受領書 <<<"$flat5" && grep -qF 北海道みらい銀行御中 <<<"$flat5" && ok || bad "c5.pdf (partner): $flat5"
pdfinfo c1.pdf | grep -q 'Page size: *595.* x 841.* pts (A4)' && ok || bad "c1.pdf is not A4"
[ "$(pdffonts c1.pdf | awk 'NR>2 && $(NF-4)!="yes"' | wc -l)" = 0 ] && pdffonts c1.pdf | grep -q IPAex && ok ||
  bad "fonts not embedded: $(pdffonts c1.pdf)"

# No database is needed to verify: the PDF itself, the text, and the QR code.
V() { kifu --db /nonexistent/none.db verify-receipt "$@"; }
expect 0 "^ok: 寄附金受領証明書 第 2026-000001 号" -- V c1.pdf --origin-key "$VT"
expect 0 "donor: 伊藤 一 様, 札幌市東区" -- V c2.txt --origin-key "$VT"
expect 0 '"reissue_of":"2026-000001"' -- V --json c3.pdf --origin-key "$VT"
expect 1 "no valid signature by the origin key admin" -- V c1.pdf --origin-key "$VA"
for c in c1 c4 c5; do
  pdftoppm -r 200 -png "$c.pdf" "$c-page"
  zbarimg -q "$c-page-1.png" >"$c.qr" 2>/dev/null
  grep -q '^QR-Code:https://sapporo.example/kifu/verify.html#' "$c.qr" && ok || bad "$c: QR not read: $(head -c 200 "$c.qr")"
  expect 0 "^ok: " -- V "$c.qr" --origin-key "$VT"
done
zbarimg -q --raw c1-page-1.png 2>/dev/null | V - --origin-key "$VT" >/dev/null && ok || bad "verify-receipt - (stdin)"
qr_chars=$(kifu --json receipt --copy "$(kifu --json receipt list | grep -o '"seq":[0-9]*' | head -1 | cut -d: -f2)" --out copy.pdf |
  sed -n 's/.*"qr_chars":\([0-9]*\).*/\1/p')
[ -n "$qr_chars" ] && [ "$qr_chars" -le 2300 ] && ok || bad "QR payload of $qr_chars characters"
echo "QR payload: $qr_chars characters"

# Alterations of the text receipt, each on a copy, each caught.
tamper() {
  local name=$1
  shift
  sed "$@" c2.txt >"$name.txt"
  cmp -s c2.txt "$name.txt" && bad "tamper $name: sed changed nothing"
}
tamper amount -e 's/^金額: 金 8,000円$/金額: 金 80,000円/'
expect 1 "readable header line 6 does not match" -- V amount.txt --origin-key "$VT"
tamper amount2 -e 's/\\namount#8000\\n/\\namount#80000\\n/'
expect 1 "inclusion proof of seq" -- V amount2.txt --origin-key "$VT"
tamper name -e 's/^donor_name=伊藤 一$/donor_name=伊藤 二/'
expect 1 "donor name or address does not match" -- V name.txt --origin-key "$VT"
tamper issued -e 's/^発行日: 令和8年5月1日 (2026-05-01)$/発行日: 令和8年5月9日 (2026-05-09)/'
expect 1 "readable header line 3 does not match" -- V issued.txt --origin-key "$VT"
tamper issued2 -e 's/\\ndate=2026-05-01\\n/\\ndate=2026-05-09\\n/'
expect 1 "inclusion proof of seq" -- V issued2.txt --origin-key "$VT"
path_line=$(grep -m1 '^path\.' c2.txt)
h=${path_line#*=}
first=${h:0:1}
[ "$first" = 0 ] && repl=1 || repl=0
sed "s/^\(path\.[0-9]*=\)$first/\1$repl/" c2.txt >proof2.txt
expect 1 "inclusion proof of seq" -- V proof2.txt --origin-key "$VT"
sigline=$(grep '^checkpoint=' c2.txt | grep -o '— t1 [A-Za-z0-9+/=]*')
sig=${sigline#— t1 }
c=${sig:20:1}
[ "$c" = A ] && r=B || r=A
sed "s|— t1 ${sig:0:20}$c|— t1 ${sig:0:20}$r|" c2.txt >sig.txt
expect 1 "no valid signature by the origin key t1" -- V sig.txt --origin-key "$VT"

# A void names the certificates issued for the gift.
expect 0 "certificate 第 2026-000002 号 .* was issued for seq $s2; it no longer stands for a gift" -- \
  later --key t1.key void "$s2" --reason 返金 --date 2027-04-02
expect 1 "was voided by seq" -- kifu --key t1.key receipt "$s2" --reissue --out x.pdf

# An erased donor: refused.
# Its certificates' copies of the name and address go with it (one
# personal.erase each), and the ledger still verifies.
copies() { sqlite3 L.db "SELECT count(*) FROM personal WHERE seq IN (SELECT cert FROM don_cert_gifts WHERE gift=$s)"; }
ncerts=$(sqlite3 L.db "SELECT count(*) FROM don_cert_gifts WHERE gift=$s")
[ "$(copies)" -ge 1 ] && ok || bad "no certificate copy kept for seq $s before the erasure"
erasures=$(sqlite3 L.db "SELECT count(*) FROM entries WHERE kind='personal.erase'")
kifu erase donor --seq "$s" >/dev/null
[ "$(copies)" = 0 ] && ok || bad "certificate copies of seq $s's donor kept after the erasure: $(copies)"
[ "$(sqlite3 L.db "SELECT count(*) FROM entries WHERE kind='personal.erase'")" = $((erasures + 1 + ncerts)) ] && ok ||
  bad "want one personal.erase for the gift and one per certificate ($ncerts)"
expect 1 "was erased" -- kifu --key t1.key receipt "$s" --reissue --out x.pdf
# A member's address erased (its member.add): the copies kept for the
# member's certificates (the annual one) go too.
madd=$(sqlite3 L.db "SELECT seq FROM entries WHERE kind='member.add' LIMIT 1")
mcopies() { sqlite3 L.db "SELECT count(*) FROM personal WHERE seq IN (SELECT seq FROM don_certs WHERE source='member:M1')"; }
[ "$(mcopies)" -ge 1 ] && ok || bad "no copy kept for M1's certificates"
expect 0 "personal data erased" -- kifu erase donor --seq "$madd"
[ "$(mcopies)" = 0 ] && ok || bad "copies of M1's address kept after its erasure: $(mcopies)"
expect 0 "^ok: " -- kifu verify

# A receipt.issue edited in the file (its number made a gap) fails kifu verify
# by its hash; a signed one with a gap fails by the numbering rule
# (tests/test_receipt.c, forged_gap).
cp L.db G.db
n=$(sqlite3 G.db "SELECT max(seq) FROM entries WHERE kind='receipt.issue'")
sqlite3 G.db "DROP TRIGGER entries_no_update;
  UPDATE entries SET body=CAST(replace(CAST(body AS TEXT), 'number#1', 'number#2') AS BLOB) WHERE seq=$n;"
expect 1 "seq $n" -- kifu --db G.db verify
# A ledger that fails verification issues no certificate: refused before
# anything is recorded (here a donation's amount edited in the file).
cp L.db H.db
g=$(sqlite3 H.db "SELECT min(seq) FROM entries WHERE kind='donation'")
sqlite3 H.db "DROP TRIGGER entries_no_update;
  UPDATE entries SET body=CAST(replace(CAST(body AS TEXT), 'amount#', 'amount#9') AS BLOB) WHERE seq=$g;"
size_before=$(sqlite3 H.db "SELECT count(*) FROM entries")
expect 1 "verification failed, no certificate issued: seq $g" -- kifu --db H.db --key t1.key receipt "$g" --reissue --out h.pdf
[ "$(sqlite3 H.db "SELECT count(*) FROM entries")" = "$size_before" ] && [ ! -e h.pdf ] && ok ||
  bad "a certificate was recorded or written from a ledger that fails verification"
finish
