/* SPDX-License-Identifier: MIT */
/* Request counters and histograms in Prometheus text format. */
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "core/alloc.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int statuses[] = {200, 201, 204, 304, 400, 401, 403, 404,
                               405, 409, 413, 415, 422, 429, 500, 503};
#define NSTATUS (int)(sizeof statuses / sizeof statuses[0])
#define NOTHER NSTATUS /* an unlisted status */

static const double buckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                 0.01,   0.025,   0.05,   0.1,   0.25,   1.0};
#define NBUCKET (int)(sizeof buckets / sizeof buckets[0])
_Static_assert(sizeof buckets / sizeof buckets[0] == DB_COMMIT_BUCKETS,
               "commit latency shares the request histogram's buckets");

static uint64_t *counts; /* [(nroutes + 1) * (NSTATUS + 1)], row 0 = no route */
static int nrows;
static uint64_t hist[NBUCKET + 1];
static uint64_t hist_sum_ns, hist_count;
static int64_t open_conns;

void metrics_init(int nroutes)
{
    free(counts);
    nrows = nroutes + 1;
    counts = xcalloc((size_t)nrows * (NSTATUS + 1), sizeof *counts);
}

void metrics_free(void)
{
    free(counts);
    counts = NULL;
}

void metrics_observe(int route, int status, uint64_t ns)
{
    int s = NOTHER;
    for (int i = 0; i < NSTATUS; i++)
        if (statuses[i] == status)
            s = i;
    int row = route + 1;
    if (counts && row >= 0 && row < nrows)
        __atomic_fetch_add(&counts[row * (NSTATUS + 1) + s], 1, __ATOMIC_RELAXED);
    double secs = (double)ns / 1e9;
    int b = 0;
    while (b < NBUCKET && secs > buckets[b])
        b++;
    __atomic_fetch_add(&hist[b], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&hist_sum_ns, ns, __ATOMIC_RELAXED);
    __atomic_fetch_add(&hist_count, 1, __ATOMIC_RELAXED);
}

void metrics_connection(int delta)
{
    __atomic_fetch_add(&open_conns, delta, __ATOMIC_RELAXED);
}

/* The group commit (db.h): batch sizes, commit latency, writers waiting. */
static int commit_metrics(struct strbuf *out)
{
    static const int sizes[DB_BATCH_BUCKETS] = {1, 2, 4, 8, 16, 32, 64};
    struct db_commit_stats st;
    db_commit_stats(&st);
    int rc = strbuf_puts(out, "# HELP jianguan_commit_batch_size Writes per group commit.\n"
                              "# TYPE jianguan_commit_batch_size histogram\n");
    uint64_t cum = 0;
    for (int b = 0; !rc && b <= DB_BATCH_BUCKETS; b++) {
        cum += st.batch_hist[b];
        if (b < DB_BATCH_BUCKETS)
            rc = strbuf_printf(out, "jianguan_commit_batch_size_bucket{le=\"%d\"} %llu\n", sizes[b],
                               (unsigned long long)cum);
        else
            rc = strbuf_printf(out,
                               "jianguan_commit_batch_size_bucket{le=\"+Inf\"} %llu\n"
                               "jianguan_commit_batch_size_sum %llu\n"
                               "jianguan_commit_batch_size_count %llu\n",
                               (unsigned long long)cum, (unsigned long long)st.writes,
                               (unsigned long long)st.batches);
    }
    if (!rc)
        rc = strbuf_puts(out, "# HELP jianguan_commit_seconds Time to commit a batch (fsync).\n"
                              "# TYPE jianguan_commit_seconds histogram\n");
    cum = 0;
    for (int b = 0; !rc && b <= DB_COMMIT_BUCKETS; b++) {
        cum += st.commit_hist[b];
        if (b < DB_COMMIT_BUCKETS)
            rc = strbuf_printf(out, "jianguan_commit_seconds_bucket{le=\"%g\"} %llu\n", buckets[b],
                               (unsigned long long)cum);
        else
            rc = strbuf_printf(out,
                               "jianguan_commit_seconds_bucket{le=\"+Inf\"} %llu\n"
                               "jianguan_commit_seconds_sum %.6f\n"
                               "jianguan_commit_seconds_count %llu\n",
                               (unsigned long long)cum, (double)st.commit_ns / 1e9,
                               (unsigned long long)st.batches);
    }
    if (!rc)
        rc = strbuf_printf(out,
                           "# HELP jianguan_commit_failed_total Batches whose commit failed.\n"
                           "# TYPE jianguan_commit_failed_total counter\n"
                           "jianguan_commit_failed_total %llu\n"
                           "# HELP jianguan_writers_waiting Writers waiting for the connection.\n"
                           "# TYPE jianguan_writers_waiting gauge\njianguan_writers_waiting %d\n"
                           "# HELP jianguan_writer_turns_total Writes that held the write"
                           " connection (each in its savepoint).\n"
                           "# TYPE jianguan_writer_turns_total counter\n"
                           "jianguan_writer_turns_total %llu\n"
                           "# HELP jianguan_writer_busy_seconds_total Time writers held the write"
                           " connection, commits apart: the serial part of every write.\n"
                           "# TYPE jianguan_writer_busy_seconds_total counter\n"
                           "jianguan_writer_busy_seconds_total %.6f\n",
                           (unsigned long long)st.failed, st.waiting, (unsigned long long)st.turns,
                           (double)st.held_ns / 1e9);
    return rc;
}

int metrics_render(struct strbuf *out)
{
    int rc = strbuf_puts(out, "# HELP jianguan_requests_total Requests answered, by route and"
                              " status.\n# TYPE jianguan_requests_total counter\n");
    for (int row = 0; !rc && row < nrows; row++) {
        const struct route *r = router_get(row - 1);
        for (int s = 0; !rc && s <= NSTATUS; s++) {
            uint64_t v = __atomic_load_n(&counts[row * (NSTATUS + 1) + s], __ATOMIC_RELAXED);
            if (!v)
                continue;
            char status[8];
            if (s == NOTHER)
                memcpy(status, "other", 6);
            else
                snprintf(status, sizeof status, "%d", statuses[s]);
            rc = strbuf_printf(out,
                               "jianguan_requests_total{method=\"%s\",route=\"%s\","
                               "status=\"%s\"} %llu\n",
                               r ? r->method : "", r ? r->pattern : "unmatched", status,
                               (unsigned long long)v);
        }
    }
    if (!rc)
        rc = strbuf_puts(out, "# HELP jianguan_request_duration_seconds Time to answer.\n"
                              "# TYPE jianguan_request_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (int b = 0; !rc && b <= NBUCKET; b++) {
        cum += __atomic_load_n(&hist[b], __ATOMIC_RELAXED);
        if (b < NBUCKET)
            rc = strbuf_printf(out, "jianguan_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                               buckets[b], (unsigned long long)cum);
        else
            rc = strbuf_printf(out,
                               "jianguan_request_duration_seconds_bucket{le=\"+Inf\"} "
                               "%llu\n",
                               (unsigned long long)cum);
    }
    if (!rc)
        rc = strbuf_printf(
            out,
            "jianguan_request_duration_seconds_sum %.6f\n"
            "jianguan_request_duration_seconds_count %llu\n"
            "# HELP jianguan_open_connections Connections open now.\n"
            "# TYPE jianguan_open_connections gauge\njianguan_open_connections %lld\n",
            (double)__atomic_load_n(&hist_sum_ns, __ATOMIC_RELAXED) / 1e9,
            (unsigned long long)__atomic_load_n(&hist_count, __ATOMIC_RELAXED),
            (long long)__atomic_load_n(&open_conns, __ATOMIC_RELAXED));
    if (!rc)
        rc = server_metrics(out);
    if (!rc)
        rc = commit_metrics(out);
    struct db *db = db_read();
    if (!rc && db)
        rc = strbuf_printf(out,
                           "# HELP jianguan_database_bytes Size of the database file.\n"
                           "# TYPE jianguan_database_bytes gauge\njianguan_database_bytes "
                           "%lld\n",
                           (long long)db_size_bytes(db));
    return rc;
}
