#pragma once
// The incident holding every secret sample, shared by the pure masking test (tst_secret_masking.cpp)
// and the PDF witness test (tst_incident_pdf.cpp), which reads its PDF export back with pdftotext.
#include "IncidentFixture.h"
#include "SecretSamples.h"

#include "core/incident/IncidentRecording.h"

namespace leakdesk::test {

// An incident as an older LeakDesk could have written it: every sample in a note, an action's
// output and a journal entry, unmasked (the fields are filled directly, not through record*).
inline incident::IncidentDocument incidentWithEverySecret()
{
    using namespace incident;
    IncidentDocument doc = test::fixtureIncident();
    std::int64_t t = doc.updatedMs;
    std::string all;
    for (const auto& s : test::secretSamples()) {
        ++t;
        doc.notes.push_back({ "N" + std::to_string(100 + doc.notes.size()), t, s.text, -1 });
        doc.journal.push_back({ t, JournalKind::Note, std::string("pasted ") + s.name, s.text, {}, {} });
        all += s.text + "\n";
    }
    ActionRecord a;
    a.id = "A99";
    a.kind = "shell";
    a.title = "kubectl get secret db -o yaml";
    a.kubectl = a.title;
    a.output = all;
    a.state = ActionState::Applied;
    a.createdMs = t;
    doc.actions.push_back(a);
    assignMissingJournalIds(doc);
    return doc;
}

} // namespace leakdesk::test
