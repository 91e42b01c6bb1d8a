import Foundation
import XCTest
@testable import CheckinCore

// Tables for CalendarSpec. Every expected value was produced by systemd 252 (systemd-analyze
// calendar, and for exact microseconds calendar_spec_next_usec() from libsystemd-shared-252), so
// these tests pin systemd's behaviour without needing systemd at test time.

private func zone(_ identifier: String) -> Zone {
    do { return try Zone.named(identifier) } catch { fatalError("\(error)") }
}

/// "2026-03-29T01:30:00Z" or "2026-01-01T00:00:01.5Z" -> microseconds since the epoch.
private func micros(_ text: String) -> Int64 {
    var body = text
    guard body.hasSuffix("Z") else { fatalError("bad test literal \(text)") }
    body.removeLast()
    var fraction: Int64 = 0
    if let dot = body.firstIndex(of: ".") {
        let digits = String(body[body.index(after: dot)...])
        fraction = Int64((digits + "000000").prefix(6))!
        body = String(body[..<dot])
    }
    guard let dt = CivilDateTime.parse(body) else { fatalError("bad test literal \(text)") }
    return Int64(dt.secondsSinceEpoch) * 1_000_000 + fraction
}

private func iso(_ us: Int64) -> String {
    let seconds = Int(us / 1_000_000), fraction = Int(us % 1_000_000)
    var s = CivilDateTime(secondsSinceEpoch: seconds).description
    if fraction != 0 {
        var digits = CivilMath.pad(fraction, 6)
        while digits.hasSuffix("0") { digits.removeLast() }
        s += "." + digits
    }
    return s + "Z"
}

final class CalendarSpecTests: XCTestCase {
    // MARK: - Normalized forms

    /// Expression -> systemd-analyze's "Normalized form:" (TZ=UTC).
    static let normalizedForms: [(String, String)] = [
        ("minutely", "*-*-* *:*:00"),
        ("hourly", "*-*-* *:00:00"),
        ("daily", "*-*-* 00:00:00"),
        ("monthly", "*-*-01 00:00:00"),
        ("weekly", "Mon *-*-* 00:00:00"),
        ("yearly", "*-01-01 00:00:00"),
        ("annually", "*-01-01 00:00:00"),
        ("anually", "*-01-01 00:00:00"),
        ("quarterly", "*-01,04,07,10-01 00:00:00"),
        ("semiannually", "*-01,07-01 00:00:00"),
        ("semi-annually", "*-01,07-01 00:00:00"),
        ("biannually", "*-01,07-01 00:00:00"),
        ("bi-annually", "*-01,07-01 00:00:00"),
        ("DAILY", "*-*-* 00:00:00"),
        ("Hourly", "*-*-* *:00:00"),
        ("Mon", "Mon *-*-* 00:00:00"),
        ("mon", "Mon *-*-* 00:00:00"),
        ("MONDAY", "Mon *-*-* 00:00:00"),
        ("Monday", "Mon *-*-* 00:00:00"),
        ("Mon..Fri", "Mon..Fri *-*-* 00:00:00"),
        ("Mon-Fri", "Mon..Fri *-*-* 00:00:00"),
        ("mon..fri 09:00", "Mon..Fri *-*-* 09:00:00"),
        ("Sat,Sun", "Sat,Sun *-*-* 00:00:00"),
        ("Sat,Sun 10:00", "Sat,Sun *-*-* 10:00:00"),
        ("Mon,Tue,Wed", "Mon..Wed *-*-* 00:00:00"),
        ("Mon,Tue", "Mon,Tue *-*-* 00:00:00"),
        ("Mon,Wed,Fri", "Mon,Wed,Fri *-*-* 00:00:00"),
        ("Mon..Wed,Fri..Sun", "Mon..Wed,Fri..Sun *-*-* 00:00:00"),
        ("Mon..Sun", "*-*-* 00:00:00"),
        ("Tue..Tue", "Tue *-*-* 00:00:00"),
        ("Mon, 12:00", "Mon *-*-* 12:00:00"),
        ("Fri,Mon 12:00", "Mon,Fri *-*-* 12:00:00"),
        ("Wednesday..Friday *-*-* 18:00", "Wed..Fri *-*-* 18:00:00"),
        ("*-*-*", "*-*-* 00:00:00"),
        ("*-*-* 00:00:00", "*-*-* 00:00:00"),
        ("2026-03-29", "2026-03-29 00:00:00"),
        ("2026-03-29 02:30", "2026-03-29 02:30:00"),
        ("2026-3-9 2:3:4", "2026-03-09 02:03:04"),
        ("26-01-01", "2026-01-01 00:00:00"),
        ("99-12-31", "1999-12-31 00:00:00"),
        ("70-01-01 00:00", "1970-01-01 00:00:00"),
        ("01-01", "*-01-01 00:00:00"),
        ("*-01-01", "*-01-01 00:00:00"),
        ("12-25 18:00", "*-12-25 18:00:00"),
        ("*-*-01", "*-*-01 00:00:00"),
        ("*-*-1,15", "*-*-01,15 00:00:00"),
        ("*-*-1..7", "*-*-01..07 00:00:00"),
        ("*-*-1..7 10:00", "*-*-01..07 10:00:00"),
        ("*-*-1..31/2", "*-*-01..31/2 00:00:00"),
        ("*-*-29..31/1", "*-*-29..31 00:00:00"),
        ("*-02-29", "*-02-29 00:00:00"),
        ("2026-02-30", "2026-02-30 00:00:00"),
        ("2024..2028/2-02-29", "2024..2028/2-02-29 00:00:00"),
        ("2026,2027-01-01", "2026,2027-01-01 00:00:00"),
        ("2026..2030-*-*", "2026..2030-*-* 00:00:00"),
        ("*-01,04,07,10-01", "*-01,04,07,10-01 00:00:00"),
        ("*-1..12/3-1", "*-01..10/3-01 00:00:00"),
        ("*-02~03", "*-02~03 00:00:00"),
        ("*-02~1", "*-02~01 00:00:00"),
        ("*~1", "*-*~01 00:00:00"),
        ("*-*~1..7", "*-*~01..07 00:00:00"),
        ("*-*~01..07/2", "*-*~01..07/2 00:00:00"),
        ("*-*~5/2", "*-*~05/2 00:00:00"),
        ("*-05~1..3", "*-05~01..03 00:00:00"),
        ("2026-*~1", "2026-*~01 00:00:00"),
        ("*~*", "*-*-* 00:00:00"),
        ("12:00", "*-*-* 12:00:00"),
        ("12:00:00", "*-*-* 12:00:00"),
        ("9:5", "*-*-* 09:05:00"),
        ("00:00/15", "*-*-* 00:00/15:00"),
        ("*:0/15", "*-*-* *:00/15:00"),
        ("*:0,15,30,45", "*-*-* *:00,15,30,45:00"),
        ("*:*", "*-*-* *:*:00"),
        ("*:*:*", "*-*-* *:*:*"),
        ("*:*:0/10", "*-*-* *:*:00/10"),
        ("*:*:0/1", "*-*-* *:*:*"),
        ("*:*:0/1,5", "*-*-* *:*:*"),
        ("*:*:5/1", "*-*-* *:*:05/1"),
        ("*:*:0/1.5", "*-*-* *:*:00/1.500000"),
        ("*:*:0..30/7.5", "*-*-* *:*:00..30/7.500000"),
        ("*:*:05..10.5", "*-*-* *:*:05..10"),
        ("*:*:1.5", "*-*-* *:*:01.500000"),
        ("*:*:0.000001", "*-*-* *:*:00.000001"),
        ("*:*:1.9999995", "*-*-* *:*:02"),
        ("*:*:30.1234564", "*-*-* *:*:30.123456"),
        ("00:00:00.5", "*-*-* 00:00:00.500000"),
        ("*-*-* 00:00:00.000001/0.5", "*-*-* 00:00:00.000001/0.500000"),
        ("8..17/2:00", "*-*-* 08..16/2:00:00"),
        ("0..5/10:00", "*-*-* 00:00:00"),
        ("1..10/3,2:00", "*-*-* 01..10/3,02:00:00"),
        ("10..12/5:00", "*-*-* 10:00:00"),
        ("Mon..Fri 8..17:0/30", "Mon..Fri *-*-* 08..17:00/30:00"),
        ("daily UTC", "*-*-* 00:00:00 UTC"),
        ("daily utc", "*-*-* 00:00:00 UTC"),
        ("Mon UTC", "Mon *-*-* 00:00:00 UTC"),
        ("*-*-* 12:00 UTC", "*-*-* 12:00:00 UTC"),
        ("daily Europe/Berlin", "*-*-* 00:00:00 Europe/Berlin"),
        ("Mon..Fri 09:00 America/New_York", "Mon..Fri *-*-* 09:00:00 America/New_York"),
        ("*-*-* 02:30 Australia/Lord_Howe", "*-*-* 02:30:00 Australia/Lord_Howe"),
        ("hourly Asia/Kolkata", "*-*-* *:00:00 Asia/Kolkata"),
        ("*:0/15 Pacific/Chatham", "*-*-* *:00/15:00 Pacific/Chatham"),
        ("daily Etc/GMT-14", "*-*-* 00:00:00 Etc/GMT-14"),
        ("daily posix/Europe/Berlin", "*-*-* 00:00:00 posix/Europe/Berlin"),
        ("@0", "1970-01-01 00:00:00 UTC"),
        ("@1700000000", "2023-11-14 22:13:20 UTC"),
        ("@1700000000 Europe/Berlin", "2023-11-14 22:13:20 UTC"),
        ("Mon @1700000000", "Mon 2023-11-14 22:13:20 UTC"),
        ("*-*-1,1,1,2,2", "*-*-01,02 00:00:00"),
        ("*-*-* 3,1,2,1:00", "*-*-* 01,02,03:00:00"),
        ("Sat,Sun  12:00", "Sat,Sun *-*-* 12:00:00"),
        ("*-*-*  12:00", "*-*-* 12:00:00"),
        ("daily CET", "*-*-* 00:00:00 CET"),
    ]

    func testNormalizedForms() throws {
        XCTAssertGreaterThanOrEqual(CalendarSpecTests.normalizedForms.count, 60)
        for (expression, expected) in CalendarSpecTests.normalizedForms {
            do {
                let spec = try CalendarSpec.parse(expression)
                XCTAssertEqual(spec.normalized, expected, "normalized form of '\(expression)'")
            } catch {
                XCTFail("'\(expression)' should parse: \(error)")
            }
        }
    }

    func testRoundTripsOfNormalizedForms() throws {
        for (_, normalized) in CalendarSpecTests.normalizedForms {
            let again = try CalendarSpec.parse(normalized)
            XCTAssertEqual(again.normalized, normalized, "round trip of '\(normalized)'")
            XCTAssertEqual(try CalendarSpec.parse(again.normalized), again)
        }
    }

    /// Random valid expressions (the differential test's generator, no systemd needed): normalizing
    /// is idempotent and equal normalized forms mean equal specs.
    func testRoundTripsOfRandomExpressions() throws {
        var generator = CalendarExpressionGenerator(seed: 20_260_329)
        var checked = 0
        for _ in 0..<5000 {
            guard let spec = try? CalendarSpec.parse(generator.expression()) else { continue }
            let again = try CalendarSpec.parse(spec.normalized)
            XCTAssertEqual(again.normalized, spec.normalized)
            XCTAssertEqual(again, spec, "'\(spec.normalized)' parses back to the same spec")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 3000)
    }

    func testShorthandsAreCaseInsensitiveAndEqualTheirLongForms() throws {
        let pairs = [("minutely", "*-*-* *:*:00"), ("hourly", "*-*-* *:00:00"), ("daily", "*-*-* 00:00:00"),
                     ("monthly", "*-*-01 00:00:00"), ("weekly", "Mon *-*-* 00:00:00"), ("yearly", "*-01-01 00:00:00"),
                     ("annually", "*-01-01"), ("quarterly", "*-01,04,07,10-01 00:00:00"),
                     ("semiannually", "*-01,07-01 00:00:00"), ("WeEkLy", "mon")]
        for (shorthand, long) in pairs {
            XCTAssertEqual(try CalendarSpec.parse(shorthand), try CalendarSpec.parse(long), shorthand)
        }
    }

    func testTimeZoneIdentifier() throws {
        XCTAssertNil(try CalendarSpec.parse("daily").timeZoneIdentifier)
        XCTAssertEqual(try CalendarSpec.parse("daily UTC").timeZoneIdentifier, "UTC")
        XCTAssertEqual(try CalendarSpec.parse("daily utc").timeZoneIdentifier, "UTC")
        XCTAssertEqual(try CalendarSpec.parse("Mon..Fri 09:00 Europe/Berlin").timeZoneIdentifier, "Europe/Berlin")
        XCTAssertEqual(try CalendarSpec.parse("@1700000000").timeZoneIdentifier, "UTC")
        // An @timestamp is computed in UTC even when a zone follows (systemd prints " UTC").
        XCTAssertEqual(try CalendarSpec.parse("@1700000000 Europe/Berlin").timeZoneIdentifier, "UTC")
        XCTAssertNotEqual(try CalendarSpec.parse("daily Europe/Berlin"), try CalendarSpec.parse("daily Europe/London"))
    }

    /// systemd also accepts the abbreviations of the process' own zone ("12:00 CEST" under
    /// TZ=Europe/Berlin, pinning isdst). That depends on TZ, so the parser leaves it out: only
    /// names of zone files count, which is what systemd does for every other zone.
    func testLocalZoneAbbreviationsAreOnlyZoneFileNames() throws {
        XCTAssertEqual(try CalendarSpec.parse("12:00 CET").timeZoneIdentifier, "CET")   // /usr/share/zoneinfo/CET
        XCTAssertThrowsError(try CalendarSpec.parse("12:00 CEST"))
        XCTAssertThrowsError(try CalendarSpec.parse("12:00 EDT"))
    }

    // MARK: - Errors

    /// Expressions systemd 252 rejects, with where and why we say it fails.
    static let errors: [(String, Int, String)] = [
        ("", 1, "empty expression"),
        (" ", 1, "expected a number or '*', found space"),
        ("Mon..Fri *-*-* 25:00", 16, "hour 25 is out of range (0-23)"),
        ("*-13-01", 3, "month 13 is out of range (1-12)"),
        ("*-00-01", 3, "month 0 is out of range (1-12)"),
        ("*-*-32", 5, "day 32 is out of range (1-31)"),
        ("*-*-0", 5, "day 0 is out of range (1-31)"),
        ("Fooday", 1, "'Fooday' is not a weekday (Mon...Sun), a shorthand (minutely...yearly) or a date"),
        ("Mon..Fooday", 6, "expected a weekday name, found 'Fooday'"),
        ("dayly", 1, "'dayly' is not a weekday (Mon...Sun), a shorthand (minutely...yearly) or a date"),
        ("*:*:61", 5, "second 61 is out of range (0-59.999999)"),
        ("*:*:60", 5, "second 60 is out of range (0-59.999999)"),
        ("*:60", 3, "minute 60 is out of range (0-59)"),
        ("24:00", 1, "hour 24 is out of range (0-23)"),
        ("2026-01-01T12:00", 11, "unexpected 'T' (separate the date and the time with a space)"),
        ("12:00 ", 6, "unexpected space at the end"),
        (" daily", 1, "unexpected space at the start"),
        ("daily ", 6, "unexpected space at the end"),
        ("*-*-* 12:00:00 extra", 16, "unknown time zone 'extra' (no such zone in /usr/share/zoneinfo)"),
        ("12:00:00:00", 9, "unexpected ':' after the seconds"),
        ("Mon 12", 7, "expected ':' and minutes after the hour"),
        ("Mon..", 6, "weekday range Mon.. has no end"),
        ("Mon.Tue", 4, "expected '..' between weekdays"),
        ("Fri..Mon", 6, "weekday range Fri..Mon goes backwards (write Mon..Sun order)"),
        ("Mon-Wed-Fri", 8, "a weekday range cannot be continued with '-'"),
        ("Mon,,Tue", 5, "expected a weekday name, found ','"),
        ("Mond", 1, "unknown weekday 'Mond'"),
        ("daily Mars/Olympus", 7, "unknown time zone 'Mars/Olympus' (no such zone in /usr/share/zoneinfo)"),
        ("12:00 Europe/Berlinn", 7, "unknown time zone 'Europe/Berlinn' (no such zone in /usr/share/zoneinfo)"),
        ("*:*:1.", 7, "expected digits after the decimal point, found end of expression"),
        ("*:*:5.5..6", 5, "range 5.5..6 is shorter than one second (add a repetition like '/0.5')"),
        ("*-*-* 0..23/0", 13, "a repetition must be greater than 0"),
        ("*:50/20", 6, "repetition 50/20 never repeats within 0-59 (50 + 20 > 59)"),
        ("5..3:00", 4, "range 5..3 ends before it starts"),
        ("*-*~7..1", 8, "range 7..1 ends before it starts"),
        ("*-05~1/2", 8, "repetition 1/2 would reach before day ~1"),
        ("*-*~26,05", 5, "day ~26 is out of range (1-25 for element 2 of a '~' list, in ascending order: systemd allows 3 days less per element)"),
        ("*-*~29", 5, "day ~29 is out of range (1-28 days before the end of the month)"),
        ("*-*~5/30", 7, "repetition 30 is larger than the day range (1-28)"),
        ("1969-01-01", 1, "year 1969 is out of range (1970-2199)"),
        ("2200-01-01", 1, "year 2200 is out of range (1970-2199)"),
        ("100-01-01", 1, "year 100 is out of range (1970-2199)"),
        ("*/2:00", 2, "a repetition needs a start value: write 0/N instead of */N"),
        ("*-*-* *:*:*.5", 12, "unexpected '.' after the seconds"),
        ("@", 2, "expected seconds since the epoch after '@', found end of expression"),
        ("@x", 2, "expected seconds since the epoch after '@', found 'x'"),
        ("@1700000000 foo", 13, "unknown time zone 'foo' (no such zone in /usr/share/zoneinfo)"),
        ("@99999999999999999999", 2, "timestamp is too large"),
        ("@-1", 1, "timestamp is outside the years 1970-2199"),
        ("99999999999-01-01", 1, "number 99999999999 is too large"),
        ("*-*~01-01", 7, "unexpected '-' after the day (expected a space before the time)"),
        ("*~01~01", 5, "'~' may only separate the month and the day"),
        ("2026-01-01-01", 11, "unexpected '-' after the day (expected a space before the time)"),
        ("2026/01/01", 8, "unexpected '/'"),
        ("*-*-* 12.5:00", 9, "unexpected '.'"),
        ("12:00,", 7, "expected a number or '*', found end of expression"),
        (",12:00", 1, "expected a number or '*', found ','"),
        ("*-*-* 12:00 CEST", 13, "unknown time zone 'CEST' (no such zone in /usr/share/zoneinfo)"),
        (" UTC", 1, "nothing before the time zone"),
        ("Mon..Fri*-*-*", 9, "unexpected '*' after weekday 'Fri'"),
        ("*-02~3..1/2", 9, "range 3..1/2 ends before it starts"),
        ("*-*-* 12:00 Europe//Berlin", 13, "unknown time zone 'Europe//Berlin' (no such zone in /usr/share/zoneinfo)"),
        ("*-*-* 12:00 Europe", 13, "unknown time zone 'Europe' (no such zone in /usr/share/zoneinfo)"),
        ("Mon..Fri *-*-* 9:00 europe/berlin", 21, "unknown time zone 'europe/berlin' (no such zone in /usr/share/zoneinfo)"),
    ]

    func testErrors() {
        XCTAssertGreaterThanOrEqual(CalendarSpecTests.errors.count, 20)
        for (expression, column, reason) in CalendarSpecTests.errors {
            do {
                let spec = try CalendarSpec.parse(expression)
                XCTFail("'\(expression)' should not parse, got '\(spec.normalized)'")
            } catch {
                XCTAssertEqual(error.expression, expression)
                XCTAssertEqual(error.column, column, "column for '\(expression)': \(error)")
                XCTAssertEqual(error.reason, reason, "reason for '\(expression)'")
            }
        }
    }

    func testErrorDescriptionSaysWhereAndWhat() {
        XCTAssertThrowsError(try CalendarSpec.parse("Mon..Fri *-*-* 25:00")) { error in
            XCTAssertEqual("\(error)", "Mon..Fri *-*-* 25:00: column 16: hour 25 is out of range (0-23)")
        }
    }

    func testListLengthLimit() throws {
        let allowed = "*-*-" + Array(repeating: "1", count: 241).joined(separator: ",")
        XCTAssertEqual(try CalendarSpec.parse(allowed).normalized, "*-*-01 00:00:00")
        let tooMany = "*-*-" + Array(repeating: "1", count: 242).joined(separator: ",")
        XCTAssertThrowsError(try CalendarSpec.parse(tooMany)) { error in
            XCTAssertEqual((error as? CalendarParseError)?.column, 487)
            XCTAssertEqual((error as? CalendarParseError)?.reason, "too many list elements (at most 241)")
        }
    }

    func testColumnsCountCharactersNotBytes() {
        XCTAssertThrowsError(try CalendarSpec.parse("Mon 12:0ü")) { error in
            XCTAssertEqual((error as? CalendarParseError)?.column, 9)
            XCTAssertEqual((error as? CalendarParseError)?.reason, "unexpected 'ü'")
        }
        XCTAssertThrowsError(try CalendarSpec.parse("12:0\u{0}0")) { error in
            XCTAssertEqual((error as? CalendarParseError)?.reason, "contains a NUL character")
        }
    }

    // MARK: - Next elapse

    enum Ending { case elapses, never, gaveUp }

    /// (TZ, expression, base, successive elapses, how the sequence ends). The DST days of 2026:
    /// New York Mar 8 (02:00->03:00) and Nov 1 (02:00->01:00); Berlin Mar 29 (02:00->03:00) and
    /// Oct 25 (03:00->02:00); Lord Howe Apr 5 (02:00->01:30) and Oct 4 (02:00->02:30); Chatham
    /// Apr 5 (03:45->02:45) and Sep 27 (02:45->03:45); Kolkata and UTC have none.
    /// What systemd does there (each visible in the rows):
    /// - a wall time inside a gap is skipped, not moved: "*-*-* 02:30" has no elapse on the New York
    ///   and Berlin spring days, nor "02:15" in Lord Howe's half-hour gap;
    /// - when the gap swallows the start of an hour, the existing rest of that hour is skipped too:
    ///   Chatham's "03:50" does not fire on Sep 27 although 03:50 exists (the gap is 02:45-03:45);
    /// - inside Chatham's 45-minute gap, "02:50" makes systemd's search loop until its safety valve:
    ///   systemd reports an error, `next` returns nil (`.gaveUp`);
    /// - a repeated wall time (overlap) fires once, at its first instant, and the rest of the repeated
    ///   hour is skipped: "*:30" in New York gives 01:30 EDT but not 01:30 EST.
    static let nextElapses: [(String, String, String, [String], Ending)] = [
        ("America/New_York", "*-*-* 02:30", "2026-03-07T12:00:00Z", ["2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z", "2026-03-11T06:30:00Z"], .elapses),
        ("America/New_York", "*:30", "2026-03-08T05:00:00Z", ["2026-03-08T05:30:00Z", "2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z", "2026-03-08T08:30:00Z"], .elapses),
        ("America/New_York", "*:0/20", "2026-03-08T06:30:00Z", ["2026-03-08T06:40:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:20:00Z", "2026-03-08T07:40:00Z"], .elapses),
        ("America/New_York", "Sun *-*-* 02:00", "2026-03-01T00:00:00Z", ["2026-03-01T07:00:00Z", "2026-03-15T06:00:00Z", "2026-03-22T06:00:00Z"], .elapses),
        ("America/New_York", "*-*-* 01:30", "2026-10-31T12:00:00Z", ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z", "2026-11-03T06:30:00Z"], .elapses),
        ("America/New_York", "*:30", "2026-11-01T04:00:00Z", ["2026-11-01T04:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T07:30:00Z", "2026-11-01T08:30:00Z"], .elapses),
        ("America/New_York", "*:0/20", "2026-11-01T05:10:00Z", ["2026-11-01T05:20:00Z", "2026-11-01T05:40:00Z", "2026-11-01T07:00:00Z", "2026-11-01T07:20:00Z", "2026-11-01T07:40:00Z"], .elapses),
        ("America/New_York", "hourly", "2026-11-01T04:30:00Z", ["2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z", "2026-11-01T09:00:00Z"], .elapses),
        ("America/New_York", "Mon..Fri 09:00", "2026-10-30T14:00:00Z", ["2026-11-02T14:00:00Z", "2026-11-03T14:00:00Z", "2026-11-04T14:00:00Z"], .elapses),
        ("Europe/Berlin", "*-*-* 02:30", "2026-03-28T12:00:00Z", ["2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z", "2026-04-01T00:30:00Z"], .elapses),
        ("Europe/Berlin", "*:15", "2026-03-29T00:00:00Z", ["2026-03-29T00:15:00Z", "2026-03-29T01:15:00Z", "2026-03-29T02:15:00Z", "2026-03-29T03:15:00Z"], .elapses),
        ("Europe/Berlin", "*-*-* 02,03:00", "2026-03-28T12:00:00Z", ["2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z", "2026-03-30T01:00:00Z", "2026-03-31T00:00:00Z"], .elapses),
        ("Europe/Berlin", "*-*-* 02:30", "2026-10-24T12:00:00Z", ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z"], .elapses),
        ("Europe/Berlin", "*:15", "2026-10-25T00:00:00Z", ["2026-10-25T00:15:00Z", "2026-10-25T02:15:00Z", "2026-10-25T03:15:00Z", "2026-10-25T04:15:00Z"], .elapses),
        ("Europe/Berlin", "*:0/30", "2026-10-25T00:10:00Z", ["2026-10-25T00:30:00Z", "2026-10-25T02:00:00Z", "2026-10-25T02:30:00Z", "2026-10-25T03:00:00Z", "2026-10-25T03:30:00Z"], .elapses),
        ("Europe/Berlin", "daily", "2026-03-28T12:00:00Z", ["2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", "2026-03-30T22:00:00Z"], .elapses),
        ("Europe/Berlin", "*-*-* 02:30:00 UTC", "2026-03-28T12:00:00Z", ["2026-03-29T02:30:00Z", "2026-03-30T02:30:00Z"], .elapses),
        ("Australia/Lord_Howe", "*-*-* 01:45", "2026-04-04T12:00:00Z", ["2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z", "2026-04-06T15:15:00Z"], .elapses),
        ("Australia/Lord_Howe", "*:15,45", "2026-04-04T13:00:00Z", ["2026-04-04T13:15:00Z", "2026-04-04T13:45:00Z", "2026-04-04T14:15:00Z", "2026-04-04T14:45:00Z", "2026-04-04T15:45:00Z"], .elapses),
        ("Australia/Lord_Howe", "*-*-* 02:15", "2026-10-03T12:00:00Z", ["2026-10-04T15:15:00Z", "2026-10-05T15:15:00Z", "2026-10-06T15:15:00Z"], .elapses),
        ("Australia/Lord_Howe", "*:0/10", "2026-10-03T15:10:00Z", ["2026-10-03T15:20:00Z", "2026-10-03T15:30:00Z", "2026-10-03T15:40:00Z", "2026-10-03T15:50:00Z", "2026-10-03T16:00:00Z"], .elapses),
        ("Australia/Lord_Howe", "Sun *-*-* 02:00", "2026-09-27T00:00:00Z", ["2026-10-10T15:00:00Z", "2026-10-17T15:00:00Z", "2026-10-24T15:00:00Z"], .elapses),
        ("Asia/Kolkata", "daily", "2026-03-29T00:00:00Z", ["2026-03-29T18:30:00Z", "2026-03-30T18:30:00Z", "2026-03-31T18:30:00Z"], .elapses),
        ("Asia/Kolkata", "*:0/45", "2026-06-01T00:00:00Z", ["2026-06-01T00:15:00Z", "2026-06-01T00:30:00Z", "2026-06-01T01:15:00Z", "2026-06-01T01:30:00Z"], .elapses),
        ("Asia/Kolkata", "Mon..Fri 09:30", "2026-07-03T00:00:00Z", ["2026-07-03T04:00:00Z", "2026-07-06T04:00:00Z", "2026-07-07T04:00:00Z"], .elapses),
        ("Asia/Kolkata", "*-*~1 23:59:59.5", "2026-01-15T00:00:00Z", ["2026-01-31T18:29:59.5Z", "2026-02-28T18:29:59.5Z", "2026-03-31T18:29:59.5Z", "2026-04-30T18:29:59.5Z"], .elapses),
        ("Asia/Kolkata", "*-*-* 05:30 UTC", "2026-01-01T00:00:00Z", ["2026-01-01T05:30:00Z", "2026-01-02T05:30:00Z"], .elapses),
        ("Pacific/Chatham", "*-*-* 03:00", "2026-04-04T12:00:00Z", ["2026-04-04T13:15:00Z", "2026-04-05T14:15:00Z", "2026-04-06T14:15:00Z"], .elapses),
        ("Pacific/Chatham", "*:15,45", "2026-04-04T13:30:00Z", ["2026-04-04T15:00:00Z", "2026-04-04T15:30:00Z", "2026-04-04T16:00:00Z", "2026-04-04T16:30:00Z", "2026-04-04T17:00:00Z"], .elapses),
        ("Pacific/Chatham", "*-*-* 02:50", "2026-09-26T00:00:00Z", [], .gaveUp),
        ("Pacific/Chatham", "*-*-* 03:50", "2026-09-26T00:00:00Z", ["2026-09-27T14:05:00Z", "2026-09-28T14:05:00Z", "2026-09-29T14:05:00Z"], .elapses),
        ("Pacific/Chatham", "*:0/30", "2026-09-26T13:10:00Z", ["2026-09-26T13:15:00Z", "2026-09-26T13:45:00Z", "2026-09-26T14:15:00Z", "2026-09-26T14:45:00Z"], .elapses),
        ("UTC", "*:*:0/1.5", "2026-01-01T00:00:00.25Z", ["2026-01-01T00:00:01.5Z", "2026-01-01T00:00:03Z", "2026-01-01T00:00:04.5Z", "2026-01-01T00:00:06Z"], .elapses),
        ("UTC", "*-02-29", "2026-01-01T00:00:00Z", ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z"], .elapses),
        ("UTC", "Mon *-02-29", "2026-01-01T00:00:00Z", ["2044-02-29T00:00:00Z", "2072-02-29T00:00:00Z"], .elapses),
        ("UTC", "2026-02-30", "2026-01-01T00:00:00Z", [], .never),
        ("UTC", "*-*~1", "2026-01-31T00:00:00Z", ["2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z", "2026-05-31T00:00:00Z"], .elapses),
        ("UTC", "*:*:59.9", "2026-01-01T00:00:59.95Z", ["2026-01-01T00:01:59.9Z", "2026-01-01T00:02:59.9Z", "2026-01-01T00:03:59.9Z"], .elapses),
        ("UTC", "@1800000000", "2026-01-01T00:00:00Z", ["2027-01-15T08:00:00Z"], .elapses),
        ("UTC", "quarterly", "2026-02-11T00:00:00Z", ["2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z"], .elapses),
        ("UTC", "*-*-* 12:00 Europe/Berlin", "2026-03-28T00:00:00Z", ["2026-03-28T11:00:00Z", "2026-03-29T10:00:00Z", "2026-03-30T10:00:00Z"], .elapses),
        ("UTC", "*-*-* 02:30 America/New_York", "2026-03-07T00:00:00Z", ["2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"], .elapses),
        ("UTC", "2026..2028/2-*~01 00:00:00.000001", "2026-12-01T00:00:00Z", ["2026-12-31T00:00:00.000001Z", "2028-01-31T00:00:00.000001Z", "2028-02-29T00:00:00.000001Z"], .elapses),
    ]

    func testNextElapseTables() throws {
        for (zoneName, expression, base, expected, ending) in CalendarSpecTests.nextElapses {
            let spec = try CalendarSpec.parse(expression)
            let z = zone(zoneName)
            var t = micros(base)
            var got: [String] = []
            var end = Ending.elapses
            for _ in 0..<expected.count + (ending == .elapses ? 0 : 1) {
                switch spec.outcome(afterMicroseconds: t, in: z) {
                case .elapse(let next):
                    got.append(iso(next))
                    t = next
                    continue
                case .never: end = .never
                case .gaveUp: end = .gaveUp
                }
                break
            }
            XCTAssertEqual(got, expected, "TZ=\(zoneName) '\(expression)' after \(base)")
            XCTAssertEqual(end, ending, "TZ=\(zoneName) '\(expression)' after \(base)")
        }
    }

    func testEveryZoneOfTheTablesHasItsDSTDaysCovered() {
        let days = ["America/New_York": ["2026-03-08", "2026-11-01"], "Europe/Berlin": ["2026-03-29", "2026-10-25"],
                    "Australia/Lord_Howe": ["2026-04-05", "2026-10-04"], "Pacific/Chatham": ["2026-04-05", "2026-09-27"]]
        for (zoneName, dates) in days {
            let z = zone(zoneName)
            for date in dates {
                let covered = CalendarSpecTests.nextElapses.contains { row in
                    row.0 == zoneName && row.3.contains { z.civil(CalendarSpec.date(microseconds: micros($0))).date.description == date }
                }
                XCTAssertTrue(covered, "\(zoneName) \(date)")
            }
        }
        for zoneName in ["Asia/Kolkata", "UTC"] {
            XCTAssertTrue(CalendarSpecTests.nextElapses.contains { $0.0 == zoneName })
        }
    }

    func testNextIsStrictlyAfterAndUsesDates() throws {
        let spec = try CalendarSpec.parse("*-*-* 09:00")
        let berlin = zone("Europe/Berlin")
        let nine = CalendarSpec.date(microseconds: micros("2026-06-01T07:00:00Z"))
        XCTAssertEqual(spec.next(after: nine, in: berlin), CalendarSpec.date(microseconds: micros("2026-06-02T07:00:00Z")))
        let justBefore = CalendarSpec.date(microseconds: micros("2026-06-01T06:59:59.999999Z"))
        XCTAssertEqual(spec.next(after: justBefore, in: berlin), nine)
    }

    func testOwnZoneWinsOverTheCallersZone() throws {
        let spec = try CalendarSpec.parse("*-*-* 12:00 Asia/Kolkata")
        let after = CalendarSpec.date(microseconds: micros("2026-01-01T00:00:00Z"))
        let expected = CalendarSpec.date(microseconds: micros("2026-01-01T06:30:00Z"))
        for other in ["UTC", "America/New_York", "Pacific/Chatham"] {
            XCTAssertEqual(spec.next(after: after, in: zone(other)), expected)
        }
        let utc = try CalendarSpec.parse("*-*-* 12:00 UTC")
        XCTAssertEqual(utc.next(after: after, in: zone("Asia/Kolkata")), CalendarSpec.date(microseconds: micros("2026-01-01T12:00:00Z")))
    }

    func testNoElapseAfterTheLastYear() throws {
        let spec = try CalendarSpec.parse("2199-12-31 23:59:59")
        let before = CalendarSpec.date(microseconds: micros("2199-12-31T23:59:58Z"))
        XCTAssertEqual(spec.next(after: before, in: .utc), CalendarSpec.date(microseconds: micros("2199-12-31T23:59:59Z")))
        XCTAssertNil(spec.next(after: CalendarSpec.date(microseconds: micros("2199-12-31T23:59:59Z")), in: .utc))
    }

    func testMicrosecondConversionIsExact() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let us = Int64.random(in: -7_573_968_000_000_000...9_435_484_800_000_000, using: &rng)   // 1730...2269
            XCTAssertEqual(CalendarSpec.microseconds(CalendarSpec.date(microseconds: us)), us)
        }
    }
}
