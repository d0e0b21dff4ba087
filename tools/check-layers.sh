#!/usr/bin/env bash
# Checks that the layers include only what their READMEs let them use, each include written from
# the source root ("core/heap/...", never a bare "heap/..." that ui/heap could also mean): each core/ folder only the
# LeakDesk folders and Qt modules in the table below (never the sandbox, never QtWidgets), ui/ never
# the sandbox nor app/. CTest runs it as the unit test `layer_rules`, so a forbidden #include fails
# the suite; tests/unit/layers runs it on small made-up trees to show that it does fail.
#
#   tools/check-layers.sh SOURCE_DIR QT_HEADERS_DIR
#
# QT_HEADERS_DIR holds one folder per Qt module (QtCore/, QtWidgets/...): it tells which module a
# class header such as <QWidget> belongs to. Prints each violation (file:line, what, why); exits 1
# when there is one, 2 on wrong usage.
#
# The one table of the rules, from the "May use / Must never use" lines of each folder's README.
# When a README's rule changes, change the row here in the same commit. A folder name allows the
# whole core/ folder, a path one header of it. ui/ is one row (no sandbox, no app/). The table is
# per folder: core/common's QtCore is for Job.h/Job.cpp and ProcessGroup.h/.cpp alone (its README), not checked per file.
#   folder               LeakDesk folders (or single headers) it may include      Qt modules it may include
rules=(
    "core/common         |                                                         | QtCore"
    "core/tls            | common                                                  | QtCore QtNetwork"
    "core/heap           | common                                                  |"
    "core/analysis       | common                                                  |"
    "core/runbook        | common                                                  | QtCore"
    "core/kube           | common tls                                              | QtCore QtNetwork"
    "core/prometheus     | common tls                                              | QtCore QtNetwork"
    "core/oom            | common kube/KubeObjects.h                               | QtCore"
    "core/capture        | common kube                                             | QtCore"
    "core/sandbox        | common prometheus/QueryCatalogue.h prometheus/MetricsProfile.h prometheus/RadarQueries.h heap/HprofWriter.h heap/HprofFormat.h | QtCore QtNetwork QtWebSockets"
    "core/investigation  | common analysis kube oom prometheus runbook             | QtCore QtNetwork QtConcurrent"
    "core/radar          | common analysis kube prometheus                         | QtCore QtNetwork QtConcurrent"
    "core/actions        | common kube runbook                                     | QtCore"
    "core/incident       | common runbook investigation/Findings.h investigation/FindingsJson.h investigation/FixVerification.h prometheus/QueryCatalogue.h heap/LeakSuspects.h | QtCore QtGui"
    "core/alerts         | common kube prometheus investigation/PrometheusInCluster.h incident runbook | QtCore QtNetwork"
    "core/handover       | common kube actions incident runbook prometheus/MetricsProfile.h prometheus/QueryCatalogue.h heap/LeakSuspects.h | QtCore"
    "ui                  | common tls heap analysis runbook kube oom capture prometheus investigation radar actions incident alerts handover ui | QtCore QtGui QtWidgets QtCharts QtConcurrent QtPrintSupport QtSvg QtNetwork"
)

set -uo pipefail

src=${1:-}
qt_headers=${2:-}
if [[ -z $src || -z $qt_headers || ! -d $src/core || ! -d $qt_headers ]]; then
    echo "usage: $0 SOURCE_DIR QT_HEADERS_DIR" >&2
    exit 2
fi
cd "$src" || exit 2

trim() {
    local s=$1
    s=${s#"${s%%[![:space:]]*}"}
    echo "${s%"${s##*[![:space:]]}"}"
}

# The layer a quoted include names, as the compiler finds it from `file`: next to the file first,
# then ui/ (for ui files), core/, ui/, app/. Sets `layer` to "core/<folder>", "ui", "app" or nothing
# (generated or third-party headers). No subshells: it runs for every include of the tree.
layer_of_include() {
    local file=$1 inc=$2 c
    # A path from the source root ("core/heap/HprofIndex.h") as the project writes includes, then
    # the older forms a folder might still use.
    local candidates=("$inc" "${file%/*}/$inc")
    [[ $file == ui/* ]] && candidates+=("ui/$inc")
    candidates+=("core/$inc" "ui/$inc" "app/$inc")
    layer=""
    for c in "${candidates[@]}"; do
        [[ -f $c ]] || continue
        [[ $c == *..* ]] && c=$(realpath -m --relative-to=. "$c")
        case $c in
        core/*/*)
            c=${c#core/}
            layer="core/${c%%/*}"
            ;;
        ui/*) layer=ui ;;
        app/*) layer=app ;;
        esac
        return
    done
}

declare -A qt_module_of
# Sets `module` for <QWidget> or <QtWidgets/QWidget> to QtWidgets; to nothing when not a Qt header.
qt_module() {
    local h=$1 m
    if [[ $h == Qt*/* ]]; then
        module=${h%%/*}
        return
    fi
    if [[ -z ${qt_module_of[$h]+set} ]]; then
        qt_module_of[$h]=""
        for m in "$qt_headers"/Qt*/; do
            if [[ -f $m$h ]]; then
                m=${m%/}
                qt_module_of[$h]=${m##*/}
                break
            fi
        done
    fi
    module=${qt_module_of[$h]}
}

violations=0
report() {
    echo "$1" >&2
    violations=$((violations + 1))
}

for row in "${rules[@]}"; do
    IFS='|' read -r folder allowed qt_allowed <<<"$row"
    folder=$(trim "$folder")
    allowed=" $(trim "$allowed") "
    qt_allowed=" $(trim "$qt_allowed") "
    [[ -d $folder ]] || continue
    while IFS= read -r hit; do
        file=${hit%%:*}
        rest=${hit#*:}
        line=${rest%%:*}
        text=${rest#*:}
        if [[ $text =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]]; then
            inc=${BASH_REMATCH[1]}
            layer_of_include "$file" "$inc"
            [[ -z $layer ]] && continue
            # "heap/..." could be core/heap or ui/heap (likewise incident, runbook, investigation,
            # actions): the project's includes name their tree.
            if [[ $inc != core/* && $inc != ui/* && $inc != app/* ]]; then
                report "$file:$line: includes \"$inc\": write it from the source root (core/..., ui/...), so that it names one file"
                continue
            fi
            if [[ $folder == ui ]]; then
                [[ $layer == ui ]] && continue
                [[ $layer == app ]] && { report "$file:$line: includes \"$inc\" from app/: ui/ must not depend on the app"; continue; }
            else
                [[ $layer == "$folder" ]] && continue
                [[ $layer == ui || $layer == app ]] && { report "$file:$line: includes \"$inc\" from $layer/: $folder must not depend on $layer/"; continue; }
            fi
            module=${layer#core/}
            [[ $allowed == *" $module "* || $allowed == *" $inc "* || $allowed == *" ${inc#core/} "* ]] && continue
            report "$file:$line: includes \"$inc\" ($layer): $folder may include only:$allowed(tools/check-layers.sh, from its README)"
        elif [[ $text =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<(Q[A-Za-z0-9_/]+)\> ]]; then
            inc=${BASH_REMATCH[1]}
            qt_module "$inc"
            [[ -z $module ]] && continue
            [[ $qt_allowed == *" $module "* ]] && continue
            report "$file:$line: includes <$inc> ($module): $folder may use only the Qt modules:${qt_allowed:- none }(tools/check-layers.sh, from its README)"
        fi
    done < <(grep -rnE --include='*.h' --include='*.cpp' --include='*.hpp' '^[[:space:]]*#[[:space:]]*include' "$folder")
done

if ((violations > 0)); then
    echo "check-layers: $violations forbidden include(s); see the rules in tools/check-layers.sh" >&2
    exit 1
fi
echo "check-layers: every layer includes only what its README allows"
