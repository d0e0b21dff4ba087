// leakdesk-cli export FILE --format md|html|pdf|json [--out PATH] [--redact] [--timezone ZONE]
// Turns an incident file into the report a responder hands over.
#include "CliCommand.h"

#include "core/incident/IncidentExport.h"
#include "core/incident/IncidentStore.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QTextStream>
#include <QTimeZone>

#include <cstdio>

namespace leakdesk::cli {

int runExportCommand(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Export an incident (.leakdesk) as a report: Markdown (charts as PNG files next to it), self-contained HTML, "
        "PDF or JSON."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("The incident file."));
    const QCommandLineOption formatOpt(QStringLiteral("format"), QStringLiteral("md, html, pdf or json (default md)."),
        QStringLiteral("FMT"), QStringLiteral("md"));
    const QCommandLineOption outOpt(QStringLiteral("out"),
        QStringLiteral("Where to write (default: FILE with the format's suffix; '-' prints md, html or json)."),
        QStringLiteral("PATH"));
    const QCommandLineOption redactOpt(QStringLiteral("redact"),
        QStringLiteral("Replace pod, namespace, node, image and cluster names by consistent aliases."));
    const QCommandLineOption zoneOpt(QStringLiteral("timezone"),
        QStringLiteral("Zone of the local-time column, e.g. Europe/Berlin (default: this machine's)."),
        QStringLiteral("ZONE"));
    parser.addOptions({ formatOpt, outOpt, redactOpt, zoneOpt });
    if (const auto exit = parseOrExit(parser, QStringLiteral("export"), args))
        return *exit;
    if (parser.positionalArguments().size() != 1) {
        printError(QStringLiteral("export needs exactly one incident file"),
            QStringLiteral("e.g. leakdesk-cli export incident.leakdesk --format html"));
        return 2;
    }
    const auto format = incident::exportFormatFromName(parser.value(formatOpt).toStdString());
    if (!format) {
        printError(QStringLiteral("unknown format '%1'").arg(parser.value(formatOpt)),
            QStringLiteral("use md, html, pdf or json"));
        return 2;
    }
    incident::ExportOptions options;
    options.redact = parser.isSet(redactOpt);
    if (parser.isSet(zoneOpt)) {
        const QTimeZone zone(parser.value(zoneOpt).toUtf8());
        if (!zone.isValid()) {
            printError(QStringLiteral("unknown time zone '%1'").arg(parser.value(zoneOpt)),
                QStringLiteral("use an IANA name such as Europe/Berlin or UTC"));
            return 2;
        }
        options.localZone = zone;
    }

    const QString file = parser.positionalArguments().first();
    incident::LoadFailure failure;
    auto doc = incident::readIncidentFile(file, &failure);
    if (!doc) {
        QString hint = QString::fromStdString(doc.error().detail);
        if (failure.backupLoadable)
            hint += QStringLiteral("\n  to export the last good autosave: leakdesk-cli export %1 --format %2")
                        .arg(failure.backupPath, parser.value(formatOpt));
        printError(QString::fromStdString(doc.error().message), hint);
        return 1;
    }

    const QString out = parser.value(outOpt);
    if (out == QLatin1String("-")) {
        QByteArray bytes;
        if (*format == incident::ExportFormat::Pdf) {
            printError(
                QStringLiteral("a PDF cannot be printed to the terminal"), QStringLiteral("give --out FILE.pdf"));
            return 2;
        }
        if (*format == incident::ExportFormat::Html) {
            auto html = incident::renderHtml(*doc, options);
            if (!html) {
                printError(QString::fromStdString(html.error().message), QString::fromStdString(html.error().detail));
                return 1;
            }
            bytes = *html;
        } else {
            auto text = *format == incident::ExportFormat::Json ? incident::renderJson(*doc, options)
                                                                : incident::renderMarkdown(*doc, options);
            if (!text) {
                printError(QString::fromStdString(text.error().message), QString::fromStdString(text.error().detail));
                return 1;
            }
            bytes = QByteArray::fromStdString(*text);
        }
        std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stdout);
        return 0;
    }
    QString target = out;
    if (target.isEmpty()) {
        const QFileInfo info(file);
        target = info.dir().filePath(info.completeBaseName() + QLatin1String(incident::exportFormatSuffix(*format)));
    }
    auto written = incident::writeIncidentExport(*doc, *format, target, options);
    if (!written) {
        printError(QString::fromStdString(written.error().message), QString::fromStdString(written.error().detail));
        return 1;
    }
    QTextStream s(stdout);
    for (const QString& w : *written)
        s << w << '\n';
    return 0;
}

} // namespace leakdesk::cli
