#pragma once
// The in-process sandbox and KubeClients of its kubeconfig, as the integration tests use them: the
// admin (the kubeconfig's current context) and, with SandboxOptions::readOnlyUser, the read-only
// user. The clock can be pinned (SandboxMoments.h picks a moment), and the pinned moment is printed
// so that LEAKDESK_TEST_NOW_MS replays a run that failed at one time of day.
// Header-only: only tests that already link the sandbox and the kube client include it.

#include "SandboxMoments.h"

#include "core/common/Result.h"
#include "core/kube/KubeClient.h"
#include "core/kube/KubeConfig.h"
#include "core/sandbox/SandboxHost.h"

#include <QtGlobal>

#include <memory>
#include <string>

namespace leakdesk::test {

class SandboxCluster {
public:
    sandbox::SandboxHost host;
    std::unique_ptr<kube::KubeClient> client; // the kubeconfig's current context: the admin
    std::unique_ptr<kube::KubeClient> viewer; // the read-only context; null without readOnlyUser

    // `options` with the sandbox's clock pinned at `atMs`, which is printed for replaying.
    static sandbox::SandboxOptions pinnedAt(sandbox::SandboxOptions options, qint64 atMs)
    {
        options.fixedNowMs = atMs;
        qInfo("sandbox clock pinned at %lld (LEAKDESK_TEST_NOW_MS replays it)", static_cast<long long>(atMs));
        return options;
    }
    // `options` pinned at the test's now (testNowMs(): the wall clock, or LEAKDESK_TEST_NOW_MS).
    static sandbox::SandboxOptions pinnedNow(sandbox::SandboxOptions options = {})
    {
        return pinnedAt(std::move(options), testNowMs());
    }

    // Starts the sandbox and makes the clients (with `clientOptions`); the first error otherwise.
    Status start(const sandbox::SandboxOptions& options = {}, const kube::KubeClientOptions& clientOptions = {})
    {
        if (auto s = host.start(options); !s)
            return s;
        auto a = newClient({}, clientOptions);
        if (!a)
            return a.error();
        client = std::move(a).value();
        if (options.readOnlyUser) {
            auto v = newClient(host.readOnlyContextName().toStdString(), clientOptions);
            if (!v)
                return v.error();
            viewer = std::move(v).value();
        }
        return Ok {};
    }

    // One more client of the sandbox's kubeconfig: `context` (empty: the current one), `options`.
    Result<std::unique_ptr<kube::KubeClient>> newClient(
        const std::string& context = {}, const kube::KubeClientOptions& options = {}) const
    {
        return clientOf(host, context, options);
    }
    // The same for a sandbox started on its own (several at once, each with its own options).
    static Result<std::unique_ptr<kube::KubeClient>> clientOf(const sandbox::SandboxHost& sandbox,
        const std::string& context = {}, const kube::KubeClientOptions& options = {})
    {
        auto resolved = kube::resolveKubeconfig(sandbox.kubeconfigPath().toStdString(), context);
        if (!resolved)
            return resolved.error();
        return kube::KubeClient::create(*resolved, options);
    }

    QString kubeconfig() const { return host.kubeconfigPath(); }
};

} // namespace leakdesk::test
