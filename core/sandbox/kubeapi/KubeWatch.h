#pragma once
// Watch for the sandbox's Kubernetes API, built like the API server's watch cache. The model is a
// function of time, so nothing announces a change: a cache per kind keeps the objects it saw last
// and, whenever it is advanced (by each list, and every second while someone watches), compares
// them with the objects at that instant and records ADDED / MODIFIED / DELETED events under one
// strictly increasing resourceVersion counter (etcd's revision). A watch replays the recorded
// events after its resourceVersion and follows new ones; one older than the cache still holds
// gets an ERROR event with a 410 Gone Status ("too old resource version"), as after compaction.

#include "core/sandbox/http/ResponseStream.h"
#include "core/sandbox/model/SandboxModel.h"

#include <nlohmann/json.hpp>

#include <QObject>
#include <QTimer>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::sandbox {

struct WatchEvent {
    std::int64_t resourceVersion = 0;
    std::string type; // ADDED, MODIFIED, DELETED
    nlohmann::json object; // carries resourceVersion; for DELETED the last state
    nlohmann::json previous; // MODIFIED: the state before (a watcher whose filter it leaves sees DELETED)
    std::int64_t atMs = 0; // model time it was recorded at
};

class WatchHub {
public:
    using Source = std::function<std::vector<nlohmann::json>(std::int64_t nowMs)>;
    // Events are kept this long (model time) and at most this many per kind.
    static constexpr std::int64_t kRetentionMs = 5 * kMinuteMs;
    static constexpr std::size_t kMaxEvents = 2000;

    // floor: resourceVersions handed out elsewhere (time-derived ones, deployment writes); the
    // counter never falls behind them.
    explicit WatchHub(std::function<std::int64_t(std::int64_t nowMs)> floor);

    // Brings the cache of `key` up to nowMs (creating it on first use) and returns its objects.
    std::vector<nlohmann::json> advance(const std::string& key, const Source& source, std::int64_t nowMs);
    // The current revision: larger than or equal to every resourceVersion handed out so far.
    std::int64_t resourceVersion(std::int64_t nowMs);
    std::int64_t counter() const { return m_counter; }

    // Events of `key` after `resourceVersion`; nullopt when some of them are gone (410 Gone).
    std::optional<std::vector<const WatchEvent*>> eventsAfter(
        const std::string& key, std::int64_t resourceVersion) const;
    // Below this a resourceVersion is too old for `key` (0 when the cache does not exist yet).
    std::int64_t oldestResourceVersion(const std::string& key) const;

private:
    struct Cache {
        std::map<std::string, nlohmann::json> objects; // namespace/name -> object
        std::deque<WatchEvent> events;
        std::int64_t compacted = 0; // events at or below this are gone
    };

    std::function<std::int64_t(std::int64_t)> m_floor;
    std::int64_t m_counter = 0;
    std::map<std::string, Cache> m_caches;
};

// One watch request, parsed and authorised.
struct WatchRequest {
    std::string cacheKey;
    WatchHub::Source source;
    std::function<bool(const nlohmann::json&)> matches; // namespace, name, label and field selectors
    // The object as the client wants it (events.k8s.io conversion, Table row); rv is the event's.
    std::function<nlohmann::json(const nlohmann::json& object, std::int64_t nowMs)> present;
    // The object of a BOOKMARK event (the kind, or an empty Table) carrying a resourceVersion.
    std::function<nlohmann::json(std::int64_t resourceVersion)> bookmark;
    std::optional<std::int64_t> resourceVersion; // nullopt ("" or "0"): ADDED for every object first
    bool sendInitialEvents = false; // with bookmarks: end the initial ADDEDs with an annotated BOOKMARK
    bool bookmarks = false;
    std::int64_t timeoutMs = 30 * kMinuteMs;
};

// Streams one watch as newline-delimited WatchEvents; lives as a child of its ResponseStream.
class WatchSession : public QObject {
    Q_OBJECT
public:
    static constexpr int kPollIntervalMs = 1000;
    static constexpr std::int64_t kBookmarkIntervalMs = kMinuteMs;

    WatchSession(WatchHub& hub, std::function<std::int64_t()> clock, WatchRequest request, ResponseStream* stream);

private:
    void begin();
    void start();
    void poll();
    void deliver();
    void sendBookmark(bool initialEventsEnd = false);
    void send(const std::string& type, const nlohmann::json& object);
    void fail(int code, const std::string& reason, const std::string& message, const nlohmann::json& details = {});

    WatchHub& m_hub;
    std::function<std::int64_t()> m_clock;
    WatchRequest m_request;
    QPointer<ResponseStream> m_stream;
    std::int64_t m_position = 0;
    QTimer m_poll;
    QTimer m_bookmarkTimer;
    QTimer m_deadline;
};

} // namespace leakdesk::sandbox
