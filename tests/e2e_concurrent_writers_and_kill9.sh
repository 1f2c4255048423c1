#!/usr/bin/env bash
# End-to-end: 4 processes appending at once lose nothing and keep one linear
# chain; a writer killed with SIGKILL at random moments leaves a ledger that
# verifies and holds whole commits only; so does an import of 30,000 rows
# killed at random moments (all of it or none of it).
. "$(dirname "$0")/common.sh"

kifu --db L.db init --fund F --admin admin --key-out admin.key --origin example.org/kifu >/dev/null
per=12
writer() {
  local w=$1
  for i in $(seq 1 $per); do
    kifu --db L.db --key admin.key key add "w${w}k$i" --role reviewer --key-out "w${w}k$i.key" >/dev/null || echo "writer $w add $i failed" >&2
  done
}
for w in 1 2 3 4; do writer $w 2>>errors.txt & done
wait
[ ! -s errors.txt ] && ok || bad "concurrent writers failed: $(cat errors.txt)"
want=$((4 * per + 1))
expect 0 "^ok: $want entries, $want commits" -- kifu --db L.db verify
n=$(kifu --db L.db key list --json | grep -o '"name":"w[0-9]k[0-9]*"' | sort -u | wc -l)
[ "$n" = $((4 * per)) ] && ok || bad "expected $((4 * per)) distinct keys, found $n"
# seqs are 1..N with no gap and each commit holds exactly one entry
gaps=$(sqlite3 L.db "SELECT count(*) FROM entries e WHERE seq > 1 AND NOT EXISTS (SELECT 1 FROM entries p WHERE p.seq = e.seq - 1)")
[ "$gaps" = 0 ] && ok || bad "gaps in seq: $gaps"

# kill -9 at random moments
for round in 1 2 3 4 5 6; do
  ( for i in $(seq 1 50); do
      kifu --db L.db --key admin.key key add "kill${round}x$i" --role reviewer --key-out "kill${round}x$i.key" >/dev/null 2>&1
    done ) &
  pid=$!
  sleep "0.$((RANDOM % 9 + 1))"
  pkill -9 -P $pid 2>/dev/null
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  expect 0 "^ok: " -- kifu --db L.db verify
done
# after the kills, writes still work and the chain still verifies
expect 0 "^seq " -- kifu --db L.db --key admin.key key add after --role auditor --key-out after.key
expect 0 "^ok: " -- kifu --db L.db verify

# kill -9 during imports of 30,000 rows (the reader thread and the recording
# thread die together): each import is all there or not at all, and the
# ledger verifies. Fresh refs each round, so a round whose import did commit
# before the kill leaves the next one importable.
size() { sqlite3 L.db "SELECT count(*) FROM entries"; }
# An import of 30,000 rows takes about 0.13 s here (longer under ASan): the
# kills land before, during and after its commit.
delays=(0 0.02 0.05 0.08 0.11 0.3)
for round in 1 2 3 4 5 6; do
  awk -v r="$round" 'BEGIN { print "date,amount,ref"; for (i = 1; i <= 30000; i++) printf "2026-05-01,%d,K%d-%d\n", 1000 + i % 500, r, i }' >big.csv
  before=$(size)
  # the binary itself, not the kifu() function: $! must be the process killed
  "$KIFU_BIN" --db L.db --key admin.key import donations big.csv >/dev/null 2>&1 &
  pid=$!
  sleep "${delays[$((round - 1))]}"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  after=$(size)
  [ "$after" = "$before" ] || [ "$after" = $((before + 30000)) ] && ok ||
    bad "import killed in round $round left $((after - before)) entries"
  expect 0 "^ok: " -- kifu --db L.db verify
done
awk 'BEGIN { print "date,amount,ref"; for (i = 1; i <= 30000; i++) printf "2026-05-01,%d,Z%d\n", 1000 + i % 500, i }' >big.csv
before=$(size)
expect 0 "30000 donations recorded" -- kifu --db L.db --key admin.key import donations big.csv
[ "$(size)" = $((before + 30000)) ] && ok || bad "the last import"
expect 0 "^ok: " -- kifu --db L.db verify
finish
