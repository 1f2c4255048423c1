#!/usr/bin/env bash
# End-to-end: the kifu command's usage, outputs and bad-input handling.
. "$(dirname "$0")/common.sh"

expect 0 "" -- kifu init --db L.db --fund "さぽーとほっと基金" --admin admin --key-out admin.key --origin example.org/kifu
[ "$(stat -c %a admin.key)" = 600 ] && ok || bad "key file mode is not 0600"
# a ledger without money: no pools, a zero total (qsort of no rows was undefined behaviour)
[ "$(kifu --db L.db balance --json)" = '{"pools":[],"total":{"in":0,"out":0,"balance":0,"committed":0,"available":0}}' ] && ok || bad "balance of an empty ledger: $(kifu --db L.db balance --json)"
expect 0 "seq 2" -- kifu --db L.db --key admin.key key add t1 --role treasurer --key-out t1.key
expect 0 "seq 3" -- kifu --db L.db --key admin.key key add r1 --role reviewer --affiliation G001,G002 --key-out r1.key
expect 0 '"seq":4' -- kifu --db L.db --key admin.key --json key add a1 --role auditor --key-out a1.key
expect 0 '^ok: 4 entries' -- kifu --db L.db verify
expect 0 '"ok":true' -- kifu --db L.db verify --json
# global options in any position; KIFU_DB / KIFU_KEY
expect 0 '"role":"reviewer"' -- kifu key list --db L.db --json
KIFU_DB=L.db expect 0 'G001,G002' -- kifu key list
expect 0 '"entries":\[\{"seq":1,"kind":"genesis"' -- kifu --db L.db log --json
expect 0 '^ +3 ' -- kifu --db L.db log --since 3
expect 0 '"seq":2,"index":1,"size":4' -- kifu --db L.db prove 2 --json
expect 0 '"from":2,"size":3' -- kifu --db L.db prove --from 2 --size 3 --json
expect 0 'usage: kifu key add' -- kifu key add --help
expect 0 'kifu verify' -- kifu help
expect 0 'usage: kifu prove' -- kifu help prove
# a command with subcommands: --help, -h and `kifu help CMD` list their usage on stdout
expect 0 'kifu grant pay APP --amount YEN' -- kifu grant --help
out=$(kifu grant --help 2>/dev/null)
grep -q '^  kifu grant settle APP' <<<"$out" && grep -q 'kifu grant <subcommand> --help' <<<"$out" &&
  ok || bad "kifu grant --help on stdout: $out"
out=$(kifu help key 2>/dev/null) && code=0 || code=$?
[ "$code" = 0 ] && grep -q 'kifu key revoke KEYID' <<<"$out" && ! grep -q 'kifu donate' <<<"$out" &&
  ok || bad "kifu help key -> exit $code: $out"
expect 0 'kifu member list \[--fy Y\]' -- kifu member -h
expect 0 'kifu export audit --fy Y' -- kifu help export
out=$(kifu help grant pay 2>&1) && code=0 || code=$?
[ "$code" = 0 ] && grep -q '^usage: kifu grant pay APP' <<<"$out" && ! grep -q 'kifu grant refund' <<<"$out" &&
  ok || bad "kifu help grant pay -> exit $code: $out"

before=$(fingerprint L.db)
# bad usage: exit 2, nothing changed
expect 2 "unknown option '--bogus'" -- kifu --db L.db verify --bogus
expect 2 "unknown command 'frobnicate'" -- kifu frobnicate
expect 2 "needs a subcommand" -- kifu key
expect 2 'kifu grant pay APP' -- kifu grant
[ -z "$(kifu grant 2>/dev/null)" ] && ok || bad "kifu grant printed on stdout"
expect 2 "unknown command 'nosuch'" -- kifu help nosuch
expect 2 "unknown command 'grant nosuch'" -- kifu help grant nosuch
expect 2 "needs a value" -- kifu --db L.db log --since
expect 2 "--since must be a whole number" -- kifu --db L.db log --since abc
expect 2 "unknown role 'boss'" -- kifu --db L.db --key admin.key key add x --role boss --key-out x.key
expect 2 "needs a signing key" -- kifu --db L.db key add x --role reviewer --key-out x.key
expect 2 "already exists" -- kifu --db L.db --key admin.key key add x --role reviewer --key-out t1.key
expect 2 "no ledger at missing.db" -- kifu --db missing.db verify
expect 2 "already exists" -- kifu init --db L.db --fund F --admin b --key-out b.key
expect 1 "no key 0badf00d" -- kifu --db L.db --key admin.key key revoke 0badf00d
expect 2 "seq 99 is not in a tree|outside the ledger" -- kifu --db L.db prove 99
KIFU_PASSPHRASE=wrong expect 2 "wrong passphrase for key file admin.key" -- kifu --db L.db --key admin.key key add x --role reviewer --key-out x.key
[ ! -e x.key ] && ok || bad "x.key was written although the command failed"
printf 'kifu.key.v1\nseq#1\nkind=ed25519\nname=zz\n' > corrupt.key
expect 2 "corrupt.key is not a kifu key file" -- kifu --db L.db --key corrupt.key checkpoint
head -c 300 /dev/urandom > random.key
expect 2 "random.key is not a kifu key file" -- kifu --db L.db --key random.key checkpoint
sqlite3 other.db "CREATE TABLE t(x); INSERT INTO t VALUES(1);"
expect 2 "other.db is not a kifu ledger" -- kifu --db other.db verify
echo "just text" > text.db
expect 2 "not a kifu ledger" -- kifu --db text.db log
KIFU_NOW=yesterday expect 2 "KIFU_NOW 'yesterday' is not an RFC 3339 time" -- kifu --db L.db --key admin.key key add y --role reviewer --key-out y.key
[ ! -e y.key ] && ok || bad "y.key was written although the command failed"
# refused by the rules: exit 1, nothing changed
expect 1 "role treasurer, which may not write key.add" -- kifu --db L.db --key t1.key key add z --role reviewer --key-out z.key
[ ! -e z.key ] && ok || bad "z.key was written although the command was refused"
expect 1 "may not sign" -- kifu --db L.db --key r1.key checkpoint
expect 1 "already in the ledger" -- kifu --db L.db --key admin.key key add t1 --role reviewer --key-out t1b.key
[ ! -e t1b.key ] && ok || bad "t1b.key left behind after a refused key add"
expect 1 "last active admin" -- kifu --db L.db --key admin.key key revoke "$(kifu --db L.db key list | awk '$2=="admin"{print $1}')"
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "a refused or bad command changed the ledger"

# revocation takes effect
t1=$(kifu --db L.db key list | awk '$3=="t1"{print $1}')
expect 0 "revoked key t1" -- kifu --db L.db --key admin.key key revoke "$t1"
expect 1 "was revoked at seq 5" -- kifu --db L.db --key t1.key checkpoint
expect 1 "already revoked" -- kifu --db L.db --key admin.key key revoke "$t1"
expect 0 '"revoked":true' -- kifu --db L.db key list --json
expect 0 '^ok: 5 entries' -- kifu --db L.db verify

# checkpoint, cosign, trust
kifu --db L.db --key admin.key checkpoint --out cp1 2>/dev/null
grep -q '^example.org/kifu$' cp1 && grep -q '^5$' cp1 && grep -q '^— admin ' cp1 && ok || bad "checkpoint format: $(cat cp1)"
# --json: origin, size and root of the same checkpoint, and the note itself
got=$(kifu --db L.db --key admin.key checkpoint --json)
[[ "$got" == "{\"origin\":\"example.org/kifu\",\"size\":5,\"root\":\"$(sed -n 3p cp1)\",\"note\":\"example.org/kifu\\n5\\n$(sed -n 3p cp1)\\n\\n— admin "* ]] && ok || bad "checkpoint --json: $got"
expect 0 '^\{"rebuilt":true,"entries":5\}$' -- kifu --db L.db reindex --json
expect 0 "cosigned by a1" -- kifu --db L.db --key a1.key cosign cp1
[ "$(grep -c '^— ' cp1)" = 2 ] && ok || bad "cosign did not add a signature line"
expect 1 "already cosigned" -- kifu --db L.db --key a1.key cosign cp1
expect 0 "extends the trusted checkpoint" -- kifu --db L.db verify --trust cp1
# flip the root's first base64 character to a different one (X unless it is already X)
sed '3{s/^X/Y/;t;s/^./X/}' cp1 > bad.cp
if cmp -s cp1 bad.cp; then bad "bad.cp equals cp1"; else ok; fi
# an edited root line breaks the checkpoint's own signature: the checkpoint is
# blamed (exit 2), not the ledger
expect 2 "trusted checkpoint is not a valid checkpoint of this ledger: its signature by admin .* does not verify" -- kifu --db L.db verify --trust bad.cp
sed '3s/^./!/' cp1 > malformed.cp
expect 2 "line 3 is not a base64 root" -- kifu --db L.db verify --trust malformed.cp
# --help gives the defaults of the commands that have them
expect 0 "defaults: --date today \(KIFU_NOW\), --source direct, --to general" -- kifu donate --help
expect 0 "defaults: --income 0" -- kifu grant settle --help
finish
