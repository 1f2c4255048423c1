/*
 * kifu public site: the checks every page runs in the reader's browser
 * (README "The public site"; the bytes are docs/FORMAT.md). No third-party
 * code and no network: WebCrypto's SHA-256 and Ed25519 only.
 *
 * A page loads the published entries (entries.js, the text of entries.txt
 * and checkpoint.txt), then
 *   1. recomputes every leaf hash, SHA-256(0x00 || entry bytes), and the
 *      RFC 6962 Merkle root over them;
 *   2. checks that the checkpoint is signed (C2SP signed note, Ed25519) by
 *      one of the fund's keys built into the page, and names that root and
 *      the number of entries;
 *   3. re-derives every figure from the entries (money in per FY, source and
 *      designation; grants per application, group and menu; every pool's
 *      figures) and compares it with each element that carries a data-fig
 *      key, as printed;
 *   4. checks the auditors' cosignatures recorded in the entries;
 * and says plainly in #verdict (data-verdict="ok" or "fail") whether all of
 * it holds.
 */
"use strict";
var KF = (function () {
  var enc = new TextEncoder();
  var dec = new TextDecoder("utf-8", { fatal: true });
  var lang = (window.KIFU_PAGE && KIFU_PAGE.lang) || "ja";

  var TEXT = {
    ja: {
      ok: "✓ 確認できました：このページの数字は、公開された記録から計算し直した数字とすべて一致しています。",
      okDetail: "記録 {n} 件は、基金の鍵（{signer}）で署名されたチェックポイントの Merkle ルートと一致しました。表の数字 {figs} 個を記録から計算し直し、表示と比べました。",
      fail: "✗ 一致しません：このページの内容は、公開された署名付きの記録と食い違っています。",
      nocrypto: "このブラウザでは暗号の検証機能（WebCrypto の SHA-256 と Ed25519）が使えないため、確認できません。新しいブラウザで、file:// か https:// で開いてください。",
      nodata: "公開された記録（entries.js）が見つかりません。ページと同じ場所に置いてください。",
      badData: "記録ファイルの形式が正しくありません：{why}",
      sizeMismatch: "記録の件数 {n} がチェックポイントの件数 {size} と違います。",
      noSig: "チェックポイントに基金の鍵による正しい署名がありません。",
      rootMismatch: "記録から計算した Merkle ルートが、署名されたルートと一致しません（記録が書き換えられています）。",
      originMismatch: "チェックポイントの名前（origin）が台帳の最初の記録と違います。",
      figMismatch: "「{label}」の表示 {shown} は、記録から計算した {want} と違います。",
      cosigOk: "✓ 一致",
      cosigBad: "✗ 不一致",
      cosigFail: "監査人の連署（記録番号 {seq}）を確認できません：{why}",
      yen: function (v) { return group(v) + "円"; }
    },
    en: {
      ok: "✓ Verified: every figure on this page matches the figures recomputed from the published entries.",
      okDetail: "The {n} entries give the Merkle root of the checkpoint signed with the fund's key ({signer}). {figs} figures were recomputed from the entries and compared with the page.",
      fail: "✗ Does not match: this page disagrees with the published, signed entries.",
      nocrypto: "This browser lacks the cryptography needed (WebCrypto SHA-256 and Ed25519), so nothing could be checked. Open the page in a current browser, from file:// or https://.",
      nodata: "The published entries (entries.js) were not found next to this page.",
      badData: "The entries file is malformed: {why}",
      sizeMismatch: "There are {n} entries, but the checkpoint names {size}.",
      noSig: "The checkpoint carries no valid signature by the fund's keys.",
      rootMismatch: "The Merkle root computed from the entries is not the signed root (the entries were altered).",
      originMismatch: "The checkpoint's origin is not the one of the ledger's first entry.",
      figMismatch: "\"{label}\" shows {shown}, but the entries give {want}.",
      cosigOk: "✓ matches",
      cosigBad: "✗ does not match",
      cosigFail: "The auditor's cosignature at seq {seq} does not check: {why}",
      yen: function (v) { return "¥" + group(v); }
    }
  };
  var T = TEXT[lang] || TEXT.ja;
  function fmt(s, vars) {
    return s.replace(/\{(\w+)\}/g, function (_, k) { return vars[k] === undefined ? "" : String(vars[k]); });
  }
  function group(v) {
    var s = (v < 0n ? -v : v).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (v < 0n ? "-" : "") + s;
  }

  /* --- bytes ------------------------------------------------------------- */
  function concat() {
    var n = 0, i, parts = [];
    for (i = 0; i < arguments.length; i++) {
      var a = arguments[i];
      parts.push(a instanceof Uint8Array ? a : Uint8Array.from(a));
      n += parts[i].length;
    }
    var out = new Uint8Array(n), off = 0;
    parts.forEach(function (p) { out.set(p, off); off += p.length; });
    return out;
  }
  function hex(u8) {
    var s = "";
    for (var i = 0; i < u8.length; i++) s += (u8[i] < 16 ? "0" : "") + u8[i].toString(16);
    return s;
  }
  function unhex(s) {
    if (!/^([0-9a-f]{2})*$/.test(s)) throw new Error("not hex: " + s.slice(0, 20));
    var out = new Uint8Array(s.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
    return out;
  }
  /* Canonical standard base64 (RFC 4648 §4, padded), as FORMAT.md wants. */
  function b64dec(s) {
    if (!/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) throw new Error("not base64");
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    if (b64enc(out) !== s) throw new Error("not canonical base64");
    return out;
  }
  function b64enc(u8) {
    var bin = "";
    for (var i = 0; i < u8.length; i++) bin += String.fromCharCode(u8[i]);
    return btoa(bin);
  }
  function b64urlDec(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
    while (s.length % 4) s += "=";
    return b64dec(s);
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /* --- hashes and the Merkle tree (FORMAT.md §4, RFC 6962) --------------- */
  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }
  function leafHash(bytes) { return sha256(concat([0], bytes)); }
  function nodeHash(l, r) { return sha256(concat([1], l, r)); }
  /* MTH(D[lo:hi]) over leaf hashes. */
  async function mth(leaves, lo, hi) {
    var n = hi - lo;
    if (n === 0) return sha256(new Uint8Array(0));
    if (n === 1) return leaves[lo];
    var k = 1;
    while (k * 2 < n) k *= 2;
    return nodeHash(await mth(leaves, lo, lo + k), await mth(leaves, lo + k, hi));
  }
  /* RFC 9162 §2.1.3.2: does path prove leaf at index in a tree of size with root? */
  async function verifyInclusion(index, size, leaf, path, root) {
    if (index >= size) return false;
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < path.length; i++) {
      var p = path[i];
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && equal(r, root);
  }

  /* --- records: entries and receipts (FORMAT.md §2) ---------------------- */
  function unescape(s) {
    return s.replace(/\\(.?)/g, function (_, c) {
      if (c === "\\") return "\\";
      if (c === "n") return "\n";
      if (c === "r") return "\r";
      throw new Error("bad escape");
    });
  }
  /* { seq, kind, fields: { key: { t: "s"|"i", v } } }; throws if malformed. */
  function parseRecord(bytes, magic) {
    var text = dec.decode(bytes);
    if (text.slice(-1) !== "\n") throw new Error("a record ends in a newline");
    var lines = text.slice(0, -1).split("\n");
    if (lines.length < 3 || lines[0] !== magic) throw new Error("not a " + magic + " record");
    var m = /^seq#([1-9][0-9]{0,17})$/.exec(lines[1]);
    if (!m) throw new Error("bad seq line");
    if (lines[2].slice(0, 5) !== "kind=") throw new Error("bad kind line");
    var rec = { seq: Number(m[1]), kind: unescape(lines[2].slice(5)), fields: {} }, prev = "";
    for (var i = 3; i < lines.length; i++) {
      var line = lines[i], at = line.search(/[=#]/);
      if (at < 1) throw new Error("bad field line");
      var key = line.slice(0, at), val = line.slice(at + 1);
      if (!/^[a-z][a-z0-9_.]{0,63}$/.test(key) || key <= prev) throw new Error("bad or unsorted key " + key);
      prev = key;
      if (line[at] === "#") {
        if (!/^(0|-?[1-9][0-9]{0,18})$/.test(val)) throw new Error("bad integer in " + key);
        rec.fields[key] = { t: "i", v: BigInt(val) };
      } else {
        rec.fields[key] = { t: "s", v: unescape(val) };
      }
    }
    return rec;
  }
  function str(e, k) { var f = e.fields[k]; return f && f.t === "s" ? f.v : undefined; }
  function int(e, k) { var f = e.fields[k]; return f && f.t === "i" ? f.v : undefined; }

  /* --- notes and keys (FORMAT.md §5, §6; C2SP signed-note) --------------- */
  function parseNote(text) {
    if (text.slice(-1) !== "\n") throw new Error("a note ends in a newline");
    var cut = text.lastIndexOf("\n\n");
    if (cut < 0) throw new Error("a note has a blank line before its signatures");
    var body = text.slice(0, cut + 1), lines = body.slice(0, -1).split("\n");
    if (lines.length < 3 || !/^(0|[1-9][0-9]{0,15})$/.test(lines[1])) throw new Error("bad note header");
    var note = { origin: lines[0], size: Number(lines[1]), rootB64: lines[2], root: b64dec(lines[2]), body: body, sigs: [] };
    if (note.root.length !== 32) throw new Error("the root is not 32 bytes");
    text.slice(cut + 2, -1).split("\n").forEach(function (line) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) throw new Error("bad signature line");
      var raw;
      try { raw = b64dec(m[2]); } catch (e) { return; }
      if (raw.length !== 68) return;
      note.sigs.push({ name: m[1], id: ((raw[0] << 24) >>> 0) + (raw[1] << 16) + (raw[2] << 8) + raw[3], sig: raw.slice(4) });
    });
    return note;
  }
  async function keyId(name, pub) {
    var h = await sha256(concat(enc.encode(name), [0x0a, 0x01], pub));
    return ((h[0] << 24) >>> 0) + (h[1] << 16) + (h[2] << 8) + h[3];
  }
  /* <name>+<8 hex id>+<base64(0x01 || public key)> */
  async function parseVkey(vkey) {
    var m = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(vkey);
    if (!m) throw new Error("bad verifier key");
    var raw = b64dec(m[3]);
    if (raw.length !== 33 || raw[0] !== 1) throw new Error("not an Ed25519 verifier key");
    var k = { name: m[1], id: parseInt(m[2], 16), pub: raw.slice(1), vkey: vkey };
    if ((await keyId(k.name, k.pub)) !== k.id) throw new Error("the key id does not match the key");
    return k;
  }
  async function ed25519(pub, sig, msg) {
    var key = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, sig, msg);
  }
  /* The first of keys (parsed vkeys) that validly signed the note, or null. */
  async function noteSigner(note, keys) {
    var msg = enc.encode(note.body);
    for (var i = 0; i < keys.length; i++) {
      for (var j = 0; j < note.sigs.length; j++) {
        var s = note.sigs[j];
        if (s.name === keys[i].name && s.id === keys[i].id && (await ed25519(keys[i].pub, s.sig, msg))) return keys[i];
      }
    }
    return null;
  }
  async function pageKeys() {
    var out = [];
    for (var i = 0; i < ((window.KIFU_PAGE && KIFU_PAGE.keys) || []).length; i++) out.push(await parseVkey(KIFU_PAGE.keys[i]));
    return out;
  }

  /* --- the published entries (FORMAT.md "The public entries") ----------- */
  /* Reads KIFU_DATA and checks it against its checkpoint: problems go to
   * out.problems; a file that cannot be read at all throws. */
  async function loadSite(data, keys) {
    var lines = data.entries.split("\n"), problems = [], entries = [];
    if (lines[0] !== "kifu.entries.v1" || lines.pop() !== "") throw new Error(fmt(T.badData, { why: "kifu.entries.v1" }));
    for (var i = 1; i < lines.length; i++) {
      var m = /^([1-9][0-9]*) (e|h) (\S+)$/.exec(lines[i]);
      if (!m || Number(m[1]) !== i) throw new Error(fmt(T.badData, { why: "line " + (i + 1) }));
      var item = { seq: i };
      if (m[2] === "e") {
        item.bytes = b64dec(m[3]);
        try { item.e = parseRecord(item.bytes, "kifu.entry.v1"); } catch (err) {
          throw new Error(fmt(T.badData, { why: "seq " + i + ": " + err.message }));
        }
        if (item.e.seq !== i) throw new Error(fmt(T.badData, { why: "seq " + i }));
      } else {
        item.leaf = unhex(m[3]);
        if (item.leaf.length !== 32) throw new Error(fmt(T.badData, { why: "seq " + i }));
      }
      entries.push(item);
    }
    var hashes = await Promise.all(entries.map(function (it) { return it.leaf || leafHash(it.bytes); }));
    entries.forEach(function (it, k) { it.leaf = hashes[k]; });
    var note = parseNote(data.checkpoint);
    var signer = await noteSigner(note, keys);
    if (!signer) problems.push(T.noSig);
    if (note.size !== entries.length) problems.push(fmt(T.sizeMismatch, { n: entries.length, size: note.size }));
    var root = await mth(hashes, 0, hashes.length);
    if (!equal(root, note.root)) problems.push(T.rootMismatch);
    var genesis = entries[0] && entries[0].e;
    if (!genesis || genesis.kind !== "genesis" || str(genesis, "origin") !== note.origin) problems.push(T.originMismatch);
    return { entries: entries, leaves: hashes, note: note, signer: signer, problems: problems };
  }

  /* --- the figures (docs/ENTRIES.md "Pools and figures") ----------------- */
  var SOURCES = ["direct", "member", "partner", "box"];
  function sourceKind(source) {
    var k = (source || "direct").split(":")[0];
    return SOURCES.indexOf(k) >= 0 ? k : "direct";
  }
  /* Every figure the pages may print, by its data-fig key. */
  function deriveFigures(entries) {
    var F = new Map(), voided = new Set(), fys = new Set(), pools = new Map(), apps = new Map(), order = [];
    function add(k, v) { F.set(k, (F.get(k) || 0n) + v); }
    function move(pool, fy, what, v) {
      if (!pools.has(pool)) pools.set(pool, new Map());
      var p = pools.get(pool);
      if (!p.has(fy)) p.set(fy, { in: 0n, out: 0n, com: 0n });
      p.get(fy)[what] += v;
    }
    function commitment(a) {
      var limit = a.settled ? a.final : a.approved, c = limit - a.paid;
      return c > 0n ? c : 0n;
    }
    entries.forEach(function (it) {
      if (it.e && it.e.kind === "donation.void" && int(it.e, "void") !== undefined) voided.add(Number(int(it.e, "void")));
    });
    entries.forEach(function (it) {
      var e = it.e;
      if (!e) return;
      var fy = int(e, "fy"), k = e.kind, a;
      if (fy !== undefined) fys.add(fy);
      if (k === "donation" || k === "box.collect") {
        move(str(e, "credit_pool"), fy, "in", int(e, "credit") || 0n);
        move("general", fy, "in", int(e, "credit_general") || 0n);
        if (!voided.has(it.seq)) {
          var amount = int(e, "amount") || 0n, src = sourceKind(str(e, "source")), to = str(e, "to") || "general";
          add("src|" + fy + "|" + src + "|count", 1n);
          add("src|" + fy + "|" + src + "|amount", amount);
          add("src|" + fy + "|total|count", 1n);
          add("src|" + fy + "|total|amount", amount);
          add("des|" + fy + "|" + to + "|count", 1n);
          add("des|" + fy + "|" + to + "|amount", amount);
        }
      } else if (k === "donation.void") {
        move(str(e, "credit_pool"), fy, "out", int(e, "credit") || 0n);
        move("general", fy, "out", int(e, "credit_general") || 0n);
      } else if (k === "fund.interest") {
        move(str(e, "pool"), fy, "in", int(e, "amount") || 0n);
      } else if (k === "group.deregister") {
        move("group:" + str(e, "id"), fy, "out", int(e, "moved") || 0n);
        move(str(e, "to"), fy, "in", int(e, "moved") || 0n);
      } else if (k === "grant.apply") {
        apps.set(str(e, "id"), { id: str(e, "id"), fy: fy, group: str(e, "group"), menu: str(e, "menu"), approved: 0n, paid: 0n, final: 0n, settled: false, refunded: 0n, status: "open" });
        order.push(str(e, "id"));
      } else if ((a = apps.get(str(e, "app")))) {
        var c = commitment(a);
        if (k === "grant.decide" && str(e, "decision") === "approve") {
          a.status = "approved";
          a.approved = int(e, "amount");
          a.pool = str(e, "pool");
          move(a.pool, fy, "com", a.approved);
        } else if (k === "grant.decide") {
          a.status = "rejected";
        } else if (k === "grant.pay") {
          a.paid += int(e, "amount");
          move(a.pool, fy, "out", int(e, "amount"));
          move(a.pool, fy, "com", commitment(a) - c);
        } else if (k === "grant.settle") {
          a.settled = true;
          a.final = int(e, "final");
          move(a.pool, fy, "com", commitment(a) - c);
        } else if (k === "grant.refund") {
          a.refunded += int(e, "amount");
          move(a.pool, fy, "in", int(e, "amount"));
        }
      }
    });
    /* pools, FY by FY: opening = in − out of the FYs before; committed as at the FY's end */
    fys.forEach(function (y) {
      var tot = { opening: 0n, in: 0n, out: 0n, closing: 0n, committed: 0n, available: 0n };
      pools.forEach(function (byFy, pool) {
        var f = { opening: 0n, in: 0n, out: 0n, closing: 0n, committed: 0n, available: 0n };
        byFy.forEach(function (m, fy) {
          if (fy < y) f.opening += m.in - m.out;
          if (fy === y) { f.in += m.in; f.out += m.out; }
          if (fy <= y) f.committed += m.com;
        });
        f.closing = f.opening + f.in - f.out;
        f.available = f.closing - f.committed;
        Object.keys(f).forEach(function (w) { F.set("pool|" + y + "|" + pool + "|" + w, f[w]); tot[w] += f[w]; });
      });
      Object.keys(tot).forEach(function (w) { F.set("pool|" + y + "|total|" + w, tot[w]); });
    });
    /* grants: approved applications, by the application's FY */
    order.forEach(function (id) {
      var a = apps.get(id);
      if (a.status !== "approved") return;
      F.set("app|" + id + "|approved", a.approved);
      F.set("app|" + id + "|paid", a.paid);
      F.set("app|" + id + "|final", a.settled ? a.final : null);
      F.set("app|" + id + "|refunded", a.refunded);
      ["grp|" + a.fy + "|" + a.group, "menu|" + a.fy + "|" + a.menu, "gtot|" + a.fy].forEach(function (p) {
        add(p + "|count", 1n);
        add(p + "|approved", a.approved);
        add(p + "|paid", a.paid);
        add(p + "|final", a.settled ? a.final : 0n);
        add(p + "|refunded", a.refunded);
      });
    });
    F.set("ledger|size", BigInt(entries.length));
    return F;
  }

  /* The number a cell shows: "12,345円" → 12345n, "¥-1,000" → -1000n, "—" → null. */
  function shownValue(text) {
    text = text.trim();
    if (text === "—" || text === "-") return null;
    var m = /^[^0-9-]*(-?)([0-9][0-9,]*)[^0-9]*$/.exec(text);
    if (!m) return undefined;
    return BigInt(m[1] + m[2].replace(/,/g, ""));
  }
  function labelOf(el) {
    var row = el.closest("tr"), head = row && row.querySelector("th");
    var table = el.closest("table"), cap = table && table.querySelector("caption");
    var col = "";
    if (row && table && el.cellIndex !== undefined) {
      var ths = table.querySelectorAll("thead th");
      if (ths[el.cellIndex]) col = ths[el.cellIndex].textContent;
    }
    return [cap && cap.textContent, head && head.textContent, col].filter(Boolean).join(" / ") || el.getAttribute("data-fig");
  }
  function compareFigures(F) {
    var problems = [], els = document.querySelectorAll("[data-fig]");
    els.forEach(function (el) {
      var key = el.getAttribute("data-fig"), shown = shownValue(el.textContent);
      var want = F.has(key) ? F.get(key) : (/^app\|.*\|final$/.test(key) ? null : 0n);
      if (shown !== want) {
        el.classList.add("mismatch");
        problems.push(fmt(T.figMismatch, { label: labelOf(el), shown: el.textContent.trim(), want: want === null ? "—" : T.yen(want) }));
      }
    });
    return { checked: els.length, problems: problems };
  }

  /* The auditors' cosignatures (FORMAT.md §6): the key from the key entries,
   * the root at the cosigned size from the leaves, the signature over
   * origin\nsize\nroot\n. */
  async function checkCosigs(site) {
    var keys = new Map(), problems = [];
    site.entries.forEach(function (it) {
      var e = it.e;
      if (e && (e.kind === "genesis" || e.kind === "key.add")) keys.set(str(e, "id"), { name: str(e, "name"), pub: str(e, "public"), role: str(e, "role") });
    });
    for (var i = 0; i < site.entries.length; i++) {
      var it = site.entries[i], e = it.e;
      if (!e || e.kind !== "checkpoint.cosign") continue;
      var why = null;
      try {
        var k = keys.get(str(e, "auditor")), size = Number(int(e, "size"));
        if (!k || k.role !== "auditor") throw new Error("no auditor key " + str(e, "auditor"));
        if (!(size >= 1 && size < it.seq)) throw new Error("size " + size);
        var root = await mth(site.leaves, 0, size);
        if (hex(root) !== str(e, "root")) throw new Error("root");
        var m = /^\u2014 (\S+) (\S+)$/.exec(str(e, "signature") || ""), raw = m && b64dec(m[2]);
        var pub = b64dec(k.pub);
        if (!m || m[1] !== k.name || raw.length !== 68) throw new Error("signature line");
        if (hex(raw.slice(0, 4)) !== str(e, "auditor") || (await keyId(k.name, pub)) !== parseInt(str(e, "auditor"), 16)) throw new Error("key id");
        var msg = enc.encode(site.note.origin + "\n" + size + "\n" + b64enc(root) + "\n");
        if (!(await ed25519(pub, raw.slice(4), msg))) throw new Error("Ed25519");
      } catch (err) { why = err.message; }
      var cell = document.querySelector('[data-cosig="' + it.seq + '"]');
      if (cell) { cell.textContent = why ? T.cosigBad : T.cosigOk; cell.setAttribute("data-ok", why ? "no" : "yes"); }
      if (why) problems.push(fmt(T.cosigFail, { seq: it.seq, why: why }));
    }
    return problems;
  }

  function showVerdict(ok, head, details) {
    var v = document.getElementById("verdict");
    v.setAttribute("data-verdict", ok ? "ok" : "fail");
    v.textContent = "";
    var p = document.createElement("p");
    p.className = "verdict-head";
    p.textContent = head;
    v.appendChild(p);
    if (details && details.length) {
      var ul = document.createElement("ul");
      details.slice(0, 20).forEach(function (d) { var li = document.createElement("li"); li.textContent = d; ul.appendChild(li); });
      if (details.length > 20) { var li = document.createElement("li"); li.textContent = "… (" + details.length + ")"; ul.appendChild(li); }
      v.appendChild(ul);
    }
  }

  function cryptoReady() {
    return !!(window.crypto && crypto.subtle && window.TextDecoder && window.BigInt);
  }

  async function checkSitePage() {
    try {
      if (!cryptoReady()) return showVerdict(false, T.fail, [T.nocrypto]);
      if (!window.KIFU_DATA) return showVerdict(false, T.fail, [T.nodata]);
      var site = await loadSite(window.KIFU_DATA, await pageKeys());
      var F = deriveFigures(site.entries);
      var cmp = compareFigures(F);
      var problems = site.problems.concat(cmp.problems, await checkCosigs(site));
      if (problems.length) return showVerdict(false, T.fail, problems);
      showVerdict(true, T.ok, [fmt(T.okDetail, { n: site.entries.length, signer: site.signer.name, figs: cmp.checked })]);
    } catch (err) {
      showVerdict(false, T.fail, [err.message]);
    }
  }

  return {
    lang: lang, fmt: fmt, group: group, concat: concat, hex: hex, unhex: unhex, b64dec: b64dec, b64enc: b64enc,
    b64urlDec: b64urlDec, equal: equal, sha256: sha256, leafHash: leafHash, mth: mth, verifyInclusion: verifyInclusion,
    parseRecord: parseRecord, str: str, int: int, parseNote: parseNote, noteSigner: noteSigner, pageKeys: pageKeys,
    loadSite: loadSite, showVerdict: showVerdict, cryptoReady: cryptoReady, checkSitePage: checkSitePage,
    enc: enc, dec: dec
  };
})();
if (window.KIFU_PAGE && KIFU_PAGE.page !== "verify") KF.checkSitePage();
