import Events
import Foundation
import Presentation

extension ReplayReport {
    /// One self-contained HTML file that opens offline: the tables of the text report, and SVG
    /// charts — each referral's alerts per day, baseline against candidate, and each score's
    /// observed readmission rate by band (with its 95 % interval) beside the published one. No
    /// script, no link to anything outside the file.
    public func html(diff: Bool, baselineName: String, candidateName: String) -> String {
        var page = HTMLPage()
        page.raw(
            """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>RiskScreen replay: what the rule change would do</title>
            <style>
            body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f24; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
            h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
            .lead { color: #57606a; } table { border-collapse: collapse; margin: .6rem 0; } th, td { padding: .25rem .7rem; border-bottom: 1px solid #eaeef2; text-align: right; }
            th:first-child, td:first-child { text-align: left; } th { background: #f6f8fa; font-weight: 600; } td:not(:first-child) { white-space: nowrap; }
            .up { color: #9a3412; } .down { color: #166534; } .charts { display: flex; flex-wrap: wrap; gap: 1rem; }
            figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: .2rem; } .legend span { margin-right: 1rem; }
            .key { display: inline-block; width: 1.4rem; height: .25rem; vertical-align: middle; margin-right: .3rem; }
            ul.changes { font-family: ui-monospace, monospace; font-size: 13px; list-style: none; padding: 0; } ul.changes li { padding: .1rem 0; }
            .added { color: #166534; } .removed { color: #9a3412; } .changed { color: #6e40c9; } .note { color: #57606a; font-size: 13px; }
            </style></head><body>
            """)
        page.element("h1", "What the rule change would do")
        let span = totals.firstDay.map { "\($0) to \(totals.lastDay.map(\.description) ?? "?")" } ?? "no events"
        page.element(
            "p",
            "Replayed \(totals.events) archived events (\(totals.discharges) discharges, \(span), \(totals.days) days).",
            class: "lead")
        page.raw("<table><tr><th>rule set</th><th>rules</th><th>alerts</th></tr>")
        page.row(["baseline", baselineName, "\(baselineAlerts)"])
        page.row(["candidate", candidateName, "\(candidateAlerts)"])
        page.raw("</table>")
        page.element(
            "p",
            "\(added) alerts added, \(removed) removed, \(changed) at another priority (\(Self.signed(candidateAlerts - baselineAlerts)) in all)."
        )

        page.element("h2", "Each team's workload")
        page.raw(
            "<table><tr><th>referral</th><th>baseline</th><th>candidate</th><th>change</th><th>per 100 discharges</th><th>per day</th></tr>"
        )
        for referral in referrals {
            let change = referral.changePercent.map { Self.percent($0) } ?? "new"
            page.row(
                [
                    referral.referral, "\(referral.baseline)", "\(referral.candidate)", change,
                    "\(Self.number(perHundredDischarges(referral.baseline))) → \(Self.number(perHundredDischarges(referral.candidate)))",
                    "\(Self.number(perDay(referral.baseline))) → \(Self.number(perDay(referral.candidate)))",
                ],
                classes: [
                    nil, nil, nil,
                    referral.candidate > referral.baseline
                        ? "up" : referral.candidate < referral.baseline ? "down" : nil,
                ])
        }
        page.raw("</table>")
        page.raw(
            "<p class=\"legend\"><span><span class=\"key\" style=\"background:#57606a\"></span>baseline (dashed)</span><span><span class=\"key\" style=\"background:#0969da\"></span>candidate</span></p><div class=\"charts\">"
        )
        for referral in referrals { page.raw(dailyChart(referral.referral)) }
        page.raw("</div>")

        page.element("h2", "Each rule")
        page.raw("<table><tr><th>rule</th><th>baseline</th><th>candidate</th><th>added</th><th>removed</th></tr>")
        for rule in rules {
            page.row(["\(rule.ruleID)", "\(rule.baseline)", "\(rule.candidate)", "+\(rule.added)", "−\(rule.removed)"])
        }
        page.raw("</table>")

        if !patients.isEmpty {
            page.element("h2", "Patients with most alerts (candidate)")
            page.raw("<table><tr><th>patient</th><th>baseline</th><th>candidate</th></tr>")
            for patient in patients { page.row([patient.patientID, "\(patient.baseline)", "\(patient.candidate)"]) }
            page.raw("</table>")
        }

        if let backtest { backtestSection(backtest, into: &page) }

        if diff {
            page.element("h2", "Every alert added, removed or changed")
            if changes.isEmpty { page.element("p", "None.") }
            page.raw("<ul class=\"changes\">")
            for change in changes { page.element("li", Self.line(change), class: change.kind.rawValue) }
            page.raw("</ul>")
        }
        page.element(
            "p",
            "Each event was decided at its own time through the rules and the alert policy, in memory; the daemon's home was not touched. The archive holds only what this hospital's RiskScreen saw (docs/replay.md).",
            class: "note")
        page.raw("</body></html>\n")
        return page.text
    }

    private func backtestSection(_ backtest: BacktestResult, into page: inout HTMLPage) {
        page.element("h2", "How well the readmission rules predicted what happened next")
        let rate =
            backtest.discharges == 0
            ? "–" : Self.percent(Double(backtest.readmitted) / Double(backtest.discharges) * 100, signed: false)
        page.element(
            "p",
            "\(backtest.discharges) hospital discharges with \(backtest.windowDays) days of follow-up in the archive; \(backtest.readmitted) readmitted within \(backtest.windowDays) days, unplanned (\(rate)). Left out: \(backtest.leftOutTooRecent) too recent, \(backtest.leftOutDied) died. "
                + (backtest.knowsPlanned
                    ? "Planned readmissions (the rules' planned_admission) are not counted."
                    : "The rules declare no planned_admission: every readmission is counted."))
        page.raw(
            "<table><tr><th>rule (candidate)</th><th>alerted</th><th>caught</th><th>sensitivity</th><th>PPV</th><th>per 100 discharges</th><th>number needed to alert</th><th>baseline sensitivity / PPV</th></tr>"
        )
        for rule in backtest.candidateRules {
            let before = backtest.baselineRules.first { $0.ruleID == rule.ruleID }
            page.row([
                rule.ruleID, "\(rule.alerted)", "\(rule.truePositives) of \(rule.readmitted)",
                Self.fraction(rule.sensitivity), Self.fraction(rule.positivePredictiveValue),
                Self.number(rule.alertsPerHundredDischarges), Self.number(rule.numberNeededToAlert),
                before.map { "\(Self.fraction($0.sensitivity)) / \(Self.fraction($0.positivePredictiveValue))" } ?? "–",
            ])
        }
        page.raw("</table>")
        if !backtest.candidateScores.isEmpty {
            page.raw(
                "<p class=\"legend\"><span><span class=\"key\" style=\"background:#0969da\"></span>observed (95 % interval)</span><span><span class=\"key\" style=\"background:#bc4c00\"></span>published</span></p><div class=\"charts\">"
            )
            for calibration in backtest.candidateScores { page.raw(calibrationChart(calibration)) }
            page.raw("</div>")
            for calibration in backtest.candidateScores {
                page.raw(
                    "<table><tr><th>\(HTMLPage.escape(calibration.score.uppercased())) band</th><th>discharges</th><th>readmitted</th><th>observed</th><th>95 % interval</th><th>published</th></tr>"
                )
                for band in calibration.bands {
                    page.row([
                        band.label, "\(band.discharges)", "\(band.readmitted)", Self.fraction(band.observed),
                        band.interval.map { "\(Self.fraction($0.low))–\(Self.fraction($0.high))" } ?? "–",
                        band.published.map { "≈ " + Self.fraction($0) } ?? "not given",
                    ])
                }
                page.raw("</table>")
            }
        }
    }

    /// One referral's alerts per day: the baseline and the candidate as two lines.
    func dailyChart(_ referral: String) -> String {
        let width = 520.0, height = 150.0, left = 36.0, bottom = 22.0, top = 8.0, right = 8.0
        guard let first = totals.firstDay, let last = totals.lastDay else { return "" }
        let days = max(1, first.days(until: last))
        let counts = daily[referral] ?? [:]
        let peak = max(1, counts.values.map { max($0.baseline, $0.candidate) }.max() ?? 1)
        func x(_ day: Int) -> Double { left + (width - left - right) * Double(day) / Double(days) }
        func y(_ count: Int) -> Double { top + (height - top - bottom) * (1 - Double(count) / Double(peak)) }
        func points(_ value: ((baseline: Int, candidate: Int)) -> Int) -> String {
            (0...days).map { offset -> String in
                let day = LocalDate(daysSinceEpoch: first.daysSinceEpoch + offset)
                let count = counts[day].map(value) ?? 0
                return String(format: "%.1f,%.1f", x(offset), y(count))
            }.joined(separator: " ")
        }
        let name = HTMLPage.escape(referral)
        return """
            <figure><figcaption>\(name)</figcaption>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(name): alerts per day, baseline and candidate">
            <line x1="\(left)" y1="\(y(0))" x2="\(width - right)" y2="\(y(0))" stroke="#d0d7de"/>
            <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(y(0))" stroke="#d0d7de"/>
            <text x="\(left - 4)" y="\(top + 10)" font-size="11" text-anchor="end" fill="#57606a">\(peak)</text>
            <text x="\(left - 4)" y="\(y(0))" font-size="11" text-anchor="end" fill="#57606a">0</text>
            <text x="\(left)" y="\(height - 6)" font-size="11" fill="#57606a">\(first)</text>
            <text x="\(width - right)" y="\(height - 6)" font-size="11" text-anchor="end" fill="#57606a">\(last)</text>
            <polyline fill="none" stroke="#0969da" stroke-width="2" points="\(points { $0.candidate })"><title>candidate</title></polyline>
            <polyline fill="none" stroke="#57606a" stroke-width="1.5" stroke-dasharray="4 3" points="\(points { $0.baseline })"><title>baseline</title></polyline>
            </svg></figure>
            """
    }

    /// A score's observed readmission rate per band (bars with their 95 % interval) beside the
    /// published rate (a mark), 0–100 %.
    func calibrationChart(_ calibration: BacktestResult.Calibration) -> String {
        let width = 520.0, height = 200.0, left = 40.0, bottom = 36.0, top = 10.0
        let slot = (width - left) / Double(max(1, calibration.bands.count))
        func y(_ share: Double) -> Double { top + (height - top - bottom) * (1 - share) }
        func f(_ value: Double) -> String { String(format: "%.1f", value) }
        var marks = ""
        for (index, band) in calibration.bands.enumerated() {
            let center = left + slot * (Double(index) + 0.5)
            let label = HTMLPage.escape(band.label)
            if let observed = band.observed {
                marks +=
                    "<rect x=\"\(f(center - slot * 0.2))\" y=\"\(f(y(observed)))\" width=\"\(f(slot * 0.4))\" "
                    + "height=\"\(f(y(0) - y(observed)))\" fill=\"#0969da\" opacity=\"0.85\"><title>\(label): "
                    + "\(Self.fraction(observed)) observed (\(band.readmitted) of \(band.discharges))</title></rect>"
            }
            if let interval = band.interval {
                marks +=
                    "<line x1=\"\(f(center))\" y1=\"\(f(y(interval.low)))\" x2=\"\(f(center))\" y2=\"\(f(y(interval.high)))\" "
                    + "stroke=\"#1b1f24\" stroke-width=\"1.5\"/>"
            }
            if let published = band.published {
                marks +=
                    "<line x1=\"\(f(center - slot * 0.3))\" y1=\"\(f(y(published)))\" x2=\"\(f(center + slot * 0.3))\" "
                    + "y2=\"\(f(y(published)))\" stroke=\"#bc4c00\" stroke-width=\"3\"><title>published ≈ "
                    + "\(Self.fraction(published))</title></line>"
            }
            marks +=
                "<text x=\"\(f(center))\" y=\"\(f(height - bottom + 14))\" font-size=\"11\" text-anchor=\"middle\" "
                + "fill=\"#1b1f24\">\(label)</text><text x=\"\(f(center))\" y=\"\(f(height - bottom + 28))\" "
                + "font-size=\"11\" text-anchor=\"middle\" fill=\"#57606a\">n = \(band.discharges)</text>"
        }
        let name = HTMLPage.escape(calibration.score.uppercased())
        var grid = ""
        for share in [0.0, 0.25, 0.5, 0.75, 1.0] {
            grid +=
                "<line x1=\"\(f(left))\" y1=\"\(f(y(share)))\" x2=\"\(f(width))\" y2=\"\(f(y(share)))\" stroke=\"#eaeef2\"/>"
                + "<text x=\"\(f(left - 4))\" y=\"\(f(y(share) + 4))\" font-size=\"11\" text-anchor=\"end\" "
                + "fill=\"#57606a\">\(Int(share * 100)) %</text>"
        }
        return """
            <figure><figcaption>\(name): readmitted within the window, by band</figcaption>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(name) calibration">
            \(grid)\(marks)
            </svg></figure>
            """
    }
}

/// HTML text made of escaped pieces.
struct HTMLPage {
    var text = ""

    /// `value` escaped for element content and quoted attributes (the worklist's escaping).
    static func escape(_ value: String) -> String { HTML.escape(value) }

    mutating func raw(_ html: String) { text += html + "\n" }

    mutating func element(_ name: String, _ content: String, class className: String? = nil) {
        let attribute = className.map { " class=\"\(Self.escape($0))\"" } ?? ""
        text += "<\(name)\(attribute)>\(Self.escape(content))</\(name)>\n"
    }

    mutating func row(_ cells: [String], classes: [String?] = []) {
        text += "<tr>"
        for (index, cell) in cells.enumerated() {
            let className = index < classes.count ? classes[index] : nil
            text += "<td\(className.map { " class=\"\($0)\"" } ?? "")>\(Self.escape(cell))</td>"
        }
        text += "</tr>\n"
    }
}
