#pragma once
// Look and wording of the memory chart's axes: the house style (light grid, no boxes, readable at
// 1280x800), and the time axis' tick format and caption for a visible span, in local time.

#include "core/common/Series.h"

#include <QString>
#include <QtGlobal>

class QCPAxis;
class QFont;

namespace leakdesk::ui {

void styleChartAxis(QCPAxis* axis, const QFont& font);

// Tick label format for a visible span: seconds under 10 minutes, hours and minutes up to 36 hours,
// weekday and time up to 4 days, then the date.
QString timeTickFormat(qint64 spanMs);

// Caption under the time axis: the day (or days) shown and the time zone, e.g.
// "Mon 24 Nov 2025  (local time, CET)".
QString timeAxisCaption(leakdesk::TimeRange visible);

} // namespace leakdesk::ui
