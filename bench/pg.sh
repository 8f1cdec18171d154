# Source this: pg_start DIR starts a throwaway PostgreSQL in DIR on a free loopback port (as the postgres user when
# run as root, since initdb refuses root) and sets PGPORT and PGHOST; pg_stop stops it and removes DIR.
pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  dirname "$(command -v initdb)"
}

# A line of progress with the time and the seconds since $STARTED; a free loopback port.
say() { echo "[$(date +%T) +$(( $(date +%s) - ${STARTED:-$(date +%s)} ))s] $*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pg_as() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_start() {
  PG_DIR=$1; PG_BIN=$(pg_bin)
  mkdir -p "$PG_DIR"; [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DIR"
  PGPORT=$(free_port)
  PGHOST=127.0.0.1
  export PGPORT PGHOST PGUSER=postgres
  pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PG_DIR -c shared_buffers=1GB -c max_wal_size=4GB -c work_mem=64MB ${PG_OPTIONS:-}" start >/dev/null
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}

# The set-up the data benchmarks (audit, clearing, whatif) share: a throwaway PostgreSQL (kept when KEEP=1) named by DB,
# a work folder WORK, the program built (Release) as MEDSETTLE, and the demo province with 200,000 people imported.
bench_province() {
  [ "${KEEP:-}" = 1 ] || trap pg_stop EXIT
  pg_start "$(mktemp -d /tmp/medsettle-bench-XXXXXX)"
  DB="postgres:Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=postgres;Command Timeout=600"
  WORK=$(mktemp -d)
  dotnet build -c Release src/MedSettle -v q -nologo >/dev/null
  MEDSETTLE="dotnet src/MedSettle/bin/Release/net10.0/medsettle.dll"
  $MEDSETTLE demo-bundle --persons 200000 "$WORK/bundle" >/dev/null
  $MEDSETTLE import --db "$DB" "$WORK/bundle" | tail -1
}
