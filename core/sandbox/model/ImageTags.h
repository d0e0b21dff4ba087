#pragma once
// Which image tags carry a fix: sim.leakdesk.io/fixed-in.<container>: TAG (and the built-in
// checkout's and payments' fixed tags) say from which release on a container no longer leaks.
//
// The rule: a tag fixes when it is TAG or a later release of it. Releases compare as versions
// ("v" prefix optional; dot-separated numbers compared as numbers, so 2.14.10 is after 2.14.9; a
// pre-release "-rc.1" comes before its release, as SemVer orders them; build metadata "+..." is
// ignored). A tag that is not a version ("latest", "main-4f2a9c", a digest-only reference) fixes
// only when it is exactly TAG: nothing says it is later. A fix is kept by the releases after it.

#include <optional>
#include <string>
#include <string_view>

namespace leakdesk::sandbox {

// The tag of an image reference: "registry:5000/team/app:1.2.3@sha256:..." -> "1.2.3"; "" when it
// has none (only a digest, or the implied "latest").
std::string imageTag(std::string_view imageReference);

// <0, 0, >0 as `a` is before, the same release as, or after `b`; nullopt when either is not a version.
std::optional<int> compareVersionTags(std::string_view a, std::string_view b);

// Whether an image whose tag is `tag` carries the fix released as `fixedTag` (the rule above).
bool tagCarriesFix(std::string_view tag, std::string_view fixedTag);

} // namespace leakdesk::sandbox
