// Prometheus API answers as the witness tests compare them: one GET (or POST) on a local event
// loop, and a result (vector or matrix) as labels -> (time -> value).
// Header-only: the tests that use it link QtNetwork and nlohmann_json already.
#pragma once

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QUrl>

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <string>

namespace leakdesk::test {

struct PromFetched {
    int status = 0;
    nlohmann::json body; // discarded when the body is no JSON
};

// GET `url`, or POST `postBody` as text/plain when given.
inline PromFetched promFetch(QNetworkAccessManager& nam, const QUrl& url, const QByteArray* postBody = nullptr)
{
    QNetworkRequest req(url);
    req.setTransferTimeout(180000);
    if (postBody)
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("text/plain"));
    QNetworkReply* reply = postBody ? nam.post(req, *postBody) : nam.get(req);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    PromFetched f;
    f.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    f.body = nlohmann::json::parse(reply->readAll().toStdString(), nullptr, false);
    reply->deleteLater();
    return f;
}

// metric labels as text -> (timestamp in ms -> value)
using PromMatrix = std::map<std::string, std::map<qint64, double>>;

// `data` of a query or query_range answer (vector or matrix) as a PromMatrix.
inline PromMatrix promMatrix(const nlohmann::json& data)
{
    PromMatrix m;
    for (const auto& series : data["result"]) {
        auto& points = m[series["metric"].dump()];
        const nlohmann::json values
            = series.contains("values") ? series["values"] : nlohmann::json::array({ series["value"] });
        for (const auto& v : values)
            points[std::llround(v[0].get<double>() * 1000.0)] = std::stod(v[1].get<std::string>());
    }
    return m;
}

} // namespace leakdesk::test
