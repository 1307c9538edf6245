#!/usr/bin/env bash
# Prepare a machine (CI, as root) to run the container steps with podman:
#   - install podman, podman-compose, debootstrap, runc and docker-compose (v1.29, only to validate
#     docker-compose.yml with `config`) with apt-get when missing;
#   - where the podman-compose on PATH is older than 1.1 (Debian bookworm ships 1.0.3, which runs
#     every health check through /bin/sh, absent from the scratch image), install podman-compose
#     $PODMAN_COMPOSE_VERSION (default 1.6.0) from PyPI into /opt/podman-compose, linked from
#     /usr/local/bin: it hands exec-form checks to podman as written;
#   - write /etc/containers/containers.conf.d/50-leadworker.conf:
#       default_ulimits = []   sandboxes that forbid raising rlimits fail every `podman run`
#                              with "error setting rlimit type 7" otherwise;
#       runtime = "runc"       only where crun refuses the host's cgroups ("cgroups in hybrid
#                              mode not supported"); runc runs there.
#   - check that `podman run` of a FROM scratch image works.
# Not root, or no apt-get: installs nothing and only checks. See containers-lib.sh for skipping.
set -euo pipefail
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=containers-lib.sh
. "$SCRIPT_DIR/containers-lib.sh"
name=podman-setup

missing=() optional=()
have() { command -v "$1" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$1" >/dev/null 2>&1; }
for tool in podman podman-compose debootstrap runc; do
  have "$tool" || missing+=("$tool")
done
have docker-compose || optional+=(docker-compose)
if ((${#missing[@]} + ${#optional[@]} > 0)) && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "$name: installing ${missing[*]} ${optional[*]}"
  apt-get update -qq >/tmp/leadworker-podman-apt.log 2>&1 || true
  if ((${#missing[@]} > 0)) && ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >>/tmp/leadworker-podman-apt.log 2>&1; then
    tail -n 20 /tmp/leadworker-podman-apt.log >&2
    skip_or_fail "$name" "apt-get install ${missing[*]} failed"
  fi
  if ((${#optional[@]} > 0)) && ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${optional[@]}" >>/tmp/leadworker-podman-apt.log 2>&1; then
    echo "$name: ${optional[*]} not installed; TestComposeConfig will skip the v1.29 check"
  fi
fi
need_podman "$name"

# compose_recent: is the podman-compose on PATH 1.1 or later?
compose_recent() {
  local v maj min
  v=$(podman-compose --version 2>/dev/null | sed -n 's/^podman-compose version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p' | head -n1)
  read -r maj min <<<"$v"
  [[ -n ${maj:-} ]] && ((maj > 1 || min >= 1))
}
if ! compose_recent && [[ $(id -u) == 0 ]]; then
  pcv=${PODMAN_COMPOSE_VERSION:-1.6.0}
  echo "$name: installing podman-compose $pcv from PyPI into /opt/podman-compose (health checks in exec form)"
  if ! python3 -m venv --help >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >>/tmp/leadworker-podman-apt.log 2>&1 || true
  fi
  if python3 -m venv /opt/podman-compose >/tmp/leadworker-podman-pip.log 2>&1 &&
    /opt/podman-compose/bin/pip install -q "podman-compose==$pcv" >>/tmp/leadworker-podman-pip.log 2>&1; then
    ln -sf /opt/podman-compose/bin/podman-compose /usr/local/bin/podman-compose
    hash -r
  else
    tail -n 20 /tmp/leadworker-podman-pip.log >&2
  fi
fi
if ! compose_recent; then
  skip_or_fail "$name" "podman-compose 1.1 or later is needed ($(podman-compose --version 2>/dev/null | head -n1 || echo none) runs health checks through /bin/sh); pip install podman-compose"
fi

conf=/etc/containers/containers.conf.d/50-leadworker.conf
write_conf() { # $1: extra [engine] lines
  mkdir -p "$(dirname "$conf")"
  printf '# Written by leadworker scripts/podman-setup.sh\n[containers]\ndefault_ulimits = []\n%s' "$1" >"$conf.tmp"
  mv "$conf.tmp" "$conf"
}
if [[ $(id -u) == 0 ]]; then
  [[ -f $conf ]] || write_conf ""
fi

# Does the runtime start a container? A FROM scratch image with nothing to execute: an "exec"
# error from inside the container means the runtime worked; rlimit or cgroup errors mean not.
probe_run() {
  local dir out
  dir=$(mktemp -d)
  printf 'leadworker podman-setup probe\n' >"$dir/probe"
  printf 'FROM scratch\nCOPY probe /probe\n' >"$dir/Containerfile"
  podman build -q -t localhost/leadworker-probe:dev "$dir" >/dev/null 2>&1 || { rm -rf "$dir"; echo "podman build of a FROM scratch image failed"; return 1; }
  rm -rf "$dir"
  out=$(podman run --rm localhost/leadworker-probe:dev /probe 2>&1) || true
  podman image rm -f localhost/leadworker-probe:dev >/dev/null 2>&1 || true
  printf '%s\n' "$out"
  [[ $out == *"permission denied"* || $out == *"exec format"* || $out == *"executable file not found"* || $out == *"no such file"* ]] \
    && [[ $out != *rlimit* && $out != *cgroup* ]]
}
if ! out=$(probe_run) && [[ $out == *"hybrid mode"* && $(id -u) == 0 ]] && PATH=$PATH:/usr/sbin command -v runc >/dev/null 2>&1; then
  echo "$name: crun refuses this host's cgroups (hybrid mode); using runc"
  write_conf $'\n[engine]\nruntime = "runc"\n'
fi
if out=$(probe_run); then
  echo "$name: podman $(podman version --format '{{.Client.Version}}') runs containers (runtime $(podman info --format '{{.Host.OCIRuntime.Name}}')); $(podman-compose --version 2>/dev/null | grep -m1 podman-compose)"
  exit 0
fi
printf '%s\n' "$out" >&2
skip_or_fail "$name" "podman cannot run a container here"
