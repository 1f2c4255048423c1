#!/usr/bin/env bash
# End-to-end: kifu verify detects tampering with the SQLite file (docs/FORMAT.md §8) and names the first bad seq or commit; the append-only
# triggers refuse plain UPDATE/DELETE; --trust catches truncation and rebuilds, and refuses a checkpoint
# that is not one of this ledger (edited, or signed by a key that may not); forged cosignatures are caught.
#
# One pristine ledger (11 entries in 11 commits, checkpoints at sizes 6 and 11)
# is built once with a fixed KIFU_TEST_SEED and KIFU_NOW, so every key and
# signature is reproducible; each case tampers with a fresh copy of it.
# Forged commits signed by a key of the ledger (cases 6b, 7) need an Ed25519
# signer outside kifu: openssl (>= 3.0), else a tiny libsodium program built
# with cc; without either those cases are reported as SKIP.
. "$(dirname "$0")/common.sh"

SEED_A=6b6966752d74616d7065722d746573742d736565642d616161616161616161ff
SEED_X=6b6966752d74616d7065722d746573742d736565642d787878787878787878ee
export KIFU_PASSPHRASE=pw-tests KIFU_NEW_PASSPHRASE=pw-tests KIFU_NOW=2026-05-01T09:00:00+09:00 KIFU_TEST_SEED=$SEED_A
ORIGIN=example.org/kifu

# ---------------------------------------------------------------- helpers

# must CMD...: a setup step; if it fails the whole test stops.
must() {
  local out
  if ! out=$("$@" 2>&1); then
    bad "setup step failed: $*: $out"
    finish
    exit 1
  fi
  printf '%s\n' "$out"
}

q() { sqlite3 -batch "$1" "$2"; }

# copy_db SRC DST: the ledger file (and its WAL, should one be left over).
copy_db() {
  cp "$1" "$2" || return 1
  local x
  for x in -wal -shm; do
    if [ -e "$1$x" ]; then cp "$1$x" "$2$x"; else rm -f "$2$x"; fi
  done
}

# fresh NAME [SRC]: a new case directory with a copy of SRC (default: the
# pristine ledger); prints the copy's path.
fresh() {
  local d=$T/case-$1
  rm -rf "$d" && mkdir -p "$d" && copy_db "${2:-$P/L.db}" "$d/L.db" && echo "$d/L.db"
}

# tamper DB SQL: runs SQL with the sqlite3 shell; it must change at least one row.
tamper() {
  local out
  if ! out=$(sqlite3 -batch -bail "$1" "$2; SELECT total_changes();" 2>&1); then
    bad "[$CASE] tampering failed: $out"
    return 1
  fi
  if [ "$(tail -n 1 <<<"$out")" = 0 ]; then
    bad "[$CASE] tampering changed no row: $2"
    return 1
  fi
}

hex2bin() { printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }
bin2hex() { od -An -tx1 -v | tr -d ' \n'; }
sha256hex() { sha256sum | cut -c1-64; }
upper() { tr 'a-f' 'A-F'; }

# leaf_of FILE: the Merkle leaf hash SHA-256(0x00 || body).
leaf_of() { { printf '\0'; cat "$1"; } | sha256hex; }
# node_hash LEFT RIGHT: SHA-256(0x01 || left || right), all hex.
node_hash() { hex2bin "01$1$2" | sha256hex; }

popcount() {
  local n=$1 c=0
  while [ "$n" -gt 0 ]; do c=$((c + (n & 1))); n=$((n >> 1)); done
  echo $c
}
# Stored Merkle nodes of a tree of N leaves, and the creation index of node
# (level L >= 1, index n): idx = i - popcount(i) + L - 1, i = ((n+1) << L) - 1.
nodes_for_size() { echo $(($1 - $(popcount "$1"))); }
node_idx() {
  local i=$(((($2 + 1) << $1) - 1))
  echo $((i - $(popcount $i) + $1 - 1))
}
# node_seq IDX: the seq whose append creates stored node IDX.
node_seq() {
  local s=1
  while [ "$(nodes_for_size $s)" -le "$1" ]; do s=$((s + 1)); done
  echo $s
}

# rebuild_nodes DB: recomputes every stored Merkle node from the entries'
# leaves (what a careful forger does after editing an entry).
rebuild_nodes() {
  local db=$1 i=0 leaf h lvl sql="DROP TRIGGER IF EXISTS nodes_no_delete; DELETE FROM nodes;"
  local -a stack=()
  while read -r leaf; do
    h=$(tr 'A-F' 'a-f' <<<"$leaf")
    lvl=0
    while (((i >> lvl) & 1)); do
      h=$(node_hash "${stack[${#stack[@]} - 1]}" "$h")
      unset "stack[$((${#stack[@]} - 1))]"
      lvl=$((lvl + 1))
      sql+="INSERT INTO nodes VALUES($(node_idx $lvl $((i >> lvl))), X'$h');"
    done
    stack+=("$h")
    i=$((i + 1))
  done < <(q "$db" "SELECT hex(leaf) FROM entries ORDER BY seq")
  tamper "$db" "$sql"
}

entry_body() { q "$1" "SELECT hex(body) FROM entries WHERE seq=$2"; }
commit_body() { q "$1" "SELECT hex(body) FROM commits WHERE id=$2"; }

# key_id DB NAME: the key id the ledger recorded for NAME.
key_id() {
  q "$1" "SELECT CAST(body AS TEXT) FROM entries WHERE kind IN ('genesis','key.add')" |
    awk -v n="name=$2" '/^kifu.entry.v1$/ {id = ""; hit = 0} /^id=/ {id = substr($0, 4)}
      $0 == n {hit = 1} hit && id != "" {print id; exit}'
}

# Ed25519 outside kifu. key_seed SEEDHEX NAME: the seed kifu derives under
# KIFU_TEST_SEED; sign_with SEED FILE -> hex signature; pub_of SEED -> hex.
key_seed() { { hex2bin "$1"; printf '%s' "$2"; } | sha256hex; }
SIGNER=""
sodium_helper() {
  cat >"$T/ed.c" <<'EOF'
#include <sodium.h>
#include <stdio.h>
#include <string.h>
static int unhex(const char *s, unsigned char *o, size_t n)
{
    if (strlen(s) != 2 * n) return -1;
    for (size_t i = 0; i < n; i++)
        if (sscanf(s + 2 * i, "%2hhx", &o[i]) != 1) return -1;
    return 0;
}
int main(int argc, char **argv)
{ /* ed SEEDHEX [FILE]: prints the public key, or the signature of FILE */
    unsigned char seed[32], pk[32], sk[64], sig[64], msg[65536];
    if (sodium_init() < 0 || argc < 2 || unhex(argv[1], seed, 32)) return 2;
    crypto_sign_seed_keypair(pk, sk, seed);
    const unsigned char *out = pk;
    if (argc > 2) {
        FILE *f = fopen(argv[2], "rb");
        if (!f) return 2;
        size_t len = fread(msg, 1, sizeof msg, f);
        fclose(f);
        crypto_sign_detached(sig, NULL, msg, len, sk);
        out = sig;
    }
    for (int i = 0; i < (argc > 2 ? 64 : 32); i++) printf("%02x", out[i]);
    printf("\n");
    return 0;
}
EOF
  # shellcheck disable=SC2046 # flags are words
  cc -o "$T/ed" "$T/ed.c" $(pkg-config --cflags --libs libsodium 2>/dev/null || echo -lsodium) 2>/dev/null
}
openssl_der() { hex2bin "302e020100300506032b657004220420$1" >"$T/sk.der"; }
sign_with() {
  case $SIGNER in
    openssl)
      openssl_der "$1" &&
        openssl pkeyutl -sign -rawin -inkey "$T/sk.der" -keyform DER -in "$2" | bin2hex ;;
    sodium) "$T/ed" "$1" "$2" ;;
  esac
}
pub_of() {
  case $SIGNER in
    openssl)
      openssl_der "$1" &&
        openssl pkey -inform DER -in "$T/sk.der" -pubout -outform DER | tail -c 32 | bin2hex ;;
    sodium) "$T/ed" "$1" ;;
  esac
}
printf 'x' >"$T/probe"
if command -v openssl >/dev/null && openssl_der "$(printf 1 | sha256hex)" &&
  openssl pkeyutl -sign -rawin -inkey "$T/sk.der" -keyform DER -in "$T/probe" >/dev/null 2>&1; then
  SIGNER=openssl
elif command -v cc >/dev/null && sodium_helper; then
  SIGNER=sodium
fi

# verify_ok DESC DB [ARGS...]: kifu verify exits 0 and prints "ok: ...".
verify_ok() {
  local desc=$1 db=$2 code
  shift 2
  "$KIFU_BIN" --db "$db" verify "$@" >"$T/out" 2>"$T/err" && code=0 || code=$?
  if [ $code = 0 ] && grep -q '^ok: ' "$T/out"; then
    ok
  else
    bad "[$CASE] $desc: verify $* -> exit $code, want 0: $(cat "$T/out" "$T/err")"
  fi
}

# verify_bad DESC DB [ARGS...] -- REGEX...: kifu verify exits 1, stderr is
# "kifu: verification failed: <msg>" and matches every REGEX.
verify_bad() {
  local desc=$1 db=$2 code re
  shift 2
  local -a args=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
  shift
  "$KIFU_BIN" --db "$db" verify "${args[@]}" >"$T/out" 2>"$T/err" && code=0 || code=$?
  if [ $code != 1 ]; then
    bad "[$CASE] $desc: verify ${args[*]} -> exit $code, want 1: $(cat "$T/out" "$T/err")"
    return
  fi
  if ! grep -q '^kifu: verification failed: ' "$T/err" || grep -q '^ok: ' "$T/out"; then
    bad "[$CASE] $desc: not a verification failure: $(cat "$T/out" "$T/err")"
    return
  fi
  for re in "$@"; do
    if ! grep -qE -- "$re" "$T/err"; then
      bad "[$CASE] $desc: stderr does not match /$re/: $(cat "$T/err")"
      return
    fi
  done
  ok
}
seq_re() { echo "seq $1([^0-9]|\$)"; }
# verify_badcp DESC DB [ARGS...] -- REGEX...: kifu verify refuses the trusted
# checkpoint itself: exit 2, stderr "kifu: verification failed: trusted
# checkpoint is not a valid checkpoint of this ledger: <why>" matching every
# REGEX, and nothing that blames the ledger (truncated, rewritten...).
CP_BAD='trusted checkpoint is not a valid checkpoint of this ledger: '
verify_badcp() {
  local desc=$1 db=$2 code re
  shift 2
  local -a args=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
  shift
  "$KIFU_BIN" --db "$db" verify "${args[@]}" >"$T/out" 2>"$T/err" && code=0 || code=$?
  if [ $code != 2 ]; then
    bad "[$CASE] $desc: verify ${args[*]} -> exit $code, want 2: $(cat "$T/out" "$T/err")"
    return
  fi
  if ! grep -q "^kifu: verification failed: $CP_BAD" "$T/err" ||
    grep -qE 'truncated|rolled back|rewritten|rebuilt|does not extend' "$T/err"; then
    bad "[$CASE] $desc: not blamed on the checkpoint: $(cat "$T/out" "$T/err")"
    return
  fi
  for re in "$@"; do
    if ! grep -qE -- "$re" "$T/err"; then
      bad "[$CASE] $desc: stderr does not match /$re/: $(cat "$T/err")"
      return
    fi
  done
  ok
}

commit_re() { echo "commit $1([^0-9]|\$)"; }

# ---------------------------------------------------------------- ledgers

# build_ledger DIR SEED R1ROLE: genesis + 10 entries, each its own commit:
#   1 genesis admin       5 key.add t2 (treasurer)   9 key.add a2 (auditor, by admin2)
#   2 key.add t1          6 key.add admin2           10 key.revoke t2
#   3 key.add r1 (R1ROLE) 7 checkpoint.cosign by a1   11 key.add t3 (treasurer)
#   4 key.add a1          8 key.add r2 (by admin2)
# with checkpoint cp6 (size 6, admin), cp6c (cosigned by a1) and cp11 (size 11, t1).
build_ledger() {
  local d=$1 db=$1/L.db
  mkdir -p "$d"
  (
    export KIFU_TEST_SEED=$2
    cd "$d" || exit 1
    must kifu --db L.db init --fund F --admin admin --key-out admin.key --origin $ORIGIN
    must kifu --db L.db --key admin.key key add t1 --role treasurer --key-out t1.key
    must kifu --db L.db --key admin.key key add r1 --role "$3" --key-out r1.key
    must kifu --db L.db --key admin.key key add a1 --role auditor --key-out a1.key
    must kifu --db L.db --key admin.key key add t2 --role treasurer --key-out t2.key
    must kifu --db L.db --key admin.key key add admin2 --role admin --key-out admin2.key
    must kifu --db L.db --key admin.key checkpoint --out cp6
    cp cp6 cp6c
    must kifu --db L.db --key a1.key cosign cp6c
    must kifu --db L.db --key admin2.key key add r2 --role reviewer --key-out r2.key
    must kifu --db L.db --key admin2.key key add a2 --role auditor --key-out a2.key
    must kifu --db L.db --key admin.key key revoke "$(key_id L.db t2)"
    must kifu --db L.db --key admin.key key add t3 --role treasurer --key-out t3.key
    must kifu --db L.db --key t1.key checkpoint --out cp11
  ) >"$d/build.log" || { cat "$d/build.log" >&2; bad "building $d failed"; finish; exit 1; }
  [ "$(q "$db" 'SELECT count(*) FROM entries')" = 11 ] &&
    [ "$(q "$db" 'SELECT count(*) FROM commits')" = 11 ] && ok ||
    bad "$d: want 11 entries in 11 commits, got $(q "$db" 'SELECT count(*), max(commit_id) FROM entries')"
}

P=$T/pristine
build_ledger "$P" $SEED_A reviewer
ADMIN=$(key_id "$P/L.db" admin)
P_FP=$(fingerprint "$P/L.db")

CASE=baseline
verify_ok "untampered ledger" "$P/L.db"
grep -q '^ok: 11 entries, 11 commits' "$T/out" && ok || bad "[$CASE] verify summary: $(cat "$T/out")"
verify_ok "extends cp6" "$P/L.db" --trust "$P/cp6"
grep -q 'extends the trusted checkpoint' "$T/out" && ok || bad "[$CASE] --trust not reported: $(cat "$T/out")"
verify_ok "extends cosigned cp6c" "$P/L.db" --trust "$P/cp6c"
verify_ok "extends cp11" "$P/L.db" --trust "$P/cp11"
[ "$(nodes_for_size 11)" = "$(q "$P/L.db" 'SELECT count(*) FROM nodes')" ] && ok ||
  bad "[$CASE] stored node count is not n - popcount(n)"
# the helpers reproduce kifu's hashes: leaves and a full node rebuild
for s in 1 7 11; do
  entry_body "$P/L.db" $s | { read -r h; hex2bin "$h"; } >"$T/body"
  [ "$(leaf_of "$T/body" | upper)" = "$(q "$P/L.db" "SELECT hex(leaf) FROM entries WHERE seq=$s")" ] &&
    ok || bad "[$CASE] leaf_of disagrees with kifu at seq $s"
done
db=$(fresh rebuild-clean)
before=$(q "$db" 'SELECT hex(hash) FROM nodes ORDER BY idx' | sha256hex)
rebuild_nodes "$db"
[ "$(q "$db" 'SELECT hex(hash) FROM nodes ORDER BY idx' | sha256hex)" = "$before" ] && ok ||
  bad "[$CASE] rebuild_nodes does not reproduce kifu's nodes"
verify_ok "after rebuilding identical nodes" "$db"

# Ledger E: the pristine ledger plus seq 12 = key.add t9 (treasurer) by admin,
# the honest version of the appended commits forged below.
E=$T/ext
mkdir -p "$E" && copy_db "$P/L.db" "$E/L.db"
must kifu --db "$E/L.db" --key "$P/admin.key" key add t9 --role treasurer --key-out "$E/t9.key" >/dev/null
verify_ok "pristine + seq 12" "$E/L.db"

# ---------------------------------------------------------------- triggers
CASE=triggers
db=$(fresh triggers)
fp=$(fingerprint "$db")
for stmt in "UPDATE entries SET kind=kind WHERE seq=3" "DELETE FROM entries WHERE seq=11" \
  "UPDATE commits SET sig=sig WHERE id=2" "DELETE FROM commits WHERE id=11" \
  "UPDATE nodes SET hash=hash WHERE idx=0" "DELETE FROM nodes WHERE idx=$(($(nodes_for_size 11) - 1))"; do
  # the sqlite3 shell exits non-zero (1, or 19 = SQLITE_CONSTRAINT in newer shells)
  if sqlite3 -batch "$db" "$stmt" >"$T/out" 2>"$T/err"; then
    bad "[$CASE] sqlite3 accepted: $stmt"
  else
    grep -q 'append-only' "$T/err" && ok || bad "[$CASE] $stmt: $(cat "$T/err")"
  fi
done
[ "$(fingerprint "$db")" = "$fp" ] && ok || bad "[$CASE] a refused statement changed the ledger"
verify_ok "after refused statements" "$db"

# ---------------------------------------------------------------- 1. edit an entry
CASE=1a-edit-field-name
db=$(fresh 1a)
tamper "$db" "DROP TRIGGER entries_no_update;
  UPDATE entries SET body=CAST(replace(CAST(body AS TEXT), 'name=r1', 'nome=r1') AS BLOB) WHERE seq=3"
verify_bad "renamed field at seq 3" "$db" -- "$(seq_re 3)"

CASE=1b-escalate-role-recompute-hashes
# t1 treasurer -> admin, with the leaf and every Merkle node recomputed: only
# the signed root of commit 2 can tell.
db=$(fresh 1b)
entry_body "$db" 2 | { read -r h; hex2bin "$h"; } | sed 's/^role=treasurer$/role=admin/' >"$T/body"
tamper "$db" "DROP TRIGGER entries_no_update;
  UPDATE entries SET body=X'$(bin2hex <"$T/body")', leaf=X'$(leaf_of "$T/body")' WHERE seq=2"
rebuild_nodes "$db"
verify_bad "role escalated at seq 2" "$db" -- "$(commit_re 2)" "$(seq_re 2)"

CASE=1c-edit-value-recompute-leaf
db=$(fresh 1c)
entry_body "$db" 7 | { read -r h; hex2bin "$h"; } | sed 's/^size#6$/size#5/' >"$T/body"
tamper "$db" "DROP TRIGGER entries_no_update;
  UPDATE entries SET body=X'$(bin2hex <"$T/body")', leaf=X'$(leaf_of "$T/body")' WHERE seq=7"
verify_bad "cosign size changed at seq 7" "$db" -- "$(seq_re 7)"

CASE=1d-edit-kind-column
db=$(fresh 1d)
tamper "$db" "DROP TRIGGER entries_no_update; UPDATE entries SET kind='grant.pay' WHERE seq=5"
verify_bad "kind column changed at seq 5" "$db" -- "$(seq_re 5)"

CASE=1e-insert-or-replace
# INSERT OR REPLACE deletes the old row without firing the delete trigger
# unless recursive_triggers is on (kifu's own connections set it; the plain
# sqlite3 shell does not). Whether or not the triggers stop it, verify must.
db=$(fresh 1e)
entry_body "$db" 4 | { read -r h; hex2bin "$h"; } | sed 's/^role=auditor$/role=admin/' >"$T/body"
replace="INSERT OR REPLACE INTO entries VALUES(4, 4, 'key.add',
     X'$(leaf_of "$T/body")', X'$(bin2hex <"$T/body")')"
if sqlite3 -batch "$db" "PRAGMA recursive_triggers=ON; $replace" 2>"$T/err"; then
  bad "[$CASE] INSERT OR REPLACE rewrote seq 4 despite recursive_triggers"
else
  grep -q append-only "$T/err" && ok || bad "[$CASE] sqlite3 failed oddly: $(cat "$T/err")"
fi
tamper "$db" "$replace"
verify_bad "seq 4 replaced" "$db" -- "$(seq_re 4)"

# ---------------------------------------------------------------- 2. delete an entry
CASE=2a-delete-middle
db=$(fresh 2a)
tamper "$db" "DROP TRIGGER entries_no_delete; DELETE FROM entries WHERE seq=5"
verify_bad "seq 5 deleted" "$db" -- "$(seq_re 5)" "missing"

CASE=2b-delete-last
db=$(fresh 2b)
tamper "$db" "DROP TRIGGER entries_no_delete; DELETE FROM entries WHERE seq=11"
verify_bad "seq 11 deleted" "$db" -- "$(seq_re 11)" "missing"

# ---------------------------------------------------------------- 3. insert an entry
CASE=3a-insert-genuine-entry-without-commit
# seq 12 exactly as kifu wrote it in E (entry row and its Merkle nodes), but
# without its signed commit
db=$(fresh 3a)
tamper "$db" "ATTACH '$E/L.db' AS e;
  INSERT INTO entries SELECT * FROM e.entries WHERE seq=12;
  INSERT INTO nodes SELECT * FROM e.nodes WHERE idx >= $(nodes_for_size 11)"
verify_bad "seq 12 without commit" "$db" -- "$(seq_re 12)" "not covered"

CASE=3b-insert-into-last-commit
db=$(fresh 3b)
tamper "$db" "ATTACH '$E/L.db' AS e;
  INSERT INTO entries SELECT seq, 11, kind, leaf, body FROM e.entries WHERE seq=12"
verify_bad "seq 12 claims commit 11" "$db" -- "$(seq_re 12)" "not covered"

# ---------------------------------------------------------------- 4. swap entries
CASE=4a-swap-bodies-and-leaves
db=$(fresh 4a)
tamper "$db" "DROP TRIGGER entries_no_update;
  CREATE TEMP TABLE s AS SELECT seq, leaf, body FROM entries WHERE seq IN (3, 4);
  UPDATE entries SET leaf=(SELECT leaf FROM s WHERE s.seq=7-entries.seq),
                     body=(SELECT body FROM s WHERE s.seq=7-entries.seq) WHERE seq IN (3, 4)"
verify_bad "seq 3 and 4 swapped" "$db" -- "$(seq_re 3)"

CASE=4b-swap-different-kinds
db=$(fresh 4b)
tamper "$db" "DROP TRIGGER entries_no_update;
  CREATE TEMP TABLE s AS SELECT * FROM entries WHERE seq IN (6, 7);
  UPDATE entries SET kind=(SELECT kind FROM s WHERE s.seq=13-entries.seq),
                     leaf=(SELECT leaf FROM s WHERE s.seq=13-entries.seq),
                     body=(SELECT body FROM s WHERE s.seq=13-entries.seq) WHERE seq IN (6, 7)"
verify_bad "seq 6 and 7 swapped" "$db" -- "$(seq_re 6)"

# ---------------------------------------------------------------- 5. commit signatures
CASE=5a-sig-from-other-commit
db=$(fresh 5a)
tamper "$db" "DROP TRIGGER commits_no_update;
  UPDATE commits SET sig=(SELECT sig FROM commits WHERE id=3) WHERE id=4"
verify_bad "commit 4 carries commit 3's signature" "$db" -- "$(commit_re 4)" "signature"

CASE=5b-random-sig
db=$(fresh 5b)
tamper "$db" "DROP TRIGGER commits_no_update; UPDATE commits SET sig=randomblob(64) WHERE id=9"
verify_bad "commit 9 random signature" "$db" -- "$(commit_re 9)" "signature"

CASE=5c-edit-commit-body
db=$(fresh 5c)
tamper "$db" "DROP TRIGGER commits_no_update;
  UPDATE commits SET body=CAST(replace(CAST(body AS TEXT), 'time=2026-05-01', 'time=2026-04-01') AS BLOB)
  WHERE id=6"
verify_bad "commit 6 time changed" "$db" -- "$(commit_re 6)"

CASE=5d-short-sig
db=$(fresh 5d)
tamper "$db" "DROP TRIGGER commits_no_update; UPDATE commits SET sig=substr(sig, 1, 63) WHERE id=1"
verify_bad "commit 1 signature truncated" "$db" -- "$(commit_re 1)"

# ---------------------------------------------------------------- 6. unknown signer
CASE=6a-commit-from-foreign-ledger
# Ledger X has the same shape but its own admin (other seed). Its commit 12
# covers a byte-identical seq 12 (key.add t9, same seed) and carries a valid
# signature by X's admin, a key this ledger never had. Appended to the
# pristine ledger with E's (correct) entry row and Merkle nodes.
X=$T/foreign
build_ledger "$X" $SEED_X reviewer
must kifu --db "$X/L.db" --key "$X/admin.key" key add t9 --role treasurer --key-out "$X/t9.key" >/dev/null
XADMIN=$(key_id "$X/L.db" admin)
[ -n "$XADMIN" ] && [ "$XADMIN" != "$ADMIN" ] && ok || bad "[$CASE] X's admin $XADMIN is not a new key"
[ "$(entry_body "$X/L.db" 12)" = "$(entry_body "$E/L.db" 12)" ] && ok ||
  bad "[$CASE] X's seq 12 differs from E's"
db=$(fresh 6a)
tamper "$db" "ATTACH '$E/L.db' AS e; ATTACH '$X/L.db' AS x;
  INSERT INTO entries SELECT * FROM e.entries WHERE seq=12;
  INSERT INTO nodes SELECT * FROM e.nodes WHERE idx >= $(nodes_for_size 11);
  INSERT INTO commits SELECT * FROM x.commits WHERE id=12"
verify_bad "commit 12 signed by X's admin" "$db" -- "$(commit_re 12)" "$XADMIN" "not a key of this ledger"

if [ -n "$SIGNER" ]; then
  CASE=6b-fresh-key-exact-root
  # E's own commit 12, byte for byte, except key= names a fresh key, which signs it.
  FSEED=$(key_seed $SEED_X mallory)
  FPUB=$(pub_of "$FSEED")
  FID=$({ printf 'mallory\n\001'; hex2bin "$FPUB"; } | sha256hex | cut -c1-8)
  commit_body "$E/L.db" 12 | { read -r h; hex2bin "$h"; } | sed "s/^key=.*/key=$FID/" >"$T/commit"
  grep -q "^key=$FID$" "$T/commit" && grep -q '^root=' "$T/commit" && ok || bad "[$CASE] forged body"
  db=$(fresh 6b "$E/L.db")
  tamper "$db" "DROP TRIGGER commits_no_update;
    UPDATE commits SET body=X'$(bin2hex <"$T/commit")', sig=X'$(sign_with "$FSEED" "$T/commit")' WHERE id=12"
  verify_bad "commit 12 signed by fresh key $FID" "$db" -- "$(commit_re 12)" "$FID" "not a key of this ledger"
else
  echo "SKIP 6b: no Ed25519 signer (openssl >= 3.0 or cc + libsodium)" >&2
fi

# ---------------------------------------------------------------- 7. signer lacks the role
if [ -n "$SIGNER" ]; then
  # E's commit 12 (seq 12 = key.add, admin only) re-signed with the key of a
  # ledger member whose role may not write it; the root is exactly right.
  for who in t1:treasurer a1:auditor r1:reviewer t2:revoked; do
    name=${who%%:*} want=${who#*:}
    CASE=7-$name-signs-key.add
    seed=$(key_seed $SEED_A "$name")
    id=$(key_id "$P/L.db" "$name")
    pubb64=$(q "$P/L.db" "SELECT CAST(body AS TEXT) FROM entries WHERE kind='key.add'" |
      awk -v id="id=$id" '$0 == id {hit = 1} hit && /^public=/ {print substr($0, 8); exit}')
    [ "$(pub_of "$seed" | upper)" = "$(printf '%s' "$pubb64" | base64 -d | bin2hex | upper)" ] && ok ||
      bad "[$CASE] derived key for $name does not match the ledger"
    commit_body "$E/L.db" 12 | { read -r h; hex2bin "$h"; } | sed "s/^key=.*/key=$id/" >"$T/commit"
    db=$(fresh "7-$name" "$E/L.db")
    tamper "$db" "DROP TRIGGER commits_no_update;
      UPDATE commits SET body=X'$(bin2hex <"$T/commit")', sig=X'$(sign_with "$seed" "$T/commit")' WHERE id=12"
    if [ "$want" = revoked ]; then
      verify_bad "commit 12 signed by revoked $name" "$db" -- "$(commit_re 12)" "revoked at $(seq_re 10)"
    else
      verify_bad "commit 12 signed by $want $name" "$db" -- "$(commit_re 12)" "$(seq_re 12)" \
        "role $want, which may not write key.add"
    fi
  done
else
  echo "SKIP 7: no Ed25519 signer (openssl >= 3.0 or cc + libsodium)" >&2
fi

# ---------------------------------------------------------------- 8. truncation
truncate_to() { # DB N
  tamper "$1" "DROP TRIGGER entries_no_delete; DROP TRIGGER commits_no_delete; DROP TRIGGER nodes_no_delete;
    DELETE FROM entries WHERE seq > $2; DELETE FROM commits WHERE id > $2;
    DELETE FROM nodes WHERE idx >= $(nodes_for_size "$2")"
}
CASE=8a-truncate-after-checkpoint
db=$(fresh 8a)
truncate_to "$db" 8
verify_ok "truncated ledger is self-consistent" "$db"
grep -q '^ok: 8 entries' "$T/out" && ok || bad "[$CASE] $(cat "$T/out")"
verify_bad "cp11 trusted" "$db" --trust "$P/cp11" -- "$(seq_re 9)" "truncated|rolled back"
verify_ok "still extends cp6" "$db" --trust "$P/cp6"

CASE=8b-truncate-before-checkpoint
db=$(fresh 8b)
truncate_to "$db" 4
verify_ok "truncated ledger is self-consistent" "$db"
verify_bad "cp6 trusted" "$db" --trust "$P/cp6" -- "$(seq_re 5)"
verify_bad "cosigned cp6c trusted" "$db" --trust "$P/cp6c" -- "$(seq_re 5)"

# ---------------------------------------------------------------- 9. rebuilt ledger
CASE=9a-rebuilt-new-admin
# X (before its seq 12): same fund, origin and shape, a different admin. No
# key of X signed the original checkpoints, so to X they are not checkpoints
# of this ledger (a rebuild with new keys cannot be told from a forged
# checkpoint): refused as checkpoints, exit 2.
db=$(fresh 9a "$X/L.db")
tamper "$db" "DROP TRIGGER entries_no_delete; DROP TRIGGER commits_no_delete; DROP TRIGGER nodes_no_delete;
  DELETE FROM entries WHERE seq=12; DELETE FROM commits WHERE id=12;
  DELETE FROM nodes WHERE idx >= $(nodes_for_size 11)"
verify_ok "rebuilt ledger is self-consistent" "$db"
grep -q '^ok: 11 entries' "$T/out" && ok || bad "[$CASE] $(cat "$T/out")"
verify_badcp "original cp6 trusted" "$db" --trust "$P/cp6" -- \
  "it is signed by admin \($ADMIN\), which was not a key of this ledger at its size 6"
verify_badcp "original cp11 trusted" "$db" --trust "$P/cp11" -- \
  "it is signed by t1 \($(key_id "$P/L.db" t1)\), which was not a key of this ledger at its size 11"

CASE=9b-rewritten-by-real-admin
# The real admin key (same seed) re-signs a history where r1 is an auditor.
R=$T/rewritten
build_ledger "$R" $SEED_A auditor
[ "$(key_id "$R/L.db" admin)" = "$ADMIN" ] && ok || bad "[$CASE] admin key differs"
[ "$(entry_body "$R/L.db" 2)" = "$(entry_body "$P/L.db" 2)" ] &&
  [ "$(entry_body "$R/L.db" 3)" != "$(entry_body "$P/L.db" 3)" ] && ok || bad "[$CASE] history not as planned"
verify_ok "rewritten ledger is self-consistent" "$R/L.db"
verify_bad "original cp6 trusted" "$R/L.db" --trust "$P/cp6" -- "does not extend" "$(seq_re 6)"
verify_bad "original cosigned cp6c trusted" "$R/L.db" --trust "$P/cp6c" -- "does not extend"

# ---------------------------------------------------------------- 10. Merkle nodes
CASE=10a-node-overwritten
db=$(fresh 10a)
tamper "$db" "DROP TRIGGER nodes_no_update; UPDATE nodes SET hash=randomblob(32) WHERE idx=2"
verify_bad "node 2 replaced" "$db" -- "$(seq_re "$(node_seq 2)")" "node 2([^0-9]|$)"

CASE=10b-node-deleted
db=$(fresh 10b)
tamper "$db" "DROP TRIGGER nodes_no_delete; DELETE FROM nodes WHERE idx=5"
verify_bad "node 5 deleted" "$db" -- "$(seq_re "$(node_seq 5)")" "node 5([^0-9]|$)"

CASE=10c-last-node-deleted
n=$(($(nodes_for_size 11) - 1))
db=$(fresh 10c)
tamper "$db" "DROP TRIGGER nodes_no_delete; DELETE FROM nodes WHERE idx=$n"
verify_bad "node $n deleted" "$db" -- "$(seq_re "$(node_seq $n)")" "node $n([^0-9]|$)"

CASE=10d-node-swapped
db=$(fresh 10d)
tamper "$db" "DROP TRIGGER nodes_no_update; CREATE TEMP TABLE s AS SELECT * FROM nodes WHERE idx IN (3, 4);
  UPDATE nodes SET hash=(SELECT hash FROM s WHERE s.idx=7-nodes.idx) WHERE idx IN (3, 4)"
verify_bad "nodes 3 and 4 swapped" "$db" -- "$(seq_re "$(node_seq 3)")"

CASE=10e-extra-node
n=$(nodes_for_size 11)
db=$(fresh 10e)
tamper "$db" "INSERT INTO nodes VALUES($n, randomblob(32))"
verify_bad "node $n appended" "$db" -- "node $n([^0-9]|$)" "beyond"

# ---------------------------------------------------------------- 11. trusted checkpoint judged first
CASE=11a-checkpoint-size-edited
# An edited size line breaks the checkpoint's signature: the checkpoint is
# refused, the ledger is not called truncated (size 12) or rewritten (size 5).
sed '2s/^6$/5/' "$P/cp6" >"$T/cp6-5"
sed '2s/^11$/12/' "$P/cp11" >"$T/cp11-12"
sed '2s/^6$/7/' "$P/cp6c" >"$T/cp6c-7"
! cmp -s "$P/cp6" "$T/cp6-5" && ! cmp -s "$P/cp11" "$T/cp11-12" && ok || bad "[$CASE] sed edited nothing"
verify_badcp "cp6 says size 5" "$P/L.db" --trust "$T/cp6-5" -- \
  "its signature by admin \($ADMIN\) does not verify over its text"
verify_badcp "cp11 says size 12" "$P/L.db" --trust "$T/cp11-12" -- \
  "its signature by t1 \($(key_id "$P/L.db" t1)\) does not verify"
verify_badcp "cosigned cp6c says size 7" "$P/L.db" --trust "$T/cp6c-7" -- "does not verify"
db=$(fresh 11a)
truncate_to "$db" 8
verify_badcp "truncated ledger, cp11 says size 12" "$db" --trust "$T/cp11-12" -- "does not verify"

if [ -n "$SIGNER" ]; then
  CASE=11b-checkpoint-signers
  # make_cp NAME SIZE OUT: a checkpoint of the pristine ledger at SIZE (6 or
  # 11) signed by key NAME of the pristine ledger (seed from SEED_A).
  make_cp() {
    local cp=$P/cp$2 id sig
    id=$(key_id "$P/L.db" "$1")
    head -n 3 "$cp" >"$T/cpbody"
    sig=$(sign_with "$(key_seed $SEED_A "$1")" "$T/cpbody")
    { cat "$T/cpbody"; printf '\n— %s %s\n' "$1" "$(hex2bin "$id$sig" | base64 -w0)"; } >"$3"
  }
  make_cp admin 6 "$T/cp-admin"
  cmp -s "$T/cp-admin" "$P/cp6" && ok || bad "[$CASE] make_cp does not reproduce cp6"
  make_cp admin2 6 "$T/cp-admin2-6"
  verify_ok "admin2 (added at seq 6) signs size 6" "$P/L.db" --trust "$T/cp-admin2-6"
  make_cp t2 6 "$T/cp-t2-6"
  verify_ok "t2 (revoked at seq 10) signs size 6" "$P/L.db" --trust "$T/cp-t2-6"
  make_cp t3 11 "$T/cp-t3-11"
  verify_ok "t3 (added at seq 11) signs size 11" "$P/L.db" --trust "$T/cp-t3-11"
  make_cp a1 6 "$T/cp-a1"
  verify_badcp "auditor a1 signs" "$P/L.db" --trust "$T/cp-a1" -- \
    "it is signed by a1 \($(key_id "$P/L.db" a1)\), a key with role auditor; only admin and treasurer keys sign checkpoints"
  make_cp r1 11 "$T/cp-r1"
  verify_badcp "reviewer r1 signs" "$P/L.db" --trust "$T/cp-r1" -- "a key with role reviewer"
  make_cp t2 11 "$T/cp-t2-11"
  verify_badcp "revoked t2 signs size 11" "$P/L.db" --trust "$T/cp-t2-11" -- \
    "it is signed by t2 \($(key_id "$P/L.db" t2)\), a key revoked at $(seq_re 10)" "at or before its size 11"
  make_cp t3 6 "$T/cp-t3-6"
  verify_badcp "t3, added at seq 11, signs size 6" "$P/L.db" --trust "$T/cp-t3-6" -- \
    "it is signed by t3 \($(key_id "$P/L.db" t3)\), which was not a key of this ledger at its size 6"
else
  echo "SKIP 11b: no Ed25519 signer (openssl >= 3.0 or cc + libsodium)" >&2
fi

# ---------------------------------------------------------------- 12. forged cosignature
if [ -n "$SIGNER" ]; then
  CASE=12-forged-cosign
  # C: the pristine ledger plus seq 12 = a1's checkpoint.cosign of cp11, in
  # commit 12. A forger holding a1's key edits that entry in the file,
  # recomputes its leaf and every node, and re-signs commit 12 with the new
  # root: only the re-check of the cosignature can tell.
  C=$T/cosigned
  mkdir -p "$C" && copy_db "$P/L.db" "$C/L.db" && cp "$P/cp11" "$C/cp11c"
  must kifu --db "$C/L.db" --key "$P/a1.key" cosign "$C/cp11c" >/dev/null
  [ "$(q "$C/L.db" 'SELECT kind FROM entries WHERE seq=12')" = checkpoint.cosign ] && ok ||
    bad "[$CASE] seq 12 is not the cosign"
  verify_ok "genuine cosign at seq 12" "$C/L.db"
  # forge_cosign DB SED: seq 12's body edited with SED, leaf, nodes, commit
  # 12's root (12 = 8 + 4 leaves: H(node(3,0), node(2,2))) and signature redone.
  forge_cosign() {
    local db=$1 n30 n22
    entry_body "$db" 12 | { read -r h; hex2bin "$h"; } | sed "$2" >"$T/body"
    tamper "$db" "DROP TRIGGER entries_no_update;
      UPDATE entries SET body=X'$(bin2hex <"$T/body")', leaf=X'$(leaf_of "$T/body")' WHERE seq=12"
    rebuild_nodes "$db"
    n30=$(q "$db" "SELECT lower(hex(hash)) FROM nodes WHERE idx=$(node_idx 3 0)")
    n22=$(q "$db" "SELECT lower(hex(hash)) FROM nodes WHERE idx=$(node_idx 2 2)")
    commit_body "$db" 12 | { read -r h; hex2bin "$h"; } |
      sed "s/^root=.*/root=$(node_hash "$n30" "$n22")/" >"$T/commit"
    tamper "$db" "DROP TRIGGER commits_no_update;
      UPDATE commits SET body=X'$(bin2hex <"$T/commit")',
        sig=X'$(sign_with "$(key_seed $SEED_A a1)" "$T/commit")' WHERE id=12"
  }
  db=$(fresh 12-same "$C/L.db")
  forge_cosign "$db" 's/^size#11$/size#11/'
  [ "$(fingerprint "$db")" = "$(fingerprint "$C/L.db")" ] && ok ||
    bad "[$CASE] forge_cosign without an edit changed the ledger"
  verify_ok "forge_cosign without an edit" "$db"
  db=$(fresh 12-root "$C/L.db")
  forge_cosign "$db" "s/^root=.*/root=$(sed -n 3p "$P/cp6" | base64 -d | bin2hex)/"
  verify_bad "cosign names cp6's root at size 11" "$db" -- "$(seq_re 12)" \
    "checkpoint.cosign root differs from the ledger's root at size 11"
  db=$(fresh 12-size "$C/L.db")
  forge_cosign "$db" 's/^size#11$/size#12/'
  verify_bad "cosign of its own size" "$db" -- "$(seq_re 12)" \
    "checkpoint.cosign size 12 is not an earlier size of the ledger \(1\.\.11\)"
  db=$(fresh 12-origin "$C/L.db")
  forge_cosign "$db" 's/^origin=.*/origin=evil.example/'
  verify_bad "cosign of another origin" "$db" -- "$(seq_re 12)" "checkpoint.cosign is for origin 'evil.example'"
  db=$(fresh 12-signature "$C/L.db")
  forge_cosign "$db" "s/^signature=.*/signature=$(grep '^— a1 ' "$P/cp6c" | sed 's/[\/&]/\\&/g')/"
  verify_bad "a1's signature line of cp6" "$db" -- "$(seq_re 12)" \
    "checkpoint.cosign signature is not a valid signature line by auditor a1 of the checkpoint at size 11"
  db=$(fresh 12-extra "$C/L.db")
  forge_cosign "$db" '$a zz=1'
  verify_bad "an extra field" "$db" -- "$(seq_re 12)" "checkpoint.cosign must have exactly the fields"
else
  echo "SKIP 12: no Ed25519 signer (openssl >= 3.0 or cc + libsodium)" >&2
fi

CASE=end
[ "$(fingerprint "$P/L.db")" = "$P_FP" ] && ok || bad "[$CASE] the pristine ledger changed"
verify_ok "pristine ledger still verifies" "$P/L.db"
finish
