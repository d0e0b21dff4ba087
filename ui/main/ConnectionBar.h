#pragma once
// The strip at the top of the main window: context, namespace and service pickers, and the
// state of the cluster and Prometheus connections (auth method, TLS, versions or errors).

#include "ui/investigation/InvestigationController.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;

namespace leakdesk::ui {

class ElidedLabel;

class ConnectionBar : public QWidget {
    Q_OBJECT
public:
    explicit ConnectionBar(QWidget* parent = nullptr);

    void setState(const ConnectionState& state, const QStringList& contexts);
    void setNamespaces(const QStringList& namespaces, const QString& preferred);
    void setServices(const QStringList& services, const QString& preferred = {});
    void setBusy(bool busy, const QString& stage);

    QString currentNamespace() const;
    QString currentService() const;
    QString currentWorkload() const; // as picked: a Service's name, or "Kind/name"
    QComboBox* serviceBox() const { return m_service; }
    QComboBox* namespaceBox() const { return m_namespace; }
    QComboBox* contextBox() const { return m_context; }
    QString kubeStatusText() const;

Q_SIGNALS:
    void contextSelected(const QString& context);
    void namespaceSelected(const QString& ns);
    void serviceSelected(const QString& service);
    void refreshRequested();

private:
    QComboBox* m_context;
    QComboBox* m_namespace;
    QComboBox* m_service;
    QLabel* m_kubeDot;
    ElidedLabel* m_kubeStatus;
    QLabel* m_promDot;
    ElidedLabel* m_promStatus;
    ElidedLabel* m_busy;
    QPushButton* m_refresh;
    bool m_updating = false;
};

} // namespace leakdesk::ui
