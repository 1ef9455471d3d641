/* SPDX-License-Identifier: MIT */
/* In-memory static files for the web UI. */
#include "http/static.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct file {
    char *path; /* "/assets/index-abc.js" */
    char *data;
    size_t len;
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

static int load_file(const char *fs_path, const char *url_path)
{
    FILE *f = fopen(fs_path, "rb");
    if (!f)
        return ERR_IO;
    struct stat st;
    if (fstat(fileno(f), &st) || st.st_size < 0) {
        fclose(f);
        return ERR_IO;
    }
    char *data = xmalloc((size_t)st.st_size + 1);
    size_t n = fread(data, 1, (size_t)st.st_size, f);
    fclose(f);
    if (n != (size_t)st.st_size) {
        free(data);
        return ERR_IO;
    }
    if (nfiles == capfiles) {
        capfiles = capfiles ? capfiles * 2 : 64;
        files = xrealloc(files, capfiles * sizeof *files);
    }
    struct file *fl = &files[nfiles++];
    fl->path = xstrdup(url_path);
    fl->data = data;
    fl->len = n;
    fl->type = type_of(url_path);
    fl->immutable = strncmp(url_path, "/assets/", 8) == 0;
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
        else if (S_ISREG(st.st_mode))
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
        free(files[i].data);
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
    resp->status = 200;
    resp->content_type = f->type;
    resp->static_body = f->data;
    resp->static_len = f->len;
    resp_header(resp, "Cache-Control",
                f->immutable ? "public, max-age=31536000, immutable" : "no-cache");
    return 0;
}
