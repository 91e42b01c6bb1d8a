// Statistics over journal entries: per day, ISO week and month; moving average and trend; by
// weekday and hour; response rates per reminder; streaks; tags compared with days without them.
// Pure: entries, now and the zone are parameters. Values are the raw stored ones (the configured
// scale); the wording describes, it never judges or diagnoses.
//
// Definitions (also in docs/JSON.md):
// - An entry belongs to the local day and hour of its own UTC offset (the time it was written
//   where it was written), not of today's zone.
// - Means and medians of a day, week, month, weekday, hour and of the whole period are over the
//   entries in it (each entry counts once); a median of an even count is the mean of the middle two.
// - The 7-day moving average of a day is the mean of the daily means of that day and the 6 before
//   it, over the days among them that have a value (none: null).
// - The trend is the least-squares slope of the daily means against the day, times 7 (per week),
//   over the days with a value (at least 2). "flat" when its size is under 1% of the scale's span
//   per week (0.04 on a 1-5 scale), else "rising" or "falling".
// - Streaks: runs of consecutive days with at least one entry. The current run ends on the
//   period's last day up to today; a last day without an entry (yet) does not end it, the day
//   before it does. The longest run: the most recent of equal length.
// - Tags: a day "with" a tag has at least one entry with it; "without": days with entries, none
//   with it. Compared only when both counts are at least 3; the difference is (mean of the daily
//   means on days with) minus (the same on days without): a correlation, not a cause.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What statistics need from one entry.
public struct StatsEntry: Sendable, Equatable {
    /// Unix seconds.
    public var time: Double
    /// Seconds east of UTC when it was recorded.
    public var utcOffset: Int
    public var mood: Int?
    public var anxiety: Int?
    public var tags: [String]

    public init(time: Double, utcOffset: Int, mood: Int?, anxiety: Int?, tags: [String] = []) {
        self.time = time
        self.utcOffset = utcOffset
        self.mood = mood
        self.anxiety = anxiety
        self.tags = tags
    }

    public init(_ e: Entry) {
        self.init(time: e.recordedAt.timeIntervalSince1970, utcOffset: e.utcOffset, mood: e.mood,
                  anxiety: e.anxiety, tags: e.tags)
    }

    /// Local wall-clock seconds since 1970-01-01T00:00 (in the entry's own offset).
    var localSeconds: Int { Int(time.rounded(.down)) + utcOffset }
}

/// One tag of one entry, with the entry's time (what the tag comparison needs).
public struct StatsTag: Sendable, Equatable {
    public var tag: String
    public var time: Double
    public var utcOffset: Int

    public init(tag: String, time: Double, utcOffset: Int) {
        self.tag = tag
        self.time = time
        self.utcOffset = utcOffset
    }

    var localSeconds: Int { Int(time.rounded(.down)) + utcOffset }
}

/// Count, mean and median of one measure's values.
public struct MeasureSummary: Sendable, Equatable {
    public var count: Int
    public var mean: Double?
    public var median: Double?

    public init(count: Int, mean: Double?, median: Double?) {
        self.count = count
        self.mean = mean
        self.median = median
    }

    public static let empty = MeasureSummary(count: 0, mean: nil, median: nil)

    /// May reorder `values`. Values are 0...100 (the journal enforces it), so a long list is
    /// counted into a histogram instead of being sorted.
    init(values: inout [Int]) {
        guard !values.isEmpty else {
            self = .empty
            return
        }
        var sum = 0
        var low = Int.max, high = Int.min
        for v in values {
            sum += v
            low = Swift.min(low, v)
            high = Swift.max(high, v)
        }
        let n = values.count
        count = n
        mean = Double(sum) / Double(n)
        func at(_ rank: Int) -> Int { values[rank] }
        if n > 64, high - low < 4096 {
            var histogram = [Int](repeating: 0, count: high - low + 1)
            for v in values { histogram[v - low] += 1 }
            // The values of rank n/2 - 1 and n/2 (0-based) in sorted order.
            func value(ofRank rank: Int) -> Int {
                var seen = 0
                for (i, c) in histogram.enumerated() {
                    seen += c
                    if seen > rank { return i + low }
                }
                return high
            }
            median = n % 2 == 1 ? Double(value(ofRank: n / 2)) : Double(value(ofRank: n / 2 - 1) + value(ofRank: n / 2)) / 2
        } else {
            values.sort()
            median = n % 2 == 1 ? Double(at(n / 2)) : Double(at(n / 2 - 1) + at(n / 2)) / 2
        }
    }
}

/// One row of a breakdown: a day, ISO week, month, weekday or hour.
public struct StatsBucket: Sendable, Equatable {
    /// "2026-03-01", "2026-W10", "2026-03", "Mon", "09".
    public var label: String
    /// The first day of a day, week (its Monday) or month; nil for weekdays and hours.
    public var start: CivilDate?
    public var entries: Int
    public var mood: MeasureSummary
    public var anxiety: MeasureSummary
    /// Days only: the 7-day moving average of the daily means.
    public var moodAverage7: Double?
    public var anxietyAverage7: Double?

    public init(label: String, start: CivilDate?, entries: Int, mood: MeasureSummary, anxiety: MeasureSummary,
                moodAverage7: Double? = nil, anxietyAverage7: Double? = nil) {
        self.label = label
        self.start = start
        self.entries = entries
        self.mood = mood
        self.anxiety = anxiety
        self.moodAverage7 = moodAverage7
        self.anxietyAverage7 = anxietyAverage7
    }
}

/// The least-squares slope of the daily means, per week.
public struct Trend: Sendable, Equatable {
    public enum Direction: String, Sendable { case rising, falling, flat }
    public var perWeek: Double
    public var direction: Direction
    /// Days with a value that went into it.
    public var days: Int
}

public struct Streaks: Sendable, Equatable {
    public var current: Int
    public var longest: Int
    public var longestStart: CivilDate?
    public var longestEnd: CivilDate?
}

/// A tag's days compared with the days without it.
public struct TagComparison: Sendable, Equatable {
    public var tag: String
    public var daysWith: Int
    public var daysWithout: Int
    public var moodWith: Double?
    public var moodWithout: Double?
    public var anxietyWith: Double?
    public var anxietyWithout: Double?

    public var moodDifference: Double? { moodWith.flatMap { a in moodWithout.map { a - $0 } } }
    public var anxietyDifference: Double? { anxietyWith.flatMap { a in anxietyWithout.map { a - $0 } } }
}

public struct Stats: Sendable, Equatable {
    public var range: TimeRange
    /// The period's first and last day (nil when there is nothing to show).
    public var firstDay: CivilDate?
    public var lastDay: CivilDate?
    public var moodScale: Scale
    public var anxietyScale: Scale
    public var entries: Int
    public var daysWithEntries: Int
    public var mood: MeasureSummary
    public var anxiety: MeasureSummary
    public var moodTrend: Trend?
    public var anxietyTrend: Trend?
    /// Every day of the period, also those without entries.
    public var days: [StatsBucket]
    public var weeks: [StatsBucket]
    public var months: [StatsBucket]
    /// Monday first, always 7.
    public var weekdays: [StatsBucket]
    /// 00 to 23, always 24.
    public var hours: [StatsBucket]
    public var reminders: [ReminderCounts]
    /// Break prompts per local day (days with any); set by the caller from `Store.breakDays`.
    public var breakDays: [BreakDay] = []
    public var streaks: Streaks
    /// Tags with at least `Stats.tagMinimumDays` days with and without, by name.
    public var tags: [TagComparison]
    /// Tags seen in the period that had too few days with or without to compare.
    public var tagsLeftOut: Int

    public static let tagMinimumDays = 3
    public static let weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// The ISO 8601 week of `date`: (week-based year, week 1...53).
    public static func isoWeek(_ date: CivilDate) -> (year: Int, week: Int) {
        let thursday = date.adding(days: 4 - date.isoWeekday)
        let jan1 = CivilDate(year: thursday.year, month: 1, day: 1)
        return (thursday.year, (thursday.daysSinceEpoch - jan1.daysSinceEpoch) / 7 + 1)
    }

    /// `tagged` adds tags to those in `entries` (the store hands them over separately; see
    /// `Store.statsInput`). The order of entries does not matter.
    public static func compute(entries: [StatsEntry], tagged: [StatsTag] = [], reminders: [ReminderCounts] = [], range: TimeRange,
                               now: Date, zone: Zone, moodScale: Scale, anxietyScale: Scale) -> Stats {
        var stats = Stats(range: range, firstDay: nil, lastDay: nil, moodScale: moodScale, anxietyScale: anxietyScale,
                          entries: entries.count, daysWithEntries: 0, mood: .empty, anxiety: .empty,
                          moodTrend: nil, anxietyTrend: nil, days: [], weeks: [], months: [],
                          weekdays: weekdayNames.map { StatsBucket(label: $0, start: nil, entries: 0, mood: .empty, anxiety: .empty) },
                          hours: (0..<24).map { StatsBucket(label: LocalFormat.two($0), start: nil, entries: 0, mood: .empty, anxiety: .empty) },
                          reminders: reminders, streaks: Streaks(current: 0, longest: 0), tags: [], tagsLeftOut: 0)

        // The period's days: from `since` (or the first entry) to the end (or now), widened to
        // every entry's own local day.
        var firstNumber = range.since.map { zone.civil($0).date.daysSinceEpoch }
        var lastNumber: Int
        if let until = range.until {
            lastNumber = zone.civil(until.addingTimeInterval(-1)).date.daysSinceEpoch
        } else {
            lastNumber = zone.civil(now).date.daysSinceEpoch
        }
        // The day the current streak is counted back from: the last day of the period, or today
        // when the period ends later.
        let referenceNumber = range.until.map { $0 > now } ?? true ? zone.civil(now).date.daysSinceEpoch : lastNumber
        var dayOfEntry = [Int](repeating: 0, count: entries.count)
        for (i, e) in entries.enumerated() {
            let d = CivilMath.floorDiv(e.localSeconds, 86400)
            dayOfEntry[i] = d
            firstNumber = min(firstNumber ?? d, d)
            lastNumber = max(lastNumber, d)
        }
        guard let first = firstNumber, lastNumber >= first else { return stats }
        let dayCount = lastNumber - first + 1
        stats.firstDay = CivilDate(daysSinceEpoch: first)
        stats.lastDay = CivilDate(daysSinceEpoch: lastNumber)

        // One pass over the entries.
        var moodByDay = [[Int]](repeating: [], count: dayCount)
        var anxietyByDay = [[Int]](repeating: [], count: dayCount)
        var countByDay = [Int](repeating: 0, count: dayCount)
        var moodByWeekday = [[Int]](repeating: [], count: 7), anxietyByWeekday = [[Int]](repeating: [], count: 7)
        var moodByHour = [[Int]](repeating: [], count: 24), anxietyByHour = [[Int]](repeating: [], count: 24)
        var countByWeekday = [Int](repeating: 0, count: 7), countByHour = [Int](repeating: 0, count: 24)
        var tagDays: [String: Set<Int>] = [:]
        for (i, e) in entries.enumerated() {
            let day = dayOfEntry[i] - first
            let weekday = CivilMath.floorMod(dayOfEntry[i] + 3, 7)   // 1970-01-01 was a Thursday
            let hour = CivilMath.floorMod(e.localSeconds, 86400) / 3600
            countByDay[day] += 1
            countByWeekday[weekday] += 1
            countByHour[hour] += 1
            if let m = e.mood {
                moodByDay[day].append(m)
                moodByWeekday[weekday].append(m)
                moodByHour[hour].append(m)
            }
            if let a = e.anxiety {
                anxietyByDay[day].append(a)
                anxietyByWeekday[weekday].append(a)
                anxietyByHour[hour].append(a)
            }
            for tag in e.tags { tagDays[tag, default: []].insert(day) }
        }
        for t in tagged {
            let day = CivilMath.floorDiv(t.localSeconds, 86400) - first
            if day >= 0, day < dayCount { tagDays[t.tag, default: []].insert(day) }
        }

        // Days.
        var moodDaily = [Double?](repeating: nil, count: dayCount)
        var anxietyDaily = [Double?](repeating: nil, count: dayCount)
        stats.days.reserveCapacity(dayCount)
        for d in 0..<dayCount {
            let mood = MeasureSummary(values: &moodByDay[d])
            let anxiety = MeasureSummary(values: &anxietyByDay[d])
            moodDaily[d] = mood.mean
            anxietyDaily[d] = anxiety.mean
            let date = CivilDate(daysSinceEpoch: first + d)
            stats.days.append(StatsBucket(label: date.description, start: date, entries: countByDay[d], mood: mood, anxiety: anxiety))
        }
        let moodAverage = movingAverage(moodDaily), anxietyAverage = movingAverage(anxietyDaily)
        for d in 0..<dayCount {
            stats.days[d].moodAverage7 = moodAverage[d]
            stats.days[d].anxietyAverage7 = anxietyAverage[d]
        }
        stats.daysWithEntries = countByDay.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }

        // Weeks, months and the whole period: runs of days with the same key.
        let dates = stats.days.map { $0.start! }
        func group(_ key: (CivilDate) -> (label: String, start: CivilDate)) -> [StatsBucket] {
            var buckets: [StatsBucket] = []
            var d = 0
            while d < dayCount {
                let k = key(dates[d])
                var e = d
                var count = 0
                var moods: [Int] = [], anxieties: [Int] = []
                while e < dayCount, key(dates[e]).start == k.start {
                    count += countByDay[e]
                    moods += moodByDay[e]
                    anxieties += anxietyByDay[e]
                    e += 1
                }
                buckets.append(StatsBucket(label: k.label, start: k.start, entries: count,
                                           mood: MeasureSummary(values: &moods), anxiety: MeasureSummary(values: &anxieties)))
                d = e
            }
            return buckets
        }
        stats.weeks = group { date in
            let w = isoWeek(date)
            return ("\(CivilMath.pad(w.year, 4))-W\(LocalFormat.two(w.week))", date.adding(days: 1 - date.isoWeekday))
        }
        stats.months = group { date in
            ("\(CivilMath.pad(date.year, 4))-\(LocalFormat.two(date.month))", CivilDate(year: date.year, month: date.month, day: 1))
        }
        var allMoods = moodByDay.flatMap { $0 }, allAnxieties = anxietyByDay.flatMap { $0 }
        stats.mood = MeasureSummary(values: &allMoods)
        stats.anxiety = MeasureSummary(values: &allAnxieties)

        for w in 0..<7 {
            stats.weekdays[w] = StatsBucket(label: weekdayNames[w], start: nil, entries: countByWeekday[w],
                                            mood: MeasureSummary(values: &moodByWeekday[w]),
                                            anxiety: MeasureSummary(values: &anxietyByWeekday[w]))
        }
        for h in 0..<24 {
            stats.hours[h] = StatsBucket(label: LocalFormat.two(h), start: nil, entries: countByHour[h],
                                         mood: MeasureSummary(values: &moodByHour[h]),
                                         anxiety: MeasureSummary(values: &anxietyByHour[h]))
        }

        stats.moodTrend = trend(moodDaily, scale: moodScale)
        stats.anxietyTrend = trend(anxietyDaily, scale: anxietyScale)

        // Streaks, up to today.
        stats.streaks = streaks(countByDay, reference: referenceNumber - first, first: first)

        // Tags.
        var comparisons: [TagComparison] = []
        var leftOut = 0
        for (tag, with) in tagDays {
            let without = stats.daysWithEntries - with.count
            guard with.count >= tagMinimumDays, without >= tagMinimumDays else {
                leftOut += 1
                continue
            }
            var c = TagComparison(tag: tag, daysWith: with.count, daysWithout: without)
            c.moodWith = meanOf(moodDaily, where: { with.contains($0) })
            c.moodWithout = meanOf(moodDaily, where: { countByDay[$0] > 0 && !with.contains($0) })
            c.anxietyWith = meanOf(anxietyDaily, where: { with.contains($0) })
            c.anxietyWithout = meanOf(anxietyDaily, where: { countByDay[$0] > 0 && !with.contains($0) })
            comparisons.append(c)
        }
        stats.tags = comparisons.sorted { $0.tag < $1.tag }
        stats.tagsLeftOut = leftOut
        return stats
    }

    /// For each day, the mean of the non-nil values of that day and the 6 before it.
    static func movingAverage(_ daily: [Double?]) -> [Double?] {
        var out = [Double?](repeating: nil, count: daily.count)
        var sum = 0.0, count = 0
        for i in 0..<daily.count {
            if let v = daily[i] { sum += v; count += 1 }
            if i >= 7, let old = daily[i - 7] { sum -= old; count -= 1 }
            out[i] = count > 0 ? sum / Double(count) : nil
        }
        return out
    }

    static func trend(_ daily: [Double?], scale: Scale) -> Trend? {
        var n = 0.0, sx = 0.0, sy = 0.0
        for (x, y) in daily.enumerated() { if let y { n += 1; sx += Double(x); sy += y } }
        guard n >= 2 else { return nil }
        let mx = sx / n, my = sy / n
        var sxy = 0.0, sxx = 0.0
        for (x, y) in daily.enumerated() {
            guard let y else { continue }
            sxy += (Double(x) - mx) * (y - my)
            sxx += (Double(x) - mx) * (Double(x) - mx)
        }
        let perWeek = sxy / sxx * 7
        let threshold = 0.01 * Double(max(1, scale.max - scale.min))
        let direction: Trend.Direction = abs(perWeek) < threshold ? .flat : perWeek > 0 ? .rising : .falling
        return Trend(perWeek: perWeek, direction: direction, days: Int(n))
    }

    static func streaks(_ countByDay: [Int], reference: Int, first: Int) -> Streaks {
        var result = Streaks(current: 0, longest: 0)
        var run = 0
        for (d, count) in countByDay.enumerated() {
            run = count > 0 ? run + 1 : 0
            if run > 0, run >= result.longest {
                result.longest = run
                result.longestStart = CivilDate(daysSinceEpoch: first + d - run + 1)
                result.longestEnd = CivilDate(daysSinceEpoch: first + d)
            }
        }
        var d = reference
        if d >= 0, d < countByDay.count, countByDay[d] == 0 { d -= 1 }
        while d >= 0, d < countByDay.count, countByDay[d] > 0 {
            result.current += 1
            d -= 1
        }
        return result
    }

    static func meanOf(_ daily: [Double?], where include: (Int) -> Bool) -> Double? {
        var sum = 0.0, n = 0
        for (d, v) in daily.enumerated() where include(d) {
            if let v { sum += v; n += 1 }
        }
        return n == 0 ? nil : sum / Double(n)
    }
}

// MARK: - Numbers as text

/// Fixed-point number formatting without NumberFormatter (rounding half away from zero).
public enum NumberText {
    /// "3.5" for (3.45, 1); "-0.25" for (-0.25, 2); never "-0.0".
    public static func fixed(_ x: Double, _ places: Int) -> String {
        guard x.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(x) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else { return String(x) }
        let n = Int(scaled)
        let p = Int(scale)
        var text = String(n / p)
        if places > 0 {
            let fraction = String(n % p)
            text += "." + String(repeating: "0", count: places - fraction.count) + fraction
        }
        return (x < 0 && n != 0 ? "-" : "") + text
    }

    /// "+0.25", "-0.01", "0.00".
    public static func signed(_ x: Double, _ places: Int) -> String {
        let text = fixed(x, places)
        return text.hasPrefix("-") || text.allSatisfy({ $0 == "0" || $0 == "." }) ? text : "+" + text
    }

    /// A JSON number rounded to 3 decimals without trailing zeros ("3.5", "4", "0.333"); "null" for nil.
    public static func json(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "null" }
        var text = fixed(x, 3)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }
}

// MARK: - Reports

/// `checkin stats` output: text (≤ 80 columns, chart first) and JSON (docs/JSON.md).
public enum StatsReport {
    /// The breakdown table of the text output.
    public enum Granularity: String, Sendable, CaseIterable {
        case day, week, month

        /// Days up to 31, weeks up to 26, else months.
        public static func automatic(days: Int) -> Granularity {
            days <= 31 ? .day : days <= 26 * 7 ? .week : .month
        }
    }

    static func pad(_ s: String, _ width: Int) -> String { Chart.pad(s, width) }
    static func padLeft(_ s: String, _ width: Int) -> String { Chart.padLeft(s, width) }
    static func one(_ x: Double?) -> String { x.map { NumberText.fixed($0, 1) } ?? "-" }

    static func clip(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }

    /// A table row: a label padded to `labelWidth` columns, then right-aligned cells.
    static func row(_ label: String, _ cells: [(String, Int)], labelWidth: Int = 14) -> String {
        Chart.trimRight(pad(label, labelWidth) + cells.map { padLeft($0.0, $0.1) }.joined())
    }

    static func trendText(_ t: Trend?) -> String {
        guard let t else { return "-" }
        return "\(t.direction.rawValue), \(NumberText.signed(t.perWeek, 2))"
    }

    static func days(_ n: Int) -> String { n == 1 ? "1 day" : "\(n) days" }

    public static func text(_ s: Stats, by: Granularity? = nil, color: Bool = false) -> String {
        textBody(s, by: by, color: color) + breakLines(s).map { $0 + "\n" }.joined()
    }

    /// Break prompts per day, after everything else (nothing without any).
    static func breakLines(_ s: Stats) -> [String] {
        guard !s.breakDays.isEmpty else { return [] }
        var out = [""]
        out.append(row("Breaks", [("taken", 7), ("natural", 9), ("snoozed", 9), ("skipped", 9)]))
        for d in s.breakDays {
            out.append(row("  \(d.date)", [(String(d.taken), 7), (String(d.natural), 9), (String(d.snoozed), 9), (String(d.skipped), 9)]))
        }
        out.append("(natural: away for the break's duration)")
        return out
    }

    static func textBody(_ s: Stats, by: Granularity?, color: Bool) -> String {
        var out: [String] = []
        guard let first = s.firstDay, let last = s.lastDay else {
            out.append("No entries in this period.")
            out += reminderLines(s)
            return out.joined(separator: "\n") + "\n"
        }
        out.append("Mood and anxiety, \(first) to \(last): \(s.entries) \(s.entries == 1 ? "entry" : "entries") on "
                   + "\(s.daysWithEntries) of \(days(s.days.count))")
        out.append("Scales: mood \(s.moodScale.rangeDescription), anxiety \(s.anxietyScale.rangeDescription) (values as recorded)")
        guard s.entries > 0 else {
            out.append("")
            out.append("No entries in this period.")
            out += reminderLines(s)
            return out.joined(separator: "\n") + "\n"
        }
        out.append("")
        out += Chart.render(s, color: color)

        out.append("")
        out.append(row("Overall", [("mean", 6), ("median", 8), ("entries", 9)]) + "  trend per week")
        for (name, m, t) in [("mood", s.mood, s.moodTrend), ("anxiety", s.anxiety, s.anxietyTrend)] {
            out.append(row("  " + name, [(one(m.mean), 6), (one(m.median), 8), (String(m.count), 9)]) + "  " + trendText(t))
        }
        out.append("(trend: least-squares slope of the daily means; a description of the period)")

        out.append("")
        let granularity = by ?? .automatic(days: s.days.count)
        switch granularity {
        case .day:
            out.append(row("By day", [("mood", 6), ("median", 8), ("7-day", 7), ("anxiety", 9), ("median", 8), ("7-day", 7), ("entries", 9)]))
            for d in s.days {
                out.append(row("  " + d.label, [(one(d.mood.mean), 6), (one(d.mood.median), 8), (one(d.moodAverage7), 7),
                                                (one(d.anxiety.mean), 9), (one(d.anxiety.median), 8), (one(d.anxietyAverage7), 7),
                                                (String(d.entries), 9)]))
            }
            out.append("(mood, anxiety: mean; 7-day: moving average of the daily means)")
        case .week, .month:
            let buckets = granularity == .week ? s.weeks : s.months
            out.append(row(granularity == .week ? "By ISO week" : "By month",
                           [("mood", 6), ("median", 8), ("anxiety", 9), ("median", 8), ("entries", 9)]))
            for b in buckets {
                out.append(row("  " + b.label, [(one(b.mood.mean), 6), (one(b.mood.median), 8), (one(b.anxiety.mean), 9),
                                                (one(b.anxiety.median), 8), (String(b.entries), 9)]))
            }
            out.append("(mood, anxiety: mean and median of the entries)")
        }

        out.append("")
        out.append(row("By weekday", [("mood", 6), ("anxiety", 9), ("entries", 9)]))
        for w in s.weekdays {
            out.append(row("  " + w.label, [(one(w.mood.mean), 6), (one(w.anxiety.mean), 9), (String(w.entries), 9)]))
        }
        out.append("")
        out.append(row("By hour", [("mood", 6), ("anxiety", 9), ("entries", 9)]))
        for h in s.hours where h.entries > 0 {
            out.append(row("  \(h.label):00-\(h.label):59", [(one(h.mood.mean), 6), (one(h.anxiety.mean), 9), (String(h.entries), 9)]))
        }
        out.append("(local time where each entry was recorded)")

        out += reminderLines(s)

        out.append("")
        out.append("Streaks (consecutive days with at least one entry)")
        out.append("  current       " + days(s.streaks.current))
        var longest = "  longest       " + days(s.streaks.longest)
        if let a = s.streaks.longestStart, let b = s.streaks.longestEnd { longest += a == b ? ", \(a)" : ", \(a) to \(b)" }
        out.append(longest)

        out.append("")
        let minimum = Stats.tagMinimumDays
        if s.tags.isEmpty {
            out.append("Tags: none with at least \(minimum) days with it and \(minimum) days without to compare.")
        } else {
            out.append("Tags: days with a tag compared with days without (correlation, not a cause)")
            // The tag column grows with the longest tag, up to what 80 columns leave (37 for the numbers).
            let width = min(80 - 37, max(14, (s.tags.map { $0.tag.count }.max() ?? 0) + 4))
            out.append(row("  tag", [("days with", 11), ("without", 9), ("mood", 8), ("anxiety", 9)], labelWidth: width))
            for t in s.tags {
                out.append(row("  #" + clip(t.tag, width - 4), [(String(t.daysWith), 11), (String(t.daysWithout), 9),
                                                             (t.moodDifference.map { NumberText.signed($0, 1) } ?? "-", 8),
                                                             (t.anxietyDifference.map { NumberText.signed($0, 1) } ?? "-", 9)],
                               labelWidth: width))
            }
            out.append("(mood, anxiety: mean of the daily means on days with the tag minus days without)")
            if s.tagsLeftOut > 0 {
                out.append("\(s.tagsLeftOut) \(s.tagsLeftOut == 1 ? "tag has" : "tags have") fewer than \(minimum) days "
                           + "with or without and \(s.tagsLeftOut == 1 ? "is" : "are") not compared.")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func reminderLines(_ s: Stats) -> [String] {
        var out = [""]
        guard !s.reminders.isEmpty else {
            out.append("Reminders: no prompts in this period.")
            return out
        }
        out.append(row("Reminders", [("delivered", 10), ("answered", 10), ("skipped", 9), ("dismissed", 11),
                                     ("expired", 9), ("missed", 8), ("rate", 7)]))
        for r in s.reminders {
            let rate = r.responseRate.map { NumberText.fixed($0 * 100, 0) + "%" } ?? "-"
            out.append(row("  " + clip(r.reminder, 12), [(String(r.delivered), 10), (String(r.answered), 10), (String(r.skipped), 9),
                                                      (String(r.dismissed), 11), (String(r.expired), 9), (String(r.missed), 8), (rate, 7)]))
        }
        out.append("(rate: answered ÷ delivered; prompts scheduled in the period)")
        for r in s.reminders where r.natural > 0 || r.snoozed > 0 {
            out.append("\(r.reminder): \(r.natural) natural break\(r.natural == 1 ? "" : "s") (away for its duration), \(r.snoozed) snoozed")
        }
        return out
    }

    // MARK: JSON

    /// `extra`: more members ("\"name\":value") appended to the object (questionnaires, tracked).
    public static func json(_ s: Stats, zone: Zone, extra: [String] = []) -> String {
        func time(_ d: Date?) -> String { d.map { JSONText.quote(LocalFormat.iso8601($0, in: zone)) } ?? "null" }
        func day(_ d: CivilDate?) -> String { d.map { JSONText.quote($0.description) } ?? "null" }
        func num(_ x: Double?) -> String { NumberText.json(x) }
        func summary(_ m: MeasureSummary) -> String {
            "{\"count\":\(m.count),\"mean\":\(num(m.mean)),\"median\":\(num(m.median))}"
        }
        func trend(_ t: Trend?) -> String {
            t.map { "{\"perWeek\":\(num($0.perWeek)),\"direction\":\(JSONText.quote($0.direction.rawValue)),\"days\":\($0.days)}" } ?? "null"
        }
        func bucket(_ key: String, _ b: StatsBucket, start: Bool, averages: Bool) -> String {
            var text = "{\"\(key)\":\(JSONText.quote(b.label))"
            if start { text += ",\"start\":\(day(b.start))" }
            text += ",\"entries\":\(b.entries),\"mood\":\(summary(b.mood)),\"anxiety\":\(summary(b.anxiety))"
            if averages { text += ",\"mood7\":\(num(b.moodAverage7)),\"anxiety7\":\(num(b.anxietyAverage7))" }
            return text + "}"
        }
        func scale(_ sc: Scale) -> String { "{\"min\":\(sc.min),\"max\":\(sc.max)}" }
        var parts: [String] = []
        parts.append("\"since\":\(time(s.range.since)),\"until\":\(time(s.range.until))")
        parts.append("\"firstDay\":\(day(s.firstDay)),\"lastDay\":\(day(s.lastDay))")
        parts.append("\"scales\":{\"mood\":\(scale(s.moodScale)),\"anxiety\":\(scale(s.anxietyScale))}")
        parts.append("\"entries\":\(s.entries),\"days\":\(s.days.count),\"daysWithEntries\":\(s.daysWithEntries)")
        parts.append("\"mood\":\(summary(s.mood)),\"anxiety\":\(summary(s.anxiety))")
        parts.append("\"trend\":{\"mood\":\(trend(s.moodTrend)),\"anxiety\":\(trend(s.anxietyTrend))}")
        parts.append("\"perDay\":[" + s.days.map { bucket("date", $0, start: false, averages: true) }.joined(separator: ",") + "]")
        parts.append("\"perWeek\":[" + s.weeks.map { bucket("week", $0, start: true, averages: false) }.joined(separator: ",") + "]")
        parts.append("\"perMonth\":[" + s.months.map { bucket("month", $0, start: false, averages: false) }.joined(separator: ",") + "]")
        parts.append("\"byWeekday\":[" + s.weekdays.map { bucket("weekday", $0, start: false, averages: false) }.joined(separator: ",") + "]")
        parts.append("\"byHour\":[" + s.hours.map { h in
            "{\"hour\":\(Int(h.label) ?? 0),\"entries\":\(h.entries),\"mood\":\(summary(h.mood)),\"anxiety\":\(summary(h.anxiety))}"
        }.joined(separator: ",") + "]")
        parts.append("\"reminders\":[" + s.reminders.map { r in
            "{\"reminder\":\(JSONText.quote(r.reminder)),\"prompts\":\(r.prompts),\"delivered\":\(r.delivered),"
                + "\"answered\":\(r.answered),\"skipped\":\(r.skipped),\"dismissed\":\(r.dismissed),\"expired\":\(r.expired),"
                + "\"missed\":\(r.missed),\"responseRate\":\(num(r.responseRate)),\"natural\":\(r.natural),\"snoozed\":\(r.snoozed)}"
        }.joined(separator: ",") + "]")
        parts.append("\"streaks\":{\"current\":\(s.streaks.current),\"longest\":\(s.streaks.longest),"
                     + "\"longestStart\":\(day(s.streaks.longestStart)),\"longestEnd\":\(day(s.streaks.longestEnd))}")
        parts.append("\"tags\":[" + s.tags.map { t in
            "{\"tag\":\(JSONText.quote(t.tag)),\"daysWith\":\(t.daysWith),\"daysWithout\":\(t.daysWithout),"
                + "\"moodWith\":\(num(t.moodWith)),\"moodWithout\":\(num(t.moodWithout)),\"moodDifference\":\(num(t.moodDifference)),"
                + "\"anxietyWith\":\(num(t.anxietyWith)),\"anxietyWithout\":\(num(t.anxietyWithout)),"
                + "\"anxietyDifference\":\(num(t.anxietyDifference))}"
        }.joined(separator: ",") + "]")
        parts.append("\"tagsLeftOut\":\(s.tagsLeftOut)")
        parts.append("\"breaksPerDay\":[" + s.breakDays.map { d in
            "{\"date\":\(day(d.date)),\"taken\":\(d.taken),\"natural\":\(d.natural),\"snoozed\":\(d.snoozed),\"skipped\":\(d.skipped)}"
        }.joined(separator: ",") + "]")
        parts += extra
        return "{" + parts.joined(separator: ",") + "}"
    }
}
