#pragma once
// Tolerant reads of Kubernetes JSON: a missing field or one of an unexpected type reads as null or
// "", never as an exception (objects from real clusters differ by version and by controller). The
// readers themselves are core/common's, shared with the incident files.

#include "core/common/JsonAccess.h"

namespace leakdesk::kube {

using leakdesk::jsonAt;
using leakdesk::jsonString;

} // namespace leakdesk::kube
