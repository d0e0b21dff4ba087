#include "ui/runbook/ThresholdsDialog.h"

#include "core/common/Quantity.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace leakdesk::ui {

namespace {

constexpr std::int64_t kMinuteMs = 60 * 1000;

QString mib(std::int64_t bytes) { return QStringLiteral("%1m").arg(bytes >> 20); }

QString limitText(std::int64_t bytes) { return QString::fromStdString(formatMemoryQuantity(bytes)); }

std::optional<std::int64_t> parseLimit(const QString& text)
{
    auto r = parseMemoryBytes(text.trimmed().toStdString());
    if (!r || *r <= 0)
        return std::nullopt;
    return static_cast<std::int64_t>(*r);
}

std::optional<std::int64_t> parseHeap(const QString& text)
{
    auto r = parseJvmSize(text.trimmed().toStdString());
    if (!r || *r <= 0)
        return std::nullopt;
    return static_cast<std::int64_t>(*r);
}

QSpinBox* spin(int min, int max, const QString& suffix, QWidget* parent)
{
    auto* box = new QSpinBox(parent);
    box->setRange(min, max);
    box->setSuffix(suffix);
    return box;
}

} // namespace

ThresholdsDialog::ThresholdsDialog(const runbook::RunbookParameters& current, const runbook::RunbookParameters& fromRunbook, QWidget* parent)
    : QDialog(parent)
    , m_current(current)
    , m_runbook(fromRunbook)
    , m_oomCount(spin(0, 100, tr(" kills"), this))
    , m_oomWindow(spin(1, 24 * 60, tr(" min"), this))
    , m_stabilise(spin(1, 24 * 60, tr(" min"), this))
    , m_limit(new QLineEdit(this))
    , m_heapRestart(new QLineEdit(this))
    , m_ownerAfter(spin(1, 48 * 60, tr(" min"), this))
    , m_error(new QLabel(this))
{
    setWindowTitle(tr("Runbook thresholds"));
    auto* form = new QFormLayout;
    auto row = [&](const QString& label, QWidget* field, const QString& runbookValue) {
        auto* w = new QWidget(this);
        auto* l = new QHBoxLayout(w);
        l->setContentsMargins(0, 0, 0, 0);
        l->addWidget(field);
        auto* hint = new QLabel(tr("runbook: %1").arg(runbookValue), w);
        hint->setStyleSheet(QStringLiteral("color:#5f6368"));
        l->addWidget(hint, 1);
        form->addRow(label, w);
    };
    row(tr("OOM kills confirm a leak when more than"), m_oomCount, tr("more than %1").arg(fromRunbook.oomMaxCount));
    row(tr("… within"), m_oomWindow, tr("%1 min").arg(fromRunbook.oomWindowMs / kMinuteMs));
    row(tr("A healthy service stabilises within"), m_stabilise, tr("%1 min").arg(fromRunbook.stabiliseWithinMs / kMinuteMs));
    row(tr("Raise the memory limit to"), m_limit, limitText(fromRunbook.memoryLimitBytes));
    row(tr("HEAP_LIMIT_RESTART for that limit"), m_heapRestart, mib(fromRunbook.heapLimitRestartBytes));
    row(tr("Pull in the owner after"), m_ownerAfter, tr("%1 min").arg(fromRunbook.escalateOwnerAfterMs / kMinuteMs));
    m_error->setStyleSheet(QStringLiteral("color:#c5221f"));
    m_error->hide();

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults, this);
    buttons->button(QDialogButtonBox::RestoreDefaults)->setText(tr("Runbook's values"));
    connect(buttons, &QDialogButtonBox::accepted, this, &ThresholdsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this, [this] { load(m_runbook); });

    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("The analyses, the mitigation defaults and the escalation rules use these figures. They start "
                                "from the runbook's text; change them when this service needs other ones."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    load(current);
}

void ThresholdsDialog::load(const runbook::RunbookParameters& p)
{
    m_oomCount->setValue(p.oomMaxCount);
    m_oomWindow->setValue(static_cast<int>(p.oomWindowMs / kMinuteMs));
    m_stabilise->setValue(static_cast<int>(p.stabiliseWithinMs / kMinuteMs));
    m_limit->setText(limitText(p.memoryLimitBytes));
    m_heapRestart->setText(mib(p.heapLimitRestartBytes));
    m_ownerAfter->setValue(static_cast<int>(p.escalateOwnerAfterMs / kMinuteMs));
}

runbook::RunbookParameters ThresholdsDialog::parameters() const
{
    runbook::RunbookParameters p = m_current;
    p.oomMaxCount = m_oomCount->value();
    p.oomWindowMs = m_oomWindow->value() * kMinuteMs;
    p.stabiliseWithinMs = m_stabilise->value() * kMinuteMs;
    p.memoryLimitBytes = parseLimit(m_limit->text()).value_or(m_current.memoryLimitBytes);
    p.heapLimitRestartBytes = parseHeap(m_heapRestart->text()).value_or(m_current.heapLimitRestartBytes);
    p.escalateOwnerAfterMs = m_ownerAfter->value() * kMinuteMs;
    return p;
}

void ThresholdsDialog::accept()
{
    if (!parseLimit(m_limit->text())) {
        m_error->setText(tr("“%1” is not a memory size (examples: 4Gi, 3584Mi).").arg(m_limit->text()));
        m_error->show();
        return;
    }
    if (!parseHeap(m_heapRestart->text())) {
        m_error->setText(tr("“%1” is not a JVM size (examples: 3584m, 3g).").arg(m_heapRestart->text()));
        m_error->show();
        return;
    }
    QDialog::accept();
}

QString ThresholdsDialog::describeChanges(const runbook::RunbookParameters& a, const runbook::RunbookParameters& b)
{
    QStringList out;
    if (a.oomMaxCount != b.oomMaxCount || a.oomWindowMs != b.oomWindowMs)
        out << tr("OOM rule: more than %1 in %2 min").arg(b.oomMaxCount).arg(b.oomWindowMs / kMinuteMs);
    if (a.stabiliseWithinMs != b.stabiliseWithinMs)
        out << tr("stabilises within %1 min").arg(b.stabiliseWithinMs / kMinuteMs);
    if (a.memoryLimitBytes != b.memoryLimitBytes)
        out << tr("memory limit %1").arg(limitText(b.memoryLimitBytes));
    if (a.heapLimitRestartBytes != b.heapLimitRestartBytes)
        out << tr("HEAP_LIMIT_RESTART %1").arg(mib(b.heapLimitRestartBytes));
    if (a.escalateOwnerAfterMs != b.escalateOwnerAfterMs)
        out << tr("owner after %1 min").arg(b.escalateOwnerAfterMs / kMinuteMs);
    return out.join(QStringLiteral("; "));
}

} // namespace leakdesk::ui
