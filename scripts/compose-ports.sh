#!/usr/bin/env bash
# The host ports docker-compose.yml publishes, checked before `up`: Compose (and podman-compose
# above all, which then exits 0) starts the other services anyway when one port is taken, and the
# stack fails minutes later somewhere else.
#
#   scripts/compose-ports.sh check      exit 1, naming each taken port and its variable, unless
#                                       all four are free
#   scripts/compose-ports.sh pick       print `export VAR=PORT` lines for all four: the value set
#                                       (or the default) where it is free, else a free port
#   eval "$(scripts/compose-ports.sh pick)" && podman-compose ... up -d
#
# The variables and their defaults are docker-compose.yml's: LEADWORKER_KAFKA_PORT (29092),
# LEADWORKER_FAKE_PORT (8089), LEADWORKER_1_PORT (8081), LEADWORKER_2_PORT (8082).
set -euo pipefail

vars=(LEADWORKER_KAFKA_PORT LEADWORKER_FAKE_PORT LEADWORKER_1_PORT LEADWORKER_2_PORT)
declare -A defaults=([LEADWORKER_KAFKA_PORT]=29092 [LEADWORKER_FAKE_PORT]=8089 [LEADWORKER_1_PORT]=8081 [LEADWORKER_2_PORT]=8082)

# busy PORT: is something listening on PORT, on any address? (ss from iproute2, else bash's
# /dev/tcp on the loopback address.)
busy() {
  if command -v ss >/dev/null 2>&1; then
    [[ -n $(ss -Htln "sport = :$1" 2>/dev/null) ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# free_port: a port nothing listens on, from the kernel's ephemeral range, not one already chosen.
free_port() {
  local lo hi p
  read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || { lo=32768; hi=60999; }
  for _ in $(seq 200); do
    p=$((lo + RANDOM % (hi - lo)))
    if ! busy "$p" && [[ " ${chosen[*]} " != *" $p "* ]]; then
      echo "$p"
      return
    fi
  done
  echo "compose-ports: no free port found" >&2
  exit 1
}

chosen=()
case ${1:-} in
  check)
    status=0
    for v in "${vars[@]}"; do
      p=${!v:-${defaults[$v]}}
      if busy "$p"; then
        echo "compose-ports: host port $p is taken ($v); set $v to a free port, or: eval \"\$(scripts/compose-ports.sh pick)\"" >&2
        status=1
      fi
    done
    exit "$status"
    ;;
  pick)
    for v in "${vars[@]}"; do
      p=${!v:-${defaults[$v]}}
      if busy "$p" || [[ " ${chosen[*]} " == *" $p "* ]]; then
        p=$(free_port)
        echo "compose-ports: ${!v:-${defaults[$v]}} is taken; $v=$p" >&2
      fi
      chosen+=("$p")
      echo "export $v=$p"
    done
    ;;
  *)
    echo "usage: $0 check|pick" >&2
    exit 2
    ;;
esac
