# jianguan — build, test and run. GNU make + pkg-config; see README.md.

CC      ?= cc
VERSION := 0.1.0
PKGS    := libmicrohttpd jansson sqlite3 libsodium libqrencode xlsxwriter zlib libpq
CFLAGS  ?= -O2 -g
# Description tables (fields, routes) give their leading members only; the rest are zero.
WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla \
           -Wno-missing-field-initializers
CPPFLAGS += -D_GNU_SOURCE -DJIANGUAN_VERSION='"$(VERSION)"' -Isrc
PY      := /usr/bin/python3
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)

B ?= build
ifeq ($(SAN),1)
B := build-asan
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(SAN),thread)
B := build-tsan
CFLAGS := -O1 -g -fsanitize=thread
LDFLAGS += -fsanitize=thread
endif
# The threading code's own tests, under ThreadSanitizer (the server as a whole links
# libmicrohttpd, which is not instrumented).
TSAN_TESTS := test_commit test_pool

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# The allocator: mimalloc (Debian's libmimalloc, no pkg-config file) in place of glibc's malloc,
# whose arenas the server's threads contended on: a write's CPU fell by about a quarter
# (bench/RESULTS.md). The sanitizers bring their own allocator.
ALLOC_LIBS := $(if $(SAN),,-lmimalloc)
PKG_LIBS   = $(ALLOC_LIBS) $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lpthread

SRC      := $(shell find src -name '*.c' ! -path src/main.c | sort)
OBJ      := $(SRC:%.c=$(B)/obj/%.o) $(B)/obj/gen/migrations.o $(B)/obj/gen/openapi.o
MIGR     := $(shell find src -path '*/migrations/*.sql' | sort -t/ -k4)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all deps web test unit api api-asan api-pg webtest asan tsan run bench fuzz check-style check-layers openapi clean
all: $(B)/jianguan

deps:
	@tools/deps.sh test

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(B)/gen/migrations.c: $(MIGR) tools/embed-migrations.sh
	@mkdir -p $(dir $@)
	tools/embed-migrations.sh $@ $(MIGR)

$(B)/gen/openapi.c: docs/openapi.yaml tools/embed-file.sh
	@mkdir -p $(dir $@)
	tools/embed-file.sh openapi_yaml docs/openapi.yaml $@

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(CFLAGS) -c $< -o $@

$(B)/libjianguan.a: $(OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/jianguan: $(B)/obj/src/main.o $(B)/libjianguan.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libjianguan.a
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libjianguan.a \
		$(PKG_LIBS) -lcmocka -lm

# The web UI: npm packages from the lock file, built by Vite into web/dist.
web: web/dist/index.html
web/dist/index.html: $(shell find web/src -type f 2>/dev/null) web/index.html web/package.json web/vite.config.js web/compress.mjs
	cd web && ( [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund )
	cd web && npm run build

# The failing disk of the fault-injection tests (tests/api/test_faults.py): an LD_PRELOAD
# shim, built without the sanitizers (which do not combine with LD_PRELOAD).
$(B)/faultfs.so: tests/fault/faultfs.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -D_GNU_SOURCE -O2 -g -fPIC -shared -o $@ $< -ldl

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

api: $(B)/jianguan $(B)/faultfs.so
	@echo "== API tests on SQLite (database files in temporary directories)"
	JIANGUAN_BIN=$(CURDIR)/$(B)/jianguan $(PY) -m pytest -q -rsx tests/api

# The API suite again on PostgreSQL: a throwaway cluster (tools/pg-cluster.sh) for the run.
api-pg: $(B)/jianguan
	JIANGUAN_BIN=$(CURDIR)/$(B)/jianguan PY=$(PY) tests/run-pg.sh

# Browser test files run WEB_JOBS at a time (each has its own backend and browser): a browser
# test mostly waits (for pages, animations, fsyncs), so four share a 2-core machine well.
WEB_JOBS ?= 4
webtest: $(B)/jianguan web
	JIANGUAN_BIN=$(CURDIR)/$(B)/jianguan node --test --test-concurrency=$(WEB_JOBS) tests/web/

# The API suite on SQLite with the AddressSanitizer/UBSan build.
api-asan:
	$(MAKE) SAN=1 all
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(MAKE) SAN=1 api

# Every test once: unit tests plain and under the sanitizers; the API suite on SQLite under
# the sanitizers beside the PostgreSQL run and the UI build (each mostly waits on a server or
# a disk; outputs kept whole, -O); then the browser tests.
test: deps
	$(MAKE) all unit
	$(MAKE) SAN=1 all unit
	$(MAKE) -O -j3 api-asan api-pg web
	$(MAKE) webtest

asan: deps
	$(MAKE) SAN=1 all unit
	$(MAKE) api-asan

tsan: deps
	$(MAKE) SAN=thread $(TSAN_TESTS:%=build-tsan/tests/%)
	@set -e; for t in $(TSAN_TESTS); do echo "== tsan $$t"; \
		TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/$$t; done

run: deps all web
	tools/run.sh $(B)/jianguan

bench: $(B)/jianguan
	@tools/deps.sh bench
	bench/run.sh $(B)/jianguan

fuzz:
	tests/fuzz/run.sh

check-layers:
	$(PY) tools/check-layers.py src

# The record schemas of docs/openapi.yaml come from the record descriptions.
openapi: $(B)/jianguan
	$(PY) tools/gen-openapi.py $(B)/jianguan docs/openapi.yaml

check-style:
	clang-format --dry-run -Werror $(shell find src tests/unit tests/fuzz tests/fault -name '*.[ch]')

clean:
	rm -rf build build-asan

-include $(shell find $(B) -name '*.d' 2>/dev/null)
