// A blocking HTTP POST of a text body for tests and benches that load a real server (e.g.
// VictoriaMetrics' import API). Header-only: the caller already links QtNetwork.
#pragma once

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>

namespace leakdesk::test {

struct Posted {
    int status = 0; // 0 when no HTTP answer came
    QByteArray body;
};

// Waits at most `transferTimeoutMs` for the whole exchange.
inline Posted postText(QNetworkAccessManager& nam, const QUrl& url, const QByteArray& body, int transferTimeoutMs)
{
    QNetworkRequest req(url);
    req.setTransferTimeout(transferTimeoutMs);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("text/plain"));
    QNetworkReply* reply = nam.post(req, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    Posted p { reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll() };
    reply->deleteLater();
    return p;
}

} // namespace leakdesk::test
