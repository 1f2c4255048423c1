/*
 * The public site (`kifu publish`, README "The public site"): static pages
 * of where the money came from and where it went, which recompute their own
 * figures in the reader's browser from the published entries and check them
 * against the fund's signed checkpoint.
 *
 *   index.html          per fiscal year: money in by source kind and by
 *                       designation, grants per group and per menu (title,
 *                       approved, paid, settled, returned), every pool's
 *                       opening / in / out / closing / committed / available
 *   groups/<id>.html    one registered group: its pool, gifts to it, grants
 *   checkpoint.html     the signed checkpoint and the auditors' cosignatures
 *   checkpoint.txt      the checkpoint note itself (C2SP signed note)
 *   verify.html         a donor's receipt, checked in the browser
 *   entries.txt         the entries (docs/FORMAT.md "The public entries")
 *   entries.js          the same text and the checkpoint as one JavaScript
 *                       data file, for the pages: a <script src> loads from
 *                       file:// where fetch() is refused
 *
 * Every figure a page prints sits in an element with a data-fig key
 * ("pool|2026|general|available"); the page's script derives the same key
 * from the entries and compares it with the printed text (site.js). The
 * templates are reports/site/ (HTML, CSS, JS), embedded at build time (scripts/embed.cmake).
 *
 * Nothing here depends on the clock but the `generated` date (KIFU_NOW in
 * tests) and the checkpoint's signature (Ed25519 is deterministic): the same
 * ledger, key and clock give the same bytes.
 */
#include "labels.h"
#include "kifu/report.h"
#include "kifu/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const unsigned char kf_site_page_html[], kf_site_verify_html[], kf_site_site_css[],
    kf_site_site_js[], kf_site_verify_js[];

/* Entry kinds whose bytes are not published, only their leaf hash: they
 * hold a private person's name in clear (a supporters' club member's). The
 * Merkle root still covers them; no figure of the site needs them. */
static const char *const WITHHELD[] = {"member.add"};

/* --- words ----------------------------------------------------------------- */

enum { SRC_DIRECT, SRC_MEMBER, SRC_PARTNER, SRC_BOX, NSRC };
static const char *const SRC_CODE[NSRC] = {"direct", "member", "partner", "box"};

typedef struct {
    const char *lang, *title, *skip, *nav_fy, *nav_groups, *nav_verify, *nav_checkpoint,
        *nav_download, *pending, *noscript, *money_in, *by_source, *by_source_cap, *by_des,
        *by_des_cap, *source, *count_h, *amount, *total, *designation, *grants, *grants_cap,
        *grants_none, *app_id, *group, *menu, *title_h, *approved, *paid, *settled, *returned,
        *per_group_cap, *per_menu_cap, *pools, *pools_cap, *pool, *opening, *in, *out, *closing,
        *committed, *available, *src_names[NSRC], *count_fmt, *yen_pre, *yen_post, *fy_range,
        *generated, *ledger_line,
        /* "… %lld … %s": the entries and the root */ *download_h, *download_text, *entries_link,
        *checkpoint_link, *keys_h, *groups_h, *groups_cap, *type, *status, *fy_h, *gifts_to,
        *group_pool_cap, *group_grants_cap, *back, *checkpoint_h, *checkpoint_text, *sigs_cap,
        *signer, *key_id, *role, *cosigs_cap, *auditor, *size, *root, *seq, *check, *cosigs_none,
        *verify_title, *chart_label, *none, *about_h, *about_text, *withheld_note;
} labels;

static const labels JA = {
    .lang = "ja",
    .title = "寄附金の受入れと使いみち",
    .skip = "本文へ移動",
    .nav_fy = "年度別",
    .nav_groups = "登録団体",
    .nav_verify = "受領証明書の確認",
    .nav_checkpoint = "署名と監査",
    .nav_download = "記録のダウンロード",
    .pending = "このページの数字を、公開された記録から計算し直しています…",
    .noscript = "このページの数字の確認には JavaScript が必要です。数字そのものは下に表示されて"
                "います。",
    .money_in = "寄附の受入れ",
    .by_source = "寄附元別",
    .by_source_cap = "寄附元別の寄附（取消を除く）",
    .by_des = "指定先別",
    .by_des_cap = "指定先別の寄附（取消を除く）",
    .source = "寄附元",
    .count_h = "件数",
    .amount = "金額",
    .total = "合計",
    .designation = "指定先",
    .grants = "助成",
    .grants_cap = "交付決定した助成（申請の年度別）",
    .grants_none = "この年度に交付決定した助成はありません。",
    .app_id = "申請番号",
    .group = "団体",
    .menu = "助成メニュー",
    .title_h = "事業名",
    .approved = "交付決定額",
    .paid = "支払額",
    .settled = "確定額",
    .returned = "返還額",
    .per_group_cap = "団体別の助成",
    .per_menu_cap = "助成メニュー別の助成",
    .pools = "財源",
    .pools_cap = "財源別の収支",
    .pool = "財源",
    .opening = "期首残高",
    .in = "収入",
    .out = "支出",
    .closing = "期末残高",
    .committed = "交付決定済み未払",
    .available = "利用可能額",
    .src_names = {"直接", "サポーターズクラブ会員", "クリック募金（協賛企業）", "募金箱"},
    .count_fmt = "%lld件",
    .yen_pre = "",
    .yen_post = "円",
    .fy_range = "%s〜%s",
    .generated = "作成",
    .ledger_line = "台帳の記録 %lld 件、ルート %s",
    .download_h = "記録のダウンロード",
    .download_text = "このサイトの数字はすべて、下の記録から計算できます。記録には個人情報は"
                     "含まれません（寄附者の氏名と住所は記録に入らず、その確認用の値だけが"
                     "入ります）。",
    .entries_link = "記録（entries.txt）",
    .checkpoint_link = "署名付きチェックポイント（checkpoint.txt）",
    .keys_h = "基金の検証鍵",
    .groups_h = "登録団体",
    .groups_cap = "基金登録団体",
    .type = "種別",
    .status = "状態",
    .fy_h = "年度",
    .gifts_to = "この団体を指定した寄附",
    .group_pool_cap = "この団体の財源（年度別）",
    .group_grants_cap = "この団体への助成",
    .back = "トップページへ",
    .checkpoint_h = "署名付きチェックポイント",
    .checkpoint_text = "基金の鍵で署名された、台帳の記録数とMerkleルートです。このサイトの"
                       "記録はこのルートに一致することを、ページを開くたびに確かめています。",
    .sigs_cap = "チェックポイントの署名",
    .signer = "署名者",
    .key_id = "鍵ID",
    .role = "役割",
    .cosigs_cap = "監査人の連署（台帳に記録されたもの）",
    .auditor = "監査人",
    .size = "記録数",
    .root = "ルート",
    .seq = "記録番号",
    .check = "確認",
    .cosigs_none = "監査人の連署はまだありません。",
    .verify_title = "寄附金受領証明書の確認",
    .chart_label = "寄附元別の寄附額の棒グラフ",
    .none = "—",
    .about_h = "このページの確かめ方",
    .about_text = "ページを開くと、ブラウザが公開された記録を読み込み、SHA-256 で Merkle "
                  "ルートを計算し直し、基金の鍵による署名（Ed25519）を確かめ、表の数字を"
                  "記録から計算し直して表示と比べます。外部のサーバーには何も送りません。",
    .withheld_note = "件は個人の氏名を含むため、ハッシュ値のみ公開しています。",
};

static const labels EN = {
    .lang = "en",
    .title = "Donations received and how they were used",
    .skip = "Skip to content",
    .nav_fy = "By year",
    .nav_groups = "Groups",
    .nav_verify = "Check a receipt",
    .nav_checkpoint = "Signatures and audit",
    .nav_download = "Download the entries",
    .pending = "Recomputing this page's figures from the published entries…",
    .noscript = "Checking this page's figures needs JavaScript. The figures themselves are shown "
                "below.",
    .money_in = "Money in",
    .by_source = "By source",
    .by_source_cap = "Donations by source (voids excluded)",
    .by_des = "By designation",
    .by_des_cap = "Donations by designation (voids excluded)",
    .source = "Source",
    .count_h = "Count",
    .amount = "Amount",
    .total = "Total",
    .designation = "Designation",
    .grants = "Grants",
    .grants_cap = "Grants approved (by the application's fiscal year)",
    .grants_none = "No grant was approved for this fiscal year.",
    .app_id = "Application",
    .group = "Group",
    .menu = "Menu",
    .title_h = "Project",
    .approved = "Approved",
    .paid = "Paid",
    .settled = "Settled",
    .returned = "Returned",
    .per_group_cap = "Grants per group",
    .per_menu_cap = "Grants per menu",
    .pools = "Pools",
    .pools_cap = "Pool figures",
    .pool = "Pool",
    .opening = "Opening",
    .in = "In",
    .out = "Out",
    .closing = "Closing",
    .committed = "Committed",
    .available = "Available",
    .src_names = {"direct", "supporters' club", "click fund (partners)", "donation boxes"},
    .count_fmt = "%lld",
    .yen_pre = "¥",
    .yen_post = "",
    .fy_range = "%s to %s",
    .generated = "Generated",
    .ledger_line = "%lld ledger entries, root %s",
    .download_h = "Download the entries",
    .download_text = "Every figure of this site can be computed from the entries below. They "
                     "hold no personal data (a donor's name and address are not in the entries, "
                     "only a value to check them by).",
    .entries_link = "Entries (entries.txt)",
    .checkpoint_link = "Signed checkpoint (checkpoint.txt)",
    .keys_h = "The fund's verifier keys",
    .groups_h = "Registered groups",
    .groups_cap = "Registered groups",
    .type = "Type",
    .status = "Status",
    .fy_h = "Fiscal year",
    .gifts_to = "Donations designated to this group",
    .group_pool_cap = "This group's pool by fiscal year",
    .group_grants_cap = "Grants to this group",
    .back = "Back to the front page",
    .checkpoint_h = "Signed checkpoint",
    .checkpoint_text = "The number of ledger entries and their Merkle root, signed with the "
                       "fund's key. Each page checks, every time it is opened, that the "
                       "published entries give this root.",
    .sigs_cap = "Signatures on the checkpoint",
    .signer = "Signer",
    .key_id = "Key id",
    .role = "Role",
    .cosigs_cap = "Auditors' cosignatures (recorded in the ledger)",
    .auditor = "Auditor",
    .size = "Entries",
    .root = "Root",
    .seq = "seq",
    .check = "Check",
    .cosigs_none = "No auditor has cosigned yet.",
    .verify_title = "Check a donation receipt",
    .chart_label = "Bar chart of donations by source",
    .none = "—",
    .about_h = "How this page checks itself",
    .about_text = "When the page opens, your browser loads the published entries, recomputes "
                  "their Merkle root with SHA-256, checks the fund's Ed25519 signature on it, "
                  "and recomputes every figure in the tables from the entries. Nothing is sent "
                  "anywhere.",
    .withheld_note = " of them hold a private person's name: only their hash is published.",
};

/* --- 和暦: reports/labels.c ------------------------------------------------ */

static kf_statement_lang lang_of(const labels *t)
{
    return t == &EN ? KF_STATEMENT_EN : KF_STATEMENT_JA;
}

/* 令和8年5月1日 (元年 for the first year); en: 2026-05-01. */
static void date_text(const labels *t, const char *date, char *out, size_t n)
{
    kx_date_text(lang_of(t), date, out, n);
}

/* 令和8年度 (the era of the FY's first day); en: FY2026. */
static void fy_text(const labels *t, const kf_rules *r, int fy, char *out, size_t n)
{
    char first[11], last[11];
    kf_rules_fy_bounds(r, fy, first, last);
    kx_fy_name(lang_of(t), first, fy, out, n);
}

/* --- output helpers -------------------------------------------------------- */

static void put_html(kf_buf *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '&':
            kf_buf_puts(b, "&amp;");
            break;
        case '<':
            kf_buf_puts(b, "&lt;");
            break;
        case '>':
            kf_buf_puts(b, "&gt;");
            break;
        case '"':
            kf_buf_puts(b, "&quot;");
            break;
        case '\'':
            kf_buf_puts(b, "&#39;");
            break;
        default:
            kf_buf_put(b, p, 1);
        }
    }
}

/* A JavaScript (and JSON) string literal in ASCII only: non-ASCII as \uXXXX
 * (surrogate pairs above U+FFFF), and '<' as \u003c so that no "</script>"
 * ends an inline script. s is valid UTF-8 (entries and rules are). */
static void put_js_str(kf_buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    kf_buf_puts(b, "\"");
    while (p < end) {
        unsigned c = *p++;
        if (c >= 0x80) {
            int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
            c &= more == 3 ? 0x07 : more == 2 ? 0x0F : 0x1F;
            for (int i = 0; i < more && p < end; i++)
                c = (c << 6) | (*p++ & 0x3F);
            if (c >= 0x10000) {
                c -= 0x10000;
                kf_buf_printf(b, "\\u%04x\\u%04x", 0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF));
            } else {
                kf_buf_printf(b, "\\u%04x", c);
            }
        } else if (c == '"' || c == '\\') {
            kf_buf_printf(b, "\\%c", (char)c);
        } else if (c == '\n') {
            kf_buf_puts(b, "\\n");
        } else if (c < 0x20 || c == '<' || c == 0x7F) {
            kf_buf_printf(b, "\\u%04x", c);
        } else {
            kf_buf_put(b, p - 1, 1);
        }
    }
    kf_buf_puts(b, "\"");
}

static void put_js(kf_buf *b, const char *s)
{
    put_js_str(b, s, strlen(s));
}

static void put_grouped(kf_buf *b, int64_t v)
{
    char grouped[32];
    kx_grouped(v, grouped);
    kf_buf_puts(b, grouped);
}

static void put_yen(kf_buf *b, const labels *t, kf_yen v)
{
    kf_buf_puts(b, t->yen_pre);
    put_grouped(b, v);
    kf_buf_puts(b, t->yen_post);
}

/* <td data-fig="KEY">12,345円</td>: a figure the page's script checks. */
static void td_yen(kf_buf *b, const labels *t, const char *key, kf_yen v)
{
    kf_buf_puts(b, "<td class=\"num\" data-fig=\"");
    put_html(b, key);
    kf_buf_puts(b, "\">");
    put_yen(b, t, v);
    kf_buf_puts(b, "</td>");
}

static void td_count(kf_buf *b, const labels *t, const char *key, int64_t v)
{
    kf_buf_puts(b, "<td class=\"num\" data-fig=\"");
    put_html(b, key);
    kf_buf_puts(b, "\">");
    kf_buf_printf(b, t->count_fmt, (long long)v);
    kf_buf_puts(b, "</td>");
}

/* Fills template tpl: every @NAME@ whose NAME is in keys becomes its value
 * (raw: the caller escaped it); any other '@' stays as it is. */
static void fill(kf_buf *out, const char *tpl, const char *const *keys, const char *const *vals,
                 size_t n)
{
    const char *p = tpl;
    while (*p) {
        const char *at = strchr(p, '@');
        if (!at) {
            kf_buf_puts(out, p);
            break;
        }
        kf_buf_put(out, p, (size_t)(at - p));
        const char *end = strchr(at + 1, '@');
        size_t i = n;
        if (end)
            for (i = 0; i < n; i++)
                if (strlen(keys[i]) == (size_t)(end - at - 1) &&
                    memcmp(keys[i], at + 1, (size_t)(end - at - 1)) == 0)
                    break;
        if (i < n) {
            kf_buf_puts(out, vals[i]);
            p = end + 1;
        } else {
            kf_buf_put(out, at, 1);
            p = at + 1;
        }
    }
}

/* --- what is read from the ledger ------------------------------------------ */

typedef struct {
    int64_t seq;
    int fy, src;
    char to[KF_POOL_MAX];
    kf_yen amount;
    bool voided;
} don_row;

typedef struct {
    int64_t seq, size;
    char auditor[16], root[65];
} cosig_row;

typedef struct {
    int fy;
    char to[KF_POOL_MAX];
    int64_t count;
    kf_yen amount;
} des_row;

typedef struct {
    kf_ledger *l;
    const labels *t;
    kf_err *err;
    kf_ledger_info info;
    kf_rules rules;
    char root_hex[65];
    kf_buf note;    /* the checkpoint */
    kf_buf entries; /* entries.txt */
    kf_buf scratch; /* an entry's bytes */
    char *b64;
    size_t b64cap;
    int64_t withheld;
    don_row *dons;
    size_t ndons, capdons;
    int64_t *voids;
    size_t nvoids, capvoids;
    int *fys;
    size_t nfys, capfys;
    cosig_row *cosigs;
    size_t ncosigs, capcosigs;
    kf_group *groups;
    size_t ngroups;
    kx_names *names; /* pools and menus by name */
    kf_grant_row *apps;
    size_t napps;
    kf_key_info *keys;
    size_t nkeys;
    char generated[40];
} site;

#define GROW(arr, n, cap) ((n) < (cap) || grow((void **)&(arr), &(cap), sizeof *(arr)))

static bool grow(void **arr, size_t *cap, size_t size)
{
    size_t ncap = *cap ? *cap * 2 : 64;
    void *p = realloc(*arr, ncap * size);
    if (!p) return false;
    *arr = p;
    *cap = ncap;
    return true;
}

static bool add_fy(site *s, int fy)
{
    for (size_t i = 0; i < s->nfys; i++)
        if (s->fys[i] == fy) return true;
    if (!GROW(s->fys, s->nfys, s->capfys)) return false;
    s->fys[s->nfys++] = fy;
    return true;
}

static bool withheld(const char *kind)
{
    for (size_t i = 0; i < sizeof WITHHELD / sizeof WITHHELD[0]; i++)
        if (strcmp(kind, WITHHELD[i]) == 0) return true;
    return false;
}

static int src_kind(const char *source)
{
    for (int k = 0; k < NSRC; k++) {
        size_t n = strlen(SRC_CODE[k]);
        if (strncmp(source, SRC_CODE[k], n) == 0 && (source[n] == ':' || source[n] == '\0'))
            return k;
    }
    return SRC_DIRECT;
}

/* One entry: its line of entries.txt, and what the pages sum. */
static int scan_entry(void *ctx, const kf_row *row)
{
    site *s = ctx;
    const kf_entry *e = row->entry;
    s->scratch.len = 0;
    kf_code rc = kf_entry_encode(e, &s->scratch, s->err);
    if (rc) return rc;
    kf_hash leaf;
    kf_merkle_leaf(s->scratch.data, s->scratch.len, leaf);
    if (memcmp(leaf, row->leaf, KF_HASH_LEN) != 0)
        return kf_fail(s->err, KF_REFUSED, "seq %lld: the entry's bytes do not give its leaf",
                       (long long)row->seq);
    if (withheld(e->kind)) {
        char hex[2 * KF_HASH_LEN + 1];
        kf_hex(row->leaf, KF_HASH_LEN, hex);
        kf_buf_printf(&s->entries, "%lld h %s\n", (long long)row->seq, hex);
        s->withheld++;
        return 0;
    }
    size_t need = 4 * ((s->scratch.len + 2) / 3) + 1;
    if (need > s->b64cap) {
        char *p = realloc(s->b64, need);
        if (!p) return kf_fail(s->err, KF_SYSTEM, "out of memory");
        s->b64 = p;
        s->b64cap = need;
    }
    kf_b64((const uint8_t *)s->scratch.data, s->scratch.len, s->b64, need);
    kf_buf_printf(&s->entries, "%lld e %s\n", (long long)row->seq, s->b64);

    int64_t fy, v;
    if (kf_entry_int(e, "fy", &fy) && !add_fy(s, (int)fy))
        return kf_fail(s->err, KF_SYSTEM, "out of memory");
    if (strcmp(e->kind, "donation") == 0 || strcmp(e->kind, "box.collect") == 0) {
        const char *to = kf_entry_str(e, "to"), *source = kf_entry_str(e, "source");
        if (!GROW(s->dons, s->ndons, s->capdons))
            return kf_fail(s->err, KF_SYSTEM, "out of memory");
        don_row *d = &s->dons[s->ndons++];
        memset(d, 0, sizeof *d);
        d->seq = row->seq;
        d->fy = (int)fy;
        d->src = src_kind(source ? source : "direct");
        snprintf(d->to, sizeof d->to, "%s", to ? to : "general");
        kf_entry_int(e, "amount", &d->amount);
    } else if (strcmp(e->kind, "donation.void") == 0 && kf_entry_int(e, "void", &v)) {
        if (!GROW(s->voids, s->nvoids, s->capvoids))
            return kf_fail(s->err, KF_SYSTEM, "out of memory");
        s->voids[s->nvoids++] = v;
    } else if (strcmp(e->kind, "checkpoint.cosign") == 0) {
        const char *aud = kf_entry_str(e, "auditor"), *root = kf_entry_str(e, "root");
        if (!GROW(s->cosigs, s->ncosigs, s->capcosigs))
            return kf_fail(s->err, KF_SYSTEM, "out of memory");
        cosig_row *c = &s->cosigs[s->ncosigs++];
        memset(c, 0, sizeof *c);
        c->seq = row->seq;
        kf_entry_int(e, "size", &c->size);
        snprintf(c->auditor, sizeof c->auditor, "%s", aud ? aud : "");
        snprintf(c->root, sizeof c->root, "%s", root ? root : "");
    }
    return 0;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x < y) ? 1 : (x > y) ? -1 : 0; /* newest first */
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* general, group:, field:, theme:, then by code */
static int pool_rank(const char *pool)
{
    static const char *const order[] = {"general", "group:", "field:", "theme:"};
    for (int i = 0; i < 4; i++)
        if (strncmp(pool, order[i], strlen(order[i])) == 0) return i;
    return 4;
}

static int cmp_des(const void *a, const void *b)
{
    const des_row *x = a, *y = b;
    int rx = pool_rank(x->to), ry = pool_rank(y->to);
    return rx != ry ? rx - ry : strcmp(x->to, y->to);
}

/* --- names ----------------------------------------------------------------- */

static const kf_group *find_group(const site *s, const char *id)
{
    for (size_t i = 0; i < s->ngroups; i++)
        if (strcmp(s->groups[i].id, id) == 0) return &s->groups[i];
    return NULL;
}

/* 一般, 北星町内会（団体）, 保健・医療・福祉の増進（分野）…: reports/labels.c. */
static void pool_name(const site *s, const char *pool, char *out, size_t n)
{
    kx_pool_name(s->names, pool, out, n);
}

static const char *menu_name(const site *s, const char *code)
{
    return kx_menu_name(s->names, code);
}

static const char *type_name(const labels *t, unsigned type)
{
    return kx_group_type_name(type, lang_of(t));
}

static const char *status_name(const labels *t, unsigned status)
{
    return kx_group_status_name(status, lang_of(t));
}

/* A group's page name: its id, which is [A-Za-z0-9_-] (safe in a path). */
static void group_link(kf_buf *b, const site *s, const char *id, const char *prefix)
{
    const kf_group *g = find_group(s, id);
    kf_buf_printf(b, "<a href=\"%sgroups/", prefix);
    put_html(b, id);
    kf_buf_puts(b, ".html\">");
    put_html(b, g ? g->name : id);
    kf_buf_puts(b, "</a>");
}

/* --- the pieces of a page -------------------------------------------------- */

/* The header's navigation; prefix is "" for top pages, "../" for groups/. */
static void put_nav(kf_buf *b, const site *s, const char *prefix)
{
    const labels *t = s->t;
    kf_buf_puts(b, "<nav aria-label=\"");
    put_html(b, t->title);
    kf_buf_puts(b, "\"><ul>");
    kf_buf_printf(b, "<li><a href=\"%sindex.html\">", prefix);
    put_html(b, t->nav_fy);
    kf_buf_printf(b, "</a></li><li><a href=\"%sindex.html#groups\">", prefix);
    put_html(b, t->nav_groups);
    kf_buf_printf(b, "</a></li><li><a href=\"%sverify.html\">", prefix);
    put_html(b, t->nav_verify);
    kf_buf_printf(b, "</a></li><li><a href=\"%scheckpoint.html\">", prefix);
    put_html(b, t->nav_checkpoint);
    kf_buf_printf(b, "</a></li><li><a href=\"%sindex.html#download\">", prefix);
    put_html(b, t->nav_download);
    kf_buf_puts(b, "</a></li></ul></nav>");
}

/* The page's settings for its script: language, the trusted keys, names
 * of pools (for receipts), and where the entries are. */
static void put_page_json(kf_buf *b, const site *s, const char *page, const char *prefix)
{
    kf_buf_puts(b, "{\"lang\":");
    put_js(b, s->t->lang);
    kf_buf_puts(b, ",\"page\":");
    put_js(b, page);
    kf_buf_puts(b, ",\"prefix\":");
    put_js(b, prefix);
    kf_buf_puts(b, ",\"fund\":");
    put_js(b, s->info.fund);
    kf_buf_puts(b, ",\"origin\":");
    put_js(b, s->info.origin);
    /* The keys that may sign checkpoints: the ledger's admin and treasurer
     * keys not revoked (docs/FORMAT.md §6). */
    kf_buf_puts(b, ",\"keys\":[");
    bool first = true;
    for (size_t i = 0; i < s->nkeys; i++) {
        const kf_key_info *k = &s->keys[i];
        if (!(k->role & (KF_ROLE_ADMIN | KF_ROLE_TREASURER)) || k->revoked_seq) continue;
        char vkey[KF_VKEY_MAX];
        kf_key_vkey(k->name, k->pub, vkey);
        if (!first) kf_buf_puts(b, ",");
        first = false;
        put_js(b, vkey);
    }
    kf_buf_puts(b, "],\"pools\":{");
    first = true;
    char name[600];
    /* general, every group, field and theme: the names receipts show. */
    pool_name(s, "general", name, sizeof name);
    kf_buf_puts(b, "\"general\":");
    put_js(b, name);
    for (size_t i = 0; i < s->ngroups; i++) {
        char pool[KF_POOL_MAX];
        snprintf(pool, sizeof pool, "group:%s", s->groups[i].id);
        pool_name(s, pool, name, sizeof name);
        kf_buf_puts(b, ",");
        put_js(b, pool);
        kf_buf_puts(b, ":");
        put_js(b, name);
    }
    for (int i = 0; i < s->rules.nfields + s->rules.nthemes; i++) {
        bool field = i < s->rules.nfields;
        const kf_rules_item *it =
            field ? &s->rules.fields[i] : &s->rules.themes[i - s->rules.nfields];
        char pool[KF_POOL_MAX];
        snprintf(pool, sizeof pool, "%s:%s", field ? "field" : "theme", it->code);
        pool_name(s, pool, name, sizeof name);
        kf_buf_puts(b, ",");
        put_js(b, pool);
        kf_buf_puts(b, ":");
        put_js(b, name);
    }
    (void)first;
    kf_buf_puts(b, "}}");
}

/* A whole page from page.html. */
static void put_page(kf_buf *out, const site *s, const char *title, const char *page,
                     const char *prefix, const kf_buf *main)
{
    const labels *t = s->t;
    kf_buf esc_title = {0}, nav = {0}, json = {0}, data = {0}, footer = {0}, fund = {0},
           pending = {0}, noscript = {0}, skip = {0};
    put_html(&esc_title, title);
    put_html(&fund, s->info.fund);
    put_nav(&nav, s, prefix);
    put_page_json(&json, s, page, prefix);
    kf_buf_printf(&data, "%sentries.js", prefix);
    put_html(&pending, t->pending);
    put_html(&noscript, t->noscript);
    put_html(&skip, t->skip);
    put_html(&footer, t->generated);
    kf_buf_puts(&footer, ": ");
    char when[64];
    date_text(t, s->generated, when, sizeof when);
    put_html(&footer, when);
    /* "台帳の記録 41 件、ルート …": the count is a figure the script checks */
    const char *mark = strstr(t->ledger_line, "%lld");
    kf_buf_puts(&footer, " · ");
    kf_buf_put(&footer, t->ledger_line, (size_t)(mark - t->ledger_line));
    kf_buf_printf(&footer, "<span data-fig=\"ledger|size\">%lld</span>", (long long)s->info.size);
    kf_buf_printf(&footer, mark + 4, s->root_hex);
    const char *keys[] = {"LANG", "TITLE",  "FUND", "NAV",  "PENDING", "NOSCRIPT", "SKIP",
                          "MAIN", "FOOTER", "PAGE", "DATA", "CSS",     "JS"};
    const char *vals[] = {t->lang,
                          esc_title.data ? esc_title.data : "",
                          fund.data ? fund.data : "",
                          nav.data ? nav.data : "",
                          pending.data ? pending.data : "",
                          noscript.data ? noscript.data : "",
                          skip.data ? skip.data : "",
                          main->data ? main->data : "",
                          footer.data ? footer.data : "",
                          json.data ? json.data : "",
                          data.data ? data.data : "",
                          (const char *)kf_site_site_css,
                          (const char *)kf_site_site_js};
    fill(out, (const char *)kf_site_page_html, keys, vals, sizeof keys / sizeof keys[0]);
    kf_buf *all[] = {&esc_title, &nav, &json, &data, &footer, &fund, &pending, &noscript, &skip};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (all[i]->failed) out->failed = true;
        kf_buf_free(all[i]);
    }
}

/* A horizontal bar chart (inline SVG) of amounts, each bar under its label
 * so that it reads on a phone; every value label is a figure the script
 * checks. */
static void put_bars(kf_buf *b, const labels *t, const char *aria, const char *const *names,
                     const char *const *keys, const kf_yen *vals, int n)
{
    kf_yen max = 1;
    for (int i = 0; i < n; i++)
        if (vals[i] > max) max = vals[i];
    int h = 46 * n + 4;
    kf_buf_printf(b,
                  "<figure class=\"chart\"><svg viewBox=\"0 0 360 %d\" role=\"img\" "
                  "aria-label=\"",
                  h);
    put_html(b, aria);
    kf_buf_puts(b, "\">");
    for (int i = 0; i < n; i++) {
        int y = 46 * i;
        int w = vals[i] > 0 ? (int)((double)vals[i] / (double)max * 230.0) : 0;
        if (vals[i] > 0 && w < 2) w = 2;
        kf_buf_printf(b, "<text x=\"0\" y=\"%d\" class=\"lbl\">", y + 15);
        put_html(b, names[i]);
        kf_buf_printf(b,
                      "</text><rect x=\"0\" y=\"%d\" width=\"%d\" height=\"18\" rx=\"3\" "
                      "class=\"bar%d\"/>",
                      y + 21, w, i % 4);
        kf_buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"val\" data-fig=\"", w + 6, y + 35);
        put_html(b, keys[i]);
        kf_buf_puts(b, "\">");
        put_yen(b, t, vals[i]);
        kf_buf_puts(b, "</text>");
    }
    kf_buf_puts(b, "</svg></figure>");
}

static void th_col(kf_buf *b, const char *text, bool num)
{
    kf_buf_printf(b, "<th scope=\"col\"%s>", num ? " class=\"num\"" : "");
    put_html(b, text);
    kf_buf_puts(b, "</th>");
}

static void caption(kf_buf *b, const char *text)
{
    kf_buf_puts(b, "<caption>");
    put_html(b, text);
    kf_buf_puts(b, "</caption>");
}

/* The six figures of a pool row (or the total), keyed pool|FY|POOL|... */
static void pool_cells(kf_buf *b, const labels *t, int fy, const char *pool,
                       const kf_pool_figures *f)
{
    static const char *const what[] = {"opening", "in", "out", "closing", "committed", "available"};
    const kf_yen v[] = {f->opening, f->in, f->out, f->balance, f->committed, f->available};
    char key[160];
    for (int i = 0; i < 6; i++) {
        snprintf(key, sizeof key, "pool|%d|%s|%s", fy, pool, what[i]);
        td_yen(b, t, key, v[i]);
    }
}

static void pool_head(kf_buf *b, const labels *t, const char *first)
{
    kf_buf_puts(b, "<thead><tr>");
    th_col(b, first, false);
    th_col(b, t->opening, true);
    th_col(b, t->in, true);
    th_col(b, t->out, true);
    th_col(b, t->closing, true);
    th_col(b, t->committed, true);
    th_col(b, t->available, true);
    kf_buf_puts(b, "</tr></thead>");
}

/* The four grant figures of an application, group, menu or total. */
typedef struct {
    int64_t count;
    kf_yen approved, paid, final, refunded;
} grant_sum;

static bool grant_add(grant_sum *g, const kf_grant_row *r)
{
    g->count++;
    return kf_add(g->approved, r->approved, &g->approved) && kf_add(g->paid, r->paid, &g->paid) &&
           kf_add(g->final, r->settled ? r->final : 0, &g->final) &&
           kf_add(g->refunded, r->refunded, &g->refunded);
}

static void grant_cells(kf_buf *b, const labels *t, const char *prefix, const grant_sum *g,
                        bool count)
{
    char key[200];
    if (count) {
        snprintf(key, sizeof key, "%s|count", prefix);
        td_count(b, t, key, g->count);
    }
    snprintf(key, sizeof key, "%s|approved", prefix);
    td_yen(b, t, key, g->approved);
    snprintf(key, sizeof key, "%s|paid", prefix);
    td_yen(b, t, key, g->paid);
    snprintf(key, sizeof key, "%s|final", prefix);
    td_yen(b, t, key, g->final);
    snprintf(key, sizeof key, "%s|refunded", prefix);
    td_yen(b, t, key, g->refunded);
}

static void grant_head(kf_buf *b, const labels *t, const char *const *first, int nfirst, bool count)
{
    kf_buf_puts(b, "<thead><tr>");
    for (int i = 0; i < nfirst; i++)
        th_col(b, first[i], false);
    if (count) th_col(b, t->count_h, true);
    th_col(b, t->approved, true);
    th_col(b, t->paid, true);
    th_col(b, t->settled, true);
    th_col(b, t->returned, true);
    kf_buf_puts(b, "</tr></thead>");
}

/* One application's row: id, [group,] menu, title and its figures (the
 * settled amount "—" until it is settled). */
static void app_row(kf_buf *b, const site *s, const kf_grant_row *r, bool with_group,
                    const char *prefix)
{
    const labels *t = s->t;
    char key[200];
    kf_buf_puts(b, "<tr><th scope=\"row\">");
    put_html(b, r->id);
    kf_buf_puts(b, "</th>");
    if (with_group) {
        kf_buf_puts(b, "<td>");
        group_link(b, s, r->group, prefix);
        kf_buf_puts(b, "</td>");
    }
    kf_buf_puts(b, "<td>");
    put_html(b, menu_name(s, r->menu));
    kf_buf_puts(b, "</td><td>");
    put_html(b, r->title);
    kf_buf_puts(b, "</td>");
    snprintf(key, sizeof key, "app|%s|approved", r->id);
    td_yen(b, t, key, r->approved);
    snprintf(key, sizeof key, "app|%s|paid", r->id);
    td_yen(b, t, key, r->paid);
    snprintf(key, sizeof key, "app|%s|final", r->id);
    if (r->settled) {
        td_yen(b, t, key, r->final);
    } else {
        kf_buf_puts(b, "<td class=\"num\" data-fig=\"");
        put_html(b, key);
        kf_buf_puts(b, "\">");
        put_html(b, t->none);
        kf_buf_puts(b, "</td>");
    }
    snprintf(key, sizeof key, "app|%s|refunded", r->id);
    td_yen(b, t, key, r->refunded);
    kf_buf_puts(b, "</tr>");
}

/* An award: approved (and perhaps settled since); not open or rejected. */
static bool approved(const kf_grant_row *r)
{
    return strcmp(r->status, "open") != 0 && strcmp(r->status, "rejected") != 0;
}

/* --- index.html ------------------------------------------------------------ */

static kf_code fy_section(const site *s, int fy, kf_buf *b)
{
    const labels *t = s->t;
    char fyname[64], first[11], last[11], d1[64], d2[64], key[200], name[600];
    fy_text(t, &s->rules, fy, fyname, sizeof fyname);
    kf_rules_fy_bounds(&s->rules, fy, first, last);
    date_text(t, first, d1, sizeof d1);
    date_text(t, last, d2, sizeof d2);
    kf_buf_printf(b, "<section class=\"fy\" id=\"fy%d\" aria-labelledby=\"h-fy%d\">", fy, fy);
    kf_buf_printf(b, "<h2 id=\"h-fy%d\">", fy);
    put_html(b, fyname);
    kf_buf_puts(b, " <small>");
    char range[160];
    snprintf(range, sizeof range, t->fy_range, d1, d2);
    put_html(b, range);
    kf_buf_puts(b, "</small></h2>");

    /* money in by source kind */
    int64_t cnt[NSRC + 1] = {0};
    kf_yen amt[NSRC + 1] = {0};
    for (size_t i = 0; i < s->ndons; i++) {
        const don_row *d = &s->dons[i];
        if (d->fy != fy || d->voided) continue;
        cnt[d->src]++;
        cnt[NSRC]++;
        if (!kf_add(amt[d->src], d->amount, &amt[d->src]) ||
            !kf_add(amt[NSRC], d->amount, &amt[NSRC]))
            return kf_fail(s->err, KF_REFUSED, "FY %d: donations overflow int64 yen", fy);
    }
    kf_buf_printf(b, "<h3 id=\"fy%d-in\">", fy);
    put_html(b, t->money_in);
    kf_buf_puts(b, "</h3>");
    char keys[NSRC][64];
    const char *knames[NSRC], *kkeys[NSRC];
    for (int k = 0; k < NSRC; k++) {
        snprintf(keys[k], sizeof keys[k], "src|%d|%s|amount", fy, SRC_CODE[k]);
        knames[k] = t->src_names[k];
        kkeys[k] = keys[k];
    }
    put_bars(b, t, t->chart_label, knames, kkeys, amt, NSRC);
    kf_buf_puts(b, "<div class=\"scroll\"><table>");
    caption(b, t->by_source_cap);
    kf_buf_puts(b, "<thead><tr>");
    th_col(b, t->source, false);
    th_col(b, t->count_h, true);
    th_col(b, t->amount, true);
    kf_buf_puts(b, "</tr></thead><tbody>");
    for (int k = 0; k <= NSRC; k++) {
        if (k == NSRC) kf_buf_puts(b, "</tbody><tfoot>");
        kf_buf_puts(b, "<tr><th scope=\"row\">");
        put_html(b, k < NSRC ? t->src_names[k] : t->total);
        kf_buf_puts(b, "</th>");
        const char *code = k < NSRC ? SRC_CODE[k] : "total";
        snprintf(key, sizeof key, "src|%d|%s|count", fy, code);
        td_count(b, t, key, cnt[k]);
        snprintf(key, sizeof key, "src|%d|%s|amount", fy, code);
        td_yen(b, t, key, amt[k]);
        kf_buf_puts(b, "</tr>");
    }
    kf_buf_puts(b, "</tfoot></table></div>");

    /* money in by designation */
    des_row *des = NULL;
    size_t ndes = 0, capdes = 0;
    for (size_t i = 0; i < s->ndons; i++) {
        const don_row *d = &s->dons[i];
        if (d->fy != fy || d->voided) continue;
        size_t j;
        for (j = 0; j < ndes && strcmp(des[j].to, d->to) != 0; j++) {
        }
        if (j == ndes) {
            if (!GROW(des, ndes, capdes)) {
                free(des);
                return kf_fail(s->err, KF_SYSTEM, "out of memory");
            }
            memset(&des[ndes], 0, sizeof des[ndes]);
            snprintf(des[ndes].to, sizeof des[ndes].to, "%s", d->to);
            ndes++;
        }
        des[j].count++;
        if (!kf_add(des[j].amount, d->amount, &des[j].amount)) {
            free(des);
            return kf_fail(s->err, KF_REFUSED, "FY %d: donations overflow int64 yen", fy);
        }
    }
    if (ndes) {
        kf_buf_puts(b, "<div class=\"scroll\"><table>");
        caption(b, t->by_des_cap);
        kf_buf_puts(b, "<thead><tr>");
        th_col(b, t->designation, false);
        th_col(b, t->count_h, true);
        th_col(b, t->amount, true);
        kf_buf_puts(b, "</tr></thead><tbody>");
        /* general, then groups, fields and themes, each by code */
        if (ndes) qsort(des, ndes, sizeof *des, cmp_des);
        {
            for (size_t j = 0; j < ndes; j++) {
                pool_name(s, des[j].to, name, sizeof name);
                kf_buf_puts(b, "<tr><th scope=\"row\">");
                if (strncmp(des[j].to, "group:", 6) == 0 && find_group(s, des[j].to + 6)) {
                    kf_buf_puts(b, "<a href=\"groups/");
                    put_html(b, des[j].to + 6);
                    kf_buf_puts(b, ".html\">");
                    put_html(b, name);
                    kf_buf_puts(b, "</a>");
                } else {
                    put_html(b, name);
                }
                kf_buf_puts(b, "</th>");
                snprintf(key, sizeof key, "des|%d|%s|count", fy, des[j].to);
                td_count(b, t, key, des[j].count);
                snprintf(key, sizeof key, "des|%d|%s|amount", fy, des[j].to);
                td_yen(b, t, key, des[j].amount);
                kf_buf_puts(b, "</tr>");
            }
        }
        kf_buf_puts(b, "</tbody></table></div>");
    }
    free(des);

    /* grants of the FY (the application's FY) */
    kf_buf_printf(b, "<h3 id=\"fy%d-grants\">", fy);
    put_html(b, t->grants);
    kf_buf_puts(b, "</h3>");
    grant_sum total = {0};
    size_t napproved = 0;
    for (size_t i = 0; i < s->napps; i++)
        if (s->apps[i].fy == fy && approved(&s->apps[i])) napproved++;
    if (!napproved) {
        kf_buf_puts(b, "<p>");
        put_html(b, t->grants_none);
        kf_buf_puts(b, "</p>");
    } else {
        const char *h1[] = {t->app_id, t->group, t->menu, t->title_h};
        kf_buf_puts(b, "<div class=\"scroll\"><table class=\"grants\">");
        caption(b, t->grants_cap);
        grant_head(b, t, h1, 4, false);
        kf_buf_puts(b, "<tbody>");
        for (size_t i = 0; i < s->napps; i++) {
            const kf_grant_row *r = &s->apps[i];
            if (r->fy != fy || !approved(r)) continue;
            app_row(b, s, r, true, "");
            if (!grant_add(&total, r))
                return kf_fail(s->err, KF_REFUSED, "FY %d: grants overflow int64 yen", fy);
        }
        kf_buf_puts(b, "</tbody><tfoot><tr><th scope=\"row\" colspan=\"4\">");
        put_html(b, t->total);
        kf_buf_puts(b, "</th>");
        snprintf(key, sizeof key, "gtot|%d", fy);
        grant_cells(b, t, key, &total, false);
        kf_buf_puts(b, "</tr></tfoot></table></div>");

        /* per group, then per menu: the first time each appears */
        for (int per_menu = 0; per_menu < 2; per_menu++) {
            const char *h[] = {per_menu ? t->menu : t->group};
            kf_buf_puts(b, "<div class=\"scroll\"><table>");
            caption(b, per_menu ? t->per_menu_cap : t->per_group_cap);
            grant_head(b, t, h, 1, true);
            kf_buf_puts(b, "<tbody>");
            for (size_t i = 0; i < s->napps; i++) {
                const kf_grant_row *r = &s->apps[i];
                if (r->fy != fy || !approved(r)) continue;
                const char *code = per_menu ? r->menu : r->group;
                bool seen = false;
                for (size_t j = 0; j < i && !seen; j++) {
                    const kf_grant_row *q = &s->apps[j];
                    seen = q->fy == fy && approved(q) &&
                           strcmp(per_menu ? q->menu : q->group, code) == 0;
                }
                if (seen) continue;
                grant_sum g = {0};
                for (size_t j = i; j < s->napps; j++) {
                    const kf_grant_row *q = &s->apps[j];
                    if (q->fy == fy && approved(q) &&
                        strcmp(per_menu ? q->menu : q->group, code) == 0 && !grant_add(&g, q))
                        return kf_fail(s->err, KF_REFUSED, "FY %d: grants overflow int64 yen", fy);
                }
                kf_buf_puts(b, "<tr><th scope=\"row\">");
                if (per_menu)
                    put_html(b, menu_name(s, code));
                else
                    group_link(b, s, code, "");
                kf_buf_puts(b, "</th>");
                snprintf(key, sizeof key, "%s|%d|%s", per_menu ? "menu" : "grp", fy, code);
                grant_cells(b, t, key, &g, true);
                kf_buf_puts(b, "</tr>");
            }
            kf_buf_puts(b, "</tbody></table></div>");
        }
    }

    /* pools */
    kf_pool_figures *rows = NULL, tot;
    size_t n = 0;
    kf_code rc = kf_pools_figures(s->l, fy, &rows, &n, &tot, s->err);
    if (rc) return rc;
    kf_buf_printf(b, "<h3 id=\"fy%d-pools\">", fy);
    put_html(b, t->pools);
    kf_buf_puts(b, "</h3><div class=\"scroll\"><table class=\"pools\">");
    caption(b, t->pools_cap);
    pool_head(b, t, t->pool);
    kf_buf_puts(b, "<tbody>");
    for (size_t i = 0; i < n; i++) {
        pool_name(s, rows[i].pool, name, sizeof name);
        kf_buf_puts(b, "<tr><th scope=\"row\">");
        put_html(b, name);
        kf_buf_puts(b, "</th>");
        pool_cells(b, t, fy, rows[i].pool, &rows[i]);
        kf_buf_puts(b, "</tr>");
    }
    kf_buf_puts(b, "</tbody><tfoot><tr><th scope=\"row\">");
    put_html(b, t->total);
    kf_buf_puts(b, "</th>");
    pool_cells(b, t, fy, "total", &tot);
    kf_buf_puts(b, "</tr></tfoot></table></div></section>");
    free(rows);
    return KF_OK;
}

static kf_code index_page(const site *s, kf_buf *out)
{
    const labels *t = s->t;
    kf_buf b = {0};
    char fyname[64];
    kf_code rc = KF_OK;
    kf_buf_puts(&b, "<nav class=\"fys\" aria-label=\"");
    put_html(&b, t->nav_fy);
    kf_buf_puts(&b, "\"><ul>");
    for (size_t i = 0; i < s->nfys; i++) {
        fy_text(t, &s->rules, s->fys[i], fyname, sizeof fyname);
        kf_buf_printf(&b, "<li><a href=\"#fy%d\">", s->fys[i]);
        put_html(&b, fyname);
        kf_buf_puts(&b, "</a></li>");
    }
    kf_buf_puts(&b, "</ul></nav>");
    for (size_t i = 0; i < s->nfys && !rc; i++)
        rc = fy_section(s, s->fys[i], &b);
    if (rc) goto out;

    /* the groups */
    kf_buf_puts(&b, "<section id=\"groups\" aria-labelledby=\"h-groups\"><h2 id=\"h-groups\">");
    put_html(&b, t->groups_h);
    kf_buf_puts(&b, "</h2><div class=\"scroll\"><table>");
    caption(&b, t->groups_cap);
    kf_buf_puts(&b, "<thead><tr>");
    th_col(&b, t->group, false);
    th_col(&b, t->type, false);
    th_col(&b, t->status, false);
    kf_buf_puts(&b, "</tr></thead><tbody>");
    for (size_t i = 0; i < s->ngroups; i++) {
        const kf_group *g = &s->groups[i];
        kf_buf_puts(&b, "<tr><th scope=\"row\">");
        group_link(&b, s, g->id, "");
        kf_buf_puts(&b, "</th><td>");
        put_html(&b, type_name(t, g->type));
        kf_buf_puts(&b, "</td><td>");
        put_html(&b, status_name(t, g->status));
        kf_buf_puts(&b, "</td></tr>");
    }
    kf_buf_puts(&b, "</tbody></table></div></section>");

    /* the download */
    kf_buf_puts(&b, "<section id=\"download\" aria-labelledby=\"h-download\"><h2 "
                    "id=\"h-download\">");
    put_html(&b, t->download_h);
    kf_buf_puts(&b, "</h2><p>");
    put_html(&b, t->download_text);
    if (s->withheld) {
        kf_buf_printf(&b, " %lld", (long long)s->withheld);
        put_html(&b, t->withheld_note);
    }
    kf_buf_puts(&b, "</p><ul><li><a href=\"entries.txt\" download>");
    put_html(&b, t->entries_link);
    kf_buf_puts(&b, "</a></li><li><a href=\"checkpoint.txt\" download>");
    put_html(&b, t->checkpoint_link);
    kf_buf_puts(&b, "</a></li></ul><h3>");
    put_html(&b, t->keys_h);
    kf_buf_puts(&b, "</h3><ul class=\"keys\">");
    for (size_t i = 0; i < s->nkeys; i++) {
        const kf_key_info *k = &s->keys[i];
        if (!(k->role & (KF_ROLE_ADMIN | KF_ROLE_TREASURER)) || k->revoked_seq) continue;
        char vkey[KF_VKEY_MAX];
        kf_key_vkey(k->name, k->pub, vkey);
        kf_buf_puts(&b, "<li><code>");
        put_html(&b, vkey);
        kf_buf_puts(&b, "</code></li>");
    }
    kf_buf_puts(&b, "</ul><h3>");
    put_html(&b, t->about_h);
    kf_buf_puts(&b, "</h3><p>");
    put_html(&b, t->about_text);
    kf_buf_puts(&b, "</p></section>");
    put_page(out, s, t->title, "index", "", &b);
out:
    kf_buf_free(&b);
    return rc;
}

/* --- groups/<id>.html ------------------------------------------------------ */

static kf_code group_page(const site *s, const kf_group *g, kf_buf *out)
{
    const labels *t = s->t;
    kf_buf b = {0};
    char pool[KF_POOL_MAX], fyname[64], key[200];
    kf_code rc = KF_OK;
    snprintf(pool, sizeof pool, "group:%s", g->id);
    kf_buf_puts(&b, "<dl class=\"facts\"><dt>");
    put_html(&b, t->type);
    kf_buf_puts(&b, "</dt><dd>");
    put_html(&b, type_name(t, g->type));
    kf_buf_puts(&b, "</dd><dt>");
    put_html(&b, t->status);
    kf_buf_puts(&b, "</dt><dd>");
    put_html(&b, status_name(t, g->status));
    kf_buf_puts(&b, "</dd></dl>");

    /* its pool, FY by FY, with the gifts designated to it */
    kf_buf_puts(&b, "<div class=\"scroll\"><table class=\"pools\">");
    caption(&b, t->group_pool_cap);
    kf_buf_puts(&b, "<thead><tr>");
    th_col(&b, t->fy_h, false);
    th_col(&b, t->gifts_to, true);
    th_col(&b, t->opening, true);
    th_col(&b, t->in, true);
    th_col(&b, t->out, true);
    th_col(&b, t->closing, true);
    th_col(&b, t->committed, true);
    th_col(&b, t->available, true);
    kf_buf_puts(&b, "</tr></thead><tbody>");
    for (size_t i = 0; i < s->nfys; i++) {
        int fy = s->fys[i];
        kf_pool_figures *rows = NULL, tot, f;
        size_t n = 0;
        if ((rc = kf_pools_figures(s->l, fy, &rows, &n, &tot, s->err))) goto out;
        memset(&f, 0, sizeof f);
        for (size_t j = 0; j < n; j++)
            if (strcmp(rows[j].pool, pool) == 0) f = rows[j];
        free(rows);
        kf_yen gifts = 0;
        for (size_t j = 0; j < s->ndons; j++)
            if (s->dons[j].fy == fy && !s->dons[j].voided && strcmp(s->dons[j].to, pool) == 0 &&
                !kf_add(gifts, s->dons[j].amount, &gifts)) {
                rc = kf_fail(s->err, KF_REFUSED, "FY %d: donations overflow int64 yen", fy);
                goto out;
            }
        fy_text(t, &s->rules, fy, fyname, sizeof fyname);
        kf_buf_puts(&b, "<tr><th scope=\"row\">");
        put_html(&b, fyname);
        kf_buf_puts(&b, "</th>");
        snprintf(key, sizeof key, "des|%d|%s|amount", fy, pool);
        td_yen(&b, t, key, gifts);
        pool_cells(&b, t, fy, pool, &f);
        kf_buf_puts(&b, "</tr>");
    }
    kf_buf_puts(&b, "</tbody></table></div>");

    /* its grants, every FY */
    const char *h1[] = {t->app_id, t->menu, t->title_h};
    size_t napps = 0;
    for (size_t i = 0; i < s->napps; i++)
        if (strcmp(s->apps[i].group, g->id) == 0 && approved(&s->apps[i])) napps++;
    kf_buf_puts(&b, "<h3>");
    put_html(&b, t->group_grants_cap);
    kf_buf_puts(&b, "</h3>");
    if (napps) {
        kf_buf_puts(&b, "<div class=\"scroll\"><table class=\"grants\">");
        caption(&b, t->grants_cap);
        grant_head(&b, t, h1, 3, false);
        kf_buf_puts(&b, "<tbody>");
        for (size_t i = 0; i < s->napps; i++)
            if (strcmp(s->apps[i].group, g->id) == 0 && approved(&s->apps[i]))
                app_row(&b, s, &s->apps[i], false, "../");
        kf_buf_puts(&b, "</tbody></table></div>");
    } else {
        kf_buf_puts(&b, "<p>");
        put_html(&b, t->grants_none);
        kf_buf_puts(&b, "</p>");
    }
    kf_buf_puts(&b, "<p><a href=\"../index.html\">");
    put_html(&b, t->back);
    kf_buf_puts(&b, "</a></p>");
    put_page(out, s, g->name, "group", "../", &b);
out:
    kf_buf_free(&b);
    return rc;
}

/* --- checkpoint.html ------------------------------------------------------- */

static const kf_key_info *find_key(const site *s, uint32_t id)
{
    for (size_t i = 0; i < s->nkeys; i++)
        if (s->keys[i].id == id) return &s->keys[i];
    return NULL;
}

static kf_code checkpoint_page(const site *s, kf_buf *out)
{
    const labels *t = s->t;
    kf_buf b = {0};
    kf_note note;
    kf_code rc = kf_note_parse(s->note.data, s->note.len, &note, s->err);
    if (rc) return rc;
    kf_buf_puts(&b, "<p>");
    put_html(&b, t->checkpoint_text);
    kf_buf_puts(&b, "</p><pre class=\"note\" id=\"note\">");
    put_html(&b, s->note.data);
    kf_buf_puts(&b, "</pre><div class=\"scroll\"><table>");
    caption(&b, t->sigs_cap);
    kf_buf_puts(&b, "<thead><tr>");
    th_col(&b, t->signer, false);
    th_col(&b, t->key_id, false);
    th_col(&b, t->role, false);
    kf_buf_puts(&b, "</tr></thead><tbody>");
    for (size_t i = 0; i < note.nsigs; i++) {
        const kf_key_info *k = find_key(s, note.sigs[i].id);
        kf_buf_puts(&b, "<tr><th scope=\"row\">");
        put_html(&b, note.sigs[i].name);
        kf_buf_printf(&b, "</th><td><code>%08x</code></td><td>", note.sigs[i].id);
        put_html(&b, k ? kf_role_name(k->role) : "?");
        kf_buf_puts(&b, "</td></tr>");
    }
    kf_buf_puts(&b, "</tbody></table></div>");
    kf_note_free(&note);

    if (!s->ncosigs) {
        kf_buf_puts(&b, "<p>");
        put_html(&b, t->cosigs_none);
        kf_buf_puts(&b, "</p>");
    } else {
        kf_buf_puts(&b, "<div class=\"scroll\"><table>");
        caption(&b, t->cosigs_cap);
        kf_buf_puts(&b, "<thead><tr>");
        th_col(&b, t->auditor, false);
        th_col(&b, t->size, true);
        th_col(&b, t->root, false);
        th_col(&b, t->seq, true);
        th_col(&b, t->check, false);
        kf_buf_puts(&b, "</tr></thead><tbody>");
        for (size_t i = 0; i < s->ncosigs; i++) {
            const cosig_row *c = &s->cosigs[i];
            uint8_t idb[4];
            const kf_key_info *k = NULL;
            if (kf_unhex(c->auditor, idb, 4))
                k = find_key(s, (uint32_t)idb[0] << 24 | (uint32_t)idb[1] << 16 |
                                    (uint32_t)idb[2] << 8 | idb[3]);
            kf_buf_puts(&b, "<tr><th scope=\"row\">");
            put_html(&b, k ? k->name : c->auditor);
            kf_buf_printf(&b, "</th><td class=\"num\">%lld</td><td><code>", (long long)c->size);
            put_html(&b, c->root);
            kf_buf_printf(&b, "</code></td><td class=\"num\">%lld</td>", (long long)c->seq);
            kf_buf_printf(&b, "<td class=\"cosig\" data-cosig=\"%lld\">…</td></tr>",
                          (long long)c->seq);
        }
        kf_buf_puts(&b, "</tbody></table></div>");
    }
    kf_buf_puts(&b, "<p><a href=\"checkpoint.txt\" download>");
    put_html(&b, t->checkpoint_link);
    kf_buf_puts(&b, "</a></p>");
    put_page(out, s, t->checkpoint_h, "checkpoint", "", &b);
    kf_buf_free(&b);
    return KF_OK;
}

/* --- verify.html ----------------------------------------------------------- */

static void verify_page(const site *s, kf_buf *out)
{
    const labels *t = s->t;
    kf_buf json = {0}, nav = {0}, fund = {0}, title = {0}, js = {0};
    put_page_json(&json, s, "verify", "");
    put_nav(&nav, s, "");
    put_html(&fund, s->info.fund);
    put_html(&title, t->verify_title);
    kf_buf_puts(&js, (const char *)kf_site_site_js);
    kf_buf_puts(&js, "\n");
    kf_buf_puts(&js, (const char *)kf_site_verify_js);
    const char *keys[] = {"LANG", "TITLE", "FUND", "NAV", "PAGE", "CSS", "JS"};
    const char *vals[] = {t->lang,
                          title.data ? title.data : "",
                          fund.data ? fund.data : "",
                          nav.data ? nav.data : "",
                          json.data ? json.data : "",
                          (const char *)kf_site_site_css,
                          js.data ? js.data : ""};
    fill(out, (const char *)kf_site_verify_html, keys, vals, sizeof keys / sizeof keys[0]);
    kf_buf *all[] = {&json, &nav, &fund, &title, &js};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (all[i]->failed) out->failed = true;
        kf_buf_free(all[i]);
    }
}

/* --- entries.js ------------------------------------------------------------ */

static void data_js(const site *s, kf_buf *out)
{
    kf_buf_puts(out, "/* kifu public site data (docs/FORMAT.md \"The public entries\"): the "
                     "text of\n   entries.txt and of checkpoint.txt, for pages opened from "
                     "file://. */\nwindow.KIFU_DATA = {\"format\": \"kifu.site.v1\",\n"
                     "\"checkpoint\": ");
    put_js_str(out, s->note.data, s->note.len);
    kf_buf_puts(out, ",\n\"entries\": ");
    put_js_str(out, s->entries.data ? s->entries.data : "", s->entries.len);
    kf_buf_puts(out, "};\n");
}

/* --- the whole site -------------------------------------------------------- */

static kf_buf *add_file(kf_site *out, const char *path, kf_err *err)
{
    kf_site_file *f = realloc(out->files, (out->nfiles + 1) * sizeof *f);
    if (!f) {
        kf_fail(err, KF_SYSTEM, "out of memory");
        return NULL;
    }
    out->files = f;
    f = &out->files[out->nfiles++];
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "%s", path);
    return &f->data;
}

kf_code kf_site_build(kf_ledger *l, const kf_site_opts *o, kf_site *out, kf_err *err)
{
    site s;
    kf_verify_report rep;
    kf_err why = {0};
    kf_code rc;
    memset(out, 0, sizeof *out);
    memset(&s, 0, sizeof s);
    s.l = l;
    s.err = err;
    s.t = o->lang == KF_STATEMENT_EN ? &EN : &JA;

    /* The whole verification first: a site shows only what verifies. */
    if ((rc = kf_verify_all(l, NULL, 0, &rep, &why))) {
        if (rc == KF_SYSTEM) {
            *err = why;
            return rc;
        }
        return kf_fail(err, KF_REFUSED, "verification failed, no site written: %s", why.msg);
    }
    if (!kf_now(s.generated, err)) return KF_SYSTEM;
    s.generated[10] = '\0'; /* the date part */
    int64_t version;
    if ((rc = kf_ledger_get_info(l, &s.info, err)) ||
        (rc = kf_rules_current(l, &s.rules, &version, err)) ||
        (rc = kf_checkpoint(l, o->signer, &s.note, err)) ||
        (rc = kf_ledger_keys(l, &s.keys, &s.nkeys, err)) ||
        (rc = kf_groups(l, &s.groups, &s.ngroups, err)) ||
        (rc = kx_names_load(l, o->lang, &s.names, err)) ||
        (rc = kf_grant_rows(l, -1, &s.apps, &s.napps, err)))
        goto out;
    kf_note note;
    if ((rc = kf_note_parse(s.note.data, s.note.len, &note, err))) goto out;
    int64_t cp_size = note.size;
    kf_hex(note.root, KF_HASH_LEN, s.root_hex);
    kf_note_free(&note);
    kf_buf_puts(&s.entries, "kifu.entries.v1\n");
    if ((rc = kf_ledger_scan(l, 1, NULL, scan_entry, &s, err))) goto out;
    /* Another writer may have appended between the checkpoint and the scan:
     * the site must show exactly the checkpoint's entries. */
    if (cp_size != s.info.size) {
        rc = kf_fail(err, KF_REFUSED, "the ledger changed while the site was made; run it again");
        goto out;
    }
    kf_ledger_info now;
    if ((rc = kf_ledger_get_info(l, &now, err))) goto out;
    if (now.size != s.info.size) {
        rc = kf_fail(err, KF_REFUSED, "the ledger changed while the site was made; run it again");
        goto out;
    }
    if (s.nvoids) qsort(s.voids, s.nvoids, sizeof *s.voids, cmp_i64);
    for (size_t i = 0; i < s.ndons; i++)
        s.dons[i].voided = s.nvoids && bsearch(&s.dons[i].seq, s.voids, s.nvoids, sizeof *s.voids,
                                               cmp_i64) != NULL;
    if (s.nfys) qsort(s.fys, s.nfys, sizeof *s.fys, cmp_int);

    kf_buf *f;
    if (!(f = add_file(out, "index.html", err))) goto oom;
    if ((rc = index_page(&s, f))) goto out;
    for (size_t i = 0; i < s.ngroups; i++) {
        char path[128];
        snprintf(path, sizeof path, "groups/%s.html", s.groups[i].id);
        if (!(f = add_file(out, path, err))) goto oom;
        if ((rc = group_page(&s, &s.groups[i], f))) goto out;
    }
    if (!(f = add_file(out, "checkpoint.html", err))) goto oom;
    if ((rc = checkpoint_page(&s, f))) goto out;
    if (!(f = add_file(out, "verify.html", err))) goto oom;
    verify_page(&s, f);
    if (!(f = add_file(out, "checkpoint.txt", err))) goto oom;
    kf_buf_put(f, s.note.data, s.note.len);
    if (!(f = add_file(out, "entries.js", err))) goto oom;
    data_js(&s, f);
    if (!(f = add_file(out, "entries.txt", err))) goto oom;
    *f = s.entries;
    memset(&s.entries, 0, sizeof s.entries);
    for (size_t i = 0; i < out->nfiles && !rc; i++)
        rc = kf_buf_check(&out->files[i].data, err);
    if (rc) goto out;
    out->size = s.info.size;
    out->withheld = s.withheld;
    out->groups = s.ngroups;
    out->fys = s.nfys;
    memcpy(out->root_hex, s.root_hex, sizeof out->root_hex);
    goto out;
oom:
    rc = KF_SYSTEM;
out:
    if (rc) kf_site_free(out);
    kf_buf_free(&s.note);
    kf_buf_free(&s.entries);
    kf_buf_free(&s.scratch);
    free(s.b64);
    free(s.dons);
    free(s.voids);
    free(s.fys);
    free(s.cosigs);
    free(s.groups);
    kx_names_free(s.names);
    free(s.apps);
    free(s.keys);
    return rc;
}

void kf_site_free(kf_site *s)
{
    for (size_t i = 0; i < s->nfiles; i++)
        kf_buf_free(&s->files[i].data);
    free(s->files);
    memset(s, 0, sizeof *s);
}
