// readRegularFile / openRegularFile: the one way LeakDesk reads a file a user named. Regular files
// up to the cap are read whole; everything else (devices, FIFOs, directories, sockets, files over
// the cap, files whose size is not reported) is refused at once with the file and the reason.
#include "TestSupport.h"
#include "core/common/RegularFile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace leakdesk;

class TestRegularFile : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    std::string file(const char* name, qint64 size)
    {
        const QString path = m_dir.filePath(QString::fromLatin1(name));
        QFile f(path);
        if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            f.write(QByteArray(size, 'x'));
        return path.toStdString();
    }

private Q_SLOTS:
    void readsWithinTheCap_data()
    {
        QTest::addColumn<qint64>("size");
        QTest::addColumn<qint64>("cap");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("empty") << qint64(0) << qint64(10) << true;
        QTest::newRow("below") << qint64(9) << qint64(10) << true;
        QTest::newRow("exactly the cap") << qint64(10) << qint64(10) << true;
        QTest::newRow("one byte over") << qint64(11) << qint64(10) << false;
        QTest::newRow("larger than one read") << qint64(200000) << qint64(200000) << true;
        QTest::newRow("one read over") << qint64(200001) << qint64(200000) << false;
    }
    void readsWithinTheCap()
    {
        QFETCH(qint64, size);
        QFETCH(qint64, cap);
        QFETCH(bool, accepted);
        const std::string path = file("sized", size);
        auto r = readRegularFile(path, std::uint64_t(cap), "token file");
        QCOMPARE(r.ok(), accepted);
        if (accepted) {
            QCOMPARE(qint64(r->size()), size);
        } else {
            QCOMPARE(r.error().code, ErrorCode::LimitExceeded);
            QVERIFY2(r.error().message.find(path) != std::string::npos, r.error().message.c_str());
            QVERIFY2(r.error().message.find("token file") != std::string::npos, r.error().message.c_str());
        }
    }

    // /proc files report size 0 yet have content: the cap holds while reading, not only by stat.
    void sizeNotReportedIsStillCapped()
    {
        auto small = readRegularFile("/proc/self/status", 1 << 20, "file");
        QVERIFY(small.ok());
        QVERIFY(small->find("Pid:") != std::string::npos);
        auto capped = readRegularFile("/proc/self/status", 16, "file");
        QVERIFY(!capped.ok());
        QCOMPARE(capped.error().code, ErrorCode::LimitExceeded);
    }

    void refusesWhatIsNotARegularFile_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("says");
        QTest::newRow("/dev/zero") << "/dev/zero" << int(ErrorCode::InvalidArgument) << "character device";
        QTest::newRow("fifo") << "fifo" << int(ErrorCode::InvalidArgument) << "named pipe";
        QTest::newRow("directory") << "dir" << int(ErrorCode::InvalidArgument) << "directory";
        QTest::newRow("socket") << "socket" << int(ErrorCode::Io) << "socket"; // open() says ENXIO
        QTest::newRow("missing") << "missing" << int(ErrorCode::NotFound) << "does not exist";
    }
    void refusesWhatIsNotARegularFile()
    {
        QFETCH(QString, kind);
        QFETCH(int, code);
        QFETCH(QString, says);
        std::string path = kind.toStdString();
        int sock = -1;
        if (kind == QLatin1String("fifo")) {
            path = m_dir.filePath(QStringLiteral("fifo")).toStdString();
            QCOMPARE(test::makeFifo(QString::fromStdString(path)), QString());
        } else if (kind == QLatin1String("dir")) {
            path = m_dir.path().toStdString();
        } else if (kind == QLatin1String("missing")) {
            path = m_dir.filePath(QStringLiteral("missing")).toStdString();
        } else if (kind == QLatin1String("socket")) {
            path = m_dir.filePath(QStringLiteral("sock")).toStdString();
            sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un addr {};
            addr.sun_family = AF_UNIX;
            std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
            QCOMPARE(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        }
        auto r = readRegularFile(path, 1 << 20, "kubeconfig");
        if (sock >= 0)
            ::close(sock);
        QVERIFY(!r.ok());
        QCOMPARE(int(r.error().code), code);
        const std::string& m = r.error().message;
        QVERIFY2(m.find(says.toStdString()) != std::string::npos || kind == QLatin1String("socket"), m.c_str());
        QVERIFY2(m.find(path) != std::string::npos, m.c_str());
        QVERIFY2(m.find("ubeconfig") != std::string::npos, m.c_str());
    }

    void byteSizesReadWell_data()
    {
        QTest::addColumn<quint64>("bytes");
        QTest::addColumn<QString>("text");
        QTest::newRow("bytes") << quint64(512) << "512 bytes";
        QTest::newRow("KiB") << quint64(64 << 10) << "64 KiB";
        QTest::newRow("MiB") << quint64(8 << 20) << "8 MiB";
        QTest::newRow("fraction") << quint64(3 << 29) << "1.5 GiB";
    }
    void byteSizesReadWell()
    {
        QFETCH(quint64, bytes);
        QFETCH(QString, text);
        QCOMPARE(QString::fromStdString(byteSizeText(bytes)), text);
    }
};

QTEST_GUILESS_MAIN(TestRegularFile)
#include "tst_regular_file.moc"
