// The GUI's runbook path with input nested tens of thousands deep. The parser cuts Markdown nested
// deeper than it reads (tst_runbook_parser, the fuzz corpus), but the step view hands a step's text
// back to Qt's own Markdown reader (QTextEdit::setMarkdown): text that was flat for the parser (a
// code span full of "> ", a paragraph of "- - -" the parser read as text) can become nested quotes
// and lists again there. Each case is shown in a real StepDetailView and laid out; the test fails
// on a crash, and on a step view that shows none of the step's text.
#include "TestSupport.h"

#include "core/runbook/RunbookParser.h"
#include "ui/runbook/StepDetailView.h"

#include <QFile>
#include <QTest>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTextList>

using namespace leakdesk;
using namespace leakdesk::ui;

namespace {

QByteArray corpusFile(const QString& name)
{
    QFile f(test::sourceDir() + QStringLiteral("/tests/fuzz/runbook/corpus/") + name);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The corpus file's body (after its "# Deep" title) as the text of step 1.
QByteArray inAStep(const QByteArray& corpus)
{
    QByteArray body = corpus;
    if (body.startsWith("# "))
        body = body.mid(body.indexOf('\n') + 1);
    return "# Deep\n\n## Steps\n\n### 1. Look\n\nLook first.\n\n" + body + "\n\n### 2. Next\n\nThen this.\n";
}

QByteArray repeated(const QByteArray& unit, int times)
{
    QByteArray out;
    out.reserve(unit.size() * times);
    for (int i = 0; i < times; ++i)
        out += unit;
    return out;
}

} // namespace

class TestStepDetailDeepInput : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void deepInputIsShownWithoutCrashing_data()
    {
        QTest::addColumn<QByteArray>("markdown");
        QTest::addColumn<QString>("lastWords"); // how the first step's text ends on screen
        for (const char* name :
            { "deep-blockquote.md", "deep-bullet-list.md", "deep-quote-list.md", "deep-ordered-list.md",
                "deep-step-checklist.md", "deep-emphasis.md", "deep-links.md", "deep-strong-in-links.md" }) {
            const QByteArray corpus = corpusFile(QString::fromLatin1(name));
            QVERIFY2(!corpus.isEmpty(), name);
            // The parser cut the nesting: the step's text is what came before it (emphasis and links
            // are inline and stay, as flat text).
            const QString lastWords = QByteArray(name).startsWith("deep-emphasis") ? QStringLiteral("a")
                : QByteArray(name).startsWith("deep-links") || QByteArray(name).startsWith("deep-strong")
                ? QStringLiteral(")")
                : QStringLiteral("Look first.");
            QTest::addRow("%s as step text", name) << inAStep(corpus) << lastWords;
        }
        const int deep = 50000;
        QTest::newRow("code span full of '> '")
            << inAStep("Run `" + repeated("> ", deep) + "x` first.") << QStringLiteral("x first.");
        QTest::newRow("code span full of '- '")
            << inAStep("Run `" + repeated("- ", deep) + "x` first.") << QStringLiteral("x first.");
        QTest::newRow("code span full of '1. '")
            << inAStep("Run `" + repeated("1. ", deep) + "x` first.") << QStringLiteral("x first.");
        // Flat for the parser (escaped, or after a hard line break), Markdown block markers for Qt.
        QTest::newRow("escaped quotes") << inAStep(repeated("\\> ", deep) + "x") << QStringLiteral("> x");
        QTest::newRow("escaped bullets") << inAStep(repeated("\\- ", deep) + "x") << QStringLiteral("- x");
        QTest::newRow("escaped ordered") << inAStep(repeated("1\\. ", deep) + "x") << QStringLiteral("1. x");
        QTest::newRow("quotes after a hard line break")
            << inAStep("Text\\\n" + repeated("\\> ", deep) + "x") << QStringLiteral("> x");
        QTest::newRow("quote markers after text")
            << inAStep("Text " + repeated("> ", deep) + "x") << QStringLiteral("x");
        QTest::newRow("checklist item holding '> '")
            << inAStep("- [ ] check `" + repeated("> ", deep) + "x`\n- [ ] \\" + repeated("> ", deep) + "then")
            << QStringLiteral("> then");
    }

    void deepInputIsShownWithoutCrashing()
    {
        QFETCH(QByteArray, markdown);
        auto book = runbook::parseRunbook(std::string_view(markdown.constData(), std::size_t(markdown.size())));
        QVERIFY2(book.ok(), book.ok() ? "" : book.error().message.c_str());
        QVERIFY(!book->steps.empty());
        StepDetailView view;
        view.resize(900, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        for (const runbook::Step& step : book->steps) {
            view.setStep(&step, &*book, StepState::Pending, {});
            QCoreApplication::processEvents();
        }
        // The first step's own words are on screen.
        view.setStep(&book->steps.front(), &*book, StepState::Pending, {});
        QCoreApplication::processEvents();
        auto* text = view.findChild<QTextBrowser*>();
        QVERIFY(text);
        QVERIFY2(text->toPlainText().contains(QLatin1String("Look first.")), qPrintable(text->toPlainText().left(200)));
        // Shown flat: no quote or list nested deeper than the checklist's own levels (the parser
        // keeps at most 48), and the step's last words are on screen, not laid out off it.
        int deepestQuote = 0;
        int deepestList = 0;
        for (QTextBlock b = text->document()->begin(); b.isValid(); b = b.next()) {
            deepestQuote = std::max(deepestQuote, b.blockFormat().intProperty(QTextFormat::BlockQuoteLevel));
            if (b.textList())
                deepestList = std::max(deepestList, b.textList()->format().indent());
        }
        QCOMPARE(deepestQuote, 0);
        QVERIFY2(deepestList <= 48, QByteArray::number(deepestList).constData());
        QFETCH(QString, lastWords);
        QVERIFY2(text->toPlainText().trimmed().endsWith(lastWords), qPrintable(text->toPlainText().right(60)));
    }
};

QTEST_MAIN(TestStepDetailDeepInput)
#include "tst_step_detail_deep_input.moc"
