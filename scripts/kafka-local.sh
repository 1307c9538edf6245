#!/usr/bin/env bash
# Run a REAL single-node Apache Kafka 4.x broker (KRaft, broker+controller in one JVM)
# from Maven Central jars, without Docker.
#
# Usage: scripts/kafka-local.sh start|stop|status|restart|logs|clean|jars
#
#   start    resolve jars (first time only), write config, format storage (-g), start the
#            broker in the background and wait until it serves requests. The LAST line on
#            stdout is   KAFKA_BROKERS=127.0.0.1:<port>   (everything else goes to stderr).
#            If the broker is already running it only prints that line.
#   stop     SIGTERM the broker this script started (pid file), SIGKILL after 20 s.
#            Keeps the data dir, so a later `start` resumes the same cluster. Idempotent.
#   status   exit 0 and print KAFKA_BROKERS=... if running, exit 1 otherwise.
#   restart  stop + start (data kept).
#   logs     print the tail of the broker log (for CI failure output).
#   clean    stop, then delete the run state (data + logs + config). Jar cache is kept.
#   jars     resolve the jars only (no Java needed); the LAST line on stdout is their directory
#            (scripts/images.sh copies them into the Kafka image).
#
# Environment (all optional):
#   KAFKA_VERSION          org.apache.kafka:kafka_2.13 version       (default 4.4.0)
#   KAFKA_PORT             PLAINTEXT listener port                   (default 19092)
#   KAFKA_CONTROLLER_PORT  KRaft controller listener port            (default 19093)
#   KAFKA_HOST             listener/advertised host                  (default 127.0.0.1)
#   KAFKA_CACHE_DIR        jar cache root            (default <repo>/.cache/kafka)
#   KAFKA_STATE_DIR        data/logs/pid/config dir  (default <repo>/.cache/kafka/run)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness             (default 90)
#   KAFKA_STOP_TIMEOUT     seconds between SIGTERM and SIGKILL       (default 20)
#   KAFKA_HEAP_OPTS        JVM heap flags              (default "-Xms256m -Xmx512m")
#   KAFKA_EXTRA_CONFIG     extra server.properties lines (newline separated), appended last
#   KAFKA_LOG_LINES        lines printed by `logs`                   (default 200)
#   MVN                    maven command (default mvn); MVN_ARGS extra maven args
#   JAVA                   java binary (default $JAVA_HOME/bin/java or java on PATH); needs 17+
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
SUPPORT_DIR="$SCRIPT_DIR/kafka"

KAFKA_VERSION=${KAFKA_VERSION:-4.4.0}
KAFKA_HOST=${KAFKA_HOST:-127.0.0.1}
KAFKA_PORT=${KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
KAFKA_CACHE_DIR=${KAFKA_CACHE_DIR:-$REPO_ROOT/.cache/kafka}
KAFKA_STATE_DIR=${KAFKA_STATE_DIR:-$KAFKA_CACHE_DIR/run}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
KAFKA_STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-20}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
KAFKA_LOG_LINES=${KAFKA_LOG_LINES:-200}
MVN=${MVN:-mvn}

DIST_DIR="$KAFKA_CACHE_DIR/$KAFKA_VERSION"
LIB_DIR="$DIST_DIR/lib"
MARKER="$DIST_DIR/.complete"
DATA_DIR="$KAFKA_STATE_DIR/data"
LOGS_DIR="$KAFKA_STATE_DIR/logs"
PID_FILE="$KAFKA_STATE_DIR/kafka.pid"
CONFIG_FILE="$KAFKA_STATE_DIR/server.properties"
CLUSTER_ID_FILE="$KAFKA_STATE_DIR/cluster.id"
SERVER_LOG="$LOGS_DIR/server.log"
CONSOLE_LOG="$LOGS_DIR/kafka.out"
LOG4J_CONFIG="$SUPPORT_DIR/log4j2.xml"

BROKERS="$KAFKA_HOST:$KAFKA_PORT"

log() { printf 'kafka-local: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# java / maven
# ---------------------------------------------------------------------------------------------
find_java() {
  if [[ -n ${JAVA:-} ]]; then :
  elif [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then JAVA="$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then JAVA=java
  else die "java not found (need Java 17+; set JAVA or JAVA_HOME)"
  fi
  local v major
  v=$("$JAVA" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
  major=${v%%.*}
  [[ $major == 1 ]] && major=$(cut -d. -f2 <<<"$v")
  [[ $major =~ ^[0-9]+$ ]] || die "cannot parse java version from '$v' ($JAVA)"
  ((major >= 17)) || die "Kafka 4.x brokers need Java 17+, $JAVA is $v"
}

# mvn -B -q quietly, with output on stderr (stdout is reserved for the KAFKA_BROKERS line).
# Maven 3.8.x prints bare ANSI resets (ESC[0m) even with -B/-q/-Dstyle.color=never: strip them.
run_mvn() {
  # shellcheck disable=SC2086
  "$MVN" -B -q -Dstyle.color=never ${MVN_ARGS:-} -f "$SUPPORT_DIR/pom.xml" "$@" 2>&1 \
    | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2
}

pom_hash() { sha256sum "$SUPPORT_DIR/pom.xml" | cut -c1-16; }

# Resolve kafka_2.13 + runtime deps into $LIB_DIR once; a marker file makes later starts offline.
ensure_jars() {
  local want
  want="kafka_2.13=$KAFKA_VERSION pom=$(pom_hash)"
  if [[ -f $MARKER && $(head -n1 "$MARKER") == "$want" ]]; then
    return 0
  fi
  command -v "$MVN" >/dev/null 2>&1 || die "maven ($MVN) not found; needed once to fetch Kafka jars"
  log "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central into $LIB_DIR"
  mkdir -p "$KAFKA_CACHE_DIR"
  local tmp
  tmp=$(mktemp -d "$KAFKA_CACHE_DIR/.resolve-$KAFKA_VERSION.XXXXXX")
  if ! run_mvn -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/lib"; then
    rm -rf "$tmp"
    die "maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
  fi

  # kafka_2.13 ships slf4j-api + log4j-core but no slf4j binding: without one the broker runs
  # but logs NOTHING. Add the log4j2 binding that matches both slf4j-api and log4j-core.
  local binding="" slf4j_ver log4j_ver
  binding=$(cd "$tmp/lib" && ls -- log4j-slf4j-impl-*.jar log4j-slf4j2-impl-*.jar slf4j-simple-*.jar \
    slf4j-reload4j-*.jar logback-classic-*.jar 2>/dev/null | head -n1 || true)
  if [[ -n $binding ]]; then
    log "logging binding already present: $binding"
  else
    slf4j_ver=$(ls "$tmp/lib" | sed -n 's/^slf4j-api-\(.*\)\.jar$/\1/p' | head -n1)
    log4j_ver=$(ls "$tmp/lib" | sed -n 's/^log4j-core-\(.*\)\.jar$/\1/p' | head -n1)
    [[ -n $slf4j_ver ]] || { rm -rf "$tmp"; die "no slf4j-api in resolved jars; pom needs a logging fix"; }
    local artifacts=()
    if [[ -z $log4j_ver ]]; then
      log4j_ver=${KAFKA_LOG4J_VERSION:-2.24.3}
      artifacts+=("org.apache.logging.log4j:log4j-api:$log4j_ver" "org.apache.logging.log4j:log4j-core:$log4j_ver")
    fi
    case $slf4j_ver in
      1.*) binding="log4j-slf4j-impl" ;;
      *)   binding="log4j-slf4j2-impl" ;;
    esac
    artifacts+=("org.apache.logging.log4j:$binding:$log4j_ver")
    log "adding logging binding for slf4j-api $slf4j_ver: ${artifacts[*]}"
    local a
    for a in "${artifacts[@]}"; do
      if ! run_mvn dependency:copy -Dartifact="$a" -DoutputDirectory="$tmp/lib"; then
        rm -rf "$tmp"
        die "maven could not fetch $a"
      fi
    done
    binding="$binding-$log4j_ver.jar"
  fi
  ls "$tmp/lib"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 \
    || { rm -rf "$tmp"; die "kafka_2.13-$KAFKA_VERSION.jar missing after resolution"; }

  printf '%s\nbinding=%s\nresolved=%s\n' "$want" "$binding" "$(date -u +%FT%TZ)" >"$tmp/.complete"
  # Swap in atomically-ish (a concurrent resolver just loses the race harmlessly).
  rm -rf "$DIST_DIR.old"
  [[ -d $DIST_DIR ]] && mv "$DIST_DIR" "$DIST_DIR.old"
  mv "$tmp" "$DIST_DIR"
  rm -rf "$DIST_DIR.old"
  log "resolved $(ls "$LIB_DIR" | wc -l) jars ($(du -sh "$LIB_DIR" | cut -f1)) for Kafka $KAFKA_VERSION"
}

# ---------------------------------------------------------------------------------------------
# process helpers
# ---------------------------------------------------------------------------------------------
# Echo the pid from the pid file if that process is alive AND is our broker (guards against
# pid reuse: the command line must contain kafka.Kafka and our config file).
running_pid() {
  [[ -f $PID_FILE ]] || return 1
  local pid state
  pid=$(tr -dc '0-9' <"$PID_FILE")
  [[ -n $pid ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r /proc/$pid/stat ]]; then
    state=$(sed 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f1)
    [[ $state != Z ]] || return 1
  fi
  if [[ -r /proc/$pid/cmdline ]]; then
    local cmdline
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
    [[ $cmdline == *"$CONFIG_FILE"* ]] || return 1
  fi
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

write_config() {
  mkdir -p "$DATA_DIR" "$LOGS_DIR"
  if [[ ! -s $CLUSTER_ID_FILE ]]; then
    # Same format as `kafka-storage.sh random-uuid`: 16 random bytes, base64url, no padding,
    # never starting with '-' (saves a JVM start).
    local id
    while :; do
      id=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
      [[ ${#id} == 22 && $id != -* && $id != AAAAAAAAAAAAAAAAAAAAA[AB] ]] && break
    done
    echo "$id" >"$CLUSTER_ID_FILE"
  fi
  cat >"$CONFIG_FILE.tmp" <<EOF
# Generated by scripts/kafka-local.sh -- edits are overwritten on every start.
process.roles=broker,controller
node.id=1
# Static quorum: storage format needs no --standalone.
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
log.segment.bytes=104857600
log.retention.check.interval.ms=300000
EOF
  if [[ -n ${KAFKA_EXTRA_CONFIG:-} ]]; then
    printf '# KAFKA_EXTRA_CONFIG\n%s\n' "$KAFKA_EXTRA_CONFIG" >>"$CONFIG_FILE.tmp"
  fi
  mv "$CONFIG_FILE.tmp" "$CONFIG_FILE"
}

jvm_log_opts() {
  printf '%s\n' "-Dlog4j2.configurationFile=$LOG4J_CONFIG" "-Dkafka.logs.dir=$LOGS_DIR" "-Dkafka.log.file=$1"
}

format_storage() {
  local out meta="$DATA_DIR/meta.properties"
  # Restart with kept data: meta.properties already carries our cluster id, so skip the extra
  # JVM (format -g would only say "All of the log directories are already formatted").
  if [[ -f $meta ]] && grep -qx "cluster.id=$(cat "$CLUSTER_ID_FILE")" "$meta"; then
    log "storage already formatted (cluster $(cat "$CLUSTER_ID_FILE")), resuming"
    return 0
  fi
  local -a logopts
  mapfile -t logopts < <(jvm_log_opts storage-tool.log)
  # -g: already-formatted dirs are accepted, so restarts resume the same cluster.
  if ! out=$("$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${logopts[@]}" \
      -cp "$LIB_DIR/*" kafka.tools.StorageTool format -g \
      -t "$(cat "$CLUSTER_ID_FILE")" -c "$CONFIG_FILE" 2>&1); then
    printf '%s\n' "$out" >&2
    die "storage format failed (data dir $DATA_DIR; try: $0 clean)"
  fi
  [[ -n $out ]] && printf '%s\n' "$out" | sed 's/^/kafka-local: format: /' >&2
  return 0
}

print_log_tail() {
  local n=${1:-$KAFKA_LOG_LINES} f
  for f in "$SERVER_LOG" "$CONSOLE_LOG"; do
    if [[ -s $f ]]; then
      echo "===== tail -n $n $f =====" >&2
      tail -n "$n" "$f" >&2
    else
      echo "===== $f: missing or empty =====" >&2
    fi
  done
}

# Readiness probe with a real Kafka Metadata request when kcat is available.
kafka_answers() {
  local kc
  kc=$(command -v kcat || command -v kafkacat || true)
  [[ -n $kc ]] || return 2
  # (grep without -q: with pipefail, an early-exiting grep -q can SIGPIPE the writer)
  "$kc" -L -b "$BROKERS" -m 3 -X socket.timeout.ms=3000 2>/dev/null | grep 'broker 1 at' >/dev/null
}

# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------
cmd_start() {
  local pid
  if pid=$(running_pid); then
    log "already running (pid $pid, log $SERVER_LOG)"
    echo "KAFKA_BROKERS=$BROKERS"
    return 0
  fi
  rm -f "$PID_FILE"
  find_java
  ensure_jars

  local p
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$KAFKA_HOST" "$p"; then
      die "port $KAFKA_HOST:$p is already in use by another process (set KAFKA_PORT/KAFKA_CONTROLLER_PORT)"
    fi
  done

  write_config
  format_storage

  # Remember where this run's log output starts, so readiness only looks at new lines.
  local log_offset=0
  [[ -f $SERVER_LOG ]] && log_offset=$(stat -c %s "$SERVER_LOG")
  printf '\n===== %s kafka-local start (Kafka %s) =====\n' "$(date -u +%FT%TZ)" "$KAFKA_VERSION" >>"$CONSOLE_LOG"

  local -a logopts heap
  mapfile -t logopts < <(jvm_log_opts server.log)
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  # setsid: own session/process group, survives the calling shell and CI step.
  # The inner bash writes its own pid, then execs java, so the pid file is exact even when
  # setsid has to fork.
  setsid nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' kafka-local "$PID_FILE" \
    "$JAVA" "${heap[@]}" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true "${logopts[@]}" \
    -cp "$LIB_DIR/*" kafka.Kafka "$CONFIG_FILE" \
    </dev/null >>"$CONSOLE_LOG" 2>&1 &
  disown 2>/dev/null || true

  log "starting Kafka $KAFKA_VERSION on $BROKERS (controller :$KAFKA_CONTROLLER_PORT)"
  log "broker log: $SERVER_LOG (stdout/stderr: $CONSOLE_LOG)"

  local deadline=$((SECONDS + KAFKA_START_TIMEOUT)) started=0 have_kcat=1 rc
  while ((SECONDS < deadline)); do
    sleep 0.5
    if ! pid=$(running_pid); then
      # Give the wrapper a moment to write the pid file before declaring death.
      if [[ -s $PID_FILE ]] && ! kill -0 "$(tr -dc '0-9' <"$PID_FILE")" 2>/dev/null; then
        print_log_tail 80
        rm -f "$PID_FILE"
        die "broker process exited during startup"
      fi
      continue
    fi
    if ((started == 0)) && [[ -f $SERVER_LOG ]]; then
      # log rolled over since we took the offset -> look at the whole (new) file
      (($(stat -c %s "$SERVER_LOG") >= log_offset)) || log_offset=0
      if tail -c +"$((log_offset + 1))" "$SERVER_LOG" \
          | grep -E 'Kafka Server started|started \(kafka\.server\.KafkaRaftServer\)' >/dev/null; then
        started=1
      fi
    fi
    ((started == 1)) || continue
    port_open "$KAFKA_HOST" "$KAFKA_PORT" || continue
    if ((have_kcat == 1)); then
      rc=0; kafka_answers || rc=$?
      if ((rc == 2)); then have_kcat=0
      elif ((rc != 0)); then continue
      fi
    fi
    log "ready after ${SECONDS}s (pid $pid)"
    echo "KAFKA_BROKERS=$BROKERS"
    return 0
  done
  print_log_tail 80
  log "not ready after ${KAFKA_START_TIMEOUT}s; stopping it"
  cmd_stop || true
  die "Kafka did not become ready within ${KAFKA_START_TIMEOUT}s"
}

cmd_stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping pid $pid (SIGTERM, SIGKILL after ${KAFKA_STOP_TIMEOUT}s)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  while ((SECONDS < deadline)) && running_pid >/dev/null; do
    sleep 0.25
  done
  if running_pid >/dev/null; then
    log "still alive after ${KAFKA_STOP_TIMEOUT}s: SIGKILL $pid"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 5))
    while ((SECONDS < deadline)) && running_pid >/dev/null; do sleep 0.2; done
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  if pid=$(running_pid); then
    if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      log "running (pid $pid, Kafka $KAFKA_VERSION, log $SERVER_LOG)"
    else
      log "process alive (pid $pid) but $BROKERS not accepting connections yet"
    fi
    echo "KAFKA_BROKERS=$BROKERS"
    return 0
  fi
  log "not running"
  return 1
}

cmd_clean() {
  cmd_stop
  [[ -n $KAFKA_STATE_DIR && $KAFKA_STATE_DIR != / && $KAFKA_STATE_DIR != "$REPO_ROOT" ]] \
    || die "refusing to delete KAFKA_STATE_DIR='$KAFKA_STATE_DIR'"
  rm -rf -- "$KAFKA_STATE_DIR"
  log "removed $KAFKA_STATE_DIR"
}

case ${1:-} in
  start)   cmd_start ;;
  stop)    cmd_stop ;;
  status)  cmd_status ;;
  restart) cmd_stop; cmd_start ;;
  logs)    print_log_tail "$KAFKA_LOG_LINES" 2>&1 ;;
  clean)   cmd_clean ;;
  jars)    ensure_jars; echo "$LIB_DIR" ;;
  *)
    echo "usage: $0 start|stop|status|restart|logs|clean|jars" >&2
    exit 2
    ;;
esac
