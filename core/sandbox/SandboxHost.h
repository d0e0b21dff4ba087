#pragma once
// Runs the sandbox cluster (Kubernetes API + Prometheus API on 127.0.0.1) on its own worker
// thread and writes a kubeconfig for it, so a GUI or CLI in the same process can talk to it
// through the same clients it uses for a real cluster, synchronously or not.

#include "core/common/Result.h"
#include "core/prometheus/MetricsProfile.h"
#include "core/sandbox/SandboxClock.h"
#include "core/sandbox/http/FaultInjection.h"
#include "core/sandbox/shell/ContainerRuntime.h"

#include <QObject>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <atomic>
#include <map>
#include <memory>
#include <optional>

class QThread;
class QTemporaryDir;

namespace leakdesk::sandbox {

struct SandboxOptions {
    quint64 seed = 42;
    quint16 kubePort = 0; // 0 = any free port on 127.0.0.1
    quint16 prometheusPort = 0; // 0 = any free port
    quint16 alertmanagerPort = 0; // 0 = any free port
    QString kubeconfigPath; // where to write the generated kubeconfig; empty = a temp dir owned by the host
    // The start moment of simulated time (tests pin it); default: the wall clock at start.
    std::optional<qint64> fixedNowMs;
    // Simulated time runs this many times as fast as the wall clock from the start moment
    // (SandboxClock.h): 60 makes an hour pass in a minute. Unset: the wall clock's pace, or a
    // frozen clock when fixedNowMs pins it.
    std::optional<double> clockSpeed;
    // exec: channel protocols offered (empty: v5.channel.k8s.io then v4.channel.k8s.io), and a
    // connection dropped after this many stdout bytes of each exec (negative: never).
    QStringList execProtocols;
    qint64 execDropAfterBytes = -1;
    // What goes wrong with heap dumps in some containers, by service or pod name: no JDK tools, a
    // memory-backed /tmp, a nearly full disk, reads that corrupt a byte, dumps of a forced size.
    std::map<std::string, ContainerVariation> containerVariations;
    QString token; // the admin's bearer token; empty: a fresh random one per run
    // Adds a read-only user (RBAC "view": get/list/watch, 403 on patch and exec) to the server and
    // to the kubeconfig, as user "leakdesk-sandbox-viewer" and context "leakdesk-sandbox-readonly".
    bool readOnlyUser = false;
    // https:// with a CA made at start (certificate-authority-data in the kubeconfig) and a server
    // certificate for 127.0.0.1 and localhost. Requests must then carry a token or a client
    // certificate signed by that CA (asked for, not required); anonymous ones get 401.
    // The Prometheus API is served over https too, with the same certificate, and the CA is also
    // written as PEM next to the kubeconfig (certificateAuthorityPath()) for --prometheus-ca.
    bool tls = false;
    // When set, the Prometheus API answers 401 to requests without "Authorization: Bearer <this>",
    // as an authenticating proxy in front of a managed Prometheus does.
    QString prometheusToken;
    // When set, the Prometheus API answers 401 to requests without "X-Scope-OrgID: <this>", as a
    // multi-tenant Mimir/Cortex (behind its gateway) does.
    QString prometheusTenant;
    // How the kubeconfig's users authenticate: bearer tokens, or (needs tls) client certificates
    // from the sandbox CA (admin: CN=leakdesk-admin, O=system:masters). Tokens work either way.
    enum class KubeconfigAuth { Token, ClientCertificate };
    KubeconfigAuth kubeconfigAuth = KubeconfigAuth::Token;
    // Latency, 500/503 answers and dropped connections on both APIs' requests (exec streams excepted).
    FaultSpec faults;
    // Faults of the Prometheus API alone, when they should differ from the Kubernetes API's (a
    // failing Prometheus in front of a healthy cluster); none: `faults`, on a sequence of its own.
    std::optional<FaultSpec> prometheusFaults;
    // > 0: a Deployment "batch-worker" with this many pods (SandboxModel), for list paging.
    int crowdReplicas = 0;
    // Scenario files (multi-document YAML of manifests with sim.leakdesk.io annotations) whose
    // objects are served beside the built-in namespace, with their containers' metrics. None
    // given: the default scenario shipped in resources/ (namespace `storefront`), unless
    // `defaultScenario` is false (tests about `production` alone).
    QStringList scenarioFiles;
    bool defaultScenario = true;
    // > 0: this many synthetic workloads (3 pods each, namespaces fleet-NN) beside the scenario,
    // a known few of them leaking (scenario/ScaleWorkloads.h says which): the radar at fleet size.
    int scaleWorkloads = 0;
    // The metric and label names the Prometheus API serves (and export-metrics writes), as a
    // cluster of that dialect holds them: current, legacy (pod_name, kube-state-metrics v1),
    // otel (OpenTelemetry JVM metrics), jmx-exporter.
    prometheus::MetricsDialect metricsNaming = prometheus::MetricsDialect::Current;
};

class SandboxServers;

class SandboxHost : public QObject {
    Q_OBJECT
public:
    explicit SandboxHost(QObject* parent = nullptr);
    ~SandboxHost() override; // stops the thread and removes temp files

    leakdesk::Status start(const SandboxOptions& options); // returns when both servers listen, or an Error
    void stop();

    QUrl kubeUrl() const; // http://127.0.0.1:PORT, https:// with SandboxOptions::tls
    QUrl prometheusUrl() const; // http://127.0.0.1:PORT, https:// with SandboxOptions::tls
    // The same Prometheus inside the cluster, through the API server's service proxy:
    // "k8s://monitoring/prometheus-k8s:web" (for --prometheus; found without it).
    static QString prometheusServiceUrl();
    // Its Alertmanager API v2 (alerts derived from the model, an in-memory silence store): plain
    // http (https with SandboxOptions::tls), and the same inside the cluster, through the service
    // proxy: "k8s://monitoring/alertmanager-main:web".
    QUrl alertmanagerUrl() const;
    static QString alertmanagerServiceUrl();
    QString kubeconfigPath() const;
    QString contextName() const; // "leakdesk-sandbox"
    QString readOnlyContextName() const; // "leakdesk-sandbox-readonly" (with SandboxOptions::readOnlyUser)
    QString namespaceName() const; // "production"
    // Moves the sandbox's clock forward (tests: let a rollout finish, let hours of leak pass).
    void advanceClock(qint64 ms);
    // The sandbox's simulated now (SandboxClock): what its servers serve as the present.
    qint64 nowMs() const;
    // stdout bytes the exec endpoint has handed to sockets so far (shows back-pressure at work).
    qint64 execStdoutBytesSent() const;
    // PEM of the CA made for this run (SandboxOptions::tls), empty without TLS.
    QByteArray certificateAuthorityPem() const { return m_caPem; }
    // The same CA as a PEM file next to the kubeconfig ("<kubeconfig>.ca.crt"), empty without TLS.
    QString certificateAuthorityPath() const { return m_caPath; }
    // Faults injected into the Kubernetes API so far (SandboxOptions::faults).
    FaultCounts kubeFaultCounts() const;
    // Faults injected into the Prometheus API so far (its own sequence).
    FaultCounts prometheusFaultCounts() const;

private:
    struct UserCredential {
        QString token;
        QByteArray certificatePem; // client certificate and key, instead of the token
        QByteArray keyPem;
    };
    Status writeKubeconfig(const QString& path, const UserCredential& admin, const UserCredential& viewer) const;

    QThread* m_thread = nullptr;
    SandboxServers* m_servers = nullptr; // lives in m_thread
    std::unique_ptr<QTemporaryDir> m_tempDir;
    quint16 m_kubePort = 0;
    quint16 m_promPort = 0;
    quint16 m_amPort = 0;
    QString m_kubeconfigPath;
    QByteArray m_caPem;
    QString m_caPath;
    bool m_tls = false;
    // Replaced at start() by the clock of SandboxOptions; advanceClock() before start moves this one.
    std::shared_ptr<SandboxClock> m_clock = std::make_shared<SandboxClock>(std::nullopt, std::nullopt);
};

} // namespace leakdesk::sandbox
