/* Internals shared by reports/receipt.c and reports/receipt_pdf.c. */
#ifndef KIFU_RECEIPT_INTERNAL_H
#define KIFU_RECEIPT_INTERNAL_H

#include "kifu/report.h"

/* "2026-05-01" -> "令和8年5月1日" (平成 before 2019-05-01, 令和元年 for its first
 * year; the Western date for dates before 平成).
 * TODO: merge with kf_wareki_date of reports/labels.c once both are in main. */
void rc_wareki(const char *date, char *out, size_t outsz);
/* 50000 -> "金 50,000円". */
void rc_yen(kf_yen v, char *out, size_t outsz);

#endif
