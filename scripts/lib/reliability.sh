# Shared by scripts/chaos, scripts/concurrency and scripts/disk-full: source
# it from the repository root.

# The binary under test in SLUICE_BINARY: as given, or a release build
# (its log, on failure, is /tmp/sluice-NAME-build.log).
sluice_binary_for() {
  if [ -z "${SLUICE_BINARY:-}" ]; then
    local log="/tmp/sluice-$1-build.log"
    swift build -c release --product sluice >"$log" 2>&1 || { cat "$log" >&2; exit 2; }
    SLUICE_BINARY="$(swift build -c release --show-bin-path)/sluice"
  fi
  export SLUICE_BINARY
}

# The Python with pyarrow: SLUICE_PYTHON, else the project's venv, else python3.
sluice_python() {
  local python="${SLUICE_PYTHON:-$PWD/.venv/bin/python3}"
  [ -x "$python" ] || python=python3
  echo "$python"
}
