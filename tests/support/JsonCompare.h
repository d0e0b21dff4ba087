#pragma once
// QCOMPARE for nlohmann::json: compares a JSON value with a plain one (anything json converts
// from) and prints both as JSON when they differ, where QCOMPARE would print nothing readable.

#include <QString>
#include <QTest>

#include <nlohmann/json.hpp>

#define QCOMPARE_JSON(actual, expected)                                                                                \
    do {                                                                                                               \
        const nlohmann::json actualJson_ = (actual);                                                                   \
        const nlohmann::json expectedJson_ = (expected);                                                               \
        QVERIFY2(actualJson_ == expectedJson_,                                                                         \
            qPrintable(                                                                                                \
                QString::fromStdString(#actual " is " + actualJson_.dump() + ", expected " + expectedJson_.dump())));  \
    } while (false)
