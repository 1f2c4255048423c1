/*
 * kifu Merkle tree (RFC 6962 / RFC 9162), in the style of Go's sumdb/tlog.
 *
 * Terms. Leaves are numbered 0, 1, 2, ... Node (L, n) is the complete,
 * aligned subtree of 2^L leaves [n * 2^L, (n+1) * 2^L); (0, n) is leaf n's
 * hash. MTH(D[lo:hi]) is the RFC hash of leaves [lo, hi).
 *
 * Invariants:
 *  - Only complete nodes are ever read through a kf_node_reader. Any other
 *    range [lo, hi) is hashed by subtree_hash(), which splits it the RFC way
 *    at lo + k (k = largest power of two < hi - lo). In every range the RFC
 *    recursion produces, lo is a multiple of the power of two at or above
 *    hi - lo, so the left half is always a complete node and the split
 *    bottoms out in O(log n) node reads, one per set bit of hi - lo.
 *  - A frontier of size s holds, for each set bit L of s, the hash of node
 *    (L, (s >> L) - 1): the tree of size s is exactly these nodes, largest
 *    (leftmost) first. Appending a leaf is a binary-counter increment: the
 *    new leaf merges with frontier[0], [1], ... while those bits are set,
 *    and every merge is a new complete node that is emitted for storage.
 *  - On failure a frontier and a proof's *n are left unchanged; other
 *    outputs (root, path contents) are then unspecified.
 *  - Proofs are at most KF_PROOF_MAX hashes: inclusion proofs have one per
 *    level (<= 64); consistency proofs up to ceil(log2 size) + 1, which is
 *    why provers refuse sizes above 2^63.
 */
#include "kifu/merkle.h"

#include <assert.h>
#include <string.h>

/* SHA-256 comes from OpenSSL's libcrypto here: it uses the CPU's SHA
 * extensions where present (about 4x libsodium 1.0.18's portable code), and
 * these two functions are the hot path of appends and verification. The
 * low-level SHA256_* API is deprecated in OpenSSL 3 but kept and fastest. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#define MAX_PROVABLE_SIZE (UINT64_C(1) << 63)

void kf_merkle_leaf(const void *data, size_t len, kf_hash out)
{
    static const uint8_t prefix = 0x00;
    SHA256_CTX st;

    SHA256_Init(&st);
    SHA256_Update(&st, &prefix, 1);
    SHA256_Update(&st, data, len);
    SHA256_Final(out, &st);
}

void kf_merkle_node(const kf_hash left, const kf_hash right, kf_hash out)
{
    uint8_t buf[1 + 2 * KF_HASH_LEN];

    buf[0] = 0x01;
    memcpy(buf + 1, left, KF_HASH_LEN);
    memcpy(buf + 1 + KF_HASH_LEN, right, KF_HASH_LEN);
    /* The low-level calls, not one-shot SHA256(), which looks the algorithm
     * up (with locks) on every call in OpenSSL 3. out may alias left/right. */
    SHA256_CTX st;
    SHA256_Init(&st);
    SHA256_Update(&st, buf, sizeof(buf));
    SHA256_Final(out, &st);
}

void kf_merkle_empty(kf_hash out)
{
    SHA256((const uint8_t *)"", 0, out);
}

static bool is_pow2(uint64_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* Largest power of two strictly less than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    assert(n >= 2);
    return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

/* MTH(D[lo:hi]) from complete nodes only. */
static int subtree_hash(uint64_t lo, uint64_t hi, kf_node_reader rd, void *ctx, kf_hash out)
{
    uint64_t n = hi - lo, k;
    kf_hash left, right;
    int rc;

    assert(lo < hi);
    if (is_pow2(n) && (lo & (n - 1)) == 0) {
        int level = __builtin_ctzll(n);
        return rd(ctx, level, lo >> level, out);
    }
    k = split_point(n);
    if ((rc = subtree_hash(lo, lo + k, rd, ctx, left)) != 0) return rc;
    if ((rc = subtree_hash(lo + k, hi, rd, ctx, right)) != 0) return rc;
    kf_merkle_node(left, right, out);
    return 0;
}

int kf_merkle_root(uint64_t size, kf_node_reader rd, void *ctx, kf_hash out)
{
    if (size == 0) {
        kf_merkle_empty(out);
        return 0;
    }
    return subtree_hash(0, size, rd, ctx, out);
}

/* A proof under construction. */
typedef struct {
    kf_hash *path;
    size_t n;
    kf_node_reader rd;
    void *ctx;
} proof;

/* Appends MTH(D[lo:hi]) to the proof. */
static int push(proof *p, uint64_t lo, uint64_t hi)
{
    if (p->n >= KF_PROOF_MAX) return -1; /* unreachable for size <= 2^63 */
    return subtree_hash(lo, hi, p->rd, p->ctx, p->path[p->n++]);
}

/* RFC 9162 PATH(m, D[lo:hi]), with m an absolute leaf index in [lo, hi). */
static int build_path(proof *p, uint64_t m, uint64_t lo, uint64_t hi)
{
    uint64_t k;
    int rc;

    assert(lo <= m && m < hi);
    if (hi - lo == 1) return 0;
    k = split_point(hi - lo);
    if (m < lo + k) {
        if ((rc = build_path(p, m, lo, lo + k)) != 0) return rc;
        return push(p, lo + k, hi);
    }
    if ((rc = build_path(p, m, lo + k, hi)) != 0) return rc;
    return push(p, lo, lo + k);
}

/* RFC 9162 SUBPROOF(m, D[lo:hi], b), with m a size relative to lo. */
static int build_subproof(proof *p, uint64_t m, uint64_t lo, uint64_t hi, bool b)
{
    uint64_t k;
    int rc;

    assert(0 < m && m <= hi - lo);
    if (m == hi - lo) return b ? 0 : push(p, lo, hi);
    k = split_point(hi - lo);
    if (m <= k) {
        if ((rc = build_subproof(p, m, lo, lo + k, b)) != 0) return rc;
        return push(p, lo + k, hi);
    }
    if ((rc = build_subproof(p, m - k, lo + k, hi, false)) != 0) return rc;
    return push(p, lo, lo + k);
}

int kf_merkle_prove_inclusion(uint64_t index, uint64_t size, kf_node_reader rd, void *ctx,
                              kf_hash path[KF_PROOF_MAX], size_t *n)
{
    proof p = {path, 0, rd, ctx};
    int rc;

    if (index >= size || size > MAX_PROVABLE_SIZE) return -1;
    if ((rc = build_path(&p, index, 0, size)) != 0) return rc;
    *n = p.n;
    return 0;
}

int kf_merkle_prove_consistency(uint64_t m, uint64_t size, kf_node_reader rd, void *ctx,
                                kf_hash path[KF_PROOF_MAX], size_t *n)
{
    proof p = {path, 0, rd, ctx};
    int rc;

    if (m == 0 || m > size || size > MAX_PROVABLE_SIZE) return -1;
    if ((rc = build_subproof(&p, m, 0, size, true)) != 0) return rc;
    *n = p.n;
    return 0;
}

bool kf_merkle_verify_inclusion(uint64_t index, uint64_t size, const kf_hash leaf,
                                const kf_hash path[], size_t n, const kf_hash root)
{
    uint64_t fn = index, sn;
    kf_hash r;

    if (index >= size) return false;
    sn = size - 1;
    memcpy(r, leaf, KF_HASH_LEN);
    for (size_t i = 0; i < n; i++) {
        if (sn == 0) return false;
        if ((fn & 1) || fn == sn) {
            kf_merkle_node(path[i], r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            kf_merkle_node(r, path[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(r, root, KF_HASH_LEN) == 0;
}

bool kf_merkle_verify_consistency(uint64_t m, uint64_t size, const kf_hash old_root,
                                  const kf_hash root, const kf_hash path[], size_t n)
{
    uint64_t fn, sn;
    kf_hash fr, sr;
    size_t i = 0;

    if (m == 0 || m > size) return false;
    if (m == size) return n == 0 && memcmp(old_root, root, KF_HASH_LEN) == 0;
    if (n == 0) return false;
    /* "If first is an exact power of 2, prepend first_hash": the seed is
     * old_root, and every path element is then a "subsequent value". */
    if (is_pow2(m)) {
        memcpy(fr, old_root, KF_HASH_LEN);
    } else {
        memcpy(fr, path[0], KF_HASH_LEN);
        i = 1;
    }
    memcpy(sr, fr, KF_HASH_LEN);
    fn = m - 1;
    sn = size - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < n; i++) {
        if (sn == 0) return false;
        if ((fn & 1) || fn == sn) {
            kf_merkle_node(path[i], fr, fr);
            kf_merkle_node(path[i], sr, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            kf_merkle_node(sr, path[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(fr, old_root, KF_HASH_LEN) == 0 && memcmp(sr, root, KF_HASH_LEN) == 0;
}

int kf_merkle_frontier_load(kf_merkle_frontier *f, uint64_t size, kf_node_reader rd, void *ctx)
{
    kf_merkle_frontier tmp;
    int rc;

    memset(&tmp, 0, sizeof(tmp));
    tmp.size = size;
    for (int level = 0; level < KF_PROOF_MAX; level++) {
        if (!((size >> level) & 1)) continue;
        if ((rc = rd(ctx, level, (size >> level) - 1, tmp.frontier[level])) != 0) return rc;
    }
    *f = tmp;
    return 0;
}

int kf_merkle_frontier_append(kf_merkle_frontier *f, const kf_hash leaf, kf_node_writer emit,
                              void *ctx)
{
    uint64_t size = f->size;
    kf_hash h;
    int level = 0, rc;

    if (size == UINT64_MAX) return -1;
    memcpy(h, leaf, KF_HASH_LEN);
    /* Carry: while bit `level` of size is set, frontier[level] is the left
     * sibling of h, and hashing the two completes a node one level up. */
    while ((size >> level) & 1) {
        kf_merkle_node(f->frontier[level], h, h);
        level++;
        assert(((size + 1) & ((UINT64_C(1) << level) - 1)) == 0);
        if ((rc = emit(ctx, level, ((size + 1) >> level) - 1, h)) != 0) return rc;
    }
    assert(level < KF_PROOF_MAX);
    memcpy(f->frontier[level], h, KF_HASH_LEN);
    f->size = size + 1;
    return 0;
}

void kf_merkle_frontier_root(const kf_merkle_frontier *f, kf_hash out)
{
    kf_hash h;
    bool any = false;

    /* Right to left: the smallest node is the rightmost subtree. */
    for (int level = 0; level < KF_PROOF_MAX; level++) {
        if (!((f->size >> level) & 1)) continue;
        if (any) {
            kf_merkle_node(f->frontier[level], h, h);
        } else {
            memcpy(h, f->frontier[level], KF_HASH_LEN);
            any = true;
        }
    }
    if (any)
        memcpy(out, h, KF_HASH_LEN);
    else
        kf_merkle_empty(out);
}
