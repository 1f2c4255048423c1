/* libFuzzer harness: kf_rules_parse (rules INI text, docs/ENTRIES.md). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kifu/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    kf_rules *r = malloc(sizeof *r); /* large struct: keep it off the stack */
    if (!text || !r) abort();
    memcpy(text, data, size);
    text[size] = '\0';
    kf_err err = {0};
    (void)kf_rules_parse(text, size, "fuzz.ini", r, &err);
    free(r);
    free(text);
    return 0;
}
