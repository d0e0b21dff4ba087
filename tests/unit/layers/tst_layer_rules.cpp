// tools/check-layers.sh, the build's guard of the layer rules, run on a small made-up tree: a tree
// that keeps the rules passes; one forbidden #include (the sandbox, a widget, a layer above) fails
// it, naming the file, the line and the include.
#include "TestSupport.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk::test;

namespace {

bool writeFile(const QString& path, const QByteArray& content)
{
    QDir().mkpath(path.section(QLatin1Char('/'), 0, -2));
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(content) == content.size();
}

// A tree shaped like the project's, every include in it allowed.
bool writeLawfulTree(const QString& root)
{
    const QList<std::pair<const char*, QByteArray>> files {
        { "core/common/Result.h", "#pragma once\n#include <string>\n" },
        { "core/kube/KubeClient.h", "#pragma once\n#include \"core/common/Result.h\"\n#include <QNetworkReply>\n" },
        { "core/sandbox/SandboxHost.h", "#pragma once\n#include \"core/common/Result.h\"\n#include <QTcpServer>\n" },
        { "core/investigation/Findings.h", "#pragma once\n#include \"core/common/Result.h\"\n" },
        { "core/investigation/ClusterConnection.h", "#pragma once\n#include \"core/kube/KubeClient.h\"\n" },
        { "core/incident/Recording.cpp", "#include \"core/investigation/Findings.h\"\n#include <QPainter>\n" },
        { "ui/heap/HeapView.h", "#pragma once\n#include <QWidget>\n#include \"core/investigation/ClusterConnection.h\"\n" },
        { "ui/main/MainWindow.cpp", "#include \"ui/heap/HeapView.h\"\n#include <QtWidgets/QMainWindow>\n" },
        { "app/SandboxSession.h", "#pragma once\n#include \"core/sandbox/SandboxHost.h\"\n" },
        { "app/gui/main.cpp", "#include \"app/SandboxSession.h\"\n#include <QApplication>\n" },
    };
    for (const auto& [path, content] : files)
        if (!writeFile(root + QLatin1Char('/') + QLatin1String(path), content))
            return false;
    return true;
}

ProcessResult checkLayers(const QString& root)
{
    return runProgram(QStringLiteral(LEAKDESK_CHECK_LAYERS), { root, QStringLiteral(LEAKDESK_QT_HEADERS_DIR) });
}

} // namespace

class TestLayerRules : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void lawfulTreePasses()
    {
        QTemporaryDir dir;
        QVERIFY(writeLawfulTree(dir.path()));
        const auto r = checkLayers(dir.path());
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }

    void forbiddenIncludeFails_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("line");
        QTest::addRow("core reaches the sandbox")
            << "core/investigation/Connection.cpp" << QByteArray("#include \"core/sandbox/SandboxHost.h\"");
        QTest::addRow("the sandbox in a header, spaced")
            << "core/actions/Plan.h" << QByteArray("  #  include \"core/sandbox/SandboxHost.h\"");
        QTest::addRow("core uses a widget") << "core/kube/Prompt.cpp" << QByteArray("#include <QWidget>");
        QTest::addRow("core uses a widget by module path")
            << "core/incident/Dialog.cpp" << QByteArray("#include <QtWidgets/QDialog>");
        QTest::addRow("plain C++ module uses Qt") << "core/heap/Walk.h" << QByteArray("#include <QString>");
        QTest::addRow("lower layer reaches a higher one")
            << "core/kube/Back.cpp" << QByteArray("#include \"core/investigation/Findings.h\"");
        QTest::addRow("incident reaches a network client")
            << "core/incident/Ref.cpp" << QByteArray("#include \"core/investigation/ClusterConnection.h\"");
        QTest::addRow("core reaches the GUI")
            << "core/investigation/Show.cpp" << QByteArray("#include \"ui/heap/HeapView.h\"");
        QTest::addRow("ui reaches the sandbox")
            << "ui/main/Scenario.cpp" << QByteArray("#include \"core/sandbox/SandboxHost.h\"");
        QTest::addRow("ui reaches the app") << "ui/main/Start.cpp" << QByteArray("#include \"app/SandboxSession.h\"");
        QTest::addRow("an include that could name core/heap or ui/heap")
            << "ui/main/Ambiguous.cpp" << QByteArray("#include \"heap/HeapView.h\"");
        QTest::addRow("a neighbour by its bare name") << "core/kube/Near.cpp" << QByteArray("#include \"KubeClient.h\"");
        QTest::addRow("a sub-folder of core is its folder's layer")
            << "core/kube/watch/Cache.cpp" << QByteArray("#include \"core/sandbox/SandboxHost.h\"");
    }

    void forbiddenIncludeFails()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, line);
        QTemporaryDir dir;
        QVERIFY(writeLawfulTree(dir.path()));
        QVERIFY(writeFile(dir.path() + QLatin1Char('/') + file, "// made up\n" + line + "\n"));
        const auto r = checkLayers(dir.path());
        QCOMPARE(r.exitCode, 1);
        // Names the file and line (2: after the comment) of the forbidden include.
        QVERIFY2(r.err.contains((file + QStringLiteral(":2: includes")).toUtf8()), r.err.constData());
        QVERIFY2(r.err.contains("1 forbidden include(s)"), r.err.constData());
    }

    void wrongUsageIsNoPass()
    {
        const auto r = runProgram(QStringLiteral(LEAKDESK_CHECK_LAYERS), { QStringLiteral("no-such-dir") });
        QCOMPARE(r.exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestLayerRules)
#include "tst_layer_rules.moc"
