#!/usr/bin/env bash
# End-to-end: README.md's "A short tour" block runs as written (in a fresh
# directory with the checkout's fixtures beside it and kifu on the PATH), so
# that the README cannot drift from the program again.
. "$(dirname "$0")/common.sh"
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
awk '/^## A short tour/ { tour = 1; next }
     tour && /^```sh$/ { inblock = 1; next }
     inblock && /^```$/ { exit }
     inblock { print }' "$SRC/README.md" >tour.sh
[ "$(grep -c '^kifu \|^kifu$' tour.sh)" -gt 20 ] && ok || bad "no tour block found in README.md"
ln -s "$SRC/fixtures" fixtures
# the tour sets its own clock, ledger and passphrases; the key cost stays low
unset KIFU_NOW KIFU_PASSPHRASE KIFU_NEW_PASSPHRASE
code=0
PATH="$(dirname "$KIFU_BIN"):$PATH" bash -euo pipefail tour.sh >tour.out 2>tour.err || code=$?
[ $code = 0 ] && ok || bad "the README tour stopped (exit $code): $(tail -5 tour.err)"
# what it says it does, it did
grep -q '^ok: 寄附金受領証明書 第 2026-000001 号' tour.out && grep -q '^donor: 札幌太郎 様, 札幌市中央区北1条西2丁目' tour.out &&
  ok || bad "receipt: $(grep -i receipt tour.out)"
grep -q 'verification passed; written to audit-2026.xlsx' tour.out && ok || bad "audit export: $(tail -3 tour.out)"
grep -q '^ok: .* extends the trusted checkpoint' tour.out && ok || bad "verify --trust: $(grep '^ok' tour.out)"
grep -q 'A-2026-0001' tour.out && ok || bad "no application recorded"
for f in fund.db admin.key treasurer.key receipt.pdf cp.txt audit-2026.xlsx M101-2026.xlsx G101-2026.xlsx \
  site/index.html site/verify.html site/entries.txt; do
  [ -s "$f" ] && ok || bad "the tour did not make $f"
done
finish
