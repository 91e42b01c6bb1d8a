// The period a reading command looks at: `--since` and `--until` values turned into instants.
// Pure: `now` and the zone are parameters.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why a `--since`/`--until` value was refused. `description` is the sentence to show: the option,
/// the value, what is wrong with it and what is accepted.
public struct TimeRangeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// "--since" or "--until" ("--since" for a period that ends before it starts).
    public var option: String
    /// The value as given; nil when the error is about the two values together.
    public var text: String?
    public var reason: String

    public init(option: String, text: String?, reason: String) {
        self.option = option
        self.text = text
        self.reason = reason
    }

    public var description: String {
        text.map { "\(option) \(JSONText.quote($0)) \(reason)" } ?? reason
    }
}

/// A half-open period [since, until); a nil bound is open.
public struct TimeRange: Sendable, Equatable {
    public var since: Date?
    public var until: Date?

    public init(since: Date?, until: Date?) {
        self.since = since
        self.until = until
    }

    /// What is accepted, for messages and help texts.
    public static let acceptedForms =
        "YYYY-MM-DD (local midnight), YYYY-MM-DDTHH:MM[:SS] or \"YYYY-MM-DD HH:MM[:SS]\" (local time), "
        + "today, yesterday, now, or a duration before now such as 7d, 12h, 30m, 2w, 1h30m"

    /// Resolves both bounds and checks that `since` comes before `until`.
    public static func resolve(since: String?, until: String?, now: Date, zone: Zone) throws(TimeRangeError) -> TimeRange {
        let start = try since.map { (s) throws(TimeRangeError) in try parse(s, option: "--since", now: now, zone: zone) }
        let end = try until.map { (s) throws(TimeRangeError) in try parse(s, option: "--until", now: now, zone: zone) }
        if let start, let end, start >= end {
            let a = describe(start, zone: zone), b = describe(end, zone: zone)
            let relation = start == end ? "is the same time as" : "is after"
            throw TimeRangeError(option: "--since", text: nil,
                                 reason: "--since \(JSONText.quote(since ?? "")) (\(a)) \(relation) --until "
                                     + "\(JSONText.quote(until ?? "")) (\(b)); nothing can be recorded in that period")
        }
        return TimeRange(since: start, until: end)
    }

    /// "2026-03-10 00:00:00" in `zone`.
    public static func describe(_ date: Date, zone: Zone) -> String {
        let c = zone.civil(date)
        return "\(c.date) \(LocalFormat.two(c.hour)):\(LocalFormat.two(c.minute)):\(LocalFormat.two(c.second))"
    }

    /// One value: a date, a local date and time, a word, or a duration before `now`.
    public static func parse(_ raw: String, option: String, now: Date, zone: Zone) throws(TimeRangeError) -> Date {
        let text = raw.trimmedASCII
        let lower = text.lowercased()
        func midnight(_ d: CivilDate) -> Date { zone.date(CivilDateTime(date: d, hour: 0, minute: 0)) }
        switch lower {
        case "now": return now
        case "today": return midnight(zone.civil(now).date)
        case "yesterday": return midnight(zone.civil(now).date.adding(days: -1))
        default: break
        }
        let chars = Array(text)
        if chars.count >= 5, chars[0...3].allSatisfy(\.isASCIIDigit), chars[4] == "-" {
            let local = try parseLocal(text, option: option)
            return zone.date(local)
        }
        if let seconds = duration(lower) {
            return now.addingTimeInterval(-TimeInterval(seconds))
        }
        throw TimeRangeError(option: option, text: raw, reason: "is not a date or a duration; expected \(acceptedForms)")
    }

    /// Seconds of a duration such as "7d", "2w", "1h30m" (DurationText, plus weeks: "2w" is 14d).
    static func duration(_ text: String) -> Int? {
        guard let first = text.first, first.isASCIIDigit else { return nil }
        var rewritten = ""
        var number = ""
        for ch in text {
            if ch.isASCIIDigit {
                number.append(ch)
            } else if ch == "w" {
                guard let n = Int(number), n <= 100_000 else { return nil }
                rewritten += "\(n * 7)d"
                number = ""
            } else {
                rewritten += number
                rewritten.append(ch)
                number = ""
            }
        }
        rewritten += number
        return DurationText.parse(rewritten, allowZero: true)
    }

    /// "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" or with a space, with a reason for each field out of range.
    static func parseLocal(_ text: String, option: String) throws(TimeRangeError) -> CivilDateTime {
        func fail(_ reason: String) -> TimeRangeError { TimeRangeError(option: option, text: text, reason: reason) }
        let pieces = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == " " || $0 == "T" || $0 == "t" })
        guard pieces.count <= 2 else {
            throw fail("is not a date; expected YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS")
        }
        let dateFields = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
        guard dateFields.count == 3, dateFields[0].count == 4, dateFields[1].count == 2, dateFields[2].count == 2,
              dateFields.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let y = Int(dateFields[0]), let m = Int(dateFields[1]), let d = Int(dateFields[2]) else {
            throw fail("is not a date; expected YYYY-MM-DD (four-digit year, two-digit month and day)")
        }
        var problems: [String] = []
        if !(1...12).contains(m) {
            problems.append("month \(m) is out of range (01-12)")
            if !(1...31).contains(d) { problems.append("day \(d) is out of range (01-31)") }
        } else {
            let days = CivilDate.daysInMonth(year: y, month: m)
            if !(1...days).contains(d) {
                problems.append("day \(d) is out of range (\(pieces[0].prefix(7)) has \(days) days)")
            }
        }
        var hour = 0, minute = 0, second = 0
        if pieces.count == 2 {
            let fields = pieces[1].split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(fields.count), fields.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }) else {
                throw fail("has no valid time of day; expected HH:MM or HH:MM:SS after the date")
            }
            hour = Int(fields[0]) ?? 0
            minute = Int(fields[1]) ?? 0
            second = fields.count == 3 ? Int(fields[2]) ?? 0 : 0
            if hour > 23 { problems.append("hour \(hour) is out of range (00-23)") }
            if minute > 59 { problems.append("minute \(minute) is out of range (00-59)") }
            if second > 59 { problems.append("second \(second) is out of range (00-59)") }
        }
        guard problems.isEmpty else { throw fail("is not a valid date: " + problems.joined(separator: ", ")) }
        return CivilDateTime(year: y, month: m, day: d, hour: hour, minute: minute, second: second)
    }
}
