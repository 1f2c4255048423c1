/*
 * Names and dates for the reports (labels.h).
 */
#include "labels.h"

#include "kifu/donations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kx_names {
    kf_statement_lang lang;
    kf_rules rules;
    kf_group *groups;
    size_t ngroups;
    kf_member *members;
    size_t nmembers;
    kf_partner *partners;
    size_t npartners;
    kf_box *boxes;
    size_t nboxes;
};

kf_code kx_names_load(kf_ledger *l, kf_statement_lang lang, kx_names **out, kf_err *err)
{
    kx_names *n = calloc(1, sizeof *n);
    kf_code rc;
    if (!n) return kf_fail(err, KF_SYSTEM, "out of memory");
    n->lang = lang;
    if ((rc = kf_rules_current(l, &n->rules, NULL, err)) ||
        (rc = kf_groups(l, &n->groups, &n->ngroups, err)) ||
        (rc = kf_don_members(l, 0, &n->members, &n->nmembers, err)) ||
        (rc = kf_don_partners(l, &n->partners, &n->npartners, err)) ||
        (rc = kf_don_boxes(l, &n->boxes, &n->nboxes, err))) {
        kx_names_free(n);
        return rc;
    }
    *out = n;
    return KF_OK;
}

void kx_names_free(kx_names *n)
{
    if (!n) return;
    free(n->groups);
    free(n->members);
    free(n->partners);
    free(n->boxes);
    free(n);
}

kf_statement_lang kx_names_lang(const kx_names *n)
{
    return n->lang;
}
const kf_rules *kx_names_rules(const kx_names *n)
{
    return &n->rules;
}

static bool ja(const kx_names *n)
{
    return n->lang == KF_STATEMENT_JA;
}

const char *kx_group_name(const kx_names *n, const char *id)
{
    for (size_t i = 0; i < n->ngroups; i++)
        if (!strcmp(n->groups[i].id, id)) return n->groups[i].name;
    return "";
}

const char *kx_menu_name(const kx_names *n, const char *menu)
{
    const kf_menu *m = kf_rules_menu(&n->rules, menu);
    return m && m->name[0] ? m->name : menu;
}

/* "name（what）" in ja, "name (what)" in en; the code when there is no name. */
static void named(const kx_names *n, const char *name, const char *what_ja, const char *what_en,
                  const char *code, char *out, size_t size)
{
    if (!name || !name[0])
        snprintf(out, size, "%s", code);
    else if (ja(n))
        snprintf(out, size, "%s（%s）", name, what_ja);
    else
        snprintf(out, size, "%s (%s)", name, what_en);
}

void kx_pool_name(const kx_names *n, const char *pool, char *out, size_t size)
{
    if (!strcmp(pool, "general")) {
        snprintf(out, size, "%s", ja(n) ? "一般" : "general");
    } else if (!strncmp(pool, "group:", 6)) {
        named(n, kx_group_name(n, pool + 6), "団体", "group", pool, out, size);
    } else if (!strncmp(pool, "field:", 6)) {
        const kf_rules_item *it = kf_rules_field(&n->rules, pool + 6);
        named(n, it ? it->label : NULL, "分野", "field", pool, out, size);
    } else if (!strncmp(pool, "theme:", 6)) {
        const kf_rules_item *it = kf_rules_theme(&n->rules, pool + 6);
        named(n, it ? it->label : NULL, "テーマ", "theme", pool, out, size);
    } else {
        snprintf(out, size, "%s", pool);
    }
}

int kx_source_kind(const char *source)
{
    if (!strncmp(source, "member:", 7)) return KX_SRC_MEMBER;
    if (!strncmp(source, "partner:", 8)) return KX_SRC_PARTNER;
    if (!strncmp(source, "box:", 4)) return KX_SRC_BOX;
    return KX_SRC_DIRECT;
}

const char *kx_source_kind_name(int kind, kf_statement_lang lang)
{
    static const char *const names[2][KX_NSRC] = {
        {"個人・団体（直接）", "サポーターズクラブ会員", "クリック募金", "募金箱"},
        {"direct", "supporters' club", "click fund", "donation box"},
    };
    return kind >= 0 && kind < KX_NSRC ? names[lang == KF_STATEMENT_EN][kind] : "";
}

void kx_source_name(const kx_names *n, const char *source, char *out, size_t size)
{
    int k = kx_source_kind(source);
    const char *id = strchr(source, ':'), *name = NULL;
    id = id ? id + 1 : "";
    if (k == KX_SRC_MEMBER) {
        for (size_t i = 0; i < n->nmembers && !name; i++)
            if (!strcmp(n->members[i].id, id)) name = n->members[i].name;
    } else if (k == KX_SRC_PARTNER) {
        for (size_t i = 0; i < n->npartners && !name; i++)
            if (!strcmp(n->partners[i].id, id)) name = n->partners[i].name;
    } else if (k == KX_SRC_BOX) {
        for (size_t i = 0; i < n->nboxes && !name; i++)
            if (!strcmp(n->boxes[i].id, id)) name = n->boxes[i].location;
    } else {
        snprintf(out, size, "%s", ja(n) ? "直接" : "direct");
        return;
    }
    const char *what = ja(n) ? (k == KX_SRC_MEMBER    ? "会員"
                                : k == KX_SRC_PARTNER ? "クリック募金"
                                                      : "募金箱")
                             : (k == KX_SRC_MEMBER    ? "member"
                                : k == KX_SRC_PARTNER ? "click fund"
                                                      : "box");
    if (name && name[0])
        snprintf(out, size, "%s %s", what, name);
    else
        snprintf(out, size, "%s %s", what, id);
}

static const char *lookup(const char *const (*table)[3], size_t n, const char *code,
                          kf_statement_lang lang)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(table[i][0], code)) return table[i][lang == KF_STATEMENT_EN ? 2 : 1];
    return code;
}

const char *kx_kind_name(const char *kind, kf_statement_lang lang)
{
    static const char *const t[][3] = {
        {"genesis", "台帳の開始", "ledger start"},
        {"key.add", "鍵の登録", "key added"},
        {"key.revoke", "鍵の失効", "key revoked"},
        {"checkpoint.cosign", "チェックポイント連署", "checkpoint cosigned"},
        {"rules.load", "規則の読込", "rules loaded"},
        {"group.add", "団体の登録", "group registered"},
        {"group.update", "団体の変更", "group changed"},
        {"group.deregister", "団体の登録抹消", "group deregistered"},
        {"member.add", "会員の登録", "member added"},
        {"partner.add", "協賛企業の登録", "partner added"},
        {"box.add", "募金箱の設置", "box placed"},
        {"donation", "寄附", "donation"},
        {"box.collect", "募金箱の回収", "box collection"},
        {"donation.void", "寄附の取消", "donation voided"},
        {"partner.clicks", "クリック数の記録", "clicks recorded"},
        {"personal.erase", "個人情報の消去", "personal data erased"},
        {"fund.interest", "運用益", "interest earned"},
        {"grant.apply", "助成の申請", "grant application"},
        {"grant.review", "審査", "review"},
        {"grant.decide", "交付決定", "decision"},
        {"grant.pay", "助成金の支払", "grant payment"},
        {"grant.settle", "実績報告・額の確定", "settlement"},
        {"grant.refund", "返還金の戻入", "refund returned"},
    };
    return lookup(t, sizeof t / sizeof t[0], kind, lang);
}

const char *kx_method_name(const char *method, kf_statement_lang lang)
{
    static const char *const t[][3] = {
        {"cash", "現金", "cash"},
        {"transfer", "口座振込", "bank transfer"},
        {"card", "クレジットカード", "card"},
        {"slip", "払込票", "payment slip"},
    };
    return lookup(t, sizeof t / sizeof t[0], method, lang);
}

const char *kx_grant_state(const kf_grant_row *g, kf_statement_lang lang)
{
    bool en = lang == KF_STATEMENT_EN;
    if (!strcmp(g->status, "open")) return en ? "under review" : "申請中";
    if (!strcmp(g->status, "rejected")) return en ? "not awarded" : "不採択";
    /* kf_grant_rows says "settled" once the grant is settled */
    if (strcmp(g->status, "approved") && strcmp(g->status, "settled")) return g->status;
    if (g->settled) {
        if (g->refund_due > g->refunded) return en ? "settled, refund due" : "確定（返還待ち）";
        if (g->refunded > 0) return en ? "settled, refunded" : "確定（返還済）";
        return en ? "settled" : "確定";
    }
    if (g->paid == 0) return en ? "awarded" : "交付決定";
    if (g->paid < g->approved) return en ? "partly paid" : "一部交付済";
    return en ? "paid" : "交付済";
}

/* --- dates ---------------------------------------------------------------- */

static const struct era {
    const char *name;
    int y, m, d; /* its first day */
} ERAS[] = {
    {"令和", 2019, 5, 1},
    {"平成", 1989, 1, 8},
    {"昭和", 1926, 12, 25},
    {"大正", 1912, 7, 30},
};

bool kx_wareki(const char *date, char *out, size_t size)
{
    int y, m, d;
    if (!kf_parse_date(date, &y, &m, &d)) {
        snprintf(out, size, "%s", date);
        return false;
    }
    const char *era = "明治";
    int first = 1868;
    for (size_t i = 0; i < sizeof ERAS / sizeof ERAS[0]; i++) {
        const struct era *e = &ERAS[i];
        if (y > e->y || (y == e->y && (m > e->m || (m == e->m && d >= e->d)))) {
            era = e->name;
            first = e->y;
            break;
        }
    }
    int n = y - first + 1;
    if (n == 1)
        snprintf(out, size, "%s元年%d月%d日", era, m, d);
    else
        snprintf(out, size, "%s%d年%d月%d日", era, n, m, d);
    return true;
}

void kx_date_text(kf_statement_lang lang, const char *date, char *out, size_t size)
{
    if (lang == KF_STATEMENT_JA)
        kx_wareki(date, out, size);
    else
        snprintf(out, size, "%s", date);
}

void kx_fy_name(kf_statement_lang lang, const char *first_day, int fy, char *out, size_t size)
{
    if (lang == KF_STATEMENT_EN) {
        snprintf(out, size, "FY%d", fy);
        return;
    }
    char w[64];
    if (!kx_wareki(first_day, w, sizeof w)) {
        snprintf(out, size, "%d年度", fy);
        return;
    }
    /* "令和8年4月1日" -> "令和8年度": the era and year up to 年. */
    char *nen = strstr(w, "年");
    if (nen) *nen = '\0';
    snprintf(out, size, "%s年度", w);
}

const char *kx_date_format(kf_statement_lang lang)
{
    return lang == KF_STATEMENT_JA ? "[$-411]ggge\"年\"m\"月\"d\"日\"" : "yyyy-mm-dd";
}

const char *kx_yen_format(kf_statement_lang lang)
{
    return lang == KF_STATEMENT_JA ? "#,##0\"円\";-#,##0\"円\"" : "\"¥\"#,##0;-\"¥\"#,##0";
}

const char *kx_role_name(unsigned role, kf_statement_lang lang)
{
    bool en = lang == KF_STATEMENT_EN;
    switch (role) {
    case KF_ROLE_ADMIN:
        return en ? "administrator" : "管理者（事務局）";
    case KF_ROLE_TREASURER:
        return en ? "treasurer" : "会計";
    case KF_ROLE_REVIEWER:
        return en ? "reviewer" : "審査員";
    case KF_ROLE_AUDITOR:
        return en ? "auditor" : "監査委員";
    default:
        return kf_role_name(role);
    }
}

const char *kx_reason_name(const char *code, kf_statement_lang lang)
{
    static const char *const t[][3] = {
        {"status", "団体の登録状態が対象外", "the group's status is not eligible"},
        {"group_type", "団体の種類が対象外", "the group's type is not eligible"},
        {"members", "構成員数が要件に満たない", "too few members"},
        {"age", "設立からの年数が要件に満たない", "the group is too young"},
        {"partners", "連携団体の要件を満たさない", "the partner requirement is not met"},
        {"max_awards", "このメニューの交付件数の上限に達している",
         "the menu's number of awards is reached"},
        {"consecutive", "連続して交付を受けられる回数を超える", "too many consecutive awards"},
        {"exclusive", "同じ区分の助成を同じ年度に既に受けている",
         "already awarded a grant of the same exclusive kind"},
        {"expenses", "助成対象経費がない", "no eligible expenses"},
        {"below_min", "上限額が最低交付額に満たない",
         "the ceiling is below the menu's minimum award"},
        {"duplicate", "同じ事業の重複申請", "a duplicate application"},
        {"field", "分野が対象外", "the field is not one the menu takes"},
        {"theme", "テーマが対象外", "the theme is not one the menu takes"},
    };
    return lookup(t, sizeof t / sizeof t[0], code, lang);
}

void kx_reasons_text(const char *reasons, kf_statement_lang lang, char *out, size_t size)
{
    /* "exclusive, age" -> each code in words; text that is not a code stays. */
    size_t len = 0;
    out[0] = '\0';
    const char *p = reasons;
    while (*p && len + 1 < size) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p) break;
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && p[n - 1] == ' ')
            n--;
        char code[128];
        snprintf(code, sizeof code, "%.*s", (int)(n < sizeof code - 1 ? n : sizeof code - 1), p);
        const char *w = n < sizeof code ? kx_reason_name(code, lang) : code;
        int k = snprintf(out + len, size - len, "%s%s",
                         len ? (lang == KF_STATEMENT_EN ? "; " : "、") : "", w);
        if (k < 0 || (size_t)k >= size - len) break;
        len += (size_t)k;
        p = e ? e + 1 : p + strlen(p);
    }
}

void kx_grouped(int64_t v, char out[32])
{
    char digits[24];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)u), k = 0;
    if (v < 0) out[k++] = '-';
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = '\0';
}

void kx_yen_text(kf_statement_lang lang, int64_t v, char *out, size_t size)
{
    char grouped[32];
    kx_grouped(v, grouped); /* "-1,234" */
    if (lang == KF_STATEMENT_EN)
        snprintf(out, size, "%s¥%s", v < 0 ? "-" : "", grouped + (v < 0));
    else
        snprintf(out, size, "%s円", grouped);
}

const char *kx_group_type_name(unsigned type, kf_statement_lang lang)
{
    static const char *const names[2][5] = {
        {"町内会・自治会", "ボランティア団体", "NPO法人", "実行委員会", "その他"},
        {"neighbourhood association", "volunteer group", "NPO", "committee", "other"},
    };
    for (int i = 0; i < 5; i++)
        if (type == (1u << i)) return names[lang == KF_STATEMENT_EN][i];
    return "?";
}

const char *kx_group_status_name(unsigned status, kf_statement_lang lang)
{
    static const char *const names[2][3] = {{"登録", "仮登録", "登録抹消"},
                                            {"registered", "provisional", "deregistered"}};
    for (int i = 0; i < 3; i++)
        if (status == (1u << i)) return names[lang == KF_STATEMENT_EN][i];
    return "?";
}
