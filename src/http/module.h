/* SPDX-License-Identifier: MIT */
/*
 * A module plugs in with one descriptor: its routes, its record types, its audit actions with
 * their Chinese labels, a start-up hook and its part of the reference city. The router, the
 * `demo` command and GET /api/v1/meta walk the one list in src/modules.c; migrations are the
 * module's folder src/<module>/migrations/NNN_<module>_*.sql, compiled in by the build (which
 * refuses a number used twice). See docs/modules.md for the checklist.
 */
#ifndef JG_MODULE_H
#define JG_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "http/http.h"
#include "record/record.h"

/* An audit action a module writes, and how the UI names it. */
struct audit_action {
    const char *action, *label; /* "entity.create", "新增市场主体" */
};

#define DEMO_MAX_LOGINS 24
#define DEMO_KEEP 8

/* One demo login, written to the credentials file. */
struct demo_login {
    char username[32], password[24], role[16], region[8];
};

/* What `jianguan demo` hands from module to module while it fills an empty database, in the
 * order of the module list: accounts makes the officers that registry assigns, registry the
 * enterprises that owner logins are bound to. */
struct demo {
    const char *scale; /* "small" (about 1/100) or "city" */
    uint64_t seed;
    int64_t *officers; /* owned by the accounts module's hook */
    size_t nofficers;
    char key_uscc[DEMO_KEEP][19]; /* a few key enterprises, for owner logins */
    size_t nkey;
    size_t entities;
    struct demo_login logins[DEMO_MAX_LOGINS];
    size_t nlogins;
};

struct module {
    const char *name;  /* "registry" */
    const char *label; /* "市场主体库" */
    unsigned roles;    /* who works with it (the UI's menus) */
    const struct route *routes;
    struct record *const *records;      /* NULL-terminated, may be NULL */
    const struct audit_action *actions; /* NULL-action-terminated, may be NULL */
    /* Wires the module at start-up (serve and every command); 0 or an error. May be NULL. */
    int (*init)(void);
    /* Writes the module's part of the reference city on w, inside demo's one transaction;
     * a function of d->seed and d->scale. 0 or an error. May be NULL. */
    int (*demo)(struct db *w, struct demo *d);
    /* Finishes the module's background work when the server stops, after the last request and
     * before the database closes (a queue written to the database). May be NULL. */
    void (*stop)(void);
};

/* Every module, in dependency order, NULL-terminated (src/modules.c). */
extern const struct module *const modules[];

/* Runs every module's init hook once; returns 0 or the first error. */
int modules_init(void);
/* The Chinese label of an audit action, or NULL when no module declares it. */
const char *module_action_label(const char *action);

#endif
