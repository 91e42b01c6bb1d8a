// Terminal charts of mood and anxiety over a period: horizontal bars for up to two weeks, a
// sparkline (▁▂▃▄▅▆▇█) beyond, bucketed by ISO week or month (or several months) so that every
// line fits in `width` columns. Readable without colour: every series is labelled, a day without
// entries is blank (a gap) and bars carry their value; colour (ANSI) only adds to that.

/// One column of a chart: the means of one day, week or month (nil: no value).
public struct ChartPoint: Sendable, Equatable {
    public var mood: Double?
    public var anxiety: Double?

    public init(mood: Double?, anxiety: Double?) {
        self.mood = mood
        self.anxiety = anxiety
    }
}

public enum Chart {
    /// The longest period, in days, drawn as one bar line per day.
    public static let barDays = 14
    public static let sparkLevels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    static let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    static let barCells = 20

    static let moodColor = "\u{1B}[36m"      // cyan
    static let anxietyColor = "\u{1B}[35m"   // magenta
    static let reset = "\u{1B}[0m"

    /// The chart for `stats` (no lines for an empty period).
    public static func render(_ stats: Stats, color: Bool, width: Int = 80) -> [String] {
        guard let first = stats.firstDay, let last = stats.lastDay, !stats.days.isEmpty else { return [] }
        let days = stats.days.map { ChartPoint(mood: $0.mood.mean, anxiety: $0.anxiety.mean) }
        if days.count <= barDays {
            return bars(days: days, first: first, moodScale: stats.moodScale, anxietyScale: stats.anxietyScale, color: color)
        }
        let labels = seriesLabels(stats.moodScale, stats.anxietyScale)
        let room = width - labels.width
        var columns = days
        var unit = "day"
        if columns.count > room {
            columns = stats.weeks.map { ChartPoint(mood: $0.mood.mean, anxiety: $0.anxiety.mean) }
            unit = "ISO week"
        }
        if columns.count > room {
            // Several months per column, means weighted by the entries in each.
            let months = stats.months
            let per = (months.count + room - 1) / room
            columns = stride(from: 0, to: months.count, by: per).map { i in
                let group = months[i..<min(months.count, i + per)]
                return ChartPoint(mood: pooledMean(group.map(\.mood)), anxiety: pooledMean(group.map(\.anxiety)))
            }
            unit = per == 1 ? "month" : "\(per) months"
        }
        return sparkline(columns: columns, unit: unit, first: first, last: last,
                         moodScale: stats.moodScale, anxietyScale: stats.anxietyScale, color: color)
    }

    /// Means of several summaries, each weighted by its count.
    static func pooledMean(_ parts: [MeasureSummary]) -> Double? {
        var sum = 0.0, n = 0
        for p in parts { if let m = p.mean { sum += m * Double(p.count); n += p.count } }
        return n == 0 ? nil : sum / Double(n)
    }

    static func seriesLabels(_ mood: Scale, _ anxiety: Scale) -> (mood: String, anxiety: String, width: Int) {
        let m = "mood \(mood.rangeDescription)", a = "anxiety \(anxiety.rangeDescription)"
        return (m, a, max(m.count, a.count) + 2)
    }

    /// Where `value` lies on `scale`, 0...1 (clamped: a value recorded on an older, wider scale
    /// still draws).
    static func fraction(_ value: Double, _ scale: Scale) -> Double {
        guard scale.max > scale.min else { return 1 }
        return min(1, max(0, (value - Double(scale.min)) / Double(scale.max - scale.min)))
    }

    public static func sparkChar(_ value: Double?, _ scale: Scale) -> Character {
        guard let value else { return " " }
        return sparkLevels[Int((fraction(value, scale) * 7).rounded(.toNearestOrAwayFromZero))]
    }

    /// A bar of `barCells` cells in eighths; a recorded value always shows at least "▏".
    public static func bar(_ value: Double?, _ scale: Scale) -> String {
        guard let value else { return String(repeating: " ", count: barCells) }
        let units = max(1, Int((fraction(value, scale) * Double(barCells * 8)).rounded(.toNearestOrAwayFromZero)))
        let text = String(repeating: "█", count: units / 8) + eighths[units % 8]
        return text + String(repeating: " ", count: barCells - text.count)
    }

    static func paint(_ text: String, _ code: String, _ color: Bool) -> String {
        color ? code + text + reset : text
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    static func padLeft(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    /// One line per day: "Sun 2026-03-01  ██████████▍          3.5    ████▌                2.0".
    static func bars(days: [ChartPoint], first: CivilDate, moodScale: Scale, anxietyScale: Scale, color: Bool) -> [String] {
        let last = first.adding(days: days.count - 1)
        var lines = ["Daily mean, \(first) to \(last) (\"-\": no entries)"]
        let m = "mood \(moodScale.rangeDescription)", a = "anxiety \(anxietyScale.rangeDescription)"
        lines.append(String(repeating: " ", count: 16) + pad(m, barCells + 10) + a)
        for (i, p) in days.enumerated() {
            let date = first.adding(days: i)
            var line = Stats.weekdayNames[date.isoWeekday - 1] + " \(date)  "
            line += paint(bar(p.mood, moodScale), moodColor, color) + " " + padLeft(p.mood.map { NumberText.fixed($0, 1) } ?? "-", 5)
            line += "    " + paint(bar(p.anxiety, anxietyScale), anxietyColor, color) + " "
                + padLeft(p.anxiety.map { NumberText.fixed($0, 1) } ?? "-", 5)
            lines.append(trimRight(line))
        }
        return lines
    }

    /// Two labelled sparklines and an axis with the first and last date.
    static func sparkline(columns: [ChartPoint], unit: String, first: CivilDate, last: CivilDate,
                          moodScale: Scale, anxietyScale: Scale, color: Bool) -> [String] {
        let labels = seriesLabels(moodScale, anxietyScale)
        let heading: String
        switch unit {
        case "day": heading = "Daily mean"
        case "ISO week": heading = "Weekly mean"
        case "month": heading = "Monthly mean"
        default: heading = "Mean"
        }
        let mood = String(columns.map { sparkChar($0.mood, moodScale) })
        let anxiety = String(columns.map { sparkChar($0.anxiety, anxietyScale) })
        let axis = "\(first)" + String(repeating: " ", count: max(1, columns.count - 20)) + "\(last)"
        return [
            "\(heading) (one column per \(unit); blank: no entries)",
            trimRight(pad(labels.mood, labels.width) + paint(mood, moodColor, color)),
            trimRight(pad(labels.anxiety, labels.width) + paint(anxiety, anxietyColor, color)),
            String(repeating: " ", count: labels.width) + axis,
        ]
    }

    static func trimRight(_ s: String) -> String {
        var t = Substring(s)
        while t.last == " " { t.removeLast() }
        return String(t)
    }
}
