#!/usr/bin/env bash
# kifu publish (README "The public site") without a browser: usage errors,
# the --out rules, refusal of a ledger that fails verification (nothing
# written), the same bytes for the same ledger and clock, the files and
# their format (docs/FORMAT.md "The public entries"), no personal data in
# the published entries, and figures that match kifu's own reads.
# tests/e2e_site_in_chromium.sh checks the pages in a real browser.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
. "$here/site_ledger.sh"

# --- usage: exit 2, nothing written --------------------------------------
expect 2 "usage: kifu publish --out DIR" -- kifu publish
expect 2 "--lang 'fr' must be ja or en" -- kifu publish --out s1 --lang fr
expect 2 "unknown option '--bogus'" -- kifu publish --out s1 --bogus
expect 2 "unexpected argument 'extra'" -- kifu publish --out s1 extra
expect 0 "kifu publish --out DIR" -- kifu publish --help
[ ! -e s1 ] && ok || bad "a usage error wrote s1"

# --- a good site ----------------------------------------------------------
expect 0 "site of 351 entries \(5 published as their hash only\), 3 group pages, 1 fiscal year" \
  -- kifu publish --out site
for f in index.html verify.html checkpoint.html checkpoint.txt entries.txt entries.js \
  groups/G001.html groups/G002.html groups/G003.html; do
  [ -s "site/$f" ] && ok || bad "site/$f missing"
done
ls -d site.tmp* site.old* 2>/dev/null && bad "a temporary directory was left" || ok

# same ledger, same key, same KIFU_NOW: the same bytes
kifu publish --out site2 >/dev/null
diff -r site site2 >/dev/null && ok || bad "two runs gave different sites"
# and JSON output
out=$(kifu --json publish --out site3)
grep -q '"entries":351,"withheld":5,"groups":3,"fys":1,"files":9,"root":"[0-9a-f]\{64\}"' <<<"$out" \
  && ok || bad "publish --json: $out"

# --- the --out rules --------------------------------------------------------
expect 1 "site exists; give --force to replace it" -- kifu publish --out site
echo stale >site/stale.html
expect 0 "written to site" -- kifu publish --out site --force
[ ! -e site/stale.html ] && diff -r site site2 >/dev/null && ok || bad "--force did not replace the site"
mkdir notasite && echo mine >notasite/keep.txt
expect 1 "notasite is not a site kifu publish wrote" -- kifu publish --out notasite --force
[ "$(cat notasite/keep.txt)" = mine ] && ok || bad "a directory that is no site was touched"
echo x >afile
expect 1 "afile is not a site kifu publish wrote" -- kifu publish --out afile --force
expect 3 "cannot write nodir/site" -- kifu publish --out nodir/site
KIFU_KEY= expect 2 "" -- kifu publish --out s4
[ ! -e s4 ] && ok || bad "publish without a key wrote s4"

# --- the entries: format, hashes, root -------------------------------------
head -1 site/entries.txt | grep -qx 'kifu.entries.v1' && ok || bad "entries.txt magic"
python3 - site/entries.txt site/checkpoint.txt <<'EOF' && ok || bad "entries.txt does not give the checkpoint's root"
import base64, hashlib, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[0] == "kifu.entries.v1" and lines[-1] == ""
leaves = []
for i, line in enumerate(lines[1:-1], 1):
    seq, how, data = line.split(" ")
    assert int(seq) == i
    if how == "e":
        body = base64.b64decode(data, validate=True)
        assert body.startswith(b"kifu.entry.v1\nseq#%d\n" % i)
        leaves.append(hashlib.sha256(b"\0" + body).digest())
    else:
        assert how == "h" and len(data) == 64
        leaves.append(bytes.fromhex(data))
def mth(h):
    if len(h) == 1: return h[0]
    k = 1
    while k * 2 < len(h): k *= 2
    return hashlib.sha256(b"\1" + mth(h[:k]) + mth(h[k:])).digest()
note = open(sys.argv[2]).read().split("\n")
assert int(note[1]) == len(leaves)
assert base64.b64encode(mth(leaves)).decode() == note[2], "root"
EOF
# entries.js holds exactly entries.txt and checkpoint.txt
python3 - site <<'EOF' && ok || bad "entries.js is not entries.txt and checkpoint.txt"
import json, sys
d = sys.argv[1]
js = open(d + "/entries.js").read()
assert all(ord(c) < 128 for c in js)
data = json.loads(js[js.index("{"):js.rindex("}") + 1])
assert data["entries"] == open(d + "/entries.txt").read()
assert data["checkpoint"] == open(d + "/checkpoint.txt").read()
EOF

# --- no personal data in what is published ----------------------------------
# donors' names and addresses (the CSV's, and the two given above), members'
# names (member.add is published as its hash only)
python3 - site "$here/../fixtures/donations-2026.csv" <<'EOF' && ok || bad "personal data in the published entries"
import base64, csv, glob, sys
d = sys.argv[1]
text = ""
for line in open(d + "/entries.txt").read().split("\n")[1:-1]:
    seq, how, data = line.split(" ")
    if how == "e":
        text += base64.b64decode(data).decode()
for f in glob.glob(d + "/*.html") + glob.glob(d + "/groups/*.html"):
    text += open(f).read()
names = {"寄附 太郎", "札幌市北区北8条西5丁目", "取消 花子", "佐藤 花子", "鈴木 一郎", "高橋 美咲", "田中 健"}
for row in csv.DictReader(open(sys.argv[2], encoding="utf-8-sig")):
    for k in ("donor", "address"):
        if row[k] and "株式会社" not in row[k]:
            names.add(row[k])
found = [n for n in names if n in text]
assert not found, found
assert "kind=member.add" not in text
assert "donor=" in text  # the commitment is there
EOF
grep -c ' h ' site/entries.txt | grep -qx 5 && ok || bad "five member.add entries published as hashes"

# --- figures: the page shows what kifu balance and grant list say ----------
bal=$(kifu --json balance --fy 2026)
python3 - site/index.html "$bal" <<'EOF' && ok || bad "index.html pool figures differ from kifu balance --fy 2026"
import json, re, sys
html = open(sys.argv[1]).read()
figs = {k: int(re.sub(r"[^0-9-]", "", v)) for k, v in re.findall(r'data-fig="([^"]+)">([^<]*)<', html) if v != "—"}
bal = json.loads(sys.argv[2])
for p in bal["pools"]:
    for f, k in (("opening", "opening"), ("in", "in"), ("out", "out"), ("balance", "closing"),
                 ("committed", "committed"), ("available", "available")):
        assert figs["pool|2026|%s|%s" % (p["pool"], k)] == p[f], (p["pool"], f)
assert figs["pool|2026|total|available"] == bal["total"]["available"]
assert figs["app|A-2026-0001|approved"] == 229000 and figs["app|A-2026-0001|final"] == 200000
assert figs["app|A-2026-0001|refunded"] == 29000 and figs["gtot|2026|approved"] == 729000
EOF
grep -q '令和8年度' site/index.html && grep -q '北星町内会' site/index.html && grep -q '円<' site/index.html \
  && ok || bad "index.html lacks 和暦, names or 円"
grep -q 'name="viewport"' site/index.html && grep -q '<th scope="col"' site/index.html \
  && grep -q '<caption>' site/index.html && ok || bad "index.html lacks viewport, th scope or caption"
grep -Eq '(src|href)="(https?:)?//' site/*.html site/groups/*.html && bad "a page loads from another host" || ok
kifu publish --out site-en --lang en >/dev/null && grep -q 'FY2026' site-en/index.html && ok \
  || bad "--lang en"

# --- a ledger that fails verification: exit 1, nothing written --------------
cp kifu.db bad.db
seq=$(sqlite3 bad.db "SELECT seq FROM entries WHERE kind='donation' AND instr(CAST(body AS TEXT), 'amount#30000') ORDER BY seq LIMIT 1")
sqlite3 bad.db "INSERT OR REPLACE INTO entries(seq, commit_id, kind, leaf, body) SELECT seq, commit_id, kind, leaf,
  CAST(replace(CAST(body AS TEXT), 'amount#30000', 'amount#3000') AS BLOB) FROM entries WHERE seq=$seq"
[ -n "$seq" ] && [ "$(sqlite3 bad.db "SELECT instr(CAST(body AS TEXT), 'amount#3000' || char(10)) > 0 FROM entries WHERE seq=$seq")" = 1 ] \
  && ok || bad "the tamper did not take"
expect 1 "verification failed, no site written" -- kifu --db bad.db publish --out badsite
[ ! -e badsite ] && ! ls -d badsite.tmp* >/dev/null 2>&1 && ok || bad "a refused publish wrote something"
# an existing site is left as it was when the ledger fails
expect 1 "verification failed, no site written" -- kifu --db bad.db publish --out site --force
diff -r site site2 >/dev/null && ok || bad "a refused publish changed the existing site"

finish
