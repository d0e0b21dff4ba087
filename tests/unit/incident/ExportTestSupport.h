#pragma once
// What the export tests share: the golden fixture and its options, the long commands, the order of
// the evidence. The pure export test (tst_incident_export.cpp) and the PDF witness test
// (tst_incident_pdf.cpp, which reads the PDF back with pdftotext and pdftoppm) check the same things.
#include "IncidentFixture.h"
#include "TestSupport.h"

#include "core/incident/IncidentExport.h"

#include <QImage>
#include <QPointF>
#include <QRegularExpression>
#include <QString>
#include <QTest>
#include <QTimeZone>

#include <cmath>
#include <cstdlib>
#include <string>

namespace leakdesk::test {

inline constexpr std::int64_t kGeneratedMs = kIncidentStartMs + 2 * kHour; // 12:00 UTC

inline QString fixturePath(const QString& name)
{
    return sourceDir() + QStringLiteral("/tests/fixtures/incident/") + name;
}

inline incident::ExportOptions goldenOptions()
{
    incident::ExportOptions o;
    o.localZone = QTimeZone(3600); // a fixed UTC+01:00, independent of the machine's zone
    o.generatedMs = kGeneratedMs;
    o.chartWidth = 900;
    o.chartHeight = 340;
    return o;
}

// Antialiased lines blend with the white background, hence the tolerance (white is ~430 away).
inline bool colourNear(const QImage& image, QPointF at, const QColor& colour, int radius = 2, int tolerance = 110)
{
    for (int dy = -radius; dy <= radius; ++dy)
        for (int dx = -radius; dx <= radius; ++dx) {
            const QPoint p(int(std::lround(at.x())) + dx, int(std::lround(at.y())) + dy);
            if (!image.rect().contains(p))
                continue;
            const QColor c = image.pixelColor(p);
            if (std::abs(c.red() - colour.red()) + std::abs(c.green() - colour.green())
                    + std::abs(c.blue() - colour.blue())
                < tolerance)
                return true;
        }
    return false;
}

inline int nonWhitePixels(const QImage& image)
{
    int n = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            if (qGray(image.pixel(x, y)) < 240)
                ++n;
    return n;
}

inline QString withoutSpace(QString text)
{
    text.remove(QRegularExpression(QStringLiteral("\\s+")));
    return text;
}

// A 400-character command of the given kind, recorded as run from the runbook.
inline std::string longCommand(const QString& kind)
{
    std::string cmd;
    if (kind == QLatin1String("one long token")) {
        cmd = "kubectl patch deployment checkout -n production --type=strategic -p '{\"spec\":{\"template\":{\"spec\":{"
              "\"containers\":[{\"name\":\"checkout\",\"env\":[";
        for (int i = 0; cmd.size() < 380; ++i)
            cmd += "{\"name\":\"FLAG_" + std::to_string(i) + "\",\"value\":\"on\"},";
        cmd += "{\"name\":\"END\",\"value\":\"1\"}]}]}}}}'";
    } else {
        cmd = "kubectl annotate deployment checkout -n production";
        for (int i = 0; cmd.size() < 390; ++i)
            cmd += " leakdesk.io/note-" + std::to_string(i) + "=v" + std::to_string(i);
    }
    cmd.resize(400, 'x');
    return cmd;
}

// The rows of the tests of long commands: column "kind", one per shape of longCommand().
inline void addLongCommandRows()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("one long token") << "one long token";
    QTest::newRow("many words") << "many words";
}

// Empty when the incident's own service's evidence (text, chart, queries) comes before another
// service's in `text` (an export read as text); otherwise what is out of order.
inline QString ownServiceEvidenceOrderProblem(const QString& text)
{
    const qsizetype evidence = text.indexOf(QStringLiteral("Memory evidence"));
    if (evidence <= 0)
        return QStringLiteral("no \"Memory evidence\" section");
    const qsizetype own = text.indexOf(QStringLiteral("checkout (production): the incident's service"), evidence);
    const qsizetype other = text.indexOf(QStringLiteral("catalog (production): other service: catalog"), evidence);
    if (own <= 0 || other <= 0)
        return QStringLiteral("a service's evidence is missing: ") + text.mid(evidence, 400);
    if (own > other)
        return QStringLiteral("the other service's evidence comes before the incident's own");
    const qsizetype ownChart = text.indexOf(QStringLiteral("Memory working set per pod of checkout"), evidence);
    const qsizetype otherChart = text.indexOf(QStringLiteral("Memory working set per pod of catalog"), evidence);
    if (!(ownChart > own && ownChart < other && otherChart > other))
        return QStringLiteral("the charts are not with their services' evidence");
    // Its queries too.
    const qsizetype queries = text.indexOf(QStringLiteral("Evidence queries"));
    if (!(text.indexOf(QStringLiteral("E3: checkout"), queries) < text.indexOf(QStringLiteral("E2: catalog"), queries)))
        return QStringLiteral("the other service's queries come before the incident's own");
    return {};
}

} // namespace leakdesk::test
