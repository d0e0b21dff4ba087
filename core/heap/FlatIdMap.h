#pragma once
// FlatIdMap: open-addressing hash map from a non-zero 64-bit identifier to a small value. Used in
// the hot loops (class id -> class index, per-thread counters) where std::unordered_map's node
// allocations and pointer chasing would dominate the cost of parsing.

#include <cstdint>
#include <vector>

namespace leakdesk::heap {

template<class Value> class FlatIdMap {
public:
    explicit FlatIdMap(std::size_t expected = 16) { rehash(capacityFor(expected)); }

    // Returns the slot for `key` (inserting `init` when new). Key 0 is reserved as "empty".
    Value& operator()(std::uint64_t key, Value init = Value {})
    {
        if ((m_size + 1) * 4 > m_keys.size() * 3)
            rehash(m_keys.size() * 2);
        std::size_t i = slot(key);
        while (m_keys[i] != 0) {
            if (m_keys[i] == key)
                return m_values[i];
            i = (i + 1) & m_mask;
        }
        m_keys[i] = key;
        m_values[i] = init;
        ++m_size;
        return m_values[i];
    }

    const Value* find(std::uint64_t key) const
    {
        if (key == 0)
            return nullptr;
        std::size_t i = slot(key);
        while (m_keys[i] != 0) {
            if (m_keys[i] == key)
                return &m_values[i];
            i = (i + 1) & m_mask;
        }
        return nullptr;
    }

    std::size_t size() const { return m_size; }

    template<class F> void forEach(F&& f) const
    {
        for (std::size_t i = 0; i < m_keys.size(); ++i)
            if (m_keys[i])
                f(m_keys[i], m_values[i]);
    }

private:
    static std::size_t capacityFor(std::size_t n)
    {
        std::size_t c = 16;
        while (c * 3 < n * 4)
            c *= 2;
        return c;
    }
    std::size_t slot(std::uint64_t key) const
    {
        // Fibonacci hashing spreads aligned addresses (low bits always zero) over the table.
        return std::size_t((key * 0x9E3779B97F4A7C15ull) >> m_shift) & m_mask;
    }
    void rehash(std::size_t capacity)
    {
        std::vector<std::uint64_t> keys(capacity, 0);
        std::vector<Value> values(capacity);
        std::swap(keys, m_keys);
        std::swap(values, m_values);
        m_mask = capacity - 1;
        m_shift = 64 - __builtin_ctzll(capacity);
        m_size = 0;
        for (std::size_t i = 0; i < keys.size(); ++i)
            if (keys[i])
                (*this)(keys[i], values[i]);
    }

    std::vector<std::uint64_t> m_keys;
    std::vector<Value> m_values;
    std::size_t m_mask = 0;
    unsigned m_shift = 60;
    std::size_t m_size = 0;
};

} // namespace leakdesk::heap
