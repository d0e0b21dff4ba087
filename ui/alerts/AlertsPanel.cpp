#include "ui/alerts/AlertsPanel.h"

#include "core/alerts/AlertmanagerInCluster.h"
#include "core/kube/KubeClient.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace leakdesk::ui {

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

QString sinceText(std::int64_t startsAtMs, std::int64_t nowMs)
{
    const qint64 minutes = std::max<qint64>(0, (nowMs - startsAtMs) / 60000);
    if (minutes < 60)
        return QObject::tr("%1 min").arg(minutes);
    if (minutes < 48 * 60)
        return QObject::tr("%1 h %2 min").arg(minutes / 60).arg(minutes % 60);
    return QObject::tr("%1 days").arg(minutes / 1440);
}

} // namespace

void AlertsTableModel::setAlerts(std::vector<alerts::MemoryAlert> list, std::int64_t nowMs)
{
    beginResetModel();
    m_alerts = std::move(list);
    m_nowMs = nowMs;
    endResetModel();
}

const alerts::MemoryAlert* AlertsTableModel::alertAt(int row) const
{
    return row >= 0 && row < int(m_alerts.size()) ? &m_alerts[std::size_t(row)] : nullptr;
}

int AlertsTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_alerts.size());
}

int AlertsTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AlertsTableModel::data(const QModelIndex& index, int role) const
{
    const alerts::MemoryAlert* a = alertAt(index.row());
    if (!a)
        return {};
    const auto& t = a->target;
    if (role == Qt::ToolTipRole) {
        const auto summary = a->alert.annotations.find("summary");
        return QString(q(a->alert.fingerprint)
            + (summary == a->alert.annotations.end() ? QString() : QStringLiteral("\n") + q(summary->second)));
    }
    if (role != Qt::DisplayRole && role != SortRole)
        return {};
    switch (index.column()) {
    case Namespace:
        return t.ns.empty() ? tr("(cluster-wide)") : q(t.ns);
    case Workload:
        if (t.workload)
            return q(t.workload->text());
        return t.pod.empty() ? tr("—") : tr("pod %1 (owner unknown)").arg(q(t.pod));
    case Alert:
        return q(a->alert.name());
    case Category:
        return QString::fromLatin1(alerts::memoryAlertCategoryName(a->category));
    case Since:
        if (role == SortRole)
            return qint64(a->alert.startsAtMs);
        return sinceText(a->alert.startsAtMs, m_nowMs);
    case State:
        return a->alert.silenced() ? tr("silenced") : tr("firing");
    default:
        return {};
    }
}

QVariant AlertsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Namespace:
        return tr("Namespace");
    case Workload:
        return tr("Workload");
    case Alert:
        return tr("Alert");
    case Category:
        return tr("Kind");
    case Since:
        return tr("Firing for");
    case State:
        return tr("State");
    default:
        return {};
    }
}

AlertsPanel::AlertsPanel(QWidget* parent)
    : QWidget(parent)
    , m_model(new AlertsTableModel(this))
    , m_sorted(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
    , m_status(new QLabel(this))
    , m_refresh(new QPushButton(tr("Refresh"), this))
    , m_start(new QPushButton(tr("Start incident"), this))
{
    setObjectName(QStringLiteral("alertsPanel"));
    m_sorted->setSourceModel(m_model);
    m_sorted->setSortRole(AlertsTableModel::SortRole);
    m_view->setModel(m_sorted);
    m_view->setObjectName(QStringLiteral("alertsTable"));
    m_view->setSortingEnabled(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->verticalHeader()->hide();
    m_start->setObjectName(QStringLiteral("startIncidentButton"));
    m_start->setToolTip(tr("Open the investigation of the alert's workload and record the alert in the incident"));
    m_status->setObjectName(QStringLiteral("alertsStatus"));
    m_status->setWordWrap(true);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_status, 1);
    buttons->addWidget(m_refresh);
    buttons->addWidget(m_start);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(m_view, 1);
    connect(m_refresh, &QPushButton::clicked, this, &AlertsPanel::refresh);
    connect(m_start, &QPushButton::clicked, this, [this] {
        if (auto a = selectedAlert(); a && a->target.workload)
            Q_EMIT startIncidentRequested(*a);
    });
    connect(m_view, &QTableView::doubleClicked, m_start, &QPushButton::click);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &AlertsPanel::updateButtons);
    connect(m_model, &QAbstractItemModel::modelReset, this, &AlertsPanel::updateButtons);
    m_status->setText(tr("No Alertmanager yet."));
    updateButtons();
}

AlertsPanel::~AlertsPanel() = default;

void AlertsPanel::setSources(
    kube::KubeClient* kube, alerts::AlertmanagerClient* alertmanager, alerts::MemoryAlertMatcher matcher)
{
    m_pending.reset(); // a refresh of the former sources is dropped
    m_kube = kube;
    m_alertmanager = alertmanager;
    m_matcher = std::move(matcher);
    m_model->setAlerts({}, QDateTime::currentMSecsSinceEpoch());
    m_status->setText(alertmanager ? tr("Alertmanager %1").arg(q(alertmanager->baseUrl())) : tr("No Alertmanager."));
}

void AlertsPanel::connectTo(kube::KubeClient* kube)
{
    if (kube && kube == m_connectedTo)
        return;
    m_connectedTo = kube;
    setSources(nullptr, nullptr, m_matcher);
    Q_EMIT alertmanagerChanged(nullptr);
    m_ownClient.reset();
    if (!kube)
        return;
    m_pending = std::make_unique<QObject>();
    m_status->setText(tr("Looking for Alertmanager in the cluster…"));
    alerts::discoverAlertmanager(*kube, m_pending.get(), [this, kube](Result<alerts::DiscoveredAlertmanager> found) {
        if (!found)
            return showError(q(found.error().message));
        m_ownClient = std::make_unique<alerts::AlertmanagerClient>(found->connection);
        setSources(kube, m_ownClient.get(), m_matcher);
        Q_EMIT alertmanagerChanged(m_ownClient.get());
        m_status->setText(tr("Alertmanager %1 (%2)").arg(q(found->chosen.service.display()), q(found->chosen.why)));
        refresh();
    });
}

void AlertsPanel::refresh()
{
    if (!m_kube || !m_alertmanager) {
        showError(tr("No Alertmanager to read: connect to a cluster that has one, or name it in the config file."));
        return;
    }
    m_pending = std::make_unique<QObject>();
    QObject* context = m_pending.get();
    m_status->setText(tr("Reading alerts…"));
    m_refresh->setEnabled(false);
    alerts::AlertQuery query;
    m_alertmanager->alerts(query, context, [this, context](Result<std::vector<alerts::Alert>> got) {
        if (!got) {
            m_refresh->setEnabled(true);
            return showError(q(got.error().message));
        }
        if (!m_kube)
            return;
        alerts::resolveAlertWorkloads(
            *m_kube, alerts::memoryAlerts(*got, m_matcher), context, [this](alerts::ResolvedAlerts r) {
                m_refresh->setEnabled(true);
                showAlerts(r, QDateTime::currentMSecsSinceEpoch());
            });
    });
}

void AlertsPanel::showAlerts(const alerts::ResolvedAlerts& resolved, std::int64_t nowMs)
{
    m_model->setAlerts(resolved.alerts, nowMs);
    m_view->sortByColumn(AlertsTableModel::Since, Qt::AscendingOrder);
    QString text = resolved.alerts.empty() ? tr("No memory alerts are firing.")
                                           : tr("%n memory alert(s) firing.", nullptr, int(resolved.alerts.size()));
    for (const auto& note : resolved.notes)
        text += QLatin1Char(' ') + q(note) + QLatin1Char('.');
    m_status->setText(text);
}

void AlertsPanel::showError(const QString& message)
{
    m_status->setText(tr("Alerts unavailable: %1").arg(message));
}

std::optional<alerts::MemoryAlert> AlertsPanel::selectedAlert() const
{
    const auto rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return std::nullopt;
    const alerts::MemoryAlert* a = m_model->alertAt(m_sorted->mapToSource(rows.first()).row());
    return a ? std::optional(*a) : std::nullopt;
}

void AlertsPanel::updateButtons()
{
    const auto a = selectedAlert();
    m_start->setEnabled(a && a->target.workload);
    m_start->setToolTip(a && !a->target.workload
            ? tr("LeakDesk does not know this alert's workload (%1)").arg(q(a->targetText()))
            : tr("Open the investigation of the alert's workload and record the alert in the incident"));
}

} // namespace leakdesk::ui
