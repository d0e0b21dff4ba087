#pragma once
// What runs when someone execs into a simulated container: the JDK's diagnostic tools (`jcmd -l`,
// `jcmd <pid> GC.heap_dump [-all] [-gz=N] FILE`, `jmap -dump:live,format=b,file=FILE <pid>`,
// `jps`) and the coreutils a heap-dump transfer needs (`ls`, `df`, `cat`, `sha256sum`, `rm`,
// `tail -c`, `test`, `stat`, `mkdir`, `echo`, `command -v`, and `tar cf -` for `kubectl cp`), plus `sh -c` with `&&`,
// `||`, `;` and `>`/`2>` redirections. Output messages and exit codes copy the real tools (checked against OpenJDK 17
// and GNU coreutils); an unknown program exits 127 like a shell says "not found". stdout is a list of shared slices, so
// `cat` of a large dump is streamed, never copied.

#include "core/sandbox/shell/PodFileSystem.h"

#include <QByteArray>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::sandbox {

struct OutputChunk {
    std::shared_ptr<const QByteArray> data;
    qint64 offset = 0;
    qint64 length = 0;
};

struct ExecOutput {
    std::vector<OutputChunk> stdoutChunks;
    QByteArray stderrText;
    int exitCode = 0;
    bool echoStdin = false; // `cat` without a file: stdin is copied to stdout until it is closed

    void out(const QByteArray& text);
    void outSlice(std::shared_ptr<const QByteArray> data, qint64 offset, qint64 length);
    void err(const QByteArray& text) { stderrText += text; }
    qint64 stdoutSize() const;
    QByteArray stdoutBytes() const; // for tests and small outputs
};

struct ContainerInfo {
    std::string podName;
    std::string container;
    std::string service;
    std::int64_t memoryLimitBytes = 0;
    bool corruptReads = false; // see ContainerVariation
    std::optional<std::int64_t> dumpBytes; // see ContainerVariation
    bool jvm = false;
    bool jdkTools = true; // jcmd, jmap and jps exist in the image
    int jvmPid = 1; // the JVM is not always PID 1 (an entrypoint shell may be)
    std::string javaMain; // what `jcmd -l` prints after the pid
    std::int64_t heapUsedBytes = 0; // what jcmd GC.heap_info reports
    std::int64_t leakedBytes = 0; // what the service's leak holds now: sizes the heap dump's leak
    std::uint64_t seed = 0; // makes dumps deterministic
    std::string workingDir = "/app";
    int procRootPid = 0; // a debug container: /proc/<pid>/root/... is the target's file system
};

class ContainerShell {
public:
    ContainerShell(ContainerInfo info, PodFileSystem& fs);

    ExecOutput run(const std::vector<std::string>& argv, std::int64_t nowMs);

    // Splits a shell word list ("a 'b c' \"d\"") the way sh does for simple commands.
    static std::vector<std::string> splitWords(const std::string& text, bool* ok = nullptr);

private:
    int runProgram(const std::vector<std::string>& argv, ExecOutput& out, bool viaShell);
    int runScript(const std::string& script, ExecOutput& out);
    std::string path(const std::string& p) const;
    std::string programPath(const std::string& name) const;

    int jcmd(const std::vector<std::string>& args, ExecOutput& out);
    int jmap(const std::vector<std::string>& args, ExecOutput& out);
    int jps(const std::vector<std::string>& args, ExecOutput& out);
    int heapDump(const std::string& file, bool live, int gzLevel, ExecOutput& out);
    Result<QByteArray> heapDumpBytes(bool live, int gzLevel) const;
    void outFile(const SimFile& f, qint64 offset, ExecOutput& out) const;
    int ls(const std::vector<std::string>& args, ExecOutput& out);
    int df(const std::vector<std::string>& args, ExecOutput& out);
    int cat(const std::vector<std::string>& args, ExecOutput& out);
    int sha256sum(const std::vector<std::string>& args, ExecOutput& out);
    int rm(const std::vector<std::string>& args, ExecOutput& out);
    int tail(const std::vector<std::string>& args, ExecOutput& out);
    int test(const std::vector<std::string>& args, ExecOutput& out);
    int stat(const std::vector<std::string>& args, ExecOutput& out);
    int mkdir(const std::vector<std::string>& args, ExecOutput& out);
    int tar(const std::vector<std::string>& args, ExecOutput& out);

    ContainerInfo m_info;
    PodFileSystem& m_fs;
    std::int64_t m_now = 0;
};

} // namespace leakdesk::sandbox
