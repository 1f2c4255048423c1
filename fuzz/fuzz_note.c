/* libFuzzer harness: kf_note_parse (signed checkpoint notes). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kifu/ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    kf_note *n = malloc(sizeof *n);
    if (!text || !n) abort();
    memcpy(text, data, size);
    text[size] = '\0';
    kf_err err = {0};
    (void)kf_note_parse(text, size, n, &err);
    kf_note_free(n); /* parse zeroes *n first, so this is safe on failure too */
    free(n);
    free(text);
    return 0;
}
