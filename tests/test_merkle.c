/*
 * Unit tests for ledger/merkle.c.
 *
 * The library is driven the way the ledger drives it: leaves are appended
 * through kf_merkle_frontier_append into an in-memory node store, and roots
 * and proofs are then computed from that store alone. Everything is checked
 * against an independent, deliberately naive implementation of the RFC 6962
 * definitions (MTH, PATH, SUBPROOF) over the array of leaf hashes, written
 * here with its own hashing code.
 */
#include "check_common.h"
#include "kifu/merkle.h"

#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* ck_assert() records a "mark point" (a write to a pipe) on every success, which
 * is too slow for per-node helpers run a million times; they use CHECK(). */
#define CHECK(expr)                                                                                \
    do {                                                                                           \
        if (!(expr)) ck_abort_msg("check failed: %s", #expr);                                      \
    } while (0)

/* ---- independent reference: RFC 6962 §2.1 definitions, recursively ---- */

static void ref_leaf(const uint8_t *data, size_t len, kf_hash out)
{
    uint8_t buf[64];

    CHECK(len < sizeof(buf));
    buf[0] = 0x00;
    memcpy(buf + 1, data, len);
    crypto_hash_sha256(out, buf, len + 1);
}

static void ref_node(const kf_hash l, const kf_hash r, kf_hash out)
{
    uint8_t buf[65];

    buf[0] = 0x01;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    crypto_hash_sha256(out, buf, sizeof(buf));
}

/* Largest power of two strictly less than n (n > 1). */
static size_t ref_split(size_t n)
{
    size_t k = 1;

    while (k * 2 < n)
        k *= 2;
    return k;
}

/* MTH(D[0:n]). */
static void ref_mth(const kf_hash *d, size_t n, kf_hash out)
{
    kf_hash l, r;
    size_t k;

    if (n == 0) {
        crypto_hash_sha256(out, (const uint8_t *)"", 0);
        return;
    }
    if (n == 1) {
        memcpy(out, d[0], 32);
        return;
    }
    k = ref_split(n);
    ref_mth(d, k, l);
    ref_mth(d + k, n - k, r);
    ref_node(l, r, out);
}

/* PATH(m, D[0:n]), appended to out[*cnt...]. */
static void ref_path(size_t m, const kf_hash *d, size_t n, kf_hash *out, size_t *cnt)
{
    size_t k;

    if (n == 1) return;
    k = ref_split(n);
    if (m < k) {
        ref_path(m, d, k, out, cnt);
        ref_mth(d + k, n - k, out[(*cnt)++]);
    } else {
        ref_path(m - k, d + k, n - k, out, cnt);
        ref_mth(d, k, out[(*cnt)++]);
    }
}

/* SUBPROOF(m, D[0:n], b), appended to out[*cnt...]. */
static void ref_subproof(size_t m, const kf_hash *d, size_t n, bool b, kf_hash *out, size_t *cnt)
{
    size_t k;

    if (m == n) {
        if (!b) ref_mth(d, n, out[(*cnt)++]);
        return;
    }
    k = ref_split(n);
    if (m <= k) {
        ref_subproof(m, d, k, b, out, cnt);
        ref_mth(d + k, n - k, out[(*cnt)++]);
    } else {
        ref_subproof(m - k, d + k, n - k, false, out, cnt);
        ref_mth(d, k, out[(*cnt)++]);
    }
}

/* ---- in-memory node store ---- */

typedef struct {
    kf_hash *lv[KF_PROOF_MAX];
    uint64_t len[KF_PROOF_MAX], cap[KF_PROOF_MAX];
    uint64_t limit;     /* reads of nodes not complete within `limit` leaves fail */
    uint64_t reads;     /* successful reads */
    int64_t fail_after; /* if >= 0, reads fail with 7 once `reads` reaches it */
    kf_hash *leaves;    /* reference leaf hashes, leaves[i] = leaf i */
    uint64_t nleaves;
} store;

static void store_init(store *s)
{
    memset(s, 0, sizeof(*s));
    s->fail_after = -1;
}

static void store_free(store *s)
{
    for (int i = 0; i < KF_PROOF_MAX; i++)
        free(s->lv[i]);
    free(s->leaves);
}

static void store_put(store *s, int level, uint64_t index, const kf_hash h)
{
    CHECK(level >= 0 && level < KF_PROOF_MAX);
    CHECK(index == s->len[level]); /* nodes arrive in order, once */
    if (s->len[level] == s->cap[level]) {
        s->cap[level] = s->cap[level] ? 2 * s->cap[level] : 16;
        s->lv[level] = realloc(s->lv[level], s->cap[level] * sizeof(kf_hash));
        CHECK(s->lv[level] != NULL);
    }
    memcpy(s->lv[level][s->len[level]++], h, 32);
}

static int store_write(void *ctx, int level, uint64_t index, const kf_hash h)
{
    CHECK(level >= 1);
    store_put(ctx, level, index, h);
    return 0;
}

static int store_read(void *ctx, int level, uint64_t index, kf_hash out)
{
    store *s = ctx;

    if (s->fail_after >= 0 && s->reads >= (uint64_t)s->fail_after) return 7;
    if (level < 0 || level >= KF_PROOF_MAX || index >= s->len[level] ||
        ((index + 1) << level) > s->limit)
        return 99; /* not a complete node: the library must never ask */
    s->reads++;
    memcpy(out, s->lv[level][index], 32);
    return 0;
}

/* Leaf data i: 8 bytes of i, then 0..3 bytes of padding; all distinct. */
static void leaf_data(uint64_t i, uint8_t *buf, size_t *len)
{
    for (int b = 0; b < 8; b++)
        buf[b] = (uint8_t)(i >> (8 * b));
    *len = 8 + (size_t)(i % 4);
    memset(buf + 8, 0xa5, *len - 8);
}

/* Appends leaf number s->nleaves through the frontier. */
static void store_append(store *s, kf_merkle_frontier *f)
{
    uint8_t data[16];
    size_t len;
    kf_hash h, mine;

    CHECK(f->size == s->nleaves);
    leaf_data(s->nleaves, data, &len);
    ref_leaf(data, len, h);
    kf_merkle_leaf(data, len, mine);
    CHECK(memcmp(mine, h, 32) == 0);
    if (s->nleaves % 1024 == 0) {
        s->leaves = realloc(s->leaves, (s->nleaves + 1024) * sizeof(kf_hash));
        CHECK(s->leaves != NULL);
    }
    memcpy(s->leaves[s->nleaves++], h, 32);
    store_put(s, 0, f->size, h);
    CHECK(kf_merkle_frontier_append(f, h, store_write, s) == 0);
    s->limit = s->nleaves;
}

static void store_build(store *s, uint64_t n)
{
    kf_merkle_frontier f;

    store_init(s);
    memset(&f, 0, sizeof(f));
    while (s->nleaves < n)
        store_append(s, &f);
}

/* Root from the store, as seen by a tree of `size` leaves. */
static void root_at(store *s, uint64_t size, kf_hash out)
{
    s->limit = size;
    ck_assert_int_eq(kf_merkle_root(size, store_read, s, out), 0);
}

static uint64_t splitmix(uint64_t *st)
{
    uint64_t z = (*st += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static void unhex(const char *hex, uint8_t *out, size_t n)
{
    ck_assert_uint_eq(strlen(hex), 2 * n);
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        ck_assert(hi >= 0 && lo >= 0);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
}

static int popcount(uint64_t x)
{
    int c = 0;

    for (; x; x &= x - 1)
        c++;
    return c;
}

/* ---- known answers ---- */

START_TEST(test_known_answers)
{
    /* RFC 6962 reference leaves and tree heads (certificate-transparency). */
    static const char *const data[8] = {"",
                                        "00",
                                        "10",
                                        "2021",
                                        "3031",
                                        "40414243",
                                        "5051525354555657",
                                        "606162636465666768696a6b6c6d6e6f"};
    static const char *const roots[9] = {
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
    /* Inclusion proof of leaf 0 in the tree of size 8. */
    static const char *const path0[3] = {
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"};
    store s;
    kf_merkle_frontier f;
    kf_hash h, want, path[KF_PROOF_MAX];
    size_t n;

    kf_merkle_leaf("", 0, h);
    unhex(roots[1], want, 32);
    ck_assert_mem_eq(h, want, 32);
    kf_merkle_empty(h);
    unhex(roots[0], want, 32);
    ck_assert_mem_eq(h, want, 32);

    store_init(&s);
    memset(&f, 0, sizeof(f));
    for (int i = 0; i <= 8; i++) {
        unhex(roots[i], want, 32);
        root_at(&s, (uint64_t)i, h);
        ck_assert_mem_eq(h, want, 32);
        kf_merkle_frontier_root(&f, h);
        ck_assert_mem_eq(h, want, 32);
        if (i == 8) break;
        uint8_t buf[16];
        size_t len = strlen(data[i]) / 2;
        kf_hash leaf;
        unhex(data[i], buf, len);
        kf_merkle_leaf(buf, len, leaf);
        store_put(&s, 0, (uint64_t)i, leaf);
        ck_assert_int_eq(kf_merkle_frontier_append(&f, leaf, store_write, &s), 0);
    }
    s.limit = 8;
    ck_assert_int_eq(kf_merkle_prove_inclusion(0, 8, store_read, &s, path, &n), 0);
    ck_assert_uint_eq(n, 3);
    for (size_t i = 0; i < 3; i++) {
        unhex(path0[i], want, 32);
        ck_assert_mem_eq(path[i], want, 32);
    }
    unhex(roots[8], want, 32);
    ck_assert(kf_merkle_verify_inclusion(0, 8, s.lv[0][0], (const kf_hash *)path, n, want));
    store_free(&s);
}
END_TEST

/* ---- roots and frontier ---- */

START_TEST(test_roots_small)
{
    store s;
    kf_merkle_frontier f;
    kf_hash got, want;

    store_init(&s);
    memset(&f, 0, sizeof(f));
    for (uint64_t size = 0; size <= 200; size++) {
        ref_mth((const kf_hash *)s.leaves, size, want);
        s.reads = 0;
        root_at(&s, size, got);
        ck_assert_mem_eq(got, want, 32);
        ck_assert_uint_eq(s.reads, popcount(size)); /* one read per set bit */
        kf_merkle_frontier_root(&f, got);
        ck_assert_mem_eq(got, want, 32);
        store_append(&s, &f);
    }
    /* Every internal node emitted is the reference MTH of its range. */
    for (int level = 1; level < 9; level++) {
        ck_assert_uint_eq(s.len[level], s.nleaves >> level);
        for (uint64_t i = 0; i < s.len[level]; i++) {
            ref_mth((const kf_hash *)s.leaves + (i << level), (size_t)1 << level, want);
            ck_assert_mem_eq(s.lv[level][i], want, 32);
        }
    }
    /* Older sizes are still readable once the store has grown. */
    for (uint64_t size = 0; size <= 200; size++) {
        ref_mth((const kf_hash *)s.leaves, size, want);
        root_at(&s, size, got);
        ck_assert_mem_eq(got, want, 32);
    }
    store_free(&s);
}
END_TEST

typedef struct {
    store *s;
    uint64_t emitted;
} replay;

/* A writer that checks every emitted node against the one already stored. */
static int replay_write(void *ctx, int level, uint64_t index, const kf_hash h)
{
    replay *r = ctx;

    CHECK(level >= 1);
    CHECK(index < r->s->len[level]);
    CHECK(memcmp(r->s->lv[level][index], h, 32) == 0);
    r->emitted++;
    return 0;
}

/* Number of complete internal nodes in a tree of n leaves. */
static uint64_t internal_nodes(uint64_t n)
{
    uint64_t c = 0;

    for (int l = 1; l < 64; l++)
        c += n >> l;
    return c;
}

START_TEST(test_frontier_load)
{
    const uint64_t N = 200;
    store s;
    kf_merkle_frontier f, before;
    kf_hash got, want;

    store_build(&s, N);
    for (uint64_t size = 0; size <= N; size++) {
        replay r = {&s, 0};

        memset(&f, 0xee, sizeof(f));
        s.limit = size;
        s.reads = 0;
        ck_assert_int_eq(kf_merkle_frontier_load(&f, size, store_read, &s), 0);
        ck_assert_uint_eq(f.size, size);
        ck_assert_uint_eq(s.reads, popcount(size));
        ref_mth((const kf_hash *)s.leaves, size, want);
        kf_merkle_frontier_root(&f, got);
        ck_assert_mem_eq(got, want, 32);
        for (uint64_t i = size; i < N; i++) {
            before = f;
            ck_assert_int_eq(kf_merkle_frontier_append(&f, s.leaves[i], replay_write, &r), 0);
            ck_assert_uint_eq(f.size, i + 1);
            /* Only the frontier slot that became set changes. */
            for (int l = 0; l < KF_PROOF_MAX; l++)
                if ((before.size >> l) & 1 && (f.size >> l) & 1)
                    ck_assert_mem_eq(f.frontier[l], before.frontier[l], 32);
        }
        ck_assert_uint_eq(r.emitted, internal_nodes(N) - internal_nodes(size));
        ref_mth((const kf_hash *)s.leaves, N, want);
        kf_merkle_frontier_root(&f, got);
        ck_assert_mem_eq(got, want, 32);
    }
    store_free(&s);
}
END_TEST

/* ---- proofs, exhaustively on small trees ---- */

START_TEST(test_inclusion_small)
{
    const uint64_t N = 64;
    store s;
    kf_hash root, path[KF_PROOF_MAX], want[KF_PROOF_MAX];
    size_t n, wn;

    store_build(&s, N);
    for (uint64_t size = 1; size <= N; size++) {
        ref_mth((const kf_hash *)s.leaves, size, root);
        for (uint64_t i = 0; i < size; i++) {
            s.limit = size;
            ck_assert_int_eq(kf_merkle_prove_inclusion(i, size, store_read, &s, path, &n), 0);
            wn = 0;
            ref_path(i, (const kf_hash *)s.leaves, size, want, &wn);
            ck_assert_uint_eq(n, wn);
            ck_assert_mem_eq(path, want, n * 32);
            ck_assert(
                kf_merkle_verify_inclusion(i, size, s.leaves[i], (const kf_hash *)path, n, root));
        }
    }
    store_free(&s);
}
END_TEST

START_TEST(test_consistency_small)
{
    const uint64_t N = 64;
    store s;
    kf_hash roots[65], path[KF_PROOF_MAX], want[KF_PROOF_MAX];
    size_t n, wn;

    store_build(&s, N);
    for (uint64_t size = 0; size <= N; size++)
        ref_mth((const kf_hash *)s.leaves, size, roots[size]);
    for (uint64_t size = 1; size <= N; size++) {
        for (uint64_t m = 1; m <= size; m++) {
            s.limit = size;
            ck_assert_int_eq(kf_merkle_prove_consistency(m, size, store_read, &s, path, &n), 0);
            wn = 0;
            if (m < size) /* PROOF(m, D[n]) = SUBPROOF(m, D[n], true) */
                ref_subproof(m, (const kf_hash *)s.leaves, size, true, want, &wn);
            ck_assert_uint_eq(n, wn);
            ck_assert_mem_eq(path, want, n * 32);
            ck_assert(kf_merkle_verify_consistency(m, size, roots[m], roots[size],
                                                   (const kf_hash *)path, n));
        }
    }
    store_free(&s);
}
END_TEST

/* ---- larger trees, sampled ---- */

START_TEST(test_large_random)
{
    const uint64_t N = 100000;
    uint64_t sizes[] = {N, 65536, 65535, 65537, 4097, 0, 0, 0};
    const size_t nsizes = sizeof(sizes) / sizeof(sizes[0]);
    uint64_t rng = 42;
    store s;
    kf_merkle_frontier f;
    kf_hash roots[8], got, path[KF_PROOF_MAX], want[KF_PROOF_MAX];
    size_t n, wn;

    store_build(&s, N);
    for (size_t j = 5; j < nsizes; j++)
        sizes[j] = 1000 + splitmix(&rng) % (N - 1000);
    for (size_t j = 0; j < nsizes; j++) {
        uint64_t size = sizes[j];

        ref_mth((const kf_hash *)s.leaves, size, roots[j]);
        root_at(&s, size, got);
        ck_assert_mem_eq(got, roots[j], 32);
        ck_assert_int_eq(kf_merkle_frontier_load(&f, size, store_read, &s), 0);
        kf_merkle_frontier_root(&f, got);
        ck_assert_mem_eq(got, roots[j], 32);

        /* A full comparison with the reference PATH (it hashes the whole
         * tree, so only for two sizes), then a sample verified against the
         * reference root. */
        uint64_t i = splitmix(&rng) % size;
        if (size == 65535 || size == 4097) {
            ck_assert_int_eq(kf_merkle_prove_inclusion(i, size, store_read, &s, path, &n), 0);
            wn = 0;
            ref_path(i, (const kf_hash *)s.leaves, size, want, &wn);
            ck_assert_uint_eq(n, wn);
            ck_assert_mem_eq(path, want, n * 32);
        }
        for (int t = 0; t < 50; t++) {
            i = t == 0 ? size - 1 : splitmix(&rng) % size;
            s.reads = 0;
            ck_assert_int_eq(kf_merkle_prove_inclusion(i, size, store_read, &s, path, &n), 0);
            ck_assert_uint_le(s.reads, 17 * 17); /* O(log^2 n) */
            ck_assert(kf_merkle_verify_inclusion(i, size, s.leaves[i], (const kf_hash *)path, n,
                                                 roots[j]));
            ck_assert(!kf_merkle_verify_inclusion((i + 1) % size, size, s.leaves[i],
                                                  (const kf_hash *)path, n, roots[j]));
        }

        /* Small old sizes, whose reference roots are cheap. */
        for (int t = 0; t < 20; t++) {
            uint64_t m = 1 + splitmix(&rng) % 3000;
            kf_hash old;

            ref_mth((const kf_hash *)s.leaves, m, old);
            s.limit = size;
            ck_assert_int_eq(kf_merkle_prove_consistency(m, size, store_read, &s, path, &n), 0);
            ck_assert(
                kf_merkle_verify_consistency(m, size, old, roots[j], (const kf_hash *)path, n));
            ck_assert(!kf_merkle_verify_consistency(m + 1, size, old, roots[j],
                                                    (const kf_hash *)path, n));
        }
    }
    /* Every pair of the large sizes. */
    for (size_t a = 0; a < nsizes; a++) {
        for (size_t b = 0; b < nsizes; b++) {
            uint64_t m = sizes[a], size = sizes[b];

            if (m > size) continue;
            s.limit = size;
            ck_assert_int_eq(kf_merkle_prove_consistency(m, size, store_read, &s, path, &n), 0);
            ck_assert(kf_merkle_verify_consistency(m, size, roots[a], roots[b],
                                                   (const kf_hash *)path, n));
            if (a == 1 && b == 0) { /* one full comparison with the reference */
                wn = 0;
                ref_subproof(m, (const kf_hash *)s.leaves, size, true, want, &wn);
                ck_assert_uint_eq(n, wn);
                ck_assert_mem_eq(path, want, n * 32);
            }
        }
    }
    store_free(&s);
}
END_TEST

/* A virtual tree of 2^63 identical leaves: node (L, n) = z[L] for every n. */
static kf_hash uniform[KF_PROOF_MAX];

/* ctx points to the tree size: only nodes complete within it may be read. */
static int uniform_read(void *ctx, int level, uint64_t index, kf_hash out)
{
    const uint64_t *size = ctx;

    ck_assert_int_ge(level, 0);
    ck_assert_int_lt(level, 64);
    ck_assert_uint_lt(index, *size >> level);
    memcpy(out, uniform[level], 32);
    return 0;
}

static int uniform_write(void *ctx, int level, uint64_t index, const kf_hash h)
{
    uint64_t *count = ctx;

    ck_assert_int_eq(level, (int)++*count);
    ck_assert_uint_eq(index, ((UINT64_C(1) << 63) >> level) - 1);
    ck_assert_mem_eq(h, uniform[level], 32);
    return 0;
}

START_TEST(test_huge_sizes)
{
    const uint64_t top = UINT64_C(1) << 63;
    const uint64_t sizes[] = {top, top - 1, top - 2, (top / 3) | 1, UINT64_C(1) << 40};
    kf_hash root, old, path[KF_PROOF_MAX];
    kf_merkle_frontier f;
    uint64_t count = 0, lim;
    size_t n;

    kf_merkle_leaf("x", 1, uniform[0]);
    for (int l = 1; l < KF_PROOF_MAX; l++)
        kf_merkle_node(uniform[l - 1], uniform[l - 1], uniform[l]);

    lim = top;
    ck_assert_int_eq(kf_merkle_root(top, uniform_read, &lim, root), 0);
    ck_assert_mem_eq(root, uniform[63], 32);

    /* Appending leaf 2^63 - 1 completes 63 nodes, up to the root. */
    lim = top - 1;
    ck_assert_int_eq(kf_merkle_frontier_load(&f, top - 1, uniform_read, &lim), 0);
    ck_assert_int_eq(kf_merkle_frontier_append(&f, uniform[0], uniform_write, &count), 0);
    ck_assert_uint_eq(count, 63);
    kf_merkle_frontier_root(&f, old);
    ck_assert_mem_eq(old, root, 32);

    for (size_t j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
        uint64_t size = sizes[j];
        const uint64_t idx[] = {0, 1, size / 2, size - 2, size - 1};

        lim = size;
        ck_assert_int_eq(kf_merkle_root(size, uniform_read, &lim, root), 0);
        for (size_t t = 0; t < 5; t++) {
            ck_assert_int_eq(kf_merkle_prove_inclusion(idx[t], size, uniform_read, &lim, path, &n),
                             0);
            ck_assert(kf_merkle_verify_inclusion(idx[t], size, uniform[0], (const kf_hash *)path, n,
                                                 root));
        }
        for (size_t t = 1; t < 5; t++) {
            lim = idx[t];
            ck_assert_int_eq(kf_merkle_root(idx[t], uniform_read, &lim, old), 0);
            lim = size;
            ck_assert_int_eq(
                kf_merkle_prove_consistency(idx[t], size, uniform_read, &lim, path, &n), 0);
            ck_assert(
                kf_merkle_verify_consistency(idx[t], size, old, root, (const kf_hash *)path, n));
        }
    }
    /* The longest consistency proof fits KF_PROOF_MAX exactly. */
    lim = top;
    ck_assert_int_eq(kf_merkle_prove_consistency(top - 1, top, uniform_read, &lim, path, &n), 0);
    ck_assert_uint_eq(n, KF_PROOF_MAX);
    ck_assert_int_eq(kf_merkle_prove_inclusion(0, top, uniform_read, &lim, path, &n), 0);
    ck_assert_uint_eq(n, 63);
}
END_TEST

/* ---- rejection ---- */

static bool incl(uint64_t i, uint64_t size, const kf_hash leaf, const kf_hash *p, size_t n,
                 const kf_hash root)
{
    return kf_merkle_verify_inclusion(i, size, leaf, p, n, root);
}

START_TEST(test_reject_inclusion)
{
    const uint64_t N = 40;
    store s;
    kf_hash roots[41], path[KF_PROOF_MAX + 1], bad[KF_PROOF_MAX + 1], leaf;
    size_t n;

    store_build(&s, N);
    for (uint64_t size = 0; size <= N; size++)
        ref_mth((const kf_hash *)s.leaves, size, roots[size]);
    for (uint64_t size = 1; size <= 32; size++) {
        for (uint64_t i = 0; i < size; i++) {
            s.limit = size;
            ck_assert_int_eq(kf_merkle_prove_inclusion(i, size, store_read, &s, path, &n), 0);
            ck_assert(incl(i, size, s.leaves[i], path, n, roots[size]));

            /* Wrong index: every other index, and indices out of range. */
            for (uint64_t j = 0; j < size + 3; j++)
                if (j != i) ck_assert(!incl(j, size, s.leaves[i], path, n, roots[size]));
            ck_assert(!incl(UINT64_MAX, size, s.leaves[i], path, n, roots[size]));
            /* Wrong size, each with its genuine root (a real tree head). */
            for (uint64_t z = i + 1; z <= N; z++)
                if (z != size) ck_assert(!incl(i, z, s.leaves[i], path, n, roots[z]));
            ck_assert(!incl(i, 0, s.leaves[i], path, n, roots[size]));
            /* Tampered path elements. */
            for (size_t k = 0; k < n; k++) {
                memcpy(bad, path, n * 32);
                bad[k][k % 32] ^= 0x01;
                ck_assert(!incl(i, size, s.leaves[i], bad, n, roots[size]));
            }
            /* Truncated and extended paths. */
            if (n > 0) {
                ck_assert(!incl(i, size, s.leaves[i], path, n - 1, roots[size]));
                ck_assert(!incl(i, size, s.leaves[i], path + 1, n - 1, roots[size]));
            }
            memcpy(bad, path, n * 32);
            memcpy(bad[n], n ? path[n - 1] : s.leaves[0], 32);
            ck_assert(!incl(i, size, s.leaves[i], bad, n + 1, roots[size]));
            memcpy(bad[n], roots[size], 32);
            ck_assert(!incl(i, size, s.leaves[i], bad, n + 1, roots[size]));
            /* Wrong leaf, wrong root. */
            ck_assert(!incl(i, size, s.leaves[(i + 1) % N], path, n, roots[size]));
            memcpy(leaf, s.leaves[i], 32);
            leaf[31] ^= 0x80;
            ck_assert(!incl(i, size, leaf, path, n, roots[size]));
            ck_assert(!incl(i, size, s.leaves[i], path, n, roots[size - 1]));
            ck_assert(!incl(i, size, s.leaves[i], path, n, roots[size + 1]));
        }
    }
    store_free(&s);
}
END_TEST

static bool cons(uint64_t m, uint64_t size, const kf_hash old, const kf_hash root, const kf_hash *p,
                 size_t n)
{
    return kf_merkle_verify_consistency(m, size, old, root, p, n);
}

START_TEST(test_reject_consistency)
{
    const uint64_t N = 40;
    store s;
    kf_hash roots[41], path[KF_PROOF_MAX + 1], bad[KF_PROOF_MAX + 1], h;
    size_t n;

    store_build(&s, N);
    for (uint64_t size = 0; size <= N; size++)
        ref_mth((const kf_hash *)s.leaves, size, roots[size]);
    for (uint64_t size = 1; size <= 32; size++) {
        /* m == n: only an empty path with equal roots. */
        ck_assert(cons(size, size, roots[size], roots[size], path, 0));
        ck_assert(!cons(size, size, roots[size], roots[size - 1], path, 0));
        ck_assert(!cons(size, size, roots[size], roots[size], roots, 1));
        /* m == 0 is refused, whatever the path. */
        ck_assert(!cons(0, size, roots[0], roots[size], path, 0));
        ck_assert(!cons(0, size, roots[0], roots[size], roots, 1));
        ck_assert(!cons(0, size, roots[size], roots[size], &roots[size], 1));

        for (uint64_t m = 1; m < size; m++) {
            const kf_hash *old = &roots[m], *cur = &roots[size];

            s.limit = size;
            ck_assert_int_eq(kf_merkle_prove_consistency(m, size, store_read, &s, path, &n), 0);
            ck_assert_uint_gt(n, 0);
            ck_assert(cons(m, size, *old, *cur, path, n));

            /* Swapped old/new (which is also m > n), and swapped roots only. */
            ck_assert(!cons(size, m, *cur, *old, path, n));
            ck_assert(!cons(size, m, *old, *cur, path, n));
            ck_assert(!cons(m, size, *cur, *old, path, n));
            ck_assert(!cons(0, size, *old, *cur, path, n));
            /* Wrong old size / new size, each with its genuine root. */
            for (uint64_t z = 1; z <= N; z++) {
                if (z != m && z <= size) ck_assert(!cons(z, size, roots[z], *cur, path, n));
                if (z != size && z >= m) ck_assert(!cons(m, z, *old, roots[z], path, n));
            }
            /* Wrong roots. */
            ck_assert(!cons(m, size, roots[m - 1], *cur, path, n));
            ck_assert(!cons(m, size, roots[m + 1], *cur, path, n));
            ck_assert(!cons(m, size, *old, roots[size - 1], path, n));
            ck_assert(!cons(m, size, *old, roots[size + 1], path, n));
            memcpy(h, *cur, 32);
            h[0] ^= 0x01;
            ck_assert(!cons(m, size, *old, h, path, n));
            /* Tampered, truncated, extended. */
            for (size_t k = 0; k < n; k++) {
                memcpy(bad, path, n * 32);
                bad[k][(k + 7) % 32] ^= 0x10;
                ck_assert(!cons(m, size, *old, *cur, bad, n));
            }
            ck_assert(!cons(m, size, *old, *cur, path, n - 1));
            ck_assert(!cons(m, size, *old, *cur, NULL, 0)); /* must not read path[0] */
            ck_assert(!cons(m, size, *old, *cur, path + 1, n - 1));
            memcpy(bad, path, n * 32);
            memcpy(bad[n], path[n - 1], 32);
            ck_assert(!cons(m, size, *old, *cur, bad, n + 1));
            memcpy(bad[n], *old, 32);
            ck_assert(!cons(m, size, *old, *cur, bad, n + 1));
            memcpy(bad + 1, path, n * 32);
            memcpy(bad[0], *old, 32); /* prepending old root ourselves */
            ck_assert(!cons(m, size, *old, *cur, bad, n + 1));
        }
    }
    store_free(&s);
}
END_TEST

/* ---- errors ---- */

static int failing_write(void *ctx, int level, uint64_t index, const kf_hash h)
{
    int *calls = ctx;

    (void)index;
    (void)h;
    ck_assert_int_ge(level, 1);
    return ++*calls == 2 ? 9 : 0; /* fail on the second node */
}

START_TEST(test_errors)
{
    store s;
    kf_merkle_frontier f, copy;
    kf_hash h, path[KF_PROOF_MAX];
    size_t n;
    int calls = 0;

    store_build(&s, 100);
    s.limit = 100;

    /* Invalid arguments. */
    ck_assert_int_eq(kf_merkle_prove_inclusion(0, 0, store_read, &s, path, &n), -1);
    ck_assert_int_eq(kf_merkle_prove_inclusion(100, 100, store_read, &s, path, &n), -1);
    ck_assert_int_eq(kf_merkle_prove_inclusion(UINT64_MAX, 100, store_read, &s, path, &n), -1);
    ck_assert_int_eq(kf_merkle_prove_inclusion(0, UINT64_MAX, store_read, &s, path, &n), -1);
    ck_assert_int_eq(kf_merkle_prove_consistency(0, 100, store_read, &s, path, &n), -1);
    ck_assert_int_eq(kf_merkle_prove_consistency(0, 0, store_read, &s, path, &n), -1);
    ck_assert_int_eq(kf_merkle_prove_consistency(101, 100, store_read, &s, path, &n), -1);
    ck_assert_int_eq(kf_merkle_prove_consistency(1, UINT64_MAX, store_read, &s, path, &n), -1);
    n = 99;
    ck_assert_int_eq(kf_merkle_prove_consistency(100, 100, store_read, &s, path, &n), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert(!kf_merkle_verify_inclusion(0, 0, s.leaves[0], path, 0, s.leaves[0]));

    /* Reader failures propagate at every point, leaving outputs alone. */
    size_t incl_n, cons_n;
    ck_assert_int_eq(kf_merkle_prove_inclusion(98, 99, store_read, &s, path, &incl_n), 0);
    ck_assert_int_eq(kf_merkle_prove_consistency(37, 99, store_read, &s, path, &cons_n), 0);
    for (int64_t k = 0; k < 20; k++) {
        int rc;

        s.reads = 0;
        s.fail_after = k;
        rc = kf_merkle_root(99, store_read, &s, h);
        ck_assert_int_eq(rc, k < popcount(99) ? 7 : 0);

        s.reads = 0;
        n = 12345;
        rc = kf_merkle_prove_inclusion(98, 99, store_read, &s, path, &n);
        ck_assert(rc == 7 || rc == 0);
        ck_assert_uint_eq(n, rc ? 12345 : incl_n);

        s.reads = 0;
        n = 12345;
        rc = kf_merkle_prove_consistency(37, 99, store_read, &s, path, &n);
        ck_assert(rc == 7 || rc == 0);
        ck_assert_uint_eq(n, rc ? 12345 : cons_n);

        s.reads = 0;
        memset(&f, 0x5a, sizeof(f));
        copy = f;
        rc = kf_merkle_frontier_load(&f, 99, store_read, &s);
        ck_assert_int_eq(rc, k < popcount(99) ? 7 : 0);
        if (rc) ck_assert_mem_eq(&f, &copy, sizeof(f));
    }
    s.fail_after = -1;

    /* Writer failure: the error propagates and the frontier is unchanged. */
    ck_assert_int_eq(kf_merkle_frontier_load(&f, 7, store_read, &s), 0);
    copy = f;
    ck_assert_int_eq(kf_merkle_frontier_append(&f, s.leaves[7], failing_write, &calls), 9);
    ck_assert_int_eq(calls, 2);
    ck_assert_mem_eq(&f, &copy, sizeof(f));

    /* A full frontier refuses to grow. */
    memset(&f, 0, sizeof(f));
    f.size = UINT64_MAX;
    ck_assert_int_eq(kf_merkle_frontier_append(&f, s.leaves[0], store_write, &s), -1);
    store_free(&s);
}
END_TEST

static Suite *merkle_suite(void)
{
    Suite *su = suite_create("merkle");
    TCase *tc = tu_core(su, NULL, NULL);

    tcase_add_test(tc, test_known_answers);
    tcase_add_test(tc, test_roots_small);
    tcase_add_test(tc, test_frontier_load);
    tcase_add_test(tc, test_inclusion_small);
    tcase_add_test(tc, test_consistency_small);
    tcase_add_test(tc, test_large_random);
    tcase_add_test(tc, test_huge_sizes);
    tcase_add_test(tc, test_reject_inclusion);
    tcase_add_test(tc, test_reject_consistency);
    tcase_add_test(tc, test_errors);
    return su;
}

int main(void)
{
    if (sodium_init() < 0) return EXIT_FAILURE;
    return tu_run(merkle_suite());
}
