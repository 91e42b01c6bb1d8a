// Calendar arithmetic on the proleptic Gregorian calendar, independent of any time zone.
// Days are counted from 1970-01-01 with Howard Hinnant's days_from_civil / civil_from_days
// (http://howardhinnant.github.io/date_algorithms.html), exact for every Int-sized year.

/// Integer helpers shared by Civil, Zone and Schedule (namespaced so they cannot clash).
enum CivilMath {
    /// Floor division (Swift's `/` truncates toward zero).
    @inline(__always) static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    @inline(__always) static func floorMod(_ a: Int, _ b: Int) -> Int {
        a - floorDiv(a, b) * b
    }

    /// Zero-pads a non-negative number to `width` digits.
    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// A calendar day without a time zone ("2026-03-29").
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int   // 1...12
    public var day: Int     // 1...31

    /// No validation: use `parse` or `isValid` for untrusted input.
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The day `days` after 1970-01-01 (negative: before it).
    public init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = CivilMath.floorDiv(z, 146_097)
        let doe = z - era * 146_097                                      // [0, 146096]
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365 // [0, 399]
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)                // [0, 365]
        let mp = (5 * doy + 2) / 153                                     // [0, 11], March-based
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = CivilMath.floorDiv(y, 400)
        let yoe = y - era * 400                                          // [0, 399]
        let mp = month > 2 ? month - 3 : month + 9                       // [0, 11]
        let doy = (153 * mp + 2) / 5 + day - 1                           // [0, 365]
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy                  // [0, 146096]
        return era * 146_097 + doe - 719_468
    }

    /// ISO 8601 weekday: 1 = Monday ... 7 = Sunday.
    public var isoWeekday: Int {
        // 1970-01-01 was a Thursday (4).
        CivilMath.floorMod(daysSinceEpoch + 3, 7) + 1
    }

    public func adding(days: Int) -> CivilDate {
        days == 0 ? self : CivilDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// Number of days in `month` (1...12) of `year`; 0 for an invalid month.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        case 2: return isLeapYear(year) ? 29 : 28
        default: return 0
        }
    }

    public var isValid: Bool {
        (1...12).contains(month) && day >= 1 && day <= CivilDate.daysInMonth(year: year, month: month)
    }

    /// Parses exactly "YYYY-MM-DD" and rejects days that do not exist ("2025-02-29").
    public static func parse(_ text: String) -> CivilDate? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        let date = CivilDate(year: y, month: m, day: d)
        return date.isValid ? date : nil
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public var description: String {
        let y = year < 0 ? "-" + CivilMath.pad(-year, 4) : CivilMath.pad(year, 4)
        return "\(y)-\(CivilMath.pad(month, 2))-\(CivilMath.pad(day, 2))"
    }
}

/// A wall-clock date and time without a time zone ("2026-03-29T02:30:00").
public struct CivilDateTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var date: CivilDate
    public var hour: Int     // 0...23
    public var minute: Int   // 0...59
    public var second: Int   // 0...59

    public init(date: CivilDate, hour: Int, minute: Int, second: Int = 0) {
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int = 0) {
        self.init(date: CivilDate(year: year, month: month, day: day), hour: hour, minute: minute, second: second)
    }

    /// The wall time `seconds` after 1970-01-01T00:00:00 (time-zone free, as if it were UTC).
    public init(secondsSinceEpoch seconds: Int) {
        let days = CivilMath.floorDiv(seconds, 86400)
        let rest = seconds - days * 86400
        self.init(date: CivilDate(daysSinceEpoch: days), hour: rest / 3600, minute: rest % 3600 / 60, second: rest % 60)
    }

    /// Seconds since 1970-01-01T00:00:00, reading this wall time as if it were UTC.
    /// Out-of-range fields are normalised arithmetically (hour 24 is the next midnight).
    public var secondsSinceEpoch: Int {
        date.daysSinceEpoch * 86400 + hour * 3600 + minute * 60 + second
    }

    /// Minutes since local midnight.
    public var minuteOfDay: Int { hour * 60 + minute }

    /// Parses "YYYY-MM-DD HH:MM", "YYYY-MM-DDTHH:MM" and the same with ":SS".
    public static func parse(_ text: String) -> CivilDateTime? {
        let pieces = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == " " || $0 == "T" })
        guard pieces.count == 2, let date = CivilDate.parse(String(pieces[0])) else { return nil }
        let fields = pieces[1].split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(fields.count), fields.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }),
              let h = Int(fields[0]), let m = Int(fields[1]), h < 24, m < 60 else { return nil }
        let s = fields.count == 3 ? Int(fields[2]) ?? 99 : 0
        guard s < 60 else { return nil }
        return CivilDateTime(date: date, hour: h, minute: m, second: s)
    }

    public static func < (a: CivilDateTime, b: CivilDateTime) -> Bool {
        (a.date, a.hour, a.minute, a.second) < (b.date, b.hour, b.minute, b.second)
    }

    public var description: String {
        "\(date)T\(CivilMath.pad(hour, 2)):\(CivilMath.pad(minute, 2)):\(CivilMath.pad(second, 2))"
    }
}
