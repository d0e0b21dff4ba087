#pragma once
// Secrets never enter an incident file or an export. LeakDesk itself never copies a credential
// into the document, but text from outside does arrive: a command's captured output (`kubectl get
// secret -o yaml`, `kubectl config view --raw`, `env`), a pasted note, an action's revert data.
// maskSecrets() is the one masking function: recording masks on the way in, the store on every
// save (serializeIncident), every export (Markdown, HTML, PDF, JSON, with or without --redact)
// masks the document before rendering and the rendered text once more.
//
// The rule set follows the published patterns of gitleaks (config/gitleaks.toml) and
// detect-secrets (plugins/*), written as hand-made scanners so the time is linear in the input
// (no regular expression can backtrack on a hostile command output):
// - fixed-prefix tokens: AWS access key ids (AKIA/ASIA/ABIA/ACCA/A3T + 16), GitHub (ghp_ gho_ ghu_
//   ghs_ ghr_ + 36, github_pat_ + 82), Stripe (sk_/rk_ + live/test/prod + 10..), Slack (xoxb- xoxa-
//   xoxp- xoxr- xoxs- xoxe- xoxo- xapp-, hooks.slack.com webhooks), Google API keys (AIza + 35);
// - JSON Web Tokens (ey...ey...[.sig]);
// - PEM private key blocks, multi-line (BEGIN ... PRIVATE KEY ... END), the body masked;
// - passwords in URLs: any scheme://user:password@host;
// - Authorization / Proxy-Authorization headers (Bearer, Basic, Token, Digest ...) and a bare
//   "Bearer <token>";
// - key=value, key: value, "key": "value", key := value, --key value, where the key names a
//   secret (isSecretKeyName: password, passwd, pwd, pass, passphrase, secret, token, credentials,
//   api/access/private/secret/client/auth... key, auth, authorization, client-key-data,
//   client-certificate-data, so also PGPASSWORD, MYSQL_PWD, aws_secret_access_key, bearerToken);
//   a YAML block scalar (key: |) is masked whole;
// - the values of a Kubernetes Secret's data / stringData (YAML and JSON; when the text names no
//   Secret, the base64-looking values under data:).
// The key names and token prefixes stay, so a reader sees that something was there.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace leakdesk::incident {

inline constexpr const char* kMasked = "***";

std::string maskSecrets(std::string_view text);

// The same for every string of a JSON tree; values under secret keys are replaced whole, and so
// are the data / stringData values of an object of kind Secret.
void maskSecretsInJson(nlohmann::json& j);

// Whether a key names a secret: "password", "DB_PASSWORD", "bearerToken", "client-key-data",
// "aws_secret_access_key"; not "token_count", "max_tokens", "secretName", "secretKeyRef".
bool isSecretKeyName(std::string_view key);

} // namespace leakdesk::incident
