// The Prometheus connection dialog against invented config files: it shows the context's entry,
// saves what was edited (0600, atomically) and nothing else: the other contexts' entries, this
// one's metric overrides and entries another writer added meanwhile stay; a header that would
// break the protocol is refused in the dialog and the file is left alone.
#include "ui/main/PrometheusConnectionDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::prometheus;
using leakdesk::ui::PrometheusConnectionDialog;

namespace {

const QByteArray kFile = R"(contexts:
  prod:
    prometheus: https://mimir.example.test/prometheus
    headers:
      X-Scope-OrgID: team-a
    params:
      dedup: "true"
    token-file: /run/prod.token
    metrics:
      memory_working_set: my_memory_bytes
  staging:
    prometheus: http://prom.staging.test:9090
    insecure-skip-tls-verify: true
)";

QString writeConfig(const QTemporaryDir& dir)
{
    const QString path = dir.filePath(QStringLiteral("leakdesk/config.yaml"));
    QDir().mkpath(dir.filePath(QStringLiteral("leakdesk")));
    QFile f(path);
    if (f.open(QIODevice::WriteOnly))
        f.write(kFile);
    return path;
}

} // namespace

class TestPrometheusConnectionDialog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void showsTheContextsEntry()
    {
        QTemporaryDir dir;
        const QString path = writeConfig(dir);
        PrometheusConnectionDialog dialog(
            path, { QStringLiteral("kind-dev"), QStringLiteral("prod") }, QStringLiteral("prod"));
        QCOMPARE(dialog.context(), QStringLiteral("prod"));
        QCOMPARE(dialog.urlEdit()->text(), QStringLiteral("https://mimir.example.test/prometheus"));
        QCOMPARE(dialog.headersTable()->rowCount(), 1);
        QCOMPARE(dialog.headersTable()->item(0, 0)->text(), QStringLiteral("X-Scope-OrgID"));
        QCOMPARE(dialog.headersTable()->item(0, 1)->text(), QStringLiteral("team-a"));
        QCOMPARE(dialog.paramsTable()->item(0, 0)->text(), QStringLiteral("dedup"));
        QCOMPARE(dialog.tokenFileEdit()->text(), QStringLiteral("/run/prod.token"));
        // The file's contexts are offered beside the kubeconfig's.
        QCOMPARE(dialog.contextBox()->findText(QStringLiteral("staging")) >= 0, true);
        QCOMPARE(dialog.contextBox()->findText(QStringLiteral("kind-dev")) >= 0, true);
        // Another context: its entry.
        dialog.contextBox()->setCurrentText(QStringLiteral("staging"));
        QCOMPARE(dialog.urlEdit()->text(), QStringLiteral("http://prom.staging.test:9090"));
        QCOMPARE(dialog.headersTable()->rowCount(), 0);
        QVERIFY(dialog.insecureBox()->isChecked());
        // One without an entry: an empty form.
        dialog.contextBox()->setCurrentText(QStringLiteral("kind-dev"));
        QVERIFY(dialog.urlEdit()->text().isEmpty());
        QVERIFY(!dialog.insecureBox()->isChecked());
    }

    void editSaveReread()
    {
        QTemporaryDir dir;
        const QString path = writeConfig(dir);
        PrometheusConnectionDialog dialog(path, {}, QStringLiteral("prod"));
        dialog.urlEdit()->setText(QStringLiteral("https://thanos.example.test"));
        dialog.headersTable()->item(0, 1)->setText(QStringLiteral("team-b"));
        PrometheusConnectionDialog::addRow(dialog.headersTable(), QStringLiteral("X-Extra"), QStringLiteral("1"));
        PrometheusConnectionDialog::addRow(
            dialog.paramsTable(), QStringLiteral("partial_response"), QStringLiteral("false"));
        PrometheusConnectionDialog::addRow(dialog.paramsTable(), QString(), QString()); // an empty row is ignored
        dialog.tokenFileEdit()->setText(QStringLiteral("/run/rotated.token"));
        dialog.caFileEdit()->setText(QStringLiteral("/etc/ca.pem"));
        // Meanwhile another writer adds a context.
        {
            auto other = loadPromConfig(path);
            QVERIFY(other.ok());
            other->contexts["added-meanwhile"].url = QStringLiteral("http://127.0.0.1:9090");
            QVERIFY(savePromConfig(path, *other).ok());
        }
        dialog.accept();
        QVERIFY2(dialog.result() == QDialog::Accepted, qPrintable(dialog.errorLabel()->text()));

        const auto reread = loadPromConfig(path);
        QVERIFY2(reread.ok(), reread.ok() ? "" : reread.error().toString().c_str());
        const PromContextSettings& prod = reread->contexts.at("prod");
        QCOMPARE(prod.url, QStringLiteral("https://thanos.example.test"));
        QCOMPARE(prod.headers, (QList<PromHeader> { { "X-Scope-OrgID", "team-b" }, { "X-Extra", "1" } }));
        QCOMPARE(prod.params,
            (QList<PromParam> { { QStringLiteral("dedup"), QStringLiteral("true") },
                { QStringLiteral("partial_response"), QStringLiteral("false") } }));
        QCOMPARE(prod.tokenFile, QStringLiteral("/run/rotated.token"));
        QCOMPARE(prod.caFile, QStringLiteral("/etc/ca.pem"));
        QCOMPARE(prod.metrics.at("memory_working_set"), std::string("my_memory_bytes")); // not in the form, kept
        QCOMPARE(reread->contexts.at("staging").url, QStringLiteral("http://prom.staging.test:9090"));
        QVERIFY(reread->contexts.count("added-meanwhile"));
        QCOMPARE(QFile::permissions(path) & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteOther),
            QFileDevice::Permissions());
        QCOMPARE(dialog.saved(), prod);
    }

    void newContextIsAdded()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("fresh/config.yaml")); // no file, no folder yet
        PrometheusConnectionDialog dialog(path, { QStringLiteral("kind-dev") }, QStringLiteral("kind-dev"));
        dialog.urlEdit()->setText(QStringLiteral("k8s://monitoring/prometheus-k8s:9090"));
        dialog.accept();
        QVERIFY2(dialog.result() == QDialog::Accepted, qPrintable(dialog.errorLabel()->text()));
        const auto reread = loadPromConfig(path);
        QVERIFY(reread.ok());
        QCOMPARE(reread->contexts.at("kind-dev").url, QStringLiteral("k8s://monitoring/prometheus-k8s:9090"));
    }

    void mistakesAreRefusedAndTheFileIsLeftAlone_data()
    {
        QTest::addColumn<QString>("headerName");
        QTest::addColumn<QString>("headerValue");
        QTest::addColumn<QString>("paramKey");
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("insecure");
        QTest::addColumn<QString>("problem");
        QTest::newRow("Host header") << QStringLiteral("Host") << QStringLiteral("x") << QString() << QString() << false
                                     << QStringLiteral("sets itself");
        QTest::newRow("line break in a value") << QStringLiteral("X-A") << QStringLiteral("s3cret\nX-B: 1") << QString()
                                               << QString() << false << QStringLiteral("line break");
        QTest::newRow("a parameter LeakDesk sets") << QString() << QString() << QStringLiteral("query") << QString()
                                                   << false << QStringLiteral("sets for each request");
        QTest::newRow("not a URL") << QString() << QString() << QString() << QStringLiteral("prom:9090") << false
                                   << QStringLiteral("http://, https:// or k8s://");
        QTest::newRow("CA and no verification")
            << QString() << QString() << QString() << QString() << true << QStringLiteral("exclude each other");
    }
    void mistakesAreRefusedAndTheFileIsLeftAlone()
    {
        QFETCH(QString, headerName);
        QFETCH(QString, headerValue);
        QFETCH(QString, paramKey);
        QFETCH(QString, url);
        QFETCH(bool, insecure);
        QFETCH(QString, problem);
        QTemporaryDir dir;
        const QString path = writeConfig(dir);
        PrometheusConnectionDialog dialog(path, {}, QStringLiteral("prod"));
        if (!headerName.isEmpty())
            PrometheusConnectionDialog::addRow(dialog.headersTable(), headerName, headerValue);
        if (!paramKey.isEmpty())
            PrometheusConnectionDialog::addRow(dialog.paramsTable(), paramKey, QStringLiteral("up"));
        if (!url.isEmpty())
            dialog.urlEdit()->setText(url);
        if (insecure) {
            dialog.caFileEdit()->setText(QStringLiteral("/etc/ca.pem"));
            dialog.insecureBox()->setChecked(true);
        }
        dialog.open();
        dialog.accept();
        QVERIFY(dialog.isVisible()); // still open, saying why
        QVERIFY2(dialog.errorLabel()->text().contains(problem), qPrintable(dialog.errorLabel()->text()));
        QVERIFY(!dialog.errorLabel()->text().contains(QStringLiteral("s3cret")));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), kFile);
        dialog.reject();
    }

    void aBrokenFileIsNotOverwritten()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("config.yaml"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("contexts:\n  prod:\n    tenant: a\n");
        f.close();
        PrometheusConnectionDialog dialog(path, {}, QStringLiteral("prod"));
        QVERIFY(dialog.errorLabel()->text().contains(QStringLiteral(":3: unknown key 'tenant'")));
        dialog.open();
        dialog.accept();
        QVERIFY(dialog.isVisible());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("contexts:\n  prod:\n    tenant: a\n"));
        dialog.reject();
    }

    void savedSettingsReplaceTheConnectionsPrometheus()
    {
        investigation::ConnectionOptions o;
        o.kubeconfig = QStringLiteral("/k");
        o.context = QStringLiteral("prod");
        o.prometheusUrl = QUrl(QStringLiteral("http://old.test:9090"));
        o.prometheusToken = "old-token";
        o.prometheusHeaders = { { "X-Old", "1" } };
        PromContextSettings s;
        s.url = QStringLiteral("https://new.test");
        s.headers = { { "X-Scope-OrgID", "t" } };
        s.tokenFile = QStringLiteral("/run/t");
        s.metrics = { { "memory_working_set", "m" } };
        const auto n = ui::withPrometheusSettings(o, s);
        QCOMPARE(n.kubeconfig, o.kubeconfig);
        QCOMPARE(n.context, o.context);
        QCOMPARE(n.prometheusUrl, QUrl(QStringLiteral("https://new.test")));
        QVERIFY(n.prometheusToken.isEmpty()); // the file's token file, not the old context's token
        QCOMPARE(n.prometheusTokenFile, QStringLiteral("/run/t"));
        QCOMPARE(n.prometheusHeaders, s.headers);
        QCOMPARE(n.metricOverrides, s.metrics);
        s.url.clear();
        QCOMPARE(ui::withPrometheusSettings(o, s).prometheusUrl, o.prometheusUrl);
    }
};

QTEST_MAIN(TestPrometheusConnectionDialog)
#include "tst_prometheus_connection_dialog.moc"
