#include "ui/main/SuspectsStepPage.h"

#include "ui/heap/HeapView.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace leakdesk::ui {

namespace {
// The few a responder reads before opening the Heap view; the rest are one click away there.
constexpr std::size_t kSuspectsListed = 3;
} // namespace

SuspectsStepPage::SuspectsStepPage(HeapView* heapView, QWidget* parent)
    : QWidget(parent)
    , m_heapView(heapView)
    , m_summary(new QLabel(this))
    , m_showSuspects(new QPushButton(tr("Show leak suspects"), this))
    , m_capture(new QPushButton(tr("Capture a heap dump (step before)"), this))
{
    m_summary->setObjectName(QStringLiteral("suspectsSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_showSuspects->setObjectName(QStringLiteral("showSuspectsButton"));
    m_showSuspects->setToolTip(tr("The Heap view's leak suspects, with the path from a GC root of each"));
    m_capture->setObjectName(QStringLiteral("goToCaptureButton"));
    connect(m_showSuspects, &QPushButton::clicked, this, &SuspectsStepPage::showSuspectsRequested);
    connect(m_capture, &QPushButton::clicked, this, &SuspectsStepPage::captureRequested);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_showSuspects);
    buttons->addWidget(m_capture);
    buttons->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_summary);
    layout->addLayout(buttons);
    layout->addStretch(1);

    connect(m_heapView, &HeapView::analysisFinished, this, &SuspectsStepPage::update);
    connect(m_heapView, &HeapView::dumpOpened, this, &SuspectsStepPage::update);
    update();
}

QString SuspectsStepPage::summaryText() const
{
    return m_summary->text();
}

void SuspectsStepPage::update()
{
    const auto analysis = m_heapView->analysis();
    m_showSuspects->setVisible(analysis != nullptr);
    m_capture->setVisible(analysis == nullptr);
    if (!analysis) {
        m_summary->setText(m_heapView->isBusy()
                ? tr("The heap dump is being analysed; its leak suspects appear here when it is done.")
                : tr("No heap dump analysed yet. The leak suspects of a dump (caches that never evict, "
                     "listeners never removed, connections left open, thread-locals piling up) appear "
                     "here once one is captured or opened."));
        return;
    }
    const QString file = QFileInfo(analysis->path).fileName().toHtmlEscaped();
    if (analysis->suspects.empty()) {
        m_summary->setText(tr("The analysis of <b>%1</b> found no leak suspect: nothing retains an unusual "
                              "share of the heap. Compare it with a later dump (what grows is the leak).")
                               .arg(file));
        return;
    }
    QString html = tr(
        "The analysis of <b>%1</b> found %n leak suspect(s):", nullptr, static_cast<int>(analysis->suspects.size()))
                       .arg(file);
    html += QStringLiteral("<ol>");
    const std::size_t shown = std::min(kSuspectsListed, analysis->suspects.size());
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& s = analysis->suspects[i];
        html += QStringLiteral("<li>%1 — %2</li>")
                    .arg(QString::fromStdString(s.owner.empty() ? s.className : s.owner).toHtmlEscaped(),
                        QString::fromStdString(s.explanation).toHtmlEscaped());
    }
    html += QStringLiteral("</ol>");
    m_summary->setText(html);
}

} // namespace leakdesk::ui
