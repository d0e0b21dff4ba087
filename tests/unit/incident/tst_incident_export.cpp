// Exports of a fixed, hand-built incident: golden Markdown and JSON, the HTML's embedded chart, the
// printed report's layout, the chart image itself, and redaction. Pure: what only a reader of the
// PDF file (pdftotext, pdftoppm) can check is in tst_incident_pdf.cpp, a witness test.
#include "ExportTestSupport.h"
#include "IncidentFixture.h"

#include "TestSupport.h"

#include "core/incident/ActionJournal.h"
#include "core/incident/ChartImage.h"
#include "core/incident/IncidentExport.h"
#include "core/incident/IncidentStore.h"
#include "core/incident/Redaction.h"
#include "core/incident/ReportWriters.h"

#include <QAbstractTextDocumentLayout>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextLayout>
#include <QTextTable>

using namespace leakdesk;
using namespace leakdesk::incident;
using test::fixturePath;
using test::goldenOptions;
using test::longCommand;
using test::colourNear;
using test::nonWhitePixels;

namespace {

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The first differing line, for a readable failure.
QString firstDifference(const QByteArray& a, const QByteArray& b)
{
    const QList<QByteArray> la = a.split('\n'), lb = b.split('\n');
    for (qsizetype i = 0; i < std::max(la.size(), lb.size()); ++i) {
        const QByteArray x = i < la.size() ? la[i] : QByteArray("<end>");
        const QByteArray y = i < lb.size() ? lb[i] : QByteArray("<end>");
        if (x != y)
            return QStringLiteral("line %1:\n  got:      %2\n  expected: %3")
                .arg(i + 1)
                .arg(QString::fromUtf8(x), QString::fromUtf8(y));
    }
    return {};
}

// The page (0-based) of the printable report a block starts on.
int pageOf(const QTextDocument& text, const QTextBlock& block)
{
    return int(text.documentLayout()->blockBoundingRect(block).top() / text.pageSize().height());
}

QTextBlock blockStartingWith(const QTextDocument& text, const QString& start)
{
    for (QTextBlock b = text.begin(); b.isValid(); b = b.next())
        if (b.text().startsWith(start))
            return b;
    return {};
}

} // namespace

class TestIncidentExport : public QObject {
    Q_OBJECT
private:
    IncidentDocument m_doc;

private Q_SLOTS:
    void initTestCase()
    {
        if (qEnvironmentVariableIntValue("LEAKDESK_UPDATE_GOLDEN")) {
            // Regenerates the fixture from the hand-built incident, then the golden exports below.
            IncidentStore store(fixturePath(QStringLiteral("golden.leakdesk")));
            QFile::remove(fixturePath(QStringLiteral("golden.leakdesk")));
            auto saved = store.save(test::fixtureIncident(true));
            QVERIFY2(saved.ok(), saved.ok() ? "" : saved.error().toString().c_str());
            QFile::remove(store.backupPath());
        }
        auto loaded = readIncidentFile(fixturePath(QStringLiteral("golden.leakdesk")));
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().toString().c_str());
        m_doc = std::move(loaded).value();
    }

    void golden_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<bool>("redact");
        QTest::addColumn<QString>("goldenFile");
        QTest::newRow("markdown") << "md" << false << "golden.md";
        QTest::newRow("json") << "json" << false << "golden.json";
        QTest::newRow("markdown, redacted") << "md" << true << "golden-redacted.md";
        // The charts' pixels depend on the fonts of the machine: their data is left out.
        QTest::newRow("html, charts left out") << "html" << false << "golden.html";
    }
    void golden()
    {
        QFETCH(QString, format);
        QFETCH(bool, redact);
        QFETCH(QString, goldenFile);
        ExportOptions o = goldenOptions();
        o.redact = redact;
        QByteArray got;
        if (format == QLatin1String("md")) {
            auto md = renderMarkdown(m_doc, o, "golden-");
            QVERIFY(md.ok());
            got = QByteArray::fromStdString(*md);
        } else if (format == QLatin1String("html")) {
            auto html = renderHtml(m_doc, o);
            QVERIFY(html.ok());
            got = QString::fromUtf8(*html)
                      .replace(QRegularExpression(QStringLiteral("data:image/png;base64,[A-Za-z0-9+/=]+")),
                          QStringLiteral("data:image/png;base64,(chart)"))
                      .toUtf8();
        } else {
            auto json = renderJson(m_doc, o);
            QVERIFY(json.ok());
            got = QByteArray::fromStdString(*json);
        }
        const QString path = fixturePath(goldenFile);
        if (qEnvironmentVariableIntValue("LEAKDESK_UPDATE_GOLDEN")) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(got);
        }
        const QByteArray expected = readAll(path);
        QVERIFY2(
            !expected.isEmpty(), qPrintable(path + QStringLiteral(" is missing; run with LEAKDESK_UPDATE_GOLDEN=1")));
        QVERIFY2(got == expected, qPrintable(firstDifference(got, expected)));
    }

    void markdownHasEverySection()
    {
        auto md = renderMarkdown(m_doc, goldenOptions(), "golden-");
        QVERIFY(md.ok());
        const QString text = QString::fromStdString(*md);
        for (const char* heading : { "## Summary", "## Severity history", "## Runbook checklist", "## Memory evidence",
                 "## OOM kills", "## Heap dumps and leak suspects", "## Mitigations", "## Escalation", "## Notes",
                 "## Timeline", "## Evidence queries" })
            QVERIFY2(text.contains(QLatin1String(heading)), heading);
        QVERIFY(text.contains(QStringLiteral("![Memory working set per pod of checkout")));
        QVERIFY(text.contains(QStringLiteral("(golden-E3.png)")));
        QVERIFY(text.contains(QStringLiteral("(golden-E2.png)"))); // catalog, looked at for comparison
        QVERIFY(text.contains(QStringLiteral("- [x] 1. Confirm Memory Growth Pattern - done")));
        QVERIFY(text.contains(QStringLiteral("6. Long-Term Fix - skipped")));
        QVERIFY(text.contains(QStringLiteral("| P2 -> P1 |")));
        QVERIFY(text.contains(QStringLiteral("+    memory: 4Gi")));
        QVERIFY(text.contains(QStringLiteral("java.util.concurrent.ConcurrentHashMap")));
        // Times in UTC and in the local zone side by side.
        QVERIFY(text.contains(QStringLiteral("| 2025-01-20 10:08:00 UTC | 2025-01-20 11:08:00 +01:00 |")));
        QVERIFY(!text.contains(QString::fromLatin1(test::kSecretLikeToken)));
    }

    // `kubectl top` and `get events` run from the runbook are what the responder looked at, not
    // mitigations (issue 15: "Mitigations (5 applied)" for two changes and three reads).
    void readOnlyCommandsAreNotMitigations()
    {
        IncidentDocument doc = m_doc;
        const std::int64_t t = doc.updatedMs + 1000;
        for (const char* cmd : { "kubectl top pods -n production -l app=checkout", "kubectl get events -n production",
                 "kubectl describe pod checkout-1 -n production" })
            recordRunbookCommand(doc, { cmd, "output", "", true, "" }, t);
        recordRunbookCommand(
            doc, { "kubectl rollout restart deployment/checkout -n production", "restarted", "", true, "" }, t);
        auto md = renderMarkdown(doc, goldenOptions(), "golden-");
        QVERIFY(md.ok());
        const QString text = QString::fromStdString(*md);
        const qsizetype split = text.indexOf(QStringLiteral("## Commands and captures"));
        QVERIFY(split > 0);
        const QString mitigationSection = text.mid(
            text.indexOf(QStringLiteral("## Mitigations")), split - text.indexOf(QStringLiteral("## Mitigations")));
        QVERIFY(mitigationSection.contains(QStringLiteral("kubectl rollout restart")));
        QVERIFY(!mitigationSection.contains(QStringLiteral("kubectl top pods")));
        QVERIFY(text.mid(split).contains(QStringLiteral("kubectl get events")));
        QVERIFY2(text.contains(QStringLiteral("| Commands and captures | 3 (read-only commands, heap dumps) |")),
            qPrintable(text.left(3000)));
    }

    // The incident's own service first, then the services looked at for comparison, labelled
    // (issue 15: catalog's evidence came before checkout's because its name sorts first).
    void ownServiceEvidenceComesFirst_data()
    {
        QTest::addColumn<QString>("format");
        QTest::newRow("markdown") << "md";
        QTest::newRow("html") << "html";
    }
    void ownServiceEvidenceComesFirst()
    {
        QFETCH(QString, format);
        QString text;
        if (format == QLatin1String("md")) {
            auto md = renderMarkdown(m_doc, goldenOptions());
            QVERIFY(md.ok());
            text = QString::fromStdString(*md);
        } else {
            auto html = renderHtml(m_doc, goldenOptions());
            QVERIFY(html.ok());
            text = QString::fromUtf8(*html);
        }
        const QString problem = test::ownServiceEvidenceOrderProblem(text);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    // A reader of the printed report (the PDF) gets one page with what matters, then the timeline.
    void printedReportStartsWithAOnePageSummary()
    {
        auto printable = printableReport(m_doc, goldenOptions());
        QVERIFY(printable.ok());
        const QTextDocument& text = **printable;
        QVERIFY(text.pageCount() >= 3);
        const QTextBlock summary = blockStartingWith(text, QStringLiteral("Summary"));
        const QTextBlock timeline = blockStartingWith(text, QStringLiteral("Timeline"));
        QVERIFY(summary.isValid() && timeline.isValid());
        QCOMPARE(pageOf(text, summary), 0);
        QCOMPARE(pageOf(text, timeline), 1);
        // Everything before the timeline is on page 1: the summary fits.
        for (QTextBlock b = text.begin(); b.isValid() && b != timeline; b = b.next())
            QVERIFY2(pageOf(text, b) == 0, qPrintable(b.text()));

        // What pdftotext reads on page 1: tst_incident_pdf.cpp.
    }

    // The timeline's entry column gets most of the page, not what five columns of times leave.
    void timelineEntryColumnIsWide()
    {
        auto printable = printableReport(m_doc, goldenOptions());
        QVERIFY(printable.ok());
        const QTextDocument& text = **printable;
        const QTextBlock timeline = blockStartingWith(text, QStringLiteral("Timeline"));
        QVERIFY(timeline.isValid());
        QTextCursor cursor(timeline.next());
        const QTextTable* table = cursor.currentTable();
        QVERIFY(table);
        QCOMPARE(table->columns(), 5);
        QCOMPARE(table->cellAt(0, 4).firstCursorPosition().block().text(), QStringLiteral("Entry"));
        const qreal page = text.pageSize().width();
        const QRectF entry
            = text.documentLayout()->blockBoundingRect(table->cellAt(1, 4).firstCursorPosition().block());
        QVERIFY2(entry.width() > 0.5 * page, qPrintable(QStringLiteral("%1 of %2").arg(entry.width()).arg(page)));
        QVERIFY(entry.right() <= page);
    }

    // A long command wraps, inside a long token if it must, and is there in full in every format.
    void longCommandsWrap_data() { test::addLongCommandRows(); }
    void longCommandsWrap()
    {
        QFETCH(QString, kind);
        IncidentDocument doc = m_doc;
        const std::string cmd = longCommand(kind);
        QCOMPARE(cmd.size(), std::size_t(400));
        recordRunbookCommand(doc, { cmd, "deployment.apps/checkout patched", "", true, "" }, doc.updatedMs + 1000);
        const QString command = QString::fromStdString(cmd);

        auto md = renderMarkdown(doc, goldenOptions());
        QVERIFY(md.ok());
        QVERIFY(QString::fromStdString(*md).contains(command));
        auto html = renderHtml(doc, goldenOptions());
        QVERIFY(html.ok());
        QVERIFY(QString::fromUtf8(*html).contains(QString::fromStdString(escapeHtml(cmd))));
        QVERIFY(QString::fromUtf8(*html).contains(QStringLiteral("white-space: pre-wrap")));

        // No line of the printed report runs past the page's right edge.
        auto printable = printableReport(doc, goldenOptions());
        QVERIFY(printable.ok());
        const QTextDocument& text = **printable;
        const qreal page = text.pageSize().width();
        int commandBlocks = 0;
        for (QTextBlock b = text.begin(); b.isValid(); b = b.next()) {
            const QRectF r = text.documentLayout()->blockBoundingRect(b);
            const QTextLayout* layout = b.layout();
            for (int i = 0; i < layout->lineCount(); ++i) {
                const QTextLine line = layout->lineAt(i);
                QVERIFY2(r.left() + line.x() + line.naturalTextWidth() <= page + 0.5,
                    qPrintable(b.text().left(80)
                        + QStringLiteral(": ends at %1 of %2")
                              .arg(r.left() + line.x() + line.naturalTextWidth())
                              .arg(page)));
            }
            commandBlocks += b.text().contains(command.left(60)) && layout->lineCount() > 1;
        }
        QVERIFY2(commandBlocks >= 2, qPrintable(QString::number(commandBlocks))); // code block and timeline, wrapped
        // The PDF's text holds it in full: tst_incident_pdf.cpp.
    }

    void htmlIsSelfContained()
    {
        auto html = renderHtml(m_doc, goldenOptions());
        QVERIFY(html.ok());
        const QString text = QString::fromUtf8(*html);
        QVERIFY(text.startsWith(QStringLiteral("<!DOCTYPE html>")));
        // No external resource: no http(s) src/href, no link to a stylesheet.
        const QRegularExpression external(QStringLiteral("(src|href)=\"(https?:)?//"));
        QVERIFY(!text.contains(external));
        QVERIFY(!text.contains(QStringLiteral("<link")));
        const QRegularExpression img(QStringLiteral("<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\""));
        const auto match = img.match(text);
        QVERIFY(match.hasMatch());
        const QImage chart = QImage::fromData(QByteArray::fromBase64(match.captured(1).toLatin1()), "PNG");
        QCOMPARE(chart.size(), QSize(900, 340));
        QVERIFY(nonWhitePixels(chart) > 5000);
        QVERIFY(text.contains(QStringLiteral("<span class=\"add\">+    memory: 4Gi</span>")));
        QVERIFY(!text.contains(QString::fromLatin1(test::kSecretLikeToken)));
    }

    void chartDrawsLinesLimitAndKills()
    {
        EvidenceSnapshot s;
        s.id = "E1";
        s.ns = "production";
        s.service = "checkout";
        s.windowStartMs = test::kIncidentStartMs;
        s.windowEndMs = test::kIncidentStartMs + test::kHour;
        s.stepMs = 30'000;
        s.limitBytes = 2 * test::GiB;
        SnapshotSeries flat { "memory_working_set", { { "pod", "checkout-a" } }, {}, 0 };
        SnapshotSeries rising { "memory_working_set", { { "pod", "checkout-b" } }, {}, 0 };
        for (std::int64_t t = s.windowStartMs; t <= s.windowEndMs; t += s.stepMs) {
            flat.samples.push_back({ t, 1 * test::GiB });
            rising.samples.push_back(
                { t, 256 * test::MiB + double(t - s.windowStartMs) / double(test::kHour) * test::GiB });
        }
        s.series = { flat, rising };
        const std::int64_t killMs = s.windowStartMs + 40 * test::kMinute;
        s.findings = { { "oom",
            { { "events",
                { { { "pod", "checkout-a" }, { "node", "n1" }, { "time", "2025-01-20T10:40:00Z" },
                    { "sources", { "pod-status" } } } } } } } };
        ChartImageOptions o;
        o.width = 800;
        o.height = 300;
        o.events = { { s.windowStartMs + 50 * test::kMinute, QStringLiteral("A1 applied") } };
        const QImage image = renderMemoryChart(s, o);
        const ChartLayout l = layoutMemoryChart(s, o);
        if (qEnvironmentVariableIsSet("LEAKDESK_KEEP_TEST_FILES"))
            image.save(QDir::temp().filePath(QStringLiteral("leakdesk-chart-test.png")));
        QCOMPARE(image.size(), QSize(800, 300));
        QVERIFY(l.maxBytes >= 2 * test::GiB);
        // Each pod's line passes where its values say, in its own colour.
        for (int minute : { 5, 20, 35, 55 }) {
            const std::int64_t t = s.windowStartMs + minute * test::kMinute;
            QVERIFY2(
                colourNear(image, l.map(t, 1 * test::GiB), chartLineColour(0)), qPrintable(QString::number(minute)));
            const double v = 256 * test::MiB + minute / 60.0 * test::GiB;
            QVERIFY2(colourNear(image, l.map(t, v), chartLineColour(1)), qPrintable(QString::number(minute)));
            // ...and nowhere near a value it never had.
            QVERIFY(!colourNear(image, l.map(t, 1.8 * test::GiB), chartLineColour(0), 1));
        }
        // The dashed limit line covers a good part of its row.
        const int limitY = int(std::lround(l.map(s.windowStartMs, 2 * test::GiB).y()));
        int limitPixels = 0;
        for (int x = int(l.plot.left()); x < int(l.plot.right()); ++x)
            if (colourNear(image, QPointF(x, limitY), chartLimitColour(), 1, 150))
                ++limitPixels;
        QVERIFY2(limitPixels > l.plot.width() / 4, qPrintable(QString::number(limitPixels)));
        // The kill marker sits just above pod a's line at the kill time.
        QVERIFY(colourNear(image, l.map(killMs, 1 * test::GiB) - QPointF(0, 5), chartOomColour(), 2, 90));
        QVERIFY(!colourNear(
            image, l.map(killMs - 20 * test::kMinute, 1 * test::GiB) - QPointF(0, 5), chartOomColour(), 2, 90));
    }

    void redactionIsConsistentAcrossExports()
    {
        const RedactionMap map = RedactionMap::forDocument(m_doc);
        const std::string podA = "checkout-7d9f8c6b5-x2kqp";
        const std::string alias = map.aliasOf(podA);
        QVERIFY(!alias.empty());
        QCOMPARE(map.aliasOf("production"), std::string("namespace-1"));
        QVERIFY(!map.aliasOf("gke-prod-pool-1-a1b2").empty());
        QVERIFY(!map.aliasOf("registry.example.com/shop/checkout:1.42.0").empty());
        QVERIFY(!map.aliasOf("prod-eu-west").empty());
        ExportOptions o = goldenOptions();
        o.redact = true;
        const std::vector<std::string> names { podA, "checkout-7d9f8c6b5-m8zlw", "production", "gke-prod-pool-1-a1b2",
            "gke-prod-pool-1-c3d4", "registry.example.com/shop/checkout:1.42.0", "prod-eu-west", "10.0.0.1" };
        auto md = renderMarkdown(m_doc, o);
        auto json = renderJson(m_doc, o);
        auto html = renderHtml(m_doc, o);
        auto pdf = renderPdf(m_doc, o);
        QVERIFY(md.ok() && json.ok() && html.ok() && pdf.ok());
        for (const std::string& text : { *md, *json, html->toStdString() })
            for (const auto& name : names)
                QVERIFY2(text.find(name) == std::string::npos, name.c_str());
        // Same name, same alias, in every export.
        for (const std::string& text : { *md, *json, html->toStdString() })
            QVERIFY(text.find(alias) != std::string::npos);
        // The redacted JSON is still a readable incident with the aliases in place.
        auto back = parseIncident(*json);
        QVERIFY(back.ok());
        QCOMPARE(back->ns, std::string("namespace-1"));
        QCOMPARE(back->heapDumps.at(0).pod, alias);
        QCOMPARE(back->snapshots.at(0).series.size(), m_doc.snapshots.at(0).series.size());
        QCOMPARE(back->runbook.steps.at(0).state, StepState::Done);
        QCOMPARE(back->journal.size(), m_doc.journal.size());
    }

    void writesFilesForEachFormat_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<int>("files");
        QTest::newRow("md") << "md" << 3; // the report and the chart PNGs of checkout and catalog
        QTest::newRow("html") << "html" << 1;
        QTest::newRow("pdf") << "pdf" << 1;
        QTest::newRow("json") << "json" << 1;
    }
    void writesFilesForEachFormat()
    {
        QFETCH(QString, format);
        QFETCH(int, files);
        QTemporaryDir dir;
        const auto f = exportFormatFromName(format.toStdString());
        QVERIFY(f);
        const QString out = dir.filePath(QStringLiteral("report") + QLatin1String(exportFormatSuffix(*f)));
        auto written = writeIncidentExport(m_doc, *f, out, goldenOptions());
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().toString().c_str());
        QCOMPARE(int(written->size()), files);
        QCOMPARE(written->front(), out);
        for (const QString& w : *written)
            QVERIFY(QFileInfo(w).size() > 100);
        if (*f == ExportFormat::Markdown) {
            // One chart per service, for its latest snapshot, named after the report: the incident's own first.
            QCOMPARE(QFileInfo(written->at(1)).fileName(), QStringLiteral("report-E2.png"));
            QVERIFY(readAll(out).contains("](report-E3.png)"));
            QVERIFY(readAll(out).indexOf("](report-E3.png)") < readAll(out).indexOf("](report-E2.png)"));
            QVERIFY(!QImage(written->at(1)).isNull());
        }
    }
};

QTEST_MAIN(TestIncidentExport)
#include "tst_incident_export.moc"
