// File and resource loading: the only part of core/runbook that uses Qt (QFile reads both plain
// paths and the ":/runbooks/..." resource compiled into this library).
#include "core/runbook/RunbookParser.h"

#include "core/common/RegularFile.h"

#include <QFile>
#include <QFileInfo>
#include <QString>

// Q_INIT_RESOURCE must be called outside any namespace. The resource lives in a static library,
// so without this call the linker would drop it from executables that never name it.
static void initRunbookResources()
{
    Q_INIT_RESOURCE(runbooks);
}

namespace leakdesk::runbook {

namespace {

Result<std::string> readFile(const std::string& path)
{
    // A path on disk goes through the one reader of user files (regular files only, size cap);
    // ":/..." names a runbook compiled into the binary.
    if (path.rfind(":/", 0) != 0) {
        auto content = readRegularFile(path, fileLimits::kRunbook, "runbook file");
        if (!content && content.error().code == ErrorCode::LimitExceeded) {
            Error e = content.error();
            e.detail = "runbooks are Markdown files of a few kilobytes; choose the right file";
            return e;
        }
        return content;
    }
    QFile file(QString::fromStdString(path));
    if (!file.exists())
        return makeError(ErrorCode::NotFound, "runbook file '" + path + "' does not exist",
            "check the path, or use the bundled runbook");
    if (QFileInfo(file).isDir())
        return makeError(ErrorCode::InvalidArgument, "'" + path + "' is a directory, not a runbook file",
            "choose a Markdown (.md) file");
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io, "cannot read runbook file '" + path + "': " + file.errorString().toStdString(),
            "check the file's permissions");
    // Runbooks are a few kilobytes; refusing huge files keeps a wrong pick (a heap dump) harmless.
    constexpr qint64 maxBytes = 4 * 1024 * 1024;
    if (file.size() > maxBytes)
        return makeError(ErrorCode::InvalidArgument,
            "'" + path + "' is " + std::to_string(file.size() / 1024) + " KiB, too large for a runbook",
            "runbooks are Markdown files of a few kilobytes; choose the right file");
    const QByteArray bytes = file.readAll();
    return std::string(bytes.constData(), static_cast<std::size_t>(bytes.size()));
}

} // namespace

Result<Runbook> loadRunbookFile(const std::string& path)
{
    initRunbookResources();
    auto text = readFile(path);
    if (!text)
        return text.error();
    return parseRunbook(*text, path);
}

Result<std::string> bundledRunbookText()
{
    initRunbookResources();
    auto text = readFile(kBundledRunbookPath);
    if (!text)
        return makeError(ErrorCode::NotFound, "the bundled runbook is missing from this build",
            "rebuild LeakDesk; resources/runbooks/runbooks.qrc must be compiled into leakdesk_runbook");
    return text;
}

Result<Runbook> loadBundledRunbook()
{
    auto text = bundledRunbookText();
    if (!text)
        return text.error();
    return parseRunbook(*text, kBundledRunbookPath);
}

} // namespace leakdesk::runbook
