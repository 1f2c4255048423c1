/* libFuzzer harness: kf_receipt_verify (no database) against a fixed verifier
 * key. The key is the one kf_key_generate("admin") makes with KIFU_TEST_SEED
 * = FUZZ_TEST_SEED, the same seed run.sh uses to build the seed receipts, so
 * the seeds are valid receipts and the fuzzer starts past the signature
 * check (the proofs, the entry and the checkpoint are all reached). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kifu/keys.h"
#include "kifu/report.h"

#define FUZZ_TEST_SEED "6675a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7"

static char vkey[KF_VKEY_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    kf_signer s;
    kf_err err = {0};
    setenv("KIFU_TEST_SEED", FUZZ_TEST_SEED, 1);
    if (kf_key_generate("admin", &s, &err) != KF_OK) {
        fprintf(stderr, "fuzz_receipt: kf_key_generate: %s\n", err.msg);
        abort();
    }
    kf_key_vkey(s.name, s.pub, vkey);
    fprintf(stderr, "fuzz_receipt: vkey %s\n", vkey);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    kf_receipt_summary *sum = malloc(sizeof *sum);
    if (!text || !sum) abort();
    memcpy(text, data, size);
    text[size] = '\0';
    kf_err err = {0};
    (void)kf_receipt_verify(text, size, vkey, sum, &err);
    free(sum);
    free(text);
    return 0;
}
