// The revert's per-field comparison (RevertCheck.h) and the field access under it
// (MitigatedFields.h), with invented Deployments: several containers (and an init container of the
// same name), env lists reordered, fields missing, a container renamed or removed, LeakDesk's own
// later writes journaled or not, and managedFields that name (or do not name) who changed a field.

#include "core/actions/MitigatedFields.h"
#include "core/actions/RevertCheck.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::actions;
using nlohmann::json;

Q_DECLARE_METATYPE(nlohmann::json)

namespace {

const std::string kLimit = "resources.limits.memory";
const std::string kEnv = "env.HEAP_LIMIT_RESTART";
const std::string kRestart = "annotations.kubectl.kubernetes.io/restartedAt";

json container(const std::string& name, const json& limit, const json& env)
{
    json c = { { "name", name }, { "image", name + ":1" } };
    if (!limit.is_null())
        c["resources"] = { { "limits", { { "memory", limit } } } };
    if (!env.is_null())
        c["env"] = env;
    return c;
}

json deployment(const json& containers, const json& managedFields = json::array(), const json& extra = json::object())
{
    json d
        = { { "metadata", { { "name", "orders" }, { "resourceVersion", "900" }, { "managedFields", managedFields } } },
              { "spec",
                  { { "replicas", 2 },
                      { "template",
                          { { "metadata", { { "labels", { { "app", "orders" } } } } },
                              { "spec", { { "containers", containers } } } } } } } };
    d.merge_patch(extra);
    return d;
}

json env(std::initializer_list<std::pair<const char*, const char*>> vars)
{
    json list = json::array();
    for (const auto& [name, value] : vars)
        list.push_back({ { "name", name }, { "value", value } });
    return list;
}

MitigationRecord record(const std::string& id, MitigationKind kind, const std::string& key,
    std::optional<std::string> before, std::optional<std::string> after, const std::string& rv, std::int64_t atMs,
    const std::string& container = "orders")
{
    MitigationRecord r;
    r.id = id;
    r.kind = kind;
    r.ns = "shop";
    r.workload = { kube::WorkloadKind::Deployment, "orders" };
    r.container = container;
    r.before = { { key, before } };
    r.after = { { key, after } };
    r.resourceVersion = rv;
    r.appliedMs = atMs;
    r.fieldManager = "leakdesk";
    return r;
}

MitigationRecord limitRecord(const std::string& id = "A1", std::int64_t atMs = 1000)
{
    return record(id, MitigationKind::RaiseMemoryLimit, kLimit, "2Gi", "4Gi", "500", atMs);
}

MitigationRecord envRecord(const std::string& id = "A2", std::int64_t atMs = 2000)
{
    return record(id, MitigationKind::SetHeapLimitRestart, kEnv, std::nullopt, "3584m", "600", atMs);
}

json managedBy(const std::string& manager, const std::string& time, const json& fields = json::object(),
    const std::string& subresource = {})
{
    json m = { { "manager", manager }, { "operation", "Update" }, { "time", time }, { "fieldsType", "FieldsV1" },
        { "fieldsV1", fields } };
    if (!subresource.empty())
        m["subresource"] = subresource;
    return m;
}

// fieldsV1 owning containers[name].resources.limits.memory
json ownsLimit(const std::string& containerName)
{
    return { { "f:spec",
        { { "f:template",
            { { "f:spec",
                { { "f:containers",
                    { { "k:{\"name\":\"" + containerName + "\"}",
                        { { ".", json::object() },
                            { "f:resources",
                                { { "f:limits", { { "f:memory", json::object() } } } } } } } } } } } } } } } };
}

std::string states(const RevertComparison& c)
{
    std::string out;
    for (const auto& f : c.fields)
        out += (out.empty() ? "" : "; ") + f.key + "=" + fieldStateName(f.state);
    return out;
}

std::string restores(const RevertComparison& c)
{
    std::string out;
    for (const auto& f : c.toRestore())
        out += (out.empty() ? "" : "; ") + f.container + "/" + f.key + "=" + f.value.value_or("<none>");
    return out;
}

} // namespace

class TestRevertCheck : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fieldsAreComparedWithWhatLeakDeskLeft_data()
    {
        QTest::addColumn<json>("current");
        QTest::addColumn<json>("records"); // MitigationRecord JSON, the ones reverted
        QTest::addColumn<json>("journal"); // [{id, container, values, rv, at}]
        QTest::addColumn<QString>("expectedStates");
        QTest::addColumn<QString>("expectedRestore");
        QTest::addColumn<bool>("conflict");

        const json limitRec = json::array({ limitRecord().toJson() });
        const json bothRecs = json::array({ limitRecord().toJson(), envRecord().toJson() });
        const json none = json::array();
        const json leakdeskSet = env({ { "JAVA_OPTS", "-Xss1m" }, { "HEAP_LIMIT_RESTART", "3584m" } });

        // The limit's record alone against a Deployment with one container.
        auto limitOnly = [&](const char* name, const char* containerName, const json& limit, const char* state,
                             const char* restore, bool conflict) {
            QTest::newRow(name) << deployment(json::array({ container(containerName, limit, nullptr) })) << limitRec
                                << none << QStringLiteral("resources.limits.memory=") + QLatin1String(state)
                                << QString::fromLatin1(restore) << conflict;
        };
        limitOnly("limit as left", "orders", "4Gi", "as left", "orders/resources.limits.memory=2Gi", false);
        limitOnly("the server's spelling of the same quantity", "orders", "4096Mi", "as left",
            "orders/resources.limits.memory=2Gi", false);
        limitOnly("someone else set 3Gi", "orders", "3Gi", "changed by others", "", true);
        limitOnly("limits removed by someone", "orders", nullptr, "changed by others", "", true);
        limitOnly("someone already put 2Gi back", "orders", "2Gi", "restored", "", false);
        limitOnly("container renamed", "orders-v2", "4Gi", "container gone", "", true);
        limitOnly("container removed, another left", "envoy", "4Gi", "container gone", "", true);
        // The other container has its own limit and variable, an init container the same name: only
        // the named container of spec.template.spec.containers counts.
        QTest::newRow("several containers, only ours counts")
            << deployment(json::array({ container("envoy", "3Gi", env({ { "HEAP_LIMIT_RESTART", "1g" } })),
                              container("orders", "4Gi", leakdeskSet) }),
                   json::array(),
                   { { "spec",
                       { { "template",
                           { { "spec",
                               { { "initContainers",
                                   json::array({ container("orders", "1Gi", nullptr) }) } } } } } } } })
            << bothRecs << none << "resources.limits.memory=as left; env.HEAP_LIMIT_RESTART=as left"
            << "orders/resources.limits.memory=2Gi; orders/env.HEAP_LIMIT_RESTART=<none>" << false;
        QTest::newRow("env list reordered is no change")
            << deployment(json::array({ container("orders", "4Gi",
                   env({ { "HEAP_LIMIT_RESTART", "3584m" }, { "TZ", "UTC" }, { "JAVA_OPTS", "-Xss1m" } })) }))
            << bothRecs << none << "resources.limits.memory=as left; env.HEAP_LIMIT_RESTART=as left"
            << "orders/resources.limits.memory=2Gi; orders/env.HEAP_LIMIT_RESTART=<none>" << false;
        QTest::newRow("env now from a ConfigMap")
            << deployment(json::array({ container("orders", "4Gi",
                   json::array({ { { "name", "HEAP_LIMIT_RESTART" },
                       { "valueFrom", { { "configMapKeyRef", { { "name", "jvm" }, { "key", "restart" } } } } } } })) }))
            << bothRecs << none << "resources.limits.memory=as left; env.HEAP_LIMIT_RESTART=changed by others"
            << "orders/resources.limits.memory=2Gi" << true;
        QTest::newRow("env variable without value is not 3584m")
            << deployment(
                   json::array({ container("orders", "4Gi", json::array({ { { "name", "HEAP_LIMIT_RESTART" } } })) }))
            << bothRecs << none << "resources.limits.memory=as left; env.HEAP_LIMIT_RESTART=changed by others"
            << "orders/resources.limits.memory=2Gi" << true;
        QTest::newRow("other fields changed by anyone: no conflict")
            << deployment(json::array({ container("orders", "4Gi", leakdeskSet) }), json::array(),
                   { { "spec", { { "replicas", 7 } } } })
            << limitRec << none << "resources.limits.memory=as left"
            << "orders/resources.limits.memory=2Gi" << false;

        // LeakDesk raised the limit twice (A1: 2Gi → 4Gi, A3: → 6Gi): reverting A1 with A3
        // journaled is not a conflict and goes back to A1's before.
        const json raisedTwice
            = json::array({ { { "id", "A1" }, { "container", "orders" }, { "values", { { kLimit, "4Gi" } } },
                                { "rv", "500" }, { "at", 1000 } },
                { { "id", "A3" }, { "container", "orders" }, { "values", { { kLimit, "6Gi" } } }, { "rv", "700" },
                    { "at", 3000 } } });
        QTest::newRow("own later write of the same field, journaled")
            << deployment(json::array({ container("orders", "6Gi", nullptr) })) << limitRec << raisedTwice
            << "resources.limits.memory=as left"
            << "orders/resources.limits.memory=2Gi" << false;
        QTest::newRow("the same write, not journaled: someone else's")
            << deployment(json::array({ container("orders", "6Gi", nullptr) })) << limitRec << none
            << "resources.limits.memory=changed by others"
            << "" << true;
        // A1 applied then reverted (LeakDesk wrote 2Gi back), A3 applied 5Gi: A3's revert compares with 5Gi.
        const json revertedThenRaised
            = json::array({ { { "id", "A1" }, { "container", "orders" }, { "values", { { kLimit, "4Gi" } } },
                                { "rv", "500" }, { "at", 1000 } },
                { { "id", "A1 revert" }, { "container", "orders" }, { "values", { { kLimit, "2Gi" } } },
                    { "rv", "550" }, { "at", 1500 } } });
        QTest::newRow("after an own revert, a new raise")
            << deployment(json::array({ container("orders", "5Gi", nullptr) }))
            << json::array(
                   { record("A3", MitigationKind::RaiseMemoryLimit, kLimit, "2Gi", "5Gi", "800", 4000).toJson() })
            << revertedThenRaised << "resources.limits.memory=as left"
            << "orders/resources.limits.memory=2Gi" << false;
        QTest::newRow("the annotation lives outside the containers")
            << deployment(json::array({ container("orders-renamed", "4Gi", nullptr) }), json::array(),
                   { { "spec",
                       { { "template",
                           { { "metadata",
                               { { "annotations",
                                   { { "kubectl.kubernetes.io/restartedAt", "2026-01-01T00:00:00Z" } } } } } } } } } })
            << json::array({ record(
                   "A4", MitigationKind::RolloutRestart, kRestart, std::nullopt, "2026-01-01T00:00:00Z", "900", 5000)
                                 .toJson() })
            << none << "annotations.kubectl.kubernetes.io/restartedAt=as left"
            << "orders/annotations.kubectl.kubernetes.io/restartedAt=<none>" << false;
    }
    void fieldsAreComparedWithWhatLeakDeskLeft()
    {
        QFETCH(json, current);
        QFETCH(json, records);
        QFETCH(json, journal);
        QFETCH(QString, expectedStates);
        QFETCH(QString, expectedRestore);
        QFETCH(bool, conflict);
        std::vector<MitigationRecord> recs;
        for (const json& r : records) {
            auto parsed = MitigationRecord::fromJson(r);
            QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
            recs.push_back(*parsed);
        }
        std::vector<OwnWrite> writes;
        for (const json& w : journal) {
            OwnWrite o;
            o.id = w["id"];
            o.container = w["container"];
            for (auto it = w["values"].begin(); it != w["values"].end(); ++it)
                o.values[it.key()] = it.value().get<std::string>();
            o.resourceVersion = w["rv"];
            o.atMs = w["at"];
            writes.push_back(o);
        }
        const RevertComparison c = compareForRevert(recs, writes, current, "leakdesk");
        QCOMPARE(QString::fromStdString(states(c)), expectedStates);
        QCOMPARE(QString::fromStdString(restores(c)), expectedRestore);
        QCOMPARE(c.conflict(), conflict);
        QCOMPARE(c.anythingToRestore(), !expectedRestore.isEmpty());
    }

    void ownLaterWriteNamesTheWriteThatLeftTheValue()
    {
        const json current = deployment(json::array({ container("orders", "6Gi", nullptr) }));
        OwnWrite later { "A3", "orders", { { kLimit, "6Gi" } }, "700", 3000 };
        const auto c = compareForRevert({ limitRecord() }, { later }, current, "leakdesk");
        QCOMPARE(c.fields.size(), std::size_t(1));
        QCOMPARE(c.fields[0].leftBy, std::string("A3"));
        QCOMPARE(c.fields[0].leftByLeakDesk.value_or("-"), std::string("6Gi"));
        QCOMPARE(c.fields[0].before.value_or("-"), std::string("2Gi"));
    }

    // A field touched by two reverted records goes back to the earliest one's before, whatever
    // order the records come in.
    void earliestBeforeWinsForAFieldTouchedTwice()
    {
        const json current = deployment(json::array({ container("orders", "6Gi", nullptr) }));
        const auto first = limitRecord("A1", 1000);
        const auto second = record("A3", MitigationKind::RaiseMemoryLimit, kLimit, "4Gi", "6Gi", "700", 3000);
        for (const auto& recs : { std::vector { first, second }, std::vector { second, first } }) {
            const auto c = compareForRevert(recs, {}, current, "leakdesk");
            QCOMPARE(QString::fromStdString(restores(c)), QStringLiteral("orders/resources.limits.memory=2Gi"));
        }
    }

    void untouchedSinceOwnWriteByResourceVersion()
    {
        json current = deployment(json::array({ container("orders", "4Gi", nullptr) }));
        current["metadata"]["resourceVersion"] = "500";
        QVERIFY(compareForRevert({ limitRecord() }, {}, current, "leakdesk").untouchedSinceOwnWrite);
        current["metadata"]["resourceVersion"] = "501";
        QVERIFY(!compareForRevert({ limitRecord() }, {}, current, "leakdesk").untouchedSinceOwnWrite);
        // LeakDesk's later write of another field (the env) is the last own write.
        const OwnWrite env { "A2", "orders", { { kEnv, "3584m" } }, "501", 2000 };
        const auto c = compareForRevert({ limitRecord() }, { env }, current, "leakdesk");
        QVERIFY(c.untouchedSinceOwnWrite);
        QCOMPARE(c.lastOwnResourceVersion, std::string("501"));
    }

    void threeWayNamesTheFieldsOwner()
    {
        const json managed = json::array({ managedBy("leakdesk", "2026-03-02T10:00:00Z", ownsLimit("orders")),
            managedBy("kube-controller-manager", "2026-03-02T10:09:00Z", json::object(), "status"),
            managedBy("helm", "2026-03-02T10:08:00Z", json::object()),
            managedBy("kubectl-set", "2026-03-02T10:05:00Z", ownsLimit("orders")) });
        const json current = deployment(json::array({ container("orders", "3Gi", nullptr) }), managed);
        const auto c = compareForRevert({ limitRecord() }, {}, current, "leakdesk");
        QCOMPARE(c.fields.size(), std::size_t(1));
        const auto& f = c.fields[0];
        QVERIFY(f.changedBy);
        QCOMPARE(f.changedBy->manager, std::string("kubectl-set")); // not the later helm, which does not own it
        QVERIFY(f.changedBy->ownsField);
        QCOMPARE(QString::fromStdString(f.threeWay()),
            QStringLiteral("spec.template.spec.containers[orders].resources.limits.memory: before LeakDesk 2Gi · "
                           "LeakDesk set 4Gi · now 3Gi (changed by \"kubectl-set\" at 2026-03-02T10:05:00Z)"));
    }

    void withoutFieldsV1TheLastOtherWriterIsAHint()
    {
        const json managed = json::array({ managedBy("kubectl-edit", "2026-03-02T10:05:00Z"),
            managedBy("kube-controller-manager", "2026-03-02T10:09:00Z", json::object(), "status"),
            managedBy("leakdesk", "2026-03-02T10:10:00Z") });
        const json current = deployment(json::array({ container("orders", nullptr, nullptr) }), managed);
        const auto c = compareForRevert({ limitRecord() }, {}, current, "leakdesk");
        const auto& f = c.fields.at(0);
        QVERIFY(f.changedBy);
        QVERIFY(!f.changedBy->ownsField);
        QVERIFY2(QString::fromStdString(f.threeWay())
                     .endsWith(QStringLiteral("now <none> (last written by \"kubectl-edit\" at 2026-03-02T10:05:00Z)")),
            f.threeWay().c_str());
    }

    void containerGoneIsSaid()
    {
        const json current = deployment(json::array({ container("orders-v2", "4Gi", nullptr) }));
        const auto c = compareForRevert({ limitRecord() }, {}, current, "leakdesk");
        QVERIFY2(
            QString::fromStdString(c.fields.at(0).threeWay()).contains(QStringLiteral("container \"orders\" is gone")),
            c.fields.at(0).threeWay().c_str());
    }

    void patchForSeveralFieldsOfSeveralContainers()
    {
        const json patch = patchForFields({ { "orders", kLimit, "2Gi" }, { "orders", kEnv, std::nullopt },
            { "envoy", kLimit, std::nullopt }, { "ignored", kRestart, "2026-01-01T00:00:00Z" } });
        const json expected = json::parse(R"({"spec":{"template":{
            "metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-01-01T00:00:00Z"}},
            "spec":{"containers":[
                {"name":"envoy","resources":{"limits":{"memory":null}}},
                {"name":"orders","resources":{"limits":{"memory":"2Gi"}},
                 "env":[{"name":"HEAP_LIMIT_RESTART","$patch":"delete"}]}]}}}})");
        QCOMPARE(QString::fromStdString(patch.dump()), QString::fromStdString(expected.dump()));
    }

    void readAndPathOfEachKind_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("path");
        QTest::newRow("limit") << QString::fromStdString(kLimit) << "4Gi"
                               << "spec.template.spec.containers[orders].resources.limits.memory";
        QTest::newRow("env") << QString::fromStdString(kEnv) << "3584m"
                             << "spec.template.spec.containers[orders].env[HEAP_LIMIT_RESTART].value";
        QTest::newRow("annotation") << QString::fromStdString(kRestart) << "2026-01-01T00:00:00Z"
                                    << "spec.template.metadata.annotations[kubectl.kubernetes.io/restartedAt]";
        QTest::newRow("missing request") << "resources.requests.memory"
                                         << "<none>"
                                         << "spec.template.spec.containers[orders].resources.requests.memory";
    }
    void readAndPathOfEachKind()
    {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, path);
        const json d = deployment(
            json::array({ container("orders", "4Gi", env({ { "HEAP_LIMIT_RESTART", "3584m" } })) }), json::array(),
            { { "spec",
                { { "template",
                    { { "metadata",
                        { { "annotations",
                            { { "kubectl.kubernetes.io/restartedAt", "2026-01-01T00:00:00Z" } } } } } } } } } });
        QCOMPARE(QString::fromStdString(readMitigatedField(d, "orders", key.toStdString()).value_or("<none>")), value);
        QCOMPARE(QString::fromStdString(mitigatedFieldPath("orders", key.toStdString())), path);
    }

    void revertThatDidNotStay()
    {
        const json managed = json::array({ managedBy("argocd", "2026-03-02T11:00:00Z", ownsLimit("orders")) });
        const std::vector<FieldValue> restored { { "orders", kLimit, "2Gi" }, { "orders", kEnv, std::nullopt } };
        const auto stayed
            = revertDidNotStay(restored, deployment(json::array({ container("orders", "2Gi", nullptr) })), "leakdesk");
        QVERIFY(stayed.empty());
        const auto moved = revertDidNotStay(
            restored, deployment(json::array({ container("orders", "4Gi", nullptr) }), managed), "leakdesk");
        QCOMPARE(moved.size(), std::size_t(1));
        QCOMPARE(moved[0].key, kLimit);
        QCOMPARE(moved[0].now.value_or("-"), std::string("4Gi"));
        QCOMPARE(moved[0].changedBy->manager, std::string("argocd"));
    }

    // Issue 16 item 3: after an apply and a settle time, did the change stay? A self-heal puts the
    // old value back (named by its field manager), someone sets a third value, the container goes;
    // a spelling of the same quantity, or a field the record did not change, is not a move.
    void applyThatDidNotStay_data()
    {
        QTest::addColumn<QString>("limitNow"); // "" = container renamed away
        QTest::addColumn<QString>("envNow"); // "" = absent
        QTest::addColumn<QStringList>("moved"); // keys reported
        QTest::newRow("both stayed") << "4Gi" << "3584m" << QStringList {};
        QTest::newRow("same quantity, other spelling") << "4096Mi" << "3584m" << QStringList {};
        QTest::newRow("self-heal put the limit back") << "2Gi" << "3584m" << QStringList { QString::fromStdString(kLimit) };
        QTest::newRow("a third value and the env removed")
            << "3Gi" << "" << QStringList { QString::fromStdString(kLimit), QString::fromStdString(kEnv) };
        QTest::newRow("container gone") << "" << "" << QStringList { QString::fromStdString(kLimit), QString::fromStdString(kEnv) };
    }
    void applyThatDidNotStay()
    {
        QFETCH(QString, limitNow);
        QFETCH(QString, envNow);
        QFETCH(QStringList, moved);
        MitigationRecord applied = limitRecord();
        applied.before[kEnv] = std::nullopt;
        applied.after[kEnv] = "3584m";
        applied.before["resources.requests.memory"] = "1Gi"; // written unchanged: never reported
        applied.after["resources.requests.memory"] = "1Gi";
        const json envList = envNow.isEmpty() ? json(nullptr) : env({ { "HEAP_LIMIT_RESTART", "3584m" } });
        json c = container(limitNow.isEmpty() ? "renamed" : "orders", limitNow.isEmpty() ? json("4Gi") : json(limitNow.toStdString()),
            envNow.isEmpty() ? json(nullptr) : envList);
        const json managed = json::array({ managedBy("argocd-controller", "2026-03-02T11:00:00Z", ownsLimit("orders")) });
        const auto result = applyDidNotStay(applied, deployment(json::array({ c }), managed), "leakdesk");
        QStringList keys;
        for (const auto& f : result)
            keys << QString::fromStdString(f.key);
        keys.sort();
        moved.sort();
        QCOMPARE(keys, moved);
        for (const auto& f : result)
            if (f.key == kLimit && f.state != FieldState::ContainerGone)
                QCOMPARE(f.changedBy.value_or(FieldWriter {}).manager, std::string("argocd-controller"));
    }
};

QTEST_APPLESS_MAIN(TestRevertCheck)
#include "tst_revert_check.moc"
