#!/usr/bin/env bash
# Checks that every witness the tests run is present: the real programs whose behaviour the product is
# compared with (kubectl, Prometheus, a JDK...). CTest runs this as the test `witnesses`, with the PATH
# the tests get (the project's witness folder first). A missing witness fails it, with the list of what
# is missing and how to install it, because a test whose witness is missing proves nothing; set
# LEAKDESK_ALLOW_MISSING_WITNESSES=1 to let the suite run without them (then this test, and every test
# that needed a missing witness, is reported as skipped, never as passed).
#
# To add a witness (node, go, victoria-metrics, alertmanager...): one line in `witnesses` below, and the
# test that uses it calls LEAKDESK_REQUIRE_WITNESS (tests/support/TestSupport.h).
set -uo pipefail

skip_code=77 # SKIP_RETURN_CODE of the `witnesses` test
project_bin_dir=${1:-}

# program|how to install it
witnesses=(
    "kubectl|tools/dev.sh setup (installs the project's kubectl v1.32.3 into the witness folder)"
    "prometheus|apt-get install prometheus (or tools/dev.sh setup)"
    "promtool|apt-get install prometheus (or tools/dev.sh setup)"
    "victoria-metrics|apt-get install victoria-metrics (or tools/dev.sh setup)"
    "vmauth|apt-get install victoria-metrics (or tools/dev.sh setup)"
    "prometheus-alertmanager|apt-get install prometheus-alertmanager (or tools/dev.sh setup)"
    "amtool|apt-get install prometheus-alertmanager (or tools/dev.sh setup)"
    "go|apt-get install golang-go (or tools/dev.sh setup)"
    "node|apt-get install nodejs"
    "java|apt-get install openjdk-17-jdk-headless (or tools/dev.sh setup)"
    "javac|apt-get install openjdk-17-jdk-headless (or tools/dev.sh setup)"
    "jcmd|apt-get install openjdk-17-jdk-headless (or tools/dev.sh setup)"
    "pdftoppm|apt-get install poppler-utils (or tools/dev.sh setup)"
    "pdftotext|apt-get install poppler-utils (or tools/dev.sh setup)"
)

missing=()
for w in "${witnesses[@]}"; do
    program=${w%%|*}
    how=${w#*|}
    found=$(command -v "$program" 2>/dev/null || true)
    if [ -z "$found" ]; then
        missing+=("$program: not on PATH; install: $how")
        continue
    fi
    echo "witness $program: $found"
done

# kubectl must be the project's own, not whatever a machine has on PATH, and new enough.
kubectl=$(command -v kubectl 2>/dev/null || true)
if [ -n "$kubectl" ]; then
    if [ -n "$project_bin_dir" ] && [ "$(dirname "$(readlink -f "$kubectl")")" != "$(readlink -f "$project_bin_dir")" ]; then
        missing+=("kubectl: the one on PATH ($kubectl) is not the project's ($project_bin_dir/kubectl); install: tools/dev.sh setup")
    else
        version=$("$kubectl" version --client 2>/dev/null | sed -n 's/^Client Version: v//p')
        minor=$(echo "$version" | cut -d. -f2)
        if [ "$(echo "$version" | cut -d. -f1)" != 1 ] || [ -z "$minor" ] || [ "$minor" -lt 28 ] 2>/dev/null; then
            missing+=("kubectl: $kubectl is version '${version:-unknown}', the tests need 1.28 or newer; install: tools/dev.sh setup")
        else
            echo "witness kubectl version: v$version"
        fi
    fi
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "all witnesses present"
    exit 0
fi
echo "MISSING WITNESSES (the tests that need them fail):" >&2
printf '  %s\n' "${missing[@]}" >&2
if [ "${LEAKDESK_ALLOW_MISSING_WITNESSES:-}" = 1 ]; then
    echo "LEAKDESK_ALLOW_MISSING_WITNESSES=1: their tests are skipped instead (and reported as skipped)" >&2
    exit $skip_code
fi
echo "to run the suite without them anyway: LEAKDESK_ALLOW_MISSING_WITNESSES=1 ctest ..." >&2
exit 1
