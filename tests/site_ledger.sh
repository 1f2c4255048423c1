# The ledger the public-site tests publish (sourced by tests/e2e_publish_*.sh
# and e2e_site_in_chromium.sh after tests/common.sh, in $T): the demo's year
# of a small fund — rules, keys, the registry (fixtures/setup.sh), a year of
# donations (fixtures/donations-2026.csv, with donors' names and addresses),
# a gift receipted and then voided, grants decided, paid, settled and
# refunded, certificates (the fund's identity first, its --url the
# verification page of the site published to $T/site), and an auditor's
# cosignature. Leaves: kifu.db, admin.key, auditor.key,
#   GIFT      the seq of a gift with a donor's name and address; CERT the seq
#             of its certificate (receipt.issue), r.pdf and r.txt its receipt
#             (the PDF and, by --copy, the text);
#   VOIDED    a gift voided after its certificate, r-void.txt (made before);
#   r-old.txt a certificate reissued later (r-new.txt, the reissue);
#   r-member.pdf, r-member.txt  member M001's annual certificate of 2026;
#   r-partner.pdf  partner P001's first payment's 受領書.
src=${KIFU_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export KIFU_DB=$T/kifu.db
q() { "$KIFU_BIN" "$@" >/dev/null; }
# as the demo: the ledger starts on 2026-04-01, then FY 2026 is recorded at
# its end (business dates are never after the clock)
export KIFU_NOW=2026-04-01T09:00:00+09:00
q init --fund "さぽーとほっと基金" --admin jimukyoku --key-out "$T/admin.key" \
  --origin sapporo.example/kifu --rules "$src/fixtures/rules.ini"
export KIFU_KEY=$T/admin.key
q key add shinsa2 --role reviewer --key-out "$T/reviewer2.key"
q key add shinsa3 --role reviewer --key-out "$T/reviewer3.key"
q key add kansa --role auditor --key-out "$T/auditor.key"
export KIFU_NOW=2027-03-31T09:00:00+09:00
bash "$src/fixtures/setup.sh" "$KIFU_BIN"
q identity set --issuer-name "秋元 克広" --issuer-title "札幌市長" \
  --address "札幌市中央区北1条西2丁目" --phone "011-211-2111" --fund-name "さぽーとほっと基金" \
  --tax-note "この証明書は確定申告の際に寄附金控除の証明として添付してください。" \
  --url "file://$T/site/verify.html"
q import donations "$src/fixtures/donations-2026.csv"
q donate --amount 12000 --date 2026-04-20 --to group:G002 --donor "寄附 太郎" \
  --address "札幌市北区北8条西5丁目" --method transfer
GIFT=$("$KIFU_BIN" log --json | grep -o '"seq":[0-9]*' | tail -1 | cut -d: -f2)
q donate --amount 3000 --date 2026-04-21 --donor "取消 花子" --method cash
VOIDED=$((GIFT + 1))
q receipt "$VOIDED" --date 2026-04-21 --out "$T/r-void.txt"
q donate --amount 5000 --date 2026-04-21 --donor "再発 次郎" --address "札幌市南区真駒内1" --method cash
REISSUED=$((VOIDED + 2))
q receipt "$REISSUED" --date 2026-04-21 --out "$T/r-old.txt"
q receipt "$REISSUED" --date 2026-04-22 --reissue --out "$T/r-new.txt"
q void "$VOIDED" --reason "二重計上" --date 2026-04-22
for f in field-ok collab-ok designated-ok theme-ok; do
  q grant apply "$src/fixtures/applications/$f.ini" --date 2026-05-01
done
for app in A-2026-0001 A-2026-0002; do
  KIFU_KEY=$T/reviewer2.key q grant review $app --score 4
  KIFU_KEY=$T/reviewer3.key q grant review $app --score 5
done
q grant decide A-2026-0001 --approve 229000 --date 2026-05-01
q grant decide A-2026-0002 --approve 500000 --date 2026-05-01
q grant pay A-2026-0001 --amount 200000 --date 2026-06-01
q grant pay A-2026-0001 --amount 29000 --date 2026-09-01
q grant settle A-2026-0001 --spent 300000 --income 50000 --date 2027-02-10
q grant refund A-2026-0001 --amount 29000 --date 2027-03-01
q interest --amount 1234 --date 2027-03-31 --ref 普通預金利息-2026   # 運用益: the pages add it to its pool
q receipt "$GIFT" --out "$T/r.pdf"
CERT=$("$KIFU_BIN" log --json | grep -o '"seq":[0-9]*' | tail -1 | cut -d: -f2)
q receipt --copy "$CERT" --out "$T/r.txt"
q receipt --member M001 --year 2026 --out "$T/r-member.pdf"
q receipt --copy "$(("$CERT" + 1))" --out "$T/r-member.txt"
PAY=$("$KIFU_BIN" log --json | grep -o '"seq":[0-9]*,"kind":"donation"[^}]*"source":"partner:P001"' |
  sed -n '1s/"seq":\([0-9]*\).*/\1/p')
q receipt "$PAY" --out "$T/r-partner.pdf"
q checkpoint --out "$T/cp.txt"
KIFU_KEY=$T/auditor.key q cosign "$T/cp.txt"
