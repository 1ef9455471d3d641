#!/bin/sh
# A throwaway PostgreSQL cluster for tests and benchmarks, in a folder of its own, listening on
# a Unix socket in that folder only (no TCP port). As root, the cluster runs as the `postgres`
# user Debian's package creates (initdb refuses root).
#   tools/pg-cluster.sh start DIR   creates and starts it; prints the address to connect to
#   tools/pg-cluster.sh replica PRIMARY DIR   a streaming replica (pg_basebackup -R) of the
#                                   cluster in folder PRIMARY, in DIR, started; prints its address
#   tools/pg-cluster.sh stop DIR    stops it and removes DIR
set -eu
cmd=$1
dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "pg-cluster: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case $cmd in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    owner=$(if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi)
    as_owner "$bin/initdb" -D "$dir/data" -U "$owner" -E UTF8 --lc-collate=C --lc-ctype=C.UTF-8 -A trust >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
CONF
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql:///postgres?host=$dir&user=$owner"
    ;;
replica)
    primary=$2
    dir=$3
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    owner=$(if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi)
    as_owner "$bin/pg_basebackup" -D "$dir/data" -R -c fast -h "$primary" -U "$owner" -X stream \
        >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
    sed -i "s|^unix_socket_directories = .*|unix_socket_directories = '$dir'|" \
        "$dir/data/postgresql.conf"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql:///postgres?host=$dir&user=$owner"
    ;;
stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
