// Value types shared by the config, the schedule engine, the store and the daemon.
// Pure data: nothing here reads the clock, the environment or the global time zone.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A wall-clock time of day, minute precision ("09:30").
public struct LocalTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var hour: Int
    public var minute: Int

    public init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    /// Minutes since midnight (0..<1440; 1440 is allowed for the "24:00" end of a window).
    public var minuteOfDay: Int { hour * 60 + minute }

    public init(minuteOfDay: Int) {
        self.init(hour: minuteOfDay / 60, minute: minuteOfDay % 60)
    }

    /// Parses "HH:MM" (00:00 ... 23:59). `allowEndOfDay` also accepts "24:00".
    public static func parse(_ text: String, allowEndOfDay: Bool = false) -> LocalTime? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              parts[0].allSatisfy(\.isASCIIDigit), parts[1].allSatisfy(\.isASCIIDigit),
              let h = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        if allowEndOfDay, h == 24, m == 0 { return LocalTime(hour: 24, minute: 0) }
        guard (0...23).contains(h), (0...59).contains(m) else { return nil }
        return LocalTime(hour: h, minute: m)
    }

    public static func < (a: LocalTime, b: LocalTime) -> Bool { a.minuteOfDay < b.minuteOfDay }

    public var description: String {
        let h = hour < 10 ? "0\(hour)" : "\(hour)"
        let m = minute < 10 ? "0\(minute)" : "\(minute)"
        return "\(h):\(m)"
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (FoundationEssentials has no CharacterSet).
    public var trimmedASCII: String {
        var sub = Substring(self)
        while let f = sub.first, f == " " || f == "\t" { sub.removeFirst() }
        while let l = sub.last, l == " " || l == "\t" { sub.removeLast() }
        return String(sub)
    }
}

/// A window of the day, "09:00-18:00". `end <= start` means the window crosses midnight
/// (e.g. quiet hours "22:00-07:00"); reminders' `between` windows reject that unless written
/// with a trailing "+1" day marker ("22:00-02:00+1"), so a swapped window is not silently accepted.
public struct TimeWindow: Hashable, Sendable, CustomStringConvertible {
    public var start: LocalTime
    public var end: LocalTime   // exclusive; may be 24:00

    public init(start: LocalTime, end: LocalTime) {
        self.start = start
        self.end = end
    }

    public var crossesMidnight: Bool { end.minuteOfDay <= start.minuteOfDay }

    /// Whether a minute-of-day lies in the window (start inclusive, end exclusive).
    public func contains(minuteOfDay m: Int) -> Bool {
        if crossesMidnight { return m >= start.minuteOfDay || m < end.minuteOfDay }
        return m >= start.minuteOfDay && m < end.minuteOfDay
    }

    public var description: String {
        crossesMidnight && end.minuteOfDay != 0 ? "\(start)-\(end)+1" : "\(start)-\(end)"
    }
}

/// Days of the week as a bit set. Monday = 1 ... Sunday = 7 (ISO 8601 numbering).
public struct Weekdays: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    public static let all = Weekdays(rawValue: 0x7F)
    public static let workdays = Weekdays(rawValue: 0x1F)

    /// `isoWeekday`: 1 = Monday ... 7 = Sunday.
    public init(isoWeekday: Int) { self.init(rawValue: 1 << UInt8(isoWeekday - 1)) }

    public func contains(isoWeekday: Int) -> Bool { contains(Weekdays(isoWeekday: isoWeekday)) }

    /// Parses "mon..fri", "mon,wed,fri", "sat..sun", "mon..wed,fri" (case-insensitive; full names too).
    public static func parse(_ text: String) -> Weekdays? {
        var result = Weekdays()
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
        for item in items {
            let trimmed = item.trimmedASCII.lowercased()
            let ends = trimmed.split(separator: ".", omittingEmptySubsequences: false)
            if ends.count == 3, ends[1].isEmpty {   // "mon..fri"
                guard let a = day(String(ends[0])), let b = day(String(ends[2])), a <= b else { return nil }
                for d in a...b { result.insert(Weekdays(isoWeekday: d)) }
            } else {
                guard let d = day(trimmed) else { return nil }
                result.insert(Weekdays(isoWeekday: d))
            }
        }
        return result.isEmpty ? nil : result
    }

    private static let fullNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    static func day(_ s: String) -> Int? {
        if let i = names.firstIndex(of: s) { return i + 1 }
        if let i = fullNames.firstIndex(of: s) { return i + 1 }
        return nil
    }

    public var description: String {
        if self == .all { return "mon..sun" }
        var parts: [String] = []
        var d = 1
        while d <= 7 {
            guard contains(isoWeekday: d) else { d += 1; continue }
            var e = d
            while e < 7, contains(isoWeekday: e + 1) { e += 1 }
            parts.append(e - d >= 2 ? "\(Weekdays.names[d - 1])..\(Weekdays.names[e - 1])"
                         : (d...e).map { Weekdays.names[$0 - 1] }.joined(separator: ","))
            d = e + 1
        }
        return parts.joined(separator: ",")
    }
}

/// Parses human durations: "50m", "1h30m", "90s", "2h", "1d". Whole seconds, > 0
/// (`allowZero` also accepts "0s", "0m", ... for settings where 0 means "none").
public enum DurationText {
    public static func parse(_ text: String, allowZero: Bool = false) -> Int? {
        let s = text.trimmedASCII.lowercased()
        guard !s.isEmpty else { return nil }
        var total = 0
        var number = ""
        var sawUnit = false
        for ch in s {
            if ch.isASCIIDigit {
                number.append(ch)
            } else {
                let unit: Int
                switch ch {
                case "s": unit = 1
                case "m": unit = 60
                case "h": unit = 3600
                case "d": unit = 86400
                case " ": continue
                default: return nil
                }
                guard let n = Int(number), n <= 1_000_000 else { return nil }
                total += n * unit
                number = ""
                sawUnit = true
            }
        }
        guard number.isEmpty, sawUnit, total > 0 || allowZero else { return nil }
        return total
    }

    /// Formats seconds the way `parse` reads them: 3000 -> "50m", 5400 -> "1h30m".
    public static func format(_ seconds: Int) -> String {
        if seconds <= 0 { return "0s" }
        var rest = seconds
        var out = ""
        for (unit, name) in [(86400, "d"), (3600, "h"), (60, "m"), (1, "s")] where rest >= unit {
            out += "\(rest / unit)\(name)"
            rest %= unit
        }
        return out
    }
}

/// When a reminder fires: exactly one kind per reminder (a calendar-expression kind is planned;
/// code that switches over this enum should expect more cases).
public enum ScheduleSpec: Hashable, Sendable {
    /// Fixed times of day on the given days.
    case at(times: [LocalTime], days: Weekdays)
    /// Every `interval` seconds inside `window` on the given days, first at the window's start.
    case every(interval: Int, window: TimeWindow, days: Weekdays)
    /// Experience sampling: `count` times a day at random whole minutes inside `window` on the given
    /// days, one per equal share ("stratum") of the window, at least `minGap` seconds apart (a whole
    /// number of minutes; 0 = only distinct minutes). The times are a pure function of
    /// (`seed`, `reminderID`, the day the window starts on); see RandomSchedule.swift.
    /// `seed` nil means "the install's seed": the daemon fills it with `withDefaultSeed(_:)`
    /// (until then nil draws as seed 0). `reminderID` is the owning reminder's id (the config
    /// loader sets it), so two reminders with the same settings and seed get different times.
    case random(count: Int, window: TimeWindow, minGap: Int, days: Weekdays, seed: UInt64?, reminderID: String)
    /// systemd calendar expressions (systemd.time(7)); fires at the earliest next elapse of any.
    case calendar([CalendarSpec])
}
