/* Unit tests: kifu verify's comparison of the derived state (docs/FORMAT.md
 * §8.2, steps 11 and 12) and the scratch ledger it rebuilds in.
 *
 *   - the scratch ledger writes nothing to the file: an index's DROP TABLE
 *     of a table main does not have yet is skipped, other writes to the
 *     file are refused; before the rebuild it reads nothing of the file but
 *     the ledger tables; it records which index created which table;
 *   - kf_verify_ledger's report: tables, rows, personal rows, the size;
 *   - a derived row edited, a personal row edited, are refused by name;
 *   - an index the file's index_state does not record as built for these
 *     entries is not compared, and the report names it;
 *   - the file's bytes are the same after verification. */
#include "check_common.h"
#include "kifu/verify.h"

#include <sqlite3.h>

static char dir[64], path[128];
static kf_ledger *l;
static kf_signer admin;
static int64_t gift; /* a donation with personal data */

static void exec_on_file(const char *sql)
{
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(db));
    sqlite3_close(db);
}

static void setup(void)
{
    kf_err err;
    kf_txn *t;
    kf_donation d;
    tu_tmpdir("derived", dir, path);
    l = tu_ledger(path, "F", "o", &admin);
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    tu_small_fund(t);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    ck_assert_int_eq(kf_donation_parse(&d, "5000", "2026-06-01", NULL, "group:G1", "山田", "東京",
                                       "R1", NULL, NULL, &err),
                     KF_OK);
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    ck_assert_int_eq(kf_don_donate(t, &d, &gift, &err), KF_OK);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    /* The checks read the file as another program would. */
    kf_ledger_close(l);
    ck_assert_int_eq(kf_ledger_open_readonly(path, &l, &err), KF_OK);
}

static void teardown(void)
{
    tu_cleanup(l, dir);
}

/* The file's bytes (the ledger is checkpointed at close: no WAL). */
static char *file_bytes(size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    char *b = malloc(*n ? *n : 1);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(fread(b, 1, *n, f), *n);
    fclose(f);
    return b;
}

START_TEST(report_and_no_write)
{
    kf_err err = {0};
    kf_verify_report rep;
    kf_derived_report d;
    size_t n0, n1;
    char *before = file_bytes(&n0);
    ck_assert_msg(kf_verify_ledger(l, NULL, 0, &rep, &d, &err) == KF_OK, "%s", err.msg);
    ck_assert_int_eq(d.size, rep.entries);
    ck_assert_int_eq(d.tables, 16); /* with the receipts index's don_certs, don_cert_gifts */
    ck_assert_int_ge(d.rows, 4);    /* the group, the ref, two pool_fy rows */
    ck_assert_int_eq(d.personal, 1);
    ck_assert_str_eq(d.skipped, "");
    char *after = file_bytes(&n1);
    ck_assert(n0 == n1 && memcmp(before, after, n0) == 0);
    free(before);
    free(after);
}
END_TEST

START_TEST(scratch_never_writes)
{
    kf_err err = {0};
    kf_ledger *s;
    int64_t size;
    ck_assert_int_eq(kf_ledger_open_scratch(l, &s, &err), KF_OK);
    ck_assert_msg(kf_grants_attach(s, &err) == KF_OK && kf_donations_attach(s, &err) == KF_OK, "%s",
                  err.msg);
    sqlite3 *db = kf_ledger_db(s);
    /* the indexes' DROP TABLE of the file's tables was skipped */
    ck_assert_str_eq(kf_ledger_table_owner(s, "reg_groups"), "registry");
    ck_assert_str_eq(kf_ledger_table_owner(s, "pool_fy"), "pools");
    ck_assert_str_eq(kf_ledger_table_owner(s, "don_refs"), "donations");
    ck_assert_str_eq(kf_ledger_table_owner(s, "grp_apps"), "grants");
    ck_assert_ptr_null(kf_ledger_table_owner(s, "personal"));
    ck_assert_ptr_null(kf_ledger_table_owner(s, "index_state"));
    /* writes to the file are refused or skipped */
    ck_assert_int_ne(sqlite3_exec(db, "DELETE FROM src.reg_groups", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(db, "INSERT INTO src.don_refs VALUES('x', 1)", NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "DROP TABLE src.don_voids", NULL, NULL, NULL), SQLITE_OK);
    /* before the rebuild, the file's derived tables cannot be read */
    ck_assert_int_ne(sqlite3_exec(db, "SELECT * FROM src.reg_groups", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "SELECT * FROM entries", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(kf_ledger_scratch_begin(s, &size, &err), KF_OK);
    ck_assert_int_eq(size, gift);
    ck_assert_msg(kf_ledger_scratch_build(s, size, NULL, NULL, &err) == KF_OK, "%s", err.msg);
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_prepare_v2(db,
                                        "SELECT (SELECT count(*) FROM main.don_refs), (SELECT "
                                        "count(*) FROM src.don_voids), (SELECT count(*) FROM "
                                        "src.reg_groups)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), 1); /* rebuilt in memory */
    ck_assert_int_eq(sqlite3_column_int(st, 1), 0); /* the file's table is still there */
    ck_assert_int_eq(sqlite3_column_int(st, 2), 1);
    sqlite3_finalize(st);
    kf_ledger_close(s);
}
END_TEST

START_TEST(differences_named)
{
    kf_err err = {0};
    kf_verify_report rep;
    exec_on_file("UPDATE reg_groups SET members=6 WHERE id='G1'");
    ck_assert_int_eq(kf_verify_ledger(l, NULL, 0, &rep, NULL, &err), KF_REFUSED);
    ck_assert_str_eq(err.msg, "derived table reg_groups, id=G1: stored members=6, the entries "
                              "give members=5; kifu reindex (admin) rebuilds derived state once "
                              "the cause is found");
    exec_on_file("UPDATE reg_groups SET members=5 WHERE id='G1'");
    ck_assert_msg(kf_verify_all(l, NULL, 0, &rep, &err) == KF_OK, "%s", err.msg);
    exec_on_file("UPDATE personal SET address='大阪'");
    ck_assert_int_eq(kf_verify_all(l, NULL, 0, &rep, &err), KF_REFUSED);
    char want[200];
    snprintf(want, sizeof want,
             "personal data of seq %lld: the stored name and address do not give the donor "
             "commitment its entry holds (edited)",
             (long long)gift);
    ck_assert_str_eq(err.msg, want);
}
END_TEST

START_TEST(stale_index_not_compared)
{
    kf_err err = {0};
    kf_verify_report rep;
    kf_derived_report d;
    /* an index recorded at another version: the next command rebuilds it */
    exec_on_file("UPDATE reg_groups SET members=6; UPDATE index_state SET version=version+1 "
                 "WHERE name='registry'");
    ck_assert_msg(kf_verify_ledger(l, NULL, 0, &rep, &d, &err) == KF_OK, "%s", err.msg);
    ck_assert_str_eq(d.skipped, "registry");
    ck_assert_int_eq(d.tables, 12); /* all but reg_* */
    /* its pool_fy rows are left out, others' are compared */
    exec_on_file("UPDATE pool_fy SET in_=in_+1 WHERE origin='donations' AND pool='general'");
    ck_assert_int_eq(kf_verify_ledger(l, NULL, 0, &rep, &d, &err), KF_REFUSED);
    ck_assert_msg(
        strstr(err.msg, "derived table pool_fy, origin=donations, pool=general, fy=2026") != NULL,
        "%s", err.msg);
}
END_TEST

int main(void)
{
    if (tu_init() < 0) return EXIT_FAILURE;
    Suite *s = suite_create("derived");
    TCase *tc = tu_core(s, setup, teardown);
    tcase_add_test(tc, report_and_no_write);
    tcase_add_test(tc, scratch_never_writes);
    tcase_add_test(tc, differences_named);
    tcase_add_test(tc, stale_index_not_compared);
    return tu_run(s);
}
