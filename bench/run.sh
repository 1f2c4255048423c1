#!/usr/bin/env bash
# Builds kifu in Release into build-bench/ and runs the benchmarks:
# bench_ledger (append, verify, prove) and then bench_import (CSV import,
# kifu balance against hledger, kifu donate, kifu verify of the import).
#
#   bench/run.sh                 full run (1,000,000-entry ledgers); output goes
#                                to stdout and bench/results-<date>.txt
#   bench/run.sh --quick         smoke run (20,000 entries/rows, 1 run), stdout only
#   bench/run.sh --stdout        full run, stdout only (no results file)
#   bench/run.sh --only ledger   only bench_ledger (--only import: only bench_import,
#                                --only export: only bench_export); the results file
#                                is then results-ledger-<date>.txt (-import-, -export-)
#   bench/run.sh [...] -- ARGS   extra ARGS are passed to bench_ledger
#                                (e.g. -- --runs 9 --rebuild)
#   bench/run.sh [...] --import-args "ARGS"
#                                extra ARGS for bench_import, split on spaces
#                                (e.g. --import-args "--rows 100000 --hledger-runs 0")
#
# bench_import compares `kifu balance` with `hledger balance` (Debian package
# hledger); without hledger that comparison is skipped and said so.
#
# Environment: KIFU_BENCH_DIR (work directory, default /tmp/kifu-bench; the
# 1M-entry verify ledger, about 400 MB, is cached there and reused by later
# runs; bench_import writes its CSV, journal and ledgers there, about 1.5 GB
# at 1M rows), JOBS (parallel build jobs, default 2).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(dirname "$here")"
build="$src/build-bench"
workdir="${KIFU_BENCH_DIR:-/tmp/kifu-bench}"
quick=0
to_file=1
only=
extra=()
import_extra=()

while [ $# -gt 0 ]; do
    case "$1" in
    --quick) quick=1; to_file=0 ;;
    --stdout) to_file=0 ;;
    --only)
        [ $# -ge 2 ] && { [ "$2" = ledger ] || [ "$2" = import ] || [ "$2" = export ]; } ||
            { echo "run.sh: --only needs 'ledger', 'import' or 'export'" >&2; exit 2; }
        only=$2; shift ;;
    --import-args)
        [ $# -ge 2 ] || { echo "run.sh: --import-args needs a value" >&2; exit 2; }
        read -r -a words <<<"$2"
        import_extra+=("${words[@]+"${words[@]}"}")
        shift ;;
    --) shift; extra+=("$@"); break ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done
run_ledger=1
run_import=1
run_export=1
[ -n "$only" ] && { run_ledger=0; run_import=0; run_export=0; }
[ "$only" = ledger ] && run_ledger=1
[ "$only" = import ] && run_import=1
[ "$only" = export ] && run_export=1
# bench_export exports the 1M-donation ledger that bench_import leaves; in a
# --quick run there is none of that size, so it is skipped.
[ "$quick" = 1 ] && run_export=0

# Release build. -O3 makes GCC report a maybe-uninitialized false positive in
# ledger/txn.c (kf_txn_begin), which -Werror would turn into a build failure;
# keep it a warning here so that the benchmark still builds.
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS="-Wno-error=maybe-uninitialized" >/dev/null
# bench_import runs the kifu binary of the same build (setup, CLI timings).
cmake --build "$build" -j"${JOBS:-2}" --target bench_ledger bench_import bench_export kifu_cli >/dev/null

args=("$workdir")
iargs=("$workdir" --kifu "$build/kifu" --rules "$src/fixtures/rules.ini")
if [ "$quick" = 1 ]; then
    args+=(--entries 20000 --runs 1)
    iargs+=(--quick)
fi
args+=("${extra[@]+"${extra[@]}"}")
iargs+=("${import_extra[@]+"${import_extra[@]}"}")

header() {
    echo "# kifu benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# commit: $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
        git -C "$src" diff --quiet HEAD -- ledger include 2>/dev/null || echo ' (+ uncommitted changes)')"
    echo "# host: $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "# build: Release ($build)"
    if [ "$run_ledger" = 1 ]; then
        echo "# command: bench_ledger ${args[*]}"
    fi
    if [ "$run_import" = 1 ]; then
        echo "# command: bench_import ${iargs[*]}"
        echo "# hledger: $(hledger --version 2>/dev/null || echo 'not installed (apt-get install hledger)')"
    fi
    if [ "$run_export" = 1 ]; then
        echo "# command: bench_export $workdir --kifu $build/kifu"
    fi
    echo
}

benches() {
    if [ "$run_ledger" = 1 ]; then
        "$build/bench_ledger" "${args[@]}"
        echo
    fi
    if [ "$run_import" = 1 ]; then
        "$build/bench_import" "${iargs[@]}"
        echo
    fi
    if [ "$run_export" = 1 ]; then
        "$build/bench_export" "$workdir" --kifu "$build/kifu"
    fi
}

if [ "$to_file" = 1 ]; then
    # results-<date>.txt for a full run; results-import-<date>.txt (or
    # -ledger-) with --only, so that one benchmark does not overwrite the other.
    out="$here/results${only:+-$only}-$(date +%Y-%m-%d).txt"
    { header; benches; } 2>&1 | tee "$out"
    echo "results written to $out"
else
    header
    benches
fi
