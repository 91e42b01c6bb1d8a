import Foundation
import XCTest
@testable import CheckinCore

private let berlin = try! Zone.named("Europe/Berlin")
private let newYork = try! Zone.named("America/New_York")

private func time(_ text: String) -> LocalTime { LocalTime.parse(text, allowEndOfDay: true)! }

private func window(_ start: String, _ end: String) -> TimeWindow { TimeWindow(start: time(start), end: time(end)) }

/// The instant of a local wall time "2026-03-27 09:00" in `zone`.
private func moment(_ text: String, _ zone: Zone = berlin) -> Date {
    guard let local = CivilDateTime.parse(text) else { fatalError("bad test literal \(text)") }
    return zone.date(local)
}

/// "2026-03-29T03:30:00 CEST", to compare occurrences as the user sees them.
private func wall(_ date: Date?, _ zone: Zone = berlin) -> String? {
    date.map { "\(zone.civil($0)) \(zone.abbreviation(at: $0))" }
}

/// "2026-03-29T01:30:00Z".
private func utc(_ date: Date?) -> String? { date.map { "\(Zone.utc.civil($0))Z" } }

final class ScheduleTests: XCTestCase {
    let threeTimes = ScheduleSpec.at(times: [time("10:00"), time("14:00"), time("19:00")], days: .all)
    let workHours = ScheduleSpec.every(interval: 3000, window: window("09:00", "18:00"), days: .workdays)

    // MARK: - Fixed times

    func testAtNextIsStrictlyAfter() {
        // Friday 2026-03-27, Berlin (CET).
        XCTAssertEqual(wall(threeTimes.next(after: moment("2026-03-27 09:00"), in: berlin)), "2026-03-27T10:00:00 CET")
        XCTAssertEqual(wall(threeTimes.next(after: moment("2026-03-27 10:00"), in: berlin)), "2026-03-27T14:00:00 CET")
        XCTAssertEqual(wall(threeTimes.next(after: moment("2026-03-27 09:59:59"), in: berlin)), "2026-03-27T10:00:00 CET")
        XCTAssertEqual(wall(threeTimes.next(after: moment("2026-03-27 10:00").addingTimeInterval(0.5), in: berlin)),
                       "2026-03-27T14:00:00 CET")
        XCTAssertEqual(wall(threeTimes.next(after: moment("2026-03-27 09:59:59").addingTimeInterval(0.999), in: berlin)),
                       "2026-03-27T10:00:00 CET")
        XCTAssertEqual(wall(threeTimes.next(after: moment("2026-03-27 19:00"), in: berlin)), "2026-03-28T10:00:00 CET")
        XCTAssertEqual(wall(threeTimes.next(after: moment("2026-03-27 23:59:59"), in: berlin)), "2026-03-28T10:00:00 CET")
        XCTAssertEqual(utc(threeTimes.next(after: moment("2026-03-27 09:00"), in: berlin)), "2026-03-27T09:00:00Z")
    }

    func testAtUnsortedAndDuplicateTimes() {
        let spec = ScheduleSpec.at(times: [time("19:00"), time("10:00"), time("10:00")], days: .all)
        let all = spec.occurrences(from: moment("2026-03-27 00:00"), through: moment("2026-03-28 00:00"), in: berlin)
        XCTAssertEqual(all.compactMap { wall($0) }, ["2026-03-27T10:00:00 CET", "2026-03-27T19:00:00 CET"])
        XCTAssertEqual(wall(spec.next(after: moment("2026-03-27 10:00"), in: berlin)), "2026-03-27T19:00:00 CET")
    }

    func testWeekdayFilteringSkipsWeekend() {
        let spec = ScheduleSpec.at(times: [time("10:00"), time("14:00"), time("19:00")], days: .workdays)
        // Friday evening -> Monday morning (after the DST change: CEST).
        XCTAssertEqual(wall(spec.next(after: moment("2026-03-27 19:30"), in: berlin)), "2026-03-30T10:00:00 CEST")
        XCTAssertEqual(wall(spec.next(after: moment("2026-03-28 12:00"), in: berlin)), "2026-03-30T10:00:00 CEST")
        XCTAssertEqual(wall(spec.next(after: moment("2026-03-29 23:59"), in: berlin)), "2026-03-30T10:00:00 CEST")
        XCTAssertEqual(utc(spec.next(after: moment("2026-03-27 19:30"), in: berlin)), "2026-03-30T08:00:00Z")
        let weekend = ScheduleSpec.at(times: [time("11:00")], days: Weekdays.parse("sat..sun")!)
        XCTAssertEqual(wall(weekend.next(after: moment("2026-03-23 08:00"), in: berlin)), "2026-03-28T11:00:00 CET")
        XCTAssertEqual(wall(weekend.next(after: moment("2026-03-28 11:00"), in: berlin)), "2026-03-29T11:00:00 CEST")
        XCTAssertEqual(wall(weekend.next(after: moment("2026-03-29 11:00"), in: berlin)), "2026-04-04T11:00:00 CEST")
        let wednesday = ScheduleSpec.at(times: [time("08:15")], days: Weekdays.parse("wed")!)
        XCTAssertEqual(wall(wednesday.next(after: moment("2026-03-25 08:15"), in: berlin)), "2026-04-01T08:15:00 CEST")
    }

    // MARK: - Intervals

    func testEveryFiftyMinutesInsideWorkHours() {
        let day = workHours.occurrences(from: moment("2026-03-25 00:00"), through: moment("2026-03-26 00:00"), in: berlin)
        XCTAssertEqual(day.map { berlin.civil($0).description }, [
            "2026-03-25T09:00:00", "2026-03-25T09:50:00", "2026-03-25T10:40:00", "2026-03-25T11:30:00",
            "2026-03-25T12:20:00", "2026-03-25T13:10:00", "2026-03-25T14:00:00", "2026-03-25T14:50:00",
            "2026-03-25T15:40:00", "2026-03-25T16:30:00", "2026-03-25T17:20:00",
        ])
        XCTAssertEqual(wall(workHours.next(after: moment("2026-03-25 08:00"), in: berlin)), "2026-03-25T09:00:00 CET")
        XCTAssertEqual(wall(workHours.next(after: moment("2026-03-25 09:00"), in: berlin)), "2026-03-25T09:50:00 CET")
        XCTAssertEqual(wall(workHours.next(after: moment("2026-03-25 17:00"), in: berlin)), "2026-03-25T17:20:00 CET")
        // 17:20 is the last one: 18:10 would be outside the window.
        XCTAssertEqual(wall(workHours.next(after: moment("2026-03-25 17:20"), in: berlin)), "2026-03-26T09:00:00 CET")
        XCTAssertEqual(wall(workHours.next(after: moment("2026-03-27 17:20"), in: berlin)), "2026-03-30T09:00:00 CEST")
    }

    func testWindowEndingAtMidnight() {
        let spec = ScheduleSpec.every(interval: 5400, window: window("20:00", "24:00"), days: .all)
        let day = spec.occurrences(from: moment("2026-03-25 00:00"), through: moment("2026-03-26 23:59"), in: berlin)
        XCTAssertEqual(day.map { berlin.civil($0).description }, [
            "2026-03-25T20:00:00", "2026-03-25T21:30:00", "2026-03-25T23:00:00",
            "2026-03-26T20:00:00", "2026-03-26T21:30:00", "2026-03-26T23:00:00",
        ])
        let bounds = spec.window(containing: moment("2026-03-25 23:59:59"), in: berlin)
        XCTAssertEqual(wall(bounds?.start), "2026-03-25T20:00:00 CET")
        XCTAssertEqual(wall(bounds?.end), "2026-03-26T00:00:00 CET")
        XCTAssertNil(spec.window(containing: moment("2026-03-26 00:00"), in: berlin))
    }

    // MARK: - Quiet hours

    func testQuietHoursSkipInsteadOfDeferring() {
        let spec = ScheduleSpec.at(times: [time("10:00"), time("13:00")], days: .all)
        let quiet = [window("12:00", "14:00")]
        XCTAssertEqual(wall(spec.next(after: moment("2026-03-25 10:00"), in: berlin, quietHours: quiet)), "2026-03-26T10:00:00 CET")
        XCTAssertEqual(wall(spec.next(after: moment("2026-03-25 10:00"), in: berlin)), "2026-03-25T13:00:00 CET")
        // Quiet-hours end is exclusive, start inclusive.
        let edge = [window("10:00", "13:00")]
        XCTAssertEqual(wall(spec.next(after: moment("2026-03-25 09:00"), in: berlin, quietHours: edge)), "2026-03-25T13:00:00 CET")
    }

    func testQuietHoursAcrossMidnight() {
        let hourly = ScheduleSpec.every(interval: 3600, window: window("00:00", "24:00"), days: .all)
        let quiet = [window("22:00", "07:00")]
        let day = hourly.occurrences(from: moment("2026-03-24 23:59"), through: moment("2026-03-25 23:59"), in: berlin, quietHours: quiet)
        XCTAssertEqual(day.count, 15)
        XCTAssertEqual(wall(day.first), "2026-03-25T07:00:00 CET")
        XCTAssertEqual(wall(day.last), "2026-03-25T21:00:00 CET")
        XCTAssertEqual(wall(hourly.next(after: moment("2026-03-25 21:00"), in: berlin, quietHours: quiet)), "2026-03-26T07:00:00 CET")
        // Two windows.
        let lunch = quiet + [window("12:00", "13:30")]
        XCTAssertEqual(hourly.occurrences(from: moment("2026-03-24 23:59"), through: moment("2026-03-25 23:59"),
                                          in: berlin, quietHours: lunch).count, 13)
    }

    func testNilWhenEverythingIsQuietOrNothingIsScheduled() {
        let late = ScheduleSpec.at(times: [time("23:00")], days: .all)
        XCTAssertNil(late.next(after: moment("2026-03-25 12:00"), in: berlin, quietHours: [window("22:00", "07:00")]))
        let night = ScheduleSpec.every(interval: 1800, window: window("22:00", "02:00"), days: .all)
        XCTAssertNil(night.next(after: moment("2026-03-25 12:00"), in: berlin, quietHours: [window("21:00", "03:00")]))
        XCTAssertEqual(night.occurrences(from: moment("2026-03-25 12:00"), through: moment("2026-04-25 12:00"), in: berlin,
                                         quietHours: [window("21:00", "03:00")]), [])
        let noDays = ScheduleSpec.at(times: [time("10:00")], days: Weekdays())
        XCTAssertNil(noDays.next(after: moment("2026-03-25 12:00"), in: berlin))
        let noTimes = ScheduleSpec.at(times: [], days: .all)
        XCTAssertNil(noTimes.next(after: moment("2026-03-25 12:00"), in: berlin))
        let zeroInterval = ScheduleSpec.every(interval: 0, window: window("09:00", "18:00"), days: .all)
        XCTAssertNil(zeroInterval.next(after: moment("2026-03-25 12:00"), in: berlin))
        // Quiet all day: 00:00-00:00 crosses midnight and covers everything.
        XCTAssertNil(threeTimes.next(after: moment("2026-03-25 12:00"), in: berlin, quietHours: [window("00:00", "00:00")]))
    }

    // MARK: - Windows crossing midnight

    func testWindowCrossingMidnightBelongsToItsStartDay() {
        let friday = Weekdays.parse("fri")!
        let spec = ScheduleSpec.every(interval: 3600, window: window("22:00", "02:00"), days: friday)
        let all = spec.occurrences(from: moment("2026-03-25 00:00"), through: moment("2026-03-29 00:00"), in: berlin)
        XCTAssertEqual(all.map { berlin.civil($0).description },
                       ["2026-03-27T22:00:00", "2026-03-27T23:00:00", "2026-03-28T00:00:00", "2026-03-28T01:00:00"])
        XCTAssertEqual(wall(spec.next(after: moment("2026-03-27 23:30"), in: berlin)), "2026-03-28T00:00:00 CET")
        // Saturday's own 22:00 is not active; the next one is Friday a week later.
        XCTAssertEqual(wall(spec.next(after: moment("2026-03-28 01:00"), in: berlin)), "2026-04-03T22:00:00 CEST")

        let instance = spec.window(containing: moment("2026-03-28 00:30"), in: berlin)
        XCTAssertEqual(wall(instance?.start), "2026-03-27T22:00:00 CET")
        XCTAssertEqual(wall(instance?.end), "2026-03-28T02:00:00 CET")
        XCTAssertNotNil(spec.window(containing: moment("2026-03-27 22:00"), in: berlin))
        XCTAssertNil(spec.window(containing: moment("2026-03-27 21:59:59"), in: berlin))
        XCTAssertNil(spec.window(containing: moment("2026-03-28 02:00"), in: berlin))
        XCTAssertNil(spec.window(containing: moment("2026-03-26 23:00"), in: berlin))   // Thursday: inactive
        XCTAssertNil(threeTimes.window(containing: moment("2026-03-27 10:00"), in: berlin))
    }

    func testWindowContaining() {
        let instance = workHours.window(containing: moment("2026-03-25 12:34:56"), in: berlin)
        XCTAssertEqual(wall(instance?.start), "2026-03-25T09:00:00 CET")
        XCTAssertEqual(wall(instance?.end), "2026-03-25T18:00:00 CET")
        XCTAssertNotNil(workHours.window(containing: moment("2026-03-25 17:59:59").addingTimeInterval(0.9), in: berlin))
        XCTAssertNil(workHours.window(containing: moment("2026-03-25 18:00"), in: berlin))
        XCTAssertNil(workHours.window(containing: moment("2026-03-25 08:59:59"), in: berlin))
        XCTAssertNil(workHours.window(containing: moment("2026-03-28 12:00"), in: berlin))   // Saturday
    }

    // MARK: - Daylight saving time

    func testSpringForwardGapFiresOnceShiftedForward() {
        let spec = ScheduleSpec.at(times: [time("02:30")], days: .all)
        let sunday = spec.next(after: moment("2026-03-28 03:00"), in: berlin)
        XCTAssertEqual(wall(sunday), "2026-03-29T03:30:00 CEST")
        XCTAssertEqual(sunday, Date(timeIntervalSince1970: 1_774_747_800))
        XCTAssertEqual(utc(spec.next(after: sunday!, in: berlin)), "2026-03-30T00:30:00Z")
        let weekend = spec.occurrences(from: moment("2026-03-28 00:00"), through: moment("2026-03-30 23:59"), in: berlin)
        XCTAssertEqual(weekend.compactMap { utc($0) }, ["2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"])
        // 02:30 (shifted to 03:30) and 03:30 are the same instant: one firing.
        let both = ScheduleSpec.at(times: [time("02:30"), time("03:30")], days: .all)
        let sundayOnly = both.occurrences(from: moment("2026-03-29 00:00"), through: moment("2026-03-29 23:59"), in: berlin)
        XCTAssertEqual(sundayOnly.compactMap { wall($0) }, ["2026-03-29T03:30:00 CEST"])
        // 02:30 shifted to 03:30 comes after a real 03:10.
        let ordered = ScheduleSpec.at(times: [time("02:30"), time("03:10")], days: .all)
        XCTAssertEqual(ordered.occurrences(from: moment("2026-03-29 00:00"), through: moment("2026-03-29 23:59"), in: berlin)
                       .compactMap { wall($0) }, ["2026-03-29T03:10:00 CEST", "2026-03-29T03:30:00 CEST"])
        XCTAssertEqual(wall(ordered.next(after: moment("2026-03-29 00:00"), in: berlin)), "2026-03-29T03:10:00 CEST")
    }

    func testFallBackOverlapFiresOnceAtTheEarlierInstant() {
        let spec = ScheduleSpec.at(times: [time("02:30")], days: .all)
        let sunday = spec.next(after: moment("2026-10-24 03:00"), in: berlin)
        XCTAssertEqual(wall(sunday), "2026-10-25T02:30:00 CEST")
        XCTAssertEqual(sunday, Date(timeIntervalSince1970: 1_792_888_200))
        // Not again at 02:30 CET an hour later.
        XCTAssertEqual(wall(spec.next(after: sunday!, in: berlin)), "2026-10-26T02:30:00 CET")
        XCTAssertEqual(utc(spec.next(after: sunday!, in: berlin)), "2026-10-26T01:30:00Z")
        let weekend = spec.occurrences(from: moment("2026-10-24 00:00"), through: moment("2026-10-26 23:59"), in: berlin)
        XCTAssertEqual(weekend.compactMap { utc($0) }, ["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"])
    }

    func testEveryAcrossDSTDays() {
        let spec = ScheduleSpec.every(interval: 1800, window: window("01:00", "04:00"), days: .all)
        let spring = spec.occurrences(from: moment("2026-03-29 00:00"), through: moment("2026-03-29 12:00"), in: berlin)
        XCTAssertEqual(spring.compactMap { wall($0) }, [
            "2026-03-29T01:00:00 CET", "2026-03-29T01:30:00 CET", "2026-03-29T03:00:00 CEST", "2026-03-29T03:30:00 CEST",
        ])
        XCTAssertEqual(wall(spec.next(after: moment("2026-03-29 01:30"), in: berlin)), "2026-03-29T03:00:00 CEST")
        let fall = spec.occurrences(from: moment("2026-10-25 00:00"), through: moment("2026-10-25 12:00"), in: berlin)
        XCTAssertEqual(fall.compactMap { utc($0) }, [
            "2026-10-24T23:00:00Z", "2026-10-24T23:30:00Z", "2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z",
            "2026-10-25T02:00:00Z", "2026-10-25T02:30:00Z",
        ])
        XCTAssertEqual(fall.compactMap { wall($0) }, [
            "2026-10-25T01:00:00 CEST", "2026-10-25T01:30:00 CEST", "2026-10-25T02:00:00 CEST", "2026-10-25T02:30:00 CEST",
            "2026-10-25T03:00:00 CET", "2026-10-25T03:30:00 CET",
        ])
        // Day-time windows are unaffected: 11 prompts on both Sundays.
        let daily = ScheduleSpec.every(interval: 3000, window: window("09:00", "18:00"), days: .all)
        XCTAssertEqual(daily.occurrences(from: moment("2026-03-29 00:00"), through: moment("2026-03-29 23:59"), in: berlin).count, 11)
        XCTAssertEqual(daily.occurrences(from: moment("2026-10-25 00:00"), through: moment("2026-10-25 23:59"), in: berlin).count, 11)
        // The window instance on the spring day spans 01:00 CET ... 04:00 CEST: two hours of real time.
        let instance = spec.window(containing: Date(timeIntervalSince1970: 1_774_747_800), in: berlin)
        XCTAssertEqual(utc(instance?.start), "2026-03-29T00:00:00Z")
        XCTAssertEqual(utc(instance?.end), "2026-03-29T02:00:00Z")
    }

    func testQuietHoursUseTheActualLocalTime() {
        // On the spring day 02:30 fires at 03:30, which is quiet; on other days it is not.
        let spec = ScheduleSpec.at(times: [time("02:30")], days: .all)
        let quiet = [window("03:00", "04:00")]
        let days = spec.occurrences(from: moment("2026-03-28 00:00"), through: moment("2026-03-30 23:59"), in: berlin, quietHours: quiet)
        XCTAssertEqual(days.compactMap { wall($0) }, ["2026-03-28T02:30:00 CET", "2026-03-30T02:30:00 CEST"])
    }

    func testOtherZones() throws {
        let spec = ScheduleSpec.at(times: [time("02:30")], days: .all)
        XCTAssertEqual(wall(spec.next(after: moment("2026-03-07 12:00", newYork), in: newYork), newYork), "2026-03-08T03:30:00 EDT")
        XCTAssertEqual(utc(spec.next(after: moment("2026-03-07 12:00", newYork), in: newYork)), "2026-03-08T07:30:00Z")
        let one = ScheduleSpec.at(times: [time("01:30")], days: .all)
        let fall = one.occurrences(from: moment("2026-10-31 12:00", newYork), through: moment("2026-11-02 12:00", newYork), in: newYork)
        XCTAssertEqual(fall.compactMap { utc($0) }, ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"])

        let lordHowe = try Zone.named("Australia/Lord_Howe")
        let quarter = ScheduleSpec.at(times: [time("02:15")], days: .all)
        XCTAssertEqual(wall(quarter.next(after: moment("2026-10-03 12:00", lordHowe), in: lordHowe), lordHowe), "2026-10-04T02:45:00 +11")

        let kolkata = try Zone.named("Asia/Kolkata")
        XCTAssertEqual(utc(threeTimes.next(after: moment("2026-03-25 00:00", kolkata), in: kolkata)), "2026-03-25T04:30:00Z")

        let chatham = try Zone.named("Pacific/Chatham")
        let early = ScheduleSpec.at(times: [time("03:00")], days: .all)
        XCTAssertEqual(wall(early.next(after: moment("2026-09-26 12:00", chatham), in: chatham), chatham), "2026-09-27T04:00:00 +1345")

        // Far future: the footer rule drives the 2090 change.
        XCTAssertEqual(wall(spec.next(after: moment("2090-03-25 12:00"), in: berlin)), "2090-03-26T03:30:00 CEST")
    }

    func testOccurrencesOverAWeek() {
        let spec = ScheduleSpec.at(times: [time("10:00"), time("14:00")], days: .workdays)
        let week = spec.occurrences(from: moment("2026-03-23 00:00"), through: moment("2026-03-30 00:00"), in: berlin)
        XCTAssertEqual(week.compactMap { wall($0) }, [
            "2026-03-23T10:00:00 CET", "2026-03-23T14:00:00 CET", "2026-03-24T10:00:00 CET", "2026-03-24T14:00:00 CET",
            "2026-03-25T10:00:00 CET", "2026-03-25T14:00:00 CET", "2026-03-26T10:00:00 CET", "2026-03-26T14:00:00 CET",
            "2026-03-27T10:00:00 CET", "2026-03-27T14:00:00 CET",
        ])
        // (from, through]: an occurrence at `from` is excluded, one at `through` included.
        let bounded = spec.occurrences(from: moment("2026-03-23 10:00"), through: moment("2026-03-24 10:00"), in: berlin)
        XCTAssertEqual(bounded.compactMap { wall($0) }, ["2026-03-23T14:00:00 CET", "2026-03-24T10:00:00 CET"])
        XCTAssertEqual(spec.occurrences(from: moment("2026-03-24 10:00"), through: moment("2026-03-23 10:00"), in: berlin), [])
        // The whole week of the working-hours spec: 5 days x 11.
        XCTAssertEqual(workHours.occurrences(from: moment("2026-03-23 00:00"), through: moment("2026-03-30 00:00"), in: berlin).count, 55)
    }

    func testNextAgreesWithOccurrencesOverAYear() {
        let quiet = [window("12:00", "13:00")]
        for (spec, zone) in [(workHours, berlin), (threeTimes, newYork),
                             (ScheduleSpec.every(interval: 5400, window: window("21:00", "03:00"), days: .all), berlin)] {
            let start = moment("2026-01-01 00:00", zone), end = moment("2027-01-01 00:00", zone)
            let all = spec.occurrences(from: start, through: end, in: zone, quietHours: quiet)
            var chained: [Date] = []
            var cursor = start
            while let next = spec.next(after: cursor, in: zone, quietHours: quiet), next <= end {
                chained.append(next)
                cursor = next
            }
            XCTAssertEqual(chained, all, spec.summary)
        }
        XCTAssertEqual(workHours.occurrences(from: moment("2026-01-01 00:00"), through: moment("2027-01-01 00:00"), in: berlin).count,
                       261 * 11)
    }

    func testAYearOfPromptsIsFast() {
        let clock = ContinuousClock()
        var count = 0
        let elapsed = clock.measure {
            var cursor = moment("2026-01-01 00:00")
            let end = moment("2027-01-01 00:00")
            while let next = workHours.next(after: cursor, in: berlin, quietHours: [window("12:00", "13:00")]), next <= end {
                count += 1
                cursor = next
            }
        }
        XCTAssertEqual(count, 261 * 10)   // 12:20 is quiet every workday
        // The budget is 50 ms in release builds (about 3 ms measured); unoptimised builds get more room.
        #if DEBUG
        XCTAssertLessThan(elapsed, .seconds(1), "\(elapsed)")
        #else
        XCTAssertLessThan(elapsed, .milliseconds(50), "\(elapsed)")
        #endif
    }

    func testExtremeDates() {
        XCTAssertEqual(wall(threeTimes.next(after: .distantPast, in: berlin)), "0000-12-30T10:00:00 LMT")   // distantPast is 0000-12-30T00:00Z (proleptic)
        XCTAssertNil(threeTimes.next(after: .distantPast, in: berlin, quietHours: [window("00:00", "00:00")]))
        XCTAssertEqual(wall(threeTimes.next(after: moment("4000-12-31 19:00"), in: berlin)), "4001-01-01T10:00:00 CET")
        XCTAssertEqual(berlin.offset(at: .distantFuture), 3600)
    }

    // MARK: - Summary

    func testSummary() {
        XCTAssertEqual(threeTimes.summary, "at 10:00, 14:00, 19:00 (mon..sun)")
        XCTAssertEqual(workHours.summary, "every 50m between 09:00-18:00 (mon..fri)")
        XCTAssertEqual(ScheduleSpec.every(interval: 5400, window: window("22:00", "02:00"), days: Weekdays.parse("fri,sat")!).summary,
                       "every 1h30m between 22:00-02:00+1 (fri,sat)")
        XCTAssertEqual(ScheduleSpec.at(times: [time("08:05")], days: Weekdays.parse("mon,wed,fri")!).summary, "at 08:05 (mon,wed,fri)")
        XCTAssertEqual(ScheduleSpec.random(count: 5, window: window("09:00", "21:00"), minGap: 3600, days: .all, seed: nil, reminderID: "m").summary,
                       "5 random times between 09:00-21:00, at least 1h apart (mon..sun)")
    }
}
