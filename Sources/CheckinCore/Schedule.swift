// The schedule engine: when a `ScheduleSpec` fires, as pure functions of "after" and a zone.
//
// Occurrences are wall-clock times. Each day the spec is active contributes a list of local times
// ("day instance"; an `every` window that crosses midnight belongs to the day it starts on). A local
// time in a DST gap fires at `zone.date(local)` (moved forward by the gap), one in an overlap fires
// once at the earlier instant, and occurrences whose actual local minute falls in quiet hours are
// dropped, not deferred. Equal instants collapse into one. A `random` day instance is drawn in
// RandomSchedule.swift and then follows exactly these rules.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ScheduleSpec {
    /// How many days past the day of `after` `next(after:)` looks before giving up.
    static let searchDays = 8

    /// The first occurrence strictly after `after`, or nil when none exists within about 8 days
    /// (no active weekday, or every occurrence inside quiet hours).
    public func next(after: Date, in zone: Zone, quietHours: [TimeWindow] = []) -> Date? {
        if case .calendar(let specs) = self { return Self.calendarNext(specs, after: after, in: zone, quietHours: quietHours) }
        let a = Zone.seconds(after)
        let firstDay = zone.civil(after).date.adding(days: -1)
        let lastDay = firstDay.adding(days: ScheduleSpec.searchDays + 2)
        let bounds = zone.offsetBounds(from: a - 2 * 86400, through: a + (ScheduleSpec.searchDays + 4) * 86400)
        var best: Int?
        scan: for dayNumber in firstDay.daysSinceEpoch...lastDay.daysSinceEpoch {
            for local in localSeconds(onDay: dayNumber) {
                // instant(local) lies within [local - max, local - min] of the offsets around.
                if let best, local - bounds.max > best { break scan }
                if local - bounds.min <= a { continue }
                let t = zone.instant(localSeconds: local)
                guard t > a, t < (best ?? Int.max), !zone.isQuiet(t, quietHours) else { continue }
                best = t
            }
        }
        return best.map { Date(timeIntervalSince1970: Double($0)) }
    }

    /// All occurrences in `(from, through]`, ascending, without duplicates.
    public func occurrences(from: Date, through: Date, in zone: Zone, quietHours: [TimeWindow] = []) -> [Date] {
        let a = Zone.seconds(from), b = Zone.seconds(through)
        guard a < b else { return [] }
        if case .calendar = self {
            var result: [Date] = []
            var cursor = from
            while result.count < Self.calendarOccurrenceLimit, let t = next(after: cursor, in: zone, quietHours: quietHours), t <= through {
                result.append(t)
                cursor = t
            }
            return result
        }
        let firstDay = zone.civil(from).date.adding(days: -1).daysSinceEpoch
        let lastDay = zone.civil(through).date.adding(days: 1).daysSinceEpoch
        let bounds = zone.offsetBounds(from: a - 2 * 86400, through: b + 2 * 86400)
        var found: [Int] = []
        scan: for dayNumber in firstDay...lastDay {
            for local in localSeconds(onDay: dayNumber) {
                if local - bounds.max > b { break scan }
                if local - bounds.min <= a { continue }
                let t = zone.instant(localSeconds: local)
                if t > a, t <= b, !zone.isQuiet(t, quietHours) { found.append(t) }
            }
        }
        found.sort()
        var result: [Date] = []
        result.reserveCapacity(found.count)
        var previous: Int?
        for t in found where t != previous {
            result.append(Date(timeIntervalSince1970: Double(t)))
            previous = t
        }
        return result
    }

    /// For `.every` and `.random`: the window instance (start inclusive, end exclusive) that
    /// contains `date`, nil outside every window and always nil for `.at`. Window ends in a DST gap
    /// move forward like occurrences do.
    public func window(containing date: Date, in zone: Zone) -> (start: Date, end: Date)? {
        let window: TimeWindow, days: Weekdays
        switch self {
        case .at, .calendar: return nil
        case .every(_, let w, let d): (window, days) = (w, d)
        case .random(_, let w, _, let d, _, _): (window, days) = (w, d)
        }
        let t = Zone.seconds(date)
        let today = zone.civil(date).date
        let bounds = ScheduleSpec.windowBounds(window)
        for day in [today.adding(days: -1), today] where days.contains(isoWeekday: day.isoWeekday) {
            let base = day.daysSinceEpoch * 86400
            let start = zone.instant(localSeconds: base + bounds.start)
            let end = zone.instant(localSeconds: base + bounds.end)
            if start <= t, t < end {
                return (Date(timeIntervalSince1970: Double(start)), Date(timeIntervalSince1970: Double(end)))
            }
        }
        return nil
    }

    /// "at 10:00, 14:00, 19:00 (mon..sun)", "every 50m between 09:00-18:00 (mon..fri)",
    /// "5 random times between 09:00-21:00, at least 1h apart (mon..sun)".
    public var summary: String {
        switch self {
        case .at(let times, let days):
            return "at \(times.map(\.description).joined(separator: ", ")) (\(days))"
        case .every(let interval, let window, let days):
            return "every \(DurationText.format(interval)) between \(window) (\(days))"
        case .random(let count, let window, let minGap, let days, _, _):
            let gap = minGap > 0 ? ", at least \(DurationText.format(minGap)) apart" : ""
            return "\(count) random time\(count == 1 ? "" : "s") between \(window)\(gap) (\(days))"
        case .calendar(let specs):
            return "calendar " + specs.map(\.normalized).joined(separator: "; ")
        }
    }

    // MARK: - Day instances

    /// Window start and end in seconds after the start day's midnight (end may exceed 86400).
    static func windowBounds(_ window: TimeWindow) -> (start: Int, end: Int) {
        let start = window.start.minuteOfDay * 60
        let end = window.end.minuteOfDay * 60 + (window.crossesMidnight ? 86400 : 0)
        return (start, end)
    }

    /// The wall-clock times (seconds since the epoch, read as UTC) of the day instance that starts
    /// on day `dayNumber` (days since 1970-01-01), ascending; empty when the weekday is inactive.
    func localSeconds(onDay dayNumber: Int) -> [Int] {
        let day = CivilDate(daysSinceEpoch: dayNumber)
        let base = dayNumber * 86400
        switch self {
        case .at(let times, let days):
            guard days.contains(isoWeekday: day.isoWeekday) else { return [] }
            return Set(times.map(\.minuteOfDay)).sorted().map { base + $0 * 60 }
        case .every(let interval, let window, let days):
            guard interval > 0, days.contains(isoWeekday: day.isoWeekday) else { return [] }
            let bounds = ScheduleSpec.windowBounds(window)
            return Array(stride(from: base + bounds.start, to: base + bounds.end, by: interval))
        case .random(let count, let window, let minGap, let days, let seed, let reminderID):
            guard days.contains(isoWeekday: day.isoWeekday) else { return [] }
            let start = base + ScheduleSpec.windowBounds(window).start
            return ScheduleSpec.randomMinutes(count: count, window: window, minGap: minGap, seed: seed ?? 0,
                                              reminderID: reminderID, dayNumber: dayNumber).map { start + $0 * 60 }
        case .calendar:
            return []  // not day-based: next(after:) asks the expressions directly
        }
    }

    // MARK: - Calendar expressions

    /// At most this many occurrences are listed by `occurrences(from:through:)` for a calendar
    /// schedule (`minutely` over a week is 10,080), and quiet hours skip at most this many elapses.
    static let calendarOccurrenceLimit = 100_000

    /// The earliest elapse of any expression after `after`, skipping those in quiet hours.
    static func calendarNext(_ specs: [CalendarSpec], after: Date, in zone: Zone, quietHours: [TimeWindow]) -> Date? {
        var cursor = after
        for _ in 0..<calendarOccurrenceLimit {
            guard let t = specs.compactMap({ $0.next(after: cursor, in: zone) }).min() else { return nil }
            if !zone.isQuiet(Zone.seconds(t), quietHours) { return t }
            cursor = t
        }
        return nil
    }
}

extension Zone {
    /// The smallest and largest UTC offsets in effect at any instant in `[from, through]`.
    func offsetBounds(from: Int, through: Int) -> (min: Int, max: Int) {
        let first = localType(at: from).offset
        var bounds = (min: first, max: first)
        var t = from
        while let tr = nextTransition(after: t), tr.time <= through {
            bounds.min = Swift.min(bounds.min, tr.after.offset)
            bounds.max = Swift.max(bounds.max, tr.after.offset)
            t = tr.time
        }
        return bounds
    }

    /// Whether the local minute of instant `t` lies in one of the quiet-hours windows.
    func isQuiet(_ t: Int, _ quietHours: [TimeWindow]) -> Bool {
        guard !quietHours.isEmpty else { return false }
        let minute = CivilMath.floorMod(t + localType(at: t).offset, 86400) / 60
        return quietHours.contains { $0.contains(minuteOfDay: minute) }
    }
}
