#include "incident/IncidentStore.h"

#include "common/RegularFile.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QTimeZone>

namespace leakdesk::incident {

namespace {

std::string toStd(const QString& s)
{
    return s.toStdString();
}

std::string utc(std::int64_t ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc())
        .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"))
        .toStdString();
}

} // namespace

Status writeFileAtomically(const QString& path, const QByteArray& bytes)
{
    const bool existed = QFileInfo::exists(path);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return makeError(ErrorCode::Io, "cannot write " + toStd(path) + ": " + toStd(file.errorString()),
            "check that the folder exists and is writable, or save the incident elsewhere");
    if (file.write(bytes) != bytes.size()) {
        file.cancelWriting();
        return makeError(ErrorCode::Io, "writing " + toStd(path) + " failed: " + toStd(file.errorString()),
            "the disk may be full; free space and the next change will save again (the previous version is intact)");
    }
    if (!file.commit())
        return makeError(ErrorCode::Io, "saving " + toStd(path) + " failed: " + toStd(file.errorString()),
            "the previous version is intact; free space or check permissions, the next change will save again");
    if (!existed)
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return Ok {};
}

IncidentStore::IncidentStore(QString path)
    : m_path(std::move(path))
{ }

Result<LoadedIncident> IncidentStore::read(const QString& path, LoadFailure* failure)
{
    auto content = readRegularFile(QFile::encodeName(path).toStdString(), fileLimits::kIncident, "incident file");
    if (!content) {
        Error e = content.error();
        if (e.code == ErrorCode::NotFound)
            e.detail = "check the path, or start a new incident";
        if (failure)
            failure->error = e;
        return e;
    }
    const QByteArray bytes = QByteArray::fromStdString(*content);
    ParseLocation where;
    std::vector<std::string> migrations;
    auto doc = parseIncident(std::string_view(bytes.constData(), std::size_t(bytes.size())), &where, &migrations);
    if (!doc) {
        if (failure) {
            failure->error = doc.error();
            failure->location = where;
        }
        return doc.error();
    }
    m_lastGood = bytes;
    return LoadedIncident { std::move(doc).value(), std::move(migrations), false };
}

Result<LoadedIncident> IncidentStore::load(LoadFailure* failure)
{
    LoadFailure local;
    LoadFailure& fail = failure ? *failure : local;
    auto loaded = read(m_path, &fail);
    if (loaded)
        return loaded;
    // Is the last good autosave usable? Say so in the error, and in `failure` for the GUI's offer.
    fail.backupPath = backupPath();
    fail.backupExists = QFileInfo::exists(fail.backupPath);
    Error e = loaded.error();
    if (fail.backupExists) {
        IncidentStore probe(fail.backupPath);
        auto backup = probe.read(fail.backupPath, nullptr);
        fail.backupLoadable = backup.ok();
        if (backup) {
            fail.backupUpdatedMs = backup->document.updatedMs;
            e.detail = "the last good autosave " + toStd(fail.backupPath) + " (saved " + utc(fail.backupUpdatedMs)
                + ") can be opened instead";
        } else {
            fail.backupError = backup.error().message;
            e.detail += "; the autosave " + toStd(fail.backupPath) + " cannot be read either: " + fail.backupError;
        }
    } else if (e.code != ErrorCode::NotFound) {
        e.detail += "; there is no autosave " + toStd(fail.backupPath);
    }
    fail.error = e;
    return e;
}

Result<LoadedIncident> IncidentStore::loadBackup()
{
    auto loaded = read(backupPath(), nullptr);
    if (loaded)
        loaded->fromBackup = true;
    return loaded;
}

Status IncidentStore::save(const IncidentDocument& doc)
{
    const std::string text = serializeIncident(doc);
    const QByteArray bytes(text.data(), qsizetype(text.size()));
    if (m_lastGood.isEmpty() && QFileInfo::exists(m_path)) {
        // A store that did not load the file: keep what is there as the backup only if it is good.
        IncidentStore probe(m_path);
        if (probe.read(m_path, nullptr))
            m_lastGood = probe.m_lastGood;
    }
    if (!m_lastGood.isEmpty() && m_lastGood != bytes) {
        if (auto st = writeFileAtomically(backupPath(), m_lastGood); !st)
            return st;
    }
    if (auto st = writeFileAtomically(m_path, bytes); !st)
        return st;
    m_lastGood = bytes;
    return Ok {};
}

Result<IncidentDocument> readIncidentFile(const QString& path, LoadFailure* failure)
{
    IncidentStore store(path);
    auto loaded = store.load(failure);
    if (!loaded)
        return loaded.error();
    return std::move(loaded->document);
}

} // namespace leakdesk::incident
