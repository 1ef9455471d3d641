/* SPDX-License-Identifier: MIT */
/* Interned statement texts (see db_intern in db.h): an open-addressing set that grows to
 * DB_INTERN_MAX texts and then answers NULL for new ones. */
#include "db/db.h"
#include "core/alloc.h"
#include "core/hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static char **slots;
static size_t nslots, used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static size_t hash_of(const char *s)
{
    return (size_t)hash_bytes(s, strlen(s));
}

static void grow(void)
{
    char **old = slots;
    size_t n = nslots;
    nslots = n ? n * 2 : 256;
    slots = xcalloc(nslots, sizeof *slots);
    for (size_t i = 0; i < n; i++) {
        if (!old[i])
            continue;
        size_t j = hash_of(old[i]) & (nslots - 1);
        while (slots[j])
            j = (j + 1) & (nslots - 1);
        slots[j] = old[i];
    }
    free(old);
}

const char *db_intern(const char *text)
{
    pthread_mutex_lock(&lock);
    if (used * 2 >= nslots)
        grow();
    size_t j = hash_of(text) & (nslots - 1);
    while (slots[j] && strcmp(slots[j], text))
        j = (j + 1) & (nslots - 1);
    if (!slots[j] && used < DB_INTERN_MAX) {
        slots[j] = xstrdup(text);
        used++;
    }
    const char *s = slots[j];
    pthread_mutex_unlock(&lock);
    return s;
}
