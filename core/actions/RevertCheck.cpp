#include "core/actions/RevertCheck.h"

#include "core/kube/JsonAccess.h"

#include <algorithm>
#include <set>

namespace leakdesk::actions {

using nlohmann::json;

namespace {

std::string shown(const std::optional<std::string>& v)
{
    return v ? (v->empty() ? std::string("\"\"") : *v) : std::string("<none>");
}

// The container a key is kept under: none for the pod template's annotations.
std::string containerFor(const std::string& container, const std::string& key)
{
    return isContainerField(key) ? container : std::string();
}

bool touches(const OwnWrite& w, const std::string& container, const std::string& key)
{
    return w.values.count(key) && containerFor(w.container, key) == container;
}

// The journal's writes and the records' applies, oldest first; an apply the journal already has
// (the same resourceVersion: no two writes make the same one) is not counted twice.
std::vector<OwnWrite> ownWrites(const std::vector<MitigationRecord>& records, const std::vector<OwnWrite>& journal)
{
    std::vector<OwnWrite> writes = journal;
    for (const MitigationRecord& r : records) {
        const bool known = std::any_of(writes.begin(), writes.end(),
            [&r](const OwnWrite& w) { return !w.resourceVersion.empty() && w.resourceVersion == r.resourceVersion; });
        if (!known)
            writes.push_back(applyWriteOf(r));
    }
    std::stable_sort(
        writes.begin(), writes.end(), [](const OwnWrite& a, const OwnWrite& b) { return a.atMs < b.atMs; });
    return writes;
}

FieldComparison compared(const std::string& container, const std::string& key, const std::optional<std::string>& before,
    const std::optional<std::string>& left, const json& current, const std::string& ourManager)
{
    FieldComparison f;
    f.container = container;
    f.key = key;
    f.path = mitigatedFieldPath(container, key);
    f.before = before;
    f.leftByLeakDesk = left;
    if (isContainerField(key) && !hasContainer(current, container)) {
        f.state = FieldState::ContainerGone;
    } else {
        f.now = readMitigatedField(current, container, key);
        if (sameFieldValue(key, f.now, before))
            f.state = FieldState::Restored;
        else if (sameFieldValue(key, f.now, left))
            f.state = FieldState::AsLeft;
        else
            f.state = FieldState::ChangedByOthers;
    }
    if (f.state == FieldState::ChangedByOthers || f.state == FieldState::ContainerGone)
        f.changedBy = fieldWriter(current, container, key, ourManager);
    return f;
}

} // namespace

OwnWrite applyWriteOf(const MitigationRecord& record)
{
    return { record.id, record.container, record.after, record.resourceVersion, record.appliedMs };
}

json ownWriteJson(const std::vector<FieldValue>& written, const std::string& resourceVersion, std::int64_t atMs)
{
    json fields = json::array();
    for (const FieldValue& f : written)
        fields.push_back(
            { { "container", f.container }, { "key", f.key }, { "value", f.value ? json(*f.value) : json(nullptr) } });
    return { { "fields", fields }, { "resourceVersion", resourceVersion }, { "atMs", atMs } };
}

std::vector<OwnWrite> ownWritesFromJson(const json& write, const std::string& id)
{
    std::vector<OwnWrite> out;
    const json& fields = kube::jsonAt(write, { "fields" });
    if (!fields.is_array())
        return out;
    const json& at = kube::jsonAt(write, { "atMs" });
    for (const json& f : fields) {
        const std::string container = kube::jsonString(f, { "container" });
        const std::string key = kube::jsonString(f, { "key" });
        if (key.empty())
            continue;
        auto w = std::find_if(out.begin(), out.end(), [&](const OwnWrite& o) { return o.container == container; });
        if (w == out.end()) {
            out.push_back({ id, container, {}, kube::jsonString(write, { "resourceVersion" }),
                at.is_number_integer() ? at.get<std::int64_t>() : 0 });
            w = out.end() - 1;
        }
        const json& v = kube::jsonAt(f, { "value" });
        w->values[key] = v.is_string() ? std::optional<std::string>(v.get<std::string>()) : std::nullopt;
    }
    return out;
}

const char* fieldStateName(FieldState state)
{
    switch (state) {
    case FieldState::AsLeft:
        return "as left";
    case FieldState::Restored:
        return "restored";
    case FieldState::ChangedByOthers:
        return "changed by others";
    case FieldState::ContainerGone:
        return "container gone";
    }
    return "?";
}

std::string FieldComparison::threeWay() const
{
    std::string line
        = path + ": before LeakDesk " + shown(before) + " · LeakDesk set " + shown(leftByLeakDesk) + " · now ";
    line += state == FieldState::ContainerGone ? "container \"" + container + "\" is gone" : shown(now);
    if (changedBy)
        line += (changedBy->ownsField ? " (changed by " : " (last written by ") + changedBy->toString() + ")";
    return line;
}

bool RevertComparison::conflict() const
{
    return !leftAlone().empty();
}

bool RevertComparison::anythingToRestore() const
{
    return !toRestore().empty();
}

std::vector<FieldValue> RevertComparison::toRestore() const
{
    std::vector<FieldValue> out;
    for (const FieldComparison& f : fields)
        if (f.state == FieldState::AsLeft)
            out.push_back({ f.container, f.key, f.before });
    return out;
}

std::vector<const FieldComparison*> RevertComparison::leftAlone() const
{
    std::vector<const FieldComparison*> out;
    for (const FieldComparison& f : fields)
        if (f.state == FieldState::ChangedByOthers || f.state == FieldState::ContainerGone)
            out.push_back(&f);
    return out;
}

RevertComparison compareForRevert(const std::vector<MitigationRecord>& records, const std::vector<OwnWrite>& journal,
    const json& current, const std::string& ourManager)
{
    std::vector<MitigationRecord> oldestFirst = records;
    std::stable_sort(oldestFirst.begin(), oldestFirst.end(),
        [](const MitigationRecord& a, const MitigationRecord& b) { return a.appliedMs < b.appliedMs; });
    const std::vector<OwnWrite> writes = ownWrites(oldestFirst, journal);

    RevertComparison out;
    std::set<std::pair<std::string, std::string>> seen;
    for (const MitigationRecord& r : oldestFirst) {
        for (const auto& field : r.before) {
            const std::string& key = field.first; // a named reference: lambdas may capture it (clang 14)
            const std::optional<std::string>& before = field.second;
            const std::string container = containerFor(r.container, key);
            if (!seen.insert({ container, key }).second)
                continue; // an earlier reverted record touched it: its `before` is the one to restore
            auto last = std::find_if(
                writes.rbegin(), writes.rend(), [&](const OwnWrite& w) { return touches(w, container, key); });
            const auto after = r.after.find(key);
            const std::optional<std::string> left = last != writes.rend() ? last->values.at(key)
                : after != r.after.end()                                  ? after->second
                                                                          : std::nullopt;
            FieldComparison f = compared(r.container, key, before, left, current, ourManager);
            f.leftBy = last != writes.rend() ? last->id : r.id;
            out.fields.push_back(std::move(f));
        }
    }
    out.currentResourceVersion = kube::jsonString(current, { "metadata", "resourceVersion" });
    out.lastOwnResourceVersion = writes.empty() ? std::string() : writes.back().resourceVersion;
    out.untouchedSinceOwnWrite
        = !out.currentResourceVersion.empty() && out.lastOwnResourceVersion == out.currentResourceVersion;
    return out;
}

std::vector<FieldComparison> revertDidNotStay(
    const std::vector<FieldValue>& restored, const json& current, const std::string& ourManager)
{
    std::vector<FieldComparison> moved;
    for (const FieldValue& v : restored) {
        FieldComparison f = compared(v.container, v.key, v.value, v.value, current, ourManager);
        if (f.state != FieldState::Restored)
            moved.push_back(std::move(f));
    }
    return moved;
}

std::vector<FieldComparison> applyDidNotStay(
    const MitigationRecord& record, const json& current, const std::string& ourManager)
{
    std::vector<FieldComparison> moved;
    for (const auto& [key, written] : record.after) {
        const auto before = record.before.find(key);
        const std::optional<std::string> was
            = before == record.before.end() ? std::optional<std::string>() : before->second;
        if (sameFieldValue(key, was, written))
            continue; // nothing was changed there
        FieldComparison f = compared(record.container, key, was, written, current, ourManager);
        // Put back to the old value (a self-heal) or to a third one: either way not what was applied.
        if (f.state != FieldState::AsLeft) {
            if (!f.changedBy && f.state == FieldState::Restored)
                f.changedBy = fieldWriter(current, record.container, key, ourManager);
            moved.push_back(std::move(f));
        }
    }
    return moved;
}

} // namespace leakdesk::actions
