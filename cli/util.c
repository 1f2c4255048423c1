/*
 * Option parsing and helpers shared by the kifu commands.
 */
#include "cli.h"
#include "kifu/donations.h"
#include "kifu/grants.h"
#include "kifu/verify.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <sodium.h>

int cli_error(const kf_err *err)
{
    fprintf(stderr, "kifu: %s\n", err->msg);
    return err->code ? (int)err->code : KF_SYSTEM;
}

int cli_errorf(kf_code code, const char *fmt, ...)
{
    va_list ap;
    fputs("kifu: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return (int)code;
}

void cli_usage_line(FILE *out, const char *name, const char *usage)
{
    fprintf(out, "kifu %s%s%s\n", name, *usage ? " " : "", usage);
}

int cli_usage(const kf_cli *cli, bool to_stderr)
{
    FILE *out = to_stderr ? stderr : stdout;
    fputs("usage: ", out);
    cli_usage_line(out, cli->cmd, cli->usage);
    fprintf(out, "  %s\n", cli->about);
    if (cli->details) fprintf(out, "  %s\n", cli->details);
    return 0;
}

static const kf_opt *find_opt(const kf_opt *opts, const char *name, size_t len)
{
    for (const kf_opt *o = opts; o && o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) return o;
    return NULL;
}

kf_code cli_parse(kf_cli *cli, int argc, char **argv, const kf_opt *opts, const char **pos,
                  int maxpos, int *npos)
{
    const kf_opt globals[] = {{"db", OPT_VALUE, &cli->db},
                              {"key", OPT_VALUE, &cli->key},
                              {"json", OPT_FLAG, &cli->json},
                              {"help", OPT_FLAG, &cli->help},
                              {NULL, 0, NULL}};
    bool options_done = false;
    bool seen[64] = {false}; /* opts given so far, by index */
    *npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || a[1] == '\0' || (a[1] != '-' && a[1] != 'h')) {
            if (*npos >= maxpos)
                return cli_errorf(KF_BAD_INPUT, "unexpected argument '%s' for 'kifu %s'", a,
                                  cli->cmd);
            pos[(*npos)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = true;
            continue;
        }
        if (strcmp(a, "-h") == 0) {
            cli->help = true;
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const kf_opt *o = find_opt(opts, name, len);
        if (o) {
            size_t k = (size_t)(o - opts);
            if (k >= sizeof seen / sizeof seen[0])
                return cli_errorf(KF_SYSTEM, "too many options for 'kifu %s'", cli->cmd);
            if (seen[k]) return cli_errorf(KF_BAD_INPUT, "--%s given twice", o->name);
            seen[k] = true;
        } else if ((o = find_opt(globals, name, len)) != NULL) {
            unsigned bit =
                (unsigned[]){CLI_GIVEN_DB, CLI_GIVEN_KEY, CLI_GIVEN_JSON, 0}[o - globals];
            if (cli->given & bit) return cli_errorf(KF_BAD_INPUT, "--%s given twice", o->name);
            cli->given |= bit;
        } else {
            return cli_errorf(KF_BAD_INPUT,
                              "unknown option '--%.*s' for 'kifu %s' (see kifu %s --help)",
                              (int)len, name, cli->cmd, cli->cmd);
        }
        if (o->kind == OPT_FLAG) {
            if (eq) return cli_errorf(KF_BAD_INPUT, "option '--%s' takes no value", o->name);
            *(bool *)o->dest = true;
        } else if (eq) {
            *(const char **)o->dest = eq + 1;
        } else {
            if (i + 1 >= argc)
                return cli_errorf(KF_BAD_INPUT, "option '--%s' needs a value", o->name);
            *(const char **)o->dest = argv[++i];
        }
    }
    return KF_OK;
}

kf_code cli_open(const kf_cli *cli, kf_ledger **out, kf_err *err)
{
    kf_ledger *l;
    kf_code rc = kf_ledger_open(cli->db, &l, err);
    if (rc) return rc;
    if ((rc = kf_grants_attach(l, err)) || (rc = kf_donations_attach(l, err))) {
        kf_ledger_close(l);
        return rc;
    }
    *out = l;
    return KF_OK;
}

kf_code cli_open_verified(const kf_cli *cli, kf_ledger **l, const char *nothing, kf_err *err)
{
    kf_verify_report rep;
    kf_err why = {0};
    kf_code rc = cli_open(cli, l, err);
    if (rc) return rc;
    if ((rc = kf_verify_all(*l, NULL, 0, &rep, &why)) == KF_OK) return KF_OK;
    if (rc == KF_SYSTEM) {
        *err = why;
        return rc;
    }
    return kf_fail(err, KF_REFUSED, "verification failed, %s: %s (run kifu verify)", nothing,
                   why.msg);
}

int cli_write(const kf_cli *cli, cli_write_fn fn, void *arg)
{
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_signer signer;
    kf_txn *t = NULL;
    kf_code rc;
    if ((rc = cli_open(cli, &l, &err))) return cli_error(&err);
    if ((rc = cli_signer(cli, &signer, &err)) || (rc = kf_txn_begin(l, &signer, &t, &err)))
        goto out;
    if ((rc = fn(t, arg, &err))) {
        kf_txn_abort(t);
        goto out;
    }
    rc = kf_txn_commit(t, NULL, &err);
out:
    sodium_memzero(&signer, sizeof signer);
    kf_ledger_close(l);
    return rc ? cli_error(&err) : 0;
}

bool cli_yen(const char *what, const char *s, kf_yen min, kf_yen *out, kf_err *err)
{
    if (!s || !kf_parse_i64(s, out)) {
        /* Digits alone that do not fit in 64 bits: a number, out of range. */
        const char *d = s && *s == '-' ? s + 1 : s;
        if (!d || !*d || strspn(d, "0123456789") != strlen(d)) {
            kf_fail(err, KF_BAD_INPUT, "%s '%s' is not a whole number of yen", what, s ? s : "");
            return false;
        }
        *out = *s == '-' ? INT64_MIN : INT64_MAX;
    }
    if (*out < min || *out > KF_YEN_MAX_ONE) {
        kf_fail(err, KF_BAD_INPUT, "%s %s must be between %lld and 1,000,000,000,000 yen", what, s,
                (long long)min);
        return false;
    }
    return true;
}

bool cli_date(const char *what, const char *s, char out[11], kf_err *err)
{
    if (!s) return kf_today(out, err);
    if (!kf_parse_date(s, NULL, NULL, NULL)) {
        kf_fail(err, KF_BAD_INPUT, "%s '%s' is not a real date YYYY-MM-DD", what, s);
        return false;
    }
    snprintf(out, 11, "%s", s);
    return true;
}

bool cli_fy(kf_ledger *l, const char *s, int *fy, kf_err *err)
{
    int64_t v;
    if (s) {
        if (!kf_parse_i64(s, &v) || v < 1900 || v > 9999) {
            kf_fail(err, KF_BAD_INPUT, "--fy '%s' is not a fiscal year like 2026", s);
            return false;
        }
        *fy = (int)v;
        return true;
    }
    char today[11];
    kf_rules *r = malloc(sizeof *r);
    if (!r || !kf_today(today, err) || kf_rules_current(l, r, NULL, err)) {
        if (!r) kf_fail(err, KF_SYSTEM, "out of memory");
        free(r);
        return false;
    }
    *fy = kf_rules_fy(r, today);
    free(r);
    return true;
}

kf_code cli_signer(const kf_cli *cli, kf_signer *out, kf_err *err)
{
    char pass[1024];
    kf_code rc = cli_signer_pass(cli, out, pass, sizeof pass, err);
    sodium_memzero(pass, sizeof pass);
    return rc;
}

kf_code cli_signer_pass(const kf_cli *cli, kf_signer *out, char *pass, size_t passsz, kf_err *err)
{
    if (!cli->key || !*cli->key)
        return kf_fail(err, KF_BAD_INPUT,
                       "'kifu %s' needs a signing key: pass --key FILE or set "
                       "KIFU_KEY",
                       cli->cmd);
    if (access(cli->key, R_OK) != 0)
        return kf_fail(err, KF_BAD_INPUT, "cannot read key file %s: %s", cli->key, strerror(errno));
    kf_code rc = kf_passphrase("KIFU_PASSPHRASE", cli->key, false, pass, passsz, err);
    if (rc) return rc;
    rc = kf_keyfile_read(cli->key, pass, out, err);
    if (rc) sodium_memzero(pass, passsz);
    return rc;
}

/* Whether a terminal can be opened to ask for a passphrase. */
static bool have_tty(void)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
    if (fd < 0) return false;
    close(fd);
    return true;
}

kf_code cli_new_pass_ready(const char *key_out, cli_new_pass how, kf_err *err)
{
    const char *env = getenv("KIFU_NEW_PASSPHRASE");
    if (how == CLI_PASS_SAME) {
        if (env)
            return kf_fail(err, KF_BAD_INPUT,
                           "--same-passphrase and KIFU_NEW_PASSPHRASE both give the passphrase of "
                           "%s: give one",
                           key_out);
        return KF_OK;
    }
    if (env || (how == CLI_PASS_INIT && getenv("KIFU_PASSPHRASE")) || have_tty()) return KF_OK;
    if (how == CLI_PASS_INIT)
        return kf_fail(err, KF_BAD_INPUT,
                       "no passphrase for the new key %s: set KIFU_NEW_PASSPHRASE (or "
                       "KIFU_PASSPHRASE), or run on a terminal to be asked",
                       key_out);
    return kf_fail(err, KF_BAD_INPUT,
                   "no passphrase for the new key %s: set KIFU_NEW_PASSPHRASE, run on a terminal "
                   "to be asked, or pass --same-passphrase to reuse the signing key's",
                   key_out);
}

kf_code cli_new_passphrase(const char *key_out, cli_new_pass how, const char *same, char *out,
                           size_t outsz, kf_err *err)
{
    kf_code rc = cli_new_pass_ready(key_out, how, err);
    if (rc) return rc;
    if (how == CLI_PASS_SAME) {
        if (!same || strlen(same) >= outsz)
            return kf_fail(err, KF_BAD_INPUT, "no signing passphrase to reuse for %s", key_out);
        snprintf(out, outsz, "%s", same);
    } else {
        const char *env = "KIFU_NEW_PASSPHRASE";
        if (!getenv(env) && how == CLI_PASS_INIT && getenv("KIFU_PASSPHRASE"))
            env = "KIFU_PASSPHRASE";
        if ((rc = kf_passphrase(env, key_out, true, out, outsz, err))) {
            sodium_memzero(out, outsz); /* the first answer, when the second differed */
            return rc;
        }
    }
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
        if ((*p & 0xC0) != 0x80) chars++;
    if (chars < CLI_PASS_MIN) {
        sodium_memzero(out, outsz);
        return kf_fail(err, KF_BAD_INPUT,
                       "the passphrase of the new key %s is %s: it needs at least %d characters",
                       key_out, chars ? "too short" : "empty", CLI_PASS_MIN);
    }
    return KF_OK;
}

bool cli_int(const char *what, const char *s, int64_t min, int64_t *out, kf_err *err)
{
    if (!s || !kf_parse_i64(s, out) || *out < min) {
        kf_fail(err, KF_BAD_INPUT, "%s must be a whole number >= %lld, not '%s'", what,
                (long long)min, s ? s : "");
        return false;
    }
    return true;
}

/* The error of the first failed write to stdout (0: none seen): by the time
 * cli_exit finds the stream's error flag, errno may say something else. */
static int stdout_errno;

static bool put_stdout(const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, stdout) != n) {
        if (!stdout_errno) stdout_errno = errno;
        return false;
    }
    return true;
}

void cli_stdout(const void *p, size_t n)
{
    put_stdout(p, n);
}

/* --- output files ------------------------------------------------------- */

/* The names of this run's temporary files for the --out being written
 * (OUT.tmpPID, OUT.tmpPID.xlsx), removed by a fatal signal's handler. */
static char sig_tmp[2][4096];

static void on_fatal_signal(int sig)
{
    for (int i = 0; i < 2; i++)
        if (sig_tmp[i][0]) unlink(sig_tmp[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The directory and last component of path ("." when it has no slash). */
static bool split_path(const char *path, char *dir, size_t n, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, n, ".");
        *base = path;
        return true;
    }
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    if (len >= n) return false;
    memcpy(dir, path, len);
    dir[len] = '\0';
    *base = slash + 1;
    return true;
}

/* Whether a and b name one file: the same device and inode when a exists,
 * else the same directory (device and inode) and the same last component
 * (a ledger's -wal that is not there now may be there later). */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0)
        return stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char da[4096], db[4096];
    const char *ba, *bb;
    if (!split_path(a, da, sizeof da, &ba) || !split_path(b, db, sizeof db, &bb) || strcmp(ba, bb))
        return false;
    return stat(da, &sa) == 0 && stat(db, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* Removes the temporary files a killed run left next to path:
 * BASE.tmp<pid>, BASE.tmp<pid>.xlsx and BASE.tmp<pid>-<n>.xlsx whose pid is
 * no live process. */
static void remove_stale_tmp(const char *path)
{
    char dir[4096];
    const char *base;
    if (!split_path(path, dir, sizeof dir, &base) || !*base) return;
    size_t blen = strlen(base);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, base, blen) != 0 || strncmp(e->d_name + blen, ".tmp", 4) != 0)
            continue;
        const char *p = e->d_name + blen + 4;
        if (!isdigit((unsigned char)*p)) continue;
        char *end;
        long pid = strtol(p, &end, 10);
        if (*end == '-') {
            const char *q = end + 1;
            if (!isdigit((unsigned char)*q)) continue;
            strtol(q, &end, 10);
        }
        /* One of this pid is a dead run's too: this run has made none yet. */
        if ((*end && strcmp(end, ".xlsx") != 0) || pid <= 0 || pid > INT32_MAX) continue;
        if (pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH)) continue;
        unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

kf_code cli_out_check(const kf_cli *cli, const char *out, const char *opt, bool force, kf_err *err)
{
    if (!out || strcmp(out, "-") == 0) return KF_OK;
    const char *db = cli->db ? cli->db : "kifu.db";
    char side[4096];
    if (same_file(out, db))
        return kf_fail(err, KF_REFUSED, "%s is the ledger in use (--db %s); choose another %s", out,
                       db, opt);
    for (int i = 0; i < 2; i++) {
        snprintf(side, sizeof side, "%s%s", db, i ? "-shm" : "-wal");
        if (same_file(out, side))
            return kf_fail(err, KF_REFUSED,
                           "%s is a file of the ledger in use (--db %s); choose another %s", out,
                           db, opt);
    }
    if (cli->key && *cli->key && same_file(out, cli->key))
        return kf_fail(err, KF_REFUSED, "%s is the key file in use (--key %s); choose another %s",
                       out, cli->key, opt);
    struct stat st;
    if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
        return kf_fail(err, KF_SYSTEM, "cannot write %s: %s", out, strerror(EISDIR));
    if (!force && lstat(out, &st) == 0)
        return kf_fail(err, KF_REFUSED, "%s exists; give --force to replace it", out);
    remove_stale_tmp(out);
    snprintf(sig_tmp[0], sizeof sig_tmp[0], "%s.tmp%d", out, (int)getpid());
    snprintf(sig_tmp[1], sizeof sig_tmp[1], "%s.tmp%d.xlsx", out, (int)getpid());
    /* A signal ignored when kifu started (SIGINT of a background job) stays
     * ignored. */
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa, old;
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN) continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
    return KF_OK;
}

kf_code cli_write_out(const char *path, const kf_buf *buf, kf_err *err)
{
    kf_code rc = kf_buf_check(buf, err);
    if (rc) return rc;
    if (!path || strcmp(path, "-") == 0) {
        if (!put_stdout(buf->data, buf->len) || fflush(stdout) != 0) {
            if (!stdout_errno) stdout_errno = errno;
            return kf_fail(err, KF_SYSTEM, "write failure on standard output: %s",
                           strerror(stdout_errno));
        }
        return KF_OK;
    }
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp) return kf_fail(err, KF_SYSTEM, "out of memory");
    snprintf(tmp, n, "%s.tmp%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = kf_fail(err, KF_SYSTEM, "cannot write %s: %s", path, strerror(errno));
        goto out_free;
    }
    bool ok = (buf->len == 0 || fwrite(buf->data, 1, buf->len, f) == buf->len) && fflush(f) == 0 &&
              fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        rc = kf_fail(err, KF_SYSTEM, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
out_free:
    free(tmp);
    return rc;
}

kf_code cli_read_file(const char *path, kf_buf *out, size_t max, kf_err *err)
{
    FILE *f = fopen(path, "rb");
    char chunk[8192];
    size_t n;
    if (!f) return kf_fail(err, KF_BAD_INPUT, "cannot open %s: %s", path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (out->len + n > max) {
            fclose(f);
            return kf_fail(err, KF_BAD_INPUT, "%s is too large (over %zu bytes)", path, max);
        }
        if (!kf_buf_put(out, chunk, n)) {
            fclose(f);
            return kf_fail(err, KF_SYSTEM, "out of memory");
        }
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) return kf_fail(err, KF_SYSTEM, "cannot read %s", path);
    if (!out->data && !kf_buf_put(out, "", 0)) return kf_fail(err, KF_SYSTEM, "out of memory");
    return KF_OK;
}

int cli_print_recorded(const kf_cli *cli, int64_t seq, const char *id, const char *what)
{
    if (!cli->json) {
        printf("seq %lld: %s\n", (long long)seq, what);
        return 0;
    }
    kf_buf b = {0};
    kf_buf_printf(&b, "{\"seq\":%lld,\"id\":", (long long)seq);
    kf_buf_json_str(&b, id);
    kf_buf_puts(&b, "}");
    int code = cli_print_json(&b);
    kf_buf_free(&b);
    return code;
}

int cli_print_text(const kf_buf *b)
{
    kf_err err = {0};
    if (kf_buf_check(b, &err)) return cli_error(&err);
    put_stdout(b->data, b->len);
    return 0;
}

int cli_print_json(const kf_buf *b)
{
    int code = cli_print_text(b);
    if (!code) put_stdout("\n", 1);
    return code;
}

void cli_list_begin(const kf_cli *cli, kf_buf *b, const char *head)
{
    if (cli->json) kf_buf_puts(b, head);
}

void cli_list_item(const kf_cli *cli, kf_buf *b, size_t i)
{
    if (cli->json && i) kf_buf_puts(b, ",");
}

int cli_print_out(const kf_cli *cli, kf_buf *b)
{
    int code = cli->json ? cli_print_json(b) : cli_print_text(b);
    kf_buf_free(b);
    return code;
}

int cli_list_end(const kf_cli *cli, kf_buf *b)
{
    if (cli->json) kf_buf_puts(b, "]}");
    return cli_print_out(cli, b);
}

int cli_exit(int code)
{
    struct stat st;
    if (code) return code;
    /* Closed, or a pipe or socket (git's reasons): not checked. */
    if (fstat(fileno(stdout), &st) != 0 || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) return 0;
    errno = 0;
    bool failed = fflush(stdout) != 0;
    if (failed && !stdout_errno) stdout_errno = errno;
    failed = ferror(stdout) || failed;
    errno = 0;
    if (fclose(stdout) != 0) {
        if (!stdout_errno) stdout_errno = errno;
        failed = true;
    }
    if (!failed) return 0;
    return cli_errorf(KF_SYSTEM, "write failure on standard output: %s",
                      stdout_errno ? strerror(stdout_errno) : "unknown error");
}

#define BAR_WIDTH 40

void cli_bar_init(cli_bar *b, const char *label, uint64_t total, bool worth)
{
    memset(b, 0, sizeof *b);
    b->label = label;
    b->total = total;
    b->pct = -1;
    b->on = worth && total > 0 && isatty(STDERR_FILENO);
}

void cli_bar_update(cli_bar *b, uint64_t done)
{
    if (!b->on) return;
    int pct = done >= b->total ? 100 : (int)(done * 100 / b->total);
    if (pct == b->pct && b->drawn) return;
    b->pct = pct;
    char fill[BAR_WIDTH + 1];
    int n = pct * BAR_WIDTH / 100;
    memset(fill, '#', (size_t)n);
    memset(fill + n, ' ', (size_t)(BAR_WIDTH - n));
    fill[BAR_WIDTH] = '\0';
    fprintf(stderr, "\r%s [%s] %3d%%", b->label, fill, pct);
    fflush(stderr);
    b->drawn = true;
}

void cli_bar_clear(cli_bar *b)
{
    if (!b->drawn) return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    b->drawn = false;
}
