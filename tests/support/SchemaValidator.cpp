#include "SchemaValidator.h"

#include <fstream>
#include <limits>
#include <regex>

namespace leakdesk::test {

using nlohmann::json;

namespace {

constexpr std::string_view kRefPrefix = "#/definitions/";
constexpr const char* kTime = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
constexpr const char* kMicroTime = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";

bool isRfc3339(const std::string& s)
{
    static const std::regex re(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$)");
    return std::regex_match(s, re);
}

std::string typeName(const json& v)
{
    if (v.is_null())
        return "null";
    if (v.is_boolean())
        return "boolean";
    if (v.is_number_integer())
        return "integer";
    if (v.is_number())
        return "number";
    if (v.is_string())
        return "string";
    if (v.is_array())
        return "array";
    return "object";
}

} // namespace

SchemaValidator::SchemaValidator(json document)
    : m_definitions(document.contains("definitions") ? std::move(document["definitions"]) : json::object())
{ }

SchemaValidator SchemaValidator::fromFile(const std::string& path)
{
    std::ifstream in(path);
    json doc = json::parse(in, nullptr, false);
    return SchemaValidator(doc.is_discarded() ? json::object() : std::move(doc));
}

bool SchemaValidator::hasDefinition(const std::string& name) const
{
    return m_definitions.contains(name);
}
std::size_t SchemaValidator::definitionCount() const
{
    return m_definitions.size();
}

std::vector<std::string> SchemaValidator::validate(const std::string& definition, const json& instance) const
{
    std::vector<std::string> errors;
    if (!hasDefinition(definition)) {
        errors.push_back("$: no definition " + definition + " in the schema");
        return errors;
    }
    check(json { { "$ref", std::string(kRefPrefix) + definition } }, instance, "$", errors, 0);
    return errors;
}

void SchemaValidator::check(const json& schema, const json& instance, const std::string& path,
    std::vector<std::string>& errors, int depth) const
{
    if (depth > 64) {
        errors.push_back(path + ": nested too deep");
        return;
    }
    if (schema.contains("$ref")) {
        const std::string ref = schema["$ref"].get<std::string>();
        const std::string name = ref.rfind(kRefPrefix, 0) == 0 ? ref.substr(kRefPrefix.size()) : ref;
        if (!m_definitions.contains(name)) {
            errors.push_back(path + ": schema " + name + " is not in the trimmed definitions");
            return;
        }
        // Go's zero time.Time marshals as null: a core/v1 Event's eventTime, a template's
        // creationTimestamp, a condition's lastProbeTime.
        if (instance.is_null() && (name == kTime || name == kMicroTime))
            return;
        check(m_definitions[name], instance, path, errors, depth + 1);
        return;
    }
    if (schema.contains("allOf")) // OpenAPI v3 wraps a $ref with a description this way
        for (const json& part : schema["allOf"])
            check(part, instance, path, errors, depth + 1);

    if (schema.contains("enum")) {
        bool found = false;
        for (const json& allowed : schema["enum"])
            found = found || allowed == instance;
        if (!found)
            errors.push_back(path + ": " + instance.dump() + " is not one of " + schema["enum"].dump());
    }

    const std::string type = schema.value("type", "");
    const std::string format = schema.value("format", "");
    if (format == "int-or-string" || schema.value("x-kubernetes-int-or-string", false)) {
        if (!instance.is_string() && !instance.is_number_integer())
            errors.push_back(path + ": expected an integer or a string, got " + typeName(instance));
        return;
    }
    if (type.empty())
        return; // any value (e.g. a free-form field)
    if (type == "string") {
        if (!instance.is_string()) {
            errors.push_back(path + ": expected string, got " + typeName(instance));
            return;
        }
        if (format == "date-time" && !isRfc3339(instance.get<std::string>()))
            errors.push_back(path + ": '" + instance.get<std::string>() + "' is not an RFC 3339 date-time");
        return;
    }
    if (type == "integer") {
        if (!instance.is_number_integer()) {
            errors.push_back(path + ": expected integer, got " + typeName(instance));
            return;
        }
        if (format == "int32") {
            const bool fits = instance.is_number_unsigned()
                ? instance.get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<std::int32_t>::max())
                : instance.get<std::int64_t>() >= std::numeric_limits<std::int32_t>::min()
                    && instance.get<std::int64_t>() <= std::numeric_limits<std::int32_t>::max();
            if (!fits)
                errors.push_back(path + ": " + instance.dump() + " does not fit int32");
        }
        return;
    }
    if (type == "number") {
        if (!instance.is_number())
            errors.push_back(path + ": expected number, got " + typeName(instance));
        return;
    }
    if (type == "boolean") {
        if (!instance.is_boolean())
            errors.push_back(path + ": expected boolean, got " + typeName(instance));
        return;
    }
    if (type == "array") {
        if (!instance.is_array()) {
            errors.push_back(path + ": expected array, got " + typeName(instance));
            return;
        }
        if (schema.contains("items"))
            for (std::size_t i = 0; i < instance.size(); ++i)
                check(schema["items"], instance[i], path + "[" + std::to_string(i) + "]", errors, depth + 1);
        return;
    }
    if (type == "object") {
        if (!instance.is_object()) {
            errors.push_back(path + ": expected object, got " + typeName(instance));
            return;
        }
        if (schema.contains("required"))
            for (const json& name : schema["required"])
                if (!instance.contains(name.get<std::string>()))
                    errors.push_back(path + ": required property '" + name.get<std::string>() + "' is missing");
        const bool hasProperties = schema.contains("properties");
        const bool hasAdditional = schema.contains("additionalProperties");
        if (!hasProperties && !hasAdditional)
            return; // a free-form object (e.g. RawExtension)
        for (const auto& [key, value] : instance.items()) {
            const std::string at = path + "." + key;
            if (hasProperties && schema["properties"].contains(key))
                check(schema["properties"][key], value, at, errors, depth + 1);
            else if (hasAdditional && schema["additionalProperties"].is_object())
                check(schema["additionalProperties"], value, at, errors, depth + 1);
            else if (!(hasAdditional && schema["additionalProperties"] == true))
                errors.push_back(at + ": unknown property (not in the API schema)");
        }
        return;
    }
    errors.push_back(path + ": schema type '" + type + "' is not supported by this validator");
}

} // namespace leakdesk::test
