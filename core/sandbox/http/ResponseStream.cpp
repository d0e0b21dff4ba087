#include "core/sandbox/http/ResponseStream.h"

#include <QTcpSocket>

namespace leakdesk::sandbox {

ResponseStream::ResponseStream(QTcpSocket* socket, bool chunked, std::function<void()> onFinished)
    : QObject(socket)
    , m_socket(socket)
    , m_chunked(chunked)
    , m_onFinished(std::move(onFinished))
{ }

bool ResponseStream::isOpen() const
{
    return !m_finished && m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

void ResponseStream::write(const QByteArray& data)
{
    if (!isOpen() || data.isEmpty())
        return;
    if (m_chunked)
        m_socket->write(QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n");
    else
        m_socket->write(data);
}

void ResponseStream::finish()
{
    if (m_finished)
        return;
    const bool open = isOpen();
    m_finished = true;
    if (open && m_chunked)
        m_socket->write("0\r\n\r\n");
    if (open && m_onFinished)
        m_onFinished();
    deleteLater();
}

qint64 ResponseStream::pendingBytes() const
{
    return m_socket ? m_socket->bytesToWrite() : 0;
}

} // namespace leakdesk::sandbox
