#include "core/sandbox/model/ImageTags.h"

#include <cctype>
#include <vector>

namespace leakdesk::sandbox {

namespace {

struct Version {
    std::vector<unsigned long long> numbers;
    std::string preRelease; // empty: a release
};

std::optional<Version> parseVersion(std::string_view tag)
{
    if (!tag.empty() && (tag.front() == 'v' || tag.front() == 'V'))
        tag.remove_prefix(1);
    if (const auto plus = tag.find('+'); plus != std::string_view::npos)
        tag = tag.substr(0, plus);
    Version v;
    if (const auto dash = tag.find('-'); dash != std::string_view::npos) {
        v.preRelease = std::string(tag.substr(dash + 1));
        tag = tag.substr(0, dash);
        if (v.preRelease.empty())
            return std::nullopt;
    }
    if (tag.empty())
        return std::nullopt;
    std::size_t i = 0;
    while (i <= tag.size()) {
        const std::size_t dot = std::min(tag.find('.', i), tag.size());
        const std::string_view part = tag.substr(i, dot - i);
        // At most 18 digits: a number, not a hash that happens to be all digits.
        if (part.empty() || part.size() > 18)
            return std::nullopt;
        unsigned long long n = 0;
        for (const char c : part) {
            if (!std::isdigit(static_cast<unsigned char>(c)))
                return std::nullopt;
            n = n * 10 + static_cast<unsigned long long>(c - '0');
        }
        v.numbers.push_back(n);
        i = dot + 1;
    }
    return v;
}

} // namespace

std::string imageTag(std::string_view imageReference)
{
    if (const auto at = imageReference.find('@'); at != std::string_view::npos)
        imageReference = imageReference.substr(0, at);
    const auto slash = imageReference.rfind('/');
    const auto colon = imageReference.rfind(':');
    // A colon before the last slash is a registry's port, not a tag.
    if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash))
        return {};
    return std::string(imageReference.substr(colon + 1));
}

std::optional<int> compareVersionTags(std::string_view a, std::string_view b)
{
    const auto va = parseVersion(a);
    const auto vb = parseVersion(b);
    if (!va || !vb)
        return std::nullopt;
    const std::size_t n = std::max(va->numbers.size(), vb->numbers.size());
    for (std::size_t i = 0; i < n; ++i) {
        // 1.2 is 1.2.0.
        const unsigned long long x = i < va->numbers.size() ? va->numbers[i] : 0;
        const unsigned long long y = i < vb->numbers.size() ? vb->numbers[i] : 0;
        if (x != y)
            return x < y ? -1 : 1;
    }
    if (va->preRelease == vb->preRelease)
        return 0;
    if (va->preRelease.empty())
        return 1; // a release is after its pre-releases
    if (vb->preRelease.empty())
        return -1;
    return va->preRelease < vb->preRelease ? -1 : 1;
}

bool tagCarriesFix(std::string_view tag, std::string_view fixedTag)
{
    if (tag.empty() || fixedTag.empty())
        return false;
    if (tag == fixedTag)
        return true;
    const auto order = compareVersionTags(tag, fixedTag);
    return order && *order >= 0;
}

} // namespace leakdesk::sandbox
