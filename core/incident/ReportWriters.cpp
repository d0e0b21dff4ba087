#include "core/incident/ReportWriters.h"

#include <sstream>

namespace leakdesk::incident {

namespace {

std::string mdCell(const std::string& text)
{
    std::string out;
    for (char c : text) {
        if (c == '|')
            out += "\\|";
        else if (c == '\n')
            out += "<br>";
        else
            out += c;
    }
    return out.empty() ? " " : out;
}

std::string fence(const std::string& code)
{
    // A fence longer than any backtick run inside the code.
    std::size_t longest = 0, run = 0;
    for (char c : code) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return std::string(std::max<std::size_t>(3, longest + 1), '`');
}

} // namespace

std::string escapeHtml(const std::string& text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string writeMarkdown(const IncidentReport& report, const ChartLink& chartLink)
{
    std::ostringstream out;
    out << "# " << report.title << "\n";
    for (const auto& b : report.blocks) {
        out << "\n";
        switch (b.kind) {
        case ReportBlock::Kind::Heading:
            out << std::string(std::size_t(b.level), '#') << ' ' << b.text << "\n";
            break;
        case ReportBlock::Kind::Paragraph:
            out << b.text << "\n";
            break;
        case ReportBlock::Kind::Table: {
            out << '|';
            for (const auto& h : b.table.headers)
                out << ' ' << mdCell(h) << " |";
            out << "\n|";
            for (std::size_t i = 0; i < b.table.headers.size(); ++i)
                out << "---|";
            out << "\n";
            for (const auto& row : b.table.rows) {
                out << '|';
                for (const auto& cell : row)
                    out << ' ' << mdCell(cell) << " |";
                out << "\n";
            }
            break;
        }
        case ReportBlock::Kind::Bullets:
            for (const auto& item : b.items)
                out << "- " << item << "\n";
            break;
        case ReportBlock::Kind::Checklist:
            for (const auto& item : b.checklist)
                out << "- [" << (item.state == StepState::Done ? 'x' : ' ') << "] " << item.text << "\n";
            break;
        case ReportBlock::Kind::Code: {
            const std::string f = fence(b.text);
            out << f << b.language << "\n"
                << b.text << (b.text.empty() || b.text.back() != '\n' ? "\n" : "") << f << "\n";
            break;
        }
        case ReportBlock::Kind::Chart: {
            const std::string link = chartLink ? chartLink(b.snapshotId) : std::string();
            if (!link.empty())
                out << "![" << b.text << "](" << link << ")\n\n";
            out << "*" << b.text << "*\n";
            break;
        }
        }
    }
    return out.str();
}

const char* reportStyleSheet()
{
    return "body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 14px; color: #222; max-width: 1100px; "
           "margin: 24px auto; padding: 0 16px; }\n"
           "h1 { font-size: 24px; border-bottom: 2px solid #c33; padding-bottom: 4px; }\n"
           "h2 { font-size: 19px; margin-top: 28px; border-bottom: 1px solid #ddd; }\n"
           "h3 { font-size: 16px; }\n"
           "table { border-collapse: collapse; margin: 8px 0; }\n"
           "table.fixed { table-layout: fixed; width: 100%; }\n"
           "th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; "
           "overflow-wrap: anywhere; }\n"
           "th { background: #f3f3f3; }\n"
           // Long commands wrap, breaking inside a long token if they must, instead of running off the page.
           "pre { background: #f7f7f7; border: 1px solid #e3e3e3; padding: 8px; font-size: 12px; white-space: "
           "pre-wrap; "
           "overflow-wrap: anywhere; word-break: break-all; }\n"
           "@media print { h2.new-page { page-break-before: always; } }\n"
           ".add { color: #1a7f37; } .del { color: #cf222e; } .hunk { color: #6639ba; }\n"
           ".done { color: #1a7f37; } .skipped { color: #9a6700; } .pending { color: #666; }\n"
           "ul.checklist { list-style: none; padding-left: 8px; }\n"
           "figure { margin: 8px 0; } figcaption { color: #555; font-size: 12px; font-style: italic; }\n"
           "img { max-width: 100%; }\n";
}

const char* reportPrintStyleSheet()
{
    return "h1 { font-size: 16pt; color: #222; }\n"
           "h2 { font-size: 13pt; color: #222; margin-top: 12px; }\n"
           "h3 { font-size: 11pt; }\n"
           "th { background-color: #eeeeee; }\n"
           "pre { font-family: 'DejaVu Sans Mono', monospace; font-size: 7pt; background-color: #f7f7f7; "
           "white-space: pre-wrap; }\n"
           ".add { color: #1a7f37; } .del { color: #cf222e; } .hunk { color: #6639ba; }\n"
           ".done { color: #1a7f37; } .skipped { color: #9a6700; } .pending { color: #666666; }\n"
           "p.caption { color: #555555; font-size: 8pt; font-style: italic; }\n";
}

std::string writeHtml(const IncidentReport& report, const ChartLink& chartSource, const HtmlStyle& style)
{
    std::ostringstream out;
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << escapeHtml(report.title)
        << "</title>\n";
    if (style.embedStyleSheet)
        out << "<style>\n" << reportStyleSheet() << "</style>\n";
    out << "</head>\n<body>\n<h1>" << escapeHtml(report.title) << "</h1>\n";
    for (const auto& b : report.blocks) {
        switch (b.kind) {
        case ReportBlock::Kind::Heading:
            out << "<h" << b.level
                << (b.pageBreakBefore ? " class=\"new-page\" style=\"page-break-before: always\"" : "") << ">"
                << escapeHtml(b.text) << "</h" << b.level << ">\n";
            break;
        case ReportBlock::Kind::Paragraph:
            out << "<p>" << escapeHtml(b.text) << "</p>\n";
            break;
        case ReportBlock::Kind::Table: {
            // Fixed column shares: the text column keeps its width however long a time or a
            // name in another column is (QTextDocument and browsers both honour these widths).
            const auto& widths = b.table.columnWidths;
            auto width = [&](std::size_t column) {
                return column < widths.size() && widths[column] > 0
                    ? " width=\"" + std::to_string(widths[column]) + "%\""
                    : std::string();
            };
            out << "<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\""
                << (widths.empty() ? "" : " class=\"fixed\" width=\"100%\"") << ">\n";
            bool header = false;
            for (const auto& h : b.table.headers)
                header = header || !h.empty();
            if (header) {
                out << "<tr>";
                for (std::size_t i = 0; i < b.table.headers.size(); ++i)
                    out << "<th" << width(i) << ">" << escapeHtml(b.table.headers[i]) << "</th>";
                out << "</tr>\n";
            }
            for (std::size_t r = 0; r < b.table.rows.size(); ++r) {
                const auto& row = b.table.rows[r];
                // Without a header row, the first row carries the widths.
                auto rowWidth = [&](std::size_t column) { return !header && r == 0 ? width(column) : std::string(); };
                out << "<tr>";
                for (std::size_t i = 0; i < row.size(); ++i) {
                    std::string cell = escapeHtml(row[i]);
                    for (std::size_t p = 0; (p = cell.find('\n', p)) != std::string::npos;)
                        cell.replace(p, 1, "<br>");
                    // Key/value tables: the key column is a header cell.
                    if (!header && i == 0)
                        out << "<th" << rowWidth(i) << ">" << cell << "</th>";
                    else
                        out << "<td" << rowWidth(i) << ">" << cell << "</td>";
                }
                out << "</tr>\n";
            }
            out << "</table>\n";
            break;
        }
        case ReportBlock::Kind::Bullets:
            out << "<ul>\n";
            for (const auto& item : b.items)
                out << "<li>" << escapeHtml(item) << "</li>\n";
            out << "</ul>\n";
            break;
        case ReportBlock::Kind::Checklist:
            out << "<ul class=\"checklist\">\n";
            for (const auto& item : b.checklist) {
                const char* box = item.state == StepState::Done ? "&#9745;"
                    : item.state == StepState::Skipped          ? "&#9746;"
                                                                : "&#9744;";
                out << "<li class=\"" << stepStateName(item.state) << "\"><span class=\"" << stepStateName(item.state)
                    << "\">" << box << "</span> " << escapeHtml(item.text) << "</li>\n";
            }
            out << "</ul>\n";
            break;
        case ReportBlock::Kind::Code: {
            out << "<pre>";
            std::istringstream lines(b.text);
            std::string line;
            bool first = true;
            while (std::getline(lines, line)) {
                if (!first)
                    out << "\n";
                first = false;
                const char* cls = nullptr;
                if (b.language == "diff" && !line.empty()) {
                    if (line.rfind("@@", 0) == 0)
                        cls = "hunk";
                    else if (line[0] == '+' && line.rfind("+++", 0) != 0)
                        cls = "add";
                    else if (line[0] == '-' && line.rfind("---", 0) != 0)
                        cls = "del";
                }
                if (cls)
                    out << "<span class=\"" << cls << "\">" << escapeHtml(line) << "</span>";
                else
                    out << escapeHtml(line);
            }
            out << "</pre>\n";
            break;
        }
        case ReportBlock::Kind::Chart: {
            const std::string src = chartSource ? chartSource(b.snapshotId) : std::string();
            if (!src.empty())
                out << "<p><img src=\"" << src << "\" width=\"" << style.chartWidth << "\" alt=\"" << escapeHtml(b.text)
                    << "\"></p>\n";
            out << "<p class=\"caption\"><i>" << escapeHtml(b.text) << "</i></p>\n";
            break;
        }
        }
    }
    out << "</body>\n</html>\n";
    return out.str();
}

} // namespace leakdesk::incident
