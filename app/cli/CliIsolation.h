#pragma once
// Following a pod taken out of its Service, shared by `isolate --wait` and `heap capture --isolate`.

#include "core/actions/PodIsolation.h"

#include <iosfwd>

namespace leakdesk::cli {

// Polls once a second until the replacement is ready and the endpoints no longer list the pod;
// prints each change of state. 0 when settled, else prints the timeout and returns 1.
int followIsolation(actions::PodIsolation& isolation, const actions::IsolationRecord& record, int timeoutS,
    std::ostream& out);

} // namespace leakdesk::cli
