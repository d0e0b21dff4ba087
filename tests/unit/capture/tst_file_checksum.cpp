// The checksum of a dump on this machine (capture/FileChecksum.h): published SHA-256 test vectors,
// a file larger than one read, and the empty answer for what cannot be read.
#include "core/capture/FileChecksum.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;

namespace {

// Writes `content` into `dir` as a dump and returns its path.
QString writeDump(const QTemporaryDir& dir, const QByteArray& content)
{
    const QString path = dir.filePath(QStringLiteral("dump.hprof"));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(content) != content.size())
        return {};
    return path;
}

} // namespace

class TestFileChecksum : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void knownDigests_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("digest");
        // FIPS 180-2 examples, and the empty file.
        QTest::newRow("empty") << QByteArray() << "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        QTest::newRow("abc") << QByteArray("abc") << "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        QTest::newRow("two blocks") << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                                    << "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
        QTest::newRow("million a") << QByteArray(1'000'000, 'a')
                                   << "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    }
    void knownDigests()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, digest);
        QTemporaryDir dir;
        const QString path = writeDump(dir, content);
        QVERIFY(!path.isEmpty());
        QCOMPARE(QString::fromStdString(capture::sha256OfFile(path)), digest);
    }

    void largerThanOneRead()
    {
        // 3 MiB + 7 bytes of a non-repeating pattern: a chunking mistake changes the digest.
        QByteArray content(3 * 1024 * 1024 + 7, '\0');
        for (int i = 0; i < content.size(); ++i)
            content[i] = static_cast<char>((i * 131 + (i >> 12)) & 0xff);
        QTemporaryDir dir;
        const QString path = writeDump(dir, content);
        QVERIFY(!path.isEmpty());
        QCOMPARE(QByteArray::fromStdString(capture::sha256OfFile(path)),
            QCryptographicHash::hash(content, QCryptographicHash::Sha256).toHex());
    }

    void unreadable()
    {
        QTemporaryDir dir;
        QVERIFY(capture::sha256OfFile(dir.filePath(QStringLiteral("missing.hprof"))).empty());
        QVERIFY(capture::sha256OfFile(QString()).empty());
    }
};

QTEST_GUILESS_MAIN(TestFileChecksum)
#include "tst_file_checksum.moc"
