#pragma once
// Exports of an incident: Markdown (charts as PNG files next to it), self-contained HTML (charts
// embedded as base64 PNG), PDF (Qt's PDF writer, no external tool) and JSON (the document itself).
// All four show the same report (IncidentReport.h). With `redact`, names are replaced consistently
// (Redaction.h) before anything is written. Needs a QGuiApplication for fonts (the CLI starts one
// with the offscreen platform).

#include "core/common/Result.h"
#include "core/incident/IncidentDocument.h"

#include <QByteArray>
#include <QImage>
#include <QString>
#include <QTimeZone>

class QTextDocument;

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::incident {

enum class ExportFormat { Markdown, Html, Pdf, Json };
const char* exportFormatName(ExportFormat format); // "md", "html", "pdf", "json"
std::optional<ExportFormat> exportFormatFromName(std::string_view name); // also "markdown"
const char* exportFormatSuffix(ExportFormat format); // ".md" ...

struct ExportOptions {
    bool redact = false;
    QTimeZone localZone = QTimeZone::systemTimeZone();
    std::int64_t generatedMs = 0; // 0: now
    int chartWidth = 1000;
    int chartHeight = 380;
};

// Charts of the report, by snapshot id, painted for the export.
std::map<std::string, QImage> renderReportCharts(const IncidentDocument& doc, const ExportOptions& options);

// `chartFilePrefix` + snapshot id + ".png" is how the Markdown refers to each chart (empty: no
// image links, only the caption).
Result<std::string> renderMarkdown(
    const IncidentDocument& doc, const ExportOptions& options, const std::string& chartFilePrefix = {});
Result<std::string> renderJson(const IncidentDocument& doc, const ExportOptions& options);
Result<QByteArray> renderHtml(const IncidentDocument& doc, const ExportOptions& options);
Result<QByteArray> renderPdf(const IncidentDocument& doc, const ExportOptions& options);

// The text document renderPdf prints, already laid out in pages of the PDF's text area (A4
// portrait, 15 mm margins): page n holds what lies between n and n+1 times pageSize().height().
// The summary fills page 1, the timeline starts page 2.
Result<std::unique_ptr<QTextDocument>> printableReport(const IncidentDocument& doc, const ExportOptions& options);

// Writes the export to `outPath` (atomically) and, for Markdown, the chart PNGs next to it as
// "<name>-<snapshot>.png". Returns every file written, the report first.
Result<std::vector<QString>> writeIncidentExport(
    const IncidentDocument& doc, ExportFormat format, const QString& outPath, const ExportOptions& options);

} // namespace leakdesk::incident
