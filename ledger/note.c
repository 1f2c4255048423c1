/*
 * Checkpoints as C2SP signed notes (tlog-checkpoint + signed-note):
 *
 *   <origin>\n<size>\n<base64 root>\n\n— <name> <base64(keyid[4] || sig[64])>\n ...
 *
 * The signed message is the text up to and including the newline before the
 * blank line. Auditor cosignatures are further signature lines of the same
 * kind (plain Ed25519 over the same text), so Go's sumdb/note verifies them
 * with the auditor's verifier key.
 */
#include "kifu/ledger.h"
#include "ledger_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EM_DASH "\xE2\x80\x94"

void kf_note_free(kf_note *n)
{
    free(n->text);
    n->text = NULL;
}

static bool parse_size(const char *p, size_t len, int64_t *out)
{
    char buf[24];
    if (len == 0 || len >= sizeof buf || (len > 1 && p[0] == '0')) return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return buf[0] != '-' && kf_parse_i64(buf, out);
}

kf_code kf_note_parse(const char *text, size_t len, kf_note *out, kf_err *err)
{
    memset(out, 0, sizeof *out);
    if (len == 0 || memchr(text, '\0', len))
        return kf_fail(err, KF_BAD_INPUT, "checkpoint is empty or binary");
    /* The signatures follow the last blank line. */
    const char *split = NULL;
    for (const char *p = text; p + 1 < text + len; p++)
        if (p[0] == '\n' && p[1] == '\n') split = p;
    if (!split || text[len - 1] != '\n')
        return kf_fail(err, KF_BAD_INPUT, "checkpoint is not a signed note (no signature block)");
    out->body_len = (size_t)(split - text) + 1;
    /* Body: origin, size, root, then optional extension lines. */
    const char *p = text, *end = text + out->body_len;
    const char *l1 = memchr(p, '\n', (size_t)(end - p));
    const char *l2 = l1 ? memchr(l1 + 1, '\n', (size_t)(end - l1 - 1)) : NULL;
    const char *l3 = l2 ? memchr(l2 + 1, '\n', (size_t)(end - l2 - 1)) : NULL;
    uint8_t root[40];
    size_t rootlen;
    char b64[64];
    if (!l3 || l1 == p || (size_t)(l1 - p) >= sizeof out->origin)
        return kf_fail(err, KF_BAD_INPUT, "checkpoint body needs origin, size and root lines");
    memcpy(out->origin, p, (size_t)(l1 - p));
    if (!parse_size(l1 + 1, (size_t)(l2 - l1 - 1), &out->size))
        return kf_fail(err, KF_BAD_INPUT, "checkpoint line 2 is not a tree size");
    if ((size_t)(l3 - l2 - 1) >= sizeof b64)
        return kf_fail(err, KF_BAD_INPUT, "checkpoint line 3 is not a base64 root hash");
    memcpy(b64, l2 + 1, (size_t)(l3 - l2 - 1));
    b64[l3 - l2 - 1] = '\0';
    if (!kf_unb64(b64, root, sizeof root, &rootlen) || rootlen != KF_HASH_LEN)
        return kf_fail(err, KF_BAD_INPUT, "checkpoint line 3 is not a base64 root hash");
    memcpy(out->root, root, KF_HASH_LEN);
    /* Signature lines. */
    p = split + 2;
    end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t dash = strlen(EM_DASH " ");
        if (!nl || (size_t)(nl - p) < dash || memcmp(p, EM_DASH " ", dash) != 0)
            return kf_fail(err, KF_BAD_INPUT, "checkpoint signature line is not '— name sig'");
        const char *name = p + dash, *sp = memchr(name, ' ', (size_t)(nl - name));
        if (!sp || sp == name || (size_t)(sp - name) > KF_KEYNAME_MAX || (size_t)(nl - sp) > 120)
            return kf_fail(err, KF_BAD_INPUT, "checkpoint signature line has a bad name");
        if (out->nsigs < KF_NOTE_MAXSIGS) {
            uint8_t raw[80];
            size_t rawlen;
            char sigb64[128];
            memcpy(sigb64, sp + 1, (size_t)(nl - sp - 1));
            sigb64[nl - sp - 1] = '\0';
            if (kf_unb64(sigb64, raw, sizeof raw, &rawlen) && rawlen == 68) {
                memcpy(out->sigs[out->nsigs].name, name, (size_t)(sp - name));
                out->sigs[out->nsigs].name[sp - name] = '\0';
                out->sigs[out->nsigs].id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
                                           (uint32_t)raw[2] << 8 | raw[3];
                memcpy(out->sigs[out->nsigs].sig, raw + 4, 64);
                out->nsigs++;
            }
        }
        p = nl + 1;
    }
    out->text = malloc(len + 1);
    if (!out->text) return kf_fail(err, KF_SYSTEM, "out of memory");
    memcpy(out->text, text, len);
    out->text[len] = '\0';
    return KF_OK;
}

bool kf_note_signed_by(const kf_note *n, const char *name, const uint8_t pub[32])
{
    uint32_t id = kf_key_id(name, pub);
    for (size_t i = 0; i < n->nsigs; i++)
        if (n->sigs[i].id == id && strcmp(n->sigs[i].name, name) == 0 &&
            kf_sig_ok(pub, n->text, n->body_len, n->sigs[i].sig))
            return true;
    return false;
}

static bool sig_line(kf_buf *out, const kf_signer *s, const char *text, size_t len)
{
    uint8_t raw[68];
    char b64[128];
    raw[0] = (uint8_t)(s->id >> 24);
    raw[1] = (uint8_t)(s->id >> 16);
    raw[2] = (uint8_t)(s->id >> 8);
    raw[3] = (uint8_t)s->id;
    kf_sign(s, text, len, raw + 4);
    kf_b64(raw, sizeof raw, b64, sizeof b64);
    return kf_buf_printf(out, EM_DASH " %s %s\n", s->name, b64);
}

/* The signer must be an active ledger key with one of `roles`. */
static kf_code check_signer(kf_ledger *l, const kf_signer *s, unsigned roles, kf_err *err)
{
    kf_key_info k;
    kf_code rc = kf_ledger_key(l, s->id, &k, err);
    if (rc == KF_SYSTEM) return rc;
    if (rc != KF_OK || memcmp(k.pub, s->pub, 32) != 0)
        return kf_fail(err, KF_REFUSED, "key %s (%08x) is not a key of this ledger", s->name,
                       s->id);
    if (k.revoked_seq)
        return kf_fail(err, KF_REFUSED, "key %s (%08x) was revoked at seq %lld", k.name, k.id,
                       (long long)k.revoked_seq);
    if (!(k.role & roles))
        return kf_fail(err, KF_REFUSED, "key %s has role %s, which may not sign this", k.name,
                       kf_role_name(k.role));
    return KF_OK;
}

static bool checkpoint_body(kf_buf *out, const char *origin, int64_t size, const kf_hash root)
{
    char b64[64];
    kf_b64(root, KF_HASH_LEN, b64, sizeof b64);
    return kf_buf_printf(out, "%s\n%lld\n%s\n", origin, (long long)size, b64);
}

kf_code lg_checkpoint_line_ok(const char *origin, int64_t size, const kf_hash root,
                              const char *line, const char *name, const uint8_t pub[32], bool *ok,
                              kf_err *err)
{
    kf_buf b = {0};
    kf_note note;
    kf_err why = {0};
    *ok = false;
    if (strchr(line, '\n')) return KF_OK; /* one line, else it could carry others */
    if (!checkpoint_body(&b, origin, size, root) || !kf_buf_printf(&b, "\n%s\n", line)) {
        kf_buf_free(&b);
        return kf_fail(err, KF_SYSTEM, "out of memory");
    }
    kf_code rc = kf_note_parse(b.data, b.len, &note, &why);
    kf_buf_free(&b);
    if (rc == KF_SYSTEM) return kf_fail(err, KF_SYSTEM, "%s", why.msg);
    if (rc) return KF_OK;
    *ok = note.nsigs == 1 && strcmp(note.origin, origin) == 0 && note.size == size &&
          memcmp(note.root, root, KF_HASH_LEN) == 0 && kf_note_signed_by(&note, name, pub);
    kf_note_free(&note);
    return KF_OK;
}

kf_code kf_checkpoint(kf_ledger *l, const kf_signer *signer, kf_buf *out, kf_err *err)
{
    kf_ledger_info info;
    kf_hash root;
    kf_code rc;
    bool own_read = sqlite3_get_autocommit(l->db);
    if (own_read && sqlite3_exec(l->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return lg_db_fail(l, err, "starting a read");
    /* It signs the head that the head check found in this very snapshot:
     * never a tree head over rows no signed commit covers. */
    if ((rc = check_signer(l, signer, KF_ROLE_ADMIN | KF_ROLE_TREASURER, err)) ||
        (rc = lg_head_check(l, err)) || (rc = kf_ledger_get_info(l, &info, err)))
        goto out;
    info.size = l->head.last;
    memcpy(root, l->head.root, KF_HASH_LEN);
    size_t start = out->len;
    if (!checkpoint_body(out, info.origin, info.size, root) || !kf_buf_puts(out, "\n") ||
        !sig_line(out, signer, out->data + start, out->len - start - 1))
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
out:
    if (own_read) sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL);
    return rc;
}

typedef struct {
    uint32_t auditor;
    int64_t size;
    kf_hash root;
    bool found;
} prev_cosign;

static int find_prev(void *ctx, const kf_row *row)
{
    prev_cosign *p = ctx;
    const char *key = kf_entry_str(row->entry, "auditor"), *root = kf_entry_str(row->entry, "root");
    char want[9];
    int64_t size;
    snprintf(want, sizeof want, "%08x", p->auditor);
    if (key && strcmp(key, want) == 0 && root && kf_entry_int(row->entry, "size", &size) &&
        kf_unhex(root, p->root, KF_HASH_LEN)) {
        p->size = size;
        p->found = true;
    }
    return 0;
}

kf_code kf_cosign(kf_ledger *l, const kf_signer *auditor, const char *text, size_t len, kf_buf *out,
                  int64_t *seq, kf_err *err)
{
    kf_note note;
    kf_txn *t = NULL;
    kf_entry *e = NULL;
    kf_ledger_info info;
    kf_key_info *keys = NULL;
    size_t nkeys = 0;
    kf_hash root;
    kf_code rc = kf_note_parse(text, len, &note, err);
    if (rc) return rc;
    if ((rc = kf_txn_begin(l, auditor, &t, err))) goto out_free;
    if ((rc = check_signer(l, auditor, KF_ROLE_AUDITOR, err)) ||
        (rc = kf_ledger_get_info(l, &info, err)) || (rc = kf_ledger_keys(l, &keys, &nkeys, err)))
        goto out_abort;
    if (strcmp(note.origin, info.origin) != 0) {
        rc = kf_fail(err, KF_REFUSED, "checkpoint origin '%s' is not this ledger's ('%s')",
                     note.origin, info.origin);
        goto out_abort;
    }
    bool signed_by_ledger = false;
    for (size_t i = 0; i < nkeys; i++) {
        if ((keys[i].role & (KF_ROLE_ADMIN | KF_ROLE_TREASURER)) &&
            kf_note_signed_by(&note, keys[i].name, keys[i].pub))
            signed_by_ledger = true;
        if (keys[i].id == auditor->id && kf_note_signed_by(&note, keys[i].name, keys[i].pub)) {
            rc = kf_fail(err, KF_REFUSED, "checkpoint is already cosigned by %s", keys[i].name);
            goto out_abort;
        }
    }
    if (!signed_by_ledger) {
        rc = kf_fail(err, KF_REFUSED,
                     "checkpoint carries no valid signature by an admin or treasurer key of this "
                     "ledger");
        goto out_abort;
    }
    if (note.size < 1 || note.size > info.size) {
        rc = kf_fail(err, KF_REFUSED, "checkpoint size %lld is beyond the ledger's %lld entries",
                     (long long)note.size, (long long)info.size);
        goto out_abort;
    }
    if ((rc = kf_ledger_root(l, note.size, root, err))) goto out_abort;
    if (memcmp(root, note.root, KF_HASH_LEN) != 0) {
        rc = kf_fail(err, KF_REFUSED,
                     "checkpoint root at size %lld differs from the ledger's: the ledger was "
                     "rewritten at or before seq %lld",
                     (long long)note.size, (long long)note.size);
        goto out_abort;
    }
    prev_cosign prev = {.auditor = auditor->id};
    if ((rc = kf_ledger_scan(l, 1, "checkpoint.cosign", find_prev, &prev, err))) goto out_abort;
    if (prev.found) {
        kf_hash then;
        if (prev.size > note.size) {
            rc = kf_fail(err, KF_REFUSED,
                         "checkpoint size %lld is older than your previous cosigned size %lld",
                         (long long)note.size, (long long)prev.size);
            goto out_abort;
        }
        if ((rc = kf_ledger_root(l, prev.size, then, err))) goto out_abort;
        if (memcmp(then, prev.root, KF_HASH_LEN) != 0) {
            rc = kf_fail(err, KF_REFUSED,
                         "ledger is not consistent with your previous cosigned checkpoint "
                         "(size %lld)",
                         (long long)prev.size);
            goto out_abort;
        }
    }
    size_t start = out->len;
    if (!kf_buf_put(out, note.text, len) || !sig_line(out, auditor, note.text, note.body_len)) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out_abort;
    }
    char roothex[65], idhex[9];
    kf_hex(note.root, KF_HASH_LEN, roothex);
    snprintf(idhex, sizeof idhex, "%08x", auditor->id);
    const char *line = out->data + start + len;
    char sigline[256];
    snprintf(sigline, sizeof sigline, "%.*s", (int)(out->len - start - len - 1), line);
    if (!(e = kf_entry_new("checkpoint.cosign"))) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out_abort;
    }
    if ((rc = kf_entry_set_str(e, "origin", note.origin, err)) ||
        (rc = kf_entry_set_int(e, "size", note.size, err)) ||
        (rc = kf_entry_set_str(e, "root", roothex, err)) ||
        (rc = kf_entry_set_str(e, "auditor", idhex, err)) ||
        (rc = kf_entry_set_str(e, "signature", sigline, err)) || (rc = kf_txn_append(t, e, err)))
        goto out_abort;
    *seq = e->seq;
    rc = kf_txn_commit(t, NULL, err);
    t = NULL;
    if (rc) out->len = start;
    goto out_free;
out_abort:
    kf_txn_abort(t);
out_free:
    kf_entry_free(e);
    free(keys);
    kf_note_free(&note);
    return rc;
}
