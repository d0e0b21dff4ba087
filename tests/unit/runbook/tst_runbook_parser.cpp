// Parsing real runbooks: the seed memory-leak runbook, LeakDesk's bundled one, and runbooks with
// other structures, missing sections and odd Markdown. What is not understood must show up as a
// warning; nothing is dropped silently.
#include "core/runbook/Parameters.h"
#include "core/runbook/RunbookParser.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace leakdesk;
using namespace leakdesk::runbook;

namespace {

QString fixture(const QString& name)
{
    return QFINDTESTDATA(QString(QStringLiteral("../../fixtures/runbooks/") + name));
}

Runbook load(const QString& name)
{
    const QString path = fixture(name);
    if (path.isEmpty())
        qFatal("fixture %s not found", qPrintable(name));
    auto rb = loadRunbookFile(path.toStdString());
    if (!rb)
        qFatal("fixture %s did not load: %s", qPrintable(name), rb.error().toString().c_str());
    return std::move(rb).value();
}

bool hasWarning(const Runbook& rb, const std::string& needle)
{
    return std::any_of(rb.warnings.begin(), rb.warnings.end(),
        [&](const Warning& w) { return w.message.find(needle) != std::string::npos; });
}

std::string warningsOf(const Runbook& rb)
{
    std::string s;
    for (const Warning& w : rb.warnings)
        s += "\n  line " + std::to_string(w.line) + ": " + w.message;
    return s;
}

const Threshold& need(const Runbook& rb, const std::string& key)
{
    const Threshold* t = rb.threshold(key);
    if (!t)
        qFatal("threshold %s missing", key.c_str());
    return *t;
}

std::vector<std::string> actionsOf(const Step& s)
{
    std::vector<std::string> out;
    for (const Command& c : s.commands)
        out.push_back(actionKindName(c.action));
    return out;
}

// The seed runbook and our bundled one must read the same way: same steps, actions, thresholds.
void checkMemoryLeakRunbook(const Runbook& rb)
{
    QCOMPARE(rb.owner, std::string("Platform Engineering"));
    QVERIFY(rb.severity.rfind("P2", 0) == 0);
    QCOMPARE(rb.symptoms.size(), std::size_t(4));
    QVERIFY(rb.symptoms[0].find("corresponding traffic increase") != std::string::npos);
    QVERIFY(rb.symptoms[3].find("grow, crash, restart, repeat") != std::string::npos);

    QCOMPARE(rb.steps.size(), std::size_t(6));
    const char* titles[]
        = { "Confirm Memory Growth Pattern", "Check OOMKilled Events", "Capture Heap Dump (Java/JVM Services)",
              "Check for Common Leak Sources", "Immediate Mitigation", "Long-Term Fix" };
    for (int i = 0; i < 6; ++i) {
        QCOMPARE(rb.steps[std::size_t(i)].number, i + 1);
        QCOMPARE(rb.steps[std::size_t(i)].title, std::string(titles[i]));
        QVERIFY(rb.steps[std::size_t(i)].snippets.empty());
    }
    QCOMPARE(actionsOf(rb.steps[0]), std::vector<std::string> { "memory-evidence" });
    QCOMPARE(actionsOf(rb.steps[1]), std::vector<std::string> { "oom-evidence" });
    QCOMPARE(actionsOf(rb.steps[2]), (std::vector<std::string> { "heap-capture", "heap-capture" }));
    QCOMPARE(actionsOf(rb.steps[3]), std::vector<std::string> {});
    QCOMPARE(actionsOf(rb.steps[4]), (std::vector<std::string> { "raise-limit", "heap-limit-restart" }));
    QCOMPARE(actionsOf(rb.steps[5]), std::vector<std::string> {});
    QCOMPARE(rb.steps[0].commands[0].text,
        std::string("kubectl top pods -n production -l app=<service-name> --sort-by=memory"));
    QCOMPARE(rb.steps[2].commands[0].arguments.at("path"), std::string("/tmp/heap.hprof"));
    QCOMPARE(rb.steps[4].commands[0].arguments.at("memory-limit"), std::string("4Gi"));
    QCOMPARE(rb.steps[4].commands[1].arguments.at("heap-limit-restart"), std::string("3584m"));
    QVERIFY(!rb.steps[4].commands[0].comment.empty());
    QVERIFY(!rb.steps[4].commands[1].comment.empty());
    QVERIFY(!rb.steps[0].commands[0].mutatesCluster);
    QVERIFY(rb.steps[4].commands[0].mutatesCluster);
    QCOMPARE(rb.steps[3].checklist.size(), std::size_t(4));
    QVERIFY(rb.steps[3].checklist[0].text.find("caches") != std::string::npos
        || rb.steps[3].checklist[0].text.find("Caches") != std::string::npos);
    QVERIFY(!rb.steps[5].prose.empty());
    QVERIFY(rb.steps[5].prose.find("regression test") != std::string::npos);

    QCOMPARE(rb.escalation.size(), std::size_t(2));
    QCOMPARE(rb.placeholders, (std::vector<std::string> { "service-name", "pod-name" }));
    QCOMPARE(rb.defaultNamespace, std::optional<std::string>("production"));

    const Threshold& oom = need(rb, "oom.max_per_window");
    QCOMPARE(oom.value, 2.0);
    QCOMPARE(oom.windowMs, std::optional<std::int64_t>(3600000));
    QCOMPARE(oom.where, std::string("Step 2"));
    QCOMPARE(oom.stepIndex, 1);
    QCOMPARE(need(rb, "stabilise.within").value, 600000.0);
    QCOMPARE(need(rb, "stabilise.within").stepIndex, 0);
    QCOMPARE(need(rb, "mitigation.memory_limit").value, 4.0 * 1024 * 1024 * 1024);
    QCOMPARE(need(rb, "mitigation.heap_limit_restart").value, 3584.0 * 1024 * 1024);
    QCOMPARE(need(rb, "escalation.owner_after").value, 7200000.0);
    QCOMPARE(need(rb, "escalation.owner_after").where, std::string("Escalation"));
    QCOMPARE(need(rb, "severity.initial").value, 2.0);
    QCOMPARE(need(rb, "severity.escalated").value, 1.0);
    for (const Threshold& t : rb.thresholds) {
        QVERIFY2(t.key.find(".other") == std::string::npos, t.key.c_str());
        QVERIFY(!t.sentence.empty() && t.line > 0);
    }

    const RunbookParameters p = parametersOf(rb);
    QCOMPARE(p.fromRunbook.size(), std::size_t(7));
    QCOMPARE(p.oomMaxCount, 2);
    QCOMPARE(p.memoryLimitBytes, 4LL << 30);
    QCOMPARE(p.heapLimitRestartBytes, 3584LL << 20);
    QVERIFY2(rb.warnings.empty(), warningsOf(rb).c_str());
}

} // namespace

class TestRunbookParser : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Nesting tens of thousands deep (issue 13) used to overflow the stack in the recursive walk.
    // Now it is cut at a fixed depth with a warning naming the line; the rest is read as usual.
    void deepNestingIsCutWithAWarning_data()
    {
        QTest::addColumn<QString>("open"); // repeated before the text
        QTest::addColumn<QString>("close"); // repeated after it (inline nesting)
        QTest::addColumn<int>("times");
        QTest::addColumn<bool>("nests"); // CommonMark allows no link inside a link: brackets do not nest
        QTest::newRow("block quotes") << "> "
                                      << "" << 40000 << true;
        QTest::newRow("bullet lists") << "- "
                                      << "" << 40000 << true;
        QTest::newRow("star lists") << "* "
                                    << "" << 40000 << true;
        QTest::newRow("ordered lists") << "1. "
                                       << "" << 30000 << true;
        QTest::newRow("quotes in lists") << "- > "
                                         << "" << 20000 << true;
        QTest::newRow("emphasis") << "*a "
                                  << " a*" << 20000 << true;
        QTest::newRow("strong") << "**a "
                                << " a**" << 20000 << true;
        QTest::newRow("emphasis in a link") << "[*a "
                                            << " a*](u)" << 1 << false;
        QTest::newRow("emphasis inside one link")
            << "[" + QString("*a ").repeated(20000) << QString(" a*").repeated(20000) + "](u)" << 1 << true;
        QTest::newRow("links") << "["
                               << "](u)" << 20000 << false;
        QTest::newRow("strong in links") << "[**"
                                         << "**](u)" << 15000 << false;
    }

    void deepNestingIsCutWithAWarning()
    {
        QFETCH(QString, open);
        QFETCH(QString, close);
        QFETCH(int, times);
        QFETCH(bool, nests);
        for (const QString& where : { QStringLiteral("top"), QStringLiteral("step") }) {
            QString md = QStringLiteral("# Deep\n\n## Steps\n\n### 1. Look\n\n```bash\nkubectl get pods -n a\n```\n\n");
            if (where == QLatin1String("top"))
                md = QStringLiteral("# Deep\n\n") + open.repeated(times) + QStringLiteral("x") + close.repeated(times)
                    + QStringLiteral("\n\n## Steps\n\n### 1. Look\n\n```bash\nkubectl get pods -n a\n```\n");
            else
                md += open.repeated(times) + QStringLiteral("x") + close.repeated(times) + QStringLiteral("\n");
            const auto rb = parseRunbook(md.toStdString(), "deep.md");
            QVERIFY2(rb.ok(), rb.ok() ? "" : rb.error().message.c_str());
            QCOMPARE(rb->steps.size(), std::size_t(1));
            QCOMPARE(rb->steps[0].commands.size(), std::size_t(1));
            const int line = where == QLatin1String("top") ? 3 : 11;
            const bool warned = std::any_of(rb->warnings.begin(), rb->warnings.end(), [&](const Warning& w) {
                return w.message.find("nested more than") != std::string::npos && w.line == line;
            });
            QVERIFY2(warned == nests,
                qPrintable(where + QStringLiteral(": ") + QString::fromStdString(warningsOf(*rb)).left(300)));
        }
    }

    void ordinaryNestingIsKept()
    {
        std::string md = "# Nested\n\n## Steps\n\n### 1. Look\n\n";
        for (int depth = 0; depth < 12; ++depth)
            md += std::string(static_cast<std::size_t>(depth) * 2, ' ') + "- level " + std::to_string(depth) + "\n";
        md += "\n> > > *quoted **deep** [link](u)*\n";
        const auto rb = parseRunbook(md, "nested.md");
        QVERIFY(rb.ok());
        QCOMPARE(rb->steps[0].checklist.size(), std::size_t(12));
        QCOMPARE(rb->steps[0].checklist.back().depth, 11);
        QVERIFY(rb->steps[0].prose.find("quoted deep link") != std::string::npos);
        for (const Warning& w : rb->warnings)
            QVERIFY2(w.message.find("nested more than") == std::string::npos, w.message.c_str());
    }

    void seedRunbook()
    {
        const Runbook rb = load(QStringLiteral("seed-memory-leak.md"));
        QCOMPARE(rb.title, std::string("Memory Leak Detection and Remediation"));
        QCOMPARE(rb.severity, std::string("P2 initially, escalates to P1 if OOMKilled events occur"));
        QCOMPARE(rb.lastUpdated, std::string("2025-01-20"));
        checkMemoryLeakRunbook(rb);
        QCOMPARE(rb.steps[4].commands[0].comment,
            std::string("Increase memory limits temporarily to buy investigation time"));
        QCOMPARE(need(rb, "oom.max_per_window").literal, std::string("more than 2 in 1 hour"));
    }

    void lineNumbersPointIntoTheFile()
    {
        const QString path = fixture(QStringLiteral("seed-memory-leak.md"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
        const Runbook rb = load(QStringLiteral("seed-memory-leak.md"));
        for (const Step& s : rb.steps) {
            QVERIFY(lines.at(s.line - 1).contains(QString::fromStdString(s.title)));
            for (const Command& c : s.commands)
                QCOMPARE(lines.at(c.line - 1).trimmed().toStdString(), c.text);
        }
        for (const Threshold& t : rb.thresholds)
            QVERIFY2(lines.at(t.line - 1).contains(QString::fromStdString(t.literal)), t.key.c_str());
    }

    void bundledRunbook()
    {
        auto rb = loadBundledRunbook();
        QVERIFY2(rb.ok(), rb.ok() ? "" : rb.error().toString().c_str());
        QCOMPARE(rb->sourceName, std::string(kBundledRunbookPath));
        checkMemoryLeakRunbook(*rb);
        // Our own words: the same structure and figures, not the seed's sentences.
        const Runbook seed = load(QStringLiteral("seed-memory-leak.md"));
        QVERIFY(rb->title != seed.title);
        for (std::size_t i = 0; i < seed.steps.size(); ++i) {
            if (!seed.steps[i].prose.empty())
                QVERIFY2(rb->steps[i].prose != seed.steps[i].prose, seed.steps[i].prose.c_str());
            for (std::size_t k = 0; k < seed.steps[i].checklist.size(); ++k)
                QVERIFY(rb->steps[i].checklist[k].text != seed.steps[i].checklist[k].text);
            for (std::size_t k = 0; k < seed.steps[i].commands.size(); ++k)
                QCOMPARE(rb->steps[i].commands[k].text, seed.steps[i].commands[k].text);
        }
        for (std::size_t i = 0; i < seed.symptoms.size(); ++i)
            QVERIFY(rb->symptoms[i] != seed.symptoms[i]);
        auto text = bundledRunbookText();
        QVERIFY(text.ok() && text->find("# Memory Leak") == 0);
    }

    // Every fixture loads, with the expected shape.
    void fixtures_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("title");
        QTest::addColumn<int>("steps");
        QTest::addColumn<int>("commands");
        QTest::addColumn<QString>("defaultNamespace");
        QTest::addColumn<QStringList>("placeholders");
        QTest::addColumn<QStringList>("warnings"); // substrings that must appear
        QTest::newRow("seed") << "seed-memory-leak.md"
                              << "Memory Leak Detection and Remediation" << 6 << 6 << "production"
                              << QStringList { "service-name", "pod-name" } << QStringList {};
        QTest::newRow("step headings, console blocks")
            << "step-headings-console.md"
            << "Checkout OOM Runbook" << 4 << 7 << "payments-prod" << QStringList { "service-name" }
            << QStringList { "metadata field 'Runbook ID'", "program output", "several namespaces" };
        QTest::newRow("missing sections") << "missing-sections.md"
                                          << "Catalog memory check" << 3 << 5 << "shop"
                                          << QStringList { "service-name", "pod-name", "container-name" }
                                          << QStringList { "no **Severity:**", "no **Owner:**", "no Symptoms",
                                                 "no Escalation", "without a language", "out of sequence" };
        QTest::newRow("odd markdown") << "odd-markdown.md"
                                      << "Payments leak runbook" << 3 << 6 << "production"
                                      << QStringList { "service-name", "pod-name" }
                                      << QStringList { "HTML comment", "section 'Background'", "has no number", "yaml",
                                             "HTML block", "no command below it", "without a language",
                                             "more than one top-level heading", "two values for severity.escalated",
                                             "out of sequence" };
        QTest::newRow("ordered list steps")
            << "ordered-list-steps.md"
            << "Search indexer memory" << 3 << 4 << "search" << QStringList { "service-name" } << QStringList {};
    }
    void fixtures()
    {
        QFETCH(QString, file);
        QFETCH(QString, title);
        QFETCH(int, steps);
        QFETCH(int, commands);
        QFETCH(QString, defaultNamespace);
        QFETCH(QStringList, placeholders);
        QFETCH(QStringList, warnings);
        const Runbook rb = load(file);
        QCOMPARE(QString::fromStdString(rb.title), title);
        QVERIFY2(int(rb.steps.size()) == steps, warningsOf(rb).c_str());
        int total = 0;
        for (const Step& s : rb.steps)
            total += int(s.commands.size());
        QCOMPARE(total, commands);
        QCOMPARE(QString::fromStdString(rb.defaultNamespace.value_or("")), defaultNamespace);
        QStringList got;
        for (const std::string& p : rb.placeholders)
            got << QString::fromStdString(p);
        QCOMPARE(got, placeholders);
        for (const QString& w : warnings)
            QVERIFY2(hasWarning(rb, w.toStdString()), qPrintable(w + QString::fromStdString(warningsOf(rb))));
        if (file == QLatin1String("ordered-list-steps.md"))
            QVERIFY2(!hasWarning(rb, "no Escalation"), "ordered-list-steps has an Escalation section");
    }

    void stepHeadingsAndConsoleBlocks()
    {
        const Runbook rb = load(QStringLiteral("step-headings-console.md"));
        QCOMPARE(rb.severity, std::string("P1"));
        QCOMPARE(rb.owner, std::string("Checkout Team (#checkout-oncall)"));
        QCOMPARE(rb.symptoms.size(), std::size_t(2));
        QCOMPARE(rb.steps[0].title, std::string("Look at memory"));
        QCOMPARE(rb.steps[0].commands.size(), std::size_t(1));
        QCOMPARE(rb.steps[0].commands[0].action, ActionKind::MemoryEvidence);
        QCOMPARE(rb.steps[1].commands[0].action, ActionKind::OomEvidence);
        QCOMPARE(rb.steps[1].commands[1].ns, std::optional<std::string>("kube-system"));
        QVERIFY(!rb.steps[1].commands[1].mutatesCluster);
        QVERIFY(rb.steps[2].commands[0].mutatesCluster); // rollout restart
        QVERIFY(!rb.steps[2].commands[1].mutatesCluster); // rollout status
        QCOMPARE(rb.steps[3].commands[0].action, ActionKind::RaiseLimit);
        // --dry-run=server: still not on the read-only list, so the Run button asks first (issue 13)
        QVERIFY(rb.steps[3].commands[0].mutatesCluster);
        QCOMPARE(rb.steps[3].commands[1].arguments.at("memory-limit"), std::string("6Gi"));
        QCOMPARE(need(rb, "severity.initial").value, 1.0);
        QCOMPARE(need(rb, "severity.escalated").value, 0.0);
        QCOMPARE(need(rb, "escalation.owner_after").value, 45.0 * 60000);
        QCOMPARE(need(rb, "count.other").windowMs, std::optional<std::int64_t>(30 * 60000));
        QCOMPARE(need(rb, "mitigation.memory_limit").value, 6.0 * 1024 * 1024 * 1024);
        QVERIFY(!rb.threshold("oom.max_per_window"));
        // Defaults stand in for what this runbook does not say.
        const RunbookParameters p = parametersOf(rb);
        QCOMPARE(p.oomMaxCount, 2);
        QVERIFY(!p.fromRunbook.count("oom.max_per_window"));
        QCOMPARE(p.initialSeverity, 1);
    }

    void missingSections()
    {
        const Runbook rb = load(QStringLiteral("missing-sections.md"));
        QVERIFY(rb.severity.empty() && rb.owner.empty() && rb.symptoms.empty() && rb.escalation.empty());
        QVERIFY(rb.introduction.find("short runbook") != std::string::npos);
        QCOMPARE(rb.steps[2].number, 4);
        QCOMPARE(rb.steps[0].commands[1].action, ActionKind::MemoryEvidence);
        QCOMPARE(rb.steps[1].commands[0].action, ActionKind::Shell); // events | grep, no OOMKilling selector
        QVERIFY(!rb.steps[1].commands[0].mutatesCluster);
        QCOMPARE(rb.steps[2].commands[0].action, ActionKind::HeapCapture);
        QCOMPARE(rb.steps[2].commands[0].arguments.at("path"), std::string("/tmp/catalog.hprof"));
        QCOMPARE(rb.steps[2].commands[1].action, ActionKind::HeapCapture);
        QVERIFY(rb.thresholds.empty());
    }

    void oddMarkdown()
    {
        const Runbook rb = load(QStringLiteral("odd-markdown.md"));
        QVERIFY(rb.owner.rfind("Payments", 0) == 0);
        QCOMPARE(rb.lastUpdated, std::string("yesterday"));
        QVERIFY(rb.introduction.find("free form") != std::string::npos);
        QCOMPARE(rb.otherSections.size(), std::size_t(2));
        QCOMPARE(rb.otherSections[0].heading, std::string("Background"));
        QVERIFY(rb.otherSections[0].text.find("design doc") != std::string::npos);
        QVERIFY(rb.otherSections[0].text.find("| heap") != std::string::npos); // the table, as text
        QCOMPARE(rb.otherSections[1].heading, std::string("Appendix"));

        const Step& memory = rb.steps[0];
        QVERIFY(memory.prose.find("Tip:") != std::string::npos); // block quote kept
        QCOMPARE(memory.commands.size(), std::size_t(1));
        QCOMPARE(memory.commands[0].text,
            std::string("kubectl top pods -n production -l app=<service-name> --sort-by=memory"));
        QCOMPARE(memory.commands[0].comment, std::string("memory per pod biggest first"));
        QCOMPARE(memory.commands[0].action, ActionKind::MemoryEvidence);
        std::vector<int> depths;
        for (const ChecklistItem& i : memory.checklist)
            depths.push_back(i.depth);
        QCOMPARE(depths, (std::vector<int> { 0, 1, 1, 2, 2, 0 }));
        QVERIFY(memory.checklist[3].ordered);

        const Step& jvm = rb.steps[1];
        QCOMPARE(jvm.number, 0);
        QCOMPARE(jvm.title, std::string("Look at the JVM"));
        QCOMPARE(jvm.commands.size(), std::size_t(3));
        QCOMPARE(jvm.commands[0].action, ActionKind::Shell); // exec ... && echo
        QVERIFY(jvm.commands[0].mutatesCluster);
        QVERIFY(!jvm.commands[1].mutatesCluster); // get | jq
        QVERIFY(jvm.commands[2].text.find("name: leak-notes\nEOF") != std::string::npos);
        QVERIFY(jvm.commands[2].mutatesCluster); // kubectl apply
        QCOMPARE(jvm.snippets.size(), std::size_t(1));
        QCOMPARE(jvm.snippets[0].language, std::string("yaml"));

        const Step& restart = rb.steps[2];
        QCOMPARE(restart.number, 3);
        QCOMPARE(restart.commands.size(), std::size_t(2));
        QCOMPARE(restart.commands[0].action, ActionKind::HeapLimitRestart);
        QCOMPARE(restart.commands[1].text, std::string("kubectl delete pod -n production <pod-name>"));
        QVERIFY(restart.commands[1].mutatesCluster);
        QVERIFY(restart.prose.find("(no command after this comment)") != std::string::npos);
        QCOMPARE(need(rb, "mitigation.heap_limit_restart").value, 2560.0 * 1024 * 1024);
        QCOMPARE(need(rb, "stabilise.within").value, 5.0 * 60000);
        QCOMPARE(need(rb, "severity.initial").value, 3.0);
        QCOMPARE(need(rb, "severity.escalated").value, 2.0); // the first one given wins, with a warning
        QCOMPARE(need(rb, "escalation.owner_after").value, 90.0 * 60000);
        QCOMPARE(rb.escalation.size(), std::size_t(2));
    }

    void orderedListSteps()
    {
        const Runbook rb = load(QStringLiteral("ordered-list-steps.md"));
        QCOMPARE(rb.steps[0].title, std::string("Check memory"));
        QVERIFY(rb.steps[0].prose.find("keep the output") != std::string::npos);
        QCOMPARE(rb.steps[1].title, std::string("Check OOM kills"));
        QCOMPARE(rb.steps[1].commands[0].action, ActionKind::OomEvidence);
        QCOMPARE(rb.steps[2].number, 3);
        QCOMPARE(rb.steps[2].checklist.size(), std::size_t(2));
        QCOMPARE(rb.steps[2].commands[0].action, ActionKind::RaiseLimit);
        QCOMPARE(rb.steps[2].commands[1].action, ActionKind::Shell);
        QVERIFY(rb.steps[2].commands[1].mutatesCluster);
        QCOMPARE(need(rb, "oom.max_per_window").value, 2.0);
        QCOMPARE(need(rb, "oom.max_per_window").windowMs, std::optional<std::int64_t>(3600000));
        QCOMPARE(need(rb, "oom.max_per_window").stepIndex, 1);
        QCOMPARE(need(rb, "mitigation.memory_limit").value, 8.0 * 1024 * 1024 * 1024);
        QCOMPARE(need(rb, "severity.escalated").value, 1.0);
    }

    void refusesWhatIsNoRunbook_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("needle");
        QTest::newRow("empty") << QByteArray() << "empty";
        QTest::newRow("whitespace") << QByteArray(" \n\t\n") << "empty";
        QTest::newRow("binary") << QByteArray("JAVA PROFILE 1.0.2\0\0\0\x08", 24) << "not a text file";
        QTest::newRow("plain prose") << QByteArray("just some words\n\nand more words\n")
                                     << "does not look like a runbook";
    }
    void refusesWhatIsNoRunbook()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, needle);
        const auto rb = parseRunbook(std::string_view(input.constData(), std::size_t(input.size())), "x.md");
        QVERIFY(!rb.ok());
        QCOMPARE(rb.error().code, ErrorCode::Parse);
        QVERIFY2(rb.error().message.find(needle.toStdString()) != std::string::npos, rb.error().message.c_str());
    }

    void fileErrors()
    {
        QTemporaryDir dir;
        auto missing = loadRunbookFile(QString(dir.path() + QStringLiteral("/nope.md")).toStdString());
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
        QVERIFY(!missing.error().detail.empty());
        auto directory = loadRunbookFile(dir.path().toStdString());
        QVERIFY(!directory.ok());
        QCOMPARE(directory.error().code, ErrorCode::InvalidArgument);
    }

    void minimalRunbookWarnsInsteadOfFailing()
    {
        const auto bare = parseRunbook("```\nkubectl top pods -n x\n```\n", "runbooks/bare.md");
        QVERIFY(bare.ok());
        QCOMPARE(bare->title, std::string("bare.md"));
        QVERIFY(hasWarning(*bare, "no title"));
        QCOMPARE(bare->steps.size(), std::size_t(1));
        const auto titled = parseRunbook("# Only a title\n", "t.md");
        QVERIFY(titled.ok());
        QVERIFY(hasWarning(*titled, "no numbered steps"));
        const auto codeOnly = parseRunbook("# T\n\n```bash\nkubectl top pods -n x\n```\n", "c.md");
        QVERIFY(codeOnly.ok());
        QCOMPARE(codeOnly->steps.size(), std::size_t(1));
        QVERIFY(hasWarning(*codeOnly, "outside any numbered step"));
        QCOMPARE(codeOnly->steps[0].commands[0].action, ActionKind::MemoryEvidence);
    }
};

QTEST_GUILESS_MAIN(TestRunbookParser)
#include "tst_runbook_parser.moc"
