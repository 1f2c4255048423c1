#!/usr/bin/env bash
# The demo: installs what is missing, builds kifu, and walks through a fund's
# ledger in ./demo: create it, add keys with roles, checkpoint, cosign,
# prove and verify.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
bin="$PWD/build/kifu"
kifu() { echo "\$ kifu $*" >&2; "$bin" "$@"; }
rm -rf demo && mkdir demo && cd demo
export KIFU_DB=kifu.db KIFU_PASSPHRASE=${KIFU_PASSPHRASE:-demo-passphrase}
export KIFU_NOW=${KIFU_NOW:-2026-04-01T09:00:00+09:00}

kifu init --fund "さぽーとほっと基金" --admin jimukyoku --key-out admin.key --origin sapporo.example/kifu
export KIFU_KEY=admin.key
kifu key add kaikei --role treasurer --key-out treasurer.key
kifu key add shinsa1 --role reviewer --affiliation G001 --key-out reviewer.key
kifu key add kansa --role auditor --key-out auditor.key
kifu key list
kifu checkpoint --out checkpoint-1.txt
cat checkpoint-1.txt
kifu --key auditor.key cosign checkpoint-1.txt
kifu key add shinsa2 --role reviewer --key-out reviewer2.key
kifu log
kifu prove 2
kifu prove --from 4 --json
kifu verify --trust checkpoint-1.txt
echo "demo ledger in $PWD/kifu.db" >&2
