// The main window switching kube context applies the config file's entry for the new context
// (its Prometheus URL, tenant header, parameters), instead of carrying the previous context's
// settings over; a context without an entry keeps them. Against the in-process sandbox reached
// as a real cluster (not as the sandbox), with two contexts and a tenant-checking Prometheus.
#include "core/runbook/RunbookParser.h"
#include "core/sandbox/SandboxHost.h"
#include "ui/investigation/InvestigationController.h"
#include "ui/main/ConnectionBar.h"
#include "ui/main/MainWindow.h"

#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;

class TestContextSwitchConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void switchAppliesTheFilesEntry()
    {
        QStandardPaths::setTestModeEnabled(true);
        QTemporaryDir dir;
        sandbox::SandboxHost host;
        sandbox::SandboxOptions options;
        options.readOnlyUser = true;
        options.prometheusTenant = QStringLiteral("tenant-b");
        QVERIFY(host.start(options).ok());

        investigation::ConnectionOptions o;
        o.kubeconfig = host.kubeconfigPath();
        o.context = host.contextName();
        o.prometheusUrl = host.prometheusUrl();
        o.prometheusHeaders = { { "X-Scope-OrgID", "tenant-a" } };
        ui::InvestigationController controller;
        QVERIFY(controller.open(o).ok());
        auto book = runbook::loadBundledRunbook();
        QVERIFY(book.ok());
        ui::MainWindow window(&controller, std::make_shared<const runbook::Runbook>(std::move(book).value()));
        const QString config = dir.filePath(QStringLiteral("config.yaml"));
        QFile f(config);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("contexts:\n  " + host.readOnlyContextName().toUtf8()
            + ":\n    prometheus: " + host.prometheusUrl().toString().toUtf8()
            + "/\n    headers:\n      X-Scope-OrgID: tenant-b\n    params:\n      dedup: \"true\"\n");
        f.close();
        window.setConfigPath(config);

        Q_EMIT window.connectionBar()->contextSelected(host.readOnlyContextName());
        QVERIFY(controller.connection());
        QCOMPARE(controller.connection()->contextName(), host.readOnlyContextName());
        const auto& prom = controller.connection()->prometheus().connection();
        QCOMPARE(prom.baseUrl.toString(), host.prometheusUrl().toString() + QLatin1Char('/'));
        QCOMPARE(prom.extraHeaders, (QList<prometheus::PromHeader> { { "X-Scope-OrgID", "tenant-b" } }));
        QCOMPARE(prom.extraParams.size(), 1);

        // Back to a context the file does not name: the settings in use are kept.
        Q_EMIT window.connectionBar()->contextSelected(host.contextName());
        QCOMPARE(controller.connection()->contextName(), host.contextName());
        QCOMPARE(controller.connection()->prometheus().connection().extraHeaders,
            (QList<prometheus::PromHeader> { { "X-Scope-OrgID", "tenant-b" } }));
    }
};

QTEST_MAIN(TestContextSwitchConfig)
#include "tst_context_switch_config.moc"
