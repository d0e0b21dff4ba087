// The Run button's reading of kubectl argv (KubectlCommand.h): which commands are read-only, which
// are changes, which are refused; the words actually run; the server dry-run preview; output that
// must never be journaled; kubectl cp only into a folder the user picked. Pure: no kubectl needed.
#include "core/runbook/KubectlCommand.h"
#include "core/runbook/KubectlFlagTable.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk::runbook;

namespace {

QString joined(const std::vector<std::string>& words)
{
    QStringList out;
    for (const std::string& w : words)
        out << QString::fromStdString(w);
    return out.join(QLatin1Char(' '));
}

} // namespace

class TestKubectlCommand : public QObject {
    Q_OBJECT
    // The folder the user picked for kubectl's files: the tables' "-f fix.yaml" reads from it.
    QTemporaryDir m_folder;
    KubectlRunOptions inFolder() const
    {
        KubectlRunOptions options;
        options.localFolder = m_folder.path().toStdString();
        return options;
    }

private Q_SLOTS:
    void effect_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("effect");
        QTest::addColumn<QString>("verb"); // empty: not checked (refused before a verb is known)

        // Read-only, by allow-list.
        QTest::newRow("get") << "kubectl get pods -n production -o wide"
                             << "read-only"
                             << "get";
        QTest::newRow("describe") << "kubectl describe deploy/checkout -n shop"
                                  << "read-only"
                                  << "describe";
        QTest::newRow("top pods alias") << "kubectl top pods -n a --sort-by=memory"
                                        << "read-only"
                                        << "top pod";
        QTest::newRow("top po alias") << "kubectl top po"
                                      << "read-only"
                                      << "top pod";
        QTest::newRow("top nodes") << "kubectl top nodes --no-headers"
                                   << "read-only"
                                   << "top node";
        QTest::newRow("logs") << "kubectl -n kube-system logs -l k8s-app=npd --tail=50"
                              << "read-only"
                              << "logs";
        QTest::newRow("logs previous short group") << "kubectl logs -pf p -c app"
                                                   << "read-only"
                                                   << "logs";
        QTest::newRow("events") << "kubectl events -n shop --types=Warning"
                                << "read-only"
                                << "events";
        QTest::newRow("explain") << "kubectl explain pod.spec --recursive"
                                 << "read-only"
                                 << "explain";
        QTest::newRow("api-resources") << "kubectl api-resources --namespaced=true"
                                       << "read-only"
                                       << "api-resources";
        QTest::newRow("api-versions") << "kubectl api-versions"
                                      << "read-only"
                                      << "api-versions";
        QTest::newRow("version") << "kubectl version -o json"
                                 << "read-only"
                                 << "version";
        QTest::newRow("auth can-i") << "kubectl auth can-i patch deployments -n shop"
                                    << "read-only"
                                    << "auth can-i";
        QTest::newRow("rollout status") << "kubectl rollout status deployment/a -n b --timeout=60s"
                                        << "read-only"
                                        << "rollout status";
        QTest::newRow("rollout history") << "kubectl rollout history deploy/a --revision 3"
                                         << "read-only"
                                         << "rollout history";
        QTest::newRow("namespace before the verb") << "kubectl -n shop get pods"
                                                   << "read-only"
                                                   << "get";
        QTest::newRow("-n=ns") << "kubectl get pods -n=shop"
                               << "read-only"
                               << "get";
        QTest::newRow("-nns") << "kubectl get pods -nshop"
                              << "read-only"
                              << "get";
        QTest::newRow("boolean =false") << "kubectl get pods --show-labels=false -A"
                                        << "read-only"
                                        << "get";
        QTest::newRow("underscore flag name") << "kubectl get pods --all_namespaces"
                                              << "read-only"
                                              << "get";
        QTest::newRow("request timeout before verb") << "kubectl --request-timeout 5s get pods"
                                                     << "read-only"
                                                     << "get";
        QTest::newRow("-- ends the flags") << "kubectl get -- pods"
                                           << "read-only"
                                           << "get";
        QTest::newRow("raw path") << "kubectl get --raw /api/v1/namespaces/shop/pods"
                                  << "read-only"
                                  << "get";

        // Changes: every other built-in command.
        QTest::newRow("value flag hides the verb") << "kubectl --cache-dir get delete pod P"
                                                   << "refused"
                                                   << "delete";
        QTest::newRow("namespace value hides the verb") << "kubectl -n get delete pod P"
                                                        << "change"
                                                        << "delete";
        QTest::newRow("request-timeout hides the verb") << "kubectl --request-timeout get delete pod P"
                                                        << "change"
                                                        << "delete";
        // --raw through the API server's proxy reaches the workload's own HTTP endpoints, where a GET
        // may act (/actuator/shutdown, /admin/...): before, it ran as a read-only get.
        QTest::newRow("raw through a pod's proxy")
            << "kubectl get --raw /api/v1/namespaces/shop/pods/p:8080/proxy/actuator/shutdown"
            << "change"
            << "get";
        QTest::newRow("raw through a service's proxy")
            << "kubectl get --raw=/api/v1/namespaces/shop/services/http:checkout:8080/proxy/admin/flush"
            << "change"
            << "get";
        QTest::newRow("raw through an encoded proxy") << "kubectl get --raw /api/v1/namespaces/shop/pods/p/%70roxy/x"
                                                      << "change"
                                                      << "get";
        QTest::newRow("raw climbing out of the kubelet's proxy")
            << "kubectl get --raw /api/v1/nodes/n1/proxy/../../namespaces/shop/pods/p/proxy/x"
            << "change"
            << "get";
        QTest::newRow("raw kubelet stats stay read-only") << "kubectl get --raw /api/v1/nodes/n1/proxy/stats/summary"
                                                          << "read-only"
                                                          << "get";
        QTest::newRow("delete") << "kubectl delete pod x -n b"
                                << "change"
                                << "delete";
        QTest::newRow("delete dry run is still a change") << "kubectl delete pod x --dry-run=server"
                                                          << "change"
                                                          << "delete";
        QTest::newRow("rollout restart") << "kubectl rollout restart deployment/a -n b"
                                         << "change"
                                         << "rollout restart";
        QTest::newRow("rollout undo") << "kubectl rollout undo deployment/a"
                                      << "change"
                                      << "rollout undo";
        QTest::newRow("scale") << "kubectl scale deploy/a --replicas=0"
                               << "change"
                               << "scale";
        QTest::newRow("set resources") << "kubectl set resources deployment/a -n p --limits=memory=4Gi"
                                       << "change"
                                       << "set resources";
        QTest::newRow("set env") << "kubectl set env deployment/a HEAP_LIMIT_RESTART=3584m"
                                 << "change"
                                 << "set env";
        QTest::newRow("exec") << "kubectl exec -it -n p pod -- jcmd 1 GC.heap_dump /tmp/h.hprof"
                              << "change"
                              << "exec";
        QTest::newRow("apply file") << "kubectl apply -f fix.yaml"
                                    << "change"
                                    << "apply";
        QTest::newRow("file flag before apply") << "kubectl -f fix.yaml apply"
                                                << "change"
                                                << "apply";
        QTest::newRow("create deployment alias") << "kubectl create deploy x --image=nginx"
                                                 << "change"
                                                 << "create deployment";
        QTest::newRow("create secret generic") << "kubectl create secret generic s --from-literal=a=b"
                                               << "change"
                                               << "create secret generic";
        QTest::newRow("patch") << "kubectl patch deploy a -p '{\"spec\":{}}'"
                               << "change"
                               << "patch";
        QTest::newRow("label") << "kubectl label pod p quarantine=true"
                               << "change"
                               << "label";
        QTest::newRow("debug") << "kubectl debug -it p --image=busybox"
                               << "change"
                               << "debug";
        QTest::newRow("wait is not on the list") << "kubectl wait --for=condition=Ready pod/p"
                                                 << "change"
                                                 << "wait";
        QTest::newRow("auth whoami is not on the list") << "kubectl auth whoami"
                                                        << "change"
                                                        << "auth whoami";
        QTest::newRow("cluster-info is not on the list") << "kubectl cluster-info"
                                                         << "change"
                                                         << "cluster-info";
        QTest::newRow("rolebinding --user is a subject, not a login")
            << "kubectl create rolebinding r --clusterrole=view --user=alice -n x"
            << "change"
            << "create rolebinding";
        QTest::newRow("set subject --user") << "kubectl set subject rolebinding r --user=bob"
                                            << "change"
                                            << "set subject";
        QTest::newRow("debug --profile is a debug profile") << "kubectl debug p -it --image=busybox --profile=general"
                                                            << "change"
                                                            << "debug";
        QTest::newRow("drain") << "kubectl drain node-1 --ignore-daemonsets"
                               << "change"
                               << "drain";
        QTest::newRow("cordon") << "kubectl cordon node-1"
                                << "change"
                                << "cordon";

        // Refused: where or as whom kubectl connects.
        QTest::newRow("-s") << "kubectl -s https://evil get pods"
                            << "refused"
                            << "get";
        QTest::newRow("--server=") << "kubectl get pods --server=https://evil:6443"
                                   << "refused"
                                   << "get";
        QTest::newRow("-s glued") << "kubectl get pods -shttps://evil"
                                  << "refused"
                                  << "get";
        QTest::newRow("kubeconfig") << "kubectl --kubeconfig /tmp/other get pods"
                                    << "refused"
                                    << "get";
        QTest::newRow("context") << "kubectl get pods --context=prod-admin"
                                 << "refused"
                                 << "get";
        QTest::newRow("cluster") << "kubectl get pods --cluster other"
                                 << "refused"
                                 << "get";
        QTest::newRow("user") << "kubectl get pods --user admin"
                              << "refused"
                              << "get";
        QTest::newRow("token") << "kubectl get pods --token abc"
                               << "refused"
                               << "get";
        QTest::newRow("as") << "kubectl auth can-i delete pods --as=system:admin"
                            << "refused"
                            << "auth can-i";
        QTest::newRow("as-group") << "kubectl get pods --as-group system:masters"
                                  << "refused"
                                  << "get";
        QTest::newRow("as-uid") << "kubectl get pods --as-uid 0"
                                << "refused"
                                << "get";
        QTest::newRow("username") << "kubectl get pods --username u --password p"
                                  << "refused"
                                  << "get";
        // Each connection flag on its own, and in both of its forms: --password without --username
        // (refused for itself, not because --username came with it), --token with "=" and apart.
        QTest::newRow("password alone") << "kubectl get pods --password p"
                                        << "refused"
                                        << "get";
        QTest::newRow("password= alone") << "kubectl get pods --password=p"
                                         << "refused"
                                         << "get";
        QTest::newRow("password before the verb") << "kubectl --password p get pods"
                                                  << "refused"
                                                  << "get";
        QTest::newRow("username alone") << "kubectl get pods --username=u"
                                        << "refused"
                                        << "get";
        QTest::newRow("token=") << "kubectl get pods --token=abc"
                                << "refused"
                                << "get";
        QTest::newRow("token before the verb") << "kubectl --token abc get pods"
                                               << "refused"
                                               << "get";
        QTest::newRow("token= before the verb") << "kubectl --token=abc get pods"
                                                << "refused"
                                                << "get";
        QTest::newRow("certificate authority") << "kubectl get pods --certificate-authority=/tmp/ca"
                                               << "refused"
                                               << "get";
        QTest::newRow("insecure") << "kubectl get pods --insecure-skip-tls-verify"
                                  << "refused"
                                  << "get";
        QTest::newRow("insecure =true") << "kubectl get pods --insecure-skip-tls-verify=true"
                                        << "refused"
                                        << "get";
        QTest::newRow("client cert") << "kubectl get pods --client-certificate c --client-key k"
                                     << "refused"
                                     << "get";
        QTest::newRow("tls server name") << "kubectl get pods --tls-server-name x"
                                         << "refused"
                                         << "get";
        QTest::newRow("cache-dir") << "kubectl get pods --cache-dir=/tmp/c"
                                   << "refused"
                                   << "get";
        QTest::newRow("debug logging") << "kubectl get secret s -v=9"
                                       << "refused"
                                       << "get";
        QTest::newRow("profile file") << "kubectl get pods --profile=cpu"
                                      << "refused"
                                      << "get";
        QTest::newRow("kubelet tls") << "kubectl logs p --insecure-skip-tls-verify-backend"
                                     << "refused"
                                     << "logs";
        QTest::newRow("raw absolute url") << "kubectl get --raw https://evil/api"
                                          << "refused"
                                          << "get";
        QTest::newRow("kustomize fetches") << "kubectl get -k github.com/x/y?ref=main"
                                           << "refused"
                                           << "get";
        QTest::newRow("template file") << "kubectl get pod p -o go-template-file=/home/u/.aws/credentials"
                                       << "refused"
                                       << "get";
        QTest::newRow("jsonpath file") << "kubectl get pod p --output=jsonpath-file=/etc/passwd"
                                       << "refused"
                                       << "get";
        QTest::newRow("dump to local dir") << "kubectl cluster-info dump --output-directory=/tmp/d"
                                           << "refused"
                                           << "cluster-info dump";

        // Refused: commands a runbook has no business running from a desktop.
        QTest::newRow("config") << "kubectl config view --raw"
                                << "refused"
                                << "";
        QTest::newRow("config use-context") << "kubectl config use-context prod"
                                            << "refused"
                                            << "";
        QTest::newRow("proxy") << "kubectl proxy --port=8001"
                               << "refused"
                               << "";
        QTest::newRow("port-forward") << "kubectl port-forward svc/a 8080:80"
                                      << "refused"
                                      << "";
        QTest::newRow("attach") << "kubectl attach p -it"
                                << "refused"
                                << "";
        QTest::newRow("edit") << "kubectl edit deploy/a"
                              << "refused"
                              << "";
        QTest::newRow("edit-last-applied") << "kubectl apply edit-last-applied deploy/a"
                                           << "refused"
                                           << "";
        QTest::newRow("plugin") << "kubectl foo"
                                << "refused"
                                << "";
        QTest::newRow("plugin with args") << "kubectl node-shell node-1"
                                          << "refused"
                                          << "";
        QTest::newRow("plugin list") << "kubectl plugin list"
                                     << "refused"
                                     << "";
        QTest::newRow("kustomize") << "kubectl kustomize github.com/x/y"
                                   << "refused"
                                   << "";
        QTest::newRow("completion") << "kubectl completion bash"
                                    << "refused"
                                    << "";
        // create --edit runs an editor on this machine (vi when no KUBE_EDITOR is set), even with
        // --dry-run: the preview before the confirmation would start it.
        QTest::newRow("create --edit") << "kubectl create -f fix.yaml --edit"
                                       << "refused"
                                       << "create";
        QTest::newRow("create --edit=true") << "kubectl create --edit=true --filename fix.yaml"
                                            << "refused"
                                            << "create";

        // Refused: what cannot be read with certainty.
        // kubectl takes the word after a value flag as its value even when it looks like a flag; a
        // reader of the confirmation sees a flag (found by fuzz_kubectl_command: --raw as a value).
        QTest::newRow("flag-like value of a long flag") << "kubectl label pod x q=true --field-manager --raw=run"
                                                        << "refused"
                                                        << "";
        QTest::newRow("flag-like value, --dry-run") << "kubectl annotate pod p a=b --field-manager --dry-run=client"
                                                    << "refused"
                                                    << "";
        QTest::newRow("flag-like value of a shorthand") << "kubectl get pods -n --all-namespaces"
                                                        << "refused"
                                                        << "";
        QTest::newRow("a negative number is a value") << "kubectl logs pod/p --tail -1"
                                                      << "read-only"
                                                      << "logs";
        QTest::newRow("unknown flag") << "kubectl get pods --frobnicate"
                                      << "refused"
                                      << "get";
        QTest::newRow("unknown flag before the verb") << "kubectl --frobnicate get pods"
                                                      << "refused"
                                                      << "";
        QTest::newRow("verb flag before the verb is fine") << "kubectl -l app=a get pods"
                                                           << "read-only"
                                                           << "get";
        QTest::newRow("flag of another verb") << "kubectl get pods --replicas=2"
                                              << "refused"
                                              << "get";
        QTest::newRow("unknown shorthand") << "kubectl get pods -Z"
                                           << "refused"
                                           << "get";
        QTest::newRow("missing value") << "kubectl get pods -n"
                                       << "refused"
                                       << "get";
        QTest::newRow("bad boolean") << "kubectl get pods --watch=maybe"
                                     << "refused"
                                     << "get";
        QTest::newRow("bad flag syntax") << "kubectl get pods ---n x"
                                         << "refused"
                                         << "get";
        QTest::newRow("group without subcommand") << "kubectl rollout deploy/a"
                                                  << "refused"
                                                  << "";
        QTest::newRow("unknown subcommand") << "kubectl top services"
                                            << "refused"
                                            << "";
        QTest::newRow("no verb") << "kubectl -n shop"
                                 << "refused"
                                 << "";
        QTest::newRow("help") << "kubectl get pods --help"
                              << "refused"
                              << "get";
        QTest::newRow("not kubectl") << "rm -rf /tmp/x"
                                     << "refused"
                                     << "";
        QTest::newRow("env prefix") << "KUBECONFIG=/tmp/k kubectl get pods"
                                    << "refused"
                                    << "";
        QTest::newRow("pipe") << "kubectl get pods | sh"
                              << "refused"
                              << "";
        QTest::newRow("chain") << "kubectl get pods; kubectl delete pod x"
                               << "refused"
                               << "";
        QTest::newRow("substitution") << "kubectl delete pod $(kubectl get pods -o name)"
                                      << "refused"
                                      << "";
        QTest::newRow("variable in double quotes") << "kubectl get pods -l \"app=$APP\""
                                                   << "refused"
                                                   << "";
        QTest::newRow("backquote") << "kubectl get pods `id`"
                                   << "refused"
                                   << "";
        QTest::newRow("redirect") << "kubectl get pods > pods.txt"
                                  << "refused"
                                  << "";
        QTest::newRow("two lines") << "kubectl get pods\nkubectl delete pod x"
                                   << "refused"
                                   << "";
        QTest::newRow("unbalanced quote") << "kubectl get pods -l 'app=a"
                                          << "refused"
                                          << "";
        QTest::newRow("tilde") << "kubectl apply -f ~/fix.yaml"
                               << "refused"
                               << "";
        QTest::newRow("empty") << ""
                               << "refused"
                               << "";
        // No one confirms or reviews thousands of words or flags; reading them must stay cheap.
        QTest::newRow("thousands of words")
            << QStringLiteral("kubectl get pods ") + QStringLiteral("-A ").repeated(5000) << "refused"
            << "";
        QTest::newRow("thousands of shorthands")
            << QStringLiteral("kubectl get pods -") + QStringLiteral("A").repeated(5000) << "refused"
            << "get";
    }

    void effect()
    {
        QFETCH(QString, command);
        QFETCH(QString, effect);
        QFETCH(QString, verb);
        const KubectlAnalysis a = analyseKubectlCommand(command.toStdString(), inFolder());
        QVERIFY2(QString::fromLatin1(kubectlEffectName(a.effect)) == effect, a.reason.c_str());
        if (!verb.isEmpty())
            QCOMPARE(QString::fromStdString(a.verb), verb);
        QVERIFY(!a.reason.empty());
        QCOMPARE(a.runnable(), a.effect != KubectlEffect::Refused);
    }

    void namespaceAndObjects_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("ns");
        QTest::addColumn<bool>("allNamespaces");
        QTest::addColumn<QString>("objects");
        QTest::newRow("-n after") << "kubectl delete pod p1 p2 -n shop"
                                  << "shop" << false << "pod p1 p2";
        QTest::newRow("--namespace= before") << "kubectl --namespace=shop delete pod/p1"
                                             << "shop" << false << "pod/p1";
        QTest::newRow("glued") << "kubectl scale -nshop deploy/a --replicas=3"
                               << "shop" << false << "deploy/a";
        QTest::newRow("none: the context's") << "kubectl rollout restart deployment/a"
                                             << "" << false << "deployment/a";
        QTest::newRow("all namespaces") << "kubectl delete pods -A -l app=a"
                                        << "" << true << "pods selected by -l app=a";
        QTest::newRow("files") << "kubectl apply -f a.yaml -f b.yaml"
                               << "" << false << "objects in a.yaml objects in b.yaml";
        QTest::newRow("exec command") << "kubectl exec p -n x -- jcmd 1 GC.heap_dump /tmp/h"
                                      << "x" << false << "p runs in the container: jcmd 1 GC.heap_dump /tmp/h";
        QTest::newRow("--all") << "kubectl delete pods --all -n x"
                               << "x" << false << "pods all of them (--all)";
    }

    void namespaceAndObjects()
    {
        QFETCH(QString, command);
        QFETCH(QString, ns);
        QFETCH(bool, allNamespaces);
        QFETCH(QString, objects);
        const KubectlAnalysis a = analyseKubectlCommand(command.toStdString(), inFolder());
        QVERIFY2(a.runnable(), a.reason.c_str());
        QCOMPARE(QString::fromStdString(a.ns.value_or("")), ns);
        QCOMPARE(a.allNamespaces, allNamespaces);
        QCOMPARE(joined(a.objects), objects);
    }

    // What would have leaked: Secret and ConfigMap data printed by the command.
    void sensitiveOutput_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<bool>("sensitive");
        QTest::newRow("secret yaml") << "kubectl get secret x -o yaml" << true;
        QTest::newRow("secrets json") << "kubectl get secrets -n shop -o json" << true;
        QTest::newRow("--output=jsonpath") << "kubectl get secret x --output=jsonpath={.data.password}" << true;
        QTest::newRow("-ojsonpath glued") << "kubectl get secret x '-ojsonpath={.data}'" << true;
        QTest::newRow("-o=go-template") << "kubectl get secret x -o=go-template={{.data}}" << true;
        QTest::newRow("custom-columns") << "kubectl get secrets -o custom-columns=D:.data" << true;
        QTest::newRow("--template alone") << "kubectl get secret x --template={{.data}}" << true;
        QTest::newRow("type/name") << "kubectl get secrets/x -o yaml" << true;
        QTest::newRow("mixed type/name") << "kubectl get pod/p secret/x -o yaml" << true;
        QTest::newRow("list of types") << "kubectl get pod,secret -o yaml" << true;
        QTest::newRow("capitalised kind") << "kubectl get Secret x -o YAML" << true;
        QTest::newRow("grouped resource") << "kubectl get secrets.v1. x -o json" << true;
        QTest::newRow("configmap short name") << "kubectl get cm app-config -o yaml" << true;
        QTest::newRow("configmaps") << "kubectl get configmaps -o json" << true;
        QTest::newRow("describe configmap prints data") << "kubectl describe configmap app-config" << true;
        QTest::newRow("raw secret") << "kubectl get --raw /api/v1/namespaces/x/secrets/y" << true;
        QTest::newRow("file of unknown kinds") << "kubectl get -f objects.yaml -o yaml" << true;
        QTest::newRow("create secret prints it") << "kubectl create secret generic s --from-literal=a=b -o yaml "
                                                    "--dry-run=client"
                                                 << true;
        // get's own printer reads --template whenever -o is empty, also when -o is written empty.
        QTest::newRow("--template with -o=") << "kubectl get secret x -o= --template={{.data}}" << true;
        QTest::newRow("--template with --output ''") << "kubectl get secrets --output '' --template {{.data}}" << true;
        // kubectl decodes %xx in --raw before it sends the path.
        QTest::newRow("raw percent-encoded secrets") << "kubectl get --raw /api/v1/namespaces/x/%73ecrets/y" << true;
        QTest::newRow("raw percent-encoded configmaps") << "kubectl get --raw /api/v1/config%4Daps" << true;
        QTest::newRow("raw encoded slash") << "kubectl get --raw /api/v1/namespaces/x%2Fsecrets" << true;
        // After "--" the words are still get's resource arguments.
        QTest::newRow("type after --") << "kubectl get -o yaml -- secrets x" << true;
        QTest::newRow("describe configmap after --") << "kubectl describe -- configmap x" << true;
        // describe -f: the file decides the kinds, ConfigMaps included.
        QTest::newRow("describe from a file") << "kubectl describe -f objects.yaml" << true;
        QTest::newRow("describe from a file, long flag") << "kubectl describe --filename=conf/o.yaml" << true;
        QTest::newRow("token") << "kubectl create token default" << true;
        QTest::newRow("view-last-applied") << "kubectl apply view-last-applied secret/x" << true;
        QTest::newRow("set env resolve") << "kubectl set env deploy/a --list --resolve" << true;
        QTest::newRow("set env from secret")
            << "kubectl set env deploy/a --from=secret/s -o yaml --dry-run=client" << true;
        // Not printing data.
        QTest::newRow("secret table") << "kubectl get secret x" << false;
        QTest::newRow("secret names") << "kubectl get secrets -o name" << false;
        QTest::newRow("secret wide") << "kubectl get secrets -o wide" << false;
        QTest::newRow("describe secret shows sizes") << "kubectl describe secret x" << false;
        QTest::newRow("pods yaml") << "kubectl get pods -o yaml" << false;
        QTest::newRow("explain secret") << "kubectl explain secret.data" << false;
        QTest::newRow("raw pods") << "kubectl get --raw /api/v1/pods" << false;
        QTest::newRow("raw pods with an encoded selector")
            << "kubectl get --raw /api/v1/pods?labelSelector=app%3Dshop" << false;
        QTest::newRow("logs") << "kubectl logs secret-rotator-0" << false;
    }

    void sensitiveOutput()
    {
        QFETCH(QString, command);
        QFETCH(bool, sensitive);
        const KubectlAnalysis a = analyseKubectlCommand(command.toStdString(), inFolder());
        QVERIFY2(a.runnable(), a.reason.c_str());
        QCOMPARE(a.sensitiveOutput, sensitive);
        QCOMPARE(a.sensitiveReason.empty(), !sensitive);
    }

    // The words that run: as written, without a terminal.
    void runArguments_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("arguments");
        QTest::addColumn<QString>("preview");
        QTest::newRow("as written") << "kubectl -n shop get pods"
                                    << "get -n shop pods"
                                    << "";
        QTest::newRow("-it dropped") << "kubectl exec -it -n p pod -- jcmd 1 GC.heap_dump -t"
                                     << "exec -n p pod -- jcmd 1 GC.heap_dump -t"
                                     << "";
        QTest::newRow("-itc keeps -c") << "kubectl exec -itc app pod -- ls"
                                       << "exec -c app pod -- ls"
                                       << "";
        QTest::newRow("--stdin --tty dropped") << "kubectl exec --stdin --tty=true pod -- ls"
                                               << "exec pod -- ls"
                                               << "";
        QTest::newRow("-i kept for delete") << "kubectl delete pod p -i"
                                            << "delete pod p -i"
                                            << "delete --dry-run=server pod p -i";
        QTest::newRow("quotes removed") << "kubectl get events --field-selector 'reason=OOMKilling'"
                                        << "get events --field-selector reason=OOMKilling"
                                        << "";
        QTest::newRow("jsonpath in double quotes") << R"(kubectl get pods -o "jsonpath={.items[*].metadata.name}")"
                                                   << "get pods -o jsonpath={.items[*].metadata.name}"
                                                   << "";
        QTest::newRow("preview replaces dry-run") << "kubectl scale deploy/a --replicas=2 --dry-run=client"
                                                  << "scale deploy/a --replicas=2 --dry-run=client"
                                                  << "scale --dry-run=server deploy/a --replicas=2";
        QTest::newRow("preview before --") << "kubectl run t --image=busybox -- sleep 1"
                                           << "run t --image=busybox -- sleep 1"
                                           << "run --dry-run=server t --image=busybox -- sleep 1";
        QTest::newRow("subcommand words") << "kubectl set resources deploy/a --limits=memory=4Gi"
                                          << "set resources deploy/a --limits=memory=4Gi"
                                          << "set resources --dry-run=server deploy/a --limits=memory=4Gi";
        // --raw sends the request as it is: kubectl ignores --dry-run for it, so a "preview" would
        // delete, create or replace for real before the confirmation.
        QTest::newRow("no preview for delete --raw") << "kubectl delete --raw /api/v1/namespaces/shop/pods/p"
                                                     << "delete --raw /api/v1/namespaces/shop/pods/p"
                                                     << "";
        QTest::newRow("no preview for create --raw") << "kubectl create --raw=/api/v1/namespaces/shop/pods -f pod.json"
                                                     << "create --raw=/api/v1/namespaces/shop/pods -f pod.json"
                                                     << "";
        QTest::newRow("no preview for replace --raw")
            << "kubectl replace -f pod.json --raw /api/v1/namespaces/shop/pods/p"
            << "replace -f pod.json --raw /api/v1/namespaces/shop/pods/p"
            << "";
        // "--dry-run" as the value of another flag stays that flag's value. Before, the preview
        // dropped that word and appended --dry-run=server, which became --field-manager's value:
        // the "preview" labelled the pod for real, before the confirmation.
        QTest::newRow("--dry-run as an = value")
            << "kubectl label pod p quarantine=true --field-manager=--dry-run"
            << "label pod p quarantine=true --field-manager=--dry-run"
            << "label --dry-run=server pod p quarantine=true --field-manager=--dry-run";
        QTest::newRow("--dry_run spelling") << "kubectl scale deploy/a --replicas=1 --dry_run=none"
                                            << "scale deploy/a --replicas=1 --dry_run=none"
                                            << "scale --dry-run=server deploy/a --replicas=1";
        QTest::newRow("no dry-run for exec") << "kubectl exec p -- ls"
                                             << "exec p -- ls"
                                             << "";
        QTest::newRow("no dry-run for rollout restart") << "kubectl rollout restart deploy/a"
                                                        << "rollout restart deploy/a"
                                                        << "";
    }

    void runArguments()
    {
        QFETCH(QString, command);
        QFETCH(QString, arguments);
        QFETCH(QString, preview);
        const KubectlAnalysis a = analyseKubectlCommand(command.toStdString(), inFolder());
        QVERIFY2(a.runnable(), a.reason.c_str());
        QCOMPARE(joined(a.arguments), arguments);
        QCOMPARE(joined(a.previewArguments), preview);
    }

    // kubectl cp: one side in a pod, the other inside the folder the user picked.
    void copyNeedsAFolder_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<bool>("withFolder");
        QTest::addColumn<QString>("effect");
        QTest::newRow("out of a pod, no folder")
            << "kubectl cp shop/p:/tmp/heap.hprof ./heap.hprof" << false << "refused";
        QTest::newRow("out of a pod, relative") << "kubectl cp shop/p:/tmp/heap.hprof ./heap.hprof" << true << "change";
        QTest::newRow("out of a pod, absolute inside") << "kubectl cp p:/tmp/h FOLDER/dumps/h" << true << "change";
        QTest::newRow("out of a pod, absolute outside") << "kubectl cp p:/tmp/h /etc/cron.d/h" << true << "refused";
        QTest::newRow("out of a pod, dot-dot") << "kubectl cp p:/tmp/h ../h" << true << "refused";
        QTest::newRow("out of a pod, dot-dot inside") << "kubectl cp p:/tmp/h dumps/../h" << true << "change";
        QTest::newRow("out through a symlink") << "kubectl cp p:/tmp/h escape/h" << true << "refused";
        QTest::newRow("into a pod from inside") << "kubectl cp agent.jar p:/tmp/agent.jar" << true << "change";
        QTest::newRow("into a pod from outside") << "kubectl cp /home/u/.aws/credentials p:/tmp/c" << true << "refused";
        QTest::newRow("into a pod, no folder") << "kubectl cp agent.jar p:/tmp/agent.jar" << false << "refused";
        QTest::newRow("pod to pod") << "kubectl cp a:/x b:/y" << true << "refused";
        QTest::newRow("local to local") << "kubectl cp a b" << true << "refused";
        QTest::newRow("bad pod spec") << "kubectl cp a/b/c:/x y" << true << "refused";
        QTest::newRow("stdout") << "kubectl cp p:/x -" << true << "refused";
    }

    void copyNeedsAFolder()
    {
        QFETCH(QString, command);
        QFETCH(bool, withFolder);
        QFETCH(QString, effect);
        QTemporaryDir folder;
        QTemporaryDir outside;
        QVERIFY(folder.isValid() && outside.isValid());
        QVERIFY(QFile::link(outside.path(), folder.filePath(QStringLiteral("escape"))));
        KubectlRunOptions options;
        if (withFolder)
            options.localFolder = folder.path().toStdString();
        const QString line = QString(command).replace(QStringLiteral("FOLDER"), folder.path());
        const KubectlAnalysis a = analyseKubectlCommand(line.toStdString(), options);
        QVERIFY2(QString::fromLatin1(kubectlEffectName(a.effect)) == effect, a.reason.c_str());
        QCOMPARE(a.verb, std::string("cp"));
        QVERIFY(a.needsLocalFolder);
    }

    // Flags that make kubectl read a file on this machine: only inside the folder the user picked,
    // never a URL. Before, "kubectl get -f ../../../.docker/config.json" ran read-only from
    // LeakDesk's cache folder and kubectl printed the file in its error, into the journal.
    void localFilesOnlyFromThePickedFolder_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<bool>("withFolder");
        QTest::addColumn<QString>("effect");
        QTest::newRow("get -f, no folder") << "kubectl get -f objects.yaml" << false << "refused";
        QTest::newRow("get -f inside") << "kubectl get -f objects.yaml" << true << "read-only";
        QTest::newRow("get -f up and out") << "kubectl get -f ../../../.docker/config.json" << true << "refused";
        QTest::newRow("get -f up and out, no folder")
            << "kubectl get -f ../../../.docker/config.json" << false << "refused";
        QTest::newRow("get -f absolute outside")
            << "kubectl get -f /home/u/.config/gcloud/application_default_credentials.json" << true << "refused";
        QTest::newRow("get -f absolute inside") << "kubectl get -f FOLDER/objects.yaml" << true << "read-only";
        QTest::newRow("-f through a symlink") << "kubectl get --filename=escape/x.json" << true << "refused";
        QTest::newRow("cloud metadata url")
            << "kubectl get -f http://169.254.169.254/latest/meta-data/iam/security-credentials/r" << true << "refused";
        QTest::newRow("https url") << "kubectl apply -f https://example.org/manifest.yaml" << true << "refused";
        QTest::newRow("glued -f outside") << "kubectl describe -f/etc/kubernetes/admin.conf" << true << "refused";
        QTest::newRow("apply -f inside") << "kubectl apply -f fix.yaml" << true << "change";
        QTest::newRow("apply -f, no folder") << "kubectl apply -f fix.yaml" << false << "refused";
        QTest::newRow("from-file outside")
            << "kubectl create configmap c --from-file=../../.ssh/id_rsa" << true << "refused";
        QTest::newRow("from-file key=outside")
            << "kubectl create configmap c --from-file=k=/etc/shadow" << true << "refused";
        QTest::newRow("from-file key=inside")
            << "kubectl create configmap c --from-file=conf=app.properties" << true << "change";
        QTest::newRow("from-env-file outside")
            << "kubectl create secret generic s --from-env-file=../.env" << true << "refused";
        QTest::newRow("tls cert outside")
            << "kubectl create secret tls t --cert=/home/u/c.pem --key=k.pem" << true << "refused";
        QTest::newRow("patch-file outside")
            << "kubectl patch deploy a --patch-file ../../../.docker/config.json" << true << "refused";
        QTest::newRow("patch-file inside") << "kubectl patch deploy a --patch-file p.yaml" << true << "change";
        QTest::newRow("debug --custom outside")
            << "kubectl debug p --image=busybox --custom=../../../.docker/config.json" << true << "refused";
        QTest::newRow("debug --custom inside") << "kubectl debug p --image=busybox --custom c.json" << true << "change";
    }

    void localFilesOnlyFromThePickedFolder()
    {
        QFETCH(QString, command);
        QFETCH(bool, withFolder);
        QFETCH(QString, effect);
        QTemporaryDir outside;
        QVERIFY(m_folder.isValid() && outside.isValid());
        QFile::remove(m_folder.filePath(QStringLiteral("escape")));
        QVERIFY(QFile::link(outside.path(), m_folder.filePath(QStringLiteral("escape"))));
        const QString line = QString(command).replace(QStringLiteral("FOLDER"), m_folder.path());
        const KubectlAnalysis a
            = analyseKubectlCommand(line.toStdString(), withFolder ? inFolder() : KubectlRunOptions {});
        QVERIFY2(QString::fromLatin1(kubectlEffectName(a.effect)) == effect, a.reason.c_str());
        QVERIFY(a.needsLocalFolder || command.contains(QLatin1String("://")));
    }

    void standardInputNeedsNoFolder()
    {
        const KubectlAnalysis a = analyseKubectlCommand("kubectl apply -f -");
        QCOMPARE(a.effect, KubectlEffect::Change);
        QVERIFY(!a.needsLocalFolder);
    }

    void copyNamespaceFromThePodSide()
    {
        KubectlRunOptions options;
        QTemporaryDir folder;
        options.localFolder = folder.path().toStdString();
        const auto a = analyseKubectlCommand("kubectl cp production/p:/tmp/h ./h", options);
        QCOMPARE(a.ns.value_or(""), std::string("production"));
        QCOMPARE(joined(a.objects), QStringLiteral("production/p:/tmp/h ./h"));
    }

    // Every verb and flag of the table can be read back: a table typo would refuse real commands.
    void everyTableFlagParses()
    {
        for (const KubectlVerb& v : kubectlVerbs()) {
            if (v.hasSubcommands)
                continue;
            for (const KubectlFlag& f : v.flags) {
                std::string command = "kubectl " + v.path + " --" + f.name;
                if (f.value != FlagValue::None)
                    command += "=x";
                const auto a = analyseKubectlCommand(command);
                QVERIFY2(a.verb == v.path, command.c_str());
                QVERIFY2(a.reason.find("not a flag") == std::string::npos, (command + ": " + a.reason).c_str());
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestKubectlCommand)
#include "tst_kubectl_command.moc"
