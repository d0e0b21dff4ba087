#pragma once
// parallelFor: runs task(taskIndex, workerIndex) for every task on a few std::threads that pull
// task indices from an atomic counter, so uneven tasks (heap segments of different content)
// balance themselves. Worker 0 is the calling thread.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace leakdesk::heap {

inline unsigned workerCount(unsigned requested, std::size_t tasks)
{
    unsigned n = requested ? requested : std::max(1u, std::thread::hardware_concurrency());
    return unsigned(std::max<std::size_t>(1, std::min<std::size_t>(n, tasks)));
}

template<class Task> void parallelFor(std::size_t tasks, unsigned workers, Task&& task)
{
    std::atomic<std::size_t> next { 0 };
    auto run = [&](unsigned worker) {
        for (std::size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < tasks;)
            task(i, worker);
    };
    std::vector<std::thread> threads;
    for (unsigned w = 1; w < workers; ++w)
        threads.emplace_back(run, w);
    run(0);
    for (auto& t : threads)
        t.join();
}

} // namespace leakdesk::heap
