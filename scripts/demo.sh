#!/usr/bin/env bash
# The demo: installs what is missing, builds kifu, and runs a year of a small
# fund in ./demo — rules, keys, the registry, a year of donations (UTF-8 and
# CP932 CSV), click-fund tallies and box collections, grant applications,
# reviews, allocation, decisions, payments and settlement, certificates
# (PDF) checked with no database, an auditor's cosigned checkpoint, and verify.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
bin="$src/build/kifu"
say() { printf '\n== %s\n' "$*" >&2; }
kifu() { echo "\$ kifu $*" >&2; "$bin" "$@"; }
rm -rf demo && mkdir demo && cd demo
export KIFU_DB=kifu.db KIFU_PASSPHRASE=${KIFU_PASSPHRASE:-demo-passphrase}
# the passphrase of the keys the demo makes (kifu init, key add): the same one, explicitly
export KIFU_NEW_PASSPHRASE=${KIFU_NEW_PASSPHRASE:-$KIFU_PASSPHRASE}
export KIFU_NOW=${KIFU_NOW:-2026-04-01T09:00:00+09:00}

say "a new ledger with the fund's rules, and keys with roles"
kifu init --fund "さぽーとほっと基金" --admin jimukyoku --key-out admin.key \
  --origin sapporo.example/kifu --rules "$src/fixtures/rules.ini"
export KIFU_KEY=admin.key
kifu key add kaikei --role treasurer --key-out treasurer.key
kifu key add shinsa1 --role reviewer --affiliation G001 --key-out reviewer1.key
kifu key add shinsa2 --role reviewer --key-out reviewer2.key
kifu key add shinsa3 --role reviewer --key-out reviewer3.key
kifu key add kansa --role auditor --key-out auditor.key
kifu key list
# FY 2026 is recorded at its end: a business date may not be after today, so
# the clock moves to 2027-03-31 and the grant steps give their own --date.
export KIFU_NOW=2027-03-31T09:00:00+09:00

say "the registry: groups, supporters' club, click-fund partners, donation boxes"
bash "$src/fixtures/setup.sh" "$bin"
kifu group list
kifu partner list

say "a year of donations from CSV, one signed commit per file"
KIFU_KEY=treasurer.key kifu import donations "$src/fixtures/donations-2026.csv"
KIFU_KEY=treasurer.key kifu import donations "$src/fixtures/donations-2026-cp932.csv" --encoding cp932
echo "\$ kifu import donations donations-bad.csv   (refused: every bad line is named, nothing recorded)" >&2
"$bin" --key treasurer.key import donations "$src/fixtures/donations-bad.csv" 2>&1 | head -5 || true
dup=$(KIFU_KEY=treasurer.key kifu donate --amount 5000 --date 2026-06-10 --method transfer --ref BANK-DUP-1 | sed -n 's/^seq \([0-9]*\):.*/\1/p')
KIFU_KEY=treasurer.key kifu void "$dup" --reason "二重計上（同じ振込を二度記録）" --date 2026-06-11
kifu member list --fy 2026
kifu balance

say "grants: apply, review, allocate, decide, pay, settle"
for f in field-ok collab-ok designated-ok theme-ok; do
  kifu grant apply "$src/fixtures/applications/$f.ini" --date 2026-05-01
done
for app in A-2026-0001 A-2026-0002; do
  KIFU_KEY=reviewer2.key kifu grant review $app --score 4
  KIFU_KEY=reviewer3.key kifu grant review $app --score 5
done
echo "\$ kifu --key reviewer1.key grant review A-2026-0002 --score 5   (refused: shinsa1 belongs to G001)" >&2
"$bin" --key reviewer1.key grant review A-2026-0002 --score 5 2>&1 || true
kifu grant allocate --menu field --round 2026-early
kifu grant allocate --menu collab --round 2026-early --json
kifu grant decide A-2026-0001 --approve 229000 --date 2026-05-01   # what the welfare pool has, as allocated
kifu grant decide A-2026-0002 --approve 500000 --date 2026-05-01
kifu grant show A-2026-0004          # theme: same 'annual' tag as the field award
KIFU_KEY=treasurer.key kifu grant pay A-2026-0001 --amount 200000 --date 2026-06-01
KIFU_KEY=treasurer.key kifu grant pay A-2026-0001 --amount 29000 --date 2026-09-01
kifu grant settle A-2026-0001 --spent 300000 --income 50000 --date 2027-02-10   # 250,000 x 8/10
KIFU_KEY=treasurer.key kifu grant refund A-2026-0001 --amount 29000 --date 2027-03-01
KIFU_KEY=treasurer.key kifu interest --amount 1234 --date 2027-03-31 --ref 普通預金利息-2026
kifu grant list
kifu balance --fy 2026

say "certificates (寄附金受領証明書): the issuer as signed data, PDFs checked with no database"
kifu identity set --issuer-name "秋元 克広" --issuer-title "札幌市長" \
  --address "札幌市中央区北1条西2丁目" --phone "011-211-2111" --fund-name "さぽーとほっと基金" \
  --tax-note "この証明書は、所得税の寄附金控除（所得税法第78条）又は個人住民税の寄附金税額控除を受ける際に、確定申告書に添付してください。再発行の際は新しい番号の証明書を発行します。" \
  --url "https://sapporo.example/kifu/verify.html"
# the fifth donation with a donor's name, a member's year, a partner's payment (受領書)
seq=$("$bin" log --json | grep -o '"seq":[0-9]*,"kind":"donation"[^}]*"donor"' |
  sed -n '5s/"seq":\([0-9]*\).*/\1/p')
pay=$("$bin" log --json | grep -o '"seq":[0-9]*,"kind":"donation"[^}]*"source":"partner:P001"' |
  sed -n '1s/"seq":\([0-9]*\).*/\1/p')
# issued in January 2027, when donors file their tax returns (FY 2026: numbers 2026-...)
KIFU_KEY=treasurer.key kifu receipt "$seq" --date 2027-01-15 --out receipt.pdf
KIFU_KEY=treasurer.key kifu receipt "$seq" --date 2027-01-20 --out receipt.txt --reissue  # 再発行
KIFU_KEY=treasurer.key kifu receipt --member M001 --year 2026 --date 2027-01-15 \
  --out member-M001-2026.pdf
KIFU_KEY=treasurer.key kifu receipt "$pay" --date 2027-01-15 --out partner-P001.pdf
kifu receipt list
vkey=$("$bin" key list --vkey kaikei)
(cd / && "$bin" verify-receipt "$OLDPWD/receipt.pdf" --origin-key "$vkey")
(cd / && "$bin" verify-receipt "$OLDPWD/receipt.txt" --origin-key "$vkey")

say "the auditor cosigns a checkpoint; everything verifies"
kifu checkpoint --out checkpoint.txt
KIFU_KEY=auditor.key kifu cosign checkpoint.txt
cat checkpoint.txt
kifu verify --trust checkpoint.txt

say "the auditor's workbook of FY2026, with a signed checkpoint"
kifu export audit --fy 2026 --out audit-2026.xlsx --sign
kifu export audit --fy 2026 --out audit-2026-en.xlsx --lang en
kifu export group G001 --fy 2026 --out group-G001-2026.xlsx
kifu export partner P001 --fy 2026 --out partner-P001-2026.xlsx

say "the public site: the pages check their own figures in the browser"
kifu publish --out site
echo "demo ledger in $PWD/kifu.db, audit workbook in $PWD/audit-2026.xlsx, public site in $PWD/site/index.html" >&2
