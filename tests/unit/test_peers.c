/* SPDX-License-Identifier: MIT */
/* Unit tests for the per-address connection limit (http/peers.h): an address is admitted while
 * its open connections are below the limit and again as they close, addresses are counted apart
 * (IPv4 and IPv6), other families are not limited, no limit admits all, and the table keeps
 * finding addresses after others that collided with them have left. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "http/peers.h"

static struct sockaddr_in v4(uint32_t host)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(host);
    a.sin_port = htons((uint16_t)(1024 + host % 50000)); /* the port does not matter */
    return a;
}

#define SA(a) ((const struct sockaddr *)&(a)), (socklen_t)sizeof(a)

/* A connection from a, accepted: 1 when admitted (and counted). */
static int open_from(const struct sockaddr *a, socklen_t len)
{
    return peers_admit(a, len);
}

static void test_limit_per_address(void **state)
{
    (void)state;
    peers_init(3, 64);
    struct sockaddr_in a = v4(0x7f000009), b = v4(0x7f00000a);
    for (int i = 0; i < 3; i++)
        assert_int_equal(open_from(SA(a)), 1);
    assert_int_equal(open_from(SA(a)), 0); /* the fourth from a */
    assert_int_equal(peers_count(SA(a)), 3);
    assert_int_equal(open_from(SA(b)), 1); /* another address is still served */
    peers_leave(SA(a));
    assert_int_equal(peers_count(SA(a)), 2);
    assert_int_equal(open_from(SA(a)), 1); /* room again once one closed */
    assert_int_equal(open_from(SA(a)), 0);
    for (int i = 0; i < 3; i++)
        peers_leave(SA(a));
    peers_leave(SA(b));
    assert_int_equal(peers_count(SA(a)), 0);
    assert_int_equal(peers_count(SA(b)), 0);
    peers_free();
}

static void test_families(void **state)
{
    (void)state;
    peers_init(1, 16);
    struct sockaddr_in6 x, y;
    memset(&x, 0, sizeof x);
    x.sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &x.sin6_addr), 1);
    y = x;
    y.sin6_addr.s6_addr[15] = 2;
    assert_int_equal(open_from(SA(x)), 1);
    assert_int_equal(open_from(SA(x)), 0);
    assert_int_equal(open_from(SA(y)), 1);
    /* An IPv4 address whose bytes begin an IPv6 one is another address. */
    struct sockaddr_in z = v4(0x20010db8);
    assert_int_equal(open_from(SA(z)), 1);
    struct sockaddr_un u;
    memset(&u, 0, sizeof u);
    u.sun_family = AF_UNIX;
    for (int i = 0; i < 3; i++)
        assert_int_equal(peers_admit(SA(u)), 1); /* not an IP address: not limited */
    assert_int_equal(peers_count(SA(u)), 0);     /* nor counted */
    peers_leave(SA(u));                          /* and its leaving touches no count */
    assert_int_equal(peers_count(SA(x)), 1);
    peers_leave(SA(x));
    peers_leave(SA(y));
    peers_leave(SA(z));
    assert_int_equal(open_from(SA(x)), 1);
    peers_leave(SA(x));
    peers_free();
}

static void test_no_limit(void **state)
{
    (void)state;
    peers_init(0, 16);
    struct sockaddr_in a = v4(0x0a000001);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(peers_admit(SA(a)), 1);
    assert_int_equal(peers_count(SA(a)), 0); /* nothing to count */
    peers_leave(SA(a));
    peers_free();
}

/* Many addresses in a small table: they collide; each leaving one must not hide the others. */
static void test_leaving_keeps_the_others_found(void **state)
{
    (void)state;
    enum { N = 200 };
    peers_init(2, N);
    for (uint32_t i = 0; i < N; i++) {
        struct sockaddr_in a = v4(0x0a000000 + i * 7919);
        assert_int_equal(open_from(SA(a)), 1);
        assert_int_equal(open_from(SA(a)), 1);
    }
    for (uint32_t i = 0; i < N; i += 2) { /* every other address closes both */
        struct sockaddr_in a = v4(0x0a000000 + i * 7919);
        peers_leave(SA(a));
        peers_leave(SA(a));
    }
    for (uint32_t i = 0; i < N; i++) {
        struct sockaddr_in a = v4(0x0a000000 + i * 7919);
        assert_int_equal(peers_count(SA(a)), i % 2 ? 2 : 0);
        assert_int_equal(open_from(SA(a)), i % 2 ? 0 : 1);
    }
    peers_free();
}

/* More addresses than the table was sized for (a server's count drifting): refused, not hung. */
static void test_full_table_refuses(void **state)
{
    (void)state;
    peers_init(2, 1); /* the smallest table: 16 slots */
    for (uint32_t i = 0; i < 16; i++) {
        struct sockaddr_in a = v4(0x0b000000 + i);
        assert_int_equal(open_from(SA(a)), 1);
    }
    struct sockaddr_in extra = v4(0x0c000000);
    assert_int_equal(peers_admit(SA(extra)), 0);
    peers_leave(SA(extra)); /* never counted: nothing happens */
    assert_int_equal(peers_count(SA(extra)), 0);
    struct sockaddr_in first = v4(0x0b000000);
    peers_leave(SA(first));
    assert_int_equal(open_from(SA(extra)), 1); /* a slot is free again */
    peers_free();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_per_address),
        cmocka_unit_test(test_families),
        cmocka_unit_test(test_no_limit),
        cmocka_unit_test(test_leaving_keeps_the_others_found),
        cmocka_unit_test(test_full_table_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
