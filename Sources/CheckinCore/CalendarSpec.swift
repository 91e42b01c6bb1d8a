// systemd calendar events (systemd.time(7)) exactly as systemd 252 reads, normalizes and computes
// them (src/shared/calendarspec.c): `Mon..Fri *-*-* 09:00`, `*-02~03`, `*:0/15`, `daily`,
// `2026-03-29 02:30 Europe/Berlin`, ...
//
// Parsing follows calendar_spec_from_string step by step: a trailing " UTC" (any case) or IANA zone
// name is split off first, then the shorthands, then weekdays, date and time. The parsed chains are
// normalized (two-digit years, sorted and de-duplicated lists, ranges trimmed to their repetition)
// and only then validated, so "0..5/10" is accepted as "00" and "*:50/20" is rejected. Unlike
// systemd, an error says where and what: `CalendarParseError.column` and `.reason`.
//
// The next elapse (CalendarSpecNext.swift) re-creates systemd's find_next() on top of an emulation
// of glibc's mktime()/localtime(), because systemd's results in DST gaps and overlaps are whatever
// mktime's normalisation makes of them (a wall time in a gap is skipped, a repeated one fires once).

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A parsed calendar event expression.
public struct CalendarSpec: Hashable, Sendable {
    /// One element of a comma-separated list: `start`, `start..stop` or `start[..stop]/repeat`.
    /// `stop == -1` means no range; `repeat == 0` means no repetition. For the seconds field the
    /// values are microseconds.
    struct Component: Hashable, Sendable {
        var start: Int
        var stop: Int
        var `repeat`: Int
    }

    /// Bit 0 = Monday ... bit 6 = Sunday; -1 = every day.
    var weekdays: Int = -1
    /// Empty = any value (`*`). Sorted and de-duplicated when longer than one element.
    var year: [Component] = []
    var month: [Component] = []
    var day: [Component] = []
    var hour: [Component] = []
    var minute: [Component] = []
    var microsecond: [Component] = []
    /// `~`: days count back from the end of the month.
    var endOfMonth = false
    /// " UTC" suffix (or an `@timestamp`): computed with gmtime/timegm.
    var utc = false
    /// An IANA zone suffix, as written.
    var timezone: String?
    /// That zone, loaded from the zoneinfo directory at parse time.
    var zone: Zone?

    static let microsecondsPerSecond = 1_000_000
    static let minYear = 1970
    static let maxYear = 2199
    /// systemd's CALENDARSPEC_COMPONENTS_MAX: a list may nest 240 deep, i.e. hold 241 elements.
    static let maxComponents = 240

    /// Parses a calendar event expression the way systemd 252 does.
    public static func parse(_ text: String) throws(CalendarParseError) -> CalendarSpec {
        try CalendarSpecParser.parse(text)
    }

    /// `systemd-analyze calendar`'s "Normalized form:" line.
    public var normalized: String { CalendarSpecFormatter.format(self) }

    /// "UTC" or the IANA name the expression ends with; nil when it is computed in the caller's zone.
    public var timeZoneIdentifier: String? { utc ? "UTC" : timezone }
}

/// Why an expression is not a valid calendar event, and where.
public struct CalendarParseError: Error, CustomStringConvertible, Sendable, Equatable {
    public var expression: String
    /// 1-based position of the offending character (in Characters of `expression`).
    public var column: Int
    public var reason: String

    public init(expression: String, column: Int, reason: String) {
        self.expression = expression
        self.column = column
        self.reason = reason
    }

    public var description: String { "\(expression): column \(column): \(reason)" }
}

// MARK: - Parser

/// A port of calendar_spec_from_string() and helpers over the expression's UTF-8 bytes, which
/// keeps the byte offset of every failure and of every list element for validation messages.
struct CalendarSpecParser {
    struct Failure: Error {
        var offset: Int
        var reason: String
    }

    /// A list element with where it was written.
    struct Element {
        var value: CalendarSpec.Component
        var startOffset: Int
        var stopOffset: Int?
        var repeatOffset: Int?
        var text: String
    }

    let bytes: [UInt8]
    /// The length of the expression once a time-zone suffix is cut off (C's `p_tmp`).
    var end: Int
    var spec = CalendarSpec()
    var yearElements: [Element] = []
    var monthElements: [Element] = []
    var dayElements: [Element] = []
    var hourElements: [Element] = []
    var minuteElements: [Element] = []
    var secondElements: [Element] = []
    /// Where an `@timestamp` started, if the date was one.
    var timestampOffset: Int?

    init(bytes: [UInt8], end: Int) {
        self.bytes = bytes
        self.end = end
    }

    static func parse(_ text: String) throws(CalendarParseError) -> CalendarSpec {
        let bytes = Array(text.utf8)
        func fail(_ offset: Int, _ reason: String) -> CalendarParseError {
            CalendarParseError(expression: text, column: column(of: offset, in: bytes), reason: reason)
        }
        if let nul = bytes.firstIndex(of: 0) { throw fail(nul, "contains a NUL character") }

        do {
            return try parseBytes(bytes)
        } catch let failure {
            // Spaces around an otherwise valid expression.
            if bytes.last == UInt8(ascii: " ") || bytes.first == UInt8(ascii: " ") {
                var lo = 0, hi = bytes.count
                while lo < hi, bytes[lo] == UInt8(ascii: " ") { lo += 1 }
                while hi > lo, bytes[hi - 1] == UInt8(ascii: " ") { hi -= 1 }
                if lo < hi, (try? parseBytes(Array(bytes[lo..<hi]))) != nil {
                    throw lo > 0 ? fail(0, "unexpected space at the start") : fail(hi, "unexpected space at the end")
                }
            }
            // An unknown zone name is not split off and so breaks the grammar somewhere before it;
            // if the rest is a valid expression, blame the name.
            if let space = bytes.lastIndex(of: UInt8(ascii: " ")), space + 1 < bytes.count,
               !endsWithUTC(bytes, bytes.count) {
                let word = Array(bytes[(space + 1)...])
                let looksLikeZone = word.contains(UInt8(ascii: "/")) || word.allSatisfy(isASCIIAlpha)
                if looksLikeZone, word.contains(where: isASCIIAlpha), validTimeZone(word) == nil,
                   (try? parseBytes(Array(bytes[..<space]))) != nil {
                    let name = String(decoding: word, as: UTF8.self)
                    throw fail(space + 1, "unknown time zone '\(name)' (no such zone in /usr/share/zoneinfo)")
                }
            }
            throw fail(failure.offset, failure.reason)
        }
    }

    static func column(of offset: Int, in bytes: [UInt8]) -> Int {
        String(decoding: bytes[..<min(offset, bytes.count)], as: UTF8.self).count + 1
    }

    static func endsWithUTC(_ bytes: [UInt8], _ end: Int) -> Bool {
        guard end >= 4 else { return false }
        return lowerASCII(bytes[end - 4]) == UInt8(ascii: " ") && lowerASCII(bytes[end - 3]) == UInt8(ascii: "u")
            && lowerASCII(bytes[end - 2]) == UInt8(ascii: "t") && lowerASCII(bytes[end - 1]) == UInt8(ascii: "c")
    }

    static func parseBytes(_ bytes: [UInt8]) throws(Failure) -> CalendarSpec {
        var parser = CalendarSpecParser(bytes: bytes, end: bytes.count)
        try parser.run()
        return parser.spec
    }

    // MARK: calendar_spec_from_string

    mutating func run() throws(Failure) {
        if CalendarSpecParser.endsWithUTC(bytes, end) {
            spec.utc = true
            end -= 4
        } else if let space = bytes[..<end].lastIndex(of: UInt8(ascii: " ")) {
            // systemd first checks the process' own zone abbreviations here (tzname[]: "12:00 CEST"
            // under TZ=Europe/Berlin pins isdst); that depends on the environment, which a pure
            // parser must not read, so only zone names are taken (see
            // testLocalZoneAbbreviationsAreOnlyZoneFileNames).
            let name = Array(bytes[(space + 1)..<end])
            if let zone = CalendarSpecParser.validTimeZone(name) {
                spec.timezone = String(decoding: name, as: UTF8.self)
                spec.zone = zone
                end = space
            }
        }
        if end == 0 {
            throw Failure(offset: 0, reason: bytes.isEmpty ? "empty expression" : "nothing before the time zone")
        }

        if try !shorthand() {
            var p = 0
            try parseWeekdays(&p)
            let timestamp = try parseDate(&p)
            if !timestamp { try parseTime(&p) }
            if p < end { throw Failure(offset: p, reason: "unexpected \(describe(p))") }
        }
        try normalizeAndValidate()
    }

    /// minutely, hourly, daily, ... (case-insensitive, the whole expression).
    mutating func shorthand() throws(Failure) -> Bool {
        let word = String(decoding: bytes[..<end].map(CalendarSpecParser.lowerASCII), as: UTF8.self)
        let zero = [CalendarSpec.Component(start: 0, stop: -1, repeat: 0)]
        func one(_ v: Int) -> CalendarSpec.Component { .init(start: v, stop: -1, repeat: 0) }
        switch word {
        case "minutely":
            spec.microsecond = zero
        case "hourly":
            spec.minute = zero; spec.microsecond = zero
        case "daily":
            spec.hour = zero; spec.minute = zero; spec.microsecond = zero
        case "monthly":
            spec.day = [one(1)]; spec.hour = zero; spec.minute = zero; spec.microsecond = zero
        case "annually", "yearly", "anually":
            spec.month = [one(1)]; spec.day = [one(1)]; spec.hour = zero; spec.minute = zero; spec.microsecond = zero
        case "weekly":
            spec.weekdays = 1
            spec.hour = zero; spec.minute = zero; spec.microsecond = zero
        case "quarterly":
            spec.month = [one(10), one(7), one(4), one(1)]
            spec.day = [one(1)]; spec.hour = zero; spec.minute = zero; spec.microsecond = zero
        case "biannually", "bi-annually", "semiannually", "semi-annually":
            spec.month = [one(7), one(1)]
            spec.day = [one(1)]; spec.hour = zero; spec.minute = zero; spec.microsecond = zero
        default:
            return false
        }
        return true
    }

    // MARK: Bytes

    @inline(__always) func at(_ i: Int) -> UInt8 { i < end ? bytes[i] : 0 }

    static func lowerASCII(_ c: UInt8) -> UInt8 {
        c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c + 32 : c
    }

    static func isASCIIAlpha(_ c: UInt8) -> Bool {
        let l = lowerASCII(c)
        return l >= UInt8(ascii: "a") && l <= UInt8(ascii: "z")
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// "'x'", "'Fooday'" (a whole word) or "end of expression", for messages.
    func describe(_ i: Int) -> String {
        guard i < end else { return "end of expression" }
        if CalendarSpecParser.isASCIIAlpha(bytes[i]) {
            var j = i
            while j < end, CalendarSpecParser.isASCIIAlpha(bytes[j]) { j += 1 }
            return "'\(String(decoding: bytes[i..<j], as: UTF8.self))'"
        }
        if bytes[i] == UInt8(ascii: " ") { return "space" }
        // One whole (possibly multi-byte) character.
        var j = i + 1
        while j < end, bytes[j] & 0xC0 == 0x80 { j += 1 }
        return "'\(String(decoding: bytes[i..<j], as: UTF8.self))'"
    }

    func skipSpaces(_ p: inout Int) {
        while p < end, bytes[p] == UInt8(ascii: " ") { p += 1 }
    }

    // MARK: Weekdays

    static let dayNames: [(name: [UInt8], number: Int)] = [
        ("monday", 0), ("mon", 0), ("tuesday", 1), ("tue", 1), ("wednesday", 2), ("wed", 2),
        ("thursday", 3), ("thu", 3), ("friday", 4), ("fri", 4), ("saturday", 5), ("sat", 5),
        ("sunday", 6), ("sun", 6),
    ].map { (Array($0.0.utf8), $0.1) }

    static let shortDayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    func weekdayName(at p: Int) -> (length: Int, number: Int)? {
        for entry in CalendarSpecParser.dayNames {
            let n = entry.name.count
            guard p + n <= end else { continue }
            var same = true
            for k in 0..<n where CalendarSpecParser.lowerASCII(bytes[p + k]) != entry.name[k] {
                same = false
                break
            }
            if same { return (n, entry.number) }
        }
        return nil
    }

    /// parse_weekdays(): "Mon", "Mon..Fri", "Mon-Fri", "Sat,Sun", "mon..wed,fri,"; nothing at all is fine.
    mutating func parseWeekdays(_ p: inout Int) throws(Failure) {
        var rangeStart = -1
        var first = true
        var bits = 0
        defer { if bits != 0 { spec.weekdays = bits } }
        while true {
            guard let (length, number) = weekdayName(at: p) else {
                if first { return }
                throw Failure(offset: p, reason: "expected a weekday name, found \(describe(p))")
            }
            let next = at(p + length)
            if ![0, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: " ")].contains(next) {
                let name = String(decoding: bytes[p..<(p + length)], as: UTF8.self)
                let word = describe(p)
                if word.count > name.count + 2 {
                    throw Failure(offset: p, reason: "unknown weekday \(word)")
                }
                throw Failure(offset: p + length, reason: "unexpected \(describe(p + length)) after weekday '\(name)'")
            }
            bits |= 1 << number
            if rangeStart >= 0 {
                if rangeStart > number {
                    throw Failure(offset: p, reason: "weekday range \(CalendarSpecParser.shortDayNames[rangeStart])..\(CalendarSpecParser.shortDayNames[number]) goes backwards (write Mon..Sun order)")
                }
                for j in (rangeStart + 1)..<max(number, rangeStart + 1) { bits |= 1 << j }
            }
            p += length
            if p >= end { return }
            if bytes[p] == UInt8(ascii: " ") {
                skipSpaces(&p)
                return
            }
            if bytes[p] == UInt8(ascii: ".") {
                if rangeStart >= 0 { throw Failure(offset: p, reason: "a weekday range cannot be continued with '..'") }
                if at(p + 1) != UInt8(ascii: ".") {
                    throw Failure(offset: p, reason: "expected '..' between weekdays")
                }
                rangeStart = number
                p += 2
            } else if bytes[p] == UInt8(ascii: "-") {
                if rangeStart >= 0 { throw Failure(offset: p, reason: "a weekday range cannot be continued with '-'") }
                rangeStart = number
                p += 1
            } else if bytes[p] == UInt8(ascii: ",") {
                rangeStart = -1
                p += 1
            }
            if p >= end || bytes[p] == UInt8(ascii: " ") {
                skipSpaces(&p)
                if rangeStart >= 0 {
                    throw Failure(offset: p, reason: "weekday range \(CalendarSpecParser.shortDayNames[rangeStart]).. has no end")
                }
                return
            }
            first = false
        }
    }

    // MARK: Numbers and lists

    /// parse_component_decimal(): digits, and for seconds an optional ".fraction" (6 digits,
    /// rounded on the 7th). Values are microseconds for seconds.
    func parseDecimal(_ p: inout Int, usec: Bool) throws(Failure) -> Int {
        guard CalendarSpecParser.isDigit(at(p)) else {
            if p == 0, CalendarSpecParser.isASCIIAlpha(at(p)) {
                throw Failure(offset: p, reason: "\(describe(p)) is not a weekday (Mon...Sun), a shorthand (minutely...yearly) or a date")
            }
            throw Failure(offset: p, reason: "expected a number or '*', found \(describe(p))")
        }
        let start = p
        var value: UInt64 = 0
        var overflow = false
        var e = p
        while CalendarSpecParser.isDigit(at(e)) {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(at(e) - UInt8(ascii: "0")))
            if o1 || o2 { overflow = true }
            value = s
            e += 1
        }
        let text = String(decoding: bytes[start..<e], as: UTF8.self)
        if overflow { throw Failure(offset: start, reason: "number \(text) is too large") }
        if usec {
            let (scaled, o) = value.multipliedReportingOverflow(by: UInt64(CalendarSpec.microsecondsPerSecond))
            if o { throw Failure(offset: start, reason: "number \(text) is too large") }
            value = scaled
            if at(e) == UInt8(ascii: "."), at(e + 1) != UInt8(ascii: ".") {
                e += 1
                guard CalendarSpecParser.isDigit(at(e)) else {
                    throw Failure(offset: e, reason: "expected digits after the decimal point, found \(describe(e))")
                }
                var fraction: UInt64 = 0
                var digits = 0
                while digits < 6, CalendarSpecParser.isDigit(at(e)) {
                    fraction = fraction * 10 + UInt64(at(e) - UInt8(ascii: "0"))
                    digits += 1
                    e += 1
                }
                while digits < 6 { fraction *= 10; digits += 1 }
                if at(e) >= UInt8(ascii: "5"), at(e) <= UInt8(ascii: "9") { fraction += 1 }
                while CalendarSpecParser.isDigit(at(e)) { e += 1 }
                value += fraction
            }
        }
        if value > UInt64(Int32.max) {
            throw Failure(offset: start, reason: "number \(String(decoding: bytes[start..<e], as: UTF8.self)) is too large")
        }
        p = e
        return Int(value)
    }

    /// parse_chain(): "*" or a comma-separated list of prepend_component() elements.
    mutating func parseChain(_ p: inout Int, usec: Bool) throws(Failure) -> (chain: [CalendarSpec.Component], elements: [Element]) {
        if at(p) == UInt8(ascii: "*") {
            if at(p + 1) == UInt8(ascii: "/") {
                throw Failure(offset: p + 1, reason: "a repetition needs a start value: write 0/N instead of */N")
            }
            p += 1
            if usec {
                let star = CalendarSpec.Component(start: 0, stop: -1, repeat: CalendarSpec.microsecondsPerSecond)
                return ([star], [Element(value: star, startOffset: p - 1, stopOffset: nil, repeatOffset: nil, text: "*")])
            }
            return ([], [])
        }
        var elements: [Element] = []
        var e = p
        var nesting = 0
        while true {
            if nesting > CalendarSpec.maxComponents {
                throw Failure(offset: e, reason: "too many list elements (at most \(CalendarSpec.maxComponents + 1))")
            }
            let elementStart = e
            let start = try parseDecimal(&e, usec: usec)
            var stop = -1
            var repeatValue = 0
            var stopOffset: Int?
            var repeatOffset: Int?
            if at(e) == UInt8(ascii: "."), at(e + 1) == UInt8(ascii: ".") {
                e += 2
                stopOffset = e
                stop = try parseDecimal(&e, usec: usec)
                repeatValue = usec ? CalendarSpec.microsecondsPerSecond : 1
            }
            if at(e) == UInt8(ascii: "/") {
                e += 1
                repeatOffset = e
                repeatValue = try parseDecimal(&e, usec: usec)
                if repeatValue == 0 {
                    throw Failure(offset: repeatOffset!, reason: "a repetition must be greater than 0")
                }
            } else {
                if start > Int(Int32.max) - repeatValue {
                    throw Failure(offset: elementStart, reason: "number is too large")
                }
                if usec, stop >= 0, start + repeatValue > stop {
                    let text = String(decoding: bytes[elementStart..<e], as: UTF8.self)
                    throw Failure(offset: elementStart, reason: "range \(text) is shorter than one second (add a repetition like '/0.5')")
                }
            }
            let next = at(e)
            if ![0, UInt8(ascii: " "), UInt8(ascii: ","), UInt8(ascii: "-"), UInt8(ascii: "~"), UInt8(ascii: ":")].contains(next) {
                if next == UInt8(ascii: "T") || next == UInt8(ascii: "t") {
                    throw Failure(offset: e, reason: "unexpected '\(Character(Unicode.Scalar(next)))' (separate the date and the time with a space)")
                }
                throw Failure(offset: e, reason: "unexpected \(describe(e))")
            }
            let value = CalendarSpec.Component(start: start, stop: stop, repeat: repeatValue)
            elements.append(Element(value: value, startOffset: elementStart, stopOffset: stopOffset, repeatOffset: repeatOffset,
                                    text: String(decoding: bytes[elementStart..<e], as: UTF8.self)))
            p = e
            if next == UInt8(ascii: ",") {
                e += 1
                p = e
                nesting += 1
                continue
            }
            break
        }
        // systemd prepends each element; the order only matters for one-element chains.
        return (elements.reversed().map(\.value), elements)
    }

    // MARK: Date

    /// parse_date(). Returns true for an `@timestamp`, which also fixes the time of day.
    mutating func parseDate(_ p: inout Int) throws(Failure) -> Bool {
        var t = p
        if t >= end { return false }
        if bytes[t] == UInt8(ascii: "@") {
            try parseTimestamp(&t)
            p = t
            return true
        }
        let first = try parseChain(&t, usec: false)
        if t >= end || bytes[t] == UInt8(ascii: ":") { return false }   // it was the hour
        if bytes[t] == UInt8(ascii: "~") {
            spec.endOfMonth = true
        } else if bytes[t] != UInt8(ascii: "-") {
            throw Failure(offset: t, reason: "unexpected \(describe(t)) in the date (expected '-', '~' or ':')")
        }
        t += 1
        let second = try parseChain(&t, usec: false)
        if t >= end || bytes[t] == UInt8(ascii: " ") {
            skipSpaces(&t)
            p = t
            (spec.month, monthElements) = first
            (spec.day, dayElements) = second
            return false
        } else if spec.endOfMonth {
            throw Failure(offset: t, reason: "'~' may only separate the month and the day")
        }
        if bytes[t] == UInt8(ascii: "~") {
            spec.endOfMonth = true
        } else if bytes[t] != UInt8(ascii: "-") {
            throw Failure(offset: t, reason: "unexpected \(describe(t)) in the date (expected '-' or '~')")
        }
        t += 1
        let third = try parseChain(&t, usec: false)
        if t < end, bytes[t] != UInt8(ascii: " ") {
            throw Failure(offset: t, reason: "unexpected \(describe(t)) after the day (expected a space before the time)")
        }
        skipSpaces(&t)
        p = t
        (spec.year, yearElements) = first
        (spec.month, monthElements) = second
        (spec.day, dayElements) = third
        return false
    }

    /// "@SECONDS": strtoul() semantics (leading white space, a sign), then gmtime() in UTC.
    mutating func parseTimestamp(_ p: inout Int) throws(Failure) {
        timestampOffset = p
        var i = p + 1
        while i < end, [UInt8(ascii: " "), 9, 10, 11, 12, 13].contains(bytes[i]) { i += 1 }   // isspace()
        var negative = false
        if at(i) == UInt8(ascii: "+") { i += 1 } else if at(i) == UInt8(ascii: "-") { negative = true; i += 1 }
        guard CalendarSpecParser.isDigit(at(i)) else {
            throw Failure(offset: p + 1, reason: "expected seconds since the epoch after '@', found \(describe(p + 1))")
        }
        var value: UInt64 = 0
        var overflow = false
        while CalendarSpecParser.isDigit(at(i)) {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(at(i) - UInt8(ascii: "0")))
            if o1 || o2 { overflow = true }
            value = s
            i += 1
        }
        if overflow { throw Failure(offset: p + 1, reason: "timestamp is too large") }
        if negative { value = 0 &- value }
        let seconds = Int(Int64(bitPattern: value))
        let days = CivilMath.floorDiv(seconds, 86400)
        let date = CivilDate(daysSinceEpoch: days)
        if date.year - 1900 > Int(Int32.max) - 1900 || date.year < Int(Int32.min) + 1900 {
            throw Failure(offset: p, reason: "timestamp is out of range")
        }
        let rest = seconds - days * 86400
        func one(_ v: Int) -> CalendarSpec.Component { .init(start: v, stop: -1, repeat: 0) }
        spec.utc = true
        spec.year = [one(date.year)]
        spec.month = [one(date.month)]
        spec.day = [one(date.day)]
        spec.hour = [one(rest / 3600)]
        spec.minute = [one(rest % 3600 / 60)]
        spec.microsecond = [one(rest % 60 * CalendarSpec.microsecondsPerSecond)]
        p = i
    }

    // MARK: Time

    /// parse_calendar_time(): "HH:MM[:SS[.ffffff]]" with lists, ranges and repetitions; nothing = 00:00:00.
    mutating func parseTime(_ p: inout Int) throws(Failure) {
        let zero = [CalendarSpec.Component(start: 0, stop: -1, repeat: 0)]
        var t = p
        if t >= end {
            spec.hour = zero; spec.minute = zero; spec.microsecond = zero
            return
        }
        let h = try parseChain(&t, usec: false)
        if at(t) != UInt8(ascii: ":") {
            throw Failure(offset: t, reason: t >= end ? "expected ':' and minutes after the hour"
                          : "unexpected \(describe(t)) (expected ':' after the hour)")
        }
        t += 1
        let m = try parseChain(&t, usec: false)
        var s: (chain: [CalendarSpec.Component], elements: [Element]) = (zero, [])
        if t < end {
            if bytes[t] != UInt8(ascii: ":") {
                throw Failure(offset: t, reason: "unexpected \(describe(t)) after the minutes")
            }
            t += 1
            s = try parseChain(&t, usec: true)
            if t < end { throw Failure(offset: t, reason: "unexpected \(describe(t)) after the seconds") }
        }
        p = t
        (spec.hour, hourElements) = h
        (spec.minute, minuteElements) = m
        (spec.microsecond, secondElements) = s
    }

    // MARK: Time zone

    /// verify_timezone(): a relative name of letters, digits, '-', '_', '+' and single '/', naming
    /// a TZif file below /usr/share/zoneinfo. "UTC" is always valid. The leap-second "right/..."
    /// zones are accepted like systemd does, but `Zone` ignores leap seconds, so their elapses are
    /// off by the accumulated leap seconds (27 s in 2026) where glibc applies them.
    static func validTimeZone(_ name: [UInt8]) -> Zone? {
        if name.isEmpty { return nil }
        if name == Array("UTC".utf8) { return .utc }
        if name[0] == UInt8(ascii: "/") { return nil }
        var slash = false
        for c in name {
            guard isDigit(c) || isASCIIAlpha(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
                    || c == UInt8(ascii: "+") || c == UInt8(ascii: "/") else { return nil }
            if c == UInt8(ascii: "/") {
                if slash { return nil }
                slash = true
            } else {
                slash = false
            }
        }
        if slash || name.count >= 4096 { return nil }
        return try? Zone.named(String(decoding: name, as: UTF8.self))
    }

    // MARK: Normalize and validate

    static func normalizeChain(_ chain: inout [CalendarSpec.Component]) {
        for i in chain.indices {
            var c = chain[i]
            if c.stop > c.start, c.repeat > 0 { c.stop -= (c.stop - c.start) % c.repeat }
            if (c.stop > c.start && c.repeat > 0 && c.start + c.repeat > c.stop) || c.start == c.stop {
                c.repeat = 0
                c.stop = -1
            }
            chain[i] = c
        }
        guard chain.count > 1 else { return }
        chain.sort { ($0.start, $0.stop, $0.repeat) < ($1.start, $1.stop, $1.repeat) }
        var unique: [CalendarSpec.Component] = []
        unique.reserveCapacity(chain.count)
        for c in chain where unique.last != c { unique.append(c) }
        chain = unique
    }

    static func fixYear(_ chain: inout [CalendarSpec.Component]) {
        for i in chain.indices {
            if chain[i].start >= 0, chain[i].start < 70 { chain[i].start += 2000 }
            if chain[i].stop >= 0, chain[i].stop < 70 { chain[i].stop += 2000 }
            if chain[i].start >= 70, chain[i].start < 100 { chain[i].start += 1900 }
            if chain[i].stop >= 70, chain[i].stop < 100 { chain[i].stop += 1900 }
        }
    }

    /// calendar_spec_normalize() + calendar_spec_valid(), with a message for the first bad element.
    mutating func normalizeAndValidate() throws(Failure) {
        if spec.weekdays <= 0 || spec.weekdays >= 127 { spec.weekdays = -1 }
        // "@1700000000 Europe/Berlin": systemd keeps the name but prints and computes UTC.
        if spec.utc {
            spec.timezone = nil
            spec.zone = nil
        }
        if spec.endOfMonth, spec.day.isEmpty { spec.endOfMonth = false }

        CalendarSpecParser.fixYear(&spec.year)
        for i in yearElements.indices {
            var one = [yearElements[i].value]
            CalendarSpecParser.fixYear(&one)
            yearElements[i].value = one[0]
        }
        CalendarSpecParser.normalizeChain(&spec.year)
        CalendarSpecParser.normalizeChain(&spec.month)
        CalendarSpecParser.normalizeChain(&spec.day)
        CalendarSpecParser.normalizeChain(&spec.hour)
        CalendarSpecParser.normalizeChain(&spec.minute)
        CalendarSpecParser.normalizeChain(&spec.microsecond)

        let usecMax = 60 * CalendarSpec.microsecondsPerSecond - 1
        let checks: [(chain: [CalendarSpec.Component], elements: [Element], name: String, from: Int, to: Int, eom: Bool, usec: Bool)] = [
            (spec.year, yearElements, "year", CalendarSpec.minYear, CalendarSpec.maxYear, false, false),
            (spec.month, monthElements, "month", 1, 12, false, false),
            (spec.day, dayElements, "day", 1, 31, spec.endOfMonth, false),
            (spec.hour, hourElements, "hour", 0, 23, false, false),
            (spec.minute, minuteElements, "minute", 0, 59, false, false),
            (spec.microsecond, secondElements, "second", 0, usecMax, false, true),
        ]
        var worst: Failure?
        for check in checks {
            guard let problem = CalendarSpecParser.invalidElement(in: check.chain, from: check.from, to: check.to,
                                                                  endOfMonth: check.eom) else { continue }
            // Which written element is at fault: the first one that normalizes to the bad component.
            let bad = check.chain[problem.index]
            var failure: Failure
            if let element = check.elements.first(where: { element in
                var single = [element.value]
                CalendarSpecParser.normalizeChain(&single)
                return single[0] == bad
            }) {
                failure = describeInvalid(problem.kind, bad, element, check.name, check.from, problem.to, check.eom,
                                          check.usec, position: problem.index)
            } else {
                failure = Failure(offset: timestampOffset ?? 0,
                                  reason: timestampOffset != nil ? "timestamp is outside the years \(CalendarSpec.minYear)-\(CalendarSpec.maxYear)"
                                                                 : "\(check.name) is out of range")
            }
            if worst == nil || failure.offset < worst!.offset { worst = failure }
        }
        if let worst { throw worst }
    }

    enum Invalid { case start, repetitionTooLarge, stop, emptyRange, repetitionOutside }

    /// chain_valid(): the first element that breaks it, and the upper bound it was held to.
    /// For `~` days systemd lowers the bound by 3 for every element of the (sorted) list, so the
    /// second element must be at most 25, the third 22, ...; that quirk is part of the grammar.
    static func invalidElement(in chain: [CalendarSpec.Component], from: Int, to: Int, endOfMonth: Bool) -> (index: Int, kind: Invalid, to: Int)? {
        var to = to
        for (i, c) in chain.enumerated() {
            if endOfMonth { to -= 3 }
            if c.start < from || c.start > to { return (i, .start, to) }
            if c.repeat > to - from { return (i, .repetitionTooLarge, to) }
            if c.stop >= 0 {
                if c.stop < from || c.stop > to { return (i, .stop, to) }
                if c.start + c.repeat > c.stop { return (i, .emptyRange, to) }
            } else {
                if endOfMonth, c.start - c.repeat < from { return (i, .repetitionOutside, to) }
                if !endOfMonth, c.start + c.repeat > to { return (i, .repetitionOutside, to) }
            }
        }
        return nil
    }

    func describeInvalid(_ kind: Invalid, _ c: CalendarSpec.Component, _ element: Element, _ name: String,
                         _ from: Int, _ to: Int, _ eom: Bool, _ usec: Bool, position: Int) -> Failure {
        func show(_ v: Int) -> String { usec ? CalendarSpecFormatter.seconds(v) : String(v) }
        let range = usec ? "0-59.999999" : "\(from)-\(to)"
        let field = eom ? "\(name) ~" : "\(name) "
        let eomNote = !eom ? "" : position == 0 ? " days before the end of the month"
            : " for element \(position + 1) of a '~' list, in ascending order: systemd allows 3 days less per element"
        switch kind {
        case .start:
            return Failure(offset: element.startOffset, reason: "\(field)\(show(c.start)) is out of range (\(range)\(eomNote))")
        case .stop:
            return Failure(offset: element.stopOffset ?? element.startOffset,
                           reason: "\(field)\(show(c.stop)) at the end of the range is out of range (\(range)\(eomNote))")
        case .repetitionTooLarge:
            return Failure(offset: element.repeatOffset ?? element.startOffset,
                           reason: "repetition \(show(c.repeat)) is larger than the \(name) range (\(range))")
        case .emptyRange:
            return Failure(offset: element.stopOffset ?? element.startOffset,
                           reason: "range \(element.text) ends before it starts")
        case .repetitionOutside:
            if eom {
                return Failure(offset: element.repeatOffset ?? element.startOffset,
                               reason: "repetition \(element.text) would reach before day ~\(from)")
            }
            return Failure(offset: element.repeatOffset ?? element.startOffset,
                           reason: "repetition \(element.text) never repeats within \(range) (\(show(c.start)) + \(show(c.repeat)) > \(show(to)))")
        }
    }
}

// MARK: - Formatter

/// calendar_spec_to_string().
enum CalendarSpecFormatter {
    static func format(_ spec: CalendarSpec) -> String {
        var out = ""
        if spec.weekdays > 0, spec.weekdays <= 127 {
            out += weekdays(spec.weekdays)
            out += " "
        }
        out += chain(spec.year, width: 4, usec: false)
        out += "-"
        out += chain(spec.month, width: 2, usec: false)
        out += spec.endOfMonth ? "~" : "-"
        out += chain(spec.day, width: 2, usec: false)
        out += " "
        out += chain(spec.hour, width: 2, usec: false)
        out += ":"
        out += chain(spec.minute, width: 2, usec: false)
        out += ":"
        out += chain(spec.microsecond, width: 2, usec: true)
        if spec.utc {
            out += " UTC"
        } else if let tz = spec.timezone {
            out += " " + tz
        }
        return out
    }

    /// format_weekdays(): runs of three or more as "Mon..Wed", shorter ones listed.
    static func weekdays(_ bits: Int) -> String {
        let days = CalendarSpecParser.shortDayNames
        var out = ""
        var needComma = false
        var l = -1
        var x = 0
        while x < 7 {
            if bits & (1 << x) != 0 {
                if l < 0 {
                    if needComma { out += "," } else { needComma = true }
                    out += days[x]
                    l = x
                }
            } else if l >= 0 {
                if x > l + 1 {
                    out += x > l + 2 ? ".." : ","
                    out += days[x - 1]
                }
                l = -1
            }
            x += 1
        }
        if l >= 0, x > l + 1 {
            out += x > l + 2 ? ".." : ","
            out += days[x - 1]
        }
        return out
    }

    static func chain(_ chain: [CalendarSpec.Component], width: Int, usec: Bool) -> String {
        let d = usec ? CalendarSpec.microsecondsPerSecond : 1
        if chain.isEmpty { return "*" }
        if usec, chain.contains(where: { $0.start == 0 && $0.stop < 0 && $0.repeat == d }) { return "*" }
        var parts: [String] = []
        for c in chain {
            var s = CivilMath.pad(c.start / d, width)
            if c.start % d > 0 { s += "." + CivilMath.pad(c.start % d, 6) }
            if c.stop > 0 { s += ".." + CivilMath.pad(c.stop / d, width) }
            if c.stop % d > 0 { s += "." + CivilMath.pad(c.stop % d, 6) }
            if c.repeat > 0, !(c.stop > 0 && c.repeat == d) { s += "/" + String(c.repeat / d) }
            if c.repeat % d > 0 { s += "." + CivilMath.pad(c.repeat % d, 6) }
            parts.append(s)
        }
        return parts.joined(separator: ",")
    }

    /// Microseconds as seconds for messages: 61000000 -> "61", 1500000 -> "1.5".
    static func seconds(_ us: Int) -> String {
        let whole = us / CalendarSpec.microsecondsPerSecond
        var fraction = us % CalendarSpec.microsecondsPerSecond
        guard fraction > 0 else { return String(whole) }
        var digits = CivilMath.pad(fraction, 6)
        while digits.hasSuffix("0") { digits.removeLast(); fraction /= 10 }
        return "\(whole).\(digits)"
    }
}
