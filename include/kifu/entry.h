/*
 * kifu entries: one fact of the ledger, and its canonical bytes.
 *
 * An entry is a seq, a kind and a set of fields (string or int64). Its
 * canonical encoding (docs/FORMAT.md §2) is line-based UTF-8:
 *
 *     kifu.entry.v1\n
 *     seq#<decimal>\n
 *     kind=<kind>\n
 *     <key>=<escaped string>\n    or    <key>#<decimal int64>\n
 *     ...                         (keys unique, in ascending byte order)
 *
 * Exactly one encoding exists per entry: decoding re-encodes and compares,
 * so a verifier rejects any non-canonical bytes. Commit records use the same
 * encoding with the magic line "kifu.commit.v2" (seq is the commit number).
 */
#ifndef KIFU_ENTRY_H
#define KIFU_ENTRY_H

#include "kifu/common.h"

#define KF_ENTRY_MAGIC "kifu.entry.v1"
#define KF_COMMIT_MAGIC "kifu.commit.v2"
#define KF_KEY_MAX 64

typedef enum { KF_FIELD_STR, KF_FIELD_INT } kf_field_type;

typedef struct {
    char *key;
    kf_field_type type;
    char *str;   /* KF_FIELD_STR */
    int64_t num; /* KF_FIELD_INT */
} kf_field;

#define KF_ENTRY_INLINE_FIELDS 16
#define KF_ENTRY_INLINE_BYTES 512

/* An entry owns all its memory: the kind, keys and strings live in its
 * pool (a block allocated with the entry, then chained blocks if it fills;
 * a replaced value is left there until the entry is freed), and the field
 * array starts inside the entry too. Building a typical entry with
 * kf_entry_new and the setters costs one malloc. */
typedef struct {
    const char *magic; /* KF_ENTRY_MAGIC or KF_COMMIT_MAGIC (static string) */
    int64_t seq;
    char *kind;
    kf_field *fields; /* kept sorted by key */
    size_t nfields, cap;
    /* private: */
    char *pool; /* free space of the current pool block */
    size_t pool_left;
    void *blocks; /* chained pool blocks beyond the inline one */
    char *arena;  /* a decoded entry's record copy (keys and strings) */
    kf_field inline_fields[KF_ENTRY_INLINE_FIELDS];
    char inline_pool[KF_ENTRY_INLINE_BYTES];
} kf_entry;

kf_entry *kf_entry_new(const char *kind);
void kf_entry_free(kf_entry *e);

/* Set a field (replacing any earlier value of the key). A key is
 * [a-z][a-z0-9_.]{0,63} and not "seq" or "kind"; a string is valid UTF-8
 * without NUL. Returns KF_BAD_INPUT with a message naming the key. */
kf_code kf_entry_set_str(kf_entry *e, const char *key, const char *val, kf_err *err);
kf_code kf_entry_set_int(kf_entry *e, const char *key, int64_t val, kf_err *err);

const kf_field *kf_entry_get(const kf_entry *e, const char *key);
/* The string value of key, or NULL if absent or not a string. */
const char *kf_entry_str(const kf_entry *e, const char *key);
/* The int value of key; false if absent or not an int. */
bool kf_entry_int(const kf_entry *e, const char *key, int64_t *out);

/* Appends the canonical bytes of e to out. */
kf_code kf_entry_encode(const kf_entry *e, kf_buf *out, kf_err *err);
/* Parses canonical bytes with the given magic. Non-canonical input (unsorted
 * or duplicate keys, bad escapes, leading zeros...) is KF_BAD_INPUT. */
kf_code kf_entry_decode(const void *data, size_t len, const char *magic, kf_entry **out,
                        kf_err *err);

/* Appends the fields (not seq/kind) as a JSON object; ints are numbers. */
bool kf_entry_fields_json(const kf_entry *e, kf_buf *out);
/* Appends the fields as "key=value key=value" for one readable line. */
bool kf_entry_fields_text(const kf_entry *e, kf_buf *out);

/* True if s is valid UTF-8 with no NUL. */
bool kf_utf8_valid(const char *s);

#endif
