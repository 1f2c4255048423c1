/*
 * Ed25519 keys, C2SP key ids and verifier keys, and encrypted key files.
 *
 * Key file (docs/FORMAT.md §6): the record encoding of entry.c with magic
 * "kifu.key.v1", kind "ed25519" and fields name, id, public, kdf, ops, mem,
 * salt, nonce, box. box = crypto_secretbox(seed, nonce, Argon2id(pass, salt)).
 */
#include "kifu/keys.h"
#include "kifu/entry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#define KEYFILE_MAGIC "kifu.key.v1"

bool kf_key_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > KF_KEYNAME_MAX || !kf_utf8_valid(name)) return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p <= 0x20 || *p == '+' || *p == 0x7f || *p == '"' || *p == '\\') return false;
    return true;
}

uint32_t kf_key_id(const char *name, const uint8_t pub[32])
{
    crypto_hash_sha256_state st;
    uint8_t h[32];
    const uint8_t sep_type[2] = {0x0A, 0x01};
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
    crypto_hash_sha256_update(&st, sep_type, 2);
    crypto_hash_sha256_update(&st, pub, 32);
    crypto_hash_sha256_final(&st, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

void kf_key_vkey(const char *name, const uint8_t pub[32], char out[KF_VKEY_MAX])
{
    uint8_t typed[33] = {0x01};
    char b64[64];
    memcpy(typed + 1, pub, 32);
    kf_b64(typed, sizeof typed, b64, sizeof b64);
    snprintf(out, KF_VKEY_MAX, "%s+%08x+%s", name, kf_key_id(name, pub), b64);
}

kf_code kf_key_parse_vkey(const char *vkey, char name[KF_KEYNAME_MAX + 1], uint8_t pub[32],
                          uint32_t *id, kf_err *err)
{
    const char *p1 = strchr(vkey, '+');
    const char *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
    uint8_t idb[4], typed[40];
    size_t n;
    if (!p1 || !p2 || p1 == vkey || (size_t)(p1 - vkey) > KF_KEYNAME_MAX || p2 - p1 != 9)
        return kf_fail(err, KF_BAD_INPUT, "verifier key '%s' is not <name>+<id>+<key>", vkey);
    memcpy(name, vkey, (size_t)(p1 - vkey));
    name[p1 - vkey] = '\0';
    char idhex[9];
    memcpy(idhex, p1 + 1, 8);
    idhex[8] = '\0';
    if (!kf_key_name_valid(name) || !kf_unhex(idhex, idb, 4))
        return kf_fail(err, KF_BAD_INPUT, "verifier key '%s' has a bad name or id", vkey);
    if (!kf_unb64(p2 + 1, typed, sizeof typed, &n) || n != 33 || typed[0] != 0x01)
        return kf_fail(err, KF_BAD_INPUT, "verifier key '%s' is not an Ed25519 key", vkey);
    memcpy(pub, typed + 1, 32);
    *id = (uint32_t)idb[0] << 24 | (uint32_t)idb[1] << 16 | (uint32_t)idb[2] << 8 | idb[3];
    if (*id != kf_key_id(name, pub))
        return kf_fail(err, KF_BAD_INPUT, "verifier key '%s': id does not match name and key",
                       vkey);
    return KF_OK;
}

static void signer_from_seed(const char *name, const uint8_t seed[32], kf_signer *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    crypto_sign_seed_keypair(out->pub, out->sk, seed);
    out->id = kf_key_id(name, out->pub);
}

kf_code kf_key_generate(const char *name, kf_signer *out, kf_err *err)
{
    uint8_t seed[32];
    if (!kf_key_name_valid(name))
        return kf_fail(err, KF_BAD_INPUT, "key name '%s' must be 1-64 bytes without spaces or '+'",
                       name);
    const char *test_seed = getenv("KIFU_TEST_SEED");
    if (test_seed && *test_seed) {
        uint8_t ts[32];
        if (!kf_unhex(test_seed, ts, 32))
            return kf_fail(err, KF_BAD_INPUT, "KIFU_TEST_SEED must be 64 hex digits");
        crypto_hash_sha256_state st;
        crypto_hash_sha256_init(&st);
        crypto_hash_sha256_update(&st, ts, 32);
        crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
        crypto_hash_sha256_final(&st, seed);
    } else {
        randombytes_buf(seed, sizeof seed);
    }
    signer_from_seed(name, seed, out);
    sodium_memzero(seed, sizeof seed);
    return KF_OK;
}

void kf_sign(const kf_signer *s, const void *msg, size_t len, uint8_t sig[64])
{
    crypto_sign_detached(sig, NULL, msg, len, s->sk);
}

bool kf_sig_ok(const uint8_t pub[32], const void *msg, size_t len, const uint8_t sig[64])
{
    return crypto_sign_verify_detached(sig, msg, len, pub) == 0;
}

static kf_code kdf_cost(unsigned long long *ops, size_t *mem, kf_err *err)
{
    const char *c = getenv("KIFU_KDF_COST");
    if (!c || !*c || strcmp(c, "interactive") == 0) {
        *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
        *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    } else if (strcmp(c, "min") == 0) {
        *ops = crypto_pwhash_OPSLIMIT_MIN;
        *mem = crypto_pwhash_MEMLIMIT_MIN;
    } else if (strcmp(c, "moderate") == 0) {
        *ops = crypto_pwhash_OPSLIMIT_MODERATE;
        *mem = crypto_pwhash_MEMLIMIT_MODERATE;
    } else if (strcmp(c, "sensitive") == 0) {
        *ops = crypto_pwhash_OPSLIMIT_SENSITIVE;
        *mem = crypto_pwhash_MEMLIMIT_SENSITIVE;
    } else {
        return kf_fail(err, KF_BAD_INPUT,
                       "KIFU_KDF_COST must be min, interactive, moderate or sensitive");
    }
    return KF_OK;
}

static kf_code derive(const char *pass, const uint8_t *salt, unsigned long long ops, size_t mem,
                      uint8_t key[crypto_secretbox_KEYBYTES], kf_err *err)
{
    if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, pass, strlen(pass), salt, ops, mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        return kf_fail(err, KF_SYSTEM, "out of memory deriving the key from the passphrase");
    return KF_OK;
}

static bool set_b64(kf_entry *e, const char *key, const uint8_t *bin, size_t n, kf_err *err)
{
    char b64[128];
    kf_b64(bin, n, b64, sizeof b64);
    return kf_entry_set_str(e, key, b64, err) == KF_OK;
}

kf_code kf_keyfile_write(const char *path, const kf_signer *s, const char *pass, kf_err *err)
{
    unsigned long long ops = 0;
    size_t mem = 0;
    uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
    uint8_t key[crypto_secretbox_KEYBYTES], box[32 + crypto_secretbox_MACBYTES];
    char idhex[9];
    kf_buf out = {0};
    kf_code rc = kdf_cost(&ops, &mem, err);
    if (rc) return rc;
    randombytes_buf(salt, sizeof salt);
    randombytes_buf(nonce, sizeof nonce);
    if ((rc = derive(pass, salt, ops, mem, key, err))) return rc;
    crypto_secretbox_easy(box, s->sk, 32, nonce, key);
    sodium_memzero(key, sizeof key);

    kf_entry *e = kf_entry_new("ed25519");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    e->magic = KEYFILE_MAGIC;
    e->seq = 1;
    snprintf(idhex, sizeof idhex, "%08x", s->id);
    if (kf_entry_set_str(e, "name", s->name, err) || kf_entry_set_str(e, "id", idhex, err) ||
        !set_b64(e, "public", s->pub, 32, err) || kf_entry_set_str(e, "kdf", "argon2id13", err) ||
        kf_entry_set_int(e, "ops", (int64_t)ops, err) ||
        kf_entry_set_int(e, "mem", (int64_t)mem, err) ||
        !set_b64(e, "salt", salt, sizeof salt, err) ||
        !set_b64(e, "nonce", nonce, sizeof nonce, err) ||
        !set_b64(e, "box", box, sizeof box, err) || kf_entry_encode(e, &out, err)) {
        rc = err ? err->code : KF_SYSTEM;
        goto out_free;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = kf_fail(err, errno == EEXIST ? KF_BAD_INPUT : KF_SYSTEM,
                     "cannot create key file %s: %s", path, strerror(errno));
        goto out_free;
    }
    ssize_t w = write(fd, out.data, out.len);
    if (w != (ssize_t)out.len || fsync(fd) != 0) {
        rc = kf_fail(err, KF_SYSTEM, "cannot write key file %s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        goto out_free;
    }
    if (close(fd) != 0) {
        rc = kf_fail(err, KF_SYSTEM, "cannot write key file %s: %s", path, strerror(errno));
        unlink(path);
    }
out_free:
    kf_buf_free(&out);
    kf_entry_free(e);
    return rc;
}

static bool get_b64(const kf_entry *e, const char *key, uint8_t *bin, size_t n)
{
    const char *s = kf_entry_str(e, key);
    size_t got;
    return s && kf_unb64(s, bin, n, &got) && got == n;
}

kf_code kf_keyfile_read(const char *path, const char *pass, kf_signer *out, kf_err *err)
{
    char data[4096];
    kf_entry *e = NULL;
    kf_code rc;
    FILE *f = fopen(path, "rb");
    if (!f) return kf_fail(err, KF_BAD_INPUT, "cannot open key file %s: %s", path, strerror(errno));
    size_t len = fread(data, 1, sizeof data, f);
    bool toolong = len == sizeof data;
    fclose(f);
    kf_code drc = toolong ? KF_BAD_INPUT : kf_entry_decode(data, len, KEYFILE_MAGIC, &e, err);
    if (drc == KF_SYSTEM) return drc;
    if (drc)
        return kf_fail(err, KF_BAD_INPUT, "%s is not a kifu key file (corrupt or wrong format)",
                       path);
    uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
    uint8_t box[32 + crypto_secretbox_MACBYTES], pub[32], seed[32];
    uint8_t key[crypto_secretbox_KEYBYTES];
    int64_t ops, mem;
    const char *name = kf_entry_str(e, "name"), *kdf = kf_entry_str(e, "kdf");
    if (!name || !kf_key_name_valid(name) || !kdf || strcmp(kdf, "argon2id13") != 0 ||
        strcmp(e->kind, "ed25519") != 0 || !kf_entry_int(e, "ops", &ops) ||
        !kf_entry_int(e, "mem", &mem) || ops < (int64_t)crypto_pwhash_OPSLIMIT_MIN ||
        mem < (int64_t)crypto_pwhash_MEMLIMIT_MIN || ops > (int64_t)crypto_pwhash_OPSLIMIT_MAX ||
        mem > INT64_C(1) << 36 || !get_b64(e, "salt", salt, sizeof salt) ||
        !get_b64(e, "nonce", nonce, sizeof nonce) || !get_b64(e, "box", box, sizeof box) ||
        !get_b64(e, "public", pub, sizeof pub)) {
        rc = kf_fail(err, KF_BAD_INPUT, "%s is not a kifu key file (missing or bad fields)", path);
        goto out_free;
    }
    if ((rc = derive(pass, salt, (unsigned long long)ops, (size_t)mem, key, err))) goto out_free;
    if (crypto_secretbox_open_easy(seed, box, sizeof box, nonce, key) != 0) {
        rc = kf_fail(err, KF_BAD_INPUT, "wrong passphrase for key file %s", path);
        goto out_wipe;
    }
    signer_from_seed(name, seed, out);
    if (memcmp(out->pub, pub, 32) != 0) {
        rc = kf_fail(err, KF_BAD_INPUT, "key file %s is corrupt: public key does not match", path);
        sodium_memzero(out, sizeof *out);
    }
out_wipe:
    sodium_memzero(key, sizeof key);
    sodium_memzero(seed, sizeof seed);
out_free:
    kf_entry_free(e);
    return rc;
}

static kf_code read_tty(const char *env, const char *prompt, char *out, size_t outsz, kf_err *err)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return kf_fail(err, KF_BAD_INPUT, "no terminal to ask for the passphrase: set %s",
                       env ? env : "KIFU_PASSPHRASE");
    struct termios old, quiet;
    int fd = fileno(tty);
    bool restore = tcgetattr(fd, &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    fputs(prompt, tty);
    fflush(tty);
    char *got = fgets(out, (int)outsz, tty);
    if (restore) tcsetattr(fd, TCSAFLUSH, &old);
    fputs("\n", tty);
    fclose(tty);
    if (!got) return kf_fail(err, KF_BAD_INPUT, "no passphrase given");
    out[strcspn(out, "\r\n")] = '\0';
    return KF_OK;
}

kf_code kf_passphrase(const char *env, const char *what, bool confirm, char *out, size_t outsz,
                      kf_err *err)
{
    const char *v = env ? getenv(env) : NULL;
    if (v) {
        if (strlen(v) >= outsz) return kf_fail(err, KF_BAD_INPUT, "passphrase is too long");
        snprintf(out, outsz, "%s", v);
        return KF_OK;
    }
    char prompt[200], again[1024];
    snprintf(prompt, sizeof prompt, "passphrase for %s: ", what);
    kf_code rc = read_tty(env, prompt, out, outsz, err);
    if (rc || !confirm) return rc;
    snprintf(prompt, sizeof prompt, "repeat passphrase for %s: ", what);
    if ((rc = read_tty(env, prompt, again, sizeof again, err))) return rc;
    bool same = strcmp(out, again) == 0;
    sodium_memzero(again, sizeof again);
    if (!same) return kf_fail(err, KF_BAD_INPUT, "the passphrases do not match");
    return KF_OK;
}
