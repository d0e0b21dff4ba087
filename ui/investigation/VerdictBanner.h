#pragma once
// A coloured one-line answer at the top of an evidence view: red for a confirmed problem, green
// for healthy, grey when the data cannot tell, amber when the evidence is missing (unknown).

#include <QFrame>

class QLabel;

namespace leakdesk::ui {

class VerdictBanner : public QFrame {
    Q_OBJECT
public:
    enum class Tone { Neutral, Good, Bad, Warning };
    explicit VerdictBanner(QWidget* parent = nullptr);
    void show(Tone tone, const QString& headline, const QString& detail = {});
    QString headline() const;
    QString detail() const;
    Tone tone() const { return m_tone; }

private:
    QLabel* m_headline;
    QLabel* m_detail;
    Tone m_tone = Tone::Neutral;
};

} // namespace leakdesk::ui
