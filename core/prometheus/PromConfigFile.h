#pragma once
// The user's config file (~/.config/leakdesk/config.yaml, $XDG_CONFIG_HOME honoured): how to reach
// Prometheus for each kube context, so that a context switch in the GUI or a bare
// `leakdesk-cli investigate --context prod` finds its Prometheus, tenant and token. Command-line
// flags override what the file says. Example:
//
//   contexts:
//     prod-eu:
//       prometheus: https://mimir.example.com/prometheus   # or k8s://monitoring/prometheus-k8s:9090
//       headers:
//         X-Scope-OrgID: team-payments
//       params:
//         dedup: "true"
//       token-file: ~/.config/leakdesk/prod-eu.token
//       ca: /etc/ssl/certs/internal-ca.pem
//       insecure-skip-tls-verify: false
//       metrics:
//         memory: container_memory_working_set_bytes
//       alertmanager: k8s://monitoring/alertmanager-main:web   # or http(s)://...
//   memory-alerts:            # which alerts are about memory (none: core/alerts' defaults)
//     - alertname: KubePodCrashLooping|MyServiceOOM
//       category: crash-loop  # oom-kill, crash-loop, near-limit, overcommit
//       labels:
//         severity: critical|warning
//
// Unknown keys and values of the wrong type are errors naming the file and line. Paths may start
// with ~/; relative ones are relative to the file's folder. The file holds no secret values
// itself other than header values (a token belongs in a token file), and is written 0600.

#include "core/common/Result.h"
#include "core/prometheus/PromRequestOptions.h"

#include <QList>
#include <QString>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::prometheus {

struct PromContextSettings {
    QString url; // as written: http(s)://..., or k8s://NS/SERVICE:PORT (passed through as is)
    QList<PromHeader> headers;
    QList<PromParam> params;
    QString tokenFile; // absolute, ~ expanded
    QString caFile; // absolute, ~ expanded
    bool insecureSkipTlsVerify = false;
    std::map<std::string, std::string> metrics; // KIND -> metric NAME
    QString alertmanagerUrl; // as written, like `url`; empty: discovered in the cluster
    bool operator==(const PromContextSettings&) const = default;
};

// One entry of `memory-alerts:`, as written; core/alerts compiles and checks the expressions.
struct MemoryAlertRuleSetting {
    std::string alertname; // regular expression
    std::string category; // empty: oom-kill
    std::map<std::string, std::string> labels; // label -> regular expression
    bool operator==(const MemoryAlertRuleSetting&) const = default;
};

struct PromConfig {
    std::map<std::string, PromContextSettings> contexts; // by kube context name
    std::vector<MemoryAlertRuleSetting> memoryAlerts; // empty: the defaults
    bool operator==(const PromConfig&) const = default;
};

// The largest config file read (a few hundred contexts fit in far less).
inline constexpr std::uint64_t kMaxConfigBytes = 1ull << 20;

// Parses the file's text; `fileName` starts every error ("FILE:LINE: ..."), `baseDir` makes
// relative paths absolute. An empty text is an empty config.
Result<PromConfig> parsePromConfig(std::string_view text, const std::string& fileName, const QString& baseDir);

// Reads and parses `path`; a missing file is an empty config (nobody must create one).
Result<PromConfig> loadPromConfig(const QString& path);

// The YAML text of `config`, which parsePromConfig reads back to the same value.
std::string promConfigToYaml(const PromConfig& config);

// Writes `config` to `path` atomically (a temporary file renamed over it), mode 0600, creating the
// folder (0700) when needed.
Status savePromConfig(const QString& path, const PromConfig& config);

// Why `url` cannot be a Prometheus URL of the file (an http://, https:// or k8s://NS/SERVICE:PORT
// URL with a host); nothing when it can.
std::optional<std::string> promUrlProblem(const QString& url);

// $XDG_CONFIG_HOME/leakdesk/config.yaml, or ~/.config/leakdesk/config.yaml.
QString defaultPromConfigPath();

} // namespace leakdesk::prometheus
