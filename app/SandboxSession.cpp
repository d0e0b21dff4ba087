#include "SandboxSession.h"

namespace leakdesk::app {

SandboxSession::SandboxSession() = default;
SandboxSession::SandboxSession(SandboxSession&&) noexcept = default;
SandboxSession& SandboxSession::operator=(SandboxSession&&) noexcept = default;
SandboxSession::~SandboxSession() = default;

Status SandboxSession::start(const sandbox::SandboxOptions& options)
{
    auto host = std::make_unique<sandbox::SandboxHost>();
    if (auto st = host->start(options); !st)
        return st.error();
    m_host = std::move(host);
    return Ok {};
}

investigation::ConnectionOptions SandboxSession::connectionOptions() const
{
    investigation::ConnectionOptions o;
    if (!m_host)
        return o;
    o.sandboxCluster = true;
    o.kubeconfig = m_host->kubeconfigPath();
    o.context = m_host->contextName();
    o.prometheusUrl = m_host->prometheusUrl();
    return o;
}

} // namespace leakdesk::app
