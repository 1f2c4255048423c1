/*
 * Donor receipts (寄附金受領証明書): kf_receipt_make writes one from the ledger,
 * kf_receipt_verify checks one with no database (docs/FORMAT.md "Receipts").
 *
 * File = header || "\n" || record. The record uses the entry encoding with
 * magic kifu.receipt.v1, seq = the donation's seq, kind=receipt. The header
 * is render_header(record): the verifier re-renders it and compares bytes, so
 * what a person reads is exactly what was checked.
 */
#include "kifu/report.h"
#include "kifu/donations.h"
#include "kifu/grants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* --- shared: the readable header ------------------------------------------ */

/* A header value: the record's escaping (\\, \n, \r), so it stays one line. */
static bool put_escaped(kf_buf *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '\n' ? "\\n" : *p == '\r' ? "\\r" : NULL;
        if (!(esc ? kf_buf_puts(b, esc) : kf_buf_put(b, p, 1))) return false;
    }
    return true;
}

/* 1234567 -> "1,234,567". */
static bool put_grouped(kf_buf *b, int64_t v)
{
    char digits[24];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)u);
    if (v < 0 && !kf_buf_puts(b, "-")) return false;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0 && !kf_buf_puts(b, ",")) return false;
        if (!kf_buf_put(b, digits + i, 1)) return false;
    }
    return true;
}

static bool put_line(kf_buf *b, const char *label, const char *value)
{
    return kf_buf_puts(b, label) && put_escaped(b, value) && kf_buf_puts(b, "\n");
}

/* The header is a function of the record alone (FORMAT.md "Receipts"). The
 * record must already have been checked to carry the required fields. */
static bool render_header(const kf_entry *rec, kf_buf *b)
{
    const char *name = kf_entry_str(rec, "donor_name"), *addr = kf_entry_str(rec, "donor_address");
    const char *label = kf_entry_str(rec, "designation_label");
    const char *method = kf_entry_str(rec, "method"), *issued = kf_entry_str(rec, "issued");
    int64_t amount = 0;
    kf_entry_int(rec, "amount", &amount);
    bool ok = kf_buf_puts(b, "寄附金受領証明書 / Donation receipt\n") &&
              put_line(b, "基金 / Fund: ", kf_entry_str(rec, "fund")) &&
              put_line(b, "受領番号 / Receipt no.: ", kf_entry_str(rec, "receipt_no"));
    if (ok && name && *name) ok = put_line(b, "寄附者 / Donor: ", name);
    if (ok && addr && *addr) ok = put_line(b, "住所 / Address: ", addr);
    ok = ok && kf_buf_puts(b, "金額 / Amount: ") && put_grouped(b, amount) &&
         kf_buf_puts(b, " 円 (yen)\n") &&
         put_line(b, "寄附日 / Date: ", kf_entry_str(rec, "date")) &&
         kf_buf_puts(b, "指定 / Designation: ") && put_escaped(b, kf_entry_str(rec, "designation"));
    if (ok && label) ok = kf_buf_puts(b, " (") && put_escaped(b, label) && kf_buf_puts(b, ")");
    ok = ok && kf_buf_puts(b, "\n");
    if (ok && method) ok = put_line(b, "方法 / Method: ", method);
    if (ok && issued) ok = put_line(b, "発行 / Issued: ", issued);
    return ok && kf_buf_puts(b, "検証 / Verify: kifu verify-receipt FILE --origin-key VKEY\n");
}

static bool is_money_kind(const char *kind)
{
    return strcmp(kind, "donation") == 0 || strcmp(kind, "box.collect") == 0;
}

static void format_receipt_no(int64_t fy, int64_t seq, char out[32])
{
    snprintf(out, 32, "%lld-%06lld", (long long)fy, (long long)seq);
}

/* --- making --------------------------------------------------------------- */

typedef struct {
    int64_t seq, by;
} void_find;

static int find_void(void *ctx, const kf_row *row)
{
    void_find *v = ctx;
    int64_t target;
    if (!v->by && kf_entry_int(row->entry, "void", &target) && target == v->seq) v->by = row->seq;
    return 0;
}

/* Sets `key` to the comma-separated hex of path. */
static kf_code set_path(kf_entry *rec, const char *key, const kf_hash *path, size_t n, kf_err *err)
{
    kf_buf b = {0};
    char hex[2 * KF_HASH_LEN + 1];
    for (size_t i = 0; i < n; i++) {
        kf_hex(path[i], KF_HASH_LEN, hex);
        if ((i && !kf_buf_puts(&b, ",")) || !kf_buf_puts(&b, hex)) {
            kf_buf_free(&b);
            return kf_fail(err, KF_SYSTEM, "out of memory");
        }
    }
    kf_code rc = kf_entry_set_str(rec, key, b.data ? b.data : "", err);
    kf_buf_free(&b);
    return rc;
}

/* Sets `key` to the base64 of the canonical bytes of e; *leaf gets its hash. */
static kf_code set_entry_bytes(kf_entry *rec, const char *key, const kf_entry *e, kf_hash leaf,
                               kf_err *err)
{
    kf_buf bytes = {0};
    kf_code rc = kf_entry_encode(e, &bytes, err);
    if (rc) return rc;
    size_t n = 4 * ((bytes.len + 2) / 3) + 1;
    char *b64 = malloc(n);
    if (!b64) {
        kf_buf_free(&bytes);
        return kf_fail(err, KF_SYSTEM, "out of memory");
    }
    kf_b64((const uint8_t *)bytes.data, bytes.len, b64, n);
    kf_merkle_leaf(bytes.data, bytes.len, leaf);
    rc = kf_entry_set_str(rec, key, b64, err);
    free(b64);
    kf_buf_free(&bytes);
    return rc;
}

/* The readable name of a designation, best effort: a field or theme label
 * from the rules in force at seq, a group's name; NULL when none. */
static void designation_label(kf_ledger *l, int64_t seq, const char *to, char *out, size_t outsz)
{
    out[0] = '\0';
    if (strncmp(to, "group:", 6) == 0) {
        kf_group g;
        bool found = false;
        if (kf_group_get(l, to + 6, &g, &found, NULL) == KF_OK && found)
            snprintf(out, outsz, "%s", g.name);
        return;
    }
    bool field = strncmp(to, "field:", 6) == 0, theme = strncmp(to, "theme:", 6) == 0;
    if (!field && !theme) return;
    kf_rules *r = malloc(sizeof *r);
    if (!r) return;
    int64_t version;
    if (kf_rules_at(l, seq, r, &version, NULL) == KF_OK) {
        const kf_rules_item *it = field ? kf_rules_field(r, to + 6) : kf_rules_theme(r, to + 6);
        if (it) snprintf(out, outsz, "%s", it->label);
    }
    free(r);
}

kf_code kf_receipt_make(kf_ledger *l, const kf_signer *signer, int64_t seq, kf_buf *out,
                        kf_err *err)
{
    kf_buf cp = {0}, record = {0};
    kf_note note = {0};
    kf_entry *e = NULL, *gen = NULL, *rec = NULL;
    kf_personal p;
    kf_hash path[KF_PROOF_MAX], leaf, stored;
    size_t n;
    char receipt_no[32], now[40], label[512];
    int64_t amount, fy;
    kf_code rc;
    memset(&p, 0, sizeof p);
    if (seq < 1) return kf_fail(err, KF_BAD_INPUT, "seq must be 1 or more");
    /* The checkpoint first; everything below is proved against its size. */
    if ((rc = kf_checkpoint(l, signer, &cp, err)) ||
        (rc = kf_note_parse(cp.data, cp.len, &note, err)))
        goto out;
    if (seq > note.size) {
        rc = kf_fail(err, KF_REFUSED, "no entry with seq %lld (the ledger has %lld)",
                     (long long)seq, (long long)note.size);
        goto out;
    }
    if ((rc = kf_ledger_entry(l, seq, &e, err))) goto out;
    if (!is_money_kind(e->kind)) {
        rc = kf_fail(err, KF_REFUSED, "seq %lld is a %s, not a donation", (long long)seq, e->kind);
        goto out;
    }
    void_find vf = {.seq = seq};
    if ((rc = kf_ledger_scan(l, seq + 1, "donation.void", find_void, &vf, err))) goto out;
    if (vf.by) {
        rc = kf_fail(err, KF_REFUSED, "seq %lld was voided by seq %lld", (long long)seq,
                     (long long)vf.by);
        goto out;
    }
    const char *date = kf_entry_str(e, "date"), *to = kf_entry_str(e, "to");
    const char *method = kf_entry_str(e, "method"), *donor = kf_entry_str(e, "donor");
    if (!kf_entry_int(e, "amount", &amount) || !kf_entry_int(e, "fy", &fy) || !date || !to) {
        rc = kf_fail(err, KF_REFUSED, "seq %lld: the %s lacks its amount, fy, date or designation",
                     (long long)seq, e->kind);
        goto out;
    }
    if ((rc = kf_don_personal(l, seq, &p, err)) || (rc = kf_ledger_entry(l, 1, &gen, err)))
        goto out;
    if (p.present) {
        char commit[65];
        kf_personal_commitment(p.salt, p.name, p.address, commit);
        if (!donor || strcmp(commit, donor) != 0) {
            rc = kf_fail(err, KF_REFUSED,
                         "the personal data kept for seq %lld does not match the entry's donor "
                         "commitment",
                         (long long)seq);
            goto out;
        }
    }
    if (!(rec = kf_entry_new("receipt"))) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    rec->magic = KF_RECEIPT_MAGIC;
    rec->seq = seq;
    format_receipt_no(fy, seq, receipt_no);
    designation_label(l, seq, to, label, sizeof label);
    if (!kf_now(now, err)) {
        rc = err ? err->code : KF_BAD_INPUT;
        goto out;
    }
    const char *fund = kf_entry_str(gen, "fund");
    if ((rc = kf_entry_set_int(rec, "amount", amount, err)) ||
        (rc = kf_entry_set_str(rec, "checkpoint", note.text, err)) ||
        (rc = kf_entry_set_str(rec, "date", date, err)) ||
        (rc = kf_entry_set_str(rec, "designation", to, err)) ||
        (*label && (rc = kf_entry_set_str(rec, "designation_label", label, err))) ||
        (rc = kf_entry_set_str(rec, "fund", fund ? fund : "", err)) ||
        (rc = kf_entry_set_str(rec, "issued", now, err)) ||
        (method && (rc = kf_entry_set_str(rec, "method", method, err))) ||
        (rc = kf_entry_set_str(rec, "receipt_no", receipt_no, err)) ||
        (rc = kf_entry_set_int(rec, "size", note.size, err)))
        goto out;
    if (p.present) {
        char salt[33];
        kf_hex(p.salt, 16, salt);
        if ((rc = kf_entry_set_str(rec, "donor_name", p.name, err)) ||
            (rc = kf_entry_set_str(rec, "donor_address", p.address, err)) ||
            (rc = kf_entry_set_str(rec, "salt", salt, err)))
            goto out;
    }
    /* The donation and the genesis, each with its proof in the same tree. */
    if ((rc = set_entry_bytes(rec, "entry", e, leaf, err)) ||
        (rc = kf_ledger_leaf(l, seq, stored, err)))
        goto out;
    if (memcmp(leaf, stored, KF_HASH_LEN) != 0) {
        rc = kf_fail(err, KF_SYSTEM,
                     "seq %lld: stored leaf differs from its entry (run kifu verify)",
                     (long long)seq);
        goto out;
    }
    if ((rc = kf_ledger_prove_inclusion(l, seq, note.size, path, &n, err)) ||
        (rc = set_path(rec, "path", path, n, err)) ||
        (rc = set_entry_bytes(rec, "genesis", gen, leaf, err)) ||
        (rc = kf_ledger_prove_inclusion(l, 1, note.size, path, &n, err)) ||
        (rc = set_path(rec, "genesis_path", path, n, err)) ||
        (rc = kf_entry_encode(rec, &record, err)))
        goto out;
    size_t start = out->len;
    if (!render_header(rec, out) || !kf_buf_puts(out, "\n") ||
        !kf_buf_put(out, record.data, record.len)) {
        out->len = start;
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
    }
out:
    sodium_memzero(&p, sizeof p);
    kf_entry_free(e);
    kf_entry_free(gen);
    kf_entry_free(rec);
    kf_note_free(&note);
    kf_buf_free(&cp);
    if (record.data) sodium_memzero(record.data, record.len);
    kf_buf_free(&record);
    return rc;
}

/* --- verifying ------------------------------------------------------------ */

typedef struct {
    const char *key;
    kf_field_type type;
    bool required;
} field_rule;

/* Every field a receipt may carry, in key order. */
static const field_rule receipt_fields[] = {
    {"amount", KF_FIELD_INT, true},
    {"checkpoint", KF_FIELD_STR, true},
    {"date", KF_FIELD_STR, true},
    {"designation", KF_FIELD_STR, true},
    {"designation_label", KF_FIELD_STR, false},
    {"donor_address", KF_FIELD_STR, false},
    {"donor_name", KF_FIELD_STR, false},
    {"entry", KF_FIELD_STR, true},
    {"fund", KF_FIELD_STR, true},
    {"genesis", KF_FIELD_STR, true},
    {"genesis_path", KF_FIELD_STR, true},
    {"issued", KF_FIELD_STR, false},
    {"method", KF_FIELD_STR, false},
    {"path", KF_FIELD_STR, true},
    {"receipt_no", KF_FIELD_STR, true},
    {"salt", KF_FIELD_STR, false},
    {"size", KF_FIELD_INT, true},
};
#define NFIELDS (sizeof receipt_fields / sizeof receipt_fields[0])

static kf_code check_fields(const kf_entry *rec, kf_err *err)
{
    for (size_t i = 0; i < rec->nfields; i++) {
        const kf_field *f = &rec->fields[i];
        const field_rule *r = NULL;
        for (size_t j = 0; j < NFIELDS; j++)
            if (strcmp(receipt_fields[j].key, f->key) == 0) r = &receipt_fields[j];
        if (!r) return kf_fail(err, KF_BAD_INPUT, "unknown field '%s'", f->key);
        if (r->type != f->type)
            return kf_fail(err, KF_BAD_INPUT, "field '%s' must be %s", f->key,
                           r->type == KF_FIELD_INT ? "an integer (key#N)" : "a string (key=text)");
    }
    for (size_t j = 0; j < NFIELDS; j++)
        if (receipt_fields[j].required && !kf_entry_get(rec, receipt_fields[j].key))
            return kf_fail(err, KF_BAD_INPUT, "field '%s' is missing", receipt_fields[j].key);
    bool salt = kf_entry_get(rec, "salt"), name = kf_entry_get(rec, "donor_name"),
         addr = kf_entry_get(rec, "donor_address");
    if (salt != name || salt != addr)
        return kf_fail(err, KF_BAD_INPUT,
                       "donor_name, donor_address and salt must be present together or not at all");
    return KF_OK;
}

/* Strict base64 (canonical: decoding then encoding gives the same text). */
static kf_code unb64_strict(const char *what, const char *s, uint8_t **out, size_t *len,
                            kf_err *err)
{
    size_t slen = strlen(s), max = slen / 4 * 3 + 3;
    uint8_t *buf = malloc(max);
    char *again = malloc(slen + 5);
    kf_code rc = KF_OK;
    if (!buf || !again) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
    } else if (!slen || !kf_unb64(s, buf, max, len) || *len == 0) {
        rc = kf_fail(err, KF_BAD_INPUT, "%s is not base64", what);
    } else {
        kf_b64(buf, *len, again, slen + 5);
        if (strcmp(again, s) != 0)
            rc = kf_fail(err, KF_BAD_INPUT, "%s is not canonical base64", what);
    }
    free(again);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    return KF_OK;
}

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

/* Decodes a base64 field holding canonical entry bytes; *leaf gets its hash. */
static kf_code decode_entry(const char *what, const char *b64, kf_entry **out, kf_hash leaf,
                            kf_err *err)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    kf_code rc = unb64_strict(what, b64, &bytes, &len, err);
    if (rc) return rc;
    kf_err sub = {0};
    kf_code drc = kf_entry_decode(bytes, len, KF_ENTRY_MAGIC, out, &sub);
    if (drc == KF_SYSTEM)
        rc = kf_fail(err, KF_SYSTEM, "%s", sub.msg);
    else if (drc)
        rc = kf_fail(err, KF_BAD_INPUT, "%s is not a canonical kifu entry: %s", what, sub.msg);
    else
        kf_merkle_leaf(bytes, len, leaf);
    free(bytes);
    return rc;
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

static kf_code fail_field(kf_err *err, const char *what, const char *got, const char *want)
{
    return kf_fail(err, KF_REFUSED, "%s '%s' does not match the entry's '%s'", what, got,
                   want ? want : "(none)");
}

kf_code kf_receipt_verify(const char *text, size_t len, const char *vkey, kf_receipt_summary *out,
                          kf_err *err)
{
    char kname[KF_KEYNAME_MAX + 1], want[32];
    uint8_t kpub[32];
    uint32_t kid;
    kf_entry *rec = NULL, *e = NULL, *gen = NULL;
    kf_note note = {0};
    kf_hash path[KF_PROOF_MAX], leaf, gleaf;
    size_t n, gn;
    kf_hash gpath[KF_PROOF_MAX];
    kf_buf header = {0};
    kf_err sub = {0};
    int64_t amount, size, e_amount, fy;
    kf_code rc;
    kf_receipt_summary sum;
    memset(&sum, 0, sizeof sum);
    if (out) memset(out, 0, sizeof *out);
    if (kf_key_parse_vkey(vkey, kname, kpub, &kid, &sub))
        return kf_fail(err, KF_BAD_INPUT, "origin key: %s", sub.msg);
    /* Structure: header, a blank line, the record. */
    if (len > KF_RECEIPT_MAX) return kf_fail(err, KF_BAD_INPUT, "too large for a receipt");
    if (memchr(text, '\0', len)) return kf_fail(err, KF_BAD_INPUT, "not a text file (NUL byte)");
    const char *sep = NULL;
    for (size_t i = 0; i + 1 < len; i++)
        if (text[i] == '\n' && text[i + 1] == '\n') {
            sep = text + i;
            break;
        }
    if (!sep)
        return kf_fail(err, KF_BAD_INPUT,
                       "not a kifu receipt (no blank line between the header and the record)");
    size_t hlen = (size_t)(sep - text) + 1;
    const char *body = sep + 2;
    kf_code drc = kf_entry_decode(body, (size_t)(text + len - body), KF_RECEIPT_MAGIC, &rec, &sub);
    if (drc == KF_SYSTEM) return kf_fail(err, KF_SYSTEM, "%s", sub.msg);
    if (drc) return kf_fail(err, KF_BAD_INPUT, "not a kifu receipt record: %s", sub.msg);
    if (strcmp(rec->kind, "receipt") != 0) {
        rc = kf_fail(err, KF_BAD_INPUT, "record kind is '%s', not 'receipt'", rec->kind);
        goto out;
    }
    if (rec->seq < 1) {
        rc = kf_fail(err, KF_BAD_INPUT, "record seq must be 1 or more");
        goto out;
    }
    if ((rc = check_fields(rec, err))) goto out;
    const char *salt_hex = kf_entry_str(rec, "salt");
    uint8_t salt[16];
    if (salt_hex &&
        (strlen(salt_hex) != 32 || !lower_hex(salt_hex, 32) || !kf_unhex(salt_hex, salt, 16))) {
        rc = kf_fail(err, KF_BAD_INPUT, "salt is not 32 lowercase hex digits");
        goto out;
    }
    kf_entry_int(rec, "amount", &amount);
    kf_entry_int(rec, "size", &size);
    const char *cp = kf_entry_str(rec, "checkpoint");
    if ((rc = parse_path("path", kf_entry_str(rec, "path"), path, &n, err)) ||
        (rc = parse_path("genesis_path", kf_entry_str(rec, "genesis_path"), gpath, &gn, err)) ||
        (rc = decode_entry("entry", kf_entry_str(rec, "entry"), &e, leaf, err)) ||
        (rc = decode_entry("genesis", kf_entry_str(rec, "genesis"), &gen, gleaf, err)))
        goto out;
    if ((rc = kf_note_parse(cp, strlen(cp), &note, &sub))) {
        rc = rc == KF_SYSTEM ? kf_fail(err, KF_SYSTEM, "%s", sub.msg)
                             : kf_fail(err, KF_BAD_INPUT, "checkpoint: %s", sub.msg);
        goto out;
    }
    /* The anchor: the checkpoint is signed by the key the donor trusts. */
    if (!kf_note_signed_by(&note, kname, kpub)) {
        rc = kf_fail(err, KF_REFUSED,
                     "checkpoint carries no valid signature by the origin key %s (%08x): it was "
                     "altered or signed by another key",
                     kname, kid);
        goto out;
    }
    if (size != note.size) {
        rc = kf_fail(err, KF_REFUSED, "size %lld differs from the checkpoint's size %lld",
                     (long long)size, (long long)note.size);
        goto out;
    }
    /* The genesis proves the fund's name and the origin. */
    const char *gfund = kf_entry_str(gen, "fund"), *gorigin = kf_entry_str(gen, "origin");
    if (gen->seq != 1 || strcmp(gen->kind, "genesis") != 0 || !gfund || !gorigin) {
        rc = kf_fail(err, KF_REFUSED, "genesis is not the ledger's genesis entry (seq 1)");
        goto out;
    }
    if (!kf_merkle_verify_inclusion(0, (uint64_t)note.size, gleaf, (const kf_hash *)gpath, gn,
                                    note.root)) {
        rc = kf_fail(err, KF_REFUSED,
                     "genesis inclusion proof does not lead to the checkpoint's root (size %lld)",
                     (long long)note.size);
        goto out;
    }
    if (strcmp(gorigin, note.origin) != 0) {
        rc = kf_fail(err, KF_REFUSED, "checkpoint origin '%s' is not the fund's origin '%s'",
                     note.origin, gorigin);
        goto out;
    }
    if (strcmp(kf_entry_str(rec, "fund"), gfund) != 0) {
        rc = kf_fail(err, KF_REFUSED, "fund '%s' does not match the genesis entry's '%s'",
                     kf_entry_str(rec, "fund"), gfund);
        goto out;
    }
    /* The donation entry and what the receipt states about it. */
    if (e->seq != rec->seq) {
        rc = kf_fail(err, KF_REFUSED, "the entry is seq %lld, but the receipt is for seq %lld",
                     (long long)e->seq, (long long)rec->seq);
        goto out;
    }
    if (!is_money_kind(e->kind)) {
        rc = kf_fail(err, KF_REFUSED, "the entry is a %s, not a donation", e->kind);
        goto out;
    }
    if (!kf_entry_int(e, "amount", &e_amount) || e_amount != amount) {
        rc = kf_fail(err, KF_REFUSED, "amount %lld does not match the entry's amount %lld",
                     (long long)amount, (long long)e_amount);
        goto out;
    }
    const char *date = kf_entry_str(rec, "date"), *to = kf_entry_str(rec, "designation");
    const char *method = kf_entry_str(rec, "method"), *e_method = kf_entry_str(e, "method");
    const char *e_date = kf_entry_str(e, "date"), *e_to = kf_entry_str(e, "to");
    if (!e_date || strcmp(date, e_date) != 0) {
        rc = fail_field(err, "date", date, e_date);
        goto out;
    }
    if (!e_to || strcmp(to, e_to) != 0) {
        rc = fail_field(err, "designation", to, e_to);
        goto out;
    }
    if ((method || e_method) && (!method || !e_method || strcmp(method, e_method) != 0)) {
        rc = fail_field(err, "method", method ? method : "(none)", e_method);
        goto out;
    }
    if (!kf_entry_int(e, "fy", &fy)) {
        rc = kf_fail(err, KF_REFUSED, "the entry has no fy, so no receipt number");
        goto out;
    }
    format_receipt_no(fy, e->seq, want);
    if (strcmp(kf_entry_str(rec, "receipt_no"), want) != 0) {
        rc = fail_field(err, "receipt number", kf_entry_str(rec, "receipt_no"), want);
        goto out;
    }
    if (salt_hex) {
        const char *name = kf_entry_str(rec, "donor_name"),
                   *addr = kf_entry_str(rec, "donor_address"), *commit = kf_entry_str(e, "donor");
        char got[65];
        kf_personal_commitment(salt, name, addr, got);
        if (!commit) {
            rc = kf_fail(err, KF_REFUSED,
                         "the receipt names a donor but the entry carries no donor commitment");
            goto out;
        }
        if (strcmp(got, commit) != 0) {
            rc = kf_fail(err, KF_REFUSED,
                         "donor name or address does not match the entry's donor commitment");
            goto out;
        }
        sum.donor = true;
        snprintf(sum.donor_name, sizeof sum.donor_name, "%s", name);
        snprintf(sum.donor_address, sizeof sum.donor_address, "%s", addr);
    }
    /* The entry is in the tree the checkpoint signs. */
    if (e->seq > note.size) {
        rc = kf_fail(err, KF_REFUSED, "seq %lld is beyond the checkpoint's size %lld",
                     (long long)e->seq, (long long)note.size);
        goto out;
    }
    if (!kf_merkle_verify_inclusion((uint64_t)e->seq - 1, (uint64_t)note.size, leaf,
                                    (const kf_hash *)path, n, note.root)) {
        rc = kf_fail(err, KF_REFUSED,
                     "inclusion proof of seq %lld does not lead to the checkpoint's root (size "
                     "%lld): the entry or the proof was altered",
                     (long long)e->seq, (long long)note.size);
        goto out;
    }
    /* Last, what a person reads: the header must be the record's rendering. */
    if (!render_header(rec, &header)) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    if (header.len != hlen || memcmp(header.data, text, hlen) != 0) {
        rc = header_mismatch(text, hlen, &header, err);
        goto out;
    }
    sum.seq = e->seq;
    snprintf(sum.kind, sizeof sum.kind, "%s", e->kind);
    sum.amount = amount;
    snprintf(sum.date, sizeof sum.date, "%s", date);
    snprintf(sum.designation, sizeof sum.designation, "%s", to);
    snprintf(sum.receipt_no, sizeof sum.receipt_no, "%s", want);
    snprintf(sum.fund, sizeof sum.fund, "%s", gfund);
    snprintf(sum.origin, sizeof sum.origin, "%s", note.origin);
    sum.size = note.size;
    snprintf(sum.signer, sizeof sum.signer, "%s", kname);
    if (out) *out = sum;
    rc = KF_OK;
out:
    sodium_memzero(&sum, sizeof sum);
    kf_buf_free(&header);
    kf_note_free(&note);
    kf_entry_free(rec);
    kf_entry_free(e);
    kf_entry_free(gen);
    return rc;
}
