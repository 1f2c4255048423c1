/*
 * kifu keys: Ed25519 signers, C2SP signed-note key ids and verifier keys,
 * encrypted key files (Argon2id + XSalsa20-Poly1305 secretbox), passphrases.
 */
#ifndef KIFU_KEYS_H
#define KIFU_KEYS_H

#include "kifu/common.h"

#define KF_KEYNAME_MAX 64
#define KF_VKEY_MAX 160

typedef struct {
    char name[KF_KEYNAME_MAX + 1];
    uint8_t pub[32];
    uint8_t sk[64]; /* libsodium form: seed || public key */
    uint32_t id;    /* C2SP key id: SHA-256(name || 0x0A || 0x01 || pub)[:4], big-endian */
} kf_signer;

/* A key name is 1..64 bytes of printable ASCII or UTF-8, no spaces, no '+'. */
bool kf_key_name_valid(const char *name);

/* C2SP signed-note key id of an Ed25519 key. */
uint32_t kf_key_id(const char *name, const uint8_t pub[32]);
/* "<name>+<8 hex>+<base64(0x01 || pub)>" */
void kf_key_vkey(const char *name, const uint8_t pub[32], char out[KF_VKEY_MAX]);
/* Parses a verifier key string; checks that the id matches name and key. */
kf_code kf_key_parse_vkey(const char *vkey, char name[KF_KEYNAME_MAX + 1], uint8_t pub[32],
                          uint32_t *id, kf_err *err);

/* Makes a new key. The seed is random, unless KIFU_TEST_SEED (64 hex digits)
 * is set: then it is SHA-256(test_seed || name), so scripted runs are
 * reproducible (testing only; documented in docs/FORMAT.md). */
kf_code kf_key_generate(const char *name, kf_signer *out, kf_err *err);

void kf_sign(const kf_signer *s, const void *msg, size_t len, uint8_t sig[64]);
bool kf_sig_ok(const uint8_t pub[32], const void *msg, size_t len, const uint8_t sig[64]);

/* Key files. The cost of Argon2id comes from KIFU_KDF_COST (min, interactive
 * [default], moderate, sensitive) and is stored in the file. The file is
 * created with mode 0600 and never overwritten. */
kf_code kf_keyfile_write(const char *path, const kf_signer *s, const char *pass, kf_err *err);
kf_code kf_keyfile_read(const char *path, const char *pass, kf_signer *out, kf_err *err);

/* Reads a passphrase from env var `env` if set (only that one: a new key's
 * KIFU_NEW_PASSPHRASE never falls back to KIFU_PASSPHRASE), else from the
 * terminal with echo off (asking twice when confirm; they must match). `what`
 * names it in the prompt. With no terminal: KF_BAD_INPUT naming env. */
kf_code kf_passphrase(const char *env, const char *what, bool confirm, char *out, size_t outsz,
                      kf_err *err);

#endif
