/*
 * Certificates as files (docs/FORMAT.md "Receipts"): kf_receipt_make writes
 * the proof of a `receipt.issue` entry, kf_receipt_verify checks one with
 * no database, from a text receipt, a PDF, or the compact form a QR code
 * carries.
 *
 * The record (entry encoding, magic kifu.receipt.v2, seq = the
 * receipt.issue's seq, kind=receipt) holds entries, each as its canonical
 * bytes with an RFC 9162 inclusion proof, a checkpoint signed by the fund,
 * and the opening (name, address, salt) of the certificate's donor
 * commitment. Every printed field comes from the receipt.issue entry (the
 * gifts' own entries, when present, must agree with it), so checking is
 * SHA-256 and Ed25519 alone. The readable header is a rendering of what was
 * checked: the verifier re-renders it and compares bytes.
 */
#include "labels.h"
#include "receipt_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

/* --- dates and yen -------------------------------------------------------- */

void rc_wareki(const char *date, char *out, size_t outsz)
{
    int y, m, d;
    if (!kf_parse_date(date, &y, &m, &d)) {
        snprintf(out, outsz, "%s", date);
        return;
    }
    const char *era = NULL;
    int ey = 0;
    if (strcmp(date, "2019-05-01") >= 0) {
        era = "令和";
        ey = y - 2018;
    } else if (strcmp(date, "1989-01-08") >= 0) {
        era = "平成";
        ey = y - 1988;
    }
    if (!era)
        snprintf(out, outsz, "%d年%d月%d日", y, m, d);
    else if (ey == 1)
        snprintf(out, outsz, "%s元年%d月%d日", era, m, d);
    else
        snprintf(out, outsz, "%s%d年%d月%d日", era, ey, m, d);
}

void rc_yen(kf_yen v, char *out, size_t outsz)
{
    char yen[48];
    kx_yen_text(KF_STATEMENT_JA, v, yen, sizeof yen);
    snprintf(out, outsz, "金 %s", yen);
}

/* --- the compact form (QR codes, the PDF's embedded copy) ----------------- */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

kf_code kf_receipt_compact(const char *data, size_t len, kf_buf *out, kf_err *err)
{
    uLongf zlen = compressBound((uLong)len);
    uint8_t *z = malloc(zlen);
    if (!z) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (compress2(z, &zlen, (const Bytef *)data, (uLong)len, 9) != Z_OK) {
        free(z);
        return kf_fail(err, KF_SYSTEM, "cannot compress the receipt");
    }
    bool ok = true;
    for (size_t i = 0; i < zlen && ok; i += 3) {
        uint32_t v = (uint32_t)z[i] << 16 | (i + 1 < zlen ? (uint32_t)z[i + 1] << 8 : 0) |
                     (i + 2 < zlen ? z[i + 2] : 0);
        char q[4] = {b64url[v >> 18], b64url[(v >> 12) & 63], b64url[(v >> 6) & 63],
                     b64url[v & 63]};
        ok = kf_buf_put(out, q, i + 2 < zlen ? 4 : i + 1 < zlen ? 3 : 2);
    }
    free(z);
    return ok ? KF_OK : kf_fail(err, KF_SYSTEM, "out of memory");
}

/* Decodes base64url (no padding) and inflates, at most KF_RECEIPT_MAX bytes. */
static kf_code uncompact(const char *s, size_t len, kf_buf *out, kf_err *err)
{
    uint8_t *z = malloc(len / 4 * 3 + 3);
    size_t zn = 0;
    uint32_t acc = 0;
    int bits = 0;
    kf_code rc = KF_OK;
    if (!z) return kf_fail(err, KF_SYSTEM, "out of memory");
    for (size_t i = 0; i < len; i++) {
        const char *p = memchr(b64url, s[i], 64);
        if (!p || !s[i]) {
            free(z);
            return kf_fail(err, KF_BAD_INPUT, "the compact receipt is not base64url");
        }
        acc = acc << 6 | (uint32_t)(p - b64url);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            z[zn++] = (uint8_t)(acc >> bits);
        }
    }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK) {
        free(z);
        return kf_fail(err, KF_SYSTEM, "cannot inflate");
    }
    zs.next_in = z;
    zs.avail_in = (uInt)zn;
    int zr = Z_OK;
    while (zr == Z_OK) {
        uint8_t chunk[16384];
        zs.next_out = chunk;
        zs.avail_out = sizeof chunk;
        zr = inflate(&zs, Z_NO_FLUSH);
        size_t got = sizeof chunk - zs.avail_out;
        if ((zr == Z_OK || zr == Z_STREAM_END) && out->len + got > KF_RECEIPT_MAX) {
            rc = kf_fail(err, KF_BAD_INPUT, "the compact receipt inflates beyond 1 MiB");
            break;
        }
        if ((zr == Z_OK || zr == Z_STREAM_END) && !kf_buf_put(out, chunk, got)) {
            rc = kf_fail(err, KF_SYSTEM, "out of memory");
            break;
        }
        if (zr == Z_OK && got == 0 && zs.avail_in == 0) zr = Z_DATA_ERROR;
    }
    if (!rc && zr != Z_STREAM_END)
        rc = kf_fail(err, KF_BAD_INPUT, "the compact receipt is not zlib data (cut short?)");
    if (!rc && zs.avail_in)
        rc = kf_fail(err, KF_BAD_INPUT, "the compact receipt has bytes after its zlib stream");
    inflateEnd(&zs);
    free(z);
    return rc;
}

/* --- the readable header -------------------------------------------------- */

/* A value kept on one line: the record's escaping (\\, \n, \r). */
static bool put_escaped(kf_buf *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '\n' ? "\\n" : *p == '\r' ? "\\r" : NULL;
        if (!(esc ? kf_buf_puts(b, esc) : kf_buf_put(b, p, 1))) return false;
    }
    return true;
}

static bool put_line(kf_buf *b, const char *label, const char *value)
{
    return kf_buf_puts(b, label) && put_escaped(b, value) && kf_buf_puts(b, "\n");
}

static bool put_date(kf_buf *b, const char *label, const char *date)
{
    char w[64];
    rc_wareki(date, w, sizeof w);
    return kf_buf_puts(b, label) && kf_buf_puts(b, w) && kf_buf_printf(b, " (%s)\n", date);
}

/* The header is a function of the summary alone (FORMAT.md "Receipts"). */
static bool render_header(const kf_receipt_summary *s, kf_buf *b)
{
    char yen[64];
    rc_yen(s->amount, yen, sizeof yen);
    bool ok = put_line(b, "", s->title) && kf_buf_printf(b, "第 %s 号\n", s->number);
    if (ok && *s->reissue_of)
        ok = kf_buf_printf(b, "再発行（第 %s 号に代わるもの）\n", s->reissue_of);
    ok = ok && put_date(b, "発行日: ", s->date) &&
         kf_buf_puts(b, s->company ? "寄附者: " : "寄附者: ") && put_escaped(b, s->donor_name) &&
         kf_buf_puts(b, s->company ? " 御中\n" : " 様\n") &&
         put_line(b, "住所: ", s->donor_address) && kf_buf_printf(b, "金額: %s\n", yen);
    if (ok && s->year) {
        char first[11], last[11], wf[64], wl[64];
        kf_format_date(first, s->year, 1, 1);
        kf_format_date(last, s->year, 12, 31);
        rc_wareki(first, wf, sizeof wf);
        rc_wareki(last, wl, sizeof wl);
        ok =
            kf_buf_printf(b, "対象: %sから%sまでの寄附 (%d), %zu 件\n", wf, wl, s->year, s->ngifts);
    }
    for (size_t i = 0; ok && i < s->ngifts; i++) {
        char w[64], gy[64];
        rc_wareki(s->gifts[i].date, w, sizeof w);
        rc_yen(s->gifts[i].amount, gy, sizeof gy);
        ok = kf_buf_printf(b, "寄附日: %s (%s) %s (seq %lld)\n", w, s->gifts[i].date, gy,
                           (long long)s->gifts[i].seq);
    }
    ok = ok && put_line(b, "寄附の使途: ", s->designation) &&
         kf_buf_puts(b, "上記の金額を寄附金として受領しました。\n") &&
         put_line(b, "", s->tax_note) && put_line(b, "基金: ", s->fund_name) &&
         put_line(b, "発行者: ", s->issuer_address) && kf_buf_puts(b, "　　　　") &&
         put_escaped(b, s->issuer_title) && kf_buf_puts(b, "　") &&
         put_escaped(b, s->issuer_name) && kf_buf_puts(b, "\n") &&
         put_line(b, "電話: ", s->issuer_phone) && put_line(b, "検証: ", s->url) &&
         kf_buf_puts(b, "検証 (kifu): kifu verify-receipt FILE --origin-key VKEY\n");
    return ok;
}

/* --- making --------------------------------------------------------------- */

/* Sets `key` to the comma-separated hex of path. */
static kf_code set_path(kf_entry *rec, const char *key, const kf_hash *path, size_t n, kf_err *err)
{
    kf_buf b = {0};
    char hex[2 * KF_HASH_LEN + 1];
    for (size_t i = 0; i < n; i++) {
        kf_hex(path[i], KF_HASH_LEN, hex);
        if ((i && !kf_buf_puts(&b, ",")) || !kf_buf_puts(&b, hex)) break;
    }
    if (!kf_buf_puts(&b, "")) {
        kf_buf_free(&b);
        return kf_fail(err, KF_SYSTEM, "out of memory");
    }
    kf_code rc = kf_entry_set_str(rec, key, b.data, err);
    kf_buf_free(&b);
    return rc;
}

/* Adds entry.<seq> (its bytes, checked against the stored leaf) and
 * path.<seq> (its inclusion proof at size). */
static kf_code add_entry(kf_ledger *l, kf_entry *rec, int64_t seq, int64_t size, kf_err *err)
{
    kf_entry *e = NULL;
    kf_buf bytes = {0};
    kf_hash leaf, stored, path[KF_PROOF_MAX];
    size_t n;
    char key[40];
    kf_code rc;
    if ((rc = kf_ledger_entry(l, seq, &e, err)) || (rc = kf_entry_encode(e, &bytes, err)) ||
        (rc = kf_ledger_leaf(l, seq, stored, err)))
        goto out;
    kf_merkle_leaf(bytes.data, bytes.len, leaf);
    if (memcmp(leaf, stored, KF_HASH_LEN) != 0) {
        rc = kf_fail(err, KF_SYSTEM,
                     "seq %lld: stored leaf differs from its entry (run kifu verify)",
                     (long long)seq);
        goto out;
    }
    snprintf(key, sizeof key, "entry.%lld", (long long)seq);
    if ((rc = kf_entry_set_str(rec, key, bytes.data, err)) ||
        (rc = kf_ledger_prove_inclusion(l, seq, size, path, &n, err)))
        goto out;
    snprintf(key, sizeof key, "path.%lld", (long long)seq);
    rc = set_path(rec, key, path, n, err);
out:
    kf_entry_free(e);
    kf_buf_free(&bytes);
    return rc;
}

void kf_receipt_free(kf_receipt *r)
{
    if (!r) return;
    if (r->text.data) sodium_memzero(r->text.data, r->text.len);
    if (r->qr.data) sodium_memzero(r->qr.data, r->qr.len);
    if (r->embedded.data) sodium_memzero(r->embedded.data, r->embedded.len);
    kf_buf_free(&r->text);
    kf_buf_free(&r->qr);
    kf_buf_free(&r->embedded);
    if (r->sum) sodium_memzero(r->sum, sizeof *r->sum);
    free(r->sum);
    memset(r, 0, sizeof *r);
}

kf_code kf_receipt_make(kf_ledger *l, const kf_signer *signer, int64_t seq, kf_receipt *out,
                        kf_err *err)
{
    kf_buf cp = {0}, record = {0}, small = {0}, compact = {0};
    kf_note note = {0};
    kf_entry *issue = NULL, *rec = NULL, *minimal = NULL;
    kf_cert_gift *g = malloc(KF_CERT_GIFTS_MAX * sizeof *g);
    kf_personal p;
    size_t n;
    kf_code rc;
    memset(&p, 0, sizeof p);
    memset(out, 0, sizeof *out);
    if (!g || !(out->sum = calloc(1, sizeof *out->sum))) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    /* The checkpoint first; everything below is proved against its size. */
    if ((rc = kf_checkpoint(l, signer, &cp, err)) ||
        (rc = kf_note_parse(cp.data, cp.len, &note, err)))
        goto out;
    if (seq < 1 || seq > note.size) {
        rc = kf_fail(err, KF_BAD_INPUT, "no entry with seq %lld", (long long)seq);
        goto out;
    }
    if ((rc = kf_ledger_entry(l, seq, &issue, err))) goto out;
    const char *gifts = kf_entry_str(issue, "gifts");
    if (strcmp(issue->kind, "receipt.issue") != 0 || !gifts ||
        !kf_cert_gifts_parse(gifts, g, KF_CERT_GIFTS_MAX, &n)) {
        rc = kf_fail(err, KF_BAD_INPUT, "seq %lld is a %s, not a certificate (receipt.issue)",
                     (long long)seq, issue->kind);
        goto out;
    }
    if ((rc = kf_don_personal(l, seq, &p, err))) goto out;
    if (!p.present) {
        rc = kf_fail(err, KF_REFUSED,
                     "the donor's personal data of certificate seq %lld was erased; it can no "
                     "longer be written",
                     (long long)seq);
        goto out;
    }
    char salt[33];
    kf_hex(p.salt, 16, salt);
    if (!(rec = kf_entry_new("receipt")) || !(minimal = kf_entry_new("receipt"))) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    rec->magic = minimal->magic = KF_RECEIPT_MAGIC;
    rec->seq = minimal->seq = seq;
    kf_entry *both[2] = {rec, minimal};
    for (int i = 0; i < 2; i++)
        if ((rc = kf_entry_set_str(both[i], "checkpoint", note.text, err)) ||
            (rc = kf_entry_set_str(both[i], "donor_address", p.address, err)) ||
            (rc = kf_entry_set_str(both[i], "donor_name", p.name, err)) ||
            (rc = kf_entry_set_str(both[i], "salt", salt, err)) ||
            (rc = add_entry(l, both[i], seq, note.size, err)))
            goto out;
    for (size_t i = 0; i < n; i++)
        if ((rc = add_entry(l, rec, g[i].seq, note.size, err))) goto out;
    if ((rc = kf_entry_encode(rec, &record, err)) || (rc = kf_entry_encode(minimal, &small, err)))
        goto out;
    /* What it states, by the same check a donor runs. */
    char vkey[KF_VKEY_MAX];
    kf_key_vkey(signer->name, signer->pub, vkey);
    if ((rc = kf_receipt_verify(record.data, record.len, vkey, out->sum, err))) goto out;
    if (!render_header(out->sum, &out->text) || !kf_buf_puts(&out->text, "\n") ||
        !kf_buf_put(&out->text, record.data, record.len)) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    /* The QR code: the whole record when it fits, else the minimal one. */
    if ((rc = kf_receipt_compact(record.data, record.len, &compact, err))) goto out;
    out->qr_full = compact.len <= KF_RECEIPT_QR_MAX;
    if (!out->qr_full) {
        compact.len = 0;
        if ((rc = kf_receipt_compact(small.data, small.len, &compact, err))) goto out;
    }
    if (!kf_buf_puts(&out->qr, out->sum->url) || !kf_buf_puts(&out->qr, "#") ||
        !kf_buf_put(&out->qr, compact.data, compact.len)) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    /* The PDF's embedded copy: the text receipt, compact. */
    rc = kf_receipt_compact(out->text.data, out->text.len, &out->embedded, err);
out:
    if (rc) kf_receipt_free(out);
    sodium_memzero(&p, sizeof p);
    kf_entry_free(issue);
    kf_entry_free(rec);
    kf_entry_free(minimal);
    kf_note_free(&note);
    kf_buf_free(&cp);
    if (record.data) sodium_memzero(record.data, record.len);
    if (small.data) sodium_memzero(small.data, small.len);
    kf_buf_free(&record);
    kf_buf_free(&small);
    kf_buf_free(&compact);
    free(g);
    return rc;
}

/* --- verifying ------------------------------------------------------------ */

static bool lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

/* "h1,h2,..." (64 lowercase hex digits each) or "" for no hashes. */
static kf_code parse_path(const char *what, const char *s, kf_hash path[KF_PROOF_MAX], size_t *n,
                          kf_err *err)
{
    *n = 0;
    if (!*s) return KF_OK;
    for (const char *p = s;; p += 2 * KF_HASH_LEN + 1) {
        char hex[2 * KF_HASH_LEN + 1];
        size_t len = strcspn(p, ",");
        if (len != 2 * KF_HASH_LEN || !lower_hex(p, len) || *n == KF_PROOF_MAX)
            return kf_fail(err, KF_BAD_INPUT,
                           "%s is not a list of comma-separated 64-digit lowercase hex hashes",
                           what);
        memcpy(hex, p, len);
        hex[len] = '\0';
        kf_unhex(hex, path[(*n)++], KF_HASH_LEN);
        if (!p[len]) return KF_OK;
        if (!p[len + 1]) return kf_fail(err, KF_BAD_INPUT, "%s ends with a comma", what);
    }
}

/* Names the first differing line of the header (1-based). */
static kf_code header_mismatch(const char *got, size_t got_len, const kf_buf *want, kf_err *err)
{
    const char *a = got, *b = want->data, *ae = got + got_len, *be = want->data + want->len;
    for (int line = 1;; line++) {
        const char *an = memchr(a, '\n', (size_t)(ae - a)), *bn = memchr(b, '\n', (size_t)(be - b));
        size_t al = an ? (size_t)(an - a) : (size_t)(ae - a);
        size_t bl = bn ? (size_t)(bn - b) : (size_t)(be - b);
        if (al != bl || memcmp(a, b, al) != 0 || !an || !bn)
            return kf_fail(err, KF_REFUSED,
                           "readable header line %d does not match the receipt record: it says "
                           "'%.*s', the record gives '%.*s'",
                           line, (int)(al > 200 ? 200 : al), a, (int)(bl > 200 ? 200 : bl), b);
        a = an + 1;
        b = bn + 1;
    }
}

/* "entry.<seq>" / "path.<seq>" with a canonical seq >= 1: its seq, else 0. */
static int64_t keyed_seq(const char *key, const char *prefix)
{
    size_t n = strlen(prefix);
    int64_t seq;
    const char *d = key + n;
    if (strncmp(key, prefix, n) != 0 || !*d || *d == '0' || strspn(d, "0123456789") != strlen(d) ||
        !kf_parse_i64(d, &seq))
        return 0;
    return seq;
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* The summary's fields from the receipt.issue entry (already proven). */
static kf_code read_issue(const kf_entry *e, kf_receipt_summary *s, kf_err *err)
{
    static const char *need[] = {"date",         "designation",    "donor",       "fund_name",
                                 "gifts",        "issuer_address", "issuer_name", "issuer_phone",
                                 "issuer_title", "source",         "tax_note",    "title",
                                 "url"};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!kf_entry_str(e, need[i]))
            return kf_fail(err, KF_REFUSED, "the receipt.issue entry lacks %s", need[i]);
    int64_t fy, number, year = 0;
    if (!kf_entry_int(e, "amount", &s->amount) || !kf_entry_int(e, "fy", &fy) ||
        !kf_entry_int(e, "number", &number))
        return kf_fail(err, KF_REFUSED, "the receipt.issue entry lacks amount, fy or number");
    kf_entry_int(e, "year", &year);
    s->year = (int)year;
    kf_cert_number(fy, number, s->number);
    copy(s->reissue_of, sizeof s->reissue_of, kf_entry_str(e, "reissue_of"));
    copy(s->title, sizeof s->title, kf_entry_str(e, "title"));
    copy(s->date, sizeof s->date, kf_entry_str(e, "date"));
    copy(s->designation, sizeof s->designation, kf_entry_str(e, "designation"));
    copy(s->source, sizeof s->source, kf_entry_str(e, "source"));
    copy(s->fund_name, sizeof s->fund_name, kf_entry_str(e, "fund_name"));
    copy(s->issuer_name, sizeof s->issuer_name, kf_entry_str(e, "issuer_name"));
    copy(s->issuer_title, sizeof s->issuer_title, kf_entry_str(e, "issuer_title"));
    copy(s->issuer_address, sizeof s->issuer_address, kf_entry_str(e, "issuer_address"));
    copy(s->issuer_phone, sizeof s->issuer_phone, kf_entry_str(e, "issuer_phone"));
    copy(s->tax_note, sizeof s->tax_note, kf_entry_str(e, "tax_note"));
    copy(s->url, sizeof s->url, kf_entry_str(e, "url"));
    s->company = strncmp(s->source, "partner:", 8) == 0;
    if (!kf_cert_gifts_parse(kf_entry_str(e, "gifts"), s->gifts, KF_CERT_GIFTS_MAX, &s->ngifts))
        return kf_fail(err, KF_REFUSED, "the receipt.issue entry's gifts are malformed");
    return KF_OK;
}

/* Checks a gift's entry against what the certificate states about it. */
static kf_code check_gift(const kf_receipt_summary *s, const kf_entry *e, kf_err *err)
{
    for (size_t i = 0; i < s->ngifts; i++) {
        if (s->gifts[i].seq != e->seq) continue;
        int64_t amount;
        const char *date = kf_entry_str(e, "date"), *source = kf_entry_str(e, "source");
        if (strcmp(e->kind, "donation") != 0)
            return kf_fail(err, KF_REFUSED, "entry %lld is a %s, not a donation", (long long)e->seq,
                           e->kind);
        if (!kf_entry_int(e, "amount", &amount) || amount != s->gifts[i].amount)
            return kf_fail(err, KF_REFUSED,
                           "the certificate states %lld yen for seq %lld, its entry %lld",
                           (long long)s->gifts[i].amount, (long long)e->seq, (long long)amount);
        if (!date || strcmp(date, s->gifts[i].date) != 0)
            return kf_fail(err, KF_REFUSED, "the certificate dates seq %lld %s, its entry %s",
                           (long long)e->seq, s->gifts[i].date, date ? date : "(none)");
        if (!source || strcmp(source, s->source) != 0)
            return kf_fail(err, KF_REFUSED, "seq %lld is from %s, not %s", (long long)e->seq,
                           source ? source : "(none)", s->source);
        return KF_OK;
    }
    return kf_fail(err, KF_REFUSED, "entry %lld is not one of the certificate's gifts",
                   (long long)e->seq);
}

/* Checks a record (FORMAT.md "Receipts", steps 1-7). */
static kf_code verify_record(const char *data, size_t len, const char *kname,
                             const uint8_t kpub[32], kf_receipt_summary *s, kf_err *err)
{
    kf_entry *rec = NULL, *e = NULL;
    kf_note note = {0};
    kf_err sub = {0};
    kf_hash path[KF_PROOF_MAX], leaf;
    size_t n;
    kf_code rc = kf_entry_decode(data, len, KF_RECEIPT_MAGIC, &rec, &sub);
    if (rc == KF_SYSTEM) return kf_fail(err, KF_SYSTEM, "%s", sub.msg);
    if (rc)
        return kf_fail(err, KF_BAD_INPUT, "not a kifu receipt record (%s): %s", KF_RECEIPT_MAGIC,
                       sub.msg);
    const char *cp = kf_entry_str(rec, "checkpoint"), *name = kf_entry_str(rec, "donor_name");
    const char *addr = kf_entry_str(rec, "donor_address"), *salt_hex = kf_entry_str(rec, "salt");
    uint8_t salt[16];
    if (strcmp(rec->kind, "receipt") != 0 || rec->seq < 1) {
        rc = kf_fail(err, KF_BAD_INPUT, "record is not kind=receipt with a seq of 1 or more");
        goto out;
    }
    /* 1. Only the fields of the format, each of its type; entries with paths. */
    size_t nentries = 0;
    for (size_t i = 0; i < rec->nfields; i++) {
        const kf_field *f = &rec->fields[i];
        int64_t eseq = keyed_seq(f->key, "entry."), pseq = keyed_seq(f->key, "path.");
        bool known = eseq || pseq || !strcmp(f->key, "checkpoint") ||
                     !strcmp(f->key, "donor_name") || !strcmp(f->key, "donor_address") ||
                     !strcmp(f->key, "salt");
        if (!known) {
            rc = kf_fail(err, KF_BAD_INPUT, "unknown field '%s'", f->key);
            goto out;
        }
        if (f->type != KF_FIELD_STR) {
            rc = kf_fail(err, KF_BAD_INPUT, "field '%s' must be a string (key=text)", f->key);
            goto out;
        }
        char other[40];
        snprintf(other, sizeof other, "%s.%lld", eseq ? "path" : "entry",
                 (long long)(eseq ? eseq : pseq));
        if ((eseq || pseq) && !kf_entry_str(rec, other)) {
            rc = kf_fail(err, KF_BAD_INPUT, "field '%s' has no '%s'", f->key, other);
            goto out;
        }
        if (eseq && ++nentries > KF_CERT_GIFTS_MAX + 1) {
            rc = kf_fail(err, KF_BAD_INPUT, "too many entries");
            goto out;
        }
    }
    if (!cp || !name || !addr || !salt_hex) {
        rc = kf_fail(err, KF_BAD_INPUT,
                     "checkpoint, donor_name, donor_address and salt are "
                     "required");
        goto out;
    }
    if (strlen(salt_hex) != 32 || !lower_hex(salt_hex, 32) || !kf_unhex(salt_hex, salt, 16)) {
        rc = kf_fail(err, KF_BAD_INPUT, "salt is not 32 lowercase hex digits");
        goto out;
    }
    if ((rc = kf_note_parse(cp, strlen(cp), &note, &sub))) {
        rc = rc == KF_SYSTEM ? kf_fail(err, KF_SYSTEM, "%s", sub.msg)
                             : kf_fail(err, KF_BAD_INPUT, "checkpoint: %s", sub.msg);
        goto out;
    }
    /* 2. The anchor: the checkpoint is signed by the key the donor trusts. */
    if (!kf_note_signed_by(&note, kname, kpub)) {
        rc = kf_fail(err, KF_REFUSED,
                     "checkpoint carries no valid signature by the origin key %s: it was altered "
                     "or signed by another key",
                     kname);
        goto out;
    }
    /* 3. Each entry is in the tree the checkpoint signs. */
    char key[40];
    snprintf(key, sizeof key, "entry.%lld", (long long)rec->seq);
    if (!kf_entry_str(rec, key)) {
        rc = kf_fail(err, KF_BAD_INPUT, "the record holds no entry.%lld (its receipt.issue)",
                     (long long)rec->seq);
        goto out;
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < rec->nfields; i++) {
            int64_t eseq = keyed_seq(rec->fields[i].key, "entry.");
            /* the receipt.issue first, then the gifts */
            if (!eseq || (pass == 0) != (eseq == rec->seq)) continue;
            const char *bytes = rec->fields[i].str;
            char pkey[40];
            snprintf(pkey, sizeof pkey, "path.%lld", (long long)eseq);
            kf_err esub = {0};
            kf_code drc = kf_entry_decode(bytes, strlen(bytes), KF_ENTRY_MAGIC, &e, &esub);
            if (drc) {
                rc = drc == KF_SYSTEM ? kf_fail(err, KF_SYSTEM, "%s", esub.msg)
                                      : kf_fail(err, KF_BAD_INPUT,
                                                "entry.%lld is not a canonical kifu entry: %s",
                                                (long long)eseq, esub.msg);
                goto out;
            }
            if (e->seq != eseq) {
                rc = kf_fail(err, KF_REFUSED, "entry.%lld holds the entry of seq %lld",
                             (long long)eseq, (long long)e->seq);
                goto out;
            }
            if ((rc = parse_path(pkey, kf_entry_str(rec, pkey), path, &n, err))) goto out;
            kf_merkle_leaf(bytes, strlen(bytes), leaf);
            if (eseq > note.size ||
                !kf_merkle_verify_inclusion((uint64_t)eseq - 1, (uint64_t)note.size, leaf,
                                            (const kf_hash *)path, n, note.root)) {
                rc = kf_fail(err, KF_REFUSED,
                             "inclusion proof of seq %lld does not lead to the checkpoint's root "
                             "(size %lld): the entry or the proof was altered",
                             (long long)eseq, (long long)note.size);
                goto out;
            }
            /* 4. What the certificate states; 5. the gifts agree with it. */
            if (pass == 0) {
                if (strcmp(e->kind, "receipt.issue") != 0) {
                    rc = kf_fail(err, KF_REFUSED, "entry.%lld is a %s, not a receipt.issue",
                                 (long long)eseq, e->kind);
                    goto out;
                }
                if ((rc = read_issue(e, s, err))) goto out;
                /* 6. The donor: the opening of the certificate's commitment. */
                char commit[65];
                kf_personal_commitment(salt, name, addr, commit);
                if (strcmp(commit, kf_entry_str(e, "donor")) != 0) {
                    rc = kf_fail(err, KF_REFUSED,
                                 "donor name or address does not match the certificate's donor "
                                 "commitment");
                    goto out;
                }
            } else {
                if ((rc = check_gift(s, e, err))) goto out;
                for (size_t j = 0; j < s->ngifts; j++)
                    if (s->gifts[j].seq == eseq) s->proven[j] = true;
                s->nentries++;
            }
            kf_entry_free(e);
            e = NULL;
        }
    s->seq = rec->seq;
    copy(s->donor_name, sizeof s->donor_name, name);
    copy(s->donor_address, sizeof s->donor_address, addr);
    copy(s->origin, sizeof s->origin, note.origin);
    s->size = note.size;
    copy(s->signer, sizeof s->signer, kname);
out:
    kf_entry_free(e);
    kf_entry_free(rec);
    kf_note_free(&note);
    return rc;
}

/* The compact form in a PDF: after KF_RECEIPT_PDF_MARK, up to a character
 * that is not base64url. */
static kf_code from_pdf(const char *text, size_t len, kf_buf *out, kf_err *err)
{
    const char *mark = KF_RECEIPT_PDF_MARK;
    size_t mlen = strlen(mark);
    for (size_t i = 0; i + mlen <= len; i++) {
        if (memcmp(text + i, mark, mlen) != 0) continue;
        size_t start = i + mlen, end = start;
        while (end < len && text[end] && memchr(b64url, text[end], 64))
            end++;
        return uncompact(text + start, end - start, out, err);
    }
    return kf_fail(err, KF_BAD_INPUT, "a PDF with no kifu receipt embedded (%s)", mark);
}

kf_code kf_receipt_verify(const char *text, size_t len, const char *vkey, kf_receipt_summary *out,
                          kf_err *err)
{
    char kname[KF_KEYNAME_MAX + 1];
    uint8_t kpub[32];
    uint32_t kid;
    kf_err sub = {0};
    kf_buf inner = {0}, header = {0};
    kf_receipt_summary *s = calloc(1, sizeof *s);
    kf_code rc;
    if (out) memset(out, 0, sizeof *out);
    if (!s) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (kf_key_parse_vkey(vkey, kname, kpub, &kid, &sub)) {
        rc = kf_fail(err, KF_BAD_INPUT, "origin key: %s", sub.msg);
        goto out;
    }
    if (len > KF_RECEIPT_MAX) {
        rc = kf_fail(err, KF_BAD_INPUT, "too large for a receipt");
        goto out;
    }
    /* The forms: a PDF, a URL or compact text (a QR code's), a record
     * alone, a text receipt. */
    if (len >= 5 && memcmp(text, "%PDF-", 5) == 0) {
        if ((rc = from_pdf(text, len, &inner, err))) goto out;
        rc = kf_receipt_verify(inner.data, inner.len, vkey, s, err);
        goto out;
    }
    if (memchr(text, '\0', len)) {
        rc = kf_fail(err, KF_BAD_INPUT, "not a text file (NUL byte)");
        goto out;
    }
    size_t mlen = strlen(KF_RECEIPT_MAGIC);
    if (len > mlen && memcmp(text, KF_RECEIPT_MAGIC "\n", mlen + 1) == 0) {
        rc = verify_record(text, len, kname, kpub, s, err);
        goto out;
    }
    const char *sep = NULL;
    for (size_t i = 0; i + 1 < len && !sep; i++)
        if (text[i] == '\n' && text[i + 1] == '\n') sep = text + i;
    if (!sep) {
        /* one token: "QR-Code:" (zbarimg), a URL's fragment, or compact text */
        const char *a = text, *b = text + len;
        while (a < b && strchr(" \t\r\n", *a))
            a++;
        while (b > a && strchr(" \t\r\n", b[-1]))
            b--;
        if ((size_t)(b - a) > 8 && memcmp(a, "QR-Code:", 8) == 0) a += 8;
        for (const char *p = b; p > a; p--)
            if (p[-1] == '#') {
                a = p;
                break;
            }
        if ((rc = uncompact(a, (size_t)(b - a), &inner, err))) goto out;
        if (inner.len > mlen && memcmp(inner.data, KF_RECEIPT_MAGIC "\n", mlen + 1) == 0)
            rc = verify_record(inner.data, inner.len, kname, kpub, s, err);
        else
            rc = kf_fail(err, KF_BAD_INPUT, "the compact receipt holds no %s record",
                         KF_RECEIPT_MAGIC);
        goto out;
    }
    size_t hlen = (size_t)(sep - text) + 1;
    const char *body = sep + 2;
    if ((rc = verify_record(body, (size_t)(text + len - body), kname, kpub, s, err))) goto out;
    /* Last, what a person reads: the header must be the record's rendering. */
    if (!render_header(s, &header)) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    if (header.len != hlen || memcmp(header.data, text, hlen) != 0)
        rc = header_mismatch(text, hlen, &header, err);
out:
    if (!rc && out) *out = *s;
    sodium_memzero(s, sizeof *s);
    free(s);
    kf_buf_free(&header);
    if (inner.data) sodium_memzero(inner.data, inner.len);
    kf_buf_free(&inner);
    return rc;
}
