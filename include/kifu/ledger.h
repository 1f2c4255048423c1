/*
 * kifu ledger: the append-only, Merkle-hashed, signed sequence of entries in
 * one SQLite file (docs/FORMAT.md).
 *
 * Invariants that hold after every committed transaction:
 *   - entries are numbered seq = 1..N with no gap; entry 1 is the genesis;
 *   - every entry belongs to exactly one commit; commits are numbered
 *     1..C and cover consecutive, non-overlapping seq ranges ending at N;
 *   - every complete Merkle node over the N leaves is stored (merkle.h);
 *   - each commit's body names the tree size and root after it and carries
 *     the Ed25519 signature of a key that the ledger had added, not revoked,
 *     before the commit began, and whose role may write every entry kind in
 *     the commit (kf_role_may_write).
 * SQLite triggers refuse UPDATE and DELETE on the ledger tables; tamper
 * evidence still comes from hashes and signatures (kf_ledger_verify).
 *
 * Other modules append through kf_txn_* and read through kf_ledger_scan and
 * kf_ledger_entry; they may keep derived tables of their own (rebuilt from
 * entries) through the db handle and the indexer hook.
 */
#ifndef KIFU_LEDGER_H
#define KIFU_LEDGER_H

#include "kifu/common.h"
#include "kifu/entry.h"
#include "kifu/keys.h"
#include "kifu/merkle.h"

typedef struct kf_ledger kf_ledger;
typedef struct kf_txn kf_txn;
typedef struct sqlite3 sqlite3;

/* Roles, as a bit set. */
enum { KF_ROLE_ADMIN = 1, KF_ROLE_TREASURER = 2, KF_ROLE_REVIEWER = 4, KF_ROLE_AUDITOR = 8 };
/* "admin" -> KF_ROLE_ADMIN...; 0 if unknown. */
unsigned kf_role_parse(const char *name);
const char *kf_role_name(unsigned role);
/* The roles allowed to write an entry kind; 0 for an unknown kind. */
unsigned kf_kind_roles(const char *kind);
bool kf_role_may_write(unsigned role, const char *kind);

/* A key as the ledger knows it (from genesis, key.add and key.revoke). */
typedef struct {
    uint32_t id;
    char name[KF_KEYNAME_MAX + 1];
    uint8_t pub[32];
    unsigned role;
    char affiliation[512];          /* comma-separated group ids, may be empty */
    int64_t added_seq, revoked_seq; /* revoked_seq 0 = active */
} kf_key_info;

typedef struct {
    char fund[256];
    char origin[256];
    int64_t size; /* number of entries */
    int64_t commits;
} kf_ledger_info;

/* Creates a new ledger file (refused if it exists) with the genesis commit:
 * fund name, checkpoint origin and the first admin's public key. */
kf_code kf_ledger_create(const char *path, const char *fund, const char *origin,
                         const kf_signer *admin, kf_ledger **out, kf_err *err);
/* Opens an existing kifu ledger; a missing file or a non-kifu SQLite file is
 * KF_BAD_INPUT with a clear message. */
kf_code kf_ledger_open(const char *path, kf_ledger **out, kf_err *err);
void kf_ledger_close(kf_ledger *l);
/* For modules' own derived tables only; never write the ledger tables. */
sqlite3 *kf_ledger_db(kf_ledger *l);
typedef struct sqlite3_stmt sqlite3_stmt;
/* A prepared statement for sql, cached by the ledger for its lifetime (keyed
 * by the sql text), reset and with cleared bindings. The caller binds, steps
 * and must sqlite3_reset it before asking for the same sql again. NULL on a
 * prepare error (the message from sqlite3_errmsg). */
sqlite3_stmt *kf_ledger_stmt(kf_ledger *l, const char *sql);
/* Prepares head followed by rows groups of ncols parameters:
 * "INSERT INTO t(a, b) VALUES" -> "... VALUES(?,?),(?,?)" for a multi-row
 * insert (appends go to SQLite in batches). NULL on a prepare error. */
sqlite3_stmt *kf_sql_insert_rows(sqlite3 *db, const char *head, int ncols, int rows);
/* The SQL helper pair for derived tables (ledger/sql.c). types: one letter
 * per parameter, 's' text (NULL binds NULL) or 'i' int64_t. A failed
 * constraint is KF_REFUSED (the entries contradict each other), any other
 * failure KF_SYSTEM. */
kf_code kf_sql_exec(kf_ledger *l, kf_err *err, const char *sql, const char *types, ...);
/* Reads one row: *found tells whether there was one; its columns go to the
 * pointers after the arguments, described by out_types: 'i' an int64_t *,
 * 's' a char * followed by its size (size_t). */
kf_code kf_sql_row(kf_ledger *l, kf_err *err, bool *found, const char *sql, const char *in_types,
                   const char *out_types, ...);
/* Checkpoints the WAL into the main file and truncates it (after erasing
 * personal data, so no copy stays in the WAL). Best effort. */
void kf_ledger_flush_wal(kf_ledger *l);

kf_code kf_ledger_get_info(kf_ledger *l, kf_ledger_info *out, kf_err *err);

/* All keys in ledger order. *keys is malloc'd. */
kf_code kf_ledger_keys(kf_ledger *l, kf_key_info **keys, size_t *n, kf_err *err);
/* The key with this id; KF_REFUSED if none. */
kf_code kf_ledger_key(kf_ledger *l, uint32_t id, kf_key_info *out, kf_err *err);

/* Entries that add a key (role is one KF_ROLE_*; affiliation is a
 * comma-separated list of group ids or NULL) and that revoke one. */
kf_code kf_key_add_entry(const char *name, const uint8_t pub[32], unsigned role,
                         const char *affiliation, kf_entry **out, kf_err *err);
kf_code kf_key_revoke_entry(uint32_t id, kf_entry **out, kf_err *err);

/* --- writing ------------------------------------------------------------ */

/* Begins a write: BEGIN IMMEDIATE (waits for other writers), then checks
 * that signer is an active key of this ledger. */
kf_code kf_txn_begin(kf_ledger *l, const kf_signer *signer, kf_txn **out, kf_err *err);
/* Appends e (its seq is assigned here and written back). Refused if the
 * signer's role may not write e->kind. */
kf_code kf_txn_append(kf_txn *t, kf_entry *e, kf_err *err);
/* Signs and writes the commit, then COMMIT. Frees t whatever the result.
 * A commit with no entries is refused. */
kf_code kf_txn_commit(kf_txn *t, int64_t *commit_id, kf_err *err);
/* ROLLBACK and free. Safe on NULL. */
void kf_txn_abort(kf_txn *t);
kf_ledger *kf_txn_ledger(kf_txn *t);
/* The key id of the transaction's signer. */
uint32_t kf_txn_actor(const kf_txn *t);
/* Current size inside the transaction, including appended entries. */
int64_t kf_txn_size(const kf_txn *t);

/* --- reading ------------------------------------------------------------ */

typedef struct {
    int64_t seq;
    int64_t commit;
    kf_hash leaf;
    char time[40];  /* commit time */
    uint32_t actor; /* signing key id */
    const kf_entry *entry;
} kf_row;

/* Calls fn for every entry with seq >= since (in seq order) whose kind equals
 * `kind` (or all when NULL). fn returns non-zero to stop, and that value is
 * returned as the kf_code: a callback that fails returns its kf_code
 * (KF_SYSTEM when out of memory), not just any non-zero value. */
typedef int (*kf_row_fn)(void *ctx, const kf_row *row);
kf_code kf_ledger_scan(kf_ledger *l, int64_t since, const char *kind, kf_row_fn fn, void *ctx,
                       kf_err *err);
/* The entry at seq; KF_BAD_INPUT if there is none. Caller frees. */
kf_code kf_ledger_entry(kf_ledger *l, int64_t seq, kf_entry **out, kf_err *err);
/* Writes to SQLite what the open write transaction (if any) still holds in
 * memory: appends go to the tables in batches. The readers of ledger/ call it
 * themselves; a module reading its own batched table calls it first. */
kf_code kf_ledger_flush(kf_ledger *l, kf_err *err);

/* --- derived indexes ------------------------------------------------------ */

/* A module's derived tables (registries, pool totals...): never the source of
 * truth, always rebuildable from the entries. apply() is called for every
 * appended entry inside the write transaction, so derived state is exactly as
 * durable as the entries; a non-OK result aborts the whole transaction. */
typedef struct {
    const char *name; /* unique, e.g. "donations" */
    int version;      /* bump when the derived tables or their logic change */
    kf_code (*reset)(void *ctx, kf_ledger *l, kf_err *err); /* drop + create, empty */
    kf_code (*apply)(void *ctx, kf_ledger *l, const kf_row *row, kf_err *err);
    void (*close)(void *ctx); /* frees ctx when the ledger closes; may be NULL */
    void *ctx;
    /* May be NULL. A module that keeps rows of the open transaction in memory
     * (to write them in batches) writes them when write is true: before the
     * commit and whenever kf_ledger_flush is called; it drops them when the
     * transaction is aborted (write false). */
    kf_code (*flush)(void *ctx, kf_ledger *l, bool write, kf_err *err);
} kf_index;

#define KF_MAX_INDEXES 8
/* Registers an index and brings it up to date: rebuilt from all entries if
 * its version changed, caught up if entries were appended without it. */
kf_code kf_ledger_add_index(kf_ledger *l, const kf_index *ix, kf_err *err);
/* The ctx of the registered index `name`, or NULL. */
void *kf_ledger_index_ctx(kf_ledger *l, const char *name);
/* Rebuilds every registered index from the entries, in one transaction. */
kf_code kf_ledger_reindex(kf_ledger *l, kf_err *err);

/* --- proofs ------------------------------------------------------------- */

kf_code kf_ledger_root(kf_ledger *l, int64_t size, kf_hash root, kf_err *err);
kf_code kf_ledger_leaf(kf_ledger *l, int64_t seq, kf_hash leaf, kf_err *err);
kf_code kf_ledger_prove_inclusion(kf_ledger *l, int64_t seq, int64_t size,
                                  kf_hash path[KF_PROOF_MAX], size_t *n, kf_err *err);
kf_code kf_ledger_prove_consistency(kf_ledger *l, int64_t from, int64_t size,
                                    kf_hash path[KF_PROOF_MAX], size_t *n, kf_err *err);

/* --- checkpoints (C2SP tlog-checkpoint signed notes) --------------------- */

#define KF_NOTE_MAXSIGS 16
typedef struct {
    char origin[256];
    int64_t size;
    kf_hash root;
    size_t body_len; /* the signed text is text[0..body_len) */
    char *text;      /* the whole note (malloc'd) */
    size_t nsigs;
    struct {
        char name[KF_KEYNAME_MAX + 1];
        uint32_t id;
        uint8_t sig[64];
    } sigs[KF_NOTE_MAXSIGS];
} kf_note;

kf_code kf_note_parse(const char *text, size_t len, kf_note *out, kf_err *err);
void kf_note_free(kf_note *n);
/* True if the note carries a valid signature by (name, pub). */
bool kf_note_signed_by(const kf_note *n, const char *name, const uint8_t pub[32]);

/* Writes a checkpoint of the current tree, signed by signer (an active admin
 * or treasurer key of the ledger). Appends nothing. */
kf_code kf_checkpoint(kf_ledger *l, const kf_signer *signer, kf_buf *out, kf_err *err);

/* Auditor cosignature: checks note is a checkpoint of this ledger signed by
 * one of its admin/treasurer keys and matching the tree at its size, and that
 * the ledger is consistent with the auditor's previous cosigned checkpoint;
 * records a checkpoint.cosign entry and appends the auditor's signature line
 * to out (the whole cosigned note). */
kf_code kf_cosign(kf_ledger *l, const kf_signer *auditor, const char *note, size_t len, kf_buf *out,
                  int64_t *seq, kf_err *err);

/* --- the head and the signed figures -------------------------------------- */

/* A commit record as verification and the head check read it. `figures`
 * is the digest of the derived figures after the commit (docs/FORMAT.md §3). */
typedef struct {
    int64_t id, first, last;
    kf_hash root;
    char time[40];
    uint32_t key;
    kf_hash figures;
} kf_commit_info;

/* The digest of the derived figures that reads present (docs/FORMAT.md §3,
 * "figures"): computed by the layer above from its derived tables as they
 * stand (inside the open write transaction, at commit). */
typedef kf_code (*kf_figures_fn)(void *ctx, kf_ledger *l, kf_hash out, kf_err *err);
/* Registers it (the fund layer does, for its pool figures). Every commit
 * signs its digest; without one a commit signs the digest of no figures. */
void kf_ledger_set_figures(kf_ledger *l, kf_figures_fn fn, void *ctx);
/* The head: the last commit, checked (signature by an entitled key, no rows
 * beyond it, the stored tree gives its signed root). Checked again if
 * another process committed since. */
kf_code kf_ledger_head(kf_ledger *l, kf_commit_info *out, kf_err *err);
/* True while a write transaction is open on l. */
bool kf_ledger_writing(const kf_ledger *l);
/* Opens a ledger to verify it: read-only (SQLite never writes the file), no
 * head check, no indexes; only kf_ledger_verify and plain reads are meant
 * for it. */
kf_code kf_ledger_open_readonly(const char *path, kf_ledger **out, kf_err *err);

/* --- a scratch ledger: derived state rebuilt in memory ------------------- */

/* Opens a scratch ledger over the file of `of` (ledger/scratch.c): an
 * in-memory database with the file attached read-only as schema "src",
 * which nothing through it can write. The ledger's readers read the file's
 * entries; indexes added to it (kf_ledger_add_index, e.g. through the
 * modules' attach functions) create their tables in memory, empty, and are
 * not caught up. Until kf_ledger_scratch_build has run, reading the file's
 * tables other than entries, commits and nodes is refused. */
kf_code kf_ledger_open_scratch(kf_ledger *of, kf_ledger **out, kf_err *err);
/* Begins the scratch's one read transaction: from here on it sees the file
 * as it is now. *size is the last seq its last commit covers (0 if there is
 * no readable commit). */
kf_code kf_ledger_scratch_begin(kf_ledger *s, int64_t *size, kf_err *err);
/* Applies entries 1..size, in seq order, to every index added, calling fn
 * (may be NULL) after each entry; then writes what the indexes hold in
 * memory and records in the scratch's index_state that they cover `size`.
 * A non-zero return of fn stops it and is returned. Afterwards all the
 * file's tables may be read, as src.<table>, to compare. */
kf_code kf_ledger_scratch_build(kf_ledger *s, int64_t size, kf_row_fn fn, void *ctx, kf_err *err);
/* The name of the index whose reset created `table` in a scratch ledger, or
 * NULL (a table of no index, e.g. index_state or personal). */
const char *kf_ledger_table_owner(kf_ledger *s, const char *table);

/* --- verification ------------------------------------------------------- */

/* Called for every entry in seq order during verification, once its
 * commit's signature, entry bytes, nodes and signed root are checked and the
 * signer's role may write the entry; used to re-derive the rules. */
typedef kf_code (*kf_verify_fn)(void *ctx, const kf_row *row, kf_err *err);

typedef struct {
    /* Trusted checkpoint note text, or NULL. It is judged on its own first:
     * it must parse, name the genesis origin and carry a valid signature by
     * an admin or treasurer key of the ledger added at a seq <= its size and
     * not revoked at a seq <= its size. If not, verification fails with
     * KF_BAD_INPUT, "trusted checkpoint is not a valid checkpoint of this
     * ledger: <why>". Only then are the ledger's size and root at that size
     * compared with it (KF_REFUSED: truncated, rolled back or rewritten). */
    const char *trust;
    size_t trust_len;
    /* Called for each entry in seq order once its whole commit has passed
     * the signature, bytes, hashes, nodes and signed root checks, and after
     * the signer's role is checked for that entry. May be NULL. */
    kf_verify_fn on_entry;
    /* Called after each commit whose entries all passed (signature, root,
     * roles, on_entry, cosignatures) and whose key entries were applied: the
     * layer above compares the figures it re-derived with c->figures. May be
     * NULL. */
    kf_code (*on_commit)(void *ctx, const kf_commit_info *c, kf_err *err);
    void *ctx;
} kf_verify_opts;

typedef struct {
    int64_t entries, commits, nodes, keys;
    kf_hash root;
    bool trusted; /* a trusted checkpoint was checked */
} kf_verify_report;

/* Full verification (docs/FORMAT.md §8). On failure returns KF_REFUSED with a
 * message naming the first bad seq or commit. */
kf_code kf_ledger_verify(kf_ledger *l, const kf_verify_opts *opts, kf_verify_report *rep,
                         kf_err *err);

#endif
