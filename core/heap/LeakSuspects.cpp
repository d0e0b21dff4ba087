#include "core/heap/LeakSuspects.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>

namespace leakdesk::heap {

const char* leakCategoryName(LeakCategory c)
{
    switch (c) {
    case LeakCategory::UnboundedCache:
        return "unbounded cache";
    case LeakCategory::ListenersNotDeregistered:
        return "listeners not deregistered";
    case LeakCategory::ConnectionsNotClosed:
        return "connections not closed";
    case LeakCategory::ThreadLocalAccumulation:
        return "thread-local accumulation";
    case LeakCategory::LargeRetainedSet:
        return "large retained set";
    }
    return "";
}

const char* leakCategoryKey(LeakCategory c)
{
    switch (c) {
    case LeakCategory::UnboundedCache:
        return "unbounded_cache";
    case LeakCategory::ListenersNotDeregistered:
        return "listeners_not_deregistered";
    case LeakCategory::ConnectionsNotClosed:
        return "connections_not_closed";
    case LeakCategory::ThreadLocalAccumulation:
        return "thread_local_accumulation";
    case LeakCategory::LargeRetainedSet:
        return "large_retained_set";
    }
    return "";
}

std::string formatBytes(std::uint64_t bytes)
{
    char buf[32];
    if (bytes >= (1ull << 30))
        std::snprintf(buf, sizeof buf, "%.1f GiB", double(bytes) / double(1ull << 30));
    else if (bytes >= (1ull << 20))
        std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / double(1ull << 20));
    else if (bytes >= 1024)
        std::snprintf(buf, sizeof buf, "%.1f KiB", double(bytes) / 1024.0);
    else
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    return buf;
}

namespace {

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool containsAny(std::string_view haystack, std::initializer_list<const char*> needles)
{
    const std::string h = lower(haystack);
    for (const char* n : needles)
        if (h.find(n) != std::string::npos)
            return true;
    return false;
}

std::string withThousands(std::uint64_t v)
{
    // Built back to front (std::string::insert trips a false -Wrestrict in g++ 12 at -O3).
    const std::string digits = std::to_string(v);
    std::string out;
    out.reserve(digits.size() + digits.size() / 3);
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0)
            out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
}

class SuspectFinder {
public:
    SuspectFinder(const HeapSnapshot& s, const DominatorTree& d, const GcRootPaths& p, const SuspectOptions& o)
        : m_s(s)
        , m_d(d)
        , m_p(p)
        , m_o(o)
        , m_total(std::max<std::uint64_t>(1, d.reachableBytes()))
    { }

    std::vector<LeakSuspect> run()
    {
        findAccumulationPoints();
        scanListenerCollections();
        scanConnections();
        scanThreadLocals();
        std::sort(m_out.begin(), m_out.end(),
            [](const LeakSuspect& a, const LeakSuspect& b) { return a.retainedBytes > b.retainedBytes; });
        if (m_out.size() > m_o.maxSuspects)
            m_out.resize(m_o.maxSuspects);
        return std::move(m_out);
    }

private:
    const ClassTable& classes() const { return m_s.classes(); }
    std::string internalName(std::uint32_t obj) const
    {
        const std::uint32_t c = m_s.classOf(obj);
        return c == kNoIndex ? std::string() : classes()[c].internalName;
    }
    std::string className(std::uint32_t obj) const
    {
        if (const std::uint32_t c = m_s.describedClass(obj); c != kNoIndex)
            return "class " + classes()[c].name;
        const std::uint32_t c = m_s.classOf(obj);
        return c == kNoIndex ? std::string("?") : classes()[c].name;
    }
    bool inherits(std::uint32_t obj, std::initializer_list<const char*> names) const
    {
        const std::uint32_t c = m_s.classOf(obj);
        if (c == kNoIndex || m_s.kind(obj) != ObjectKind::Instance)
            return false;
        for (const char* n : names)
            if (classes().inheritsFrom(c, n))
                return true;
        return false;
    }
    bool isMap(std::uint32_t obj) const
    {
        return inherits(obj,
                   { "java/util/HashMap", "java/util/concurrent/ConcurrentHashMap", "java/util/Hashtable",
                       "java/util/TreeMap", "java/util/WeakHashMap", "java/util/IdentityHashMap",
                       "java/util/concurrent/ConcurrentSkipListMap", "java/util/AbstractMap" })
            || (m_s.kind(obj) == ObjectKind::Instance && containsAny(internalName(obj), { "cache" }));
    }
    bool isCollection(std::uint32_t obj) const
    {
        return isMap(obj)
            || inherits(obj,
                { "java/util/AbstractCollection", "java/util/concurrent/CopyOnWriteArrayList", "java/util/Vector",
                    "java/util/HashSet", "java/util/concurrent/CopyOnWriteArraySet" });
    }
    // Entries of a collection (its size field where it has one, else elements of its array).
    std::uint64_t elementCount(std::uint32_t obj) const
    {
        for (const char* f : { "size", "count", "elementCount", "baseCount" })
            if (const auto v = m_s.fieldValue(obj, f))
                return *v;
        if (m_s.kind(obj) == ObjectKind::ObjectArray)
            return m_s.references(obj).size();
        return m_d.children(obj).size();
    }

    // Most frequent class among the objects dominated below `obj` at the element level: the
    // classes of the largest dominated children (entries, values), skipping collection nodes.
    std::string dominantElementClass(std::uint32_t obj) const
    {
        std::map<std::string, std::uint64_t> bytes;
        std::vector<std::uint32_t> level(m_d.children(obj).begin(), m_d.children(obj).end());
        for (int depth = 0; depth < 3 && !level.empty(); ++depth) {
            bytes.clear();
            std::vector<std::uint32_t> next;
            std::size_t k = 0;
            for (const std::uint32_t c : level) {
                if (++k > 2000)
                    break;
                const std::string n = internalName(c);
                const bool plumbing = m_s.kind(c) == ObjectKind::ObjectArray || n.find("$Node") != std::string::npos
                    || n.find("$Entry") != std::string::npos || n == "java/lang/String";
                if (plumbing) {
                    for (const std::uint32_t g : m_d.children(c))
                        next.push_back(g);
                } else {
                    bytes[className(c)] += m_d.retainedSize(c);
                }
            }
            if (!bytes.empty())
                break;
            level.swap(next);
        }
        std::string best;
        std::uint64_t most = 0;
        for (const auto& [name, b] : bytes)
            if (b > most) {
                most = b;
                best = name;
            }
        return best;
    }

    std::string ownerOf(std::uint32_t obj) const
    {
        const auto path = m_p.pathFromRoot(obj);
        if (path.size() < 2)
            return path.empty() ? std::string("unreachable") : "GC root (" + describeRoot(m_s, obj) + ")";
        // Skip collection plumbing (arrays, nodes) back to the nearest named field.
        for (std::size_t i = path.size() - 1; i >= 1; --i) {
            const std::string via = m_s.referenceName(path[i - 1], path[i]);
            if (!via.empty() && via[0] != '[' && via[0] != '<') {
                if (via.rfind("static ", 0) == 0)
                    return via + " of " + className(path[i - 1]);
                return "field " + via + " of " + className(path[i - 1]);
            }
        }
        return "GC root (" + describeRoot(m_s, path.front()) + ")";
    }

    bool alreadyReported(std::uint32_t obj) const
    {
        for (const LeakSuspect& s : m_out)
            if (s.object == obj)
                return true;
        return false;
    }

    LeakSuspect make(LeakCategory cat, std::uint32_t obj, std::uint64_t retained, std::uint64_t count)
    {
        LeakSuspect s;
        s.category = cat;
        s.object = obj;
        s.className = className(obj);
        s.owner = ownerOf(obj);
        s.retainedBytes = retained;
        s.heapShare = double(retained) / double(m_total);
        s.elementCount = count;
        s.elementClass = dominantElementClass(obj);
        s.pathToRoot = m_p.describePath(m_s, obj);
        return s;
    }

    // From an array or internal node, up to the collection that owns it.
    std::uint32_t owningCollection(std::uint32_t obj) const
    {
        std::uint32_t v = obj;
        for (int i = 0; i < 3; ++i) {
            if (isCollection(v))
                return v;
            const std::uint32_t d = m_d.immediateDominator(v);
            if (d == DominatorTree::kVirtualRoot || d == kNoIndex)
                break;
            v = d;
        }
        return isCollection(v) ? v : obj;
    }

    void findAccumulationPoints()
    {
        const std::uint64_t threshold = std::uint64_t(m_o.minHeapShare * double(m_total));
        std::set<std::uint32_t> seen;
        // Large objects anywhere in the tree: walk down from the roots' children.
        std::vector<std::uint32_t> starts;
        for (const std::uint32_t c : m_d.children(DominatorTree::kVirtualRoot)) {
            if (m_d.retainedSize(c) < threshold)
                break; // children are sorted by retained size
            starts.push_back(c);
        }
        for (std::size_t si = 0; si < starts.size() && si < 10000; ++si) {
            std::uint32_t v = starts[si]; // the loop appends to `starts`: index, not iterator
            // Descend while one child holds most of the retained size.
            for (int guard = 0; guard < 10000; ++guard) {
                const auto ch = m_d.children(v);
                if (ch.empty())
                    break;
                const std::uint32_t big = ch.front();
                if (m_d.retainedSize(big) * 10 >= m_d.retainedSize(v) * 7) {
                    v = big;
                    continue;
                }
                // Several large children: each may be an accumulation point of its own.
                bool split = false;
                for (const std::uint32_t c : ch) {
                    if (m_d.retainedSize(c) < threshold)
                        break;
                    if (m_d.children(c).size() > 0 && c != big) {
                        starts.push_back(c);
                        split = true;
                    }
                }
                if (split && m_d.retainedSize(big) >= threshold && !isCollection(v)) {
                    v = big;
                    continue;
                }
                break;
            }
            const std::uint32_t point = owningCollection(v);
            if (!seen.insert(point).second || alreadyReported(point))
                continue;
            const std::uint64_t retained = m_d.retainedSize(point);
            if (retained < threshold)
                continue;
            classify(point, retained);
        }
    }

    void classify(std::uint32_t point, std::uint64_t retained)
    {
        const std::uint64_t count = elementCount(point);
        LeakSuspect s = make(LeakCategory::LargeRetainedSet, point, retained, count);
        const std::string context = s.owner + " " + s.className + " " + s.elementClass;
        if (containsAny(context, { "threadlocal" })) {
            s.category = LeakCategory::ThreadLocalAccumulation;
        } else if (containsAny(context, { "listener", "observer", "handler", "subscriber", "callback" })) {
            s.category = LeakCategory::ListenersNotDeregistered;
        } else if (isConnectionClass(s.elementClass)) {
            s.category = LeakCategory::ConnectionsNotClosed;
        } else if (isMap(point)) {
            s.category = LeakCategory::UnboundedCache;
        }
        s.explanation = explain(s);
        m_out.push_back(std::move(s));
    }

    static bool isConnectionClass(std::string_view name)
    {
        const std::string n = lower(name);
        for (const char* suffix : { "socket", "socketimpl", "socketchannelimpl", "connection", "connectionimpl",
                 "httpclient", "httpclientimpl", "inputstream", "outputstream", "randomaccessfile", "filechannelimpl",
                 "statement", "resultset" }) {
            const std::string sfx(suffix);
            if (n.size() >= sfx.size() && n.compare(n.size() - sfx.size(), sfx.size(), sfx) == 0)
                return true;
        }
        return false;
    }

    std::string explain(const LeakSuspect& s) const
    {
        const std::string size = formatBytes(s.retainedBytes);
        char share[16];
        std::snprintf(share, sizeof share, "%.0f%%", s.heapShare * 100);
        const std::string elems = s.elementClass.empty() ? std::string() : " of " + s.elementClass;
        switch (s.category) {
        case LeakCategory::UnboundedCache:
            return s.className + " held by " + s.owner + " has " + withThousands(s.elementCount) + " entries" + elems
                + " retaining " + size + " (" + share
                + " of the heap): entries are added and never evicted; bound it (maximum size, TTL) or evict.";
        case LeakCategory::ListenersNotDeregistered:
            return s.className + " held by " + s.owner + " keeps " + withThousands(s.elementCount) + " listeners"
                + elems + " (" + size
                + "): listeners are registered and never removed; deregister them when their owner goes away.";
        case LeakCategory::ConnectionsNotClosed:
            return withThousands(s.elementCount) + " open connection/stream objects" + elems + " (" + size
                + ") are held by " + s.owner
                + ": they are never closed; close them in finally/try-with-resources, also on error paths.";
        case LeakCategory::ThreadLocalAccumulation:
            return s.explanation.empty() ? "ThreadLocal values" + elems + " retain " + size
                    + " in long-lived threads: call ThreadLocal.remove() when a pooled thread finishes a task."
                                         : s.explanation;
        case LeakCategory::LargeRetainedSet:
            return s.className + " held by " + s.owner + " retains " + size + " (" + share + " of the heap) in "
                + withThousands(s.elementCount) + " elements" + elems + ": check whether it should grow this large.";
        }
        return {};
    }

    void scanListenerCollections()
    {
        const std::uint32_t n = m_s.objectCount();
        for (std::uint32_t i = 0; i < n; ++i) {
            if (m_s.kind(i) != ObjectKind::ObjectArray || !m_d.isReachable(i))
                continue;
            const auto refs = m_s.references(i);
            if (refs.size() < m_o.minCollectionElements)
                continue;
            const std::uint32_t coll = owningCollection(i);
            if (alreadyReported(coll))
                continue;
            const std::string owner = ownerOf(coll);
            // Majority element class among the first elements.
            std::map<std::string, std::size_t> votes;
            for (std::size_t k = 0; k < refs.size() && k < 200; ++k)
                ++votes[className(refs[k])];
            std::string element;
            std::size_t most = 0;
            for (const auto& [name, v] : votes)
                if (v > most) {
                    most = v;
                    element = name;
                }
            if (!containsAny(owner + " " + element, { "listener", "observer", "handler", "subscriber", "callback" }))
                continue;
            LeakSuspect s = make(LeakCategory::ListenersNotDeregistered, coll, m_d.retainedSize(coll), refs.size());
            s.elementClass = element;
            s.explanation = explain(s);
            m_out.push_back(std::move(s));
        }
    }

    void scanConnections()
    {
        // Instances of connection-like classes, grouped by the object that dominates most of them.
        std::map<std::string, std::uint64_t> perClass;
        std::map<std::uint32_t, std::uint64_t> holders;
        std::uint64_t count = 0;
        const std::uint32_t n = m_s.objectCount();
        for (std::uint32_t i = 0; i < n; ++i) {
            if (m_s.kind(i) != ObjectKind::Instance || !m_d.isReachable(i))
                continue;
            const std::uint32_t c = m_s.classOf(i);
            if (c == kNoIndex || !isConnectionClass(classes()[c].internalName))
                continue;
            const std::string& in = classes()[c].internalName;
            // JDK-internal streams (System.in/out, class loading) are not the application's.
            if (in.rfind("java/", 0) == 0 || in.rfind("sun/", 0) == 0 || in.rfind("jdk/", 0) == 0) {
                if (in != "java/net/Socket" && in != "java/io/FileInputStream" && in != "java/io/FileOutputStream"
                    && in != "sun/nio/ch/SocketChannelImpl")
                    continue;
                // A stream of the JVM's own (System.in, class loading) is held by a JDK class.
                bool system = false;
                for (const std::uint32_t step : m_p.pathFromRoot(i)) {
                    const std::uint32_t dc = m_s.describedClass(step);
                    if (dc == kNoIndex)
                        continue;
                    const std::string& cn = classes()[dc].internalName;
                    system = cn.rfind("java/", 0) == 0 || cn.rfind("sun/", 0) == 0 || cn.rfind("jdk/", 0) == 0;
                    break;
                }
                if (system)
                    continue;
            }
            ++count;
            ++perClass[classes()[c].name];
            const std::uint32_t d = m_d.immediateDominator(i);
            if (d != DominatorTree::kVirtualRoot && d != kNoIndex)
                ++holders[owningCollection(d)];
        }
        if (count < m_o.minConnections)
            return;
        std::uint32_t holder = kNoIndex;
        std::uint64_t held = 0;
        for (const auto& [h, k] : holders)
            if (k > held) {
                held = k;
                holder = h;
            }
        if (holder == kNoIndex || alreadyReported(holder))
            return;
        LeakSuspect s = make(LeakCategory::ConnectionsNotClosed, holder, m_d.retainedSize(holder), count);
        std::string mix;
        for (const auto& [name, k] : perClass)
            mix += (mix.empty() ? "" : ", ") + withThousands(k) + " " + name;
        s.elementClass = mix;
        s.explanation = withThousands(count) + " open connection/stream objects (" + mix + "); " + withThousands(held)
            + " of them under " + s.className + " held by " + s.owner
            + ": they are never closed; close them in finally/try-with-resources, also on error paths.";
        m_out.push_back(std::move(s));
    }

    void scanThreadLocals()
    {
        std::uint64_t total = 0;
        std::uint64_t threads = 0;
        std::uint32_t largestMap = kNoIndex;
        std::uint32_t largestThread = kNoIndex;
        const std::uint32_t n = m_s.objectCount();
        for (std::uint32_t i = 0; i < n; ++i) {
            if (!inherits(i, { "java/lang/Thread" }))
                continue;
            const auto mapId = m_s.fieldValue(i, "threadLocals");
            if (!mapId || !*mapId)
                continue;
            const std::uint32_t map = m_s.findObject(*mapId);
            if (map == kNoIndex || !m_d.isReachable(map))
                continue;
            const std::uint64_t r = m_d.retainedSize(map);
            if (r < m_o.minThreadLocalBytes)
                continue;
            total += r;
            ++threads;
            if (largestMap == kNoIndex || r > m_d.retainedSize(largestMap)) {
                largestMap = map;
                largestThread = i;
            }
        }
        if (!threads || alreadyReported(largestMap))
            return;
        LeakSuspect s = make(LeakCategory::ThreadLocalAccumulation, largestMap, total, threads);
        std::string threadName = "?";
        if (const auto nameId = m_s.fieldValue(largestThread, "name"); nameId && *nameId) {
            const std::uint32_t no = m_s.findObject(*nameId);
            if (no != kNoIndex)
                threadName = m_s.stringValue(no, 80).value_or("?");
        }
        s.explanation = withThousands(threads) + " thread(s) hold " + formatBytes(total)
            + " in ThreadLocal values (largest: thread '" + threadName + "', "
            + formatBytes(m_d.retainedSize(largestMap))
            + (s.elementClass.empty() ? std::string() : " of " + s.elementClass)
            + "): pooled threads never clear them; call ThreadLocal.remove() when a task ends.";
        m_out.push_back(std::move(s));
    }

    const HeapSnapshot& m_s;
    const DominatorTree& m_d;
    const GcRootPaths& m_p;
    const SuspectOptions& m_o;
    const std::uint64_t m_total;
    std::vector<LeakSuspect> m_out;
};

} // namespace

std::vector<LeakSuspect> findLeakSuspects(
    const HeapSnapshot& snapshot, const DominatorTree& dominators, const GcRootPaths& paths, const SuspectOptions& o)
{
    return SuspectFinder(snapshot, dominators, paths, o).run();
}

} // namespace leakdesk::heap
