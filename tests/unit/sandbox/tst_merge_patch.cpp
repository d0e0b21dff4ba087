// The three PATCH flavours on Deployment-shaped JSON, with the exact bodies kubectl sends for
// `kubectl set resources` and `kubectl set env` (captured from kubectl v1.32).

#include "core/sandbox/kubeapi/MergePatch.h"

#include <QTest>

using namespace leakdesk::sandbox;
using nlohmann::json;

namespace {

json deployment()
{
    return json::parse(R"({
      "metadata": {"name": "checkout", "labels": {"app": "checkout", "team": "checkout"}},
      "spec": {"replicas": 3, "template": {"spec": {"containers": [
        {"name": "checkout", "image": "checkout:2.14.3",
         "env": [{"name": "JAVA_TOOL_OPTIONS", "value": "-Xmx1894m"}, {"name": "SERVER_PORT", "value": "8080"}],
         "resources": {"limits": {"cpu": "1", "memory": "2Gi"}, "requests": {"cpu": "500m", "memory": "1Gi"}}},
        {"name": "envoy", "image": "envoy:1.29", "args": ["-c", "/etc/envoy.yaml"]}]}}}
    })");
}

} // namespace

class TestMergePatch : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void strategic_data()
    {
        QTest::addColumn<QString>("patch");
        QTest::addColumn<QString>("pointer");
        QTest::addColumn<QString>("expected");

        QTest::newRow("kubectl set resources")
            << R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"checkout"},{"name":"envoy"}],
                 "containers":[{"name":"checkout","resources":{"limits":{"memory":"4Gi"}}}]}}}})"
            << "/spec/template/spec/containers/0/resources"
            << R"({"limits":{"cpu":"1","memory":"4Gi"},"requests":{"cpu":"500m","memory":"1Gi"}})";
        QTest::newRow("kubectl set env appends")
            << R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"checkout"},{"name":"envoy"}],
                 "containers":[{"$setElementOrder/env":[{"name":"JAVA_TOOL_OPTIONS"},{"name":"SERVER_PORT"},
                 {"name":"HEAP_LIMIT_RESTART"}],"env":[{"name":"HEAP_LIMIT_RESTART","value":"3584m"}],"name":"checkout"}]}}}})"
            << "/spec/template/spec/containers/0/env"
            << R"([{"name":"JAVA_TOOL_OPTIONS","value":"-Xmx1894m"},{"name":"SERVER_PORT","value":"8080"},
                 {"name":"HEAP_LIMIT_RESTART","value":"3584m"}])";
        QTest::newRow("env value replaced in place")
            << R"({"spec":{"template":{"spec":{"containers":[{"name":"checkout","env":[{"name":"SERVER_PORT","value":"9090"}]}]}}}})"
            << "/spec/template/spec/containers/0/env"
            << R"([{"name":"JAVA_TOOL_OPTIONS","value":"-Xmx1894m"},{"name":"SERVER_PORT","value":"9090"}])";
        QTest::newRow("kubectl set env X- deletes")
            << R"({"spec":{"template":{"spec":{"containers":[{"name":"checkout","env":[{"$patch":"delete","name":"SERVER_PORT"}]}]}}}})"
            << "/spec/template/spec/containers/0/env"
            << R"([{"name":"JAVA_TOOL_OPTIONS","value":"-Xmx1894m"}])";
        QTest::newRow("other container untouched")
            << R"({"spec":{"template":{"spec":{"containers":[{"name":"checkout","image":"checkout:2.14.4"}]}}}})"
            << "/spec/template/spec/containers/1"
            << R"({"name":"envoy","image":"envoy:1.29","args":["-c","/etc/envoy.yaml"]})";
        QTest::newRow("atomic list replaced")
            << R"({"spec":{"template":{"spec":{"containers":[{"name":"envoy","args":["--log-level","debug"]}]}}}})"
            << "/spec/template/spec/containers/1/args"
            << R"(["--log-level","debug"])";
        QTest::newRow("null deletes a key")
            << R"({"spec":{"template":{"spec":{"containers":[{"name":"checkout","resources":{"limits":{"cpu":null}}}]}}}})"
            << "/spec/template/spec/containers/0/resources/limits"
            << R"({"memory":"2Gi"})";
        QTest::newRow("$patch replace on a map")
            << R"({"spec":{"template":{"spec":{"containers":[{"name":"checkout","resources":{"$patch":"replace","limits":{"memory":"3Gi"}}}]}}}})"
            << "/spec/template/spec/containers/0/resources"
            << R"({"limits":{"memory":"3Gi"}})";
        QTest::newRow("new container appended")
            << R"({"spec":{"template":{"spec":{"containers":[{"name":"jdk","image":"eclipse-temurin:17"}]}}}})"
            << "/spec/template/spec/containers/2/name"
            << R"("jdk")";
        QTest::newRow("order directive alone reorders")
            << R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"envoy"},{"name":"checkout"}]}}}})"
            << "/spec/template/spec/containers/0/name"
            << R"("envoy")";
    }

    void strategic()
    {
        QFETCH(QString, patch);
        QFETCH(QString, pointer);
        QFETCH(QString, expected);
        const auto result = applyStrategicMergePatch(deployment(), json::parse(patch.toStdString()));
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
        const json got = result->at(json::json_pointer(pointer.toStdString()));
        QCOMPARE(
            QString::fromStdString(got.dump()), QString::fromStdString(json::parse(expected.toStdString()).dump()));
        // Nothing outside the patch moves.
        QVERIFY(result->at("/spec/replicas"_json_pointer) == json(3));
        QVERIFY(result->at("/metadata/labels"_json_pointer) == deployment().at("/metadata/labels"_json_pointer));
    }

    void mergePatchReplacesLists()
    {
        const json patched = applyMergePatch(deployment(),
            json::parse(
                R"({"metadata":{"labels":{"team":null,"tier":"web"}},"spec":{"template":{"spec":{"containers":[{"name":"only"}]}}}})"));
        QCOMPARE(QString::fromStdString(patched["metadata"]["labels"].dump()),
            QStringLiteral(R"({"app":"checkout","tier":"web"})"));
        QCOMPARE(patched["spec"]["template"]["spec"]["containers"].size(), std::size_t(1));
    }

    void jsonPatch_data()
    {
        QTest::addColumn<QString>("patch");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("pointer");
        QTest::addColumn<QString>("expected");
        QTest::newRow("replace") << R"([{"op":"replace","path":"/spec/replicas","value":5}])" << true
                                 << "/spec/replicas"
                                 << "5";
        QTest::newRow("add to end")
            << R"([{"op":"add","path":"/spec/template/spec/containers/0/env/-","value":{"name":"A","value":"1"}}])"
            << true << "/spec/template/spec/containers/0/env/2/name"
            << R"("A")";
        QTest::newRow("remove") << R"([{"op":"remove","path":"/spec/template/spec/containers/1"}])" << true
                                << "/spec/template/spec/containers/0/name"
                                << R"("checkout")";
        QTest::newRow("escaped key")
            << R"([{"op":"add","path":"/metadata/labels/app.kubernetes.io~1name","value":"x"}])" << true
            << "/metadata/labels/app.kubernetes.io~1name"
            << R"("x")";
        QTest::newRow("test passes")
            << R"([{"op":"test","path":"/spec/replicas","value":3},{"op":"replace","path":"/spec/replicas","value":4}])"
            << true << "/spec/replicas"
            << "4";
        QTest::newRow("test fails") << R"([{"op":"test","path":"/spec/replicas","value":2}])" << false << ""
                                    << "";
        QTest::newRow("missing path") << R"([{"op":"replace","path":"/spec/nothing","value":1}])" << false << ""
                                      << "";
        QTest::newRow("not an array") << R"({"op":"replace"})" << false << ""
                                      << "";
    }

    void jsonPatch()
    {
        QFETCH(QString, patch);
        QFETCH(bool, ok);
        QFETCH(QString, pointer);
        QFETCH(QString, expected);
        const auto result = applyJsonPatch(deployment(), json::parse(patch.toStdString()));
        QCOMPARE(result.ok(), ok);
        if (ok)
            QCOMPARE(QString::fromStdString(result->at(json::json_pointer(pointer.toStdString())).dump()),
                QString::fromStdString(json::parse(expected.toStdString()).dump()));
    }
};

QTEST_GUILESS_MAIN(TestMergePatch)
#include "tst_merge_patch.moc"
