/*
 * The registry of groups: the writers and readers of group entries.
 *
 * Entries: group.add (id, name, type, founded, members#, fields, status),
 * group.update (id and the changed fields), group.deregister (id, reason,
 * date, fy#, moved#, to). The registry index (fund/registry.c) keeps the
 * table reg_groups as it stands; deregistration's transfer is a pool
 * movement of origin "registry".
 */
#include "kifu/fund.h"
#include "fund_internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fill_group(sqlite3_stmt *st, kf_group *g)
{
    memset(g, 0, sizeof *g);
    snprintf(g->id, sizeof g->id, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(g->name, sizeof g->name, "%s", (const char *)sqlite3_column_text(st, 1));
    g->type = kf_group_type_parse((const char *)sqlite3_column_text(st, 2));
    snprintf(g->founded, sizeof g->founded, "%s", (const char *)sqlite3_column_text(st, 3));
    g->members = sqlite3_column_int64(st, 4);
    snprintf(g->fields, sizeof g->fields, "%s", (const char *)sqlite3_column_text(st, 5));
    g->status = kf_group_status_parse((const char *)sqlite3_column_text(st, 6));
    g->seq = sqlite3_column_int64(st, 7);
}

#define GROUP_COLS "id, name, type, founded, members, fields, status, seq"

kf_code kf_group_get(kf_ledger *l, const char *id, kf_group *out, bool *found, kf_err *err)
{
    sqlite3 *db = kf_ledger_db(l);
    sqlite3_stmt *st = kf_ledger_stmt(l, "SELECT " GROUP_COLS " FROM reg_groups WHERE id=?");
    *found = false;
    if (!st) return kf_fail(err, KF_SYSTEM, "reading groups: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        fill_group(st, out);
        *found = true;
    }
    sqlite3_reset(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return kf_fail(err, KF_SYSTEM, "reading groups: %s", sqlite3_errmsg(db));
    return KF_OK;
}

kf_code kf_groups(kf_ledger *l, kf_group **out, size_t *n, kf_err *err)
{
    sqlite3 *db = kf_ledger_db(l);
    sqlite3_stmt *st;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, "SELECT " GROUP_COLS " FROM reg_groups ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK)
        return kf_fail(err, KF_SYSTEM, "reading groups: %s", sqlite3_errmsg(db));
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            kf_group *g = realloc(*out, cap * sizeof *g);
            if (!g) {
                sqlite3_finalize(st);
                free(*out);
                *out = NULL;
                *n = 0;
                return kf_fail(err, KF_SYSTEM, "out of memory");
            }
            *out = g;
        }
        fill_group(st, &(*out)[(*n)++]);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) return kf_fail(err, KF_SYSTEM, "reading groups: %s", sqlite3_errmsg(db));
    return KF_OK;
}

int kf_group_age(const kf_group *g, const char *date)
{
    int fy, fm, fd, y, m, d;
    if (!kf_parse_date(g->founded, &fy, &fm, &fd) || !kf_parse_date(date, &y, &m, &d)) return -1;
    int age = y - fy;
    if (m < fm || (m == fm && d < fd)) age--;
    return age;
}

/* Checks a comma-separated list of field codes against the rules. */
static kf_code check_fields(const kf_rules *r, const char *fields, kf_err *err)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", fields);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (!kf_rules_field(r, tok))
            return kf_fail(err, KF_REFUSED, "unknown field '%s' (see kifu rules show)", tok);
    return KF_OK;
}

kf_code kf_group_add(kf_txn *t, const kf_group *g, int64_t *seq, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    kf_group old;
    bool found;
    kf_code rc;
    if (!kf_id_valid(g->id))
        return kf_fail(err, KF_BAD_INPUT, "group id '%s' must be 1-64 of A-Z a-z 0-9 _ -", g->id);
    if (!*g->name) return kf_fail(err, KF_BAD_INPUT, "group %s needs a name (--name)", g->id);
    if (!kf_parse_date(g->founded, NULL, NULL, NULL))
        return kf_fail(err, KF_BAD_INPUT, "--founded '%s' is not a date YYYY-MM-DD", g->founded);
    if (g->members < 0) return kf_fail(err, KF_BAD_INPUT, "--members must be >= 0");
    if (g->status != KF_ST_REGISTERED && g->status != KF_ST_PROVISIONAL)
        return kf_fail(err, KF_BAD_INPUT, "--status must be registered or provisional");
    if (!strcmp(kf_group_type_name(g->type), "?"))
        return kf_fail(err, KF_BAD_INPUT,
                       "--type must be neighborhood, volunteer, npo, committee or other");
    if ((rc = kf_group_get(l, g->id, &old, &found, err))) return rc;
    if (found)
        return kf_fail(err, KF_REFUSED, "group %s already exists (seq %lld)", g->id,
                       (long long)old.seq);
    kf_rules *r = malloc(sizeof *r);
    if (!r) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!(rc = kf_rules_current(l, r, NULL, err))) rc = check_fields(r, g->fields, err);
    free(r);
    if (rc) return rc;
    kf_entry *e = kf_entry_new("group.add");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!(rc = kf_entry_set_str(e, "id", g->id, err)) &&
        !(rc = kf_entry_set_str(e, "name", g->name, err)) &&
        !(rc = kf_entry_set_str(e, "type", kf_group_type_name(g->type), err)) &&
        !(rc = kf_entry_set_str(e, "founded", g->founded, err)) &&
        !(rc = kf_entry_set_int(e, "members", g->members, err)) &&
        !(rc = kf_entry_set_str(e, "status", kf_group_status_name(g->status), err)) &&
        !(rc = (*g->fields ? kf_entry_set_str(e, "fields", g->fields, err) : KF_OK)) &&
        !(rc = kf_txn_append(t, e, err)))
        *seq = e->seq;
    kf_entry_free(e);
    return rc;
}

kf_code kf_group_update(kf_txn *t, const char *id, int64_t members, unsigned status,
                        const char *name, const char *fields, int64_t *seq, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    kf_group g;
    bool found;
    kf_code rc = kf_group_get(l, id, &g, &found, err);
    if (rc) return rc;
    if (!found) return kf_fail(err, KF_REFUSED, "no group %s", id);
    if (g.status == KF_ST_DEREGISTERED)
        return kf_fail(err, KF_REFUSED, "group %s is deregistered", id);
    if (status && status != KF_ST_REGISTERED && status != KF_ST_PROVISIONAL)
        return kf_fail(err, KF_BAD_INPUT,
                       "--status must be registered or provisional (use group deregister)");
    if (members < 0 && !status && !name && !fields)
        return kf_fail(err, KF_BAD_INPUT,
                       "nothing to update: give --members, --status, --name "
                       "or --fields");
    if (fields) {
        kf_rules *r = malloc(sizeof *r);
        if (!r) return kf_fail(err, KF_SYSTEM, "out of memory");
        if (!(rc = kf_rules_current(l, r, NULL, err))) rc = check_fields(r, fields, err);
        free(r);
        if (rc) return rc;
    }
    kf_entry *e = kf_entry_new("group.update");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!(rc = kf_entry_set_str(e, "id", id, err)) &&
        !(rc = (members >= 0 ? kf_entry_set_int(e, "members", members, err) : KF_OK)) &&
        !(rc = (status ? kf_entry_set_str(e, "status", kf_group_status_name(status), err)
                       : KF_OK)) &&
        !(rc = (name ? kf_entry_set_str(e, "name", name, err) : KF_OK)) &&
        !(rc = (fields ? kf_entry_set_str(e, "fields", fields, err) : KF_OK)) &&
        !(rc = kf_txn_append(t, e, err)))
        *seq = e->seq;
    kf_entry_free(e);
    return rc;
}

kf_code kf_group_deregister(kf_txn *t, const char *id, const char *reason, const char *date,
                            int64_t *seq, kf_yen *moved, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    kf_group g;
    bool found;
    kf_pool_figures pf;
    char pool[KF_POOL_MAX];
    kf_code rc = kf_group_get(l, id, &g, &found, err);
    if (rc) return rc;
    if (!found) return kf_fail(err, KF_REFUSED, "no group %s", id);
    if (g.status == KF_ST_DEREGISTERED)
        return kf_fail(err, KF_REFUSED, "group %s is already deregistered", id);
    if (!reason || !*reason) return kf_fail(err, KF_BAD_INPUT, "deregistration needs --reason");
    if (!kf_parse_date(date, NULL, NULL, NULL))
        return kf_fail(err, KF_BAD_INPUT, "--date '%s' is not a date YYYY-MM-DD", date);
    if ((rc = kf_date_check(l, "--date", date, err))) return rc;
    snprintf(pool, sizeof pool, "group:%s", id);
    if ((rc = kf_pool_get(l, pool, &pf, err))) return rc;
    if (pf.committed != 0)
        return kf_fail(err, KF_REFUSED,
                       "group %s has %lld yen committed to grants; settle them first", id,
                       (long long)pf.committed);
    if (pf.balance < 0) return kf_fail(err, KF_REFUSED, "pool %s has a negative balance", pool);
    kf_rules *r = malloc(sizeof *r);
    if (!r) return kf_fail(err, KF_SYSTEM, "out of memory");
    if ((rc = kf_rules_current(l, r, NULL, err))) {
        free(r);
        return rc;
    }
    int fy = kf_rules_fy(r, date);
    char to[KF_POOL_MAX];
    snprintf(to, sizeof to, "%s", r->deregister_to);
    free(r);
    kf_entry *e = kf_entry_new("group.deregister");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!(rc = kf_entry_set_str(e, "id", id, err)) &&
        !(rc = kf_entry_set_str(e, "reason", reason, err)) &&
        !(rc = kf_entry_set_str(e, "date", date, err)) &&
        !(rc = kf_entry_set_int(e, "fy", fy, err)) &&
        !(rc = kf_entry_set_int(e, "moved", pf.balance, err)) &&
        !(rc = kf_entry_set_str(e, "to", to, err)) && !(rc = kf_txn_append(t, e, err))) {
        *seq = e->seq;
        *moved = pf.balance;
    }
    kf_entry_free(e);
    /* The whole balance leaves in FY fy: money dated in a later FY would
     * leave the pool negative at the end of this one. */
    kf_yen least;
    int at;
    if (!rc && !(rc = kf_pool_available_from(l, pool, fy, &least, &at, err)) && least < 0)
        rc = kf_fail(err, KF_REFUSED,
                     "group %s has money dated in a fiscal year after %s: deregistered on "
                     "that date, pool %s would have %lld yen at the end of FY %d",
                     id, date, pool, (long long)least, at);
    return rc;
}
