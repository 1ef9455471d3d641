/* SPDX-License-Identifier: MIT */
/*
 * The cylinders' part of the reference city: about 60 filling stations spread over the
 * counties (trading firms of the registry that sell LPG, and a few chemical firms that fill
 * industrial gases), about 5 certified fillers each (some certificates expired or about to),
 * and 100,000 cylinders manufactured 0-14 years ago with the inspections their age calls for
 * (a few skipped, some past their life, some scrapped). Three weeks of scans are then played
 * in time order through the real rule (cylinders_check): refusals become check records,
 * allowed scans a check and a filling, so lists, counts and the cylinders' last fillings agree.
 * The small scale has 4 stations and 1,000 cylinders. The demo login `station` (made by the
 * registry's hook) is bound to the first station. A function of d->seed and today's date.
 */
#include "cylinders/cylinders.h"
#include "accounts/accounts.h"
#include "core/err.h"
#include "core/names.h"
#include "core/rng.h"
#include "core/timeutil.h"
#include "http/module.h"
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEEKS 3
#define MAX_PICK 8192

struct firm {
    char uscc[19], region[16];
};

struct pick {
    struct firm *f;
    size_t n;
};

static int collect(void *arg, const char *uscc, const char *credit, const char *region)
{
    (void)credit;
    struct pick *p = arg;
    if (p->n == MAX_PICK)
        return 0;
    snprintf(p->f[p->n].uscc, sizeof p->f[p->n].uscc, "%s", uscc);
    snprintf(p->f[p->n].region, sizeof p->f[p->n].region, "%s", region);
    p->n++;
    return 0;
}

/* n firms of p, spread over the regions round-robin (the draw decides within a region). */
static size_t spread(struct rng *r, struct pick *p, size_t n, struct firm *out)
{
    for (size_t i = p->n; i > 1; i--) { /* shuffle */
        size_t j = rng_below(r, (uint32_t)i);
        struct firm t = p->f[i - 1];
        p->f[i - 1] = p->f[j];
        p->f[j] = t;
    }
    size_t got = 0;
    char *used = calloc(p->n ? p->n : 1, 1);
    while (got < n) {
        size_t before = got;
        char seen[16][16];
        size_t nseen = 0;
        for (size_t i = 0; i < p->n && got < n; i++) {
            if (used[i])
                continue;
            int dup = 0;
            for (size_t k = 0; k < nseen; k++)
                dup |= !strcmp(seen[k], p->f[i].region);
            if (dup || nseen == 16)
                continue;
            snprintf(seen[nseen++], 16, "%s", p->f[i].region);
            used[i] = 1;
            out[got++] = p->f[i];
        }
        if (got == before)
            break;
    }
    free(used);
    return got;
}

struct station {
    struct firm firm;
    int industrial;
    int32_t licence_expires;
    size_t filler0, nfillers;
    int64_t actor;
};

struct filler {
    int64_t id;
    int32_t cert_expires;
    int active;
};

struct cyl {
    char code[16];
    int type, station;
    int32_t made, last;
    int scrapped, due, custody, done;
    int64_t last_filled, next_event;
    int period_days, fillings;
    float tare;
};

struct event {
    int64_t at;
    int kind; /* 0 filling (with its check), 1 refusal (check only) */
    int cyl, station;
    int64_t filler, actor;
    unsigned mask;
    float before, after;
    int offline;
    char code[16];
    char medium[8];
};

static const char *const type_codes[] = {"YSP", "YSP50", "WSP-O2", "WSP-N2", "RDP"};
#define NTYPES 5

static const char *const makers[] = {
    "山东永安合力钢瓶有限公司", "济南鲁珠钢瓶有限公司",     "淄博安泽特种气瓶有限公司",
    "河北百工钢瓶制造有限公司", "宁波明欣化工机械有限公司", "北京天海工业有限公司",
};

static int add_event(struct event **ev, size_t *n, size_t *cap, const struct event *e)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 4096;
        struct event *x = realloc(*ev, c * sizeof *x);
        if (!x)
            return ERR_INTERNAL;
        *ev = x;
        *cap = c;
    }
    (*ev)[(*n)++] = *e;
    return 0;
}

static int by_at(const void *a, const void *b)
{
    const struct event *x = a, *y = b;
    return x->at < y->at ? -1 : x->at > y->at;
}

static int bind_day(struct db_stmt *st, int k, int32_t day)
{
    char s[DATE_LEN + 1];
    if (day < 0)
        return db_bind_null(st, k);
    date_format(day, s);
    return db_bind_text(st, k, s, -1);
}

/* Rebinds the registry's demo login `station` to the first station (or makes one). */
static int station_login(struct db *w, struct demo *d, const struct station *s, int64_t *id)
{
    json_t *e = NULL;
    int rc = registry_get(w, s->firm.uscc, &e);
    const char *name = rc ? "充装站" : json_string_value(json_object_get(e, "name"));
    if (!rc)
        rc = accounts_find(w, "station", id);
    if (!rc) {
        json_t *v = json_pack("{ss ss}", "entity", s->firm.uscc, "display_name", name);
        const char *field;
        rc = accounts_update(w, NULL, *id, v, &field);
        json_decref(v);
    } else if (rc == ERR_NOTFOUND) {
        struct user_new u = {
            .username = "station", .role = "station", .entity = s->firm.uscc, .display_name = name};
        rc = accounts_demo_login(w, d, &u);
        if (!rc)
            rc = accounts_find(w, "station", id);
    }
    json_decref(e);
    return rc;
}

/* Ends the load ld (NULL when it did not begin) into table, then the table's bulk mode
 * (db_bulk_table), which is left even after a failure. Returns the first error or 0. */
static int bulk_end(struct db *w, const char *table, struct db_stmt *ld, int rc)
{
    rc = db_load_end(ld, rc);
    int off = db_bulk_table(w, table, 0);
    return rc ? rc : off;
}

int cylinders_demo(struct db *w, struct demo *d)
{
    int city = !strcmp(d->scale, "city");
    size_t nstations = city ? 60 : 4, ncyl = city ? 100000 : 1000, nindustrial = city ? 6 : 1;
    struct rng r;
    rng_init_seed(&r, d->seed ^ 0x63796c696e646572ull); /* "cylinder" */
    struct pick trade = {calloc(MAX_PICK, sizeof(struct firm)), 0};
    struct pick chem = {calloc(MAX_PICK, sizeof(struct firm)), 0};
    struct station *st = calloc(nstations, sizeof *st);
    struct cyl *c = calloc(ncyl, sizeof *c);
    struct filler *fl = calloc(nstations * 8, sizeof *fl);
    struct event *ev = NULL;
    size_t nev = 0, cap = 0, nfl = 0;
    struct cylinder_type_rules types[NTYPES];
    int32_t today = date_today();
    int64_t now = time_now(), start = now - WEEKS * 7 * 86400;
    int rc = 0;
    for (int t = 0; !rc && t < NTYPES; t++)
        rc = cylinders_type_rules(w, type_codes[t], &types[t]);
    if (!rc)
        rc = registry_each_of_industry(w, "F5123", collect, &trade);
    if (!rc)
        rc = registry_each_of_industry(w, "C2614", collect, &chem);
    if (rc || trade.n < nstations || chem.n < nindustrial)
        goto out;
    struct firm *picked = calloc(nstations, sizeof *picked);
    spread(&r, &trade, nstations - nindustrial, picked);
    spread(&r, &chem, nindustrial, picked + (nstations - nindustrial));
    for (size_t i = 0; i < nstations; i++) {
        st[i].firm = picked[i];
        st[i].industrial = i >= nstations - nindustrial;
        /* Licences run five years; about one in twenty has lapsed in the last weeks. */
        int lapsed = i > 0 && (city ? rng_below(&r, 20) == 0 : i == 2);
        st[i].licence_expires = lapsed ? today - 3 - (int32_t)rng_below(&r, 14)
                                       : today + 30 + (int32_t)rng_below(&r, 4 * 365);
    }
    free(picked);

    /* ---- stations and fillers ---- */
    int64_t login = 0;
    rc = station_login(w, d, &st[0], &login);
    st[0].actor = login;
    for (size_t i = 0; !rc && i < nstations; i++) {
        struct db_stmt *s;
        char licence[32];
        snprintf(licence, sizeof licence, "TS4237%02zu%04u", i % 100,
                 (unsigned)rng_below(&r, 10000));
        rc = db_prepare(w,
                        "INSERT INTO cylinder_stations(uscc, region, licence_no, licence_expires,"
                        " media, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        &s);
        if (!rc)
            rc = db_bind_text(s, 1, st[i].firm.uscc, -1);
        if (!rc)
            rc = db_bind_text(s, 2, st[i].firm.region, -1);
        if (!rc)
            rc = db_bind_text(s, 3, licence, -1);
        if (!rc)
            rc = bind_day(s, 4, st[i].licence_expires);
        if (!rc)
            rc = db_bind_text(
                s, 5, st[i].industrial ? "[\"O2\",\"N2\",\"Ar\",\"C2H2\"]" : "[\"LPG\"]", -1);
        if (!rc)
            rc = db_bind_int(s, 6, start - 86400 * 30);
        if (!rc)
            rc = db_bind_int(s, 7, start - 86400 * 30);
        if (!rc)
            rc = db_run(s);
        /* Five fillers a station; one in twelve certificates has lapsed, a few will soon. */
        st[i].filler0 = nfl;
        st[i].nfillers = 5;
        for (size_t k = 0; !rc && k < 5; k++) {
            struct filler *f = &fl[nfl++];
            char name[64], cert[32];
            names_person(&r, name, sizeof name);
            snprintf(cert, sizeof cert, "P%06u%02zu%zu", (unsigned)rng_below(&r, 1000000), i % 100,
                     k);
            uint32_t roll = rng_below(&r, 100);
            f->cert_expires = k > 0 && roll < 8    ? today - 1 - (int32_t)rng_below(&r, 60)
                              : k > 0 && roll < 14 ? today + (int32_t)rng_below(&r, 30)
                                                   : today + 60 + (int32_t)rng_below(&r, 4 * 365);
            f->active = !(k > 0 && roll >= 97);
            rc = db_prepare(w,
                            "INSERT INTO cylinder_fillers(station, region, name, cert_no,"
                            " cert_expires, active, created_at, updated_at)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            &s);
            if (!rc)
                rc = db_bind_text(s, 1, st[i].firm.uscc, -1);
            if (!rc)
                rc = db_bind_text(s, 2, st[i].firm.region, -1);
            if (!rc)
                rc = db_bind_text(s, 3, name, -1);
            if (!rc)
                rc = db_bind_text(s, 4, cert, -1);
            if (!rc)
                rc = bind_day(s, 5, f->cert_expires);
            if (!rc)
                rc = db_bind_int(s, 6, f->active);
            if (!rc)
                rc = db_bind_int(s, 7, start - 86400 * 30);
            if (!rc)
                rc = db_bind_int(s, 8, start - 86400 * 30);
            if (!rc)
                rc = db_run(s);
            if (!rc)
                f->id = db_last_id(w);
        }
    }
    if (rc)
        goto out;

    /* ---- cylinders, with the inspections their age calls for ---- */
    for (size_t i = 0; i < ncyl; i++) {
        struct cyl *x = &c[i];
        /* The login's station holds a larger share, so its pages have something to show. */
        x->station = rng_below(&r, 10) == 0 ? 0 : (int)rng_below(&r, (uint32_t)nstations);
        const struct station *s = &st[x->station];
        uint32_t roll = rng_below(&r, 100);
        x->type = s->industrial ? (roll < 50 ? 2 : roll < 75 ? 3 : 4) : (roll < 90 ? 0 : 1);
        const struct cylinder_type_rules *t = &types[x->type];
        snprintf(x->code, sizeof x->code, "LC%02d%08zu", x->station % 100, i + 1);
        uint32_t age =
            rng_below(&r, 10) == 0 ? 12 * 365 + rng_below(&r, 2 * 365) : rng_below(&r, 12 * 365);
        x->made = today - (int32_t)age;
        x->last = -1;
        x->custody = rng_below(&r, 100) < 15;
        x->tare = (float)(t->tare_kg * (0.95 + rng_below(&r, 1000) / 10000.0));
        int32_t design = cylinders_add_years(x->made, t->design_years);
        for (int k = 1;; k++) { /* each periodic inspection, about when it was due */
            int32_t due = cylinders_add_years(x->made, k * t->inspection_years);
            if (due > today + 20 ||
                (t->extended_years && due > cylinders_add_years(x->made, t->extended_years)))
                break;
            if (rng_below(&r, 100) < 3) /* skipped: overdue ever since */
                break;
            /* The one at the end of the design life is made on or after its day (the
             * extension needs it); the others in the weeks before their day. */
            int32_t on =
                due == design ? due + (int32_t)rng_below(&r, 20) : due - (int32_t)rng_below(&r, 45);
            if (on > today)
                break;
            x->last = on;
            if (due == design && rng_below(&r, 100) < 10) { /* failed: scrapped */
                x->scrapped = 1;
                break;
            }
        }
        int32_t ends = cylinders_life_ends(t, x->made, x->last),
                next = cylinders_next_inspection(t, x->made, x->last);
        if (today > ends && rng_below(&r, 100) < 70)
            x->scrapped = 1;
        if (rng_below(&r, 100) == 0)
            x->scrapped = 1;
        x->due = !x->scrapped && today > next && rng_below(&r, 100) < 40;
        /* Refills: households every 3-8 weeks, restaurants and industry every 1-3. */
        x->period_days = x->type == 0 ? 21 + (int)rng_below(&r, 35) : 5 + (int)rng_below(&r, 16);
        x->next_event = start + (int64_t)rng_below(&r, (uint32_t)x->period_days * 86400u);
        /* A scrapped cylinder rarely turns up at a station; one past its life or overdue
         * sometimes does, and is refused. */
        x->done = x->scrapped ? rng_below(&r, 100) >= 3
                              : (today > next || today > ends) && rng_below(&r, 100) >= 50;
    }

    /* ---- three weeks of scans, in time order per cylinder ---- */
    for (size_t i = 0; !rc && i < ncyl; i++) {
        struct cyl *x = &c[i];
        const struct cylinder_type_rules *t = &types[x->type];
        while (!rc && !x->done && x->next_event < now - 3600) {
            int64_t day0 = date_start(date_of(x->next_event));
            int64_t at = day0 + 7 * 3600 + (int64_t)rng_below(&r, 12 * 3600);
            if (at >= now - 3600)
                break;
            int station = x->station;
            uint32_t odd = rng_below(&r, 1000);
            if (odd < 3) /* taken to another station */
                station = (int)rng_below(&r, (uint32_t)nstations);
            const struct station *s = &st[station];
            struct event e = {.at = at, .cyl = (int)i, .station = station, .actor = s->actor};
            snprintf(e.code, sizeof e.code, "%s", x->code);
            snprintf(e.medium, sizeof e.medium, "%s", t->medium);
            struct cylinder_facts f = {0};
            snprintf(f.station, sizeof f.station, "%s", s->firm.uscc);
            f.licence_expires = s->licence_expires;
            snprintf(f.media, sizeof f.media, "%s",
                     s->industrial ? "[\"O2\",\"N2\",\"Ar\",\"C2H2\"]" : "[\"LPG\"]");
            f.medium = t->medium;
            f.cylinder_known = odd >= 3 && odd < 5 ? 0 : 1;
            if (!f.cylinder_known) /* a label misread, or a cylinder never registered */
                snprintf(e.code, sizeof e.code, "LC99%08u", (unsigned)rng_below(&r, 100000000));
            snprintf(f.cylinder_station, sizeof f.cylinder_station, "%s", st[x->station].firm.uscc);
            f.scrapped = x->scrapped;
            f.manufactured = x->made;
            f.last_inspection = x->last;
            f.type = *t;
            f.last_filled_at = x->last_filled;
            /* The filler on duty; one with a lapsed certificate is refused and a colleague
             * scans again. */
            for (int attempt = 0; !rc && attempt < 2; attempt++) {
                const struct filler *p =
                    &fl[s->filler0 + (attempt ? 0 : rng_below(&r, (uint32_t)s->nfillers))];
                f.filler_known = 1;
                f.filler_active = p->active;
                f.cert_expires = p->cert_expires;
                e.filler = p->id;
                e.mask = cylinders_check(&f, date_of(at), at);
                e.kind = e.mask ? 1 : 0;
                if (!e.mask) {
                    double residual = t->capacity_kg * rng_below(&r, 100) / 1000.0;
                    double fill = t->capacity_kg * (0.96 + rng_below(&r, 40) / 1000.0);
                    if (rng_below(&r, 200) == 0) /* overfilled */
                        fill = residual + t->capacity_kg * (1.01 + rng_below(&r, 50) / 1000.0);
                    e.before = (float)cylinders_round(x->tare + residual, 0.1);
                    e.after = (float)cylinders_round(x->tare + fill, 0.1);
                    e.offline = rng_below(&r, 100) < 3;
                    x->last_filled = at;
                    x->fillings++;
                }
                rc = add_event(&ev, &nev, &cap, &e);
                e.at += 40 + rng_below(&r, 60);
                if (e.mask != 1u << CYL_FILLER_NOT_CERTIFIED)
                    break;
            }
            if (e.mask && station == x->station && f.cylinder_known)
                x->done = 1; /* refused for the cylinder itself: it goes for inspection */
            x->next_event += (int64_t)x->period_days * 86400;
        }
    }
    if (rc)
        goto out;
    qsort(ev, nev, sizeof *ev, by_at);

    /* ---- bulk loads (each table's indexes and keys built at its end on PostgreSQL) ---- */
    struct db_stmt *ld = NULL;
    rc = db_bulk_table(w, "cylinders", 1);
    if (!rc)
        rc =
            db_load_begin(w,
                          "INSERT INTO cylinders(code, type, maker, serial, manufactured, station,"
                          " region, ownership, last_inspection, status, next_inspection, life_ends,"
                          " last_filled_at, fillings, created_at, updated_at)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          &ld);
    for (size_t i = 0; !rc && i < ncyl; i++) {
        const struct cyl *x = &c[i];
        const struct cylinder_type_rules *t = &types[x->type];
        char serial[24];
        snprintf(serial, sizeof serial, "%02d%07u", (int)(x->made / 365 % 100),
                 (unsigned)rng_below(&r, 10000000));
        int k = 1;
        rc = db_bind_text(ld, k++, x->code, -1);
        if (!rc)
            rc = db_bind_text(ld, k++, type_codes[x->type], -1);
        if (!rc)
            rc = db_bind_text(ld, k++, makers[rng_below(&r, 6)], -1);
        if (!rc)
            rc = db_bind_text(ld, k++, serial, -1);
        if (!rc)
            rc = bind_day(ld, k++, x->made);
        if (!rc)
            rc = db_bind_text(ld, k++, st[x->station].firm.uscc, -1);
        if (!rc)
            rc = db_bind_text(ld, k++, st[x->station].firm.region, -1);
        if (!rc)
            rc = db_bind_text(ld, k++, x->custody ? "custody" : "owned", -1);
        if (!rc)
            rc = bind_day(ld, k++, x->last);
        if (!rc)
            rc = db_bind_text(ld, k++,
                              x->scrapped ? "scrapped"
                              : x->due    ? "due"
                                          : "in_service",
                              -1);
        if (!rc)
            rc = bind_day(ld, k++, cylinders_next_inspection(t, x->made, x->last));
        if (!rc)
            rc = bind_day(ld, k++, cylinders_life_ends(t, x->made, x->last));
        if (!rc)
            rc = x->last_filled ? db_bind_int(ld, k++, x->last_filled) : db_bind_null(ld, k++);
        if (!rc)
            rc = db_bind_int(ld, k++, x->fillings);
        if (!rc)
            rc = db_bind_int(ld, k++, date_start(x->made) + 86400);
        if (!rc)
            rc = db_bind_int(ld, k++, x->last_filled ? x->last_filled : start);
        if (!rc)
            rc = db_load_row(ld);
    }
    rc = bulk_end(w, "cylinders", ld, rc);
    ld = NULL;
    if (!rc)
        rc = db_bulk_table(w, "cylinder_fillings", 1);
    if (!rc)
        rc = db_load_begin(w,
                           "INSERT INTO cylinder_fillings(cylinder, type, station, region, filler,"
                           " medium, weight_before, weight_after, net_weight, overfill, filled_at,"
                           " recorded_at, source, client_ref, recorded_by)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           &ld);
    for (size_t i = 0; !rc && i < nev; i++) {
        const struct event *e = &ev[i];
        if (e->kind)
            continue;
        const struct station *s = &st[e->station];
        const struct cylinder_type_rules *t = &types[c[e->cyl].type];
        int64_t recorded = e->offline ? e->at + 3600 + (int64_t)rng_below(&r, 86400) : e->at + 2;
        if (recorded > now)
            recorded = now;
        int k = 1;
        rc = db_bind_text(ld, k++, e->code, -1);
        if (!rc)
            rc = db_bind_text(ld, k++, type_codes[c[e->cyl].type], -1);
        if (!rc)
            rc = db_bind_text(ld, k++, s->firm.uscc, -1);
        if (!rc)
            rc = db_bind_text(ld, k++, s->firm.region, -1);
        if (!rc)
            rc = db_bind_int(ld, k++, e->filler);
        if (!rc)
            rc = db_bind_text(ld, k++, e->medium, -1);
        /* The scale's 0.1 kg steps again: a float holds 57.3 as 57.2999992370605. */
        double before = cylinders_round(e->before, 0.1), after = cylinders_round(e->after, 0.1);
        if (!rc)
            rc = db_bind_double(ld, k++, before);
        if (!rc)
            rc = db_bind_double(ld, k++, after);
        if (!rc)
            rc = db_bind_double(ld, k++, cylinders_round(after - before, 0.1));
        if (!rc)
            rc = db_bind_int(ld, k++, cylinders_overfilled(t, e->before, e->after));
        if (!rc)
            rc = db_bind_int(ld, k++, e->at);
        if (!rc)
            rc = db_bind_int(ld, k++, recorded);
        if (!rc)
            rc = db_bind_text(ld, k++, e->offline ? "offline" : "online", -1);
        if (!rc)
            rc = db_bind_null(ld, k++);
        if (!rc)
            rc = e->actor ? db_bind_int(ld, k++, e->actor) : db_bind_null(ld, k++);
        if (!rc)
            rc = db_load_row(ld);
    }
    rc = bulk_end(w, "cylinder_fillings", ld, rc);
    ld = NULL;
    if (!rc)
        rc = db_bulk_table(w, "cylinder_checks", 1);
    if (!rc)
        rc = db_load_begin(w,
                           "INSERT INTO cylinder_checks(at, station, region, cylinder, filler,"
                           " medium, allowed, reasons, source, actor)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           &ld);
    for (size_t i = 0; !rc && i < nev; i++) {
        const struct event *e = &ev[i];
        const struct station *s = &st[e->station];
        char reasons[400];
        size_t len = 0;
        reasons[len++] = '[';
        for (int k = 0; k < CYL_NREASONS; k++)
            if (e->mask & (1u << k))
                len += (size_t)snprintf(reasons + len, sizeof reasons - len, "%s\"%s\"",
                                        len > 1 ? "," : "", cylinders_reason_code(k));
        snprintf(reasons + len, sizeof reasons - len, "]");
        int k = 1;
        rc = db_bind_int(ld, k++, e->at - 20);
        if (!rc)
            rc = db_bind_text(ld, k++, s->firm.uscc, -1);
        if (!rc)
            rc = db_bind_text(ld, k++, s->firm.region, -1);
        if (!rc)
            rc = db_bind_text(ld, k++, e->code, -1);
        if (!rc)
            rc = db_bind_int(ld, k++, e->filler);
        if (!rc)
            rc = db_bind_text(ld, k++, e->medium, -1);
        if (!rc)
            rc = db_bind_int(ld, k++, e->mask == 0);
        if (!rc)
            rc = db_bind_text(ld, k++, reasons, -1);
        if (!rc)
            rc = db_bind_text(ld, k++, !e->kind && e->offline ? "batch" : "check", -1);
        if (!rc)
            rc = e->actor ? db_bind_int(ld, k++, e->actor) : db_bind_null(ld, k++);
        if (!rc)
            rc = db_load_row(ld);
    }
    rc = bulk_end(w, "cylinder_checks", ld, rc);
out:
    if (!rc && (trade.n < nstations || chem.n < nindustrial))
        fprintf(stderr, "演示数据中可作为充装单位的企业不足，未生成气瓶数据\n");
    rng_dispose(&r);
    free(trade.f);
    free(chem.f);
    free(st);
    free(c);
    free(fl);
    free(ev);
    return rc;
}
