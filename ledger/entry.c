/*
 * Canonical entry encoding (docs/FORMAT.md §2). Invariant: fields are kept
 * sorted by key with no duplicates, so encoding needs no sort and decoding can
 * check canonical form by re-encoding.
 */
#include "kifu/entry.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* A pool block beyond the entry's inline one. */
typedef struct pool_block {
    struct pool_block *next;
    char data[];
} pool_block;

static kf_entry *entry_alloc(void)
{
    kf_entry *e = malloc(sizeof *e);
    if (!e) return NULL;
    memset(e, 0, offsetof(kf_entry, inline_fields));
    e->fields = e->inline_fields;
    e->cap = KF_ENTRY_INLINE_FIELDS;
    e->pool = e->inline_pool;
    e->pool_left = sizeof e->inline_pool;
    return e;
}

/* Copies n bytes of s and a NUL into the entry's pool. */
static char *pool_copy(kf_entry *e, const char *s, size_t n)
{
    if (n + 1 > e->pool_left) {
        size_t size = n + 1 > 1024 ? n + 1 : 1024;
        pool_block *b = malloc(sizeof *b + size);
        if (!b) return NULL;
        b->next = e->blocks;
        e->blocks = b;
        e->pool = b->data;
        e->pool_left = size;
    }
    char *out = e->pool;
    memcpy(out, s, n);
    out[n] = '\0';
    e->pool += n + 1;
    e->pool_left -= n + 1;
    return out;
}

kf_entry *kf_entry_new(const char *kind)
{
    kf_entry *e = entry_alloc();
    if (!e) return NULL;
    e->magic = KF_ENTRY_MAGIC;
    if (!kind) kind = "";
    if (!(e->kind = pool_copy(e, kind, strlen(kind)))) {
        free(e);
        return NULL;
    }
    return e;
}

void kf_entry_free(kf_entry *e)
{
    if (!e) return;
    for (pool_block *b = e->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    if (e->fields != e->inline_fields) free(e->fields);
    free(e->arena);
    free(e);
}

/* Room for one more field. */
static bool grow_fields(kf_entry *e)
{
    if (e->nfields < e->cap) return true;
    size_t cap = e->cap * 2;
    kf_field *f = e->fields == e->inline_fields ? malloc(cap * sizeof *f)
                                                : realloc(e->fields, cap * sizeof *f);
    if (!f) return false;
    if (e->fields == e->inline_fields) memcpy(f, e->fields, e->nfields * sizeof *f);
    e->fields = f;
    e->cap = cap;
    return true;
}

bool kf_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n;
        uint32_t cp;
        if (*p < 0x80) {
            p++;
            continue;
        } else if ((*p & 0xE0) == 0xC0) {
            n = 1;
            cp = *p & 0x1F;
        } else if ((*p & 0xF0) == 0xE0) {
            n = 2;
            cp = *p & 0x0F;
        } else if ((*p & 0xF8) == 0xF0) {
            n = 3;
            cp = *p & 0x07;
        } else {
            return false;
        }
        p++;
        for (int i = 0; i < n; i++, p++) {
            if ((*p & 0xC0) != 0x80) return false;
            cp = cp << 6 | (*p & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
    }
    return true;
}

static bool valid_key(const char *key)
{
    size_t len = strlen(key);
    if (len == 0 || len > KF_KEY_MAX || key[0] < 'a' || key[0] > 'z') return false;
    for (const char *p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
            return false;
    return strcmp(key, "seq") != 0 && strcmp(key, "kind") != 0;
}

/* Finds key's slot: returns index of the key, or of where it would go. */
static size_t find_slot(const kf_entry *e, const char *key, bool *found)
{
    size_t lo = 0, hi = e->nfields;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(e->fields[mid].key, key);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

/* The field for key: the existing one (its old value is dropped) or a new
 * one at its sorted place. Fields set in key order, as the hot paths do,
 * are appended without a search. */
static kf_field *slot_for(kf_entry *e, const char *key, kf_err *err)
{
    if (!valid_key(key)) {
        kf_fail(err, KF_BAD_INPUT, "invalid field name '%s'", key);
        return NULL;
    }
    bool found = false;
    size_t i = e->nfields;
    if (i && strcmp(e->fields[i - 1].key, key) >= 0) i = find_slot(e, key, &found);
    if (found) {
        e->fields[i].str = NULL;
        return &e->fields[i];
    }
    char *k = pool_copy(e, key, strlen(key));
    if (!k || !grow_fields(e)) {
        kf_fail(err, KF_SYSTEM, "out of memory");
        return NULL;
    }
    memmove(&e->fields[i + 1], &e->fields[i], (e->nfields - i) * sizeof *e->fields);
    e->nfields++;
    e->fields[i] = (kf_field){.key = k};
    return &e->fields[i];
}

kf_code kf_entry_set_str(kf_entry *e, const char *key, const char *val, kf_err *err)
{
    if (!kf_utf8_valid(val))
        return kf_fail(err, KF_BAD_INPUT, "field '%s' is not valid UTF-8", key);
    kf_field *f = slot_for(e, key, err);
    if (!f) return err ? err->code : KF_BAD_INPUT;
    char *copy = pool_copy(e, val, strlen(val));
    if (!copy) return kf_fail(err, KF_SYSTEM, "out of memory");
    f->type = KF_FIELD_STR;
    f->str = copy;
    return KF_OK;
}

kf_code kf_entry_set_int(kf_entry *e, const char *key, int64_t val, kf_err *err)
{
    kf_field *f = slot_for(e, key, err);
    if (!f) return err ? err->code : KF_BAD_INPUT;
    f->type = KF_FIELD_INT;
    f->num = val;
    return KF_OK;
}

const kf_field *kf_entry_get(const kf_entry *e, const char *key)
{
    bool found;
    size_t i = find_slot(e, key, &found);
    return found ? &e->fields[i] : NULL;
}

const char *kf_entry_str(const kf_entry *e, const char *key)
{
    const kf_field *f = kf_entry_get(e, key);
    return f && f->type == KF_FIELD_STR ? f->str : NULL;
}

bool kf_entry_int(const kf_entry *e, const char *key, int64_t *out)
{
    const kf_field *f = kf_entry_get(e, key);
    if (!f || f->type != KF_FIELD_INT) return false;
    *out = f->num;
    return true;
}

static bool put_escaped(kf_buf *b, const char *s)
{
    const char *run = s;
    for (const char *p = s;; p++) {
        const char *esc = NULL;
        if (*p == '\\')
            esc = "\\\\";
        else if (*p == '\n')
            esc = "\\n";
        else if (*p == '\r')
            esc = "\\r";
        if (esc || !*p) {
            if (!kf_buf_put(b, run, (size_t)(p - run))) return false;
            if (!*p) return true;
            if (!kf_buf_puts(b, esc)) return false;
            run = p + 1;
        }
    }
}

/* Appends the canonical decimal form of v (no printf: this is the hot path
 * of appends and verification). */
static bool put_int(kf_buf *b, int64_t v)
{
    char digits[24], *p = digits + sizeof digits;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    return kf_buf_put(b, p, (size_t)(digits + sizeof digits - p));
}

kf_code kf_entry_encode(const kf_entry *e, kf_buf *out, kf_err *err)
{
    bool ok = kf_buf_puts(out, e->magic) && kf_buf_puts(out, "\nseq#") && put_int(out, e->seq) &&
              kf_buf_puts(out, "\nkind=") && put_escaped(out, e->kind) && kf_buf_put(out, "\n", 1);
    for (size_t i = 0; ok && i < e->nfields; i++) {
        const kf_field *f = &e->fields[i];
        ok = kf_buf_puts(out, f->key);
        if (!ok) break;
        if (f->type == KF_FIELD_INT)
            ok = kf_buf_put(out, "#", 1) && put_int(out, f->num);
        else
            ok = kf_buf_put(out, "=", 1) && put_escaped(out, f->str);
        ok = ok && kf_buf_put(out, "\n", 1);
    }
    return ok ? KF_OK : kf_fail(err, KF_SYSTEM, "out of memory");
}

/* Unescapes [p, end) into a new string; NULL on a bad escape. */
/* Unescapes [p, end) into o (room for end - p + 1 bytes); returns the end
 * of the NUL-terminated result, or NULL on a bad escape or control byte. */
static char *unescape_to(char *o, const char *p, const char *end)
{
    for (; p < end; p++) {
        if (*p != '\\') {
            if (*p == '\0' || *p == '\r') return NULL;
            *o++ = *p;
            continue;
        }
        if (++p == end) return NULL;
        if (*p == '\\')
            *o++ = '\\';
        else if (*p == 'n')
            *o++ = '\n';
        else if (*p == 'r')
            *o++ = '\r';
        else
            return NULL;
    }
    *o = '\0';
    return o;
}

/* Parses the canonical decimal form of an int64: "0" or an optional '-'
 * and a non-zero digit followed by digits; no '+', no leading zero, no "-0". */
static bool parse_canonical_int(const char *s, int64_t *out)
{
    const char *d = s[0] == '-' ? s + 1 : s;
    if (d[0] == '0' && (d[1] != '\0' || d != s)) return false;
    return kf_parse_i64(s, out);
}

/* Appends a field whose key sorts after every key already there; key and str
 * point into the entry's arena. */
static kf_code push_field(kf_entry *e, char *key, kf_field_type type, char *str, int64_t num,
                          kf_err *err)
{
    if (!grow_fields(e)) return kf_fail(err, KF_SYSTEM, "out of memory");
    e->fields[e->nfields++] = (kf_field){.key = key, .type = type, .str = str, .num = num};
    return KF_OK;
}

kf_code kf_entry_decode(const void *data, size_t len, const char *magic, kf_entry **out,
                        kf_err *err)
{
    const char *p = data, *end = p + len;
    size_t magic_len = strlen(magic);
    int line = 0;
    kf_entry *e = entry_alloc();
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    e->magic = magic;
    /* Every key and unescaped value is copied, NUL-terminated, into one
     * arena: it never needs more than the record's length plus one byte. */
    char *a = e->arena = malloc(len + 1);
    if (!a) {
        free(e);
        return kf_fail(err, KF_SYSTEM, "out of memory");
    }
    /* Canonical form is checked line by line: the magic, seq#, kind=, then
     * fields with valid keys in strictly ascending order, canonical ints,
     * strings with only the three escapes and valid UTF-8. Exactly one byte
     * string passes for a given record. */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            kf_fail(err, KF_BAD_INPUT, "line %d does not end in a newline", line + 1);
            goto out_free;
        }
        line++;
        if (line == 1) {
            if ((size_t)(nl - p) != magic_len || memcmp(p, magic, magic_len) != 0) {
                kf_fail(err, KF_BAD_INPUT, "first line is not '%s'", magic);
                goto out_free;
            }
            p = nl + 1;
            continue;
        }
        const char *sep = p;
        while (sep < nl && *sep != '=' && *sep != '#')
            sep++;
        size_t keylen = (size_t)(sep - p);
        if (sep == nl || keylen == 0 || keylen > KF_KEY_MAX || memchr(p, '\0', keylen)) {
            kf_fail(err, KF_BAD_INPUT, "line %d has no key=value or key#int", line);
            goto out_free;
        }
        /* key (keylen + 1 bytes) then value (at most nl - sep bytes with its
         * NUL): together no more than the line with its newline. */
        char *key = a;
        memcpy(key, p, keylen);
        key[keylen] = '\0';
        char *val = key + keylen + 1;
        char *val_end = unescape_to(val, sep + 1, nl);
        if (!val_end) {
            kf_fail(err, KF_BAD_INPUT, "line %d has a bad escape or control byte", line);
            goto out_free;
        }
        a = val_end + 1;
        if (line == 2) {
            if (strcmp(key, "seq") != 0 || *sep != '#' || !parse_canonical_int(val, &e->seq)) {
                kf_fail(err, KF_BAD_INPUT, "line 2 must be seq#<number>");
                goto out_free;
            }
        } else if (line == 3) {
            if (strcmp(key, "kind") != 0 || *sep != '=' || !kf_utf8_valid(val)) {
                kf_fail(err, KF_BAD_INPUT, "line 3 must be kind=<kind>");
                goto out_free;
            }
            e->kind = val;
        } else {
            kf_code rc;
            int64_t num = 0;
            if (!valid_key(key)) {
                kf_fail(err, KF_BAD_INPUT, "line %d: invalid field name '%s'", line, key);
                goto out_free;
            }
            if (e->nfields && strcmp(e->fields[e->nfields - 1].key, key) >= 0) {
                kf_fail(err, KF_BAD_INPUT, "line %d: key '%s' out of order", line, key);
                goto out_free;
            }
            if (*sep == '#') {
                if (!parse_canonical_int(val, &num)) {
                    kf_fail(err, KF_BAD_INPUT, "line %d: '%s' is not a canonical int64", line, key);
                    goto out_free;
                }
                rc = push_field(e, key, KF_FIELD_INT, NULL, num, err);
            } else {
                if (!kf_utf8_valid(val)) {
                    kf_fail(err, KF_BAD_INPUT, "line %d: '%s' is not valid UTF-8", line, key);
                    goto out_free;
                }
                rc = push_field(e, key, KF_FIELD_STR, val, 0, err);
            }
            if (rc) goto out_free;
        }
        p = nl + 1;
    }
    if (line < 3) {
        kf_fail(err, KF_BAD_INPUT, "record has %d lines, needs at least 3", line);
        goto out_free;
    }
    *out = e;
    return KF_OK;
out_free:
    kf_entry_free(e);
    return err && err->code ? err->code : KF_BAD_INPUT;
}

bool kf_entry_fields_json(const kf_entry *e, kf_buf *out)
{
    bool ok = kf_buf_put(out, "{", 1);
    for (size_t i = 0; ok && i < e->nfields; i++) {
        const kf_field *f = &e->fields[i];
        ok = (i == 0 || kf_buf_put(out, ",", 1)) && kf_buf_json_str(out, f->key) &&
             kf_buf_put(out, ":", 1);
        if (ok)
            ok = f->type == KF_FIELD_INT ? kf_buf_printf(out, "%lld", (long long)f->num)
                                         : kf_buf_json_str(out, f->str);
    }
    return ok && kf_buf_put(out, "}", 1);
}

bool kf_entry_fields_text(const kf_entry *e, kf_buf *out)
{
    bool ok = true;
    for (size_t i = 0; ok && i < e->nfields; i++) {
        const kf_field *f = &e->fields[i];
        ok = kf_buf_printf(out, "%s%s=", i ? " " : "", f->key);
        if (!ok) break;
        if (f->type == KF_FIELD_INT) {
            ok = kf_buf_printf(out, "%lld", (long long)f->num);
        } else if (strpbrk(f->str, " \n\r\"") || !*f->str) {
            ok = kf_buf_json_str(out, f->str);
        } else {
            ok = kf_buf_puts(out, f->str);
        }
    }
    return ok;
}
