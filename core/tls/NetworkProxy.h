#pragma once
// Which proxy a connection to the API server or Prometheus goes through: the kubeconfig cluster's
// `proxy-url` (as kubectl: http://, https:// is refused for now, socks5://), else HTTPS_PROXY /
// HTTP_PROXY with NO_PROXY (upper case first, then lower case, as Go's net/http and so kubectl
// read them).
//
// NO_PROXY: comma-separated; `*` matches everything; `example.com` matches it and its subdomains;
// `.example.com` and `*.example.com` its subdomains and itself (curl's reading, which users
// expect more than Go's); an IP matches that address; a CIDR (10.0.0.0/8, fd00::/8) every
// address in it; `name:port` only that port.
//
// Loopback: a target on this machine (127.0.0.0/8, ::1, localhost) goes through a proxy only when
// the proxy is on this machine too. A remote proxy cannot reach our loopback (Go and Qt never
// proxy loopback at all); a local one can (an ssh tunnel, a local auth proxy), and the user who
// names one for a loopback target means it.
//
// Clients set the chosen proxy explicitly (QNetworkAccessManager::setProxy, QAbstractSocket::
// setProxy), never QNetworkProxy::DefaultProxy: Qt's application-wide lookup skips localhost and
// loopback addresses on its own and reads only some variables, so the rules above would not hold
// (and could not be tested on loopback). An explicit proxy is used as given.

#include "core/common/Result.h"

#include <QNetworkProxy>
#include <QString>
#include <QUrl>

#include <string>
#include <string_view>

namespace leakdesk::tls {

struct ProxyEnvironment {
    QString httpProxy; // HTTP_PROXY, else http_proxy
    QString httpsProxy; // HTTPS_PROXY, else https_proxy
    QString noProxy; // NO_PROXY, else no_proxy
    static ProxyEnvironment fromProcess();
};

// Whether NO_PROXY's list names `host` (a name or an IP literal, no brackets) on `port`.
bool noProxyMatches(const QString& noProxy, const QString& host, int port);

// A proxy URL as Qt's proxy: http://[user:pass@]host[:port] (host:port alone is http, port 80
// by default, as Go), socks5:// and socks5h:// (port 1080). `setting` names where it came from
// ("HTTPS_PROXY", "proxy-url of cluster 'prod' in kubeconfig ...").
Result<QNetworkProxy> proxyFromUrl(const QString& text, const std::string& setting);

// The proxy for a request to `target` under `env`: QNetworkProxy::NoProxy when no variable is set
// for its scheme, NO_PROXY matches, or the target is on this machine and the proxy is not.
Result<QNetworkProxy> proxyForUrl(const QUrl& target, const ProxyEnvironment& env);

// The same for a proxy named explicitly (a kubeconfig's proxy-url): applies to every target, as
// client-go does, except a loopback target with a proxy elsewhere.
QNetworkProxy proxyForTarget(const QUrl& target, const QNetworkProxy& proxy);

// "http://proxy.corp:3128" without user info: for messages.
std::string describeProxy(const QNetworkProxy& proxy);

} // namespace leakdesk::tls
