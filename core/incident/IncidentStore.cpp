#include "core/incident/IncidentStore.h"

#include "core/common/RegularFile.h"
#include "core/incident/IncidentMerge.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QRandomGenerator>
#include <QTimeZone>

#include <cerrno>
#include <cstring>
#include <optional>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

namespace {

QString temporaryPrefixFor(const QString& path)
{
    return QStringLiteral(".") + QFileInfo(path).fileName() + QStringLiteral(".tmp-");
}

} // namespace

namespace {

AtomicWriteTestHooks& testHooks()
{
    static AtomicWriteTestHooks hooks;
    return hooks;
}

// Gives the unnamed file `fd` the name `name`. linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the
// /proc/self/fd link is the unprivileged way (open(2), O_TMPFILE).
bool linkUnnamedFile(int fd, const QByteArray& name)
{
    if (::linkat(fd, "", AT_FDCWD, name.constData(), AT_EMPTY_PATH) == 0)
        return true;
    const QByteArray self = "/proc/self/fd/" + QByteArray::number(fd);
    return ::linkat(AT_FDCWD, self.constData(), AT_FDCWD, name.constData(), AT_SYMLINK_FOLLOW) == 0;
}

Status writeAtomically(const QString& path, const QByteArray& bytes, FolderSync folderSync, bool tryUnnamed);

} // namespace

void setAtomicWriteTestHooks(AtomicWriteTestHooks hooks)
{
    testHooks() = std::move(hooks);
}

Status writeFileAtomically(const QString& path, const QByteArray& bytes, FolderSync folderSync)
{
    return writeAtomically(path, bytes, folderSync, !testHooks().refuseUnnamed);
}

namespace {

Status writeAtomically(const QString& path, const QByteArray& bytes, FolderSync folderSync, bool tryUnnamed)
{
    const QFileInfo info(path);
    const QString temporary = info.absolutePath() + QLatin1Char('/') + temporaryPrefixFor(path)
        + QString::number(::getpid()) + QLatin1Char('-')
        + QString::number(QRandomGenerator::system()->generate64(), 16);
    const QByteArray tempName = QFile::encodeName(temporary);
    const QByteArray targetName = QFile::encodeName(info.absoluteFilePath());
    const QByteArray folderName = QFile::encodeName(info.absolutePath());

    // An existing file keeps its mode; a new one is owner-only from its first byte: open() creates
    // it 0600 (the umask may take bits away, never add any), and fchmod() sets the final mode
    // before it has a name.
    mode_t mode = S_IRUSR | S_IWUSR;
    struct stat existing { };
    if (::stat(targetName.constData(), &existing) == 0 && S_ISREG(existing.st_mode))
        mode = existing.st_mode & 07777;
    // Unnamed while it is written: a writer killed before the link leaves no file behind.
    int fd = -1;
    bool unnamed = false;
    if (tryUnnamed) {
        fd = ::open(folderName.constData(), O_TMPFILE | O_WRONLY | O_CLOEXEC, S_IRUSR | S_IWUSR);
        unnamed = fd >= 0;
    }
    // The file system has no unnamed files (EOPNOTSUPP, EISDIR on an old kernel): a named one.
    if (fd < 0)
        fd = ::open(tempName.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0)
        return makeError(ErrorCode::Io, "cannot write " + toStd(path) + ": " + std::strerror(errno),
            "check that the folder exists and is writable, or save the incident elsewhere");
    if (testHooks().created)
        testHooks().created(fd);
    bool named = !unnamed;
    const auto fail = [&](const std::string& what, const char* hint) -> Status {
        const int err = errno;
        ::close(fd);
        if (named)
            ::unlink(tempName.constData());
        return makeError(ErrorCode::Io, what + " " + toStd(path) + " failed: " + std::strerror(err), hint);
    };
    if (::fchmod(fd, mode) != 0)
        return fail("setting the permissions of", "check the folder's file system");
    qsizetype written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.constData() + written, std::size_t(bytes.size() - written));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fail("writing",
                "the disk may be full; free space and the next change will save again (the previous version is "
                "intact)");
        written += n;
    }
    if (::fsync(fd) != 0)
        return fail("saving",
            "the previous version is intact; free space or check permissions, the next change will save again");
    // Named only now, complete and synced, and renamed right after: the one window a kill can leave
    // a temporary file in is between these two calls.
    if (unnamed) {
        if (!linkUnnamedFile(fd, tempName)) {
            // Neither CAP_DAC_READ_SEARCH nor a mounted /proc: write it again as a named file.
            ::close(fd);
            return writeAtomically(path, bytes, folderSync, false);
        }
        named = true;
    }
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tempName.constData());
        return makeError(ErrorCode::Io, "saving " + toStd(path) + " failed: " + std::strerror(err),
            "the previous version is intact; the next change will save again");
    }
    if (::rename(tempName.constData(), targetName.constData()) != 0) {
        const int err = errno;
        ::unlink(tempName.constData());
        return makeError(ErrorCode::Io, "saving " + toStd(path) + " failed: " + std::strerror(err),
            "the previous version is intact; check permissions, the next change will save again");
    }
    // The rename itself survives a power loss only once the folder is synced.
    if (folderSync == FolderSync::Skip)
        return Ok {};
    const int dirFd = ::open(folderName.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
    }
    return Ok {};
}

} // namespace

int removeStrayTemporaries(const QString& path)
{
    const QFileInfo info(path);
    QDir dir(info.absolutePath());
    int removed = 0;
    for (const QString& target : { path, IncidentStore::backupPathFor(path) }) {
        const QStringList strays = dir.entryList(
            { temporaryPrefixFor(target) + QLatin1Char('*') }, QDir::Files | QDir::Hidden | QDir::System);
        for (const QString& name : strays)
            if (dir.remove(name))
                ++removed;
    }
    return removed;
}

struct IncidentStore::Lock {
    explicit Lock(const QString& path)
        : file(lockPathFor(path))
    {
        // A lock whose process is gone is taken over at once (QLockFile checks the pid on this
        // host); one older than this is taken over too, for a process on another host or a
        // reused pid. A save holds the lock for well under a second.
        file.setStaleLockTime(120 * 1000);
    }
    QLockFile file;
};

IncidentStore::IncidentStore(QString path)
    : m_path(std::move(path))
{ }

IncidentStore::~IncidentStore() = default;

Status IncidentStore::lock(int timeoutMs)
{
    if (isLocked())
        return Ok {};
    auto held = std::make_unique<Lock>(m_path);
    if (!held->file.tryLock(timeoutMs)) {
        qint64 pid = 0;
        QString host;
        QString app;
        held->file.getLockInfo(&pid, &host, &app);
        const std::string who = pid > 0 ? " (held by " + toStd(app.isEmpty() ? QStringLiteral("a process") : app)
                + " pid " + std::to_string(pid) + (host.isEmpty() ? "" : " on " + toStd(host)) + ")"
                                        : std::string();
        if (held->file.error() == QLockFile::LockFailedError)
            return makeError(ErrorCode::Io, "another writer is saving " + toStd(m_path) + who,
                "try again; if no LeakDesk is running, remove " + toStd(lockPathFor(m_path)));
        return makeError(ErrorCode::Io,
            "cannot lock " + toStd(m_path) + ": cannot create " + toStd(lockPathFor(m_path)),
            "check that the folder is writable");
    }
    m_lock = std::move(held);
    return Ok {};
}

void IncidentStore::unlock()
{
    m_lock.reset();
}

bool IncidentStore::isLocked() const
{
    return m_lock != nullptr;
}

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
    // Temporary files of a writer killed mid-save go now, unless another writer is at work (its
    // temporary file is not stray); the file itself is whole either way (the rename is atomic).
    if (isLocked()) {
        removeStrayTemporaries(m_path);
    } else if (lock(0)) {
        removeStrayTemporaries(m_path);
        unlock();
    }
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
    const bool heldBefore = isLocked();
    if (auto st = lock(); !st)
        return st;
    Status st = saveLocked(doc);
    if (!heldBefore)
        unlock();
    return st;
}

Status IncidentStore::saveLocked(const IncidentDocument& doc)
{
    removeStrayTemporaries(m_path);
    // What is on disk now, and whether it is a good file (a damaged one is replaced, not merged).
    QByteArray onDisk;
    QByteArray rawOnDisk;
    bool exists = false;
    std::optional<IncidentDocument> theirs;
    if (QFile f(m_path); f.open(QIODevice::ReadOnly)) {
        exists = true;
        onDisk = f.readAll();
        rawOnDisk = onDisk;
        // Unchanged since this store read or wrote it (the usual autosave): known good, no parse.
        if (onDisk != m_lastGood) {
            auto parsed = parseIncident(std::string_view(onDisk.constData(), std::size_t(onDisk.size())));
            if (parsed)
                theirs = std::move(parsed).value();
            else
                onDisk.clear();
        }
    }
    IncidentDocument toWrite = doc;
    bool merged = false;
    if (theirs && onDisk != m_lastGood) {
        // Another writer was here since this store last read or wrote the file: merge, never drop.
        std::optional<IncidentDocument> base;
        if (!m_lastGood.isEmpty()) {
            auto parsed = parseIncident(std::string_view(m_lastGood.constData(), std::size_t(m_lastGood.size())));
            if (parsed)
                base = std::move(parsed).value();
        }
        toWrite = mergeIncidents(base ? &*base : nullptr, doc, *theirs);
        merged = true;
    }
    const std::string text = serializeIncident(toWrite);
    const QByteArray bytes(text.data(), qsizetype(text.size()));
    const QByteArray& previous = !onDisk.isEmpty() ? onDisk : m_lastGood;
    if (!previous.isEmpty() && previous != bytes) {
        // The folder is synced once, after the file's own rename below.
        if (auto st = writeFileAtomically(backupPath(), previous, FolderSync::Skip); !st)
            return st;
    }
    if (!exists || rawOnDisk != bytes) {
        if (auto st = writeFileAtomically(m_path, bytes); !st)
            return st;
    }
    m_lastGood = bytes;
    m_saved = std::move(toWrite);
    m_lastSaveMerged = merged;
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

Result<IncidentDocument> updateIncidentFile(const QString& path, const std::function<Status(IncidentDocument&)>& change)
{
    if (!QFileInfo::exists(path))
        return makeError(ErrorCode::NotFound, "no incident file " + path.toStdString(),
            "start one with: leakdesk-cli investigate ... --incident FILE (or save it from LeakDesk)");
    IncidentStore store(path);
    if (auto st = store.lock(); !st)
        return st.error();
    auto loaded = store.load();
    if (!loaded)
        return loaded.error();
    IncidentDocument doc = std::move(loaded->document);
    if (auto st = change(doc); !st)
        return st.error();
    if (auto st = store.save(doc); !st)
        return st.error();
    return store.savedDocument();
}

} // namespace leakdesk::incident
