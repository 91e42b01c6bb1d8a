import Foundation
import XCTest
@testable import CheckinCore

private let berlin = try! Zone.named("Europe/Berlin")
private let five = Scale(min: 1, max: 5)

/// An entry at a UTC wall time with an offset: `at("2026-03-01T09:00:00", 3600)` is 09:00 local
/// time at +01:00, i.e. 08:00Z.
private func at(_ local: String, _ offset: Int = 0, mood: Int?, anxiety: Int? = nil, tags: [String] = []) -> StatsEntry {
    let c = CivilDateTime.parse(local)!
    return StatsEntry(time: Double(c.secondsSinceEpoch - offset), utcOffset: offset, mood: mood, anxiety: anxiety, tags: tags)
}

private func date(_ text: String, _ zone: Zone = .utc) -> Date {
    if let c = CivilDateTime.parse(text) { return zone.date(c) }
    return zone.date(CivilDateTime(date: CivilDate.parse(text)!, hour: 0, minute: 0))
}

final class StatsTests: XCTestCase {
    /// Sun 2026-03-01 to Wed 2026-03-04, UTC.
    ///   03-01  09:00 mood 2 anxiety 4;  13:00 mood 3;  21:00 mood 5 anxiety 1
    ///   03-02  08:00 mood 5 anxiety 2
    ///   03-03  nothing
    ///   03-04  22:30 mood 4 anxiety 3;  23:59:59 mood 4
    let sample = [
        at("2026-03-01T09:00:00", mood: 2, anxiety: 4),
        at("2026-03-01T13:00:00", mood: 3),
        at("2026-03-01T21:00:00", mood: 5, anxiety: 1),
        at("2026-03-02T08:00:00", mood: 5, anxiety: 2),
        at("2026-03-04T22:30:00", mood: 4, anxiety: 3),
        at("2026-03-04T23:59:59", mood: 4),
    ]

    func compute(_ entries: [StatsEntry], since: String? = "2026-03-01", until: String? = "2026-03-05",
                 now: String = "2026-03-10T12:00:00", zone: Zone = .utc, reminders: [ReminderCounts] = []) -> Stats {
        Stats.compute(entries: entries, reminders: reminders,
                      range: TimeRange(since: since.map { date($0, zone) }, until: until.map { date($0, zone) }),
                      now: date(now, zone), zone: zone, moodScale: five, anxietyScale: five)
    }

    func testMeansAndMediansPerDayWeekMonthAndOverall() {
        let s = compute(sample)
        XCTAssertEqual(s.firstDay, CivilDate(year: 2026, month: 3, day: 1))
        XCTAssertEqual(s.lastDay, CivilDate(year: 2026, month: 3, day: 4))
        XCTAssertEqual(s.entries, 6)
        XCTAssertEqual(s.daysWithEntries, 3)
        XCTAssertEqual(s.days.map(\.label), ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"])
        XCTAssertEqual(s.days.map(\.entries), [3, 1, 0, 2])
        // 03-01: mood 2, 3, 5 -> mean 10/3, median 3; anxiety 4, 1 -> mean 2.5, median 2.5.
        XCTAssertEqual(s.days[0].mood.count, 3)
        XCTAssertEqual(s.days[0].mood.mean!, 10.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(s.days[0].mood.median, 3)
        XCTAssertEqual(s.days[0].anxiety, MeasureSummary(count: 2, mean: 2.5, median: 2.5))
        XCTAssertEqual(s.days[1].mood, MeasureSummary(count: 1, mean: 5, median: 5))
        XCTAssertEqual(s.days[2].mood, .empty)
        XCTAssertEqual(s.days[3].mood, MeasureSummary(count: 2, mean: 4, median: 4))
        XCTAssertEqual(s.days[3].anxiety, MeasureSummary(count: 1, mean: 3, median: 3))
        // Overall: mood 2 3 4 4 5 5 -> mean 23/6, median 4; anxiety 1 2 3 4 -> 2.5 and 2.5.
        XCTAssertEqual(s.mood.mean!, 23.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(s.mood.median, 4)
        XCTAssertEqual(s.anxiety, MeasureSummary(count: 4, mean: 2.5, median: 2.5))
        // 03-01 is the Sunday of ISO week 9; 03-02..03-04 are in week 10.
        XCTAssertEqual(s.weeks.map(\.label), ["2026-W09", "2026-W10"])
        XCTAssertEqual(s.weeks.map(\.start), [CivilDate(year: 2026, month: 2, day: 23), CivilDate(year: 2026, month: 3, day: 2)])
        XCTAssertEqual(s.weeks[1].mood.mean!, 13.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(s.weeks[1].mood.median, 4)
        XCTAssertEqual(s.weeks[1].anxiety, MeasureSummary(count: 2, mean: 2.5, median: 2.5))
        XCTAssertEqual(s.months.map(\.label), ["2026-03"])
        XCTAssertEqual(s.months[0].entries, 6)
        XCTAssertEqual(s.months[0].mood.median, 4)
    }

    func testMovingAverageIsOverTheDailyMeansOfTheLastSevenDays() {
        let s = compute(sample)
        let mood = s.days.map(\.moodAverage7)
        XCTAssertEqual(mood[0]!, 10.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(mood[1]!, (10.0 / 3 + 5) / 2, accuracy: 1e-12)
        XCTAssertEqual(mood[2]!, (10.0 / 3 + 5) / 2, accuracy: 1e-12, "a day without entries keeps the average of the days before")
        XCTAssertEqual(mood[3]!, (10.0 / 3 + 5 + 4) / 3, accuracy: 1e-12)
        XCTAssertEqual(s.days.map(\.anxietyAverage7), [2.5, 2.25, 2.25, 7.5 / 3])
        // The window is 7 days: the 8th day no longer sees the first.
        XCTAssertEqual(Stats.movingAverage([1, nil, nil, nil, nil, nil, nil, 3, nil]), [1, 1, 1, 1, 1, 1, 1, 3, 3])
        XCTAssertEqual(Stats.movingAverage([nil, nil]), [nil, nil])
    }

    func testTrendIsTheLeastSquaresSlopePerWeek() {
        let s = compute(sample)
        // Daily means (x = day): (0, 10/3), (1, 5), (3, 4). x̄ = 4/3, Sxy = 5/9, Sxx = 14/3:
        // slope 5/42 per day = 5/6 per week.
        XCTAssertEqual(s.moodTrend!.perWeek, 5.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(s.moodTrend!.direction, .rising)
        XCTAssertEqual(s.moodTrend!.days, 3)
        // Anxiety: (0, 2.5), (1, 2), (3, 3): Sxy = 1, slope 3/14 per day = 1.5 per week.
        XCTAssertEqual(s.anxietyTrend!.perWeek, 1.5, accuracy: 1e-12)

        // Flat: under 1% of the scale's span (0.04 on 1-5) per week either way.
        let daily: [Double?] = (0..<14).map { 3 + Double($0) * 0.005 }   // 0.035 per week
        XCTAssertEqual(Stats.trend(daily, scale: five)?.direction, .flat)
        XCTAssertEqual(Stats.trend(daily.map { $0.map { 6 - $0 } }, scale: five)?.direction, .flat)
        let falling: [Double?] = [5, nil, 4, nil, 3]
        XCTAssertEqual(Stats.trend(falling, scale: five)!.perWeek, -3.5, accuracy: 1e-12)
        XCTAssertEqual(Stats.trend(falling, scale: five)?.direction, .falling)
        // On 0-100 the same slope is under the threshold of 1 per week.
        XCTAssertEqual(Stats.trend([50, 50.1], scale: Scale(min: 0, max: 100))?.direction, .flat)
        XCTAssertNil(Stats.trend([3, nil, nil], scale: five), "one day is no trend")
    }

    func testWeekdayAndHourUseTheEntrysOwnOffset() {
        // 23:30 at +02:00 is 21:30Z on Monday the 6th: it counts as Monday 23:xx, and the entry
        // at 00:30 local on the 7th (22:30Z on the 6th) as Tuesday 00:xx.
        let entries = [
            at("2026-04-06T23:30:00", 7200, mood: 3, anxiety: 2),
            at("2026-04-07T00:30:00", 7200, mood: 5),
            at("2026-04-07T00:45:00", -18000, mood: 1),    // 05:45Z on the 7th, New York time
        ]
        let s = compute(entries, since: nil, until: nil, now: "2026-04-08T12:00:00", zone: berlin)
        XCTAssertEqual(s.days.map(\.label), ["2026-04-06", "2026-04-07", "2026-04-08"])
        XCTAssertEqual(s.days.map(\.entries), [1, 2, 0])
        XCTAssertEqual(s.weekdays.map(\.entries), [1, 2, 0, 0, 0, 0, 0])
        XCTAssertEqual(s.weekdays[1].mood, MeasureSummary(count: 2, mean: 3, median: 3))
        XCTAssertEqual(s.hours[23].entries, 1)
        XCTAssertEqual(s.hours[0].entries, 2)
        XCTAssertEqual(s.hours[0].mood.mean, 3)
        XCTAssertEqual(s.hours.map(\.label).prefix(3), ["00", "01", "02"])
    }

    func testStreaksAcrossDaylightSavingAndMonthEnd() {
        // Every night at 00:30 Berlin time from Fri 03-27 to Thu 04-02 (clocks go forward on
        // Sunday 03-29, so those nights are at 23:30Z before it and 22:30Z after), then a gap on
        // 04-03, then 04-04 and 04-05.
        var entries: [StatsEntry] = []
        for day in ["03-27", "03-28", "03-29", "03-30", "03-31", "04-01", "04-02", "04-04", "04-05"] {
            let local = "2026-\(day)T00:30:00"
            let offset = berlin.offset(at: berlin.date(CivilDateTime.parse(local)!))
            entries.append(at(local, offset, mood: 3))
        }
        XCTAssertEqual(entries[2].utcOffset, 3600)
        XCTAssertEqual(entries[3].utcOffset, 7200)
        var s = compute(entries, since: nil, until: nil, now: "2026-04-06T10:00:00", zone: berlin)
        XCTAssertEqual(s.firstDay, CivilDate(year: 2026, month: 3, day: 27))
        XCTAssertEqual(s.lastDay, CivilDate(year: 2026, month: 4, day: 6))
        XCTAssertEqual(s.daysWithEntries, 9)
        // Today (04-06) has no entry yet: the run up to yesterday still counts.
        XCTAssertEqual(s.streaks, Streaks(current: 2, longest: 7, longestStart: CivilDate(year: 2026, month: 3, day: 27),
                                          longestEnd: CivilDate(year: 2026, month: 4, day: 2)))
        // A day later without an entry the current run is over.
        s = compute(entries, since: nil, until: nil, now: "2026-04-07T10:00:00", zone: berlin)
        XCTAssertEqual(s.streaks.current, 0)
        XCTAssertEqual(s.streaks.longest, 7)
        // A period that ended: counted back from its last day (04-02, included).
        s = compute(Array(entries[3...6]), since: "2026-03-30", until: "2026-04-03", now: "2026-04-07T10:00:00", zone: berlin)
        XCTAssertEqual(s.streaks, Streaks(current: 4, longest: 4, longestStart: CivilDate(year: 2026, month: 3, day: 30),
                                          longestEnd: CivilDate(year: 2026, month: 4, day: 2)))
        // Equal runs: the most recent is the longest shown.
        XCTAssertEqual(Stats.streaks([1, 1, 0, 1, 1, 0], reference: 5, first: 0),
                       Streaks(current: 2, longest: 2, longestStart: CivilDate(daysSinceEpoch: 3), longestEnd: CivilDate(daysSinceEpoch: 4)))
        XCTAssertEqual(Stats.streaks([0, 0], reference: 1, first: 0), Streaks(current: 0, longest: 0))
    }

    func testTagsNeedThreeDaysWithAndThreeWithout() {
        let entries = [
            at("2026-03-01T09:00:00", mood: 4, anxiety: 2, tags: ["coffee", "often"]),
            at("2026-03-01T10:00:00", mood: 4, anxiety: 2),
            at("2026-03-02T09:00:00", mood: 4, anxiety: 2, tags: ["coffee", "often"]),
            at("2026-03-03T09:00:00", mood: 5, anxiety: 1, tags: ["coffee", "walk", "often"]),
            at("2026-03-04T09:00:00", mood: 2, anxiety: 4, tags: ["often"]),
            at("2026-03-05T09:00:00", mood: 3, anxiety: 3, tags: ["often"]),
            at("2026-03-06T09:00:00", mood: 2, anxiety: 5, tags: ["walk"]),
            at("2026-03-07T09:00:00", mood: 3, anxiety: 3),
        ]
        // "walk" also on the 7th, handed over separately as the store does.
        let tagged = [StatsTag(tag: "walk", time: entries[7].time, utcOffset: 0), StatsTag(tag: "rare", time: entries[7].time, utcOffset: 0)]
        let s = Stats.compute(entries: entries, tagged: tagged, range: TimeRange(since: date("2026-03-01"), until: date("2026-03-08")),
                              now: date("2026-03-10"), zone: .utc, moodScale: five, anxietyScale: five)
        XCTAssertEqual(s.tags.map(\.tag), ["coffee", "walk"])
        XCTAssertEqual(s.tagsLeftOut, 2, "rare: 1 day with it; often: 5 with, 2 without")
        let coffee = s.tags[0]
        XCTAssertEqual(coffee.daysWith, 3)
        XCTAssertEqual(coffee.daysWithout, 4)
        // Days with: 4, 4, 5; without: 2, 3, 2, 3.
        XCTAssertEqual(coffee.moodWith!, 13.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(coffee.moodWithout!, 2.5, accuracy: 1e-12)
        XCTAssertEqual(coffee.moodDifference!, 13.0 / 3 - 2.5, accuracy: 1e-12)
        XCTAssertEqual(coffee.anxietyDifference!, 5.0 / 3 - 3.75, accuracy: 1e-12)
        let walk = s.tags[1]
        XCTAssertEqual(walk.daysWith, 3)
        XCTAssertEqual(walk.daysWithout, 4)
        XCTAssertEqual(walk.moodDifference!, 10.0 / 3 - 3.25, accuracy: 1e-12)
        XCTAssertEqual(walk.anxietyDifference!, 0.25, accuracy: 1e-12)
    }

    func testResponseRates() throws {
        // Counted by SQLite from the prompts table.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("checkin-stats-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(path: dir.appendingPathComponent("checkin/checkin.sqlite").path)
        defer { store.close() }
        let t0 = date("2026-03-02T10:00:00")
        var n = 0
        func prompt(_ reminder: String, _ state: PromptState, delivered: Bool = true, day: Int = 0) throws {
            n += 1
            let at = t0.addingTimeInterval(Double(day * 86400 + n * 60))
            try store.insertPrompt(PromptRecord(id: "p\(n)", reminder: reminder, kind: reminder == "break" ? "break" : "mood",
                                                scheduledAt: at, deliveredAt: delivered ? at : nil, state: state,
                                                outcomeAt: state == .missed ? nil : at))
        }
        for s in [PromptState.answered, .answered, .expired, .skipped, .dismissed] { try prompt("mood", s) }
        try prompt("mood", .missed, delivered: false)
        try prompt("mood", .delivered)                      // still open, but it was shown
        try prompt("mood", .answered, day: 10)              // outside the period
        try prompt("break", .missed, delivered: false)
        // A natural break (never shown) and a break snoozed, then taken.
        try store.insertPrompt(PromptRecord(id: "nat", reminder: "break", kind: "break", scheduledAt: t0, deliveredAt: nil,
                                            state: .answered, outcomeAt: t0, action: "natural"))
        try store.insertPrompt(PromptRecord(id: "snz", reminder: "break", kind: "break", scheduledAt: t0, deliveredAt: t0,
                                            state: .answered, outcomeAt: t0, action: "done", snoozeCount: 2))
        let counts = try store.reminderCounts(in: TimeRange(since: date("2026-03-01"), until: date("2026-03-08")))
        XCTAssertEqual(counts, [
            ReminderCounts(reminder: "break", prompts: 3, delivered: 1, answered: 1, expired: 0, missed: 1, skipped: 0, dismissed: 0,
                           natural: 1, snoozed: 1),
            ReminderCounts(reminder: "mood", prompts: 7, delivered: 6, answered: 2, expired: 1, missed: 1, skipped: 1, dismissed: 1),
        ])
        XCTAssertEqual(counts[0].responseRate, 1, "the natural break is not an answer to a delivered prompt")
        XCTAssertEqual(counts[1].responseRate!, 2.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(try store.reminderCounts(in: TimeRange(since: nil, until: nil)).map(\.prompts), [3, 8])
        // Per local day: the natural and the snoozed-then-taken break on 03-02, the missed one on 03-02 too.
        XCTAssertEqual(try store.breakDays(in: TimeRange(since: nil, until: nil), zone: .utc),
                       [BreakDay(date: CivilDate(year: 2026, month: 3, day: 2), taken: 1, natural: 1, snoozed: 1, skipped: 0)])
        var s = compute([])
        s.breakDays = try store.breakDays(in: TimeRange(since: nil, until: nil), zone: .utc)
        XCTAssertTrue(StatsReport.text(s).hasSuffix("""
            Breaks          taken  natural  snoozed  skipped
              2026-03-02        1        1        1        0
            (natural: away for the break's duration)

            """), StatsReport.text(s))
        XCTAssertTrue(StatsReport.json(s, zone: .utc).hasSuffix(#""breaksPerDay":[{"date":"2026-03-02","taken":1,"natural":1,"snoozed":1,"skipped":0}]}"#))
    }

    func testEmptyPeriods() {
        let none = compute([], since: nil, until: nil)
        XCTAssertNil(none.firstDay)
        XCTAssertEqual(none.days, [])
        XCTAssertEqual(StatsReport.text(none), "No entries in this period.\n\nReminders: no prompts in this period.\n")
        let quiet = compute([])
        XCTAssertEqual(quiet.days.count, 4)
        XCTAssertEqual(quiet.daysWithEntries, 0)
        XCTAssertNil(quiet.moodTrend)
        XCTAssertEqual(StatsReport.text(quiet), """
            Mood and anxiety, 2026-03-01 to 2026-03-04: 0 entries on 0 of 4 days
            Scales: mood 1-5, anxiety 1-5 (values as recorded)

            No entries in this period.

            Reminders: no prompts in this period.

            """)
    }

    func testNumberText() {
        XCTAssertEqual(NumberText.fixed(3.45, 1), "3.5")
        XCTAssertEqual(NumberText.fixed(3.25, 1), "3.3", "half away from zero")
        XCTAssertEqual(NumberText.fixed(-0.04, 1), "0.0", "no negative zero")
        XCTAssertEqual(NumberText.fixed(-2.083, 1), "-2.1")
        XCTAssertEqual(NumberText.fixed(10.0 / 3, 2), "3.33")
        XCTAssertEqual(NumberText.fixed(99.96, 1), "100.0")
        XCTAssertEqual(NumberText.fixed(0.5, 0), "1")
        XCTAssertEqual(NumberText.signed(0.8333, 2), "+0.83")
        XCTAssertEqual(NumberText.signed(-0.001, 2), "0.00")
        XCTAssertEqual(NumberText.signed(-3.5, 2), "-3.50")
        XCTAssertEqual(NumberText.json(2.5), "2.5")
        XCTAssertEqual(NumberText.json(4), "4")
        XCTAssertEqual(NumberText.json(1.0 / 3), "0.333")
        XCTAssertEqual(NumberText.json(-0.0001), "0")
        XCTAssertEqual(NumberText.json(nil), "null")
    }

    func testMediansOfLongListsByHistogram() {
        var odd = (0..<101).map { ($0 * 37) % 101 }             // 0...100 shuffled
        XCTAssertEqual(MeasureSummary(values: &odd), MeasureSummary(count: 101, mean: 50, median: 50))
        var even = [Int](repeating: 1, count: 50) + [Int](repeating: 4, count: 50)
        XCTAssertEqual(MeasureSummary(values: &even).median, 2.5)
        var skewed = [Int](repeating: 5, count: 70) + [3, 3]
        XCTAssertEqual(MeasureSummary(values: &skewed).median, 5)
    }
}
