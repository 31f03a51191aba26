#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the test suite.
#
#   scripts/pg-test.sh start   # init + start a cluster under ./.pgtest, create db, print URL
#   scripts/pg-test.sh stop    # stop it and delete ./.pgtest
#   scripts/pg-test.sh status  # exit 0 if running (prints URL), 1 otherwise
#   scripts/pg-test.sh url     # print the URL of the running cluster
#
# Only the URL goes to stdout; everything else goes to stderr, so
#   url=$(scripts/pg-test.sh start)
# works. `start` is idempotent: a cluster that is already running is reused.
#
# Environment (all optional):
#   PGTEST_DIR     state directory          (default: <repo>/.pgtest)
#   PGTEST_PORT    first TCP port to try    (default: 55432; the next free one is used)
#   PGTEST_DB      database to create       (default: myna_test)
#   PGTEST_USER    OS user that runs the server when invoked as root
#                  (default: postgres; created as a system user if missing)
#   PG_BINDIR      PostgreSQL server binaries (default: newest /usr/lib/postgresql/*/bin)
#
# The server listens on 127.0.0.1 and on a unix socket, trust auth, superuser
# "postgres", with fsync off (it is thrown away anyway).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${PGTEST_DIR:-$ROOT/.pgtest}
DB=${PGTEST_DB:-myna_test}
FIRST_PORT=${PGTEST_PORT:-55432}
RUN_AS=${PGTEST_USER:-postgres}

log() { printf 'pg-test: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

find_bindir() {
    if [[ -n "${PG_BINDIR:-}" ]]; then
        [[ -x "$PG_BINDIR/initdb" ]] || die "PG_BINDIR=$PG_BINDIR has no initdb"
        printf '%s\n' "$PG_BINDIR"
        return
    fi
    local d best=""
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
        [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && best=$d
    done
    if [[ -z "$best" ]] && command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir 2>/dev/null || true)
        [[ -n "$d" && -x "$d/initdb" ]] && best=$d
    fi
    [[ -n "$best" ]] || die "no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin)"
    printf '%s\n' "$best"
}

# Run a server-side command as the cluster owner (a non-root user when we are root).
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u "$RUN_AS" -- "$@")
        else
            local q
            q=$(printf '%q ' "$@")
            (cd / && su -s /bin/sh "$RUN_AS" -c "$q")
        fi
    else
        "$@"
    fi
}

ensure_owner_user() {
    [[ $(id -u) -eq 0 ]] || return 0
    if ! id -u "$RUN_AS" >/dev/null 2>&1; then
        log "creating system user $RUN_AS"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$RUN_AS" >&2
    fi
}

port_in_use() {
    # A successful connect means something is listening there.
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The data directory: $STATE/data, or the out-of-tree directory it links to.
datadir() {
    if [[ -L "$STATE/data" ]]; then
        readlink "$STATE/data"
    else
        printf '%s\n' "$STATE/data"
    fi
}

is_running() {
    local bindir=$1 data
    data=$(datadir)
    [[ -f "$data/PG_VERSION" ]] || return 1
    as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1 || return 1
    # pg_ctl only checks the pid (a killed, unreaped postmaster still passes): ask the server.
    [[ -f "$STATE/port" && -f "$STATE/sockdir" ]] || return 1
    "$bindir/pg_isready" -q -t 5 -h "$(cat "$STATE/sockdir")" -p "$(cat "$STATE/port")" -U postgres
}

print_url() {
    local port
    port=$(cat "$STATE/port")
    printf 'postgresql+asyncpg://postgres@127.0.0.1:%s/%s\n' "$port" "$DB"
}

# Remove $STATE, including an out-of-tree data dir it may point to.
wipe_state() {
    if [[ -L "$STATE/data" ]]; then
        rm -rf -- "$(readlink "$STATE/data")"
    fi
    rm -rf -- "$STATE"
}

cmd_start() {
    local bindir
    bindir=$(find_bindir)

    if is_running "$bindir" && [[ -f "$STATE/port" ]]; then
        log "already running ($(datadir))"
        print_url
        return 0
    fi

    # Leftovers from a crashed run: start from scratch.
    if [[ -e "$STATE" ]]; then
        log "removing stale $STATE"
        as_owner "$bindir/pg_ctl" -D "$(datadir)" stop -m immediate >/dev/null 2>&1 || true
        wipe_state
    fi

    ensure_owner_user
    mkdir -p "$STATE"
    local data
    data=$(datadir)
    mkdir -p "$data"
    if [[ $(id -u) -eq 0 ]]; then
        chown "$RUN_AS": "$data"
        # The owner must be able to reach the directory (a parent may be 0700).
        if ! as_owner test -w "$data" -a -x "$data"; then
            rmdir "$data"
            local tmp
            tmp=$(mktemp -d /tmp/myna-pgtest.XXXXXX)
            chown "$RUN_AS": "$tmp"
            ln -s "$tmp" "$data"
            data=$tmp
            log "$RUN_AS cannot reach $STATE; data directory is $tmp"
        fi
    fi
    # Unix socket paths are limited to ~107 bytes.
    local sockdir=$data
    if (( ${#sockdir} > 80 )); then
        sockdir=$(mktemp -d /tmp/myna-pgsock.XXXXXX)
        [[ $(id -u) -eq 0 ]] && chown "$RUN_AS": "$sockdir"
    fi

    log "initdb ($bindir)"
    if ! as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust \
        --encoding=UTF8 --no-locale --no-sync >"$STATE/initdb.log" 2>&1; then
        cat "$STATE/initdb.log" >&2
        die "initdb failed"
    fi

    local port=$FIRST_PORT tries=0 started=0
    while (( tries < 50 )); do
        if port_in_use "$port"; then
            port=$((port + 1)); tries=$((tries + 1)); continue
        fi
        log "starting on 127.0.0.1:$port (socket in $sockdir)"
        if as_owner "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
            -o "-p $port -k $sockdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start >/dev/null 2>&1; then
            started=1
            break
        fi
        if grep -q 'could not bind\|could not create listen socket\|Address already in use' \
            "$data/server.log" 2>/dev/null; then
            log "port $port is taken, trying the next one"
            port=$((port + 1)); tries=$((tries + 1)); continue
        fi
        break
    done
    if (( ! started )); then
        tail -n 30 "$data/server.log" >&2 2>/dev/null || true
        die "could not start PostgreSQL"
    fi
    printf '%s\n' "$port" >"$STATE/port"
    printf '%s\n' "$sockdir" >"$STATE/sockdir"

    "$bindir/createdb" -h "$sockdir" -p "$port" -U postgres "$DB" >&2 \
        || die "createdb $DB failed"
    print_url >"$STATE/url"
    log "ready: $(cat "$STATE/url")"
    print_url
}

cmd_stop() {
    if [[ ! -e "$STATE" ]]; then
        log "not running (no $STATE)"
        return 0
    fi
    local bindir data sockdir=""
    bindir=$(find_bindir)
    data=$(datadir)
    [[ -f "$STATE/sockdir" ]] && sockdir=$(cat "$STATE/sockdir")
    if is_running "$bindir"; then
        log "stopping"
        as_owner "$bindir/pg_ctl" -D "$data" stop -m fast -w -t 60 >/dev/null 2>&1 \
            || as_owner "$bindir/pg_ctl" -D "$data" stop -m immediate -w >/dev/null 2>&1 \
            || log "warning: pg_ctl stop failed"
    fi
    if [[ -n "$sockdir" && "$sockdir" == /tmp/myna-pgsock.* ]]; then
        rm -rf -- "$sockdir"
    fi
    wipe_state
    log "stopped and removed $STATE"
}

cmd_status() {
    local bindir
    bindir=$(find_bindir)
    if is_running "$bindir" && [[ -f "$STATE/port" ]]; then
        print_url
    else
        log "not running"
        return 1
    fi
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status | url) cmd_status ;;
    *)
        echo "usage: $0 start|stop|status|url" >&2
        exit 2
        ;;
esac
