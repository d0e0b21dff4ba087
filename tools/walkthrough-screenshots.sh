#!/bin/bash
# Redraws the walkthrough screenshots in docs/walkthrough/: the Radar the window opens on without a
# service (1280x720 and 1920x1080), the six runbook steps of the memory leak runbook on the sandbox
# at 1280x720, once with Prometheus up and once with it down (nothing listening on the Prometheus
# port), plus the heap analysis of a dump captured from the sandbox.
# Needs a release build (tools/dev.sh build) and Xvfb. Usage: tools/walkthrough-screenshots.sh [SERVICE]
set -euo pipefail
cd "$(dirname "$0")/.."
service=${1:-checkout}
bin=build/release/app
out=docs/walkthrough
mkdir -p "$out"
export PATH="$PWD/build/release/tools/bin:$PATH"
work=$(mktemp -d)
cleanup() { [[ -n "${serve_pid:-}" ]] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export XDG_RUNTIME_DIR="$work/xdg"
mkdir -m 0700 "$XDG_RUNTIME_DIR"

"$bin/leakdesk-cli" sandbox serve --kubeconfig-out "$work/kubeconfig" >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do grep -q '^prometheus:' "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
prometheus=$(sed -n 's/^prometheus: //p' "$work/serve.log")
[[ -n "$prometheus" ]] || { cat "$work/serve.log" >&2; exit 1; }
# A loopback port nothing listens on: Prometheus "down".
down=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

shoot() { # $1 file, rest: leakdesk options
    local file=$1; shift
    xvfb-run -a -s "-screen 0 1280x720x24" "$bin/leakdesk" --kubeconfig "$work/kubeconfig" --namespace production \
        --service "$service" --incident "$work/incident-$RANDOM.leakdesk" --screenshot "$file" "$@" >/dev/null
    echo "$file"
}

# The Radar: as `leakdesk --sandbox` opens without --service, every namespace ranked.
for size in 1280x720 1920x1080; do
    xvfb-run -a -s "-screen 0 ${size}x24" "$bin/leakdesk" --sandbox --screenshot "$out/radar-$size.png" >/dev/null
    echo "$out/radar-$size.png"
done

for step in 1 2 3 4 5 6; do
    shoot "$out/step$step-prometheus-up.png" --prometheus "$prometheus" --step "$step"
    shoot "$out/step$step-prometheus-down.png" --prometheus "http://127.0.0.1:$down" --step "$step"
done
# Steps 3 and 4 in the Heap tab: a dump captured from the service's first pod, analysed.
pod=$(kubectl --kubeconfig "$work/kubeconfig" get pods -n production -l "app=$service" -o jsonpath='{.items[0].metadata.name}')
"$bin/leakdesk-cli" heap capture --kubeconfig "$work/kubeconfig" -n production --pod "$pod" --out "$work" >/dev/null
dump=$(ls "$work"/*.hprof* | head -1)
shoot "$out/step4-heap-suspects.png" --prometheus "$prometheus" --step 4 --heap-dump "$dump" --tab suspects
shoot "$out/timeline.png" --prometheus "$prometheus" --tab timeline
