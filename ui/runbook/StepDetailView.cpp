#include "ui/runbook/StepDetailView.h"

#include "core/runbook/Bindings.h"
#include "core/runbook/KubectlCommand.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QResizeEvent>
#include <QShortcut>
#include <QTextBrowser>
#include <QTextDocument>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace leakdesk::ui {

namespace {

// A step's prose and checklist items are plain text (the parser flattened their Markdown, cut where
// it nested too deep), shown through Qt's Markdown reader only for paragraphs, code spans and the
// checklist's bullets. A line of that text starting with a block marker would be read as structure
// again: "> > > ..." or "- - - ..." from an escaped or quoted source, tens of thousands deep, became
// as many nested quotes or lists, laid out off the screen. Escaping the line's first marker keeps it
// text, so the step view never nests deeper than the checklist itself.
QString asMarkdownText(const QString& plain)
{
    QStringList lines = plain.split(QLatin1Char('\n'));
    for (QString& line : lines) {
        qsizetype i = 0;
        while (i < line.size() && (line.at(i) == QLatin1Char(' ') || line.at(i) == QLatin1Char('\t')))
            ++i;
        line.remove(0, i); // four leading spaces would make an indented code block
        qsizetype marker = 0;
        while (marker < line.size() && line.at(marker).isDigit() && line.at(marker).unicode() < 128)
            ++marker; // "1." and "1)" start an ordered list
        if (marker >= line.size())
            continue;
        const QChar c = line.at(marker);
        const bool ordered = marker > 0 && (c == QLatin1Char('.') || c == QLatin1Char(')'));
        // A code span (one backtick) stays one; three start a fence.
        const bool fence = line.startsWith(QLatin1String("```"));
        const bool blockMarker = marker == 0 && QStringLiteral(">-+*#=_|~").contains(c);
        if (ordered || blockMarker || fence)
            line.insert(marker, QLatin1Char('\\'));
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace

StepDetailView::StepDetailView(QWidget* parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_text(new QTextBrowser(this))
    , m_commands(new QWidget(this))
    , m_commandsLayout(new QVBoxLayout(m_commands))
    , m_nsNote(new QLabel(this))
    , m_note(new QLineEdit(this))
    , m_done(new QPushButton(tr("Mark done"), this))
    , m_skip(new QPushButton(tr("Skip"), this))
    , m_reopen(new QPushButton(tr("Reopen"), this))
{
    QFont f = m_title->font();
    f.setPointSizeF(f.pointSizeF() * 1.35);
    f.setBold(true);
    m_title->setFont(f);
    m_title->setWordWrap(true);
    m_text->setOpenExternalLinks(false);
    m_text->setFrameShape(QFrame::NoFrame);
    m_text->setObjectName(QStringLiteral("stepText"));
    m_commandsLayout->setContentsMargins(0, 0, 0, 0);
    m_commandsLayout->setSpacing(4);
    m_nsNote->setWordWrap(true);
    m_nsNote->setStyleSheet(QStringLiteral("color:#5f6368"));
    m_note->setPlaceholderText(tr("Note for this step (what you saw, why you skip it)…"));
    m_note->setObjectName(QStringLiteral("stepNote"));

    auto* controls = new QHBoxLayout;
    controls->addWidget(m_note, 1);
    controls->addWidget(m_done);
    controls->addWidget(m_skip);
    controls->addWidget(m_reopen);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_text);
    layout->addWidget(m_commands);
    layout->addWidget(m_nsNote);
    layout->addLayout(controls);
    layout->addStretch(1); // a step without evidence: what is left stays below its controls

    // Keyboard: Ctrl+D marks the step done, with the note typed.
    m_done->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    m_done->setToolTip(tr("Mark this step done, with the note (Ctrl+D)"));
    m_done->setObjectName(QStringLiteral("markDoneButton"));
    connect(m_done, &QPushButton::clicked, this, [this] { Q_EMIT stateRequested(StepState::Done, m_note->text()); });
    // Keyboard: Ctrl+Enter or Ctrl+R runs the focused command (Tab moves through them). Only the
    // focused one: a shortcut that guessed which command to run could run one not meant.
    auto* run = new QShortcut(this);
    run->setKeys({ QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter),
        QKeySequence(Qt::CTRL | Qt::Key_R) });
    run->setContext(Qt::WidgetWithChildrenShortcut);
    connect(run, &QShortcut::activated, this, &StepDetailView::runFocusedCommand);
    connect(m_skip, &QPushButton::clicked, this, [this] { Q_EMIT stateRequested(StepState::Skipped, m_note->text()); });
    connect(
        m_reopen, &QPushButton::clicked, this, [this] { Q_EMIT stateRequested(StepState::Pending, m_note->text()); });
}

void StepDetailView::setCompact(bool compact)
{
    m_compact = compact;
    fitTextHeight();
}

// The step's text as tall as it is (evidence steps: two lines, it scrolls): a short text above the
// heap step's buttons no longer takes the height the evidence below could use.
void StepDetailView::fitTextHeight()
{
    constexpr int kCompactHeight = 46;
    QTextDocument* doc = m_text->document();
    doc->setTextWidth(m_text->viewport()->width());
    const int full = static_cast<int>(std::ceil(doc->size().height())) + 2 * m_text->frameWidth()
        + m_text->contentsMargins().top() + m_text->contentsMargins().bottom();
    m_text->setMaximumHeight(m_compact ? std::min(kCompactHeight, full) : std::max(kCompactHeight, full));
}

void StepDetailView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    if (event->size().width() != event->oldSize().width())
        fitTextHeight();
}

void StepDetailView::setStep(
    const runbook::Step* step, const runbook::Runbook* book, StepState state, const QString& note)
{
    m_step = step;
    m_book = book;
    m_note->setText(note);
    m_done->setVisible(state != StepState::Done);
    m_skip->setVisible(state != StepState::Skipped);
    m_reopen->setVisible(state != StepState::Pending);
    rebuild();
}

void StepDetailView::setRunAvailable(bool available)
{
    if (available == m_runAvailable)
        return;
    m_runAvailable = available;
    rebuild();
}

void StepDetailView::setBindings(const QMap<QString, QString>& bindings, const QString& ns)
{
    m_bindings = bindings;
    m_ns = ns;
    rebuild();
}

void StepDetailView::rebuild()
{
    while (QLayoutItem* item = m_commandsLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_rendered.clear();
    if (!m_step) {
        m_title->setText(tr("Select a step of the runbook"));
        m_text->clear();
        m_nsNote->clear();
        return;
    }
    m_title->setText(m_step->number > 0
            ? QStringLiteral("%1. %2").arg(m_step->number).arg(QString::fromStdString(m_step->title))
            : QString::fromStdString(m_step->title));
    QString md = asMarkdownText(QString::fromStdString(m_step->prose));
    if (!m_step->checklist.empty()) {
        md += QStringLiteral("\n\n");
        for (const auto& item : m_step->checklist)
            md += QString(item.depth * 2, QLatin1Char(' ')) + QStringLiteral("- ")
                + asMarkdownText(QString::fromStdString(item.text)).replace(QLatin1Char('\n'), QLatin1Char(' '))
                + QLatin1Char('\n');
    }
    m_text->setMarkdown(md);
    // A step that is only commands (step 5 of the seed runbook) shows no empty text box above them.
    m_text->setVisible(!md.trimmed().isEmpty());
    fitTextHeight();

    runbook::Bindings bindings;
    for (auto it = m_bindings.cbegin(); it != m_bindings.cend(); ++it)
        if (it.key() == QLatin1String("jvm-pid"))
            bindings.jvmPid = it.value().toStdString(); // not a placeholder: replaces a literal PID
        else if (it.key() == QLatin1String("pod-selector"))
            bindings.podSelector = it.value().toStdString(); // replaces a -l naming the service
        else if (!it.value().isEmpty())
            bindings.values[it.key().toStdString()] = it.value().toStdString();
    if (!m_ns.isEmpty())
        bindings.ns = m_ns.toStdString();

    // The step's guarded actions come first, as its primary buttons, once per kind.
    std::vector<runbook::ActionKind> guardedKinds;
    for (const auto& cmd : m_step->commands)
        if (hasGuardedPath(cmd.action)
            && std::find(guardedKinds.begin(), guardedKinds.end(), cmd.action) == guardedKinds.end())
            guardedKinds.push_back(cmd.action);
    if (!guardedKinds.empty()) {
        auto* actions = new QWidget(m_commands);
        auto* al = new QHBoxLayout(actions);
        al->setContentsMargins(0, 0, 0, 0);
        for (const auto kind : guardedKinds) {
            auto* button = new QPushButton(guardedActionLabel(kind), actions);
            button->setObjectName(QStringLiteral("guardedActionButton"));
            button->setProperty("actionKind", QString::fromLatin1(runbook::actionKindName(kind)));
            button->setDefault(true);
            button->setStyleSheet(QStringLiteral("font-weight: bold;"));
            button->setToolTip(kind == runbook::ActionKind::HeapCapture
                    ? tr("Checks the pod first (JVM, disk, memory headroom), captures, verifies and analyses the dump")
                    : tr("Plans the change, shows the server's dry run, asks before applying, journals it and can "
                         "revert it"));
            connect(button, &QPushButton::clicked, this, [this, kind] { Q_EMIT guardedActionRequested(kind); });
            al->addWidget(button);
        }
        al->addStretch(1);
        m_commandsLayout->addWidget(actions);
        auto* what = new QLabel(
            tr("What this does in kubectl (to copy; LeakDesk runs it through the button above):"), m_commands);
        what->setObjectName(QStringLiteral("guardedCommandsLabel"));
        what->setWordWrap(true);
        what->setStyleSheet(QStringLiteral("color:#5f6368"));
        m_commandsLayout->addWidget(what);
    }

    bool anyReplaced = false;
    // Guarded commands are listed under the buttons, then the step's other commands.
    for (const bool guardedPass : { true, false }) {
        for (const auto& cmd : m_step->commands) {
            if (hasGuardedPath(cmd.action) != guardedPass)
                continue;
            const auto filled = runbook::fillCommand(cmd, bindings, m_book ? m_book->defaultNamespace : std::nullopt);
            const QString text = QString::fromStdString(filled.text);
            anyReplaced = anyReplaced || filled.namespaceReplaced;
            m_rendered << text;
            m_commandsLayout->addWidget(commandRow(cmd, text, guardedPass));
        }
    }
    if (anyReplaced && m_book && m_book->defaultNamespace)
        m_nsNote->setText(tr("The runbook's commands are written for namespace “%1”; shown here for “%2”.")
                              .arg(QString::fromStdString(*m_book->defaultNamespace), m_ns));
    else
        m_nsNote->clear();
    m_nsNote->setVisible(!m_nsNote->text().isEmpty());
}

bool StepDetailView::runFocusedCommand()
{
    // The command row holding the focus (its text or one of its buttons), then that row's Run.
    QWidget* row = QApplication::focusWidget();
    while (row && row->parentWidget() != m_commands)
        row = row->parentWidget();
    if (!row)
        return false;
    auto* run = row->findChild<QPushButton*>(QStringLiteral("runCommandButton"));
    if (!run || !run->isEnabled())
        return false;
    run->click();
    return true;
}

bool StepDetailView::hasGuardedPath(runbook::ActionKind kind)
{
    return kind == runbook::ActionKind::HeapCapture || kind == runbook::ActionKind::RaiseLimit
        || kind == runbook::ActionKind::HeapLimitRestart;
}

QString StepDetailView::guardedActionLabel(runbook::ActionKind kind)
{
    switch (kind) {
    case runbook::ActionKind::HeapCapture:
        return tr("Capture heap dump…");
    case runbook::ActionKind::RaiseLimit:
        return tr("Raise the memory limit…");
    case runbook::ActionKind::HeapLimitRestart:
        return tr("Set HEAP_LIMIT_RESTART…");
    default:
        return {};
    }
}

QWidget* StepDetailView::commandRow(const runbook::Command& cmd, const QString& text, bool guarded)
{
    auto* row = new QWidget(m_commands);
    auto* rl = new QHBoxLayout(row);
    rl->setContentsMargins(0, 0, 0, 0);
    auto* edit = new QLineEdit(text, row);
    edit->setReadOnly(true);
    edit->setObjectName(guarded ? QStringLiteral("guardedCommandLine") : QStringLiteral("commandLine"));
    edit->setStyleSheet(QStringLiteral("font-family: monospace; background: #f6f8fa;"));
    if (!cmd.comment.empty())
        edit->setToolTip(QString::fromStdString(cmd.comment));
    edit->setCursorPosition(0);
    auto* copy = new QPushButton(tr("Copy"), row);
    copy->setToolTip(tr("Copy the command to the clipboard"));
    connect(copy, &QPushButton::clicked, row, [text] { QApplication::clipboard()->setText(text); });
    rl->addWidget(edit, 1);
    if (guarded) {
        rl->addWidget(copy);
        return row;
    }
    // What Run would do with the text shown (filled in), read as the runner will read it.
    const runbook::KubectlAnalysis run = runbook::analyseKubectlCommand(text.toStdString());
    const bool isKubectl = text.startsWith(QLatin1String("kubectl "));
    const bool offerRun = m_runAvailable && isKubectl && (run.runnable() || run.needsLocalFolder);
    if (isKubectl && !offerRun && m_runAvailable) {
        auto* refusedLabel = new QLabel(tr("not run here"), row);
        refusedLabel->setObjectName(QStringLiteral("runRefused"));
        refusedLabel->setToolTip(QString::fromStdString(run.reason));
        refusedLabel->setStyleSheet(QStringLiteral("color:#5f6368"));
        rl->addWidget(refusedLabel);
    } else if (cmd.mutatesCluster || run.effect == runbook::KubectlEffect::Change) {
        auto* warn = new QLabel(tr("changes the cluster"), row);
        warn->setStyleSheet(QStringLiteral("color:#c62828"));
        rl->addWidget(warn);
    }
    if (run.sensitiveOutput) {
        auto* secret = new QLabel(tr("prints secrets"), row);
        secret->setToolTip(tr("This command %1: its output is hidden on screen and never kept in the incident.")
                               .arg(QString::fromStdString(run.sensitiveReason)));
        rl->addWidget(secret);
    }
    rl->addWidget(copy);
    if (offerRun) {
        auto* runButton = new QPushButton(tr("Run"), row);
        runButton->setObjectName(QStringLiteral("runCommandButton"));
        runButton->setToolTip(run.effect == runbook::KubectlEffect::ReadOnly
                ? tr("Run with kubectl against the open cluster (read-only); the output goes into the incident journal")
                : tr("Run with kubectl against the open cluster: shows a server-side dry run where kubectl has one and "
                     "asks first, naming what changes"));
        runButton->setToolTip(runButton->toolTip() + tr(" (Ctrl+Enter or Ctrl+R on the command)"));
        connect(runButton, &QPushButton::clicked, this, [this, text] { Q_EMIT runRequested(text); });
        rl->addWidget(runButton);
    }
    return row;
}

} // namespace leakdesk::ui
