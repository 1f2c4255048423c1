#!/usr/bin/env bash
# End-to-end: the same script with the same KIFU_NOW and KIFU_TEST_SEED gives
# a byte-identical ledger (same entries, commits, signatures and root).
. "$(dirname "$0")/common.sh"
export KIFU_TEST_SEED=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

scenario() {
  local db=$1
  mkdir -p "$db.keys"
  kifu --db "$db" init --fund "さぽーとほっと基金" --admin admin --key-out "$db.keys/admin.key" --origin example.org/kifu >/dev/null
  for r in treasurer reviewer auditor; do
    KIFU_NOW=2026-05-02T10:00:00+09:00 kifu --db "$db" --key "$db.keys/admin.key" key add "$r-1" --role $r --key-out "$db.keys/$r.key" >/dev/null
  done
  kifu --db "$db" --key "$db.keys/admin.key" key revoke "$(kifu --db "$db" key list | awk '$3=="reviewer-1"{print $1}')" >/dev/null
  kifu --db "$db" verify --json | grep -o '"root":"[0-9a-f]*"'
}
r1=$(scenario a.db)
r2=$(scenario b.db)
[ -n "$r1" ] && [ "$r1" = "$r2" ] && ok || bad "roots differ: $r1 vs $r2"
[ "$(fingerprint a.db)" = "$(fingerprint b.db)" ] && ok || bad "entry or commit bytes differ"
[ "$(sqlite3 a.db 'SELECT hex(sig) FROM commits')" = "$(sqlite3 b.db 'SELECT hex(sig) FROM commits')" ] && ok || bad "signatures differ"
# a different clock gives a different commit record but the same entries
r3=$(KIFU_NOW=2027-01-01T00:00:00Z scenario c.db)
[ "$(sqlite3 a.db 'SELECT hex(body) FROM entries')" = "$(sqlite3 c.db 'SELECT hex(body) FROM entries')" ] && ok || bad "entries depend on the clock"
[ "$(sqlite3 a.db 'SELECT hex(body) FROM commits WHERE id=1')" != "$(sqlite3 c.db 'SELECT hex(body) FROM commits WHERE id=1')" ] && ok || bad "commit time not recorded"
[ "$r1" = "$r3" ] && ok || bad "root depends on commit times: $r1 vs $r3"
finish
