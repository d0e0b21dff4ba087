#pragma once
// A Qt Charts horizontal bar chart of the classes that hold the most memory: by retained size once
// the dominator tree is ready, by shallow size until then (the title says which). The largest bar
// is at the top, in the same order as the histogram sorted by that size.

#include "core/heap/ClassHistogram.h"

#include <QStringList>
#include <QWidget>

#include <memory>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
QT_END_NAMESPACE

namespace leakdesk::ui {

class TopClassesChart : public QWidget {
    Q_OBJECT
public:
    static constexpr int kClassCount = 10;

    explicit TopClassesChart(QWidget* parent = nullptr);

    void setHistogram(std::shared_ptr<const heap::ClassHistogram> histogram);
    void clear() { setHistogram(nullptr); }

    // What is drawn, largest first (for tests and the accessible description).
    QStringList classNames() const { return m_classes; }
    QList<double> megabytes() const { return m_megabytes; }
    bool byRetainedSize() const { return m_byRetained; }
    QChart* chart() const { return m_chart; }

private:
    QChart* m_chart = nullptr;
    QChartView* m_view = nullptr;
    QStringList m_classes;
    QList<double> m_megabytes;
    bool m_byRetained = false;
};

} // namespace leakdesk::ui
