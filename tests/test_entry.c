/* Unit tests: canonical entry encoding, checked helpers. */
#include "check_common.h"
#include "kifu/common.h"
#include "kifu/entry.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const char *encode(kf_entry *e, kf_buf *b)
{
    b->len = 0;
    ck_assert_int_eq(kf_entry_encode(e, b, NULL), KF_OK);
    return b->data;
}

START_TEST(encodes_sorted_and_escaped)
{
    kf_entry *e = kf_entry_new("donation");
    kf_buf b = {0};
    e->seq = 42;
    ck_assert_int_eq(kf_entry_set_str(e, "to", "general", NULL), KF_OK);
    ck_assert_int_eq(kf_entry_set_int(e, "amount", 5000, NULL), KF_OK);
    ck_assert_int_eq(kf_entry_set_str(e, "note", "a\\b\nc\rd 寄附", NULL), KF_OK);
    ck_assert_int_eq(kf_entry_set_int(e, "fee", -7, NULL), KF_OK);
    ck_assert_str_eq(encode(e, &b), "kifu.entry.v1\nseq#42\nkind=donation\namount#5000\nfee#-7\n"
                                    "note=a\\\\b\\nc\\rd 寄附\nto=general\n");
    /* replacing a key keeps one copy */
    ck_assert_int_eq(kf_entry_set_int(e, "amount", 6000, NULL), KF_OK);
    ck_assert_uint_eq(e->nfields, 4);
    int64_t v;
    ck_assert(kf_entry_int(e, "amount", &v));
    ck_assert_int_eq(v, 6000);
    ck_assert_ptr_null(kf_entry_str(e, "amount"));
    kf_buf_free(&b);
    kf_entry_free(e);
}
END_TEST

START_TEST(decode_roundtrip)
{
    kf_entry *e = kf_entry_new("key.add"), *d = NULL;
    kf_buf b = {0}, again = {0};
    e->seq = 7;
    kf_entry_set_str(e, "name", "x\ny\\", NULL);
    kf_entry_set_int(e, "big", INT64_MIN, NULL);
    kf_entry_set_str(e, "empty", "", NULL);
    encode(e, &b);
    ck_assert_int_eq(kf_entry_decode(b.data, b.len, KF_ENTRY_MAGIC, &d, NULL), KF_OK);
    ck_assert_int_eq(d->seq, 7);
    ck_assert_str_eq(d->kind, "key.add");
    ck_assert_str_eq(kf_entry_str(d, "name"), "x\ny\\");
    ck_assert_str_eq(kf_entry_str(d, "empty"), "");
    int64_t v;
    ck_assert(kf_entry_int(d, "big", &v));
    ck_assert(v == INT64_MIN);
    encode(d, &again);
    ck_assert_uint_eq(again.len, b.len);
    ck_assert(memcmp(again.data, b.data, b.len) == 0);
    /* the wrong magic is refused */
    kf_entry *c = NULL;
    ck_assert_int_eq(kf_entry_decode(b.data, b.len, KF_COMMIT_MAGIC, &c, NULL), KF_BAD_INPUT);
    kf_buf_free(&b);
    kf_buf_free(&again);
    kf_entry_free(e);
    kf_entry_free(d);
}
END_TEST

static kf_code dec(const char *s)
{
    kf_entry *e = NULL;
    kf_err err;
    kf_code rc = kf_entry_decode(s, strlen(s), KF_ENTRY_MAGIC, &e, &err);
    kf_entry_free(e);
    return rc;
}

START_TEST(decode_rejects_noncanonical)
{
    ck_assert_int_eq(dec("kifu.entry.v1\nseq#1\nkind=x\na=1\nb#2\n"), KF_OK);
    ck_assert_int_eq(dec("kifu.entry.v1\nseq#1\nkind=x\nb#2\na=1\n"), KF_BAD_INPUT); /* order */
    ck_assert_int_eq(dec("kifu.entry.v1\nseq#1\nkind=x\na=1\na=2\n"), KF_BAD_INPUT); /* dup */
    ck_assert_int_eq(dec("kifu.entry.v1\nseq#01\nkind=x\n"), KF_BAD_INPUT);          /* leading 0 */
    ck_assert_int_eq(dec("kifu.entry.v1\nseq#1\nkind=x\na#+5\n"), KF_BAD_INPUT);
    ck_assert_int_eq(dec("kifu.entry.v1\nseq#1\nkind=x\na#-0\n"), KF_BAD_INPUT);
    ck_assert_int_eq(dec("kifu.entry.v1\nseq#1\nkind=x\na=\\t\n"), KF_BAD_INPUT); /* escape */
    ck_assert_int_eq(dec("kifu.entry.v1\nseq#1\nkind=x\na=1"), KF_BAD_INPUT);     /* no final LF */
    ck_assert_int_eq(dec("kifu.entry.v1\nkind=x\nseq#1\n"), KF_BAD_INPUT);
    ck_assert_int_eq(dec("kifu.entry.v2\nseq#1\nkind=x\n"), KF_BAD_INPUT);
    ck_assert_int_eq(dec("kifu.entry.v1\nseq#1\nkind=x\nA=1\n"), KF_BAD_INPUT);    /* key case */
    ck_assert_int_eq(dec("kifu.entry.v1\nseq#1\nkind=x\na=\xff\n"), KF_BAD_INPUT); /* utf-8 */
    ck_assert_int_eq(dec("kifu.entry.v1\nseq#1\nkind=x\na#99999999999999999999\n"), KF_BAD_INPUT);
    ck_assert_int_eq(dec(""), KF_BAD_INPUT);
    /* A NUL inside a key (found by fuzz/fuzz_entry): "a\0b" must not pass as
     * key "a", or two byte strings would decode to one entry. */
    static const char nul_key[] = "kifu.entry.v1\nseq#1\nkind=x\na\0b=c\n";
    static const char nul_seq[] = "kifu.entry.v1\nseq\0x#1\nkind=x\n";
    kf_entry *e = NULL;
    ck_assert_int_eq(kf_entry_decode(nul_key, sizeof nul_key - 1, KF_ENTRY_MAGIC, &e, NULL),
                     KF_BAD_INPUT);
    ck_assert_int_eq(kf_entry_decode(nul_seq, sizeof nul_seq - 1, KF_ENTRY_MAGIC, &e, NULL),
                     KF_BAD_INPUT);
}
END_TEST

START_TEST(rejects_bad_keys_and_values)
{
    kf_entry *e = kf_entry_new("x");
    kf_err err;
    ck_assert_int_eq(kf_entry_set_str(e, "seq", "1", &err), KF_BAD_INPUT);
    ck_assert_int_eq(kf_entry_set_str(e, "kind", "1", &err), KF_BAD_INPUT);
    ck_assert_int_eq(kf_entry_set_str(e, "Bad", "1", &err), KF_BAD_INPUT);
    ck_assert_int_eq(kf_entry_set_str(e, "a b", "1", &err), KF_BAD_INPUT);
    ck_assert_int_eq(kf_entry_set_str(e, "", "1", &err), KF_BAD_INPUT);
    ck_assert_int_eq(kf_entry_set_str(e, "ok", "\xc3\x28", &err), KF_BAD_INPUT);
    ck_assert_int_eq(kf_entry_set_str(e, "ok", "\xed\xa0\x80", &err), KF_BAD_INPUT); /* surrogate */
    ck_assert_int_eq(kf_entry_set_str(e, "ok", "\xc0\xaf", &err), KF_BAD_INPUT);     /* overlong */
    ck_assert_ptr_nonnull(strstr(err.msg, "ok"));
    ck_assert_uint_eq(e->nfields, 0);
    kf_entry_free(e);
}
END_TEST

START_TEST(checked_helpers)
{
    int64_t v;
    kf_yen r;
    ck_assert(kf_parse_i64("9223372036854775807", &v) && v == INT64_MAX);
    ck_assert(kf_parse_i64("-9223372036854775808", &v) && v == INT64_MIN);
    ck_assert(!kf_parse_i64("9223372036854775808", &v));
    ck_assert(!kf_parse_i64("12a", &v));
    ck_assert(!kf_parse_i64("", &v));
    ck_assert(!kf_parse_i64("-", &v));
    ck_assert(!kf_parse_i64(" 1", &v));
    ck_assert(!kf_add(INT64_MAX, 1, &r));
    ck_assert(kf_add(1, 2, &r) && r == 3);
    ck_assert(!kf_sub(INT64_MIN, 1, &r));
    ck_assert(!kf_mul(INT64_MAX / 2 + 1, 2, &r));
    ck_assert_int_eq(kf_floor_to(123456, 1000), 123000);
    ck_assert_int_eq(kf_floor_to(999, 1000), 0);
    ck_assert_int_eq(kf_floor_to(5, 1), 5);
    ck_assert(kf_parse_date("2024-02-29", NULL, NULL, NULL));
    ck_assert(!kf_parse_date("2026-02-29", NULL, NULL, NULL));
    ck_assert(!kf_parse_date("2026-13-01", NULL, NULL, NULL));
    ck_assert(!kf_parse_date("2026-4-01", NULL, NULL, NULL));
    kf_rules *rules = malloc(sizeof *rules);
    ck_assert_ptr_nonnull(rules);
    kf_rules_default(rules);
    ck_assert_int_eq(kf_rules_fy(rules, "2027-03-31"), 2026);
    ck_assert_int_eq(kf_rules_fy(rules, "2026-04-01"), 2026);
    free(rules);
    ck_assert(kf_is_leap(2024) && kf_is_leap(2000) && !kf_is_leap(1900) && !kf_is_leap(2026));
    ck_assert_int_eq(kf_days_in_month(2024, 2), 29);
    ck_assert_int_eq(kf_days_in_month(2026, 2), 28);
    ck_assert_int_eq(kf_days_in_month(2026, 4), 30);
    ck_assert_int_eq(kf_days_in_month(2026, 12), 31);
    char date[11];
    kf_format_date(date, 2026, 4, 1);
    ck_assert_str_eq(date, "2026-04-01");
    kf_format_date(date, 12026, 12, 31);
    ck_assert_str_eq(date, "9999-12-31");
    ck_assert(kf_valid_rfc3339("2026-05-01T09:00:00+09:00"));
    ck_assert(kf_valid_rfc3339("2026-05-01T00:00:00.123Z"));
    ck_assert(!kf_valid_rfc3339("2026-05-01 09:00:00+09:00"));
    ck_assert(!kf_valid_rfc3339("2026-05-01T25:00:00Z"));
    uint8_t bin[3] = {0xde, 0xad, 0x01}, back[3];
    char hex[7], b64[8];
    kf_hex(bin, 3, hex);
    ck_assert_str_eq(hex, "dead01");
    ck_assert(kf_unhex("DEAD01", back, 3) && memcmp(back, bin, 3) == 0);
    ck_assert(!kf_unhex("dead0", back, 3));
    kf_b64(bin, 3, b64, sizeof b64);
    ck_assert_str_eq(b64, "3q0B");
    size_t n;
    ck_assert(kf_unb64("3q0B", back, 3, &n) && n == 3);
    ck_assert(!kf_unb64("3q0B!", back, 3, &n));
}
END_TEST

START_TEST(json_fields)
{
    kf_entry *e = kf_entry_new("x");
    kf_buf b = {0};
    kf_entry_set_str(e, "s", "q\"\\\n\x01", NULL);
    kf_entry_set_int(e, "n", -3, NULL);
    ck_assert(kf_entry_fields_json(e, &b));
    ck_assert_str_eq(b.data, "{\"n\":-3,\"s\":\"q\\\"\\\\\\n\\u0001\"}");
    kf_buf_free(&b);
    kf_entry_free(e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("entry");
    TCase *tc = tu_core(s, NULL, NULL);
    tcase_add_test(tc, encodes_sorted_and_escaped);
    tcase_add_test(tc, decode_roundtrip);
    tcase_add_test(tc, decode_rejects_noncanonical);
    tcase_add_test(tc, rejects_bad_keys_and_values);
    tcase_add_test(tc, checked_helpers);
    tcase_add_test(tc, json_fields);
    return tu_run(s);
}
