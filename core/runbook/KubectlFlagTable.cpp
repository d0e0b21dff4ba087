#include "core/runbook/KubectlFlagTable.h"

// Generated from kubectl v1.32's help and then kept by hand: a flag is written "name" (boolean),
// "name=" (takes a value: the next word unless written name=value) or "name=?" (takes a value only
// as name=value; alone it means a default, as pflag's NoOptDefVal: --dry-run, --validate, --cascade),
// with "x|" in front for a one-letter shorthand. tests/integration/kubectl compares this table
// with the help of the real kubectl on PATH, flag by flag.

#include <algorithm>
#include <sstream>

namespace leakdesk::runbook {

namespace {

struct VerbRow {
    const char* path;
    bool hasSubcommands;
    std::vector<std::string> aliases;
    const char* flags;
};

const char* const kGlobalFlags
    = "as= as-group= as-uid= cache-dir= certificate-authority= client-certificate= client-key= cluster= context= "
      "disable-compression insecure-skip-tls-verify kubeconfig= log-flush-frequency= match-server-version "
      "n|namespace= password= profile= profile-output= request-timeout= s|server= tls-server-name= token= user= "
      "username= v|v= vmodule= warnings-as-errors";

const VerbRow kVerbRows[] = {
    { "get", false, {},
        "A|all-namespaces allow-missing-template-keys chunk-size= field-selector= f|filename= ignore-not-found "
        "k|kustomize= L|label-columns= no-headers o|output= output-watch-events raw= R|recursive l|selector= "
        "server-print show-kind show-labels show-managed-fields sort-by= subresource= template= w|watch watch-only" },
    { "describe", false, {},
        "A|all-namespaces chunk-size= f|filename= k|kustomize= R|recursive l|selector= show-events" },
    { "top", true, {}, "" },
    { "top node", false, { "nodes", "no" }, "no-headers l|selector= show-capacity sort-by= use-protocol-buffers" },
    { "top pod", false, { "pods", "po" },
        "A|all-namespaces containers field-selector= no-headers l|selector= sort-by= sum use-protocol-buffers" },
    { "logs", false, {},
        "all-containers all-pods c|container= f|follow ignore-errors insecure-skip-tls-verify-backend limit-bytes= "
        "max-log-requests= pod-running-timeout= prefix p|previous l|selector= since= since-time= tail= timestamps" },
    { "events", false, {},
        "A|all-namespaces allow-missing-template-keys chunk-size= for= no-headers o|output= show-managed-fields "
        "template= types= w|watch" },
    { "explain", false, {}, "api-version= o|output= recursive" },
    { "api-resources", false, {}, "api-group= cached categories= namespaced no-headers o|output= sort-by= verbs=" },
    { "api-versions", false, {}, "" },
    { "version", false, {}, "client o|output=" },
    { "auth", true, {}, "" },
    { "auth can-i", false, {}, "A|all-namespaces list no-headers q|quiet subresource=" },
    { "auth reconcile", false, {},
        "allow-missing-template-keys dry-run=? f|filename= k|kustomize= o|output= R|recursive "
        "remove-extra-permissions remove-extra-subjects show-managed-fields template=" },
    { "auth whoami", false, {}, "allow-missing-template-keys o|output= show-managed-fields template=" },
    { "rollout", true, {}, "" },
    { "rollout history", false, {},
        "allow-missing-template-keys f|filename= k|kustomize= o|output= R|recursive revision= l|selector= "
        "show-managed-fields template=" },
    { "rollout pause", false, {},
        "allow-missing-template-keys field-manager= f|filename= k|kustomize= o|output= R|recursive l|selector= "
        "show-managed-fields template=" },
    { "rollout restart", false, {},
        "allow-missing-template-keys field-manager= f|filename= k|kustomize= o|output= R|recursive l|selector= "
        "show-managed-fields template=" },
    { "rollout resume", false, {},
        "allow-missing-template-keys field-manager= f|filename= k|kustomize= o|output= R|recursive l|selector= "
        "show-managed-fields template=" },
    { "rollout status", false, {}, "f|filename= k|kustomize= R|recursive revision= l|selector= timeout= w|watch" },
    { "rollout undo", false, {},
        "allow-missing-template-keys dry-run=? f|filename= k|kustomize= o|output= R|recursive l|selector= "
        "show-managed-fields template= to-revision=" },
    { "annotate", false, {},
        "all A|all-namespaces allow-missing-template-keys dry-run=? field-manager= field-selector= f|filename= "
        "k|kustomize= list local o|output= overwrite R|recursive resource-version= l|selector= show-managed-fields "
        "template=" },
    { "apply", true, {},
        "all allow-missing-template-keys cascade=? dry-run=? field-manager= f|filename= force force-conflicts "
        "grace-period= k|kustomize= openapi-patch o|output= overwrite prune prune-allowlist= R|recursive "
        "l|selector= server-side show-managed-fields subresource= template= timeout= validate=? wait" },
    { "apply edit-last-applied", false, {},
        "allow-missing-template-keys field-manager= f|filename= k|kustomize= o|output= R|recursive "
        "show-managed-fields template= validate=? windows-line-endings" },
    { "apply set-last-applied", false, {},
        "allow-missing-template-keys create-annotation dry-run=? f|filename= o|output= show-managed-fields "
        "template=" },
    { "apply view-last-applied", false, {}, "all f|filename= k|kustomize= o|output= R|recursive l|selector=" },
    { "autoscale", false, {},
        "allow-missing-template-keys cpu-percent= dry-run=? field-manager= f|filename= k|kustomize= max= min= name= "
        "o|output= R|recursive save-config show-managed-fields template=" },
    { "certificate", true, {}, "" },
    { "certificate approve", false, {},
        "allow-missing-template-keys f|filename= force k|kustomize= o|output= R|recursive show-managed-fields "
        "template=" },
    { "certificate deny", false, {},
        "allow-missing-template-keys f|filename= force k|kustomize= o|output= R|recursive show-managed-fields "
        "template=" },
    { "cluster-info", true, {}, "" },
    { "cluster-info dump", false, {},
        "A|all-namespaces allow-missing-template-keys namespaces= o|output= output-directory= pod-running-timeout= "
        "show-managed-fields template=" },
    { "cordon", false, {}, "dry-run=? l|selector=" },
    { "cp", false, {}, "c|container= no-preserve retries=" },
    { "create", true, {},
        "allow-missing-template-keys dry-run=? edit field-manager= f|filename= k|kustomize= o|output= raw= "
        "R|recursive save-config l|selector= show-managed-fields template= validate=? windows-line-endings" },
    { "create clusterrole", false, {},
        "aggregation-rule= allow-missing-template-keys dry-run=? field-manager= non-resource-url= o|output= "
        "resource= resource-name= save-config show-managed-fields template= validate=? verb=" },
    { "create clusterrolebinding", false, {},
        "allow-missing-template-keys clusterrole= dry-run=? field-manager= group= o|output= save-config "
        "serviceaccount= show-managed-fields template= user= validate=?" },
    { "create configmap", false, { "cm" },
        "allow-missing-template-keys append-hash dry-run=? field-manager= from-env-file= from-file= from-literal= "
        "o|output= save-config show-managed-fields template= validate=?" },
    { "create cronjob", false, { "cj" },
        "allow-missing-template-keys dry-run=? field-manager= image= o|output= restart= save-config schedule= "
        "show-managed-fields template= validate=?" },
    { "create deployment", false, { "deploy" },
        "allow-missing-template-keys dry-run=? field-manager= image= o|output= port= r|replicas= save-config "
        "show-managed-fields template= validate=?" },
    { "create ingress", false, { "ing" },
        "allow-missing-template-keys annotation= class= default-backend= dry-run=? field-manager= o|output= rule= "
        "save-config show-managed-fields template= validate=?" },
    { "create job", false, {},
        "allow-missing-template-keys dry-run=? field-manager= from= image= o|output= save-config "
        "show-managed-fields template= validate=?" },
    { "create namespace", false, { "ns" },
        "allow-missing-template-keys dry-run=? field-manager= o|output= save-config show-managed-fields template= "
        "validate=?" },
    { "create poddisruptionbudget", false, { "pdb" },
        "allow-missing-template-keys dry-run=? field-manager= max-unavailable= min-available= o|output= save-config "
        "selector= show-managed-fields template= validate=?" },
    { "create priorityclass", false, { "pc" },
        "allow-missing-template-keys description= dry-run=? field-manager= global-default o|output= "
        "preemption-policy= save-config show-managed-fields template= validate=? value=" },
    { "create quota", false, { "resourcequota" },
        "allow-missing-template-keys dry-run=? field-manager= hard= o|output= save-config scopes= "
        "show-managed-fields template= validate=?" },
    { "create role", false, {},
        "allow-missing-template-keys dry-run=? field-manager= o|output= resource= resource-name= save-config "
        "show-managed-fields template= validate=? verb=" },
    { "create rolebinding", false, {},
        "allow-missing-template-keys clusterrole= dry-run=? field-manager= group= o|output= role= save-config "
        "serviceaccount= show-managed-fields template= user= validate=?" },
    { "create secret", true, {}, "" },
    { "create secret docker-registry", false, {},
        "allow-missing-template-keys append-hash docker-email= docker-password= docker-server= docker-username= "
        "dry-run=? field-manager= from-file= o|output= save-config show-managed-fields template= validate=?" },
    { "create secret generic", false, {},
        "allow-missing-template-keys append-hash dry-run=? field-manager= from-env-file= from-file= from-literal= "
        "o|output= save-config show-managed-fields template= type= validate=?" },
    { "create secret tls", false, {},
        "allow-missing-template-keys append-hash cert= dry-run=? field-manager= key= o|output= save-config "
        "show-managed-fields template= validate=?" },
    { "create service", true, { "svc" }, "" },
    { "create service clusterip", false, {},
        "allow-missing-template-keys clusterip= dry-run=? field-manager= o|output= save-config show-managed-fields "
        "tcp= template= validate=?" },
    { "create service externalname", false, {},
        "allow-missing-template-keys dry-run=? external-name= field-manager= o|output= save-config "
        "show-managed-fields tcp= template= validate=?" },
    { "create service loadbalancer", false, {},
        "allow-missing-template-keys dry-run=? field-manager= o|output= save-config show-managed-fields tcp= "
        "template= validate=?" },
    { "create service nodeport", false, {},
        "allow-missing-template-keys dry-run=? field-manager= node-port= o|output= save-config show-managed-fields "
        "tcp= template= validate=?" },
    { "create serviceaccount", false, { "sa" },
        "allow-missing-template-keys dry-run=? field-manager= o|output= save-config show-managed-fields template= "
        "validate=?" },
    { "create token", false, {},
        "allow-missing-template-keys audience= bound-object-kind= bound-object-name= bound-object-uid= duration= "
        "o|output= show-managed-fields template=" },
    { "debug", false, {},
        "arguments-only attach c|container= copy-to= custom= env= f|filename= image= image-pull-policy= "
        "keep-annotations keep-init-containers keep-labels keep-liveness keep-readiness keep-startup profile= "
        "q|quiet replace same-node set-image= share-processes i|stdin target= t|tty" },
    { "delete", false, {},
        "all A|all-namespaces cascade=? dry-run=? field-selector= f|filename= force grace-period= ignore-not-found "
        "i|interactive k|kustomize= now o|output= raw= R|recursive l|selector= timeout= wait" },
    { "diff", false, {},
        "concurrency= field-manager= f|filename= force-conflicts k|kustomize= prune prune-allowlist= R|recursive "
        "l|selector= server-side show-managed-fields" },
    { "drain", false, {},
        "chunk-size= delete-emptydir-data disable-eviction dry-run=? force grace-period= ignore-daemonsets "
        "pod-selector= l|selector= skip-wait-for-delete-timeout= timeout=" },
    { "exec", false, {}, "c|container= f|filename= pod-running-timeout= q|quiet i|stdin t|tty" },
    { "expose", false, {},
        "allow-missing-template-keys cluster-ip= dry-run=? external-ip= field-manager= f|filename= k|kustomize= "
        "l|labels= load-balancer-ip= name= o|output= override-type= overrides= port= protocol= R|recursive "
        "save-config selector= session-affinity= show-managed-fields target-port= template= type=" },
    { "label", false, {},
        "all A|all-namespaces allow-missing-template-keys dry-run=? field-manager= field-selector= f|filename= "
        "k|kustomize= list local o|output= overwrite R|recursive resource-version= l|selector= show-managed-fields "
        "template=" },
    { "patch", false, {},
        "allow-missing-template-keys dry-run=? field-manager= f|filename= k|kustomize= local o|output= p|patch= "
        "patch-file= R|recursive show-managed-fields subresource= template= type=" },
    { "replace", false, {},
        "allow-missing-template-keys cascade=? dry-run=? field-manager= f|filename= force grace-period= "
        "k|kustomize= o|output= raw= R|recursive save-config show-managed-fields subresource= template= timeout= "
        "validate=? wait" },
    { "run", false, {},
        "allow-missing-template-keys annotations= attach cascade=? command dry-run=? env= expose field-manager= "
        "f|filename= force grace-period= image= image-pull-policy= k|kustomize= l|labels= leave-stdin-open "
        "o|output= override-type= overrides= pod-running-timeout= port= privileged q|quiet R|recursive restart= rm "
        "save-config show-managed-fields i|stdin template= timeout= t|tty wait" },
    { "scale", false, {},
        "all allow-missing-template-keys current-replicas= dry-run=? f|filename= k|kustomize= o|output= R|recursive "
        "replicas= resource-version= l|selector= show-managed-fields template= timeout=" },
    { "set", true, {}, "" },
    { "set env", false, {},
        "all allow-missing-template-keys c|containers= dry-run=? e|env= field-manager= f|filename= from= keys= "
        "k|kustomize= list local o|output= overwrite prefix= R|recursive resolve l|selector= show-managed-fields "
        "template=" },
    { "set image", false, {},
        "all allow-missing-template-keys dry-run=? field-manager= f|filename= k|kustomize= local o|output= "
        "R|recursive l|selector= show-managed-fields template=" },
    { "set resources", false, {},
        "all allow-missing-template-keys c|containers= dry-run=? field-manager= f|filename= k|kustomize= limits= "
        "local o|output= R|recursive requests= l|selector= show-managed-fields template=" },
    { "set selector", false, {},
        "all allow-missing-template-keys dry-run=? field-manager= f|filename= local o|output= R|recursive "
        "resource-version= show-managed-fields template=" },
    { "set serviceaccount", false, { "sa" },
        "all allow-missing-template-keys dry-run=? field-manager= f|filename= k|kustomize= local o|output= "
        "R|recursive show-managed-fields template=" },
    { "set subject", false, {},
        "all allow-missing-template-keys dry-run=? field-manager= f|filename= group= k|kustomize= local o|output= "
        "R|recursive l|selector= serviceaccount= show-managed-fields template= user=" },
    { "taint", false, {},
        "all allow-missing-template-keys dry-run=? field-manager= o|output= overwrite l|selector= "
        "show-managed-fields template= validate=?" },
    { "uncordon", false, {}, "dry-run=? l|selector=" },
    { "wait", false, {},
        "all A|all-namespaces allow-missing-template-keys field-selector= f|filename= for= local o|output= "
        "R|recursive l|selector= show-managed-fields template= timeout=" },
};

std::vector<KubectlFlag> parseFlags(const char* spec)
{
    std::vector<KubectlFlag> out;
    std::istringstream words { std::string(spec) };
    std::string w;
    while (words >> w) {
        KubectlFlag f;
        if (w.size() > 2 && w[1] == '|') {
            f.shorthand = w[0];
            w = w.substr(2);
        }
        if (w.size() > 2 && w.compare(w.size() - 2, 2, "=?") == 0) {
            f.value = FlagValue::Optional;
            w.resize(w.size() - 2);
        } else if (!w.empty() && w.back() == '=') {
            f.value = FlagValue::Required;
            w.pop_back();
        }
        f.name = w;
        out.push_back(std::move(f));
    }
    return out;
}

} // namespace

const std::vector<KubectlFlag>& kubectlGlobalFlags()
{
    static const std::vector<KubectlFlag> flags = parseFlags(kGlobalFlags);
    return flags;
}

const std::vector<KubectlVerb>& kubectlVerbs()
{
    static const std::vector<KubectlVerb> verbs = [] {
        std::vector<KubectlVerb> out;
        for (const VerbRow& row : kVerbRows)
            out.push_back({ row.path, row.hasSubcommands, row.aliases, parseFlags(row.flags) });
        return out;
    }();
    return verbs;
}

const KubectlVerb* findKubectlVerb(std::string_view path)
{
    const auto& verbs = kubectlVerbs();
    const auto it = std::find_if(verbs.begin(), verbs.end(), [&](const KubectlVerb& v) { return v.path == path; });
    return it == verbs.end() ? nullptr : &*it;
}

} // namespace leakdesk::runbook
