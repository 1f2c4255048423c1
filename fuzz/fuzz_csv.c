/* libFuzzer harness: the CSV reader (kf_csv_open/next/close), fed through
 * fmemopen, once as UTF-8 and once as CP932. Every record is read to the end;
 * the fields of good records are touched (lens[i] bytes and the NUL after
 * them) so ASan checks the pointers the reader hands out. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kifu/import.h"

static volatile unsigned sink;

static void read_all(const uint8_t *data, size_t size, kf_csv_encoding enc)
{
    /* fmemopen needs a non-empty buffer; a copy also keeps data read-only. */
    char *buf = malloc(size ? size : 1);
    if (!buf) abort();
    if (size) memcpy(buf, data, size);
    FILE *f = size ? fmemopen(buf, size, "rb") : fopen("/dev/null", "rb");
    if (!f) abort();
    kf_csv *c = NULL;
    kf_err err = {0};
    if (kf_csv_open(f, enc, &c, &err) == KF_OK) {
        for (;;) {
            kf_csv_record rec;
            bool eof = false;
            if (kf_csv_next(c, &rec, &eof, &err) != KF_OK || eof) break;
            if (rec.bad) continue;
            for (size_t i = 0; i < rec.nfields; i++) {
                const unsigned char *p = (const unsigned char *)rec.fields[i];
                for (size_t j = 0; j < rec.lens[i]; j++)
                    sink += p[j];
                if (p[rec.lens[i]] != '\0') abort(); /* documented NUL-terminated */
            }
        }
        (void)kf_csv_offset(c);
        kf_csv_close(c);
    }
    fclose(f);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_all(data, size, KF_CSV_UTF8);
    read_all(data, size, KF_CSV_CP932);
    return 0;
}
