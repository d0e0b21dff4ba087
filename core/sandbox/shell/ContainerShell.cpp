#include "core/sandbox/shell/ContainerShell.h"

#include "core/sandbox/shell/HeapDumpCompression.h"
#include "core/sandbox/model/SandboxModel.h"
#include "core/sandbox/shell/SyntheticHeapDump.h"

#include <QDateTime>
#include <QTimeZone>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <set>

namespace leakdesk::sandbox {

namespace {

const std::set<std::string> kCoreutils = { "ls", "df", "cat", "sha256sum", "rm", "tail", "test", "[", "stat", "mkdir",
    "echo", "true", "false", "sh", "hostname", "tar" };
const std::set<std::string> kJdkTools = { "jcmd", "jmap", "jps" };
constexpr const char* kJdkBin = "/opt/java/openjdk/bin/";

QByteArray q(const std::string& s)
{
    return QByteArray::fromStdString(s);
}

std::string lsTime(std::int64_t ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc())
        .toString(QStringLiteral("MMM d HH:mm"))
        .rightJustified(12, QLatin1Char(' '))
        .toStdString();
}

std::string modeString(int mode, bool dir)
{
    std::string s = dir ? "d" : "-";
    for (int shift = 6; shift >= 0; shift -= 3) {
        const int bits = (mode >> shift) & 7;
        s += (bits & 4) ? 'r' : '-';
        s += (bits & 2) ? 'w' : '-';
        s += (bits & 1) ? 'x' : '-';
    }
    return s;
}

std::string humanSize(std::int64_t bytes)
{
    // df -h: one decimal below 10, powers of 1024, suffix without "i".
    const char* units = "KMGTP";
    double v = static_cast<double>(bytes);
    int u = -1;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    if (u < 0)
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(bytes));
    else if (v < 10)
        std::snprintf(buf, sizeof buf, "%.1f%c", std::ceil(v * 10) / 10, units[u]);
    else
        std::snprintf(buf, sizeof buf, "%.0f%c", std::ceil(v), units[u]);
    return buf;
}

} // namespace

void ExecOutput::out(const QByteArray& text)
{
    if (text.isEmpty())
        return;
    auto data = std::make_shared<const QByteArray>(text);
    stdoutChunks.push_back(OutputChunk { data, 0, data->size() });
}

void ExecOutput::outSlice(std::shared_ptr<const QByteArray> data, qint64 offset, qint64 length)
{
    if (length > 0)
        stdoutChunks.push_back(OutputChunk { std::move(data), offset, length });
}

qint64 ExecOutput::stdoutSize() const
{
    qint64 n = 0;
    for (const auto& c : stdoutChunks)
        n += c.length;
    return n;
}

QByteArray ExecOutput::stdoutBytes() const
{
    QByteArray out;
    for (const auto& c : stdoutChunks)
        out += QByteArrayView(c.data->constData() + c.offset, c.length);
    return out;
}

std::string ContainerShell::path(const std::string& p) const
{
    std::string abs = PodFileSystem::normalise(p, m_info.workingDir);
    if (m_info.procRootPid > 0) {
        const std::string root = "/proc/" + std::to_string(m_info.procRootPid) + "/root";
        if (abs == root)
            return "/";
        if (abs.rfind(root + "/", 0) == 0)
            return abs.substr(root.size());
    }
    return abs;
}

ContainerShell::ContainerShell(ContainerInfo info, PodFileSystem& fs)
    : m_info(std::move(info))
    , m_fs(fs)
{ }

std::vector<std::string> ContainerShell::splitWords(const std::string& text, bool* ok)
{
    std::vector<std::string> words;
    std::string cur;
    bool inWord = false;
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            else if (c == '\\' && quote == '"' && i + 1 < text.size())
                cur += text[++i];
            else
                cur += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            inWord = true;
        } else if (c == '\\' && i + 1 < text.size()) {
            cur += text[++i];
            inWord = true;
        } else if (c == ' ' || c == '\t' || c == '\n') {
            if (inWord)
                words.push_back(cur);
            cur.clear();
            inWord = false;
        } else {
            cur += c;
            inWord = true;
        }
    }
    if (inWord)
        words.push_back(cur);
    if (ok)
        *ok = quote == 0;
    return words;
}

std::string ContainerShell::programPath(const std::string& name) const
{
    const std::string base = name.substr(name.rfind('/') + 1);
    if (kJdkTools.count(base))
        return m_info.jvm && m_info.jdkTools ? kJdkBin + base : std::string();
    if (base == "java")
        return m_info.jvm ? kJdkBin + base : std::string();
    if (kCoreutils.count(base))
        return (base == "sh" ? "/bin/" : "/usr/bin/") + base;
    return {};
}

ExecOutput ContainerShell::run(const std::vector<std::string>& argv, std::int64_t nowMs)
{
    m_now = nowMs;
    ExecOutput out;
    if (argv.empty()) {
        out.err("you must specify at least one command for the container\n");
        out.exitCode = 1;
        return out;
    }
    out.exitCode = runProgram(argv, out, false);
    return out;
}

int ContainerShell::runProgram(const std::vector<std::string>& argv, ExecOutput& out, bool viaShell)
{
    const std::string& name = argv[0];
    const std::string base = name.substr(name.rfind('/') + 1);
    const std::vector<std::string> args(argv.begin() + 1, argv.end());
    if (programPath(name).empty()) {
        if (viaShell)
            out.err(q("sh: 1: " + name + ": not found\n"));
        else
            out.err(q("OCI runtime exec failed: exec failed: unable to start container process: exec: \"" + name
                + "\": executable file not found in $PATH: unknown\n"));
        return 127;
    }
    if (base == "sh") {
        if (args.size() >= 2 && args[0] == "-c")
            return runScript(args[1], out);
        out.err("sh: the sandbox runs scripts given with -c only\n");
        return 2;
    }
    if (base == "jcmd")
        return jcmd(args, out);
    if (base == "jmap")
        return jmap(args, out);
    if (base == "jps")
        return jps(args, out);
    if (base == "ls")
        return ls(args, out);
    if (base == "df")
        return df(args, out);
    if (base == "cat")
        return cat(args, out);
    if (base == "sha256sum")
        return sha256sum(args, out);
    if (base == "rm")
        return rm(args, out);
    if (base == "tail")
        return tail(args, out);
    if (base == "test" || base == "[") {
        std::vector<std::string> a = args;
        if (base == "[") {
            if (a.empty() || a.back() != "]") {
                out.err("sh: 1: [: missing ]\n");
                return 2;
            }
            a.pop_back();
        }
        return test(a, out);
    }
    if (base == "stat")
        return stat(args, out);
    if (base == "mkdir")
        return mkdir(args, out);
    if (base == "tar")
        return tar(args, out);
    if (base == "hostname") {
        out.out(q(m_info.podName + "\n"));
        return 0;
    }
    if (base == "echo") {
        std::string line;
        bool newline = true;
        std::size_t i = 0;
        if (!args.empty() && args[0] == "-n") {
            newline = false;
            i = 1;
        }
        for (; i < args.size(); ++i)
            line += (line.empty() ? "" : " ") + args[i];
        out.out(q(line + (newline ? "\n" : "")));
        return 0;
    }
    if (base == "true")
        return 0;
    return 1; // false
}

int ContainerShell::runScript(const std::string& script, ExecOutput& out)
{
    // Split into simple commands joined by &&, || and ; (no pipes, no substitutions).
    struct Step {
        std::string text;
        std::string op; // operator before this step
    };
    std::vector<Step> steps;
    std::string cur;
    std::string pendingOp;
    char quote = 0;
    for (std::size_t i = 0; i < script.size(); ++i) {
        const char c = script[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            cur += c;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            cur += c;
        } else if ((c == '&' || c == '|') && i + 1 < script.size() && script[i + 1] == c) {
            steps.push_back({ cur, pendingOp });
            pendingOp = std::string(2, c);
            cur.clear();
            ++i;
        } else if (c == ';' || c == '\n') {
            steps.push_back({ cur, pendingOp });
            pendingOp = ";";
            cur.clear();
        } else if (c == '|' || c == '`' || (c == '$' && i + 1 < script.size() && script[i + 1] == '(')) {
            out.err("sh: the sandbox's shell runs simple commands joined by &&, || and ; only (no pipes or "
                    "substitutions)\n");
            return 2;
        } else if (c == '&' && !(i > 0 && (script[i - 1] == '>' || script[i - 1] == '<'))) {
            out.err("sh: background jobs are not supported by the sandbox's shell\n");
            return 2;
        } else {
            cur += c;
        }
    }
    steps.push_back({ cur, pendingOp });

    int status = 0;
    for (const Step& step : steps) {
        if ((step.op == "&&" && status != 0) || (step.op == "||" && status == 0))
            continue;
        bool ok = true;
        std::vector<std::string> words = splitWords(step.text, &ok);
        if (!ok) {
            out.err("sh: 1: Syntax error: Unterminated quoted string\n");
            return 2;
        }
        if (words.empty())
            continue;
        // Redirections: >file, >>file, 2>file, 2>&1, 2>/dev/null.
        std::string stdoutFile;
        bool append = false;
        bool stderrToStdout = false;
        bool stderrDiscard = false;
        std::vector<std::string> argv;
        for (std::size_t i = 0; i < words.size(); ++i) {
            std::string w = words[i];
            auto target = [&](std::size_t prefix) {
                if (w.size() > prefix)
                    return w.substr(prefix);
                return i + 1 < words.size() ? words[++i] : std::string();
            };
            if (w == "2>&1") {
                stderrToStdout = true;
            } else if (w.rfind("2>", 0) == 0) {
                const std::string t = target(2);
                stderrDiscard = t == "/dev/null";
            } else if (w.rfind(">>", 0) == 0) {
                stdoutFile = target(2);
                append = true;
            } else if (w.rfind(">", 0) == 0) {
                stdoutFile = target(1);
            } else {
                argv.push_back(w);
            }
        }
        if (argv.empty())
            continue;
        if (argv[0] == "exit") {
            return argv.size() > 1 ? std::atoi(argv[1].c_str()) & 0xff : status;
        }
        if (argv[0] == "command" && argv.size() == 3 && argv[1] == "-v") {
            const std::string p = programPath(argv[2]);
            if (!p.empty())
                out.out(q(p + "\n"));
            status = p.empty() ? 1 : 0;
            continue;
        }
        if (argv[0] == "which" && argv.size() == 2) {
            const std::string p = programPath(argv[1]);
            if (!p.empty())
                out.out(q(p + "\n"));
            status = p.empty() ? 1 : 0;
            continue;
        }
        ExecOutput stepOut;
        status = runProgram(argv, stepOut, true);
        if (stderrToStdout)
            stepOut.out(stepOut.stderrText), stepOut.stderrText.clear();
        if (!stderrDiscard)
            out.err(stepOut.stderrText);
        if (!stdoutFile.empty() && stdoutFile != "/dev/null") {
            QByteArray bytes = stepOut.stdoutBytes();
            const std::string p = path(stdoutFile);
            if (append)
                if (const SimFile* f = m_fs.file(p))
                    bytes.prepend(*f->content);
            if (auto w = m_fs.write(p, std::make_shared<const QByteArray>(bytes), m_now); !w) {
                out.err(q("sh: 1: cannot create " + stdoutFile + ": " + w.error().message.substr(p.size() + 2) + "\n"));
                status = 2;
            }
        } else if (stdoutFile.empty()) {
            for (auto& c : stepOut.stdoutChunks)
                out.stdoutChunks.push_back(std::move(c));
            out.echoStdin = out.echoStdin || stepOut.echoStdin;
        }
    }
    return status;
}

int ContainerShell::jcmd(const std::vector<std::string>& args, ExecOutput& out)
{
    const std::string pid = std::to_string(m_info.jvmPid);
    const int jcmdPid = m_info.jvmPid + 100 + static_cast<int>(m_now / 1000 % 500);
    if (args.empty() || args[0] == "-l") {
        out.out(q(pid + " " + m_info.javaMain + "\n" + std::to_string(jcmdPid) + " jdk.jcmd/sun.tools.jcmd.JCmd"
            + (args.empty() ? "" : " -l") + "\n"));
        return 0;
    }
    if (args[0] == "-h" || args[0] == "--help") {
        out.out("Usage: jcmd <pid | main class> <command ...|PerfCounter.print|-f file>\n"
                "   or: jcmd -l                                                    \n");
        return 0;
    }
    const bool byPid = std::all_of(args[0].begin(), args[0].end(), [](char c) { return c >= '0' && c <= '9'; });
    if (byPid && args[0] != pid) {
        out.out(q(args[0] + ":\n"));
        out.err("java.io.IOException: No such process\n"
                "\tat jdk.attach/sun.tools.attach.VirtualMachineImpl.sendQuitTo(Native Method)\n"
                "\tat jdk.attach/sun.tools.attach.VirtualMachineImpl.<init>(VirtualMachineImpl.java:82)\n"
                "\tat jdk.jcmd/sun.tools.jcmd.JCmd.executeCommandForPid(JCmd.java:113)\n"
                "\tat jdk.jcmd/sun.tools.jcmd.JCmd.main(JCmd.java:97)\n");
        return 1;
    }
    if (!byPid && m_info.javaMain.find(args[0]) == std::string::npos) {
        out.err(q("Could not find any processes matching : '" + args[0] + "'\n"));
        return 1;
    }
    out.out(q(pid + ":\n"));
    const std::string command = args.size() > 1 ? args[1] : std::string();
    if (command == "VM.version") {
        out.out("OpenJDK 64-Bit Server VM version 17.0.13+11\nJDK 17.0.13\n");
        return 0;
    }
    if (command == "GC.heap_info") {
        // As G1 prints it (JDK 17); the capture's pre-flight reads "used" to size the dump.
        const std::int64_t usedK = m_info.heapUsedBytes / 1024;
        const std::int64_t totalK = std::max<std::int64_t>(usedK, m_info.memoryLimitBytes * 3 / 4 / 1024);
        char buf[512];
        std::snprintf(buf, sizeof buf,
            " garbage-first heap   total %lldK, used %lldK [0x00000000a0000000, 0x0000000100000000)\n"
            "  region size 1024K, 12 young (12288K), 2 survivors (2048K)\n"
            " Metaspace       used 98214K, committed 99072K, reserved 1138688K\n"
            "  class space    used 12745K, committed 13184K, reserved 1048576K\n",
            static_cast<long long>(totalK), static_cast<long long>(usedK));
        out.out(buf);
        return 0;
    }
    if (command == "help") {
        out.out("The following commands are available:\nGC.class_histogram\nGC.heap_dump\nGC.heap_info\nVM.flags\n"
                "VM.version\nhelp\n\nFor more information about a specific command use 'help <command>'.\n");
        return 0;
    }
    if (command == "GC.heap_dump") {
        bool live = true;
        int gz = 0;
        std::string file;
        for (std::size_t i = 2; i < args.size(); ++i) {
            const std::string& a = args[i];
            if (a == "-all" || a == "-all=true")
                live = false;
            else if (a == "-all=false")
                live = true;
            else if (a.rfind("-gz=", 0) == 0)
                gz = std::atoi(a.c_str() + 4);
            else if (!a.empty() && a[0] == '-') {
                out.out(q("java.lang.IllegalArgumentException: Unknown argument '" + a.substr(1)
                    + "' in diagnostic command.\n"));
                return 1;
            } else
                file = a;
        }
        if (file.empty()) {
            out.out("java.lang.IllegalArgumentException: The argument 'filename' is mandatory.\n");
            return 1;
        }
        if (gz < 0 || gz > 9) {
            out.out("Compression level out of range (1-9): " + QByteArray::number(gz) + "\n");
            return 1;
        }
        return heapDump(file, live, gz, out);
    }
    out.out(q("java.lang.IllegalArgumentException: Unknown diagnostic command\n"));
    return 1;
}

int ContainerShell::jmap(const std::vector<std::string>& args, ExecOutput& out)
{
    if (args.size() != 2 || args[0].rfind("-dump:", 0) != 0) {
        out.err("Usage:\n    jmap -dump:<dump-options> <pid>\n        to dump java heap in hprof binary format\n");
        return 1;
    }
    if (args[1] != std::to_string(m_info.jvmPid)) {
        out.err(q("Exception in thread \"main\" com.sun.tools.attach.AttachNotSupportedException: Unable to open "
                  "socket file /proc/"
            + args[1] + "/cwd/.attach_pid" + args[1] + ": target process " + args[1] + " doesn't respond\n"));
        return 1;
    }
    bool live = false;
    int gz = 0;
    std::string file;
    std::string opts = args[0].substr(6);
    std::size_t start = 0;
    while (start <= opts.size()) {
        const std::size_t comma = opts.find(',', start);
        const std::string o = opts.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (o == "live")
            live = true;
        else if (o == "all")
            live = false;
        else if (o.rfind("file=", 0) == 0)
            file = o.substr(5);
        else if (o.rfind("gz=", 0) == 0)
            gz = std::atoi(o.c_str() + 3);
        else if (o != "format=b" && !o.empty()) {
            out.err(q("Fail: invalid option or legal option combination: " + o + "\n"));
            return 1;
        }
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    if (file.empty()) {
        out.err("Fail: no file name specified for -dump\n");
        return 1;
    }
    return heapDump(file, live, gz, out);
}

int ContainerShell::jps(const std::vector<std::string>& args, ExecOutput& out)
{
    const bool longNames = std::find(args.begin(), args.end(), "-l") != args.end();
    const std::string main = m_info.javaMain.substr(0, m_info.javaMain.find(' '));
    const std::string shortMain = main.substr(main.rfind('.') == std::string::npos ? 0 : main.rfind('.') + 1);
    out.out(q(std::to_string(m_info.jvmPid) + " " + (longNames ? main : shortMain) + "\n"
        + std::to_string(m_info.jvmPid + 211) + (longNames ? " jdk.jcmd/sun.tools.jps.Jps" : " Jps") + "\n"));
    return 0;
}

int ContainerShell::heapDump(const std::string& file, bool live, int gzLevel, ExecOutput& out)
{
    const std::string p = path(file);
    out.out(q("Dumping heap to " + file + " ...\n"));
    if (m_fs.exists(p)) {
        out.out(q("Unable to create " + file + ": File exists\n"));
        return 0;
    }
    if (!m_fs.isDirectory(p.substr(0, std::max<std::size_t>(1, p.rfind('/'))))) {
        out.out(q("Unable to create " + file + ": No such file or directory\n"));
        return 0;
    }
    auto dumped = heapDumpBytes(live, gzLevel);
    if (!dumped) {
        out.out(q("Heap dump failed: " + dumped.error().message + "\n"));
        return 0;
    }
    QByteArray bytes = std::move(*dumped);
    const Mount& mount = m_fs.mountOf(p);
    const std::int64_t room = m_fs.availableBytes(mount);
    if (bytes.size() > room) {
        // HotSpot keeps writing until the device is full and leaves the incomplete file behind.
        bytes.truncate(std::max<qsizetype>(0, static_cast<qsizetype>(room)));
        (void)m_fs.write(p, std::make_shared<const QByteArray>(bytes), m_now, 0600);
        out.out("Dump file is incomplete: No space left on device\n");
        return 0;
    }
    const qsizetype size = bytes.size();
    (void)m_fs.write(p, std::make_shared<const QByteArray>(std::move(bytes)), m_now, 0600);
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.3f", 0.05 + static_cast<double>(size) / (gzLevel > 0 ? 40e6 : 200e6));
    out.out("Heap dump file created [" + QByteArray::number(size) + " bytes in " + secs + " secs]\n");
    return 0;
}

Result<QByteArray> ContainerShell::heapDumpBytes(bool live, int gzLevel) const
{
    // Generated for this moment: the leak's share of the heap decides how many sessions the
    // cache holds, so a later capture of a leaking pod shows more of them (SyntheticHeapDump.h).
    HeapDumpShape shape;
    shape.seed = mixHash(m_info.seed, stableHash(m_info.podName));
    shape.timestampMs = m_now;
    shape.leakedBytes = m_info.leakedBytes;
    shape.targetBytes = m_info.dumpBytes;
    shape.liveOnly = live;
    if (gzLevel <= 0)
        return syntheticHeapDump(shape);
    // As HotSpot does: 1 MiB gzip members compressed on every core while the dump is still being written.
    HeapDumpGzipWriter gzip(gzLevel);
    (void)syntheticHeapDump(shape, [&gzip](QByteArrayView bytes) { gzip.write(bytes); });
    return gzip.finish();
}

void ContainerShell::outFile(const SimFile& f, qint64 offset, ExecOutput& out) const
{
    const qint64 size = f.size();
    if (!m_info.corruptReads || size - offset < 2) {
        out.outSlice(f.content, offset, size - offset);
        return;
    }
    // One flipped byte in the middle of the file, wherever the read starts.
    const qint64 bad = std::max(offset, size / 2);
    out.outSlice(f.content, offset, bad - offset);
    out.out(QByteArray(1, static_cast<char>(f.content->at(bad) ^ 0x5a)));
    out.outSlice(f.content, bad + 1, size - bad - 1);
}

int ContainerShell::ls(const std::vector<std::string>& args, ExecOutput& out)
{
    bool longFormat = false;
    bool all = false;
    std::vector<std::string> targets;
    for (const auto& a : args) {
        if (a.size() > 1 && a[0] == '-') {
            longFormat = longFormat || a.find('l') != std::string::npos;
            all = all || a.find('a') != std::string::npos;
        } else {
            targets.push_back(a);
        }
    }
    if (targets.empty())
        targets.push_back(".");
    int status = 0;
    auto line = [&](const std::string& name, const std::string& full) {
        if (!longFormat)
            return name + "\n";
        const SimFile* f = m_fs.file(full);
        const bool dir = !f;
        char size[24];
        std::snprintf(size, sizeof size, "%10lld", static_cast<long long>(f ? f->size() : 4096));
        return modeString(f ? f->mode : 0755, dir) + " 1 app app " + size + " " + lsTime(f ? f->modifiedMs : m_now)
            + " " + name + "\n";
    };
    for (const auto& t : targets) {
        const std::string p = path(t);
        if (m_fs.file(p)) {
            out.out(q(line(t, p)));
        } else if (m_fs.isDirectory(p)) {
            std::string text;
            if (targets.size() > 1)
                text += t + ":\n";
            std::vector<std::string> entries = m_fs.list(p);
            if (all)
                entries.insert(entries.begin(), { "./", "../" });
            if (longFormat)
                text += "total " + std::to_string(entries.size() * 4) + "\n";
            for (const auto& e : entries) {
                const bool dir = e.back() == '/';
                const std::string name = dir ? e.substr(0, e.size() - 1) : e;
                text += line(name, name == "." || name == ".." ? p : PodFileSystem::normalise(name, p));
            }
            out.out(q(text));
        } else {
            out.err(q("ls: cannot access '" + t + "': No such file or directory\n"));
            status = 2;
        }
    }
    return status;
}

int ContainerShell::df(const std::vector<std::string>& args, ExecOutput& out)
{
    bool human = false;
    bool bytes = false;
    bool withType = false;
    std::vector<std::string> targets;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-B1" || a == "--block-size=1" || (a == "-B" && i + 1 < args.size() && args[++i] == "1"))
            bytes = true;
        else if (a.size() > 1 && a[0] == '-' && a[1] != '-') {
            human = human || a.find('h') != std::string::npos;
            withType = withType || a.find('T') != std::string::npos;
        } else if (a.rfind("--", 0) != 0)
            targets.push_back(a);
    }
    std::vector<const Mount*> mounts;
    int status = 0;
    if (targets.empty()) {
        for (const Mount& m : m_fs.mounts())
            mounts.push_back(&m);
    } else {
        for (const auto& t : targets) {
            const std::string p = path(t);
            if (!m_fs.exists(p)) {
                out.err(q("df: " + t + ": No such file or directory\n"));
                status = 1;
                continue;
            }
            mounts.push_back(&m_fs.mountOf(p));
        }
    }
    auto num = [&](std::int64_t v) {
        if (human)
            return humanSize(v);
        return std::to_string(bytes ? v : (v + 1023) / 1024);
    };
    char line[256];
    std::snprintf(line, sizeof line, "%-14s%s %10s %10s %10s %4s %s\n", "Filesystem", withType ? " Type    " : "",
        human ? "Size" : (bytes ? "1B-blocks" : "1K-blocks"), "Used", human ? "Avail" : "Available", "Use%",
        "Mounted on");
    std::string text = line;
    for (const Mount* m : mounts) {
        const std::int64_t used = m_fs.usedBytes(*m);
        const std::int64_t avail = std::max<std::int64_t>(0, m->capacityBytes - used);
        const long long pct = m->capacityBytes > 0 ? (used * 100 + m->capacityBytes - 1) / m->capacityBytes : 0;
        std::snprintf(line, sizeof line, "%-14s%s %10s %10s %10s %3lld%% %s\n", m->device.c_str(),
            withType ? (" " + std::string(m->type).append(8 - std::min<std::size_t>(8, m->type.size()), ' ')).c_str()
                     : "",
            num(m->capacityBytes).c_str(), num(used).c_str(), num(avail).c_str(), pct, m->mountPoint.c_str());
        text += line;
    }
    out.out(q(text));
    return status;
}

int ContainerShell::cat(const std::vector<std::string>& args, ExecOutput& out)
{
    if (args.empty() || (args.size() == 1 && args[0] == "-")) {
        out.echoStdin = true;
        return 0;
    }
    int status = 0;
    for (const auto& a : args) {
        const std::string p = path(a);
        if (const SimFile* f = m_fs.file(p)) {
            outFile(*f, 0, out);
        } else {
            out.err(q("cat: " + a + (m_fs.isDirectory(p) ? ": Is a directory\n" : ": No such file or directory\n")));
            status = 1;
        }
    }
    return status;
}

int ContainerShell::sha256sum(const std::vector<std::string>& args, ExecOutput& out)
{
    int status = 0;
    for (const auto& a : args) {
        const std::string p = path(a);
        if (const SimFile* f = m_fs.file(p)) {
            // OpenSSL's SHA-256 runs at the speed of coreutils' (QCryptographicHash's is several times slower).
            unsigned char digest[32];
            SHA256(reinterpret_cast<const unsigned char*>(f->content->constData()),
                static_cast<std::size_t>(f->content->size()), digest);
            out.out(QByteArray(reinterpret_cast<const char*>(digest), 32).toHex() + "  " + q(a) + "\n");
        } else {
            out.err(
                q("sha256sum: " + a + (m_fs.isDirectory(p) ? ": Is a directory\n" : ": No such file or directory\n")));
            status = 1;
        }
    }
    return status;
}

int ContainerShell::rm(const std::vector<std::string>& args, ExecOutput& out)
{
    bool force = false;
    int status = 0;
    for (const auto& a : args)
        if (a.size() > 1 && a[0] == '-')
            force = force || a.find('f') != std::string::npos;
    for (const auto& a : args) {
        if (a.size() > 1 && a[0] == '-')
            continue;
        const std::string p = path(a);
        if (m_fs.isDirectory(p)) {
            out.err(q("rm: cannot remove '" + a + "': Is a directory\n"));
            status = 1;
        } else if (!m_fs.remove(p) && !force) {
            out.err(q("rm: cannot remove '" + a + "': No such file or directory\n"));
            status = 1;
        }
    }
    return status;
}

int ContainerShell::tail(const std::vector<std::string>& args, ExecOutput& out)
{
    // tail -c N FILE (last N bytes) and tail -c +N FILE (from byte N, 1-based): how a transfer resumes.
    std::string count;
    std::vector<std::string> files;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "-c" && i + 1 < args.size())
            count = args[++i];
        else if (args[i].rfind("-c", 0) == 0 && args[i].size() > 2)
            count = args[i].substr(2);
        else if (args[i].rfind("--bytes=", 0) == 0)
            count = args[i].substr(8);
        else
            files.push_back(args[i]);
    }
    if (count.empty() || files.size() != 1) {
        out.err("tail: the sandbox supports 'tail -c [+]N FILE' only\n");
        return 1;
    }
    const bool fromStart = count[0] == '+';
    char* end = nullptr;
    const long long n = std::strtoll(count.c_str() + (fromStart ? 1 : 0), &end, 10);
    if (*end != '\0' || n < 0) {
        out.err(q("tail: invalid number of bytes: '" + count + "'\n"));
        return 1;
    }
    const std::string p = path(files[0]);
    const SimFile* f = m_fs.file(p);
    if (!f) {
        out.err(q("tail: cannot open '" + files[0] + "' for reading: No such file or directory\n"));
        return 1;
    }
    const qint64 size = f->size();
    const qint64 offset = fromStart ? std::clamp<qint64>(n - 1, 0, size) : std::max<qint64>(0, size - n);
    outFile(*f, offset, out);
    return 0;
}

int ContainerShell::test(const std::vector<std::string>& args, ExecOutput&)
{
    if (args.empty())
        return 1;
    if (args.size() == 1)
        return args[0].empty() ? 1 : 0;
    if (args[0] == "!") {
        ExecOutput ignored;
        return test(std::vector<std::string>(args.begin() + 1, args.end()), ignored) == 0 ? 1 : 0;
    }
    if (args.size() == 2) {
        const std::string& op = args[0];
        if (op == "-n")
            return args[1].empty() ? 1 : 0;
        if (op == "-z")
            return args[1].empty() ? 0 : 1;
        const std::string p = path(args[1]);
        const SimFile* f = m_fs.file(p);
        if (op == "-e")
            return m_fs.exists(p) ? 0 : 1;
        if (op == "-f")
            return f ? 0 : 1;
        if (op == "-d")
            return m_fs.isDirectory(p) ? 0 : 1;
        if (op == "-s")
            return f && f->size() > 0 ? 0 : 1;
        if (op == "-r" || op == "-w")
            return m_fs.exists(p) ? 0 : 1;
        if (op == "-x")
            return m_fs.isDirectory(p) || !programPath(args[1]).empty() ? 0 : 1;
    }
    if (args.size() == 3) {
        if (args[1] == "=")
            return args[0] == args[2] ? 0 : 1;
        if (args[1] == "!=")
            return args[0] != args[2] ? 0 : 1;
        const long long a = std::atoll(args[0].c_str());
        const long long b = std::atoll(args[2].c_str());
        if (args[1] == "-eq")
            return a == b ? 0 : 1;
        if (args[1] == "-ne")
            return a != b ? 0 : 1;
        if (args[1] == "-gt")
            return a > b ? 0 : 1;
        if (args[1] == "-ge")
            return a >= b ? 0 : 1;
        if (args[1] == "-lt")
            return a < b ? 0 : 1;
        if (args[1] == "-le")
            return a <= b ? 0 : 1;
    }
    return 2;
}

int ContainerShell::stat(const std::vector<std::string>& args, ExecOutput& out)
{
    std::string format;
    std::vector<std::string> files;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if ((args[i] == "-c" || args[i] == "--format") && i + 1 < args.size())
            format = args[++i];
        else if (args[i].rfind("--format=", 0) == 0 || args[i].rfind("--printf=", 0) == 0)
            format = args[i].substr(9);
        else
            files.push_back(args[i]);
    }
    int status = 0;
    for (const auto& name : files) {
        const std::string p = path(name);
        const SimFile* f = m_fs.file(p);
        if (!f && !m_fs.isDirectory(p)) {
            out.err(q("stat: cannot statx '" + name + "': No such file or directory\n"));
            status = 1;
            continue;
        }
        const qint64 size = f ? f->size() : 4096;
        const std::int64_t mtime = f ? f->modifiedMs : m_now;
        const int mode = f ? f->mode : 0755;
        if (format.empty()) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%04o", mode);
            out.out(q("  File: " + name + "\n  Size: " + std::to_string(size) + "\t"
                + (f ? "regular file" : "directory") + "\nAccess: (" + buf + "/" + modeString(mode, !f)
                + ")  Uid: ( 1000/     app)   Gid: ( 1000/     app)\n" + "Modify: "
                + QDateTime::fromMSecsSinceEpoch(mtime, QTimeZone::utc())
                      .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz000000 +0000"))
                      .toStdString()
                + "\n"));
            continue;
        }
        std::string line;
        for (std::size_t i = 0; i < format.size(); ++i) {
            if (format[i] != '%' || i + 1 >= format.size()) {
                line += format[i];
                continue;
            }
            const char c = format[++i];
            char buf[32];
            switch (c) {
            case 's':
                line += std::to_string(size);
                break;
            case 'n':
                line += name;
                break;
            case 'Y':
                line += std::to_string(mtime / 1000);
                break;
            case 'a':
                std::snprintf(buf, sizeof buf, "%o", mode);
                line += buf;
                break;
            case 'F':
                line += f ? "regular file" : "directory";
                break;
            case 'U':
                line += "app";
                break;
            case '%':
                line += '%';
                break;
            default:
                line += '?';
            }
        }
        out.out(q(line + "\n"));
    }
    return status;
}

int ContainerShell::tar(const std::vector<std::string>& args, ExecOutput& out)
{
    // `tar cf - FILE...` is what `kubectl cp` runs in the pod to copy files out.
    if (args.size() < 3 || args[0].find('c') == std::string::npos || args[0].find('f') == std::string::npos
        || args[1] != "-") {
        out.err("tar: the sandbox supports 'tar cf - FILE...' only\n");
        return 2;
    }
    int status = 0;
    bool warned = false;
    for (std::size_t i = 2; i < args.size(); ++i) {
        const std::string p = path(args[i]);
        const SimFile* f = m_fs.file(p);
        if (!f) {
            out.err(q("tar: " + args[i] + ": Cannot stat: No such file or directory\n"));
            status = 2;
            continue;
        }
        std::string member = args[i];
        if (!member.empty() && member[0] == '/') {
            if (!warned)
                out.err("tar: Removing leading `/' from member names\n");
            warned = true;
            member = member.substr(member.find_first_not_of('/'));
        }
        if (member.size() > 99) {
            out.err(q("tar: " + args[i] + ": file name is too long for the sandbox's tar\n"));
            status = 2;
            continue;
        }
        // ustar header (POSIX 1003.1-1988): octal fields, checksum over the header with spaces in it.
        QByteArray header(512, '\0');
        auto field = [&header](int offset, int width, const std::string& value) {
            header.replace(offset, static_cast<qsizetype>(std::min<std::size_t>(value.size(), width)),
                QByteArrayView(value.data(), static_cast<qsizetype>(std::min<std::size_t>(value.size(), width))));
        };
        auto octal = [&field](int offset, int width, long long value) {
            char buf[24];
            std::snprintf(buf, sizeof buf, "%0*llo", width - 1, value);
            field(offset, width, buf);
        };
        field(0, 100, member);
        octal(100, 8, f->mode);
        octal(108, 8, 1000);
        octal(116, 8, 1000);
        octal(124, 12, f->size());
        octal(136, 12, f->modifiedMs / 1000);
        field(148, 8, "        ");
        header[156] = '0';
        field(257, 6, std::string("ustar\0", 6));
        field(263, 2, "00");
        field(265, 32, "app");
        field(297, 32, "app");
        unsigned sum = 0;
        for (char c : header)
            sum += static_cast<unsigned char>(c);
        char chk[8];
        std::snprintf(chk, sizeof chk, "%06o", sum);
        field(148, 7, std::string(chk, 6) + std::string(1, '\0'));
        out.out(header);
        out.outSlice(f->content, 0, f->size());
        const qint64 pad = (512 - f->size() % 512) % 512;
        if (pad)
            out.out(QByteArray(pad, '\0'));
    }
    out.out(QByteArray(1024, '\0'));
    return status;
}

int ContainerShell::mkdir(const std::vector<std::string>& args, ExecOutput& out)
{
    bool parents = false;
    int status = 0;
    for (const auto& a : args)
        parents = parents || a == "-p";
    for (const auto& a : args) {
        if (a == "-p")
            continue;
        const std::string p = path(a);
        const std::string parent = p.substr(0, std::max<std::size_t>(1, p.rfind('/')));
        if (m_fs.file(p) || (m_fs.isDirectory(p) && !parents)) {
            out.err(q("mkdir: cannot create directory '" + a + "': File exists\n"));
            status = 1;
        } else if (!parents && !m_fs.isDirectory(parent)) {
            out.err(q("mkdir: cannot create directory '" + a + "': No such file or directory\n"));
            status = 1;
        } else {
            m_fs.addDirectory(p);
        }
    }
    return status;
}

} // namespace leakdesk::sandbox
