#include "ui/runbook/RunbookChecklistModel.h"

#include <QColor>
#include <QFont>

namespace leakdesk::ui {

RunbookChecklistModel::RunbookChecklistModel(QObject* parent)
    : QAbstractListModel(parent)
{
}

void RunbookChecklistModel::setRunbook(std::shared_ptr<const runbook::Runbook> runbook)
{
    beginResetModel();
    m_runbook = std::move(runbook);
    m_progress.assign(m_runbook ? m_runbook->steps.size() : 0, Progress {});
    endResetModel();
}

const runbook::Step* RunbookChecklistModel::step(int row) const
{
    if (!m_runbook || row < 0 || row >= static_cast<int>(m_runbook->steps.size()))
        return nullptr;
    return &m_runbook->steps[static_cast<size_t>(row)];
}

int RunbookChecklistModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_progress.size());
}

void RunbookChecklistModel::setStepState(int row, StepState state, const QString& note)
{
    if (row < 0 || row >= rowCount())
        return;
    auto& p = m_progress[static_cast<size_t>(row)];
    p.state = state;
    p.note = note;
    const QModelIndex i = index(row);
    Q_EMIT dataChanged(i, i);
    Q_EMIT stepStateChanged(row, state, note);
}

StepState RunbookChecklistModel::stepState(int row) const
{
    return row >= 0 && row < rowCount() ? m_progress[static_cast<size_t>(row)].state : StepState::Pending;
}

QString RunbookChecklistModel::stepNote(int row) const
{
    return row >= 0 && row < rowCount() ? m_progress[static_cast<size_t>(row)].note : QString();
}

int RunbookChecklistModel::doneCount() const
{
    int n = 0;
    for (const auto& p : m_progress)
        n += p.state == StepState::Done;
    return n;
}

int RunbookChecklistModel::skippedCount() const
{
    int n = 0;
    for (const auto& p : m_progress)
        n += p.state == StepState::Skipped;
    return n;
}

QVariant RunbookChecklistModel::data(const QModelIndex& index, int role) const
{
    const runbook::Step* s = step(index.row());
    if (!s || index.column() != 0)
        return {};
    const auto& p = m_progress[static_cast<size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole: {
        const QString title = QString::fromStdString(s->title);
        return s->number > 0 ? QStringLiteral("%1. %2").arg(s->number).arg(title) : title;
    }
    case Qt::CheckStateRole:
        return p.state == StepState::Pending ? Qt::Unchecked : (p.state == StepState::Done ? Qt::Checked : Qt::PartiallyChecked);
    case Qt::ToolTipRole:
        if (p.state == StepState::Skipped)
            return tr("Skipped: %1").arg(p.note.isEmpty() ? tr("(no reason given)") : p.note);
        return p.note.isEmpty() ? QString::fromStdString(s->prose) : p.note;
    case Qt::ForegroundRole:
        return p.state == StepState::Pending ? QVariant() : QVariant(QColor(0x5f, 0x63, 0x68));
    case Qt::FontRole:
        if (p.state == StepState::Skipped) {
            QFont f;
            f.setStrikeOut(true);
            return f;
        }
        return {};
    case StateRole: return static_cast<int>(p.state);
    case NoteRole: return p.note;
    case StepNumberRole: return s->number;
    case HasEvidenceRole: {
        for (const auto& c : s->commands)
            if (c.action == runbook::ActionKind::MemoryEvidence || c.action == runbook::ActionKind::OomEvidence)
                return true;
        return false;
    }
    }
    return {};
}

Qt::ItemFlags RunbookChecklistModel::flags(const QModelIndex& index) const
{
    if (!step(index.row()))
        return Qt::NoItemFlags;
    // Not ItemIsUserCheckable: the delegate would toggle the state on a click of the mark or on
    // Space, marking a step done with no note and no confirmation.
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable;
}

} // namespace leakdesk::ui
