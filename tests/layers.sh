#!/usr/bin/env bash
# The direction of calls, read from the object code (ctest "layers").
#
# kifu's libraries are layers (docs/ARCHITECTURE.md):
#
#   ledger  <-  fund  <-  donations, grants  <-  verify  <-  reports  <-  cli
#
# A layer may call only the layers below it (donations and grants, siblings,
# never call each other), and within a layer (and within cli/) no two files
# call each other. The build already refuses most upward calls (each layer
# is also linked as a shared object with --no-undefined against only the
# layers below); this test reads every symbol a layer's objects use from nm
# and names each forbidden edge and each file cycle.
#
# Usage: tests/layers.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: layers.sh BUILD_DIR}
objdir=$build/CMakeFiles

# allowed "layer below" pairs: caller callee
allowed='
fund ledger
donations fund
donations ledger
grants fund
grants ledger
verify donations
verify grants
verify fund
verify ledger
reports verify
reports donations
reports grants
reports fund
reports ledger
cli reports
cli verify
cli donations
cli grants
cli fund
cli ledger
'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# one line per (object, kind, symbol): "layer/file D sym" or "layer/file U sym"
for layer in ledger fund donations grants verify reports cli; do
  if [ $layer = cli ]; then dir=$objdir/kifu_cli.dir/cli; else dir=$objdir/kifu_${layer}_obj.dir/$layer; fi
  [ -d "$dir" ] || { echo "layers: no objects for $layer in $dir" >&2; exit 1; }
  for o in "$dir"/*.o; do
    f=$layer/$(basename "$o" .c.o)
    nm "$o" | awk -v f="$f" '$1 == "U" { print f, "U", $2; next }
                             NF == 3 && $2 ~ /^[TDBR]$/ { print f, "D", $3 }'
  done
done >"$tmp/syms"

# edges between files: caller callee symbol
awk '$2 == "D" { def[$3] = $1 }
     $2 == "U" { use[NR] = $1 " " $3 }
     END { for (i in use) { split(use[i], p, " "); if ((p[2] in def) && def[p[2]] != p[1]) print p[1], def[p[2]], p[2] } }' \
  "$tmp/syms" | sort -u >"$tmp/edges"
[ -s "$tmp/edges" ] || { echo "layers: found no calls at all (nm output empty?)" >&2; exit 1; }

bad=0
while read -r from to sym; do
  lf=${from%%/*} lt=${to%%/*}
  [ "$lf" = "$lt" ] && continue
  if ! grep -qx "$lf $lt" <<<"$allowed"; then
    echo "FAIL: $from calls $sym in $to: $lf may not call $lt" >&2
    bad=$((bad + 1))
  fi
done <"$tmp/edges"

# file cycles (a calls b and b calls a), within a layer
awk '{ print $1, $2 }' "$tmp/edges" | sort -u >"$tmp/pairs"
while read -r a b; do
  if [[ "$a" < "$b" ]] && grep -qx "$b $a" "$tmp/pairs"; then
    echo "FAIL: file cycle: $a and $b call each other" >&2
    bad=$((bad + 1))
  fi
done <"$tmp/pairs"

n=$(wc -l <"$tmp/edges")
layers=$(awk '{ split($1, a, "/"); split($2, b, "/"); if (a[1] != b[1]) print a[1] " -> " b[1] }' "$tmp/edges" | sort | uniq -c | awk '{ printf "%s%s %s %s (%d)", sep, $2, $3, $4, $1; sep = ", " }')
echo "layers: $n file-to-file calls; between layers: $layers"
[ $bad -eq 0 ] && echo "layers: ok" || { echo "layers: $bad forbidden edge(s) or cycle(s)" >&2; exit 1; }
