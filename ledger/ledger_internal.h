/* Internals shared by the files of ledger/ (not a public header). */
#ifndef KIFU_LEDGER_INTERNAL_H
#define KIFU_LEDGER_INTERNAL_H

#include "kifu/ledger.h"

#include <sqlite3.h>

#define KIFU_APP_ID 0x6B696675 /* "kifu": PRAGMA application_id */
#define KIFU_SCHEMA_VERSION 2  /* PRAGMA user_version */

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
    struct kf_txn *txn; /* the open write transaction, if any (txn.c) */
    /* Writes what the open transaction holds in memory (kf_ledger_flush, set
     * by txn.c): readers call lg_flush, so that they need not call txn.c. */
    kf_code (*flush_hook)(kf_ledger *l, kf_err *err);
    kf_figures_fn figures_fn; /* the layer above's digest of derived figures (head.c) */
    void *figures_ctx;
    kf_commit_info head; /* the last commit, as the head check found it */
    bool have_head;
    bool readonly; /* opened by kf_ledger_open_readonly: no head check, no writes */
    /* A scratch ledger (scratch.c): indexes in memory over the file attached
     * read-only as "src". Indexes added to it are created, not caught up
     * (indexes.c); scratch_built once kf_ledger_scratch_build filled them. */
    bool scratch, scratch_built;
    struct {
        char table[64];
        int index; /* the index whose reset created the table */
    } owners[32];
    int nowners;
};

/* A parsed commit record (docs/FORMAT.md §3). */
typedef struct {
    int64_t id, first, last, size;
    kf_hash root;
    char time[40];
    uint32_t key;
    kf_hash figures; /* the derived figures' digest (format version 2) */
} lg_commit_rec;

/* --- open.c --- */
kf_code lg_db_fail(kf_ledger *l, kf_err *err, const char *what);
/* --- sql.c: the base of the folder --- */
/* Writes what the open write transaction still holds in memory, if any. */
kf_code lg_flush(kf_ledger *l, kf_err *err);
/* --- head.c --- */
/* Checks the head (the last commit: record, signer, signature, nothing
 * stored beyond it, the stored tree's root at its size) and keeps it in
 * l->head. KF_REFUSED names what is wrong. Runs in the caller's transaction
 * when one is open, else in a read transaction of its own. */
kf_code lg_head_check(kf_ledger *l, kf_err *err);
/* The digest of the derived figures as they stand (the registered
 * kf_figures_fn, or the digest of no figures). */
kf_code lg_figures(kf_ledger *l, kf_hash out, kf_err *err);
/* The first column of the first row of sql (a PRAGMA or a SELECT); *ok false
 * if there is no row or on an error. */
int64_t lg_pragma_int(sqlite3 *db, const char *sql, bool *ok);

/* --- read.c --- */
/* After lg_ledger_node_reader failed a Merkle computation: a database error
 * (I/O, out of memory) is KF_SYSTEM; else the tree is damaged, KF_REFUSED
 * with `damaged` (a printf format and its arguments). */
kf_code lg_tree_fail(kf_ledger *l, kf_err *err, const char *damaged, ...)
    __attribute__((format(printf, 3, 4)));
int64_t lg_node_idx(int level, uint64_t n);
/* kf_node_reader over the ledger tables (ctx is the kf_ledger). */
int lg_ledger_node_reader(void *ctx, int level, uint64_t index, kf_hash out);
kf_code lg_commit_parse(const void *body, size_t len, lg_commit_rec *c, kf_err *err);
/* Decodes the body of a stored entry: bytes that do not decode are a
 * damaged ledger (refused, see kifu verify); running out of memory is not. */
kf_code lg_stored_entry(const void *body, size_t len, int64_t seq, kf_entry **out, kf_err *err);

/* --- txn.c --- */
/* Starts a write: BEGIN IMMEDIATE, the commit time fixed; l->txn is set. */
kf_code lg_txn_start(kf_ledger *l, const kf_signer *signer, unsigned role, kf_txn **out,
                     kf_err *err);
kf_code lg_commit_body(int64_t id, int64_t first, int64_t last, const kf_hash root,
                       const char *time, uint32_t key, const kf_hash figures, kf_buf *out,
                       kf_err *err);

/* --- note.c --- */
/* Whether line, one C2SP signature line without its newline ("— name
 * base64"), is the only signature line and a valid signature by (name, pub)
 * of the checkpoint note <origin, size, root>, as a checkpoint.cosign entry
 * records it: *ok. KF_SYSTEM only when out of memory. */
kf_code lg_checkpoint_line_ok(const char *origin, int64_t size, const kf_hash root,
                              const char *line, const char *name, const uint8_t pub[32], bool *ok,
                              kf_err *err);

/* --- indexes.c --- */
/* Records that every registered index covers entries up to seq. */
kf_code lg_index_mark(kf_ledger *l, int64_t seq, kf_err *err);
/* Writes what each index holds in memory (flush with write = true). */
kf_code lg_index_flush(kf_ledger *l, kf_err *err);

/* --- keyset.c --- */
kf_code lg_key_from_entry(const kf_entry *e, int64_t seq, kf_key_info *k, kf_err *err);
kf_code lg_keys_apply(kf_key_info **keys, size_t *n, const kf_entry *e, int64_t seq, kf_err *err);
/* A genesis or key.add entry for a key (without affiliation). */
kf_code lg_key_entry(const char *kind, const char *name, const uint8_t pub[32], const char *role,
                     kf_entry **out, kf_err *err);

/* --- roles.c --- */
/* genesis, key.add, key.revoke: the kinds that change the key set. */
bool lg_is_key_kind(const char *kind);

#endif
