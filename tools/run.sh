#!/bin/sh
# `make run`: create data/jianguan.db with the reference city on first run, an administrator
# with a random password kept in data/admin-password.txt, then serve on http://127.0.0.1:8080
# with the access log in data/access.log (the terminal keeps the banner, warnings and errors).
set -eu
bin=$1
db=${JIANGUAN_DB:-data/jianguan.db}
listen=${JIANGUAN_LISTEN:-127.0.0.1:8080}
dir=$(dirname "$db")
mkdir -p "$dir"
if [ ! -f "$db" ]; then
    echo "首次运行：正在生成聊城市演示数据……"
    "$bin" init --db "$db" >/dev/null
    "$bin" demo --db "$db" --scale small --seed 1 --credentials "$dir/credentials.txt" >/dev/null
fi
pwfile=$dir/admin-password.txt
if [ ! -f "$pwfile" ]; then
    pw=$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')
    umask 077
    printf '%s\n' "$pw" | "$bin" user add --db "$db" --username admin --role admin \
        --display-name 系统管理员 >/dev/null
    printf '%s\n' "$pw" > "$pwfile"
fi
cat <<BANNER
────────────────────────────────────────────────────────────
 聊城市市场监管服务平台（jianguan）
 地址      http://$listen/
 管理员    admin / $(cat "$pwfile")
 其他角色  演示账号见 $dir/credentials.txt
 访问日志  $dir/access.log        按 Ctrl+C 停止
────────────────────────────────────────────────────────────
BANNER
exec "$bin" serve --db "$db" --listen "$listen" --web-root web/dist \
    --access-log "${JIANGUAN_ACCESS_LOG:-$dir/access.log}"
