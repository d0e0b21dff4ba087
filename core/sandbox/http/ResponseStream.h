#pragma once
// A response body written over time, as a watch needs: the HttpServer has sent the head, the
// handler's producer writes each piece as it happens, and finish() ends the body. Over HTTP/1.1 the
// body is chunked and the connection serves its next request afterwards; an HTTP/1.0 client gets
// the raw body ended by closing the connection. The stream is a child of the socket: when the
// client goes away it is destroyed, and so is whatever the producer parented to it.

#include <QByteArray>
#include <QObject>
#include <QPointer>

#include <functional>

class QTcpSocket;

namespace leakdesk::sandbox {

class ResponseStream : public QObject {
    Q_OBJECT
public:
    ResponseStream(QTcpSocket* socket, bool chunked, std::function<void()> onFinished);

    bool isOpen() const; // false once finished or the client has gone
    // One piece of the body (an empty one is ignored: it would end a chunked body).
    void write(const QByteArray& data);
    // Ends the body; the stream deletes itself (and its children) afterwards.
    void finish();
    // Written but not yet handed to the network: producers can hold back while it grows.
    qint64 pendingBytes() const;

private:
    QPointer<QTcpSocket> m_socket;
    bool m_chunked = true;
    bool m_finished = false;
    std::function<void()> m_onFinished;
};

} // namespace leakdesk::sandbox
