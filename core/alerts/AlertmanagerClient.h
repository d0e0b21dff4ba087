#pragma once
// Asynchronous client of the Alertmanager API v2: firing alerts, silences created, listed and
// expired. Its requests go through a prometheus::PromClient on a PromConnection whose setting names
// are --alertmanager's: the same bearer token (or token file), CA, extra headers, proxy rules,
// same-origin redirects (credentials never follow a redirect elsewhere), header values checked for
// line breaks, bounded answers and redaction, and the same service-proxy transport
// (investigation::serviceProxyConnection) when Alertmanager is reached inside the cluster.

#include "core/alerts/AlertmanagerApi.h"
#include "core/common/Result.h"
#include "core/prometheus/PromClient.h"

#include <QObject>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace leakdesk::alerts {

// What the user calls the connection's settings (leakdesk-cli's options).
prometheus::PromSettingNames alertmanagerSettingNames();

// GET /api/v2/alerts's parameters: matchers ANDed by the server ("namespace=\"storefront\""), and
// which alerts: active, silenced, inhibited, unprocessed (all by default).
struct AlertQuery {
    std::vector<SilenceMatcher> filter;
    bool active = true;
    bool silenced = true;
    bool inhibited = true;
    bool unprocessed = true;
};

class AlertmanagerClient : public QObject {
    Q_OBJECT
public:
    template<class T> using Callback = std::function<void(Result<T>)>;

    // `connection.settingNames` defaults to alertmanagerSettingNames() when it still names Prometheus.
    explicit AlertmanagerClient(prometheus::PromConnection connection, QObject* parent = nullptr);
    ~AlertmanagerClient() override;

    const prometheus::PromConnection& connection() const { return m_http->connection(); }
    std::string baseUrl() const; // for messages and records (no user info)
    std::optional<Error> configurationProblem() const { return m_http->configurationProblem(); }

    void alerts(const AlertQuery& query, QObject* context, Callback<std::vector<Alert>> done);
    void silences(QObject* context, Callback<std::vector<Silence>> done);
    void silence(const std::string& id, QObject* context, Callback<Silence> done);
    // POST /api/v2/silences; answers the new silence's id.
    void createSilence(const Silence& silence, QObject* context, Callback<std::string> done);
    // DELETE /api/v2/silence/{id}: the silence ends now (Alertmanager keeps it as expired).
    void expireSilence(const std::string& id, QObject* context, Callback<Ok> done);
    // GET /api/v2/status: the server's version ("0.25.0"), to tell an Alertmanager from anything else.
    void version(QObject* context, Callback<std::string> done);

private:
    // The body of a 2xx answer, or the error an answer of another status stands for.
    Result<QByteArray> checked(Result<QByteArray> body, int status, const std::string& what) const;

    std::unique_ptr<prometheus::PromClient> m_http;
};

} // namespace leakdesk::alerts
