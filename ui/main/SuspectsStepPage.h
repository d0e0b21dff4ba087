#pragma once
// The runbook step after the heap capture ("check for common leak sources"): what the analysis of
// the latest dump found, the largest leak suspects with what holds them, and a button to their
// paths to a GC root in the Heap view. Before any analysis it says where to get one.

#include <QWidget>

class QLabel;
class QPushButton;

namespace leakdesk::ui {

class HeapView;

class SuspectsStepPage : public QWidget {
    Q_OBJECT
public:
    explicit SuspectsStepPage(HeapView* heapView, QWidget* parent = nullptr);

    // The text shown: the suspects of the latest analysis, or why there are none.
    QString summaryText() const;
    QPushButton* showSuspectsButton() const { return m_showSuspects; }

Q_SIGNALS:
    // Show the Heap view's leak suspects (the first selected, with its path to a GC root).
    void showSuspectsRequested();
    // No dump has been analysed yet: go to the capture step.
    void captureRequested();

private:
    void update();

    HeapView* m_heapView;
    QLabel* m_summary;
    QPushButton* m_showSuspects;
    QPushButton* m_capture;
};

} // namespace leakdesk::ui
