#include "core/tls/NetworkProxy.h"

#include <QHostAddress>
#include <QStringList>

namespace leakdesk::tls {

namespace {

QString firstSet(const char* upper, const char* lower)
{
    const QString u = qEnvironmentVariable(upper);
    return u.isEmpty() ? qEnvironmentVariable(lower) : u;
}

bool isLoopbackHost(const QString& host)
{
    const QString h = host.toLower();
    if (h == QLatin1String("localhost") || h.endsWith(QLatin1String(".localhost")))
        return true;
    QHostAddress address;
    return address.setAddress(h) && address.isLoopback();
}

// "[::1]" -> "::1"; names lower-cased, a trailing dot dropped.
QString normalHost(QString host)
{
    host = host.trimmed().toLower();
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    if (host.endsWith(QLatin1Char('.')))
        host.chop(1);
    return host;
}

bool entryMatches(QString entry, const QString& host, int port)
{
    entry = entry.trimmed().toLower();
    if (entry.isEmpty())
        return false;
    if (entry == QLatin1String("*"))
        return true;
    QHostAddress hostAddress;
    const bool hostIsIp = hostAddress.setAddress(host);
    // CIDR
    if (entry.contains(QLatin1Char('/'))) {
        const auto subnet = QHostAddress::parseSubnet(entry);
        return hostIsIp && subnet.second >= 0 && !subnet.first.isNull() && hostAddress.isInSubnet(subnet);
    }
    // A port: "name:port", "[v6]:port", "1.2.3.4:port"; a bare IPv6 literal has colons but no port.
    int entryPort = -1;
    QString entryHost = entry;
    QHostAddress bare;
    if (!bare.setAddress(entry)) {
        const qsizetype colon = entry.lastIndexOf(QLatin1Char(':'));
        if (colon > 0 && (!entry.contains(QLatin1Char('[')) || entry.at(colon - 1) == QLatin1Char(']'))) {
            bool ok = false;
            entryPort = entry.mid(colon + 1).toInt(&ok);
            if (!ok)
                return false;
            entryHost = entry.left(colon);
        }
    }
    if (entryPort >= 0 && entryPort != port)
        return false;
    entryHost = normalHost(entryHost);
    QHostAddress entryAddress;
    if (entryAddress.setAddress(entryHost))
        return hostIsIp && entryAddress.isEqual(hostAddress, QHostAddress::TolerantConversion);
    if (entryHost.startsWith(QLatin1String("*.")))
        entryHost = entryHost.mid(1);
    if (entryHost.startsWith(QLatin1Char('.')))
        entryHost = entryHost.mid(1);
    if (entryHost.isEmpty() || hostIsIp)
        return false;
    return host == entryHost || host.endsWith(QLatin1Char('.') + entryHost);
}

int defaultPortOf(const QString& scheme)
{
    if (scheme == QLatin1String("https"))
        return 443;
    if (scheme == QLatin1String("http"))
        return 80;
    return -1;
}

} // namespace

ProxyEnvironment ProxyEnvironment::fromProcess()
{
    return { firstSet("HTTP_PROXY", "http_proxy"), firstSet("HTTPS_PROXY", "https_proxy"),
        firstSet("NO_PROXY", "no_proxy") };
}

bool noProxyMatches(const QString& noProxy, const QString& host, int port)
{
    const QString h = normalHost(host);
    const QStringList entries = noProxy.split(QLatin1Char(','), Qt::SkipEmptyParts);
    return std::any_of(entries.begin(), entries.end(), [&](const QString& e) { return entryMatches(e, h, port); });
}

Result<QNetworkProxy> proxyFromUrl(const QString& text, const std::string& setting)
{
    const QString trimmed = text.trimmed();
    // Go reads "proxy:3128" as http://proxy:3128.
    const QUrl url(
        trimmed.contains(QLatin1String("://")) ? trimmed : QStringLiteral("http://") + trimmed, QUrl::StrictMode);
    const std::string fix = "set " + setting + " to http://HOST:PORT or socks5://HOST:PORT";
    if (!url.isValid() || url.host().isEmpty())
        return makeError(ErrorCode::Config, "the proxy given with " + setting + " is not a URL with a host", fix);
    const QString scheme = url.scheme().toLower();
    QNetworkProxy proxy;
    if (scheme == QLatin1String("http")) {
        proxy = QNetworkProxy(QNetworkProxy::HttpProxy, url.host(), quint16(url.port(80)));
    } else if (scheme == QLatin1String("socks5") || scheme == QLatin1String("socks5h")) {
        proxy = QNetworkProxy(QNetworkProxy::Socks5Proxy, url.host(), quint16(url.port(1080)));
        // The proxy resolves names (socks5h, and socks5 too, as Go's SOCKS5 dialer sends names as they are).
        proxy.setCapabilities(proxy.capabilities() | QNetworkProxy::HostNameLookupCapability);
    } else if (scheme == QLatin1String("https")) {
        // TLS to the proxy itself (then CONNECT inside it): Qt's proxy support has no such mode.
        return makeError(ErrorCode::Unsupported,
            "the proxy " + url.toString(QUrl::RemoveUserInfo).toStdString() + " given with " + setting
                + " is an https:// proxy, which LeakDesk cannot use yet",
            "use the proxy's http:// or socks5:// address (a CONNECT tunnel still carries TLS end to end)");
    } else {
        return makeError(ErrorCode::Config,
            "the proxy given with " + setting + " has the scheme '" + scheme.toStdString() + "'", fix);
    }
    if (!url.userName().isEmpty()) {
        proxy.setUser(url.userName(QUrl::FullyDecoded));
        proxy.setPassword(url.password(QUrl::FullyDecoded));
    }
    return proxy;
}

QNetworkProxy proxyForTarget(const QUrl& target, const QNetworkProxy& proxy)
{
    if (proxy.type() == QNetworkProxy::NoProxy)
        return proxy;
    if (isLoopbackHost(target.host()) && !isLoopbackHost(proxy.hostName()))
        return QNetworkProxy(QNetworkProxy::NoProxy);
    return proxy;
}

Result<QNetworkProxy> proxyForUrl(const QUrl& target, const ProxyEnvironment& env)
{
    const QString scheme = target.scheme().toLower();
    const bool tls = scheme == QLatin1String("https") || scheme == QLatin1String("wss");
    const QString& given = tls ? env.httpsProxy : env.httpProxy;
    if (given.trimmed().isEmpty())
        return QNetworkProxy(QNetworkProxy::NoProxy);
    if (noProxyMatches(env.noProxy, target.host(),
            target.port(defaultPortOf(tls ? QStringLiteral("https") : QStringLiteral("http")))))
        return QNetworkProxy(QNetworkProxy::NoProxy);
    auto proxy = proxyFromUrl(given, tls ? "HTTPS_PROXY" : "HTTP_PROXY");
    if (!proxy)
        return proxy.error();
    return proxyForTarget(target, *proxy);
}

std::string describeProxy(const QNetworkProxy& proxy)
{
    switch (proxy.type()) {
    case QNetworkProxy::NoProxy:
    case QNetworkProxy::DefaultProxy:
        return "no proxy";
    case QNetworkProxy::Socks5Proxy:
        return "socks5://" + proxy.hostName().toStdString() + ":" + std::to_string(proxy.port());
    default:
        return "http://" + proxy.hostName().toStdString() + ":" + std::to_string(proxy.port());
    }
}

} // namespace leakdesk::tls
