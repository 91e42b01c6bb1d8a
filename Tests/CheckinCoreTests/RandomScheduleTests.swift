import Foundation
import XCTest
@testable import CheckinCore

private let berlin = try! Zone.named("Europe/Berlin")

private func time(_ text: String) -> LocalTime { LocalTime.parse(text, allowEndOfDay: true)! }

private func window(_ start: String, _ end: String) -> TimeWindow { TimeWindow(start: time(start), end: time(end)) }

private func day(_ text: String) -> CivilDate { CivilDate.parse(text)! }

/// The instant of a local wall time "2026-03-27 09:00" in `zone`.
private func moment(_ text: String, _ zone: Zone = berlin) -> Date {
    guard let local = CivilDateTime.parse(text) else { fatalError("bad test literal \(text)") }
    return zone.date(local)
}

/// "2026-03-29T03:30:00 CEST".
private func wall(_ date: Date?, _ zone: Zone = berlin) -> String? {
    date.map { "\(zone.civil($0)) \(zone.abbreviation(at: $0))" }
}

/// "09:17" for the wall-clock times of a day instance.
private func hhmm(_ times: [CivilDateTime]) -> [String] {
    times.map { "\(CivilMath.pad($0.hour, 2)):\(CivilMath.pad($0.minute, 2))" }
}

private func random(_ count: Int, _ w: TimeWindow, gap: Int = 0, days: Weekdays = .all, seed: UInt64? = 42,
                    id: String = "sample") -> ScheduleSpec {
    .random(count: count, window: w, minGap: gap, days: days, seed: seed, reminderID: id)
}

private func reminder(_ schedule: ScheduleSpec, id: String = "sample", jitter: Int) -> Reminder {
    Reminder(id: id, kind: .mood, schedule: schedule, title: "t", message: "", expireAfter: 1800, snooze: 600,
             maxSnoozes: 3, question: nil, followUp: nil, enabled: true, jitter: jitter)
}

final class RandomScheduleTests: XCTestCase {
    let daytime = random(5, window("09:00", "21:00"), gap: 3600)

    // MARK: - The generator

    func testSplitMix64ReferenceVector() {
        // The first outputs for seed 1234567, as printed by the reference C implementation
        // (https://prng.di.unimi.it/splitmix64.c).
        var rng = SplitMix64(state: 1_234_567)
        XCTAssertEqual((0..<5).map { _ in rng.next() }, [
            6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
            4_593_380_528_125_082_431, 16_408_922_859_458_223_821,
        ])
        XCTAssertEqual(SplitMix64.fnv1a(""), 0xCBF2_9CE4_8422_2325)
        XCTAssertEqual(SplitMix64.fnv1a("a"), 0xAF63_DC4C_8601_EC8C)   // FNV-1a 64 test vector
        var bounded = SplitMix64(state: 7)
        for bound in [1, 2, 3, 7, 720, 1 << 40] as [UInt64] {
            for _ in 0..<100 { XCTAssertLessThan(bounded.next(below: bound), bound) }
        }
    }

    // MARK: - Reproducible per day, different across days, seeds and reminders

    func testPinnedTimesForAFixedSeed() {
        // Pins the algorithm: a change here moves every user's times.
        XCTAssertEqual(hhmm(daytime.wallTimes(on: day("2026-03-25"))), ["11:03", "12:55", "15:24", "17:05", "20:11"])
        XCTAssertEqual(hhmm(daytime.wallTimes(on: day("2026-03-26"))), ["11:01", "12:47", "14:45", "17:18", "19:53"])
    }

    func testSameDaySameTimesAcrossRestarts() throws {
        // Two "runs" of the daemon: the config loaded afresh, everything computed from scratch.
        let json = #"{"reminders": [{"id": "esm", "type": "mood", "random": {"count": 5, "between": "09:00-21:00", "minGap": "60m", "seed": 7}}]}"#
        let first = try ConfigLoader.parse(bytes: Array(json.utf8), file: "config.json").reminders[0].schedule
        let second = try ConfigLoader.parse(bytes: Array(json.utf8), file: "config.json").reminders[0].schedule
        let from = moment("2026-03-25 00:00"), through = moment("2026-03-26 00:00")
        let today = first.occurrences(from: from, through: through, in: berlin)
        XCTAssertEqual(today.count, 5)
        XCTAssertEqual(second.occurrences(from: from, through: through, in: berlin), today)
        // A restart at any moment of the day finds the same next time.
        var restart = from
        while restart < through {
            let expected = today.first { $0 > restart } ?? first.next(after: moment("2026-03-25 23:59"), in: berlin)
            XCTAssertEqual(second.next(after: restart, in: berlin), expected, "restart at \(wall(restart)!)")
            restart.addTimeInterval(7 * 60 + 13)
        }
    }

    func testDifferentDaysSeedsAndRemindersGetDifferentTimes() {
        let days = (0..<60).map { daytime.wallTimes(on: day("2026-03-01").adding(days: $0)).map { $0.minuteOfDay } }
        XCTAssertEqual(Set(days).count, 60, "every day of two months has its own times")
        let first = day("2026-03-25")
        let bySeed = (0..<50 as Range<UInt64>).map { random(5, window("09:00", "21:00"), gap: 3600, seed: $0).wallTimes(on: first) }
        XCTAssertEqual(Set(bySeed).count, 50)
        let byID = ["a", "b", "mood", "mood2", "esm"].map { random(5, window("09:00", "21:00"), gap: 3600, id: $0).wallTimes(on: first) }
        XCTAssertEqual(Set(byID).count, 5)
    }

    // MARK: - Properties over many configurations

    func testCountGapWindowAndDaysHoldOverAThousandConfigurations() {
        var rng = SplitMix64(state: 2026)   // deterministic: the same thousand cases every run
        var crossing = 0, gapped = 0, full = 0
        for case_ in 0..<1000 {
            let length = 1 + Int(rng.next(below: 1440))                       // 1 minute ... 24 hours
            let start = Int(rng.next(below: 1440))
            let w = TimeWindow(start: LocalTime(minuteOfDay: start), end: LocalTime(minuteOfDay: (start + length) % 1440))
            let gap = rng.next(below: 4) == 0 ? 0 : 60 * (1 + Int(rng.next(below: 180)))
            let capacity = ScheduleSpec.randomCapacity(window: w, minGap: gap)
            guard capacity > 0 else { continue }
            let count = 1 + Int(rng.next(below: UInt64(min(capacity, 100))))
            let days = Weekdays(rawValue: UInt8(1 + rng.next(below: 127)))
            let seed = rng.next()
            let spec = random(count, w, gap: gap, days: days, seed: seed, id: "r\(case_)")
            let first = CivilDate(daysSinceEpoch: 19_000 + Int(rng.next(below: 20_000)))
            let g = max(60, gap)
            let span = ScheduleSpec.randomSpan(window: w, minGap: gap)
            if w.crossesMidnight { crossing += 1 }
            if gap > 0 { gapped += 1 }
            if count == capacity { full += 1 }
            var previousDay: [CivilDateTime] = []
            for offset in 0..<3 {
                let d = first.adding(days: offset)
                let times = spec.wallTimes(on: d)
                let context = "case \(case_): \(spec.summary) seed \(seed) on \(d)"
                guard days.contains(isoWeekday: d.isoWeekday) else {
                    XCTAssertEqual(times, [], context)
                    previousDay = []
                    continue
                }
                XCTAssertEqual(times.count, count, context)
                let windowStart = d.daysSinceEpoch * 86400 + start * 60
                let offsets = times.map { ($0.secondsSinceEpoch - windowStart) / 60 }
                for (i, m) in offsets.enumerated() {
                    XCTAssertTrue((0..<length).contains(m), "\(context): \(times[i]) outside the window")
                    // One per stratum.
                    XCTAssertTrue((i * span / count..<(i + 1) * span / count).contains(m), "\(context): stratum \(i)")
                    XCTAssertEqual(times[i].secondsSinceEpoch % 60, 0, context)
                }
                for (a, b) in zip(times, times.dropFirst()) {
                    XCTAssertGreaterThanOrEqual(b.secondsSinceEpoch - a.secondsSinceEpoch, g, "\(context): \(a) and \(b)")
                }
                if let last = previousDay.last, let next = times.first {
                    XCTAssertGreaterThanOrEqual(next.secondsSinceEpoch - last.secondsSinceEpoch, g, "\(context): across days")
                }
                previousDay = times
            }
        }
        // The generator really explored the space.
        XCTAssertGreaterThan(crossing, 300)
        XCTAssertGreaterThan(gapped, 600)
        XCTAssertGreaterThan(full, 5)
    }

    func testStratifiedOnePerShareOfTheWindow() {
        // 09:00-21:00 in five shares of 2h24m.
        let edges = ["09:00", "11:24", "13:48", "16:12", "18:36", "21:00"].map { time($0).minuteOfDay }
        for offset in 0..<200 {
            let times = daytime.wallTimes(on: day("2026-01-01").adding(days: offset)).map(\.minuteOfDay)
            XCTAssertEqual(times.count, 5)
            for (i, m) in times.enumerated() {
                XCTAssertTrue((edges[i]..<edges[i + 1]).contains(m), "day \(offset): \(times)")
            }
        }
    }

    func testCapacity() {
        XCTAssertEqual(ScheduleSpec.randomCapacity(window: window("09:00", "21:00"), minGap: 3600), 12)
        XCTAssertEqual(ScheduleSpec.randomCapacity(window: window("09:00", "21:00"), minGap: 3660), 11)
        XCTAssertEqual(ScheduleSpec.randomCapacity(window: window("09:00", "09:30"), minGap: 0), 30)
        // A whole day: the last time also keeps the gap to the next day's first.
        XCTAssertEqual(ScheduleSpec.randomCapacity(window: window("00:00", "00:00"), minGap: 3600), 23)
        XCTAssertEqual(ScheduleSpec.randomCapacity(window: window("00:00", "00:00"), minGap: 86400), 1)
        XCTAssertEqual(ScheduleSpec.randomCapacity(window: window("06:00", "05:00"), minGap: 7200), 11)
        XCTAssertEqual(ScheduleSpec.randomCapacity(window: window("22:00", "02:00"), minGap: 0), 240)
        // Settings built in code that do not fit lose the times that cannot keep the gap.
        let tooMany = random(20, window("09:00", "21:00"), gap: 3600)
        let times = tooMany.wallTimes(on: day("2026-03-25"))
        XCTAssertLessThan(times.count, 20)
        for (a, b) in zip(times, times.dropFirst()) { XCTAssertGreaterThanOrEqual(b.secondsSinceEpoch - a.secondsSinceEpoch, 3600) }
        XCTAssertEqual(random(0, window("09:00", "21:00")).wallTimes(on: day("2026-03-25")), [])
    }

    // MARK: - Schedule functions

    func testOnlyOnAllowedDays() {
        let weekdays = random(3, window("09:00", "17:00"), gap: 1800, days: .workdays)
        let week = weekdays.occurrences(from: moment("2026-03-23 00:00"), through: moment("2026-03-30 00:00"), in: berlin)
        XCTAssertEqual(week.count, 15)
        XCTAssertTrue(week.allSatisfy { (1...5).contains(berlin.civil($0).date.isoWeekday) })
        // Friday after the last one: Monday's first.
        let friday = weekdays.wallTimes(on: day("2026-03-27"))
        let monday = weekdays.wallTimes(on: day("2026-03-30"))
        XCTAssertEqual(berlin.civil(weekdays.next(after: berlin.date(friday.last!), in: berlin)!), monday.first)
    }

    func testWindowAcrossMidnight() {
        let night = random(4, window("22:00", "02:00"), gap: 1800, days: Weekdays.parse("fri")!)
        let times = night.wallTimes(on: day("2026-03-27"))   // Friday's instance: 22:00 Fri ... 02:00 Sat
        XCTAssertEqual(times.count, 4)
        XCTAssertEqual(hhmm(times), ["22:25", "23:12", "00:23", "01:17"])
        let start = CivilDateTime(year: 2026, month: 3, day: 27, hour: 22, minute: 0)
        let end = CivilDateTime(year: 2026, month: 3, day: 28, hour: 2, minute: 0)
        XCTAssertTrue(times.allSatisfy { start <= $0 && $0 < end })
        XCTAssertEqual(night.wallTimes(on: day("2026-03-28")), [])   // Saturday's own instance is not active
        let all = night.occurrences(from: moment("2026-03-25 00:00"), through: moment("2026-03-29 00:00"), in: berlin)
        XCTAssertEqual(all.map { berlin.civil($0) }, times)
        // Each is inside the window instance that started on Friday.
        for t in all {
            let instance = night.window(containing: t, in: berlin)
            XCTAssertEqual(wall(instance?.start), "2026-03-27T22:00:00 CET")
            XCTAssertEqual(wall(instance?.end), "2026-03-28T02:00:00 CET")
        }
        XCTAssertNil(night.window(containing: moment("2026-03-28 02:00"), in: berlin))
    }

    func testRemainingShareWhenStartingMidWindow() {
        // The daemon starts at 14:00: the times before 14:00 are in the past, the rest are exactly
        // the ones a daemon running since the morning would use.
        let wholeDay = daytime.occurrences(from: moment("2026-03-25 00:00"), through: moment("2026-03-26 00:00"), in: berlin)
        XCTAssertEqual(wholeDay.count, 5)
        for start in ["08:59", "11:30", "14:00", "16:45", "20:59"] {
            let now = moment("2026-03-25 \(start)")
            let rest = daytime.occurrences(from: now, through: moment("2026-03-26 00:00"), in: berlin)
            XCTAssertEqual(rest, wholeDay.filter { $0 > now }, start)
            XCTAssertEqual(daytime.next(after: now, in: berlin), rest.first ?? daytime.next(after: moment("2026-03-25 23:00"), in: berlin))
            // Stratified: the share left is the share of the window left, give or take the stratum now falls in.
            let fraction = now.timeIntervalSince(moment("2026-03-25 09:00")) / (12 * 3600)
            let expected = 5 * (1 - fraction)
            XCTAssertTrue(Double(rest.count) >= expected.rounded(.down) && Double(rest.count) <= expected.rounded(.up),
                          "\(start): \(rest.count) left, expected about \(expected)")
        }
    }

    func testQuietHoursSkip() {
        let spec = random(6, window("18:00", "24:00"), gap: 1800)
        let quiet = [window("22:00", "07:00")]
        for offset in 0..<30 {
            let d = day("2026-04-01").adding(days: offset)
            let drawn = spec.wallTimes(on: d)
            let fired = spec.occurrences(from: berlin.date(CivilDateTime(date: d, hour: 0, minute: 0)),
                                         through: berlin.date(CivilDateTime(date: d.adding(days: 1), hour: 0, minute: 0)),
                                         in: berlin, quietHours: quiet)
            XCTAssertEqual(fired.map { berlin.civil($0) }, drawn.filter { $0.hour < 22 })
        }
    }

    func testSpringForwardDayInBerlin() {
        // Window 01:00-04:00 on 2026-03-29, when 02:00 CET jumps to 03:00 CEST. Find (deterministically)
        // a seed whose draw lands in the gap: it fires an hour later on the wall clock, like `at` does.
        let sunday = day("2026-03-29")
        var found: (seed: UInt64, times: [CivilDateTime])?
        for seed in 0..<200 as Range<UInt64> {
            let times = random(3, window("01:00", "04:00"), gap: 1800, seed: seed).wallTimes(on: sunday)
            if times.contains(where: { $0.hour == 2 }) { found = (seed, times); break }
        }
        guard let found else { return XCTFail("no seed below 200 draws a time in the gap") }
        let spec = random(3, window("01:00", "04:00"), gap: 1800, seed: found.seed)
        let fired = spec.occurrences(from: moment("2026-03-29 00:00"), through: moment("2026-03-29 12:00"), in: berlin)
        let expected = found.times.map { berlin.date($0) }.sorted()
        XCTAssertEqual(fired, expected)
        XCTAssertEqual(fired.count, 3)
        for (drawn, at) in zip(found.times, found.times.map { berlin.date($0) }) where drawn.hour == 2 {
            var shifted = drawn
            shifted.hour = 3
            XCTAssertEqual(wall(at), "\(shifted) CEST")
        }
        XCTAssertEqual(found.seed, 0)
        XCTAssertEqual(hhmm(found.times), ["01:07", "02:50", "03:34"])
        // As for `at`, the shifted 02:50 (03:50 CEST) comes after a real 03:34, so on this one day two
        // times can be closer in real time than minGap (here 16 minutes); every other day keeps it.
        XCTAssertEqual(fired.compactMap { wall($0) }, ["2026-03-29T01:07:00 CET", "2026-03-29T03:34:00 CEST", "2026-03-29T03:50:00 CEST"])
        // The window instance of that day lasts two real hours (01:00 CET ... 04:00 CEST).
        let instance = spec.window(containing: fired[0], in: berlin)
        XCTAssertEqual(instance.map { $0.end.timeIntervalSince($0.start) }, 7200)
        // Autumn: a time in 02:00-03:00 fires once, at the first (CEST) 02:xx.
        for seed in 0..<50 as Range<UInt64> {
            let autumn = random(3, window("01:00", "04:00"), gap: 1800, seed: seed)
            let drawn = autumn.wallTimes(on: day("2026-10-25"))
            let fired = autumn.occurrences(from: moment("2026-10-25 00:00"), through: moment("2026-10-25 12:00"), in: berlin)
            XCTAssertEqual(fired.map { berlin.civil($0) }, drawn, "seed \(seed)")
            XCTAssertTrue(fired.allSatisfy { berlin.civil($0).hour != 2 || berlin.abbreviation(at: $0) == "CEST" })
        }
    }

    func testNextAgreesWithOccurrencesOverAYear() {
        let quiet = [window("12:00", "13:00")]
        for spec in [daytime, random(7, window("20:00", "03:00"), gap: 2400, days: Weekdays.parse("mon,wed..sat")!, seed: 3),
                     random(1, window("00:00", "00:00"), seed: nil)] {
            let start = moment("2026-01-01 00:00"), end = moment("2027-01-01 00:00")
            let all = spec.occurrences(from: start, through: end, in: berlin, quietHours: quiet)
            var chained: [Date] = []
            var cursor = start
            while let next = spec.next(after: cursor, in: berlin, quietHours: quiet), next <= end {
                chained.append(next)
                cursor = next
            }
            XCTAssertEqual(chained, all, spec.summary)
            XCTAssertGreaterThan(all.count, 300, spec.summary)
        }
    }

    func testSummary() {
        XCTAssertEqual(daytime.summary, "5 random times between 09:00-21:00, at least 1h apart (mon..sun)")
        XCTAssertEqual(random(1, window("22:00", "02:00"), days: .workdays).summary, "1 random time between 22:00-02:00+1 (mon..fri)")
        XCTAssertEqual(random(3, window("09:00", "12:00"), gap: 5400).summary, "3 random times between 09:00-12:00, at least 1h30m apart (mon..sun)")
    }

    // MARK: - Seeds

    func testDefaultSeedFillsOnlyMissingSeeds() throws {
        let json = #"""
        {"reminders": [
          {"id": "a", "type": "mood", "random": {"count": 3, "between": "09:00-18:00"}},
          {"id": "b", "type": "mood", "random": {"count": 3, "between": "09:00-18:00", "seed": 5}},
          {"id": "c", "type": "break", "every": "1h"}
        ]}
        """#
        let config = try ConfigLoader.parse(bytes: Array(json.utf8), file: "config.json")
        XCTAssertNil(config.reminders[0].schedule.seed)
        let seeded = config.withDefaultSeed(99)
        XCTAssertEqual(seeded.reminders[0].schedule.seed, 99)
        XCTAssertEqual(seeded.reminders[1].schedule.seed, 5)
        XCTAssertEqual(seeded.reminders[2].schedule, config.reminders[2].schedule)
        XCTAssertEqual(seeded.withDefaultSeed(1), seeded)
        // Without a seed the draw is seed 0's (the daemon always fills one in).
        XCTAssertEqual(config.reminders[0].schedule.wallTimes(on: day("2026-03-25")),
                       config.withDefaultSeed(0).reminders[0].schedule.wallTimes(on: day("2026-03-25")))
        // firing(after:...) uses its seed for a missing one, the same as withDefaultSeed.
        let r = config.reminders[0]
        XCTAssertEqual(r.firing(after: moment("2026-03-25 00:00"), in: berlin, seed: 99)?.scheduled,
                       seeded.reminders[0].schedule.next(after: moment("2026-03-25 00:00"), in: berlin))
        XCTAssertNotEqual(r.firing(after: moment("2026-03-25 00:00"), in: berlin, seed: 99)?.scheduled,
                          r.firing(after: moment("2026-03-25 00:00"), in: berlin, seed: 98)?.scheduled)
    }

    // MARK: - Jitter

    func testNoJitterFiresOnTime() {
        let r = reminder(.at(times: [time("10:00")], days: .all), jitter: 0)
        let f = r.firing(after: moment("2026-03-25 09:00"), in: berlin, seed: 1)
        XCTAssertEqual(wall(f?.scheduled), "2026-03-25T10:00:00 CET")
        XCTAssertEqual(f?.fireAt, f?.scheduled)
    }

    func testJitterBoundsAndDeterminism() {
        let r = reminder(.at(times: [time("10:00"), time("15:00")], days: .all), jitter: 600)
        var delays: Set<Double> = []
        var cursor = moment("2026-01-01 00:00")
        for _ in 0..<400 {
            guard let f = r.firing(after: cursor, in: berlin, seed: 12345) else { return XCTFail() }
            let delay = f.fireAt.timeIntervalSince(f.scheduled)
            XCTAssertTrue((0..<600).contains(delay), "\(delay)")
            XCTAssertEqual(delay, delay.rounded(), "whole seconds")
            // Determinism: a fresh call, e.g. after a restart before or while waiting, gives the same pair.
            let again = r.firing(after: f.scheduled.addingTimeInterval(-1), in: berlin, seed: 12345)
            XCTAssertEqual(again?.scheduled, f.scheduled)
            XCTAssertEqual(again?.fireAt, f.fireAt)
            if f.fireAt > f.scheduled {
                let restarted = r.firing(after: f.fireAt.addingTimeInterval(-1), in: berlin, seed: 12345)
                XCTAssertEqual(restarted?.scheduled, f.scheduled)
                XCTAssertEqual(restarted?.fireAt, f.fireAt)
            }
            delays.insert(delay)
            cursor = f.fireAt
        }
        XCTAssertGreaterThan(delays.count, 250, "delays spread over the range (about 290 distinct values expected)")
        XCTAssertGreaterThan(delays.filter { $0 < 300 }.count, 100)
        XCTAssertGreaterThan(delays.filter { $0 >= 300 }.count, 100)
        // Another seed or another reminder: other delays.
        let at = moment("2026-03-25 00:00")
        let base = r.firing(after: at, in: berlin, seed: 12345)!.fireAt
        XCTAssertNotEqual(r.firing(after: at, in: berlin, seed: 54321)!.fireAt, base)
        XCTAssertNotEqual(reminder(r.schedule, id: "other", jitter: 600).firing(after: at, in: berlin, seed: 12345)!.fireAt, base)
        XCTAssertEqual(wall(base), "2026-03-25T10:06:26 CET")
    }

    func testJitterWalksEveryOccurrenceInOrder() {
        // Jitter longer than the interval: each fireAt stays before the next occurrence, so chaining
        // firing(after: previous fireAt) visits every occurrence once, in order.
        let r = reminder(.every(interval: 300, window: window("09:00", "12:00"), days: .all), jitter: 900)
        let start = moment("2026-03-25 00:00"), end = moment("2026-03-26 00:00")
        let occurrences = r.schedule.occurrences(from: start, through: end, in: berlin)
        var pairs: [(scheduled: Date, fireAt: Date)] = []
        var cursor = start
        while let f = r.firing(after: cursor, in: berlin, seed: 8), f.fireAt <= end {
            pairs.append(f)
            cursor = f.fireAt
        }
        XCTAssertEqual(pairs.map(\.scheduled), occurrences)
        for (i, p) in pairs.enumerated() {
            XCTAssertGreaterThanOrEqual(p.fireAt, p.scheduled)
            if i + 1 < pairs.count { XCTAssertLessThan(p.fireAt, pairs[i + 1].scheduled) }
        }
        // firings(from:through:) returns the same pairs, also for a slice that starts between a
        // scheduled time and its fireAt.
        let all = r.firings(from: start, through: end, in: berlin, seed: 8)
        XCTAssertEqual(all.map(\.scheduled), pairs.map(\.scheduled))
        XCTAssertEqual(all.map(\.fireAt), pairs.map(\.fireAt))
        let middle = pairs.first { $0.fireAt.timeIntervalSince($0.scheduled) > 10 }!
        let slice = r.firings(from: middle.scheduled.addingTimeInterval(1), through: end, in: berlin, seed: 8)
        XCTAssertEqual(slice.first?.scheduled, middle.scheduled)
        XCTAssertEqual(slice.count, pairs.count - pairs.firstIndex { $0.scheduled == middle.scheduled }!)
    }

    func testJitterNeverPassesTheWindowEndOrQuietHours() {
        // The last break of the window is at 17:40; with 30 minutes of jitter it still fires before 18:00.
        let breaks = reminder(.every(interval: 1200, window: window("09:00", "18:00"), days: .all), jitter: 1800)
        for offset in 0..<100 {
            let d = day("2026-05-01").adding(days: offset)
            let f = breaks.firing(after: berlin.date(CivilDateTime(date: d, hour: 17, minute: 39, second: 59)), in: berlin, seed: UInt64(offset))!
            XCTAssertEqual(wall(f.scheduled), "\(d)T17:40:00 CEST")
            XCTAssertLessThan(f.fireAt, berlin.date(CivilDateTime(date: d, hour: 18, minute: 0)))
            XCTAssertGreaterThanOrEqual(f.fireAt, f.scheduled)
        }
        // Random times: never past the window's end.
        let sampling = reminder(random(5, window("09:00", "21:00"), gap: 3600), jitter: 7200)
        let year = sampling.firings(from: moment("2026-01-01 00:00"), through: moment("2027-01-01 00:00"), in: berlin, seed: 4)
        XCTAssertEqual(year.count, 365 * 5)
        for f in year {
            let instance = sampling.schedule.window(containing: f.scheduled, in: berlin)!
            XCTAssertLessThan(f.fireAt, instance.end)
            XCTAssertGreaterThanOrEqual(f.fireAt, f.scheduled)
        }
        XCTAssertTrue(year.contains { $0.fireAt.timeIntervalSince($0.scheduled) > 3600 }, "long delays do occur")
        // Quiet hours: an `at` time just before them is not pushed into them.
        let late = reminder(.at(times: [time("21:55")], days: .all), jitter: 3600)
        let quiet = [window("22:00", "07:00")]
        for offset in 0..<100 {
            let d = day("2026-05-01").adding(days: offset)
            let f = late.firing(after: berlin.date(CivilDateTime(date: d, hour: 12, minute: 0)), in: berlin, quietHours: quiet,
                                seed: UInt64(offset))!
            XCTAssertLessThan(f.fireAt, berlin.date(CivilDateTime(date: d, hour: 22, minute: 0)))
        }
        // Without quiet hours the same times spread over the hour.
        let spread = (0..<100).map { offset -> Double in
            let d = day("2026-05-01").adding(days: offset)
            let f = late.firing(after: berlin.date(CivilDateTime(date: d, hour: 12, minute: 0)), in: berlin, seed: UInt64(offset))!
            return f.fireAt.timeIntervalSince(f.scheduled)
        }
        XCTAssertGreaterThan(spread.filter { $0 >= 300 }.count, 50)
    }
}
