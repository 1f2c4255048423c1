#!/usr/bin/env bash
# Interop: kifu's checkpoints (C2SP signed notes), inclusion proofs and
# consistency proofs must verify with Go's golang.org/x/mod/sumdb/note and
# sumdb/tlog (tests/interop/verify.go), and tampered copies must not.
# Env: KIFU_BIN (kifu binary), KIFU_SRC (repo root), KIFU_KDF_COST=min.
# Exit 77 (skip) when Go or the x/mod sources are unavailable.
set -euo pipefail

KIFU_SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
KIFU_BIN=${KIFU_BIN:-$KIFU_SRC/build/kifu}
KIFU_SRC=$(realpath "$KIFU_SRC") KIFU_BIN=$(realpath "$KIFU_BIN") # we cd below
export KIFU_KDF_COST=${KIFU_KDF_COST:-min}
XMOD=/usr/share/gocode/src/golang.org/x/mod/sumdb

have_go() { command -v go >/dev/null 2>&1 && [[ -d $XMOD/note && -d $XMOD/tlog ]]; }
if ! have_go && [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y golang-go golang-golang-x-mod-dev >&2 || true
fi
if ! have_go; then
    echo "SKIP: go not available (need go and golang-golang-x-mod-dev)"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# Build the Go verifier offline, in GOPATH mode, against Debian's x/mod.
V=$tmp/verify
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$tmp/gocache GOPROXY=off GOFLAGS= \
    GOENV=off go build -o "$V" "$KIFU_SRC/tests/interop/verify.go"

export KIFU_PASSPHRASE=pw-tests KIFU_NEW_PASSPHRASE=pw-tests KIFU_NOW=2026-05-01T09:00:00+09:00
db=$tmp/x.db
kifu() { "$KIFU_BIN" --db "$db" "$@"; }
roles=(treasurer reviewer auditor)

# seq 1: genesis; seq 2: the auditor; seqs 3..7: more keys.
kifu init --fund F --admin admin --key-out admin.key --origin example.org/kifu >/dev/null
kifu --key admin.key key add aud --role auditor --key-out aud.key >/dev/null
for i in 3 4 5 6 7; do
    kifu --key admin.key key add "k$i" --role "${roles[i % 3]}" --key-out "k$i.key" >/dev/null
done
kifu --key admin.key checkpoint --out cp1 2>/dev/null
for i in $(seq 8 13); do
    kifu --key admin.key key add "k$i" --role "${roles[i % 3]}" --key-out "k$i.key" >/dev/null
done
kifu --key admin.key checkpoint --out cp2 2>/dev/null
cp cp2 cp2.admin-only
kifu --key aud.key cosign cp2 >/dev/null # appends seq 14
OLD=7 NEW=13

vkey_of() { # NAME: its verifier key from `kifu key list --json`, without jq
    kifu key list --json | tr '{' '\n' | grep "\"name\":\"$1\"" |
        sed -n 's/.*"vkey":"\([^"]*\)".*/\1/p'
}
admin_vkey=$(vkey_of admin)
aud_vkey=$(vkey_of aud)
k3_vkey=$(vkey_of k3)
[[ -n $admin_vkey && -n $aud_vkey && -n $k3_vkey ]] || { echo "no vkeys in key list" >&2; exit 1; }
[[ $(sed -n 2p cp1) == "$OLD" && $(sed -n 2p cp2) == "$NEW" ]] ||
    { echo "unexpected checkpoint sizes" >&2; exit 1; }

have_sqlite=false
command -v sqlite3 >/dev/null 2>&1 && have_sqlite=true
entry_hex() { sqlite3 -readonly "$db" "SELECT hex(body) FROM entries WHERE seq=$1" >"e$1.hex"; }

pass=0 failed=0
ok() { # NAME VERIFY-ARGS...: the Go verifier must accept
    local name=$1; shift
    if "$V" "$@" >"$tmp/out" 2>&1; then
        pass=$((pass + 1))
    else
        failed=$((failed + 1)); echo "FAIL (rejected): $name"; sed 's/^/    /' "$tmp/out"
    fi
}
reject() { # NAME VERIFY-ARGS...: the Go verifier must refuse (exit 1)
    local name=$1 rc=0; shift
    "$V" "$@" >"$tmp/out" 2>&1 || rc=$?
    if [[ $rc -eq 1 ]]; then
        pass=$((pass + 1))
    else
        failed=$((failed + 1)); echo "FAIL (rc $rc, want 1): $name"; sed 's/^/    /' "$tmp/out"
    fi
}
flip() { # IN MARKER OUT: copy IN to OUT, changing the character right after MARKER
    local s pre rest c
    s=$(<"$1"); pre=${s%%"$2"*}; rest=${s#*"$2"}
    [[ $pre != "$s" ]] || { echo "flip: marker '$2' not in $1" >&2; exit 1; }
    c=${rest:0:1}; [[ $c == 0 || $c == A ]] && c=1 || c=0
    [[ $c != "${rest:0:1}" ]]
    printf '%s%s%s%s\n' "$pre" "$2" "$c" "${rest:1}" >"$3"
}

# Signed notes.
ok "cp1 admin signature" -note cp1 -vkey "$admin_vkey" -origin example.org/kifu
ok "cp2 admin + auditor signatures" -note cp2 -vkey "$admin_vkey" -vkey "$aud_vkey" -origin example.org/kifu

# Inclusion proofs: every entry in checkpoint 2, every entry of checkpoint 1 in it.
for s in $(seq 1 "$NEW"); do
    kifu prove "$s" --size "$NEW" --json >"inc$s.json"
    args=(-note cp2 -vkey "$admin_vkey" -vkey "$aud_vkey" -inclusion "inc$s.json")
    if $have_sqlite; then entry_hex "$s"; args+=(-entry "e$s.hex"); fi
    ok "inclusion of seq $s in size $NEW" "${args[@]}"
done
for s in $(seq 1 "$OLD"); do
    kifu prove "$s" --size "$OLD" --json >"old_inc$s.json"
    ok "inclusion of seq $s in size $OLD" -note cp1 -vkey "$admin_vkey" -inclusion "old_inc$s.json"
done

# Consistency proofs: checkpoint 1 -> checkpoint 2 (both signed), and more sizes.
kifu prove --from "$OLD" --size "$NEW" --json >con.json
ok "consistency cp1 -> cp2" -note cp2 -vkey "$admin_vkey" -old-note cp1 -consistency con.json
for m in 1 2 3 4 5 6 8 9 11 12 13; do
    kifu prove --from "$m" --size "$NEW" --json >"con$m.json"
    ok "consistency $m -> $NEW" -note cp2 -vkey "$admin_vkey" -consistency "con$m.json"
done

# Tampered inputs must be refused.
p=inc5.json
flip $p '"path":["' t.json
reject "inclusion path[0] flipped" -note cp2 -vkey "$admin_vkey" -inclusion t.json
flip $p '"leaf":"' t.json
reject "inclusion leaf flipped" -note cp2 -vkey "$admin_vkey" -inclusion t.json
flip $p '"root":"' t.json
reject "inclusion root flipped" -note cp2 -vkey "$admin_vkey" -inclusion t.json
sed -E 's/,"[0-9a-f]{64}"\]/]/' $p >t.json
reject "inclusion path shortened" -note cp2 -vkey "$admin_vkey" -inclusion t.json
sed 's/"seq":5,"index":4,/"seq":6,"index":5,/' $p >t.json
reject "inclusion proof moved to another index" -note cp2 -vkey "$admin_vkey" -inclusion t.json
reject "inclusion proof against the wrong checkpoint" -note cp1 -vkey "$admin_vkey" -inclusion $p
if $have_sqlite; then
    reject "inclusion with another entry's bytes" -note cp2 -vkey "$admin_vkey" -inclusion $p -entry e4.hex
fi
flip con.json '"path":["' t.json
reject "consistency path[0] flipped" -note cp2 -vkey "$admin_vkey" -old-note cp1 -consistency t.json
reject "consistency path[0] flipped, no old note" -note cp2 -vkey "$admin_vkey" -consistency t.json
flip con.json '"old_root":"' t.json
reject "consistency old_root flipped" -note cp2 -vkey "$admin_vkey" -consistency t.json
sed 's/"from":7,/"from":6,/' con.json >t.json
reject "consistency from changed" -note cp2 -vkey "$admin_vkey" -consistency t.json
reject "consistency old note of another size" -note cp2 -vkey "$admin_vkey" -old-note cp1 -consistency con5.json
flip cp2 $'\n'"$NEW"$'\n' t.note
reject "note root flipped" -note t.note -vkey "$admin_vkey"
sed "2s/.*/$((NEW - 1))/" cp2 >t.note
reject "note size changed" -note t.note -vkey "$admin_vkey"
sig=$(sed -n 's/^— admin //p' cp2)
flip cp2 "— admin ${sig:0:10}" t.note
reject "note admin signature flipped" -note t.note -vkey "$admin_vkey"
sig=$(sed -n 's/^— aud //p' cp2)
flip cp2 "— aud ${sig:0:10}" t.note
reject "note auditor cosignature flipped" -note t.note -vkey "$admin_vkey" -vkey "$aud_vkey"
reject "note without the auditor's cosignature" -note cp2.admin-only -vkey "$admin_vkey" -vkey "$aud_vkey"
reject "note checked with another key" -note cp2.admin-only -vkey "$k3_vkey"
reject "note with the wrong origin" -note cp2 -vkey "$admin_vkey" -origin example.org/other

$have_sqlite || echo "note: sqlite3 not found, leaf hashes not recomputed from entry bytes"
echo "interop: $pass passed, $failed failed"
[[ $failed -eq 0 ]]
