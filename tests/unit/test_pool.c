/* SPDX-License-Identifier: MIT */
/* Unit tests for the worker pool (http/pool.c): every task runs once, a full queue refuses,
 * and stopping runs the tasks not begun as cancelled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <time.h>

#include "http/pool.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int gate_open, ran, cancelled;

static void count(void *arg, int was_cancelled)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    if (was_cancelled)
        cancelled++;
    else
        ran++;
    pthread_mutex_unlock(&lock);
}

/* Blocks until the gate opens, then counts. */
static void gated(void *arg, int was_cancelled)
{
    pthread_mutex_lock(&lock);
    while (!gate_open && !was_cancelled)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    count(arg, was_cancelled);
}

static void reset(void)
{
    gate_open = ran = cancelled = 0;
}

static void open_gate(void)
{
    pthread_mutex_lock(&lock);
    gate_open = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

static void test_every_task_runs_once(void **state)
{
    (void)state;
    reset();
    struct pool *p = pool_new("t", 4, 10000, 0);
    assert_non_null(p);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(pool_submit(p, count, NULL), 0);
    pool_free(p); /* tasks queued before the stop may be cancelled, never lost */
    assert_int_equal(ran + cancelled, 5000);
}

static void test_full_queue_refuses(void **state)
{
    (void)state;
    reset();
    struct pool *p = pool_new("t", 1, 3, 10);
    struct pool_stats st;
    /* One task holds the only worker; three wait; the fifth is refused. */
    assert_int_equal(pool_submit(p, gated, NULL), 0);
    for (;;) { /* until the worker has taken the first */
        pool_stats(p, &st);
        if (st.busy == 1)
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal(pool_submit(p, gated, NULL), 0);
    assert_int_equal(pool_submit(p, gated, NULL), -1);
    pool_stats(p, &st);
    assert_int_equal(st.queued, 3);
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.threads, 1);
    open_gate();
    pool_free(p);
    assert_int_equal(ran + cancelled, 4);
}

static void test_cancel_answers_the_queue(void **state)
{
    (void)state;
    reset();
    struct pool *p = pool_new("t", 1, 8, 0);
    assert_int_equal(pool_submit(p, gated, NULL), 0);
    struct pool_stats st;
    do
        pool_stats(p, &st);
    while (st.busy != 1);
    for (int i = 0; i < 5; i++)
        assert_int_equal(pool_submit(p, count, NULL), 0);
    pool_cancel(p);
    assert_int_equal(pool_submit(p, count, NULL), -1); /* stopping: nothing new */
    open_gate();
    pool_free(p);
    /* The running task finished as usual; the five queued ones were answered as cancelled. */
    assert_int_equal(ran, 1);
    assert_int_equal(cancelled, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_task_runs_once),
        cmocka_unit_test(test_full_queue_refuses),
        cmocka_unit_test(test_cancel_answers_the_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
