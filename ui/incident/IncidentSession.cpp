#include "ui/incident/IncidentSession.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTimeZone>

namespace leakdesk::ui {

IncidentSession::IncidentSession(QObject* parent)
    : QObject(parent)
{ }

IncidentSession::~IncidentSession() = default;

QString IncidentSession::path() const
{
    return m_store ? m_store->path() : QString();
}

Status IncidentSession::create(const QString& path, incident::IncidentDocument doc)
{
    if (QFileInfo::exists(path))
        return makeError(ErrorCode::Invalid,
            "cannot start a new incident in " + path.toStdString() + ": the file exists",
            "open it instead (File → Open incident) or choose another name");
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return makeError(ErrorCode::Io, "cannot create the folder for " + path.toStdString());
    auto store = std::make_unique<incident::IncidentStore>(path);
    if (auto st = store->save(doc); !st)
        return st;
    m_doc = std::make_shared<const incident::IncidentDocument>(store->savedDocument());
    m_store = std::move(store);
    m_saveError.clear();
    Q_EMIT opened(path, {});
    Q_EMIT documentChanged(m_doc);
    return Ok {};
}

void IncidentSession::adopt(incident::LoadedIncident loaded, const QString& path)
{
    m_doc = std::make_shared<const incident::IncidentDocument>(std::move(loaded.document));
    m_saveError.clear();
    QStringList migrations;
    for (const auto& m : loaded.migrations)
        migrations << QString::fromStdString(m);
    Q_EMIT opened(path, migrations);
    Q_EMIT documentChanged(m_doc);
}

Status IncidentSession::open(const QString& path, incident::LoadFailure* failure)
{
    auto store = std::make_unique<incident::IncidentStore>(path);
    auto loaded = store->load(failure);
    if (!loaded)
        return loaded.error();
    m_store = std::move(store);
    adopt(std::move(loaded).value(), path);
    return Ok {};
}

Status IncidentSession::openBackup(const QString& path)
{
    auto store = std::make_unique<incident::IncidentStore>(path);
    auto loaded = store->loadBackup();
    if (!loaded)
        return loaded.error();
    m_store = std::move(store);
    adopt(std::move(loaded).value(), path);
    const auto before = m_doc;
    save(); // the damaged file is replaced by the backup's content at once
    if (m_doc != before)
        Q_EMIT documentChanged(m_doc);
    return Ok {};
}

void IncidentSession::close()
{
    if (!m_doc)
        return;
    m_store.reset();
    m_doc.reset();
    Q_EMIT closed();
}

bool IncidentSession::modify(const std::function<void(incident::IncidentDocument&)>& change)
{
    if (!m_doc)
        return false;
    auto next = std::make_shared<incident::IncidentDocument>(*m_doc);
    change(*next);
    m_doc = std::move(next);
    save();
    Q_EMIT documentChanged(m_doc);
    return true;
}

void IncidentSession::save()
{
    if (!m_store || !m_doc)
        return;
    if (auto st = m_store->save(*m_doc); !st) {
        // The document stays in memory and the next change tries again; the user is told now.
        m_saveError = QString::fromStdString(st.error().toString());
        Q_EMIT saveFailed(m_saveError);
    } else {
        m_saveError.clear();
        // Another writer (leakdesk-cli investigate --incident, a second window) had saved to the
        // file since: what is on disk now is the merge of both, and that is what the views show.
        if (m_store->lastSaveMerged())
            m_doc = std::make_shared<const incident::IncidentDocument>(m_store->savedDocument());
    }
}

QString IncidentSession::defaultPathFor(const QString& ns, const QString& service, std::int64_t nowMs)
{
    static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9._-]+"));
    QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (!base.isEmpty())
        base += QStringLiteral("/leakdesk");
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.leakdesk");
    const QString stamp
        = QDateTime::fromMSecsSinceEpoch(nowMs, QTimeZone::utc()).toString(QStringLiteral("yyyyMMdd-HHmmss"));
    QString name = stamp + QLatin1Char('-') + QString(ns).replace(unsafe, QStringLiteral("_")) + QLatin1Char('-')
        + QString(service).replace(unsafe, QStringLiteral("_"));
    return base + QStringLiteral("/incidents/") + name + QString::fromLatin1(incident::kFileSuffix);
}

} // namespace leakdesk::ui
