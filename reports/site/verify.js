/*
 * verify.html: a certificate (寄附金受領証明書, or a partner's 受領書)
 * checked in the browser, with no network (README "The public site"; the
 * receipt's bytes and the checks are docs/FORMAT.md "Receipts", the same
 * as kifu verify-receipt's, reports/receipt.c). Uses KF from site.js.
 *
 * The receipt comes from the URL fragment (verify.html#<compact form>, as
 * the QR code and `kifu receipt` write it: base64url of the zlib stream of
 * the record, or of a whole text receipt; a browser never sends the
 * fragment to a server), or from a file dropped on or chosen in the page: a
 * text receipt, a record alone, a QR code's text, or a PDF, whose Keywords
 * hold `kifu-receipt:` and the compact text receipt.
 *
 * readReceipt turns any of these into { header, record }; verifyRecord
 * runs the checks of FORMAT.md "Verifying" (steps 1-6) and returns what
 * the certificate states; the header, when there is one, must be its
 * rendering byte for byte (step 7). With the site's entries.js beside the
 * page, siteCheck says whether a gift was voided, or the certificate
 * reissued, after the receipt was made.
 */
(function () {
  var TEXT = {
    ja: {
      skip: "本文へ移動",
      waiting: "寄附金受領証明書を選んでください。",
      checking: "確かめています…",
      ok: "✓ 有効な証明書です：この証明書は基金の台帳に記録され、基金の鍵で署名されています。",
      fail: "✗ この証明書は確認できません。",
      voided: "✗ この証明書の寄附は、発行の後に取り消されています。",
      reissued: "✗ この証明書は、後に再発行された証明書に代わられています。",
      notVoided: "公開記録（{n} 件）でも確かめました：寄附は取り消されておらず、証明書は再発行されていません。",
      voidedBy: "記録番号 {gift} の寄附は、記録番号 {seq}（{date}）で取り消されました。",
      reissuedBy: "第 {number} 号（記録番号 {seq}、{date} 発行）がこの証明書に代わるものとして発行されています。",
      siteBad: "同じ場所の公開記録は検証できなかったため、取消・再発行の有無は確かめていません。",
      siteOlder: "公開記録は台帳 {n} 件の時点のもので、この証明書より古いため、取消・再発行の有無は確かめていません。",
      siteConflict: "公開記録は、この証明書の記録と違います（記録番号 {seq}）。",
      certTitle: "寄附金受領証明書",
      inputTitle: "証明書を確かめる",
      inputText: "証明書の QR コードを読み取ると、このページが開いて自動で確かめます。証明書のファイル（PDF またはテキスト）をここに置くか、選んでも確かめられます。",
      choose: "証明書のファイルを選ぶ",
      howTitle: "このページの確かめ方",
      howText: "証明書には、発行の記録（receipt.issue）とその寄附の記録、それらが基金の台帳に含まれることの証明（Merkle 包含証明）、基金の鍵で署名されたチェックポイント、寄附者の氏名・住所を確かめる値が入っています。このページは、ブラウザの中だけで（SHA-256 と Ed25519 で）それらを確かめ、証明書の内容を表示します。証明書の内容はどこにも送られません（URL の # 以降はサーバーに送られません）。同じ場所に公開記録（entries.js）があれば、寄附が後で取り消されていないか、証明書が再発行されていないかも確かめます。",
      fNumber: "番号", fReissue: "再発行", fDate: "発行日", fDonor: "寄附者", fAddress: "住所", fAmount: "金額",
      fYear: "対象", fGift: "寄附日", fPurpose: "寄附の使途", fFund: "基金", fIssuer: "発行者", fPhone: "電話",
      fRecord: "台帳の記録",
      number: function (n) { return "第 " + n + " 号"; },
      reissueOf: function (n) { return "第 " + n + " 号に代わるもの"; },
      donor: function (name, company) { return name + (company ? " 御中" : " 様"); },
      amount: function (v) { return "金 " + KF.group(v) + "円"; },
      year: function (y, n) { return wareki(y + "-01-01") + "から" + wareki(y + "-12-31") + "までの寄附（" + n + " 件）"; },
      gift: "{date} {amount}（記録番号 {seq}）",
      giftSeen: "寄附の記録と照合済み",
      giftUnseen: "寄附の記録はこの証明書に含まれていません（発行の記録が金額と日付を証明しています）",
      record: "記録番号 {seq}（台帳 {size} 件の時点で {signer} が署名）",
      statement: "上記の金額を寄附金として受領しました。",
      notReceipt: "証明書として読めません：{why}",
      noMark: "PDF の中に証明書のデータ（kifu-receipt:）が見つかりません。",
      sigBad: "チェックポイントに基金の鍵による正しい署名がありません（書き換えられたか、別の鍵で署名されています）。",
      proofBad: "記録番号 {seq} の包含証明が、署名されたルート（台帳 {size} 件）につながりません：記録か証明が書き換えられています。",
      issueBad: "記録番号 {seq} は証明書の発行記録（receipt.issue）ではありません（{kind}）。",
      issueLacks: "証明書の発行記録に {what} がありません。",
      donorBad: "寄附者の氏名・住所が、証明書の記録（その確認用の値）と一致しません。",
      giftBad: "記録番号 {seq} の寄附の記録が、証明書の記載（{what}）と合いません。",
      giftOther: "記録番号 {seq} は、この証明書の寄附ではありません。",
      headerBad: "証明書の見出し部分の {line} 行目「{got}」が、記録の内容「{want}」と違います。"
    },
    en: {
      skip: "Skip to content",
      waiting: "Choose a donation receipt.",
      checking: "Checking…",
      ok: "✓ Valid certificate: it is recorded in the fund's ledger and signed with the fund's key.",
      fail: "✗ This certificate does not check.",
      voided: "✗ A gift of this certificate was voided after it was issued.",
      reissued: "✗ This certificate was replaced by a later reissue.",
      notVoided: "Checked against the published entries ({n}) too: no gift was voided and the certificate was not reissued.",
      voidedBy: "The gift at seq {gift} was voided by seq {seq} ({date}).",
      reissuedBy: "No. {number} (seq {seq}, issued {date}) was issued in its place.",
      siteBad: "The published entries next to this page do not verify, so voids and reissues were not checked.",
      siteOlder: "The published entries ({n}) are older than this certificate, so voids and reissues were not checked.",
      siteConflict: "The published entries differ from this certificate's (seq {seq}).",
      certTitle: "Donation certificate",
      inputTitle: "Check a certificate",
      inputText: "Scanning the certificate's QR code opens this page and checks it. You can also drop or choose the certificate's file (PDF or text) here.",
      choose: "Choose the certificate's file",
      howTitle: "How this page checks",
      howText: "A certificate holds its issue entry (receipt.issue) and its gifts' entries, proofs that they are in the fund's ledger (Merkle inclusion proofs), a checkpoint signed with the fund's key, and the opening of the donor's name and address. This page checks them in your browser alone (SHA-256 and Ed25519) and shows what the certificate says. Nothing is sent anywhere (the part of a URL after # never reaches a server). When the published entries (entries.js) are next to this page, it also checks that no gift was voided and the certificate was not reissued later.",
      fNumber: "No.", fReissue: "Reissue", fDate: "Issued", fDonor: "Donor", fAddress: "Address", fAmount: "Amount",
      fYear: "Covers", fGift: "Gift", fPurpose: "Designation", fFund: "Fund", fIssuer: "Issuer", fPhone: "Telephone",
      fRecord: "Ledger entry",
      number: function (n) { return "No. " + n; },
      reissueOf: function (n) { return "replaces No. " + n; },
      donor: function (name, company) { return name; },
      amount: function (v) { return "¥" + KF.group(v); },
      year: function (y, n) { return "the gifts of calendar year " + y + " (" + n + ")"; },
      gift: "{date} {amount} (seq {seq})",
      giftSeen: "checked against the gift's entry",
      giftUnseen: "the gift's entry is not in this certificate (the issue entry proves its date and amount)",
      record: "seq {seq} (in a tree of {size} entries signed by {signer})",
      statement: "上記の金額を寄附金として受領しました。 (The amount above was received as a donation.)",
      notReceipt: "Not a readable certificate: {why}",
      noMark: "The PDF holds no certificate data (kifu-receipt:).",
      sigBad: "The checkpoint carries no valid signature by the fund's keys (altered, or signed by another key).",
      proofBad: "The inclusion proof of seq {seq} does not lead to the signed root (size {size}): the entry or the proof was altered.",
      issueBad: "seq {seq} is not a certificate's issue entry (receipt.issue) but {kind}.",
      issueLacks: "The certificate's issue entry lacks {what}.",
      donorBad: "The donor's name and address do not match the certificate's donor commitment.",
      giftBad: "The entry of the gift at seq {seq} does not match the certificate's {what}.",
      giftOther: "seq {seq} is not one of this certificate's gifts.",
      headerBad: "Line {line} of the readable header, \"{got}\", does not match the record's \"{want}\"."
    }
  };
  var T = TEXT[KF.lang] || TEXT.ja;
  var fmt = KF.fmt, str = KF.str, int = KF.int;
  var MAGIC = "kifu.receipt.v2", MAX = 1 << 20, GIFTS_MAX = 400, PROOF_MAX = 64;

  function malformed(why) { var e = new Error(why); e.malformed = true; return e; }

  /* --- the forms of a receipt (FORMAT.md "The files") ------------------- */
  var B64URL = /^[A-Za-z0-9_-]+$/;
  function b64url(s) {
    if (!B64URL.test(s) || s.length % 4 === 1) throw malformed("the compact receipt is not base64url");
    var bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  /* The compact form: base64url, then the zlib stream inflated (at most 1 MiB). */
  async function uncompact(s) {
    var z = b64url(s), parts = [], n = 0;
    if (!window.DecompressionStream) throw new Error("DecompressionStream is not available in this browser");
    var reader = new Blob([z]).stream().pipeThrough(new DecompressionStream("deflate")).getReader();
    try {
      for (;;) {
        var r = await reader.read();
        if (r.done) break;
        n += r.value.length;
        if (n > MAX) { reader.cancel(); throw malformed("the compact receipt inflates beyond 1 MiB"); }
        parts.push(r.value);
      }
    } catch (err) {
      if (err.malformed) throw err;
      throw malformed("the compact receipt is not zlib data (cut short?)");
    }
    return KF.concat.apply(null, parts);
  }
  function startsWith(bytes, s) {
    if (bytes.length < s.length) return false;
    for (var i = 0; i < s.length; i++) if (bytes[i] !== s.charCodeAt(i)) return false;
    return true;
  }
  /* The PDF's compact text receipt: after "kifu-receipt:" (its Keywords,
   * written uncompressed), up to a character that is not base64url. */
  function fromPdf(bytes) {
    var latin = "";
    for (var i = 0; i < bytes.length; i += 8192) latin += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
    var m = /kifu-receipt:([A-Za-z0-9_-]*)/.exec(latin);
    if (!m) throw malformed(T.noMark);
    return m[1];
  }
  /* { form, header (bytes as text, or null), record (bytes) } from a file's
   * bytes or a fragment's text, as kifu verify-receipt recognises them. */
  async function readReceipt(bytes) {
    if (bytes.length > MAX) throw malformed("too large for a receipt");
    if (startsWith(bytes, "%PDF-")) {
      var inner = await readReceipt(await uncompact(fromPdf(bytes)));
      inner.form = "pdf";
      return inner;
    }
    if (bytes.indexOf(0) >= 0) throw malformed("not a text file (NUL byte)");
    if (startsWith(bytes, MAGIC + "\n")) return { form: "record", header: null, record: bytes };
    for (var i = 0; i + 1 < bytes.length; i++) {
      if (bytes[i] === 10 && bytes[i + 1] === 10) {
        var text;
        try { text = KF.dec.decode(bytes.subarray(0, i + 1)); } catch (err) { throw malformed("the header is not UTF-8"); }
        return { form: "text", header: text, record: bytes.subarray(i + 2) };
      }
    }
    /* one token: a QR code's text (QR-Code:<url>), a URL, or the compact form */
    var tok;
    try { tok = KF.dec.decode(bytes).trim(); } catch (err) { throw malformed("not UTF-8 text"); }
    if (tok.slice(0, 8) === "QR-Code:") tok = tok.slice(8);
    tok = tok.slice(tok.lastIndexOf("#") + 1);
    var rec = await uncompact(tok);
    if (startsWith(rec, MAGIC + "\n")) return { form: "compact", header: null, record: rec };
    /* the PDF's embedded copy in a fragment: a whole text receipt */
    var r = await readReceipt(rec);
    if (r.form !== "text") throw malformed("the compact receipt holds no " + MAGIC + " record");
    return r;
  }

  /* --- the checks (FORMAT.md "Verifying", steps 1-6) ---------------------- */
  function keyedSeq(key, prefix) {
    if (key.slice(0, prefix.length) !== prefix) return 0;
    var d = key.slice(prefix.length);
    return /^[1-9][0-9]{0,17}$/.test(d) ? Number(d) : 0;
  }
  function parsePath(s) {
    if (s === "") return [];
    var hs = s.split(",");
    if (hs.length > PROOF_MAX) throw malformed("a proof of more than " + PROOF_MAX + " hashes");
    return hs.map(function (h) {
      if (!/^[0-9a-f]{64}$/.test(h)) throw malformed("a proof hash is not 64 lowercase hex digits");
      return KF.unhex(h);
    });
  }
  /* "<seq>:<date>:<amount>,…", seqs ascending (donations/receipts.c). */
  function parseGifts(s) {
    var out = [];
    if (!s) return null;
    var parts = s.split(",");
    for (var i = 0; i < parts.length; i++) {
      var m = /^([1-9][0-9]{0,17}):(\d{4}-\d{2}-\d{2}):([1-9][0-9]{0,18})$/.exec(parts[i]);
      if (!m || out.length === GIFTS_MAX || (out.length && Number(m[1]) <= out[out.length - 1].seq)) return null;
      out.push({ seq: Number(m[1]), date: m[2], amount: BigInt(m[3]) });
    }
    return out;
  }
  async function commitment(saltHex, name, address) {
    var h = await KF.sha256(KF.concat(KF.enc.encode("kifu.personal.v1\n"), KF.unhex(saltHex), KF.enc.encode(name), [0], KF.enc.encode(address)));
    return KF.hex(h);
  }
  var NEED = ["date", "designation", "donor", "fund_name", "gifts", "issuer_address", "issuer_name", "issuer_phone",
              "issuer_title", "source", "tax_note", "title", "url"];

  /* Checks a record: malformed input throws (err.malformed); a receipt that
   * fails a check returns { problem }; else { cert } (what it states). */
  async function verifyRecord(bytes, keys) {
    var rec;
    try { rec = KF.parseRecord(bytes, MAGIC); } catch (err) { throw malformed("not a " + MAGIC + " record: " + err.message); }
    /* 1. well-formed */
    if (rec.kind !== "receipt") throw malformed("the record is not kind=receipt");
    var entries = [], nentries = 0;
    Object.keys(rec.fields).forEach(function (k) {
      var es = keyedSeq(k, "entry."), ps = keyedSeq(k, "path.");
      if (!es && !ps && ["checkpoint", "donor_name", "donor_address", "salt"].indexOf(k) < 0) throw malformed("unknown field '" + k + "'");
      if (rec.fields[k].t !== "s") throw malformed("field '" + k + "' must be a string");
      var other = (es ? "path." : "entry.") + (es || ps);
      if ((es || ps) && str(rec, other) === undefined) throw malformed("field '" + k + "' has no '" + other + "'");
      if (es) {
        if (++nentries > GIFTS_MAX + 1) throw malformed("too many entries");
        entries.push(es);
      }
    });
    var cp = str(rec, "checkpoint"), name = str(rec, "donor_name"), addr = str(rec, "donor_address"), salt = str(rec, "salt");
    if ([cp, name, addr, salt].indexOf(undefined) >= 0) throw malformed("checkpoint, donor_name, donor_address and salt are required");
    if (!/^[0-9a-f]{32}$/.test(salt)) throw malformed("salt is not 32 lowercase hex digits");
    var note;
    try { note = KF.parseNote(cp); } catch (err) { throw malformed("checkpoint: " + err.message); }
    if (entries.indexOf(rec.seq) < 0) throw malformed("the record holds no entry." + rec.seq + " (its receipt.issue)");
    var items = [];
    for (var i = 0; i < entries.length; i++) {
      var n = entries[i], eb = KF.enc.encode(str(rec, "entry." + n)), e;
      try { e = KF.parseRecord(eb, "kifu.entry.v1"); } catch (err) { throw malformed("entry." + n + " is not a kifu entry: " + err.message); }
      if (e.seq !== n) throw malformed("entry." + n + " holds the entry of seq " + e.seq);
      items.push({ seq: n, bytes: eb, e: e, path: parsePath(str(rec, "path." + n)) });
    }
    /* the receipt.issue first, then the gifts */
    items.sort(function (a, b) { return (a.seq === rec.seq ? 0 : 1) - (b.seq === rec.seq ? 0 : 1) || a.seq - b.seq; });
    /* 2. the checkpoint is signed by one of the fund's keys */
    var signer = await KF.noteSigner(note, keys);
    if (!signer) return { problem: T.sigBad };
    var cert = null;
    for (i = 0; i < items.length; i++) {
      var it = items[i];
      /* 3. each entry is in the tree the checkpoint signs */
      it.leaf = await KF.leafHash(it.bytes);
      if (it.seq > note.size || !(await KF.verifyInclusion(it.seq - 1, note.size, it.leaf, it.path, note.root)))
        return { problem: fmt(T.proofBad, { seq: it.seq, size: note.size }) };
      e = it.e;
      if (it.seq === rec.seq) {
        /* 4. what the certificate states */
        if (e.kind !== "receipt.issue") return { problem: fmt(T.issueBad, { seq: e.seq, kind: e.kind }) };
        for (var k = 0; k < NEED.length; k++) if (str(e, NEED[k]) === undefined) return { problem: fmt(T.issueLacks, { what: NEED[k] }) };
        if (int(e, "amount") === undefined || int(e, "fy") === undefined || int(e, "number") === undefined)
          return { problem: fmt(T.issueLacks, { what: "amount, fy, number" }) };
        var gifts = parseGifts(str(e, "gifts"));
        if (!gifts) return { problem: fmt(T.issueLacks, { what: "gifts" }) };
        cert = {
          seq: e.seq, leaf: it.leaf, title: str(e, "title"), fy: int(e, "fy"),
          number: int(e, "fy") + "-" + String(int(e, "number")).padStart(6, "0"),
          reissueOf: str(e, "reissue_of") || "", date: str(e, "date"), amount: int(e, "amount"),
          year: int(e, "year") === undefined ? 0 : Number(int(e, "year")), designation: str(e, "designation"),
          source: str(e, "source"), fund: str(e, "fund_name"), issuerName: str(e, "issuer_name"),
          issuerTitle: str(e, "issuer_title"), issuerAddress: str(e, "issuer_address"), issuerPhone: str(e, "issuer_phone"),
          taxNote: str(e, "tax_note"), url: str(e, "url"), gifts: gifts, donorName: name, donorAddress: addr,
          note: note, signer: signer, leaves: {}
        };
        cert.company = cert.source.slice(0, 8) === "partner:";
        /* 5. the donor: the opening of the certificate's commitment */
        if ((await commitment(salt, name, addr)) !== str(e, "donor")) return { problem: T.donorBad };
      } else {
        /* 6. every other entry is one of the gifts, and agrees */
        var g = cert.gifts.filter(function (x) { return x.seq === it.seq; })[0];
        if (!g) return { problem: fmt(T.giftOther, { seq: it.seq }) };
        if (e.kind !== "donation") return { problem: fmt(T.giftBad, { seq: it.seq, what: e.kind }) };
        if (int(e, "amount") !== g.amount) return { problem: fmt(T.giftBad, { seq: it.seq, what: T.fAmount }) };
        if (str(e, "date") !== g.date) return { problem: fmt(T.giftBad, { seq: it.seq, what: T.fGift }) };
        if (str(e, "source") !== cert.source) return { problem: fmt(T.giftBad, { seq: it.seq, what: "source" }) };
        g.proven = true;
      }
      cert.leaves[it.seq] = it.leaf;
    }
    return { cert: cert };
  }

  /* --- the readable header (FORMAT.md "The files"), as reports/receipt.c -- */
  /* rc_wareki: 令和 from 2019-05-01, 平成 from 1989-01-08, else the year. */
  function headerWareki(date) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
    if (!m) return date;
    var y = +m[1], mo = +m[2], d = +m[3], era = null, ey = 0;
    if (date >= "2019-05-01") { era = "令和"; ey = y - 2018; } else if (date >= "1989-01-08") { era = "平成"; ey = y - 1988; }
    if (!era) return y + "年" + mo + "月" + d + "日";
    return era + (ey === 1 ? "元" : ey) + "年" + mo + "月" + d + "日";
  }
  function yen(v) { return "金 " + KF.group(v) + "円"; }
  function renderHeader(c) {
    function esc(s) { return s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r"); }
    function date(label, d) { return label + headerWareki(d) + " (" + d + ")"; }
    var L = [esc(c.title), "第 " + c.number + " 号"];
    if (c.reissueOf) L.push("再発行（第 " + c.reissueOf + " 号に代わるもの）");
    L.push(date("発行日: ", c.date));
    L.push("寄附者: " + esc(c.donorName) + (c.company ? " 御中" : " 様"));
    L.push("住所: " + esc(c.donorAddress));
    L.push("金額: " + yen(c.amount));
    if (c.year)
      L.push("対象: " + headerWareki(c.year + "-01-01") + "から" + headerWareki(c.year + "-12-31") + "までの寄附 (" + c.year + "), " + c.gifts.length + " 件");
    c.gifts.forEach(function (g) { L.push(date("寄附日: ", g.date) + " " + yen(g.amount) + " (seq " + g.seq + ")"); });
    L.push("寄附の使途: " + esc(c.designation), "上記の金額を寄附金として受領しました。", esc(c.taxNote), "基金: " + esc(c.fund),
           "発行者: " + esc(c.issuerAddress), "\u3000\u3000\u3000\u3000" + esc(c.issuerTitle) + "\u3000" + esc(c.issuerName),
           "電話: " + esc(c.issuerPhone), "検証: " + esc(c.url), "検証 (kifu): kifu verify-receipt FILE --origin-key VKEY");
    return L.join("\n") + "\n";
  }
  /* step 7: the first line that differs, or null */
  function headerProblem(got, c) {
    var want = renderHeader(c).split("\n"), have = got.split("\n");
    for (var l = 0; l < Math.max(want.length, have.length); l++)
      if (want[l] !== have[l]) return fmt(T.headerBad, { line: l + 1, got: (have[l] || "").slice(0, 200), want: (want[l] || "").slice(0, 200) });
    return null;
  }

  /* --- what the page shows ------------------------------------------------ */
  /* The era date of reports/labels.c kx_wareki (ISO in English). */
  function wareki(date) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || "");
    if (!m || KF.lang === "en") return date;
    var y = +m[1], mo = +m[2], d = +m[3], era = "明治", first = 1868;
    var eras = [[2019, 5, 1, "令和"], [1989, 1, 8, "平成"], [1926, 12, 25, "昭和"], [1912, 7, 30, "大正"]];
    for (var i = 0; i < eras.length; i++) {
      var e = eras[i];
      if (y > e[0] || (y === e[0] && (mo > e[1] || (mo === e[1] && d >= e[2])))) { era = e[3]; first = e[0]; break; }
    }
    var n = y - first + 1;
    return era + (n === 1 ? "元" : n) + "年" + mo + "月" + d + "日";
  }

  function showCert(c) {
    var dl = document.getElementById("cert-fields");
    dl.textContent = "";
    function row(label, value, cls) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = label;
      dd.textContent = value;
      if (cls) dd.className = cls;
      dl.appendChild(dt);
      dl.appendChild(dd);
      return dd;
    }
    document.getElementById("cert-title").textContent = c.title;
    row(T.fNumber, T.number(c.number), "number");
    if (c.reissueOf) row(T.fReissue, T.reissueOf(c.reissueOf), "reissue");
    row(T.fDate, wareki(c.date));
    row(T.fDonor, T.donor(c.donorName, c.company), "donor");
    if (c.donorAddress) row(T.fAddress, c.donorAddress);
    row(T.fAmount, T.amount(c.amount), "amount");
    if (c.year) row(T.fYear, T.year(c.year, c.gifts.length));
    c.gifts.forEach(function (g) {
      var dd = row(T.fGift, fmt(T.gift, { date: wareki(g.date), amount: T.amount(g.amount), seq: g.seq }), "gift");
      dd.setAttribute("data-seq", g.seq);
      dd.setAttribute("data-entry", g.proven ? "yes" : "no");
      dd.title = g.proven ? T.giftSeen : T.giftUnseen;
    });
    row(T.fPurpose, c.designation);
    row(T.fFund, c.fund);
    row(T.fIssuer, c.issuerAddress + " " + c.issuerTitle + "\u3000" + c.issuerName);
    row(T.fPhone, c.issuerPhone);
    row(T.fRecord, fmt(T.record, { seq: c.seq, size: c.note.size, signer: c.signer.name }));
    document.getElementById("cert-statement").textContent = T.statement;
    document.getElementById("cert-note").textContent = c.taxNote;
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

  /* With the site's entries beside the page: the same ledger, and was a
   * gift voided or the certificate reissued after the receipt was made? */
  async function siteCheck(c, keys) {
    if (!window.KIFU_DATA) return { state: "none" };
    var site;
    try { site = await KF.loadSite(window.KIFU_DATA, keys); } catch (err) { return { state: "unknown", note: T.siteBad }; }
    if (site.problems.length) return { state: "unknown", note: T.siteBad };
    var n = site.entries.length;
    if (n < c.seq) return { state: "unknown", note: fmt(T.siteOlder, { n: n }) };
    /* the site's tree at the receipt's size has the receipt's root (when
     * the site is as new), and every entry of the receipt is the site's */
    if (n >= c.note.size && !KF.equal(await KF.mth(site.leaves, 0, c.note.size), c.note.root))
      return { state: "conflict", note: fmt(T.siteConflict, { seq: c.note.size }) };
    for (var s in c.leaves) {
      if (!KF.equal(site.leaves[s - 1], c.leaves[s])) return { state: "conflict", note: fmt(T.siteConflict, { seq: s }) };
    }
    var gifts = {};
    c.gifts.forEach(function (g) { gifts[g.seq] = true; });
    for (var i = c.seq; i < n; i++) {
      var e = site.entries[i].e;
      if (!e) continue;
      if (e.kind === "donation.void" && gifts[Number(int(e, "void"))])
        return { state: "voided", note: fmt(T.voidedBy, { gift: int(e, "void"), seq: e.seq, date: wareki(str(e, "date")) }) };
      if (e.kind === "receipt.issue" && str(e, "reissue_of") === c.number)
        return {
          state: "reissued",
          note: fmt(T.reissuedBy, { number: int(e, "fy") + "-" + String(int(e, "number")).padStart(6, "0"), seq: e.seq, date: wareki(str(e, "date")) })
        };
    }
    return { state: "clear", note: fmt(T.notVoided, { n: n }) };
  }

  async function check(input) {
    document.getElementById("cert").hidden = true;
    verdict("pending", T.checking, []);
    var v = document.getElementById("verdict");
    try {
      if (!KF.cryptoReady()) throw new Error("WebCrypto (SHA-256, Ed25519) is not available here");
      var keys = await KF.pageKeys(), r, res;
      try {
        r = await input();
        res = await verifyRecord(r.record, keys);
      } catch (err) {
        if (!err.malformed) throw err;
        return verdict("fail", T.fail, [fmt(T.notReceipt, { why: err.message })], "malformed");
      }
      v.setAttribute("data-form", r.form);
      if (res.problem) return verdict("fail", T.fail, [res.problem], "proof");
      var c = res.cert, hp = r.header !== null ? headerProblem(r.header, c) : null;
      if (hp) return verdict("fail", T.fail, [hp], "header");
      showCert(c);
      var s = await siteCheck(c, keys);
      if (s.state === "voided") verdict("fail", T.voided, [s.note], "voided");
      else if (s.state === "reissued") verdict("fail", T.reissued, [s.note], "reissued");
      else if (s.state === "conflict") verdict("fail", T.fail, [s.note], "conflict");
      else verdict("ok", T.ok, s.note ? [s.note] : []);
      v.setAttribute("data-void", s.state);
    } catch (err) {
      verdict("fail", T.fail, [err.message]);
    }
  }

  /* A file dropped or chosen, or bytes given by a script (kifuVerifyBytes). */
  function fromBytes(bytes) { return check(function () { return readReceipt(bytes); }); }
  function fromFile(file) {
    var reader = new FileReader();
    reader.onload = function () { fromBytes(new Uint8Array(reader.result)); };
    reader.readAsArrayBuffer(file);
  }
  function fromFragment() {
    var frag = location.hash.replace(/^#/, "");
    if (!frag) return;
    check(async function () {
      var rec = await uncompact(frag);
      if (startsWith(rec, MAGIC + "\n")) return { form: "fragment", header: null, record: rec };
      var r = await readReceipt(rec);
      if (r.form !== "text") throw malformed("the fragment holds no " + MAGIC + " record");
      r.form = "fragment";
      return r;
    });
  }
  window.kifuVerifyBytes = fromBytes;

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
