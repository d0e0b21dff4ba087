#pragma once
// Markdown runbook -> Runbook, with the real CommonMark parser (cmark): the document's AST is
// walked, never the raw text. Understands the memory-leak runbook's shape (title, **Key:** value
// metadata, Symptoms, numbered "### 1. ..." steps with prose, command blocks and checklists,
// Escalation) and tolerates others; whatever it cannot place becomes a Warning, never silence.

#include "core/common/Result.h"
#include "core/runbook/Runbook.h"

#include <string>
#include <string_view>

namespace leakdesk::runbook {

// Fails only when there is nothing to work with (empty or binary input, or Markdown with no title,
// no step, no command and no known section); odd but usable runbooks load with warnings.
Result<Runbook> parseRunbook(std::string_view markdown, const std::string& sourceName = {});

// Reads a file (any path QFile opens, including ":/..." resources) and parses it.
Result<Runbook> loadRunbookFile(const std::string& path);

// The memory-leak runbook compiled into the library.
inline constexpr const char* kBundledRunbookPath = ":/runbooks/memory-leak.md";
Result<Runbook> loadBundledRunbook();
Result<std::string> bundledRunbookText();

} // namespace leakdesk::runbook
