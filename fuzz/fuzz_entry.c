/* libFuzzer harness: kf_entry_decode (KF_ENTRY_MAGIC) + canonical round trip.
 * If the bytes decode, kf_entry_encode must give back exactly the same bytes
 * (the encoding is canonical: one entry has one byte form); abort() if not. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kifu/entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kf_entry *e = NULL;
    kf_err err = {0};
    /* The API takes (data, len): pass the exact bytes, no terminator, so an
     * over-read past len is caught by ASan. */
    if (kf_entry_decode(data, size, KF_ENTRY_MAGIC, &e, &err) != KF_OK) return 0;
    kf_buf out = {0};
    kf_err err2 = {0};
    if (kf_entry_encode(e, &out, &err2) != KF_OK) {
        fprintf(stderr, "fuzz_entry: decoded but re-encode failed: %s\n", err2.msg);
        abort();
    }
    if (out.len != size || memcmp(out.data, data, size) != 0) {
        fprintf(stderr, "fuzz_entry: round trip differs (in %zu bytes, out %zu bytes)\n", size,
                out.len);
        fprintf(stderr, "--- in ---\n%.*s\n--- out ---\n%.*s\n", (int)size, (const char *)data,
                (int)out.len, out.data ? out.data : "");
        abort();
    }
    kf_buf_free(&out);
    kf_entry_free(e);
    return 0;
}
