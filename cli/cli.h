/*
 * The kifu command line: shared context, option parsing and helpers used by
 * every command file (cli/cmd_*.c), which are registered in main.c's table.
 */
#ifndef KIFU_CLI_H
#define KIFU_CLI_H

#include "kifu/common.h"
#include "kifu/keys.h"
#include "kifu/ledger.h"
#include "kifu/rules.h"

#include <stdio.h>

typedef struct {
    const char *db;  /* --db, KIFU_DB, ./kifu.db */
    const char *key; /* --key, KIFU_KEY */
    bool json;
    bool help;
    const char *cmd;     /* "key add", for messages */
    const char *usage;   /* its options ("NAME --role R ..."), for cli_usage */
    const char *about;   /* what it does, for cli_usage */
    const char *details; /* more lines of --help, or NULL */
    unsigned given;      /* CLI_GIVEN_* bits: the global options seen so far */
} kf_cli;

/* The global options already given (main.c reads those before the command
 * word, cli_parse those after it): each may be given once. */
#define CLI_GIVEN_DB 1u
#define CLI_GIVEN_KEY 2u
#define CLI_GIVEN_JSON 4u

typedef enum { OPT_FLAG, OPT_VALUE } opt_kind;

typedef struct {
    const char *name; /* without the leading "--" */
    opt_kind kind;
    void *dest; /* bool * for flags, const char ** for values */
} kf_opt;

/* Parses argv (after the command words): global options (--db, --key,
 * --json, --help) and opts, anywhere; the rest are positional (up to maxpos).
 * "--" ends options. Unknown options, missing values and an option given a
 * second time ("--amount given twice", also a global option given before and
 * after the command; --help may repeat) print an error and return
 * KF_BAD_INPUT. No command has a repeatable option: one would need a kind of
 * its own here, and its --help would say so. */
kf_code cli_parse(kf_cli *cli, int argc, char **argv, const kf_opt *opts, const char **pos,
                  int maxpos, int *npos);

/* Prints "kifu: <msg>" to stderr and returns the exit code. */
int cli_error(const kf_err *err);
int cli_errorf(kf_code code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "kifu NAME USAGE" and a newline: a command's usage line. */
void cli_usage_line(FILE *out, const char *name, const char *usage);
/* Prints the usage and about of the current command (cli->cmd, set with its
 * usage and about by main.c from its table). Returns 0. */
int cli_usage(const kf_cli *cli, bool to_stderr);

/* Opens the ledger with every module attached (grants, donations). */
kf_code cli_open(const kf_cli *cli, kf_ledger **out, kf_err *err);
/* cli_open, then the whole verification (entries, signatures, rules, signed
 * figures, every derived table): what the command then writes for people to
 * read (a statement, a certificate) presents only verified state. Refused
 * (KF_REFUSED) with "verification failed, NOTHING: <why> (run kifu verify)". */
kf_code cli_open_verified(const kf_cli *cli, kf_ledger **out, const char *nothing, kf_err *err);

/* One signed write: opens the ledger, unlocks the signing key, begins a
 * transaction, calls fn, commits (or aborts on any error) and closes.
 * Returns the exit code (errors printed). */
typedef kf_code (*cli_write_fn)(kf_txn *t, void *arg, kf_err *err);
int cli_write(const kf_cli *cli, cli_write_fn fn, void *arg);

/* Parses a yen amount option (whole number, min..KF_YEN_MAX_ONE). */
bool cli_yen(const char *what, const char *s, kf_yen min, kf_yen *out, kf_err *err);
/* A date option, defaulting to today (KIFU_NOW) when s is NULL. */
bool cli_date(const char *what, const char *s, char out[11], kf_err *err);
/* A fiscal year option, defaulting to the current FY under the rules. */
bool cli_fy(kf_ledger *l, const char *s, int *fy, kf_err *err);
/* Loads the signing key given by --key / KIFU_KEY (passphrase from
 * KIFU_PASSPHRASE or the terminal). */
kf_code cli_signer(const kf_cli *cli, kf_signer *out, kf_err *err);
/* The same, leaving the passphrase that unlocked it in pass (wiped on error;
 * the caller wipes it after use). */
kf_code cli_signer_pass(const kf_cli *cli, kf_signer *out, char *pass, size_t passsz, kf_err *err);

/* Where a new key file's passphrase comes from (README, "Keys and
 * passphrases"): KIFU_NEW_PASSPHRASE, else the terminal (asked twice, no
 * echo; the two must match) — never silently the signing key's
 * KIFU_PASSPHRASE. CLI_PASS_INIT (kifu init, there is no signing key yet)
 * also takes KIFU_PASSPHRASE when KIFU_NEW_PASSPHRASE is unset;
 * CLI_PASS_SAME (key add --same-passphrase) takes the signing key's. */
typedef enum { CLI_PASS_NEW, CLI_PASS_INIT, CLI_PASS_SAME } cli_new_pass;
#define CLI_PASS_MIN 8 /* characters (UTF-8 code points) */
/* KF_BAD_INPUT now, before anything is unlocked or written, when there is no
 * source for the passphrase (no env var and no terminal), or two. */
kf_code cli_new_pass_ready(const char *key_out, cli_new_pass how, kf_err *err);
/* Reads it (same: the signing key's passphrase for CLI_PASS_SAME); an empty
 * one or one shorter than CLI_PASS_MIN characters is KF_BAD_INPUT. */
kf_code cli_new_passphrase(const char *key_out, cli_new_pass how, const char *same, char *out,
                           size_t outsz, kf_err *err);

/* Parses a positive seq / size / count. */
bool cli_int(const char *what, const char *s, int64_t min, int64_t *out, kf_err *err);

/* Checks a command's output file before any work: refuses (KF_REFUSED)
 * out when it is the ledger in use (cli->db) or its -wal/-shm, or the key
 * file in use (cli->key), compared by device and inode, force or not; and
 * an existing file unless force. opt names the option in the message
 * ("--out"). Then removes the temporary files of out that a killed run left
 * (OUT.tmpPID...), and removes this run's on SIGINT, SIGTERM and SIGHUP.
 * out NULL or "-" (stdout) passes. */
kf_code cli_out_check(const kf_cli *cli, const char *out, const char *opt, bool force, kf_err *err);
/* Writes buf to path (atomically: temp file + rename), or stdout if NULL. */
kf_code cli_write_out(const char *path, const kf_buf *buf, kf_err *err);
/* Reads a whole (small) file. */
kf_code cli_read_file(const char *path, kf_buf *out, size_t max, kf_err *err);

/* A command's output on stdout. The printers below check the document once:
 * a buffer an append failed to (kf_buf's sticky error) prints nothing and is
 * "kifu: out of memory", exit 3; otherwise they write it and return 0. A
 * failed write is found by cli_exit. */
#define CLI_CHECKED __attribute__((warn_unused_result))
/* b and a newline (a JSON document). */
int cli_print_json(const kf_buf *b) CLI_CHECKED;
/* b as it is (text lines). */
int cli_print_text(const kf_buf *b) CLI_CHECKED;
/* A read command's output in b: as JSON (and a newline) under --json, else
 * as text; frees b. */
int cli_print_out(const kf_cli *cli, kf_buf *b) CLI_CHECKED;
/* A list command's output, gathered in b and printed as one document: under
 * --json, cli_list_begin opens `head` (e.g. {"boxes":[), cli_list_item puts
 * the comma before each object but the first, cli_list_end closes "]}";
 * otherwise the items are text lines. cli_list_end prints b (as
 * cli_print_out) and frees it. */
void cli_list_begin(const kf_cli *cli, kf_buf *b, const char *head);
void cli_list_item(const kf_cli *cli, kf_buf *b, size_t i);
int cli_list_end(const kf_cli *cli, kf_buf *b) CLI_CHECKED;
/* Prints what a command recorded: {"seq":N,"id":ID} with --json, else
 * "seq N: WHAT". */
int cli_print_recorded(const kf_cli *cli, int64_t seq, const char *id,
                       const char *what) CLI_CHECKED;
/* Writes n bytes to stdout now (output too long to gather whole). */
void cli_stdout(const void *p, size_t n);

/* The end of every run, as git's run_builtin does it: after a command that
 * succeeded (code 0), flushes and closes stdout and checks for an error on
 * it then or before; a failed write (ENOSPC of a full disk or /dev/full,
 * EIO) prints "kifu: write failure on standard output: <why>" and returns
 * 3 (KF_SYSTEM). As in git, a stdout that is closed, a pipe or a socket is
 * not checked: a reader that went away is not a failure of kifu's. Returns
 * code otherwise. */
int cli_exit(int code);

/* The rules as JSON (kifu rules show --json), appended to b (cli/rules_json.c). */
void cli_rules_json(const kf_rules *r, kf_buf *b);

/* A progress bar on stderr for long imports and exports: drawn
 * only when stderr is a terminal and `worth` (the work is large). */
typedef struct {
    const char *label;
    uint64_t total;
    bool on;    /* drawing */
    bool drawn; /* a bar is on the current line */
    int pct;
} cli_bar;
void cli_bar_init(cli_bar *b, const char *label, uint64_t total, bool worth);
void cli_bar_update(cli_bar *b, uint64_t done);
/* Erases the bar (before printing anything else on stderr). */
void cli_bar_clear(cli_bar *b);

/* Parses options into the locals of a command; returns from it on error
 * (exit 2) or after printing usage for --help. */
#define CLI_PARSE(cli, argc, argv, opts, pos, maxpos, npos)                                        \
    do {                                                                                           \
        if (cli_parse((cli), (argc), (argv), (opts), (pos), (maxpos), &(npos)) != KF_OK)           \
            return KF_BAD_INPUT;                                                                   \
        if ((cli)->help) return cli_usage((cli), false);                                           \
    } while (0)

/* Commands. */
int cmd_init(kf_cli *cli, int argc, char **argv);
int cmd_key_add(kf_cli *cli, int argc, char **argv);
int cmd_key_revoke(kf_cli *cli, int argc, char **argv);
int cmd_key_list(kf_cli *cli, int argc, char **argv);
int cmd_log(kf_cli *cli, int argc, char **argv);
int cmd_verify(kf_cli *cli, int argc, char **argv);
int cmd_checkpoint(kf_cli *cli, int argc, char **argv);
int cmd_cosign(kf_cli *cli, int argc, char **argv);
int cmd_receipt(kf_cli *cli, int argc, char **argv);
int cmd_verify_receipt(kf_cli *cli, int argc, char **argv);
int cmd_receipt_list(kf_cli *cli, int argc, char **argv);
int cmd_identity_set(kf_cli *cli, int argc, char **argv);
int cmd_identity_show(kf_cli *cli, int argc, char **argv);
int cmd_prove(kf_cli *cli, int argc, char **argv);
int cmd_reindex(kf_cli *cli, int argc, char **argv);
int cmd_rules_load(kf_cli *cli, int argc, char **argv);
int cmd_rules_show(kf_cli *cli, int argc, char **argv);
int cmd_group_add(kf_cli *cli, int argc, char **argv);
int cmd_group_update(kf_cli *cli, int argc, char **argv);
int cmd_group_deregister(kf_cli *cli, int argc, char **argv);
int cmd_group_list(kf_cli *cli, int argc, char **argv);
int cmd_donate(kf_cli *cli, int argc, char **argv);
int cmd_import(kf_cli *cli, int argc, char **argv);
int cmd_void(kf_cli *cli, int argc, char **argv);
int cmd_interest(kf_cli *cli, int argc, char **argv);
int cmd_balance(kf_cli *cli, int argc, char **argv);
int cmd_erase(kf_cli *cli, int argc, char **argv);
int cmd_member_add(kf_cli *cli, int argc, char **argv);
int cmd_member_list(kf_cli *cli, int argc, char **argv);
int cmd_partner_add(kf_cli *cli, int argc, char **argv);
int cmd_partner_list(kf_cli *cli, int argc, char **argv);
int cmd_partner_clicks(kf_cli *cli, int argc, char **argv);
int cmd_partner_pay(kf_cli *cli, int argc, char **argv);
int cmd_partner_show(kf_cli *cli, int argc, char **argv);
int cmd_box_add(kf_cli *cli, int argc, char **argv);
int cmd_box_list(kf_cli *cli, int argc, char **argv);
int cmd_box_collect(kf_cli *cli, int argc, char **argv);
int cmd_grant_apply(kf_cli *cli, int argc, char **argv);
int cmd_grant_review(kf_cli *cli, int argc, char **argv);
int cmd_grant_allocate(kf_cli *cli, int argc, char **argv);
int cmd_grant_decide(kf_cli *cli, int argc, char **argv);
int cmd_grant_pay(kf_cli *cli, int argc, char **argv);
int cmd_grant_settle(kf_cli *cli, int argc, char **argv);
int cmd_grant_refund(kf_cli *cli, int argc, char **argv);
int cmd_grant_list(kf_cli *cli, int argc, char **argv);
int cmd_grant_show(kf_cli *cli, int argc, char **argv);
int cmd_export_member(kf_cli *cli, int argc, char **argv);
int cmd_export_audit(kf_cli *cli, int argc, char **argv);
int cmd_export_group(kf_cli *cli, int argc, char **argv);
int cmd_export_partner(kf_cli *cli, int argc, char **argv);
int cmd_publish(kf_cli *cli, int argc, char **argv);

#endif
