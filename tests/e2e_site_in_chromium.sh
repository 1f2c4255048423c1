#!/usr/bin/env bash
# The public site in a real browser (README "The public site"): headless
# Chromium (Debian's chromium, which scripts/deps.sh installs) opens the
# pages from file:// and over HTTP (python3 -m http.server on 127.0.0.1),
# runs their checks (WebCrypto SHA-256 and Ed25519), and the test reads the
# verdict the page shows (#verdict, data-verdict="ok" or "fail"):
#   - the site as published: ok; with an entry altered in entries.js, with a
#     forged checkpoint, with a figure altered in the HTML, without
#     entries.js: fail;
#   - verify.html with a good receipt: ok, and the certificate in words; with
#     its amount, name, date, a proof hash or the signature altered: fail; a
#     gift voided after its receipt, with the site's entries beside: fail
#     (data-reason="voided").
# Skips (exit 77) only when chromium is not installed.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
  echo "SKIP: chromium is not installed (scripts/deps.sh installs it; CI does)"
  exit 77
fi
. "$here/site_ledger.sh"
kifu publish --out site >/dev/null || { bad "kifu publish failed"; finish; exit 1; }

# The DOM of URL once the page's scripts have run (the virtual time budget
# lets the asynchronous WebCrypto checks finish before the dump).
dom() {
  timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$T/chrome" --virtual-time-budget=15000 --dump-dom "$1" 2>/dev/null
}
# verdict URL: "VERDICT REASON VOID|TEXT" of the page's #verdict element.
verdict() {
  dom "$1" | python3 -c '
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.depth = 0; s.attrs = None; s.text = []
    def handle_starttag(s, tag, attrs):
        a = dict(attrs)
        if s.depth: s.depth += 1
        elif a.get("id") == "verdict": s.depth = 1; s.attrs = a
    def handle_endtag(s, tag):
        if s.depth: s.depth -= 1
    def handle_data(s, d):
        if s.depth: s.text.append(d)
p = P(); p.feed(sys.stdin.read())
a = p.attrs or {}
print(a.get("data-verdict", "none"), a.get("data-reason", "-"), a.get("data-void", "-") + "|" + " ".join("".join(p.text).split()))'
}
# expect_verdict WANT REASON TEXT_RE URL: WANT is ok or fail, REASON "-" or
# the data-reason, TEXT_RE a regex the banner's text must match.
expect_verdict() {
  local want=$1 reason=$2 re=$3 url=$4 got
  got=$(verdict "$url")
  url=${url:0:90}
  if [ "${got%% *}" != "$want" ]; then
    bad "$url: verdict '$got', want $want"
  elif [ "$reason" != "-" ] && [ "$(cut -d' ' -f2 <<<"$got")" != "$reason" ]; then
    bad "$url: verdict '$got', want reason $reason"
  elif ! grep -qE -- "$re" <<<"${got#*|}"; then
    bad "$url: banner '${got#*|}' does not match /$re/"
  else
    ok
  fi
}
# b64url FILE: the receipt as verify.html's URL fragment.
b64url() { base64 -w0 "$1" | tr '+/' '-_' | tr -d '='; }
url() { echo "file://$T/$1"; }

# --- the site as published ----------------------------------------------
expect_verdict ok - "記録 342 件.*一致" "$(url site/index.html)"
expect_verdict ok - "記録 342 件" "$(url site/groups/G001.html)"
expect_verdict ok - "記録 342 件" "$(url site/checkpoint.html)"
dom "$(url site/checkpoint.html)" | grep -q 'data-cosig="[0-9]*" data-ok="yes"' && ok \
  || bad "checkpoint.html: the auditor's cosignature is not shown as checked"
kifu publish --out site-en --lang en >/dev/null
expect_verdict ok - "^Verified: every figure|342 entries" "$(url site-en/index.html)"

# --- altered sites: fail ---------------------------------------------------
# alter SRC DST WHAT: a copy of the site with one thing changed
alter() {
  rm -rf "$2" && cp -r "$1" "$2"
  python3 - "$2" "$3" <<'EOF'
import base64, hashlib, json, re, sys
d, what = sys.argv[1], sys.argv[2]
js = open(d + "/entries.js").read()
head, obj = js[:js.index("{")], js[js.index("{"):js.rindex("}") + 1]
data = json.loads(obj)
lines = data["entries"].split("\n")
if what in ("amount", "forged-root"):
    # a donation of 30,000 yen becomes 3,000 yen
    for i, line in enumerate(lines):
        if " e " in line:
            seq, _, b = line.split(" ")
            body = base64.b64decode(b).decode()
            if "kind=donation\n" in body and "\namount#30000\n" in body:
                body = body.replace("\namount#30000\n", "\namount#3000\n")
                lines[i] = seq + " e " + base64.b64encode(body.encode()).decode()
                break
    data["entries"] = "\n".join(lines)
if what == "forged-root":
    # and the checkpoint names the new root (its signature cannot follow)
    leaves = []
    for line in lines[1:-1]:
        seq, how, b = line.split(" ")
        leaves.append(hashlib.sha256(b"\0" + base64.b64decode(b)).digest() if how == "e" else bytes.fromhex(b))
    def mth(h):
        if len(h) == 1: return h[0]
        k = 1
        while k * 2 < len(h): k *= 2
        return hashlib.sha256(b"\1" + mth(h[:k]) + mth(h[k:])).digest()
    note = data["checkpoint"].split("\n")
    note[2] = base64.b64encode(mth(leaves)).decode()
    data["checkpoint"] = "\n".join(note)
if what == "figure":
    html = open(d + "/index.html").read()
    html = re.sub(r'(data-fig="pool\|2026\|general\|in">)([0-9,]+)', lambda m: m.group(1) + "{:,}".format(int(m.group(2).replace(",", "")) + 10000), html, count=1)
    open(d + "/index.html", "w").write(html)
open(d + "/entries.js", "w").write(head + json.dumps(data, ensure_ascii=True) + ";\n")
EOF
}
alter site alt-amount amount
expect_verdict fail - "一致しません.*Merkle ルート" "$(url alt-amount/index.html)"
alter site alt-root forged-root
expect_verdict fail - "正しい署名がありません" "$(url alt-root/index.html)"
alter site alt-figure figure
expect_verdict fail - "財源別の収支 / 一般 / 収入」の表示 [0-9,]+円 は、記録から計算した [0-9,]+円 と違います" "$(url alt-figure/index.html)"
rm -rf alt-none && cp -r site alt-none && rm alt-none/entries.js
expect_verdict fail - "entries.js" "$(url alt-none/index.html)"

# --- verify.html: a donor's receipt ----------------------------------------
kifu receipt "$GIFT" --out r.txt >/dev/null
page=$(dom "$(url site/verify.html)#$(b64url r.txt)")
expect_verdict ok - "有効な証明書です.*取り消されていません" "$(url site/verify.html)#$(b64url r.txt)"
for want in "寄附 太郎" "札幌市北区北8条西5丁目" "金 12,000円" "令和8年4月20日" "子ども食堂ひまわり（団体）" \
  "2026-0*$GIFT"; do
  grep -qE -- "<dd[^>]*>$want" <<<"$page" && ok || bad "verify.html does not show '$want'"
done

# alter_receipt KEY NEW HEADER_LABEL HEADER_NEW: a copy of r.txt whose record
# field KEY is NEW and whose readable header line agrees with it.
alter_receipt() {
  python3 - r.txt "$@" <<'EOF'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
key, new, label, hnew = sys.argv[2:6]
head, rec = text.split("\n\n", 1)
lines = rec.split("\n")
for i, l in enumerate(lines):
    if l.startswith(key + "=") or l.startswith(key + "#"):
        sep = l[len(key)]
        if key == "path":
            new = ("0" if l[len(key) + 1] != "0" else "1") + l[len(key) + 2:]
        elif key == "checkpoint":
            v = l[len(key) + 1:]
            at = v.rindex(" ") + 21
            new = v[:at] + ("A" if v[at] != "A" else "B") + v[at + 1:]
        lines[i] = key + sep + new
if label != "-":
    head = "\n".join(label + hnew if h.startswith(label) else h for h in head.split("\n"))
open("alt.txt", "w", encoding="utf-8").write(head + "\n\n" + "\n".join(lines))
EOF
  echo "$(url site/verify.html)#$(b64url alt.txt)"
}
expect_verdict fail - "確認できません.*寄附金額" "$(alter_receipt amount 120000 "金額 / Amount: " "120,000 円 (yen)")"
expect_verdict fail - "確認できません.*氏名" "$(alter_receipt donor_name "寄附 次郎" "寄附者 / Donor: " "寄附 次郎")"
expect_verdict fail - "確認できません.*寄附日" "$(alter_receipt date 2026-04-19 "寄附日 / Date: " "2026-04-19")"
expect_verdict fail - "確認できません.*包含証明" "$(alter_receipt path x - -)"
expect_verdict fail - "確認できません.*署名" "$(alter_receipt checkpoint x - -)"
expect_verdict fail - "証明書として読めません" "$(url site/verify.html)#bm90LWEtcmVjZWlwdA"

# a gift voided after its receipt was made: the site's entries tell
expect_verdict fail voided "取り消されています.*記録番号 $((VOIDED + 1))" \
  "$(url site/verify.html)#$(b64url r-void.txt)"
# without the site's entries beside it, the receipt itself still checks
mkdir alone && cp site/verify.html alone/
expect_verdict ok - "有効な証明書です" "$(url alone/verify.html)#$(b64url r-void.txt)"

# --- over HTTP ---------------------------------------------------------------
port=$((20000 + RANDOM % 20000))
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$T/site" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/index.html')" 2>/dev/null && break
  sleep 0.1
done
expect_verdict ok - "記録 342 件" "http://127.0.0.1:$port/index.html"
expect_verdict ok - "有効な証明書です" "http://127.0.0.1:$port/verify.html#$(b64url r.txt)"
expect_verdict fail voided "取り消されています" "http://127.0.0.1:$port/verify.html#$(b64url r-void.txt)"
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null

finish
