#pragma once
// IncidentReport -> Markdown / HTML text. The HTML serves both the HTML export (images as data
// URIs) and the PDF (images as QTextDocument resources), hence the image source callback.

#include "core/incident/IncidentReport.h"

#include <functional>
#include <string>

namespace leakdesk::incident {

// Returns the Markdown link target for a chart, or empty for none.
using ChartLink = std::function<std::string(const std::string& snapshotId)>;

std::string writeMarkdown(const IncidentReport& report, const ChartLink& chartLink);

struct HtmlStyle {
    bool embedStyleSheet = true; // QTextDocument gets its style sheet separately
    int chartWidth = 1000; // displayed width of chart images
};
std::string writeHtml(const IncidentReport& report, const ChartLink& chartSource, const HtmlStyle& style);

// The CSS the HTML export embeds; the PDF uses a subset QTextDocument understands.
const char* reportStyleSheet();
const char* reportPrintStyleSheet();

std::string escapeHtml(const std::string& text);

} // namespace leakdesk::incident
