#pragma once
// A small validator of JSON objects against the Kubernetes OpenAPI definitions (swagger 2.0 subset:
// $ref, type, format, properties, additionalProperties, required, items, enum), strict where the API
// server is: a property the schema does not name is an error (the API would drop it, and a parser
// tested on it tests nothing real), as is a wrong type. Kubernetes specifics: format int-or-string
// takes an integer or a string; int32 must fit; date-time must be RFC 3339; a meta/v1 Time or
// MicroTime may be null (the API serialises a zero time as null, e.g. in pod templates).

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace leakdesk::test {

class SchemaValidator {
public:
    // `document`: {"definitions": {name: schema, ...}} (tests/fixtures/kube/openapi).
    explicit SchemaValidator(nlohmann::json document);
    static SchemaValidator fromFile(const std::string& path); // empty definitions when unreadable

    bool hasDefinition(const std::string& name) const;
    std::size_t definitionCount() const;

    // Every violation, as "<json path>: <what>"; empty when `instance` is valid.
    std::vector<std::string> validate(const std::string& definition, const nlohmann::json& instance) const;

private:
    void check(const nlohmann::json& schema, const nlohmann::json& instance, const std::string& path,
        std::vector<std::string>& errors, int depth) const;
    nlohmann::json m_definitions;
};

} // namespace leakdesk::test
