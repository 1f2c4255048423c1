/*
 * kifu import donations FILE.csv [--encoding utf-8|cp932] [--skip-duplicates]
 * [--dry-run]: the whole file in one signed commit, or nothing.
 *
 * The header is read before the ledger is opened or the key unlocked, so a
 * wrong file fails at once. Then one write transaction: every row is checked
 * and recorded (kf_import_run); bad rows are printed as FILE:LINE: reason as
 * they are found (the first 100, then a count), and any bad row, or
 * --dry-run, aborts the transaction.
 */
#include "cli.h"
#include "kifu/import.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define MAX_REPORTED 100
/* Files smaller than this import in a blink: no progress bar. */
#define PROGRESS_MIN_BYTES (256 * 1024)
typedef struct {
    const char *file;
    int64_t errors;
    cli_bar bar;
} import_ctx;

static void on_error(void *ctx, int64_t line, const char *reason)
{
    import_ctx *c = ctx;
    if (c->errors++ >= MAX_REPORTED) return;
    cli_bar_clear(&c->bar); /* redrawn at the next progress */
    fprintf(stderr, "%s:%lld: %s\n", c->file, (long long)line, reason);
}

static void on_progress(void *ctx, uint64_t offset)
{
    cli_bar_update(&((import_ctx *)ctx)->bar, offset);
}

static void print_result(const kf_cli *cli, const kf_import_result *r, int64_t commit, bool dry)
{
    const char *s = r->recorded == 1 ? "" : "s";
    if (cli->json) {
        printf("{");
        if (dry) printf("\"dry_run\":true,");
        if (r->recorded) {
            printf("\"seq\":%lld,\"last\":%lld,", (long long)r->first_seq, (long long)r->last_seq);
            if (!dry) printf("\"commit\":%lld,", (long long)commit);
        }
        printf("\"recorded\":%lld,\"skipped\":%lld,\"total\":%lld,\"fees\":%lld,\"rows\":%lld}\n",
               (long long)r->recorded, (long long)r->skipped, (long long)r->total,
               (long long)r->fees, (long long)r->rows);
        return;
    }
    if (!r->recorded)
        printf("%snothing to record: 0 donations, %lld duplicate%s skipped\n",
               dry ? "dry run: " : "", (long long)r->skipped, r->skipped == 1 ? "" : "s");
    else if (dry)
        printf("dry run: seq %lld..%lld: %lld donation%s would be recorded (total %lld yen), "
               "%lld duplicate%s skipped; nothing written\n",
               (long long)r->first_seq, (long long)r->last_seq, (long long)r->recorded, s,
               (long long)r->total, (long long)r->skipped, r->skipped == 1 ? "" : "s");
    else
        printf("seq %lld..%lld: %lld donation%s recorded (total %lld yen), %lld duplicate%s "
               "skipped\n",
               (long long)r->first_seq, (long long)r->last_seq, (long long)r->recorded, s,
               (long long)r->total, (long long)r->skipped, r->skipped == 1 ? "" : "s");
}

int cmd_import(kf_cli *cli, int argc, char **argv)
{
    const char *encoding = NULL, *pos[1];
    bool skip = false, dry = false;
    const kf_opt opts[] = {{"encoding", OPT_VALUE, &encoding},
                           {"skip-duplicates", OPT_FLAG, &skip},
                           {"dry-run", OPT_FLAG, &dry},
                           {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    kf_csv_encoding enc;
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu import donations FILE.csv [--encoding "
                                        "utf-8|cp932] [--skip-duplicates] [--dry-run]");
    if (!kf_csv_encoding_parse(encoding, &enc))
        return cli_errorf(KF_BAD_INPUT, "--encoding '%s' must be utf-8 or cp932", encoding);

    const char *file = pos[0];
    struct stat st;
    FILE *f = fopen(file, "rb");
    if (!f) return cli_errorf(KF_BAD_INPUT, "cannot open %s: %s", file, strerror(errno));
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return cli_errorf(KF_BAD_INPUT, "%s is a directory, not a CSV file", file);
    }
    import_ctx ctx = {.file = file};
    char label[256];
    snprintf(label, sizeof label, "importing %s", file);
    cli_bar_init(&ctx.bar, label, S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0,
                 S_ISREG(st.st_mode) && st.st_size >= PROGRESS_MIN_BYTES);
    kf_import_opts io = {
        .skip_duplicates = skip, .on_error = on_error, .on_progress = on_progress, .ctx = &ctx};
    kf_import *im = NULL;
    kf_ledger *l = NULL;
    kf_txn *t = NULL;
    kf_signer signer;
    kf_import_result res = {0};
    int64_t commit = 0;
    kf_code rc;
    memset(&signer, 0, sizeof signer);

    if ((rc = kf_import_open(f, enc, &io, &im, &err))) goto out;
    if ((rc = cli_open(cli, &l, &err)) || (rc = cli_signer(cli, &signer, &err)) ||
        (rc = kf_txn_begin(l, &signer, &t, &err)))
        goto out;
    /* Refuse a key that may not record donations once, not on every row. */
    kf_key_info key;
    if ((rc = kf_ledger_key(l, signer.id, &key, &err))) goto out_abort;
    if (!kf_role_may_write(key.role, "donation")) {
        rc = kf_fail(&err, KF_REFUSED, "key %s has role %s, which may not record donations",
                     key.name, kf_role_name(key.role));
        goto out_abort;
    }
    rc = kf_import_run(im, t, &res, &err);
    cli_bar_clear(&ctx.bar);
    if (rc || dry || res.recorded == 0)
        kf_txn_abort(t); /* bad rows, a dry run, or nothing to commit */
    else
        rc = kf_txn_commit(t, &commit, &err);
    t = NULL;
out_abort:
    kf_txn_abort(t);
out:
    cli_bar_clear(&ctx.bar);
    sodium_memzero(&signer, sizeof signer);
    kf_ledger_close(l);
    kf_import_free(im);
    fclose(f);
    if (rc == KF_BAD_INPUT && ctx.errors) {
        if (ctx.errors > MAX_REPORTED)
            fprintf(stderr, "%s: … and %lld more\n", file, (long long)(ctx.errors - MAX_REPORTED));
        return cli_errorf(KF_BAD_INPUT, "import of %s refused (%s); nothing recorded", file,
                          err.msg);
    }
    if (rc) return cli_error(&err);
    print_result(cli, &res, commit, dry);
    return 0;
}
