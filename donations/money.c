/*
 * The money calculations of money in, as pure functions: the writer
 * (donate.c, sources.c) and the verifier (verify.c) call these and nothing
 * else, so that what is recorded and what verification expects cannot
 * drift apart (tests/test_money.c runs both paths over generated cases).
 */
#include "kifu/donations.h"

#include <string.h>

void kf_designated_split(const kf_rules *r, const char *to, kf_yen net, kf_yen *credit,
                         kf_yen *general)
{
    kf_yen c = net;
    if (strncmp(to, "group:", 6) == 0) {
        /* floor(net * num / den) cannot overflow: 0 <= num <= den. */
        __int128 p = (__int128)net * r->designated_share.num / r->designated_share.den;
        c = kf_floor_to((kf_yen)p, r->designated_round);
    }
    *credit = c;
    *general = net - c;
}

kf_yen kf_partner_pledge(int64_t clicks, kf_yen per_click, kf_yen monthly_cap)
{
    kf_yen total;
    return kf_mul(clicks, per_click, &total) && total < monthly_cap ? total : monthly_cap;
}
