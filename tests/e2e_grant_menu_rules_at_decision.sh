#!/usr/bin/env bash
# End-to-end (issue 12): every rule of a menu holds for every decision, as
# allocation proposes it. fixtures/rules.ini's field menu has min_award
# 100,000 and round_down 1,000, and is scored (2 reviews, pass 3.0).
# fixtures/applications/field-ok.ini has a ceiling of 336,000.
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/common.sh"
export KIFU_DB=L.db KIFU_KEY=admin.key

kifu init --fund テスト基金 --admin admin --key-out admin.key --rules "$SRC/fixtures/rules.ini" >/dev/null
kifu key add kaikei --role treasurer --key-out t.key >/dev/null
kifu key add rev1 --role reviewer --key-out rev1.key >/dev/null
kifu key add rev2 --role reviewer --key-out rev2.key >/dev/null
kifu group add G001 --name 子ども食堂ひまわり --type volunteer --founded 2020-04-01 --members 12 >/dev/null
kifu --key t.key donate --amount 20500 --to field:welfare >/dev/null
A=$(kifu grant apply "$SRC/fixtures/applications/field-ok.ini" | sed -n 's/^seq [0-9]*: \(A-[0-9-]*\) recorded$/\1/p')
[ "$A" = A-2026-0001 ] && ok || bad "application id: $A"
kifu --key rev1.key grant review "$A" --score 4 >/dev/null
expect 1 "$A has 1 of the 2 reviews needed" -- kifu grant decide "$A" --approve 100000
kifu --key rev2.key grant review "$A" --score 2 >/dev/null # mean 3: exactly the pass score

# 20,500 yen in the welfare pool: floor_to(20,500, 1,000) = 20,000 < min_award
expect 0 '"status":"no_funds","award":0' -- kifu grant allocate --menu field --round 2026-early --json
before=$(fingerprint L.db)
expect 1 "^kifu: $A: 20500 yen is below the min_award of menu field \(100000 yen\)$" -- kifu grant decide "$A" --approve 20500
expect 1 "^kifu: $A: 20000 yen is below the min_award of menu field \(100000 yen\)$" -- kifu grant decide "$A" --approve 20000
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "refused decisions changed the ledger"

kifu --key t.key donate --amount 300000 --to field:welfare >/dev/null
expect 0 '"status":"funded","award":320000,"partial":true' -- kifu grant allocate --menu field --round 2026-early --json
expect 1 "^kifu: $A: 100500 yen is not a multiple of the round_down of menu field \(1000 yen\)$" -- kifu grant decide "$A" --approve 100500
expect 1 "^kifu: $A: 337000 yen is above its ceiling of 336000 yen$" -- kifu grant decide "$A" --approve 337000
expect 1 "^kifu: $A: 336000 yen is more than pool field:welfare has available" -- kifu grant decide "$A" --approve 336000
expect 0 "approved" -- kifu grant decide "$A" --approve 100000
expect 0 "^ok: " -- kifu verify
finish
