// Alertmanager's answers are untrusted bytes from the network (a proxy, a wrong URL, a hostile
// server): every parser of them must turn anything into a value or an Error, and what it accepts
// must go through the matcher and the target rules without harm.
#include "core/alerts/AlertmanagerApi.h"
#include "core/alerts/MemoryAlerts.h"

#include <QByteArray>

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace leakdesk::alerts;
    const QByteArray body(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    static const MemoryAlertMatcher matcher = MemoryAlertMatcher::defaults();
    if (auto alerts = parseAlerts(body)) {
        for (const MemoryAlert& a : memoryAlerts(*alerts, matcher))
            (void)a.targetText();
    }
    if (auto silences = parseSilences(body)) {
        for (const Silence& s : *silences) {
            (void)silenceToJson(s).dump();
            for (const SilenceMatcher& m : s.matchers)
                (void)m.text();
        }
    }
    (void)parseSilence(body);
    (void)parseSilenceCreated(body);
    (void)alertmanagerErrorText(body);
    (void)parseAlertmanagerTime(std::string_view(body.constData(), std::size_t(body.size())));
    return 0;
}
