#!/bin/sh
# Installs the Debian packages jianguan needs to build, test and run, when any is missing.
# Usage: tools/deps.sh [build|test|bench]   (each level includes the ones before it)
set -eu
level=${1:-build}
pkgs="build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev
      libqrencode-dev libxlsxwriter-dev libcsv-dev zlib1g-dev libpq-dev libmimalloc-dev"
case $level in
    test|bench) pkgs="$pkgs libcmocka-dev python3 python3-pytest python3-openpyxl chromium fonts-noto-cjk clang clang-format libclang-rt-14-dev postgresql postgresql-contrib python3-psycopg2" ;;
esac
case $level in
    bench) pkgs="$pkgs wrk nginx-light curl python3-flask gunicorn" ;;
esac
command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"
missing=
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "安装缺少的软件包:$missing"
if [ "$(id -u)" != 0 ]; then
    echo "需要 root 权限安装：sudo apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
