// The main window on laptop screens and by keyboard (issue 15, items 7 and 10), on the real sandbox:
// at 1024x768 and 1280x720 every tab and runbook step fits (no minimum size past the screen, no
// label cut without "…", no pane clipped by a scroll area), the window keeps its size when the
// service changes, the pods table has room for rows; the tabs, Run and the range buttons have
// shortcuts, Space on the step list ticks nothing, skipped steps are counted apart, a capture ticks
// the capture step and the next step shows its suspects; the context box lists every context of a
// kubeconfig and choosing one investigates there.
#include "MainWindowOnSandbox.h"

#include "TestSupport.h"
#include "WaitForSignals.h"
#include "core/investigation/ClusterConnection.h"
#include "core/kube/KubeConfig.h"
#include "core/runbook/RunbookParser.h"
#include "ui/chart/MemoryChart.h"
#include "ui/heap/HeapCaptureDialog.h"
#include "ui/heap/HeapView.h"
#include "ui/incident/EscalationBar.h"
#include "ui/incident/IncidentSession.h"
#include "ui/incident/TimelineView.h"
#include "ui/investigation/InvestigationController.h"
#include "ui/investigation/MemoryEvidenceView.h"
#include "ui/investigation/PodTableModel.h"
#include "ui/investigation/VerdictBanner.h"
#include "ui/main/ConnectionBar.h"
#include "ui/main/MainWindow.h"
#include "ui/main/RunbookPage.h"
#include "ui/main/SuspectsStepPage.h"
#include "ui/runbook/RunbookChecklistModel.h"
#include "ui/runbook/StepDetailView.h"
#include "ui/widgets/ElidedLabel.h"

#include <QAbstractButton>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTextDocument>

#include <cmath>

using namespace leakdesk;
using namespace leakdesk::ui;

namespace {

// Whether `w` is on screen: visible in its window and not scrolled or squeezed out of sight.
bool showing(const QWidget* w)
{
    return w->isVisible() && !w->visibleRegion().isEmpty();
}

// Labels whose text does not fit their width and that are not elided: the user sees a cut word
// with no "…" and no tooltip. A word-wrapped label is cut when its lines need more height than it has.
QStringList clippedLabels(const QWidget* root)
{
    QStringList clipped;
    for (const QLabel* label : root->findChildren<QLabel*>()) {
        if (!showing(label) || label->text().isEmpty() || !label->pixmap().isNull())
            continue;
        const QRect box = label->contentsRect();
        const QFontMetrics fm(label->font());
        QString plain = label->text();
        bool rich = label->textFormat() == Qt::RichText
            || (label->textFormat() == Qt::AutoText && Qt::mightBeRichText(plain));
        if (rich) {
            QTextDocument doc;
            doc.setHtml(plain);
            plain = doc.toPlainText();
        }
        if (label->wordWrap()) {
            if (label->heightForWidth(box.width()) > box.height() + 2)
                clipped << QStringLiteral("%1 (wrapped, needs %2 px of height, has %3): %4")
                               .arg(label->objectName())
                               .arg(label->heightForWidth(box.width()))
                               .arg(box.height())
                               .arg(plain.left(80));
            continue;
        }
        // The widest line, as QFontMetrics measures it (rich text with its own fonts: the label's hint).
        int needed = 0;
        if (rich)
            needed = label->sizeHint().width() - (label->width() - box.width());
        else
            for (const QString& line : plain.split(QLatin1Char('\n')))
                needed = std::max(needed, fm.horizontalAdvance(line));
        if (needed > box.width() + 1)
            clipped << QStringLiteral("%1 (needs %2 px, has %3): %4")
                           .arg(label->objectName())
                           .arg(needed)
                           .arg(box.width())
                           .arg(plain.left(80));
    }
    return clipped;
}

// Scroll areas without a horizontal scroll bar whose content is wider than their viewport: the
// right edge of what they hold (buttons, the ends of labels) is out of reach.
QStringList clippedScrollAreas(const QWidget* root)
{
    QStringList clipped;
    for (const QScrollArea* area : root->findChildren<QScrollArea*>()) {
        if (!showing(area) || !area->widget() || area->horizontalScrollBar()->isVisible())
            continue;
        if (area->widget()->width() > area->viewport()->width())
            clipped << QStringLiteral("%1: content %2 px wide in a %3 px viewport")
                           .arg(area->objectName())
                           .arg(area->widget()->width())
                           .arg(area->viewport()->width());
    }
    return clipped;
}

// The widgets of the window whose minimum width is the largest, for a failure message.
QString widestMinimums(const QWidget* root, int limit)
{
    QStringList wide;
    for (const QWidget* w : root->findChildren<QWidget*>())
        if (w->isVisible() && w->minimumSizeHint().width() > limit)
            wide << QStringLiteral("%1(%2) %3")
                        .arg(QString::fromLatin1(w->metaObject()->className()), w->objectName())
                        .arg(w->minimumSizeHint().width());
    return wide.mid(0, 30).join(QStringLiteral("; "));
}

// How many pixels of `w`'s height show in `viewport` (a scroll area's).
int visibleHeightIn(const QWidget* w, const QWidget* viewport)
{
    const QRect inViewport(w->mapTo(viewport, QPoint(0, 0)), w->size());
    return inViewport.intersected(viewport->rect()).height();
}

// The two laptop screens of issue 15, as the rows of a test's data table.
void addLaptopScreens()
{
    QTest::addColumn<QSize>("screen");
    QTest::newRow("1024x768") << QSize(1024, 768);
    QTest::newRow("1280x720") << QSize(1280, 720);
}

void settle()
{
    for (int i = 0; i < 5; ++i) {
        QCoreApplication::sendPostedEvents();
        QCoreApplication::processEvents();
    }
}

// What does not fit `screen` in the window as it is now (empty when all fits): a minimum size
// past the screen, a window grown past the size it was given, a label cut without "…", a scroll
// area hiding the right edge of its content.
QString fitProblem(MainWindow& window, QSize screen)
{
    settle();
    const QSize least = window.minimumSizeHint().expandedTo(window.minimumSize());
    if (least.width() > screen.width())
        return QStringLiteral("minimum width %1; widest: %2")
            .arg(least.width())
            .arg(widestMinimums(&window, screen.width() / 2));
    if (least.height() > screen.height())
        return QStringLiteral("minimum height %1").arg(least.height());
    if (window.size() != screen)
        return QStringLiteral("the window is %1x%2").arg(window.width()).arg(window.height());
    QStringList cut = clippedLabels(&window);
    cut << clippedScrollAreas(&window);
    return cut.join(QStringLiteral("\n"));
}

// The same, for a window whose panels may still be receiving data (step 5 plans its mitigations
// with the cluster after the findings are shown): a text that arrives between two turns of the
// event loop is laid out on the next one, so a label can be seen cut for a moment. What is still
// cut once the replies are in is the problem; a layout that never fits fails as before.
QString settledFitProblem(MainWindow& window, QSize screen)
{
    QString problem = fitProblem(window, screen);
    for (int i = 0; i < 30 && !problem.isEmpty(); ++i) {
        QTest::qWait(100);
        problem = fitProblem(window, screen);
    }
    return problem;
}

} // namespace

class TestMainWindowScreens : public QObject {
    Q_OBJECT
    app::SandboxSession m_sandbox; // as in the app: outlives the controller's connection
    InvestigationController m_controller;
    std::unique_ptr<MainWindow> m_window; // checkout's, for every test but the context box's

private Q_SLOTS:
    // checkout's window, active: the shortcuts act in the active window only.
    void initTestCase()
    {
        const QString why
            = test::showMainWindowOnSandbox(m_sandbox, m_controller, m_window, QStringLiteral("checkout"));
        QVERIFY2(why.isEmpty() && QTest::qWaitForWindowActive(m_window.get()), qPrintable(why));
    }

    // Every tab and every runbook step fits the laptop screens: the window's minimum size is no
    // larger than the screen, the window is not grown past it, no label is cut without "…", no
    // scroll area hides the right edge of its content.
    void everyPageFitsTheScreen_data() { addLaptopScreens(); }
    void everyPageFitsTheScreen()
    {
        QFETCH(QSize, screen);
        m_window->resize(screen);
        settle();
        auto check = [&](const QString& where) {
            const QString problem = fitProblem(*m_window, screen);
            QVERIFY2(problem.isEmpty(), qPrintable(where + QStringLiteral(": ") + problem));
        };
        m_window->tabs()->setCurrentIndex(0);
        for (int step = 0; step < m_window->checklist()->rowCount(); ++step) {
            m_window->selectStep(step);
            check(QStringLiteral("step %1").arg(step + 1));
            if (QTest::currentTestFailed())
                return;
        }
        for (int tab = 1; tab < m_window->tabs()->count(); ++tab) {
            m_window->tabs()->setCurrentIndex(tab);
            check(m_window->tabs()->tabText(tab));
            if (QTest::currentTestFailed())
                return;
        }
        m_window->tabs()->setCurrentIndex(0);
        m_window->selectStep(0);
    }

    // With Prometheus unreachable (the cluster answering), the longer texts that name what is
    // missing fit too: no step or tab pushes the window past either screen.
    void everyPageFitsWithPrometheusDown()
    {
        investigation::ConnectionOptions options = m_sandbox.connectionOptions();
        options.prometheusUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(test::freeLoopbackPort()));
        InvestigationController controller;
        QVERIFY(controller.open(options).ok());
        auto window = test::newMainWindow(&controller);
        QVERIFY(window);
        window->setPreferredService(QStringLiteral("checkout"));
        window->show();
        QSignalSpy shown(window.get(), &MainWindow::findingsShown);
        controller.refreshNamespaces();
        QVERIFY(test::waitForSignals(shown, 1, 60000));
        for (const QSize screen : { QSize(1024, 768), QSize(1280, 720) }) {
            window->resize(screen);
            for (int step = 0; step < window->checklist()->rowCount(); ++step) {
                window->selectStep(step);
                const QString problem = settledFitProblem(*window, screen);
                QVERIFY2(problem.isEmpty(), qPrintable(QStringLiteral("step %1: ").arg(step + 1) + problem));
            }
        }
        const QString incident = window->incident()->isOpen() ? window->incident()->path() : QString();
        window.reset();
        if (!incident.isEmpty())
            QFile::remove(incident);
    }

    // Choosing another service (other pods, verdict, numbers) and long texts from the cluster (a
    // busy stage, a status) change nothing in the window's size or its minimum.
    void theWindowKeepsItsSizeWhenTheServiceChanges_data() { addLaptopScreens(); }
    void theWindowKeepsItsSizeWhenTheServiceChanges()
    {
        QFETCH(QSize, screen);
        m_window->resize(screen);
        m_window->selectStep(0);
        settle();
        for (const QString& service :
            { QStringLiteral("payments"), QStringLiteral("catalog"), QStringLiteral("checkout") }) {
            QSignalSpy shown(m_window.get(), &MainWindow::findingsShown);
            m_window->connectionBar()->serviceBox()->setCurrentText(service);
            QVERIFY(test::waitForSignals(shown, 1, 30000));
            settle();
            QCOMPARE(m_window->size(), screen);
            QVERIFY2(m_window->minimumSizeHint().width() <= screen.width(),
                qPrintable(widestMinimums(m_window.get(), screen.width() / 2)));
        }
        const int before = m_window->minimumSizeHint().width();
        m_window->connectionBar()->setBusy(true, QStringLiteral("investigating ") + QString(300, QLatin1Char('x')));
        settle();
        QCOMPARE(m_window->minimumSizeHint().width(), before);
        QCOMPARE(m_window->size(), screen);
        auto* busy = m_window->connectionBar()->findChild<ElidedLabel*>(QStringLiteral("busyStatus"));
        QVERIFY(busy);
        QVERIFY(busy->isElided());
        QVERIFY(busy->toolTip().contains(QString(300, QLatin1Char('x'))));
        m_window->connectionBar()->setBusy(false, {});
    }

    // At 1280x720 the pods table of step 1 has room for four rows (the step's page scrolls to it
    // rather than squeezing it), and the chart above it a useful height.
    void thePodsTableHasRoomForRows_data() { addLaptopScreens(); }
    void thePodsTableHasRoomForRows()
    {
        QFETCH(QSize, screen);
        m_window->resize(screen);
        m_window->tabs()->setCurrentIndex(0);
        m_window->selectStep(0);
        settle();
        auto* scroll = m_window->runbookPage()->findChild<QScrollArea*>(QStringLiteral("stepScroll"));
        QVERIFY(scroll);
        scroll->verticalScrollBar()->setValue(0);
        settle();
        MemoryChart* chart = m_window->memoryView()->chart();
        QVERIFY2(visibleHeightIn(chart, scroll->viewport()) >= 200,
            qPrintable(QString::number(visibleHeightIn(chart, scroll->viewport()))));
        QTableView* table = m_window->memoryView()->podTable();
        scroll->ensureWidgetVisible(table, 0, 0);
        settle();
        QVERIFY(showing(table));
        const int rowHeight = table->verticalHeader()->defaultSectionSize();
        const int visibleHeight
            = std::min(visibleHeightIn(table->viewport(), scroll->viewport()), table->viewport()->height());
        QVERIFY2(visibleHeight >= 4 * rowHeight,
            qPrintable(QStringLiteral("%1 px visible for rows of %2 px").arg(visibleHeight).arg(rowHeight)));
        scroll->verticalScrollBar()->setValue(0);

        // Without the escalation proposal above the tabs ("Not now"), the chart and four rows fit
        // without scrolling at all.
        auto* escalation = m_window->escalationBar();
        if (escalation->isProposingEscalation()) {
            escalation->setReasonAsker(
                [](const QString&, const QString&) { return std::optional<QString>(QStringLiteral("a test")); });
            escalation->dismissProposal();
        }
        QVERIFY(!escalation->isProposingEscalation());
        settle();
        scroll->verticalScrollBar()->setValue(0);
        settle();
        const int withoutScrolling
            = std::min(visibleHeightIn(table->viewport(), scroll->viewport()), table->viewport()->height());
        QVERIFY2(withoutScrolling >= 4 * rowHeight,
            qPrintable(QStringLiteral("%1 px visible for rows of %2 px").arg(withoutScrolling).arg(rowHeight)));
        QVERIFY(visibleHeightIn(chart, scroll->viewport()) >= 200);
    }

    // The step's text box is as tall as its text (two lines above evidence that needs the room):
    // a short text never takes the height its evidence could use.
    void theStepTextTakesTheHeightOfItsText()
    {
        m_window->resize(1280, 720);
        m_window->tabs()->setCurrentIndex(0);
        auto* text = m_window->stepView()->findChild<QTextBrowser*>(QStringLiteral("stepText"));
        QVERIFY(text);
        for (int step = 0; step < m_window->checklist()->rowCount(); ++step) {
            m_window->selectStep(step);
            settle();
            if (text->isHidden())
                continue;
            text->document()->setTextWidth(text->viewport()->width());
            const int needed = int(std::ceil(text->document()->size().height())) + 2 * text->frameWidth();
            QVERIFY2(text->height() <= std::max(needed, 46) + 2,
                qPrintable(
                    QStringLiteral("step %1: %2 px for %3 px of text").arg(step + 1).arg(text->height()).arg(needed)));
        }
        m_window->selectStep(0);
    }

    // Ctrl+1, Ctrl+2, Ctrl+3 show the tabs; the tabs' tooltips name the keys.
    void tabsHaveShortcuts()
    {
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QTest::keyClick(m_window.get(), Qt::Key_2, Qt::ControlModifier);
        QCOMPARE(m_window->tabs()->currentWidget(), static_cast<QWidget*>(m_window->heapView()));
        QTest::keyClick(m_window.get(), Qt::Key_3, Qt::ControlModifier);
        QCOMPARE(m_window->tabs()->currentWidget(), static_cast<QWidget*>(m_window->timelineView()));
        QTest::keyClick(m_window.get(), Qt::Key_1, Qt::ControlModifier);
        QCOMPARE(m_window->tabs()->currentWidget(), static_cast<QWidget*>(m_window->runbookPage()));
        QCOMPARE(
            m_window->tabs()->tabToolTip(1), QKeySequence(Qt::CTRL | Qt::Key_2).toString(QKeySequence::NativeText));
    }

    // Alt+1..5 choose the chart's range buttons (1h, 6h, 24h, 7d, All), named in their tooltips.
    void rangeButtonsHaveShortcuts()
    {
        m_window->tabs()->setCurrentIndex(0);
        m_window->selectStep(0);
        settle();
        MemoryChart* chart = m_window->memoryView()->chart();
        const std::pair<Qt::Key, RangePreset> keys[]
            = { { Qt::Key_1, RangePreset::LastHour }, { Qt::Key_3, RangePreset::Last24Hours },
                  { Qt::Key_5, RangePreset::All }, { Qt::Key_2, RangePreset::Last6Hours } };
        for (const auto& key : keys) {
            QTest::keyClick(m_window.get(), key.first, Qt::AltModifier);
            // A button's shortcut animates the click: it lands a moment later.
            QTRY_VERIFY2(chart->rangePreset() == std::optional<RangePreset>(key.second),
                qPrintable(QStringLiteral("Alt+%1: preset %2")
                               .arg(QChar(key.first))
                               .arg(chart->rangePreset() ? int(*chart->rangePreset()) : -1)));
        }
        auto* oneHour = chart->findChild<QAbstractButton*>(QStringLiteral("rangePreset_1h"));
        QVERIFY(oneHour);
        QVERIFY2(oneHour->toolTip().contains(QKeySequence(Qt::ALT | Qt::Key_1).toString(QKeySequence::NativeText)),
            qPrintable(oneHour->toolTip()));
    }

    // Ctrl+Enter (or Ctrl+R) on a focused runbook command runs it as its Run button does; with the
    // focus elsewhere nothing runs.
    void runHasAShortcutOnTheFocusedCommand()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        m_window->tabs()->setCurrentIndex(0);
        m_window->selectStep(0);
        settle();
        QSignalSpy finished(m_window.get(), &MainWindow::commandFinished);
        auto* note = m_window->stepView()->findChild<QLineEdit*>(QStringLiteral("stepNote"));
        QVERIFY(note);
        note->setFocus();
        QTest::keyClick(note, Qt::Key_R, Qt::ControlModifier);
        QTest::qWait(200);
        QCOMPARE(finished.count(), 0);
        QLineEdit* command = nullptr;
        for (auto* line : m_window->stepView()->findChildren<QLineEdit*>(QStringLiteral("commandLine")))
            if (line->text().startsWith(QStringLiteral("kubectl top pods")))
                command = line;
        QVERIFY(command);
        command->setFocus();
        QTest::keyClick(command, Qt::Key_Return, Qt::ControlModifier);
        QVERIFY(test::waitForSignals(finished, 1, 60000));
        QCOMPARE(finished.at(0).at(1).toInt(), 0);
        QVERIFY2(finished.at(0).at(2).toString().contains(QStringLiteral("MEMORY")),
            qPrintable(finished.at(0).at(2).toString()));
        command->setFocus();
        QTest::keyClick(command, Qt::Key_R, Qt::ControlModifier);
        QVERIFY(test::waitForSignals(finished, 2, 60000));
    }

    // Space on the step list (and a click on a step's mark) changes no step's state: done is the
    // Mark done button's, with its note.
    void spaceOnTheStepListTicksNothing()
    {
        auto* model = m_window->checklist();
        auto* list = m_window->checklistView();
        m_window->tabs()->setCurrentIndex(0);
        for (int r = 0; r < model->rowCount(); ++r)
            model->setStepState(r, StepState::Pending);
        model->setStepState(1, StepState::Done, QStringLiteral("rule met"));
        for (const int row : { 0, 1, 2 }) {
            const StepState before = model->stepState(row);
            list->setCurrentIndex(model->index(row));
            list->setFocus();
            QTest::keyClick(list, Qt::Key_Space);
            QTest::keyClick(list->viewport(), Qt::Key_Space);
            QCOMPARE(model->stepState(row), before);
            // The mark at the row's left edge.
            const QRect rect = list->visualRect(model->index(row));
            QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, QPoint(rect.left() + 10, rect.center().y()));
            QCOMPARE(model->stepState(row), before);
        }
        QCOMPARE(model->stepNote(1), QStringLiteral("rule met"));
        model->setStepState(1, StepState::Pending);
    }

    // A skipped step is not a done one: the progress says both.
    void skippedStepsAreCountedApart_data()
    {
        QTest::addColumn<QList<int>>("done");
        QTest::addColumn<QList<int>>("skipped");
        QTest::addColumn<QString>("expected");
        QTest::newRow("none") << QList<int> {} << QList<int> {} << QStringLiteral("0 of 6 steps done");
        QTest::newRow("four done, one skipped")
            << QList<int> { 0, 1, 2, 4 } << QList<int> { 3 } << QStringLiteral("4 of 6 steps done, 1 skipped");
        QTest::newRow("only skipped") << QList<int> {} << QList<int> { 2, 3 }
                                      << QStringLiteral("0 of 6 steps done, 2 skipped");
    }
    void skippedStepsAreCountedApart()
    {
        QFETCH(QList<int>, done);
        QFETCH(QList<int>, skipped);
        QFETCH(QString, expected);
        auto* model = m_window->checklist();
        QCOMPARE(model->rowCount(), 6);
        for (int r = 0; r < model->rowCount(); ++r)
            model->setStepState(r, StepState::Pending);
        for (int r : done)
            model->setStepState(r, StepState::Done);
        for (int r : skipped)
            model->setStepState(r, StepState::Skipped, QStringLiteral("not a JVM"));
        QCOMPARE(model->doneCount(), int(done.size()));
        QCOMPARE(model->skippedCount(), int(skipped.size()));
        QCOMPARE(m_window->runbookPage()->progressText(), expected);
        for (int r = 0; r < model->rowCount(); ++r)
            model->setStepState(r, StepState::Pending);
    }

    // A capture ending with a verified file ticks the capture step (a skipped one too), and the step
    // after it shows the suspects of the dump's analysis, with a way to their paths in the Heap view.
    void aCaptureTicksItsStepAndTheNextShowsTheSuspects()
    {
        auto* model = m_window->checklist();
        const int capture = test::firstStepWith(*model, runbook::ActionKind::HeapCapture);
        QVERIFY(capture >= 0 && capture + 1 < model->rowCount());
        model->setStepState(capture, StepState::Skipped, QStringLiteral("later"));

        m_window->tabs()->setCurrentIndex(0);
        m_window->selectStep(capture + 1);
        auto* suspects = m_window->findChild<SuspectsStepPage*>();
        QVERIFY(suspects);
        QCOMPARE(m_window->currentEvidenceWidget(), static_cast<QWidget*>(suspects));
        QVERIFY2(suspects->summaryText().contains(QStringLiteral("No heap dump analysed yet")),
            qPrintable(suspects->summaryText()));
        QVERIFY(suspects->showSuspectsButton()->isHidden());

        m_window->connectionBar()->serviceBox()->setCurrentText(QStringLiteral("checkout"));
        QTRY_VERIFY_WITH_TIMEOUT(m_window->memoryView()->podModel()->rowCount() > 0, 30000);
        const QString pod = m_window->memoryView()->podModel()->index(0, PodTableModel::Name).data().toString();
        auto* dialog = qobject_cast<HeapCaptureDialog*>(m_window->captureHeapDump(pod));
        QVERIFY(dialog);
        QSignalSpy done(dialog, &HeapCaptureDialog::captured);
        QSignalSpy analysed(m_window->heapView(), &HeapView::analysisFinished);
        QTRY_VERIFY2_WITH_TIMEOUT(dialog->canStartCapture(), qPrintable(dialog->statusText()), 60000);
        dialog->startCapture();
        QVERIFY(test::waitForSignals(done, 1, 120000));
        const QString path = done.at(0).at(0).toString();
        QCOMPARE(model->stepState(capture), StepState::Done);
        QVERIFY2(model->stepNote(capture).contains(QStringLiteral("later")), qPrintable(model->stepNote(capture)));
        QVERIFY(test::waitForSignals(analysed, 1, 120000));
        dialog->close();

        m_window->tabs()->setCurrentIndex(0);
        m_window->selectStep(capture + 1);
        QCOMPARE(m_window->currentEvidenceWidget(), static_cast<QWidget*>(suspects));
        const auto analysis = m_window->heapView()->analysis();
        QVERIFY(analysis && !analysis->suspects.empty());
        QVERIFY2(suspects->summaryText().contains(QFileInfo(path).fileName()), qPrintable(suspects->summaryText()));
        const auto& first = analysis->suspects.front();
        QVERIFY2(suspects->summaryText().contains(
                     QString::fromStdString(first.owner.empty() ? first.className : first.owner).toHtmlEscaped()),
            qPrintable(suspects->summaryText()));
        QVERIFY(!suspects->showSuspectsButton()->isHidden());
        for (const QSize screen : { QSize(1024, 768), QSize(1280, 720) }) {
            m_window->resize(screen);
            const QString problem = fitProblem(*m_window, screen);
            QVERIFY2(problem.isEmpty(), qPrintable(QStringLiteral("the suspects step: ") + problem));
        }
        suspects->showSuspectsButton()->click();
        QCOMPARE(m_window->tabs()->currentWidget(), static_cast<QWidget*>(m_window->heapView()));
        QCOMPARE(m_window->heapView()->currentPage(), HeapView::Page::Suspects);
        // The Heap view with a dump, every page, on both screens.
        for (const QSize screen : { QSize(1024, 768), QSize(1280, 720) }) {
            m_window->resize(screen);
            for (const auto page :
                { HeapView::Page::Histogram, HeapView::Page::DominatorTree, HeapView::Page::Suspects }) {
                m_window->heapView()->showPage(page);
                const QString problem = fitProblem(*m_window, screen);
                QVERIFY2(problem.isEmpty(), qPrintable(QStringLiteral("heap page %1: ").arg(int(page)) + problem));
            }
        }
        m_window->heapView()->showPage(HeapView::Page::Suspects);

        QFile::remove(path);
        model->setStepState(capture, StepState::Pending);
        m_window->tabs()->setCurrentIndex(0);
    }

    // A kubeconfig with three contexts: the box lists the three and is enabled; choosing another
    // one opens it and investigates the service again there. Whether the cluster is a real one
    // or the sandbox (whose kubeconfig has a read-only context on request) makes no difference.
    void theContextBoxListsEveryContextAndSwitches_data()
    {
        QTest::addColumn<bool>("sandbox");
        QTest::newRow("a cluster") << false;
        QTest::newRow("the sandbox") << true;
    }
    void theContextBoxListsEveryContextAndSwitches()
    {
        QFETCH(bool, sandbox);
        const auto sandboxConfig = kube::loadKubeConfig({ m_sandbox.connectionOptions().kubeconfig.toStdString() });
        QVERIFY(sandboxConfig.ok());
        QFile sandboxFile(m_sandbox.connectionOptions().kubeconfig);
        QVERIFY(sandboxFile.open(QIODevice::ReadOnly));
        QString yaml = QString::fromUtf8(sandboxFile.readAll());
        // The sandbox's one context, twice more under other names (same cluster and user): a file
        // as a user with a laptop, a staging and a production context has.
        const QString context = m_sandbox.connectionOptions().context;
        const int at = yaml.indexOf(QStringLiteral("contexts:\n"));
        QVERIFY(at >= 0);
        const int end = yaml.indexOf(QStringLiteral("current-context:"), at);
        const QString entry = yaml.mid(at + 10, end - at - 10);
        QVERIFY2(entry.contains(QStringLiteral("name: ") + context), qPrintable(entry));
        QString more = entry;
        more.replace(QStringLiteral("name: ") + context, QStringLiteral("name: staging"));
        QString third = entry;
        third.replace(QStringLiteral("name: ") + context, QStringLiteral("name: laptop"));
        yaml.insert(end, more + third);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("kubeconfig"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(yaml.toUtf8());
        file.close();
        const auto three = kube::loadKubeConfig({ path.toStdString() });
        QVERIFY(three.ok());
        QCOMPARE(three->contextNames().size(), std::size_t(3));

        investigation::ConnectionOptions options = m_sandbox.connectionOptions();
        options.sandboxCluster = sandbox;
        options.kubeconfig = path;
        options.context = QStringLiteral("staging");
        InvestigationController controller;
        QVERIFY(controller.open(options).ok());
        auto window = test::newMainWindow(&controller);
        window->setPreferredService(QStringLiteral("payments"));
        window->show();
        QSignalSpy shown(window.get(), &MainWindow::findingsShown);
        controller.refreshNamespaces();
        QVERIFY(test::waitForSignals(shown, 1, 30000));
        QComboBox* box = window->connectionBar()->contextBox();
        QTRY_VERIFY(box->isEnabled());
        QCOMPARE(box->count(), 3);
        QCOMPARE(box->currentText(), QStringLiteral("staging"));

        const int laptop = box->findText(QStringLiteral("laptop"));
        QVERIFY(laptop >= 0);
        box->setCurrentIndex(laptop);
        Q_EMIT box->activated(laptop);
        QCOMPARE(controller.connection()->contextName(), QStringLiteral("laptop"));
        QCOMPARE(controller.connection()->isSandbox(), sandbox); // the same kubeconfig file
        QVERIFY(test::waitForSignals(shown, 2, 30000));
        QCOMPARE(QString::fromStdString(window->findings()->request.service), QStringLiteral("payments"));
        QTRY_COMPARE(box->currentText(), QStringLiteral("laptop"));
        QVERIFY(box->isEnabled());
        const QString incident = window->incident()->isOpen() ? window->incident()->path() : QString();
        window.reset();
        if (!incident.isEmpty())
            QFile::remove(incident);
    }

    void cleanupTestCase()
    {
        const QString incident = m_window && m_window->incident()->isOpen() ? m_window->incident()->path() : QString();
        m_window.reset();
        if (!incident.isEmpty()) {
            QFile::remove(incident);
            const QFileInfo file(incident);
            QDir(file.absolutePath() + QLatin1Char('/') + file.completeBaseName() + QStringLiteral("-dumps"))
                .removeRecursively();
        }
    }
};

QTEST_MAIN(TestMainWindowScreens)
#include "tst_mainwindow_screens.moc"
