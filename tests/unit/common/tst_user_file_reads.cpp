// Every file a user names, read by the module that owns it: a runbook, an incident, a kubeconfig,
// a Prometheus token or CA file. A FIFO (whose open() would wait for a writer), /dev/zero (which
// never ends) and a file far over the kind's cap are each refused at once, with the file named.
#include "TestSupport.h"
#include "core/incident/IncidentStore.h"
#include "core/investigation/ClusterConnection.h"
#include "core/runbook/RunbookParser.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <sys/stat.h>

using namespace leakdesk;

namespace {

const char* const kKubeconfig = R"(apiVersion: v1
kind: Config
current-context: test
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:1
users:
- name: test
  user:
    token: abc
contexts:
- name: test
  context:
    cluster: test
    user: test
)";

} // namespace

class TestUserFileReads : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_kubeconfig;

    // The module's read of `path`, as an Error (or none when it was read).
    static std::optional<Error> readAs(const QString& kind, const QString& path, const QString& kubeconfig)
    {
        auto errorOf = [](const auto& r) -> std::optional<Error> {
            if (r)
                return std::nullopt;
            return r.error();
        };
        if (kind == QLatin1String("runbook"))
            return errorOf(runbook::loadRunbookFile(QFile::encodeName(path).toStdString()));
        if (kind == QLatin1String("incident")) {
            incident::IncidentStore store(path);
            return errorOf(store.load());
        }
        investigation::ConnectionOptions o;
        o.kubeconfig = kind == QLatin1String("kubeconfig") ? path : kubeconfig;
        o.prometheusUrl = QUrl(QStringLiteral("https://127.0.0.1:1"));
        if (kind == QLatin1String("prometheus token"))
            o.prometheusTokenFile = path;
        if (kind == QLatin1String("prometheus CA"))
            o.prometheusCaFile = path;
        return errorOf(investigation::ClusterConnection::open(o));
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_kubeconfig = m_dir.filePath(QStringLiteral("kubeconfig"));
        QFile f(m_kubeconfig);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(kKubeconfig);
    }

    void refusedAtOnce_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("file"); // fifo, /dev/zero, or a size in MiB
        QTest::addColumn<QString>("says");
        for (const char* kind : { "runbook", "incident", "kubeconfig", "prometheus token", "prometheus CA" }) {
            QTest::newRow(qPrintable(QStringLiteral("%1: fifo").arg(QLatin1String(kind))))
                << QString::fromLatin1(kind) << "fifo"
                << "named pipe";
            QTest::newRow(qPrintable(QStringLiteral("%1: /dev/zero").arg(QLatin1String(kind))))
                << QString::fromLatin1(kind) << "/dev/zero"
                << "character device";
        }
        QTest::newRow("runbook: 5 MiB") << "runbook"
                                        << "5"
                                        << "4 MiB";
        QTest::newRow("kubeconfig: 9 MiB") << "kubeconfig"
                                           << "9"
                                           << "8 MiB";
        QTest::newRow("prometheus token: 1 MiB") << "prometheus token"
                                                 << "1"
                                                 << "64 KiB";
        QTest::newRow("prometheus CA: 5 MiB") << "prometheus CA"
                                              << "5"
                                              << "4 MiB";
        QTest::newRow("incident: 300 MiB, sparse") << "incident"
                                                   << "300"
                                                   << "256 MiB";
    }
    void refusedAtOnce()
    {
        QFETCH(QString, kind);
        QFETCH(QString, file);
        QFETCH(QString, says);
        QString path = file;
        if (file == QLatin1String("fifo")) {
            path = m_dir.filePath(QStringLiteral("fifo"));
            QCOMPARE(test::makeFifo(path), QString());
        } else if (file != QLatin1String("/dev/zero")) {
            path = m_dir.filePath(QStringLiteral("large"));
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            QVERIFY(f.resize(qint64(file.toInt()) << 20)); // sparse: the size is what counts
        }
        const auto error = readAs(kind, path, m_kubeconfig);
        QVERIFY2(error.has_value(), "the file was read");
        const QString message = QString::fromStdString(error->message);
        QVERIFY2(message.contains(says), qPrintable(message));
        QVERIFY2(message.contains(path), qPrintable(message));
    }
};

QTEST_GUILESS_MAIN(TestUserFileReads)
#include "tst_user_file_reads.moc"
