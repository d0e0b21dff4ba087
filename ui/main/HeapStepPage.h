#pragma once
// The runbook's heap step: capture a dump from a pod or open one, then analyse it in the Heap
// view. It journals what it does to the cluster (the capture, taking the pod out of its Service,
// putting it back, deleting it) and the analysis of every dump, with its checksum.

#include "ui/main/PageContext.h"

#include <QMap>
#include <QWidget>

#include <cstdint>

class QDialog;

namespace leakdesk::ui {

class HeapView;
class ServiceIsolationBox;

class HeapStepPage : public QWidget {
    Q_OBJECT
public:
    HeapStepPage(PageContext context, HeapView* heapView, QWidget* parent = nullptr);

    // Pre-flight, dump in the pod, verified transfer, then the Heap view. `pod` empty: asks which
    // (the pod with the most memory first). Returns the dialog (non-modal).
    QDialog* captureHeapDump(const QString& pod = {});

Q_SIGNALS:
    // The user asked for a dump to open: `path` empty to choose one.
    void openHeapDumpRequested(const QString& path);
    void showHeapViewRequested();
    void jvmFound(const QString& pod, int pid); // from a capture's pre-flight
    // A capture ended with a verified file: the runbook's capture step is done. `summary` says
    // what was captured, for the step's note.
    void captureSucceeded(const QString& summary);

private:
    void connectIsolation(ServiceIsolationBox* box, const QString& pod);
    void recordHeapAnalysis();

    PageContext m_ctx;
    HeapView* m_heapView;
    struct CapturedDump {
        QString pod;
        QString container;
        QString sha256;
        std::int64_t capturedMs = 0;
    };
    QMap<QString, CapturedDump> m_captured; // by local path, until the analysis is recorded
};

} // namespace leakdesk::ui
