#pragma once
// The sandbox's default scenario (resources/scenarios/storefront.yaml, compiled in): what
// `sandbox serve`, `--sandbox` and `export-metrics` use when no --scenario replaces it.

#include "core/sandbox/scenario/ScenarioFile.h"

namespace leakdesk::sandbox::scenario {

Result<Scenario> defaultScenario();

} // namespace leakdesk::sandbox::scenario
