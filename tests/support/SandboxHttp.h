#pragma once
// Raw HTTP/1.1 over a loopback socket, for the tests of the sandbox's own servers: what goes on the
// wire is exactly what the test wrote, and every answer is read back with its status, headers and
// body (Content-Length framed, as the sandbox answers everything but a watch). Also the IPs of an
// Endpoints object, which the relabelling tests follow.
// Header-only: only tests that already link the sandbox include it.

#include "core/sandbox/SandboxHost.h"

#include <QByteArray>
#include <QFile>
#include <QHostAddress>
#include <QString>
#include <QTcpSocket>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace leakdesk::test {

struct HttpReply {
    int status = 0; // 0: no complete answer
    QByteArray headers; // the status line and headers, without the blank line
    QByteArray body;
    nlohmann::json doc() const { return nlohmann::json::parse(body.toStdString(), nullptr, false); }
};

// Parses one response from the start of `data`; how many bytes it used (0 when incomplete).
inline qsizetype parseHttpReply(const QByteArray& data, HttpReply& r)
{
    const qsizetype headEnd = data.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return 0;
    qsizetype length = 0;
    for (const QByteArray& line : data.left(headEnd).split('\n'))
        if (line.toLower().startsWith("content-length:"))
            length = line.mid(15).trimmed().toLongLong();
    if (data.size() < headEnd + 4 + length)
        return 0;
    r.headers = data.left(headEnd);
    r.status = data.mid(9, 3).toInt();
    r.body = data.mid(headEnd + 4, length);
    return headEnd + 4 + length;
}

// The responses in `data`, in order (pipelined answers); stops at the first incomplete one.
inline std::vector<HttpReply> parseHttpReplies(const QByteArray& data)
{
    std::vector<HttpReply> out;
    qsizetype at = 0;
    HttpReply r;
    while (const qsizetype used = parseHttpReply(data.mid(at), r)) {
        out.push_back(r);
        at += used;
    }
    return out;
}

// One request on a new connection to 127.0.0.1:`port`, blocking until its answer: only for a server
// on another thread (SandboxHost runs its own). `headers` are whole lines ("Name: value\r\n").
inline HttpReply httpRequest(quint16 port, const QByteArray& method, const QByteArray& target,
    const QByteArray& headers = {}, const QByteArray& body = {})
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!s.waitForConnected(5000))
        return {};
    QByteArray req = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers;
    if (!body.isEmpty())
        req += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    s.write(req + "\r\n" + body);
    QByteArray data;
    HttpReply r;
    while (parseHttpReply(data, r) == 0 && s.waitForReadyRead(10000))
        data += s.readAll();
    return r;
}

// A SandboxHost's two servers as raw HTTP reaches them.
struct SandboxHttpPorts {
    quint16 kube = 0;
    quint16 prometheus = 0;
    QByteArray auth; // "Authorization: Bearer <the admin's token>\r\n", from the kubeconfig
};

// Starts `host` with `options` (pin its clock: fixedNowMs); empty when it serves, otherwise why not.
inline QString startForRawHttp(
    sandbox::SandboxHost& host, const sandbox::SandboxOptions& options, SandboxHttpPorts& ports)
{
    if (const auto started = host.start(options); !started)
        return QString::fromStdString(started.error().toString());
    ports.kube = quint16(host.kubeUrl().port());
    ports.prometheus = quint16(host.prometheusUrl().port());
    QFile f(host.kubeconfigPath());
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("cannot read the sandbox's kubeconfig %1").arg(host.kubeconfigPath());
    const QByteArray kubeconfig = f.readAll();
    const qsizetype at = kubeconfig.indexOf("token: ");
    if (at <= 0)
        return QStringLiteral("no token in the sandbox's kubeconfig");
    ports.auth = "Authorization: Bearer " + kubeconfig.mid(at + 7, kubeconfig.indexOf('\n', at) - at - 7) + "\r\n";
    return {};
}

// Starts `host` with `seed` and its clock pinned at `nowMs`; empty when it serves, otherwise why not.
inline QString startForRawHttp(sandbox::SandboxHost& host, quint64 seed, qint64 nowMs, SandboxHttpPorts& ports)
{
    sandbox::SandboxOptions options;
    options.seed = seed;
    options.fixedNowMs = nowMs;
    return startForRawHttp(host, options, ports);
}

// The IPs an Endpoints object lists under `list` ("addresses" or "notReadyAddresses").
inline std::vector<std::string> endpointIps(const nlohmann::json& endpoints, const char* list = "addresses")
{
    std::vector<std::string> out;
    for (const nlohmann::json& subset : endpoints.value("subsets", nlohmann::json::array()))
        for (const nlohmann::json& a : subset.value(list, nlohmann::json::array()))
            out.push_back(a.value("ip", ""));
    return out;
}

inline bool contains(const std::vector<std::string>& values, const std::string& value)
{
    return std::find(values.begin(), values.end(), value) != values.end();
}

} // namespace leakdesk::test
