// Pure logic over questionnaire responses and uses of tracked items: per-questionnaire summaries,
// moderation against the person's own plan (days in a row, break days per ISO week, days over the
// daily limit, the break reminder's text), use compared with mood and anxiety, and nudges.
// Nothing reads the clock: `now` and the zone are parameters.
//
// Days: a response or use belongs to the local day of its own UTC offset (where it was recorded),
// like entries in Stats. Weeks are ISO weeks (Monday to Sunday).

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

enum LocalDay {
    /// Days since 1970-01-01 of the local day `time` falls on, in `utcOffset`.
    static func number(_ time: Date, _ utcOffset: Int) -> Int {
        CivilMath.floorDiv(Int(time.timeIntervalSince1970.rounded(.down)) + utcOffset, 86400)
    }

    static func weekLabel(_ date: CivilDate) -> String {
        let w = Stats.isoWeek(date)
        return "\(CivilMath.pad(w.year, 4))-W\(LocalFormat.two(w.week))"
    }

    static func monday(_ date: CivilDate) -> CivilDate { date.adding(days: 1 - date.isoWeekday) }
}

// MARK: - Questionnaire summaries

/// One ISO week's mean total of a questionnaire.
public struct QuestionnaireWeek: Sendable, Equatable {
    public var week: String
    public var start: CivilDate
    public var responses: Int
    public var mean: Double
}

/// What `checkin stats` shows per questionnaire.
public struct QuestionnaireSummary: Sendable, Equatable {
    public var questionnaire: Questionnaire
    public var responses: Int
    public var latest: QuestionnaireResponse?
    public var mean: Double?
    /// ISO weeks with at least one response, oldest first.
    public var weeks: [QuestionnaireWeek]
    /// Least-squares slope of the weekly means against the week, per week (at least 2 weeks).
    public var trendPerWeek: Double?

    /// Summaries for the questionnaires that have responses, in `questionnaires` order; responses
    /// to a questionnaire no longer in the config are summarised under their name, with no bands.
    public static func compute(_ responses: [QuestionnaireResponse], questionnaires: [Questionnaire]) -> [QuestionnaireSummary] {
        var known = questionnaires
        for r in responses where !known.contains(where: { $0.name == r.questionnaire }) {
            known.append(Questionnaire(name: r.questionnaire, title: r.questionnaire, intro: "", items: [], options: []))
        }
        return known.compactMap { q in
            let mine = responses.filter { $0.questionnaire == q.name }.sorted { $0.completedAt < $1.completedAt }
            guard !mine.isEmpty else { return nil }
            var byWeek: [(start: CivilDate, totals: [Int])] = []
            for r in mine {
                let day = CivilDate(daysSinceEpoch: LocalDay.number(r.completedAt, r.utcOffset))
                let monday = LocalDay.monday(day)
                if let i = byWeek.firstIndex(where: { $0.start == monday }) { byWeek[i].totals.append(r.total) }
                else { byWeek.append((monday, [r.total])) }
            }
            byWeek.sort { $0.start < $1.start }
            let weeks = byWeek.map { w in
                QuestionnaireWeek(week: LocalDay.weekLabel(w.start), start: w.start, responses: w.totals.count,
                                  mean: Double(w.totals.reduce(0, +)) / Double(w.totals.count))
            }
            var trend: Double?
            if weeks.count >= 2 {
                let xs = weeks.map { Double(($0.start.daysSinceEpoch - weeks[0].start.daysSinceEpoch) / 7) }
                let ys = weeks.map(\.mean)
                let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
                var sxy = 0.0, sxx = 0.0
                for (x, y) in zip(xs, ys) {
                    sxy += (x - mx) * (y - my)
                    sxx += (x - mx) * (x - mx)
                }
                trend = sxx > 0 ? sxy / sxx : nil
            }
            return QuestionnaireSummary(questionnaire: q, responses: mine.count, latest: mine.last,
                                        mean: Double(mine.map(\.total).reduce(0, +)) / Double(mine.count),
                                        weeks: weeks, trendPerWeek: trend)
        }
    }
}

// MARK: - Moderation

/// One local day of a tracked item.
public struct ModerationDay: Sendable, Equatable {
    public var date: CivilDate
    public var amount: Double
    public var uses: Int
    public var used: Bool { uses > 0 }
}

/// One ISO week against the plan's break days.
public struct ModerationWeek: Sendable, Equatable {
    public var week: String
    public var start: CivilDate
    /// Days of the week inside the period so far (up to today) without use.
    public var breakDays: Int
    /// Days of the week inside the period so far.
    public var daysSoFar: Int
    /// `breakDaysPerWeek`, if planned.
    public var planned: Int?
    /// Kept: at least `planned` break days. Broken: too few days are left to keep it. nil: open
    /// (the week is still running and can be kept) or nothing planned.
    public var kept: Bool?
}

public struct ModerationReport: Sendable, Equatable {
    public var item: TrackedItem
    /// Every day from the first to the last day of the period.
    public var days: [ModerationDay]
    public var weeks: [ModerationWeek]
    public var total: Double
    public var daysWithUse: Int
    /// Days in a row with use, ending today (today counted when it has a use, else up to yesterday).
    public var currentRun: Int
    public var longestRun: Int
    /// Days with use beyond `maxDaysInARow` in a run (each such day once).
    public var daysBeyondPlannedRun: Int
    /// Days whose amount exceeded `maxPerDay`.
    public var daysOverMaxPerDay: [CivilDate]

    public var weeksKept: Int { weeks.filter { $0.kept == true }.count }
    public var weeksBroken: Int { weeks.filter { $0.kept == false }.count }
}

public enum Moderation {
    /// The journal's state key recording the local day (YYYY-MM-DD) a break reminder for `item`
    /// was last shown, so the daemon shows it at most once a day.
    public static func breakReminderStateKey(_ item: String) -> String { "tracked.\(item).break-reminded" }

    /// The report of `item` over [firstDay, today] (today: `now` in `zone`). Uses of other items
    /// are ignored.
    public static func report(_ item: TrackedItem, uses: [UseRecord], firstDay: CivilDate?, now: Date, zone: Zone) -> ModerationReport {
        // By local day, not instant: a use later today still counts for today.
        let mine = uses.filter { $0.item == item.name }
        let today = zone.civil(now).date.daysSinceEpoch
        var first = firstDay?.daysSinceEpoch ?? mine.map { LocalDay.number($0.usedAt, $0.utcOffset) }.min() ?? today
        first = min(first, today)
        var days = (first...today).map { ModerationDay(date: CivilDate(daysSinceEpoch: $0), amount: 0, uses: 0) }
        for u in mine {
            let d = LocalDay.number(u.usedAt, u.utcOffset) - first
            guard d >= 0, d < days.count else { continue }
            days[d].amount += u.amount
            days[d].uses += 1
        }
        var report = ModerationReport(item: item, days: days, weeks: [], total: days.reduce(0) { $0 + $1.amount },
                                      daysWithUse: days.filter(\.used).count, currentRun: 0, longestRun: 0,
                                      daysBeyondPlannedRun: 0, daysOverMaxPerDay: [])
        var run = 0
        for d in days {
            run = d.used ? run + 1 : 0
            report.longestRun = max(report.longestRun, run)
            if let limit = item.maxDaysInARow, run > limit { report.daysBeyondPlannedRun += 1 }
            if let max = item.maxPerDay, d.amount > max + 1e-9 { report.daysOverMaxPerDay.append(d.date) }
        }
        report.currentRun = runEnding(days, at: days.count - 1, countingLast: true)

        // ISO weeks.
        var i = 0
        while i < days.count {
            let monday = LocalDay.monday(days[i].date)
            var j = i
            while j < days.count, LocalDay.monday(days[j].date) == monday { j += 1 }
            let slice = days[i..<j]
            let breaks = slice.filter { !$0.used }.count
            var week = ModerationWeek(week: LocalDay.weekLabel(monday), start: monday, breakDays: breaks, daysSoFar: slice.count,
                                      planned: item.breakDaysPerWeek, kept: nil)
            if let planned = item.breakDaysPerWeek {
                // Days of this week after today (or after the period) that could still be break days.
                let lastOfWeek = monday.daysSinceEpoch + 6
                let left = max(0, lastOfWeek - today)
                // A week that began before the period is judged only when it is kept.
                if breaks >= planned { week.kept = true } else if breaks + left < planned, monday.daysSinceEpoch >= first { week.kept = false }
            }
            report.weeks.append(week)
            i = j
        }
        return report
    }

    /// The run of days with use ending on `days[index]` (or on the day before, when that day has
    /// no use and `countingLast`).
    static func runEnding(_ days: [ModerationDay], at index: Int, countingLast: Bool) -> Int {
        var d = index
        if countingLast, d >= 0, !days[d].used { d -= 1 }
        var run = 0
        while d >= 0, days[d].used {
            run += 1
            d -= 1
        }
        return run
    }

    /// The text the daemon shows when the plan calls for a break today, or nil. After
    /// `maxDaysInARow` days in a row with use up to yesterday: "You planned a break from caffeine
    /// after 5 days in a row: today is day 6." Else, when the break days still needed this ISO week
    /// are as many as the days left in it (today included): "You planned 2 break days from caffeine
    /// a week: this week has 2 days left." Only the person's own numbers appear.
    public static func breakReminder(_ item: TrackedItem, uses: [UseRecord], now: Date, zone: Zone) -> String? {
        let today = zone.civil(now).date
        // A year back: enough for any run the message counts and the current week.
        let r = report(item, uses: uses.filter { $0.usedAt <= now }, firstDay: today.adding(days: -(366 + 7)), now: now, zone: zone)
        let yesterday = r.days.count - 2
        if let limit = item.maxDaysInARow, yesterday >= 0 {
            let run = runEnding(r.days, at: yesterday, countingLast: false)
            if run >= limit {
                return "You planned a break from \(item.name) after \(limit) \(limit == 1 ? "day" : "days") in a row: today is day \(run + 1)."
            }
        }
        if let planned = item.breakDaysPerWeek, let week = r.weeks.last {
            // Days of this week before today without use; today and the days after are still open.
            let before = week.breakDays - (r.days.last!.used ? 0 : 1)
            let left = 7 - (today.isoWeekday - 1)
            let needed = planned - before
            if needed > 0, needed >= left {
                return "You planned \(planned) break \(planned == 1 ? "day" : "days") from \(item.name) a week: "
                    + "this week has \(left) \(left == 1 ? "day" : "days") left."
            }
        }
        return nil
    }
}

// MARK: - Use compared with mood and anxiety

/// Days with use of an item compared with days without, on the same day and on the next day.
/// A correlation, not a cause. Compared only when both sides have at least `minimumDays` days.
public struct UseComparison: Sendable, Equatable {
    public struct Side: Sendable, Equatable {
        public var daysWith: Int
        public var daysWithout: Int
        public var moodWith: Double?
        public var moodWithout: Double?
        public var anxietyWith: Double?
        public var anxietyWithout: Double?
        /// Both sides have at least `minimumDays` days with a mood or anxiety value.
        public var compared: Bool
    }

    public var item: String
    /// Mood on the day of the use (or a day without).
    public var sameDay: Side
    /// Mood on the day after a day with use (or after a day without).
    public var nextDay: Side

    public static let minimumDays = 3

    /// `entries` and `uses` in the period. Days are those with entries; a day "without" had no
    /// use of `item` (for the next day: the day before had none, and was on or after the first
    /// recorded day).
    public static func compute(item: String, entries: [StatsEntry], uses: [UseRecord]) -> UseComparison {
        var moodByDay: [Int: [Int]] = [:], anxietyByDay: [Int: [Int]] = [:]
        var entryDays = Set<Int>()
        for e in entries {
            let d = CivilMath.floorDiv(e.localSeconds, 86400)
            entryDays.insert(d)
            if let m = e.mood { moodByDay[d, default: []].append(m) }
            if let a = e.anxiety { anxietyByDay[d, default: []].append(a) }
        }
        let useDays = Set(uses.filter { $0.item == item }.map { LocalDay.number($0.usedAt, $0.utcOffset) })
        func mean(_ values: [Int]) -> Double { Double(values.reduce(0, +)) / Double(values.count) }
        func side(shift: Int) -> Side {
            // Days with entries (on the day of the mood), split by whether the day `shift` before had a use.
            // A day before the first recorded day is unknown, not a day without use.
            let start = min(entryDays.min() ?? 0, useDays.min() ?? Int.max)
            var withDays: [Int] = [], withoutDays: [Int] = []
            for d in entryDays.sorted() {
                let source = d - shift
                if useDays.contains(source) { withDays.append(d) } else if source >= start { withoutDays.append(d) }
            }
            func avg(_ days: [Int], _ byDay: [Int: [Int]]) -> Double? {
                let means = days.compactMap { byDay[$0].map(mean) }
                return means.isEmpty ? nil : means.reduce(0, +) / Double(means.count)
            }
            let compared = withDays.count >= minimumDays && withoutDays.count >= minimumDays
            return Side(daysWith: withDays.count, daysWithout: withoutDays.count,
                        moodWith: compared ? avg(withDays, moodByDay) : nil, moodWithout: compared ? avg(withoutDays, moodByDay) : nil,
                        anxietyWith: compared ? avg(withDays, anxietyByDay) : nil,
                        anxietyWithout: compared ? avg(withoutDays, anxietyByDay) : nil, compared: compared)
        }
        return UseComparison(item: item, sameDay: side(shift: 0), nextDay: side(shift: 1))
    }
}

// MARK: - Nudges

/// Why a nudge is due (for logs and tests; the nudge itself shows only the contact text).
public enum NudgeReason: Sendable, Equatable {
    case lowMood
    case questionnaireThreshold(String)
}

public struct Nudge: Sendable, Equatable {
    public var reason: NudgeReason
    /// Exactly the configured `contact` text: a nudge never shows a number or words the person
    /// did not write.
    public var text: String
}

public enum Nudges {
    /// The window of the mood mean.
    public static let moodDays = 14
    /// The journal's state key for the last nudge (Unix seconds as text): the daemon reads it for
    /// `lastNudgeAt` and sets it when it shows a nudge.
    public static let lastNudgeStateKey = "nudges.last-at"

    /// The nudge due at `now`, or nil. At most one per `settings.every`: nil when `lastNudgeAt` is
    /// less than that ago. Due when the mean of the daily mood means over the last 14 local days
    /// (today included) is at or below `moodAtOrBelow`, or when a response completed since the
    /// last nudge (or within `every`) reached its questionnaire's threshold. Nothing is sent
    /// anywhere: the daemon shows the text as a notification and records `now` as the last nudge.
    public static func due(_ settings: NudgeSettings?, entries: [StatsEntry], responses: [QuestionnaireResponse],
                           questionnaires: [Questionnaire], lastNudgeAt: Date?, now: Date, zone: Zone) -> Nudge? {
        guard let settings, settings.enabled else { return nil }
        if let last = lastNudgeAt, now.timeIntervalSince(last) < Double(settings.every), last <= now { return nil }
        if let limit = settings.moodAtOrBelow {
            let today = zone.civil(now).date.daysSinceEpoch
            var byDay: [Int: [Int]] = [:]
            for e in entries {
                guard let m = e.mood, e.time <= now.timeIntervalSince1970 else { continue }
                let d = CivilMath.floorDiv(e.localSeconds, 86400)
                if d > today - moodDays, d <= today { byDay[d, default: []].append(m) }
            }
            if !byDay.isEmpty {
                let means = byDay.values.map { Double($0.reduce(0, +)) / Double($0.count) }
                if means.reduce(0, +) / Double(means.count) <= limit + 1e-9 { return Nudge(reason: .lowMood, text: settings.contact) }
            }
        }
        let since = max(lastNudgeAt ?? .distantPast, now.addingTimeInterval(-Double(settings.every)))
        for r in responses.sorted(by: { $0.completedAt > $1.completedAt }) where r.completedAt > since && r.completedAt <= now {
            if let q = questionnaires.first(where: { $0.name == r.questionnaire }), let t = q.threshold, t.isReached(by: r.total) {
                return Nudge(reason: .questionnaireThreshold(q.name), text: settings.contact)
            }
        }
        return nil
    }
}
