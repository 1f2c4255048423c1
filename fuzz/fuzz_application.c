/* libFuzzer harness: kf_application_parse (grant application INI, docs/ENTRIES.md). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kifu/grants.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    kf_application *a = malloc(sizeof *a);
    if (!text || !a) abort();
    memcpy(text, data, size);
    text[size] = '\0';
    kf_err err = {0};
    (void)kf_application_parse(text, size, "fuzz.ini", a, &err);
    free(a);
    free(text);
    return 0;
}
