// Not a test of LeakDesk: the probe that test_witness_skip_never_hides_failure runs under CTest to
// check how the suite reports skips. Each function does one thing; the check picks which ones run
// (Qt Test's command line) and what CTest must then report.
#include "TestSupport.h"

#include <QTest>

class WitnessProbe : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void missingWitness()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("leakdesk-probe-witness-that-is-never-installed"));
    }
    void fails() { QFAIL("the probe fails on purpose"); }
    void passes() { QVERIFY(true); }
};

QTEST_GUILESS_MAIN(WitnessProbe)
#include "tst_witness_probe.moc"
