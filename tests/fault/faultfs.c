/* SPDX-License-Identifier: MIT */
/*
 * faultfs: a failing disk for tests, loaded with LD_PRELOAD (as SQLite's own tests inject I/O
 * errors). It wraps the calls that change a file or make it durable — write, pwrite,
 * pwrite64, writev, pwritev, ftruncate, ftruncate64, fsync, fdatasync — and, for a descriptor
 * whose file's path (readlink of /proc/self/fd/N) starts with $FAULTFS_PREFIX, may fail them
 * with -1 and ENOSPC or EIO. Every other descriptor (sockets, logs, other files) is left
 * alone, and so is everything when the two variables are not set.
 *
 * What to do comes from the small file named by $FAULTFS_CONTROL, which the test rewrites
 * while the process runs (atomically: write a new file and rename it over the old):
 *   off          every call goes through (also when the file is missing or unreadable)
 *   enospc N     N more calls on matching files go through, then each one fails with ENOSPC
 *   eio N        the same with EIO
 * The file is looked at (stat) on every matching call; a new file or a new modification
 * time starts the count of N again. Not for production: it costs a readlink and a stat per call.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int seen;              /* the control file was looked at once */
    ino_t ino;             /* the control file when last read (0: missing) */
    struct timespec mtime; /* and its modification time */
    int err;               /* 0: off; else the errno to fail with */
    long left;             /* calls that may still go through before failing */
} state;

/* Whether fd's file is one the test aims at. */
static int aimed_at(int fd)
{
    const char *prefix = getenv("FAULTFS_PREFIX");
    if (!prefix || !*prefix || fd < 0)
        return 0;
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0)
        return 0;
    path[n] = '\0';
    return strncmp(path, prefix, strlen(prefix)) == 0;
}

/* Reads the control file again when it changed (another file, or another time) and starts
 * the count again. Caller holds lock. */
static void refresh(void)
{
    const char *name = getenv("FAULTFS_CONTROL");
    struct stat st;
    if (!name || stat(name, &st))
        st = (struct stat){0};
    if (state.seen && st.st_ino == state.ino && st.st_mtim.tv_sec == state.mtime.tv_sec &&
        st.st_mtim.tv_nsec == state.mtime.tv_nsec)
        return;
    state.seen = 1;
    state.ino = st.st_ino;
    state.mtime = st.st_mtim;
    char text[64] = "off", mode[16] = "";
    int fd = st.st_ino ? open(name, O_RDONLY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        ssize_t n = read(fd, text, sizeof text - 1);
        text[n > 0 ? n : 0] = '\0';
        close(fd);
    }
    long n = 0;
    if (sscanf(text, "%15s %ld", mode, &n) < 1)
        mode[0] = '\0';
    state.err = !strcmp(mode, "enospc") ? ENOSPC : !strcmp(mode, "eio") ? EIO : 0;
    state.left = n > 0 ? n : 0;
}

/* Decides one call on fd: 0 to let it go through, else the errno to fail it with. */
static int verdict(int fd)
{
    if (!aimed_at(fd))
        return 0;
    int err = 0;
    pthread_mutex_lock(&lock);
    refresh();
    if (state.err && state.left > 0)
        state.left--;
    else
        err = state.err;
    pthread_mutex_unlock(&lock);
    return err;
}

/* The real function called name, of the type of the wrapper fn. */
#define REAL(fn, name)                                                                             \
    static __typeof__(fn) *real;                                                                   \
    if (!real)                                                                                     \
        *(void **)&real = dlsym(RTLD_NEXT, name);

#define FAIL_IF_AIMED(fd)                                                                          \
    do {                                                                                           \
        int err_ = verdict(fd);                                                                    \
        if (err_) {                                                                                \
            errno = err_;                                                                          \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

ssize_t write(int fd, const void *buf, size_t n)
{
    REAL(write, "write");
    FAIL_IF_AIMED(fd);
    return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    REAL(pwrite, "pwrite");
    FAIL_IF_AIMED(fd);
    return real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    REAL(pwrite64, "pwrite64");
    FAIL_IF_AIMED(fd);
    return real(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
    REAL(writev, "writev");
    FAIL_IF_AIMED(fd);
    return real(fd, iov, n);
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
    REAL(pwritev, "pwritev");
    FAIL_IF_AIMED(fd);
    return real(fd, iov, n, off);
}

int ftruncate(int fd, off_t len)
{
    REAL(ftruncate, "ftruncate");
    FAIL_IF_AIMED(fd);
    return real(fd, len);
}

int ftruncate64(int fd, off64_t len)
{
    REAL(ftruncate64, "ftruncate64");
    FAIL_IF_AIMED(fd);
    return real(fd, len);
}

int fsync(int fd)
{
    REAL(fsync, "fsync");
    FAIL_IF_AIMED(fd);
    return real(fd);
}

int fdatasync(int fd)
{
    REAL(fdatasync, "fdatasync");
    FAIL_IF_AIMED(fd);
    return real(fd);
}
