#pragma once
// The embedded sandbox, when the user asked for it (--sandbox): the app starts it and keeps it alive
// for as long as the process needs it; the product reaches it like any cluster, through the
// kubeconfig and Prometheus URL it hands out. core/ and ui/ never see it.

#include "core/common/Result.h"
#include "core/investigation/ClusterConnection.h"
#include "core/sandbox/SandboxHost.h"

#include <memory>

namespace leakdesk::app {

class SandboxSession {
public:
    SandboxSession();
    SandboxSession(SandboxSession&&) noexcept;
    SandboxSession& operator=(SandboxSession&&) noexcept;
    ~SandboxSession();

    // Returns when its API server and Prometheus listen on 127.0.0.1, or with the reason they do not.
    Status start(const sandbox::SandboxOptions& options);
    bool running() const { return m_host != nullptr; }
    // What reaches it (only while running): its kubeconfig and context, its Prometheus URL, marked
    // as the sandbox.
    investigation::ConnectionOptions connectionOptions() const;
    sandbox::SandboxHost* host() const { return m_host.get(); }

private:
    std::unique_ptr<sandbox::SandboxHost> m_host;
};

} // namespace leakdesk::app
