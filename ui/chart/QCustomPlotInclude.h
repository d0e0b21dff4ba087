#pragma once
// Include QCustomPlot through this header. qcustomplot.h 2.1 still spells two member-template loops
// (QCustomPlot::plottableAt/itemAt) with Qt's `foreach`, which the project disables (QT_NO_FOREACH), so
// the header does not even parse. For the duration of the include, `foreach` becomes a range-for; the
// library itself is prebuilt, so nothing changes in its behaviour. (QT_NO_KEYWORDS stays off for the
// same header's `signals:`.)

#if defined(QT_NO_FOREACH) && !defined(foreach)
#define foreach(declaration, container) for (declaration : container)
#define LEAKDESK_QCP_FOREACH_SHIM
#endif

#include <qcustomplot.h>

#ifdef LEAKDESK_QCP_FOREACH_SHIM
#undef foreach
#undef LEAKDESK_QCP_FOREACH_SHIM
#endif
