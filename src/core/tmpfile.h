/* SPDX-License-Identifier: MIT */
/*
 * Temporary files in $TMPDIR (or /tmp), for what is too large to hold in memory: export files
 * and spooled request bodies. Created 0600 and close-on-exec.
 */
#ifndef JG_TMPFILE_H
#define JG_TMPFILE_H

#include <limits.h>

/* The folder: $TMPDIR, or /tmp. */
const char *tmp_dir(void);
/* Creates an empty file named after prefix ("jianguan-export"), its name in path. Returns its
 * descriptor or -1 (path then empty). */
int tmp_create(const char *prefix, char path[PATH_MAX] /* out */);
/* Removes the name tmp_create() gave, once (path is emptied); open descriptors keep the file. */
void tmp_unlink(char path[PATH_MAX]);
/* A file without a name: gone when its descriptor is closed. Returns the descriptor or -1. */
int tmp_anonymous(const char *prefix);

#endif
