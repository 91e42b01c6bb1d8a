import Foundation
import XCTest
@testable import CheckinCore

private let berlin = try! Zone.named("Europe/Berlin")

final class TimeRangeTests: XCTestCase {
    /// 2026-03-15T12:34:56Z, a Sunday (Berlin is at +01:00 until 2026-03-29).
    let now = Date(timeIntervalSince1970: 1_773_578_096)

    private func utc(_ text: String) -> Date {
        let c = CivilDateTime.parse(text)!
        return Date(timeIntervalSince1970: Double(c.secondsSinceEpoch))
    }

    private func parse(_ text: String, zone: Zone = berlin) throws -> Date {
        try TimeRange.parse(text, option: "--since", now: now, zone: zone)
    }

    private func refusal(_ text: String, option: String = "--since") -> String? {
        do {
            _ = try TimeRange.parse(text, option: option, now: now, zone: berlin)
            return nil
        } catch {
            return error.description
        }
    }

    func testNowIsWhatItSays() {
        XCTAssertEqual(utc("2026-03-15T12:34:56"), now)
    }

    func testDatesAreLocalMidnight() throws {
        XCTAssertEqual(try parse("2026-03-01"), utc("2026-02-28T23:00:00"))
        XCTAssertEqual(try parse("2026-07-01"), utc("2026-06-30T22:00:00"), "summer time: +02:00")
        XCTAssertEqual(try parse("2026-03-01", zone: .utc), utc("2026-03-01T00:00:00"))
        XCTAssertEqual(try parse(" 2026-03-01 "), utc("2026-02-28T23:00:00"), "spaces around are ignored")
    }

    func testLocalDateTimes() throws {
        XCTAssertEqual(try parse("2026-03-01T09:30"), utc("2026-03-01T08:30:00"))
        XCTAssertEqual(try parse("2026-03-01 09:30"), utc("2026-03-01T08:30:00"))
        XCTAssertEqual(try parse("2026-03-01T09:30:15"), utc("2026-03-01T08:30:15"))
        XCTAssertEqual(try parse("2026-03-01 09:30:15"), utc("2026-03-01T08:30:15"))
        // 02:30 does not exist on the spring-forward night: like mktime, 03:30 CEST.
        XCTAssertEqual(try parse("2026-03-29T02:30"), utc("2026-03-29T01:30:00"))
        // 02:30 happens twice in October: the earlier one (CEST).
        XCTAssertEqual(try parse("2026-10-25T02:30"), utc("2026-10-25T00:30:00"))
    }

    func testWords() throws {
        XCTAssertEqual(try parse("today"), utc("2026-03-14T23:00:00"))
        XCTAssertEqual(try parse("Today"), utc("2026-03-14T23:00:00"))
        XCTAssertEqual(try parse("yesterday"), utc("2026-03-13T23:00:00"))
        XCTAssertEqual(try parse("now"), now)
        // Late in the evening UTC it is already tomorrow in Berlin.
        let late = utc("2026-03-15T23:30:00")
        XCTAssertEqual(try TimeRange.parse("today", option: "--since", now: late, zone: berlin), utc("2026-03-15T23:00:00"))
    }

    func testDurationsBeforeNow() throws {
        XCTAssertEqual(try parse("7d"), now.addingTimeInterval(-7 * 86400))
        XCTAssertEqual(try parse("12h"), now.addingTimeInterval(-12 * 3600))
        XCTAssertEqual(try parse("30m"), now.addingTimeInterval(-1800))
        XCTAssertEqual(try parse("2w"), now.addingTimeInterval(-14 * 86400))
        XCTAssertEqual(try parse("1h30m"), now.addingTimeInterval(-5400))
        XCTAssertEqual(try parse("2w3d"), now.addingTimeInterval(-17 * 86400))
        XCTAssertEqual(try parse("1H"), now.addingTimeInterval(-3600), "case does not matter")
        XCTAssertEqual(try parse("0m"), now)
        XCTAssertEqual(TimeRange.duration("90x"), nil)
        XCTAssertEqual(TimeRange.duration("w"), nil)
        XCTAssertEqual(TimeRange.duration("3"), nil, "a number needs a unit")
    }

    func testRefusalsSayWhatAndWhy() {
        let forms = "expected YYYY-MM-DD (local midnight), YYYY-MM-DDTHH:MM[:SS] or \"YYYY-MM-DD HH:MM[:SS]\" (local time), "
            + "today, yesterday, now, or a duration before now such as 7d, 12h, 30m, 2w, 1h30m"
        XCTAssertEqual(refusal("90x"), "--since \"90x\" is not a date or a duration; " + forms)
        XCTAssertEqual(refusal("", option: "--until"), "--until \"\" is not a date or a duration; " + forms)
        XCTAssertEqual(refusal("tomorrow"), "--since \"tomorrow\" is not a date or a duration; " + forms)
        XCTAssertEqual(refusal("2026-13-40"),
                       "--since \"2026-13-40\" is not a valid date: month 13 is out of range (01-12), day 40 is out of range (01-31)")
        XCTAssertEqual(refusal("2026-13-05"), "--since \"2026-13-05\" is not a valid date: month 13 is out of range (01-12)")
        XCTAssertEqual(refusal("2026-02-29"), "--since \"2026-02-29\" is not a valid date: day 29 is out of range (2026-02 has 28 days)")
        XCTAssertEqual(refusal("2026-04-31"), "--since \"2026-04-31\" is not a valid date: day 31 is out of range (2026-04 has 30 days)")
        XCTAssertNil(refusal("2028-02-29"), "a leap day")
        XCTAssertEqual(refusal("2026-03-01T25:61"),
                       "--since \"2026-03-01T25:61\" is not a valid date: hour 25 is out of range (00-23), minute 61 is out of range (00-59)")
        XCTAssertEqual(refusal("2026-03-01T10:00:60"), "--since \"2026-03-01T10:00:60\" is not a valid date: second 60 is out of range (00-59)")
        XCTAssertEqual(refusal("2026-3-1"),
                       "--since \"2026-3-1\" is not a date; expected YYYY-MM-DD (four-digit year, two-digit month and day)")
        XCTAssertEqual(refusal("2026-03-01T9"),
                       "--since \"2026-03-01T9\" has no valid time of day; expected HH:MM or HH:MM:SS after the date")
    }

    func testRangeOrder() throws {
        let r = try TimeRange.resolve(since: "2026-03-01", until: "2026-03-08", now: now, zone: berlin)
        XCTAssertEqual(r, TimeRange(since: utc("2026-02-28T23:00:00"), until: utc("2026-03-07T23:00:00")))
        XCTAssertEqual(try TimeRange.resolve(since: nil, until: nil, now: now, zone: berlin), TimeRange(since: nil, until: nil))
        XCTAssertEqual(try TimeRange.resolve(since: "7d", until: nil, now: now, zone: berlin).since, now.addingTimeInterval(-604800))

        func refused(_ since: String, _ until: String) -> String? {
            do {
                _ = try TimeRange.resolve(since: since, until: until, now: now, zone: berlin)
                return nil
            } catch {
                return error.description
            }
        }
        XCTAssertEqual(refused("2026-03-10", "2026-03-01"),
                       "--since \"2026-03-10\" (2026-03-10 00:00:00) is after --until \"2026-03-01\" (2026-03-01 00:00:00); "
                           + "nothing can be recorded in that period")
        XCTAssertEqual(refused("today", "2026-03-15"),
                       "--since \"today\" (2026-03-15 00:00:00) is the same time as --until \"2026-03-15\" (2026-03-15 00:00:00); "
                           + "nothing can be recorded in that period")
        XCTAssertEqual(refused("1d", "2d"),
                       "--since \"1d\" (2026-03-14 13:34:56) is after --until \"2d\" (2026-03-13 13:34:56); "
                           + "nothing can be recorded in that period")
        // A bad value is reported before the order is looked at.
        XCTAssertEqual(refused("2026-03-10", "soon"), "--until \"soon\" is not a date or a duration; expected YYYY-MM-DD (local midnight), "
                           + "YYYY-MM-DDTHH:MM[:SS] or \"YYYY-MM-DD HH:MM[:SS]\" (local time), today, yesterday, now, or a duration "
                           + "before now such as 7d, 12h, 30m, 2w, 1h30m")
    }
}
