#!/bin/sh
# Builds the libFuzzer targets with clang (the whole library instrumented, in build-fuzz/) and
# runs each for FUZZ_SECONDS (default 10). Crashes leave their input in build-fuzz/.
set -eu
secs=${FUZZ_SECONDS:-10}
make -s CC=clang B=build-fuzz \
    CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined" \
    build-fuzz/libjianguan.a
libs=$(pkg-config --libs libmicrohttpd jansson sqlite3 libsodium libqrencode xlsxwriter zlib libpq)
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    clang -std=c11 -D_GNU_SOURCE -Isrc -O1 -g -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=all -Wno-unused-function "$src" build-fuzz/libjianguan.a $libs -lcsv -lpthread \
        -o "build-fuzz/$name"
    echo "== $name ($secs s)"
    mkdir -p "build-fuzz/corpus-$name"
    (cd build-fuzz && "./$name" -max_total_time="$secs" -print_final_stats=1 \
        "corpus-$name" 2>&1 | grep -E 'stat::number_of_executed_units|Done|ERROR|SUMMARY' || true)
    [ -z "$(ls build-fuzz/crash-* 2>/dev/null)" ] || { echo "crash found" >&2; exit 1; }
done
