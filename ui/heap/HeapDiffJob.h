#pragma once
// HeapDiffJob: growth per class between an earlier and a later dump of the same service, off the
// GUI thread and in two stages: shallow growth from the two streaming histograms first (seconds),
// then again with retained growth once both dumps have been through the dominator tree. The two
// dumps are analysed one after the other, so only one snapshot is in memory at a time.

#include "ui/heap/HeapJob.h"

#include "core/heap/HeapDiff.h"

#include <QString>

#include <memory>

namespace leakdesk::ui {

class HeapDiffJob : public HeapJob {
    Q_OBJECT
public:
    explicit HeapDiffJob(QObject* parent = nullptr);

    QString earlierPath() const { return m_earlier; }
    QString laterPath() const { return m_later; }

public Q_SLOTS:
    // Starts the comparison; a comparison still running is superseded.
    void compare(const QString& earlier, const QString& later);

Q_SIGNALS:
    void started(const QString& earlier, const QString& later);
    // Emitted twice on success: shallow only (hasRetained false), then with retained growth; once
    // when the two dumps are the same bytes (HeapDiff::identicalDumps).
    void diffReady(std::shared_ptr<const leakdesk::heap::HeapDiff> diff);

private:
    void run(const RunPtr& run, const QString& earlier, const QString& later);

    QString m_earlier;
    QString m_later;
};

} // namespace leakdesk::ui

Q_DECLARE_METATYPE(std::shared_ptr<const leakdesk::heap::HeapDiff>)
