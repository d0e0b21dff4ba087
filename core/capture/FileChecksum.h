#pragma once
// The SHA-256 of a heap dump already on this machine (opened from disk, or captured by a run that
// could not verify it): the incident records it so the dump can be matched to its analysis later.

#include <QString>

#include <string>

namespace leakdesk::capture {

// Lower-case hex; empty when the file cannot be read. Reads in chunks, so a dump of several
// gigabytes never sits in memory; it takes seconds for those, so callers run it off the GUI thread.
std::string sha256OfFile(const QString& path);

} // namespace leakdesk::capture
