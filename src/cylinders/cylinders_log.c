/* SPDX-License-Identifier: MIT */
/*
 * The check log (cylinders.h): every answer a scanner gets is queued here in memory and a
 * background thread writes the queue to cylinder_checks in batches, each one group-committed
 * write (db_write_begin/db_write_end), so that the check itself never waits for a disk. The
 * thread starts with the first record and stops (writing the queue out) at
 * cylinders_log_stop. Owns the queue and the thread; nothing else writes cylinder_checks but
 * the demo.
 */
#include "cylinders/cylinders.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct entry {
    int64_t at, filler, actor;
    unsigned mask;
    char station[20], region[16], cylinder[33], medium[8], source[8];
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    struct entry *q;
    size_t n, cap;
    int started, stopping, busy;
    uint64_t flushes_asked, flushes_done;
    uint64_t queued, written, lost;
    pthread_t thread;
} g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER};

/* The reasons of mask as a JSON array text of codes, into buf. */
static void reasons_text(unsigned mask, char *buf, size_t cap)
{
    size_t len = 0;
    buf[len++] = '[';
    for (int i = 0; i < CYL_NREASONS; i++)
        if (mask & (1u << i))
            len += (size_t)snprintf(buf + len, cap - len, "%s\"%s\"", len > 1 ? "," : "",
                                    cylinders_reason_code(i));
    snprintf(buf + len, cap - len, "]");
}

/* Binds e's columns to the row being loaded into st; returns 0 or an error. */
static int bind_entry(struct db_stmt *st, const struct entry *e)
{
    char reasons[400];
    reasons_text(e->mask, reasons, sizeof reasons);
    int rc = db_bind_int(st, 1, e->at);
    if (!rc)
        rc = db_bind_text(st, 2, e->station, -1);
    if (!rc)
        rc = db_bind_text(st, 3, e->region, -1);
    if (!rc)
        rc = db_bind_text(st, 4, e->cylinder, -1);
    if (!rc)
        rc = e->filler > 0 ? db_bind_int(st, 5, e->filler) : db_bind_null(st, 5);
    if (!rc)
        rc = db_bind_text(st, 6, e->medium, -1);
    if (!rc)
        rc = db_bind_int(st, 7, e->mask == 0);
    if (!rc)
        rc = db_bind_text(st, 8, reasons, -1);
    if (!rc)
        rc = db_bind_text(st, 9, e->source, -1);
    if (!rc)
        rc = e->actor > 0 ? db_bind_int(st, 10, e->actor) : db_bind_null(st, 10);
    return rc;
}

/* Inserts n entries in one write, as a load (db.h: many rows to a statement with SQLite, a
 * COPY with PostgreSQL), not a statement per row; returns 0 or an error. */
static int write_batch(const struct entry *e, size_t n)
{
    struct db *w = db_write_begin();
    struct db_stmt *st = NULL;
    int rc = w ? db_load_begin(w,
                               "INSERT INTO cylinder_checks(at, station, region, cylinder, filler,"
                               " medium, allowed, reasons, source, actor)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               &st)
               : ERR_DB;
    for (size_t i = 0; !rc && i < n; i++) {
        rc = bind_entry(st, &e[i]);
        if (!rc)
            rc = db_load_row(st);
    }
    if (st)
        rc = db_load_end(st, rc);
    return w ? db_write_end(w, rc) : rc;
}

/* Waits (g.lock held) for a record, a flush or a stop, or one flush interval at most. */
static void nap(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += CYL_LOG_FLUSH_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&g.wake, &g.lock, &until);
}

static void *writer(void *arg)
{
    (void)arg;
    /* Named apart from the event threads it is started from, for top -H and perf. */
    pthread_setname_np(pthread_self(), "jg-checklog");
    struct entry *batch = NULL;
    size_t cap = 0;
    pthread_mutex_lock(&g.lock);
    for (;;) {
        if (!g.n && !g.stopping && g.flushes_done == g.flushes_asked) {
            nap();
            continue;
        }
        uint64_t asked = g.flushes_asked;
        /* Let a batch gather for a moment unless asked to write now. */
        if (g.n && g.n < CYL_LOG_BATCH && !g.stopping && g.flushes_done == asked) {
            nap();
            asked = g.flushes_asked;
        }
        size_t n = g.n;
        if (n > cap) {
            free(batch);
            cap = g.cap;
            batch = xmalloc(cap * sizeof *batch);
        }
        if (n)
            memcpy(batch, g.q, n * sizeof *batch);
        g.n = 0;
        g.busy = 1;
        pthread_mutex_unlock(&g.lock);
        int rc = n ? write_batch(batch, n) : 0;
        if (rc)
            log_error("filling check log", "%zu check records could not be written (%d)", n, rc);
        pthread_mutex_lock(&g.lock);
        g.busy = 0;
        if (rc)
            g.lost += n;
        else
            g.written += n;
        g.flushes_done = asked;
        pthread_cond_broadcast(&g.done);
        if (g.stopping && !g.n)
            break;
    }
    pthread_mutex_unlock(&g.lock);
    free(batch);
    return NULL;
}

void cylinders_log_check(const struct cylinder_facts *f, const char *cylinder, int64_t filler,
                         const char *medium, unsigned mask, const char *source, int64_t actor,
                         int64_t at)
{
    pthread_mutex_lock(&g.lock);
    if (!g.started && !g.stopping) {
        if (pthread_create(&g.thread, NULL, writer, NULL) == 0)
            g.started = 1;
    }
    if (!g.started || g.n >= CYL_LOG_MAX) {
        g.lost++;
        pthread_mutex_unlock(&g.lock);
        return;
    }
    if (g.n == g.cap) {
        size_t cap = g.cap ? g.cap * 2 : 1024;
        struct entry *q = realloc(g.q, cap * sizeof *q);
        if (!q) {
            g.lost++;
            pthread_mutex_unlock(&g.lock);
            return;
        }
        g.q = q;
        g.cap = cap;
    }
    struct entry *e = &g.q[g.n++];
    e->at = at;
    e->filler = filler;
    e->actor = actor;
    e->mask = mask;
    cylinders_copy(e->station, sizeof e->station, f->station);
    cylinders_copy(e->region, sizeof e->region, f->region);
    cylinders_copy(e->cylinder, sizeof e->cylinder, cylinder);
    cylinders_copy(e->medium, sizeof e->medium, medium);
    cylinders_copy(e->source, sizeof e->source, source);
    g.queued++;
    /* The first record wakes the writer, which lets a batch gather for one interval: a
     * record reaches the table within about a second, not two. */
    if (g.n == 1 || g.n == CYL_LOG_BATCH)
        pthread_cond_signal(&g.wake);
    pthread_mutex_unlock(&g.lock);
}

void cylinders_log_flush(void)
{
    pthread_mutex_lock(&g.lock);
    if (g.started) {
        uint64_t ticket = ++g.flushes_asked;
        pthread_cond_signal(&g.wake);
        while (g.flushes_done < ticket && g.started)
            pthread_cond_wait(&g.done, &g.lock);
    }
    pthread_mutex_unlock(&g.lock);
}

void cylinders_log_stop(void)
{
    pthread_mutex_lock(&g.lock);
    g.stopping = 1;
    int started = g.started;
    pthread_cond_signal(&g.wake);
    pthread_mutex_unlock(&g.lock);
    if (started)
        pthread_join(g.thread, NULL);
    pthread_mutex_lock(&g.lock);
    g.started = 0;
    free(g.q);
    g.q = NULL;
    g.n = g.cap = 0;
    pthread_mutex_unlock(&g.lock);
}

void cylinders_log_stats(uint64_t *queued, uint64_t *written, uint64_t *lost)
{
    pthread_mutex_lock(&g.lock);
    *queued = g.queued;
    *written = g.written;
    *lost = g.lost;
    pthread_mutex_unlock(&g.lock);
}
