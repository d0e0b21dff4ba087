#include "core/incident/IncidentExport.h"

#include "core/incident/ChartImage.h"
#include "core/incident/IncidentJson.h"
#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentReport.h"
#include "core/incident/IncidentStore.h"
#include "core/incident/Redaction.h"
#include "core/incident/ReportWriters.h"
#include "core/incident/SecretMasking.h"

#include <QAbstractTextDocumentLayout>
#include <QBuffer>
#include <QDir>
#include <QFileInfo>
#include <QFont>
#include <QGuiApplication>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QScreen>
#include <QTextDocument>
#include <QTextOption>
#include <QUrl>

#include <cmath>

namespace leakdesk::incident {

namespace {

struct Prepared {
    IncidentDocument doc;
    ReportOptions reportOptions;
};

Result<Prepared> prepare(const IncidentDocument& doc, const ExportOptions& options)
{
    Prepared p;
    // Secrets first (the one masking of SecretMasking.h, on every string of the document), then
    // the names; the rendered text is masked once more at the end (masked()).
    auto secretsMasked = maskIncidentSecrets(doc);
    if (!secretsMasked)
        return secretsMasked.error();
    if (options.redact) {
        auto redacted = redactIncident(*secretsMasked);
        if (!redacted)
            return redacted.error();
        p.doc = std::move(redacted).value();
    } else {
        p.doc = std::move(secretsMasked).value();
    }
    p.reportOptions.localZone = options.localZone;
    p.reportOptions.generatedMs = options.generatedMs > 0 ? options.generatedMs : currentTimeMs();
    p.reportOptions.redacted = options.redact;
    return p;
}

std::vector<ChartEventMarker> chartEvents(const IncidentDocument& doc)
{
    std::vector<ChartEventMarker> events;
    for (const auto& a : doc.actions) {
        if (a.appliedMs > 0)
            events.push_back({ a.appliedMs, QString::fromStdString(a.id + " applied") });
        if (a.revertedMs > 0)
            events.push_back({ a.revertedMs, QString::fromStdString(a.id + " reverted") });
    }
    for (std::size_t i = 1; i < doc.severityHistory.size(); ++i)
        events.push_back({ doc.severityHistory[i].tMs, QString::fromStdString(doc.severityHistory[i].to) });
    return events;
}

std::map<std::string, QImage> chartsOf(
    const IncidentDocument& doc, const IncidentReport& report, const ExportOptions& options)
{
    std::map<std::string, QImage> images;
    ChartImageOptions co;
    co.width = options.chartWidth;
    co.height = options.chartHeight;
    co.zone = QTimeZone::utc();
    co.events = chartEvents(doc);
    for (const auto& b : report.blocks) {
        if (b.kind != ReportBlock::Kind::Chart)
            continue;
        for (const auto& s : doc.snapshots)
            if (s.id == b.snapshotId)
                images[s.id] = renderMemoryChart(s, co);
        // Runbook step 6's fix checks: the old revision against the new one.
        for (const auto& v : doc.fixChecks)
            if (v.id == b.snapshotId)
                images[v.id] = renderFixCheckChart(v, co);
    }
    return images;
}

QByteArray pngOf(const QImage& image)
{
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return png;
}

// A last guard: whatever the report shows passes through the secret masking once more.
std::string masked(const std::string& text)
{
    return maskSecrets(text);
}

} // namespace

const char* exportFormatName(ExportFormat format)
{
    switch (format) {
    case ExportFormat::Markdown:
        return "md";
    case ExportFormat::Html:
        return "html";
    case ExportFormat::Pdf:
        return "pdf";
    case ExportFormat::Json:
        return "json";
    }
    return "md";
}

std::optional<ExportFormat> exportFormatFromName(std::string_view name)
{
    if (name == "md" || name == "markdown")
        return ExportFormat::Markdown;
    if (name == "html")
        return ExportFormat::Html;
    if (name == "pdf")
        return ExportFormat::Pdf;
    if (name == "json")
        return ExportFormat::Json;
    return std::nullopt;
}

const char* exportFormatSuffix(ExportFormat format)
{
    switch (format) {
    case ExportFormat::Markdown:
        return ".md";
    case ExportFormat::Html:
        return ".html";
    case ExportFormat::Pdf:
        return ".pdf";
    case ExportFormat::Json:
        return ".json";
    }
    return ".md";
}

std::map<std::string, QImage> renderReportCharts(const IncidentDocument& doc, const ExportOptions& options)
{
    auto p = prepare(doc, options);
    if (!p)
        return {};
    return chartsOf(p->doc, buildIncidentReport(p->doc, p->reportOptions), options);
}

Result<std::string> renderMarkdown(
    const IncidentDocument& doc, const ExportOptions& options, const std::string& chartFilePrefix)
{
    auto p = prepare(doc, options);
    if (!p)
        return p.error();
    const IncidentReport report = buildIncidentReport(p->doc, p->reportOptions);
    return masked(writeMarkdown(report, [&](const std::string& id) {
        return chartFilePrefix.empty() ? std::string() : chartFilePrefix + id + ".png";
    }));
}

Result<std::string> renderJson(const IncidentDocument& doc, const ExportOptions& options)
{
    auto p = prepare(doc, options);
    if (!p)
        return p.error();
    nlohmann::json j = incidentToJson(p->doc);
    j["export"] = { { "generated_ms", p->reportOptions.generatedMs }, { "redacted", options.redact } };
    maskSecretsInJson(j);
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<QByteArray> renderHtml(const IncidentDocument& doc, const ExportOptions& options)
{
    auto p = prepare(doc, options);
    if (!p)
        return p.error();
    const IncidentReport report = buildIncidentReport(p->doc, p->reportOptions);
    const auto charts = chartsOf(p->doc, report, options);
    std::map<std::string, std::string> sources;
    for (const auto& [id, image] : charts)
        sources[id] = "data:image/png;base64," + pngOf(image).toBase64().toStdString();
    HtmlStyle style;
    style.chartWidth = options.chartWidth;
    const std::string html = masked(writeHtml(
        report,
        [&](const std::string& id) {
            auto it = sources.find(id);
            return it == sources.end() ? std::string() : it->second;
        },
        style));
    return QByteArray::fromStdString(html);
}

namespace {

const QPageLayout& pdfPageLayout()
{
    static const QPageLayout layout(
        QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
    return layout;
}

// The device the printable report is laid out on: 72 dpi, so one unit of the page size is a point
// and a font's point size is its size on paper (QTextDocument::print scales the pages to the PDF's).
QPaintDevice* pointDevice()
{
    static QImage device = [] {
        QImage image(1, 1, QImage::Format_RGB32);
        image.setDotsPerMeterX(2835); // 72 dpi
        image.setDotsPerMeterY(2835);
        return image;
    }();
    return &device;
}

// The dpi QTextDocument takes for screen pixels (qt_defaultDpiY: the primary screen's, else 100).
int screenDpi()
{
    if (QCoreApplication::testAttribute(Qt::AA_Use96Dpi))
        return 96;
    const QScreen* screen = QGuiApplication::primaryScreen();
    return screen ? int(std::lround(screen->logicalDotsPerInchY())) : 100;
}

} // namespace

Result<std::unique_ptr<QTextDocument>> printableReport(const IncidentDocument& doc, const ExportOptions& options)
{
    auto p = prepare(doc, options);
    if (!p)
        return p.error();
    const IncidentReport report = buildIncidentReport(p->doc, p->reportOptions);
    const auto charts = chartsOf(p->doc, report, options);
    HtmlStyle style;
    style.embedStyleSheet = false;
    // 500 points (A4 portrait between the margins is 510). QTextDocument sizes an image in screen
    // pixels and scales it by the layout device's dpi over the screen's, hence the conversion.
    style.chartWidth = int(std::lround(500.0 * screenDpi() / pointDevice()->logicalDpiY()));
    const std::string html = masked(writeHtml(
        report, [&](const std::string& id) { return charts.count(id) ? "chart-" + id + ".png" : std::string(); },
        style));
    auto text = std::make_unique<QTextDocument>();
    text->documentLayout()->setPaintDevice(pointDevice());
    text->setMetaInformation(QTextDocument::DocumentTitle, QString::fromStdString(report.title));
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPointSizeF(8.5);
    text->setDefaultFont(font);
    text->setDefaultStyleSheet(QString::fromLatin1(reportPrintStyleSheet()));
    // A long token (a JSON patch, an image digest) breaks where it must rather than running off the page.
    QTextOption wrap = text->defaultTextOption();
    wrap.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    text->setDefaultTextOption(wrap);
    for (const auto& [id, image] : charts)
        text->addResource(QTextDocument::ImageResource, QUrl(QString::fromStdString("chart-" + id + ".png")), image);
    text->setHtml(QString::fromStdString(html));
    // Paginated here, in the text area's size in points, so the layout a caller inspects is the one
    // QTextDocument::print puts on paper (it prints a paginated document as it is, scaled).
    text->setPageSize(pdfPageLayout().paintRect(QPageLayout::Point).size());
    return text;
}

Result<QByteArray> renderPdf(const IncidentDocument& doc, const ExportOptions& options)
{
    auto text = printableReport(doc, options);
    if (!text)
        return text.error();
    QByteArray pdf;
    QBuffer buffer(&pdf);
    buffer.open(QIODevice::WriteOnly);
    {
        QPdfWriter writer(&buffer);
        writer.setPageLayout(pdfPageLayout());
        writer.setTitle((*text)->metaInformation(QTextDocument::DocumentTitle));
        writer.setCreator(QStringLiteral("LeakDesk"));
        writer.setResolution(144);
        (*text)->print(&writer);
    }
    if (pdf.isEmpty())
        return makeError(ErrorCode::Io, "the PDF writer produced no output", "export as HTML or Markdown instead");
    return pdf;
}

Result<std::vector<QString>> writeIncidentExport(
    const IncidentDocument& doc, ExportFormat format, const QString& outPath, const ExportOptions& options)
{
    std::vector<QString> written;
    QByteArray bytes;
    switch (format) {
    case ExportFormat::Markdown: {
        const QFileInfo info(outPath);
        const std::string prefix = info.completeBaseName().toStdString() + "-";
        auto md = renderMarkdown(doc, options, prefix);
        if (!md)
            return md.error();
        bytes = QByteArray::fromStdString(*md);
        if (auto st = writeFileAtomically(outPath, bytes); !st)
            return st.error();
        written.push_back(outPath);
        for (const auto& [id, image] : renderReportCharts(doc, options)) {
            const QString png = info.dir().filePath(QString::fromStdString(prefix + id + ".png"));
            if (auto st = writeFileAtomically(png, pngOf(image)); !st)
                return st.error();
            written.push_back(png);
        }
        return written;
    }
    case ExportFormat::Html: {
        auto html = renderHtml(doc, options);
        if (!html)
            return html.error();
        bytes = std::move(html).value();
        break;
    }
    case ExportFormat::Pdf: {
        auto pdf = renderPdf(doc, options);
        if (!pdf)
            return pdf.error();
        bytes = std::move(pdf).value();
        break;
    }
    case ExportFormat::Json: {
        auto json = renderJson(doc, options);
        if (!json)
            return json.error();
        bytes = QByteArray::fromStdString(*json);
        break;
    }
    }
    if (auto st = writeFileAtomically(outPath, bytes); !st)
        return st.error();
    written.push_back(outPath);
    return written;
}

} // namespace leakdesk::incident
