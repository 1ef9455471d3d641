/* SPDX-License-Identifier: MIT */
/*
 * The watched connections form one list under a mutex, taken when a connection opens or closes
 * and by the watcher's pass (four times a second). Phase changes on the event threads are
 * atomic stores, without the lock. The watcher ends a connection with shutdown(2), never
 * close(2): libmicrohttpd sees the end of the stream and closes it itself, and it calls
 * deadline_close() before it closes the socket, so the descriptor the watcher shuts down is
 * always the connection's own.
 */
#include "http/deadline.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

enum { PH_HEAD, PH_BODY, PH_BUSY, PH_ENDED };

struct watch {
    struct watch *prev, *next;
    int fd;
    int phase;         /* PH_*, atomic */
    uint64_t since_ns; /* when the phase began, atomic */
    uint64_t bytes;    /* of the body so far, atomic */
};

#define TICK_NS 250000000ull         /* the watcher's pass */
#define PRESSED_HEAD_NS 500000000ull /* a head's time while connections are scarce */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static pthread_t thread;
static int running, stop;
static struct watch *head_of_list;
static unsigned open_count;
static uint64_t head_ns, min_rate;
static unsigned pressure;
static uint64_t closed_heads, closed_bodies;

static void set_phase(struct watch *w, int phase)
{
    if (!w)
        return;
    __atomic_store_n(&w->since_ns, time_mono_ns(), __ATOMIC_RELAXED);
    __atomic_store_n(&w->phase, phase, __ATOMIC_RELEASE);
}

/* Whether w has overstayed its phase at now; pressed: connections are scarce. */
static int overdue(const struct watch *w, uint64_t now, int pressed)
{
    int phase = __atomic_load_n(&w->phase, __ATOMIC_ACQUIRE);
    uint64_t since = __atomic_load_n(&w->since_ns, __ATOMIC_RELAXED);
    uint64_t age = now > since ? now - since : 0;
    if (phase == PH_HEAD)
        return (head_ns && age > head_ns) || (pressed && age > PRESSED_HEAD_NS);
    if (phase == PH_BODY && min_rate && age > head_ns) {
        uint64_t bytes = __atomic_load_n(&w->bytes, __ATOMIC_RELAXED);
        return bytes < min_rate * (age / 1000000000ull);
    }
    return 0;
}

static void pass(void)
{
    uint64_t now = time_mono_ns();
    unsigned ended[2] = {0, 0}; /* heads, bodies */
    pthread_mutex_lock(&lock);
    int pressed = pressure && open_count >= pressure;
    for (struct watch *w = head_of_list; w; w = w->next) {
        if (!overdue(w, now, pressed))
            continue;
        int was = __atomic_exchange_n(&w->phase, PH_ENDED, __ATOMIC_ACQ_REL);
        if (was == PH_HEAD || was == PH_BODY) {
            shutdown(w->fd, SHUT_RDWR);
            ended[was == PH_BODY]++;
        }
    }
    pthread_mutex_unlock(&lock);
    __atomic_add_fetch(&closed_heads, ended[0], __ATOMIC_RELAXED);
    __atomic_add_fetch(&closed_bodies, ended[1], __ATOMIC_RELAXED);
    if (ended[0] + ended[1])
        log_warn("deadline",
                 "closed %u connections whose request head was late%s, %u whose body "
                 "was slower than the minimum rate",
                 ended[0], pressed ? " (connections scarce)" : "", ended[1]);
}

static void *watcher(void *arg)
{
    (void)arg;
    struct timespec at;
    pthread_mutex_lock(&lock);
    while (!stop) {
        clock_gettime(CLOCK_MONOTONIC, &at);
        at.tv_nsec += (long)TICK_NS;
        if (at.tv_nsec >= 1000000000L) {
            at.tv_sec++;
            at.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&wake, &lock, &at);
        if (stop)
            break;
        pthread_mutex_unlock(&lock);
        pass();
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int deadline_start(unsigned head_timeout, unsigned rate, unsigned pressure_at)
{
    head_ns = (uint64_t)head_timeout * 1000000000ull;
    min_rate = rate;
    pressure = pressure_at;
    stop = 0;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&thread, NULL, watcher, NULL)) {
        pthread_cond_destroy(&wake);
        return -1;
    }
    running = 1;
    return 0;
}

void deadline_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&lock);
    stop = 1;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL);
    pthread_cond_destroy(&wake);
    running = 0;
}

struct watch *deadline_open(int fd)
{
    struct watch *w = xcalloc(1, sizeof *w);
    w->fd = fd;
    w->phase = PH_HEAD;
    w->since_ns = time_mono_ns();
    pthread_mutex_lock(&lock);
    w->next = head_of_list;
    if (head_of_list)
        head_of_list->prev = w;
    head_of_list = w;
    /* The last free connections are being taken: the watcher makes room now, not at its
     * next tick. */
    if (++open_count >= pressure && pressure)
        pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    return w;
}

void deadline_close(struct watch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&lock);
    if (w->prev)
        w->prev->next = w->next;
    else
        head_of_list = w->next;
    if (w->next)
        w->next->prev = w->prev;
    open_count--;
    pthread_mutex_unlock(&lock);
    free(w);
}

void deadline_head(struct watch *w)
{
    if (w)
        __atomic_store_n(&w->bytes, 0, __ATOMIC_RELAXED);
    set_phase(w, PH_BODY);
}

void deadline_body(struct watch *w, size_t n)
{
    if (w)
        __atomic_add_fetch(&w->bytes, (uint64_t)n, __ATOMIC_RELAXED);
}

void deadline_busy(struct watch *w)
{
    set_phase(w, PH_BUSY);
}

void deadline_idle(struct watch *w)
{
    set_phase(w, PH_HEAD);
}

void deadline_counts(uint64_t *heads, uint64_t *bodies)
{
    *heads = __atomic_load_n(&closed_heads, __ATOMIC_RELAXED);
    *bodies = __atomic_load_n(&closed_bodies, __ATOMIC_RELAXED);
}
