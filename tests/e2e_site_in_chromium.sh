#!/usr/bin/env bash
# The public site in a real browser (README "The public site"): headless
# Chromium (Debian's chromium, which scripts/deps.sh installs) opens the
# pages from file:// and over HTTP (python3 -m http.server on 127.0.0.1),
# runs their checks (WebCrypto SHA-256 and Ed25519), and the test reads the
# verdict the page shows (#verdict, data-verdict="ok" or "fail"):
#   - the site as published: ok; with an entry altered in entries.js, with a
#     forged checkpoint, with a figure altered in the HTML, without
#     entries.js: fail;
#   - verify.html with a certificate (receipt v2, tests/site_ledger.sh makes
#     them): from the URL its PDF's QR code holds (pdftoppm, zbarimg), and
#     dropped as a PDF or text file: ok, and the certificate in words (番号,
#     和暦 dates, 様 / 御中, 金 12,000円, the gifts of an annual certificate);
#     with its amount, issue date, a proof hash, the donor's name or the
#     checkpoint's signature altered, or its readable header altered: fail;
#     with the site's entries beside it, a gift voided after the certificate
#     (data-reason="voided") and a certificate reissued later
#     (data-reason="reissued"): fail; over file:// and over HTTP.
# Skips (exit 77) only when chromium, pdftoppm or zbarimg is not installed.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
  echo "SKIP: chromium is not installed (scripts/deps.sh installs it; CI does)"
  exit 77
fi
for tool in pdftoppm zbarimg; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed (scripts/deps.sh installs it)"; exit 77; }
done
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
url() { echo "file://$T/$1"; }

# --- the site as published ----------------------------------------------
N=$(kifu log --json | grep -o '"seq":[0-9]*' | tail -1 | cut -d: -f2)
expect_verdict ok - "記録 $N 件.*一致" "$(url site/index.html)"
expect_verdict ok - "記録 $N 件" "$(url site/groups/G001.html)"
expect_verdict ok - "記録 $N 件" "$(url site/checkpoint.html)"
dom "$(url site/checkpoint.html)" | grep -q 'data-cosig="[0-9]*" data-ok="yes"' && ok \
  || bad "checkpoint.html: the auditor's cosignature is not shown as checked"
kifu publish --out site-en --lang en >/dev/null
expect_verdict ok - "^Verified: every figure|$N entries" "$(url site-en/index.html)"

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

# --- verify.html: certificates (receipt v2) --------------------------------
# The QR code of the PDF, read as a phone reads it: the identity's --url
# (site_ledger.sh: this site's verify.html) with the record after '#'.
pdftoppm -r 200 -png r.pdf r-page
qr=$(zbarimg -q --raw r-page-1.png 2>/dev/null | tr -d '\n')
[[ $qr == "file://$T/site/verify.html#"* ]] && ok || bad "r.pdf's QR code: '${qr:0:120}'"
vkey=$(kifu key list --vkey jimukyoku)
kifu verify-receipt - --origin-key "$vkey" <<<"$qr" >/dev/null && ok || bad "kifu verify-receipt of the QR code"
number=$(kifu --json verify-receipt r.txt --origin-key "$vkey" | sed -n 's/.*"number":"\([^"]*\)".*/\1/p')
[ -n "$number" ] && ok || bad "no certificate number"
expect_verdict ok - "有効な証明書です.*取り消されておらず.*再発行されていません" "$qr"
page=$(dom "$qr")
for want in "第 $number 号" "令和9年3月31日" "寄附 太郎 様" "札幌市北区北8条西5丁目" "金 12,000円" \
  "令和8年4月20日 金 12,000円（記録番号 $GIFT）" "子ども食堂ひまわり（団体指定）" "さぽーとほっと基金" \
  "札幌市中央区北1条西2丁目 札幌市長　秋元 克広" "011-211-2111" "記録番号 $CERT（"; do
  grep -qE -- "<dd[^>]*>$want" <<<"$page" && ok || bad "verify.html does not show '$want'"
done
grep -q 'data-form="fragment"' <<<"$page" && ok || bad "the QR's fragment was not read as one"
grep -q '上記の金額を寄附金として受領しました。' <<<"$page" && ok || bad "no statement of receipt"

# receipt.py MODE ARGS: the receipts' bytes, as the tests alter them.
#   frag FILE          the QR's fragment of a text receipt: its record, compact
#   alter URL WHAT     the URL with its record altered (WHAT: amount, name,
#                      date, path, sig), compact again
#   header FILE OUT    the text receipt with its amount line changed only
cat >receipt.py <<'PY'
import base64, re, sys, zlib
def compact(b): return base64.urlsafe_b64encode(zlib.compress(b, 9)).decode().rstrip("=")
def inflate(s): return zlib.decompress(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
mode = sys.argv[1]
if mode == "frag":
    data = open(sys.argv[2], "rb").read()
    print(compact(data[data.index(b"\n\n") + 2:]))
elif mode == "alter":
    url, what = sys.argv[2], sys.argv[3]
    base, frag = url.split("#", 1)
    lines = inflate(frag).decode().split("\n")
    seq = lines[1].split("#")[1]
    for i, l in enumerate(lines):
        if what == "amount" and l.startswith("entry." + seq + "="):
            l2 = re.sub(r"\\namount#(\d+)\\n", lambda m: "\\namount#" + str(int(m.group(1)) * 10) + "\\n", l, count=1)
        elif what == "date" and l.startswith("entry." + seq + "="):
            l2 = re.sub(r"\\ndate=(\d{4}-\d{2})-(\d{2})\\n",
                        lambda m: "\\ndate=" + m.group(1) + "-" + ("29" if m.group(2) == "30" else "30") + "\\n", l, count=1)
        elif what == "name" and l.startswith("donor_name="):
            l2 = l.replace("太郎", "次郎")
        elif what == "path" and l.startswith("path." + seq + "="):
            at = len("path." + seq + "=")
            l2 = l[:at] + ("0" if l[at] != "0" else "1") + l[at + 1:]
        elif what == "sig" and l.startswith("checkpoint="):
            at = l.rindex(" ") + 21
            l2 = l[:at] + ("A" if l[at] != "A" else "B") + l[at + 1:]
        else:
            continue
        assert l2 != l, (what, l[:80])
        lines[i] = l2
    print(base + "#" + compact("\n".join(lines).encode()))
elif mode == "header":
    text = open(sys.argv[2], encoding="utf-8").read()
    text = re.sub(r"^金額: 金 ([0-9,]+)円$", lambda m: "金額: 金 1" + m.group(1) + "円", text, count=1, flags=re.M)
    open(sys.argv[3], "w", encoding="utf-8").write(text)
PY
expect_verdict fail proof "確認できません.*記録番号 $CERT の包含証明" "$(python3 receipt.py alter "$qr" amount)"
expect_verdict fail proof "確認できません.*記録番号 $CERT の包含証明" "$(python3 receipt.py alter "$qr" date)"
expect_verdict fail proof "確認できません.*記録番号 $CERT の包含証明" "$(python3 receipt.py alter "$qr" path)"
expect_verdict fail proof "確認できません.*寄附者の氏名・住所" "$(python3 receipt.py alter "$qr" name)"
expect_verdict fail proof "確認できません.*正しい署名がありません" "$(python3 receipt.py alter "$qr" sig)"
expect_verdict fail malformed "証明書として読めません" "$(url site/verify.html)#bm90LWEtcmVjZWlwdA"

# Files dropped on or chosen in the page: drop_url FILE gives a copy of the
# site's verify.html (with the site's entries beside it) that hands FILE's
# bytes to its file input, as choosing the file does, and fires the input's
# change event.
rm -rf drop && cp -r site drop
drop_url() {
  local name out
  name=$(basename "$1")
  out="drop/verify-$name.html"
  python3 - "$1" "$name" site/verify.html "$out" <<'PY'
import base64, sys
data, name, page, out = open(sys.argv[1], "rb").read(), sys.argv[2], sys.argv[3], sys.argv[4]
script = ('<script>(function () { var b = atob("%s"), u = new Uint8Array(b.length);'
          ' for (var i = 0; i < b.length; i++) u[i] = b.charCodeAt(i);'
          ' var dt = new DataTransfer(); dt.items.add(new File([u], "%s"));'
          ' var input = document.getElementById("file"); input.files = dt.files;'
          ' input.dispatchEvent(new Event("change")); })();</script>\n</body>') % (base64.b64encode(data).decode(), name)
html = open(page, encoding="utf-8").read()
open(out, "w", encoding="utf-8").write(html.replace("</body>", script, 1))
PY
  url "$out"
}
for f in r.pdf r.txt; do
  page=$(dom "$(drop_url $f)")
  grep -q 'data-verdict="ok"' <<<"$page" && grep -q "<dd[^>]*>第 $number 号" <<<"$page" && ok ||
    bad "dropped $f: $(grep -o '<div id="verdict"[^>]*>.\{0,300\}' <<<"$page")"
done
grep -q 'data-form="text"' <<<"$page" && ok || bad "the dropped r.txt was not read as a text receipt"
python3 receipt.py header r.txt r-header.txt
expect_verdict fail header "確認できません.*見出し部分の 6 行目「金額: 金 112,000円」" "$(drop_url r-header.txt)"
# a member's annual certificate lists its gifts; a partner's 受領書 is 御中
page=$(dom "$(drop_url r-member.pdf)")
grep -q 'data-verdict="ok"' <<<"$page" && ok || bad "r-member.pdf does not verify in the page"
[ "$(grep -o 'class="gift" data-seq="[0-9]*" data-entry="yes"' <<<"$page" | wc -l)" = 6 ] && ok ||
  bad "r-member.pdf: not 6 gifts checked against their entries"
grep -q "<dd[^>]*>令和8年1月1日から令和8年12月31日までの寄附（6 件）" <<<"$page" && ok || bad "r-member.pdf: no year line"
page=$(dom "$(drop_url r-partner.pdf)")
grep -q 'data-verdict="ok"' <<<"$page" && grep -q '<h2 id="cert-title"[^>]*>受領書</h2>' <<<"$page" &&
  grep -q "<dd[^>]*>北海道みらい銀行 御中" <<<"$page" && ok || bad "r-partner.pdf: not a 受領書 to 北海道みらい銀行 御中"

# A gift voided after its certificate was issued, and a certificate
# reissued later: the site's entries tell.
expect_verdict fail voided "取り消されています.*記録番号 $VOIDED の寄附は、記録番号 [0-9]+（令和8年4月22日）で取り消されました" \
  "$(url site/verify.html)#$(python3 receipt.py frag r-void.txt)"
expect_verdict fail reissued "再発行された証明書に代わられています.*第 2026-[0-9]{6} 号（記録番号 [0-9]+、令和8年4月22日 発行）" \
  "$(url site/verify.html)#$(python3 receipt.py frag r-old.txt)"
expect_verdict ok - "有効な証明書です" "$(url site/verify.html)#$(python3 receipt.py frag r-new.txt)"
expect_verdict fail voided "取り消されています" "$(drop_url r-void.txt)"
# without the site's entries beside it, the certificate itself still checks
mkdir alone && cp site/verify.html alone/
expect_verdict ok - "有効な証明書です" "$(url alone/verify.html)#$(python3 receipt.py frag r-void.txt)"
# the English page
expect_verdict ok - "Valid certificate" "$(url site-en/verify.html)#${qr#*#}"

# --- over HTTP ---------------------------------------------------------------
port=$((20000 + RANDOM % 20000))
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$T" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/site/index.html')" 2>/dev/null && break
  sleep 0.1
done
http=http://127.0.0.1:$port
expect_verdict ok - "記録 $N 件" "$http/site/index.html"
expect_verdict ok - "有効な証明書です" "$http/site/verify.html#${qr#*#}"
expect_verdict fail proof "正しい署名がありません" "$http/site/verify.html#$(python3 receipt.py alter "$qr" sig | sed 's/.*#//')"
expect_verdict fail voided "取り消されています" "$http/site/verify.html#$(python3 receipt.py frag r-void.txt)"
expect_verdict ok - "有効な証明書です" "$http/drop/verify-r.pdf.html"
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null

finish
