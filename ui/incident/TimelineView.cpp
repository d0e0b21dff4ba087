#include "ui/incident/TimelineView.h"

#include "ui/incident/TimelineModel.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QTableView>
#include <QVBoxLayout>

namespace leakdesk::ui {

using incident::JournalKind;

TimelineView::TimelineView(QWidget* parent)
    : QWidget(parent)
    , m_model(new TimelineModel(this))
    , m_filter(new TimelineFilterModel(this))
    , m_table(new QTableView(this))
    , m_search(new QLineEdit(this))
    , m_detail(new QLabel(this))
{
    m_filter->setSourceModel(m_model);

    auto* filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Show:"), this));
    for (JournalKind kind : incident::allJournalKinds()) {
        auto* box = new QCheckBox(QString::fromLatin1(incident::journalKindName(kind)), this);
        box->setChecked(true);
        connect(box, &QCheckBox::toggled, this, [this, kind](bool on) { m_filter->setKindVisible(kind, on); });
        filters->addWidget(box);
        m_boxes[kind] = box;
    }
    filters->addStretch(1);
    m_search->setPlaceholderText(tr("Filter entries"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, m_filter, &TimelineFilterModel::setTextFilter);
    filters->addWidget(m_search);

    m_table->setModel(m_filter);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    m_table->setColumnHidden(TimelineModel::SinceOpened, false);
    // A click selects and shows the entry's detail; only a double-click or Enter (activated) takes
    // the user to the chart, so reading the timeline does not throw them out of it.
    connect(m_table, &QTableView::activated, this, &TimelineView::onActivated);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        [this](const QModelIndex& current) { showDetail(current); });

    m_detail->setWordWrap(true);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail->setMinimumHeight(48);
    m_detail->setAlignment(Qt::AlignTop | Qt::AlignLeft);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(filters);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_detail);
}

void TimelineView::setDocument(std::shared_ptr<const incident::IncidentDocument> document)
{
    // Keep the user's place: after an autosave the same entry (by time and title) stays selected.
    const QModelIndex current = m_table->currentIndex();
    const qint64 keptTime = current.isValid() ? current.data(TimelineModel::TimeMsRole).toLongLong() : -1;
    const QString keptTitle
        = current.isValid() ? current.siblingAtColumn(TimelineModel::Entry).data().toString() : QString();
    m_model->setDocument(std::move(document));
    m_table->resizeColumnsToContents();
    if (keptTime < 0)
        return;
    for (int row = 0; row < m_filter->rowCount(); ++row) {
        const QModelIndex idx = m_filter->index(row, TimelineModel::Entry);
        if (idx.data(TimelineModel::TimeMsRole).toLongLong() == keptTime && idx.data().toString() == keptTitle) {
            m_table->setCurrentIndex(idx);
            break;
        }
    }
}

void TimelineView::setKindVisible(JournalKind kind, bool visible)
{
    m_boxes.at(kind)->setChecked(visible);
}

bool TimelineView::isKindVisible(JournalKind kind) const
{
    return m_filter->isKindVisible(kind);
}

void TimelineView::setTextFilter(const QString& text)
{
    m_search->setText(text);
}

QCheckBox* TimelineView::kindBox(JournalKind kind) const
{
    auto it = m_boxes.find(kind);
    return it == m_boxes.end() ? nullptr : it->second;
}

QString TimelineView::detailText() const
{
    return m_detail->text();
}

void TimelineView::activateRow(int visibleRow)
{
    const QModelIndex idx = m_filter->index(visibleRow, TimelineModel::Entry);
    if (!idx.isValid())
        return;
    m_table->setCurrentIndex(idx);
    onActivated(idx);
}

void TimelineView::showDetail(const QModelIndex& proxyIndex)
{
    if (!proxyIndex.isValid()) {
        m_detail->clear();
        return;
    }
    const QModelIndex idx = proxyIndex.siblingAtColumn(TimelineModel::Entry);
    QString text = idx.data().toString();
    const QString detail = idx.data(TimelineModel::DetailRole).toString();
    if (!detail.isEmpty())
        text += QStringLiteral("\n") + detail;
    m_detail->setText(text);
}

void TimelineView::onActivated(const QModelIndex& proxyIndex)
{
    if (!proxyIndex.isValid())
        return;
    showDetail(proxyIndex);
    Q_EMIT entryActivated(proxyIndex.data(TimelineModel::TimeMsRole).toLongLong());
}

} // namespace leakdesk::ui
