#include "core/sandbox/kubeapi/KubeWatch.h"

#include <algorithm>

namespace leakdesk::sandbox {

using nlohmann::json;

namespace {

std::string keyOf(const json& obj)
{
    const json& m = obj["metadata"];
    return m.value("namespace", "") + "/" + m.value("name", "");
}

std::int64_t naturalVersion(const json& obj)
{
    const std::string rv = obj["metadata"].value("resourceVersion", "");
    char* end = nullptr;
    const long long v = std::strtoll(rv.c_str(), &end, 10);
    return end && *end == '\0' ? v : 0;
}

// Equal apart from the resourceVersion: nothing a client could see has changed.
bool sameContent(const json& a, const json& b)
{
    if (a == b)
        return true;
    json x = a;
    json y = b;
    x["metadata"].erase("resourceVersion");
    y["metadata"].erase("resourceVersion");
    return x == y;
}

} // namespace

WatchHub::WatchHub(std::function<std::int64_t(std::int64_t)> floor)
    : m_floor(std::move(floor))
{ }

std::int64_t WatchHub::resourceVersion(std::int64_t nowMs)
{
    m_counter = std::max(m_counter, m_floor(nowMs));
    return m_counter;
}

std::vector<json> WatchHub::advance(const std::string& key, const Source& source, std::int64_t nowMs)
{
    std::vector<json> now = source(nowMs);
    resourceVersion(nowMs);
    auto [it, created] = m_caches.try_emplace(key);
    Cache& cache = it->second;
    std::map<std::string, json> next;
    for (const json& obj : now)
        next.emplace(keyOf(obj), obj);
    if (created) {
        // Nothing before this instant is known: a watch from an older resourceVersion is too old.
        cache.compacted = m_counter;
    } else {
        std::vector<WatchEvent> events;
        for (const auto& [k, obj] : next) {
            const auto old = cache.objects.find(k);
            if (old == cache.objects.end())
                events.push_back(WatchEvent { 0, "ADDED", obj, json(), nowMs });
            else if (!sameContent(old->second, obj))
                events.push_back(WatchEvent { 0, "MODIFIED", obj, old->second, nowMs });
        }
        for (const auto& [k, obj] : cache.objects)
            if (!next.count(k))
                events.push_back(WatchEvent { 0, "DELETED", obj, obj, nowMs });
        // In the order they happened; each gets its own revision, as each etcd write does.
        std::stable_sort(events.begin(), events.end(), [](const WatchEvent& a, const WatchEvent& b) {
            const std::int64_t ta = a.type == "DELETED" ? INT64_MAX : naturalVersion(a.object);
            const std::int64_t tb = b.type == "DELETED" ? INT64_MAX : naturalVersion(b.object);
            return ta < tb;
        });
        for (WatchEvent& e : events) {
            e.resourceVersion = ++m_counter;
            e.object["metadata"]["resourceVersion"] = std::to_string(e.resourceVersion);
            cache.events.push_back(std::move(e));
        }
        while (!cache.events.empty()
            && (cache.events.size() > kMaxEvents || cache.events.front().atMs < nowMs - kRetentionMs)) {
            cache.compacted = cache.events.front().resourceVersion;
            cache.events.pop_front();
        }
    }
    cache.objects = std::move(next);
    return now;
}

std::optional<std::vector<const WatchEvent*>> WatchHub::eventsAfter(const std::string& key, std::int64_t rv) const
{
    const auto it = m_caches.find(key);
    if (it == m_caches.end() || rv < it->second.compacted)
        return std::nullopt;
    std::vector<const WatchEvent*> out;
    for (const WatchEvent& e : it->second.events)
        if (e.resourceVersion > rv)
            out.push_back(&e);
    return out;
}

std::int64_t WatchHub::oldestResourceVersion(const std::string& key) const
{
    const auto it = m_caches.find(key);
    return it == m_caches.end() ? 0 : it->second.compacted;
}

WatchSession::WatchSession(
    WatchHub& hub, std::function<std::int64_t()> clock, WatchRequest request, ResponseStream* stream)
    : QObject(stream)
    , m_hub(hub)
    , m_clock(std::move(clock))
    , m_request(std::move(request))
    , m_stream(stream)
{
    connect(&m_poll, &QTimer::timeout, this, &WatchSession::poll);
    connect(&m_bookmarkTimer, &QTimer::timeout, this, [this] { sendBookmark(); });
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        // As the API server does before it ends a watch: tell the client how far it got.
        if (m_request.bookmarks)
            sendBookmark();
        else
            poll();
        if (m_stream)
            m_stream->finish();
    });
    begin();
}

void WatchSession::begin()
{
    try {
        start();
    } catch (const std::exception& e) {
        fail(500, "InternalError", std::string("an error on the server (\"") + e.what() + "\") has ended the watch");
    }
}

void WatchSession::start()
{
    const std::int64_t now = m_clock();
    const std::vector<json> objects = m_hub.advance(m_request.cacheKey, m_request.source, now);
    const std::int64_t current = m_hub.resourceVersion(now);
    if (!m_request.resourceVersion) {
        // "Get state and start at most recent": every object as ADDED, then the changes.
        for (const json& obj : objects)
            if (m_request.matches(obj))
                send("ADDED", m_request.present(obj, now));
        m_position = current;
        if (m_request.sendInitialEvents && m_request.bookmarks)
            sendBookmark(true);
    } else if (*m_request.resourceVersion > current) {
        return fail(504, "Timeout",
            "Too large resource version: " + std::to_string(*m_request.resourceVersion)
                + ", current: " + std::to_string(current),
            { { "causes",
                  json::array(
                      { { { "reason", "ResourceVersionTooLarge" }, { "message", "Too large resource version" } } }) },
                { "retryAfterSeconds", 1 } });
    } else {
        m_position = *m_request.resourceVersion;
    }
    poll();
    if (!m_stream || !m_stream->isOpen())
        return;
    m_poll.start(kPollIntervalMs);
    if (m_request.bookmarks)
        m_bookmarkTimer.start(static_cast<int>(kBookmarkIntervalMs));
    m_deadline.start(static_cast<int>(std::clamp<std::int64_t>(m_request.timeoutMs, 0, INT32_MAX)));
}

void WatchSession::poll()
{
    try {
        deliver();
    } catch (const std::exception& e) {
        fail(500, "InternalError", std::string("an error on the server (\"") + e.what() + "\") has ended the watch");
    }
}

void WatchSession::deliver()
{
    if (!m_stream || !m_stream->isOpen()) {
        deleteLater();
        return;
    }
    // A client that does not read: wait for it instead of buffering without bound.
    if (m_stream->pendingBytes() > 4 * 1024 * 1024)
        return;
    const std::int64_t now = m_clock();
    m_hub.advance(m_request.cacheKey, m_request.source, now);
    const auto events = m_hub.eventsAfter(m_request.cacheKey, m_position);
    if (!events) {
        return fail(410, "Expired",
            "too old resource version: " + std::to_string(m_position) + " ("
                + std::to_string(m_hub.oldestResourceVersion(m_request.cacheKey)) + ")");
    }
    for (const WatchEvent* e : *events) {
        const bool now_ = m_request.matches(e->object);
        const bool before = !e->previous.is_null() && m_request.matches(e->previous);
        std::string type;
        if (e->type == "ADDED")
            type = now_ ? "ADDED" : "";
        else if (e->type == "DELETED")
            type = before ? "DELETED" : "";
        else
            type = before && now_ ? "MODIFIED" : now_ ? "ADDED" : before ? "DELETED" : "";
        if (!type.empty()) {
            json obj = e->object;
            send(type, m_request.present(obj, now));
        }
        m_position = e->resourceVersion;
    }
}

void WatchSession::sendBookmark(bool initialEventsEnd)
{
    // Everything up to the bookmark's resourceVersion must have been sent before it: a client
    // resumes from there.
    if (!initialEventsEnd) {
        poll();
        if (!m_stream || !m_stream->isOpen())
            return;
    }
    m_position = std::max(m_position, m_hub.counter());
    json obj = m_request.bookmark(m_position);
    if (initialEventsEnd)
        obj["metadata"]["annotations"] = { { "k8s.io/initial-events-end", "true" } };
    send("BOOKMARK", obj);
}

void WatchSession::send(const std::string& type, const json& object)
{
    if (!m_stream)
        return;
    m_stream->write(QByteArray::fromStdString(json { { "type", type }, { "object", object } }.dump() + "\n"));
}

void WatchSession::fail(int code, const std::string& reason, const std::string& message, const json& details)
{
    // Inside a watch, errors are events: the HTTP status has long been sent.
    json status = { { "kind", "Status" }, { "apiVersion", "v1" }, { "metadata", json::object() },
        { "status", "Failure" }, { "message", message }, { "reason", reason }, { "code", code } };
    if (!details.is_null() && !details.empty())
        status["details"] = details;
    send("ERROR", status);
    m_poll.stop();
    m_bookmarkTimer.stop();
    m_deadline.stop();
    if (m_stream)
        m_stream->finish();
}

} // namespace leakdesk::sandbox
