# Sourced by the bench/*.sh scripts: run from the repository root, pick the Python
# ($PYTHON, else the project's virtualenv, else python3), and check the release binaries.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

LAKE=.build/release/lake
LAKE_BENCH=.build/release/lake-bench

# require_binaries BIN…: each must exist, unless the benchmark runs with --skip-lake.
require_binaries() {
    local args=" ${BENCH_ARGS:-} "
    for bin in "$@"; do
        if [ ! -x "$bin" ] && [[ "$args" != *" --skip-lake "* ]]; then
            echo "error: $bin not found; build it first with: swift build -c release" >&2
            exit 1
        fi
    done
}
