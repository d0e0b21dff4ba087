#pragma once
// ObjectInspector: what one object holds, field by field, as MAT's inspector shows it: an
// instance's fields (its class's first, then each superclass's) with their values, an object
// array's non-null elements, a primitive array's length and first values (text for byte[] and
// char[]), a class's static fields. References name their target ("java.lang.String @ 0x...",
// with the string's text) and its index, so a viewer can go there. Answers "what do the 7,598
// HashMap entries hold?" one entry at a time.

#include "core/heap/ClassTable.h"
#include "core/heap/HeapSnapshot.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace leakdesk::heap {

struct InspectedField {
    std::string name; // "table", "[3]", "static ENTRIES", "length"
    std::string type; // "int", "java.lang.Object[]" (a reference's target class), "byte[]"
    std::string value; // "42", "null", "java.util.HashMap @ 0x7f00...", "\"session-17\""
    std::uint32_t target = kNoIndex; // the referenced object, when the value is a reference
};

struct ObjectInspection {
    std::string title; // HeapSnapshot::describe
    std::vector<InspectedField> fields;
    std::size_t omitted = 0; // array elements left out beyond maxFields
};

ObjectInspection inspectObject(const HeapSnapshot& snapshot, std::uint32_t object, std::size_t maxFields = 500);

} // namespace leakdesk::heap
