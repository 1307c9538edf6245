# Sourced by the container scripts (containers-ci.sh, images.sh, podman-setup.sh, podman-socket.sh).
#
# Where podman is missing, as on many users' machines, a container step prints one line and
# exits 0 (skipped); with LEADWORKER_REQUIRE_CONTAINERS=1 (.ci/run sets it) it fails instead.

# skip_or_fail NAME REASON: exit 0 with one line, or exit 1 when containers are required.
skip_or_fail() {
  if [[ ${LEADWORKER_REQUIRE_CONTAINERS:-} == 1 ]]; then
    printf '%s: FAILED: %s (LEADWORKER_REQUIRE_CONTAINERS=1)\n' "$1" "$2" >&2
    exit 1
  fi
  printf '%s: skipped: %s\n' "$1" "$2"
  exit 0
}

# need_podman NAME: skip_or_fail unless podman is installed.
need_podman() {
  command -v podman >/dev/null 2>&1 || skip_or_fail "$1" "podman is not installed"
}
