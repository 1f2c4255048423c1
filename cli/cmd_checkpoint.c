/*
 * kifu checkpoint [--out FILE] and kifu cosign FILE: C2SP signed notes.
 */
#include "cli.h"

#include <sodium.h>
#include <string.h>
#include <sys/stat.h>

/* --json: the checkpoint's origin, size and root (its first three lines)
 * and the whole signed note. */
static int print_checkpoint_json(const kf_buf *note, const char *out)
{
    char origin[256] = "", root[64] = "";
    long long size = -1;
    kf_buf b = {0}, text = {0};
    kf_err err = {0};
    kf_buf_put(&text, note->data, note->len);
    kf_buf_put(&text, "", 1);
    if (kf_buf_check(&text, &err)) {
        kf_buf_free(&text);
        return cli_error(&err);
    }
    const char *s = (const char *)text.data, *nl1 = strchr(s, '\n');
    const char *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
    if (nl1 && nl2) {
        snprintf(origin, sizeof origin, "%.*s", (int)(nl1 - s), s);
        sscanf(nl1 + 1, "%lld", &size);
        snprintf(root, sizeof root, "%.*s", (int)strcspn(nl2 + 1, "\n"), nl2 + 1);
    }
    kf_buf_puts(&b, "{\"origin\":");
    kf_buf_json_str(&b, origin);
    kf_buf_printf(&b, ",\"size\":%lld,\"root\":", size);
    kf_buf_json_str(&b, root);
    kf_buf_puts(&b, ",\"note\":");
    kf_buf_json_str(&b, s);
    if (out) {
        kf_buf_puts(&b, ",\"file\":");
        kf_buf_json_str(&b, out);
    }
    kf_buf_puts(&b, "}");
    int code = cli_print_json(&b);
    kf_buf_free(&b);
    kf_buf_free(&text);
    return code;
}

int cmd_checkpoint(kf_cli *cli, int argc, char **argv)
{
    const char *out = NULL, *pos[1];
    int npos, code = 0;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_signer signer;
    kf_buf note = {0};
    bool force = false;
    const kf_opt opts[] = {{"out", OPT_VALUE, &out}, {"force", OPT_FLAG, &force}, {NULL, 0, NULL}};
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (cli_out_check(cli, out, "--out", force, &err) || cli_open(cli, &l, &err) ||
        cli_signer(cli, &signer, &err) || kf_checkpoint(l, &signer, &note, &err) ||
        ((out || !cli->json) && cli_write_out(out, &note, &err)))
        code = cli_error(&err);
    else if (cli->json)
        code = print_checkpoint_json(&note, out);
    else if (out)
        printf("checkpoint written to %s\n", out);
    sodium_memzero(&signer, sizeof signer);
    kf_buf_free(&note);
    kf_ledger_close(l);
    return code;
}

int cmd_cosign(kf_cli *cli, int argc, char **argv)
{
    const char *out = NULL, *pos[1];
    int npos, code = 0;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_signer signer;
    kf_buf in = {0}, note = {0};
    int64_t seq = 0;
    bool force = false;
    const kf_opt opts[] = {{"out", OPT_VALUE, &out}, {"force", OPT_FLAG, &force}, {NULL, 0, NULL}};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1) return cli_errorf(KF_BAD_INPUT, "usage: kifu cosign FILE --key auditor.key");
    /* With no --out (or --out FILE itself) the checkpoint is cosigned in
     * place: FILE is replaced without --force (never the ledger or the key
     * in use, though). */
    struct stat so, si;
    bool in_place = !out || (stat(out, &so) == 0 && stat(pos[0], &si) == 0 &&
                             so.st_dev == si.st_dev && so.st_ino == si.st_ino);
    if (cli_out_check(cli, out ? out : pos[0], "--out", force || in_place, &err) ||
        cli_read_file(pos[0], &in, 1 << 16, &err) || cli_open(cli, &l, &err) ||
        cli_signer(cli, &signer, &err) ||
        kf_cosign(l, &signer, in.data, in.len, &note, &seq, &err) ||
        cli_write_out(out ? out : pos[0], &note, &err)) {
        code = cli_error(&err);
    } else if (cli->json) {
        printf("{\"seq\":%lld,\"file\":\"%s\"}\n", (long long)seq, out ? out : pos[0]);
    } else {
        printf("seq %lld: cosigned by %s, written to %s\n", (long long)seq, signer.name,
               out ? out : pos[0]);
    }
    sodium_memzero(&signer, sizeof signer);
    kf_buf_free(&in);
    kf_buf_free(&note);
    kf_ledger_close(l);
    return code;
}
