// The Run button reads kubectl argv against a flag table written into the source
// (core/runbook/KubectlFlagTable.cpp). This checks that table against the real kubectl v1.32 on
// PATH, command by command: every flag of its help is in the table and nothing else, with the same
// shorthand, and boolean or value-taking alike; flags that take a value only as --flag=value
// (pflag's NoOptDefVal) are told apart by running kubectl; subcommands and aliases match; and every
// command kubectl lists is known to the reading (never taken for a plugin).
#include "TestSupport.h"

#include "core/runbook/KubectlCommand.h"
#include "core/runbook/KubectlFlagTable.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk::runbook;

namespace {

struct HelpFlag {
    QString name;
    QChar shorthand;
    bool boolean = false;
    bool operator==(const HelpFlag& o) const
    {
        return name == o.name && shorthand == o.shorthand && boolean == o.boolean;
    }
};

QString describe(const HelpFlag& f)
{
    return (f.shorthand.isNull() ? QString() : QStringLiteral("-%1|").arg(f.shorthand)) + QStringLiteral("--") + f.name
        + (f.boolean ? QStringLiteral(" (boolean)") : QStringLiteral(" (value)"));
}

} // namespace

class TestKubectlFlagTable : public QObject {
    Q_OBJECT

    QString m_kubectl;
    QTemporaryDir m_home;

    struct Run {
        int exitCode = -1;
        QString out;
        QString err;
    };

    Run kubectl(const QStringList& args)
    {
        QProcess p;
        QProcessEnvironment env;
        env.insert(QStringLiteral("PATH"), QStringLiteral("/usr/bin:/bin"));
        env.insert(QStringLiteral("HOME"), m_home.path());
        env.insert(QStringLiteral("KUBECONFIG"), QStringLiteral("/dev/null"));
        p.setProcessEnvironment(env);
        p.setStandardInputFile(QProcess::nullDevice());
        p.start(m_kubectl, args);
        if (!p.waitForFinished(20000)) {
            p.kill();
            p.waitForFinished(2000);
            return {};
        }
        return { p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError()) };
    }

    // "    -n, --namespace='':" / "    --watch=false:" lines of an Options section.
    static QList<HelpFlag> flagsOfHelp(const QString& help)
    {
        static const QRegularExpression line(QStringLiteral(R"(^    (?:-(\w), )?--([\w-]+)=(.*):$)"));
        QList<HelpFlag> out;
        bool inOptions = false;
        for (const QString& l : help.split(QLatin1Char('\n'))) {
            if (l.startsWith(QLatin1String("Options:")) || l.startsWith(QLatin1String("The following options"))) {
                inOptions = true;
                continue;
            }
            if (inOptions && l.startsWith(QLatin1String("Usage:")))
                break;
            const auto m = line.match(l);
            if (inOptions && m.hasMatch()) {
                const QString def = m.captured(3);
                out.append({ m.captured(2), m.captured(1).isEmpty() ? QChar() : m.captured(1).at(0),
                    def == QLatin1String("true") || def == QLatin1String("false") });
            }
        }
        return out;
    }

    static QStringList section(const QString& help, const QString& title)
    {
        QStringList out;
        bool in = false;
        for (const QString& l : help.split(QLatin1Char('\n'))) {
            if (l.startsWith(title)) {
                in = true;
                continue;
            }
            if (in && l.trimmed().isEmpty())
                break;
            if (in && l.startsWith(QLatin1String("  ")))
                out << l.trimmed().section(QLatin1Char(' '), 0, 0);
        }
        return out;
    }

    static QList<HelpFlag> flagsOfTable(const std::vector<KubectlFlag>& flags)
    {
        QList<HelpFlag> out;
        for (const KubectlFlag& f : flags)
            out.append({ QString::fromStdString(f.name), f.shorthand ? QChar(QLatin1Char(f.shorthand)) : QChar(),
                f.value == FlagValue::None });
        return out;
    }

    static void compareFlags(const QList<HelpFlag>& help, const QList<HelpFlag>& table, const QString& where)
    {
        QStringList missing;
        QStringList extra;
        for (const HelpFlag& h : help)
            if (!table.contains(h))
                missing << describe(h);
        for (const HelpFlag& t : table)
            if (!help.contains(t))
                extra << describe(t);
        QVERIFY2(missing.isEmpty() && extra.isEmpty(),
            qPrintable(where + QStringLiteral(": in kubectl's help but not in the table: ")
                + missing.join(QStringLiteral(", ")) + QStringLiteral("; in the table but not in the help: ")
                + extra.join(QStringLiteral(", "))));
    }

private Q_SLOTS:
    void initTestCase()
    {
        // kubectl is a witness: missing, this test fails unless told that is allowed.
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        m_kubectl = QStandardPaths::findExecutable(QStringLiteral("kubectl"));
        QVERIFY(m_home.isValid());
        const Run v = kubectl(
            { QStringLiteral("version"), QStringLiteral("--client"), QStringLiteral("-o"), QStringLiteral("json") });
        const QJsonObject client
            = QJsonDocument::fromJson(v.out.toUtf8()).object().value(QLatin1String("clientVersion")).toObject();
        QVERIFY2(client.value(QLatin1String("major")).toString() == QLatin1String("1")
                && client.value(QLatin1String("minor")).toString().startsWith(QLatin1String("32")),
            qPrintable(QStringLiteral("the table is kubectl v1.32's; found ")
                + client.value(QLatin1String("gitVersion")).toString()));
    }

    void globalFlags()
    {
        const Run r = kubectl({ QStringLiteral("options") });
        QCOMPARE(r.exitCode, 0);
        const auto help = flagsOfHelp(r.out);
        QVERIFY(help.size() > 20);
        compareFlags(help, flagsOfTable(kubectlGlobalFlags()), QStringLiteral("kubectl options"));
    }

    void commandFlags_data()
    {
        QTest::addColumn<QString>("path");
        for (const KubectlVerb& v : kubectlVerbs())
            QTest::newRow(v.path.c_str()) << QString::fromStdString(v.path);
    }

    void commandFlags()
    {
        QFETCH(QString, path);
        const KubectlVerb* verb = findKubectlVerb(path.toStdString());
        QVERIFY(verb);
        const Run r = kubectl(path.split(QLatin1Char(' ')) << QStringLiteral("--help"));
        QCOMPARE(r.exitCode, 0);
        compareFlags(flagsOfHelp(r.out), flagsOfTable(verb->flags), QStringLiteral("kubectl ") + path);
        // Subcommands and aliases.
        QStringList tableSubs;
        for (const KubectlVerb& v : kubectlVerbs())
            if (v.path.rfind(verb->path + " ", 0) == 0 && v.path.find(' ', verb->path.size() + 1) == std::string::npos)
                tableSubs << QString::fromStdString(v.path.substr(verb->path.size() + 1));
        QStringList helpSubs = section(r.out, QStringLiteral("Available Commands:"));
        helpSubs.sort();
        tableSubs.sort();
        QCOMPARE(tableSubs, helpSubs);
        QCOMPARE(verb->hasSubcommands, !helpSubs.isEmpty());
        QStringList aliases;
        for (const std::string& a : verb->aliases)
            aliases << QString::fromStdString(a);
        const auto aliasLine
            = QRegularExpression(QStringLiteral("^Aliases:\\n(.*)$"), QRegularExpression::MultilineOption).match(r.out);
        QStringList helpAliases;
        if (aliasLine.hasMatch())
            helpAliases = aliasLine.captured(1).split(QLatin1Char(','), Qt::SkipEmptyParts).mid(1);
        for (QString& a : helpAliases)
            a = a.trimmed();
        QCOMPARE(aliases, helpAliases);
    }

    // Which value flags take the next word: kubectl itself says "flag needs an argument" when one
    // that needs it is given last; a NoOptDefVal flag (table "=?") does not.
    void valueFlagsTakeTheNextWordOrNot_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("flag");
        QTest::addColumn<bool>("required");
        for (const KubectlVerb& v : kubectlVerbs()) {
            bool sampledRequired = false;
            for (const KubectlFlag& f : v.flags) {
                // Every optional one, and one required one per command.
                if (f.value == FlagValue::Optional || (f.value == FlagValue::Required && !sampledRequired)) {
                    sampledRequired = sampledRequired || f.value == FlagValue::Required;
                    QTest::newRow((v.path + " --" + f.name).c_str()) << QString::fromStdString(
                        v.path) << QString::fromStdString(f.name) << (f.value == FlagValue::Required);
                }
            }
        }
        for (const KubectlFlag& f : kubectlGlobalFlags())
            if (f.value != FlagValue::None)
                QTest::newRow(("global --" + f.name).c_str())
                    << QStringLiteral("version") << QString::fromStdString(f.name) << (f.value == FlagValue::Required);
    }

    void valueFlagsTakeTheNextWordOrNot()
    {
        QFETCH(QString, path);
        QFETCH(QString, flag);
        QFETCH(bool, required);
        // --request-timeout bounds whatever kubectl then tries against the (absent) server.
        const Run r = kubectl(QStringList { QStringLiteral("--request-timeout=1s") } + path.split(QLatin1Char(' '))
            << QStringLiteral("--") + flag);
        QCOMPARE(r.err.contains(QLatin1String("flag needs an argument")), required);
    }

    // Every command kubectl lists is read as a built-in command (allowed or refused), never as a
    // plugin, so a new kubectl command cannot slip through as "unknown".
    void everyListedCommandIsKnown()
    {
        const Run r = kubectl({ QStringLiteral("--help") });
        QCOMPARE(r.exitCode, 0);
        static const QRegularExpression command(QStringLiteral(R"(^  ([a-z][a-z-]+)\s{2,})"));
        int seen = 0;
        for (const QString& l : r.out.split(QLatin1Char('\n'))) {
            const auto m = command.match(l);
            if (!m.hasMatch())
                continue;
            ++seen;
            const auto a = analyseKubectlCommand("kubectl " + m.captured(1).toStdString());
            QVERIFY2(a.reason.find("plugin") == std::string::npos || m.captured(1) == QLatin1String("plugin"),
                qPrintable(m.captured(1) + QStringLiteral(": ") + QString::fromStdString(a.reason)));
        }
        QVERIFY(seen > 30);
    }
};

QTEST_GUILESS_MAIN(TestKubectlFlagTable)
#include "tst_kubectl_flag_table.moc"
