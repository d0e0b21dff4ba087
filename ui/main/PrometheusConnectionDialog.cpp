#include "ui/main/PrometheusConnectionDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace leakdesk::ui {

namespace {

QTableWidget* pairTable(const QString& left, const QString& right, QWidget* parent)
{
    auto* table = new QTableWidget(0, 2, parent);
    table->setHorizontalHeaderLabels({ left, right });
    table->horizontalHeader()->setStretchLastSection(true);
    table->verticalHeader()->hide();
    table->setMinimumHeight(90);
    return table;
}

// A table with Add/Remove buttons under it.
QWidget* withButtons(QTableWidget* table, QWidget* parent)
{
    auto* box = new QWidget(parent);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(table);
    auto* buttons = new QHBoxLayout;
    auto* add = new QPushButton(QObject::tr("Add"), box);
    auto* remove = new QPushButton(QObject::tr("Remove"), box);
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch();
    layout->addLayout(buttons);
    QObject::connect(add, &QPushButton::clicked, table, [table] {
        PrometheusConnectionDialog::addRow(table, {}, {});
        table->editItem(table->item(table->rowCount() - 1, 0));
    });
    QObject::connect(remove, &QPushButton::clicked, table, [table] {
        if (table->currentRow() >= 0)
            table->removeRow(table->currentRow());
    });
    return box;
}

QString cellText(const QTableWidget* table, int row, int column)
{
    const QTableWidgetItem* item = table->item(row, column);
    return item ? item->text() : QString();
}

// A file chooser beside a line edit.
QWidget* withBrowse(QLineEdit* edit, const QString& title, QWidget* parent)
{
    auto* box = new QWidget(parent);
    auto* layout = new QHBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit);
    auto* browse = new QPushButton(QObject::tr("Browse…"), box);
    layout->addWidget(browse);
    QObject::connect(browse, &QPushButton::clicked, edit, [edit, title] {
        const QString file = QFileDialog::getOpenFileName(edit, title, edit->text());
        if (!file.isEmpty())
            edit->setText(file);
    });
    return box;
}

} // namespace

PrometheusConnectionDialog::PrometheusConnectionDialog(
    QString configPath, const QStringList& contexts, const QString& context, QWidget* parent)
    : QDialog(parent)
    , m_path(std::move(configPath))
    , m_context(new QComboBox(this))
    , m_url(new QLineEdit(this))
    , m_headers(pairTable(tr("Header"), tr("Value"), this))
    , m_params(pairTable(tr("Parameter"), tr("Value"), this))
    , m_tokenFile(new QLineEdit(this))
    , m_caFile(new QLineEdit(this))
    , m_insecure(new QCheckBox(tr("Do not verify the certificate (test servers only)"), this))
    , m_error(new QLabel(this))
{
    setWindowTitle(tr("Prometheus connection"));
    auto* form = new QFormLayout;
    m_context->setEditable(true);
    m_url->setPlaceholderText(
        QStringLiteral("https://prometheus.example:9090  or  k8s://monitoring/prometheus-k8s:9090"));
    m_tokenFile->setPlaceholderText(tr("file holding a bearer token (re-read when it changes)"));
    m_caFile->setPlaceholderText(tr("PEM file of the CA (default: the system's)"));
    form->addRow(tr("Kube context:"), m_context);
    form->addRow(tr("Prometheus URL:"), m_url);
    form->addRow(tr("Headers:"), withButtons(m_headers, this));
    form->addRow(tr("Parameters:"), withButtons(m_params, this));
    form->addRow(tr("Token file:"), withBrowse(m_tokenFile, tr("Bearer token file"), this));
    form->addRow(tr("CA file:"), withBrowse(m_caFile, tr("Prometheus CA (PEM)"), this));
    form->addRow(QString(), m_insecure);
    auto* note = new QLabel(
        tr("Saved in %1 (only you can read it). Command-line options override it.").arg(m_path.toHtmlEscaped()), this);
    note->setWordWrap(true);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b00020"));
    m_error->hide();
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &PrometheusConnectionDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    auto file = prometheus::loadPromConfig(m_path);
    if (file) {
        m_file = std::move(file).value();
    } else {
        // Shown, and Save refuses to overwrite a file it could not read.
        m_error->setText(QString::fromStdString(file.error().toString()));
        m_error->show();
        buttons->button(QDialogButtonBox::Save)->setEnabled(false);
    }
    QStringList names = contexts;
    for (const auto& [name, entry] : m_file.contexts)
        if (!names.contains(QString::fromStdString(name)))
            names << QString::fromStdString(name);
    m_context->addItems(names);
    m_context->setCurrentText(context);
    load(context);
    connect(m_context, &QComboBox::currentTextChanged, this, &PrometheusConnectionDialog::load);
}

void PrometheusConnectionDialog::addRow(QTableWidget* table, const QString& name, const QString& value)
{
    const int row = table->rowCount();
    table->insertRow(row);
    table->setItem(row, 0, new QTableWidgetItem(name));
    table->setItem(row, 1, new QTableWidgetItem(value));
}

void PrometheusConnectionDialog::load(const QString& context)
{
    const auto it = m_file.contexts.find(context.toStdString());
    const prometheus::PromContextSettings s
        = it == m_file.contexts.end() ? prometheus::PromContextSettings {} : it->second;
    m_url->setText(s.url);
    m_headers->setRowCount(0);
    for (const auto& h : s.headers)
        addRow(m_headers, QString::fromUtf8(h.name), QString::fromUtf8(h.value));
    m_params->setRowCount(0);
    for (const auto& p : s.params)
        addRow(m_params, p.key, p.value);
    m_tokenFile->setText(s.tokenFile);
    m_caFile->setText(s.caFile);
    m_insecure->setChecked(s.insecureSkipTlsVerify);
}

QString PrometheusConnectionDialog::context() const
{
    return m_context->currentText().trimmed();
}

Result<prometheus::PromContextSettings> PrometheusConnectionDialog::settings() const
{
    prometheus::PromContextSettings s;
    const auto it = m_file.contexts.find(context().toStdString());
    if (it != m_file.contexts.end())
        s.metrics = it->second.metrics; // not edited here; kept
    s.url = m_url->text().trimmed();
    if (!s.url.isEmpty()) {
        if (auto problem = prometheus::promUrlProblem(s.url))
            return makeError(ErrorCode::Config, "the Prometheus URL " + *problem);
    }
    for (int row = 0; row < m_headers->rowCount(); ++row) {
        const QString name = cellText(m_headers, row, 0).trimmed();
        const QString value = cellText(m_headers, row, 1);
        if (name.isEmpty() && value.isEmpty())
            continue;
        prometheus::PromHeader h { name.toUtf8(), value.trimmed().toUtf8() };
        if (auto bad = prometheus::checkPromHeader(h, "the headers table"))
            return *bad;
        s.headers.push_back(std::move(h));
    }
    for (int row = 0; row < m_params->rowCount(); ++row) {
        const QString key = cellText(m_params, row, 0).trimmed();
        const QString value = cellText(m_params, row, 1);
        if (key.isEmpty() && value.isEmpty())
            continue;
        prometheus::PromParam p { key, value };
        if (auto bad = prometheus::checkPromParam(p, "the parameters table"))
            return *bad;
        s.params.push_back(std::move(p));
    }
    s.tokenFile = m_tokenFile->text().trimmed();
    s.caFile = m_caFile->text().trimmed();
    s.insecureSkipTlsVerify = m_insecure->isChecked();
    if (!s.caFile.isEmpty() && s.insecureSkipTlsVerify)
        return makeError(ErrorCode::Config, "a CA file and not verifying the certificate exclude each other",
            "keep the CA, or (for a test server only) clear it");
    return s;
}

void PrometheusConnectionDialog::accept()
{
    auto fail = [this](const Error& e) {
        m_error->setText(QString::fromStdString(e.toString()));
        m_error->show();
    };
    if (context().isEmpty())
        return fail(makeError(ErrorCode::Config, "no kube context named", "pick or type the context"));
    auto s = settings();
    if (!s)
        return fail(s.error());
    // Read again: another LeakDesk (or an editor) may have changed other entries meanwhile.
    auto onDisk = prometheus::loadPromConfig(m_path);
    if (!onDisk)
        return fail(onDisk.error());
    const auto it = onDisk->contexts.find(context().toStdString());
    if (it != onDisk->contexts.end())
        s->metrics = it->second.metrics;
    onDisk->contexts[context().toStdString()] = *s;
    if (auto st = prometheus::savePromConfig(m_path, *onDisk); !st)
        return fail(st.error());
    m_file = std::move(onDisk).value();
    m_saved = *s;
    QDialog::accept();
}

investigation::ConnectionOptions withPrometheusSettings(
    investigation::ConnectionOptions options, const prometheus::PromContextSettings& settings)
{
    if (!settings.url.isEmpty())
        options.prometheusUrl = QUrl(settings.url);
    options.prometheusHeaders = settings.headers;
    options.prometheusParams = settings.params;
    options.prometheusToken.clear();
    options.prometheusTokenFile = settings.tokenFile;
    options.prometheusCaFile = settings.caFile;
    options.prometheusInsecureSkipTlsVerify = settings.insecureSkipTlsVerify;
    options.metricOverrides = settings.metrics;
    return options;
}

} // namespace leakdesk::ui
