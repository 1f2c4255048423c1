#!/usr/bin/env bash
# On-demand fuzzing of kifu's parsers with libFuzzer (not part of ctest).
#
# Usage: fuzz/run.sh [HARNESS...]        (default: all six)
#   FUZZ_SECONDS  seconds per harness (default 60)
#   FUZZ_WORK     work dir for builds, seeds, corpora, logs, crashes
#                 (default /tmp/kifu-fuzz; corpora persist between runs)
#   KIFU_BIN      a built kifu binary for the seeds (default: built here with
#                 cmake into $FUZZ_WORK/cli)
#   CC            clang (default clang)
#   FUZZ_FLAGS    extra libFuzzer flags, e.g. "-fork=1 -ignore_crashes=1" to keep
#                 going after a crash, or "-jobs=2"
# Exit status: 0 if no harness found a crash, 1 otherwise.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
work=${FUZZ_WORK:-/tmp/kifu-fuzz}
secs=${FUZZ_SECONDS:-60}
cc=${CC:-clang}
all=(entry rules application note csv receipt)
if [ $# -gt 0 ]; then harnesses=("$@"); else harnesses=("${all[@]}"); fi
mkdir -p "$work"/{obj,bin,seeds,corpus,logs,artifacts}

# --- 1. the library, instrumented (coverage + ASan + UBSan) -----------------
cflags=(-g -O1 -std=gnu11 -D_GNU_SOURCE -I"$src/include" -fno-omit-frame-pointer
        -fsanitize=address,undefined -fno-sanitize-recover=undefined)
libs=(-lsqlite3 -lsodium -lcrypto -linih -lcsv -lxlsxwriter -lz -lm)
objs=()
for f in "$src"/ledger/*.c "$src"/donations/*.c "$src"/grants/*.c "$src"/reports/*.c; do
    o="$work/obj/$(basename "$(dirname "$f")")_$(basename "${f%.c}").o"
    if [ ! -e "$o" ] || [ "$f" -nt "$o" ]; then
        "$cc" "${cflags[@]}" -fsanitize=fuzzer-no-link -c "$f" -o "$o"
    fi
    objs+=("$o")
done
rm -f "$work/libkifu_fuzz.a"
ar rcs "$work/libkifu_fuzz.a" "${objs[@]}"

# --- 2. the harnesses -------------------------------------------------------
for h in "${harnesses[@]}"; do
    "$cc" "${cflags[@]}" -fsanitize=fuzzer "$src/fuzz/fuzz_$h.c" "$work/libkifu_fuzz.a" \
        "${libs[@]}" -o "$work/bin/fuzz_$h"
done

# --- 3. seed corpora --------------------------------------------------------
seeds=$work/seeds
if [ ! -e "$seeds/.done" ]; then
    rm -rf "$seeds" && mkdir -p "$seeds"/{entry,rules,application,note,csv,receipt}
    cp "$src"/fixtures/rules.ini "$seeds/rules/"
    cp "$src"/fixtures/applications/*.ini "$seeds/application/"
    cp "$src"/fixtures/*.csv "$seeds/csv/"
    cp "$src"/fixtures/rules.ini "$seeds/application/"   # INI, other sections
    cp "$src"/fixtures/applications/*.ini "$seeds/rules/"

    bin=${KIFU_BIN:-}
    if [ -z "$bin" ]; then
        cmake -S "$src" -B "$work/cli" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
        cmake --build "$work/cli" --target kifu_cli -j"$(nproc)" >/dev/null
        bin=$work/cli/kifu
    fi
    # A small ledger, made reproducible: the admin key comes from the same
    # KIFU_TEST_SEED as fuzz_receipt.c's fixed verifier key.
    led=$work/ledger && rm -rf "$led" && mkdir -p "$led"
    export KIFU_DB=$led/k.db KIFU_KEY=$led/admin.key KIFU_PASSPHRASE=fuzz KIFU_KDF_COST=min
    export KIFU_TEST_SEED=6675a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7
    # after the fixtures' FY 2026 of donations: a business date may not be after today
    export KIFU_NOW=2027-03-31T09:00:00+09:00
    "$bin" init --fund "Fuzz Fund" --admin admin --key-out "$KIFU_KEY" \
        --rules "$src/fixtures/rules.ini" >/dev/null
    bash "$src/fixtures/setup.sh" "$bin"
    "$bin" donate --amount 5000 --date 2026-05-01 --to group:G001 --donor "山田 太郎" \
        --address "札幌市北区1-2-3" --ref FUZZ-1 --method transfer >/dev/null
    "$bin" donate --amount 1200 --date 2026-05-02 --to general >/dev/null
    "$bin" import donations "$src/fixtures/donations-2026.csv" >/dev/null
    "$bin" checkpoint --out "$seeds/note/checkpoint.txt" >/dev/null
    for seq in 20 22 23 30; do
        "$bin" receipt "$seq" --out "$seeds/receipt/receipt-$seq.txt" >/dev/null
    done
    # Entry bodies (canonical bytes) straight from the entries table.
    python3 - "$KIFU_DB" "$seeds/entry" <<'PY'
import sqlite3, sys
db, out = sys.argv[1], sys.argv[2]
for seq, kind, body in sqlite3.connect(db).execute(
        "SELECT seq, kind, body FROM entries WHERE seq IN (1,2,3,5,8,14,16,20,22,23)"):
    open(f"{out}/entry-{seq}-{kind}.bin", "wb").write(body)
PY
    unset KIFU_DB KIFU_KEY KIFU_PASSPHRASE KIFU_KDF_COST KIFU_TEST_SEED KIFU_NOW
    touch "$seeds/.done"
fi

# --- 4. fuzz ----------------------------------------------------------------
status=0
for h in "${harnesses[@]}"; do
    corpus=$work/corpus/$h art=$work/artifacts/$h/ log=$work/logs/$h.log
    mkdir -p "$corpus" "$art"
    echo "== fuzz_$h: ${secs}s (corpus $corpus, log $log)"
    set +e
    "$work/bin/fuzz_$h" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$art" \
        -max_len=65536 ${FUZZ_FLAGS:-} "$corpus" "$seeds/$h" >"$log" 2>&1
    rc=$?
    set -e
    runs=$(grep -Eo '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || true)
    eps=$(grep -Eo '^stat::average_exec_per_sec: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || true)
    cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
    if [ "$rc" -eq 0 ]; then
        echo "   ok: ${runs:-?} runs, ${eps:-?} exec/s, ${cov:-?}, corpus $(ls "$corpus" | wc -l) files"
    else
        status=1
        echo "   CRASH (exit $rc): artifacts in $art"; ls "$art"
        grep -E 'ERROR: |SUMMARY: |runtime error|^fuzz_' "$log" | head -5 | sed 's/^/   /'
    fi
done
exit $status
