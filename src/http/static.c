/* SPDX-License-Identifier: MIT */
/*
 * In-memory static files for the web UI. The build writes a brotli and a gzip copy beside
 * each text asset (web/compress.mjs: name.br, name.gz); they are kept as variants of the
 * file and sent, with Content-Encoding, to browsers that accept them. Hashed files under
 * /assets/ are cached for a year, the page itself is revalidated.
 */
#include "http/static.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

enum { ENC_IDENTITY, ENC_GZIP, ENC_BR, ENC_COUNT };

static const char *const enc_suffix[ENC_COUNT] = {"", ".gz", ".br"};
static const char *const enc_name[ENC_COUNT] = {NULL, "gzip", "br"};

struct file {
    char *path;            /* "/assets/index-abc.js" */
    char *data[ENC_COUNT]; /* the bytes, and their compressed copies (NULL when none) */
    size_t len[ENC_COUNT];
    const char *type;
    int immutable;
};

static struct file *files;
static size_t nfiles, capfiles;
static const struct file *index_file;

static const char *type_of(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".ttf", "font/ttf"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

/* Reads a whole file into a new buffer; ERR_IO when it cannot (ERR_NOTFOUND when absent). */
static int read_all(const char *fs_path, char **data, size_t *len)
{
    FILE *f = fopen(fs_path, "rb");
    if (!f)
        return ERR_NOTFOUND;
    struct stat st;
    if (fstat(fileno(f), &st) || st.st_size < 0) {
        fclose(f);
        return ERR_IO;
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    if (n != (size_t)st.st_size) {
        free(buf);
        return ERR_IO;
    }
    *data = buf;
    *len = n;
    return 0;
}

/* Whether name is a compressed copy (name.gz, name.br) the file it copies brings along. */
static int is_variant(const char *name)
{
    size_t n = strlen(name);
    for (int e = ENC_GZIP; e < ENC_COUNT; e++) {
        size_t k = strlen(enc_suffix[e]);
        if (n > k && !strcmp(name + n - k, enc_suffix[e]))
            return 1;
    }
    return 0;
}

static int load_file(const char *fs_path, const char *url_path)
{
    char *data;
    size_t len;
    int rc = read_all(fs_path, &data, &len);
    if (rc)
        return ERR_IO;
    if (nfiles == capfiles) {
        capfiles = capfiles ? capfiles * 2 : 64;
        files = xrealloc(files, capfiles * sizeof *files);
    }
    struct file *fl = &files[nfiles++];
    *fl = (struct file){.path = xstrdup(url_path), .type = type_of(url_path)};
    fl->data[ENC_IDENTITY] = data;
    fl->len[ENC_IDENTITY] = len;
    fl->immutable = strncmp(url_path, "/assets/", 8) == 0;
    for (int e = ENC_GZIP; e < ENC_COUNT; e++) {
        char *variant = NULL;
        if (asprintf(&variant, "%s%s", fs_path, enc_suffix[e]) < 0)
            return ERR_IO;
        rc = read_all(variant, &fl->data[e], &fl->len[e]);
        free(variant);
        if (rc && rc != ERR_NOTFOUND)
            return rc;
    }
    return 0;
}

static int load_dir(const char *fs_dir, const char *url_dir, int depth)
{
    DIR *d = opendir(fs_dir);
    if (!d)
        return ERR_IO;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *fs = NULL, *url = NULL;
        if (asprintf(&fs, "%s/%s", fs_dir, e->d_name) < 0 ||
            asprintf(&url, "%s/%s", url_dir, e->d_name) < 0) {
            free(fs);
            rc = ERR_IO;
            break;
        }
        /* lstat: a symbolic link is skipped, so nothing outside the root is served. */
        struct stat st;
        if (lstat(fs, &st) != 0)
            rc = ERR_IO;
        else if (S_ISDIR(st.st_mode) && depth < 8)
            rc = load_dir(fs, url, depth + 1);
        else if (S_ISREG(st.st_mode) && !is_variant(e->d_name))
            rc = load_file(fs, url);
        free(fs);
        free(url);
    }
    closedir(d);
    return rc;
}

int static_init(const char *root)
{
    static_free();
    if (!root || !*root)
        return 0;
    int rc = load_dir(root, "", 0);
    if (rc) {
        log_warn("web UI not loaded", "%s is missing or unreadable; run `make web`", root);
        static_free();
        return rc;
    }
    for (size_t i = 0; i < nfiles; i++)
        if (strcmp(files[i].path, "/index.html") == 0)
            index_file = &files[i];
    log_info("web UI loaded", "%zu files from %s", nfiles, root);
    return 0;
}

void static_free(void)
{
    for (size_t i = 0; i < nfiles; i++) {
        free(files[i].path);
        for (int e = 0; e < ENC_COUNT; e++)
            free(files[i].data[e]);
    }
    free(files);
    files = NULL;
    nfiles = capfiles = 0;
    index_file = NULL;
}

int static_serve(struct req *req, struct resp *resp)
{
    if ((strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) ||
        strncmp(req->path, "/api/", 5) == 0 || !index_file)
        return ERR_NOTFOUND;
    const struct file *f = NULL;
    for (size_t i = 0; i < nfiles && !f; i++)
        if (strcmp(files[i].path, req->path) == 0)
            f = &files[i];
    if (!f) {
        /* A missing asset is a 404; any other path is a page of the single-page app. */
        if (strncmp(req->path, "/assets/", 8) == 0)
            return ERR_NOTFOUND;
        f = index_file;
    }
    int enc = ENC_IDENTITY;
    const char *accept = req_header(req, "Accept-Encoding");
    for (int e = ENC_COUNT - 1; e > ENC_IDENTITY && enc == ENC_IDENTITY; e--)
        if (f->data[e] && static_accepts(accept, enc_name[e]))
            enc = e;
    resp->status = 200;
    resp->content_type = f->type;
    resp->static_body = f->data[enc];
    resp->static_len = f->len[enc];
    if (enc != ENC_IDENTITY)
        resp_header(resp, "Content-Encoding", enc_name[enc]);
    if (f->data[ENC_GZIP] || f->data[ENC_BR])
        resp_header(resp, "Vary", "Accept-Encoding");
    resp_header(resp, "Cache-Control",
                f->immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (f->type == type_of(".html")) {
        /* The page runs only its own scripts, is never framed, and tells other sites nothing
         * of where their visitors came from. Element Plus positions with style attributes. */
        resp_header(resp, "Content-Security-Policy",
                    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
                    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'");
        resp_header(resp, "X-Frame-Options", "DENY");
        resp_header(resp, "Referrer-Policy", "same-origin");
    }
    return 0;
}

int static_accepts(const char *accept, const char *coding)
{
    /* Accept-Encoding: a comma list of codings, each with an optional ";q=" weight; q=0
     * refuses. "*" stands for any coding not named. */
    size_t n = strlen(coding);
    int star = 0;
    for (const char *p = accept; p && *p;) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",; \t");
        const char *end = p + strcspn(p, ",");
        const char *q = memchr(p, ';', (size_t)(end - p));
        int refused = 0;
        if (q) {
            q = strstr(q, "q=");
            refused = q && q < end && strtod(q + 2, NULL) <= 0;
        }
        if (len == n && !strncasecmp(p, coding, n))
            return !refused;
        if (len == 1 && *p == '*')
            star = !refused;
        p = end;
    }
    return star;
}
