#!/usr/bin/env bash
# End-to-end: donor receipts. `kifu receipt` writes one with the entry, its
# inclusion proof and a signed checkpoint; `kifu verify-receipt` checks it
# with no database; each alteration fails (exit 1, or 2 when the file is no
# longer well-formed) and the message names what is wrong; erasure of the
# donor's personal data leaves old and new receipts verifiable.
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
SRC=$(realpath "$SRC")
. "$(dirname "$0")/common.sh"
export KIFU_DB=L.db KIFU_KEY=admin.key

kifu init --fund さぽーとほっと基金 --admin admin --key-out admin.key --origin example.org/kifu \
  --rules "$SRC/fixtures/rules.ini" >/dev/null
# The gifts are dated 2026-05-02 to 05-05 and a business date may not be
# after today: the clock moves on from the init's 2026-05-01.
export KIFU_NOW=2026-05-10T09:00:00+09:00
kifu key add t1 --role treasurer --key-out t1.key >/dev/null
kifu key add r1 --role reviewer --key-out r1.key >/dev/null
kifu box add B1 --location 区役所 --host 市民課 >/dev/null
d() { kifu --key t1.key donate "$@" | sed -n 's/^seq \([0-9]*\):.*/\1/p'; }
s=$(d --amount 10000 --date 2026-05-02 --donor 山田花子 --address 札幌市中央区北1条西2丁目 --ref R1 \
  --to field:welfare --method transfer)
plain=$(d --amount 3000 --date 2026-05-03 --ref R2)
box=$(kifu --key t1.key box collect B1 --date 2026-05-04 --count-a 4000 --count-b 4000 \
  --counters "佐藤,鈴木" | sed -n 's/^seq \([0-9]*\):.*/\1/p')
[ -n "$s" ] && [ -n "$plain" ] && [ -n "$box" ] && ok || bad "setup: seqs '$s' '$plain' '$box'"
vkey() { kifu key list --json | sed -n "s/.*\"name\":\"$1\",[^}]*\"vkey\":\"\([^\"]*\)\".*/\1/p"; }
VA=$(vkey admin)
VT=$(vkey t1)
[[ "$VA" == admin+* && "$VT" == t1+* ]] && ok || bad "vkeys: '$VA' '$VT'"
no=$(printf '2026-%06d' "$s")

# Making a receipt writes nothing to the ledger.
before=$(fingerprint L.db)
expect 0 "receipt for seq $s written to r.txt" -- kifu receipt "$s" --out r.txt
expect 0 "^\{\"seq\":$s,\"file\":\"rj.txt\"\}$" -- kifu --json receipt "$s" --out rj.txt
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "kifu receipt changed the ledger"
grep -qx '寄附金受領証明書 / Donation receipt' r.txt && grep -qx "受領番号 / Receipt no.: $no" r.txt &&
  grep -qx '寄附者 / Donor: 山田花子' r.txt && grep -qx '金額 / Amount: 10,000 円 (yen)' r.txt &&
  grep -qx '指定 / Designation: field:welfare (保健・医療・福祉の増進)' r.txt &&
  grep -qx 'kifu.receipt.v1' r.txt && grep -qx "seq#$s" r.txt && grep -q '^salt=[0-9a-f]\{32\}$' r.txt &&
  ok || bad "receipt content: $(cat r.txt)"

# Verification needs no database: point --db at nothing.
V() { kifu --db /nonexistent/none.db verify-receipt "$@"; }
expect 0 "^ok: receipt $no: seq $s \(donation\), 10000 yen on 2026-05-02" -- V r.txt --origin-key "$VA"
expect 0 "donor: 山田花子" -- V r.txt --origin-key "$VA"
expect 0 "origin example.org/kifu" -- V r.txt --origin-key "$VA"
expect 0 "^\{\"ok\":true,\"seq\":$s,\"amount\":10000,\"date\":\"2026-05-02\",\"origin\":\"example.org/kifu\",\"size\":$box," \
  -- V --json r.txt --origin-key "$VA"
(mkdir -p elsewhere && cd elsewhere && unset KIFU_DB && "$KIFU_BIN" verify-receipt ../r.txt --origin-key "$VA" >/dev/null) &&
  [ ! -e elsewhere/kifu.db ] && ok || bad "verify-receipt needs or creates a database"

# Alterations, each on a copy. tamper NAME SED-ARGS...: writes NAME.txt.
tamper() {
  local name=$1
  shift
  sed "$@" r.txt >"$name.txt"
  cmp -s r.txt "$name.txt" && bad "tamper $name: sed changed nothing"
}
tamper amount -e "s/^amount#10000$/amount#20000/"
expect 1 "receipt amount.txt: amount 20000 does not match the entry's amount 10000" -- V amount.txt --origin-key "$VA"
tamper amount2 -e "s/^amount#10000$/amount#20000/" -e "s/10,000 円/20,000 円/"
expect 1 "amount 20000 does not match the entry's amount 10000" -- V amount2.txt --origin-key "$VA"
tamper header -e "s/10,000 円/100,000 円/"
expect 1 "readable header line 6 does not match the receipt record" -- V header.txt --origin-key "$VA"
tamper date -e "s/^date=2026-05-02$/date=2026-04-02/" -e "s/Date: 2026-05-02/Date: 2026-04-02/"
expect 1 "date '2026-04-02' does not match the entry's '2026-05-02'" -- V date.txt --origin-key "$VA"
tamper desig -e "s/^designation=field:welfare$/designation=general/"
expect 1 "designation 'general' does not match the entry's 'field:welfare'" -- V desig.txt --origin-key "$VA"
tamper proof -e '/^path=/{s/^path=0/path=1/;t;s/^path=./path=0/}'
expect 1 "inclusion proof of seq $s does not lead to the checkpoint's root" -- V proof.txt --origin-key "$VA"
tamper gproof -e '/^genesis_path=/{s/^genesis_path=0/genesis_path=1/;t;s/^genesis_path=./genesis_path=0/}'
expect 1 "genesis inclusion proof does not lead to the checkpoint's root" -- V gproof.txt --origin-key "$VA"
tamper proofhex -e 's/^path=./path=g/'
expect 2 "path is not a list of comma-separated" -- V proofhex.txt --origin-key "$VA"
cp_re='^\(checkpoint=example\.org/kifu\\n[0-9]*\\n\)'
tamper cproot -e "s#${cp_re}A#\1B#;t" -e "s#${cp_re}.#\1A#"
expect 1 "checkpoint carries no valid signature by the origin key admin" -- V cproot.txt --origin-key "$VA"
tamper cpsize -e "s#^checkpoint=example\.org/kifu\\\\n$box\\\\n#checkpoint=example.org/kifu\\\\n$((box + 1))\\\\n#"
expect 1 "checkpoint carries no valid signature by the origin key admin" -- V cpsize.txt --origin-key "$VA"
tamper cpbroken -e 's#^checkpoint=example\.org/kifu\\n[0-9]*\\n#checkpoint=example.org/kifu\\nlots\\n#'
expect 2 "checkpoint: checkpoint line 2 is not a tree size" -- V cpbroken.txt --origin-key "$VA"
tamper name -e "s/山田花子/山田太郎/g"
expect 1 "donor name or address does not match the entry's donor commitment" -- V name.txt --origin-key "$VA"
tamper address -e "s/^donor_address=.*/donor_address=札幌市北区/"
expect 1 "donor name or address does not match" -- V address.txt --origin-key "$VA"
tamper nosalt -e "/^salt=/d"
expect 2 "donor_name, donor_address and salt must be present together" -- V nosalt.txt --origin-key "$VA"
tamper receiptno -e "s/^receipt_no=2026-/receipt_no=2025-/"
expect 1 "receipt number '2025-" -- V receiptno.txt --origin-key "$VA"
# The entry bytes: a forgery consistent with the receipt's own fields fails on
# the proof; bytes that are not a kifu entry make the file malformed.
e64=$(sed -n 's/^entry=//p' r.txt)
f64=$(printf '%s' "$e64" | base64 -d | sed 's/^amount#10000$/amount#90000/' | base64 -w0)
[ "$e64" != "$f64" ] && ok || bad "could not forge the entry"
tamper entry -e "s#^entry=.*#entry=$f64#" -e "s/^amount#10000$/amount#90000/" -e "s/10,000 円/90,000 円/"
expect 1 "inclusion proof of seq $s does not lead to the checkpoint's root" -- V entry.txt --origin-key "$VA"
tamper entryjunk -e "s#^entry=.*#entry=$(printf 'hello\n' | base64 -w0)#"
expect 2 "entry is not a canonical kifu entry" -- V entryjunk.txt --origin-key "$VA"
tamper fund -e "s/さぽーとほっと基金/偽の基金/g"
expect 1 "fund '偽の基金' does not match the genesis entry's 'さぽーとほっと基金'" -- V fund.txt --origin-key "$VA"
head -n 5 r.txt >truncated.txt
expect 2 "no blank line between the header and the record" -- V truncated.txt --origin-key "$VA"
sed '/^kifu.receipt.v1$/,$d' r.txt >headonly.txt
expect 2 "not a kifu receipt record" -- V headonly.txt --origin-key "$VA"
# Keys and usage.
expect 1 "checkpoint carries no valid signature by the origin key t1" -- V r.txt --origin-key "$VT"
expect 2 "origin key: verifier key 'nonsense' is not" -- V r.txt --origin-key nonsense
expect 2 "usage: kifu verify-receipt FILE --origin-key VKEY" -- V r.txt
expect 2 "cannot open missing.txt" -- V missing.txt --origin-key "$VA"
expect 1 '"ok":false,"error":"amount 20000' -- V --json amount.txt --origin-key "$VA"

# Who and what gets a receipt.
expect 1 "seq 1 is a genesis, not a donation" -- kifu receipt 1 --out g.txt
[ ! -e g.txt ] && ok || bad "a refused receipt left a file"
expect 1 "no entry with seq 999" -- kifu receipt 999 --out g.txt
expect 2 "SEQ must be a whole number" -- kifu receipt abc --out g.txt
expect 1 "may not sign" -- kifu --key r1.key receipt "$s" --out g.txt
expect 2 "needs a signing key" -- env -u KIFU_KEY "$KIFU_BIN" receipt "$s" --out g.txt
[ ! -e g.txt ] && ok || bad "a refused receipt left a file"
expect 0 "written to rt.txt" -- kifu --key t1.key receipt "$s" --out rt.txt
expect 0 "signed by t1" -- V rt.txt --origin-key "$VT"
expect 1 "no valid signature by the origin key admin" -- V rt.txt --origin-key "$VA"
expect 0 "written to rb.txt" -- kifu receipt "$box" --out rb.txt
expect 0 "seq $box \(box.collect\), 4000 yen on 2026-05-04 to general" -- V rb.txt --origin-key "$VA"
expect 0 "" -- kifu receipt "$plain" --out rp.txt
vseq=$(kifu --key t1.key void "$plain" --reason "returned" --date 2026-05-05 | sed -n 's/^seq \([0-9]*\):.*/\1/p')
expect 1 "seq $plain was voided by seq $vseq" -- kifu receipt "$plain" --out rv.txt
[ ! -e rv.txt ] && ok || bad "a receipt for a voided gift was written"
expect 1 "seq $vseq is a donation.void, not a donation" -- kifu receipt "$vseq" --out rv.txt
# A receipt made before the void still proves the gift was recorded.
expect 0 "^ok: receipt" -- V rp.txt --origin-key "$VA"

# Erasure of the donor's personal data.
expect 0 "" -- kifu erase donor R1
expect 0 "^ok: " -- kifu verify
expect 0 "donor: 山田花子" -- V r.txt --origin-key "$VA"
expect 0 "written to r2.txt" -- kifu receipt "$s" --out r2.txt
! grep -q '山田花子\|札幌市中央区\|^salt=\|^donor_name=\|^寄附者' r2.txt && ok || bad "new receipt after erasure has personal data: $(cat r2.txt)"
expect 0 "\"amount\":10000,\"date\":\"2026-05-02\".*\"donor\":false" -- V --json r2.txt --origin-key "$VA"
tamper2() { sed "$@" r2.txt >r2x.txt; }
tamper2 -e "s/^amount#10000$/amount#1000/"
expect 1 "amount 1000 does not match the entry's amount 10000" -- V r2x.txt --origin-key "$VA"
# Re-adding a name to a receipt without a salt is refused as malformed.
tamper2 -e "s/^\(designation_label=.*\)/\1\ndonor_name=山田花子/"
expect 2 "donor_name, donor_address and salt must be present together" -- V r2x.txt --origin-key "$VA"
finish
