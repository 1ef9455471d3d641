/* SPDX-License-Identifier: MIT */
/*
 * M7, gas-cylinder filling control (扫码限充、阳光充装): the records (cylinder types, filling
 * stations, certified fillers, cylinders, fillings, checks), the filling check as a pure rule,
 * the rules of a filling's weights and time, and the check log's background writer.
 *
 * The check. A station's scanner asks whether cylinder C may be filled with medium M by filler
 * F, now. Every reason below is judged on its own, so a refusal lists all that apply:
 *   unknown_cylinder       no cylinder has the code (the other cylinder reasons cannot apply)
 *   scrapped               the cylinder's status is scrapped
 *   service_life_exceeded  today is after the end of its service life: manufactured + the
 *                          type's design life in years; or + its extended life when the type
 *                          has one and the last inspection was made on or after the day the
 *                          design life ends (it passed the inspection at the end of its design
 *                          life). The end day itself is still within the life.
 *   inspection_overdue     today is after the inspection due day: (last inspection, else the
 *                          manufacture date) + the type's interval in years. The due day itself
 *                          is not overdue.
 *   not_station_cylinder   the cylinder is registered to another station (own or 托管 alike)
 *   licence_expired        today is after the station licence's expiry day
 *   medium_not_permitted   the medium asked for is not among the station's permitted media
 *   filler_not_certified   the filler is unknown, of another station, disabled, or today is
 *                          after their certificate's expiry day
 *   wrong_medium           the medium asked for is not the cylinder type's medium
 *   filled_too_recently    a filling of the cylinder lies less than the type's minimum refill
 *                          interval before now (at exactly the interval it is allowed); for an
 *                          offline filling judged later, a recorded filling less than the
 *                          interval after it counts too (docs/offline-filling.md)
 * Years are added on the calendar (29 February + 1 year = 28 February); dates are China's.
 *
 * The check log. Every answer is kept, but no answer waits for a disk: cylinders_log_check
 * queues the record in memory and a background thread inserts what has queued every
 * CYL_LOG_FLUSH_MS milliseconds (or sooner, past CYL_LOG_BATCH records) in one group-committed
 * write. A crash of the process loses at most the records of the last two seconds (the
 * flush interval plus one commit); a normal stop writes the queue out (cylinders_log_stop).
 * Fillings are not queued: each is durable before its 201.
 */
#ifndef JG_CYLINDERS_H
#define JG_CYLINDERS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "authz/authz.h"
#include "core/strbuf.h"
#include "db/db.h"
#include "record/record.h"

/* The reasons, in the order answers list them; bit (1u << reason) of a reason mask. */
enum cyl_reason {
    CYL_UNKNOWN_CYLINDER,
    CYL_SCRAPPED,
    CYL_SERVICE_LIFE_EXCEEDED,
    CYL_INSPECTION_OVERDUE,
    CYL_NOT_STATION_CYLINDER,
    CYL_LICENCE_EXPIRED,
    CYL_MEDIUM_NOT_PERMITTED,
    CYL_FILLER_NOT_CERTIFIED,
    CYL_WRONG_MEDIUM,
    CYL_FILLED_TOO_RECENTLY,
    CYL_NREASONS
};
/* The stable English code of a reason ("inspection_overdue"), or NULL. */
const char *cylinders_reason_code(int reason);
/* The reason of a code, or -1. */
int cylinders_reason_of(const char *code);

/* A cylinder type's rules (a row of cylinder_types). */
struct cylinder_type_rules {
    char medium[8];
    int inspection_years, design_years, extended_years; /* extended 0: none */
    int64_t refill_seconds;
    double capacity_kg, tare_kg, min_weight_kg, max_weight_kg;
};

/* What the check is judged on, read in one query (cylinders_facts_read). Days are days since
 * 1970-01-01; -1 where there is none. */
struct cylinder_facts {
    char station[20]; /* the calling station */
    char region[16];  /* its region (for the check log) */
    int32_t licence_expires;
    char media[160];    /* the station's permitted media, a JSON array text */
    const char *medium; /* asked for (borrowed) */
    int filler_known;   /* the filler exists and belongs to the station */
    int filler_active;
    int32_t cert_expires;
    int cylinder_known;
    char cylinder_station[20];
    int scrapped;
    int32_t manufactured, last_inspection;
    struct cylinder_type_rules type;
    int64_t last_filled_at; /* the latest filling at or before `now`, 0: none */
    int64_t next_filled_at; /* the earliest filling after `now` (offline judging), 0: none */
    /* The caller's session and user, read in the same statement when asked
     * (cylinders_facts_read_as): whether a principal from the token cache still holds. */
    struct {
        int found; /* a session with that token */
        int disabled;
        int64_t user, expires_at;
        char role[24], entity[20];
    } caller;
};

/* Judges f as of the day today and the instant now; returns the mask of reasons (0: allowed).
 * Pure. */
unsigned cylinders_check(const struct cylinder_facts *f, int32_t today, int64_t now);
/* The day the inspection of a cylinder is due (overdue from the day after). Pure. */
int32_t cylinders_next_inspection(const struct cylinder_type_rules *t, int32_t manufactured,
                                  int32_t last_inspection);
/* The last day of a cylinder's service life (extended as the header says). Pure. */
int32_t cylinders_life_ends(const struct cylinder_type_rules *t, int32_t manufactured,
                            int32_t last_inspection);
/* day + years on the calendar; 29 February goes to 28 February in a common year. Pure. */
int32_t cylinders_add_years(int32_t day, int years);
/* Whether medium (e.g. "LPG") is in the JSON array text media (["LPG","O2"]). Pure. */
int cylinders_media_has(const char *media, const char *medium);
/* A reason's Chinese message for f, into buf. Pure. */
void cylinders_reason_message(int reason, const struct cylinder_facts *f, char *buf, size_t cap);
/* Appends {"allowed":true} or {"allowed":false,"reasons":[{"code","message"}, ...]} for mask
 * to out. Returns 0 or ERR_TOOLARGE. */
int cylinders_answer_write(unsigned mask, const struct cylinder_facts *f, struct strbuf *out);
/* The reasons of mask as a JSON array of {code, message} (new reference). */
json_t *cylinders_reasons_json(unsigned mask, const struct cylinder_facts *f);

/* A cylinder's code as printed on its label: 4 to 32 characters of A-Z, 0-9 and '-'. The code
 * is upper-cased in place first. Returns 0 or ERR_INVALID. */
int cylinders_code_normalize(char *code);
/* The media a station may be permitted, with Chinese labels. */
extern const struct enum_value cylinder_media[];

/* Limits of a filling's weights (kg) and time. */
#define CYL_OFFLINE_DAYS 7 /* an offline filling older than this is refused */
#define CYL_CLOCK_SKEW 300 /* seconds a scanner's clock may run ahead of the server's */
#define CYL_BATCH_MAX 500  /* fillings in one batch upload */
/* Checks the weights of a filling of a cylinder of type t: each within the type's plausible
 * scale readings, after not below before. Returns 0, or ERR_INVALID with the field and a
 * Chinese message (msg, cap bytes). Pure. */
int cylinders_weights_ok(const struct cylinder_type_rules *t, double before, double after,
                         const char **field /* out */, char *msg, size_t cap);
/* Whether the net weight after - before overfills a cylinder of type t (more than its rated
 * fill mass). Pure. */
int cylinders_overfilled(const struct cylinder_type_rules *t, double before, double after);
/* x rounded to the nearest multiple of unit (half away from zero); without libm. Pure. */
double cylinders_round(double x, double unit);
/* Parses an RFC 3339 instant ("2026-12-03T08:30:00+08:00", "...Z", fractions ignored) into
 * Unix seconds. Returns 0 or ERR_INVALID. Pure. */
int cylinders_parse_instant(const char *s, int64_t *out /* out */);
/* Judges a filling's time t against now: ERR_INVALID with a code ("future_time",
 * "too_old") and a Chinese message when it is more than CYL_CLOCK_SKEW ahead or more than
 * CYL_OFFLINE_DAYS days behind. Pure. */
int cylinders_time_ok(int64_t t, int64_t now, const char **code /* out */,
                      const char **msg /* out */);

/* The records. */
extern const struct field cylinder_type_fields[], cylinder_station_fields[],
    cylinder_filler_fields[], cylinder_fields[], cylinder_filling_fields[], cylinder_check_fields[];
extern struct record cylinder_type_rec, cylinder_station_rec, cylinder_filler_rec, cylinder_rec,
    cylinder_filling_rec, cylinder_check_rec;
extern const struct enum_value cylinder_statuses[], cylinder_ownerships[], cylinder_sources[];

/* Copies s (NULL: "") into out of cap > 0 bytes, cut to fit, always NUL-terminated. */
void cylinders_copy(char *out, size_t cap, const char *s);
/* Reads the rules of type code on db into *t; 0, ERR_NOTFOUND or an error. */
int cylinders_type_rules(struct db *db, const char *code, struct cylinder_type_rules *t);
/* Reads the facts of a check of cylinder (code) with filler by station on db (a read
 * connection for the check, the write connection for a filling) into *f; medium is borrowed.
 * Returns 0, ERR_NOTFOUND when station is not a registered filling station, or an error. */
int cylinders_facts_read(struct db *db, const char *station, const char *cylinder, int64_t filler,
                         const char *medium, struct cylinder_facts *f /* out */);
/* The statement both read with (its parameters: filler, cylinder, token hash, station), for
 * tests of its plan: on SQLite, with statistics, the cylinder is one entry of the covering
 * index cylinders_check. */
extern const char cylinders_facts_sql[];
/* The same, and in the same statement (one snapshot) the session whose token hashes to
 * token_hash (authz_token_hash; NULL: none) and its user, into f->caller. */
int cylinders_facts_read_as(struct db *db, const char *station, const char *cylinder,
                            int64_t filler, const char *medium, const unsigned char *token_hash,
                            struct cylinder_facts *f /* out */);
/* Whether p, admitted from the token cache, still holds by f->caller as read at now: the
 * session exists and runs, the user is enabled and is still p's user, role and entity. Pure. */
int cylinders_caller_holds(const struct cylinder_facts *f, const struct principal *p, int64_t now);
/* Sets f->last_filled_at and f->next_filled_at from the fillings recorded around t (a filling
 * judged at its own time, online or offline); on the write connection. 0 or an error. */
int cylinders_fillings_around(struct db *db, const char *cylinder, int64_t t, int64_t window,
                              struct cylinder_facts *f);

/* The check log (see above). source: "check", "filling" or "batch". Never blocks on the
 * database; thread-safe. */
void cylinders_log_check(const struct cylinder_facts *f, const char *cylinder, int64_t filler,
                         const char *medium, unsigned mask, const char *source, int64_t actor,
                         int64_t at);
/* Writes whatever has queued now and waits for it (tests, the stop). */
void cylinders_log_flush(void);
/* Stops the background writer after writing the queue out. */
void cylinders_log_stop(void);
/* Each commit rewrites every index page its batch touched (the cylinder index is hit at random)
 * and makes every reader drop its page cache at its next read, so fewer, larger batches cost
 * less per record: at 35,000 checks a second, one commit a second instead of five cut the
 * writer's CPU per check from 9-11 to 7-8 us (bench/cylinders.sh). A record shows in the lists
 * at most a second after its answer. */
#define CYL_LOG_FLUSH_MS 1000
/* Only a bound on one batch's memory: under load the interval, not the count, sets the pace. */
#define CYL_LOG_BATCH 65536
#define CYL_LOG_MAX 1000000 /* records held at most; past it new ones are counted as lost */
/* Records queued, written and lost since start (for /metrics and tests). */
void cylinders_log_stats(uint64_t *queued, uint64_t *written, uint64_t *lost);

#endif
