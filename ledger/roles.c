/*
 * Which role may write which entry kind (docs/FORMAT.md §7).
 * Verification enforces this table for every commit, so adding a kind here
 * is a format change: document it in FORMAT.md.
 */
#include "kifu/ledger.h"
#include "ledger_internal.h"

#include <string.h>

#define ADMIN KF_ROLE_ADMIN
#define MONEY (KF_ROLE_TREASURER | KF_ROLE_ADMIN)

static const struct {
    const char *kind;
    unsigned roles;
} kind_roles[] = {
    {"genesis", ADMIN},
    {"key.add", ADMIN},
    {"key.revoke", ADMIN},
    {"rules.load", ADMIN},
    {"group.add", ADMIN},
    {"group.update", ADMIN},
    {"group.deregister", ADMIN},
    {"member.add", ADMIN},
    {"partner.add", ADMIN},
    {"box.add", ADMIN},
    {"fund.identity", ADMIN},
    {"grant.apply", ADMIN},
    {"grant.decide", ADMIN},
    {"grant.settle", ADMIN},
    {"personal.erase", ADMIN},
    {"donation", MONEY},
    {"donation.void", MONEY},
    {"partner.clicks", MONEY},
    {"box.collect", MONEY},
    {"fund.interest", MONEY},
    {"receipt.issue", MONEY},
    {"grant.pay", MONEY},
    {"grant.refund", MONEY},
    {"grant.review", KF_ROLE_REVIEWER},
    {"checkpoint.cosign", KF_ROLE_AUDITOR},
};

static const char *role_names[] = {"admin", "treasurer", "reviewer", "auditor"};

unsigned kf_role_parse(const char *name)
{
    for (unsigned i = 0; i < 4; i++)
        if (strcmp(name, role_names[i]) == 0) return 1u << i;
    return 0;
}

const char *kf_role_name(unsigned role)
{
    for (unsigned i = 0; i < 4; i++)
        if (role == 1u << i) return role_names[i];
    return "?";
}

unsigned kf_kind_roles(const char *kind)
{
    for (size_t i = 0; i < sizeof kind_roles / sizeof kind_roles[0]; i++)
        if (strcmp(kind, kind_roles[i].kind) == 0) return kind_roles[i].roles;
    return 0;
}

bool kf_role_may_write(unsigned role, const char *kind)
{
    return (kf_kind_roles(kind) & role) != 0;
}

bool lg_is_key_kind(const char *kind)
{
    return strcmp(kind, "genesis") == 0 || strcmp(kind, "key.add") == 0 ||
           strcmp(kind, "key.revoke") == 0;
}
