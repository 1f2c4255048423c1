#!/usr/bin/env bash
# The demo's year (tests/site_ledger.sh: the fixtures' 344 donations, grants
# decided, paid, settled and refunded, a void, a cosigned checkpoint) printed
# as an auditor prints it: the audit workbook converted to PDF by LibreOffice
# (Debian's libreoffice-calc) is at most 20 A4 pages, the Summary alone on the
# first (its footer "概要 1 / N", its sign-off block on it, page 2 the next
# sheet's), and the group's and partner's statements one page each. Without
# LibreOffice the test says so and checks nothing else (exit 77: skipped).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
if ! command -v soffice >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1; then
  echo "e2e_demo_year_prints: LibreOffice or poppler-utils not installed: skipped" >&2
  exit 77
fi
. "$here/site_ledger.sh"
expect 0 "verification passed" -- kifu export audit --fy 2026 --out audit.xlsx
expect 0 "" -- kifu export group G001 --fy 2026 --out group.xlsx
expect 0 "" -- kifu export partner P001 --fy 2026 --out partner.xlsx
mkdir -p pdf
timeout 300 soffice -env:UserInstallation=file://$T/lo --headless --convert-to pdf --outdir pdf \
  audit.xlsx group.xlsx partner.xlsx >/dev/null 2>&1
pages() { pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ {print $2}'; }
pa=$(pages pdf/audit.pdf)
[ -n "$pa" ] && [ "$pa" -le 20 ] && ok || bad "the audit workbook prints on '$pa' pages, want at most 20"
p1=$(pdftotext -f 1 -l 1 -layout pdf/audit.pdf - 2>/dev/null)
p2=$(pdftotext -f 2 -l 2 -layout pdf/audit.pdf - 2>/dev/null)
grep -q "概要 *1 / $pa" <<<"$p1" && grep -q "決裁・確認欄" <<<"$p1" && grep -q "基金の運用状況" <<<"$p1" &&
  ! grep -q "概要" <<<"$(tail -3 <<<"$p2")" && ok || bad "the Summary is not alone on page 1: $(tail -2 <<<"$p1") / $(tail -2 <<<"$p2")"
for s in group partner; do
  [ "$(pages pdf/$s.pdf)" = 1 ] && ok || bad "the $s statement prints on $(pages pdf/$s.pdf) pages, want 1"
done
echo "e2e_demo_year_prints: audit workbook $pa pages" >&2
finish
