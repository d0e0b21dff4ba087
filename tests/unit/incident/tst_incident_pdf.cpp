// What only a reader of the PDF file can check: its text as pdftotext reads it (the one-page
// summary, long commands in full, the evidence in order, no secret left) and its pages as pdftoppm
// renders them. A witness test (poppler-utils): it fails when they are missing, never skips
// silently; the pure export and masking tests (tst_incident_export.cpp, tst_secret_masking.cpp)
// need no external program.
#include "ExportTestSupport.h"
#include "IncidentFixture.h"
#include "SecretIncident.h"
#include "SecretSamples.h"
#include "TestSupport.h"

#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentExport.h"
#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentStore.h"
#include "core/incident/SecretMasking.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::incident;
using test::goldenOptions;

namespace {

// The text of pages [first, last] of a PDF, as pdftotext reads it (empty when it fails).
QString pdfText(const QByteArray& pdf, int first, int last, const QStringList& extraArgs = {})
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("report.pdf"));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write(pdf);
    f.close();
    QStringList args { QStringLiteral("-f"), QString::number(first), QStringLiteral("-l"), QString::number(last) };
    args += extraArgs;
    const auto r
        = test::runProgram(test::findProgram(QStringLiteral("pdftotext")), args << path << QStringLiteral("-"));
    return r.exitCode == 0 ? QString::fromUtf8(r.out) : QString();
}

} // namespace

class TestIncidentPdf : public QObject {
    Q_OBJECT
private:
    IncidentDocument m_doc;

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("pdftotext"));
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("pdftoppm"));
        auto loaded = readIncidentFile(test::fixturePath(QStringLiteral("golden.leakdesk")));
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().toString().c_str());
        m_doc = std::move(loaded).value();
    }

    void ownServiceEvidenceComesFirst()
    {
        auto pdf = renderPdf(m_doc, goldenOptions());
        QVERIFY(pdf.ok());
        const QString problem = test::ownServiceEvidenceOrderProblem(pdfText(*pdf, 1, 1000).simplified());
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    // A reader of the PDF gets one page with what matters, then the timeline (the layout itself:
    // tst_incident_export.cpp :: printedReportStartsWithAOnePageSummary).
    void firstPageIsTheSummary()
    {
        auto pdf = renderPdf(m_doc, goldenOptions());
        QVERIFY(pdf.ok());
        const QString first = pdfText(*pdf, 1, 1).simplified();
        for (const char* fact : { "Service checkout in namespace production", "P1 (started as P2; P2 -> P1",
                 "Paged the checkout on-call", "LEAK, sawtooth", "OOM kills 6 in the last hour", "applied: A2",
                 "reverted: A1", "1. java.util.concurrent.ConcurrentHashMap (unbounded_cache) retains 986 MiB",
                 "6. Long-Term Fix (skipped", "Owner shop-checkout" })
            QVERIFY2(
                first.contains(QLatin1String(fact)), qPrintable(QLatin1String(fact) + QStringLiteral("\n") + first));
        for (const char* later : { "Timeline", "Severity history", "Runbook checklist" })
            QVERIFY2(!first.contains(QLatin1String(later)), later);
        QVERIFY(pdfText(*pdf, 2, 2).simplified().startsWith(QStringLiteral("Timeline")));
    }

    void longCommandsAreThereInFull_data() { test::addLongCommandRows(); }
    void longCommandsAreThereInFull()
    {
        QFETCH(QString, kind);
        IncidentDocument doc = m_doc;
        const std::string cmd = test::longCommand(kind);
        recordRunbookCommand(doc, { cmd, "deployment.apps/checkout patched", "", true, "" }, doc.updatedMs + 1000);
        const QString command = QString::fromStdString(cmd);
        auto pdf = renderPdf(doc, goldenOptions());
        QVERIFY(pdf.ok());
        const QString all = test::withoutSpace(pdfText(*pdf, 1, 1000));
        if (qEnvironmentVariableIsSet("LEAKDESK_KEEP_TEST_FILES")) {
            QFile dump(QDir::temp().filePath(QStringLiteral("leakdesk-long-command-%1.txt").arg(kind.left(4))));
            if (dump.open(QIODevice::WriteOnly))
                dump.write(pdfText(*pdf, 1, 1000).toUtf8());
            QFile pdfFile(dump.fileName() + QStringLiteral(".pdf"));
            if (pdfFile.open(QIODevice::WriteOnly))
                pdfFile.write(*pdf);
        }
        // At least in the mitigation's code block; the timeline's row may be split over two pages,
        // where pdftotext also reads the clipped copy of the line at the page's edge.
        const QString wanted = test::withoutSpace(command);
        QVERIFY2(all.contains(wanted),
            qPrintable(QStringLiteral("wanted:\n") + wanted + QStringLiteral("\nthe PDF has:\n")
                + all.mid(all.indexOf(wanted.left(40)), 460)));
    }

    void pdfHasPagesWithContent()
    {
        const QString pdftoppm = test::findProgram(QStringLiteral("pdftoppm"));
        auto pdf = renderPdf(m_doc, goldenOptions());
        QVERIFY2(pdf.ok(), pdf.ok() ? "" : pdf.error().toString().c_str());
        QVERIFY(pdf->startsWith("%PDF-"));
        QTemporaryDir dir;
        dir.setAutoRemove(!qEnvironmentVariableIsSet("LEAKDESK_KEEP_TEST_FILES"));
        const QString path = dir.filePath(QStringLiteral("incident.pdf"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(*pdf);
        f.close();
        const auto r = test::runProgram(pdftoppm,
            { QStringLiteral("-r"), QStringLiteral("40"), QStringLiteral("-png"), path,
                dir.filePath(QStringLiteral("page")) });
        QCOMPARE(r.exitCode, 0);
        const QStringList pages = QDir(dir.path()).entryList({ QStringLiteral("page*.png") }, QDir::Files, QDir::Name);
        QVERIFY2(pages.size() >= 3, qPrintable(pages.join(QStringLiteral(","))));
        int fullPages = 0;
        int bluePixels = 0; // the chart's first pod line (and nothing else in the report) is blue
        for (const QString& page : pages) {
            const QImage image(dir.filePath(page));
            QVERIFY(!image.isNull());
            const double ink = double(test::nonWhitePixels(image)) / (image.width() * image.height());
            QVERIFY2(ink > 0.001,
                qPrintable(page + QStringLiteral(" is blank"))); // at least a few lines and the page number
            fullPages += ink > 0.01;
            for (int y = 0; y < image.height(); ++y)
                for (int x = 0; x < image.width(); ++x) {
                    const QColor c = image.pixelColor(x, y);
                    bluePixels += c.blue() - c.red() > 60 && c.blue() > c.green();
                }
        }
        QVERIFY2(
            fullPages >= int(pages.size()) - 1, qPrintable(QString::number(fullPages))); // only the last may be short
        QVERIFY2(bluePixels > 100, qPrintable(QStringLiteral("no chart on any page (%1 blue pixels)").arg(bluePixels)));
        const QString pdftotext = test::findProgram(QStringLiteral("pdftotext"));
        {
            const auto t = test::runProgram(pdftotext, { path, QStringLiteral("-") });
            QCOMPARE(t.exitCode, 0);
            const QString text = QString::fromUtf8(t.out).simplified(); // lines wrap anywhere
            for (const char* s : { "Incident: checkout memory leak in production", "Runbook checklist", "OOM kills",
                     "Timeline", "SessionCache" })
                QVERIFY2(text.contains(QLatin1String(s)), s);
            QVERIFY(!text.contains(QString::fromLatin1(test::kSecretLikeToken)));
        }
    }

    // An incident holding every secret format, written unmasked by an older LeakDesk, exports as a
    // PDF without any of them (the other formats: tst_secret_masking.cpp :: exportsKeepNoSecret).
    void pdfKeepsNoSecret_data()
    {
        QTest::addColumn<bool>("redact");
        QTest::newRow("pdf --redact") << true;
        QTest::newRow("pdf") << false;
    }
    void pdfKeepsNoSecret()
    {
        QFETCH(bool, redact);
        const IncidentDocument doc = test::incidentWithEverySecret();
        ExportOptions options;
        options.redact = redact;
        options.generatedMs = doc.updatedMs;
        auto pdf = renderPdf(doc, options);
        QVERIFY(pdf.ok());
        // A PDF's text is compressed glyph runs: read it back as text.
        const QByteArray bytes = pdfText(*pdf, 1, 100000, { QStringLiteral("-raw") }).toUtf8();
        QVERIFY(bytes.contains("pasted")); // the notes are there, only masked
        QVERIFY(bytes.contains(kMasked));
        for (const auto& s : test::secretSamples())
            QVERIFY2(!bytes.contains(QByteArray::fromStdString(s.secret)), s.name);
    }
};

QTEST_MAIN(TestIncidentPdf)
#include "tst_incident_pdf.moc"
