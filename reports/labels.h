/*
 * What a reader of a report reads instead of codes (reports/ only; not a
 * public header): the names of pools, sources, entry kinds, payment
 * methods, menus and grant states, in Japanese or English, and dates and
 * fiscal years as Japanese documents write them (和暦: 令和8年5月1日,
 * 令和8年度). README, "Names and dates in the reports", lists them.
 *
 * The names of groups, members, partners and boxes come from the registry,
 * those of fields, themes and menus from the rules in force, read once into
 * a kx_names. A code with no name (an id the registry does not know) is
 * shown as the code itself, never as an empty cell.
 */
#ifndef KIFU_REPORTS_LABELS_H
#define KIFU_REPORTS_LABELS_H

#include "kifu/fund.h"
#include "kifu/grants.h"
#include "kifu/ledger.h"
#include "kifu/report.h"

#include <stddef.h>

typedef struct kx_names kx_names;

/* Reads the registry's names and the rules in force. */
kf_code kx_names_load(kf_ledger *l, kf_statement_lang lang, kx_names **out, kf_err *err);
void kx_names_free(kx_names *n);
kf_statement_lang kx_names_lang(const kx_names *n);
const kf_rules *kx_names_rules(const kx_names *n);

/* A pool or designation in words: ja 一般, 子ども食堂（団体）, 福祉（分野）,
 * まちづくり（テーマ); en general, 子ども食堂 (group), … */
void kx_pool_name(const kx_names *n, const char *pool, char *out, size_t size);
/* Where a gift came from: ja 直接, 会員 山田花子, クリック募金 協賛社, 募金箱
 * 区役所; en direct, member 山田花子, … */
void kx_source_name(const kx_names *n, const char *source, char *out, size_t size);
/* A group's name ("" if unknown). */
const char *kx_group_name(const kx_names *n, const char *id);
/* A menu's name from the rules (the code if the rules have no such menu). */
const char *kx_menu_name(const kx_names *n, const char *menu);

/* Source kinds, in the order of the reports' columns. */
enum { KX_SRC_DIRECT, KX_SRC_MEMBER, KX_SRC_PARTNER, KX_SRC_BOX, KX_NSRC };
int kx_source_kind(const char *source);
const char *kx_source_kind_name(int kind, kf_statement_lang lang);

/* An entry kind, a payment method, a group type or status in words (the
 * code itself when unknown). */
const char *kx_kind_name(const char *kind, kf_statement_lang lang);
const char *kx_method_name(const char *method, kf_statement_lang lang);
/* A group's type (one KF_GT_* bit) and status (one KF_ST_* bit): ja
 * 町内会・自治会, …; 登録, 仮登録, 登録抹消. "?" for anything else. */
const char *kx_group_type_name(unsigned type, kf_statement_lang lang);
const char *kx_group_status_name(unsigned status, kf_statement_lang lang);
/* A key's role: ja 管理者（事務局）, 会計, 審査員, 監査委員. */
const char *kx_role_name(unsigned role, kf_statement_lang lang);
/* An eligibility reason code (docs/ENTRIES.md "Eligibility") in words, and
 * a comma-separated list of them (a rejection's reason); text that is not
 * a code is kept as written. */
const char *kx_reason_name(const char *code, kf_statement_lang lang);
void kx_reasons_text(const char *reasons, kf_statement_lang lang, char *out, size_t size);

/* The state of an application in words: 申請中, 不採択, 交付決定, 交付済
 * (paid in full), 一部交付 (partly paid), 確定 (settled), 返還済 (settled
 * and refunded in full), 返還待ち (a refund due). */
const char *kx_grant_state(const kf_grant_row *g, kf_statement_lang lang);

/* A YYYY-MM-DD date in 和暦: 令和8年5月1日 (令和元年 for 2019-05-01 on,
 * 平成 from 1989-01-08, 昭和 from 1926-12-25, 大正 from 1912-07-30, 明治
 * before); false (out = the text as given) if it is not a date. */
bool kx_wareki(const char *date, char *out, size_t size);
/* A date as the language writes it: 和暦 in ja, YYYY-MM-DD in en. */
void kx_date_text(kf_statement_lang lang, const char *date, char *out, size_t size);
/* A fiscal year's name: ja 令和8年度 (the era of its first day), en FY2026.
 * first_day is the FY's first day (YYYY-MM-DD). */
void kx_fy_name(kf_statement_lang lang, const char *first_day, int fy, char *out, size_t size);

/* A whole number with thousands separators: -1,234,567. */
void kx_grouped(int64_t v, char out[32]);
/* An amount as text: 1,234円 (ja), ¥1,234 (en). */
void kx_yen_text(kf_statement_lang lang, int64_t v, char *out, size_t size);

/* The Excel number format that shows a date cell in 和暦 (ja) or ISO (en). */
const char *kx_date_format(kf_statement_lang lang);
/* The Excel number format of yen: 1,234円 (ja) or ¥1,234 (en). */
const char *kx_yen_format(kf_statement_lang lang);

#endif
