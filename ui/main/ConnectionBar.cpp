#include "ui/main/ConnectionBar.h"

#include "ui/widgets/ElidedLabel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace leakdesk::ui {

namespace {
// The coloured dot before a status, and the status in red when its TLS is not verified: the status
// texts are plain (ElidedLabel cuts them to the width there is), the colour carries the warning.
void showStatus(QLabel* dot, ElidedLabel* status, bool ok, bool warning, const QString& text, const QString& detail)
{
    dot->setText(QStringLiteral("●"));
    dot->setStyleSheet(ok ? QStringLiteral("color:#2e7d32") : QStringLiteral("color:#c62828"));
    status->setStyleSheet(warning ? QStringLiteral("color:#c62828") : QString());
    status->setFullText(text);
    status->setDetail(detail);
}
} // namespace

ConnectionBar::ConnectionBar(QWidget* parent)
    : QWidget(parent)
    , m_context(new QComboBox(this))
    , m_namespace(new QComboBox(this))
    , m_service(new QComboBox(this))
    , m_kubeDot(new QLabel(this))
    , m_kubeStatus(new ElidedLabel(this))
    , m_promDot(new QLabel(this))
    , m_promStatus(new ElidedLabel(this))
    , m_busy(new ElidedLabel(this))
    , m_refresh(new QPushButton(tr("Refresh"), this))
{
    m_context->setObjectName(QStringLiteral("contextBox"));
    m_namespace->setObjectName(QStringLiteral("namespaceBox"));
    m_service->setObjectName(QStringLiteral("serviceBox"));
    m_kubeStatus->setObjectName(QStringLiteral("kubeStatus"));
    m_promStatus->setObjectName(QStringLiteral("promStatus"));
    m_busy->setObjectName(QStringLiteral("busyStatus"));
    // As wide as these many characters whatever the names are: a long context or service name is
    // cut in the box (the list shows it whole) instead of widening the window when it is chosen.
    m_context->setMinimumContentsLength(14);
    m_namespace->setMinimumContentsLength(12);
    m_service->setMinimumContentsLength(12);
    m_service->setPlaceholderText(tr("choose…"));
    for (QComboBox* box : { m_context, m_namespace, m_service })
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_refresh->setToolTip(tr("Fetch the evidence again (F5)"));
    m_refresh->setShortcut(QKeySequence::Refresh);
    m_busy->setStyleSheet(QStringLiteral("color:#5f6368"));
    // The status texts (server URL, versions, TLS) and the busy stage can be long: on a laptop
    // screen they are cut with "…" rather than making the window wider; the tooltips keep the rest.
    // The two statuses share what the pickers leave; the busy stage, while there is one, its part.

    auto* l = new QHBoxLayout(this);
    l->setContentsMargins(8, 4, 8, 4);
    l->addWidget(new QLabel(tr("Context"), this));
    l->addWidget(m_context);
    l->addSpacing(8);
    l->addWidget(new QLabel(tr("Namespace"), this));
    l->addWidget(m_namespace);
    l->addSpacing(8);
    l->addWidget(new QLabel(tr("Service"), this));
    l->addWidget(m_service);
    l->addWidget(m_refresh);
    l->addSpacing(12);
    l->addWidget(m_busy);
    l->addWidget(m_kubeDot);
    l->addWidget(m_kubeStatus, 3);
    l->addSpacing(12);
    l->addWidget(m_promDot);
    l->addWidget(m_promStatus, 2);

    connect(m_context, &QComboBox::activated, this, [this] { Q_EMIT contextSelected(m_context->currentText()); });
    connect(m_namespace, &QComboBox::currentTextChanged, this, [this](const QString& ns) {
        if (!m_updating && !ns.isEmpty())
            Q_EMIT namespaceSelected(ns);
    });
    connect(m_service, &QComboBox::currentTextChanged, this, [this](const QString& s) {
        if (!m_updating && !s.isEmpty())
            Q_EMIT serviceSelected(s);
    });
    connect(m_refresh, &QPushButton::clicked, this, &ConnectionBar::refreshRequested);
}

void ConnectionBar::setState(const ConnectionState& s, const QStringList& contexts)
{
    m_updating = true;
    m_context->clear();
    m_context->addItems(contexts);
    m_context->setCurrentText(s.context);
    m_context->setEnabled(contexts.size() > 1);
    // A greyed-out box says why, so that a one-context kubeconfig is not mistaken for a broken box.
    m_context->setToolTip(contexts.size() > 1 ? tr("kubeconfig context: choosing another one investigates its cluster")
                                              : tr("The kubeconfig has only this context"));
    m_updating = false;

    QString tls;
    const bool kubeInsecure = !s.sandbox && (!s.tls || !s.tlsVerified);
    if (s.sandbox)
        tls = tr("sandbox, loopback");
    else if (!s.tls)
        tls = tr("plain HTTP");
    else if (!s.tlsVerified)
        tls = tr("TLS NOT verified (insecure-skip-tls-verify)");
    else
        tls = tr("TLS verified");
    showStatus(m_kubeDot, m_kubeStatus, s.kubeOk, kubeInsecure,
        tr("Cluster %1 · %2 · auth: %3 · %4").arg(s.server, s.kubeStatus, s.authMethod, tls),
        tr("Context %1 on %2").arg(s.context, s.server));
    // An https Prometheus whose certificate is not checked is as visible as the cluster's; plain
    // http is the usual in-cluster setup (port-forward, service proxy) and is only named.
    QString promTls;
    const bool promInsecure = !s.sandbox && s.promTls && !s.promTlsVerified;
    if (s.sandbox)
        promTls = QString();
    else if (!s.promTls)
        promTls = tr(" · plain HTTP");
    else if (!s.promTlsVerified)
        promTls = tr(" · TLS NOT verified (--prometheus-insecure-skip-tls-verify)");
    else
        promTls = tr(" · TLS verified");
    showStatus(m_promDot, m_promStatus, s.promOk, promInsecure, s.promStatus + promTls, s.promUrl);
}

QString ConnectionBar::kubeStatusText() const
{
    return m_kubeStatus->fullText();
}

void ConnectionBar::setNamespaces(const QStringList& namespaces, const QString& preferred)
{
    m_updating = true;
    m_namespace->clear();
    m_namespace->addItems(namespaces);
    m_namespace->setCurrentText(preferred);
    m_updating = false;
    Q_EMIT namespaceSelected(m_namespace->currentText());
}

void ConnectionBar::setServices(const QStringList& services, const QString& preferred)
{
    const QString keep = preferred.isEmpty() ? m_service->currentText() : preferred;
    m_updating = true;
    m_service->clear();
    m_service->addItems(services);
    if (keep.isEmpty()) {
        // Nothing chosen yet (the window is on the Radar): the picker offers, it does not pick.
        m_service->setCurrentIndex(-1);
    } else if (services.contains(keep)) {
        m_service->setCurrentText(keep);
    } else if (const QString bare = keep.mid(keep.indexOf(QLatin1Char('/')) + 1);
               bare != keep && services.contains(bare)) {
        // A workload named "Kind/name" (a Radar row): the picker offers it by the name of the
        // Service that has its name.
        m_service->setCurrentText(bare);
    } else {
        // An incident names its service by name; the picker may offer it as "Kind/name".
        for (const QString& item : services)
            if (item.endsWith(QLatin1Char('/') + keep)) {
                m_service->setCurrentText(item);
                break;
            }
    }
    m_updating = false;
    if (!m_service->currentText().isEmpty())
        Q_EMIT serviceSelected(m_service->currentText());
}

void ConnectionBar::setBusy(bool busy, const QString& stage)
{
    m_busy->setFullText(busy ? tr("⏳ %1").arg(stage) : QString());
    m_refresh->setEnabled(!busy);
}

QString ConnectionBar::currentNamespace() const { return m_namespace->currentText(); }
QString ConnectionBar::currentService() const
{
    // A workload without a Service of its name is offered as "Kind/name": the service is the name.
    const QString picked = m_service->currentText();
    return picked.mid(picked.indexOf(QLatin1Char('/')) + 1);
}
QString ConnectionBar::currentWorkload() const { return m_service->currentText(); }

} // namespace leakdesk::ui
