// The readers of the tools' output a capture depends on, on output copied from the real tools
// (OpenJDK 17.0.15 jcmd/jps on Debian 12, GNU coreutils 9.1 df) and on the debug-container plan.
#include "core/capture/CaptureParsing.h"
#include "core/capture/DebugContainer.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::capture;

class TestCaptureParsing : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void jvmLists()
    {
        const auto jcmd = parseJvmList("29234 jdk.jcmd/sun.tools.jcmd.JCmd -l\n29190 Sleep\n");
        QCOMPARE(jcmd.size(), std::size_t(1));
        QCOMPARE(jcmd[0].pid, 29190);
        QCOMPARE(jcmd[0].description, std::string("Sleep"));
        const auto jps = parseJvmList("29190 Sleep\n29320 jdk.jcmd/sun.tools.jps.Jps\n7 /app/app.jar --x=y\n");
        QCOMPARE(jps.size(), std::size_t(2));
        QCOMPARE(jps[1].pid, 7);
        QCOMPARE(jps[1].description, std::string("/app/app.jar --x=y"));
        QVERIFY(parseJvmList("Exception in thread main\n\n").empty());
    }

    void processTable()
    {
        static const char raw[] = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java\0-cp\0/tmp/hcj\0Sleep\0";
        const QByteArray java(raw, sizeof raw - 1);
        const auto jvm = jvmFromCmdline(29190, java);
        QVERIFY(jvm);
        QCOMPARE(jvm->pid, 29190);
        QCOMPARE(jvm->description, std::string("-cp /tmp/hcj Sleep"));
        QVERIFY(jvmFromCmdline(1, QByteArray("/bin/sh\0/app/entrypoint.sh\0", 27)) == std::nullopt);
        QVERIFY(jvmFromCmdline(1, QByteArray("java\0-jar\0app.jar\0", 18)));
        QVERIFY(!jvmFromCmdline(1, QByteArray()));
    }

    void df()
    {
        const auto d = parseDf("Filesystem     Type     1B-blocks        Used   Available Use% Mounted on\n"
                               "/dev/vda       ext4  270553174016 18847084544 83898195968  19% /\n"
                               "tmpfs          tmpfs  25276510208           0 25276510208   0% /dev/shm\n");
        QVERIFY(d.ok());
        QCOMPARE(d->size(), std::size_t(2));
        QCOMPARE((*d)[0].type, std::string("ext4"));
        QCOMPARE((*d)[0].availableBytes, std::int64_t(83898195968));
        QVERIFY(!(*d)[0].memoryBacked());
        QVERIFY((*d)[1].memoryBacked());
        QCOMPARE((*d)[1].mountPoint, std::string("/dev/shm"));
        QVERIFY(!parseDf("df: unrecognized option '-T'\n").ok());
        QVERIFY(!parseDf("Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/x 1.5G 1 2 1% /\n").ok());
        QVERIFY(!parseDf("Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/x big 1 2 1% /\n").ok());
    }

    void procMounts()
    {
        const std::string mounts = "overlay / overlay rw 0 0\ntmpfs /tmp tmpfs rw 0 0\ntmpfs /tmpx tmpfs rw 0 0\n";
        QCOMPARE(*mountTypeOf(mounts, "/tmp"), std::string("tmpfs"));
        QCOMPARE(*mountTypeOf(mounts, "/tmp/a"), std::string("tmpfs"));
        QCOMPARE(*mountTypeOf(mounts, "/var/tmp"), std::string("overlay"));
        QVERIFY(!mountTypeOf("", "/tmp"));
    }

    void jdkVersion()
    {
        QCOMPARE(
            parseJdkMajor("29190:\nOpenJDK 64-Bit Server VM version 17.0.15+6-Debian-1deb12u1\nJDK 17.0.15\n"), 17);
        QCOMPARE(parseJdkMajor("1:\nOpenJDK 64-Bit Server VM version 25.392-b08\nJDK 1.8.0_392\n"), 8);
        QCOMPARE(parseJdkMajor("1:\nOpenJDK 64-Bit Server VM version 11.0.21+9\n"), 11);
        QCOMPARE(parseJdkMajor("nothing"), 0);
    }

    void heapInfo()
    {
        // G1: the first line is the whole heap.
        QCOMPARE(
            *parseHeapUsedBytes(
                "29190:\n garbage-first heap   total 397312K, used 4675K [0x0000000687400000, 0x0000000800000000)\n"
                "  region size 4096K, 1 young (4096K), 0 survivors (0K)\n"
                " Metaspace       used 73K, committed 320K, reserved 1114112K\n"
                "  class space    used 3K, committed 128K, reserved 1048576K\n"),
            std::int64_t(4675) * 1024);
        // Parallel: young and old generations add up; "6% used" of the spaces is not a size.
        QCOMPARE(*parseHeapUsedBytes(
                     "29339:\n PSYoungGen      total 113152K, used 5836K [0x0000000782700000, 0x000000078a500000)\n"
                     "  eden space 97280K, 6% used [0x0000000782700000,0x0000000782cb3370,0x0000000788600000)\n"
                     " ParOldGen       total 258048K, used 1000K [0x0000000687400000, 0x0000000697000000)\n"
                     "  object space 258048K, 0% used [0x0000000687400000,0x0000000687400000)\n"
                     " Metaspace       used 126K, committed 320K, reserved 1114112K\n"),
            std::int64_t(6836) * 1024);
        QCOMPARE(*parseHeapUsedBytes(" ZHeap           used 10M, capacity 256M, max capacity 4096M\n"),
            std::int64_t(10) * 1024 * 1024);
        QVERIFY(!parseHeapUsedBytes("7:\nCommand not available\n"));
    }

    void dumpOutput()
    {
        const auto ok = parseDumpOutput(
            "7:\nDumping heap to /tmp/h.hprof ...\nHeap dump file created [2182934 bytes in 0.105 secs]\n");
        QVERIFY(ok.ok);
        QCOMPARE(ok.bytes, std::int64_t(2182934));
        const auto full = parseDumpOutput(
            "7:\nDumping heap to /tmp/h.hprof ...\nDump file is incomplete: No space left on device\n");
        QVERIFY(!full.ok);
        QCOMPARE(full.message, std::string("Dump file is incomplete: No space left on device"));
        const auto exists
            = parseDumpOutput("7:\nDumping heap to /tmp/h.hprof ...\nUnable to create /tmp/h.hprof: File exists\n");
        QVERIFY(!exists.ok);
        QVERIFY(exists.message.find("File exists") != std::string::npos);
    }

    void sha256()
    {
        const std::string hex = "22b18d6057ca34575b1b5620ee09c4883b8dfd2085a69d2fe0371f1307ff59d3";
        QCOMPARE(*parseSha256(hex + "  /tmp/h.hprof.gz\n"), hex);
        QVERIFY(!parseSha256("sha256sum: /tmp/x: No such file or directory\n"));
        QVERIFY(!parseSha256(hex.substr(0, 63)));
    }

    void debugContainerPlan()
    {
        const auto pod = nlohmann::json::parse(R"({"metadata":{"name":"checkout-1","namespace":"production"},
            "spec":{"securityContext":{"runAsGroup":1000},
                    "containers":[{"name":"checkout","securityContext":{"runAsUser":1000,"runAsNonRoot":true}}]}})");
        const DebugContainerPlan plan
            = planDebugContainer(pod, QStringLiteral("checkout"), QStringLiteral("jdk:17"), QStringLiteral("abcde"));
        QCOMPARE(plan.apiPath, QStringLiteral("/api/v1/namespaces/production/pods/checkout-1/ephemeralcontainers"));
        const auto& c = plan.patch["spec"]["ephemeralContainers"][0];
        QCOMPARE(c["name"].get<std::string>(), std::string("leakdesk-jdk-abcde"));
        QCOMPARE(c["targetContainerName"].get<std::string>(), std::string("checkout"));
        // Same user as the JVM, or the attach API refuses.
        QCOMPARE(c["securityContext"]["runAsUser"].get<int>(), 1000);
        QCOMPARE(c["securityContext"]["runAsGroup"].get<int>(), 1000);
        QCOMPARE(plan.kubectlEquivalent,
            QStringLiteral("kubectl debug -n production checkout-1 --image=jdk:17 --target=checkout "
                           "--container=leakdesk-jdk-abcde -- sleep 3600"));
    }
};

QTEST_GUILESS_MAIN(TestCaptureParsing)
#include "tst_capture_parsing.moc"
