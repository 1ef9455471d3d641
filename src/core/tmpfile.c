/* SPDX-License-Identifier: MIT */
#include "core/tmpfile.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

const char *tmp_dir(void)
{
    const char *d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

int tmp_create(const char *prefix, char path[PATH_MAX])
{
    int n = snprintf(path, PATH_MAX, "%s/%s-XXXXXX", tmp_dir(), prefix);
    if (n < 0 || n >= PATH_MAX) {
        path[0] = '\0';
        return -1;
    }
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0)
        path[0] = '\0';
    return fd;
}

void tmp_unlink(char path[PATH_MAX])
{
    if (path[0])
        unlink(path);
    path[0] = '\0';
}

int tmp_anonymous(const char *prefix)
{
    char path[PATH_MAX];
    int fd = tmp_create(prefix, path);
    tmp_unlink(path);
    return fd;
}
