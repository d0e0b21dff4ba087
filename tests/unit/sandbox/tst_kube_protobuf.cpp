// The SelfSubjectAccessReview bodies the real kubectl 1.32+ sends as protobuf, decoded to the
// JSON form the sandbox's authoriser reads; broken bodies give errors.
#include "core/sandbox/kubeapi/KubeProtobuf.h"

#include <QFile>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::sandbox;

namespace {
std::string fixture(const char* name)
{
    QFile f(QString::fromUtf8(qgetenv("LEAKDESK_SOURCE_DIR")) + QStringLiteral("/tests/fixtures/kubeproto/") + QLatin1String(name));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll().toStdString();
}
} // namespace

class TestKubeProtobuf : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void resourceAttributes()
    {
        const std::string body = fixture("ssar-patch-deployments.pb");
        QVERIFY(!body.empty());
        auto review = decodeSelfSubjectAccessReview(body);
        QVERIFY2(review.ok(), review ? "" : review.error().message.c_str());
        QCOMPARE((*review)["apiVersion"].get<std::string>(), std::string("authorization.k8s.io/v1"));
        QCOMPARE((*review)["kind"].get<std::string>(), std::string("SelfSubjectAccessReview"));
        const auto& a = (*review)["spec"]["resourceAttributes"];
        QCOMPARE(a["namespace"].get<std::string>(), std::string("production"));
        QCOMPARE(a["verb"].get<std::string>(), std::string("patch"));
        QCOMPARE(a["resource"].get<std::string>(), std::string("deployments"));
        QCOMPARE(a["name"].get<std::string>(), std::string("checkout"));
        QCOMPARE(a["group"].get<std::string>(), std::string(""));
        QVERIFY(!(*review)["spec"].contains("nonResourceAttributes"));
    }

    void nonResourceAttributes()
    {
        auto review = decodeSelfSubjectAccessReview(fixture("ssar-nonresource.pb"));
        QVERIFY(review.ok());
        const auto& a = (*review)["spec"]["nonResourceAttributes"];
        QCOMPARE(a["path"].get<std::string>(), std::string("/logs"));
        QCOMPARE(a["verb"].get<std::string>(), std::string("get"));
    }

    void everyTruncationIsAnError()
    {
        const std::string body = fixture("ssar-patch-deployments.pb");
        QVERIFY(!body.empty());
        // Every strict prefix either fails or (where it ends on a field boundary) lacks the spec.
        for (std::size_t n = 0; n < body.size(); ++n) {
            auto r = decodeSelfSubjectAccessReview(std::string_view(body).substr(0, n));
            if (r.ok())
                QVERIFY((*r)["spec"].is_object());
        }
        QVERIFY(!decodeSelfSubjectAccessReview(body.substr(0, 10)).ok());
    }

    void rejectsOtherBodies()
    {
        QVERIFY(!decodeKubeProtobufEnvelope("{\"kind\":\"SelfSubjectAccessReview\"}").ok());
        QVERIFY(!decodeKubeProtobufEnvelope(std::string_view("k8s\0", 4)).ok()); // no object
        // A length that runs past the end.
        QVERIFY(!decodeKubeProtobufEnvelope(std::string_view("k8s\0\x12\x7f" "ab", 8)).ok());
        // An overlong varint key.
        QVERIFY(!decodeKubeProtobufEnvelope(std::string_view("k8s\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 15)).ok());
        // Another kind in a valid envelope.
        const std::string other = std::string("k8s\0", 4) + "\x0a\x0a\x0a\x02v1\x12\x04Node" + std::string("\x12\x00", 2);
        auto r = decodeSelfSubjectAccessReview(other);
        QVERIFY(!r.ok());
        QVERIFY(r.error().message.find("Node") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestKubeProtobuf)
#include "tst_kube_protobuf.moc"
