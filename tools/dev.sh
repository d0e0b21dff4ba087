#!/usr/bin/env bash
# LeakDesk developer entry point. On a fresh Debian 12 machine:
#   tools/dev.sh run    install dependencies, build, start the GUI on the built-in sandbox
#   tools/dev.sh test   install dependencies, build, run the whole test suite (CTest)
# Other subcommands: setup (dependencies only), build, fuzz (bounded libFuzzer runs), bench.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${LEAKDESK_BUILD_DIR:-$here/build/release}
jobs=${LEAKDESK_JOBS:-$(nproc)}

packages=(
    build-essential cmake ninja-build pkg-config git
    qt6-base-dev libqt6opengl6-dev qt6-charts-dev qt6-websockets-dev qt6-svg-dev libqcustomplot-dev libgl-dev
    nlohmann-json3-dev libyaml-cpp-dev libcmark-dev zlib1g-dev libssl-dev
    xvfb xauth
    prometheus openjdk-17-jdk-headless poppler-utils
    clang libclang-rt-14-dev
)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

setup() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "== installing: ${missing[*]}"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
    # Debian's prometheus package may start a system service scraping this machine; tests run their
    # own instance on a free loopback port, so the system one is neither needed nor touched.
    if ! command -v kubectl >/dev/null 2>&1; then
        echo "note: kubectl is not on PATH; the tests that use the real kubectl will be skipped" >&2
    fi
}

configure_build() {
    # Optimised without debug info: -g roughly doubles compile time on CI's two cores.
    local type=${1:-Release}
    cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DLEAKDESK_WERROR=ON
    cmake --build "$build_dir" -j "$jobs"
}

cmd=${1:-}
shift || true
case "$cmd" in
setup) setup ;;
build) setup; configure_build ;;
run)
    setup
    configure_build
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
        echo "no display found: starting under xvfb-run (use --screenshot FILE.png to see it)" >&2
        exec xvfb-run -a "$build_dir/app/leakdesk" --sandbox "$@"
    fi
    exec "$build_dir/app/leakdesk" --sandbox "$@"
    ;;
test)
    setup
    configure_build
    # Bounded libFuzzer exploration (clang, ASan+UBSan) before the suite. What it finds is printed
    # and kept under build/fuzz/crashes, but it does not fail the suite: exploration is random, and
    # a suite must not pass or fail by chance. The corpora replay deterministically as unit tests,
    # and 'tools/dev.sh fuzz' is strict; add a found input to the corpus together with its fix.
    "$here/tools/run-fuzzers.sh" "${LEAKDESK_FUZZ_SECONDS:-20}" || echo "fuzz: NEW FINDINGS above (see build/fuzz/crashes); the suite continues"
    cd "$build_dir"
    ctest --output-on-failure -j "$jobs" --timeout 600 "$@"
    ;;
fuzz)
    setup
    "$here/tools/run-fuzzers.sh" "${1:-30}"
    ;;
bench)
    setup
    configure_build Release
    "$here/tests/bench/run-benchmarks.sh" "$build_dir"
    ;;
*)
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
