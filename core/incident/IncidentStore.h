#pragma once
// One incident file on disk. save() is atomic (QSaveFile: a temporary file renamed over the old
// one), so a crash or a kill at any moment leaves either the previous or the new version, never a
// mix. The previous good version is also kept next to it as "<file>.bak", the last good autosave,
// for when the file is damaged by something else (a disk, a sync tool, a hand edit).

#include "common/Result.h"
#include "incident/IncidentDocument.h"
#include "incident/IncidentJson.h"

#include <QByteArray>
#include <QString>

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

class IncidentStore {
public:
    explicit IncidentStore(QString path);

    const QString& path() const { return m_path; }
    QString backupPath() const { return backupPathFor(m_path); }
    static QString backupPathFor(const QString& path) { return path + QStringLiteral(".bak"); }

    // Reads the file. On failure `failure` (when given) says where the file broke and whether the
    // backup loads; the Error's detail says the same in words.
    Result<LoadedIncident> load(LoadFailure* failure = nullptr);
    // Reads "<file>.bak". The next save() then replaces the damaged file.
    Result<LoadedIncident> loadBackup();

    // Writes the document atomically; the version it replaces becomes "<file>.bak".
    Status save(const IncidentDocument& doc);

    // The bytes of the last version known to be good (loaded or saved by this store).
    const QByteArray& lastGoodBytes() const { return m_lastGood; }

private:
    Result<LoadedIncident> read(const QString& path, LoadFailure* failure);

    QString m_path;
    QByteArray m_lastGood;
};

// Reads a file into a document without a store (exports, the CLI).
Result<IncidentDocument> readIncidentFile(const QString& path, LoadFailure* failure = nullptr);

// Writes bytes atomically (QSaveFile), owner-only permissions for new files.
Status writeFileAtomically(const QString& path, const QByteArray& bytes);

} // namespace leakdesk::incident
