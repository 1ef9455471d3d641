#!/bin/sh
# `make run`: create data/jianguan.db with the reference city on first run, an administrator
# with a random password kept in data/admin-password.txt, then serve on http://127.0.0.1:8080.
set -eu
bin=$1
db=${JIANGUAN_DB:-data/jianguan.db}
listen=${JIANGUAN_LISTEN:-127.0.0.1:8080}
dir=$(dirname "$db")
mkdir -p "$dir"
if [ ! -f "$db" ]; then
    "$bin" init --db "$db"
    if "$bin" demo --help >/dev/null 2>&1; then
        "$bin" demo --db "$db" --scale small --seed 1 --credentials "$dir/credentials.txt"
    fi
fi
pwfile=$dir/admin-password.txt
if [ ! -f "$pwfile" ]; then
    pw=$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')
    umask 077
    printf '%s\n' "$pw" | "$bin" user add --db "$db" --username admin --role admin \
        --display-name 系统管理员 >/dev/null
    printf '%s\n' "$pw" > "$pwfile"
fi
echo "================================================================"
echo " 聊城市场监管服务平台 jianguan"
echo " 地址：    http://$listen/"
echo " 管理员：  admin / $(cat "$pwfile")   （密码保存在 $pwfile）"
[ -f "$dir/credentials.txt" ] && echo " 各角色演示账号见 $dir/credentials.txt"
echo " 按 Ctrl+C 停止"
echo "================================================================"
exec "$bin" serve --db "$db" --listen "$listen" --web-root web/dist
