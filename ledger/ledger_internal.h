/* Internals shared by the files of ledger/ (not a public header). */
#ifndef KIFU_LEDGER_INTERNAL_H
#define KIFU_LEDGER_INTERNAL_H

#include "kifu/ledger.h"

#include <sqlite3.h>

struct kf_ledger {
    sqlite3 *db;
    char *path;
    kf_index indexes[KF_MAX_INDEXES];
    int nindexes;
    sqlite3_stmt *get_leaf, *get_node; /* prepared lazily by the node reader */
    bool node_db_error;                /* the node reader met a database error, not a missing row */
    struct {
        char *sql;          /* a copy of the sql text, the key */
        const char *origin; /* the pointer the caller passed last time */
        sqlite3_stmt *st;
    } stmts[128]; /* kf_ledger_stmt's cache */
    int nstmts;
    struct kf_txn *txn; /* the open write transaction, if any */
};

/* A parsed commit record (docs/FORMAT.md §3). */
typedef struct {
    int64_t id, first, last, size;
    kf_hash root;
    char time[40];
    uint32_t key;
} kf_commit_rec;

kf_code kf_db_fail(kf_ledger *l, kf_err *err, const char *what);
/* After kf_ledger_node_reader failed a Merkle computation: a database error
 * (I/O, out of memory) is KF_SYSTEM; else the tree is damaged, KF_REFUSED
 * with `damaged` (a printf format and its arguments). */
kf_code kf_tree_fail(kf_ledger *l, kf_err *err, const char *damaged, ...)
    __attribute__((format(printf, 3, 4)));
int64_t kf_node_idx(int level, uint64_t n);
int kf_ledger_node_reader(void *ctx, int level, uint64_t index, kf_hash out);
kf_code kf_commit_body(int64_t id, int64_t first, int64_t last, const kf_hash root,
                       const char *time, uint32_t key, kf_buf *out, kf_err *err);
kf_code kf_commit_parse(const void *body, size_t len, kf_commit_rec *c, kf_err *err);
kf_code kf_key_from_entry(const kf_entry *e, int64_t seq, kf_key_info *k, kf_err *err);
/* genesis, key.add, key.revoke: the kinds that change the key set. */
bool kf_is_key_kind(const char *kind);
kf_code kf_keys_apply(kf_key_info **keys, size_t *n, const kf_entry *e, int64_t seq, kf_err *err);
/* A genesis or key.add entry for a key (without affiliation). */
kf_code kf_key_entry(const char *kind, const char *name, const uint8_t pub[32], const char *role,
                     kf_entry **out, kf_err *err);

#endif
