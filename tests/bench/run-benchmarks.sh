#!/usr/bin/env bash
# Runs every benchmark executable (bench_*) built under BUILD_DIR/tests/bench and prints their
# JSON output, one object per line, each wrapped with the benchmark's name.
# usage: tests/bench/run-benchmarks.sh [BUILD_DIR]   (default: build/release)
# Build in Release for meaningful figures. No figure is compared against a threshold here.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${1:-$here/build/release}
bench_root="$build_dir/tests/bench"
# bench_capture compares with kubectl cp: the project's own kubectl (tools/dev.sh setup), as in the tests.
export PATH="${LEAKDESK_WITNESS_BIN_DIR:-$here/build/tools/bin}:$PATH"
if [ ! -d "$bench_root" ]; then
    echo "run-benchmarks.sh: $bench_root does not exist; build first (tools/dev.sh bench)" >&2
    exit 2
fi

# Runs beyond the default one, with these arguments (one run per line). bench_capture: the same
# transfer over a paced link (the sandbox's --faults bandwidth=), as between a cluster and a laptop.
extra_runs() {
    case "$1" in
    bench_capture) printf '%s\n' '--bandwidth 100MB/s' '--bandwidth 25MB/s' ;;
    esac
}

status=0
found=0
run() {
    local exe=$1 label=$2
    shift 2
    echo "== $label" >&2
    if output=$("$exe" "$@" </dev/null); then
        printf '{"benchmark": "%s", "result": %s}\n' "$label" "${output:-null}"
    else
        echo "run-benchmarks.sh: $label failed" >&2
        status=1
    fi
}
while IFS= read -r exe; do
    found=1
    name=$(basename "$exe")
    run "$exe" "$name"
    while IFS= read -r args; do
        [ -n "$args" ] || continue
        read -r -a argv <<<"$args"
        run "$exe" "$name $args" "${argv[@]}"
    done < <(extra_runs "$name")
done < <(find "$bench_root" -type f -name 'bench_*' -perm -u+x | sort)

[ "$found" = 1 ] || echo "run-benchmarks.sh: no bench_* executables under $bench_root" >&2
exit $status
