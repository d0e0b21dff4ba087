#pragma once
// One sample per secret format the masking knows (SecretMasking.h), each with the part that must
// never survive, and near misses that must stay as they are. All values are invented; the shapes
// follow gitleaks' and detect-secrets' published patterns.

#include <string>
#include <vector>

namespace leakdesk::test {

struct SecretSample {
    const char* name;
    std::string text; // as it would appear in a command's output, a note, a config
    std::string secret; // must not survive masking
    std::string kept; // must survive (the key name, the prefix, the host), empty for none
    // Masked for what the text does NOT say (data without a kind): text around it that names
    // another kind may rightly change that, so the fuzzer sets it off as its own YAML document.
    bool needsItsOwnDocument = false;
};

inline const std::vector<SecretSample>& secretSamples()
{
    static const std::vector<SecretSample> samples {
        { "aws access key id", "found AKIAZ2F4H6J8K0L2N4P6 in the logs", "Z2F4H6J8K0L2N4P6", "in the logs" },
        { "aws temporary key id", R"({"AccessKeyId": "ASIAY34FZKBOKMUTVV7A"})", "Y34FZKBOKMUTVV7A", "AccessKeyId" },
        { "aws secret key env", "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9EXAMPLE", "aws_secret_access_key" },
        { "aws secret key yaml", "  AWS_SECRET_ACCESS_KEY: \"9drTJvcXLB89EXAMPLELB8923FB892xMFIab\"",
            "9drTJvcXLB89EXAMPLELB8923FB892xMFIab", "AWS_SECRET_ACCESS_KEY" },
        { "aws secret key json", R"({"SecretAccessKey":"Q8ZPbf7gvB0bEXAMPLEKEYQ8ZPbf7gvB0bEXAMPL"})",
            "Q8ZPbf7gvB0bEXAMPLEKEYQ8ZPbf7gvB0bEXAMPL", "SecretAccessKey" },
        { "PGPASSWORD", "PGPASSWORD=Zk8#pq!xWv psql -h orders-db -U app", "Zk8#pq!xWv", "psql -h orders-db" },
        { "MYSQL_PWD", "export MYSQL_PWD='m1sq1-Pass-word'", "m1sq1-Pass-word", "MYSQL_PWD" },
        { "password env in a pod spec", "- name: DB_PASSWORD\n  value: x\nDB_PASSWORD=hunter2hunter2", "hunter2hunter2",
            "DB_PASSWORD" },
        { "postgres url", "DATABASE_URL=postgres://app:pg-Pa55w0rd@orders-db.internal:5432/orders", "pg-Pa55w0rd",
            "orders-db.internal:5432/orders" },
        { "postgresql url", "connecting to postgresql://report:R3port-pw@10.2.0.4/app failed", "R3port-pw",
            "10.2.0.4/app failed" },
        { "mysql url", "mysql://root:my-Sq1-pw@10.0.0.5:3306/app", "my-Sq1-pw", "10.0.0.5:3306" },
        { "mongodb url", "mongodb://admin:M0ng0-pw@mongo-0.mongo:27017/?replicaSet=rs0", "M0ng0-pw", "mongo-0.mongo" },
        { "mongodb+srv url", "uri: mongodb+srv://svc:Atl4s-pw@cluster0.example.net/db", "Atl4s-pw",
            "cluster0.example.net" },
        { "redis url without user", "REDIS_URL=redis://:r3dis-pw@cache:6379/0", "r3dis-pw", "cache:6379" },
        { "amqp url", "amqp://guest:Rabb1t-pw@rabbit:5672/", "Rabb1t-pw", "rabbit:5672" },
        { "any scheme", "fetch sftp://deploy:Sftp-pw9@files.example.org/in", "Sftp-pw9", "files.example.org" },
        { "secret yaml data",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  username: "
            "YWRtaW4=\n  password: c3VwZXItc2VjcmV0LXB3\nimmutable: false\n",
            "YWRtaW4=", "immutable: false" },
        { "secret yaml stringData", "kind: Secret\nstringData:\n  config.yaml: plain-text-value\n", "plain-text-value",
            "config.yaml" },
        { "secret json data",
            R"({"apiVersion":"v1","data":{"tls.crt":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t","ca":"Y2EtZGF0YQ=="},"kind":"Secret"})",
            "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t", "tls.crt" },
        { "secret data without kind", "data:\n  token.b64: dG9rZW4tdmFsdWUtMTIzNDU2\n", "dG9rZW4tdmFsdWUtMTIzNDU2",
            "token.b64", true },
        { "bearerToken", "bearerToken: kube-sa-token-abcdef123456", "kube-sa-token-abcdef123456", "bearerToken" },
        { "kubeconfig token", "users:\n- name: admin\n  user:\n    token: 0123456789abcdef0123\n",
            "0123456789abcdef0123", "token" },
        { "kubeconfig client-key-data", "    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=",
            "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=", "client-key-data" },
        { "kubeconfig client-certificate-data", "    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tCg==",
            "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tCg==", "client-certificate-data" },
        { "github ghp", "pushed with ghp_0123456789abcdefghijABCDEFGHIJ012345 set",
            "0123456789abcdefghijABCDEFGHIJ012345", "ghp_" },
        { "github gho", "gho_9876543210ZYXWVUTSRQzyxwvutsrq987654", "9876543210ZYXWVUTSRQzyxwvutsrq987654", "gho_" },
        { "github ghu", "x ghu_aaaaBBBBccccDDDDeeeeFFFFgggg00001111 y", "aaaaBBBBccccDDDDeeeeFFFFgggg00001111",
            "ghu_" },
        { "github ghs", "(ghs_1111222233334444555566667777888899aa)", "1111222233334444555566667777888899aa", "ghs_" },
        { "github ghr", "ghr_Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0", "Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0", "ghr_" },
        { "github fine-grained pat", "github_pat_11ABCDEFG0123456789abc_" + std::string(59, 'q'), std::string(59, 'q'),
            "github_pat_" },
        { "stripe live secret", "stripe: sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc", "sk_live_" },
        { "stripe restricted", "rk_live_51Habcdefghijklmnop", "51Habcdefghijklmnop", "rk_live_" },
        { "stripe test secret", "sk_test_BQokikJOvBiI2HlWgH4olfQ2", "BQokikJOvBiI2HlWgH4olfQ2", "sk_test_" },
        { "slack bot", "xoxb-1234567890123-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "AbCdEfGhIjKlMnOpQrStUvWx",
            "xoxb-" },
        { "slack user", "xoxp-1234567890-1234567890-1234567890-abcdef0123456789abcdef0123456789",
            "abcdef0123456789abcdef0123456789", "xoxp-" },
        { "slack app", "xapp-1-A0123456789-1234567890123-abcdef0123456789", "abcdef0123456789", "xapp-" },
        { "slack webhook", "https://hooks.slack.com/services/T0000AAAA/B1111BBBB/abcdefghijklmnopqrstuvwx",
            "abcdefghijklmnopqrstuvwx", "hooks.slack.com" },
        { "google api key", "key=AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe", "SyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
            "AIza" },
        { "jwt", "sa: eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlc2lnbmF0dXJl",
            "eyJzdWIiOiJzeXN0ZW06c2EifQ", "sa:" },
        { "pem rsa key",
            "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq9secretbody\nLINE2secretbody==\n"
            "-----END RSA PRIVATE KEY-----\nafter",
            "LINE2secretbody", "after" },
        { "pem openssh key cut off", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n",
            "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU", "BEGIN OPENSSH PRIVATE KEY" },
        { "authorization bearer", "Authorization: Bearer zyx987654321abc", "zyx987654321abc", "Authorization" },
        { "authorization basic", "> authorization: basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA==", "basic" },
        { "authorization in json", R"({"headers":{"Authorization":"Token tk_abcdef1234567"}})", "tk_abcdef1234567",
            "headers" },
        { "bare bearer", "curl -H 'bearer qwertyuiop12345'", "qwertyuiop12345", "curl" },
        { "api_key", "api_key=0a1b2c3d4e5f6a7b8c9d", "0a1b2c3d4e5f6a7b8c9d", "api_key" },
        { "apiKey json", R"({"apiKey": "k-123-456-789"})", "k-123-456-789", "apiKey" },
        { "x-api-key header", "X-Api-Key: 7f3e9a1b2c4d", "7f3e9a1b2c4d", "X-Api-Key" },
        { "access_key", "access_key: AbCdEf012345", "AbCdEf012345", "access_key" },
        { "private_key block scalar", "private_key: |\n  line1secretvalue\n  line2secretvalue\nnext: kept-value",
            "line2secretvalue", "next: kept-value" },
        { "credentials", "credentials = 'svc:creds-value-1'", "svc:creds-value-1", "credentials" },
        { "client_secret", "client_secret := \"oauth-client-s3cret\"", "oauth-client-s3cret", "client_secret" },
        { "passwd", "passwd: Pa55wd!", "Pa55wd!", "passwd" },
        { "token in a query string", "GET /api?access_token=abc123def456&page=2", "abc123def456", "page=2" },
        { "flag with space", "kubectl --token s3cr3tvalue get pods", "s3cr3tvalue", "get pods" },
        { "flag with equals", "kubectl --password=s3cr3tvalue2 get pods", "s3cr3tvalue2", "get pods" },
        // kubectl get secret -o json: pretty-printed, "data" before "kind", any key.
        { "secret pretty json",
            "{\n    \"apiVersion\": \"v1\",\n    \"data\": {\n        \".dockerconfigjson\": "
            "\"eyJhdXRocyI6eyJyZWdpc3RyeS5leGFtcGxlLnRlc3QiOnsiYXV0aCI6IlptRnJaVHB3ZHc9PSJ9fX0=\"\n    },\n"
            "    \"kind\": \"Secret\",\n    \"metadata\": {\n        \"name\": \"regcred\",\n"
            "        \"namespace\": \"production\"\n    },\n    \"type\": \"kubernetes.io/dockerconfigjson\"\n}\n",
            "eyJhdXRocyI6eyJyZWdpc3RyeS5leGFtcGxlLnRlc3QiOnsiYXV0aCI6IlptRnJaVHB3ZHc9PSJ9fX0=", ".dockerconfigjson" },
        // kubectl get secret,cm -o json: a List; the Secret's values go, the ConfigMap's stay.
        { "secret list pretty json",
            "{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n    {\n      \"apiVersion\": \"v1\",\n      \"data\": {\n"
            "        \"ca.crt\": \"Zm9v\",\n        \"tls.key\": \"ZmFrZS10bHMta2V5LWZvci10ZXN0cw==\"\n      },\n"
            "      \"kind\": \"Secret\",\n      \"metadata\": {\"name\": \"web-tls\"},\n"
            "      \"type\": \"kubernetes.io/tls\"\n    },\n    {\n      \"apiVersion\": \"v1\",\n"
            "      \"data\": {\"log_level\": \"debug-kept\"},\n      \"kind\": \"ConfigMap\",\n"
            "      \"metadata\": {\"name\": \"web-config\"}\n    }\n  ],\n  \"kind\": \"List\",\n"
            "  \"metadata\": {\"resourceVersion\": \"\"}\n}\n",
            "ZmFrZS10bHMta2V5LWZvci10ZXN0cw==", "debug-kept" },
        { "secret list yaml",
            "apiVersion: v1\nitems:\n- apiVersion: v1\n  data:\n    .dockerconfigjson: "
            "eyJhdXRocyI6e30sImZha2UiOiJ5YW1sLWxpc3QtdmFsdWUifQ==\n  kind: Secret\n  metadata:\n    name: regcred\n"
            "  type: kubernetes.io/dockerconfigjson\n- apiVersion: v1\n  data:\n    log_level: debug-kept\n"
            "  kind: ConfigMap\n  metadata:\n    name: web-config\nkind: List\nmetadata:\n  resourceVersion: \"\"\n",
            "eyJhdXRocyI6e30sImZha2UiOiJ5YW1sLWxpc3QtdmFsdWUifQ==", "log_level: debug-kept" },
        { "secret yaml multi-line value, kind after",
            "apiVersion: v1\nstringData:\n  config.yaml: |\n    endpoint: https://api.example.test\n"
            "    fake-multiline-secret-line-9f3\nkind: Secret\n",
            "fake-multiline-secret-line-9f3", "config.yaml" },
        { "secret yaml flow style", "data: {tls.key: Zmxvdy1zdHlsZS1rZXktdmFsdWU=, user: YWRtaW4=}\nkind: Secret\n",
            "Zmxvdy1zdHlsZS1rZXktdmFsdWU=", "tls.key" },
        // kubectl get deploy -o yaml / -o json: a container's env.
        { "env yaml name then value",
            "        env:\n        - name: LOG_LEVEL\n          value: info\n        - name: DB_PASSWORD\n"
            "          value: Pg-Fake-Pass-2291\n        image: registry.example.test/orders:1.4.2\n",
            "Pg-Fake-Pass-2291", "value: info" },
        { "env yaml value first, quoted, keys between",
            "  - value: \"Sm4rt-Fake-Tok3n\"\n    description: injected\n    name: \"API_TOKEN\"\n  - name: MODE\n"
            "    value: fast\n",
            "Sm4rt-Fake-Tok3n", "value: fast" },
        { "env json single line",
            R"("env":[{"name":"LOG_LEVEL","value":"info"},{"name":"STRIPE_SECRET","value":"fake-stripe-env-value"}])",
            "fake-stripe-env-value", R"("value":"info")" },
        { "env json pretty",
            "\"env\": [\n    {\n        \"name\": \"REDIS_PASSWORD\",\n        \"value\": \"r3dis-fake-pw-771\"\n"
            "    }\n]\n",
            "r3dis-fake-pw-771", "REDIS_PASSWORD" },
        // kubectl apply keeps the whole Secret in an annotation: JSON inside a JSON string.
        { "secret in last-applied annotation",
            "    \"metadata\": {\n        \"annotations\": {\n            "
            "\"kubectl.kubernetes.io/last-applied-configuration\": \"{\\\"apiVersion\\\":\\\"v1\\\",\\\"data\\\":"
            "{\\\".dockerconfigjson\\\":\\\"ZXNjYXBlZC1mYWtlLXNlY3JldA==\\\"},\\\"kind\\\":\\\"Secret\\\"}\\n\"\n"
            "        },\n",
            "ZXNjYXBlZC1mYWtlLXNlY3JldA==", "dockerconfigjson" },
        { "password in escaped json", R"(level=info msg="{\"user\":\"app\",\"password\":\"Esc-Fake-Pw1\"}")",
            "Esc-Fake-Pw1", R"(\"user\":\"app\")" },
        // Command lines and env listings.
        { "aws secret key spaced",
            "AWS_SECRET_ACCESS_KEY    wJalrXUtnFAKE/K7MDENG/bPxRfiCYFAKEKEYX1\nAWS_REGION eu-west-1",
            "wJalrXUtnFAKE/K7MDENG/bPxRfiCYFAKEKEYX1", "AWS_REGION eu-west-1" },
        { "curl -u", "curl -u admin:Curl-Fake-Pw1 https://grafana.example.test/api/health", "Curl-Fake-Pw1", "admin:" },
        { "curl --user", "curl -sS --user deploy:Curl-Fake-Pw2 -X POST https://ci.example.test", "Curl-Fake-Pw2",
            "-X POST" },
        { "curl --user=", "curl --user='deploy:Curl-Fake-Pw3' https://ci.example.test", "Curl-Fake-Pw3", "deploy:" },
        { "redis-cli -a", "redis-cli -h cache -a R3dis-Fake-Pw --no-auth-warning ping", "R3dis-Fake-Pw",
            "--no-auth-warning ping" },
        { "redis-cli --pass", "redis-cli --pass R3dis-Fake-Pw2 ping", "R3dis-Fake-Pw2", "ping" },
        { "mysql -p", "mysql -h orders-db -u app -pMy-Fake-Pw9 orders", "My-Fake-Pw9", "orders-db -u app" },
        { "mysqldump --password=", "mysqldump --password=Dump-Fake-Pw8 orders", "Dump-Fake-Pw8", "orders" },
        { "sshpass -p", "sshpass -p 'Ssh-Fake-Pw3' ssh deploy@bastion", "Ssh-Fake-Pw3", "ssh deploy@bastion" },
        // More gitleaks / detect-secrets formats.
        { "stripe webhook secret", "signing with whsec_Fak3Fak3Fak3Fak3Fak3Fak3Fak3Fak3 now",
            "Fak3Fak3Fak3Fak3Fak3Fak3Fak3Fak3", "whsec_" },
        { "npm token", "published by npm_FakeNpmToken0123456789abcdefghijKLMN today",
            "FakeNpmToken0123456789abcdefghijKLMN", "npm_" },
        { "gitlab pat", "glpat-Fake_Gitlab-Token12345 expires", "Fake_Gitlab-Token12345", "glpat-" },
        { "sendgrid key", "SG.FakeSendGridKey0123456.FakeSendGridSecretPart0123456789abcdefghijk",
            "FakeSendGridSecretPart0123456789", "SG." },
        { "twilio api key", "twilio key SK0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef",
            "twilio key SK" },
        { "vault token", "VAULT_ADDR set; hvs.CAESIFakeVaultToken0123456789abcdef",
            "CAESIFakeVaultToken0123456789abcdef", "hvs." },
        { "grafana service account", "glsa_FakeGrafanaServiceAccount0123456_0a1b2c3d",
            "FakeGrafanaServiceAccount0123456", "glsa_" },
        { "hugging face token", "hf_FakeHuggingFaceTokenabcdefghijklmn", "FakeHuggingFaceTokenabcdefghijklmn", "hf_" },
        { "digitalocean token", "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "0123456789abcdef0123456789abcdef0123456789abcdef", "dop_v1_" },
        { "azure storage connection string",
            "DefaultEndpointsProtocol=https;AccountName=fakeacct;AccountKey=RmFrZUF6dXJlU3RvcmFnZUtleQ+/fake==;"
            "EndpointSuffix=core.windows.net",
            "RmFrZUF6dXJlU3RvcmFnZUtleQ", "EndpointSuffix=core.windows.net" },
        { "pgp private key block",
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBFakePgpKeyBody0123\n=FaKe\n-----END PGP PRIVATE KEY "
            "BLOCK-----",
            "FakePgpKeyBody0123", "END PGP PRIVATE KEY BLOCK" },
        { "ssh2 private key",
            "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: "
            "\"fake\"\nP2/56wAAAi4AAAA3aWYtbW9kbnx7c2lnbi1mYWtlfQ==\n"
            "---- END SSH2 ENCRYPTED PRIVATE KEY ----",
            "P2/56wAAAi4AAAA3aWYtbW9kbnx7c2lnbi1mYWtl", "END SSH2 ENCRYPTED PRIVATE KEY" },
        { "putty private key",
            "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: fake\nPublic-Lines: 1\nAAAAB3NzaC1yc2EFAKE\n"
            "Private-Lines: 2\nAAABAFakePuttyPrivateLine1\nAAABAFakePuttyPrivateLine2\nPrivate-MAC: 0123abcd",
            "FakePuttyPrivateLine2", "Private-MAC" },
    };
    return samples;
}

inline const std::vector<std::string>& nearMisses()
{
    static const std::vector<std::string> texts {
        "Memory grows 84 MiB/h without traffic growth; the key cache has no TTL.",
        "kubectl set resources deployment/checkout -n production --limits=memory=4Gi",
        "-    memory: 2Gi\n+    memory: 4Gi\n",
        "AKIA1234 is too short, akiaz2f4h6j8k0l2n4p6 is lower case",
        "AKIAZ2F4H6J8K0L2N4P6Q8R0 is too long for an access key id",
        "ghp_tooShort123 and gho_ and github_pat_short",
        "sk_live_abc and sk_live in prose",
        "xoxb-123 and xoxb-",
        "AIzaTooShort",
        "eyes.eyebrow.eyelash and eyJhbGc.eyJzdWI",
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n",
        "https://example.com:8443/path?q=1 and https://user@host/x",
        "token_count: 42\nmax_tokens=500\nsecretName: db-credentials\nsecretKeyRef:\n  name: db\n",
        "passwordPolicy: strict\ntokenizer: bpe\nkeyboard: us",
        "kind: ConfigMap\ndata:\n  log_level: debug\n",
        // A ConfigMap's data is not a Secret's, whatever order kubectl prints it in.
        "{\n    \"apiVersion\": \"v1\",\n    \"data\": {\n        \"app.properties\": \"bG9nLmxldmVsPWRlYnVn\",\n"
        "        \"log_level\": \"debug\"\n    },\n    \"kind\": \"ConfigMap\"\n}\n",
        "apiVersion: v1\ndata:\n  ca.crt: TUlJQnN6Q0NBVm1nQXdJQkFnSVVR\n  log_level: debug\nkind: ConfigMap\n",
        "data: {ca.crt: TUlJQnN6Q0NBVm1nQXdJQkFnSVVR}\nkind: ConfigMap\n",
        // Env entries whose names are not secrets, references to Secrets, resource names, images.
        "- name: LOG_LEVEL\n  value: debug\n- name: TOKEN_COUNT\n  value: \"42\"\n",
        R"([{"name":"LOG_LEVEL","value":"debug"},{"name":"PASSWORD_POLICY","value":"strict"}])",
        "- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db\n      key: password\n",
        "metadata:\n  name: db-password\n  namespace: production\nspec:\n  image: ghcr.io/acme/token-service:v1.4.2\n",
        R"("last-applied": "{\"apiVersion\":\"v1\",\"data\":{\"app.properties\":\"bG9nLmxldmVsPWRlYnVn\"},\"kind\":\"ConfigMap\"}\n")",
        // Command lines without a password on them.
        "docker run -u 1000:1000 app && ps -u root && git push -u origin main",
        "mysql -h orders-db -u app -p orders\nredis-cli -h cache ping\nsshpass -e ssh host",
        "curl -u admin https://grafana.example.test && curl --user-agent x:y https://a.test",
        "TOKEN EXPIRED at 10:42\nPASSWORD_POLICY   strict-mode-2\nAPI_TOKEN    <set to the key 'token' in secret "
        "'api'>",
        "SKIP 0123456789abcdef0123456789abcdef and hvs.short and npm_short and whsec_short",
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n",
        "the Authorization header is missing; the bearer of bad news",
        "password: ***\ntoken: null\nsecret: ${DB_SECRET}",
        "data:image/"
        "png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    };
    return texts;
}

} // namespace leakdesk::test
