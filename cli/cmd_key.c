/*
 * kifu key add | revoke | list.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

/* Appends one entry in its own signed commit and prints its seq. */
static int record_one(kf_cli *cli, kf_ledger *l, const kf_signer *signer, kf_entry *e,
                      const char *extra_json, const char *extra_text)
{
    kf_err err = {0};
    kf_txn *t;
    if (kf_txn_begin(l, signer, &t, &err)) return cli_error(&err);
    if (kf_txn_append(t, e, &err)) {
        kf_txn_abort(t);
        return cli_error(&err);
    }
    if (kf_txn_commit(t, NULL, &err)) return cli_error(&err);
    if (cli->json)
        printf("{\"seq\":%lld%s}\n", (long long)e->seq, extra_json ? extra_json : "");
    else
        printf("seq %lld%s\n", (long long)e->seq, extra_text ? extra_text : "");
    return 0;
}

int cmd_key_add(kf_cli *cli, int argc, char **argv)
{
    const char *role = NULL, *aff = NULL, *key_out = NULL;
    bool same = false;
    const kf_opt opts[] = {{"role", OPT_VALUE, &role},
                           {"affiliation", OPT_VALUE, &aff},
                           {"key-out", OPT_VALUE, &key_out},
                           {"same-passphrase", OPT_FLAG, &same},
                           {NULL, 0, NULL}};
    const char *pos[1];
    int npos, code;
    kf_err err = {0};
    kf_signer signer, fresh;
    kf_ledger *l = NULL;
    kf_entry *e = NULL;
    char pass[1024], signer_pass[1024];
    struct stat sb;
    cli_new_pass how;
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    how = same ? CLI_PASS_SAME : CLI_PASS_NEW;
    if (npos != 1 || !role || !key_out)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu key add NAME --role R --key-out PATH");
    unsigned r = kf_role_parse(role);
    if (!r)
        return cli_errorf(KF_BAD_INPUT, "unknown role '%s' (admin, treasurer, reviewer, auditor)",
                          role);
    if (aff && (!kf_utf8_valid(aff) || strpbrk(aff, " \n\r")))
        return cli_errorf(KF_BAD_INPUT, "--affiliation is a comma-separated list of group ids");
    if (stat(key_out, &sb) == 0)
        return cli_errorf(KF_BAD_INPUT, "%s already exists; refusing to overwrite a key file",
                          key_out);
    if (cli_new_pass_ready(key_out, how, &err)) return cli_error(&err);
    signer_pass[0] = '\0';
    if (kf_key_generate(pos[0], &fresh, &err) || cli_open(cli, &l, &err) ||
        cli_signer_pass(cli, &signer, signer_pass, sizeof signer_pass, &err) ||
        kf_key_add_entry(fresh.name, fresh.pub, r, aff, &e, &err))
        goto out_err;
    kf_code rc = cli_new_passphrase(key_out, how, signer_pass, pass, sizeof pass, &err);
    sodium_memzero(signer_pass, sizeof signer_pass);
    if (rc) goto out_err;
    rc = kf_keyfile_write(key_out, &fresh, pass, &err);
    sodium_memzero(pass, sizeof pass);
    if (rc) goto out_err;
    char json[256], text[256], vkey[KF_VKEY_MAX];
    kf_key_vkey(fresh.name, fresh.pub, vkey);
    snprintf(json, sizeof json, ",\"key\":\"%08x\",\"vkey\":\"%s\"", fresh.id, vkey);
    snprintf(text, sizeof text, ": added key %s (%08x) as %s, written to %s", fresh.name, fresh.id,
             role, key_out);
    code = record_one(cli, l, &signer, e, json, text);
    if (code) unlink(key_out);
    goto out;
out_err:
    code = cli_error(&err);
out:
    kf_entry_free(e);
    kf_ledger_close(l);
    sodium_memzero(&signer, sizeof signer);
    sodium_memzero(&fresh, sizeof fresh);
    sodium_memzero(signer_pass, sizeof signer_pass);
    return code;
}

static bool parse_keyid(const char *s, uint32_t *id)
{
    uint8_t b[4];
    if (!kf_unhex(s, b, 4)) return false;
    *id = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return true;
}

int cmd_key_revoke(kf_cli *cli, int argc, char **argv)
{
    const char *pos[1];
    int npos, code;
    kf_err err = {0};
    kf_signer signer;
    kf_ledger *l = NULL;
    kf_entry *e = NULL;
    kf_key_info *keys = NULL;
    size_t n = 0;
    uint32_t id;
    const kf_opt opts[] = {{NULL, 0, NULL}};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || !parse_keyid(pos[0], &id))
        return cli_errorf(KF_BAD_INPUT,
                          "usage: kifu key revoke KEYID (8 hex digits, see kifu key list)");
    if (cli_open(cli, &l, &err) || kf_ledger_keys(l, &keys, &n, &err)) goto out_err;
    const kf_key_info *target = NULL;
    int active_admins = 0;
    for (size_t i = 0; i < n; i++) {
        if (keys[i].id == id) target = &keys[i];
        if (keys[i].role == KF_ROLE_ADMIN && !keys[i].revoked_seq) active_admins++;
    }
    if (!target) {
        kf_fail(&err, KF_REFUSED, "no key %08x in the ledger", id);
        goto out_err;
    }
    if (target->revoked_seq) {
        kf_fail(&err, KF_REFUSED, "key %08x was already revoked at seq %lld", id,
                (long long)target->revoked_seq);
        goto out_err;
    }
    if (target->role == KF_ROLE_ADMIN && active_admins == 1) {
        kf_fail(&err, KF_REFUSED, "key %08x is the last active admin key; add another first", id);
        goto out_err;
    }
    if (cli_signer(cli, &signer, &err) || kf_key_revoke_entry(id, &e, &err)) goto out_err;
    char text[128];
    snprintf(text, sizeof text, ": revoked key %s (%08x)", target->name, id);
    code = record_one(cli, l, &signer, e, NULL, text);
    goto out;
out_err:
    code = cli_error(&err);
out:
    free(keys);
    kf_entry_free(e);
    kf_ledger_close(l);
    sodium_memzero(&signer, sizeof signer);
    return code;
}

int cmd_key_list(kf_cli *cli, int argc, char **argv)
{
    const char *pos[1];
    int npos;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_key_info *keys = NULL;
    size_t n = 0;
    const char *vkey_of = NULL;
    const kf_opt opts[] = {{"vkey", OPT_VALUE, &vkey_of}, {NULL, 0, NULL}};
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (cli_open(cli, &l, &err) || kf_ledger_keys(l, &keys, &n, &err)) {
        kf_ledger_close(l);
        return cli_error(&err);
    }
    kf_buf b = {0};
    if (vkey_of) {
        /* --vkey NAME: the verifier key of an active key, alone on a line,
         * for `verify-receipt --origin-key "$(kifu key list --vkey NAME)"`. */
        const kf_key_info *k = NULL;
        for (size_t i = 0; i < n; i++)
            if (strcmp(keys[i].name, vkey_of) == 0 && !keys[i].revoked_seq) k = &keys[i];
        kf_ledger_close(l);
        if (!k) {
            free(keys);
            return cli_errorf(KF_REFUSED, "no active key named '%s' (see kifu key list)", vkey_of);
        }
        char vkey[KF_VKEY_MAX];
        kf_key_vkey(k->name, k->pub, vkey);
        free(keys);
        if (cli->json) {
            kf_buf_puts(&b, "{\"vkey\":");
            kf_buf_json_str(&b, vkey);
            kf_buf_puts(&b, "}");
            int code = cli_print_json(&b);
            kf_buf_free(&b);
            return code;
        }
        kf_buf_printf(&b, "%s\n", vkey);
        int code = cli_print_text(&b);
        kf_buf_free(&b);
        return code;
    }
    cli_list_begin(cli, &b, "{\"keys\":[");
    for (size_t i = 0; i < n; i++) {
        char vkey[KF_VKEY_MAX];
        kf_key_vkey(keys[i].name, keys[i].pub, vkey);
        cli_list_item(cli, &b, i);
        if (cli->json) {
            kf_buf_printf(&b, "{\"id\":\"%08x\",\"name\":", keys[i].id);
            kf_buf_json_str(&b, keys[i].name);
            kf_buf_printf(&b,
                          ",\"role\":\"%s\",\"revoked\":%s,\"vkey\":", kf_role_name(keys[i].role),
                          keys[i].revoked_seq ? "true" : "false");
            kf_buf_json_str(&b, vkey);
            kf_buf_puts(&b, ",\"affiliation\":");
            kf_buf_json_str(&b, keys[i].affiliation);
            kf_buf_printf(&b, ",\"added_seq\":%lld,\"revoked_seq\":%lld}",
                          (long long)keys[i].added_seq, (long long)keys[i].revoked_seq);
        } else {
            kf_buf_printf(&b, "%08x  %-10s %-16s %s%s%s%s\n", keys[i].id,
                          kf_role_name(keys[i].role), keys[i].name,
                          keys[i].revoked_seq ? "REVOKED " : "", vkey,
                          *keys[i].affiliation ? "  affiliation=" : "", keys[i].affiliation);
        }
    }
    free(keys);
    kf_ledger_close(l);
    return cli_list_end(cli, &b);
}
