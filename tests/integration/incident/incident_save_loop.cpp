// Test helper for the kill-during-save test: loads an incident, then changes and saves it in a
// loop, printing the number of completed saves after each one, until it is killed.
#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentStore.h"

#include <QCoreApplication>

#include <cstdio>

using namespace leakdesk::incident;

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 3) {
        std::fprintf(stderr, "usage: incident_save_loop SEED.leakdesk TARGET.leakdesk\n");
        return 2;
    }
    auto seed = readIncidentFile(QString::fromLocal8Bit(argv[1]));
    if (!seed) {
        std::fprintf(stderr, "%s\n", seed.error().toString().c_str());
        return 1;
    }
    IncidentDocument doc = std::move(seed).value();
    IncidentStore store(QString::fromLocal8Bit(argv[2]));
    for (long i = 1;; ++i) {
        // Each save grows the file, so a torn write could never look like a complete older one.
        recordNote(doc, "autosave " + std::to_string(i) + std::string(200, 'x'), doc.updatedMs + 1000);
        if (auto st = store.save(doc); !st) {
            std::fprintf(stderr, "%s\n", st.error().toString().c_str());
            return 1;
        }
        std::printf("%ld\n", i);
        std::fflush(stdout);
    }
}
