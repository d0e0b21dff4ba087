#pragma once
// Shell text in runbooks: splitting a fenced block into commands, tokenising one command, and
// recognising what it does (which built-in action, whether it changes the cluster, which
// namespace it names).

#include "core/runbook/Runbook.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::runbook {

struct ShellToken {
    std::string text; // quotes removed, escapes resolved
    std::size_t begin = 0; // byte range of the token in the input, quotes included
    std::size_t end = 0;
    bool isOperator = false; // | || && ; &
};

// POSIX-ish word splitting: '...' and "..." quoting, backslash escapes, operators as own tokens,
// stops at an unquoted '#' that starts a word (a comment) and at the end of the first line.
std::vector<ShellToken> tokenizeShell(std::string_view command);

// Splits a code block into commands. "#" lines attach as comments to the command below them,
// "\" continuations are joined, here-documents stay with their command, "$ " prompts are stripped
// (in a block with prompts, lines without one are program output and skipped with a warning).
// `firstLine` is the Markdown line of the block's first code line.
std::vector<Command> splitCommandBlock(
    std::string_view code, const std::string& language, int firstLine, std::vector<Warning>& warnings);

// Fills action, mutatesCluster, classification, ns, arguments, program and placeholders from text.
void classifyCommand(Command& command);

// "<service-name>" -> "service-name", in order, without duplicates. HTML tag names (<br>, <b>,
// <details> ...) are not placeholders.
std::vector<std::string> findPlaceholders(std::string_view text);

// True for fence languages that hold shell commands ("bash", "sh", "shell", "console", "zsh", "").
bool isShellLanguage(const std::string& language);

} // namespace leakdesk::runbook
