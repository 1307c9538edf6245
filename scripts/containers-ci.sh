#!/usr/bin/env bash
# The container steps of .ci/run: what the README's "With Docker" part tells users to run, here
# through podman with locally built images (no registry).
#
#   1. podman-setup.sh   podman, podman-compose, debootstrap, runc; the containers.conf fix
#   2. images.sh         localhost/leadworker:dev, localhost/mykaarma-fake:dev, localhost/kafka:4.4
#   3. compose           docker-compose.yml (+ scripts/compose/local-kafka.yml) end to end, and
#                        validated by docker-compose 1.29: go test -run 'TestComposeEndToEnd|
#                        TestComposeConfig' ./integration/, on host ports compose-ports.sh picks
#                        (the defaults where free): another stack or service on this machine
#                        holding 29092 or 8081 does not fail it. On failure the test prints each
#                        container's state and the full log of the one that is not running.
#   4. testcontainers    the integration suite's Docker path through podman's Docker API, a smoke
#                        subset: go test -run "$CONTAINERS_SMOKE" ./integration/
#
# Each step is timed, the failing one too. Without podman every step skips with one line; with
# LEADWORKER_REQUIRE_CONTAINERS=1 (.ci/run) a missing piece fails instead.
set -euo pipefail
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
cd "$SCRIPT_DIR/.."
# shellcheck source=containers-lib.sh
. "$SCRIPT_DIR/containers-lib.sh"

CONTAINERS_SMOKE=${CONTAINERS_SMOKE:-'^(TestTestcontainersBroker|TestBadInputDeadLettered)$'}
timings=()
timed() { # NAME CMD...: run CMD, record its duration (and its failure), return its status
  local name=$1 t0=$SECONDS status=0 note=""
  shift
  echo "== containers: $name"
  "$@" || status=$?
  ((status == 0)) || note="  FAILED (exit $status)"
  timings+=("$(printf '%-16s %4ds%s' "$name" $((SECONDS - t0)) "$note")")
  return "$status"
}
report() {
  local status=$?
  "$SCRIPT_DIR/podman-socket.sh" stop >/dev/null 2>&1 || true
  if ((${#timings[@]} > 0)); then
    echo "== containers: step times"
    printf '   %s\n' "${timings[@]}"
  fi
  exit "$status"
}
trap report EXIT

timed podman-setup "$SCRIPT_DIR/podman-setup.sh"
need_podman containers
timed images "$SCRIPT_DIR/images.sh"
# Free host ports for the stack: the defaults where nothing holds them.
eval "$("$SCRIPT_DIR/compose-ports.sh" pick)"
echo "== containers: compose host ports: kafka $LEADWORKER_KAFKA_PORT, fake $LEADWORKER_FAKE_PORT, replicas $LEADWORKER_1_PORT $LEADWORKER_2_PORT"
timed compose env LEADWORKER_IT_COMPOSE=1 go test -count=1 -timeout 10m -v -run '^(TestComposeConfig|TestComposeEndToEnd)$' ./integration/

socket() {
  local line
  line=$("$SCRIPT_DIR/podman-socket.sh" start | tail -n1)
  export DOCKER_HOST=${line#DOCKER_HOST=} TESTCONTAINERS_RYUK_DISABLED=true
}
timed podman-socket socket
timed testcontainers env -u LEADWORKER_IT_BROKERS -u LEADWORKER_IT_KAFKA_SCRIPT LEADWORKER_IT_DOCKER=1 go test -count=1 -timeout 10m -v -run "$CONTAINERS_SMOKE" ./integration/
