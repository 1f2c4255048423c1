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
    {"init", cmd_init, "--fund NAME --admin NAME --key-out PATH [--origin ORIGIN] [--rules FILE]",
     "create a new ledger and its first admin key"},
    {"key add", cmd_key_add,
     "NAME --role admin|treasurer|reviewer|auditor [--affiliation G1,G2] "
     "--key-out PATH [--same-passphrase]",
     "add a key with a role (admin)"},
    {"key revoke", cmd_key_revoke, "KEYID", "revoke a key (admin)"},
    {"key list", cmd_key_list, "[--vkey NAME] [--json]",
     "list keys with roles and verifier keys (--vkey: only NAME's verifier key)"},
    {"log", cmd_log, "[--since SEQ] [--json]", "print the entries"},
    {"verify", cmd_verify, "[--trust CHECKPOINT] [--json]",
     "verify every entry, hash, signature and role"},
    {"checkpoint", cmd_checkpoint, "[--out FILE [--force]]",
     "print a signed checkpoint (admin or treasurer)"},
    {"cosign", cmd_cosign, "FILE [--out FILE [--force]]",
     "add an auditor's cosignature to a checkpoint"},
    {"identity set", cmd_identity_set,
     "--issuer-name N --issuer-title T --address A --phone P --fund-name F --tax-note TEXT "
     "--url URL",
     "record the fund's identity: the issuer its certificates print (admin)"},
    {"identity show", cmd_identity_show, "[--json]", "print the fund identity in force"},
    {"receipt", cmd_receipt,
     "SEQ | --member ID --year Y | --copy CERTSEQ --out FILE[.pdf] [--date D] [--reissue] "
     "[--force]",
     "issue a certificate (寄附金受領証明書; 受領書 for a partner), as PDF or text with its proof"},
    {"receipt list", cmd_receipt_list, "[--fy Y] [--json]",
     "the register of certificates issued (発行台帳)"},
    {"verify-receipt", cmd_verify_receipt, "FILE|- --origin-key VKEY",
     "check a certificate (text, PDF, or a QR code's text) with no database"},
    {"prove", cmd_prove, "SEQ [--size N] [--json] | --from M [--size N] [--json]",
     "print an inclusion or consistency proof"},
    {"rules load", cmd_rules_load, "FILE", "load a new version of the rules (admin)"},
    {"rules show", cmd_rules_show, "[--json]", "print the rules in force"},
    {"group add", cmd_group_add,
     "ID --name N --type neighborhood|volunteer|npo|committee|other --founded YYYY-MM-DD "
     "--members N [--fields f1,f2] [--status registered|provisional]",
     "register a group (admin)"},
    {"group update", cmd_group_update, "ID [--members N] [--status S] [--name N] [--fields f1,f2]",
     "change a group's registry entry (admin)"},
    {"group deregister", cmd_group_deregister, "ID --reason TEXT [--date D]",
     "deregister a group; its pool's balance moves as the rules say (admin)"},
    {"group list", cmd_group_list, "[--json]", "list groups with their pool balance"},
    {"member add", cmd_member_add, "ID --name N --tier T --joined DATE [--address TEXT]",
     "add a supporters' club member (admin)"},
    {"member list", cmd_member_list, "[--fy Y] [--json]",
     "members with their FY total and active/lapsed status"},
    {"partner add", cmd_partner_add,
     "ID --name N --per-click YEN --monthly-cap YEN [--to DESIGNATION] [--address TEXT]",
     "add a click-fund partner (admin)"},
    {"partner list", cmd_partner_list, "[--json]", "partners with pledged, paid, outstanding"},
    {"partner show", cmd_partner_show, "ID [--json]",
     "a partner's pledged/paid/outstanding by month"},
    {"partner clicks", cmd_partner_clicks, "ID --month YYYY-MM --clicks N",
     "record a month's clicks: pledge = min(clicks x rate, cap)"},
    {"partner pay", cmd_partner_pay, "ID --amount YEN --date D [--ref EXTREF]",
     "record a partner's payment (a donation)"},
    {"box add", cmd_box_add, "ID --location TEXT --host TEXT [--to DESIGNATION]",
     "add a donation box (admin)"},
    {"box list", cmd_box_list, "[--json]", "boxes with their collections"},
    {"box collect", cmd_box_collect,
     "ID --date D --count-a YEN --count-b YEN --counters \"A,B\" [--seal BAG] "
     "[--resolved YEN --note TEXT]",
     "record a box collection counted by two people"},
    {"donate", cmd_donate,
     "--amount YEN [--date D] [--source S] [--to DESIGNATION] [--donor NAME] [--address TEXT] "
     "[--ref EXTREF] [--method cash|transfer|card|slip] [--fee YEN]",
     "record a donation"},
    {"import donations", cmd_import,
     "FILE.csv [--encoding utf-8|cp932] [--skip-duplicates] [--dry-run]",
     "import donations from CSV in one commit"},
    {"void", cmd_void, "SEQ --reason TEXT [--date D]", "reverse a donation"},
    {"interest", cmd_interest, "--amount YEN [--date D] [--ref EXTREF] [--note TEXT]",
     "record interest earned on the fund's deposits (treasurer or admin)"},
    {"balance", cmd_balance, "[--fy Y] [--json]",
     "in, out, balance, committed, available per pool"},
    {"erase donor", cmd_erase, "REF | --seq SEQ", "delete a donor's personal data (admin)"},
    {"grant apply", cmd_grant_apply, "FILE.ini [--date D]",
     "record a grant application; prints its id A-<FY>-<nnnn> (admin)"},
    {"grant review", cmd_grant_review, "APP --score 1..5 [--note TEXT]",
     "score an application (reviewer; recusal enforced)"},
    {"grant allocate", cmd_grant_allocate, "--menu M --round R [--json]",
     "propose awards for a round (read-only, deterministic)"},
    {"grant decide", cmd_grant_decide, "APP --approve YEN | --reject --reason TEXT [--date D]",
     "approve (commits the money) or reject an application (admin)"},
    {"grant pay", cmd_grant_pay, "APP --amount YEN [--date D]", "record a grant payment"},
    {"grant settle", cmd_grant_settle, "APP --spent YEN [--income YEN] [--date D]",
     "settle a grant: final amount, refund due, still payable (admin)"},
    {"grant refund", cmd_grant_refund, "APP --amount YEN [--date D]",
     "record money a group paid back"},
    {"grant list", cmd_grant_list, "[--fy Y] [--json]", "applications and their state"},
    {"grant show", cmd_grant_show, "APP [--json]",
     "an application, its eligibility and its ceiling step by step"},
    {"export audit", cmd_export_audit, "--fy Y --out FILE.xlsx [--force] [--lang ja|en] [--sign]",
     "the auditor's workbook: summary, donations, grants, pools, ledger, verification"},
    {"export group", cmd_export_group, "ID --fy Y --out FILE.xlsx [--force] [--lang ja|en]",
     "a group's statement: its pool, the donations credited to it, its grants"},
    {"export partner", cmd_export_partner, "ID --fy Y --out FILE.xlsx [--force] [--lang ja|en]",
     "a click-fund partner's statement: clicks, pledges and payments by month"},
    {"export member", cmd_export_member,
     "ID (--fy Y | --year Y) --out FILE.xlsx [--force] [--lang ja|en]",
     "a supporters' club member's donation statement for an FY or a calendar year"},
    {"publish", cmd_publish, "--out DIR [--lang ja|en] [--force]",
     "write the public site: figures, group pages, receipt check, signed entries"},
    {"reindex", cmd_reindex, "", "rebuild the derived tables from the entries"},
    {"help", NULL, "[COMMAND]", "show help"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* More lines for `kifu NAME --help` (after its about line). */
static const struct {
    const char *name, *text;
} details[] = {
    {"init", "the admin key file's passphrase: KIFU_NEW_PASSPHRASE, else KIFU_PASSPHRASE, else\n"
             "  asked twice on the terminal (no echo; both must match); at least 8 characters."},
    {"key add", "the new key file's passphrase: KIFU_NEW_PASSPHRASE, else asked twice on the\n"
                "  terminal (no echo; both must match) — never the signing key's KIFU_PASSPHRASE\n"
                "  unless --same-passphrase asks for it; at least 8 characters. With neither\n"
                "  KIFU_NEW_PASSPHRASE nor a terminal nor --same-passphrase: exit 2."},
    {"donate", "defaults: --date today (KIFU_NOW), --source direct, --to general for a direct\n"
               "  or member gift and the partner's own designation for partner:ID, no fee,\n"
               "  no method, no ref. --source: direct | member:ID | partner:ID (a payment of\n"
               "  its pledge); boxes: kifu box collect. --to: general | group:ID | field:CODE\n"
               "  | theme:CODE; a group's share is the rules' designated_share, the rest goes\n"
               "  to general. --donor/--address are personal data (kept outside the entry;\n"
               "  kifu erase donor). Amounts are whole yen, 1 to 1,000,000,000,000."},
    {"void", "defaults: --date today (KIFU_NOW); the money leaves the pools in that date's\n"
             "  fiscal year, which may not be before the donation's."},
    {"interest", "defaults: --date today (KIFU_NOW), no ref, no note. The whole amount goes\n"
                 "  to the pool the rules name ([fund] interest_to, default general) in the\n"
                 "  fiscal year of --date, which may not be after today. --ref is an external\n"
                 "  reference (a bank line), unique in the ledger like a donation's; amounts\n"
                 "  are whole yen, 1 to 1,000,000,000,000."},
    {"identity set", "all seven are needed the first time; later, options not given keep the\n"
                     "  values in force. Each is one line; --url is the verification page\n"
                     "  (https://, http:// or file://) the QR code opens, with the receipt\n"
                     "  after '#'."},
    {"receipt", "SEQ: a donation (a partner's payment gives a 受領書). --member ID --year Y:\n"
                "  a member's calendar-year certificate of every non-voided gift. Records a\n"
                "  receipt.issue (treasurer or admin), numbered gapless per fiscal year of\n"
                "  the issue date (--date, default today); a gift already certified needs\n"
                "  --reissue (再発行, a new number naming the old). --copy CERTSEQ writes an\n"
                "  issued certificate again and records nothing. FILE ending in .pdf: the A4\n"
                "  PDF; otherwise the text receipt. Refused: box collections, voided gifts,\n"
                "  gifts with no donor's name, erased donors, no fund identity."},
    {"member add", "--address is personal data: committed in the entry, kept outside it,\n"
                   "  erasable with kifu erase donor --seq SEQ (then no certificate names\n"
                   "  the member)."},
    {"import donations", "defaults: --encoding utf-8 (cp932 and its names: sjis, shift_jis,\n"
                         "  windows-31j, ms932); every bad row is named FILE:LINE and nothing is\n"
                         "  recorded (exit 2); --dry-run checks without recording."},
    {"publish", "needs --key: an admin or treasurer key signs the site's checkpoint. Refused\n"
                "  (exit 1, nothing written) unless the whole ledger verifies. DIR gets\n"
                "  index.html, groups/<id>.html, verify.html, checkpoint.html, checkpoint.txt,\n"
                "  entries.txt and entries.js; an existing DIR needs --force and must be a site\n"
                "  kifu publish wrote. Defaults: --lang ja. README, \"The public site\"."},
    {"grant pay", "defaults: --date today (KIFU_NOW), not before the decision."},
    {"export member",
     "exactly one of --fy Y (the fiscal year: gifts whose FY is Y) and --year Y (the\n"
     "  calendar year, for the 確定申告: gifts dated January 1 to December 31 of Y);\n"
     "  both, or neither: exit 2. The statement is not a receipt (寄附金受領証明書):\n"
     "  it says so; kifu receipt issues those."},
    {"grant settle", "defaults: --income 0, --date today (KIFU_NOW)."},
    {"grant decide", "defaults: --date today (KIFU_NOW). An approval must hold every rule of\n"
                     "  its menu (docs/ENTRIES.md, \"Which rule holds where\")."},
};

static void print_help(FILE *out)
{
    fputs("kifu — donation fund ledger and grant administration\n\n"
          "usage: kifu <command> [<subcommand>] [options]\n\n"
          "global options: --db PATH (KIFU_DB, default ./kifu.db), --key PATH (KIFU_KEY),\n"
          "                --json (machine-readable output), --help\n"
          "every option may be given once (a second --amount is an error, exit 2)\n\ncommands:\n",
          out);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  kifu %-17s %s\n", commands[i].name, commands[i].about);
    fputs("\nexit codes: 0 done, 1 refused or verification failed, 2 bad usage or input,\n"
          "            3 system error\n",
          out);
}

/* The command about to run, for cli_usage. */
static void set_command(kf_cli *cli, const command *c)
{
    cli->cmd = c->name;
    cli->usage = c->usage;
    cli->about = c->about;
    cli->details = NULL;
    for (size_t i = 0; i < sizeof details / sizeof details[0]; i++)
        if (strcmp(details[i].name, c->name) == 0) cli->details = details[i].text;
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

/* Whether commands[i] is a subcommand of word ("grant pay" of "grant"). */
static bool in_group(size_t i, const char *word)
{
    size_t len = strlen(word);
    return strncmp(commands[i].name, word, len) == 0 && commands[i].name[len] == ' ';
}

static bool is_group(const char *word)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (in_group(i, word)) return true;
    return false;
}

/* The usage of every subcommand of word; with about, the help of `kifu word
 * --help`, else the short list that follows an error. */
static void print_group(FILE *out, const char *word, bool about)
{
    if (about) fprintf(out, "usage: kifu %s <subcommand> [options]\n\nsubcommands:\n", word);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (!in_group(i, word)) continue;
        fputs("  ", out);
        cli_usage_line(out, commands[i].name, commands[i].usage);
        if (about) fprintf(out, "      %s\n", commands[i].about);
    }
    if (about) fprintf(out, "\nsee kifu %s <subcommand> --help for details\n", word);
}

/* Whether argv asks for help (--help or -h before any "--"). */
static bool wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
    return false;
}

/* `kifu word ...` where word has subcommands but argv names none of them:
 * the group's help for --help, else an error listing the subcommands. */
static int group_usage(const char *word, int argc, char **argv)
{
    if (argc == 0 || argv[0][0] == '-') {
        if (wants_help(argc, argv)) {
            print_group(stdout, word, true);
            return 0;
        }
        cli_errorf(KF_BAD_INPUT, "'kifu %s' needs a subcommand, one of:", word);
    } else {
        cli_errorf(KF_BAD_INPUT, "'kifu %s' has no subcommand '%s', only:", word, argv[0]);
    }
    print_group(stderr, word, false);
    return KF_BAD_INPUT;
}

/* Runs the command argv names; its exit code. */
static int dispatch(int argc, char **argv)
{
    if (sodium_init() < 0) return cli_errorf(KF_SYSTEM, "cannot initialise libsodium");
    kf_cli cli = {.db = getenv("KIFU_DB"), .key = getenv("KIFU_KEY")};
    if (!cli.db || !*cli.db) cli.db = "kifu.db";
    /* Global options may also come before the command. */
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        unsigned bit = 0;
        if ((strcmp(argv[i], "--db") == 0 || strcmp(argv[i], "--key") == 0) && i + 1 < argc) {
            if (argv[i][2] == 'd')
                cli.db = argv[i + 1], bit = CLI_GIVEN_DB;
            else
                cli.key = argv[i + 1], bit = CLI_GIVEN_KEY;
            i += 2;
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            cli.db = argv[i++] + 5, bit = CLI_GIVEN_DB;
        } else if (strncmp(argv[i], "--key=", 6) == 0) {
            cli.key = argv[i++] + 6, bit = CLI_GIVEN_KEY;
        } else if (strcmp(argv[i], "--json") == 0) {
            cli.json = true, bit = CLI_GIVEN_JSON;
            i++;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_help(stdout);
            return 0;
        } else {
            return cli_errorf(KF_BAD_INPUT, "unknown option '%s' (see kifu help)", argv[i]);
        }
        if (cli.given & bit)
            return cli_errorf(KF_BAD_INPUT, "--%s given twice",
                              bit == CLI_GIVEN_DB    ? "db"
                              : bit == CLI_GIVEN_KEY ? "key"
                                                     : "json");
        cli.given |= bit;
    }
    if (i >= argc) {
        print_help(stderr);
        return KF_BAD_INPUT;
    }
    if (strcmp(argv[i], "help") == 0) {
        int words = 0;
        const command *c = i + 1 < argc ? lookup(argc - i - 1, argv + i + 1, &words) : NULL;
        if (c) {
            set_command(&cli, c);
            return cli_usage(&cli, false);
        }
        if (i + 1 >= argc) {
            print_help(stdout);
            return 0;
        }
        if (!is_group(argv[i + 1]))
            return cli_errorf(KF_BAD_INPUT, "unknown command '%s' (see kifu help)", argv[i + 1]);
        if (i + 2 < argc && argv[i + 2][0] != '-')
            return cli_errorf(KF_BAD_INPUT, "unknown command '%s %s' (see kifu help %s)",
                              argv[i + 1], argv[i + 2], argv[i + 1]);
        print_group(stdout, argv[i + 1], true);
        return 0;
    }
    int words = 0;
    const command *c = lookup(argc - i, argv + i, &words);
    if (!c) {
        if (is_group(argv[i])) return group_usage(argv[i], argc - i - 1, argv + i + 1);
        return cli_errorf(KF_BAD_INPUT, "unknown command '%s' (see kifu help)", argv[i]);
    }
    set_command(&cli, c);
    return c->fn(&cli, argc - i - words, argv + i + words);
}

int main(int argc, char **argv)
{
    /* Text printed with printf (help, usage) stays in one buffer until the
     * exit's flush, so a failed write is seen there with its errno (a help
     * longer than stdio's default 4 KiB buffer would fail mid-printf and
     * lose it). Documents go through cli_out, which checks each write. */
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    return cli_exit(dispatch(argc, argv));
}
