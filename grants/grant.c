/*
 * Grants through their life: apply, review, decide, pay,
 * settle, refund — each a ledger entry — and the derived state they leave:
 *
 *   grp_apps(id, seq, menu, round, grp, fy, status, approved, paid, settled,
 *            final, refunded, pool, rate_num, rate_den, round_down, decided_fy,
 *            decided, settled_on)   the decision's and the settlement's dates
 *   grp_reviews(app, reviewer, score, seq)        one score per reviewer
 *   pool_fy rows of origin "grants"               committed, out, in
 *
 * Money: an approval commits `approved` to the pool; a payment moves money
 * out and releases as much commitment; a settlement shrinks the commitment
 * to what is still payable (final - paid, at least 0); a refund credits the
 * pool back. Invariant: committed(app) = max(0, limit - paid) where limit is
 * `final` once settled, else `approved`.
 */
#include "grants_internal.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORIGIN "grants"

kf_code grant_index_reset(kf_ledger *l, kf_err *err)
{
    sqlite3 *db = kf_ledger_db(l);
    if (sqlite3_exec(db,
                     "DROP TABLE IF EXISTS grp_apps; DROP TABLE IF EXISTS grp_reviews;"
                     "CREATE TABLE grp_apps(id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,"
                     " menu TEXT NOT NULL, round TEXT NOT NULL, grp TEXT NOT NULL,"
                     " fy INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'open',"
                     " approved INTEGER NOT NULL DEFAULT 0, paid INTEGER NOT NULL DEFAULT 0,"
                     " settled INTEGER NOT NULL DEFAULT 0, final INTEGER NOT NULL DEFAULT 0,"
                     " refunded INTEGER NOT NULL DEFAULT 0, pool TEXT NOT NULL DEFAULT '',"
                     " rate_num INTEGER NOT NULL DEFAULT 0, rate_den INTEGER NOT NULL DEFAULT 1,"
                     " round_down INTEGER NOT NULL DEFAULT 1, decided_fy INTEGER,"
                     " decided TEXT NOT NULL DEFAULT '', settled_on TEXT NOT NULL DEFAULT '')"
                     " STRICT;"
                     "CREATE INDEX grp_apps_round ON grp_apps(menu, round, seq);"
                     "CREATE TABLE grp_reviews(app TEXT NOT NULL, reviewer TEXT NOT NULL,"
                     " score INTEGER NOT NULL, seq INTEGER NOT NULL,"
                     " PRIMARY KEY(app, reviewer)) STRICT;",
                     NULL, NULL, NULL) != SQLITE_OK)
        return kf_fail(err, KF_SYSTEM, "resetting the grants index: %s", sqlite3_errmsg(db));
    return KF_OK;
}

/* --- small SQL helpers -------------------------------------------------- */

static kf_code db_fail(kf_ledger *l, kf_err *err)
{
    return kf_fail(err, KF_SYSTEM, "grants: %s", sqlite3_errmsg(kf_ledger_db(l)));
}

/* The derived state of one application. */
typedef struct {
    char id[KF_APP_ID_MAX];
    int64_t seq, fy;
    char menu[KF_CODE_MAX + 1], round[KF_CODE_MAX + 1], grp[KF_GROUP_ID_MAX + 1];
    char status[16];
    kf_yen approved, paid, final, refunded;
    bool settled;
    char pool[KF_POOL_MAX];
    kf_ratio rate;
    kf_yen round_down;
    char decided[11], settled_on[11]; /* dates of the decision and settlement */
} app_state;

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

#define APP_COLS                                                                                   \
    "id, seq, menu, round, grp, fy, status, approved, paid, settled, final, refunded, pool, "      \
    "rate_num, rate_den, round_down, decided, settled_on"

static void read_state(sqlite3_stmt *st, app_state *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->id, sizeof a->id, "%s", col(st, 0));
    a->seq = sqlite3_column_int64(st, 1);
    snprintf(a->menu, sizeof a->menu, "%s", col(st, 2));
    snprintf(a->round, sizeof a->round, "%s", col(st, 3));
    snprintf(a->grp, sizeof a->grp, "%s", col(st, 4));
    a->fy = sqlite3_column_int64(st, 5);
    snprintf(a->status, sizeof a->status, "%s", col(st, 6));
    a->approved = sqlite3_column_int64(st, 7);
    a->paid = sqlite3_column_int64(st, 8);
    a->settled = sqlite3_column_int64(st, 9) != 0;
    a->final = sqlite3_column_int64(st, 10);
    a->refunded = sqlite3_column_int64(st, 11);
    snprintf(a->pool, sizeof a->pool, "%s", col(st, 12));
    a->rate.num = sqlite3_column_int64(st, 13);
    a->rate.den = sqlite3_column_int64(st, 14);
    a->round_down = sqlite3_column_int64(st, 15);
    snprintf(a->decided, sizeof a->decided, "%s", col(st, 16));
    snprintf(a->settled_on, sizeof a->settled_on, "%s", col(st, 17));
}

static kf_code get_state(kf_ledger *l, const char *id, app_state *a, bool *found, kf_err *err)
{
    sqlite3_stmt *st;
    *found = false;
    if (sqlite3_prepare_v2(kf_ledger_db(l), "SELECT " APP_COLS " FROM grp_apps WHERE id=?", -1, &st,
                           NULL) != SQLITE_OK)
        return db_fail(l, err);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        read_state(st, a);
        *found = true;
    }
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? KF_OK : db_fail(l, err);
}

/* What is still committed: max(0, limit - paid). */
static kf_yen committed_of(const app_state *a)
{
    kf_yen limit = a->settled ? a->final : a->approved;
    return limit > a->paid ? limit - a->paid : 0;
}

/* --- the index ----------------------------------------------------------- */

static bool ent_int(const kf_entry *e, const char *k, int64_t *v)
{
    return kf_entry_int(e, k, v);
}

kf_code grant_index_apply(kf_ledger *l, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    const char *k = e->kind, *id = kf_entry_str(e, "app");
    app_state a;
    bool found;
    kf_code rc;
    int64_t fy = 0, amount = 0;
    if (strcmp(k, "grant.apply") == 0) {
        const char *menu = kf_entry_str(e, "menu"), *round = kf_entry_str(e, "round");
        const char *grp = kf_entry_str(e, "group");
        id = kf_entry_str(e, "id");
        if (!id || !menu || !round || !grp || !ent_int(e, "fy", &fy))
            return kf_fail(err, KF_REFUSED,
                           "seq %lld: grant.apply lacks id, menu, round, group "
                           "or fy",
                           (long long)row->seq);
        return kf_sql_exec(
            l, err, "INSERT INTO grp_apps(id, seq, menu, round, grp, fy) VALUES(?,?,?,?,?,?)",
            "sisssi", id, row->seq, menu, round, grp, fy);
    }
    if (!id) return kf_fail(err, KF_REFUSED, "seq %lld: %s lacks app", (long long)row->seq, k);
    if ((rc = get_state(l, id, &a, &found, err))) return rc;
    if (!found)
        return kf_fail(err, KF_REFUSED, "seq %lld: %s names unknown application %s",
                       (long long)row->seq, k, id);
    if (strcmp(k, "grant.review") == 0) {
        int64_t score;
        char reviewer[9];
        snprintf(reviewer, sizeof reviewer, "%08x", row->actor);
        if (!ent_int(e, "score", &score))
            return kf_fail(err, KF_REFUSED, "seq %lld: review lacks score", (long long)row->seq);
        return kf_sql_exec(
            l, err, "INSERT OR REPLACE INTO grp_reviews(app, reviewer, score, seq) VALUES(?,?,?,?)",
            "ssii", id, reviewer, score, row->seq);
    }
    if (strcmp(k, "grant.decide") == 0) {
        const char *decision = kf_entry_str(e, "decision");
        if (decision && strcmp(decision, "reject") == 0)
            return kf_sql_exec(l, err, "UPDATE grp_apps SET status='rejected' WHERE id=?", "s", id);
        const char *pool = kf_entry_str(e, "pool"), *rate = kf_entry_str(e, "rate");
        const char *date = kf_entry_str(e, "date");
        int64_t round_down, num, den;
        if (!pool || !rate || !date ||
            sscanf(rate, "%lld/%lld", (long long *)&num, (long long *)&den) != 2 || den <= 0 ||
            !ent_int(e, "amount", &amount) || !ent_int(e, "fy", &fy) ||
            !ent_int(e, "round_down", &round_down))
            return kf_fail(err, KF_REFUSED,
                           "seq %lld: grant.decide lacks amount, pool, rate, fy "
                           "or round_down",
                           (long long)row->seq);
        if ((rc = kf_sql_exec(
                 l, err,
                 "UPDATE grp_apps SET status='approved', approved=?, pool=?, rate_num=?,"
                 " rate_den=?, round_down=?, decided_fy=?, decided=? WHERE id=?",
                 "isiiiiss", amount, pool, num, den, round_down, fy, date, id)))
            return rc;
        return kf_pools_move(l, ORIGIN, pool, (int)fy, 0, 0, amount, err);
    }
    if (!ent_int(e, "fy", &fy))
        return kf_fail(err, KF_REFUSED, "seq %lld: %s lacks fy", (long long)row->seq, k);
    kf_yen before = committed_of(&a);
    if (strcmp(k, "grant.pay") == 0) {
        if (!ent_int(e, "amount", &amount))
            return kf_fail(err, KF_REFUSED, "seq %lld: payment lacks amount", (long long)row->seq);
        a.paid += amount;
        if ((rc = kf_sql_exec(l, err, "UPDATE grp_apps SET paid=? WHERE id=?", "is", a.paid, id)))
            return rc;
        return kf_pools_move(l, ORIGIN, a.pool, (int)fy, 0, amount, committed_of(&a) - before, err);
    }
    if (strcmp(k, "grant.settle") == 0) {
        int64_t final;
        if (!ent_int(e, "final", &final))
            return kf_fail(err, KF_REFUSED, "seq %lld: settlement lacks final",
                           (long long)row->seq);
        a.settled = true;
        a.final = final;
        const char *date = kf_entry_str(e, "date");
        if ((rc = kf_sql_exec(l, err,
                              "UPDATE grp_apps SET settled=1, final=?, settled_on=? WHERE id=?",
                              "iss", final, date ? date : "", id)))
            return rc;
        return kf_pools_move(l, ORIGIN, a.pool, (int)fy, 0, 0, committed_of(&a) - before, err);
    }
    if (strcmp(k, "grant.refund") == 0) {
        if (!ent_int(e, "amount", &amount))
            return kf_fail(err, KF_REFUSED, "seq %lld: refund lacks amount", (long long)row->seq);
        if ((rc = kf_sql_exec(l, err, "UPDATE grp_apps SET refunded=refunded+? WHERE id=?", "is",
                              amount, id)))
            return rc;
        return kf_pools_move(l, ORIGIN, a.pool, (int)fy, amount, 0, 0, err);
    }
    return KF_OK;
}

/* --- facts for evaluation ----------------------------------------------- */

static kf_code count_query(kf_ledger *l, kf_err *err, int64_t *out, const char *sql,
                           const char *types, ...)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(kf_ledger_db(l), sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(l, err);
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        if (types[i] == 's')
            sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
    }
    va_end(ap);
    int s = sqlite3_step(st);
    *out = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? KF_OK : db_fail(l, err);
}

/* Gathers what the registry and history say about application a (recorded
 * at a->seq, or not yet recorded when a->seq is 0) whose FY is fy: the fy its
 * grant.apply entry states, as verification uses it, not the FY of its start
 * under the rules in force now (which may start fiscal years on another day). */
static kf_code gather_facts(kf_ledger *l, const kf_rules *r, const kf_menu *m,
                            const kf_application *a, int fy, kf_grant_facts *f, kf_err *err)
{
    kf_code rc;
    memset(f, 0, sizeof *f);
    if ((rc = kf_group_get(l, a->group, &f->group, &f->group_found, err))) return rc;
    for (int i = 0; i < a->npartners; i++) {
        kf_group pg;
        bool found;
        if ((rc = kf_group_get(l, a->partners[i], &pg, &found, err))) return rc;
        if (!found || pg.status != KF_ST_REGISTERED) f->partners_unregistered++;
    }
    const char *others = a->seq ? " AND seq <> ?4" : " AND ?4 = ?4";
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM grp_apps WHERE grp=?1 AND menu=?2 AND status='approved' AND "
             "?3 = ?3%s",
             others);
    if ((rc = count_query(l, err, &f->awards_in_menu, sql, "ssii", a->group, m->code, (int64_t)0,
                          a->seq)))
        return rc;
    for (int k = 1;; k++) {
        int64_t n;
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM grp_apps WHERE grp=?1 AND menu=?2 AND status='approved' "
                 "AND fy=?3%s",
                 others);
        if ((rc = count_query(l, err, &n, sql, "ssii", a->group, m->code, (int64_t)(fy - k),
                              a->seq)))
            return rc;
        if (!n) break;
        f->consecutive_years = k;
    }
    if (*m->exclusive) {
        for (int i = 0; i < r->nmenus && !f->exclusive_taken; i++) {
            int64_t n;
            if (strcmp(r->menus[i].exclusive, m->exclusive) != 0) continue;
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM grp_apps WHERE grp=?1 AND menu=?2 AND "
                     "status='approved' AND fy=?3%s",
                     others);
            if ((rc = count_query(l, err, &n, sql, "ssii", a->group, r->menus[i].code, (int64_t)fy,
                                  a->seq)))
                return rc;
            f->exclusive_taken = n > 0;
        }
    }
    int64_t dup;
    if (a->seq)
        rc = count_query(l, err, &dup,
                         "SELECT count(*) FROM grp_apps WHERE grp=?1 AND menu=?2 AND round=?3 "
                         "AND seq < ?4",
                         "sssi", a->group, m->code, a->round, a->seq);
    else
        rc = count_query(l, err, &dup,
                         "SELECT count(*) FROM grp_apps WHERE grp=?1 AND menu=?2 AND round=?3",
                         "sss", a->group, m->code, a->round);
    if (rc) return rc;
    f->duplicate = dup > 0;
    return KF_OK;
}

/* --- reading applications ------------------------------------------------ */

static kf_code load_app(kf_ledger *l, const char *id, app_state *st, kf_application *a, kf_err *err)
{
    bool found;
    kf_entry *e;
    kf_code rc = get_state(l, id, st, &found, err);
    if (rc) return rc;
    if (!found) return kf_fail(err, KF_REFUSED, "no application %s (see kifu grant list)", id);
    if ((rc = kf_ledger_entry(l, st->seq, &e, err))) return rc;
    rc = kf_application_from_entry(e, a, err);
    kf_entry_free(e);
    return rc;
}

/* The number of reviewers, the sum of their latest scores and its mean. */
static kf_code reviews_of(kf_ledger *l, const char *id, int64_t *n, int64_t *total, double *mean,
                          kf_err *err)
{
    sqlite3_stmt *st;
    *n = 0;
    *total = 0;
    *mean = 0;
    if (sqlite3_prepare_v2(kf_ledger_db(l),
                           "SELECT count(*), coalesce(sum(score), 0) FROM grp_reviews WHERE app=?",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(l, err);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
        *total = sqlite3_column_int64(st, 1);
        if (*n) *mean = (double)*total / (double)*n;
    }
    sqlite3_finalize(st);
    return s == SQLITE_ROW ? KF_OK : db_fail(l, err);
}

/* An application without the code its menu needs has no pool (""); it is
 * ineligible anyway (reason field or theme). */
void kf_grant_pool(const kf_menu *m, const kf_application *a, char pool[KF_POOL_MAX])
{
    pool[0] = '\0';
    if ((m->source == KF_SRC_FIELD && !*a->field) || (m->source == KF_SRC_THEME && !*a->theme))
        return;
    switch (m->source) {
    case KF_SRC_GROUP:
        snprintf(pool, KF_POOL_MAX, "group:%s", a->group);
        break;
    case KF_SRC_FIELD:
        snprintf(pool, KF_POOL_MAX, "field:%s", a->field);
        break;
    case KF_SRC_THEME:
        snprintf(pool, KF_POOL_MAX, "theme:%s", a->theme);
        break;
    default:
        snprintf(pool, KF_POOL_MAX, "general");
        break;
    }
}

/* --- writing ------------------------------------------------------------- */

kf_code kf_grant_apply(kf_txn *t, kf_application *a, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    kf_rules *r = malloc(sizeof *r);
    kf_entry *e = NULL;
    kf_code rc;
    bool found;
    kf_group g;
    if (!r) return kf_fail(err, KF_SYSTEM, "out of memory");
    if ((rc = kf_rules_current(l, r, NULL, err)) ||
        (rc = kf_date_check(l, "the application's date", a->date, err)) ||
        (rc = kf_date_check_planned(l, "its start", a->start, err)))
        goto out;
    const kf_menu *m = kf_rules_menu(r, a->menu);
    if (!m) {
        rc = kf_fail(err, KF_REFUSED, "unknown menu '%s' (see kifu rules show)", a->menu);
        goto out;
    }
    if ((rc = kf_group_get(l, a->group, &g, &found, err))) goto out;
    if (!found) {
        rc = kf_fail(err, KF_REFUSED, "unknown group %s (see kifu group list)", a->group);
        goto out;
    }
    int fy = kf_rules_fy(r, a->start);
    int64_t n;
    if ((rc =
             count_query(l, err, &n, "SELECT count(*) FROM grp_apps WHERE fy=?", "i", (int64_t)fy)))
        goto out;
    snprintf(a->id, sizeof a->id, "A-%d-%04lld", fy, (long long)n + 1);
    if (!(e = kf_entry_new("grant.apply"))) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    if ((rc = kf_application_to_entry(a, e, err)) || (rc = kf_entry_set_int(e, "fy", fy, err)) ||
        (rc = kf_txn_append(t, e, err)))
        goto out;
    a->seq = e->seq;
out:
    kf_entry_free(e);
    free(r);
    return rc;
}

static bool affiliated(const char *affiliation, const char *group)
{
    char buf[512];
    char *save = NULL;
    snprintf(buf, sizeof buf, "%s", affiliation);
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (strcmp(tok, group) == 0) return true;
    }
    return false;
}

kf_code kf_grant_recusal(const char *affiliation, const kf_application *a, const char **group)
{
    if (affiliated(affiliation, a->group)) {
        *group = a->group;
        return KF_REFUSED;
    }
    for (int i = 0; i < a->npartners; i++)
        if (affiliated(affiliation, a->partners[i])) {
            *group = a->partners[i];
            return KF_REFUSED;
        }
    return KF_OK;
}

kf_code kf_grant_review(kf_txn *t, const char *id, int64_t score, const char *note, int64_t *seq,
                        kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    app_state st;
    kf_application *a = malloc(sizeof *a);
    kf_key_info k;
    kf_entry *e = NULL;
    kf_code rc;
    const char *conflict;
    if (!a) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (score < 1 || score > 5) {
        rc = kf_fail(err, KF_BAD_INPUT, "--score must be 1 to 5");
        goto out;
    }
    if ((rc = load_app(l, id, &st, a, err)) || (rc = kf_ledger_key(l, kf_txn_actor(t), &k, err)))
        goto out;
    if (strcmp(st.status, "open") != 0) {
        rc = kf_fail(err, KF_REFUSED, "%s is already decided (%s)", id, st.status);
        goto out;
    }
    if (kf_grant_recusal(k.affiliation, a, &conflict)) {
        rc = kf_fail(err, KF_REFUSED, "reviewer %s is affiliated with %s and must recuse from %s",
                     k.name, conflict, id);
        goto out;
    }
    if (!(e = kf_entry_new("grant.review"))) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    if ((rc = kf_entry_set_str(e, "app", id, err)) ||
        (rc = kf_entry_set_int(e, "score", score, err)) ||
        (note && *note && (rc = kf_entry_set_str(e, "note", note, err))) ||
        (rc = kf_txn_append(t, e, err)))
        goto out;
    *seq = e->seq;
out:
    kf_entry_free(e);
    free(a);
    return rc;
}

/* The evaluation of a recorded application under the rules in force now. */
typedef struct {
    kf_rules *rules;
    const kf_menu *menu;
    kf_application *app;
    app_state st;
    kf_eval ev;
    int64_t reviews, total; /* reviewers and the sum of their latest scores */
    double mean;
    char pool[KF_POOL_MAX];
} evaluation;

static void evaluation_free(evaluation *v)
{
    free(v->rules);
    free(v->app);
    v->rules = NULL;
    v->app = NULL;
}

static kf_code evaluate(kf_ledger *l, const char *id, evaluation *v, kf_err *err)
{
    kf_grant_facts f;
    kf_code rc;
    memset(v, 0, sizeof *v);
    v->rules = malloc(sizeof *v->rules);
    v->app = malloc(sizeof *v->app);
    if (!v->rules || !v->app) {
        evaluation_free(v);
        return kf_fail(err, KF_SYSTEM, "out of memory");
    }
    if ((rc = load_app(l, id, &v->st, v->app, err)) ||
        (rc = kf_rules_current(l, v->rules, NULL, err)))
        goto fail;
    if (!(v->menu = kf_rules_menu(v->rules, v->app->menu))) {
        rc = kf_fail(err, KF_REFUSED, "%s: menu '%s' is not in the rules in force", id,
                     v->app->menu);
        goto fail;
    }
    if ((rc = gather_facts(l, v->rules, v->menu, v->app, (int)v->st.fy, &f, err)) ||
        (rc = reviews_of(l, id, &v->reviews, &v->total, &v->mean, err)))
        goto fail;
    kf_grant_evaluate(v->rules, v->menu, v->app, &f, &v->ev);
    kf_grant_pool(v->menu, v->app, v->pool);
    return KF_OK;
fail:
    evaluation_free(v);
    return rc;
}

static void reasons_text(const kf_eval *ev, char *out, size_t outsz)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < ev->nreasons && len < outsz; i++)
        len += (size_t)snprintf(out + len, outsz - len, "%s%s", i ? ", " : "", ev->reasons[i]);
}

static kf_code round_left(kf_ledger *l, const kf_menu *m, const char *round, kf_yen *left,
                          kf_err *err)
{
    int64_t approved;
    *left = INT64_MAX;
    if (!m->round_budget) return KF_OK;
    kf_code rc = count_query(l, err, &approved,
                             "SELECT coalesce(sum(approved),0) FROM grp_apps WHERE menu=? AND "
                             "round=? AND status='approved'",
                             "ss", m->code, round);
    if (rc) return rc;
    *left = m->round_budget > approved ? m->round_budget - approved : 0;
    return KF_OK;
}

kf_code kf_grant_decide(kf_txn *t, const char *id, bool approve, kf_yen amount, const char *reason,
                        const char *date, int64_t *seq, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    evaluation v;
    kf_entry *e = NULL;
    int64_t version;
    kf_code rc = evaluate(l, id, &v, err);
    if (rc) return rc;
    if (strcmp(v.st.status, "open") != 0) {
        rc = kf_fail(err, KF_REFUSED, "%s is already decided (%s)", id, v.st.status);
        goto out;
    }
    if (!kf_parse_date(date, NULL, NULL, NULL)) {
        rc = kf_fail(err, KF_BAD_INPUT, "--date '%s' is not a real date", date);
        goto out;
    }
    if ((rc = kf_date_check(l, "--date", date, err))) goto out;
    if (*v.app->date && strcmp(date, v.app->date) < 0) {
        rc = kf_fail(err, KF_REFUSED, "%s: a decision dated %s would precede the application (%s)",
                     id, date, v.app->date);
        goto out;
    }
    if (!(e = kf_entry_new("grant.decide"))) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    if (!approve) {
        if (!reason || !*reason) {
            rc = kf_fail(err, KF_BAD_INPUT, "--reject needs --reason TEXT");
            goto out;
        }
        if ((rc = kf_entry_set_str(e, "app", id, err)) ||
            (rc = kf_entry_set_str(e, "decision", "reject", err)) ||
            (rc = kf_entry_set_str(e, "reason", reason, err)) ||
            (rc = kf_entry_set_str(e, "date", date, err)) || (rc = kf_txn_append(t, e, err)))
            goto out;
        *seq = e->seq;
        goto out;
    }
    if (!v.ev.eligible) {
        char why[256];
        reasons_text(&v.ev, why, sizeof why);
        rc = kf_fail(err, KF_REFUSED, "%s is not eligible: %s", id, why);
        goto out;
    }
    if (v.menu->review == KF_REVIEW_SCORED) {
        if (v.reviews < v.menu->min_reviewers) {
            rc = kf_fail(err, KF_REFUSED, "%s has %lld of the %lld reviews needed", id,
                         (long long)v.reviews, (long long)v.menu->min_reviewers);
            goto out;
        }
        if (!kf_grant_score_passes(v.menu->pass_score, v.reviews, v.total)) {
            rc = kf_fail(err, KF_REFUSED,
                         "%s scored %.2f, below the pass score %.6g (pass_score: %lld points from "
                         "%lld reviews)",
                         id, v.mean, v.menu->pass_score, (long long)v.total, (long long)v.reviews);
            goto out;
        }
    }
    const char *broken = kf_grant_amount_rule(v.menu, v.ev.c.ceiling, amount);
    if (broken && strcmp(broken, "ceiling") == 0) {
        rc = kf_fail(err, KF_REFUSED, "%s: %lld yen is above its ceiling of %lld yen", id,
                     (long long)amount, (long long)v.ev.c.ceiling);
        goto out;
    }
    if (broken && strcmp(broken, "min_award") == 0) {
        rc = kf_fail(err, KF_REFUSED, "%s: %lld yen is below the min_award of menu %s (%lld yen)",
                     id, (long long)amount, v.menu->code, (long long)v.menu->min_award);
        goto out;
    }
    if (broken) {
        rc = kf_fail(err, KF_REFUSED,
                     "%s: %lld yen is not a multiple of the round_down of menu %s (%lld yen)", id,
                     (long long)amount, v.menu->code, (long long)v.menu->round_down);
        goto out;
    }
    kf_yen left, avail;
    int at_fy, fy = kf_rules_fy(v.rules, date);
    if ((rc = kf_pool_available_from(l, v.pool, fy, &avail, &at_fy, err)) ||
        (rc = round_left(l, v.menu, v.app->round, &left, err)))
        goto out;
    if (amount > avail) {
        rc = kf_fail(err, KF_REFUSED,
                     "%s: %lld yen is more than pool %s has available (%lld yen at the end of FY "
                     "%d)",
                     id, (long long)amount, v.pool, (long long)avail, at_fy);
        goto out;
    }
    if (amount > left) {
        rc = kf_fail(err, KF_REFUSED, "%s: %lld yen is more than the round budget left (%lld yen)",
                     id, (long long)amount, (long long)left);
        goto out;
    }
    char rate[48];
    snprintf(rate, sizeof rate, "%lld/%lld", (long long)v.ev.c.rate.num,
             (long long)v.ev.c.rate.den);
    if ((rc = kf_rules_current(l, v.rules, &version, err))) goto out;
    if ((rc = kf_entry_set_str(e, "app", id, err)) ||
        (rc = kf_entry_set_str(e, "decision", "approve", err)) ||
        (rc = kf_entry_set_int(e, "amount", amount, err)) ||
        (rc = kf_entry_set_int(e, "ceiling", v.ev.c.ceiling, err)) ||
        (rc = kf_entry_set_str(e, "rate", rate, err)) ||
        (rc = kf_entry_set_int(e, "round_down", v.menu->round_down, err)) ||
        (rc = kf_entry_set_str(e, "pool", v.pool, err)) ||
        (rc = kf_entry_set_str(e, "date", date, err)) ||
        (rc = kf_entry_set_int(e, "fy", fy, err)) ||
        (rc = kf_entry_set_int(e, "rules", version, err)) || (rc = kf_txn_append(t, e, err)))
        goto out;
    *seq = e->seq;
out:
    kf_entry_free(e);
    evaluation_free(&v);
    return rc;
}

/* Starts a money entry (grant.pay / settle / refund) with app, date, fy.
 * It may not be dated before `after` (the decision's or the settlement's
 * date, named by `step`): money does not move before it is decided. */
static kf_code money_entry(kf_txn *t, const char *kind, const char *id, const char *date,
                           const char *after, const char *step, kf_entry **out, kf_err *err)
{
    kf_rules *r;
    kf_code rc;
    if (!kf_parse_date(date, NULL, NULL, NULL))
        return kf_fail(err, KF_BAD_INPUT, "--date '%s' is not a real date", date);
    if ((rc = kf_date_check(kf_txn_ledger(t), "--date", date, err))) return rc;
    if (strcmp(date, after) < 0)
        return kf_fail(err, KF_REFUSED, "%s: a %s dated %s would precede its %s (%s)", id,
                       !strcmp(kind, "grant.pay")      ? "payment"
                       : !strcmp(kind, "grant.settle") ? "settlement"
                                                       : "refund",
                       date, step, after);
    if (!(r = malloc(sizeof *r))) return kf_fail(err, KF_SYSTEM, "out of memory");
    if ((rc = kf_rules_current(kf_txn_ledger(t), r, NULL, err))) {
        free(r);
        return rc;
    }
    int fy = kf_rules_fy(r, date);
    free(r);
    kf_entry *e = kf_entry_new(kind);
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    if ((rc = kf_entry_set_str(e, "app", id, err)) ||
        (rc = kf_entry_set_str(e, "date", date, err)) ||
        (rc = kf_entry_set_int(e, "fy", fy, err))) {
        kf_entry_free(e);
        return rc;
    }
    *out = e;
    return KF_OK;
}

static kf_code decided_state(kf_ledger *l, const char *id, app_state *st, kf_err *err)
{
    bool found;
    kf_code rc = get_state(l, id, st, &found, err);
    if (rc) return rc;
    if (!found) return kf_fail(err, KF_REFUSED, "no application %s (see kifu grant list)", id);
    if (strcmp(st->status, "approved") != 0)
        return kf_fail(err, KF_REFUSED, "%s is not approved (%s)", id, st->status);
    return KF_OK;
}

kf_code kf_grant_pay(kf_txn *t, const char *id, kf_yen amount, const char *date, int64_t *seq,
                     kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    app_state st;
    kf_entry *e;
    kf_code rc = decided_state(l, id, &st, err);
    if (rc) return rc;
    kf_yen limit = st.settled ? st.final : st.approved;
    if (amount <= 0 || amount > limit - st.paid)
        return kf_fail(err, KF_REFUSED,
                       "%s: paying %lld yen would exceed the %s of %lld yen (%lld paid)", id,
                       (long long)amount, st.settled ? "settled amount" : "award", (long long)limit,
                       (long long)st.paid);
    if ((rc = money_entry(t, "grant.pay", id, date, st.decided, "decision", &e, err))) return rc;
    if (!(rc = kf_entry_set_int(e, "amount", amount, err)) &&
        !(rc = kf_entry_set_str(e, "pool", st.pool, err)) && !(rc = kf_txn_append(t, e, err)))
        *seq = e->seq;
    kf_entry_free(e);
    return rc;
}

kf_yen kf_grant_final(kf_yen approved, kf_yen spent, kf_yen income, kf_ratio rate,
                      kf_yen round_down)
{
    kf_yen net = spent > income ? spent - income : 0;
    __int128 by_rate = (__int128)net * rate.num / rate.den;
    kf_yen v = by_rate > INT64_MAX ? INT64_MAX : (kf_yen)by_rate;
    v = kf_floor_to(v, round_down);
    return v < approved ? v : approved;
}

kf_code kf_grant_settle(kf_txn *t, const char *id, kf_yen spent, kf_yen income, const char *date,
                        int64_t *seq, kf_grant_settlement *out, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    app_state st;
    kf_entry *e;
    kf_code rc = decided_state(l, id, &st, err);
    if (rc) return rc;
    if (st.settled) return kf_fail(err, KF_REFUSED, "%s is already settled", id);
    if (spent < 0 || income < 0 || spent > KF_YEN_MAX_ONE || income > KF_YEN_MAX_ONE)
        return kf_fail(err, KF_BAD_INPUT, "--spent and --income must be 0 or more yen");
    out->final = kf_grant_final(st.approved, spent, income, st.rate, st.round_down);
    out->refund_due = st.paid > out->final ? st.paid - out->final : 0;
    out->payable = out->final > st.paid ? out->final - st.paid : 0;
    if ((rc = money_entry(t, "grant.settle", id, date, st.decided, "decision", &e, err))) return rc;
    if (!(rc = kf_entry_set_int(e, "spent", spent, err)) &&
        !(rc = kf_entry_set_int(e, "income", income, err)) &&
        !(rc = kf_entry_set_int(e, "final", out->final, err)) &&
        !(rc = kf_entry_set_int(e, "refund_due", out->refund_due, err)) &&
        !(rc = kf_entry_set_int(e, "payable", out->payable, err)) &&
        !(rc = kf_txn_append(t, e, err)))
        *seq = e->seq;
    kf_entry_free(e);
    return rc;
}

kf_code kf_grant_refund(kf_txn *t, const char *id, kf_yen amount, const char *date, int64_t *seq,
                        kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    app_state st;
    kf_entry *e;
    kf_code rc = decided_state(l, id, &st, err);
    if (rc) return rc;
    if (!st.settled) return kf_fail(err, KF_REFUSED, "%s is not settled: nothing is due back", id);
    kf_yen due = st.paid > st.final ? st.paid - st.final : 0;
    if (amount <= 0 || amount > due - st.refunded)
        return kf_fail(err, KF_REFUSED,
                       "%s: a refund of %lld yen is more than the %lld yen still due back", id,
                       (long long)amount, (long long)(due - st.refunded));
    if ((rc = money_entry(t, "grant.refund", id, date, st.settled_on, "settlement", &e, err)))
        return rc;
    if (!(rc = kf_entry_set_int(e, "amount", amount, err)) &&
        !(rc = kf_entry_set_str(e, "pool", st.pool, err)) && !(rc = kf_txn_append(t, e, err)))
        *seq = e->seq;
    kf_entry_free(e);
    return rc;
}

/* --- allocation ----------------------------------------------------------- */

typedef struct {
    char id[KF_APP_ID_MAX];
    int64_t seq;
    evaluation v;
    const char *status;
    kf_yen award;
    bool partial, scored;
} proposal;

static void proposal_out(const proposal *q, kf_grant_proposal *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->id, sizeof o->id, "%s", q->id);
    snprintf(o->group, sizeof o->group, "%s", q->v.app->group);
    o->ev = q->v.ev;
    o->reviews = q->v.reviews;
    o->mean = q->v.mean;
    o->status = q->status;
    o->award = q->award;
    o->partial = q->partial;
    snprintf(o->pool, sizeof o->pool, "%s", q->v.pool);
}

static int by_score(const void *x, const void *y)
{
    const proposal *a = x, *b = y;
    if (a->scored && a->v.mean != b->v.mean) return a->v.mean > b->v.mean ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

kf_code kf_grant_allocate(kf_ledger *l, const char *menu, const char *round,
                          kf_grant_proposal **out, size_t *nout, kf_err *err)
{
    sqlite3_stmt *st;
    proposal *p = NULL;
    size_t n = 0, cap = 0;
    kf_code rc = KF_OK;
    *out = NULL;
    *nout = 0;
    kf_rules *r = malloc(sizeof *r);
    if (!r) return kf_fail(err, KF_SYSTEM, "out of memory");
    if ((rc = kf_rules_current(l, r, NULL, err))) goto out_rules;
    const kf_menu *m = kf_rules_menu(r, menu);
    if (!m) {
        rc = kf_fail(err, KF_REFUSED, "unknown menu '%s' (see kifu rules show)", menu);
        goto out_rules;
    }
    if (sqlite3_prepare_v2(kf_ledger_db(l),
                           "SELECT id, seq FROM grp_apps WHERE menu=? AND round=? AND "
                           "status='open' ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(l, err);
        goto out_rules;
    }
    sqlite3_bind_text(st, 1, menu, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, round, -1, SQLITE_STATIC);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            proposal *grown = realloc(p, cap * sizeof *p);
            if (!grown) {
                rc = kf_fail(err, KF_SYSTEM, "out of memory");
                break;
            }
            p = grown;
        }
        memset(&p[n], 0, sizeof p[n]);
        snprintf(p[n].id, sizeof p[n].id, "%s", col(st, 0));
        p[n].seq = sqlite3_column_int64(st, 1);
        n++;
    }
    if (!rc && s != SQLITE_DONE) rc = db_fail(l, err);
    sqlite3_finalize(st);
    for (size_t i = 0; !rc && i < n; i++) {
        proposal *q = &p[i];
        if ((rc = evaluate(l, q->id, &q->v, err))) {
            n = i; /* the rest hold no evaluation */
            break;
        }
        q->scored = m->review == KF_REVIEW_SCORED;
        if (!q->v.ev.eligible)
            q->status = "ineligible";
        else if (q->scored && q->v.reviews < m->min_reviewers)
            q->status = "awaiting_review";
        else if (q->scored && !kf_grant_score_passes(m->pass_score, q->v.reviews, q->v.total))
            q->status = "below_pass";
    }
    if (rc) goto out;
    /* Eligible, passed applications in order take what is left. */
    if (n > 1) qsort(p, n, sizeof *p, by_score);
    kf_yen budget_left;
    if ((rc = round_left(l, m, round, &budget_left, err))) goto out;
    /* Money as a decision dated today (decide's default) would find it: what
     * is available at the end of today's FY and of every later FY. */
    char today[11];
    if (!kf_today(today, err)) {
        rc = err->code;
        goto out;
    }
    int fy = kf_rules_fy(r, today);
    typedef struct {
        char pool[KF_POOL_MAX];
        kf_yen proposed;
    } pool_use;
    pool_use *uses = calloc(n ? n : 1, sizeof *uses);
    size_t nuses = 0;
    if (!uses) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        proposal *q = &p[i];
        if (q->status) continue;
        pool_use *u = NULL;
        for (size_t k = 0; k < nuses; k++)
            if (strcmp(uses[k].pool, q->v.pool) == 0) u = &uses[k];
        if (!u) {
            u = &uses[nuses++];
            snprintf(u->pool, sizeof u->pool, "%s", q->v.pool);
        }
        kf_yen avail;
        int at;
        if ((rc = kf_pool_available_from(l, q->v.pool, fy, &avail, &at, err))) break;
        avail -= u->proposed;
        kf_yen take = q->v.ev.c.ceiling;
        if (avail < take) take = avail;
        if (budget_left < take) take = budget_left;
        take = take > 0 ? kf_floor_to(take, m->round_down) : 0;
        kf_yen need = m->min_award > 1 ? m->min_award : 1;
        if (take >= need) {
            q->status = "funded";
            q->award = take;
            q->partial = take < q->v.ev.c.ceiling;
            u->proposed += take;
            if (budget_left != INT64_MAX) budget_left -= take;
        } else {
            q->status = "no_funds";
        }
    }
    free(uses);
    if (rc) goto out;
    /* In allocation order. */
    if (!(*out = calloc(n ? n : 1, sizeof **out))) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        proposal_out(&p[i], &(*out)[i]);
    *nout = n;
out:
    for (size_t i = 0; i < n; i++)
        evaluation_free(&p[i].v);
    free(p);
out_rules:
    free(r);
    return rc;
}

/* --- listing and showing ---------------------------------------------------- */

/* The state part of a row: all but the title and amount requested. */
static void row_of(const app_state *a, kf_grant_row *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", a->id);
    r->seq = a->seq;
    r->fy = a->fy;
    snprintf(r->menu, sizeof r->menu, "%s", a->menu);
    snprintf(r->round, sizeof r->round, "%s", a->round);
    snprintf(r->group, sizeof r->group, "%s", a->grp);
    /* What a reader sees: a settled award says so (the stored status stays
     * "approved", which the writers test). */
    snprintf(r->status, sizeof r->status, "%s", a->settled ? "settled" : a->status);
    r->approved = a->approved;
    r->paid = a->paid;
    r->final = a->final;
    r->settled = a->settled;
    r->refund_due = a->settled && a->paid > a->final ? a->paid - a->final : 0;
    r->refunded = a->refunded;
    r->committed = committed_of(a);
    snprintf(r->pool, sizeof r->pool, "%s", a->pool);
}

kf_code kf_grant_rows(kf_ledger *l, int fy, kf_grant_row **rows, size_t *n, kf_err *err)
{
    sqlite3_stmt *st;
    kf_code rc = KF_OK;
    size_t cap = 0;
    *rows = NULL;
    *n = 0;
    const char *sql = fy >= 0 ? "SELECT " APP_COLS " FROM grp_apps WHERE fy=? ORDER BY seq"
                              : "SELECT " APP_COLS " FROM grp_apps ORDER BY seq";
    if (sqlite3_prepare_v2(kf_ledger_db(l), sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(l, err);
    if (fy >= 0) sqlite3_bind_int(st, 1, fy);
    int s = SQLITE_DONE;
    while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
        app_state a;
        read_state(st, &a);
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            kf_grant_row *p = realloc(*rows, cap * sizeof *p);
            if (!p) {
                rc = kf_fail(err, KF_SYSTEM, "out of memory");
                break;
            }
            *rows = p;
        }
        kf_grant_row *r = &(*rows)[(*n)++];
        row_of(&a, r);
        kf_entry *e;
        kf_application app;
        if ((rc = kf_ledger_entry(l, a.seq, &e, err))) break;
        if (!(rc = kf_application_from_entry(e, &app, err))) {
            snprintf(r->title, sizeof r->title, "%s", app.title);
            r->requested = app.requested;
        }
        kf_entry_free(e);
    }
    if (!rc && s != SQLITE_DONE) rc = db_fail(l, err);
    sqlite3_finalize(st);
    if (rc) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

kf_code kf_grant_show(kf_ledger *l, const char *id, kf_grant_detail *out, kf_err *err)
{
    evaluation v;
    kf_code rc = evaluate(l, id, &v, err);
    if (rc) return rc;
    const kf_application *a = v.app;
    kf_grant_row *r = &out->row;
    memset(out, 0, sizeof *out);
    row_of(&v.st, r);
    snprintf(r->id, sizeof r->id, "%s", id);
    r->seq = a->seq;
    snprintf(r->menu, sizeof r->menu, "%s", a->menu);
    snprintf(r->round, sizeof r->round, "%s", a->round);
    snprintf(r->group, sizeof r->group, "%s", a->group);
    snprintf(r->title, sizeof r->title, "%s", a->title);
    r->requested = a->requested;
    out->income = a->income;
    snprintf(out->menu_name, sizeof out->menu_name, "%s", v.menu->name);
    out->round_down = v.menu->round_down;
    if (v.ev.c.tier >= 0) out->tier_min_cost = v.menu->tiers[v.ev.c.tier].min_cost;
    out->ev = v.ev;
    out->reviews = v.reviews;
    out->mean = v.mean;
    snprintf(out->pool, sizeof out->pool, "%s", v.pool);
    evaluation_free(&v);
    return KF_OK;
}
