/* SPDX-License-Identifier: MIT */
/*
 * Background exports: POST /api/v1/exports {"path","query","format"} runs an export too large
 * to answer at once (up to EXPORT_JOB_MAX_ROWS rows) on a thread of its own, through the very
 * route a direct export takes — the router checks the caller's role again and the list's
 * prepare hook narrows to the caller's data scope, so a job can never see more than its owner.
 * GET /api/v1/exports/{id} tells how far it is; GET /api/v1/exports/{id}/file answers the file.
 *
 * Jobs live in memory (a restart forgets them; the UI starts a new one) in a fixed table:
 * at most JOBS_RUNNING run at once (503 overloaded beyond), JOBS_PER_USER per user (429), and a
 * finished job's file is kept for JOB_KEEP_SECONDS. Files are unlinked temporary files, so
 * nothing is left on disk when the process ends.
 */
#include "http/export_jobs.h"
#include "http/export.h"
#include "http/list.h"
#include "http/module.h"
#include "http/router.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JOBS_MAX 64
#define JOBS_RUNNING 4
#define JOBS_PER_USER 2
#define JOB_KEEP_SECONDS 3600
#define JOB_MAX_QUERY 24

enum job_state { JOB_FREE, JOB_RUNNING, JOB_DONE, JOB_FAILED };

static const char *const state_names[] = {"free", "running", "done", "failed"};

struct job {
    int state;
    char id[17];
    int64_t owner, created, finished;
    struct principal who;
    char ip[48];
    char path[128];
    const char *qv[2 * JOB_MAX_QUERY + 3]; /* name, value, ..., "format", format, NULL */
    json_t *query;                         /* holds the strings qv points at */
    int format;
    char filename[256];
    struct export_progress progress;
    int fd, has_fd;
    size_t len;
    int status;       /* the failed answer's HTTP status */
    char *error_json; /* and its body ({"error":{...}}) */
    pthread_t thread;
    int joinable;
};

static struct job jobs[JOBS_MAX];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int stopping;

/* Closes what a finished job holds and frees its slot. Caller holds lock. */
static void job_clear(struct job *j)
{
    if (j->has_fd)
        close(j->fd);
    json_decref(j->query);
    free(j->error_json);
    *j = (struct job){0};
}

/* Frees slots whose files have been kept long enough. Caller holds lock. */
static void expire(int64_t now)
{
    for (int i = 0; i < JOBS_MAX; i++) {
        struct job *j = &jobs[i];
        if ((j->state == JOB_DONE || j->state == JOB_FAILED) &&
            now - j->finished > JOB_KEEP_SECONDS) {
            if (j->joinable)
                pthread_join(j->thread, NULL);
            job_clear(j);
        }
    }
}

static void *job_main(void *arg)
{
    struct job *j = arg;
    struct req req = {.method = "GET", .path = j->path, .query = j->qv};
    struct resp resp = {0};
    snprintf(req.id, sizeof req.id, "job-%s", j->id);
    snprintf(req.ip, sizeof req.ip, "%s", j->ip);
    req.progress = &j->progress;
    strbuf_init(&req.body, 0);
    strbuf_init(&resp.body, 1u << 20);
    router_dispatch_as(&req, &resp, &j->who);
    pthread_mutex_lock(&lock);
    j->finished = time_now();
    if (resp.status == 200 && resp.has_fd) {
        j->state = JOB_DONE;
        j->fd = resp.fd;
        j->has_fd = 1;
        j->len = resp.fd_len;
        resp.has_fd = 0;
    } else {
        j->state = JOB_FAILED;
        j->status = resp.status ? resp.status : 500;
        j->error_json = strbuf_take(&resp.body, NULL);
    }
    pthread_mutex_unlock(&lock);
    log_info("export job finished", "%s %s: %s, %lld rows", j->id, j->path, state_names[j->state],
             (long long)atomic_load(&j->progress.rows));
    req_dispose(&req);
    resp_dispose(&resp);
    return NULL;
}

/* The job as JSON. Caller holds lock. */
static json_t *job_json(const struct job *j)
{
    long long total = atomic_load(&j->progress.total);
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:I,s:o,s:s}", "id", j->id, "status", state_names[j->state],
                  "path", j->path, "format", j->format == EXPORT_XLSX ? "xlsx" : "csv", "rows",
                  (json_int_t)atomic_load(&j->progress.rows), "total",
                  total >= 0 ? json_integer(total) : json_null(), "filename", j->filename);
    if (j->state == JOB_FAILED) {
        json_t *body = j->error_json ? json_loads(j->error_json, 0, NULL) : NULL;
        json_t *err = json_object_get(body, "error");
        json_object_set_new(o, "error",
                            err ? json_incref(err)
                                : json_pack("{s:s,s:s}", "code", "internal_error", "message",
                                            "导出失败，请稍后重试"));
        json_decref(body);
    }
    return o;
}

/* The exportable list route at path, or NULL. */
static const struct route *list_route(const char *path)
{
    for (int i = 0; i < router_count(); i++) {
        const struct route *r = router_get(i);
        if (r->list && !r->list->no_export && !strcmp(r->method, "GET") &&
            !strcmp(r->pattern, path))
            return r;
    }
    return NULL;
}

/* Copies the query object's members into j->qv; 422 when one is not text or is a name the list
 * def does not read. */
static int take_query(struct resp *resp, struct job *j, const struct list_def *def, json_t *query)
{
    const char *name;
    json_t *v;
    int n = 0;
    if (json_is_object(query) && json_object_size(query) > JOB_MAX_QUERY)
        return reply_error(resp, ERR_INVALID, "validation_failed", "查询条件过多", "query");
    j->query = json_is_object(query) ? json_deep_copy(query) : json_object();
    json_object_foreach(j->query, name, v)
    {
        if (!json_is_string(v) || !strcmp(name, "format") || !strcmp(name, "page") ||
            !strcmp(name, "page_size"))
            return reply_error(resp, ERR_INVALID, "validation_failed",
                               "查询条件须为文本，且不含 format、page、page_size", "query");
        int rc = list_param_refuse(resp, def, name, "query");
        if (rc)
            return rc;
        j->qv[n++] = name;
        j->qv[n++] = json_string_value(v);
    }
    j->qv[n++] = "format";
    j->qv[n++] = j->format == EXPORT_XLSX ? "xlsx" : "csv";
    j->qv[n] = NULL;
    return 0;
}

/* A slot for a new job of user uid in *out, freeing the longest-finished job when none is
 * free. Returns 0, or answers and returns an error when too many jobs run (503) or uid has its
 * share (429). Caller holds lock. */
static int take_slot(struct resp *resp, int64_t uid, int64_t now, struct job **out)
{
    expire(now);
    int running = 0, mine = 0;
    struct job *free_slot = NULL, *oldest = NULL;
    for (int i = 0; i < JOBS_MAX; i++) {
        struct job *x = &jobs[i];
        running += x->state == JOB_RUNNING;
        mine += x->state == JOB_RUNNING && x->owner == uid;
        if (x->state == JOB_FREE && !free_slot)
            free_slot = x;
        else if ((x->state == JOB_DONE || x->state == JOB_FAILED) &&
                 (!oldest || x->finished < oldest->finished))
            oldest = x;
    }
    /* JOBS_RUNNING < JOBS_MAX: when no slot is free, one holds a finished job. */
    if (stopping || running >= JOBS_RUNNING || (!free_slot && !oldest)) {
        resp_header(resp, "Retry-After", "30");
        return reply_error(resp, ERR_UNAVAILABLE, "overloaded", "后台导出任务已满，请稍后再试",
                           NULL);
    }
    if (mine >= JOBS_PER_USER)
        return reply_error(resp, ERR_RATE, "too_many_jobs",
                           "您已有导出任务在进行，请等待完成后再试", NULL);
    if (!free_slot) { /* the job finished longest ago makes room */
        if (oldest->joinable)
            pthread_join(oldest->thread, NULL);
        job_clear(oldest);
        free_slot = oldest;
    }
    *out = free_slot;
    return 0;
}

static int create(struct req *req, struct resp *resp)
{
    const char *path = json_string_value(json_object_get(req->json, "path"));
    const char *format = json_string_value(json_object_get(req->json, "format"));
    const struct route *r = list_route(path);
    if (!r)
        return reply_error(resp, ERR_INVALID, "validation_failed", "不是可导出的列表地址", "path");
    if (!router_may_call(r, req->user) || !list_may_export(r->list, req->user))
        return reply_error(resp, ERR_FORBIDDEN, "forbidden", "当前角色无权导出该列表", "path");
    int64_t now = time_now();
    pthread_mutex_lock(&lock);
    struct job *j = NULL;
    int rc = take_slot(resp, req->user->id, now, &j);
    if (!rc) {
        unsigned char raw[8];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(j->id, sizeof j->id, raw, sizeof raw);
        j->owner = req->user->id;
        j->who = *req->user;
        j->created = now;
        snprintf(j->ip, sizeof j->ip, "%s", req->ip);
        snprintf(j->path, sizeof j->path, "%s", path);
        j->format = !strcmp(format, "xlsx") ? EXPORT_XLSX : EXPORT_CSV;
        export_filename(list_title(r->list), j->format, now, j->filename, sizeof j->filename);
        atomic_init(&j->progress.rows, 0);
        atomic_init(&j->progress.total, -1);
        atomic_init(&j->progress.cancel, 0);
        rc = take_query(resp, j, r->list, json_object_get(req->json, "query"));
        j->state = JOB_RUNNING;
        if (!rc && pthread_create(&j->thread, NULL, job_main, j))
            rc = ERR_INTERNAL;
        if (rc)
            job_clear(j); /* never started: the slot is free again */
        else
            j->joinable = 1;
    }
    if (!rc)
        rc = reply_json(resp, 202, job_json(j));
    pthread_mutex_unlock(&lock);
    return rc;
}

/* The caller's job named in the path, or NULL (404: another user's jobs do not exist). Caller
 * holds lock. */
static struct job *find(struct req *req)
{
    const char *id = req_param(req, "id");
    for (int i = 0; i < JOBS_MAX; i++)
        if (jobs[i].state != JOB_FREE && !strcmp(jobs[i].id, id) && jobs[i].owner == req->user->id)
            return &jobs[i];
    return NULL;
}

static int show(struct req *req, struct resp *resp)
{
    pthread_mutex_lock(&lock);
    struct job *j = find(req);
    int rc = j ? reply_json(resp, 200, job_json(j))
               : reply_error(resp, ERR_NOTFOUND, "not_found", "导出任务不存在或已过期", NULL);
    pthread_mutex_unlock(&lock);
    return rc;
}

static int file(struct req *req, struct resp *resp)
{
    pthread_mutex_lock(&lock);
    struct job *j = find(req);
    int rc = 0, fd = -1;
    if (!j) {
        rc = reply_error(resp, ERR_NOTFOUND, "not_found", "导出任务不存在或已过期", NULL);
    } else if (j->state != JOB_DONE) {
        rc = reply_error(resp, ERR_CONFLICT, "export_not_ready",
                         j->state == JOB_RUNNING ? "导出尚未完成" : "导出失败，没有文件", NULL);
    } else {
        /* A description of its own (not dup's shared offset) for each download. */
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", j->fd);
        fd = open(proc, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            rc = ERR_IO;
    }
    if (!rc) {
        resp->has_fd = 1;
        resp->fd = fd;
        resp->fd_len = j->len;
        resp->status = 200;
        resp->content_type = j->format == EXPORT_XLSX ? "application/vnd.openxmlformats-"
                                                        "officedocument.spreadsheetml.sheet"
                                                      : "text/csv; charset=utf-8";
        export_disposition(resp, j->filename);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void export_jobs_shutdown(void)
{
    pthread_mutex_lock(&lock);
    stopping = 1;
    for (int i = 0; i < JOBS_MAX; i++)
        if (jobs[i].state == JOB_RUNNING)
            atomic_store(&jobs[i].progress.cancel, 1);
    pthread_mutex_unlock(&lock);
    /* Threads take the lock to finish, so they are joined without it; no job starts now. */
    for (int i = 0; i < JOBS_MAX; i++)
        if (jobs[i].joinable) {
            pthread_join(jobs[i].thread, NULL);
            jobs[i].joinable = 0;
        }
    pthread_mutex_lock(&lock);
    for (int i = 0; i < JOBS_MAX; i++)
        job_clear(&jobs[i]);
    stopping = 0;
    pthread_mutex_unlock(&lock);
}

static const struct enum_value formats[] = {{"csv", "CSV"}, {"xlsx", "Excel"}, {NULL, NULL}};

static const struct field create_body[] = {
    {"path", FIELD_STRING, FIELD_REQUIRED, 120, "列表地址"},
    {"query", FIELD_OBJECT, FIELD_NULLABLE, 0, "查询条件"},
    {"format", FIELD_STRING, FIELD_REQUIRED, 8, "导出格式", NULL, NULL, formats},
    {NULL, 0, 0, 0, NULL},
};

static const struct route routes[] = {
    {"POST", "/api/v1/exports", create, ROLES_ANY, create_body, ROUTE_BODY_JSON, 4096},
    {"GET", "/api/v1/exports/{id}", show, ROLES_ANY, NULL, 0, 0},
    {"GET", "/api/v1/exports/{id}/file", file, ROLES_ANY, NULL, 0, 0},
    {NULL, NULL, NULL, 0, NULL, 0, 0},
};

const struct module exports_module = {
    .name = "exports",
    .label = "后台导出",
    .roles = ROLES_ANY,
    .routes = routes,
};
