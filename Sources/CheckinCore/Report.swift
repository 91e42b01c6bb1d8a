// `checkin report`: one self-contained HTML file to print or bring to an appointment. No network
// (a Content-Security-Policy forbids every fetch), no scripts, inline SVG charts, print CSS that
// fits A4 and Letter. It shows what was recorded, with bands as ranges of totals: no verdicts.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public struct ReportInput: Sendable {
    public var stats: Stats
    /// The entries of the period (for notes, with `includeNotes`).
    public var entries: [Entry]
    public var responses: [QuestionnaireResponse]
    public var questionnaires: [QuestionnaireSummary]
    public var tracked: [TrackedStats]
    public var includeNotes: Bool
    public var generatedAt: Date
    public var zone: Zone

    public init(stats: Stats, entries: [Entry], responses: [QuestionnaireResponse], questionnaires: [QuestionnaireSummary],
                tracked: [TrackedStats], includeNotes: Bool, generatedAt: Date, zone: Zone) {
        self.stats = stats
        self.entries = entries
        self.responses = responses
        self.questionnaires = questionnaires
        self.tracked = tracked
        self.includeNotes = includeNotes
        self.generatedAt = generatedAt
        self.zone = zone
    }
}

public enum Report {
    // Calm, print-friendly colours.
    static let moodColor = "#3f6f94"
    static let anxietyColor = "#a0763a"
    static let questionnaireColor = "#4f6d96"
    static let useColor = "#6f9a5e"
    static let breakColor = "#b3d49f"

    /// Text safe in HTML content and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static func n(_ x: Double) -> String { NumberText.fixed(x, 1) }
    static func one(_ x: Double?) -> String { x.map { NumberText.fixed($0, 1) } ?? "–" }

    static let css = """
        :root { color-scheme: light; }
        * { box-sizing: border-box; }
        body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #2b2f33; background: #fff;
               margin: 0 auto; padding: 24px; max-width: 760px; font-size: 13px; line-height: 1.45; }
        h1 { font-size: 20px; font-weight: 600; margin: 0 0 2px; }
        h2 { font-size: 15px; font-weight: 600; margin: 22px 0 6px; color: #33414e; border-bottom: 1px solid #e3e7eb; padding-bottom: 3px; }
        p.meta { color: #5f6b76; margin: 0 0 10px; }
        p.note { color: #5f6b76; font-size: 12px; margin: 4px 0; }
        section { break-inside: avoid; page-break-inside: avoid; }
        table { border-collapse: collapse; margin: 6px 0; font-size: 12px; }
        th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid #eef1f3; vertical-align: top; }
        th { color: #5f6b76; font-weight: 600; }
        td.num, th.num { text-align: right; }
        svg { display: block; margin: 4px 0 2px; max-width: 100%; height: auto; }
        svg text { font-family: inherit; font-size: 10px; fill: #5f6b76; }
        .legend span { display: inline-block; margin-right: 14px; font-size: 11px; color: #5f6b76; }
        .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 4px; vertical-align: -1px; }
        .box { background: #f5f7f9; border-radius: 6px; padding: 8px 12px; margin: 10px 0; color: #45515c; font-size: 12px; }
        @page { margin: 14mm; }
        @media print {
          body { padding: 0; max-width: none; font-size: 11px; }
          h2 { margin-top: 14px; }
          a { color: inherit; text-decoration: none; }
        }
        """

    public static func html(_ input: ReportInput) -> String {
        let s = input.stats
        let zone = input.zone
        var body: [String] = []
        let period: String
        if let first = s.firstDay, let last = s.lastDay { period = "\(first) to \(last)" } else { period = "no entries" }
        body.append("<header><h1>Mood and wellbeing record</h1>")
        body.append("<p class=\"meta\">\(escape(period)) · generated \(escape(LocalFormat.dateTime(input.generatedAt, in: zone))) "
                    + "with checkin · kept by the person themself</p>")
        body.append("<div class=\"box\">What the person recorded, as recorded. Means are of daily means; a band is a range of "
                    + "questionnaire totals and a threshold is the point at which the questionnaire's authors suggest talking "
                    + "to a professional. Nothing here is a diagnosis. Comparisons are correlations, not causes.</div></header>")

        // Summary.
        var rows = "<tr><th></th><th class=\"num\">mean</th><th class=\"num\">median</th><th class=\"num\">entries</th><th>trend per week</th><th>scale</th></tr>"
        for (name, m, t, sc) in [("Mood", s.mood, s.moodTrend, s.moodScale), ("Anxiety", s.anxiety, s.anxietyTrend, s.anxietyScale)] {
            let trend = t.map { "\($0.direction.rawValue) (\(NumberText.signed($0.perWeek, 2)))" } ?? "–"
            rows += "<tr><td>\(name)</td><td class=\"num\">\(one(m.mean))</td><td class=\"num\">\(one(m.median))</td>"
                + "<td class=\"num\">\(m.count)</td><td>\(trend)</td><td>\(sc.rangeDescription)\(escape(LogRules.describe(sc)))</td></tr>"
        }
        body.append("<section id=\"summary\"><h2>Summary</h2>")
        body.append("<p>\(s.entries) \(s.entries == 1 ? "entry" : "entries") on \(s.daysWithEntries) of \(s.days.count) days.</p>")
        body.append("<table>\(rows)</table></section>")

        // Mood and anxiety charts.
        if s.entries > 0 {
            body.append("<section id=\"mood\"><h2>Mood</h2>")
            body.append(legend([("daily mean", moodColor, 0.55), ("7-day average", moodColor, 1)]))
            body.append(dailyChart(id: "mood-chart", days: s.days, value: { $0.mood.mean }, average: { $0.moodAverage7 },
                                   scale: s.moodScale, color: moodColor))
            body.append("</section><section id=\"anxiety\"><h2>Anxiety</h2>")
            body.append(legend([("daily mean", anxietyColor, 0.55), ("7-day average", anxietyColor, 1)]))
            body.append(dailyChart(id: "anxiety-chart", days: s.days, value: { $0.anxiety.mean }, average: { $0.anxietyAverage7 },
                                   scale: s.anxietyScale, color: anxietyColor))
            body.append("</section>")
        }

        // Questionnaires.
        for q in input.questionnaires {
            let def = q.questionnaire
            let mine = input.responses.filter { $0.questionnaire == def.name }.sorted { $0.completedAt < $1.completedAt }
            body.append("<section class=\"questionnaire\" id=\"q-\(escape(def.name))\"><h2>\(escape(def.title))</h2>")
            var line = "\(q.responses) \(q.responses == 1 ? "response" : "responses"); total \(def.minTotal)-\(def.maxTotal)"
            if let f = def.percentFactor { line += " (× \(f) for a percentage)" }
            if let t = def.threshold {
                line += "; threshold: \(t.direction == .atOrAbove ? "at or above" : "at or below") \(t.value)"
            }
            body.append("<p>\(escape(line)).</p>")
            if !def.items.isEmpty, let first = s.firstDay, let last = s.lastDay {
                body.append(questionnaireChart(def, mine, first: first, last: last))
            }
            var table = "<tr><th>date</th><th class=\"num\">total</th><th>band</th><th>answers</th></tr>"
            for r in mine.suffix(12) {
                let date = CivilDate(daysSinceEpoch: LocalDay.number(r.completedAt, r.utcOffset))
                var total = "\(r.total)"
                if let f = def.percentFactor { total += " (\(r.total * f)%)" }
                var band = def.band(for: r.total)?.label ?? "–"
                if def.threshold?.isReached(by: r.total) == true { band += " · threshold reached" }
                table += "<tr><td>\(date)</td><td class=\"num\">\(escape(total))</td><td>\(escape(band))</td>"
                    + "<td>\(r.answers.map(String.init).joined(separator: ", "))</td></tr>"
            }
            body.append("<table>\(table)</table>")
            if mine.count > 12 { body.append("<p class=\"note\">The latest 12 of \(mine.count) responses.</p>") }
            if let a = def.attribution { body.append("<p class=\"note\">\(escape(a))</p>") }
            body.append("</section>")
        }

        // Tracked items.
        for t in input.tracked {
            let r = t.report, item = r.item
            body.append("<section class=\"tracked\" id=\"t-\(escape(item.name))\"><h2>\(escape(item.name.prefix(1).uppercased() + item.name.dropFirst()))</h2>")
            var plan: [String] = []
            if let m = item.maxPerDay { plan.append("at most \(WellbeingReport.amount(m, item)) a day") }
            if let d = item.maxDaysInARow { plan.append("a break after \(d) days in a row") }
            if let b = item.breakDaysPerWeek { plan.append("\(b) break \(b == 1 ? "day" : "days") a week") }
            body.append("<p>" + escape(plan.isEmpty ? "No plan set." : "The person's own plan: " + plan.joined(separator: ", ") + ".")
                        + " Used on \(r.daysWithUse) of \(r.days.count) days, \(escape(WellbeingReport.amount(r.total, item))) in all; "
                        + "longest run \(r.longestRun) \(r.longestRun == 1 ? "day" : "days").</p>")
            body.append(legend([("amount per day", useColor, 1), ("day without use", breakColor, 1)]))
            body.append(useChart(r))
            var facts: [String] = []
            if item.breakDaysPerWeek != nil { facts.append("weeks with the planned break days: \(r.weeksKept) kept, \(r.weeksBroken) not kept") }
            if item.maxPerDay != nil { facts.append("days over the daily limit: \(r.daysOverMaxPerDay.count)") }
            if item.maxDaysInARow != nil { facts.append("days beyond the planned run: \(r.daysBeyondPlannedRun)") }
            if !facts.isEmpty { body.append("<p>\(escape(facts.joined(separator: "; "))).</p>") }
            let c = t.comparison.sameDay
            if c.compared {
                body.append("<p class=\"note\">Mood on days with use \(one(c.moodWith)), without \(one(c.moodWithout)); anxiety "
                            + "\(one(c.anxietyWith)) and \(one(c.anxietyWithout)) (\(c.daysWith) and \(c.daysWithout) days): "
                            + "a correlation, not a cause.</p>")
            }
            body.append("</section>")
        }

        // Response rate.
        if !s.reminders.isEmpty {
            var table = "<tr><th>reminder</th><th class=\"num\">shown</th><th class=\"num\">answered</th><th class=\"num\">rate</th></tr>"
            var delivered = 0, answered = 0
            for r in s.reminders {
                delivered += r.delivered
                answered += r.answered
                table += "<tr><td>\(escape(r.reminder))</td><td class=\"num\">\(r.delivered)</td><td class=\"num\">\(r.answered)</td>"
                    + "<td class=\"num\">\(r.responseRate.map { NumberText.fixed($0 * 100, 0) + "%" } ?? "–")</td></tr>"
            }
            body.append("<section id=\"response-rate\"><h2>Response rate</h2><table>\(table)</table>")
            if delivered > 0 {
                body.append("<p class=\"note\">\(answered) of \(delivered) prompts answered (\(NumberText.fixed(Double(answered) / Double(delivered) * 100, 0))%).</p>")
            }
            body.append("</section>")
        }

        // Notes, only when asked for.
        if input.includeNotes {
            let noted = input.entries.filter { ($0.note ?? "").isEmpty == false }
            var table = "<tr><th>time</th><th class=\"num\">mood</th><th class=\"num\">anxiety</th><th>note</th></tr>"
            for e in noted {
                table += "<tr><td>\(escape(LocalFormat.dateTime(e.recordedAt, in: zone)))</td><td class=\"num\">\(e.mood.map(String.init) ?? "–")</td>"
                    + "<td class=\"num\">\(e.anxiety.map(String.init) ?? "–")</td><td>\(escape(e.note ?? ""))</td></tr>"
            }
            body.append("<section id=\"notes\"><h2>Notes</h2>" + (noted.isEmpty ? "<p>No notes in this period.</p>" : "<table>\(table)</table>") + "</section>")
        }

        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="checkin">
            <title>Mood and wellbeing record, \(escape(period))</title>
            <style>
            \(css)
            </style>
            </head>
            <body>
            \(body.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    static func legend(_ items: [(String, String, Double)]) -> String {
        "<div class=\"legend\">" + items.map { "<span><i class=\"swatch\" style=\"background:\($0.1);opacity:\($0.2)\"></i>\(escape($0.0))</span>" }.joined() + "</div>"
    }

    // MARK: Charts

    static let width = 700.0, left = 34.0, right = 70.0, top = 8.0

    /// The x of day `index` of `count` days (the middle of its slot).
    static func x(_ index: Double, _ count: Int) -> Double {
        left + (index + 0.5) * (width - left - right) / Double(max(count, 1))
    }

    /// Date labels along the bottom: the first day, the first of each month (or each Monday for
    /// short periods) and the last day, never crowded.
    static func dateAxis(first: CivilDate, count: Int, y: Double) -> String {
        var out = ""
        var lastX = -100.0
        let short = count <= 45
        for i in 0..<count {
            let date = first.adding(days: i)
            let mark = i == 0 || (short ? date.isoWeekday == 1 : date.day == 1)
            guard mark else { continue }
            let px = x(Double(i), count)
            guard px - lastX > 58, px < width - 40 else { continue }
            lastX = px
            out += "<line x1=\"\(n(px))\" y1=\"\(n(y))\" x2=\"\(n(px))\" y2=\"\(n(y + 4))\" stroke=\"#c5ccd3\"/>"
            out += "<text x=\"\(n(px))\" y=\"\(n(y + 15))\" text-anchor=\"middle\">\(date.description.dropFirst(5))</text>"
        }
        return out
    }

    static func dailyChart(id: String, days: [StatsBucket], value: (StatsBucket) -> Double?, average: (StatsBucket) -> Double?,
                           scale: Scale, color: String) -> String {
        let height = 190.0, bottom = 22.0
        let plotH = height - top - bottom
        let span = Double(max(1, scale.max - scale.min))
        func y(_ v: Double) -> Double { top + plotH - (v - Double(scale.min)) / span * plotH }
        var svg = "<svg id=\"\(id)\" class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
        let step = max(1, (scale.max - scale.min + 5) / 6)
        for v in stride(from: scale.min, through: scale.max, by: step) {
            svg += "<line x1=\"\(n(left))\" y1=\"\(n(y(Double(v))))\" x2=\"\(n(width - right))\" y2=\"\(n(y(Double(v))))\" stroke=\"#eef1f3\"/>"
            svg += "<text x=\"\(n(left - 6))\" y=\"\(n(y(Double(v)) + 3.5))\" text-anchor=\"end\">\(v)</text>"
            if let label = scale.label(for: v), v == scale.min || v == scale.max {
                svg += "<text x=\"\(n(width - right + 6))\" y=\"\(n(y(Double(v)) + 3.5))\">\(escape(String(label.prefix(12))))</text>"
            }
        }
        if let first = days.first?.start { svg += dateAxis(first: first, count: days.count, y: top + plotH) }
        // The 7-day average: one polyline per run of days with a value.
        var runs: [[String]] = [[]]
        for (i, d) in days.enumerated() {
            if let a = average(d) { runs[runs.count - 1].append("\(n(x(Double(i), days.count))),\(n(y(a)))") }
            else if !runs[runs.count - 1].isEmpty { runs.append([]) }
        }
        for r in runs where r.count > 1 {
            svg += "<polyline class=\"average\" points=\"\(r.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\"/>"
        }
        let radius = days.count > 120 ? 2.0 : 3.0
        for (i, d) in days.enumerated() {
            guard let v = value(d) else { continue }
            svg += "<circle class=\"point\" cx=\"\(n(x(Double(i), days.count)))\" cy=\"\(n(y(v)))\" r=\"\(n(radius))\" fill=\"\(color)\" fill-opacity=\"0.55\"/>"
        }
        return svg + "</svg>"
    }

    static func questionnaireChart(_ q: Questionnaire, _ responses: [QuestionnaireResponse], first: CivilDate, last: CivilDate) -> String {
        let height = 150.0, bottom = 22.0
        let plotH = height - top - bottom
        let count = last.daysSinceEpoch - first.daysSinceEpoch + 1
        let span = Double(max(1, q.maxTotal - q.minTotal))
        func y(_ v: Double) -> Double { top + plotH - (v - Double(q.minTotal)) / span * plotH }
        var svg = "<svg class=\"chart questionnaire-chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
        // Bands as soft alternating backgrounds, labelled on the right.
        for (i, b) in q.bands.enumerated() {
            let y1 = y(Double(b.range.upperBound) + (b.range.upperBound == q.maxTotal ? 0 : 0.5))
            let y0 = y(Double(b.range.lowerBound) - (b.range.lowerBound == q.minTotal ? 0 : 0.5))
            svg += "<rect class=\"band\" x=\"\(n(left))\" y=\"\(n(y1))\" width=\"\(n(width - left - right))\" height=\"\(n(y0 - y1))\" fill=\"\(i % 2 == 0 ? "#f3f6f8" : "#e9eef2")\"/>"
            svg += "<text x=\"\(n(width - right + 6))\" y=\"\(n((y0 + y1) / 2 + 3.5))\">\(escape(b.label))</text>"
        }
        if let t = q.threshold {
            let ty = y(Double(t.value) + (t.direction == .atOrAbove ? -0.5 : 0.5))
            svg += "<line class=\"threshold\" x1=\"\(n(left))\" y1=\"\(n(ty))\" x2=\"\(n(width - right))\" y2=\"\(n(ty))\" stroke=\"#8a96a3\" stroke-dasharray=\"4 3\"/>"
        }
        for v in [q.minTotal, q.maxTotal] {
            svg += "<text x=\"\(n(left - 6))\" y=\"\(n(y(Double(v)) + 3.5))\" text-anchor=\"end\">\(v)</text>"
        }
        svg += dateAxis(first: first, count: count, y: top + plotH)
        let points = responses.map { r -> (Double, Double) in
            let d = LocalDay.number(r.completedAt, r.utcOffset) - first.daysSinceEpoch
            return (x(Double(d), count), y(Double(r.total)))
        }
        if points.count > 1 {
            svg += "<polyline points=\"\(points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(questionnaireColor)\" stroke-width=\"1.2\" stroke-opacity=\"0.6\"/>"
        }
        for p in points {
            svg += "<circle class=\"point\" cx=\"\(n(p.0))\" cy=\"\(n(p.1))\" r=\"3.5\" fill=\"\(questionnaireColor)\"/>"
        }
        return svg + "</svg>"
    }

    static func useChart(_ r: ModerationReport) -> String {
        let height = 120.0, bottom = 22.0
        let plotH = height - top - bottom - 8
        let count = r.days.count
        let maxAmount = max(r.days.map(\.amount).max() ?? 1, r.item.maxPerDay ?? 0, 1)
        func y(_ v: Double) -> Double { top + plotH - v / maxAmount * plotH }
        var svg = "<svg class=\"chart use-chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
        let slot = (width - left - right) / Double(max(count, 1))
        let barW = max(1, slot * 0.7)
        for (i, d) in r.days.enumerated() {
            let cx = x(Double(i), count)
            if d.used {
                svg += "<rect class=\"use\" x=\"\(n(cx - barW / 2))\" y=\"\(n(y(d.amount)))\" width=\"\(n(barW))\" height=\"\(n(y(0) - y(d.amount)))\" fill=\"\(useColor)\" rx=\"1\"/>"
            } else {
                svg += "<rect class=\"break-day\" x=\"\(n(cx - barW / 2))\" y=\"\(n(y(0) + 3))\" width=\"\(n(barW))\" height=\"4\" fill=\"\(breakColor)\" rx=\"1\"/>"
            }
        }
        if let m = r.item.maxPerDay {
            svg += "<line class=\"limit\" x1=\"\(n(left))\" y1=\"\(n(y(m)))\" x2=\"\(n(width - right))\" y2=\"\(n(y(m)))\" stroke=\"#8a96a3\" stroke-dasharray=\"4 3\"/>"
            svg += "<text x=\"\(n(width - right + 6))\" y=\"\(n(y(m) + 3.5))\">own limit \(NumberText.json(m))</text>"
        }
        svg += "<text x=\"\(n(left - 6))\" y=\"\(n(y(maxAmount) + 3.5))\" text-anchor=\"end\">\(NumberText.json(maxAmount))</text>"
        svg += "<text x=\"\(n(left - 6))\" y=\"\(n(y(0) + 3.5))\" text-anchor=\"end\">0</text>"
        if let first = r.days.first?.date { svg += dateAxis(first: first, count: count, y: y(0) + 8) }
        return svg + "</svg>"
    }
}
