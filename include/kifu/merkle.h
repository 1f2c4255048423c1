/*
 * kifu Merkle tree: RFC 6962 / RFC 9162 with SHA-256.
 *
 *   leaf = SHA256(0x00 || entry_bytes)
 *   node = SHA256(0x01 || left || right)
 *
 * Storage model (see docs/FORMAT.md): the hash of every *complete, aligned*
 * subtree is stored once it exists. Node (level L, index n) covers leaves
 * [n * 2^L, (n+1) * 2^L); level 0 nodes are the leaf hashes. Appending leaf i
 * creates node (L, ((i+1) >> L) - 1) for every L >= 1 with (i+1) % 2^L == 0,
 * so append costs O(log n) hashes and amortised O(1) stored rows. The root of
 * any size and every proof are computed from stored nodes alone: O(log n)
 * reads for a root, O(log^2 n) at worst for a proof (only the right edge of a
 * tree is not stored).
 *
 * All functions here are pure over a node reader, like Go's sumdb/tlog, so
 * that they can be tested against an in-memory store and an independent
 * recursive MTH.
 */
#ifndef KIFU_MERKLE_H
#define KIFU_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KF_HASH_LEN 32
typedef uint8_t kf_hash[KF_HASH_LEN];

/* Reads the stored hash of complete node (level, index). Returns 0 on
 * success, non-zero on failure (the failure is propagated). */
typedef int (*kf_node_reader)(void *ctx, int level, uint64_t index, kf_hash out);

/* Maximum proof length: a tree of up to 2^63 leaves. */
#define KF_PROOF_MAX 64

void kf_merkle_leaf(const void *data, size_t len, kf_hash out);
void kf_merkle_node(const kf_hash left, const kf_hash right, kf_hash out);
/* Hash of the empty tree: SHA256(""). */
void kf_merkle_empty(kf_hash out);

/* Receives each new complete internal node (level >= 1, index) created by
 * kf_merkle_frontier_append, with its hash. Returns 0 on success; a non-zero
 * result stops the append and is propagated. */
typedef int (*kf_node_writer)(void *ctx, int level, uint64_t index, const kf_hash h);

typedef struct {
    /* frontier[L] = hash of the most recent complete node at level L, valid
     * when bit L of size is set. */
    kf_hash frontier[KF_PROOF_MAX];
    uint64_t size;
} kf_merkle_frontier;

/* Loads the frontier of a tree of `size` leaves: one read, of node
 * (L, (size >> L) - 1), per set bit L of size. f is unchanged on failure. */
int kf_merkle_frontier_load(kf_merkle_frontier *f, uint64_t size, kf_node_reader rd, void *ctx);
/* Appends leaf number f->size (0-based) whose hash is `leaf`, reading nothing
 * from storage. For each new complete internal node (level >= 1), in
 * increasing level, calls emit(ctx, level, index, hash); appending leaf i
 * creates node (L, ((i+1) >> L) - 1) for every L >= 1 with 2^L dividing i+1.
 * Returns the first non-zero emit result (f is then unchanged), -1 if the
 * tree is full, or 0. */
int kf_merkle_frontier_append(kf_merkle_frontier *f, const kf_hash leaf, kf_node_writer emit,
                              void *ctx);
/* Root of the tree the frontier describes (empty hash for size 0). */
void kf_merkle_frontier_root(const kf_merkle_frontier *f, kf_hash out);

/* Root of the tree of `size` leaves (MTH(D[0:size])). */
int kf_merkle_root(uint64_t size, kf_node_reader rd, void *ctx, kf_hash out);

/* RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in a tree of `size`.
 * Writes up to KF_PROOF_MAX hashes to path and their count to *n. Returns -1
 * if index >= size or size > 2^63, else the reader's error, else 0. */
int kf_merkle_prove_inclusion(uint64_t index, uint64_t size, kf_node_reader rd, void *ctx,
                              kf_hash path[KF_PROOF_MAX], size_t *n);
/* RFC 9162 §2.1.4.1 consistency proof from size m to `size` (0 < m <= size
 * <= 2^63; m == size gives an empty proof). Returns -1 for other m or size,
 * else the reader's error, else 0. */
int kf_merkle_prove_consistency(uint64_t m, uint64_t size, kf_node_reader rd, void *ctx,
                                kf_hash path[KF_PROOF_MAX], size_t *n);

/* RFC 9162 §2.1.3.2: true iff path proves leaf at index is in root of size. */
bool kf_merkle_verify_inclusion(uint64_t index, uint64_t size, const kf_hash leaf,
                                const kf_hash path[], size_t n, const kf_hash root);
/* RFC 9162 §2.1.4.2: true iff path proves old_root (size m) is a prefix of
 * root (size n). m == n needs an empty path and equal roots; m == 0 is
 * refused (nothing to prove). */
bool kf_merkle_verify_consistency(uint64_t m, uint64_t size, const kf_hash old_root,
                                  const kf_hash root, const kf_hash path[], size_t n);

#endif
