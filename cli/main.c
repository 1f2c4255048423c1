/*
 * kifu: the command table and dispatch. Each command lives in its own file
 * (cli/cmd_*.c) and is registered here with its usage line.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

typedef struct {
    const char *name; /* "key add" */
    int (*fn)(kf_cli *cli, int argc, char **argv);
    const char *usage; /* options after the name */
    const char *about;
} command;

static const command commands[] = {
    {"init", cmd_init, "--fund NAME --admin NAME --key-out PATH [--origin ORIGIN]",
     "create a new ledger and its first admin key"},
    {"key add", cmd_key_add,
     "NAME --role admin|treasurer|reviewer|auditor [--affiliation G1,G2] "
     "--key-out PATH",
     "add a key with a role (admin)"},
    {"key revoke", cmd_key_revoke, "KEYID", "revoke a key (admin)"},
    {"key list", cmd_key_list, "[--json]", "list keys with roles and verifier keys"},
    {"log", cmd_log, "[--since SEQ] [--json]", "print the entries"},
    {"verify", cmd_verify, "[--trust CHECKPOINT] [--json]",
     "verify every entry, hash, signature and role"},
    {"checkpoint", cmd_checkpoint, "[--out FILE]",
     "print a signed checkpoint (admin or treasurer)"},
    {"cosign", cmd_cosign, "FILE [--out FILE]", "add an auditor's cosignature to a checkpoint"},
    {"prove", cmd_prove, "SEQ [--size N] [--json] | --from M [--size N] [--json]",
     "print an inclusion or consistency proof"},
    {"help", NULL, "[COMMAND]", "show help"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void print_help(FILE *out)
{
    fputs("kifu — donation fund ledger and grant administration\n\n"
          "usage: kifu <command> [<subcommand>] [options]\n\n"
          "global options: --db PATH (KIFU_DB, default ./kifu.db), --key PATH (KIFU_KEY),\n"
          "                --json (machine-readable output), --help\n\ncommands:\n",
          out);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  kifu %-12s %s\n", commands[i].name, commands[i].about);
    fputs("\nexit codes: 0 done, 1 refused or verification failed, 2 bad usage or input,\n"
          "            3 system error\n",
          out);
}

static const command *current;

int cli_usage(const kf_cli *cli, bool to_stderr)
{
    FILE *out = to_stderr ? stderr : stdout;
    (void)cli;
    if (!current) {
        print_help(out);
        return 0;
    }
    fprintf(out, "usage: kifu %s %s\n  %s\n", current->name, current->usage, current->about);
    return 0;
}

/* Finds the longest command name matching argv's leading words. */
static const command *lookup(int argc, char **argv, int *words)
{
    const command *best = NULL;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const char *name = commands[i].name, *sp = strchr(name, ' ');
        if (sp) {
            if (argc >= 2 && strncmp(argv[0], name, (size_t)(sp - name)) == 0 &&
                argv[0][sp - name] == '\0' && strcmp(argv[1], sp + 1) == 0) {
                *words = 2;
                return &commands[i];
            }
        } else if (argc >= 1 && strcmp(argv[0], name) == 0) {
            best = &commands[i];
            *words = 1;
        }
    }
    return best;
}

static bool is_group(const char *word)
{
    size_t len = strlen(word);
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strncmp(commands[i].name, word, len) == 0 && commands[i].name[len] == ' ') return true;
    return false;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) return cli_errorf(KF_SYSTEM, "cannot initialise libsodium");
    kf_cli cli = {.db = getenv("KIFU_DB"), .key = getenv("KIFU_KEY")};
    if (!cli.db || !*cli.db) cli.db = "kifu.db";
    /* Global options may also come before the command. */
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if ((strcmp(argv[i], "--db") == 0 || strcmp(argv[i], "--key") == 0) && i + 1 < argc) {
            if (argv[i][2] == 'd')
                cli.db = argv[i + 1];
            else
                cli.key = argv[i + 1];
            i += 2;
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            cli.db = argv[i++] + 5;
        } else if (strncmp(argv[i], "--key=", 6) == 0) {
            cli.key = argv[i++] + 6;
        } else if (strcmp(argv[i], "--json") == 0) {
            cli.json = true;
            i++;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_help(stdout);
            return 0;
        } else {
            return cli_errorf(KF_BAD_INPUT, "unknown option '%s' (see kifu help)", argv[i]);
        }
    }
    if (i >= argc) {
        print_help(stderr);
        return KF_BAD_INPUT;
    }
    if (strcmp(argv[i], "help") == 0) {
        int words = 0;
        if (i + 1 < argc && (current = lookup(argc - i - 1, argv + i + 1, &words)))
            return cli_usage(&cli, false);
        if (i + 1 < argc && !is_group(argv[i + 1]))
            return cli_errorf(KF_BAD_INPUT, "unknown command '%s' (see kifu help)", argv[i + 1]);
        print_help(stdout);
        return 0;
    }
    int words = 0;
    current = lookup(argc - i, argv + i, &words);
    if (!current) {
        if (is_group(argv[i]))
            return cli_errorf(KF_BAD_INPUT, "'kifu %s' needs a subcommand (see kifu help)",
                              argv[i]);
        return cli_errorf(KF_BAD_INPUT, "unknown command '%s' (see kifu help)", argv[i]);
    }
    cli.cmd = current->name;
    return current->fn(&cli, argc - i - words, argv + i + words);
}
