/*
 * kifu init: a new ledger with its genesis entry and first admin key.
 */
#include "cli.h"
#include "kifu/grants.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

int cmd_init(kf_cli *cli, int argc, char **argv)
{
    const char *fund = NULL, *admin = NULL, *key_out = NULL, *origin = NULL, *rules = NULL;
    const kf_opt opts[] = {{"fund", OPT_VALUE, &fund},       {"admin", OPT_VALUE, &admin},
                           {"key-out", OPT_VALUE, &key_out}, {"origin", OPT_VALUE, &origin},
                           {"rules", OPT_VALUE, &rules},     {NULL, 0, NULL}};
    const char *pos[1];
    int npos;
    kf_err err = {0};
    char pass[1024];
    kf_signer admin_key;
    kf_ledger *l = NULL;
    struct stat sb;
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (!fund || !admin || !key_out)
        return cli_errorf(KF_BAD_INPUT, "kifu init needs --fund NAME --admin NAME --key-out PATH");
    if (stat(cli->db, &sb) == 0)
        return cli_errorf(KF_BAD_INPUT, "%s already exists; refusing to overwrite a ledger",
                          cli->db);
    if (stat(key_out, &sb) == 0)
        return cli_errorf(KF_BAD_INPUT, "%s already exists; refusing to overwrite a key file",
                          key_out);
    kf_buf rules_text = {0};
    if (rules) {
        kf_rules *r = malloc(sizeof *r);
        if (!r) return cli_errorf(KF_SYSTEM, "out of memory");
        kf_code rc = cli_read_file(rules, &rules_text, 1 << 20, &err);
        if (!rc) rc = kf_rules_parse(rules_text.data, rules_text.len, rules, r, &err);
        free(r);
        if (rc) {
            kf_buf_free(&rules_text);
            return cli_error(&err);
        }
    }
    if (cli_new_pass_ready(key_out, CLI_PASS_INIT, &err)) {
        kf_buf_free(&rules_text);
        return cli_error(&err);
    }
    if (cli_new_passphrase(key_out, CLI_PASS_INIT, NULL, pass, sizeof pass, &err) ||
        kf_key_generate(admin, &admin_key, &err)) {
        kf_buf_free(&rules_text);
        return cli_error(&err);
    }
    kf_code rc = kf_keyfile_write(key_out, &admin_key, pass, &err);
    sodium_memzero(pass, sizeof pass);
    if (rc) {
        kf_buf_free(&rules_text);
        sodium_memzero(&admin_key, sizeof admin_key);
        return cli_error(&err);
    }
    if (kf_ledger_create(cli->db, fund, origin ? origin : fund, &admin_key, &l, &err)) {
        kf_buf_free(&rules_text);
        unlink(key_out);
        sodium_memzero(&admin_key, sizeof admin_key);
        return cli_error(&err);
    }
    if (rules) {
        /* The first rules version, in the commit right after the genesis. */
        kf_txn *t = NULL;
        int64_t rules_seq;
        kf_code rc = kf_txn_begin(l, &admin_key, &t, &err);
        if (!rc) {
            rc = kf_rules_load(t, rules, rules_text.data, rules_text.len, &rules_seq, &err);
            if (rc)
                kf_txn_abort(t);
            else
                rc = kf_txn_commit(t, NULL, &err);
        }
        kf_buf_free(&rules_text);
        if (rc) {
            kf_ledger_close(l);
            unlink(cli->db);
            unlink(key_out);
            sodium_memzero(&admin_key, sizeof admin_key);
            return cli_error(&err);
        }
    }
    kf_ledger_close(l);
    char vkey[KF_VKEY_MAX];
    kf_key_vkey(admin_key.name, admin_key.pub, vkey);
    int code = 0;
    if (cli->json) {
        kf_buf b = {0};
        kf_buf_printf(&b, "{\"seq\":1,\"key\":\"%08x\",\"vkey\":", admin_key.id);
        kf_buf_json_str(&b, vkey);
        kf_buf_puts(&b, "}");
        code = cli_print_json(&b);
        kf_buf_free(&b);
    } else {
        printf("seq 1: created ledger %s for %s\nadmin key %s (%08x) written to %s\nvkey %s\n",
               cli->db, fund, admin_key.name, admin_key.id, key_out, vkey);
    }
    sodium_memzero(&admin_key, sizeof admin_key);
    return code;
}
