// bench_heap: class histogram and dominator tree + retained sizes on real JVM dumps made by
// make-bench-dumps.sh (BUILD_DIR/heap-bench/*.hprof). Each stage runs in its own child process so
// its peak RSS is its own. Prints one JSON object. Peak RSS is reported twice: total (VmHWM, which
// counts the pages of the mapped dump) and anonymous memory only (sampled RssAnon: what the
// analyser allocates besides the mapped file).
#include "core/heap/ClassHistogram.h"
#include "core/heap/DominatorTree.h"
#include "core/heap/HeapSnapshot.h"
#include "core/heap/HprofFile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace leakdesk::heap;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::uint64_t statusKb(const char* key)
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key, 0) == 0)
            return std::stoull(line.substr(std::string(key).size()));
    return 0;
}

// Samples RssAnon every few milliseconds: the kernel keeps no peak of anonymous memory alone.
class AnonPeak {
public:
    AnonPeak()
        : m_thread([this] {
            while (!m_stop.load()) {
                const std::uint64_t kb = statusKb("RssAnon:");
                if (kb > m_peak.load())
                    m_peak.store(kb);
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        })
    { }
    double stopMb()
    {
        m_stop.store(true);
        m_thread.join();
        return double(std::max(m_peak.load(), statusKb("RssAnon:"))) / 1024.0;
    }

private:
    std::atomic<bool> m_stop { false };
    std::atomic<std::uint64_t> m_peak { 0 };
    std::thread m_thread;
};

double seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b)
{
    return std::chrono::duration<double>(b - a).count();
}

int child(const std::string& mode, const std::string& path)
{
    AnonPeak anon;
    const auto t0 = std::chrono::steady_clock::now();
    auto opened = HprofFile::open(path);
    if (!opened) {
        std::printf("{\"error\": \"%s\"}\n", opened.error().message.c_str());
        return 1;
    }
    json out;
    const double size = double(opened->size());
    if (mode == "histogram") {
        auto h = computeClassHistogram(*opened);
        const auto t1 = std::chrono::steady_clock::now();
        if (!h)
            return 1;
        out = { { "seconds", seconds(t0, t1) }, { "throughput_gb_s", size / 1e9 / seconds(t0, t1) },
            { "instances", h->totalInstances }, { "classes", h->rows.size() }, { "layout", h->layout.describe() } };
    } else {
        auto file = std::make_shared<const HprofFile>(std::move(*opened));
        auto s = HeapSnapshot::load(file);
        const auto t1 = std::chrono::steady_clock::now();
        if (!s)
            return 1;
        auto d = DominatorTree::compute(**s);
        const auto t2 = std::chrono::steady_clock::now();
        if (!d)
            return 1;
        out = { { "index_and_graph_seconds", seconds(t0, t1) }, { "dominators_and_retained_seconds", seconds(t1, t2) },
            { "seconds", seconds(t0, t2) }, { "objects", (*s)->objectCount() }, { "references", (*s)->edgeCount() },
            { "reachable_bytes", d->reachableBytes() } };
    }
    // CPU time next to wall time: on a machine shared with builds, wall time includes waiting.
    rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    out["cpu_seconds"] = double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    out["peak_rss_mb"] = double(statusKb("VmHWM:")) / 1024.0;
    out["peak_anon_rss_mb"] = anon.stopMb();
    std::printf("%s\n", out.dump().c_str());
    return 0;
}

json runChild(const std::string& self, const std::string& mode, const std::string& path)
{
    int pipeFds[2];
    if (::pipe(pipeFds) != 0)
        return { { "error", "pipe failed" } };
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(pipeFds[1], 1);
        ::close(pipeFds[0]);
        ::execl(self.c_str(), self.c_str(), "--child", mode.c_str(), path.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    ::close(pipeFds[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(pipeFds[0], buf, sizeof buf)) > 0;)
        text.append(buf, std::size_t(n));
    ::close(pipeFds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    try {
        return json::parse(text);
    } catch (const std::exception&) {
        return { { "error", "stage failed: " + text } };
    }
}

} // namespace

int main(int argc, char** argv)
{
    if (argc == 4 && std::string(argv[1]) == "--child")
        return child(argv[2], argv[3]);
    const std::string self = fs::canonical("/proc/self/exe").string();
    // BUILD_DIR/tests/bench/heap/bench_heap -> BUILD_DIR/heap-bench
    const fs::path dumps = argc > 1 ? fs::path(argv[1]) : fs::path(self).parent_path() / "../../../heap-bench";
    json result {
        { "benchmark", "heap" },
        { "hardware_threads", std::thread::hardware_concurrency() },
#ifdef NDEBUG
        { "optimised", true },
#else
        { "optimised", false },
#endif
    };
    std::vector<fs::path> files;
    if (fs::is_directory(dumps))
        for (const auto& e : fs::directory_iterator(dumps))
            if (e.path().extension() == ".hprof" || e.path().string().ends_with(".hprof.gz"))
                files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) {
        result["skipped"] = "no dumps in " + dumps.lexically_normal().string()
            + "; run tests/bench/heap/make-bench-dumps.sh BUILD_DIR [100m] [1g] first";
        std::printf("%s\n", result.dump().c_str());
        return 0;
    }
    json runs = json::array();
    for (const auto& f : files) {
        // Warm the page cache so both stages measure parsing, not the disk.
        {
            std::ifstream in(f, std::ios::binary);
            std::vector<char> buf(1 << 20);
            while (in.read(buf.data(), std::streamsize(buf.size())) || in.gcount() > 0) { }
        }
        runs.push_back({ { "file", f.filename().string() }, { "bytes", fs::file_size(f) },
            { "histogram", runChild(self, "histogram", f.string()) },
            { "dominators", runChild(self, "dominators", f.string()) } });
    }
    result["dumps"] = runs;
    double load[3] = { 0, 0, 0 };
    if (::getloadavg(load, 3) > 0)
        result["load_average_1min"] = load[0];
    std::printf("%s\n", result.dump(2).c_str());
    return 0;
}
