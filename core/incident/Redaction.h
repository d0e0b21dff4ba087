#pragma once
// Redaction for sharing a report outside the company: pod, namespace, node and image names, the
// kubeconfig context and the API server address are replaced by aliases ("pod-1", "namespace-1",
// "node-1", "image-1", "context-1", "server-1"). The same name always gets the same alias across
// the whole document and every export made from it, so the story still reads.

#include "core/common/Result.h"
#include "core/incident/IncidentDocument.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leakdesk::incident {

class RedactionMap {
public:
    // Collects every name the document holds, in a stable order (first appearance), and numbers
    // the aliases per kind.
    static RedactionMap forDocument(const IncidentDocument& doc);

    // Replaces every known name inside `text` (longest names first, in one pass, so an alias is
    // never rewritten by a later rule).
    std::string apply(std::string_view text) const;
    void apply(nlohmann::json& j) const; // every string and object key of the tree

    // (name, alias) pairs, for tests and for telling the user what was replaced.
    const std::vector<std::pair<std::string, std::string>>& aliases() const { return m_aliases; }
    std::string aliasOf(const std::string& name) const; // empty when the name is unknown

private:
    void add(const std::string& name, const char* kind);
    void finish();

    std::vector<std::pair<std::string, std::string>> m_aliases; // in order of first appearance
    std::vector<std::size_t> m_byLength; // indices into m_aliases, longest name first
    std::vector<std::pair<std::string, int>> m_counters;
};

// A copy of the document with every name replaced (see RedactionMap).
Result<IncidentDocument> redactIncident(const IncidentDocument& doc, const RedactionMap& map);
Result<IncidentDocument> redactIncident(const IncidentDocument& doc);

// A copy of the document with maskSecrets() applied to every string (SecretMasking.h). Exports
// start from it, so a file written by an older LeakDesk with weaker masking is masked too.
Result<IncidentDocument> maskIncidentSecrets(const IncidentDocument& doc);

} // namespace leakdesk::incident
