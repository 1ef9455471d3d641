/* SPDX-License-Identifier: MIT */
/*
 * libmicrohttpd glue. Each event thread runs a libmicrohttpd daemon of its own (epoll, all on
 * one listening socket) in a loop of ours, so that a pass of the loop is a turn: the thread's
 * reads share one database snapshot per turn (db_read_turns), ended as the pass ends. Each
 * request gets a context on the first call of the access handler, its body on the following
 * calls (bounded: past the limit the bytes are drained and the answer is 413), and is
 * dispatched on the last call, as libmicrohttpd wants for keep-alive. The completion callback
 * logs the request and frees its context.
 *
 * Event threads only run what is quick (reads, the UI's files, refusals). Slow requests and
 * writes are suspended and handed to a worker pool (pool.h): the slow pool, one thread per core
 * by default, for CPU-bound work; the write pool for writes, whose threads mostly sleep while
 * their group commit (db.h) reaches the disk. The worker dispatches, then resumes the
 * connection, and the next call of the access handler sends the answer. A full queue answers
 * 503 `overloaded` at once.
 */
#include "http/server.h"
#include "http/deadline.h"
#include "http/metrics.h"
#include "http/peers.h"
#include "http/pool.h"
#include "http/router.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/tmpfile.h"
#include "db/db.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct ctx {
    struct req req;
    struct resp resp;
    uint64_t start_ns;
    struct watch *watch;       /* the connection's deadlines (deadline.h) */
    struct event_thread *home; /* the event thread whose daemon holds the connection */
    int handed_off;            /* suspended: a worker answers, then resumes the connection */
    size_t budgeted;           /* bytes of the body budget this request holds */
};

#define SPOOL_AT ((size_t)1 << 20) /* a body larger than this waits in a temporary file */
/* The page cache of an event thread's read connection (db_read_cache). It answers the reads
 * that are not ROUTE_SLOW, the filling check first, whose look-ups spread over a city's rows:
 * SQLite's default 2 MiB is thrashed by them, and dropped besides at the first read after each
 * commit (at city scale, 1.06 reads from the file per check with 2 MiB, 0.25 with 32 MiB,
 * bench/cylinders.sh). The pool's workers and export jobs, whose reads are long scans, keep
 * the default: a scan gains little from a cache and would keep one full. */
#define EVENT_READ_CACHE ((int64_t)32 << 20)
#define WRITE_WORKERS 64 /* writers sleep on their group commit; more of them, larger batches */
#define WRITE_QUEUE 1024
#define SLOW_NICE 10

static struct pool *pools[2];             /* PLACE_SLOW - 1, PLACE_WRITE - 1 */
static struct MHD_Daemon *metrics_daemon; /* --metrics-listen: /metrics for Prometheus */

/* The event threads: each runs its daemon until told to quit, and sleeps on the daemon's epoll
 * set and on wake, which a worker that resumed one of its connections signals (libmicrohttpd
 * 0.9.75 wakes only a daemon of its own threads) and server_stop too. */
struct event_thread {
    struct MHD_Daemon *daemon;
    int wake; /* an eventfd */
    pthread_t thread;
    int running;
};
static struct event_thread *events;
static unsigned nevents;
static int events_quit;
/* The threads wait at this gate until all have started (or one could not, and they quit). */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t open;
    int opened;
} gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
static _Thread_local struct event_thread *t_event; /* the calling event thread's, else NULL */

static struct server_config config;
static char public_url[256];
static uint32_t boot_id;
static uint64_t request_counter;
static int64_t in_flight;  /* requests begun and not completed, for draining at stop */
static int stopping;       /* set by server_stop: new requests are refused while draining */
static int64_t body_bytes; /* request bodies held now, all connections (max_body_memory at most) */

const char *server_public_url(void)
{
    return public_url;
}

const char *server_query(const struct req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_walk {
    int (*known)(const void *, const char *);
    const void *ctx;
    const char *unknown;
};

static enum MHD_Result query_walk_one(void *arg, enum MHD_ValueKind kind, const char *name,
                                      const char *value)
{
    (void)kind;
    (void)value;
    struct query_walk *w = arg;
    if (w->known(w->ctx, name))
        return MHD_YES;
    w->unknown = name;
    return MHD_NO;
}

const char *server_query_unknown(const struct req *req, int (*known)(const void *, const char *),
                                 const void *ctx)
{
    struct query_walk w = {known, ctx, NULL};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_walk_one, &w);
    return w.unknown;
}

const char *server_header(const struct req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *server_cookie(const struct req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

/* What a connection keeps from its opening to its closing (MHD's socket context). */
struct conn {
    struct watch *watch;       /* its deadlines (deadline.h) */
    char ip[INET6_ADDRSTRLEN]; /* its client's address, as text */
};

/* The client's address of conn, and its length; NULL when unknown. */
static const struct sockaddr *client_addr(struct MHD_Connection *conn, socklen_t *len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return NULL;
    *len = ci->client_addr->sa_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                                                  : (socklen_t)sizeof(struct sockaddr_in);
    return ci->client_addr;
}

/* addr as text into out (empty when it is neither IPv4 nor IPv6). */
static void client_ip(const struct sockaddr *addr, char *out, size_t cap)
{
    out[0] = '\0';
    if (addr && addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)addr)->sin_addr, out,
                  (socklen_t)cap);
    else if (addr && addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr, out,
                  (socklen_t)cap);
}

/* The connection's own context; NULL when it has none (its opening ran out of memory). */
static struct conn *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Writes v as n lower-case hexadecimal digits at out. */
static void hex(char *out, uint64_t v, int n)
{
    while (n-- > 0) {
        out[n] = "0123456789abcdef"[v & 15];
        v >>= 4;
    }
}

static struct ctx *ctx_new(struct MHD_Connection *conn, const char *url, const char *method)
{
    struct ctx *c = xcalloc(1, sizeof *c);
    __atomic_add_fetch(&in_flight, 1, __ATOMIC_RELAXED);
    c->start_ns = time_mono_ns();
    c->req.conn = conn;
    c->req.method = method;
    c->req.path = url;
    c->req.route_index = -1;
    c->home = t_event;
    strbuf_init(&c->req.body, config.max_body); /* the route's own limit once admitted */
    strbuf_init(&c->resp.body, 256u << 20);
    /* The request's id: the boot's and the request's number, "%08x-%08llx" (the number in
     * more digits past 2^32, up to 14), written without printf on every request. */
    uint64_t n = __atomic_add_fetch(&request_counter, 1, __ATOMIC_RELAXED);
    int digits = 8;
    while (digits < 14 && n >> (4 * digits))
        digits++;
    hex(c->req.id, boot_id, 8);
    c->req.id[8] = '-';
    hex(c->req.id + 9, n, digits);
    c->req.id[9 + digits] = '\0';
    struct conn *k = conn_of(conn);
    if (k)
        memcpy(c->req.ip, k->ip, sizeof k->ip);
    c->watch = k ? k->watch : NULL;
    deadline_head(c->watch);
    return c;
}

/* Returns 1 if the answer is the file resp->fd: a handler that answered again after setting
 * one (an error after an export) has filled body, which then wins. */
static int body_is_file(const struct resp *resp)
{
    return resp->has_fd && !resp->body.len;
}

/* Gives back the body budget c holds. */
static void budget_give(struct ctx *c)
{
    __atomic_sub_fetch(&body_bytes, (int64_t)c->budgeted, __ATOMIC_RELAXED);
    c->budgeted = 0;
}

static void ctx_free(struct ctx *c)
{
    budget_give(c);
    req_dispose(&c->req);
    resp_dispose(&c->resp);
    free(c);
}

static void access_log(const struct ctx *c, uint64_t ns)
{
    if (!log_access_enabled())
        return;
    char ts[RFC3339_LEN + 1];
    time_format_rfc3339(time_now(), ts);
    struct strbuf sb;
    strbuf_init(&sb, 8192);
    strbuf_printf(&sb,
                  "{\"ts\":\"%s\",\"type\":\"access\",\"id\":\"%s\",\"ip\":\"%s\","
                  "\"method\":",
                  ts, c->req.id, c->req.ip);
    strbuf_json_string(&sb, c->req.method, strlen(c->req.method));
    strbuf_puts(&sb, ",\"path\":");
    strbuf_json_string(&sb, c->req.path, strlen(c->req.path));
    strbuf_printf(&sb, ",\"route\":\"%s\",\"status\":%d,\"ms\":%.3f,\"bytes\":%zu",
                  c->req.route ? c->req.route->pattern : "", c->resp.status, (double)ns / 1e6,
                  c->resp.static_body      ? c->resp.static_len
                  : body_is_file(&c->resp) ? c->resp.fd_len
                                           : c->resp.body.len);
    if (c->req.user)
        strbuf_printf(&sb, ",\"user\":%lld", (long long)c->req.user->id);
    strbuf_puts(&sb, "}\n");
    log_access_line(strbuf_get(&sb), sb.len);
    strbuf_dispose(&sb);
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct ctx *c)
{
    struct MHD_Response *r;
    deadline_busy(c->watch);
    if (c->resp.static_body) {
        r = MHD_create_response_from_buffer(c->resp.static_len, (void *)c->resp.static_body,
                                            MHD_RESPMEM_PERSISTENT);
    } else if (body_is_file(&c->resp)) {
        r = MHD_create_response_from_fd(c->resp.fd_len, c->resp.fd);
        if (r)
            c->resp.fd = -1; /* closed by libmicrohttpd with the response */
    } else {
        size_t len;
        char *bytes = strbuf_take(&c->resp.body, &len);
        c->resp.body.len = len; /* keep the size for the access log */
        r = MHD_create_response_from_buffer(len, bytes, MHD_RESPMEM_MUST_FREE);
        if (!r)
            free(bytes);
    }
    if (!r)
        return MHD_NO;
    if (c->resp.content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, c->resp.content_type);
    MHD_add_response_header(r, "X-Request-Id", c->req.id);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    for (int i = 0; i < c->resp.nheaders; i++)
        MHD_add_response_header(r, c->resp.headers[i].name, c->resp.headers[i].value);
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)c->resp.status, r);
    MHD_destroy_response(r);
    return ok;
}

/* 503 with Retry-After: the server is stopping (come back in 5 s), or too busy (a queue or
 * the body budget is full: in 1 s). */
static void reply_busy(struct resp *resp, int stopping_now)
{
    resp_header(resp, "Retry-After", stopping_now ? "5" : "1");
    reply_error(resp, ERR_UNAVAILABLE, stopping_now ? "stopping" : "overloaded",
                stopping_now ? "服务正在停止，请稍后重试" : "服务器繁忙，请稍后重试", NULL);
}

static void event_wake(struct event_thread *e)
{
    uint64_t one = 1;
    if (e && write(e->wake, &one, sizeof one) < 0 && errno != EAGAIN)
        log_error("cannot wake an event thread", "%s", strerror(errno));
}

/* A worker's task: answers a suspended request (or, when the server stopped before it began,
 * says so) and wakes its connection. */
static void run_handed_off(void *arg, int cancelled)
{
    struct ctx *c = arg;
    if (cancelled) {
        resp_header(&c->resp, "Connection", "close");
        reply_busy(&c->resp, 1);
    } else {
        router_dispatch(&c->req, &c->resp);
    }
    struct event_thread *home = c->home; /* c may be gone once the connection is resumed */
    MHD_resume_connection(c->req.conn);
    event_wake(home);
}

/* Takes n bytes of the body budget for c; 0, or -1 when the server holds too much already. */
static int budget_take(struct ctx *c, size_t n)
{
    int64_t now = __atomic_add_fetch(&body_bytes, (int64_t)n, __ATOMIC_RELAXED);
    if (now > (int64_t)config.max_body_memory) {
        __atomic_sub_fetch(&body_bytes, (int64_t)n, __ATOMIC_RELAXED);
        return -1;
    }
    c->budgeted += n;
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Moves the body read so far to an unlinked temporary file, where the rest will go, and gives
 * back its memory. Returns 0 or -1. */
static int spool(struct ctx *c)
{
    int fd = tmp_anonymous("jianguan-upload");
    if (fd < 0 || write_all(fd, strbuf_get(&c->req.body), c->req.body.len)) {
        if (fd >= 0)
            close(fd);
        log_warn("cannot spool an upload", "%s: %s", tmp_dir(), strerror(errno));
        return -1;
    }
    size_t max = c->req.body.max;
    c->req.body_fd_len = c->req.body.len;
    strbuf_dispose(&c->req.body);
    strbuf_init(&c->req.body, max);
    c->req.has_body_fd = 1;
    c->req.body_fd = fd;
    budget_give(c);
    return 0;
}

/* The connection whose path or query held an escaped NUL (%00), noted while libmicrohttpd
 * decodes them on this event thread, just before it calls on_request for that request. */
static _Thread_local struct MHD_Connection *nul_seen;

static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    size_t n = MHD_http_unescape(s);
    if (strlen(s) != n) /* "%00": the C string would silently end there */
        nul_seen = conn;
    return n;
}

/* Answers at once, before (the rest of) a body is read: libmicrohttpd then closes the
 * connection instead of reading the upload. ERR_UNAVAILABLE answers reply_busy's 503 (code and
 * message are not used). */
static enum MHD_Result refuse(struct MHD_Connection *conn, struct ctx *c, int err, const char *code,
                              const char *message)
{
    resp_header(&c->resp, "Connection", "close");
    if (err == ERR_UNAVAILABLE)
        reply_busy(&c->resp, __atomic_load_n(&stopping, __ATOMIC_RELAXED));
    else
        reply_error(&c->resp, err, code, message, NULL);
    return send_response(conn, c);
}

/* Takes n more bytes of c's body: in memory up to SPOOL_AT, past it in a temporary file.
 * Refuses a body over the route's limit (413), or one that finds no room (503). */
static enum MHD_Result take_body(struct MHD_Connection *conn, struct ctx *c, const char *bytes,
                                 size_t n)
{
    size_t len = req_body_len(&c->req);
    if (len + n > c->req.body.max) {
        char msg[96];
        snprintf(msg, sizeof msg, "请求体过大（上限 %zu 字节）", c->req.body.max);
        return refuse(conn, c, ERR_TOOLARGE, "too_large", msg);
    }
    if (!c->req.has_body_fd && len + n > SPOOL_AT && spool(c))
        return refuse(conn, c, ERR_UNAVAILABLE, NULL, NULL);
    if (c->req.has_body_fd) {
        if (write_all(c->req.body_fd, bytes, n)) {
            log_warn("cannot spool an upload", "%s: %s", tmp_dir(), strerror(errno));
            return refuse(conn, c, ERR_UNAVAILABLE, NULL, NULL);
        }
        c->req.body_fd_len += n;
        return MHD_YES;
    }
    /* A body without Content-Length (chunked) takes its budget as it comes. */
    if (len + n > c->budgeted && budget_take(c, len + n - c->budgeted))
        return refuse(conn, c, ERR_UNAVAILABLE, NULL, NULL);
    if (strbuf_append(&c->req.body, bytes, n))
        return refuse(conn, c, ERR_TOOLARGE, "too_large", "请求体过大");
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    struct ctx *c = *con_cls;
    if (!c) {
        /* The head is in: the request is admitted or refused before any body is read, so an
         * anonymous or unauthorized upload costs nothing but its head. */
        c = ctx_new(conn, url, method);
        *con_cls = c;
        int had_nul = nul_seen == conn;
        nul_seen = NULL;
        if (had_nul)
            return refuse(conn, c, ERR_MALFORMED, "bad_request", "地址或查询参数含有空字符（%00）");
        if (__atomic_load_n(&stopping, __ATOMIC_RELAXED)) {
            return refuse(conn, c, ERR_UNAVAILABLE, NULL, NULL);
        }
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        const char *te =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
        /* Both framings at once is how requests are smuggled past proxies: refused, closed. */
        if (cl && te)
            return refuse(conn, c, ERR_MALFORMED, "bad_framing",
                          "请求同时带有 Content-Length 与 Transfer-Encoding");
        if (te && strcasecmp(te, "chunked"))
            return refuse(conn, c, ERR_NOT_IMPLEMENTED, "unsupported_transfer_encoding",
                          "不支持该传输编码，仅支持 chunked");
        /* RFC 9112 3.2: an HTTP/1.1 request without Host is refused. */
        if (!strcmp(version, MHD_HTTP_VERSION_1_1) &&
            !MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST))
            return refuse(conn, c, ERR_MALFORMED, "missing_host", "HTTP/1.1 请求缺少 Host 头");
        if (router_admit(&c->req, &c->resp))
            return send_response(conn, c);
        if (c->req.route->max_body)
            c->req.body.max = c->req.route->max_body;
        unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
        if (declared > c->req.body.max) {
            char msg[96];
            snprintf(msg, sizeof msg, "请求体过大（上限 %zu 字节）", c->req.body.max);
            return refuse(conn, c, ERR_TOOLARGE, "too_large", msg);
        }
        if (declared && budget_take(c, declared < SPOOL_AT ? (size_t)declared : SPOOL_AT))
            return refuse(conn, c, ERR_UNAVAILABLE, NULL, NULL);
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        deadline_body(c->watch, n);
        if (c->resp.status) /* refused: what still arrives is dropped */
            return MHD_YES;
        return take_body(conn, c, upload_data, n);
    }
    if (c->handed_off) /* resumed: the worker has answered */
        return send_response(conn, c);
    if (c->resp.status) /* already answered */
        return MHD_YES;
    deadline_busy(c->watch);
    int place = router_placement(&c->req);
    if (place == PLACE_INLINE || !pools[place - 1]) {
        router_dispatch(&c->req, &c->resp);
        return send_response(conn, c);
    }
    c->handed_off = 1;
    MHD_suspend_connection(conn);
    if (pool_submit(pools[place - 1], run_handed_off, c)) {
        reply_busy(&c->resp, 0);
        MHD_resume_connection(conn);
        event_wake(c->home);
    }
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    struct ctx *c = *con_cls;
    if (!c)
        return;
    struct conn *k = conn_of(conn);
    deadline_idle(k ? k->watch : NULL);
    uint64_t ns = time_mono_ns() - c->start_ns;
    if (c->resp.status) {
        metrics_observe(c->req.route_index, c->resp.status, ns);
        access_log(c, ns);
    }
    ctx_free(c);
    __atomic_sub_fetch(&in_flight, 1, __ATOMIC_RELAXED);
    *con_cls = NULL;
}

/* Admits (and counts) a connection while its address is below --max-connections-per-ip. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
    (void)cls;
    return peers_admit(addr, len) ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    socklen_t len = 0;
    const struct sockaddr *addr = client_addr(conn, &len);
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn *k = xcalloc(1, sizeof *k);
        k->watch = ci ? deadline_open(ci->connect_fd) : NULL;
        client_ip(addr, k->ip, sizeof k->ip);
        *socket_context = k;
    } else {
        struct conn *k = *socket_context;
        if (k) {
            deadline_close(k->watch);
            if (addr) /* admitted by on_accept (peers_leave ignores one it did not count) */
                peers_leave(addr, len);
        }
        free(k);
        *socket_context = NULL;
    }
    metrics_connection(toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

__attribute__((format(printf, 2, 0))) static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    /* A client that hangs up, or that the deadlines cut off, is not news. */
    if (strstr(msg, "detected connection closure"))
        return;
    log_msg(LOG_WARN, "libmicrohttpd", "%s", msg);
}

/* Parses "host:port" or "[v6]:port"; returns 0 or ERR_INVALID. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[128];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host)
        return ERR_INVALID;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return ERR_INVALID;
    memset(ss, 0, sizeof *ss);
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        host[hl - 1] = '\0';
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
            return ERR_INVALID;
        *len = sizeof *a;
        return 0;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, *host ? host : "0.0.0.0", &a->sin_addr) != 1)
        return ERR_INVALID;
    *len = sizeof *a;
    return 0;
}

int server_url_is_loopback(const char *url)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    size_t len = strcspn(host, ":/");
    if (*host == '[') /* [::1]:8080 */
        len = strcspn(host, "]") + 1;
    return (len == 9 && !strncasecmp(host, "localhost", 9)) ||
           (len == 5 && !memcmp(host, "[::1]", 5)) || (len >= 4 && !strncmp(host, "127.", 4)) ||
           (len == 7 && !memcmp(host, "0.0.0.0", 7));
}

/* Each connection is a descriptor: the soft limit is raised (up to the hard one) so that
 * max_connections, and the database and files besides, fit. */
static void raise_file_limit(unsigned max_connections)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)max_connections + 256;
    if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl))
        log_warn("cannot raise the open-file limit", "%u connections may not fit", max_connections);
}

static void stop_pools(void)
{
    for (int i = 0; i < 2; i++) {
        pool_free(pools[i]);
        pools[i] = NULL;
    }
}

/* The metrics listener: GET /metrics to whoever reaches its address (a loopback or private
 * one, for Prometheus); anything else is 404. */
static enum MHD_Result on_metrics_request(void *cls, struct MHD_Connection *conn, const char *url,
                                          const char *method, const char *version,
                                          const char *upload_data, size_t *upload_data_size,
                                          void **con_cls)
{
    (void)cls;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    if (!*con_cls) { /* the head: wait for the (empty) body */
        *con_cls = conn;
        return MHD_YES;
    }
    struct strbuf sb;
    strbuf_init(&sb, 16u << 20);
    int found = !strcmp(url, "/metrics") && (!strcmp(method, "GET") || !strcmp(method, "HEAD"));
    int rc = found ? metrics_render(&sb)
                   : strbuf_puts(&sb, "{\"error\":{\"code\":\"not_found\",\"message\":"
                                      "\"此地址只提供 /metrics\"}}");
    size_t len;
    char *bytes = strbuf_take(&sb, &len);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, bytes, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(bytes);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            found ? "text/plain; version=0.0.4; charset=utf-8"
                                  : "application/json");
    enum MHD_Result ok = MHD_queue_response(conn, rc ? 500 : found ? 200 : 404, r);
    MHD_destroy_response(r);
    return ok;
}

int server_metrics(struct strbuf *out)
{
    static const char *const families[][2] = {
        {"queue_depth", "gauge"},     {"busy", "gauge"},
        {"threads", "gauge"},         {"tasks_total", "counter"},
        {"refused_total", "counter"},
    };
    struct pool_stats st[2] = {{"slow"}, {"write"}};
    for (int i = 0; i < 2; i++)
        if (pools[i])
            pool_stats(pools[i], &st[i]);
    int rc = 0;
    for (size_t f = 0; !rc && f < sizeof families / sizeof families[0]; f++) {
        rc = strbuf_printf(out, "# TYPE jianguan_pool_%s %s\n", families[f][0], families[f][1]);
        for (int i = 0; !rc && i < 2; i++) {
            uint64_t v = f == 0   ? st[i].queued
                         : f == 1 ? st[i].busy
                         : f == 2 ? st[i].threads
                         : f == 3 ? st[i].done
                                  : st[i].refused;
            rc = strbuf_printf(out, "jianguan_pool_%s{pool=\"%s\"} %llu\n", families[f][0],
                               st[i].name, (unsigned long long)v);
        }
    }
    uint64_t heads, bodies;
    deadline_counts(&heads, &bodies);
    if (!rc)
        rc = strbuf_printf(out,
                           "# TYPE jianguan_deadline_closed_total counter\n"
                           "jianguan_deadline_closed_total{phase=\"head\"} %llu\n"
                           "jianguan_deadline_closed_total{phase=\"body\"} %llu\n",
                           (unsigned long long)heads, (unsigned long long)bodies);
    return rc;
}

/* An event thread: waits for its daemon's sockets (or its timeouts, or a wake), then runs one
 * pass of the daemon, which is one turn of the thread's reads. */
static void *event_loop(void *arg)
{
    struct event_thread *e = arg;
    t_event = e;
    pthread_setname_np(pthread_self(), "jg-event");
    pthread_mutex_lock(&gate.lock);
    while (!gate.opened)
        pthread_cond_wait(&gate.open, &gate.lock);
    pthread_mutex_unlock(&gate.lock);
    db_read_cache(EVENT_READ_CACHE);
    db_read_turns(1);
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(e->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    struct pollfd fds[2] = {{di ? di->epoll_fd : -1, POLLIN, 0}, {e->wake, POLLIN, 0}};
    while (!__atomic_load_n(&events_quit, __ATOMIC_ACQUIRE)) {
        MHD_UNSIGNED_LONG_LONG ms;
        int timeout = MHD_get_timeout(e->daemon, &ms) == MHD_YES
                          ? (ms > INT32_MAX ? INT32_MAX : (int)ms)
                          : -1;
        if (poll(fds, 2, timeout) < 0 && errno != EINTR) {
            /* Not expected (the descriptors are the thread's own): said, and tried again. */
            log_error("event loop failed", "poll: %s", strerror(errno));
            struct timespec pause = {0, 10 * 1000000};
            nanosleep(&pause, NULL);
            continue;
        }
        if (fds[1].revents & POLLIN) {
            uint64_t n;
            if (read(e->wake, &n, sizeof n) < 0 && errno != EAGAIN)
                log_error("event loop failed", "wake: %s", strerror(errno));
        }
        MHD_run(e->daemon);
        db_read_turn_end();
    }
    db_read_turns(0);
    return NULL;
}

/* Opens the gate: the event threads start their loops, or (quit) leave at once. */
static void gate_open(int quit)
{
    __atomic_store_n(&events_quit, quit, __ATOMIC_RELEASE);
    pthread_mutex_lock(&gate.lock);
    gate.opened = 1;
    pthread_cond_broadcast(&gate.open);
    pthread_mutex_unlock(&gate.lock);
}

/* Stops the event threads: no connection is served after. */
static void halt_events(void)
{
    __atomic_store_n(&events_quit, 1, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < nevents; i++)
        if (events[i].running) {
            event_wake(&events[i]);
            pthread_join(events[i].thread, NULL);
            events[i].running = 0;
        }
}

/* Stops the event threads, then their daemons (each closes its connections and its copy of the
 * listening socket). */
static void stop_events(void)
{
    halt_events();
    for (unsigned i = 0; i < nevents; i++) {
        if (events[i].daemon)
            MHD_stop_daemon(events[i].daemon);
        if (events[i].wake >= 0)
            close(events[i].wake);
    }
    free(events);
    events = NULL;
    nevents = 0;
    peers_free();
}

/* Starts one daemon per event thread, the first binding ss, the others on duplicates of its
 * listening socket, and their threads. Returns 0 or -1 (nothing left running). */
static int start_events(const struct server_config *cfg, const struct sockaddr_storage *ss,
                        unsigned threads)
{
    /* No MHD_USE_ITC: libmicrohttpd 0.9.75 drops it from a daemon without threads of its own
     * (the event threads' eventfd wakes them instead). */
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ss->ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    events = xcalloc(threads, sizeof *events);
    nevents = threads;
    gate.opened = 0;
    /* Each daemon holds at least one connection: the server, at least one per thread. */
    peers_init(cfg->max_connections_per_ip,
               cfg->max_connections > threads ? cfg->max_connections : threads);
    int listen_fd = -1;
    for (unsigned i = 0; i < threads; i++)
        events[i].wake = -1;
    for (unsigned i = 0; i < threads; i++) {
        events[i].wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (events[i].wake < 0)
            break;
        /* The connections are shared out as libmicrohttpd's own thread pool does. */
        unsigned limit = cfg->max_connections / threads + (i < cfg->max_connections % threads);
        int fd = i ? dup(listen_fd) : -1;
        if (i && fd < 0)
            break;
        /* Where it listens, as an option array: an address takes a pointer, a socket an int. */
        struct MHD_OptionItem where[] = {
            i ? (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, fd, NULL}
              : (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, (void *)ss},
            {MHD_OPTION_END, 0, NULL},
        };
        events[i].daemon = MHD_start_daemon(
            flags, 0, on_accept, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger,
            NULL, MHD_OPTION_ARRAY, where, MHD_OPTION_CONNECTION_LIMIT, limit ? limit : 1,
            MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            (size_t)(32 * 1024), MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_UNESCAPE_CALLBACK,
            unescape, NULL, MHD_OPTION_END);
        if (!events[i].daemon) /* fd: closed by libmicrohttpd on some failures, so left */
            break;
        if (!i) {
            const union MHD_DaemonInfo *di =
                MHD_get_daemon_info(events[0].daemon, MHD_DAEMON_INFO_LISTEN_FD);
            listen_fd = di ? di->listen_fd : -1;
            if (listen_fd < 0)
                break;
        }
    }
    for (unsigned i = 0; i < threads && events[threads - 1].daemon; i++)
        events[i].running = !pthread_create(&events[i].thread, NULL, event_loop, &events[i]);
    int all = 1;
    for (unsigned i = 0; i < threads; i++)
        all = all && events[i].running;
    gate_open(!all);
    if (!all) {
        stop_events();
        return -1;
    }
    return 0;
}

int server_start(const struct server_config *cfg)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    config = *cfg;
    if (!config.max_body_memory)
        config.max_body_memory = (size_t)128 << 20;
    if (cfg->public_url && *cfg->public_url)
        snprintf(public_url, sizeof public_url, "%s", cfg->public_url);
    else
        snprintf(public_url, sizeof public_url, "http://%s", cfg->listen);
    size_t ulen = strlen(public_url);
    while (ulen > 0 && public_url[ulen - 1] == '/')
        public_url[--ulen] = '\0';
    if (parse_listen(cfg->listen, &ss, &sslen)) {
        log_error("bad listen address", "%s", cfg->listen);
        return ERR_INVALID;
    }
    if (server_url_is_loopback(public_url))
        log_warn("二维码指向本机地址，手机扫码无法打开",
                 "%s；请用 --public-url 或 JIANGUAN_PUBLIC_URL 设为手机能访问的地址，"
                 "如 http://192.168.1.10:8080",
                 public_url);
    unsigned threads = cfg->threads;
    if (!threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    randombytes_buf(&boot_id, sizeof boot_id);
    raise_file_limit(cfg->max_connections);
    router_init();
    metrics_init(router_count());
    unsigned workers = cfg->workers ? cfg->workers : threads;
    /* Slow work yields the CPU to the event threads; writers do not (they hold the batch). */
    pools[PLACE_SLOW - 1] =
        pool_new("slow", workers, cfg->max_queue ? cfg->max_queue : 256, SLOW_NICE);
    pools[PLACE_WRITE - 1] = pool_new("write", WRITE_WORKERS, WRITE_QUEUE, 0);
    /* Heads get one second once three quarters of the connections are in use. */
    int started = pools[0] && pools[1] &&
                  !deadline_start(cfg->header_timeout, cfg->min_body_rate,
                                  cfg->max_connections - cfg->max_connections / 4);
    /* No MHD_OPTION_LISTENING_ADDRESS_REUSE: it adds SO_REUSEPORT, with which a second server
     * started on the same port shares its connections with the first (a test's requests went
     * to another test's server, a stray instance takes half of production's). libmicrohttpd
     * sets SO_REUSEADDR on its own, so a restart binds at once. */
    if (started && start_events(cfg, &ss, threads)) {
        deadline_stop();
        started = 0;
    }
    if (!started) {
        log_error("cannot start HTTP server", "listen %s", cfg->listen);
        stop_pools();
        metrics_free();
        return ERR_IO;
    }
    if (cfg->metrics_listen && *cfg->metrics_listen) {
        struct sockaddr_storage ms;
        socklen_t mslen;
        if (!parse_listen(cfg->metrics_listen, &ms, &mslen))
            metrics_daemon = MHD_start_daemon(
                MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
                    (ms.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
                0, NULL, NULL, on_metrics_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger,
                NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ms, MHD_OPTION_CONNECTION_LIMIT,
                16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
        if (!metrics_daemon) {
            log_error("cannot serve metrics", "listen %s", cfg->metrics_listen);
            server_stop();
            return ERR_IO;
        }
        log_info("metrics", "http://%s/metrics", cfg->metrics_listen);
    }
    log_info("serving",
             "http://%s threads=%u workers=%u max_body=%zu max_connections=%u timeout=%us "
             "header_timeout=%us",
             cfg->listen, threads, workers, cfg->max_body, cfg->max_connections, cfg->timeout,
             cfg->header_timeout);
    return 0;
}

void server_stop(void)
{
    if (metrics_daemon)
        MHD_stop_daemon(metrics_daemon);
    metrics_daemon = NULL;
    if (!events)
        return;
    /* Refuse new requests (503), let the ones in flight finish (10 s at most), then stop. The
     * listening socket stays open meanwhile (no MHD_quiesce_daemon): a client that connects
     * while the server drains is told 503, not refused a connection it may take for a crash. */
    __atomic_store_n(&stopping, 1, __ATOMIC_RELAXED);
    /* Queued requests were not begun: they are answered 503 at once; running ones finish. */
    for (int i = 0; i < 2; i++)
        if (pools[i])
            pool_cancel(pools[i]);
    uint64_t deadline = time_mono_ns() + 10ull * 1000000000u;
    while (__atomic_load_n(&in_flight, __ATOMIC_RELAXED) > 0 && time_mono_ns() < deadline) {
        struct timespec pause = {0, 10 * 1000000};
        nanosleep(&pause, NULL);
    }
    /* The event threads stop first, so that none hands a request to a pool while it is freed
     * (on_request reads the pool, then submits to it); then every handed-off request is
     * answered and its connection resumed before the daemons stop: libmicrohttpd must not stop
     * with a connection suspended. The watcher stops after the event threads, which may open a
     * connection until they stop. */
    halt_events();
    stop_pools();
    deadline_stop();
    stop_events();
    metrics_free();
}
