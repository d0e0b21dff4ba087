#pragma once
// Runbook step 3's "Capture heap dump": a non-modal dialog that runs capture::HeapCapture. It
// starts with the pre-flight (read-only: JVM, tools, free space, memory-backed target, headroom,
// expected size, warnings, the debug-container offer when the image has no JDK) and enables
// "Capture" when nothing blocks; then it shows the stages (pre-flight, dump, transfer, verify,
// clean up), the transfer's bytes, rate and ETA, and ends with the verified file or with what
// failed and what was left where. Cancel stops the capture (and removes what it created); closing
// the dialog while it runs cancels too. Choosing "all objects" instead of live ones re-runs the
// pre-flight. When the image has no JDK, a checkbox creates the offered ephemeral debug container
// (kubectl debug --target) and the dump is taken from there. Emits captured() once, for the caller to open the dump in
// the Heap view. Before the dump the pod can be taken out of its Service (ServiceIsolationBox);
// closing the dialog while it is out asks whether to put it back.

#include "core/capture/HeapCapture.h"

#include <QDialog>

#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
QT_END_NAMESPACE

namespace leakdesk::kube {
class KubeClient;
}

namespace leakdesk::ui {

class ServiceIsolationBox;

class HeapCaptureDialog : public QDialog {
    Q_OBJECT
public:
    // `container` empty: the pod's default container. The pre-flight starts when the event loop runs.
    HeapCaptureDialog(kube::KubeClient& client, const QString& ns, const QString& pod, const QString& container,
        const QString& outputDir, QWidget* parent = nullptr);
    ~HeapCaptureDialog() override;

    // State, for the caller and for tests.
    bool isCapturing() const; // between Capture and the end
    bool canStartCapture() const; // the Capture button is enabled
    QString preflightText() const;
    QString statusText() const; // the current stage line, or the outcome
    int percent() const; // transfer progress 0-100
    std::shared_ptr<const capture::Preflight> preflight() const;
    // The whole outcome once captured() was emitted: notes (e.g. "created ephemeral container ..."
    // for the journal), whether the pod verified the checksum, resumes, the remote file.
    const std::optional<capture::CaptureResult>& result() const { return m_result; }
    // How a stage shows in the row of stages: not reached, running, ticked, or (the clean-up of a
    // finished capture that could not remove the dump from the pod) not done.
    enum class StageMark { Pending, Current, Ticked, NotDone };
    StageMark stageMark(capture::CaptureStage stage) const;
    QString stagesText() const; // the row of stages as shown (rich text)
    // "Take out of Service first" (and "Put back"): the caller journals its signals.
    ServiceIsolationBox* isolationBox() const { return m_isolation; }

public Q_SLOTS:
    void startCapture(); // what the Capture button does
    void cancelCapture();

Q_SIGNALS:
    void captured(const QString& path, const QString& sha256, const QString& pod, const QString& container);
    void captureFailed(const QString& message);
    // The pre-flight found the JVM in `pod` (as PID `pid`): runbook commands bind it.
    void jvmFound(const QString& pod, int pid);

protected:
    void closeEvent(QCloseEvent* event) override;
    bool event(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void runPreflight();
    void onPreflight(std::shared_ptr<const capture::Preflight> preflight);
    void onStage(capture::CaptureStage stage, const QString& text);
    void showStages();
    void fitHeightToContents();
    void onProgress(const capture::TransferProgress& progress);
    void onFinished(const capture::CaptureResult& result);
    void onFailed(); // from the job's failed(Error); its failure() has the stage and leftovers
    void updateButtons();
    bool debugContainerChosen() const;

    kube::KubeClient& m_client;
    capture::CaptureRequest m_request;
    std::unique_ptr<capture::HeapCapture> m_job;
    std::shared_ptr<const capture::Preflight> m_preflight;
    std::optional<capture::CaptureResult> m_result;
    bool m_capturing = false;
    bool m_ended = false;

    QLabel* m_title = nullptr;
    QPlainTextEdit* m_preflightView = nullptr;
    QCheckBox* m_allObjects = nullptr;
    QCheckBox* m_force = nullptr;
    QCheckBox* m_debugContainer = nullptr;
    ServiceIsolationBox* m_isolation = nullptr;
    bool m_closeAfterPutBack = false;
    QLabel* m_stages = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QPushButton* m_captureButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    capture::CaptureStage m_stage = capture::CaptureStage::Preflight;
};

} // namespace leakdesk::ui
