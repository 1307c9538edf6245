#!/usr/bin/env bash
# Serve podman's Docker-compatible API on a unix socket, for testcontainers-go (and
# docker-compose v2) on machines with podman but no Docker.
#
# Usage: scripts/podman-socket.sh start|stop
#   start  start `podman system service` in the background (idempotent) and wait until it
#          answers; the LAST line on stdout is   DOCKER_HOST=unix://<socket>
#          Use it with TESTCONTAINERS_RYUK_DISABLED=true: the reaper image cannot be pulled.
#   stop   stop the service this script started.
# Environment: PODMAN_SOCKET (default /run/leadworker-podman/podman.sock; needs root, else
# $XDG_RUNTIME_DIR/leadworker-podman.sock), LEADWORKER_REQUIRE_CONTAINERS.
set -euo pipefail
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=containers-lib.sh
. "$SCRIPT_DIR/containers-lib.sh"
need_podman podman-socket

if [[ -z ${PODMAN_SOCKET:-} ]]; then
  if [[ $(id -u) == 0 ]]; then PODMAN_SOCKET=/run/leadworker-podman/podman.sock
  else PODMAN_SOCKET=${XDG_RUNTIME_DIR:-/tmp}/leadworker-podman.sock
  fi
fi
pid_file=$PODMAN_SOCKET.pid

answers() { curl -fsS --max-time 2 --unix-socket "$PODMAN_SOCKET" http://d/_ping >/dev/null 2>&1; }
running_pid() {
  [[ -s $pid_file ]] || return 1
  local pid
  pid=$(tr -dc 0-9 <"$pid_file")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -q 'system' "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

case ${1:-} in
  start)
    if ! running_pid >/dev/null; then
      mkdir -p "$(dirname "$PODMAN_SOCKET")"
      rm -f "$PODMAN_SOCKET"
      setsid nohup podman system service --time=0 "unix://$PODMAN_SOCKET" \
        </dev/null >"$PODMAN_SOCKET.log" 2>&1 &
      echo $! >"$pid_file"
    fi
    for ((i = 0; i < 100; i++)); do
      answers && break
      running_pid >/dev/null || { cat "$PODMAN_SOCKET.log" >&2; skip_or_fail podman-socket "podman system service exited"; }
      sleep 0.1
    done
    answers || skip_or_fail podman-socket "no answer on $PODMAN_SOCKET after 10 s"
    echo "podman-socket: Docker API on $PODMAN_SOCKET (pid $(running_pid))" >&2
    echo "DOCKER_HOST=unix://$PODMAN_SOCKET"
    ;;
  stop)
    if pid=$(running_pid); then
      kill "$pid"
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pid_file"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
