// The next elapse of a calendar event, computed the way systemd 252 does it.
//
// systemd's find_next() walks a `struct tm` field by field (year, month, day, weekday, hour, minute,
// second) and after every step asks mktime() to normalise the fields; whenever normalisation moves
// the time (02:30 in a spring-forward gap becomes 03:30), the lower fields are reset and the search
// restarts from there, so a wall time in a gap is skipped and, because the search runs in wall-clock
// order, a repeated wall time fires once. Which instant mktime() picks for it, and what it makes of
// a gap, depends on glibc's algorithm, including its habit of starting each conversion from the UTC
// offset of the previous call. `LibcClock` re-creates localtime_r/gmtime_r, mktime and timegm
// (glibc 2.36, time/mktime.c) on top of `Zone`, with that offset cache, so the search below can stay
// a line-by-line port of systemd 252 as Debian 12 ships it (252.39).

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CalendarSpec {
    /// The first elapse strictly after `after`, or nil when there is none (before 2200). The
    /// expression's own zone (" UTC", " Europe/Berlin") wins over `zone`. Instants are handled with
    /// microsecond precision; dates before 1970 count as 1970-01-01T00:00:00Z minus 1 µs, because
    /// systemd's timestamps are unsigned.
    public func next(after: Date, in zone: Zone) -> Date? {
        next(afterMicroseconds: CalendarSpec.microseconds(after), in: zone).map(CalendarSpec.date(microseconds:))
    }

    /// `next(after:in:)` on microseconds since the epoch (exact; what systemd computes with).
    public func next(afterMicroseconds base: Int64, in zone: Zone) -> Int64? {
        if case .elapse(let t) = outcome(afterMicroseconds: base, in: zone) { return t }
        return nil
    }

    /// What systemd's calendar_spec_next_usec() ends with.
    enum Outcome: Hashable, Sendable {
        case elapse(Int64)
        /// -ENOENT: no elapse before 2200 (systemd-analyze: "Next elapse: never").
        case never
        /// -EDEADLK / -EINVAL: the search gave up (systemd-analyze: "Failed to determine next elapse").
        case gaveUp
    }

    func outcome(afterMicroseconds base: Int64, in zone: Zone) -> Outcome {
        var clock = LibcClock(zone: utc ? nil : (self.zone ?? zone))
        return nextUsec(Int(max(base, -1)), clock: &clock)
    }

    /// Microseconds since the epoch of a Date, rounded to the nearest microsecond. Exact for every
    /// Date made by `date(microseconds:)` between the years 1730 and 2270 (Date stores a Double
    /// interval since 2001; the product with 10^6 is rounded from its exact value via FMA).
    public static func microseconds(_ date: Date) -> Int64 {
        let x = date.timeIntervalSinceReferenceDate
        let p = x * 1_000_000
        guard p.isFinite, abs(p) < 4.0e18 else { return x > 0 ? Int64.max / 2 : Int64.min / 2 }
        let error = (-p).addingProduct(x, 1_000_000)   // x * 10^6 == p + error exactly
        let r = p.rounded()
        let residual = (p - r) + error
        var us = Int64(r)
        if residual > 0.5 { us += 1 } else if residual < -0.5 { us -= 1 }
        return us + 978_307_200_000_000
    }

    /// The Date of microseconds since the epoch (the Double nearest to it).
    public static func date(microseconds us: Int64) -> Date {
        Date(timeIntervalSinceReferenceDate: Double(us - 978_307_200_000_000) / 1_000_000)
    }

    // MARK: - calendar_spec_next_usec_impl

    /// systemd refuses base times it could not format (after 9999-12-30 23:59:59 UTC).
    static let formattableMax = 253_402_214_399_000_000

    func nextUsec(_ base: Int, clock: inout LibcClock) -> Outcome {
        if base > CalendarSpec.formattableMax { return .gaveUp }
        let usec = base + 1
        let second = CivilMath.floorDiv(usec, CalendarSpec.microsecondsPerSecond)
        var tm = clock.breakDown(second)
        var tmUsec = usec - second * CalendarSpec.microsecondsPerSecond
        switch findNext(&tm, &tmUsec, clock: &clock) {
        case .never: return .never
        case .gaveUp: return .gaveUp
        case .elapse: break
        }
        guard let t = clock.makeTime(&tm), t >= 0 else { return .gaveUp }
        return .elapse(Int64(t * CalendarSpec.microsecondsPerSecond + tmUsec))
    }

    // MARK: - find_next

    /// A safety valve, as in systemd: give up (no elapse) after this many restarts.
    static let maxIterations = 1000

    /// Outcome of tm_within_bounds(): the fields were already normal, normalisation moved them
    /// forward (the caller restarts from there), or the time is out of bounds / moved backwards.
    enum Bounds { case exact, moved, failed }

    /// find_next(): `.elapse` (the value is unused; the result is in `tm`/`usec`), `.never` or `.gaveUp`.
    func findNext(_ tm: inout LibcClock.TM, _ usec: inout Int, clock: inout LibcClock) -> Outcome {
        var c = tm
        var tmUsec = usec
        // Set once a match had to be pushed forward (see the end of the loop): from then on the
        // normalised isdst is kept instead of being reset to "unknown".
        var keepDST = false

        for _ in 0..<CalendarSpec.maxIterations {
            // Normalise the current date (isdst as it is: from localtime() at first).
            _ = clock.makeTime(&c)
            if !keepDST { c.isdst = -1 }

            var r: Int
            var value = c.year + 1900
            r = matchComponent(year, isDay: false, tm: c, value: &value, clock: &clock)
            c.year = value - 1900
            if r > 0 {
                c.mon = 0; c.mday = 1
                c.hour = 0; c.min = 0; c.sec = 0; tmUsec = 0
            }
            if r < 0 { return .never }
            if withinBounds(&c, clock: &clock) != .exact { return .never }

            value = c.mon + 1
            r = matchComponent(month, isDay: false, tm: c, value: &value, clock: &clock)
            c.mon = value - 1
            if r > 0 {
                c.mday = 1
                c.hour = 0; c.min = 0; c.sec = 0; tmUsec = 0
            }
            var bounds: Bounds = .exact
            if r >= 0 { bounds = withinBounds(&c, clock: &clock) }
            if r < 0 || bounds == .failed {
                c.year += 1; c.mon = 0; c.mday = 1
                c.hour = 0; c.min = 0; c.sec = 0; tmUsec = 0
                continue
            }
            if bounds == .moved { continue }

            value = c.mday
            r = matchComponent(day, isDay: true, tm: c, value: &value, clock: &clock)
            c.mday = value
            if r > 0 { c.hour = 0; c.min = 0; c.sec = 0; tmUsec = 0 }
            if r >= 0 { bounds = withinBounds(&c, clock: &clock) }
            if r < 0 || bounds == .failed {
                c.mon += 1; c.mday = 1
                c.hour = 0; c.min = 0; c.sec = 0; tmUsec = 0
                continue
            }
            if bounds == .moved { continue }

            if !matchesWeekday(c, clock: &clock) {
                c.mday += 1
                c.hour = 0; c.min = 0; c.sec = 0; tmUsec = 0
                continue
            }

            value = c.hour
            r = matchComponent(hour, isDay: false, tm: c, value: &value, clock: &clock)
            c.hour = value
            if r > 0 { c.min = 0; c.sec = 0; tmUsec = 0 }
            if r >= 0 { bounds = withinBounds(&c, clock: &clock) }
            if r < 0 || bounds == .failed {
                c.mday += 1
                c.hour = 0; c.min = 0; c.sec = 0; tmUsec = 0
                continue
            }
            // The hour may not exist (DST); try again from the normalised time.
            if bounds == .moved { continue }

            value = c.min
            r = matchComponent(minute, isDay: false, tm: c, value: &value, clock: &clock)
            c.min = value
            if r > 0 { c.sec = 0; tmUsec = 0 }
            if r >= 0 { bounds = withinBounds(&c, clock: &clock) }
            if r < 0 || bounds == .failed {
                c.hour += 1
                c.min = 0; c.sec = 0; tmUsec = 0
                continue
            }
            if bounds == .moved { continue }

            value = c.sec * CalendarSpec.microsecondsPerSecond + tmUsec
            r = matchComponent(microsecond, isDay: false, tm: c, value: &value, clock: &clock)
            tmUsec = value % CalendarSpec.microsecondsPerSecond
            c.sec = value / CalendarSpec.microsecondsPerSecond
            if r >= 0 { bounds = withinBounds(&c, clock: &clock) }
            if r < 0 || bounds == .failed {
                c.min += 1
                c.sec = 0; tmUsec = 0
                continue
            }
            if bounds == .moved { continue }

            // Debian's systemd 252 (252.39) also refuses a match that is not after the start
            // (normalisation in a DST change can lead back to it): it moves one hour on and keeps
            // the DST flag it has, which is how it steps over a gap it would otherwise re-enter.
            let order = LibcClock.compareFields(c, tm)
            if order < 0 || (order == 0 && usec >= tmUsec + 1) {
                c.hour += 1
                keepDST = true
                continue
            }

            tm = c
            usec = tmUsec
            return .elapse(0)
        }
        return .gaveUp
    }

    /// find_matching_component(): the earliest value >= `value` some element allows.
    /// Returns 1 if `value` changed, 0 if it already matched, -1 if nothing matches.
    func matchComponent(_ chain: [Component], isDay: Bool, tm: LibcClock.TM, value: inout Int,
                        clock: inout LibcClock) -> Int {
        if chain.isEmpty { return 0 }
        let endOfMonth = self.endOfMonth && isDay
        var best = -1
        var found = false
        for c in chain {
            var start: Int
            var stop: Int
            if endOfMonth {
                start = endOfMonthDay(tm, c.start, clock: &clock)
                stop = endOfMonthDay(tm, c.stop, clock: &clock)
                if stop > 0 { swap(&start, &stop) }
            } else {
                start = c.start
                stop = c.stop
            }
            if start >= value {
                if !found || start < best {
                    best = start
                    found = true
                }
            } else if c.repeat > 0 {
                let k = start + c.repeat * ((value - start + c.repeat - 1) / c.repeat)
                if (!found || k < best), stop < 0 || k <= stop {
                    best = k
                    found = true
                }
            }
        }
        if !found { return -1 }
        let changed = value != best
        value = best
        return changed ? 1 : 0
    }

    /// find_end_of_month(): the day of the month that is `day` days before the next month's first
    /// (`~1` is the last day), or -1.
    func endOfMonthDay(_ tm: LibcClock.TM, _ day: Int, clock: inout LibcClock) -> Int {
        var t = tm
        t.mon += 1
        t.mday = 1 - day
        guard let r = clock.makeTime(&t), r >= 0, t.mon == tm.mon else { return -1 }
        return t.mday
    }

    /// tm_within_bounds().
    func withinBounds(_ tm: inout LibcClock.TM, clock: inout LibcClock) -> Bounds {
        if tm.year + 1900 > CalendarSpec.maxYear { return .failed }
        var t = tm
        guard let r = clock.makeTime(&t), r >= 0 else { return .failed }
        // If normalisation happened the fields were out of bounds; reset the unit below the first
        // one that changed so nothing in between is skipped (3-33 is 4-2, but 4-1 comes first).
        var cmp: Int
        func compare(_ a: Int, _ b: Int) -> Int { a < b ? -1 : (a > b ? 1 : 0) }
        cmp = compare(t.year, tm.year)
        if cmp != 0 {
            t.mon = 0
        } else {
            cmp = compare(t.mon, tm.mon)
            if cmp != 0 {
                t.mday = 1
            } else {
                cmp = compare(t.mday, tm.mday)
                if cmp != 0 {
                    t.hour = 0
                } else {
                    cmp = compare(t.hour, tm.hour)
                    if cmp != 0 {
                        t.min = 0
                    } else {
                        cmp = compare(t.min, tm.min)
                        if cmp != 0 {
                            t.sec = 0
                        } else {
                            cmp = compare(t.sec, tm.sec)
                        }
                    }
                }
            }
        }
        if cmp < 0 { return .failed }   // refuse to go backwards
        if cmp > 0 {
            tm = t
            return .moved
        }
        return .exact
    }

    /// matches_weekday().
    func matchesWeekday(_ tm: LibcClock.TM, clock: inout LibcClock) -> Bool {
        if weekdays < 0 || weekdays >= 127 { return true }
        var t = tm
        guard let r = clock.makeTime(&t), r >= 0 else { return false }
        let k = t.wday == 0 ? 6 : t.wday - 1
        return weekdays & (1 << k) != 0
    }
}

// MARK: - libc time functions

/// localtime_r/gmtime_r and mktime/timegm as glibc implements them, for one zone (nil = UTC),
/// including mktime's cached offset guess that carries over from one call to the next.
struct LibcClock {
    /// `struct tm`: `year` is years since 1900, `mon` 0...11, `wday` 0 = Sunday, `isdst` -1/0/1.
    struct TM: Hashable {
        var sec = 0
        var min = 0
        var hour = 0
        var mday = 1
        var mon = 0
        var year = 70
        var wday = 4
        var yday = 0
        var isdst = 0
    }

    /// nil for UTC (gmtime/timegm).
    var zone: Zone? { isUTC ? nil : localZone }
    private let isUTC: Bool
    private let localZone: Zone
    /// glibc's `localtime_offset`: minus the UTC offset of the previous mktime result (t - local).
    var cache = 0
    /// The previous makeTime() call (input, cache before, result, cache after): systemd often asks
    /// for the same conversion several times in a row.
    private var memo: (input: TM, cacheIn: Int, output: TM, t: Int?, cacheOut: Int)?

    init(zone: Zone?) {
        isUTC = zone == nil
        localZone = zone ?? .utc
    }

    func offset(at t: Int) -> (offset: Int, isDST: Bool) {
        if isUTC { return (0, false) }
        let type = localZone.localType(at: t)
        return (type.offset, type.isDST)
    }

    /// localtime_r() (gmtime_r() for UTC).
    func breakDown(_ t: Int) -> TM {
        let o = offset(at: t)
        return LibcClock.fields(local: t + o.offset, isDST: o.isDST)
    }

    static func fields(local: Int, isDST: Bool) -> TM {
        let days = CivilMath.floorDiv(local, 86400)
        let rest = local - days * 86400
        let date = CivilDate(daysSinceEpoch: days)
        let jan1 = CivilDate(year: date.year, month: 1, day: 1).daysSinceEpoch
        return TM(sec: rest % 60, min: rest / 60 % 60, hour: rest / 3600, mday: date.day, mon: date.month - 1,
                  year: date.year - 1900, wday: CivilMath.floorMod(days + 4, 7), yday: days - jan1,
                  isdst: isDST ? 1 : 0)
    }

    static let monthStartDays: [[Int]] = [
        [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365],
        [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366],
    ]

    /// mktime() (timegm() for UTC): normalises `tm` in place and returns the instant, or nil where
    /// glibc fails (and leaves `tm` alone).
    mutating func makeTime(_ tm: inout TM) -> Int? {
        if let memo, memo.input == tm, memo.cacheIn == cache {
            cache = memo.cacheOut
            if memo.t != nil { tm = memo.output }
            return memo.t
        }
        let input = tm, cacheIn = cache
        let t = convert(&tm)
        memo = (input, cacheIn, tm, t, cache)
        return t
    }

    private mutating func convert(_ tm: inout TM) -> Int? {
        // Bring the month into range and find the day of the year, as __mktime_internal does.
        let monRemainder = tm.mon % 12
        let negative = monRemainder < 0 ? 1 : 0
        let year = tm.year + tm.mon / 12 - negative
        let leap = CivilDate.isLeapYear(year + 1900) ? 1 : 0
        let yday = LibcClock.monthStartDays[leap][monRemainder + 12 * negative] - 1 + tm.mday
        let secRequested = tm.sec
        let sec = Swift.min(Swift.max(tm.sec, 0), 59)
        let jan1 = CivilDate(year: year + 1900, month: 1, day: 1).daysSinceEpoch
        let local = (jan1 + yday) * 86400 + tm.hour * 3600 + tm.min * 60 + sec

        if isUTC {
            // timegm: UTC has one offset, every guess converges at once.
            let t = local + (secRequested - sec)
            tm = breakDown(t)
            return t
        }

        let isdst = tm.isdst
        // First assume the same offset as last time.
        let negativeOffsetGuess = 0 &- cache
        let t0 = local - negativeOffsetGuess
        var t = t0, t1 = t0, t2 = t0
        var dst2 = 0
        var remainingProbes = 6
        var probe: (offset: Int, isDST: Bool)
        var found = false
        while true {
            probe = offset(at: t)
            let dt = local - (t + probe.offset)
            if dt == 0 { break }
            let probeDST = probe.isDST ? 1 : 0
            if t == t1, t != t2, isdst < 0 ? dst2 <= probeDST : (isdst != 0) != probe.isDST {
                // Oscillating between two values: a spring-forward gap. Keep this one (glibc
                // prefers the side whose isdst differs from the request, or the DST side).
                found = true
                break
            }
            remainingProbes -= 1
            if remainingProbes == 0 { return nil }
            t1 = t2
            t2 = t
            t += dt
            dst2 = probeDST
        }

        if !found, LibcClock.isdstDiffer(isdst, probe.isDST ? 1 : 0) {
            // Right local time, wrong isdst: look for a neighbouring instant with the requested
            // isdst and use its UTC offset.
            let stride = 601_200
            let durationMax = 536_454_000
            let deltaBound = durationMax / 2 + stride
            var delta = stride
            var matched = false
            search: while delta < deltaBound {
                for direction in [-1, 1] {
                    let ot = t + delta * direction
                    let other = offset(at: ot)
                    if !LibcClock.isdstDiffer(isdst, other.isDST ? 1 : 0) {
                        t = local - other.offset
                        matched = true
                        break search
                    }
                }
                delta += stride
            }
            if !matched { return nil }
        }

        cache = (t - t0) &- negativeOffsetGuess
        var result = breakDown(t)
        if secRequested != result.sec {
            t += secRequested - sec
            result = breakDown(t)
        }
        tm = result
        return t
    }

    /// Compares year, month, day, hour, minute and second: -1, 0 or 1.
    static func compareFields(_ a: TM, _ b: TM) -> Int {
        let x = (a.year, a.mon, a.mday, a.hour, a.min, a.sec), y = (b.year, b.mon, b.mday, b.hour, b.min, b.sec)
        return x < y ? -1 : (x > y ? 1 : 0)
    }

    /// Whether two tm_isdst values differ: one zero, the other positive (negative = unknown).
    static func isdstDiffer(_ a: Int, _ b: Int) -> Bool {
        (a == 0) != (b == 0) && a >= 0 && b >= 0
    }
}
