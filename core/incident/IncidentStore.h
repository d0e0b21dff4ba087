#pragma once
// One incident file on disk. save() is atomic (a temporary file next to it, created owner-only,
// renamed over the old one), so a crash or a kill at any moment leaves either the previous or the
// new version, never a mix. The previous good version is also kept next to it as "<file>.bak",
// the last good autosave, for when the file is damaged by something else (a disk, a sync tool, a
// hand edit).
//
// Several writers can meet on one file (the GUI autosaving, `leakdesk-cli investigate --incident`
// in a terminal). Every write holds the advisory lock "<file>.lock" (QLockFile: a lock left by a
// killed process is taken over) from reading what is on disk to the rename. When the file changed
// since this store last read or wrote it, save() merges instead of overwriting (IncidentMerge.h),
// and savedDocument() is what is on disk afterwards. A temporary file left by a writer killed
// before its rename is removed by the next writer that holds the lock.

#include "core/common/Result.h"
#include "core/incident/IncidentDocument.h"
#include "core/incident/IncidentJson.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::incident {

inline constexpr const char* kFileSuffix = ".leakdesk";

struct LoadedIncident {
    IncidentDocument document;
    std::vector<std::string> migrations; // what was upgraded on the way in
    bool fromBackup = false;
};

// Why a file could not be loaded, and whether the last good autosave can be offered instead.
struct LoadFailure {
    Error error;
    ParseLocation location; // byteOffset -1 when the problem is not a syntax error
    QString backupPath;
    bool backupExists = false;
    bool backupLoadable = false;
    std::int64_t backupUpdatedMs = 0; // when the backup's incident was last changed
    std::string backupError; // why the backup cannot be used either, when it cannot
};

// How long a writer waits for another one to finish its save before it gives up with an error.
inline constexpr int kIncidentLockTimeoutMs = 20000;

class IncidentStore {
public:
    explicit IncidentStore(QString path);
    ~IncidentStore();
    IncidentStore(const IncidentStore&) = delete;
    IncidentStore& operator=(const IncidentStore&) = delete;

    const QString& path() const { return m_path; }
    QString backupPath() const { return backupPathFor(m_path); }
    static QString backupPathFor(const QString& path) { return path + QStringLiteral(".bak"); }
    static QString lockPathFor(const QString& path) { return path + QStringLiteral(".lock"); }

    // Takes the file's lock until unlock() or the store's end, for a read-modify-write spanning
    // load() and save() (both take it themselves otherwise). Fails after `timeoutMs` saying who
    // holds it.
    Status lock(int timeoutMs = kIncidentLockTimeoutMs);
    void unlock();
    bool isLocked() const;

    // Reads the file. On failure `failure` (when given) says where the file broke and whether the
    // backup loads; the Error's detail says the same in words.
    Result<LoadedIncident> load(LoadFailure* failure = nullptr);
    // Reads "<file>.bak". The next save() then replaces the damaged file.
    Result<LoadedIncident> loadBackup();

    // Writes the document atomically under the lock; the version it replaces becomes "<file>.bak".
    // When the file changed on disk since this store last read or wrote it, writes the merge of
    // both (IncidentMerge.h) instead.
    Status save(const IncidentDocument& doc);
    // What the last successful save() wrote: `doc`, or the merge when another writer had been there.
    const IncidentDocument& savedDocument() const { return m_saved; }
    bool lastSaveMerged() const { return m_lastSaveMerged; }

    // The bytes of the last version known to be good (loaded or saved by this store).
    const QByteArray& lastGoodBytes() const { return m_lastGood; }

private:
    Result<LoadedIncident> read(const QString& path, LoadFailure* failure);
    Status saveLocked(const IncidentDocument& doc);

    struct Lock;
    QString m_path;
    QByteArray m_lastGood;
    IncidentDocument m_saved;
    bool m_lastSaveMerged = false;
    std::unique_ptr<Lock> m_lock;
};

// Read, change and write an existing incident file under its lock (the CLI's --incident of
// mitigate, isolate, heap suspects, handover): parallel writers and the GUI's autosave take turns.
// NotFound when the file does not exist; the document as saved otherwise (a merge when another
// writer had been there). `change` may refuse with an error: nothing is written then.
Result<IncidentDocument> updateIncidentFile(
    const QString& path, const std::function<Status(IncidentDocument&)>& change);

// Reads a file into a document without a store (exports, the CLI).
Result<IncidentDocument> readIncidentFile(const QString& path, LoadFailure* failure = nullptr);

// Writes bytes atomically, beside `path`: into an unnamed file (O_TMPFILE) created with mode 0600
// whatever the umask, synced, then linked as ".<name>.tmp-<pid>-<random>" and at once renamed over
// `path`; a kill before the link leaves nothing (the kernel frees an unnamed file), only one between
// the link and the rename leaves that temporary file, which the next load() or save() removes
// (removeStrayTemporaries()). A file system without unnamed files gets a named temporary file from
// the start, created 0600 too. An existing file's mode is kept. FolderSync::Skip leaves the folder's
// fsync (which makes the rename durable) to a later write into the same folder.
enum class FolderSync { After, Skip };
Status writeFileAtomically(const QString& path, const QByteArray& bytes, FolderSync folderSync = FolderSync::After);

// For tests only: `created` sees each new file's descriptor right after writeFileAtomically() created
// it, before a byte is written (its mode then is its mode from the first byte); `refuseUnnamed` takes
// the named-file fallback as on a file system without O_TMPFILE. Default: no hook.
struct AtomicWriteTestHooks {
    std::function<void(int fd)> created;
    bool refuseUnnamed = false;
};
void setAtomicWriteTestHooks(AtomicWriteTestHooks hooks);

// Removes the temporary files writeFileAtomically() leaves when killed before its rename, for
// `path` and its backup. Only safe while holding the file's lock. Returns how many it removed.
int removeStrayTemporaries(const QString& path);

} // namespace leakdesk::incident
