#pragma once
// Removes what a test's incident left on disk: the incident file, its backup and the folder of
// heap dumps captured next to it. Header-only: only tests that link the core include it.
#include "core/incident/IncidentStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace leakdesk::test {

inline void removeIncidentFiles(const QString& incidentPath)
{
    if (incidentPath.isEmpty())
        return;
    QFile::remove(incidentPath);
    QFile::remove(incident::IncidentStore::backupPathFor(incidentPath));
    const QFileInfo file(incidentPath);
    QDir(file.absolutePath() + QLatin1Char('/') + file.completeBaseName() + QStringLiteral("-dumps")).removeRecursively();
}

} // namespace leakdesk::test
