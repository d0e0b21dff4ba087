#pragma once
// Helpers shared by tests: locating the built tools and the source tree, free loopback ports,
// and running external programs (kubectl, promtool, java) with a deadline.

#include <QFileDevice>
#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace leakdesk::test {

QString sourceDir(); // LEAKDESK_SOURCE_DIR
QString binaryDir(); // LEAKDESK_BINARY_DIR
QString cliPath(); // LEAKDESK_CLI: the built leakdesk-cli
quint16 freeLoopbackPort();
QString findProgram(const QString& name); // empty when not on PATH

// Witnesses are the real programs a test compares the product with (kubectl, prometheus, promtool,
// java, pdftotext...; tools/check-witnesses.sh lists them and how to install each). A test whose
// witness is missing proves nothing, so it FAILS, unless LEAKDESK_ALLOW_MISSING_WITNESSES=1, when it
// is skipped, and the binary reports itself skipped to CTest by its exit code, but only when nothing
// in it failed (markWitnessSkipped()): CTest's SKIP_REGULAR_EXPRESSION would call a binary with one
// skipped and one FAILING function "skipped", whatever its exit code.
bool missingWitnessesAllowed();
// Empty when `program` is on PATH; otherwise what is missing and how to install it.
QString missingWitness(const QString& program);
// Records that a test was skipped for a missing witness: when the test binary then exits 0 (no test
// function failed), its exit code becomes LEAKDESK_QTEST_SKIP_EXIT_CODE, CTest's SKIP_RETURN_CODE
// (tests/CMakeLists.txt). A failure (exit code 1..127, a crash) is reported as it is.
void markWitnessSkipped();

// In a test function (or initTestCase): fails, or skips when allowed, naming the missing witness `why`.
#define LEAKDESK_WITNESS_MISSING(why)                                                                                  \
    do {                                                                                                               \
        const QString leakdeskMissingWitness_ = (why);                                                                 \
        if (::leakdesk::test::missingWitnessesAllowed()) {                                                             \
            ::leakdesk::test::markWitnessSkipped();                                                                    \
            QSKIP(qPrintable(leakdeskMissingWitness_));                                                                \
        }                                                                                                              \
        QFAIL(qPrintable(leakdeskMissingWitness_));                                                                    \
    } while (false)

// In a test function (or initTestCase): fails, or skips when allowed, when `program` is not on PATH.
#define LEAKDESK_REQUIRE_WITNESS(program)                                                                              \
    do {                                                                                                               \
        const QString leakdeskWitnessProblem_ = ::leakdesk::test::missingWitness(program);                             \
        if (!leakdeskWitnessProblem_.isEmpty())                                                                        \
            LEAKDESK_WITNESS_MISSING(leakdeskWitnessProblem_);                                                         \
    } while (false)

struct ProcessResult {
    int exitCode = -1;
    bool timedOut = false;
    QByteArray out;
    QByteArray err;
};

ProcessResult runProgram(
    const QString& program, const QStringList& args, int timeoutMs = 60000, const QStringList& extraEnv = {});
// The same in exactly `environment` (nothing inherited that it does not hold).
ProcessResult runProgramIn(
    const QProcessEnvironment& environment, const QString& program, const QStringList& args, int timeoutMs);

// True when process `pid` is gone, or a zombie waiting for a reaper (it runs no more either way: an
// orphan killed in a container whose init never reaps stays one).
bool processIsGone(qint64 pid);

// Ends a process: SIGTERM, then SIGKILL when it does not go within `graceMs`.
void stopProcess(QProcess& process, int graceMs = 5000);

// One `leakdesk-cli sandbox serve` process and the addresses it printed once both servers listen.
// The destructor stops it (SIGTERM, then SIGKILL).
struct ServedSandbox {
    QProcess process;
    QString kubeconfig;
    QString kubeUrl;
    QString prometheusUrl;
    QByteArray startupOutput;

    ServedSandbox() = default;
    ServedSandbox(const ServedSandbox&) = delete;
    ServedSandbox& operator=(const ServedSandbox&) = delete;
    ~ServedSandbox();

    // `args` follow `sandbox serve`. False with `why` when it did not come up within 30 s.
    bool start(const QStringList& args, QString& why);
    // SIGTERM; true when it ended cleanly (exit code 0), as `sandbox serve` must.
    bool stop();
};

// Writes `content` to `path`, replacing it, then sets `permissions` when given (otherwise the file
// keeps the umask's). Empty when written; otherwise why not.
QString writeTestFile(
    const QString& path, const QByteArray& content, std::optional<QFileDevice::Permissions> permissions = std::nullopt);

// Makes a named pipe at `path` (replacing whatever is there), for the tests that a FIFO is refused
// at once rather than blocking open(). Empty when made; otherwise why not.
QString makeFifo(const QString& path);

// Starts a real Prometheus (`program`) with a configuration of our own in `workDir` that scrapes
// nothing, serving the TSDB at `tsdbPath` (empty, or backfilled with promtool) on a free loopback
// port, and waits until /-/ready answers 200. Sets `url`; false with `why` when it did not start or
// was not ready within 60 s. The caller owns `process` (and stops it).
bool startLocalPrometheus(QProcess& process, const QString& program, const QString& workDir, const QString& tsdbPath,
    const QStringList& extraArgs, QUrl& url, QString& why);

// Starts a real VictoriaMetrics (`program`, Debian's victoria-metrics) storing into `storagePath` on a
// free loopback port with `extraArgs`, and waits until /health answers 200. Sets `url`; false with
// `why` otherwise.
bool startLocalVictoriaMetrics(QProcess& process, const QString& program, const QString& storagePath,
    const QStringList& extraArgs, QUrl& url, QString& why);

// Starts a real Alertmanager (`program`, Debian's prometheus-alertmanager) with a configuration of
// our own in `workDir` (one route to one receiver without integrations: it notifies nobody),
// storage in `workDir`, no gossip port, on a free loopback port; waits until /-/ready answers 200.
bool startLocalAlertmanager(QProcess& process, const QString& program, const QString& workDir, QUrl& url, QString& why);

// Starts a real vmauth (`program`) with the auth configuration at `configPath` on a free loopback
// port, and waits until its /health answers 200. Sets `url`; false with `why` otherwise.
bool startLocalVmauth(QProcess& process, const QString& program, const QString& configPath, QUrl& url, QString& why);

// The sandbox's OpenMetrics export (timestamps in seconds) as the Prometheus text exposition with
// timestamps in milliseconds, which VictoriaMetrics' /api/v1/import/prometheus reads (it takes a
// timestamp as milliseconds): comments and # EOF dropped, samples otherwise unchanged.
QByteArray openMetricsToImportText(const QByteArray& openMetrics);

// Rows of kubectl's human-readable tables: columns are separated by at least two spaces.
QList<QStringList> tableRows(const QByteArray& out);

} // namespace leakdesk::test
