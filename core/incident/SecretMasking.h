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
//   ghs_ ghr_ + 36, github_pat_ + 82), Stripe (sk_/rk_ + live/test/prod, whsec_ webhook secrets),
//   Slack (xoxb- xoxa- xoxp- xoxr- xoxs- xoxe- xoxo- xapp-, hooks.slack.com webhooks), Google API
//   keys (AIza + 35), npm_, GitLab (glpat- gldt- glrt- glptt- ... GR1348941), SendGrid SG., Twilio
//   SK + 32 hex, DigitalOcean dop_v1_, Hugging Face hf_, Vault hvs./hvb., Grafana glc_/glsa_,
//   Docker Hub dckr_pat_, PyPI, Shopify, OpenAI sk-proj-, Anthropic sk-ant-, age, Postman, Linear;
// - JSON Web Tokens (ey...ey...[.sig]);
// - private key blocks, multi-line, the body masked: PEM (BEGIN ... PRIVATE KEY, PGP PRIVATE KEY
//   BLOCK), SSH2 "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----", PuTTY's Private-Lines;
// - passwords in URLs: any scheme://user:password@host;
// - Authorization / Proxy-Authorization headers (Bearer, Basic, Token, Digest ...) and a bare
//   "Bearer <token>";
// - key=value, key: value, "key": "value", key := value, --key value, where the key names a
//   secret (isSecretKeyName: password, passwd, pwd, pass, passphrase, secret, token, credentials,
//   api/access/private/secret/client/auth/account... key, auth, authorization, client-key-data,
//   client-certificate-data, so also PGPASSWORD, MYSQL_PWD, aws_secret_access_key, bearerToken,
//   Azure's AccountKey=); a YAML block scalar (key: |) is masked whole; an upper-case variable and
//   its value separated by blanks (AWS_SECRET_ACCESS_KEY   value, as env listings print it);
// - passwords on command lines: mysql -pX, redis-cli -a X, sshpass -p X, curl -u/--user user:X;
// - Kubernetes objects, decided per object when it closes (kubectl prints data before kind), in
//   JSON (one line or pretty-printed), YAML block and flow style, and in Lists (items):
//   every value of a Secret's data / stringData; a ConfigMap's (any other kind's) data is not
//   masked wholesale, only its secret-named keys; data in an object naming no kind: the values
//   that look base64. And value: beside a secret-looking name: (a container's env, JSON or YAML).
// The key names and token prefixes stay, so a reader sees that something was there.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace leakdesk::incident {

inline constexpr const char* kMasked = "***";

std::string maskSecrets(std::string_view text);

// The same for every string of a JSON tree; values under secret keys are replaced whole, and so
// are the data / stringData values of an object of kind Secret and the value of a
// {"name": <secret-looking>, "value": ...} pair.
void maskSecretsInJson(nlohmann::json& j);

// Whether a key names a secret: "password", "DB_PASSWORD", "bearerToken", "client-key-data",
// "aws_secret_access_key"; not "token_count", "max_tokens", "secretName", "secretKeyRef".
bool isSecretKeyName(std::string_view key);

} // namespace leakdesk::incident
