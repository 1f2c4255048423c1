/*
 * kifu publish --out DIR [--lang ja|en] [--force]: the public site
 * (README "The public site"; reports/site.c builds it in memory).
 *
 * Nothing is half-written: the site is built (after the whole verification)
 * before anything touches the disk, then written into DIR.tmp<pid> next to
 * DIR and renamed into place. With --force an existing DIR is replaced only
 * when it is a site kifu publish wrote (its entries.txt begins with
 * kifu.entries.v1): the old one is renamed aside, the new one renamed in, the
 * old one removed. A failure removes the temporary directory.
 */
#include "cli.h"
#include "kifu/report.h"

#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes a directory this command made (or a site it replaces). */
static void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Whether dir holds a site kifu publish wrote. */
static bool is_site(const char *dir)
{
    char path[4096], head[17] = {0};
    snprintf(path, sizeof path, "%s/entries.txt", dir);
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    size_t n = fread(head, 1, 16, f);
    fclose(f);
    return n == 16 && memcmp(head, "kifu.entries.v1\n", 16) == 0;
}

static kf_code write_file(const char *path, const kf_buf *b, kf_err *err)
{
    FILE *f = fopen(path, "wb");
    if (!f) return kf_fail(err, KF_SYSTEM, "cannot write %s: %s", path, strerror(errno));
    bool ok = (b->len == 0 || fwrite(b->data, 1, b->len, f) == b->len) && fflush(f) == 0 &&
              fsync(fileno(f)) == 0;
    int e = errno;
    ok = fclose(f) == 0 && ok;
    if (!ok) return kf_fail(err, KF_SYSTEM, "cannot write %s: %s", path, strerror(e ? e : EIO));
    return KF_OK;
}

/* Writes the site's files under tmp (a new directory). */
static kf_code write_site(const kf_site *site, const char *tmp, kf_err *err)
{
    char path[4096 + 256];
    if (mkdir(tmp, 0755) != 0)
        return kf_fail(err, KF_SYSTEM, "cannot create %s: %s", tmp, strerror(errno));
    snprintf(path, sizeof path, "%s/groups", tmp);
    if (mkdir(path, 0755) != 0)
        return kf_fail(err, KF_SYSTEM, "cannot create %s: %s", path, strerror(errno));
    for (size_t i = 0; i < site->nfiles; i++) {
        snprintf(path, sizeof path, "%s/%s", tmp, site->files[i].path);
        kf_code rc = write_file(path, &site->files[i].data, err);
        if (rc) return rc;
    }
    return KF_OK;
}

int cmd_publish(kf_cli *cli, int argc, char **argv)
{
    const char *out = NULL, *lang_s = NULL, *pos[1];
    bool force = false;
    const kf_opt opts[] = {{"out", OPT_VALUE, &out},
                           {"lang", OPT_VALUE, &lang_s},
                           {"force", OPT_FLAG, &force},
                           {NULL, 0, NULL}};
    int npos, code = 0;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_signer signer;
    kf_site site = {0};
    kf_site_opts so = {.lang = KF_STATEMENT_JA};
    struct stat st;
    char tmp[4096], old[4096], parent[4096];
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (!out || !*out)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu publish --out DIR [--lang ja|en] [--force]");
    if (lang_s && !kf_statement_lang_parse(lang_s, &so.lang))
        return cli_errorf(KF_BAD_INPUT, "--lang '%s' must be ja or en", lang_s);
    size_t olen = strlen(out);
    while (olen > 1 && out[olen - 1] == '/')
        olen--; /* "site/" is "site" */
    if (olen + 32 >= sizeof tmp) return cli_errorf(KF_BAD_INPUT, "--out %s: path too long", out);
    snprintf(tmp, sizeof tmp, "%.*s.tmp%d", (int)olen, out, (int)getpid());
    snprintf(old, sizeof old, "%.*s.old%d", (int)olen, out, (int)getpid());
    snprintf(parent, sizeof parent, "%.*s", (int)olen, out);
    const char *dir = dirname(parent);

    /* Fail fast, before the ledger is opened or a key unlocked. */
    bool exists = lstat(out, &st) == 0;
    if (exists && !force)
        return cli_errorf(KF_REFUSED, "%s exists; give --force to replace it", out);
    if (exists && (!S_ISDIR(st.st_mode) || !is_site(out)))
        return cli_errorf(KF_REFUSED,
                          "%s is not a site kifu publish wrote (no entries.txt of kifu); "
                          "refusing to replace it",
                          out);
    if (access(dir, W_OK | X_OK) != 0)
        return cli_errorf(KF_SYSTEM, "cannot write %s: %s", out, strerror(errno));

    memset(&signer, 0, sizeof signer);
    kf_code rc = cli_open(cli, &l, &err);
    if (!rc) rc = cli_signer(cli, &signer, &err);
    if (!rc) {
        so.signer = &signer;
        rc = kf_site_build(l, &so, &site, &err);
    }
    sodium_memzero(&signer, sizeof signer);
    kf_ledger_close(l);
    if (rc) return cli_error(&err);

    if ((rc = write_site(&site, tmp, &err))) goto fail;
    if (exists && rename(out, old) != 0) {
        rc = kf_fail(&err, KF_SYSTEM, "cannot replace %s: %s", out, strerror(errno));
        goto fail;
    }
    if (rename(tmp, out) != 0) {
        rc = kf_fail(&err, KF_SYSTEM, "cannot write %s: %s", out, strerror(errno));
        if (exists) rename(old, out);
        goto fail;
    }
    if (exists) rm_tree(old);

    if (cli->json) {
        kf_buf b = {0};
        kf_buf_puts(&b, "{\"dir\":");
        kf_buf_json_str(&b, out);
        kf_buf_printf(&b,
                      ",\"entries\":%lld,\"withheld\":%lld,\"groups\":%zu,\"fys\":%zu,"
                      "\"files\":%zu,\"root\":\"%s\"}",
                      (long long)site.size, (long long)site.withheld, site.groups, site.fys,
                      site.nfiles, site.root_hex);
        code = cli_print_json(&b);
        kf_buf_free(&b);
    } else {
        printf("site of %lld entries (%lld published as their hash only), %zu group page%s, "
               "%zu fiscal year%s written to %s\n",
               (long long)site.size, (long long)site.withheld, site.groups,
               site.groups == 1 ? "" : "s", site.fys, site.fys == 1 ? "" : "s", out);
    }
    kf_site_free(&site);
    return code;
fail:
    rm_tree(tmp);
    kf_site_free(&site);
    return cli_error(&err);
}
