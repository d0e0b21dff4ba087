#include "ui/runbook/KubectlChangeConfirmation.h"

#include <QObject>

namespace leakdesk::ui {

QString shownOutput(const KubectlRun& run)
{
    if (!run.sensitive)
        return QString::fromUtf8(run.output);
    return QObject::tr("[Output hidden: this command %1. It is not kept in the incident either (%2 bytes).]")
        .arg(run.sensitiveReason)
        .arg(run.output.size());
}

QString changeConfirmationHtml(const KubectlPlan& plan, const KubectlTarget& target, const QString& contextNamespace,
    const KubectlRun* preview, runbook::ActionKind builtIn)
{
    const auto& a = plan.analysis;
    auto esc = [](const QString& s) { return s.toHtmlEscaped(); };
    QStringList objects;
    for (const std::string& o : a.objects)
        objects << esc(QString::fromStdString(o));
    const QString ns = a.allNamespaces ? QObject::tr("all namespaces")
        : a.ns                         ? esc(QString::fromStdString(*a.ns))
                                       : QObject::tr("%1 (the context's namespace)").arg(esc(contextNamespace));
    QString html = QObject::tr("<p>This command changes the cluster.</p><table>"
                               "<tr><td><b>Verb</b></td><td>kubectl %1</td></tr>"
                               "<tr><td><b>Objects</b></td><td>%2</td></tr>"
                               "<tr><td><b>Namespace</b></td><td>%3</td></tr>"
                               "<tr><td><b>Server</b></td><td>%4 (context %5)</td></tr></table>")
                       .arg(esc(QString::fromStdString(a.verb)),
                           objects.isEmpty() ? QObject::tr("(none named)") : objects.join(QStringLiteral("<br>")), ns,
                           esc(target.server), esc(target.context.isEmpty() ? QObject::tr("current") : target.context));
    html += QStringLiteral("<pre>%1</pre>").arg(esc(plan.command));
    if (preview) {
        const QString out = shownOutput(*preview).left(4000);
        html += QObject::tr("<p><b>Server-side dry run</b> (exit code %1):</p><pre>%2</pre>")
                    .arg(preview->exitCode)
                    .arg(esc(out.isEmpty() ? QObject::tr("(no output)") : out));
    } else {
        html += QObject::tr("<p>kubectl %1 has no server-side dry run: nothing was previewed.</p>")
                    .arg(esc(QString::fromStdString(a.verb)));
    }
    switch (builtIn) {
    case runbook::ActionKind::RaiseLimit:
    case runbook::ActionKind::HeapLimitRestart:
        html += QObject::tr("<p><b>Prefer the built-in mitigation</b> (Mitigations): it shows a diff, verifies the "
                            "rollout and can be reverted with one click. This command cannot.</p>");
        break;
    case runbook::ActionKind::HeapCapture:
        html += QObject::tr("<p><b>Prefer the built-in heap capture</b> (step's Capture button): it checks the pod "
                            "first, verifies the transfer and cleans up.</p>");
        break;
    default:
        html += QObject::tr("<p>LeakDesk records this change in the incident; it has no automatic revert.</p>");
        break;
    }
    html += QObject::tr("<p>Run it?</p>");
    return html;
}

} // namespace leakdesk::ui
