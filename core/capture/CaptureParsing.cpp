#include "core/capture/CaptureParsing.h"

#include <QList>

#include <charconv>
#include <cstdio>
#include <regex>
#include <sstream>

namespace leakdesk::capture {

namespace {

std::vector<std::string> lines(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        out.push_back(line);
    }
    return out;
}

std::string trim(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos)
        return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::int64_t unitBytes(char unit)
{
    switch (unit) {
    case 'K':
        return 1024;
    case 'M':
        return 1024 * 1024;
    case 'G':
        return 1024LL * 1024 * 1024;
    default:
        return 1;
    }
}

} // namespace

std::vector<JvmProcess> parseJvmList(const std::string& text)
{
    std::vector<JvmProcess> out;
    for (const std::string& raw : lines(text)) {
        const std::string line = trim(raw);
        std::size_t digits = 0;
        while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9')
            ++digits;
        if (digits == 0 || digits > 9 || (digits < line.size() && line[digits] != ' '))
            continue;
        const std::string what = digits < line.size() ? trim(line.substr(digits)) : std::string();
        // The listing tool is a JVM too: jcmd and jps list themselves.
        if (what.find("sun.tools.jcmd.JCmd") != std::string::npos || what.find("sun.tools.jps.Jps") != std::string::npos
            || what == "Jps" || what == "JCmd")
            continue;
        // A JVM that cannot be attached to prints "-- process information unavailable"; keep it, the
        // dump will say why it fails.
        out.push_back(JvmProcess { std::stoi(line.substr(0, digits)), what });
    }
    return out;
}

std::optional<JvmProcess> jvmFromCmdline(int pid, const QByteArray& cmdline)
{
    const QList<QByteArray> argv = cmdline.split('\0');
    if (argv.isEmpty() || argv.front().isEmpty())
        return std::nullopt;
    const QByteArray exe = argv.front().mid(argv.front().lastIndexOf('/') + 1);
    if (exe != "java")
        return std::nullopt;
    std::string description;
    for (qsizetype i = 1; i < argv.size(); ++i) {
        if (argv[i].isEmpty())
            continue;
        if (!description.empty())
            description += ' ';
        description += argv[i].toStdString();
    }
    return JvmProcess { pid, description };
}

Result<std::vector<DiskSpace>> parseDf(const std::string& text)
{
    const std::vector<std::string> all = lines(text);
    if (all.empty() || all[0].rfind("Filesystem", 0) != 0)
        return makeError(ErrorCode::Parse, "df printed no table", text.substr(0, 200));
    const bool withType = all[0].find(" Type ") != std::string::npos;
    std::vector<DiskSpace> out;
    for (std::size_t i = 1; i < all.size(); ++i) {
        std::istringstream in(all[i]);
        std::vector<std::string> f;
        for (std::string w; in >> w;)
            f.push_back(w);
        const std::size_t need = withType ? 7 : 6;
        if (f.empty())
            continue;
        if (f.size() < need)
            return makeError(ErrorCode::Parse, "unexpected df line '" + all[i] + "'");
        DiskSpace d;
        std::size_t k = 0;
        d.device = f[k++];
        if (withType)
            d.type = f[k++];
        // Whole numbers only: "1.5G" from a df that ignored -B1 must not read as 1 byte.
        auto number = [](const std::string& w, std::int64_t& out) {
            const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), out);
            return ec == std::errc() && end == w.data() + w.size();
        };
        if (!number(f[k], d.sizeBytes) || !number(f[k + 1], d.usedBytes) || !number(f[k + 2], d.availableBytes))
            return makeError(
                ErrorCode::Parse, "unexpected df line '" + all[i] + "'", "df must print sizes in bytes (-B1)");
        k += 3;
        ++k; // Use%
        d.mountPoint = f[k];
        for (++k; k < f.size(); ++k)
            d.mountPoint += " " + f[k];
        out.push_back(std::move(d));
    }
    return out;
}

std::optional<std::string> mountTypeOf(const std::string& procMounts, const std::string& dir)
{
    std::optional<std::string> best;
    std::size_t bestLen = 0;
    for (const std::string& line : lines(procMounts)) {
        std::istringstream in(line);
        std::string device, mountPoint, type;
        if (!(in >> device >> mountPoint >> type))
            continue;
        const bool covers = mountPoint == "/" || dir == mountPoint
            || (dir.rfind(mountPoint, 0) == 0 && dir.size() > mountPoint.size() && dir[mountPoint.size()] == '/');
        if (covers && mountPoint.size() >= bestLen) {
            best = type;
            bestLen = mountPoint.size();
        }
    }
    return best;
}

int parseJdkMajor(const std::string& vmVersion)
{
    // "OpenJDK 64-Bit Server VM version 17.0.13+11" then "JDK 17.0.13" on a line of its own.
    static const std::regex jdk(R"((?:^|\n)JDK (\d+)(?:\.(\d+))?)");
    static const std::regex vm(R"(VM version (\d+)(?:\.(\d+))?)");
    std::smatch m;
    if (!std::regex_search(vmVersion, m, jdk) && !std::regex_search(vmVersion, m, vm))
        return 0;
    const int first = std::stoi(m[1].str());
    // JDK 8 says "JDK 1.8.0_392" (and "VM version 25.392-b08", which this does not read).
    return first == 1 && m[2].matched ? std::stoi(m[2].str()) : first;
}

std::optional<std::int64_t> parseHeapUsedBytes(const std::string& heapInfo)
{
    static const std::regex usedAfter(R"(used (\d+)([KMG]))");
    static const std::regex usedBefore(R"((\d+)([KMG]) used)");
    std::int64_t total = 0;
    bool any = false;
    for (const std::string& raw : lines(heapInfo)) {
        const std::string line = trim(raw);
        if (line.rfind("Metaspace", 0) == 0 || line.rfind("class space", 0) == 0)
            continue;
        std::smatch m;
        if (std::regex_search(line, m, usedAfter) || std::regex_search(line, m, usedBefore)) {
            total += std::stoll(m[1].str()) * unitBytes(m[2].str()[0]);
            any = true;
            // G1's and ZGC's first line covers the whole heap; generations are summed otherwise.
            if (line.rfind("garbage-first heap", 0) == 0 || line.rfind("ZHeap", 0) == 0)
                break;
        }
    }
    return any ? std::optional<std::int64_t>(total) : std::nullopt;
}

DumpOutcome parseDumpOutput(const std::string& text)
{
    static const std::regex created(R"(Heap dump file created \[(\d+) bytes)");
    DumpOutcome out;
    std::smatch m;
    if (std::regex_search(text, m, created)) {
        out.ok = true;
        out.bytes = std::stoll(m[1].str());
        return out;
    }
    for (const std::string& raw : lines(text)) {
        const std::string line = trim(raw);
        if (line.empty() || line.rfind("Dumping heap to", 0) == 0 || (line.back() == ':' && line.size() < 12))
            continue;
        out.message = line;
        break;
    }
    if (out.message.empty())
        out.message = "the JVM did not report a heap dump";
    return out;
}

std::optional<std::string> parseSha256(const std::string& text)
{
    const std::string t = trim(text);
    if (t.size() < 64)
        return std::nullopt;
    for (std::size_t i = 0; i < 64; ++i)
        if (!std::isxdigit(static_cast<unsigned char>(t[i])))
            return std::nullopt;
    if (t.size() > 64 && t[64] != ' ')
        return std::nullopt;
    std::string digest = t.substr(0, 64);
    for (char& c : digest)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return digest;
}

} // namespace leakdesk::capture
