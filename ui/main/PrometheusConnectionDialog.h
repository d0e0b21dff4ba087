#pragma once
// How to reach Prometheus for one kube context, edited in place of the config file
// (core/prometheus/PromConfigFile.h): URL, extra headers (a tenant), parameters (Thanos dedup),
// token file, CA or no verification. Saving writes the file atomically (0600), re-read first so
// the other contexts' entries, and this one's metric overrides, are kept as they are on disk.

#include "core/common/Result.h"
#include "core/investigation/ClusterConnection.h"
#include "core/prometheus/PromConfigFile.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableWidget;

namespace leakdesk::ui {

class PrometheusConnectionDialog : public QDialog {
    Q_OBJECT
public:
    // `contexts`: the kubeconfig's; the file's own are added. Opens on `context`.
    PrometheusConnectionDialog(
        QString configPath, const QStringList& contexts, const QString& context, QWidget* parent = nullptr);

    QString context() const;
    // The form as settings, checked as the config file's parser checks them (names, values, URL).
    Result<prometheus::PromContextSettings> settings() const;
    // What was saved by the last accept(): the context and its settings.
    const prometheus::PromContextSettings& saved() const { return m_saved; }

    QComboBox* contextBox() const { return m_context; }
    QLineEdit* urlEdit() const { return m_url; }
    QTableWidget* headersTable() const { return m_headers; }
    QTableWidget* paramsTable() const { return m_params; }
    QLineEdit* tokenFileEdit() const { return m_tokenFile; }
    QLineEdit* caFileEdit() const { return m_caFile; }
    QCheckBox* insecureBox() const { return m_insecure; }
    QLabel* errorLabel() const { return m_error; }

    // Appends a row (for tests and the Add buttons).
    static void addRow(QTableWidget* table, const QString& name, const QString& value);

    void accept() override; // saves; stays open with the reason when it cannot

private:
    void load(const QString& context);

    QString m_path;
    prometheus::PromConfig m_file; // as read when the dialog opened or the context changed
    prometheus::PromContextSettings m_saved;
    QComboBox* m_context;
    QLineEdit* m_url;
    QTableWidget* m_headers;
    QTableWidget* m_params;
    QLineEdit* m_tokenFile;
    QLineEdit* m_caFile;
    QCheckBox* m_insecure;
    QLabel* m_error;
};

// `options` with its Prometheus settings replaced by `settings` (the URL only when it names one),
// as the CLI applies the config file: for the GUI's context switch and after a save.
investigation::ConnectionOptions withPrometheusSettings(
    investigation::ConnectionOptions options, const prometheus::PromContextSettings& settings);

} // namespace leakdesk::ui
