// leakdesk-cli handover --incident F --out DIR: runbook step 6's hand-over from the incident's
// confirmed suspect: the regression test skeleton for the service's runtime, the alerting rules
// (a rules file, its promtool test, a PrometheusRule), written to DIR and recorded in the incident.
#include "CliCommand.h"

#include "core/handover/Handover.h"
#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentStore.h"

#include <QCommandLineParser>
#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>

#include <nlohmann/json.hpp>

#include <iostream>

namespace leakdesk::cli {

int runHandoverCommand(const QStringList& args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Runbook step 6: hand over a memory regression test (JUnit 5, node:test or Go testing, from the incident's "
        "top leak suspect) and alerting rules for the workload (memory predicted past its limit; OOM kills over the "
        "runbook's threshold) as a rules file, a promtool unit test and a PrometheusRule manifest. Writes them to "
        "--out and records them in the incident, whose report lists them."));
    p.addHelpOption();
    const QCommandLineOption incidentOpt(QStringLiteral("incident"),
        QStringLiteral("The incident file (with a heap analysis: leakdesk-cli heap suspects DUMP --incident FILE)."),
        QStringLiteral("FILE"));
    const QCommandLineOption outOpt(QStringLiteral("out"),
        QStringLiteral("The folder to write into (created when missing)."), QStringLiteral("DIR"));
    const QCommandLineOption runtimeOpt(QStringLiteral("runtime"),
        QStringLiteral("jvm, node or go (default: what the incident shows: heap dump format, capture, JVM metrics, "
                       "images)."),
        QStringLiteral("R"));
    const QCommandLineOption workloadOpt(QStringLiteral("workload"),
        QStringLiteral("KIND/NAME when the incident's evidence does not name it."), QStringLiteral("KIND/NAME"));
    const QCommandLineOption nsOpt({ QStringLiteral("n"), QStringLiteral("namespace") },
        QStringLiteral("The workload's namespace."), QStringLiteral("NS"));
    const QCommandLineOption containerOpt({ QStringLiteral("c"), QStringLiteral("container") },
        QStringLiteral("The leaking container (default: the evidence's main one)."), QStringLiteral("NAME"));
    const QCommandLineOption formatOpt(QStringLiteral("format"),
        QStringLiteral(
            "text (default), or json: {runtime, runtime_evidence, suspect, files: [{id, kind, path, sha256}]}."),
        QStringLiteral("FORMAT"), QStringLiteral("text"));
    p.addOptions({ incidentOpt, outOpt, runtimeOpt, workloadOpt, nsOpt, containerOpt, formatOpt });
    if (const auto exit = parseOrExit(p, QStringLiteral("handover"), args))
        return *exit;
    if (!p.isSet(incidentOpt) || !p.isSet(outOpt)) {
        printError(QStringLiteral("handover needs --incident FILE and --out DIR"),
            QStringLiteral("e.g. leakdesk-cli handover --incident checkout.leakdesk --out handover/"));
        return 2;
    }
    const QString format = p.value(formatOpt);
    if (format != QLatin1String("text") && format != QLatin1String("json")) {
        printError(QStringLiteral("unknown --format '%1'").arg(format), QStringLiteral("use text or json"));
        return 2;
    }
    handover::HandoverChoices choices;
    if (p.isSet(runtimeOpt)) {
        choices.runtime = handover::runtimeFromName(p.value(runtimeOpt).toStdString());
        if (!choices.runtime) {
            printError(QStringLiteral("unknown --runtime '%1'").arg(p.value(runtimeOpt)),
                QStringLiteral("use jvm, node or go"));
            return 2;
        }
    }
    choices.workload = p.value(workloadOpt).toStdString();
    choices.ns = p.value(nsOpt).toStdString();
    choices.container = p.value(containerOpt).toStdString();

    const QString incidentFile = p.value(incidentOpt);
    auto doc = incident::readIncidentFile(incidentFile);
    if (!doc) {
        printError(QString::fromStdString(doc.error().message), QString::fromStdString(doc.error().detail));
        return 1;
    }
    auto made = handover::handoverFor(*doc, choices);
    if (!made) {
        printError(QString::fromStdString(made.error().message), QString::fromStdString(made.error().detail));
        return 1;
    }
    const QDir out(p.value(outOpt));
    if (!QDir().mkpath(out.path())) {
        printError(QStringLiteral("cannot create the folder %1").arg(out.path()));
        return 1;
    }
    std::vector<incident::AttachmentRecord> written;
    const std::string about = "from suspect " + made->subject.className + " (" + made->subject.category + ", "
        + made->suspectFrom + ") of " + made->subject.ns + "/" + made->subject.workload;
    for (const auto& f : handover::handoverFiles(*made)) {
        const QString path = QFileInfo(out.filePath(QString::fromStdString(f.fileName))).absoluteFilePath();
        const QByteArray bytes = QByteArray::fromStdString(f.content);
        if (auto st = incident::writeFileAtomically(path, bytes); !st) {
            printError(QString::fromStdString(st.error().message), QString::fromStdString(st.error().detail));
            return 1;
        }
        incident::AttachmentRecord a;
        a.kind = f.kind;
        a.title = f.title;
        a.path = path.toStdString();
        a.sha256 = QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex().toStdString();
        a.about = about;
        written.push_back(std::move(a));
    }
    auto saved = incident::updateIncidentFile(incidentFile, [&](incident::IncidentDocument& d) -> Status {
        for (auto& a : written)
            a.id = incident::recordAttachment(d, a, incident::currentTimeMs());
        return Ok {};
    });
    if (!saved) {
        printError(QStringLiteral("the files were written but not recorded in the incident: %1")
                       .arg(QString::fromStdString(saved.error().message)),
            QString::fromStdString(saved.error().detail));
        return 1;
    }
    if (format == QLatin1String("json")) {
        nlohmann::json files = nlohmann::json::array();
        for (const auto& a : written)
            files.push_back({ { "id", a.id }, { "kind", a.kind }, { "title", a.title }, { "path", a.path },
                { "sha256", a.sha256 } });
        const auto& s = made->subject;
        std::cout << nlohmann::json { { "runtime", handover::runtimeName(made->runtime) },
            { "runtime_evidence", made->runtimeEvidence },
            { "suspect",
                { { "class", s.className }, { "owner", s.owner }, { "category", s.category },
                    { "from", made->suspectFrom } } },
            { "workload",
                { { "namespace", s.ns }, { "kind", kube::workloadKindName(made->alert.kind) }, { "name", s.workload },
                    { "container", s.container } } },
            { "notes", made->notes },
            { "files",
                files } }.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                  << std::endl;
        return 0;
    }
    std::cout << "runtime: " << handover::runtimeName(made->runtime) << " (" << made->runtimeEvidence << ")\n";
    std::cout << "suspect: " << made->subject.className << " held by " << made->subject.owner << " ("
              << made->suspectFrom << ")\n";
    for (const auto& n : made->notes)
        std::cout << "note: " << n << "\n";
    for (const auto& a : written)
        std::cout << "wrote " << a.id << " " << a.kind << ": " << a.path << "\n";
    std::cout << "recorded in " << incidentFile.toStdString() << "\n";
    std::cout << "next: replace the test's placeholder (LEAKDESK-PLACEHOLDER) with the suspect's code path; check the "
                 "rules with promtool check rules / promtool test rules\n";
    return 0;
}

} // namespace leakdesk::cli
