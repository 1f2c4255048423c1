/*
 * The registry index: derived tables of who takes part in the fund, rebuilt
 * from the entries.
 *
 *   reg_groups(id, name, type, founded, members, fields, status, seq)
 *   reg_members(id, name, tier, joined, seq)
 *   reg_partners(id, name, per_click, monthly_cap, dest, seq)
 *   reg_boxes(id, location, host, dest, seq)
 *   pool_fy rows of origin "registry"   (a deregistered group's transfer)
 *
 * and the writers of member.add, partner.add and box.add (group entries are
 * written by fund/groups.c). Money figures of members, partners and boxes
 * (gifts, pledges, payments, collections) are money in: donations/ keeps
 * them in tables of its own.
 */
#include "fund_internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORIGIN "registry"

static const char schema[] =
    "DROP TABLE IF EXISTS reg_groups; DROP TABLE IF EXISTS reg_members;"
    "DROP TABLE IF EXISTS reg_partners; DROP TABLE IF EXISTS reg_boxes;"
    "CREATE TABLE reg_groups(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " type TEXT NOT NULL, founded TEXT NOT NULL, members INTEGER NOT NULL,"
    " fields TEXT NOT NULL, status TEXT NOT NULL, seq INTEGER NOT NULL) STRICT;"
    "CREATE TABLE reg_members(id TEXT PRIMARY KEY, name TEXT NOT NULL, tier TEXT NOT NULL,"
    " joined TEXT NOT NULL, seq INTEGER NOT NULL) STRICT;"
    "CREATE TABLE reg_partners(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " per_click INTEGER NOT NULL, monthly_cap INTEGER NOT NULL, dest TEXT NOT NULL,"
    " seq INTEGER NOT NULL) STRICT;"
    "CREATE TABLE reg_boxes(id TEXT PRIMARY KEY, location TEXT NOT NULL, host TEXT NOT NULL,"
    " dest TEXT NOT NULL, seq INTEGER NOT NULL) STRICT;";

static void forget(fund_registry *c)
{
    free(c->rules);
    c->rules = NULL;
    c->group_cached = false;
}

static kf_code reg_reset(void *ctx, kf_ledger *l, kf_err *err)
{
    forget(ctx);
    if (sqlite3_exec(kf_ledger_db(l), schema, NULL, NULL, NULL) != SQLITE_OK)
        return kf_fail(err, KF_SYSTEM, "resetting the registry index: %s",
                       sqlite3_errmsg(kf_ledger_db(l)));
    return kf_pools_reset(l, ORIGIN, err);
}

static int64_t int_field(const kf_entry *e, const char *key)
{
    int64_t v = 0;
    kf_entry_int(e, key, &v);
    return v;
}

static kf_code apply_group(kf_ledger *l, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    const char *id = kf_entry_str(e, "id");
    const kf_field *members = kf_entry_get(e, "members");
    if (strcmp(e->kind, "group.add") == 0)
        return kf_sql_exec(l, err,
                           "INSERT INTO reg_groups(id, name, type, founded, members, fields,"
                           " status, seq) VALUES(?1,?2,?3,?4,?5,coalesce(?6,''),?7,?8)",
                           "ssssissi", id, kf_entry_str(e, "name"), kf_entry_str(e, "type"),
                           kf_entry_str(e, "founded"), int_field(e, "members"),
                           kf_entry_str(e, "fields"), kf_entry_str(e, "status"), row->seq);
    if (strcmp(e->kind, "group.update") == 0) {
        kf_code rc = kf_sql_exec(l, err,
                                 "UPDATE reg_groups SET name=coalesce(?2,name), fields=coalesce(?3,"
                                 "fields), status=coalesce(?4,status) WHERE id=?1",
                                 "ssss", id, kf_entry_str(e, "name"), kf_entry_str(e, "fields"),
                                 kf_entry_str(e, "status"));
        if (rc || !members) return rc;
        return kf_sql_exec(l, err, "UPDATE reg_groups SET members=?2 WHERE id=?1", "si", id,
                           int_field(e, "members"));
    }
    if (strcmp(e->kind, "group.deregister") == 0) {
        kf_code rc =
            kf_sql_exec(l, err, "UPDATE reg_groups SET status='deregistered' WHERE id=?1", "s", id);
        int64_t moved, fy;
        const char *to = kf_entry_str(e, "to");
        char from[KF_POOL_MAX];
        if (rc) return rc;
        if (!kf_entry_int(e, "moved", &moved) || !kf_entry_int(e, "fy", &fy) || !to)
            return kf_fail(err, KF_REFUSED, "seq %lld: group.deregister lacks moved, fy or to",
                           (long long)row->seq);
        if (moved == 0) return KF_OK;
        snprintf(from, sizeof from, "group:%s", id ? id : "");
        if ((rc = kf_pools_move(l, ORIGIN, from, (int)fy, 0, moved, 0, err))) return rc;
        return kf_pools_move(l, ORIGIN, to, (int)fy, moved, 0, 0, err);
    }
    return KF_OK;
}

static kf_code reg_apply(void *ctx, kf_ledger *l, const kf_row *row, kf_err *err)
{
    fund_registry *c = ctx;
    const kf_entry *e = row->entry;
    const char *k = e->kind;
    if (strcmp(k, "rules.load") == 0) {
        forget(c);
        return KF_OK;
    }
    if (strncmp(k, "group.", 6) == 0) {
        c->group_cached = false;
        return apply_group(l, row, err);
    }
    if (strcmp(k, "member.add") == 0)
        return kf_sql_exec(l, err,
                           "INSERT INTO reg_members(id, name, tier, joined, seq) VALUES(?,?,?,?,?)",
                           "ssssi", kf_entry_str(e, "id"), kf_entry_str(e, "name"),
                           kf_entry_str(e, "tier"), kf_entry_str(e, "joined"), row->seq);
    if (strcmp(k, "partner.add") == 0)
        return kf_sql_exec(l, err,
                           "INSERT INTO reg_partners(id, name, per_click, monthly_cap, dest, seq) "
                           "VALUES(?,?,?,?,?,?)",
                           "ssiisi", kf_entry_str(e, "id"), kf_entry_str(e, "name"),
                           int_field(e, "per_click"), int_field(e, "monthly_cap"),
                           kf_entry_str(e, "to"), row->seq);
    if (strcmp(k, "box.add") == 0)
        return kf_sql_exec(l, err,
                           "INSERT INTO reg_boxes(id, location, host, dest, seq) VALUES(?,?,?,?,?)",
                           "ssssi", kf_entry_str(e, "id"), kf_entry_str(e, "location"),
                           kf_entry_str(e, "host"), kf_entry_str(e, "to"), row->seq);
    return KF_OK;
}

static void reg_close(void *ctx)
{
    forget(ctx);
    free(ctx);
}

kf_code kf_fund_attach(kf_ledger *l, kf_err *err)
{
    kf_code rc = kf_pools_attach(l, err);
    if (rc || kf_ledger_index_ctx(l, "registry")) return rc;
    fund_registry *c = calloc(1, sizeof *c);
    if (!c) return kf_fail(err, KF_SYSTEM, "out of memory");
    kf_index ix = {"registry", 1, reg_reset, reg_apply, reg_close, c, NULL};
    if ((rc = kf_ledger_add_index(l, &ix, err))) reg_close(c);
    return rc;
}

fund_registry *fund_registry_of(kf_ledger *l, kf_err *err)
{
    fund_registry *c = kf_ledger_index_ctx(l, "registry");
    if (!c) kf_fail(err, KF_SYSTEM, "the fund's registry is not attached (kf_fund_attach)");
    return c;
}

kf_code kf_fund_rules(kf_ledger *l, const kf_rules **out, kf_err *err)
{
    fund_registry *c = fund_registry_of(l, err);
    if (!c) return KF_SYSTEM;
    if (!c->rules) {
        c->rules = malloc(sizeof *c->rules);
        if (!c->rules) return kf_fail(err, KF_SYSTEM, "out of memory");
        kf_code rc = kf_rules_current(l, c->rules, NULL, err);
        if (rc) {
            free(c->rules);
            c->rules = NULL;
            return rc;
        }
    }
    *out = c->rules;
    return KF_OK;
}

kf_code kf_designation_check(kf_ledger *l, const char *to, kf_err *err)
{
    const kf_rules *r;
    kf_code rc = kf_fund_rules(l, &r, err);
    if (rc) return rc;
    if (strncmp(to, "group:", 6) == 0) {
        /* The last group looked up is cached (an import designates the same
         * groups again and again); applying any group entry forgets it. */
        fund_registry *c = fund_registry_of(l, err);
        if (!c) return KF_SYSTEM;
        if (!c->group_cached || strcmp(c->group.id, to + 6) != 0) {
            if ((rc = kf_group_get(l, to + 6, &c->group, &c->group_found, err))) return rc;
            snprintf(c->group.id, sizeof c->group.id, "%s", to + 6);
            c->group_cached = true;
        }
        if (!c->group_found)
            return kf_fail(err, KF_REFUSED, "unknown group %s (see kifu group list)", to + 6);
        if (c->group.status == KF_ST_DEREGISTERED)
            return kf_fail(err, KF_REFUSED, "group %s is deregistered", to + 6);
    } else if (strncmp(to, "field:", 6) == 0) {
        if (!kf_rules_field(r, to + 6))
            return kf_fail(err, KF_REFUSED, "unknown field %s (see kifu rules show)", to + 6);
    } else if (strncmp(to, "theme:", 6) == 0) {
        if (!kf_rules_theme(r, to + 6))
            return kf_fail(err, KF_REFUSED, "unknown theme %s (see kifu rules show)", to + 6);
    } else if (strcmp(to, "general") != 0) {
        return kf_fail(err, KF_BAD_INPUT, "designation '%s' is not a pool", to);
    }
    return KF_OK;
}

/* --- members, partners, boxes --------------------------------------------- */

/* Appends e, returning its seq. Frees e. */
static kf_code append(kf_txn *t, kf_entry *e, kf_code rc, kf_err *err)
{
    if (!rc) rc = kf_txn_append(t, e, err);
    kf_entry_free(e);
    return rc;
}

static kf_code check_new_id(kf_ledger *l, const char *table, const char *what, const char *id,
                            kf_err *err)
{
    bool found;
    int64_t seq;
    char sql[128];
    if (!kf_id_valid(id))
        return kf_fail(err, KF_BAD_INPUT, "%s id '%s' must be 1-64 of A-Z a-z 0-9 _ -", what, id);
    snprintf(sql, sizeof sql, "SELECT seq FROM %s WHERE id=?", table);
    kf_code rc = kf_sql_row(l, err, &found, sql, "s", "i", id, &seq);
    if (rc) return rc;
    if (found) return kf_fail(err, KF_REFUSED, "%s %s already exists", what, id);
    return KF_OK;
}

static kf_code check_text(const char *what, const char *s, kf_err *err)
{
    if (!s || !*s) return kf_fail(err, KF_BAD_INPUT, "%s is missing", what);
    if (!kf_utf8_valid(s) || strlen(s) > 255 || strpbrk(s, "\r\n"))
        return kf_fail(err, KF_BAD_INPUT, "%s must be one line of UTF-8 under 256 bytes", what);
    return KF_OK;
}

/* Checks a designation's syntax, then that it exists. */
static kf_code check_designation(kf_ledger *l, const char *to, kf_err *err)
{
    if (!kf_pool_valid(to))
        return kf_fail(err, KF_BAD_INPUT,
                       "designation '%s' must be general, group:ID, field:CODE or theme:CODE", to);
    return kf_designation_check(l, to, err);
}

kf_code kf_member_add(kf_txn *t, const char *id, const char *name, const char *tier,
                      const char *joined, kf_err *err)
{
    return kf_member_add_with(t, id, name, tier, joined, NULL, err);
}

kf_code kf_member_add_with(kf_txn *t, const char *id, const char *name, const char *tier,
                           const char *joined, const char *donor, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    const kf_rules *r;
    kf_code rc;
    if ((rc = check_new_id(l, "reg_members", "member", id, err)) ||
        (rc = check_text("--name", name, err)) || (rc = kf_fund_rules(l, &r, err)))
        return rc;
    if (!tier || !kf_rules_tier(r, tier))
        return kf_fail(err, KF_REFUSED, "unknown tier '%s' (the rules' [tiers] section)",
                       tier ? tier : "");
    if (!joined || !kf_parse_date(joined, NULL, NULL, NULL))
        return kf_fail(err, KF_BAD_INPUT, "--joined '%s' is not a date YYYY-MM-DD",
                       joined ? joined : "");
    kf_entry *e = kf_entry_new("member.add");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!(rc = kf_entry_set_str(e, "id", id, err)) &&
        !(rc = kf_entry_set_str(e, "name", name, err)) &&
        !(rc = kf_entry_set_str(e, "tier", tier, err)) &&
        !(rc = kf_entry_set_str(e, "joined", joined, err)) && donor)
        rc = kf_entry_set_str(e, "donor", donor, err);
    return append(t, e, rc, err);
}

kf_code kf_partner_add(kf_txn *t, const char *id, const char *name, kf_yen per_click,
                       kf_yen monthly_cap, const char *to, kf_err *err)
{
    return kf_partner_add_with(t, id, name, per_click, monthly_cap, to, NULL, err);
}

kf_code kf_partner_add_with(kf_txn *t, const char *id, const char *name, kf_yen per_click,
                            kf_yen monthly_cap, const char *to, const char *donor, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    kf_code rc;
    if (!to || !*to) to = "general";
    if ((rc = check_new_id(l, "reg_partners", "partner", id, err)) ||
        (rc = check_text("--name", name, err)))
        return rc;
    if (per_click <= 0 || per_click > KF_YEN_MAX_ONE)
        return kf_fail(err, KF_BAD_INPUT, "--per-click must be more than 0 yen");
    if (monthly_cap <= 0 || monthly_cap > KF_YEN_MAX_ONE)
        return kf_fail(err, KF_BAD_INPUT, "--monthly-cap must be more than 0 yen");
    if ((rc = check_designation(l, to, err))) return rc;
    kf_entry *e = kf_entry_new("partner.add");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!(rc = kf_entry_set_str(e, "id", id, err)) &&
        !(rc = kf_entry_set_str(e, "name", name, err)) &&
        !(rc = kf_entry_set_int(e, "per_click", per_click, err)) &&
        !(rc = kf_entry_set_int(e, "monthly_cap", monthly_cap, err)) &&
        !(rc = kf_entry_set_str(e, "to", to, err)) && donor)
        rc = kf_entry_set_str(e, "donor", donor, err);
    return append(t, e, rc, err);
}

kf_code kf_box_add(kf_txn *t, const char *id, const char *location, const char *host,
                   const char *to, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    kf_code rc;
    if (!to || !*to) to = "general";
    if ((rc = check_new_id(l, "reg_boxes", "box", id, err)) ||
        (rc = check_text("--location", location, err)) || (rc = check_text("--host", host, err)) ||
        (rc = check_designation(l, to, err)))
        return rc;
    kf_entry *e = kf_entry_new("box.add");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!(rc = kf_entry_set_str(e, "id", id, err)) &&
        !(rc = kf_entry_set_str(e, "location", location, err)) &&
        !(rc = kf_entry_set_str(e, "host", host, err)))
        rc = kf_entry_set_str(e, "to", to, err);
    return append(t, e, rc, err);
}
