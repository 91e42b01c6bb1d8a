// `checkin stats` sections for questionnaires and tracked items: text (≤ 80 columns) and JSON
// (docs/JSON.md). Descriptions, never verdicts: a band is a range of totals, a comparison is a
// correlation, not a cause, and every limit shown is the person's own.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One tracked item's statistics: the moderation report and use compared with mood.
public struct TrackedStats: Sendable, Equatable {
    public var report: ModerationReport
    public var comparison: UseComparison

    public init(report: ModerationReport, comparison: UseComparison) {
        self.report = report
        self.comparison = comparison
    }

    /// For every tracked item (and items in `uses` no longer in the config): the period runs from
    /// `firstDay` (else the first use) to `now`.
    public static func compute(tracked: [TrackedItem], uses: [UseRecord], entries: [StatsEntry], firstDay: CivilDate?,
                               now: Date, zone: Zone) -> [TrackedStats] {
        var items = tracked
        for u in uses where !items.contains(where: { $0.name == u.item }) { items.append(TrackedItem(name: u.item)) }
        return items.map { item in
            TrackedStats(report: Moderation.report(item, uses: uses, firstDay: firstDay, now: now, zone: zone),
                         comparison: UseComparison.compute(item: item.name, entries: entries, uses: uses))
        }
    }
}

public enum WellbeingReport {
    static func amount(_ x: Double, _ item: TrackedItem) -> String {
        let n = NumberText.json(x)
        guard !item.unit.isEmpty else { return n }
        return "\(n) \(item.unit)\(x == 1 || item.unit.hasSuffix("s") ? "" : "s")"
    }

    static func wrap(_ text: String, indent: String, continuation: String) -> [String] {
        var lines: [String] = []
        var line = indent
        for word in text.split(separator: " ") {
            if line.count > indent.count, line.count + 1 + word.count > 80 {
                lines.append(line)
                line = continuation
            }
            line += (line == indent || line == continuation ? "" : " ") + word
        }
        lines.append(line)
        return lines
    }

    static func days(_ n: Int) -> String { n == 1 ? "1 day" : "\(n) days" }

    static func one(_ x: Double?) -> String { x.map { NumberText.fixed($0, 1) } ?? "-" }

    /// The text sections (each starts with an empty line); empty when there is nothing to show.
    public static func text(questionnaires: [QuestionnaireSummary], tracked: [TrackedStats], zone: Zone) -> [String] {
        var out: [String] = []
        if !questionnaires.isEmpty {
            out.append("")
            out.append("Questionnaires: totals as answered; a band is a range of totals, not a diagnosis")
            for s in questionnaires {
                let q = s.questionnaire
                var head = "\(q.title): \(s.responses) \(s.responses == 1 ? "response" : "responses")"
                if let r = s.latest {
                    head += ", latest \(r.total)" + (q.items.isEmpty ? "" : " of \(q.maxTotal)")
                    if let f = q.percentFactor { head += " (\(r.total * f)%)" }
                    if let band = q.band(for: r.total) { head += " (\(band.label))" }
                    head += " on \(CivilDate(daysSinceEpoch: LocalDay.number(r.completedAt, r.utcOffset)))"
                }
                head += "; mean \(one(s.mean))"
                if let t = s.trendPerWeek { head += ", trend \(NumberText.signed(t, 2)) per week" }
                out += wrap(head, indent: "  ", continuation: "    ")
                let weeks = s.weeks.map { "\($0.week) \(one($0.mean))" + ($0.responses > 1 ? " (\($0.responses))" : "") }
                out += wrap("mean per ISO week: " + weeks.joined(separator: ", "), indent: "    ", continuation: "    ")
                if let t = q.threshold, let r = s.latest, t.isReached(by: r.total) {
                    out += wrap("The latest reached the threshold: \(t.text)", indent: "    ", continuation: "    ")
                }
            }
        }
        for t in tracked {
            let r = t.report, item = r.item
            out.append("")
            var plan: [String] = []
            if let m = item.maxPerDay { plan.append("at most \(amount(m, item)) a day") }
            if let d = item.maxDaysInARow { plan.append("a break after \(d) \(d == 1 ? "day" : "days") in a row") }
            if let b = item.breakDaysPerWeek { plan.append("\(b) break \(b == 1 ? "day" : "days") a week") }
            out += wrap("Tracked: \(item.name)" + (plan.isEmpty ? "" : " (your own plan: " + plan.joined(separator: ", ") + ")"),
                        indent: "", continuation: "  ")
            out.append("  days with use \(r.daysWithUse) of \(r.days.count), total \(amount(r.total, item))")
            out.append("  days in a row: current \(r.currentRun), longest \(r.longestRun)"
                       + (item.maxDaysInARow != nil ? ", days beyond your planned run \(r.daysBeyondPlannedRun)" : ""))
            if item.breakDaysPerWeek != nil {
                out.append("  ISO weeks with your break days kept \(r.weeksKept), not kept \(r.weeksBroken)")
            }
            if item.maxPerDay != nil { out.append("  days over your daily limit \(r.daysOverMaxPerDay.count)") }
            let c = t.comparison
            for (name, side) in [("same day", c.sameDay), ("next day", c.nextDay)] {
                if side.compared {
                    out.append("  mood \(name): \(one(side.moodWith)) with, \(one(side.moodWithout)) without; anxiety "
                               + "\(one(side.anxietyWith)) with, \(one(side.anxietyWithout)) without")
                    out.append("    (\(days(side.daysWith)) with, \(days(side.daysWithout)) without)")
                } else {
                    out.append("  mood \(name): not compared (\(days(side.daysWith)) with, \(days(side.daysWithout)) without; "
                               + "at least \(UseComparison.minimumDays) each)")
                }
            }
            out.append("  (means of the daily means; a correlation, not a cause)")
        }
        return out
    }

    /// `"questionnaires":[…]` and `"tracked":[…]` members for the stats JSON object.
    public static func jsonMembers(questionnaires: [QuestionnaireSummary], tracked: [TrackedStats], zone: Zone) -> [String] {
        func num(_ x: Double?) -> String { NumberText.json(x) }
        func int(_ x: Int?) -> String { x.map(String.init) ?? "null" }
        let q = questionnaires.map { s -> String in
            let latest = s.latest.map { r -> String in
                "{\"time\":\(JSONText.quote(LocalFormat.iso8601(r.completedAt, in: zone))),\"total\":\(r.total),"
                    + "\"band\":\(s.questionnaire.band(for: r.total).map { JSONText.quote($0.label) } ?? "null"),"
                    + "\"thresholdReached\":\(s.questionnaire.threshold.map { $0.isReached(by: r.total) ? "true" : "false" } ?? "null")}"
            } ?? "null"
            let weeks = s.weeks.map {
                "{\"week\":\(JSONText.quote($0.week)),\"start\":\(JSONText.quote($0.start.description)),\"responses\":\($0.responses),\"mean\":\(num($0.mean))}"
            }
            return "{\"questionnaire\":\(JSONText.quote(s.questionnaire.name)),\"title\":\(JSONText.quote(s.questionnaire.title)),"
                + "\"maxTotal\":\(s.questionnaire.items.isEmpty ? "null" : String(s.questionnaire.maxTotal)),"
                + "\"responses\":\(s.responses),\"mean\":\(num(s.mean)),\"latest\":\(latest),"
                + "\"perWeek\":[\(weeks.joined(separator: ","))],\"trendPerWeek\":\(num(s.trendPerWeek))}"
        }
        func side(_ s: UseComparison.Side) -> String {
            "{\"daysWith\":\(s.daysWith),\"daysWithout\":\(s.daysWithout),\"compared\":\(s.compared),"
                + "\"moodWith\":\(num(s.moodWith)),\"moodWithout\":\(num(s.moodWithout)),"
                + "\"anxietyWith\":\(num(s.anxietyWith)),\"anxietyWithout\":\(num(s.anxietyWithout))}"
        }
        let t = tracked.map { t -> String in
            let r = t.report, item = r.item
            let weeks = r.weeks.map { w in
                "{\"week\":\(JSONText.quote(w.week)),\"start\":\(JSONText.quote(w.start.description)),\"breakDays\":\(w.breakDays),"
                    + "\"days\":\(w.daysSoFar),\"kept\":\(w.kept.map { $0 ? "true" : "false" } ?? "null")}"
            }
            return "{\"item\":\(JSONText.quote(item.name)),\"unit\":\(item.unit.isEmpty ? "null" : JSONText.quote(item.unit)),"
                + "\"plan\":{\"maxPerDay\":\(num(item.maxPerDay)),\"maxDaysInARow\":\(int(item.maxDaysInARow)),"
                + "\"breakDaysPerWeek\":\(int(item.breakDaysPerWeek))},"
                + "\"days\":\(r.days.count),\"daysWithUse\":\(r.daysWithUse),\"total\":\(num(r.total)),"
                + "\"currentRun\":\(r.currentRun),\"longestRun\":\(r.longestRun),\"daysBeyondPlannedRun\":\(r.daysBeyondPlannedRun),"
                + "\"daysOverMaxPerDay\":[\(r.daysOverMaxPerDay.map { JSONText.quote($0.description) }.joined(separator: ","))],"
                + "\"perWeek\":[\(weeks.joined(separator: ","))],"
                + "\"sameDay\":\(side(t.comparison.sameDay)),\"nextDay\":\(side(t.comparison.nextDay))}"
        }
        return ["\"questionnaires\":[\(q.joined(separator: ","))]", "\"tracked\":[\(t.joined(separator: ","))]"]
    }
}
