#include "core/heap/ObjectLayout.h"

namespace leakdesk::heap {

ObjectLayout ObjectLayout::defaultFor(unsigned idSize)
{
    ObjectLayout l;
    if (idSize == 4) {
        l.referenceSize = 4;
        l.headerSize = 8;
        l.arrayHeaderSize = 12;
        l.wordSize = 4;
    }
    return l;
}

std::string ObjectLayout::describe() const
{
    std::string s;
    if (wordSize == 4) {
        s = "32-bit JVM";
    } else {
        s = referenceSize == 4 ? "compressed oops" : "uncompressed oops";
        s += headerSize == 12 ? ", compressed class pointers" : ", uncompressed class pointers";
    }
    s += ", " + std::to_string(alignment) + "-byte alignment";
    s += detected ? " (detected from object addresses)" : " (default: addresses gave no evidence)";
    return s;
}

std::vector<ObjectLayout> candidateLayouts(unsigned idSize, unsigned alignment)
{
    std::vector<ObjectLayout> out;
    if (idSize == 4) {
        ObjectLayout l = ObjectLayout::defaultFor(4);
        l.alignment = alignment;
        out.push_back(l);
        return out;
    }
    for (unsigned ref : { 4u, 8u }) {
        for (unsigned header : { 12u, 16u }) {
            ObjectLayout l;
            l.referenceSize = ref;
            l.headerSize = header;
            l.arrayHeaderSize = header == 12 ? 16 : 24; // length after the class pointer, word-aligned
            l.alignment = alignment;
            out.push_back(l);
        }
    }
    return out;
}

unsigned alignmentFromAddressBits(std::uint64_t orOfAddresses)
{
    if (!orOfAddresses)
        return 0;
    unsigned a = 1u << __builtin_ctzll(orOfAddresses);
    return a > 256 ? 256 : a;
}

} // namespace leakdesk::heap
