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
            "token.b64" },
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
        "the Authorization header is missing; the bearer of bad news",
        "password: ***\ntoken: null\nsecret: ${DB_SECRET}",
        "data:image/"
        "png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    };
    return texts;
}

} // namespace leakdesk::test
