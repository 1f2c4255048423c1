/* Unit tests: key ids, verifier keys, key files. */
#include "check_common.h"
#include "kifu/keys.h"

#include <check.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/kifu-keys-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    setenv("KIFU_KDF_COST", "min", 1);
    setenv("KIFU_TEST_SEED", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 1);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(key_id_and_vkey)
{
    /* The C2SP signed-note key id: SHA-256(name || 0x0A || 0x01 || pub)[:4]. */
    kf_signer s;
    ck_assert_int_eq(kf_key_generate("admin", &s, NULL), KF_OK);
    uint8_t buf[5 + 2 + 32], h[32];
    memcpy(buf, "admin", 5);
    buf[5] = 0x0A;
    buf[6] = 0x01;
    memcpy(buf + 7, s.pub, 32);
    crypto_hash_sha256(h, buf, sizeof buf);
    uint32_t want = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    ck_assert_uint_eq(s.id, want);
    char vkey[KF_VKEY_MAX], name[KF_KEYNAME_MAX + 1];
    uint8_t pub[32];
    uint32_t id;
    kf_key_vkey(s.name, s.pub, vkey);
    ck_assert_int_eq(kf_key_parse_vkey(vkey, name, pub, &id, NULL), KF_OK);
    ck_assert_str_eq(name, "admin");
    ck_assert_uint_eq(id, s.id);
    ck_assert(memcmp(pub, s.pub, 32) == 0);
    /* a vkey whose id does not match is refused */
    char *plus = strchr(vkey, '+');
    plus[1] = plus[1] == '0' ? '1' : '0';
    kf_err err;
    ck_assert_int_eq(kf_key_parse_vkey(vkey, name, pub, &id, &err), KF_BAD_INPUT);
    /* the test seed makes keys reproducible and distinct per name */
    kf_signer s2, s3;
    kf_key_generate("admin", &s2, NULL);
    kf_key_generate("other", &s3, NULL);
    ck_assert(memcmp(s.pub, s2.pub, 32) == 0);
    ck_assert(memcmp(s.pub, s3.pub, 32) != 0);
}
END_TEST

START_TEST(names)
{
    ck_assert(kf_key_name_valid("jimukyoku"));
    ck_assert(kf_key_name_valid("審査員1"));
    ck_assert(!kf_key_name_valid(""));
    ck_assert(!kf_key_name_valid("a b"));
    ck_assert(!kf_key_name_valid("a+b"));
    ck_assert(!kf_key_name_valid("a\"b"));
    kf_signer s;
    kf_err err;
    ck_assert_int_eq(kf_key_generate("bad name", &s, &err), KF_BAD_INPUT);
}
END_TEST

START_TEST(keyfile_roundtrip_and_errors)
{
    kf_signer s, back;
    kf_err err;
    char path[128];
    snprintf(path, sizeof path, "%s/a.key", dir);
    ck_assert_int_eq(kf_key_generate("treasurer1", &s, NULL), KF_OK);
    ck_assert_int_eq(kf_keyfile_write(path, &s, "correct horse", &err), KF_OK);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    ck_assert_int_eq(kf_keyfile_read(path, "correct horse", &back, &err), KF_OK);
    ck_assert_str_eq(back.name, "treasurer1");
    ck_assert(memcmp(back.sk, s.sk, 64) == 0);
    ck_assert_uint_eq(back.id, s.id);
    /* never overwritten */
    ck_assert_int_eq(kf_keyfile_write(path, &s, "x", &err), KF_BAD_INPUT);
    /* wrong passphrase */
    ck_assert_int_eq(kf_keyfile_read(path, "wrong", &back, &err), KF_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "wrong passphrase"));
    /* corrupt: flip one byte of the box */
    FILE *f = fopen(path, "r+");
    char data[4096];
    size_t n = fread(data, 1, sizeof data, f);
    char *box = strstr(data, "box=");
    ck_assert_ptr_nonnull(box);
    box[6] = box[6] == 'A' ? 'B' : 'A';
    rewind(f);
    fwrite(data, 1, n, f);
    fclose(f);
    ck_assert_int_eq(kf_keyfile_read(path, "correct horse", &back, &err), KF_BAD_INPUT);
    /* garbage */
    snprintf(path, sizeof path, "%s/junk.key", dir);
    f = fopen(path, "w");
    fputs("not a key\n", f);
    fclose(f);
    ck_assert_int_eq(kf_keyfile_read(path, "x", &back, &err), KF_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a kifu key file"));
    snprintf(path, sizeof path, "%s/missing.key", dir);
    ck_assert_int_eq(kf_keyfile_read(path, "x", &back, &err), KF_BAD_INPUT);
}
END_TEST

START_TEST(signatures)
{
    kf_signer s;
    uint8_t sig[64];
    kf_key_generate("a", &s, NULL);
    kf_sign(&s, "hello", 5, sig);
    ck_assert(kf_sig_ok(s.pub, "hello", 5, sig));
    ck_assert(!kf_sig_ok(s.pub, "hellp", 5, sig));
    sig[0] ^= 1;
    ck_assert(!kf_sig_ok(s.pub, "hello", 5, sig));
}
END_TEST

int main(void)
{
    if (sodium_init() < 0) return EXIT_FAILURE;
    Suite *s = suite_create("keys");
    TCase *tc = tu_core(s, setup, teardown);
    tcase_add_test(tc, key_id_and_vkey);
    tcase_add_test(tc, names);
    tcase_add_test(tc, keyfile_roundtrip_and_errors);
    tcase_add_test(tc, signatures);
    return tu_run(s);
}
