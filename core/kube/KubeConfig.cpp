#include "core/kube/KubeConfig.h"

#include "core/common/RegularFile.h"
#include "core/common/YamlDocuments.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace leakdesk::kube {

namespace {

namespace fs = std::filesystem;

std::string base64Decode(const std::string& in, bool* ok)
{
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned value = 0;
    int bits = -8;
    *ok = true;
    for (char c : in) {
        if (c == '=' || c == '\n' || c == '\r' || c == ' ')
            continue;
        const auto pos = alphabet.find(c);
        if (pos == std::string::npos) {
            *ok = false;
            return {};
        }
        value = (value << 6) + static_cast<unsigned>(pos);
        bits += 6;
        if (bits >= 0) {
            out.push_back(static_cast<char>((value >> bits) & 0xFF));
            bits -= 8;
        }
    }
    return out;
}

std::string resolvePath(const std::string& path, const std::string& sourceFile)
{
    if (path.empty())
        return {};
    fs::path p(path);
    if (path.rfind("~/", 0) == 0) {
        if (const char* home = std::getenv("HOME"))
            p = fs::path(home) / path.substr(2);
    }
    if (p.is_relative() && !sourceFile.empty())
        p = fs::path(sourceFile).parent_path() / p;
    return p.lexically_normal().string();
}

std::string str(const YAML::Node& n, const char* key)
{
    const YAML::Node v = n[key];
    if (!v || !v.IsScalar())
        return {};
    return v.as<std::string>();
}

bool boolean(const YAML::Node& n, const char* key)
{
    const YAML::Node v = n[key];
    if (!v || !v.IsScalar())
        return false;
    const auto s = v.as<std::string>();
    return s == "true" || s == "True" || s == "yes";
}

Error configError(const std::string& file, const std::string& what, const std::string& fix)
{
    return makeError(
        ErrorCode::Config, "kubeconfig " + (file.empty() ? std::string("<inline>") : file) + ": " + what, fix);
}

Result<std::string> decodeData(const YAML::Node& n, const char* key, const std::string& file, const std::string& owner)
{
    const std::string raw = str(n, key);
    if (raw.empty())
        return std::string();
    bool ok = false;
    std::string decoded = base64Decode(raw, &ok);
    if (!ok)
        return configError(file, std::string(key) + " of '" + owner + "' is not valid base64",
            "re-export the credential, e.g. with 'kubectl config view --raw --flatten'");
    return decoded;
}

} // namespace

const KubeCluster* KubeConfig::cluster(const std::string& name) const
{
    for (const auto& c : clusters)
        if (c.name == name)
            return &c;
    return nullptr;
}

const KubeUser* KubeConfig::user(const std::string& name) const
{
    for (const auto& u : users)
        if (u.name == name)
            return &u;
    return nullptr;
}

const KubeContext* KubeConfig::context(const std::string& name) const
{
    for (const auto& c : contexts)
        if (c.name == name)
            return &c;
    return nullptr;
}

std::vector<std::string> KubeConfig::contextNames() const
{
    std::vector<std::string> names;
    for (const auto& c : contexts)
        names.push_back(c.name);
    return names;
}

std::string ResolvedContext::authMethod() const
{
    if (user.exec)
        return "exec: " + user.exec->command;
    if (!user.clientCertificateData.empty() || !user.clientCertificateFile.empty())
        return "client-certificate";
    if (!user.token.empty())
        return "token";
    if (!user.tokenFile.empty())
        return "token-file";
    if (!user.username.empty())
        return "basic";
    return "none";
}

std::vector<std::string> defaultKubeConfigFiles()
{
    std::vector<std::string> files;
    if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
        std::stringstream ss(env);
        std::string item;
        while (std::getline(ss, item, ':')) {
            if (!item.empty() && fs::exists(item))
                files.push_back(item);
        }
        return files;
    }
    if (const char* home = std::getenv("HOME"))
        files.push_back((fs::path(home) / ".kube" / "config").string());
    return files;
}

std::string KubeUser::settingName(const std::string& key) const
{
    if (indexInFile < 0 || sourceFile.empty())
        return "user '" + name + "'." + key;
    return "users[" + std::to_string(indexInFile) + "].user." + key + " (user '" + name + "') in kubeconfig "
        + sourceFile;
}

Result<KubeConfig> parseKubeConfig(const std::string& yamlText, const std::string& sourceFile)
{
    // Like kubectl, only the first document counts.
    auto documents = loadYamlDocuments(
        yamlText, sourceFile.empty() ? std::string("<inline>") : sourceFile, YamlShapeLimits { 32, 1000000, 10000 });
    if (!documents)
        return makeError(ErrorCode::Config, "kubeconfig " + documents.error().message,
            "fix the file or point --kubeconfig/KUBECONFIG at a valid one");
    const YAML::Node root = documents->empty() ? YAML::Node() : documents->front().root;
    KubeConfig cfg;
    cfg.files.push_back(sourceFile);
    if (!root || root.IsNull())
        return cfg; // kubectl accepts an empty file
    if (!root.IsMap())
        return configError(
            sourceFile, "top level is not a mapping", "a kubeconfig starts with 'apiVersion: v1' and 'kind: Config'");

    try {
        cfg.currentContext = str(root, "current-context");
        for (const auto& item : root["clusters"]) {
            KubeCluster c;
            c.name = str(item, "name");
            const YAML::Node d = item["cluster"];
            if (c.name.empty() || !d)
                return configError(sourceFile, "a cluster entry has no name or no 'cluster' mapping",
                    "every entry needs 'name' and 'cluster'");
            c.server = str(d, "server");
            c.certificateAuthorityFile = resolvePath(str(d, "certificate-authority"), sourceFile);
            auto ca = decodeData(d, "certificate-authority-data", sourceFile, c.name);
            if (!ca)
                return ca.error();
            c.certificateAuthorityData = *ca;
            c.tlsServerName = str(d, "tls-server-name");
            c.proxyUrl = str(d, "proxy-url");
            c.insecureSkipTlsVerify = boolean(d, "insecure-skip-tls-verify");
            c.sourceFile = sourceFile;
            cfg.clusters.push_back(std::move(c));
        }
        int userIndex = 0;
        for (const auto& item : root["users"]) {
            KubeUser u;
            u.indexInFile = userIndex++;
            u.name = str(item, "name");
            const YAML::Node d = item["user"];
            u.sourceFile = sourceFile;
            if (u.name.empty())
                return configError(sourceFile, "a user entry has no name", "every entry needs 'name' and 'user'");
            if (d && d.IsMap()) {
                u.token = str(d, "token");
                u.tokenFile = resolvePath(str(d, "tokenFile"), sourceFile);
                u.clientCertificateFile = resolvePath(str(d, "client-certificate"), sourceFile);
                u.clientKeyFile = resolvePath(str(d, "client-key"), sourceFile);
                auto cert = decodeData(d, "client-certificate-data", sourceFile, u.name);
                if (!cert)
                    return cert.error();
                u.clientCertificateData = *cert;
                auto key = decodeData(d, "client-key-data", sourceFile, u.name);
                if (!key)
                    return key.error();
                u.clientKeyData = *key;
                u.username = str(d, "username");
                u.password = str(d, "password");
                if (const YAML::Node e = d["exec"]; e && e.IsMap()) {
                    ExecCredentialConfig x;
                    x.apiVersion = str(e, "apiVersion");
                    x.command = str(e, "command");
                    x.installHint = str(e, "installHint");
                    x.provideClusterInfo = boolean(e, "provideClusterInfo");
                    for (const auto& a : e["args"])
                        x.args.push_back(a.as<std::string>());
                    for (const auto& kv : e["env"])
                        x.env.emplace_back(str(kv, "name"), str(kv, "value"));
                    if (x.command.empty())
                        return configError(sourceFile, "exec credential plugin of user '" + u.name + "' has no command",
                            "set users[].user.exec.command");
                    u.exec = std::move(x);
                }
            }
            cfg.users.push_back(std::move(u));
        }
        for (const auto& item : root["contexts"]) {
            KubeContext c;
            c.name = str(item, "name");
            const YAML::Node d = item["context"];
            if (c.name.empty() || !d)
                return configError(sourceFile, "a context entry has no name or no 'context' mapping",
                    "every entry needs 'name' and 'context'");
            c.cluster = str(d, "cluster");
            c.user = str(d, "user");
            c.ns = str(d, "namespace");
            c.sourceFile = sourceFile;
            cfg.contexts.push_back(std::move(c));
        }
    } catch (const YAML::Exception& e) {
        return configError(sourceFile, "unexpected structure at line " + std::to_string(e.mark.line + 1) + ": " + e.msg,
            "compare with 'kubectl config view'");
    }
    return cfg;
}

Result<KubeConfig> loadKubeConfig(const std::vector<std::string>& files)
{
    if (files.empty())
        return makeError(ErrorCode::Config, "no kubeconfig file to read",
            "pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config");
    KubeConfig merged;
    for (const auto& file : files) {
        // Not a stream read: /dev/zero, a FIFO or a 10 GB file given as --kubeconfig must fail at once.
        auto content = readRegularFile(file, fileLimits::kKubeconfig, "kubeconfig");
        if (!content) {
            Error e = content.error();
            if (e.code != ErrorCode::LimitExceeded)
                e.code = ErrorCode::Config;
            if (e.code == ErrorCode::Config && e.detail.empty())
                e.detail = "check that the file exists and is readable by you";
            return e;
        }
        auto one = parseKubeConfig(*content, file);
        if (!one)
            return one.error();
        merged.files.push_back(file);
        if (merged.currentContext.empty())
            merged.currentContext = one->currentContext;
        for (auto& c : one->clusters)
            if (!merged.cluster(c.name))
                merged.clusters.push_back(std::move(c));
        for (auto& u : one->users)
            if (!merged.user(u.name))
                merged.users.push_back(std::move(u));
        for (auto& c : one->contexts)
            if (!merged.context(c.name))
                merged.contexts.push_back(std::move(c));
    }
    return merged;
}

Result<ResolvedContext> resolveContext(const KubeConfig& config, const std::string& contextName)
{
    std::string files;
    for (const auto& f : config.files)
        files += (files.empty() ? "" : ", ") + f;
    const std::string name = contextName.empty() ? config.currentContext : contextName;
    if (name.empty())
        return makeError(ErrorCode::Config, "kubeconfig " + files + " has no current-context",
            "pass --context NAME or run 'kubectl config use-context NAME'");
    const KubeContext* ctx = config.context(name);
    if (!ctx) {
        std::string known;
        for (const auto& c : config.contexts)
            known += (known.empty() ? "" : ", ") + c.name;
        return makeError(ErrorCode::Config, "context '" + name + "' is not defined in " + files,
            known.empty() ? "the file defines no contexts" : "known contexts: " + known);
    }
    const KubeCluster* cluster = config.cluster(ctx->cluster);
    if (!cluster)
        return makeError(ErrorCode::Config,
            "context '" + name + "' in " + ctx->sourceFile + " refers to cluster '" + ctx->cluster
                + "', which is not defined",
            "add the cluster or fix the context");
    if (cluster->server.empty())
        return makeError(ErrorCode::Config,
            "cluster '" + cluster->name + "' in " + cluster->sourceFile + " has no server URL",
            "set clusters[].cluster.server");
    ResolvedContext r;
    r.context = *ctx;
    r.cluster = *cluster;
    if (!ctx->user.empty()) {
        const KubeUser* user = config.user(ctx->user);
        if (!user)
            return makeError(ErrorCode::Config,
                "context '" + name + "' in " + ctx->sourceFile + " refers to user '" + ctx->user
                    + "', which is not defined",
                "add the user or fix the context");
        r.user = *user;
    }
    return r;
}

Result<ResolvedContext> resolveKubeconfig(const std::string& kubeconfigFile, const std::string& contextName)
{
    const std::vector<std::string> files
        = kubeconfigFile.empty() ? defaultKubeConfigFiles() : std::vector<std::string> { kubeconfigFile };
    auto config = loadKubeConfig(files);
    if (!config)
        return config.error();
    return resolveContext(*config, contextName);
}

} // namespace leakdesk::kube
