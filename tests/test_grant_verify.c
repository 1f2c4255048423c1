/* Unit tests: kifu verify's grant checks (grants/verify.c) catch signed
 * grant entries that kifu's own commands would refuse. Each forged entry is
 * appended with kf_txn_append, which checks only that the signer's role may
 * write its kind; verification must then refuse, naming the entry's seq.
 *
 * The rules: menu m, source general, rate 8/10, cap 500,000, round_down
 * 1,000. The application: lead G001, partner G002, one equipment line of
 * 500,000, no income, requested 450,000, so its ceiling is
 * min(450,000, 500,000 x 8/10 = 400,000, 500,000) = 400,000.
 *
 * Verification runs as kifu verify does, with a pool tracker shared by the
 * donations and grants verifiers, so pool checks run too: an award's pool is
 * the one its menu names, no approval leaves a pool's available money
 * negative, and grant entries state the fiscal year of their date. */
#include "check_common.h"
#include "kifu/donations.h"
#include "kifu/grants.h"

#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64], path[128];
static kf_ledger *l;
static kf_signer admin, reviewer;
static int64_t rules_seq;

static const char *rules_text = "[fund]\n"
                                "name = F\n"
                                "fy_start = 04-01\n"
                                "[fields]\n"
                                "welfare = 福祉\n"
                                "[menu m]\n"
                                "name = M\n"
                                "source = general\n"
                                "rate = 8/10\n"
                                "cap = 500000\n"
                                "round_down = 1000\n";

/* The same rules plus menu g, funded from the lead group's pool (group:<lead>),
 * and the balance of a deregistered group going to field:welfare. */
static const char *rules_group = "[fund]\n"
                                 "name = F\n"
                                 "fy_start = 04-01\n"
                                 "deregister_to = field:welfare\n"
                                 "[fields]\n"
                                 "welfare = 福祉\n"
                                 "[menu m]\n"
                                 "name = M\n"
                                 "source = general\n"
                                 "rate = 8/10\n"
                                 "cap = 500000\n"
                                 "round_down = 1000\n"
                                 "[menu g]\n"
                                 "name = G\n"
                                 "source = group\n"
                                 "rate = 8/10\n"
                                 "cap = 500000\n"
                                 "round_down = 1000\n";

/* The same rules with the cap lowered to 300,000. */
static const char *rules_v2 = "[fund]\n"
                              "name = F\n"
                              "fy_start = 04-01\n"
                              "[fields]\n"
                              "welfare = 福祉\n"
                              "[menu m]\n"
                              "name = M\n"
                              "source = general\n"
                              "rate = 8/10\n"
                              "cap = 300000\n"
                              "round_down = 1000\n";

static const char *app_fmt = "[application]\n"
                             "menu = %s\n"
                             "round = %s\n"
                             "group = G001\n"
                             "partners = G002\n"
                             "title = テスト事業\n"
                             "start = 2026-06-01\n"
                             "end = 2027-03-31\n"
                             "requested = 450000\n"
                             "[budget]\n"
                             "equipment = 500000, 備品\n";

static kf_txn *begin(const kf_signer *s)
{
    kf_err err;
    kf_txn *t;
    ck_assert_int_eq(kf_txn_begin(l, s, &t, &err), KF_OK);
    return t;
}

static void commit(kf_txn *t)
{
    kf_err err;
    kf_code rc = kf_txn_commit(t, NULL, &err);
    ck_assert_msg(rc == KF_OK, "commit: %s", err.msg);
}

/* Adds a key of role `role` for signer s (generated here) with affiliation. */
static void add_key(const char *name, kf_signer *s, unsigned role, const char *affiliation)
{
    kf_err err;
    kf_entry *e;
    ck_assert_int_eq(kf_key_generate(name, s, &err), KF_OK);
    ck_assert_int_eq(kf_key_add_entry(name, s->pub, role, affiliation, &e, &err), KF_OK);
    kf_txn *t = begin(&admin);
    ck_assert_int_eq(kf_txn_append(t, e, &err), KF_OK);
    commit(t);
    kf_entry_free(e);
}

static void add_group(kf_txn *t, const char *id)
{
    kf_err err;
    int64_t seq;
    kf_group g = {.type = KF_GT_VOLUNTEER,
                  .founded = "2020-04-01",
                  .members = 12,
                  .status = KF_ST_REGISTERED};
    snprintf(g.id, sizeof g.id, "%s", id);
    snprintf(g.name, sizeof g.name, "group %s", id);
    ck_assert_int_eq(kf_group_add(t, &g, &seq, &err), KF_OK);
}

static void setup(void)
{
    kf_err err;
    kf_txn *t;
    int64_t seq;
    tu_tmpdir("gver", dir, path);
    setenv("KIFU_TEST_SEED", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 1);
    l = tu_ledger(path, "F", "o", &admin);
    t = begin(&admin);
    ck_assert_int_eq(kf_rules_load(t, "r.ini", rules_text, strlen(rules_text), &rules_seq, &err),
                     KF_OK);
    add_group(t, "G001");
    add_group(t, "G002");
    commit(t);
    /* 1,000,000 yen in the general pool */
    kf_donation d;
    ck_assert_int_eq(kf_donation_parse(&d, "1000000", "2026-05-01", NULL, NULL, NULL, NULL, NULL,
                                       NULL, NULL, &err),
                     KF_OK);
    t = begin(&admin);
    ck_assert_int_eq(kf_don_donate(t, &d, &seq, &err), KF_OK);
    commit(t);
    add_key("rev", &reviewer, KF_ROLE_REVIEWER, NULL);
}

static void teardown(void)
{
    tu_cleanup(l, dir);
}

/* --- the ledger's own commands ---------------------------------------------- */

/* Parses application text, dates it 2026-05-01, records it in a commit of
 * its own; id receives A-2026-nnnn. */
static void apply_text(const char *text, int n, char id[KF_APP_ID_MAX])
{
    kf_err err;
    kf_application *a = malloc(sizeof *a);
    ck_assert_ptr_nonnull(a);
    kf_code rc = kf_application_parse(text, (size_t)n, "app.ini", a, &err);
    ck_assert_msg(rc == KF_OK, "parse: %s", err.msg);
    snprintf(a->date, sizeof a->date, "2026-05-01");
    kf_txn *t = begin(&admin);
    rc = kf_grant_apply(t, a, &err);
    ck_assert_msg(rc == KF_OK, "apply: %s", err.msg);
    commit(t);
    snprintf(id, KF_APP_ID_MAX, "%s", a->id);
    free(a);
}

/* Records the application in menu `menu`, round `round`; id receives
 * A-2026-nnnn. */
static void apply_in(const char *menu, const char *round, char id[KF_APP_ID_MAX])
{
    char text[1024];
    int n = snprintf(text, sizeof text, app_fmt, menu, round);
    apply_text(text, n, id);
}

/* Records the application in menu m (source general). */
static void apply(const char *round, char id[KF_APP_ID_MAX])
{
    apply_in("m", round, id);
}

/* A donation of `amount` to `to` (NULL: general) on `date`. */
static int64_t donate_on(const char *amount, const char *to, const char *date)
{
    kf_err err;
    kf_donation d;
    int64_t seq;
    kf_code rc = kf_donation_parse(&d, amount, date, NULL, to, NULL, NULL, NULL, NULL, NULL, &err);
    ck_assert_msg(rc == KF_OK, "donation: %s", err.msg);
    kf_txn *t = begin(&admin);
    rc = kf_don_donate(t, &d, &seq, &err);
    ck_assert_msg(rc == KF_OK, "donate: %s", err.msg);
    commit(t);
    return seq;
}

static int64_t donate(const char *amount, const char *to)
{
    return donate_on(amount, to, "2026-05-01");
}

static kf_code decide(const char *id, kf_yen amount, kf_err *err)
{
    int64_t seq;
    kf_txn *t = begin(&admin);
    kf_code rc = kf_grant_decide(t, id, true, amount, NULL, "2026-06-01", &seq, err);
    if (rc) {
        kf_txn_abort(t);
        return rc;
    }
    commit(t);
    return KF_OK;
}

static kf_code pay(const char *id, kf_yen amount, kf_err *err)
{
    int64_t seq;
    kf_txn *t = begin(&admin);
    kf_code rc = kf_grant_pay(t, id, amount, "2026-07-01", &seq, err);
    if (rc) {
        kf_txn_abort(t);
        return rc;
    }
    commit(t);
    return KF_OK;
}

static kf_code settle(const char *id, kf_yen spent, kf_yen income, kf_grant_settlement *s,
                      kf_err *err)
{
    int64_t seq;
    kf_txn *t = begin(&admin);
    kf_code rc = kf_grant_settle(t, id, spent, income, "2027-03-01", &seq, s, err);
    if (rc) {
        kf_txn_abort(t);
        return rc;
    }
    commit(t);
    return KF_OK;
}

static kf_code refund(const char *id, kf_yen amount, kf_err *err)
{
    int64_t seq;
    kf_txn *t = begin(&admin);
    kf_code rc = kf_grant_refund(t, id, amount, "2027-03-15", &seq, err);
    if (rc) {
        kf_txn_abort(t);
        return rc;
    }
    commit(t);
    return KF_OK;
}

static kf_code review(const kf_signer *s, const char *id, int64_t score, kf_err *err)
{
    int64_t seq;
    kf_txn *t = begin(s);
    kf_code rc = kf_grant_review(t, id, score, NULL, &seq, err);
    if (rc) {
        kf_txn_abort(t);
        return rc;
    }
    commit(t);
    return KF_OK;
}

static void load_rules(const char *text)
{
    kf_err err;
    int64_t seq;
    kf_txn *t = begin(&admin);
    ck_assert_int_eq(kf_rules_load(t, "r2.ini", text, strlen(text), &seq, &err), KF_OK);
    commit(t);
}

/* --- forging ------------------------------------------------------------------ */

/* Appends e signed by s in a commit of its own; returns its seq. */
static int64_t forge(kf_entry *e, const kf_signer *s)
{
    kf_err err;
    kf_txn *t = begin(s);
    kf_code rc = kf_txn_append(t, e, &err);
    ck_assert_msg(rc == KF_OK, "the ledger layer refused a %s: %s", e->kind, err.msg);
    commit(t);
    int64_t seq = e->seq;
    kf_entry_free(e);
    return seq;
}

static kf_entry *forged_decide(const char *id, kf_yen amount, kf_yen ceiling)
{
    kf_entry *e = kf_entry_new("grant.decide");
    ck_assert_ptr_nonnull(e);
    kf_entry_set_str(e, "app", id, NULL);
    kf_entry_set_str(e, "decision", "approve", NULL);
    kf_entry_set_int(e, "amount", amount, NULL);
    kf_entry_set_int(e, "ceiling", ceiling, NULL);
    kf_entry_set_str(e, "rate", "8/10", NULL);
    kf_entry_set_int(e, "round_down", 1000, NULL);
    kf_entry_set_str(e, "pool", "general", NULL);
    kf_entry_set_str(e, "date", "2026-06-01", NULL);
    kf_entry_set_int(e, "fy", 2026, NULL);
    kf_entry_set_int(e, "rules", rules_seq, NULL);
    return e;
}

/* grant.pay or grant.refund */
static kf_entry *forged_money(const char *kind, const char *id, kf_yen amount)
{
    kf_entry *e = kf_entry_new(kind);
    ck_assert_ptr_nonnull(e);
    kf_entry_set_str(e, "app", id, NULL);
    kf_entry_set_int(e, "amount", amount, NULL);
    kf_entry_set_str(e, "pool", "general", NULL);
    kf_entry_set_str(e, "date", "2027-03-20", NULL); /* after settle()'s 2027-03-01 */
    kf_entry_set_int(e, "fy", 2026, NULL);
    return e;
}

static kf_entry *forged_settle(const char *id, kf_yen spent, kf_yen income, kf_yen final,
                               kf_yen due, kf_yen payable)
{
    kf_entry *e = kf_entry_new("grant.settle");
    ck_assert_ptr_nonnull(e);
    kf_entry_set_str(e, "app", id, NULL);
    kf_entry_set_int(e, "spent", spent, NULL);
    kf_entry_set_int(e, "income", income, NULL);
    kf_entry_set_int(e, "final", final, NULL);
    kf_entry_set_int(e, "refund_due", due, NULL);
    kf_entry_set_int(e, "payable", payable, NULL);
    kf_entry_set_str(e, "date", "2027-03-01", NULL);
    kf_entry_set_int(e, "fy", 2026, NULL);
    return e;
}

static kf_entry *forged_review(const char *id, int64_t score)
{
    kf_entry *e = kf_entry_new("grant.review");
    ck_assert_ptr_nonnull(e);
    kf_entry_set_str(e, "app", id, NULL);
    kf_entry_set_int(e, "score", score, NULL);
    return e;
}

/* --- verification, as kifu verify runs it (cli/cmd_verify.c) ----------------- */

typedef struct {
    kf_don_verifier *donations;
    kf_grant_verifier *grants;
    kf_pool_tracker *pools; /* shared by both, as in cmd_verify */
} rule_checks;

static kf_code check_rules(void *ctx, const kf_row *row, kf_err *err)
{
    rule_checks *c = ctx;
    kf_code rc = kf_don_verify_entry(c->donations, row, err);
    return rc ? rc : kf_grant_verify_entry(c->grants, row, err);
}

/* Verifies the whole ledger; *keep (if given) receives the pool tracker as it
 * stands after the last entry, for the caller to free. */
static kf_code verify_keep(kf_err *err, kf_pool_tracker **keep)
{
    rule_checks c = {.donations = kf_don_verifier_new(l),
                     .grants = kf_grant_verifier_new(l),
                     .pools = kf_pool_tracker_new()};
    ck_assert_ptr_nonnull(c.donations);
    ck_assert_ptr_nonnull(c.grants);
    ck_assert_ptr_nonnull(c.pools);
    kf_don_verifier_pools(c.donations, c.pools);
    kf_grant_verifier_pools(c.grants, c.pools);
    kf_verify_opts vo = {.on_entry = check_rules, .ctx = &c};
    kf_verify_report rep;
    memset(err, 0, sizeof *err);
    kf_code rc = kf_ledger_verify(l, &vo, &rep, err);
    kf_don_verifier_free(c.donations);
    kf_grant_verifier_free(c.grants);
    if (keep)
        *keep = c.pools;
    else
        kf_pool_tracker_free(c.pools);
    return rc;
}

static kf_code verify(kf_err *err)
{
    return verify_keep(err, NULL);
}

static void verify_ok(void)
{
    kf_err err;
    kf_code rc = verify(&err);
    ck_assert_msg(rc == KF_OK, "verify: %s", err.msg);
}

/* Verification refuses, naming the forged entry: "seq N: KIND WHAT". */
static void verify_refuses(int64_t seq, const char *kind, const char *what)
{
    kf_err err;
    kf_code rc = verify(&err);
    tu_assert_refuses(rc, &err, seq, kind, what);
}

/* Verification passes, and the balance and committed money it re-derived for
 * each pool of `pools` (NULL-terminated) are the ledger's own figures. */
static void verify_ok_with_pools(const char *const *pools)
{
    kf_err err;
    kf_pool_tracker *tr;
    kf_code rc = verify_keep(&err, &tr);
    ck_assert_msg(rc == KF_OK, "verify: %s", err.msg);
    for (size_t i = 0; pools[i]; i++) {
        kf_pool_figures f;
        kf_yen balance, committed;
        ck_assert_int_eq(kf_pool_get(l, pools[i], &f, &err), KF_OK);
        kf_pool_tracker_get(tr, pools[i], &balance, &committed);
        ck_assert_msg(balance == f.balance && committed == f.committed,
                      "%s: verify re-derived %lld/%lld, the ledger says %lld/%lld", pools[i],
                      (long long)balance, (long long)committed, (long long)f.balance,
                      (long long)f.committed);
    }
    kf_pool_tracker_free(tr);
}

/* --- tests ---------------------------------------------------------------------- */

START_TEST(clean_lifecycle_verifies)
{
    kf_err err;
    char a[KF_APP_ID_MAX], b[KF_APP_ID_MAX], c[KF_APP_ID_MAX];
    kf_signer other;
    add_key("rev-other", &other, KF_ROLE_REVIEWER, "G7, G8"); /* not G001 or G002 */
    apply("R1", a);
    ck_assert_str_eq(a, "A-2026-0001");
    ck_assert_int_eq(review(&reviewer, a, 4, &err), KF_OK);
    ck_assert_int_eq(review(&other, a, 2, &err), KF_OK);
    ck_assert_int_eq(review(&other, a, 3, &err), KF_OK); /* replaces the 2 */
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);    /* exactly the ceiling */
    ck_assert_int_eq(pay(a, 100000, &err), KF_OK);
    ck_assert_int_eq(pay(a, 200000, &err), KF_OK);
    /* spent 320,000 with income 20,000: 300,000 x 8/10 = 240,000 -> final
     * 240,000; 300,000 paid, so 60,000 is due back */
    kf_grant_settlement s;
    ck_assert_int_eq(settle(a, 320000, 20000, &s, &err), KF_OK);
    ck_assert_int_eq(s.final, 240000);
    ck_assert_int_eq(s.refund_due, 60000);
    ck_assert_int_eq(s.payable, 0);
    ck_assert_int_eq(refund(a, 40000, &err), KF_OK);
    ck_assert_int_eq(refund(a, 20000, &err), KF_OK);
    /* a rejection */
    apply("R2", b);
    int64_t seq;
    kf_txn *t = begin(&admin);
    ck_assert_int_eq(kf_grant_decide(t, b, false, 0, "不備", "2026-06-01", &seq, &err), KF_OK);
    commit(t);
    /* a new rules version: the next decision uses its lower cap, 300,000 */
    load_rules(rules_v2);
    apply("R3", c);
    ck_assert_int_eq(decide(c, 300001, &err), KF_REFUSED);
    ck_assert_int_eq(decide(c, 300000, &err), KF_OK);
    /* settled with nothing paid yet: final 240,000 is payable */
    ck_assert_int_eq(settle(c, 300000, 0, &s, &err), KF_OK);
    ck_assert_int_eq(s.final, 240000);
    ck_assert_int_eq(s.payable, 240000);
    ck_assert_int_eq(pay(c, 240000, &err), KF_OK);
    verify_ok();
    kf_pool_figures f;
    ck_assert_int_eq(kf_pool_get(l, "general", &f, &err), KF_OK);
    /* in 1,000,000 + 60,000 refunded; out 300,000 + 240,000 */
    ck_assert_int_eq(f.in, 1060000);
    ck_assert_int_eq(f.out, 540000);
    ck_assert_int_eq(f.committed, 0);
}
END_TEST

START_TEST(decide_with_false_ceiling)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    apply("R1", a);
    ck_assert_int_eq(decide(a, 450000, &err), KF_REFUSED); /* kifu refuses it */
    ck_assert_ptr_nonnull(strstr(err.msg, "above its ceiling of 400000 yen"));
    int64_t seq = forge(forged_decide(a, 450000, 450000), &admin);
    verify_refuses(seq, "grant.decide",
                   "states a ceiling or rate for A-2026-0001 that the rules in force do not give");
}
END_TEST

START_TEST(decide_above_true_ceiling)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    apply("R1", a);
    ck_assert_int_eq(decide(a, 401000, &err), KF_REFUSED);
    int64_t seq = forge(forged_decide(a, 401000, 400000), &admin);
    verify_refuses(seq, "grant.decide", "approves A-2026-0001 above its ceiling");
}
END_TEST

START_TEST(decide_ineligible_duplicate)
{
    /* Two applications of the same lead group, menu and round: the second is
     * a duplicate, which kifu refuses to approve; a forged approval of it
     * (with the right ceiling, rate, pool and fy) is caught by re-deriving
     * eligibility from the replayed registry and history. */
    kf_err err;
    char a[KF_APP_ID_MAX], b[KF_APP_ID_MAX];
    apply("R1", a);
    apply("R1", b);
    donate("1000000", NULL);
    ck_assert_int_eq(decide(b, 400000, &err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "not eligible: duplicate"));
    int64_t seq = forge(forged_decide(b, 400000, 400000), &admin);
    verify_refuses(seq, "grant.decide", "approves A-2026-0002, which was not eligible (duplicate)");
}
END_TEST

START_TEST(decide_with_ceiling_of_old_rules)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    apply("R1", a);
    load_rules(rules_v2); /* the ceiling is now 300,000 */
    ck_assert_int_eq(decide(a, 400000, &err), KF_REFUSED);
    int64_t seq = forge(forged_decide(a, 400000, 400000), &admin);
    verify_refuses(seq, "grant.decide",
                   "states a ceiling or rate for A-2026-0001 that the rules in force do not give");
}
END_TEST

START_TEST(decide_twice)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    apply("R1", a);
    ck_assert_int_eq(decide(a, 200000, &err), KF_OK);
    ck_assert_int_eq(decide(a, 200000, &err), KF_REFUSED);
    int64_t seq = forge(forged_decide(a, 200000, 400000), &admin);
    verify_refuses(seq, "grant.decide", "decides A-2026-0001 twice");
}
END_TEST

/* A decision is not dated before its application (2026-05-01 here). */
START_TEST(decide_before_application)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    int64_t seq;
    apply("R1", a);
    kf_txn *t = begin(&admin);
    ck_assert_int_eq(kf_grant_decide(t, a, true, 1000, NULL, "2026-04-30", &seq, &err), KF_REFUSED);
    ck_assert_msg(strstr(err.msg, "a decision dated 2026-04-30 would precede the application "
                                  "(2026-05-01)") != NULL,
                  "%s", err.msg);
    kf_txn_abort(t);
    kf_entry *e = forged_decide(a, 400000, 400000);
    kf_entry_set_str(e, "date", "2026-04-30", NULL);
    kf_entry_set_int(e, "fy", 2026, NULL);
    seq = forge(e, &admin);
    verify_refuses(seq, "grant.decide", "approves A-2026-0001 on a date before its application");
}
END_TEST

START_TEST(pay_beyond_award)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    apply("R1", a);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    ck_assert_int_eq(pay(a, 300000, &err), KF_OK);
    ck_assert_int_eq(pay(a, 100001, &err), KF_REFUSED);
    verify_ok();
    int64_t seq = forge(forged_money("grant.pay", a, 100001), &admin);
    verify_refuses(seq, "grant.pay", "pays A-2026-0001 more than its award");
}
END_TEST

START_TEST(pay_beyond_final)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    kf_grant_settlement s;
    apply("R1", a);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    ck_assert_int_eq(pay(a, 100000, &err), KF_OK);
    /* 200,000 x 8/10 = 160,000: 60,000 still payable, not the award's 300,000 */
    ck_assert_int_eq(settle(a, 200000, 0, &s, &err), KF_OK);
    ck_assert_int_eq(s.payable, 60000);
    ck_assert_int_eq(pay(a, 60001, &err), KF_REFUSED);
    int64_t seq = forge(forged_money("grant.pay", a, 60001), &admin);
    verify_refuses(seq, "grant.pay", "pays A-2026-0001 more than its award");
}
END_TEST

START_TEST(pay_unapproved)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    apply("R1", a);
    ck_assert_int_eq(pay(a, 1000, &err), KF_REFUSED);
    int64_t seq = forge(forged_money("grant.pay", a, 1000), &admin);
    verify_refuses(seq, "grant.pay", "moves money for A-2026-0001, which is not approved");
}
END_TEST

START_TEST(settle_wrong_final)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    apply("R1", a);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    ck_assert_int_eq(pay(a, 100000, &err), KF_OK);
    /* spent 300,000: the final amount is 240,000, not 300,000 */
    int64_t seq = forge(forged_settle(a, 300000, 0, 300000, 0, 200000), &admin);
    verify_refuses(seq, "grant.settle",
                   "states a final amount for A-2026-0001 that does not follow");
}
END_TEST

START_TEST(settle_wrong_refund_due)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    apply("R1", a);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    ck_assert_int_eq(pay(a, 300000, &err), KF_OK);
    /* the right final 240,000, but 60,000 is due back, not 0 */
    int64_t seq = forge(forged_settle(a, 300000, 0, 240000, 0, 0), &admin);
    verify_refuses(seq, "grant.settle",
                   "states a final amount for A-2026-0001 that does not follow");
}
END_TEST

START_TEST(refund_beyond_due)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    kf_grant_settlement s;
    apply("R1", a);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    ck_assert_int_eq(pay(a, 300000, &err), KF_OK);
    ck_assert_int_eq(settle(a, 300000, 0, &s, &err), KF_OK);
    ck_assert_int_eq(s.refund_due, 60000);
    ck_assert_int_eq(refund(a, 50000, &err), KF_OK);
    ck_assert_int_eq(refund(a, 10001, &err), KF_REFUSED);
    verify_ok();
    int64_t seq = forge(forged_money("grant.refund", a, 10001), &admin);
    verify_refuses(seq, "grant.refund", "refunds more than is due back for A-2026-0001");
}
END_TEST

/* Money moves on or after its decision, a refund on or after the settlement:
 * kifu refuses earlier dates, and verification refuses forged ones. */
START_TEST(money_dated_before_its_step)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    int64_t seq;
    kf_grant_settlement s;
    apply("R1", a);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK); /* 2026-06-01 */
    kf_txn *t = begin(&admin);
    ck_assert_int_eq(kf_grant_pay(t, a, 1000, "2026-05-31", &seq, &err), KF_REFUSED);
    ck_assert_msg(strstr(err.msg, "a payment dated 2026-05-31 would precede its decision "
                                  "(2026-06-01)") != NULL,
                  "%s", err.msg);
    ck_assert_int_eq(kf_grant_settle(t, a, 1, 0, "2026-05-31", &seq, &s, &err), KF_REFUSED);
    kf_txn_abort(t);
    kf_entry *e = forged_money("grant.pay", a, 1000);
    kf_entry_set_str(e, "date", "2026-05-31", NULL);
    kf_entry_set_int(e, "fy", 2026, NULL);
    seq = forge(e, &admin);
    verify_refuses(seq, "grant.pay", "is dated before the decision of its grant");
}
END_TEST

START_TEST(refund_dated_before_settlement)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    int64_t seq;
    kf_grant_settlement s;
    apply("R1", a);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    ck_assert_int_eq(pay(a, 300000, &err), KF_OK);
    ck_assert_int_eq(settle(a, 300000, 0, &s, &err), KF_OK); /* 2027-03-01, 60,000 due back */
    kf_txn *t = begin(&admin);
    ck_assert_int_eq(kf_grant_refund(t, a, 1000, "2027-02-28", &seq, &err), KF_REFUSED);
    ck_assert_msg(strstr(err.msg, "would precede its settlement (2027-03-01)") != NULL, "%s",
                  err.msg);
    kf_txn_abort(t);
    verify_ok();
    kf_entry *e = forged_money("grant.refund", a, 1000);
    kf_entry_set_str(e, "date", "2027-02-28", NULL);
    seq = forge(e, &admin);
    verify_refuses(seq, "grant.refund", "is dated before the settlement of its grant");
}
END_TEST

START_TEST(refund_before_settlement)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    apply("R1", a);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    ck_assert_int_eq(pay(a, 300000, &err), KF_OK);
    ck_assert_int_eq(refund(a, 1000, &err), KF_REFUSED);
    int64_t seq = forge(forged_money("grant.refund", a, 1000), &admin);
    verify_refuses(seq, "grant.refund", "refunds more than is due back for A-2026-0001");
}
END_TEST

START_TEST(review_by_lead_affiliate)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    kf_signer rec;
    add_key("rev-g1", &rec, KF_ROLE_REVIEWER, "G001");
    apply("R1", a);
    ck_assert_int_eq(review(&rec, a, 5, &err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "affiliated with G001"));
    ck_assert_int_eq(review(&reviewer, a, 4, &err), KF_OK);
    verify_ok();
    int64_t seq = forge(forged_review(a, 5), &rec);
    verify_refuses(seq, "grant.review", "is by a reviewer affiliated with G001");
}
END_TEST

START_TEST(review_by_partner_affiliate)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    kf_signer rec;
    add_key("rev-g2", &rec, KF_ROLE_REVIEWER, "G9, G002");
    apply("R1", a);
    ck_assert_int_eq(review(&rec, a, 5, &err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "affiliated with G002"));
    int64_t seq = forge(forged_review(a, 5), &rec);
    verify_refuses(seq, "grant.review", "is by a reviewer affiliated with G002");
}
END_TEST

START_TEST(review_of_decided)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    apply("R1", a);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    ck_assert_int_eq(review(&reviewer, a, 5, &err), KF_REFUSED);
    int64_t seq = forge(forged_review(a, 5), &reviewer);
    verify_refuses(seq, "grant.review", "reviews decided A-2026-0001");
}
END_TEST

/* --- pool checks ------------------------------------------------------------------ */

static kf_code deregister(const char *id, const char *date, kf_yen *moved, kf_err *err)
{
    int64_t seq;
    kf_txn *t = begin(&admin);
    kf_code rc = kf_group_deregister(t, id, "解散", date, &seq, moved, err);
    if (rc) {
        kf_txn_abort(t);
        return rc;
    }
    commit(t);
    return KF_OK;
}

static kf_code void_donation(int64_t seq, kf_err *err)
{
    int64_t vseq;
    kf_txn *t = begin(&admin);
    kf_code rc = kf_don_void(t, seq, "誤入力", "2026-05-20", &vseq, err);
    if (rc) {
        kf_txn_abort(t);
        return rc;
    }
    commit(t);
    return KF_OK;
}

/* The whole life of the pools, through kifu's own commands, verifies with the
 * tracker attached, and re-derives the ledger's pool figures. */
START_TEST(pools_lifecycle_verifies)
{
    kf_err err;
    char a[KF_APP_ID_MAX], b[KF_APP_ID_MAX];
    kf_grant_settlement s;
    kf_yen moved;
    static const char *const pools[] = {"general", "group:G001", "group:G002", "field:welfare",
                                        NULL};
    load_rules(rules_group);
    /* designated_share is 100/100: the whole gift goes to the group */
    donate("600000", "group:G001");
    donate("20000", "group:G002");
    int64_t mistaken = donate("50000", NULL);
    ck_assert_int_eq(void_donation(mistaken, &err), KF_OK);
    verify_ok_with_pools(pools);
    /* a: menu g, from group:G001; b: menu m, from general */
    apply_in("g", "R1", a);
    apply("R2", b);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    ck_assert_int_eq(decide(b, 300000, &err), KF_OK);
    verify_ok_with_pools(pools);
    ck_assert_int_eq(pay(b, 300000, &err), KF_OK);
    ck_assert_int_eq(settle(b, 300000, 0, &s, &err), KF_OK); /* final 240,000 */
    ck_assert_int_eq(s.refund_due, 60000);
    ck_assert_int_eq(refund(b, 60000, &err), KF_OK);
    ck_assert_int_eq(pay(a, 100000, &err), KF_OK);
    ck_assert_int_eq(settle(a, 200000, 0, &s, &err), KF_OK); /* final 160,000 */
    ck_assert_int_eq(s.payable, 60000);
    ck_assert_int_eq(pay(a, 60000, &err), KF_OK);
    /* nothing committed to group:G001 now: its 440,000 goes to field:welfare */
    ck_assert_int_eq(deregister("G001", "2027-03-20", &moved, &err), KF_OK);
    ck_assert_int_eq(moved, 440000);
    ck_assert_int_eq(deregister("G002", "2027-03-20", &moved, &err), KF_OK);
    ck_assert_int_eq(moved, 20000);
    verify_ok_with_pools(pools);
    kf_pool_figures f;
    ck_assert_int_eq(kf_pool_get(l, "general", &f, &err), KF_OK);
    ck_assert_int_eq(f.balance, 1000000 - 300000 + 60000);
    ck_assert_int_eq(f.committed, 0);
    ck_assert_int_eq(kf_pool_get(l, "group:G001", &f, &err), KF_OK);
    ck_assert_int_eq(f.balance, 0);
    ck_assert_int_eq(kf_pool_get(l, "field:welfare", &f, &err), KF_OK);
    ck_assert_int_eq(f.balance, 460000);
}
END_TEST

/* (a) menu m draws on general; a decide committing group:G002 is forged. */
START_TEST(decide_from_group_pool_for_general_menu)
{
    char a[KF_APP_ID_MAX];
    donate("500000", "group:G002"); /* so the forged pool has the money */
    apply("R1", a);
    verify_ok();
    kf_entry *e = forged_decide(a, 400000, 400000);
    kf_entry_set_str(e, "pool", "group:G002", NULL);
    int64_t seq = forge(e, &admin);
    verify_refuses(seq, "grant.decide", "commits A-2026-0001 from a pool its menu does not name");
}
END_TEST

/* (a) menu g draws on the lead's pool, group:G001 (empty); a decide committing
 * the partner's group:G002 is forged. */
START_TEST(decide_from_partner_pool_for_group_menu)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    load_rules(rules_group);
    donate("500000", "group:G002");
    apply_in("g", "R1", a);
    ck_assert_int_eq(decide(a, 400000, &err), KF_REFUSED); /* group:G001 has nothing */
    verify_ok();
    kf_entry *e = forged_decide(a, 400000, 400000);
    kf_entry_set_str(e, "pool", "group:G002", NULL);
    int64_t seq = forge(e, &admin);
    verify_refuses(seq, "grant.decide", "commits A-2026-0001 from a pool its menu does not name");
}
END_TEST

/* (c) 1,000,000 in general: two real approvals of 400,000 leave 200,000
 * available; a forged third of 400,000 (within its own ceiling) overdraws. */
START_TEST(decide_beyond_available)
{
    kf_err err;
    char a[KF_APP_ID_MAX], b[KF_APP_ID_MAX], c[KF_APP_ID_MAX];
    apply("R1", a);
    apply("R2", b);
    apply("R3", c);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    ck_assert_int_eq(decide(b, 400000, &err), KF_OK);
    ck_assert_int_eq(decide(c, 400000, &err), KF_REFUSED);
    ck_assert_ptr_nonnull(
        strstr(err.msg, "more than pool general has available (200000 yen at the end of FY 2026)"));
    verify_ok();
    int64_t seq = forge(forged_decide(c, 400000, 400000), &admin);
    verify_refuses(seq, "grant.decide", "leaves pool general with negative available money");
}
END_TEST

/* (b') money dated in FY 2027 does not pay for an approval dated in FY 2026:
 * the writer refuses it, verification refuses a forged one, and the same
 * approval dated in FY 2027 is taken and verifies. */
/* 600,000 more for general dated in FY 2027, three applications, two of
 * them approved for 400,000 in FY 2026: c is left, with 800,000 available in
 * all but 200,000 at the end of FY 2026. */
static void later_money_and_two_awards(char c[KF_APP_ID_MAX])
{
    kf_err err;
    char a[KF_APP_ID_MAX], b[KF_APP_ID_MAX];
    donate_on("600000", NULL, "2027-05-01");
    apply("R1", a);
    apply("R2", b);
    apply("R3", c);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    ck_assert_int_eq(decide(b, 400000, &err), KF_OK);
}

START_TEST(decide_from_later_fy_money)
{
    kf_err err;
    char c[KF_APP_ID_MAX];
    int64_t seq;
    later_money_and_two_awards(c);
    ck_assert_int_eq(decide(c, 400000, &err), KF_REFUSED);
    ck_assert_msg(
        strstr(err.msg, "more than pool general has available (200000 yen at the end of FY 2026)"),
        "%s", err.msg);
    verify_ok();
    kf_entry *e = forged_decide(c, 400000, 400000);
    seq = forge(e, &admin);
    verify_refuses(seq, "grant.decide",
                   "leaves pool general with negative available money at the end of FY 2026");
}
END_TEST

START_TEST(decide_in_later_fy)
{
    kf_err err;
    char c[KF_APP_ID_MAX];
    int64_t seq;
    later_money_and_two_awards(c);
    kf_txn *t = begin(&admin);
    kf_code rc = kf_grant_decide(t, c, true, 400000, NULL, "2027-05-02", &seq, &err);
    ck_assert_msg(rc == KF_OK, "decide in FY 2027: %s", err.msg);
    commit(t);
    verify_ok();
}
END_TEST

/* (c) the same with exactly the available money approved: it verifies. */
START_TEST(decide_of_exactly_available)
{
    kf_err err;
    char a[KF_APP_ID_MAX], b[KF_APP_ID_MAX], c[KF_APP_ID_MAX];
    apply("R1", a);
    apply("R2", b);
    apply("R3", c);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    ck_assert_int_eq(decide(b, 400000, &err), KF_OK);
    forge(forged_decide(c, 200000, 400000), &admin);
    verify_ok();
}
END_TEST

/* (c) a group pool: 100,000 in group:G001, a forged approval of 400,000. */
START_TEST(decide_beyond_group_pool)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    load_rules(rules_group);
    donate("100000", "group:G001");
    apply_in("g", "R1", a);
    ck_assert_int_eq(decide(a, 400000, &err), KF_REFUSED);
    verify_ok();
    kf_entry *e = forged_decide(a, 400000, 400000);
    kf_entry_set_str(e, "pool", "group:G001", NULL);
    int64_t seq = forge(e, &admin);
    verify_refuses(seq, "grant.decide", "leaves pool group:G001 with negative available money");
}
END_TEST

/* (b) Each forged entry below is dated January-March 2027, in FY 2026, and
 * states fy 2027, the calendar year; it is right in every other respect, as
 * the same entry with fy 2026, which verifies, shows. */

START_TEST(decide_wrong_fy)
{
    char a[KF_APP_ID_MAX], b[KF_APP_ID_MAX];
    apply("R1", a);
    apply("R2", b);
    kf_entry *e = forged_decide(a, 400000, 400000);
    kf_entry_set_str(e, "date", "2027-03-31", NULL); /* FY 2026: verifies */
    forge(e, &admin);
    verify_ok();
    e = forged_decide(b, 400000, 400000);
    kf_entry_set_str(e, "date", "2027-03-31", NULL);
    kf_entry_set_int(e, "fy", 2027, NULL);
    int64_t seq = forge(e, &admin);
    verify_refuses(seq, "grant.decide", "states a fiscal year its date is not in");
}
END_TEST

START_TEST(pay_wrong_fy)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    apply("R1", a);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    kf_entry *e = forged_money("grant.pay", a, 100000);
    kf_entry_set_str(e, "date", "2027-01-15", NULL); /* FY 2026: verifies */
    forge(e, &admin);
    verify_ok();
    e = forged_money("grant.pay", a, 100000);
    kf_entry_set_str(e, "date", "2027-01-15", NULL);
    kf_entry_set_int(e, "fy", 2027, NULL);
    int64_t seq = forge(e, &admin);
    verify_refuses(seq, "grant.pay", "states a fiscal year its date is not in");
}
END_TEST

START_TEST(settle_wrong_fy)
{
    kf_err err;
    char a[KF_APP_ID_MAX], b[KF_APP_ID_MAX];
    apply("R1", a);
    apply("R2", b);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    ck_assert_int_eq(decide(b, 400000, &err), KF_OK);
    ck_assert_int_eq(pay(a, 100000, &err), KF_OK);
    ck_assert_int_eq(pay(b, 100000, &err), KF_OK);
    /* spent 300,000: final 240,000, 140,000 payable; dated 2027-03-01, FY 2026 */
    forge(forged_settle(a, 300000, 0, 240000, 0, 140000), &admin);
    verify_ok();
    kf_entry *e = forged_settle(b, 300000, 0, 240000, 0, 140000);
    kf_entry_set_int(e, "fy", 2027, NULL);
    int64_t seq = forge(e, &admin);
    verify_refuses(seq, "grant.settle", "states a fiscal year its date is not in");
}
END_TEST

START_TEST(refund_wrong_fy)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    kf_grant_settlement s;
    apply("R1", a);
    ck_assert_int_eq(decide(a, 400000, &err), KF_OK);
    ck_assert_int_eq(pay(a, 300000, &err), KF_OK);
    ck_assert_int_eq(settle(a, 300000, 0, &s, &err), KF_OK);
    ck_assert_int_eq(s.refund_due, 60000);
    kf_entry *e = forged_money("grant.refund", a, 30000);
    kf_entry_set_str(e, "date", "2027-03-15", NULL); /* FY 2026: verifies */
    forge(e, &admin);
    verify_ok();
    e = forged_money("grant.refund", a, 30000);
    kf_entry_set_str(e, "date", "2027-03-15", NULL);
    kf_entry_set_int(e, "fy", 2027, NULL);
    int64_t seq = forge(e, &admin);
    verify_refuses(seq, "grant.refund", "states a fiscal year its date is not in");
}
END_TEST

/* --- every rule of a menu, at decision and in verification (docs/ENTRIES.md,
 * "Which rule holds where") ---------------------------------------------------- */

/* Menus of the rules below (fy_start given): a (min_award 100,000, round
 * budget 300,000), s (scored: 25 reviewers, pass 3.28), t (scored: 33
 * reviewers, pass 3), c (max_consecutive 1), x (exclusive tag x); all from
 * general, rate 8/10, cap 500,000, round_down 1,000. */
static void load_menu_rules(const char *fy_start)
{
    char text[2048];
    snprintf(text, sizeof text,
             "[fund]\nname = F\nfy_start = %s\n[fields]\nwelfare = 福祉\n"
             "[menu m]\nsource = general\nrate = 8/10\ncap = 500000\n"
             "[menu a]\nsource = general\nrate = 8/10\ncap = 500000\nmin_award = 100000\n"
             "round_down = 1000\nround_budget = 300000\n"
             "[menu s]\nsource = general\nreview = scored\nmin_reviewers = 25\n"
             "pass_score = 3.28\nrate = 8/10\ncap = 500000\n"
             "[menu t]\nsource = general\nreview = scored\nmin_reviewers = 33\n"
             "pass_score = 3\nrate = 8/10\ncap = 500000\n"
             "[menu c]\nsource = general\nrate = 8/10\ncap = 500000\nmax_consecutive = 1\n"
             "[menu x]\nsource = general\nrate = 8/10\ncap = 500000\nexclusive = x\n",
             fy_start);
    load_rules(text);
}

/* An application of lead `group` (no partners) in menu and round, starting on
 * `start`, dated 2026-05-01; ceiling 400,000 in the menus above. */
static void apply_as(const char *menu, const char *round, const char *group, const char *start,
                     char id[KF_APP_ID_MAX])
{
    char text[1024];
    int n = snprintf(text, sizeof text,
                     "[application]\nmenu = %s\nround = %s\ngroup = %s\ntitle = T\n"
                     "start = %s\nend = 2027-03-31\nrequested = 450000\n"
                     "[budget]\nequipment = 500000, 備品\n",
                     menu, round, group, start);
    apply_text(text, n, id);
}

static kf_code decide_on(const char *id, kf_yen amount, const char *date, kf_err *err)
{
    int64_t seq;
    kf_txn *t = begin(&admin);
    kf_code rc = kf_grant_decide(t, id, true, amount, NULL, date, &seq, err);
    if (rc) {
        kf_txn_abort(t);
        return rc;
    }
    commit(t);
    return KF_OK;
}

static void refused_saying(kf_code rc, const kf_err *err, const char *what)
{
    ck_assert_int_eq(rc, KF_REFUSED);
    ck_assert_msg(strstr(err->msg, what) != NULL, "refused with '%s', want '%s'", err->msg, what);
}

START_TEST(amount_rule_and_score_pure)
{
    kf_menu m;
    memset(&m, 0, sizeof m);
    m.min_award = 100000;
    m.round_down = 1000;
    ck_assert_ptr_null(kf_grant_amount_rule(&m, 400000, 400000));
    ck_assert_ptr_null(kf_grant_amount_rule(&m, 400000, 100000));
    ck_assert_str_eq(kf_grant_amount_rule(&m, 400000, 0), "ceiling");
    ck_assert_str_eq(kf_grant_amount_rule(&m, 400000, 401000), "ceiling");
    ck_assert_str_eq(kf_grant_amount_rule(&m, 400000, 20500), "min_award");
    ck_assert_str_eq(kf_grant_amount_rule(&m, 400000, 99000), "min_award");
    ck_assert_str_eq(kf_grant_amount_rule(&m, 400000, 100500), "round_down");
    m.min_award = 0;
    m.round_down = 1;
    ck_assert_ptr_null(kf_grant_amount_rule(&m, 400000, 1));
    /* 25 reviews adding up to 82: the mean is exactly 3.28 */
    ck_assert(kf_grant_score_passes(3.28, 25, 82));
    ck_assert(!kf_grant_score_passes(3.28, 25, 81));
    ck_assert(kf_grant_score_passes(3.25, 4, 13));
    ck_assert(!kf_grant_score_passes(3.250001, 4, 13));
    ck_assert(kf_grant_score_passes(5, 1, 5));
    ck_assert(kf_grant_score_passes(0, 1, 1));
    ck_assert(!kf_grant_score_passes(0, 0, 0));
    ck_assert(kf_grant_score_passes(0.000001, 1000000, 1));
    ck_assert(!kf_grant_score_passes(0.000002, 1000000, 1));
}
END_TEST

/* min_award bounds the award too, not only the ceiling (issue 12): the
 * field menu's allocation proposes no_funds below it, and decide refuses. */
START_TEST(decide_below_min_award)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    load_menu_rules("04-01");
    apply_as("a", "R1", "G001", "2026-06-01", a);
    refused_saying(decide(a, 20500, &err), &err,
                   "20500 yen is below the min_award of menu a (100000 yen)");
    refused_saying(decide(a, 99000, &err), &err,
                   "99000 yen is below the min_award of menu a (100000 yen)");
    verify_ok();
    int64_t seq = forge(forged_decide(a, 99000, 400000), &admin);
    verify_refuses(seq, "grant.decide",
                   "approves A-2026-0001 with 99000 yen, below the min_award of menu a "
                   "(100000 yen)");
}
END_TEST

START_TEST(decide_off_round_down)
{
    kf_err err;
    char a[KF_APP_ID_MAX];
    load_menu_rules("04-01");
    apply_as("a", "R1", "G001", "2026-06-01", a);
    refused_saying(decide(a, 150500, &err), &err,
                   "150500 yen is not a multiple of the round_down of menu a (1000 yen)");
    ck_assert_int_eq(decide(a, 150000, &err), KF_OK);
    verify_ok();
    char b[KF_APP_ID_MAX];
    apply_as("m", "R1", "G002", "2026-06-01", b);
    refused_saying(decide(b, 1, &err), &err,
                   "1 yen is not a multiple of the round_down of menu m (1000 yen)");
    int64_t seq = forge(forged_decide(b, 200001, 400000), &admin);
    verify_refuses(seq, "grant.decide",
                   "approves A-2026-0002 with 200001 yen, not a multiple of the round_down of "
                   "menu m (1000 yen)");
}
END_TEST

START_TEST(decide_beyond_round_budget)
{
    kf_err err;
    char a[KF_APP_ID_MAX], b[KF_APP_ID_MAX];
    load_menu_rules("04-01");
    apply_as("a", "R1", "G001", "2026-06-01", a);
    apply_as("a", "R1", "G002", "2026-06-01", b);
    ck_assert_int_eq(decide(a, 200000, &err), KF_OK);
    refused_saying(decide(b, 200000, &err), &err,
                   "200000 yen is more than the round budget left (100000 yen)");
    ck_assert_int_eq(decide(b, 100000, &err), KF_OK); /* exactly what is left */
    verify_ok();
    char c[KF_APP_ID_MAX];
    apply_as("a", "R2", "G002", "2026-06-01", c); /* another round: a budget of its own */
    ck_assert_int_eq(decide(c, 300000, &err), KF_OK);
    verify_ok();
}
END_TEST

START_TEST(forged_beyond_round_budget)
{
    kf_err err;
    char a[KF_APP_ID_MAX], b[KF_APP_ID_MAX];
    load_menu_rules("04-01");
    apply_as("a", "R1", "G001", "2026-06-01", a);
    apply_as("a", "R1", "G002", "2026-06-01", b);
    ck_assert_int_eq(decide(a, 200000, &err), KF_OK);
    ck_assert_int_eq(decide(b, 101000, &err), KF_REFUSED);
    int64_t seq = forge(forged_decide(b, 101000, 400000), &admin);
    verify_refuses(seq, "grant.decide", "approves A-2026-0002 beyond the round budget");
}
END_TEST

/* n reviewer keys rev0, rev1, ... */
static kf_signer *reviewers(int n)
{
    kf_signer *r = calloc((size_t)n, sizeof *r);
    ck_assert_ptr_nonnull(r);
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "rev%d", i);
        add_key(name, &r[i], KF_ROLE_REVIEWER, NULL);
    }
    return r;
}

/* 25 reviews adding up to 82 have a mean of exactly 3.28: they pass
 * pass_score = 3.28 (in floating point they did not); 81 do not. */
START_TEST(pass_score_exact)
{
    kf_err err;
    char a[KF_APP_ID_MAX], b[KF_APP_ID_MAX];
    kf_signer *r = reviewers(25);
    load_menu_rules("04-01");
    apply_as("s", "R1", "G001", "2026-06-01", a);
    apply_as("s", "R1", "G002", "2026-06-01", b);
    for (int i = 0; i < 25; i++) {
        ck_assert_int_eq(review(&r[i], a, i < 7 ? 4 : 3, &err), KF_OK); /* 28 + 54 = 82 */
        ck_assert_int_eq(review(&r[i], b, i < 6 ? 4 : 3, &err), KF_OK); /* 24 + 57 = 81 */
    }
    kf_grant_proposal *p;
    size_t n;
    ck_assert_int_eq(kf_grant_allocate(l, "s", "R1", &p, &n, &err), KF_OK);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(p[0].id, a);
    ck_assert_str_eq(p[0].status, "funded");
    ck_assert_str_eq(p[1].status, "below_pass");
    free(p);
    kf_code rc = decide(a, 400000, &err);
    ck_assert_msg(rc == KF_OK, "decide: %s", err.msg);
    refused_saying(decide(b, 400000, &err), &err,
                   "below the pass score 3.28 (pass_score: 81 points from 25 reviews)");
    verify_ok();
    int64_t seq = forge(forged_decide(b, 400000, 400000), &admin);
    verify_refuses(seq, "grant.decide",
                   "approves A-2026-0002 without enough reviews at the pass score (pass_score: "
                   "81 points from 25 reviews, below 3.28)");
    free(r);
}
END_TEST

/* min_reviewers: a scored application needs as many reviews, in the writer
 * and in verification alike, however many that is: verification once
 * stopped at 32 reviewers. */
START_TEST(many_reviewers)
{
    kf_err err;
    char a[KF_APP_ID_MAX], b[KF_APP_ID_MAX];
    kf_signer *r = reviewers(33);
    load_menu_rules("04-01");
    apply_as("t", "R1", "G001", "2026-06-01", a);
    apply_as("t", "R1", "G002", "2026-06-01", b);
    for (int i = 0; i < 33; i++)
        ck_assert_int_eq(review(&r[i], a, 3, &err), KF_OK);
    for (int i = 0; i < 32; i++)
        ck_assert_int_eq(review(&r[i], b, 5, &err), KF_OK);
    ck_assert_int_eq(review(&r[0], a, 4, &err), KF_OK); /* replaces, still 33 */
    kf_code rc = decide(a, 400000, &err);
    ck_assert_msg(rc == KF_OK, "decide: %s", err.msg);
    refused_saying(decide(b, 400000, &err), &err, "has 32 of the 33 reviews needed");
    verify_ok();
    int64_t seq = forge(forged_decide(b, 400000, 400000), &admin);
    verify_refuses(seq, "grant.decide",
                   "approves A-2026-0002 without enough reviews at the pass score "
                   "(min_reviewers: 32 of 33)");
    free(r);
}
END_TEST

/* max_consecutive counts the fiscal years the applications' entries state:
 * after fy_start moves to 07-01 the writer must not re-derive the FY of a
 * start of 2026-06-01 as 2025, as verification does not. */
START_TEST(consecutive_uses_stored_fy)
{
    kf_err err;
    char a[KF_APP_ID_MAX], b[KF_APP_ID_MAX];
    load_menu_rules("04-01");
    apply_as("c", "R1", "G001", "2025-06-01", a); /* FY 2025 */
    apply_as("c", "R2", "G001", "2026-06-01", b); /* FY 2026 */
    ck_assert_str_eq(a, "A-2025-0001");
    ck_assert_str_eq(b, "A-2026-0001");
    ck_assert_int_eq(decide(a, 100000, &err), KF_OK);
    load_menu_rules("07-01");
    refused_saying(decide_on(b, 100000, "2026-08-01", &err), &err,
                   "A-2026-0001 is not eligible: consecutive");
    verify_ok();
    kf_entry *e = forged_decide(b, 100000, 400000);
    kf_entry_set_str(e, "date", "2026-08-01", NULL);
    int64_t seq = forge(e, &admin);
    verify_refuses(seq, "grant.decide",
                   "approves A-2026-0001, which was not eligible (consecutive)");
}
END_TEST

/* exclusive: one award per lead group and FY among the menus sharing the tag,
 * the FY being the one the application's entry states. */
START_TEST(exclusive_uses_stored_fy)
{
    kf_err err;
    char a[KF_APP_ID_MAX], b[KF_APP_ID_MAX], c[KF_APP_ID_MAX];
    load_menu_rules("04-01");
    apply_as("x", "R1", "G001", "2025-06-01", a); /* FY 2025 */
    apply_as("x", "R2", "G001", "2026-06-01", b); /* FY 2026 */
    ck_assert_int_eq(decide(a, 100000, &err), KF_OK);
    load_menu_rules("07-01");
    kf_code rc = decide_on(b, 100000, "2026-08-01", &err);
    ck_assert_msg(rc == KF_OK, "decide: %s", err.msg);
    verify_ok();
    apply_as("x", "R3", "G001", "2026-08-01", c); /* FY 2026 under 07-01 too */
    refused_saying(decide_on(c, 100000, "2026-08-01", &err), &err,
                   "A-2026-0002 is not eligible: exclusive");
    kf_entry *e = forged_decide(c, 100000, 400000);
    kf_entry_set_str(e, "date", "2026-08-01", NULL);
    int64_t seq = forge(e, &admin);
    verify_refuses(seq, "grant.decide", "approves A-2026-0002, which was not eligible (exclusive)");
}
END_TEST

static kf_entry *forged_group_update(const char *id, const char *key, const char *value)
{
    kf_entry *e = kf_entry_new("group.update");
    ck_assert_ptr_nonnull(e);
    kf_entry_set_str(e, "id", id, NULL);
    int64_t n;
    if (strcmp(key, "members") == 0) {
        ck_assert(kf_parse_i64(value, &n));
        kf_entry_set_int(e, key, n, NULL);
    } else
        kf_entry_set_str(e, key, value, NULL);
    return e;
}

/* A deregistered group stays deregistered: kifu refuses to update it, and
 * verification rejects an update (which would let it qualify again). */
START_TEST(update_of_deregistered_group)
{
    kf_err err;
    kf_yen moved;
    int64_t seq;
    ck_assert_int_eq(deregister("G002", "2026-06-01", &moved, &err), KF_OK);
    kf_txn *t = begin(&admin);
    ck_assert_int_ne(kf_group_update(t, "G002", 20, KF_ST_REGISTERED, NULL, NULL, &seq, &err),
                     KF_OK);
    kf_txn_abort(t);
    verify_ok();
    seq = forge(forged_group_update("G002", "status", "registered"), &admin);
    verify_refuses(seq, "group.update", "changes group G002, which is deregistered");
}
END_TEST

START_TEST(update_to_deregistered_status)
{
    kf_err err;
    int64_t seq;
    kf_txn *t = begin(&admin);
    ck_assert_int_ne(kf_group_update(t, "G002", -1, KF_ST_DEREGISTERED, NULL, NULL, &seq, &err),
                     KF_OK);
    kf_txn_abort(t);
    seq = forge(forged_group_update("G002", "members", "20"), &admin); /* a legal update */
    verify_ok();
    seq = forge(forged_group_update("G002", "status", "deregistered"), &admin);
    verify_refuses(seq, "group.update",
                   "sets status 'deregistered', not registered or provisional");
}
END_TEST

START_TEST(deregister_twice)
{
    kf_err err;
    kf_yen moved;
    ck_assert_int_eq(deregister("G002", "2026-06-01", &moved, &err), KF_OK);
    ck_assert_int_ne(deregister("G002", "2026-06-02", &moved, &err), KF_OK);
    kf_entry *e = kf_entry_new("group.deregister");
    ck_assert_ptr_nonnull(e);
    kf_entry_set_str(e, "id", "G002", NULL);
    kf_entry_set_str(e, "reason", "再", NULL);
    kf_entry_set_str(e, "date", "2026-06-02", NULL);
    kf_entry_set_int(e, "fy", 2026, NULL);
    kf_entry_set_int(e, "moved", 0, NULL);
    kf_entry_set_str(e, "to", "general", NULL);
    int64_t seq = forge(e, &admin);
    verify_refuses(seq, "group.deregister", "changes group G002, which is deregistered");
}
END_TEST

int main(void)
{
    if (tu_init()) return EXIT_FAILURE;
    Suite *s = suite_create("grant_verify");
    TCase *tc = tu_core(s, setup, teardown);
    tcase_add_test(tc, clean_lifecycle_verifies);
    tcase_add_test(tc, decide_with_false_ceiling);
    tcase_add_test(tc, decide_ineligible_duplicate);
    tcase_add_test(tc, decide_above_true_ceiling);
    tcase_add_test(tc, decide_with_ceiling_of_old_rules);
    tcase_add_test(tc, decide_twice);
    tcase_add_test(tc, decide_before_application);
    tcase_add_test(tc, pay_beyond_award);
    tcase_add_test(tc, pay_beyond_final);
    tcase_add_test(tc, pay_unapproved);
    tcase_add_test(tc, settle_wrong_final);
    tcase_add_test(tc, settle_wrong_refund_due);
    tcase_add_test(tc, refund_beyond_due);
    tcase_add_test(tc, refund_before_settlement);
    tcase_add_test(tc, money_dated_before_its_step);
    tcase_add_test(tc, refund_dated_before_settlement);
    tcase_add_test(tc, review_by_lead_affiliate);
    tcase_add_test(tc, review_by_partner_affiliate);
    tcase_add_test(tc, review_of_decided);
    tcase_add_test(tc, pools_lifecycle_verifies);
    tcase_add_test(tc, decide_from_group_pool_for_general_menu);
    tcase_add_test(tc, decide_from_partner_pool_for_group_menu);
    tcase_add_test(tc, decide_beyond_available);
    tcase_add_test(tc, decide_from_later_fy_money);
    tcase_add_test(tc, decide_in_later_fy);
    tcase_add_test(tc, decide_of_exactly_available);
    tcase_add_test(tc, decide_beyond_group_pool);
    tcase_add_test(tc, decide_wrong_fy);
    tcase_add_test(tc, pay_wrong_fy);
    tcase_add_test(tc, settle_wrong_fy);
    tcase_add_test(tc, refund_wrong_fy);
    tcase_add_test(tc, amount_rule_and_score_pure);
    tcase_add_test(tc, decide_below_min_award);
    tcase_add_test(tc, decide_off_round_down);
    tcase_add_test(tc, decide_beyond_round_budget);
    tcase_add_test(tc, forged_beyond_round_budget);
    tcase_add_test(tc, pass_score_exact);
    tcase_add_test(tc, many_reviewers);
    tcase_add_test(tc, consecutive_uses_stored_fy);
    tcase_add_test(tc, exclusive_uses_stored_fy);
    tcase_add_test(tc, update_of_deregistered_group);
    tcase_add_test(tc, update_to_deregistered_status);
    tcase_add_test(tc, deregister_twice);
    return tu_run(s);
}
