#pragma once
// The absolute time range picker of the memory chart ("from" and "to", as Grafana users expect):
// a small dialog whose Apply stays disabled, with the reason shown, while the range cannot be shown.

#include "core/common/Series.h"

#include <QDialog>
#include <QString>

#include <functional>

class QDateTimeEdit;
class QLabel;
class QPushButton;

namespace leakdesk::ui {

// How far back the picker reaches and how long a range it accepts: the retention most Prometheus
// servers keep (15 to 30 days) and what a chart of ~1,500 points per series still shows usefully.
constexpr qint64 kMaxAbsoluteRangeMs = 30LL * 24 * 3600 * 1000;

// Why [fromMs, toMs] cannot be shown at `nowMs`, or an empty string when it can: "from" must be
// before "to", "to" not in the future (a minute of clock skew is forgiven), and the range at most
// `maxSpanMs` long and no older than `maxSpanMs` before now.
QString absoluteRangeProblem(qint64 fromMs, qint64 toMs, qint64 nowMs, qint64 maxSpanMs = kMaxAbsoluteRangeMs);

class AbsoluteRangePicker : public QDialog {
    Q_OBJECT
public:
    explicit AbsoluteRangePicker(QWidget* parent = nullptr);

    // Opens with `current` filled in, validated against `nowMs` (the chart's "now").
    void present(leakdesk::TimeRange current, qint64 nowMs);
    void setRange(qint64 fromMs, qint64 toMs); // as if typed; for tests too
    QString problem() const; // what the dialog shows, empty when Apply is enabled
    QPushButton* applyButton() const { return m_apply; }

signals:
    void rangeChosen(qint64 fromMs, qint64 toMs);

private:
    void revalidate();

    QDateTimeEdit* m_from;
    QDateTimeEdit* m_to;
    QLabel* m_problem;
    QPushButton* m_apply;
    qint64 m_nowMs = 0;
};

} // namespace leakdesk::ui
