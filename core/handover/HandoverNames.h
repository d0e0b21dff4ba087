#pragma once
// Names from untrusted input (a class name from a heap dump, a workload name from an incident
// file someone sent) made safe for where a hand-over writes them: a file name, a Java/Go
// identifier, a comment, a string literal of Java, JavaScript or Go, a PromQL string, a YAML scalar.
// Each function returns text that cannot end the construct it is put in, whatever the input.

#include <string>
#include <string_view>

namespace leakdesk::handover {

// Lower-case ASCII letters, digits and single '-' ("Checkout Service/v2" -> "checkout-service-v2"),
// at most 48 characters, never empty (`fallback`), never "." or "..", never a path.
std::string fileStem(std::string_view text, std::string_view fallback = "workload");

// UpperCamelCase from the ASCII letters and digits of `text` ("com.shop.Session$Cache" ->
// "ComShopSessionCache"); at most 48 characters; `fallback` when nothing is left.
std::string upperCamel(std::string_view text, std::string_view fallback = "Service");

// The simple name of a (JVM or V8) class: after the last '.', '/' or '$' that is followed by more
// ("com.shop.Session$Cache" -> "Cache", "[Ljava.lang.Object;" -> "Object").
std::string simpleClassName(std::string_view className);

// A Go package name: lower-case letters and digits, starting with a letter ("checkout").
std::string goPackageName(std::string_view text);

// Printable ASCII without the characters that could end or escape a comment or a literal in Java,
// JavaScript or Go source (backslash: Java reads \u escapes even in comments; a '*' that could form "*/"; newlines);
// anything else becomes '?'. At most `maxLength` characters.
std::string sourceSafeText(std::string_view text, std::size_t maxLength = 160);

// A double-quoted Java/Go/JavaScript string literal of sourceSafeText(text) (quotes escaped).
std::string sourceStringLiteral(std::string_view text, std::size_t maxLength = 160);

// A PromQL double-quoted string: backslash, quote and control characters escaped, so a label
// value never ends the selector.
std::string promqlString(std::string_view value);

// A YAML double-quoted scalar (JSON escaping, ASCII only): safe for any value, any key position.
std::string yamlString(std::string_view value);

} // namespace leakdesk::handover
