import XCTest
@testable import CheckinCore

final class CivilTests: XCTestCase {
    func testDaysSinceEpochKnownValues() {
        XCTAssertEqual(CivilDate(year: 1970, month: 1, day: 1).daysSinceEpoch, 0)
        XCTAssertEqual(CivilDate(year: 1969, month: 12, day: 31).daysSinceEpoch, -1)
        XCTAssertEqual(CivilDate(year: 2000, month: 3, day: 1).daysSinceEpoch, 11017)
        XCTAssertEqual(CivilDate(year: 2026, month: 3, day: 29).daysSinceEpoch, 20541)
        XCTAssertEqual(CivilDate(year: 1, month: 1, day: 1).daysSinceEpoch, -719_162)
        XCTAssertEqual(CivilDate(daysSinceEpoch: 20541), CivilDate(year: 2026, month: 3, day: 29))
        XCTAssertEqual(CivilDate(daysSinceEpoch: -719_162), CivilDate(year: 1, month: 1, day: 1))
        XCTAssertEqual(CivilDate(daysSinceEpoch: -719_163), CivilDate(year: 0, month: 12, day: 31))
    }

    func testRoundTripOverManyDays() {
        var previous = CivilDate(daysSinceEpoch: -800_000 - 1)
        for n in stride(from: -800_000, through: 800_000, by: 1) {
            let date = CivilDate(daysSinceEpoch: n)
            XCTAssertTrue(date.isValid, "\(n)")
            XCTAssertEqual(date.daysSinceEpoch, n)
            XCTAssertLessThan(previous, date)
            // Consecutive days: either the next day of the month or the 1st of the next month.
            if date.day != 1 {
                XCTAssertEqual(date.day, previous.day + 1)
            } else {
                XCTAssertEqual(previous.day, CivilDate.daysInMonth(year: previous.year, month: previous.month))
            }
            if n % 7 == 0 { XCTAssertEqual(date.isoWeekday, 4, "\(date)") }   // Thursdays, like 1970-01-01
            previous = date
        }
    }

    func testWeekdays() {
        XCTAssertEqual(CivilDate(year: 1970, month: 1, day: 1).isoWeekday, 4)   // Thursday
        XCTAssertEqual(CivilDate(year: 2026, month: 3, day: 29).isoWeekday, 7)  // Sunday
        XCTAssertEqual(CivilDate(year: 2026, month: 3, day: 30).isoWeekday, 1)  // Monday
        XCTAssertEqual(CivilDate(year: 2000, month: 2, day: 29).isoWeekday, 2)  // Tuesday
        XCTAssertEqual(CivilDate(year: 1969, month: 12, day: 28).isoWeekday, 7) // Sunday
        XCTAssertEqual(CivilDate(year: 1600, month: 1, day: 1).isoWeekday, 6)   // Saturday
    }

    func testAddingDays() {
        let d = CivilDate(year: 2024, month: 2, day: 28)
        XCTAssertEqual(d.adding(days: 1), CivilDate(year: 2024, month: 2, day: 29))
        XCTAssertEqual(d.adding(days: 2), CivilDate(year: 2024, month: 3, day: 1))
        XCTAssertEqual(d.adding(days: 0), d)
        XCTAssertEqual(CivilDate(year: 2025, month: 2, day: 28).adding(days: 1), CivilDate(year: 2025, month: 3, day: 1))
        XCTAssertEqual(CivilDate(year: 2026, month: 12, day: 31).adding(days: 1), CivilDate(year: 2027, month: 1, day: 1))
        XCTAssertEqual(CivilDate(year: 2027, month: 1, day: 1).adding(days: -1), CivilDate(year: 2026, month: 12, day: 31))
        XCTAssertEqual(CivilDate(year: 2026, month: 3, day: 29).adding(days: 366), CivilDate(year: 2027, month: 3, day: 30))
        XCTAssertEqual(CivilDate(year: 2026, month: 3, day: 29).adding(days: -20541), CivilDate(year: 1970, month: 1, day: 1))
    }

    func testLeapYears() {
        XCTAssertTrue(CivilDate.isLeapYear(2000))
        XCTAssertTrue(CivilDate.isLeapYear(2024))
        XCTAssertFalse(CivilDate.isLeapYear(1900))
        XCTAssertFalse(CivilDate.isLeapYear(2100))
        XCTAssertFalse(CivilDate.isLeapYear(2026))
        XCTAssertEqual(CivilDate.daysInMonth(year: 2024, month: 2), 29)
        XCTAssertEqual(CivilDate.daysInMonth(year: 2100, month: 2), 28)
        XCTAssertEqual(CivilDate.daysInMonth(year: 2026, month: 4), 30)
        XCTAssertEqual(CivilDate.daysInMonth(year: 2026, month: 12), 31)
        XCTAssertEqual(CivilDate.daysInMonth(year: 2026, month: 13), 0)
    }

    func testParse() {
        XCTAssertEqual(CivilDate.parse("2026-03-29"), CivilDate(year: 2026, month: 3, day: 29))
        XCTAssertEqual(CivilDate.parse("2024-02-29"), CivilDate(year: 2024, month: 2, day: 29))
        XCTAssertEqual(CivilDate.parse("2000-02-29"), CivilDate(year: 2000, month: 2, day: 29))
        XCTAssertEqual(CivilDate.parse("0001-01-01"), CivilDate(year: 1, month: 1, day: 1))
        for bad in ["2025-02-29", "2100-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-04-00",
                    "2026-3-29", "26-03-29", "2026-03-29 ", " 2026-03-29", "2026/03/29", "2026-03", "",
                    "2026-03-29-01", "+026-03-29", "2026-0a-01", "20260-03-29"] {
            XCTAssertNil(CivilDate.parse(bad), bad)
        }
    }

    func testDescription() {
        XCTAssertEqual(CivilDate(year: 2026, month: 3, day: 9).description, "2026-03-09")
        XCTAssertEqual(CivilDate(year: 999, month: 12, day: 31).description, "0999-12-31")
        XCTAssertEqual(CivilDate(year: 12026, month: 1, day: 1).description, "12026-01-01")
        XCTAssertEqual(CivilDateTime(year: 2026, month: 3, day: 29, hour: 2, minute: 30).description, "2026-03-29T02:30:00")
        XCTAssertEqual(CivilDateTime(year: 2026, month: 10, day: 5, hour: 23, minute: 5, second: 9).description, "2026-10-05T23:05:09")
    }

    func testDateTimeSeconds() {
        XCTAssertEqual(CivilDateTime(secondsSinceEpoch: 0).description, "1970-01-01T00:00:00")
        XCTAssertEqual(CivilDateTime(secondsSinceEpoch: -1).description, "1969-12-31T23:59:59")
        XCTAssertEqual(CivilDateTime(secondsSinceEpoch: 1_774_746_000).description, "2026-03-29T01:00:00")
        XCTAssertEqual(CivilDateTime(year: 2026, month: 3, day: 29, hour: 1, minute: 0).secondsSinceEpoch, 1_774_746_000)
        XCTAssertEqual(CivilDateTime(year: 2090, month: 3, day: 26, hour: 1, minute: 0).secondsSinceEpoch, 3_794_173_200)
        // Hour 24 normalises to the next midnight.
        XCTAssertEqual(CivilDateTime(year: 2026, month: 3, day: 28, hour: 24, minute: 0).secondsSinceEpoch,
                       CivilDateTime(year: 2026, month: 3, day: 29, hour: 0, minute: 0).secondsSinceEpoch)
        for s in stride(from: -5_000_000_000, through: 5_000_000_000, by: 86_399_937) {
            XCTAssertEqual(CivilDateTime(secondsSinceEpoch: s).secondsSinceEpoch, s)
        }
        XCTAssertEqual(CivilDateTime(year: 2026, month: 1, day: 1, hour: 13, minute: 45).minuteOfDay, 825)
    }

    func testDateTimeOrderingAndParse() {
        let a = CivilDateTime(year: 2026, month: 3, day: 29, hour: 2, minute: 30)
        let b = CivilDateTime(year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 1)
        let c = CivilDateTime(year: 2026, month: 3, day: 30, hour: 0, minute: 0)
        XCTAssertLessThan(a, b)
        XCTAssertLessThan(b, c)
        XCTAssertEqual(CivilDateTime.parse("2026-03-29 02:30"), a)
        XCTAssertEqual(CivilDateTime.parse("2026-03-29T02:30:01"), b)
        for bad in ["2026-03-29", "2026-03-29 24:00", "2026-03-29 02:60", "2026-03-29 2:30", "2026-03-29 02:30:60",
                    "2026-02-30 10:00", "2026-03-29  02:30"] {
            XCTAssertNil(CivilDateTime.parse(bad), bad)
        }
    }
}
