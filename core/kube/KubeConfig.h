#pragma once
// kubeconfig files as kubectl reads them: KUBECONFIG with several files merged, ~/.kube/config as
// default, explicit --kubeconfig, current-context, and relative paths resolved against the file
// that names them.

#include "core/common/Result.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::kube {

struct ExecCredentialConfig {
    std::string apiVersion; // client.authentication.k8s.io/v1 or v1beta1
    std::string command;
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env;
    std::string installHint;
    bool provideClusterInfo = false;
};

struct KubeCluster {
    std::string name;
    std::string server;
    std::string certificateAuthorityFile; // absolute
    std::string certificateAuthorityData; // decoded PEM
    std::string tlsServerName;
    std::string proxyUrl;
    bool insecureSkipTlsVerify = false;
    std::string sourceFile;
};

struct KubeUser {
    std::string name;
    std::string token; // never logged
    std::string tokenFile; // absolute
    std::string clientCertificateFile;
    std::string clientCertificateData; // decoded PEM
    std::string clientKeyFile;
    std::string clientKeyData; // decoded PEM, never logged
    std::string username;
    std::string password; // never logged
    std::optional<ExecCredentialConfig> exec;
    std::string sourceFile;
    int indexInFile = -1; // position in the file's `users` list, for messages ("users[2].user.token in F")

    // "users[2].user.<key> (user 'name') in kubeconfig F", for errors that name the setting to fix.
    std::string settingName(const std::string& key) const;
};

struct KubeContext {
    std::string name;
    std::string cluster;
    std::string user;
    std::string ns;
    std::string sourceFile;
};

struct KubeConfig {
    std::vector<KubeCluster> clusters;
    std::vector<KubeUser> users;
    std::vector<KubeContext> contexts;
    std::string currentContext;
    std::vector<std::string> files; // the files merged, in order

    const KubeCluster* cluster(const std::string& name) const;
    const KubeUser* user(const std::string& name) const;
    const KubeContext* context(const std::string& name) const;
    std::vector<std::string> contextNames() const;
};

// A context with its cluster and user, ready for a client.
struct ResolvedContext {
    KubeContext context;
    KubeCluster cluster;
    KubeUser user;
    std::string namespaceOrDefault() const { return context.ns.empty() ? std::string("default") : context.ns; }
    // "token", "token-file", "client-certificate", "exec: <command>", "basic", "none"
    std::string authMethod() const;
};

// The files kubectl would read: $KUBECONFIG split on ':' (missing files skipped, as kubectl does),
// else ~/.kube/config.
std::vector<std::string> defaultKubeConfigFiles();

// Parses one kubeconfig document. `sourceFile` is used for messages and relative paths.
Result<KubeConfig> parseKubeConfig(const std::string& yamlText, const std::string& sourceFile);

// Loads and merges files with kubectl's rules: the first file to define a cluster/user/context
// name wins, and the first non-empty current-context wins.
Result<KubeConfig> loadKubeConfig(const std::vector<std::string>& files);

// Picks the context (explicit name, else current-context) and checks that its cluster and user exist.
Result<ResolvedContext> resolveContext(const KubeConfig& config, const std::string& contextName = {});

// kubectl's --kubeconfig/--context in one step: `kubeconfigFile` alone when given, else
// defaultKubeConfigFiles(); then loadKubeConfig() and resolveContext().
Result<ResolvedContext> resolveKubeconfig(const std::string& kubeconfigFile, const std::string& contextName = {});

} // namespace leakdesk::kube
