/* Unit tests: kf_buf, the byte buffer every document is built in, and its
 * sticky error: an append that fails leaves the buffer failed, later
 * appends add nothing, and kf_buf_check reports it once at the end.
 *
 * The failures here are real ones of kf_buf, not stubs: a size that would
 * wrap len + n + 1 past SIZE_MAX, and a format vsnprintf cannot convert (a
 * wide character outside the C locale's charset: EILSEQ). A failed
 * allocation is tested in test_faults.c (a_buffer_remembers_a_failed_allocation). */
#include "check_common.h"
#include "kifu/common.h"

#include <check.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

START_TEST(appends_and_checks)
{
    kf_buf b = {0};
    kf_err err = {0};
    ck_assert(kf_buf_puts(&b, "{\"a\":"));
    ck_assert(kf_buf_json_str(&b, "x\"\n\x01"));
    ck_assert(kf_buf_printf(&b, ",\"n\":%d}", 42));
    ck_assert(kf_buf_put(&b, "", 0));
    ck_assert_str_eq(b.data, "{\"a\":\"x\\\"\\n\\u0001\",\"n\":42}");
    ck_assert_uint_eq(b.len, strlen(b.data));
    ck_assert(!b.failed);
    ck_assert_int_eq(kf_buf_check(&b, &err), KF_OK);
    /* longer than printf's small buffer, and many growths */
    char big[1000];
    size_t base = b.len;
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (int i = 0; i < 100; i++)
        ck_assert(kf_buf_printf(&b, "%s", big));
    ck_assert_uint_eq(b.len, base + 100 * 999);
    ck_assert_uint_eq(strlen(b.data), b.len);
    ck_assert_int_eq(kf_buf_check(&b, NULL), KF_OK);
    kf_buf_free(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(a_size_past_size_max_fails_and_sticks)
{
    kf_buf b = {0};
    kf_err err = {0};
    ck_assert(kf_buf_puts(&b, "[1"));
    /* len + n + 1 would wrap: nothing is read from p, nothing appended */
    ck_assert(!kf_buf_put(&b, "x", SIZE_MAX - 2));
    ck_assert(b.failed);
    ck_assert_uint_eq(b.len, 2);
    /* every later append adds nothing, whichever kind */
    ck_assert(!kf_buf_puts(&b, ",2"));
    ck_assert(!kf_buf_put(&b, ",3", 2));
    ck_assert(!kf_buf_printf(&b, ",%d", 4));
    ck_assert(!kf_buf_json_str(&b, "five"));
    ck_assert(!kf_buf_puts(&b, "]"));
    ck_assert_uint_eq(b.len, 2);
    ck_assert_str_eq(b.data, "[1");
    /* reported once, at the end */
    ck_assert_int_eq(kf_buf_check(&b, &err), KF_SYSTEM);
    ck_assert_int_eq(err.code, KF_SYSTEM);
    ck_assert_str_eq(err.msg, "out of memory");
    /* reusing the bytes (len = 0) keeps the error; freeing clears it */
    b.len = 0;
    ck_assert(!kf_buf_puts(&b, "again"));
    ck_assert_int_eq(kf_buf_check(&b, NULL), KF_SYSTEM);
    kf_buf_free(&b);
    ck_assert(!b.failed);
    ck_assert(kf_buf_puts(&b, "fresh"));
    ck_assert_str_eq(b.data, "fresh");
    ck_assert_int_eq(kf_buf_check(&b, NULL), KF_OK);
    kf_buf_free(&b);
}
END_TEST

START_TEST(a_failed_format_sticks)
{
    kf_buf b = {0};
    ck_assert(kf_buf_puts(&b, "ok"));
    /* U+3042 has no encoding in the C locale: vsnprintf fails (EILSEQ) */
    static const wchar_t hira[] = {0x3042, 0};
    ck_assert(!kf_buf_printf(&b, "%ls", hira));
    ck_assert(b.failed);
    ck_assert(!kf_buf_puts(&b, "more"));
    ck_assert_str_eq(b.data, "ok");
    ck_assert_int_eq(kf_buf_check(&b, NULL), KF_SYSTEM);
    kf_buf_free(&b);
}
END_TEST

START_TEST(a_first_append_that_fails_leaves_no_data)
{
    kf_buf b = {0};
    kf_err err = {0};
    ck_assert(!kf_buf_put(&b, "x", SIZE_MAX));
    ck_assert_ptr_null(b.data);
    ck_assert(!kf_buf_puts(&b, "x"));
    ck_assert_ptr_null(b.data);
    ck_assert_int_eq(kf_buf_check(&b, &err), KF_SYSTEM);
    ck_assert_str_eq(err.msg, "out of memory");
    kf_buf_free(&b);
}
END_TEST

int main(void)
{
    if (tu_init()) return EXIT_FAILURE;
    Suite *s = suite_create("buf");
    TCase *tc = tu_core(s, NULL, NULL);
    tcase_add_test(tc, appends_and_checks);
    tcase_add_test(tc, a_size_past_size_max_fails_and_sticks);
    tcase_add_test(tc, a_failed_format_sticks);
    tcase_add_test(tc, a_first_append_that_fails_leaves_no_data);
    return tu_run(s);
}
