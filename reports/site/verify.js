/*
 * verify.html: a donor's receipt (寄附金受領証明書) checked in the browser,
 * with no network (README "The public site"; the receipt's bytes are
 * docs/FORMAT.md "Receipts"). Uses KF from site.js.
 *
 * The receipt comes from the URL fragment (verify.html#<base64url of the
 * receipt file>, which a browser never sends to a server), or from a file
 * dropped on or chosen in the page: a text receipt, or a PDF whose link to
 * this page (verify.html#…) is stored uncompressed.
 *
 * parseReceipt is the one function that knows the receipt's format: it
 * returns the checkpoint and a list of items (an entry's bytes and its
 * inclusion proof), all under that one checkpoint, and the claims the
 * receipt makes. verifyReceipt checks every item against the checkpoint and
 * the claims against the entries; a receipt carrying more entries (say a
 * donation and its receipt.issue) is more items.
 */
(function () {
  var TEXT = {
    ja: {
      skip: "本文へ移動",
      waiting: "寄附金受領証明書を選んでください。",
      checking: "確かめています…",
      ok: "✓ 有効な証明書です：この寄附は基金の台帳に記録されています。",
      fail: "✗ この証明書は確認できません。",
      voided: "✗ この寄附は、証明書の発行後に取り消されています。",
      notVoided: "公開記録（{n} 件）でも確かめました：この寄附は取り消されていません。",
      voidedBy: "記録番号 {seq}（{date}）でこの寄附は取り消されました。",
      siteBad: "同じ場所の公開記録は検証できなかったため、取消の有無は確かめていません。",
      siteOlder: "公開記録は台帳 {n} 件の時点のもので、この証明書より古いため、取消の有無は確かめていません。",
      siteConflict: "公開記録の記録番号 {seq} は、この証明書の記録と違います。",
      certTitle: "寄附金受領証明書",
      inputTitle: "証明書を確かめる",
      inputText: "証明書の QR コードを読み取ると、このページが開いて自動で確かめます。証明書のファイル（PDF またはテキスト）をここに置くか、選んでも確かめられます。",
      choose: "証明書のファイルを選ぶ",
      howTitle: "このページの確かめ方",
      howText: "証明書には、寄附の記録そのもの、その記録が基金の台帳に含まれることの証明（Merkle 包含証明）、基金の鍵で署名されたチェックポイントが入っています。このページは、ブラウザの中だけで（SHA-256 と Ed25519 で）それらを確かめ、証明書の内容を表示します。証明書の内容はどこにも送られません（URL の # 以降はサーバーに送られません）。同じ場所に公開記録（entries.js）があれば、その寄附が後で取り消されていないかも確かめます。",
      fReceiptNo: "受領番号", fDonor: "寄附者", fAddress: "住所", fAmount: "寄附金額", fDate: "寄附日",
      fPurpose: "寄附の使いみち", fMethod: "寄附の方法", fFund: "基金", fRecord: "台帳の記録",
      noName: "（氏名の記載なし）",
      amount: function (v) { return "金 " + KF.group(v) + "円"; },
      record: "記録番号 {seq}（台帳 {size} 件の時点で {signer} が署名）",
      statement: "上記の金額を寄附金として受領したことが、{fund}の台帳に記録されています。",
      methods: { cash: "現金", transfer: "振込", card: "クレジットカード", slip: "払込票" },
      kinds: { "box.collect": "募金箱" },
      notReceipt: "証明書として読めません：{why}",
      noFragment: "PDF の中に、このページへのリンク（verify.html#…）が見つかりません。",
      sigBad: "チェックポイントに基金の鍵による正しい署名がありません。",
      sizeBad: "証明の大きさ {size} がチェックポイントの {cp} と違います。",
      proofBad: "記録番号 {seq} の包含証明が、署名されたルートにつながりません。",
      genesisBad: "台帳の最初の記録が、チェックポイントや基金の名前と合いません。",
      claimBad: "証明書の「{what}」（{shown}）が台帳の記録（{want}）と違います。",
      kindBad: "記録番号 {seq} は寄附の記録ではありません（{kind}）。",
      donorBad: "寄附者の氏名・住所が、台帳の記録（その確認用の値）と一致しません。",
      headerBad: "証明書の見出し部分の {line} 行目が、記録の内容と違います。"
    },
    en: {
      skip: "Skip to content",
      waiting: "Choose a donation receipt.",
      checking: "Checking…",
      ok: "✓ Valid receipt: this gift is in the fund's ledger.",
      fail: "✗ This receipt does not check.",
      voided: "✗ This gift was voided after the receipt was issued.",
      notVoided: "Checked against the published entries ({n}) too: the gift was not voided.",
      voidedBy: "The gift was voided by seq {seq} ({date}).",
      siteBad: "The published entries next to this page do not verify, so voids were not checked.",
      siteOlder: "The published entries ({n}) are older than this receipt, so voids were not checked.",
      siteConflict: "The published entry at seq {seq} differs from the receipt's.",
      certTitle: "Donation receipt",
      inputTitle: "Check a receipt",
      inputText: "Scanning the receipt's QR code opens this page and checks it. You can also drop or choose the receipt's file (PDF or text) here.",
      choose: "Choose the receipt's file",
      howTitle: "How this page checks",
      howText: "A receipt holds the gift's ledger entry, a proof that the entry is in the fund's ledger (a Merkle inclusion proof), and a checkpoint signed with the fund's key. This page checks them in your browser alone (SHA-256 and Ed25519) and shows what the receipt says. Nothing is sent anywhere (the part of a URL after # never reaches a server). When the published entries (entries.js) are next to this page, it also checks that the gift was not voided later.",
      fReceiptNo: "Receipt no.", fDonor: "Donor", fAddress: "Address", fAmount: "Amount", fDate: "Date",
      fPurpose: "Designation", fMethod: "Method", fFund: "Fund", fRecord: "Ledger entry",
      noName: "(no name given)",
      amount: function (v) { return "¥" + KF.group(v); },
      record: "seq {seq} (in a tree of {size} entries signed by {signer})",
      statement: "The receipt of this amount as a donation is recorded in the ledger of {fund}.",
      methods: { cash: "cash", transfer: "bank transfer", card: "card", slip: "payment slip" },
      kinds: { "box.collect": "donation box" },
      notReceipt: "Not a readable receipt: {why}",
      noFragment: "The PDF holds no link to this page (verify.html#…).",
      sigBad: "The checkpoint carries no valid signature by the fund's keys.",
      sizeBad: "The proofs' size {size} is not the checkpoint's {cp}.",
      proofBad: "The inclusion proof of seq {seq} does not lead to the signed root.",
      genesisBad: "The ledger's first entry does not match the checkpoint or the fund's name.",
      claimBad: "The receipt's \"{what}\" ({shown}) differs from the ledger entry ({want}).",
      kindBad: "seq {seq} is not a donation ({kind}).",
      donorBad: "The donor's name and address do not match the commitment in the ledger entry.",
      headerBad: "Line {line} of the receipt's readable header does not match its record."
    }
  };
  var T = TEXT[KF.lang] || TEXT.ja;
  var fmt = KF.fmt, str = KF.str, int = KF.int;

  /* --- the receipt's format: the only place that knows it ----------------- */
  /* { header, rec, checkpoint, size, items: [{ role, seq, bytes, path }],
   *   claims: {...} } from the receipt file's bytes; throws if malformed. */
  function parseReceipt(bytes) {
    var text = KF.dec.decode(bytes), cut = text.indexOf("\n\n");
    if (cut < 0) throw new Error("no blank line after the header");
    var rec = KF.parseRecord(KF.enc.encode(text.slice(cut + 2)), "kifu.receipt.v1");
    if (rec.kind !== "receipt") throw new Error("kind " + rec.kind);
    ["checkpoint", "date", "designation", "entry", "fund", "genesis", "genesis_path", "path", "receipt_no"].forEach(function (k) {
      if (str(rec, k) === undefined) throw new Error("no " + k);
    });
    ["amount", "size"].forEach(function (k) { if (int(rec, k) === undefined) throw new Error("no " + k); });
    function path(s) {
      return s === "" ? [] : s.split(",").map(function (h) {
        if (!/^[0-9a-f]{64}$/.test(h)) throw new Error("bad proof hash");
        return KF.unhex(h);
      });
    }
    return {
      header: text.slice(0, cut + 1),
      rec: rec,
      checkpoint: str(rec, "checkpoint"),
      size: Number(int(rec, "size")),
      items: [
        { role: "genesis", seq: 1, bytes: KF.b64dec(str(rec, "genesis")), path: path(str(rec, "genesis_path")) },
        { role: "gift", seq: rec.seq, bytes: KF.b64dec(str(rec, "entry")), path: path(str(rec, "path")) }
      ],
      claims: {
        seq: rec.seq, amount: int(rec, "amount"), date: str(rec, "date"), designation: str(rec, "designation"),
        method: str(rec, "method"), receiptNo: str(rec, "receipt_no"), fund: str(rec, "fund"),
        salt: str(rec, "salt"), donorName: str(rec, "donor_name"), donorAddress: str(rec, "donor_address")
      }
    };
  }

  /* The readable header as FORMAT.md "Receipts" renders it from the record. */
  function renderHeader(rec) {
    function esc(s) { return s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r"); }
    var L = ["寄附金受領証明書 / Donation receipt", "基金 / Fund: " + esc(str(rec, "fund")), "受領番号 / Receipt no.: " + esc(str(rec, "receipt_no"))];
    if (str(rec, "donor_name")) L.push("寄附者 / Donor: " + esc(str(rec, "donor_name")));
    if (str(rec, "donor_address")) L.push("住所 / Address: " + esc(str(rec, "donor_address")));
    L.push("金額 / Amount: " + KF.group(int(rec, "amount")) + " 円 (yen)");
    L.push("寄附日 / Date: " + esc(str(rec, "date")));
    var label = str(rec, "designation_label");
    L.push("指定 / Designation: " + esc(str(rec, "designation")) + (label !== undefined ? " (" + esc(label) + ")" : ""));
    if (str(rec, "method") !== undefined) L.push("方法 / Method: " + esc(str(rec, "method")));
    if (str(rec, "issued") !== undefined) L.push("発行 / Issued: " + esc(str(rec, "issued")));
    L.push("検証 / Verify: kifu verify-receipt FILE --origin-key VKEY");
    return L.join("\n") + "\n";
  }

  async function commitment(saltHex, name, address) {
    var h = await KF.sha256(KF.concat(KF.enc.encode("kifu.personal.v1\n"), KF.unhex(saltHex), KF.enc.encode(name), [0], KF.enc.encode(address)));
    return KF.hex(h);
  }

  /* Checks every item against the checkpoint and the claims against the
   * entries. Returns { problems, note, signer, gift, giftLeaf }. */
  async function verifyReceipt(r, keys) {
    var problems = [], note = KF.parseNote(r.checkpoint), signer = await KF.noteSigner(note, keys);
    if (!signer) problems.push(T.sigBad);
    if (r.size !== note.size) problems.push(fmt(T.sizeBad, { size: r.size, cp: note.size }));
    var out = { problems: problems, note: note, signer: signer };
    for (var i = 0; i < r.items.length; i++) {
      var it = r.items[i];
      it.e = KF.parseRecord(it.bytes, "kifu.entry.v1");
      it.leaf = await KF.leafHash(it.bytes);
      if (it.e.seq !== it.seq || !(await KF.verifyInclusion(it.seq - 1, note.size, it.leaf, it.path, note.root)))
        problems.push(fmt(T.proofBad, { seq: it.seq }));
      if (it.role === "gift") { out.gift = it.e; out.giftLeaf = it.leaf; }
      if (it.role === "genesis" && (it.e.kind !== "genesis" || str(it.e, "origin") !== note.origin || str(it.e, "fund") !== r.claims.fund))
        problems.push(T.genesisBad);
    }
    var e = out.gift, c = r.claims;
    if (e.kind !== "donation" && e.kind !== "box.collect") problems.push(fmt(T.kindBad, { seq: e.seq, kind: e.kind }));
    function same(what, shown, want) {
      if (shown !== want) problems.push(fmt(T.claimBad, { what: what, shown: shown === undefined ? "—" : shown, want: want === undefined ? "—" : want }));
    }
    same(T.fAmount, String(c.amount), String(int(e, "amount")));
    same(T.fDate, c.date, str(e, "date"));
    same(T.fPurpose, c.designation, str(e, "to"));
    same(T.fMethod, c.method, str(e, "method"));
    var fy = int(e, "fy"), no = fy === undefined ? undefined : fy + "-" + String(e.seq).padStart(6, "0");
    same(T.fReceiptNo, c.receiptNo, no);
    if (c.salt !== undefined || c.donorName !== undefined || c.donorAddress !== undefined) {
      if (c.salt === undefined || c.donorName === undefined || c.donorAddress === undefined || !/^[0-9a-f]{32}$/.test(c.salt) ||
          (await commitment(c.salt, c.donorName, c.donorAddress)) !== str(e, "donor"))
        problems.push(T.donorBad);
    }
    var want = renderHeader(r.rec).split("\n"), got = r.header.split("\n");
    for (var l = 0; l < Math.max(want.length, got.length); l++) {
      if (want[l] !== got[l]) { problems.push(fmt(T.headerBad, { line: l + 1 })); break; }
    }
    return out;
  }

  /* --- what the page shows ------------------------------------------------ */
  function wareki(date) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || "");
    if (!m || KF.lang === "en") return date;
    var y = +m[1], mo = +m[2], d = +m[3], eras = [[2019, 5, 1, "令和"], [1989, 1, 8, "平成"], [1926, 12, 25, "昭和"], [1912, 7, 30, "大正"], [1868, 1, 1, "明治"]];
    for (var i = 0; i < eras.length; i++) {
      var e = eras[i];
      if (y > e[0] || (y === e[0] && (mo > e[1] || (mo === e[1] && d >= e[2])))) {
        var ey = y - e[0] + 1;
        return e[3] + (ey === 1 ? "元" : ey) + "年" + mo + "月" + d + "日";
      }
    }
    return date;
  }

  function showCert(r, res) {
    var c = r.claims, e = res.gift, dl = document.getElementById("cert-fields");
    dl.textContent = "";
    function row(label, value, cls) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = label;
      dd.textContent = value;
      if (cls) dd.className = cls;
      dl.appendChild(dt);
      dl.appendChild(dd);
    }
    var pools = (window.KIFU_PAGE && KIFU_PAGE.pools) || {};
    row(T.fReceiptNo, c.receiptNo);
    row(T.fDonor, c.donorName ? c.donorName : T.noName);
    if (c.donorAddress) row(T.fAddress, c.donorAddress);
    row(T.fAmount, T.amount(int(e, "amount")), "amount");
    row(T.fDate, wareki(str(e, "date")));
    row(T.fPurpose, pools[str(e, "to")] || str(e, "to"));
    var method = str(e, "method");
    if (method) row(T.fMethod, (T.methods[method] || method) + (T.kinds[e.kind] ? "（" + T.kinds[e.kind] + "）" : ""));
    row(T.fFund, c.fund);
    row(T.fRecord, fmt(T.record, { seq: e.seq, size: res.note.size, signer: res.signer ? res.signer.name : "?" }));
    document.getElementById("cert-statement").textContent = fmt(T.statement, { fund: c.fund });
    document.getElementById("cert").hidden = false;
  }

  function verdict(state, head, details, reason) {
    var v = document.getElementById("verdict");
    if (state === "pending") {
      v.setAttribute("data-verdict", "pending");
      v.textContent = head;
      return;
    }
    KF.showVerdict(state === "ok", head, details);
    if (reason) v.setAttribute("data-reason", reason); else v.removeAttribute("data-reason");
  }

  /* With the site's entries beside the page: was the gift voided later? */
  async function voidCheck(res, keys) {
    if (!window.KIFU_DATA) return { state: "none" };
    var site;
    try { site = await KF.loadSite(window.KIFU_DATA, keys); } catch (err) { return { state: "unknown", note: T.siteBad }; }
    if (site.problems.length) return { state: "unknown", note: T.siteBad };
    var seq = res.gift.seq;
    if (site.entries.length < seq) return { state: "unknown", note: fmt(T.siteOlder, { n: site.entries.length }) };
    if (!KF.equal(site.leaves[seq - 1], res.giftLeaf)) return { state: "conflict", note: fmt(T.siteConflict, { seq: seq }) };
    for (var i = 0; i < site.entries.length; i++) {
      var e = site.entries[i].e;
      if (e && e.kind === "donation.void" && int(e, "void") === BigInt(seq))
        return { state: "voided", note: fmt(T.voidedBy, { seq: e.seq, date: wareki(str(e, "date")) }) };
    }
    return { state: "clear", note: fmt(T.notVoided, { n: site.entries.length }) };
  }

  async function check(bytes) {
    document.getElementById("cert").hidden = true;
    verdict("pending", T.checking, []);
    try {
      if (!KF.cryptoReady()) throw new Error("WebCrypto (SHA-256, Ed25519) is not available here");
      var r;
      try { r = parseReceipt(bytes); } catch (err) { return verdict("fail", T.fail, [fmt(T.notReceipt, { why: err.message })]); }
      var keys = await KF.pageKeys(), res;
      try { res = await verifyReceipt(r, keys); } catch (err) { return verdict("fail", T.fail, [fmt(T.notReceipt, { why: err.message })]); }
      if (res.problems.length) return verdict("fail", T.fail, res.problems);
      showCert(r, res);
      var v = await voidCheck(res, keys);
      document.getElementById("verdict").setAttribute("data-void", v.state);
      if (v.state === "voided") return verdict("fail", T.voided, [v.note], "voided");
      if (v.state === "conflict") return verdict("fail", T.fail, [v.note], "conflict");
      verdict("ok", T.ok, v.note ? [v.note] : []);
      document.getElementById("verdict").setAttribute("data-void", v.state);
    } catch (err) {
      verdict("fail", T.fail, [err.message]);
    }
  }

  /* A PDF receipt: its link to this page, verify.html#<base64url>. */
  function fromPdf(bytes) {
    var latin = "";
    for (var i = 0; i < bytes.length; i += 8192) latin += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
    var m = /verify\.html#([A-Za-z0-9_-]{40,})/.exec(latin);
    if (!m) throw new Error(T.noFragment);
    return KF.b64urlDec(m[1]);
  }

  function fromFile(file) {
    var reader = new FileReader();
    reader.onload = function () {
      var bytes = new Uint8Array(reader.result);
      if (bytes.length > 4 && String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]) === "%PDF") {
        try { bytes = fromPdf(bytes); } catch (err) { return verdict("fail", T.fail, [err.message]); }
      }
      check(bytes);
    };
    reader.readAsArrayBuffer(file);
  }

  function fromFragment() {
    var frag = location.hash.replace(/^#/, "");
    if (!frag) return;
    var bytes;
    try { bytes = KF.b64urlDec(frag); } catch (err) { return verdict("fail", T.fail, [fmt(T.notReceipt, { why: err.message })]); }
    check(bytes);
  }

  if (KF.lang !== "ja") {
    document.querySelectorAll("[data-t]").forEach(function (el) {
      var t = T[el.getAttribute("data-t")];
      if (typeof t === "string") el.textContent = t;
    });
  }
  var drop = document.getElementById("drop"), input = document.getElementById("file");
  input.addEventListener("change", function () { if (input.files[0]) fromFile(input.files[0]); });
  drop.addEventListener("dragover", function (ev) { ev.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
  drop.addEventListener("drop", function (ev) {
    ev.preventDefault();
    drop.classList.remove("over");
    if (ev.dataTransfer.files[0]) fromFile(ev.dataTransfer.files[0]);
  });
  window.addEventListener("hashchange", fromFragment);
  fromFragment();
})();
