#pragma once
// What the pages of the main window share, handed to each page's constructor: the controller
// (the open cluster), the connection bar's namespace and service, the incident, the latest
// findings and the status bar. The window owns all of it; a page only reads it and reports.

#include "core/investigation/Findings.h"

#include <QString>

#include <functional>
#include <memory>

namespace leakdesk::ui {

class ConnectionBar;
class IncidentSession;
class InvestigationController;

struct PageContext {
    InvestigationController* controller = nullptr;
    ConnectionBar* bar = nullptr;
    IncidentSession* incident = nullptr;
    // Opens or starts the incident on first need; false when there is none to write to (no
    // service chosen yet, or the file cannot be written).
    std::function<bool()> ensureIncident;
    // The findings shown for the selected service (null before the first).
    std::function<std::shared_ptr<const investigation::Findings>()> findings;
    std::function<void(const QString& message)> showStatus;
};

} // namespace leakdesk::ui
