/*
 * kifu reports: certificates (寄附金受領証明書, 受領書) that prove, without the
 * database and without trusting anything but the fund's key, what the
 * fund certified (the file format is docs/FORMAT.md "Receipts"); member,
 * group and partner statements; the auditor's workbook.
 *
 * A receipt is a readable header followed by a record (entry.h encoding,
 * magic "kifu.receipt.v2") holding entries — the certificate's
 * `receipt.issue` and its gifts — each as its exact bytes with its RFC 9162
 * inclusion proof, a checkpoint signed by an admin or treasurer key, and
 * the opening (name, address, salt) of the certificate's donor commitment.
 * The header is a fixed rendering of what the record proves, so a verifier
 * re-renders it and compares bytes: nothing readable is unchecked.
 */
#ifndef KIFU_REPORT_H
#define KIFU_REPORT_H

#include "kifu/donations.h"
#include "kifu/grants.h"
#include "kifu/verify.h"
#include "kifu/ledger.h"
#include "kifu/pools.h"

#define KF_RECEIPT_MAGIC "kifu.receipt.v2"
/* A receipt file is never larger than this (the verifier refuses more). */
#define KF_RECEIPT_MAX (1u << 20)
/* The QR code carries the whole record when its compact form is at most
 * this many characters, else the record without the gifts' entries. */
#define KF_RECEIPT_QR_MAX 1800
/* Where a PDF holds its receipt (in its Keywords): this, then the compact
 * form of the text receipt. */
#define KF_RECEIPT_PDF_MARK "kifu-receipt:"

typedef struct {
    int64_t seq;     /* the receipt.issue entry */
    char title[64];  /* 寄附金受領証明書 or 受領書 */
    char number[32]; /* 2026-000001 */
    char reissue_of[32];
    char date[11]; /* issue date */
    char source[KF_POOL_MAX];
    bool company; /* a partner's: 御中, not 様 */
    char donor_name[512], donor_address[1024];
    kf_yen amount;
    int year; /* an annual certificate's calendar year, else 0 */
    kf_cert_gift gifts[KF_CERT_GIFTS_MAX];
    bool proven[KF_CERT_GIFTS_MAX]; /* the gift's own entry is in the receipt and agrees */
    size_t ngifts, nentries;        /* gifts; gift entries in the receipt */
    char designation[2048];
    char fund_name[256], issuer_name[256], issuer_title[256], issuer_address[512], issuer_phone[64],
        tax_note[1024], url[512];
    char origin[256];                /* the checkpoint's origin */
    int64_t size;                    /* tree size of the checkpoint */
    char signer[KF_KEYNAME_MAX + 1]; /* name in the verifier key */
} kf_receipt_summary;

typedef struct {
    kf_buf text;             /* the text receipt: header, blank line, record */
    kf_buf qr;               /* what the QR code holds: <url>#<compact record> */
    bool qr_full;            /* the QR's record holds the gifts' entries too */
    kf_buf embedded;         /* the compact form of text, for the PDF */
    kf_receipt_summary *sum; /* what it proves */
} kf_receipt;

/* Writes the receipt of certificate `seq` (a receipt.issue entry). The
 * checkpoint is signed by `signer` (an active admin or treasurer key) and
 * the proofs are made against its size. Needs the donations module.
 *   KF_BAD_INPUT: seq is not a receipt.issue;
 *   KF_REFUSED:   the certificate's personal data was erased, or the signer
 *                 may not sign checkpoints. */
kf_code kf_receipt_make(kf_ledger *l, const kf_signer *signer, int64_t seq, kf_receipt *out,
                        kf_err *err);
void kf_receipt_free(kf_receipt *r);

/* The compact form: base64url without padding of the zlib (RFC 1950)
 * compression of data, appended to out. */
kf_code kf_receipt_compact(const char *data, size_t len, kf_buf *out, kf_err *err);

/* Writes the certificate as an A4 PDF (reports/receipt_pdf.c): Japanese,
 * fonts embedded, its QR code, and r->embedded in its Keywords after
 * KF_RECEIPT_PDF_MARK. */
kf_code kf_receipt_pdf(const kf_receipt *r, kf_buf *out, kf_err *err);

/* Checks a receipt with no database: vkey is the fund's verifier key
 * (<name>+<id>+<base64>) that must have signed the checkpoint. text is a
 * text receipt, a record alone, a PDF kifu wrote, or what a QR code holds
 * (the URL with the compact record after '#', "QR-Code:" before it as
 * zbarimg prints, or the compact record alone).
 *   KF_BAD_INPUT: not a well-formed receipt, or vkey is malformed;
 *   KF_REFUSED:   the receipt does not prove what it states (the message
 *                 names the first thing that is wrong). */
kf_code kf_receipt_verify(const char *text, size_t len, const char *vkey, kf_receipt_summary *out,
                          kf_err *err);

/* --- member statements (年間寄附明細) ----------------------
 *
 * A supporters' club member's donations in one fiscal year, or in one
 * calendar year (for the member's 確定申告: a gift of January to March
 * counts in its calendar year, whatever its FY), read from the entries (not
 * the derived tables), written as a one-sheet Excel workbook that says it is
 * not a receipt (寄附金受領証明書). *Choice:* voided donations are left out
 * of the lines and the total (they are not gifts any more, as for the
 * member's active/lapsed status); the sheet says how many were left out. */

typedef enum { KF_STATEMENT_JA, KF_STATEMENT_EN } kf_statement_lang;
/* "ja" or "en"; false for anything else. */
bool kf_statement_lang_parse(const char *s, kf_statement_lang *out);

typedef struct {
    int64_t seq;
    char date[11];
    char receipt_no[32]; /* <FY>-<seq, 6 digits>, as on the receipt */
    kf_yen amount, fee;
    char to[KF_POOL_MAX];
    char to_label[256]; /* the designation's name in the statement's language */
    char method[16];
    char ref[128];
} kf_statement_line;

typedef struct {
    char fund[256];
    kf_member member;               /* fy_total and active as derived from the lines (FY only) */
    int fy;                         /* the FY, or 0 for a calendar year's statement */
    int year;                       /* the calendar year, or 0 for an FY's statement */
    char fy_first[11], fy_last[11]; /* the period's first and last days */
    kf_statement_lang lang;
    int64_t size;             /* ledger size read */
    char root_hex[65];        /* Merkle root at that size */
    kf_statement_line *lines; /* by date, then seq; malloc'd */
    size_t nlines;
    size_t voided; /* the member's donations of the period that were voided */
    kf_yen total, fees;
} kf_member_statement;

/* Reads member `id`'s statement for fiscal year fy (year 0) or calendar year
 * `year` (fy 0), its names in lang. Needs the grants and donations modules
 * attached. KF_REFUSED "no member ID" if unknown. */
kf_code kf_member_statement_load(kf_ledger *l, const char *id, int fy, int year,
                                 kf_statement_lang lang, kf_member_statement *out, kf_err *err);
/* Writes st to path as .xlsx (a temporary file renamed into place, so a
 * failure leaves no partial file). I/O failures are KF_SYSTEM. */
kf_code kf_member_statement_xlsx(const kf_member_statement *st, const char *path, kf_err *err);
void kf_member_statement_free(kf_member_statement *st);

/* --- group and partner statements --------------------------------------
 *
 * One-sheet workbooks for fiscal year fy, read from the entries (see
 * reports/group_partner_statements.c for the layout). KF_REFUSED "no group
 * ID" / "no partner ID" if unknown; I/O failures are KF_SYSTEM and leave no file. */
typedef struct {
    int64_t lines;        /* the FY's donations credited to the group's pool / payments */
    int64_t voided;       /* the FY's voids of such gifts (minus lines of their own) */
    kf_yen total;         /* the table's net total (group: credited to the pool) */
    int64_t applications; /* group: its applications of the FY as lead */
    kf_yen approved, paid;
    kf_yen pledged, outstanding; /* partner: over the FY's months */
} kf_statement_result;

kf_code kf_group_statement_xlsx(kf_ledger *l, const char *id, int fy, kf_statement_lang lang,
                                const char *path, kf_statement_result *res, kf_err *err);
kf_code kf_partner_statement_xlsx(kf_ledger *l, const char *id, int fy, kf_statement_lang lang,
                                  const char *path, kf_statement_result *res, kf_err *err);

/* --- the audit workbook ---------------------------------------------- */

typedef struct {
    int fy;
    kf_statement_lang lang;
    /* Optional: an admin or treasurer key that signs the checkpoint shown on
     * the Verification sheet (if it may not sign, the export is refused and
     * writes nothing); without it the sheet shows the unsigned tree head. */
    const kf_signer *signer;
    /* Optional: called now and then with entries written and the total. */
    void (*on_progress)(void *ctx, int64_t done, int64_t total);
    void *ctx;
} kf_audit_opts;

typedef struct {
    int64_t size;         /* ledger entries covered */
    char root_hex[65];    /* Merkle root at that size */
    bool verified;        /* kf_verify_all passed at export time */
    int64_t donations;    /* donation and box.collect rows of the FY */
    int64_t voided;       /* of which voided */
    kf_yen donated;       /* their amounts, less the voided ones */
    int64_t applications; /* rows of the Grants sheet */
    int64_t ledger_rows;  /* rows of the Ledger sheet(s): every entry */
    int sheets;           /* worksheets written */
} kf_audit_result;

/* Writes the auditor's workbook for fiscal year o->fy to path (see
 * reports/audit.c for the sheets). Needs the grants and donations modules
 * attached. A ledger that fails verification is still exported, with the
 * failure on the Summary and Verification sheets (res->verified false).
 * I/O failures are KF_SYSTEM and leave no file. */
kf_code kf_audit_xlsx(kf_ledger *l, const kf_audit_opts *o, const char *path, kf_audit_result *res,
                      kf_err *err);

/* --- the public site (kifu publish) ---------------------------------------
 *
 * A static site of money in and out (reports/site.c, README "The public
 * site"): index.html, groups/<id>.html, checkpoint.html, checkpoint.txt,
 * verify.html, entries.txt and entries.js. Its pages recompute their figures
 * from the published entries in the browser and check them against the
 * checkpoint signed here. */

typedef struct {
    kf_statement_lang lang;
    /* An active admin or treasurer key: signs the site's checkpoint. */
    const kf_signer *signer;
} kf_site_opts;

typedef struct {
    char path[128]; /* relative to the site's directory: "index.html", "groups/G1.html" */
    kf_buf data;
} kf_site_file;

typedef struct {
    kf_site_file *files;
    size_t nfiles;
    int64_t size;     /* entries published (the checkpoint's size) */
    int64_t withheld; /* of which only the leaf hash is published */
    size_t groups, fys;
    char root_hex[65];
} kf_site;

/* Builds the site in memory, after the whole verification (kf_verify_all):
 * a ledger that fails it is KF_REFUSED ("verification failed, no site
 * written: ...") and nothing is built. Needs the grants and donations
 * modules attached. */
kf_code kf_site_build(kf_ledger *l, const kf_site_opts *o, kf_site *out, kf_err *err);
void kf_site_free(kf_site *s);

#endif
