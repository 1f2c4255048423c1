#!/usr/bin/env bash
# End-to-end (issue 12, items 3, 5, 6): an option given twice is exit 2 and
# records nothing; a new key's passphrase comes from KIFU_NEW_PASSPHRASE or
# the terminal, never silently from the signing key's KIFU_PASSPHRASE, and is
# at least 8 characters; business dates outside the ledger's window (the FY
# before its first commit's to today) are refused, exit 2, with the window in
# the message; an application's start (a planned date) may lie ahead.
SRC=${KIFU_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/common.sh"
APPS=$SRC/tests/data/apps
export KIFU_DB=L.db KIFU_KEY=admin.key
# KIFU_NOW is 2026-05-01 (common.sh) at init: the first commit is in FY 2026
# under fy_start 04-01, so the window begins on 2025-04-01 (FY 2025); after
# the init the clock stands at 2026-05-10, the window's last day (today).
WINDOW='outside the business dates this ledger takes, 2025-04-01 to 2026-05-10'
FUTURE="is after today \(2026-05-10, the fund's time zone \+09:00\): a business date cannot be in the future"

# With no controlling terminal (setsid) and stdin closed, a prompt cannot hang.
notty() { setsid -w "$@" </dev/null; }

# --- init: the admin key's passphrase -------------------------------------
(
  passed=0 failed=0
  unset KIFU_NEW_PASSPHRASE KIFU_PASSPHRASE
  expect 2 "no passphrase for the new key x.key: set KIFU_NEW_PASSPHRASE \(or KIFU_PASSPHRASE\)" -- notty "$KIFU_BIN" --db x.db init --fund F --admin a --key-out x.key
  [ ! -e x.db ] && [ ! -e x.key ] && ok || bad "init without a passphrase left x.db or x.key"
  KIFU_NEW_PASSPHRASE= expect 2 "the passphrase of the new key x.key is empty: it needs at least 8 characters" -- notty "$KIFU_BIN" --db x.db init --fund F --admin a --key-out x.key
  KIFU_PASSPHRASE= expect 2 "is empty: it needs at least 8 characters" -- notty "$KIFU_BIN" --db x.db init --fund F --admin a --key-out x.key
  KIFU_NEW_PASSPHRASE=short77 expect 2 "the passphrase of the new key x.key is too short: it needs at least 8 characters" -- notty "$KIFU_BIN" --db x.db init --fund F --admin a --key-out x.key
  # 8 characters, 24 bytes: characters are counted, not bytes.
  KIFU_NEW_PASSPHRASE=あいうえおかきく expect 0 "seq 1" -- notty "$KIFU_BIN" --db j.db init --fund F --admin a --key-out j.key
  KIFU_PASSPHRASE=あいうえおかきく expect 0 "seq 2" -- "$KIFU_BIN" --db j.db --key j.key rules load "$SRC/tests/data/rules-money.ini"
  # Only KIFU_PASSPHRASE: init takes it (there is no signing key yet).
  KIFU_PASSPHRASE=init-only-pass expect 0 "seq 1" -- notty "$KIFU_BIN" --db i.db init --fund F --admin a --key-out i.key
  KIFU_PASSPHRASE=init-only-pass expect 0 "seq 2" -- "$KIFU_BIN" --db i.db --key i.key rules load "$SRC/tests/data/rules-money.ini"
  # KIFU_NEW_PASSPHRASE wins over KIFU_PASSPHRASE.
  KIFU_NEW_PASSPHRASE=new-admin-pass KIFU_PASSPHRASE=other-pass-1 expect 0 "seq 1" -- notty "$KIFU_BIN" --db n.db init --fund F --admin a --key-out n.key
  KIFU_PASSPHRASE=other-pass-1 expect 2 "wrong passphrase for key file n.key" -- "$KIFU_BIN" --db n.db --key n.key rules load "$SRC/tests/data/rules-money.ini"
  KIFU_PASSPHRASE=new-admin-pass expect 0 "seq 2" -- "$KIFU_BIN" --db n.db --key n.key rules load "$SRC/tests/data/rules-money.ini"
  echo "$passed $failed" >counts
)
read -r p f <counts && passed=$((passed + p)) && failed=$((failed + f))

kifu init --fund テスト基金 --admin admin --key-out admin.key --rules "$SRC/tests/data/rules-grants.ini" >/dev/null || bad "init"
export KIFU_NOW=2026-05-10T09:00:00+09:00
kifu key add kaikei --role treasurer --key-out t.key >/dev/null || bad "key add"
kifu group add G1 --name グループ1 --type volunteer --founded 2020-04-01 --members 12 >/dev/null || bad "group add G1"
kifu group add G2 --name グループ2 --type volunteer --founded 2020-04-01 --members 12 >/dev/null || bad "group add G2"
kifu group add G9 --name グループ9 --type volunteer --founded 2020-04-01 --members 12 >/dev/null || bad "group add G9"
kifu partner add P1 --name 北の銀行 --per-click 5 --monthly-cap 30000 >/dev/null || bad "partner add"
kifu partner clicks P1 --month 2026-04 --clicks 100 >/dev/null || bad "partner clicks"
kifu box add B1 --location 駅前 --host 案内所 >/dev/null || bad "box add"
kifu --key t.key donate --amount 5000 --date 2026-05-01 >/dev/null || bad "donate"

# --- options given twice -------------------------------------------------
before=$(fingerprint L.db)
only_error 2 "kifu: --amount given twice" -- kifu --key t.key donate --amount 1000 --amount 2000
only_error 2 "kifu: --amount given twice" -- kifu --key t.key donate --amount=1000 --amount 2000
only_error 2 "kifu: --to given twice" -- kifu --key t.key donate --amount 1000 --to general --to group:G1
only_error 2 "kifu: --date given twice" -- kifu --key t.key donate --amount 1000 --date 2026-05-01 --date 2026-05-02
only_error 2 "kifu: --reason given twice" -- kifu --key t.key void 10 --reason a --reason b
only_error 2 "kifu: --dry-run given twice" -- kifu --key t.key import donations "$SRC/fixtures/donations-2026.csv" --dry-run --dry-run
only_error 2 "kifu: --members given twice" -- kifu group add G3 --name N --type volunteer --founded 2020-04-01 --members 1 --members 2
only_error 2 "kifu: --score given twice" -- kifu grant review A-2026-0001 --score 1 --score 5
only_error 2 "kifu: --role given twice" -- kifu key add z --role auditor --role admin --key-out z.key
only_error 2 "kifu: --same-passphrase given twice" -- kifu key add z --role auditor --key-out z.key --same-passphrase --same-passphrase
only_error 2 "kifu: --amount given twice" -- kifu --key t.key partner pay P1 --amount 100 --amount 200 --date 2026-05-02
only_error 2 "kifu: --count-a given twice" -- kifu --key t.key box collect B1 --date 2026-05-02 --count-a 1 --count-b 1 --counters "A,B" --count-a 1
only_error 2 "kifu: --fy given twice" -- kifu balance --fy 2026 --fy 2027
# global options: before and after the command, or twice on one side
only_error 2 "kifu: --db given twice" -- kifu --db L.db --key t.key donate --amount 1000 --db other.db
only_error 2 "kifu: --db given twice" -- kifu --db L.db --db=other.db --key t.key donate --amount 1000
only_error 2 "kifu: --key given twice" -- kifu --key t.key donate --amount 1000 --key admin.key
only_error 2 "kifu: --key given twice" -- kifu --key t.key --key=admin.key donate --amount 1000
only_error 2 "kifu: --json given twice" -- kifu --json --key t.key donate --amount 1000 --json
only_error 2 "kifu: --json given twice" -- kifu balance --json --json
[ ! -e z.key ] && [ ! -e other.db ] && ok || bad "a refused command left z.key or other.db"
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "an option given twice recorded something"
# --help may repeat; each option once is fine
expect 0 "usage: kifu donate" -- kifu donate --help --help
expect 0 "seq" -- kifu --json --key t.key donate --amount 1000 --date 2026-05-02
expect 0 "every option may be given once" -- kifu help

# --- key add: the new key's passphrase -------------------------------------
before=$(fingerprint L.db)
(
  passed=0 failed=0
  unset KIFU_NEW_PASSPHRASE
  # No KIFU_NEW_PASSPHRASE and no terminal: exit 2, nothing asked, nothing written.
  only_error 2 "kifu: no passphrase for the new key r.key: set KIFU_NEW_PASSPHRASE, run on a terminal to be asked, or pass --same-passphrase to reuse the signing key's" -- notty "$KIFU_BIN" key add rev --role reviewer --key-out r.key
  [ ! -e r.key ] && ok || bad "key add without a passphrase wrote r.key"
  KIFU_NEW_PASSPHRASE= expect 2 "the passphrase of the new key r.key is empty: it needs at least 8 characters" -- notty "$KIFU_BIN" key add rev --role reviewer --key-out r.key
  KIFU_NEW_PASSPHRASE=1234567 expect 2 "the passphrase of the new key r.key is too short: it needs at least 8 characters" -- notty "$KIFU_BIN" key add rev --role reviewer --key-out r.key
  KIFU_NEW_PASSPHRASE=both-given expect 2 "--same-passphrase and KIFU_NEW_PASSPHRASE both give the passphrase of r.key: give one" -- notty "$KIFU_BIN" key add rev --role reviewer --key-out r.key --same-passphrase
  [ ! -e r.key ] && ok || bad "a refused key add wrote r.key"
  echo "$passed $failed" >counts
)
read -r p f <counts && passed=$((passed + p)) && failed=$((failed + f))
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "a refused key add recorded something"

# A key made with KIFU_NEW_PASSPHRASE unlocks with it and not with the admin's.
KIFU_NEW_PASSPHRASE=reviewer-own-pass expect 0 "added key rev" -- notty "$KIFU_BIN" key add rev --role reviewer --key-out r.key
# (a reviewer may not sign a checkpoint: refused once the key is unlocked)
KIFU_PASSPHRASE=reviewer-own-pass expect 1 "" -- kifu --key r.key checkpoint
expect 2 "wrong passphrase for key file r.key" -- kifu --key r.key checkpoint
# --same-passphrase: the signing key's passphrase, asked for explicitly.
(
  passed=0 failed=0
  unset KIFU_NEW_PASSPHRASE
  expect 0 "added key aud" -- notty "$KIFU_BIN" key add aud --role auditor --key-out aud.key --same-passphrase
  echo "$passed $failed" >counts
)
read -r p f <counts && passed=$((passed + p)) && failed=$((failed + f))
kifu checkpoint --out cp.txt >/dev/null 2>&1 || bad "checkpoint"
expect 0 "" -- kifu --key aud.key cosign cp.txt --out cp2.txt

# The prompt: asked twice with no echo, on a terminal (script(1) gives one).
if command -v script >/dev/null; then
  (
    passed=0 failed=0
    unset KIFU_NEW_PASSPHRASE
    export KIFU_BIN
    # Each answer is typed after a pause: the prompt turns echo off with
    # TCSAFLUSH, which drops what was typed before it.
    { sleep 1; printf 'typed-pass-1\n'; sleep 1; printf 'typed-pass-1\n'; sleep 1; } |
      timeout 30 script -qec '"$KIFU_BIN" key add typed --role auditor --key-out typed.key' /dev/null >typed.out 2>&1
    grep -q "added key typed" typed.out && ok || bad "key add at the prompt: $(cat typed.out)"
    grep -q "typed-pass-1" typed.out && bad "the passphrase was echoed: $(cat typed.out)" || ok
    grep -q "repeat passphrase for typed.key" typed.out && ok || bad "not asked twice: $(cat typed.out)"
    KIFU_PASSPHRASE=typed-pass-1 "$KIFU_BIN" --key typed.key cosign cp.txt --out cp3.txt >/dev/null 2>&1 && ok || bad "typed.key does not unlock with the typed passphrase"
    # Two different answers: refused, nothing written.
    { sleep 1; printf 'typed-pass-1\n'; sleep 1; printf 'typed-pass-2\n'; sleep 1; } |
      timeout 30 script -qec '"$KIFU_BIN" key add typed2 --role auditor --key-out typed2.key; echo "exit $?"' /dev/null >typed2.out 2>&1
    grep -q "the passphrases do not match" typed2.out && grep -q "exit 2" typed2.out && ok || bad "mismatched passphrases: $(cat typed2.out)"
    [ ! -e typed2.key ] && ok || bad "mismatched passphrases wrote typed2.key"
    echo "$passed $failed" >counts
  )
  read -r p f <counts && passed=$((passed + p)) && failed=$((failed + f))
else
  echo "script(1) not installed: the terminal prompt is not tested"
fi

# --- business dates --------------------------------------------------------
before=$(fingerprint L.db)
only_error 2 "kifu: date 1900-01-01 is $WINDOW (from the FY before its first commit's to today)" -- kifu --key t.key donate --amount 1000 --date 1900-01-01
expect 2 "date 2025-03-31 is $WINDOW" -- kifu --key t.key donate --amount 1000 --date 2025-03-31
expect 2 "date 2101-01-01 $FUTURE" -- kifu --key t.key donate --amount 1000 --date 2101-01-01
expect 2 "date 9999-12-31 $FUTURE" -- kifu --key t.key donate --amount 1000 --date 9999-12-31
expect 2 "date 1900-01-01 is $WINDOW" -- kifu --key t.key partner pay P1 --amount 100 --date 1900-01-01
expect 2 "date 1900-01-01 is $WINDOW" -- kifu --key t.key box collect B1 --date 1900-01-01 --count-a 100 --count-b 100 --counters "A,B"
expect 2 "date 1900-01-01 is $WINDOW" -- kifu void 10 --reason x --date 1900-01-01
expect 2 "--date 1900-01-01 is $WINDOW" -- kifu group deregister G2 --reason x --date 1900-01-01
expect 2 "the application's date 1900-01-01 is $WINDOW" -- kifu grant apply "$APPS/A1.ini" --date 1900-01-01
sed 's/^start = .*/start = 1900-06-01/; s/^end = .*/end = 1901-01-31/' "$APPS/A1.ini" >old.ini
expect 2 "its start 1900-06-01 is outside the dates this ledger takes, 2025-04-01 to 2100-12-31" -- kifu grant apply old.ini --date 2026-04-25
printf 'date,amount\n2026-05-03,100\n1900-01-01,100\n2101-01-01,100\n' >rows.csv
expect 2 "rows.csv:3: date 1900-01-01 is $WINDOW" -- kifu --key t.key import donations rows.csv
expect 2 "rows.csv:4: date 2101-01-01 $FUTURE" -- kifu --key t.key import donations rows.csv
[ "$(fingerprint L.db)" = "$before" ] && ok || bad "a date outside the window recorded something"
# The first and the last day of the window (today) are taken.
expect 0 "donation of 1000 yen" -- kifu --key t.key donate --amount 1000 --date 2025-04-01
expect 0 "donation of 1000 yen" -- kifu --key t.key donate --amount 1000 --date 2026-05-10
# An application's start is planned, not a business date: it may lie ahead
# of today (A1.ini starts on 2026-06-01).
APP=$(kifu grant apply "$APPS/A1.ini" --date 2025-04-01 | sed -n 's/^seq [0-9]*: \(A-[0-9]*-[0-9]*\) recorded$/\1/p')
[ -n "$APP" ] && ok || bad "grant apply dated 2025-04-01"
expect 2 "--date 2025-03-31 is $WINDOW" -- kifu grant decide "$APP" --reject --reason x --date 2025-03-31
printf 'date,amount\n2025-04-01,100\n2026-05-10,100\n' >edge.csv
expect 0 "" -- kifu --key t.key import donations edge.csv
expect 0 "" -- kifu verify

finish
