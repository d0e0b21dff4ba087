#include "ui/main/ConnectionBar.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace leakdesk::ui {

namespace {
QString dot(bool ok) { return ok ? QStringLiteral("<span style='color:#2e7d32'>●</span>") : QStringLiteral("<span style='color:#c62828'>●</span>"); }
} // namespace

ConnectionBar::ConnectionBar(QWidget* parent)
    : QWidget(parent)
    , m_context(new QComboBox(this))
    , m_namespace(new QComboBox(this))
    , m_service(new QComboBox(this))
    , m_kubeStatus(new QLabel(this))
    , m_promStatus(new QLabel(this))
    , m_busy(new QLabel(this))
    , m_refresh(new QPushButton(tr("Refresh"), this))
{
    m_context->setObjectName(QStringLiteral("contextBox"));
    m_namespace->setObjectName(QStringLiteral("namespaceBox"));
    m_service->setObjectName(QStringLiteral("serviceBox"));
    m_context->setMinimumContentsLength(14);
    m_namespace->setMinimumContentsLength(12);
    m_service->setMinimumContentsLength(12);
    m_context->setToolTip(tr("kubeconfig context"));
    m_refresh->setToolTip(tr("Fetch the evidence again (F5)"));
    m_refresh->setShortcut(QKeySequence::Refresh);
    m_busy->setStyleSheet(QStringLiteral("color:#5f6368"));
    // The status texts (server URL, versions, TLS) can be long: on a laptop screen they are cut at
    // the right rather than making the window wider than the screen; their tooltips keep the rest.
    for (QLabel* status : { m_kubeStatus, m_promStatus })
        status->setMinimumWidth(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 16);

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
    l->addStretch(1);
    l->addWidget(m_kubeStatus);
    l->addSpacing(12);
    l->addWidget(m_promStatus);

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
    m_context->setEnabled(!s.sandbox && contexts.size() > 1);
    m_updating = false;

    QString tls;
    if (s.sandbox)
        tls = tr("sandbox, loopback");
    else if (!s.tls)
        tls = tr("<span style='color:#c62828'>plain HTTP</span>");
    else if (!s.tlsVerified)
        tls = tr("<span style='color:#c62828'>TLS NOT verified (insecure-skip-tls-verify)</span>");
    else
        tls = tr("TLS verified");
    m_kubeStatus->setText(tr("%1 Cluster %2 · %3 · auth: %4 · %5").arg(dot(s.kubeOk), s.server.toHtmlEscaped(), s.kubeStatus.toHtmlEscaped(), s.authMethod.toHtmlEscaped(), tls));
    m_kubeStatus->setToolTip(tr("Context %1 on %2").arg(s.context, s.server));
    // An https Prometheus whose certificate is not checked is as visible as the cluster's; plain
    // http is the usual in-cluster setup (port-forward, service proxy) and is only named.
    QString promTls;
    if (s.sandbox)
        promTls = QString();
    else if (!s.promTls)
        promTls = tr(" · plain HTTP");
    else if (!s.promTlsVerified)
        promTls = tr(" · <span style='color:#c62828'>TLS NOT verified (--prometheus-insecure-skip-tls-verify)</span>");
    else
        promTls = tr(" · TLS verified");
    m_promStatus->setText(tr("%1 %2%3").arg(dot(s.promOk), s.promStatus.toHtmlEscaped(), promTls));
    m_promStatus->setToolTip(s.promUrl);
}

QString ConnectionBar::kubeStatusText() const { return m_kubeStatus->text(); }

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
    if (services.contains(keep))
        m_service->setCurrentText(keep);
    m_updating = false;
    if (!m_service->currentText().isEmpty())
        Q_EMIT serviceSelected(m_service->currentText());
}

void ConnectionBar::setBusy(bool busy, const QString& stage)
{
    m_busy->setText(busy ? tr("⏳ %1").arg(stage) : QString());
    m_refresh->setEnabled(!busy);
}

QString ConnectionBar::currentNamespace() const { return m_namespace->currentText(); }
QString ConnectionBar::currentService() const { return m_service->currentText(); }

} // namespace leakdesk::ui
