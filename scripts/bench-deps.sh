#!/usr/bin/env bash
# What `make bench` needs and this machine lacks, from Debian's packages (as .ci/run installs
# the test services): wrk always; the PostgreSQL server and Redis unless the benchmark is told
# to use running ones (MYNA_BENCH_POSTGRES_URL, MYNA_BENCH_REDIS_URL). Safe to run repeatedly.
set -euo pipefail

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if [[ -z "${MYNA_BENCH_POSTGRES_URL:-}" ]]; then
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
fi
if [[ -z "${MYNA_BENCH_REDIS_URL:-}" ]]; then
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
fi
((${#missing[@]})) || exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "bench: need root (or sudo) to install: ${missing[*]}" >&2
        exit 1
    fi
    sudo=(sudo)
fi
echo "==> [bench] installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_install() { "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null; }
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || ! apt_install; then
    "${sudo[@]}" apt-get update -q </dev/null
    apt_install
fi
