#pragma once
// The incident open in the GUI: one document, one file. Every change goes through modify(), which
// applies it to a copy, publishes the copy and saves it atomically at once (autosave), so closing
// or crashing LeakDesk mid-incident loses nothing. Views get immutable snapshots through
// documentChanged().

#include "core/common/Result.h"
#include "core/incident/IncidentDocument.h"
#include "core/incident/IncidentStore.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace leakdesk::ui {

class IncidentSession : public QObject {
    Q_OBJECT
public:
    explicit IncidentSession(QObject* parent = nullptr);
    ~IncidentSession() override;

    bool isOpen() const { return m_doc != nullptr; }
    QString path() const;
    std::shared_ptr<const incident::IncidentDocument> document() const { return m_doc; }
    // The last save's error, empty while saves succeed.
    QString saveError() const { return m_saveError; }

    // Starts a new incident in `path` (which must not exist yet) and saves it.
    Status create(const QString& path, incident::IncidentDocument doc);
    // Opens an existing incident file. On failure `failure` says where it broke and whether its
    // last good autosave can be used instead (openBackup()).
    Status open(const QString& path, incident::LoadFailure* failure = nullptr);
    Status openBackup(const QString& path);
    void close();

    // Applies `change` to the document, saves, and publishes. Without an open incident it does
    // nothing and returns false.
    bool modify(const std::function<void(incident::IncidentDocument&)>& change);

    // Where new incidents go by default: <XDG data home>/leakdesk/incidents/<UTC date-time>-<namespace>-<service>.leakdesk
    static QString defaultPathFor(const QString& ns, const QString& service, std::int64_t nowMs);

Q_SIGNALS:
    void documentChanged(std::shared_ptr<const leakdesk::incident::IncidentDocument> document);
    void opened(const QString& path, const QStringList& migrations);
    void closed();
    void saveFailed(const QString& message);

private:
    void adopt(incident::LoadedIncident loaded, const QString& path);
    void save();

    std::unique_ptr<incident::IncidentStore> m_store;
    std::shared_ptr<const incident::IncidentDocument> m_doc;
    QString m_saveError;
};

} // namespace leakdesk::ui
