// Test helper for the concurrency test: one writer of an incident file, run many times in
// parallel. "rmw" mode reads, appends and writes under the file's lock each time (as
// `leakdesk-cli investigate --incident` does); "held" mode reads the file once and keeps its
// document, appending and saving it again and again (as the GUI does), so its saves merge.
#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentStore.h"

#include <QCoreApplication>
#include <QFileInfo>

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace leakdesk::incident;

namespace {

IncidentDocument fresh(std::int64_t nowMs)
{
    NewIncident p;
    p.id = "concurrency";
    p.ns = "production";
    p.service = "checkout";
    p.nowMs = nowMs;
    return newIncident(p);
}

void append(IncidentDocument& doc, const std::string& writer, int i, std::int64_t nowMs)
{
    recordNote(doc, writer + " note " + std::to_string(i), nowMs);
    HeapDumpRecord h;
    h.pod = writer + "-pod-" + std::to_string(i);
    h.capturedMs = nowMs;
    recordHeapDump(doc, h, nowMs);
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 5) {
        std::fprintf(stderr, "usage: incident_append FILE WRITER COUNT rmw|held\n");
        return 2;
    }
    const QString path = QString::fromLocal8Bit(argv[1]);
    const std::string writer = argv[2];
    const int count = std::atoi(argv[3]);
    const bool held = std::string(argv[4]) == "held";
    IncidentStore store(path);
    IncidentDocument doc;
    bool haveDoc = false;
    for (int i = 0; i < count; ++i) {
        const std::int64_t now = currentTimeMs();
        if (!held || !haveDoc) {
            if (!held) {
                if (auto st = store.lock(); !st) {
                    std::fprintf(stderr, "%s\n", st.error().toString().c_str());
                    return 1;
                }
            }
            if (QFileInfo::exists(path)) {
                auto loaded = store.load();
                if (!loaded) {
                    std::fprintf(stderr, "%s\n", loaded.error().toString().c_str());
                    return 1;
                }
                doc = std::move(loaded->document);
            } else {
                doc = fresh(now);
            }
            haveDoc = true;
        }
        append(doc, writer, i, now);
        if (auto st = store.save(doc); !st) {
            std::fprintf(stderr, "%s\n", st.error().toString().c_str());
            return 1;
        }
        if (held)
            doc = store.savedDocument(); // the GUI shows (and goes on from) what is on disk
        store.unlock();
    }
    return 0;
}
