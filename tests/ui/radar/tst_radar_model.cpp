// The Radar's table on invented reports: numbers sort by value (not as text), a missing time to the
// limit ("—") sorts last in both orders, the filter keeps rows by namespace, Kind/name or cluster,
// the human texts, the sparkline's scaling and painting, and what the page says around the table
// (failures never hidden, empty states that say why, "nothing is leaking"), and that a click or
// Enter on a row asks for that workload.
#include "ui/investigation/InvestigationController.h"
#include "ui/radar/RadarFilterModel.h"
#include "ui/radar/RadarPage.h"
#include "ui/radar/RadarTableModel.h"
#include "ui/radar/RadarText.h"
#include "ui/radar/SparklineDelegate.h"

#include <QAbstractItemModelTester>
#include <QImage>
#include <QLineEdit>
#include <QPainter>
#include <QSignalSpy>
#include <QStyleOptionViewItem>
#include <QTableView>
#include <QTest>

#include <cmath>
#include <limits>

using namespace leakdesk;
using leakdesk::ui::RadarFilterModel;
using leakdesk::ui::RadarTableModel;

namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr std::int64_t kNowMs = 1'800'000'000'000;

struct Invented {
    const char* ns;
    const char* kind;
    const char* name;
    double score;
    double growthPerHour;
    int oom;
    int restarts;
    std::optional<double> hoursToLimit;
    const char* cluster = "";
};

std::vector<Sample> line(double from, double to, int points = 24)
{
    std::vector<Sample> out;
    for (int i = 0; i < points; ++i)
        out.push_back({ kNowMs - (points - 1 - i) * 15 * 60'000LL, from + (to - from) * i / (points - 1) });
    return out;
}

radar::RadarRow row(const Invented& in)
{
    radar::RadarRow r;
    r.cluster = in.cluster;
    r.ns = in.ns;
    r.workloadKind = in.kind;
    r.workloadName = in.name;
    r.score = in.score;
    r.dataKnown = true;
    r.reason = std::string(in.name) + ": invented";
    r.container = in.name;
    r.growthBytesPerHour = in.growthPerHour;
    r.oomKills24h = in.oom;
    r.restarts24h = in.restarts;
    r.timeToLimitHours = in.hoursToLimit;
    r.workingSetBytes = 300 * kMiB;
    r.limitBytes = 1024 * kMiB;
    r.pods = 3;
    r.sparkline = line(200 * kMiB, 200 * kMiB + 6 * in.growthPerHour);
    return r;
}

// Five workloads whose numbers sort differently as text than as values: "+1.0 GiB/h" < "+10.0 KiB/h"
// < "+100.0 MiB/h" < "+9.0 MiB/h" as text, "10" < "2" for counts, "in 1 d 6 h" < "in 3 h 20 min".
std::shared_ptr<radar::RadarReport> fiveWorkloads()
{
    auto report = std::make_shared<radar::RadarReport>();
    for (const Invented& in : {
             Invented { "production", "Deployment", "checkout", 0.92, 1024 * kMiB, 10, 12, 0.5 },
             Invented { "production", "Deployment", "payments", 0.61, 9 * kMiB, 0, 1, 30.0 },
             Invented { "storefront", "StatefulSet", "search", 0.55, 100 * kMiB, 2, 2, 3.0 + 20.0 / 60 },
             Invented { "storefront", "Rollout", "recommender", 0.05, 10 * 1024.0, 1, 0, std::nullopt },
             Invented { "kube-system", "DaemonSet", "node-agent", 0.02, 0.0, 0, 3, std::nullopt },
         })
        report->rows.push_back(row(in));
    report->namespaces = { "kube-system", "production", "storefront" };
    report->windowMs = 6 * radar::kRadarHourMs;
    report->nowMs = kNowMs;
    return report;
}

// The names of the proxy's rows, top to bottom.
QStringList order(const QAbstractItemModel& proxy)
{
    QStringList names;
    for (int r = 0; r < proxy.rowCount(); ++r)
        names << proxy.index(r, RadarTableModel::Workload)
                     .data(RadarTableModel::WorkloadRole)
                     .toString()
                     .section(QLatin1Char('/'), 1);
    return names;
}

int redPixels(const QImage& image)
{
    int n = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            if (c.red() > 150 && c.green() < 90 && c.blue() < 90)
                ++n;
        }
    return n;
}

} // namespace

class TestRadarModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void modelsPassTheTester()
    {
        RadarTableModel model;
        RadarFilterModel proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setReport(fiveWorkloads());
        proxy.sort(RadarTableModel::Growth, Qt::AscendingOrder);
        proxy.setFilterText(QStringLiteral("store"));
        model.setReport(nullptr);
        QCOMPARE(model.rowCount(), 0);
    }

    void numbersSortByValue_data()
    {
        QTest::addColumn<int>("column");
        QTest::addColumn<int>("sortOrder");
        QTest::addColumn<QStringList>("expected");
        const auto names = [](const char* csv) { return QString::fromLatin1(csv).split(QLatin1Char(',')); };
        QTest::newRow("score descending") << int(RadarTableModel::Score) << int(Qt::DescendingOrder)
                                          << names("checkout,payments,search,recommender,node-agent");
        QTest::newRow("growth ascending") << int(RadarTableModel::Growth) << int(Qt::AscendingOrder)
                                          << names("node-agent,recommender,payments,search,checkout");
        QTest::newRow("growth descending") << int(RadarTableModel::Growth) << int(Qt::DescendingOrder)
                                           << names("checkout,search,payments,recommender,node-agent");
        QTest::newRow("OOM kills descending") << int(RadarTableModel::OomKills) << int(Qt::DescendingOrder)
                                              << names("checkout,search,recommender,payments,node-agent");
        QTest::newRow("restarts ascending") << int(RadarTableModel::Restarts) << int(Qt::AscendingOrder)
                                            << names("recommender,payments,search,node-agent,checkout");
        // "—" (not growing) last whichever way: the soonest first, or the latest first.
        QTest::newRow("limit ascending, dash last") << int(RadarTableModel::TimeToLimit) << int(Qt::AscendingOrder)
                                                    << names("checkout,search,payments,recommender,node-agent");
        QTest::newRow("limit descending, dash last") << int(RadarTableModel::TimeToLimit) << int(Qt::DescendingOrder)
                                                     << names("payments,search,checkout,recommender,node-agent");
        QTest::newRow("namespace ascending") << int(RadarTableModel::Namespace) << int(Qt::AscendingOrder)
                                             << names("node-agent,checkout,payments,search,recommender");
    }
    void numbersSortByValue()
    {
        QFETCH(int, column);
        QFETCH(int, sortOrder);
        QFETCH(QStringList, expected);
        RadarTableModel model;
        RadarFilterModel proxy;
        proxy.setSourceModel(&model);
        model.setReport(fiveWorkloads());
        proxy.sort(column, Qt::SortOrder(sortOrder));
        QCOMPARE(order(proxy), expected);
    }

    // A workload without memory data has no score, no growth: it sorts last, and says "no data".
    void unknownScoreSortsLast()
    {
        auto report = fiveWorkloads();
        radar::RadarRow unknown = row({ "batch", "CronJob", "nightly", 0.0, 0.0, 0, 0, std::nullopt });
        unknown.dataKnown = false;
        unknown.sparkline.clear();
        report->rows.insert(report->rows.begin(), unknown);
        RadarTableModel model;
        RadarFilterModel proxy;
        proxy.setSourceModel(&model);
        model.setReport(report);
        for (const Qt::SortOrder sortOrder : { Qt::AscendingOrder, Qt::DescendingOrder }) {
            proxy.sort(RadarTableModel::Score, sortOrder);
            QCOMPARE(order(proxy).last(), QStringLiteral("nightly"));
        }
        QCOMPARE(model.index(0, RadarTableModel::Score).data().toString(), QStringLiteral("no data"));
        QCOMPARE(model.index(0, RadarTableModel::Growth).data().toString(), ui::noValueText());
        QVERIFY(
            model.index(0, RadarTableModel::Memory).data(RadarTableModel::SparklineRole).value<QPolygonF>().isEmpty());
        QCOMPARE(model.leakingCount(), 3);
    }

    void filterKeepsMatchingRows_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("namespace") << "storefront" << QStringList { "search", "recommender" };
        QTest::newRow("namespace part, any case") << "PROD" << QStringList { "checkout", "payments" };
        QTest::newRow("name part") << "pay" << QStringList { "payments" };
        QTest::newRow("kind and name") << "statefulset/sea" << QStringList { "search" };
        QTest::newRow("kind") << "daemonset" << QStringList { "node-agent" };
        QTest::newRow("spaces around") << "  checkout " << QStringList { "checkout" };
        QTest::newRow("nothing") << "no-such-thing" << QStringList {};
        QTest::newRow("empty shows all") << ""
                                         << QStringList { "checkout", "payments", "search", "recommender",
                                                "node-agent" };
    }
    void filterKeepsMatchingRows()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, expected);
        RadarTableModel model;
        RadarFilterModel proxy;
        proxy.setSourceModel(&model);
        model.setReport(fiveWorkloads());
        proxy.setFilterText(QStringLiteral("x")); // a change, then the one under test
        proxy.setFilterText(text);
        QCOMPARE(order(proxy), expected);
    }

    // A fleet: the cluster column is offered and filters too.
    void clusterLabelFilters()
    {
        auto report = fiveWorkloads();
        report->rows[0].cluster = "eu-west";
        report->rows[1].cluster = "us-east";
        RadarTableModel model;
        RadarFilterModel proxy;
        proxy.setSourceModel(&model);
        model.setReport(report);
        QVERIFY(model.hasClusters());
        proxy.setFilterText(QStringLiteral("us-east"));
        QCOMPARE(order(proxy), QStringList { QStringLiteral("payments") });
        model.setReport(fiveWorkloads());
        QVERIFY(!model.hasClusters());
    }

    void humanTexts_data()
    {
        QTest::addColumn<double>("hours"); // NaN: no projection
        QTest::addColumn<QString>("expected");
        QTest::newRow("none") << std::numeric_limits<double>::quiet_NaN() << "—";
        QTest::newRow("infinite") << std::numeric_limits<double>::infinity() << "—";
        QTest::newRow("reached") << 0.0 << "at the limit";
        QTest::newRow("past") << -2.0 << "at the limit";
        QTest::newRow("seconds") << 0.005 << "in under 1 min";
        QTest::newRow("minutes") << 0.75 << "in 45 min";
        QTest::newRow("hours and minutes") << 3.0 + 20.0 / 60 << "in 3 h 20 min";
        QTest::newRow("whole hours") << 5.0 << "in 5 h";
        QTest::newRow("just under two days") << 47.5 << "in 47 h 30 min";
        QTest::newRow("days") << 24.0 * 4 + 6 << "in 4 d 6 h";
        QTest::newRow("whole days") << 72.2 << "in 3 d";
    }
    void humanTexts()
    {
        QFETCH(double, hours);
        QFETCH(QString, expected);
        QCOMPARE(ui::timeToLimitText(std::isnan(hours) ? std::nullopt : std::optional<double>(hours)), expected);
    }

    void growthTexts_data()
    {
        QTest::addColumn<double>("bytesPerHour");
        QTest::addColumn<QString>("expected");
        QTest::newRow("zero") << 0.0 << "0 B/h";
        QTest::newRow("bytes") << 512.0 << "+512 B/h";
        QTest::newRow("MiB") << 12.3 * kMiB << "+12.3 MiB/h";
        QTest::newRow("GiB") << 1.5 * 1024 * kMiB << "+1.5 GiB/h";
        QTest::newRow("shrinking") << -640.0 * 1024 << "−640.0 KiB/h";
    }
    void growthTexts()
    {
        QFETCH(double, bytesPerHour);
        QFETCH(QString, expected);
        QCOMPARE(ui::growthPerHourText(bytesPerHour), expected);
    }

    // Rising memory spans the cell; scrape noise on a flat line stays near the middle; time is spread
    // over the width by timestamp, not by index.
    void sparklineScaling()
    {
        const QPolygonF rising = RadarTableModel::unitSparkline(line(100 * kMiB, 400 * kMiB));
        QCOMPARE(rising.size(), 24);
        QCOMPARE(rising.first(), QPointF(0, 0));
        QCOMPARE(rising.last(), QPointF(1, 1));
        std::vector<Sample> flat = line(500 * kMiB, 500 * kMiB);
        for (std::size_t i = 0; i < flat.size(); ++i)
            flat[i].value += (i % 2 ? 1.0 : -1.0) * 0.5 * kMiB; // ±0.1 %
        for (const QPointF& p : RadarTableModel::unitSparkline(flat))
            QVERIFY2(std::fabs(p.y() - 0.5) < 0.02, qPrintable(QString::number(p.y())));
        std::vector<Sample> gap = { { 0, 1.0 }, { 1000, 2.0 }, { 4000, 3.0 } };
        QCOMPARE(RadarTableModel::unitSparkline(gap).at(1).x(), 0.25);
        QVERIFY(RadarTableModel::unitSparkline({ { 0, 1.0 } }).isEmpty());
        QVERIFY(RadarTableModel::unitSparkline({}).isEmpty());
    }

    // The delegate draws a leaking row's line in the status red, a healthy one's not.
    void sparklinePaintsLeakingRowsRed()
    {
        RadarTableModel model;
        model.setReport(fiveWorkloads());
        ui::SparklineDelegate delegate(RadarTableModel::SparklineRole, RadarTableModel::LeakingRole);
        QTableView view; // the style and palette the delegate paints with
        auto paintRow = [&](int row) {
            QImage image(160, 28, QImage::Format_ARGB32);
            image.fill(Qt::white);
            QPainter painter(&image);
            QStyleOptionViewItem option;
            option.initFrom(&view);
            option.widget = &view;
            option.rect = image.rect();
            option.state = QStyle::State_Enabled;
            delegate.paint(&painter, option, model.index(row, RadarTableModel::Memory));
            painter.end();
            return image;
        };
        QVERIFY(model.index(0, 0).data(RadarTableModel::LeakingRole).toBool());
        QVERIFY2(redPixels(paintRow(0)) > 40, "checkout's line is not red");
        QVERIFY(!model.index(3, 0).data(RadarTableModel::LeakingRole).toBool());
        QCOMPARE(redPixels(paintRow(3)), 0);
    }

    // Around the table: failures named, not hidden; the reason there is nothing; all clear.
    void pageSaysWhy()
    {
        ui::InvestigationController controller; // not connected: the page shows what it is given
        ui::RadarPage page(&controller);
        page.resize(1200, 600);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QVERIFY2(page.emptyStateText().contains(QStringLiteral("Not connected")), qPrintable(page.emptyStateText()));

        auto report = fiveWorkloads();
        report->failures.push_back({ "storefront", "Growth", "deriv(...)",
            Error { ErrorCode::Network, "Prometheus answered HTTP 503", "after 4 tries" } });
        page.showReport(report);
        QVERIFY(page.emptyStateText().isEmpty());
        QCOMPARE(page.table()->model()->rowCount(), 5);
        QVERIFY2(
            page.failureText().contains(QStringLiteral("namespace storefront, Growth: Prometheus answered HTTP 503 "
                                                       "(after 4 tries)")),
            qPrintable(page.failureText()));
        QVERIFY(page.allClearText().isEmpty());
        QVERIFY2(
            page.summaryText().startsWith(QStringLiteral("3 of 5 workloads leaking")), qPrintable(page.summaryText()));

        auto healthy = fiveWorkloads();
        healthy->rows.erase(healthy->rows.begin(), healthy->rows.begin() + 3);
        page.showReport(healthy);
        QVERIFY(page.failureText().isEmpty());
        QVERIFY2(page.allClearText().startsWith(QStringLiteral("Nothing is leaking")), qPrintable(page.allClearText()));
        QVERIFY(page.allClearText().contains(QStringLiteral("storefront/Rollout/recommender")));

        auto none = fiveWorkloads();
        none->rows.clear();
        page.showReport(none);
        QVERIFY2(page.emptyStateText().startsWith(QStringLiteral("No workloads")), qPrintable(page.emptyStateText()));

        auto noData = fiveWorkloads();
        for (auto& r : noData->rows) {
            r.dataKnown = false;
            r.sparkline.clear();
        }
        page.showReport(noData);
        QVERIFY2(page.emptyStateText().startsWith(QStringLiteral("No memory data")), qPrintable(page.emptyStateText()));
    }

    // A click on a row, or Enter on the current one, asks for that workload, after sorting and filtering.
    void clickOrEnterOpensTheRow()
    {
        ui::InvestigationController controller;
        ui::RadarPage page(&controller);
        page.resize(1200, 600);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        page.showReport(fiveWorkloads());
        QSignalSpy opened(&page, &ui::RadarPage::workloadActivated);
        QTableView* table = page.table();
        table->sortByColumn(RadarTableModel::Restarts, Qt::DescendingOrder); // checkout, node-agent, ...
        const QRect second = table->visualRect(table->model()->index(1, RadarTableModel::Reason));
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, second.center());
        QCOMPARE(opened.size(), 1);
        QCOMPARE(opened[0][0].toString(), QStringLiteral("kube-system"));
        QCOMPARE(opened[0][1].toString(), QStringLiteral("DaemonSet/node-agent"));

        QTest::keyClicks(page.filterBox(), QStringLiteral("search"));
        QCOMPARE(table->model()->rowCount(), 1);
        table->setFocus();
        table->setCurrentIndex(table->model()->index(0, RadarTableModel::Workload));
        QTest::keyClick(table, Qt::Key_Return);
        QCOMPARE(opened.size(), 2);
        QCOMPARE(opened[1][0].toString(), QStringLiteral("storefront"));
        QCOMPARE(opened[1][1].toString(), QStringLiteral("StatefulSet/search"));
    }
};

QTEST_MAIN(TestRadarModel)
#include "tst_radar_model.moc"
