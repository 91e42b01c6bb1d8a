import Foundation
import XCTest
@testable import CheckinCore

private let zone = try! Zone.named("Europe/Berlin")

/// Moderation over month-long histories (daylight-saving days included), the break reminder's
/// text, use compared with mood, questionnaire summaries and nudge rate limiting (injected clock).
final class WellbeingTests: XCTestCase {
    /// A local time in Berlin.
    func at(_ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0, year: Int = 2026) -> Date {
        zone.date(CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute))
    }

    func use(_ date: Date, _ amount: Double = 1, item: String = "caffeine") -> UseRecord {
        UseRecord(item: item, amount: amount, usedAt: date, utcOffset: zone.offset(at: date), source: "cli")
    }

    let plan = TrackedItem(name: "caffeine", unit: "cup", maxPerDay: 3, maxDaysInARow: 5, breakDaysPerWeek: 2)

    /// March 2026 (clocks go forward on Sunday the 29th): used on the 1st-7th, 9th-13th,
    /// 16th-29th and the 31st.
    var march: [UseRecord] {
        var uses: [UseRecord] = []
        let used = Array(1...7) + Array(9...13) + Array(16...28) + [31]
        for d in used where d != 16 { uses.append(use(at(3, d, 7, 30))) }
        uses += (0..<3).map { use(at(3, 16, 8 + $0), 1.5) }   // 4.5 on the 16th: over 3
        uses.append(use(at(3, 20, 12), 2))                        // 3 on the 20th: not over
        uses.append(use(at(3, 28, 23, 30)))                       // late on the 28th (CET)
        uses.append(use(at(3, 29, 0, 30), 2))                     // 00:30 CET on the 29th
        uses.append(use(at(3, 29, 3, 30), 2))                     // 03:30 CEST, after the jump
        uses.append(use(at(4, 1, 9)))                             // after now: not counted
        return uses
    }

    func testMonthWithADaylightSavingDay() throws {
        XCTAssertEqual(zone.offset(at: at(3, 29, 0, 30)), 3600)
        XCTAssertEqual(zone.offset(at: at(3, 29, 3, 30)), 7200)
        let r = Moderation.report(plan, uses: march, firstDay: CivilDate(year: 2026, month: 3, day: 1), now: at(3, 31, 20), zone: zone)
        XCTAssertEqual(r.days.count, 31)
        XCTAssertEqual(r.days.filter(\.used).map(\.date.day), Array(1...7) + Array(9...13) + Array(16...29) + [31])
        let dst = r.days[28]
        XCTAssertEqual(dst.date, CivilDate(year: 2026, month: 3, day: 29))
        XCTAssertEqual(dst.uses, 2)
        XCTAssertEqual(dst.amount, 4)
        XCTAssertEqual(r.days[27].amount, 2, "the 28th: 07:30 and 23:30")
        XCTAssertEqual(r.currentRun, 1)
        XCTAssertEqual(r.longestRun, 14)
        XCTAssertEqual(r.daysBeyondPlannedRun, 2 + 0 + 9)
        XCTAssertEqual(r.daysOverMaxPerDay.map(\.day), [16, 29])
        XCTAssertEqual(r.weeks.map(\.week), ["2026-W09", "2026-W10", "2026-W11", "2026-W12", "2026-W13", "2026-W14"])
        XCTAssertEqual(r.weeks.map(\.breakDays), [0, 1, 2, 0, 0, 1])
        XCTAssertEqual(r.weeks.map(\.kept), [nil, false, true, false, false, nil],
                       "a week that began before the period and the running week are not judged")
        XCTAssertEqual(r.weeksKept, 1)
        XCTAssertEqual(r.weeksBroken, 3)
        XCTAssertEqual(r.total, 36.5)
        // Without a plan nothing is judged.
        let free = Moderation.report(TrackedItem(name: "caffeine"), uses: march, firstDay: nil, now: at(3, 31, 20), zone: zone)
        XCTAssertEqual(free.daysBeyondPlannedRun, 0)
        XCTAssertEqual(free.daysOverMaxPerDay, [])
        XCTAssertEqual(free.weeks.compactMap(\.kept), [])
        XCTAssertEqual(free.days.first?.date.day, 1, "starts at the first use")
    }

    func testFallBackDayCountsOnce() {
        // 25 October 2026: 02:30 happens twice (CEST, then CET).
        let first = Date(timeIntervalSince1970: 1_792_888_200)    // 2026-10-25T00:30Z = 02:30 CEST
        let second = first.addingTimeInterval(3600)                // 01:30Z = 02:30 CET
        XCTAssertEqual(zone.civil(first).hour, 2)
        XCTAssertEqual(zone.civil(second).hour, 2)
        let uses = [use(at(10, 24, 9)), use(first), use(second), use(at(10, 26, 9))]
        let r = Moderation.report(plan, uses: uses, firstDay: nil, now: at(10, 26, 12), zone: zone)
        XCTAssertEqual(r.days.map(\.uses), [1, 2, 1])
        XCTAssertEqual(r.currentRun, 3)
    }

    func testBreakReminderText() {
        XCTAssertEqual(Moderation.breakReminder(plan, uses: march, now: at(3, 14, 8), zone: zone),
                       "You planned a break from caffeine after 5 days in a row: today is day 6.")
        XCTAssertEqual(Moderation.breakReminder(plan, uses: march, now: at(3, 30, 8), zone: zone),
                       "You planned a break from caffeine after 5 days in a row: today is day 15.", "across the DST day")
        XCTAssertNil(Moderation.breakReminder(plan, uses: march, now: at(3, 9, 8), zone: zone))
        XCTAssertNil(Moderation.breakReminder(plan, uses: march, now: at(3, 13, 8), zone: zone), "day 5 is still in the plan")
        let weekly = TrackedItem(name: "caffeine", breakDaysPerWeek: 2)
        XCTAssertEqual(Moderation.breakReminder(weekly, uses: march, now: at(3, 21, 8), zone: zone),
                       "You planned 2 break days from caffeine a week: this week has 2 days left.")
        XCTAssertNil(Moderation.breakReminder(weekly, uses: march, now: at(3, 20, 8), zone: zone))
        XCTAssertEqual(Moderation.breakReminder(weekly, uses: march, now: at(3, 14, 8), zone: zone),
                       "You planned 2 break days from caffeine a week: this week has 2 days left.")
        XCTAssertEqual(Moderation.breakReminder(weekly, uses: march, now: at(3, 15, 8), zone: zone),
                       "You planned 2 break days from caffeine a week: this week has 1 day left.", "the 14th was one")
        XCTAssertNil(Moderation.breakReminder(weekly, uses: march, now: at(3, 16, 8), zone: zone), "a new week")
        XCTAssertNil(Moderation.breakReminder(TrackedItem(name: "caffeine"), uses: march, now: at(3, 30, 8), zone: zone),
                     "no plan, no reminder")
    }

    func testUseComparedWithMood() {
        // Ten days; caffeine on days 0, 2, 4, 6 with mood 2 on those days, 4 on the others.
        var entries: [StatsEntry] = []
        var uses: [UseRecord] = []
        for d in 0..<10 {
            let t = at(3, 1 + d, 12)
            let used = [0, 2, 4, 6].contains(d)
            entries.append(StatsEntry(time: t.timeIntervalSince1970, utcOffset: zone.offset(at: t), mood: used ? 2 : 4, anxiety: used ? 3 : 1))
            if used { uses.append(use(at(3, 1 + d, 8))) }
        }
        let c = UseComparison.compute(item: "caffeine", entries: entries, uses: uses)
        XCTAssertEqual(c.sameDay, UseComparison.Side(daysWith: 4, daysWithout: 6, moodWith: 2, moodWithout: 4,
                                                    anxietyWith: 3, anxietyWithout: 1, compared: true))
        XCTAssertEqual(c.nextDay.daysWith, 4)
        XCTAssertEqual(c.nextDay.daysWithout, 5)
        XCTAssertEqual(c.nextDay.moodWith, 4)
        XCTAssertEqual(c.nextDay.moodWithout!, 2.8, accuracy: 1e-9)
        // Fewer than 3 days on a side: not compared, no means.
        let few = UseComparison.compute(item: "caffeine", entries: entries, uses: Array(uses.prefix(2)))
        XCTAssertFalse(few.sameDay.compared)
        XCTAssertNil(few.sameDay.moodWith)
        XCTAssertEqual(few.sameDay.daysWith, 2)
    }

    func testQuestionnaireSummaryPerWeek() {
        func r(_ q: Questionnaire, _ answers: [Int], _ date: Date) -> QuestionnaireResponse {
            QuestionnaireResponse(q, answers: answers, startedAt: date, completedAt: date, utcOffset: zone.offset(at: date), source: "cli")!
        }
        let responses = [r(.phq2, [1, 1], at(3, 2, 9)), r(.phq2, [2, 2], at(3, 4, 9)), r(.phq2, [3, 2], at(3, 10, 9)),
                         r(.who5, [3, 3, 3, 3, 3], at(3, 3, 9)), r(.phq2, [3, 3], at(3, 17, 9))]
        let s = QuestionnaireSummary.compute(responses, questionnaires: Questionnaire.shipped)
        XCTAssertEqual(s.map(\.questionnaire.name), ["phq2", "who5"])
        XCTAssertEqual(s[0].responses, 4)
        XCTAssertEqual(s[0].latest?.total, 6)
        XCTAssertEqual(s[0].weeks.map(\.week), ["2026-W10", "2026-W11", "2026-W12"])
        XCTAssertEqual(s[0].weeks.map(\.mean), [3, 5, 6])
        XCTAssertEqual(s[0].trendPerWeek!, 1.5, accuracy: 1e-9)
        XCTAssertEqual(s[0].mean!, 4.25, accuracy: 1e-9)
        XCTAssertNil(s[1].trendPerWeek)
    }

    func testNudgesAreRateLimitedAndShowOnlyTheContactText() {
        let settings = NudgeSettings(moodAtOrBelow: 2, every: 14 * 86400, contact: "Call Sam")
        let now = at(3, 31, 20)
        func entries(_ mood: Int, days: Int = 14) -> [StatsEntry] {
            (0..<days).map { d in
                let t = now.addingTimeInterval(-Double(d) * 86400 - 3600)
                return StatsEntry(time: t.timeIntervalSince1970, utcOffset: zone.offset(at: t), mood: mood, anxiety: nil)
            }
        }
        let low = entries(2)
        func due(_ s: NudgeSettings? = nil, _ e: [StatsEntry], _ r: [QuestionnaireResponse] = [], last: Date? = nil, now n: Date? = nil) -> Nudge? {
            Nudges.due(s ?? settings, entries: e, responses: r, questionnaires: Questionnaire.shipped, lastNudgeAt: last, now: n ?? now, zone: zone)
        }
        XCTAssertEqual(due(nil, low), Nudge(reason: .lowMood, text: "Call Sam"))
        XCTAssertNil(due(nil, entries(3)))
        XCTAssertNil(due(nil, low, last: now.addingTimeInterval(-13 * 86400)), "one nudge per 14 days")
        XCTAssertNil(due(nil, low, last: now.addingTimeInterval(-14 * 86400 + 1)))
        XCTAssertEqual(due(nil, low, last: now.addingTimeInterval(-14 * 86400))?.text, "Call Sam")
        // A clock walking forward day by day over 60 days of low mood: a nudge every 14 days.
        var last: Date?
        var sent: [Int] = []
        for day in 0..<60 {
            let n = now.addingTimeInterval(Double(day) * 86400)
            let e = (0..<14).map { d in StatsEntry(time: n.timeIntervalSince1970 - Double(d) * 86400 - 60, utcOffset: 3600, mood: 1, anxiety: nil) }
            if due(nil, e, last: last, now: n) != nil {
                sent.append(day)
                last = n
            }
        }
        XCTAssertEqual(sent, [0, 14, 28, 42, 56])
        // Old entries do not count; disabled or absent settings never nudge.
        XCTAssertNil(due(nil, low.map { var e = $0; e.time -= 20 * 86400; return e }))
        var off = settings
        off.enabled = false
        XCTAssertNil(due(off, low))
        XCTAssertNil(Nudges.due(nil, entries: low, responses: [], questionnaires: [], lastNudgeAt: nil, now: now, zone: zone))
        // A questionnaire at its threshold since the last nudge.
        let yesterday = now.addingTimeInterval(-86400)
        let high = QuestionnaireResponse(.phq2, answers: [2, 1], startedAt: yesterday, completedAt: yesterday, utcOffset: 3600, source: "cli")!
        let below = QuestionnaireResponse(.phq2, answers: [1, 1], startedAt: yesterday, completedAt: yesterday, utcOffset: 3600, source: "cli")!
        XCTAssertEqual(due(nil, entries(4), [high]), Nudge(reason: .questionnaireThreshold("phq2"), text: "Call Sam"))
        XCTAssertNil(due(nil, entries(4), [below]))
        XCTAssertNil(due(nil, entries(4), [high], last: now.addingTimeInterval(-2 * 86400)), "rate limit holds for questionnaires too")
        XCTAssertNil(due(nil, entries(4), [high], last: now.addingTimeInterval(-20 * 86400), now: now.addingTimeInterval(-2 * 86400)),
                     "a response after now does not count")
    }
}
