// Text formatting shared by the commands.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CheckinCore
import SystemdKit

// MARK: - formatting

enum Format {
    static let weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// systemd's timestamp style: "Wed 2026-11-25 09:00:00 CET" (".123456" when not whole).
    static func systemdTime(_ d: Date, micros: Int64, zone: Zone) -> String {
        let c = zone.civil(d)
        let fraction = micros % 1_000_000
        var s = "\(weekdayNames[c.date.isoWeekday - 1]) \(c.date) \(LocalFormat.two(c.hour)):\(LocalFormat.two(c.minute)):\(LocalFormat.two(c.second))"
        if fraction != 0 { s += "." + String(String(fraction + 1_000_000).dropFirst()) }
        return s + " " + zone.abbreviation(at: d)
    }

    /// ISO 8601 with offset, and microseconds when not whole.
    static func iso8601Micro(_ d: Date, micros: Int64, zone: Zone) -> String {
        let fraction = micros % 1_000_000
        let text = LocalFormat.iso8601(d, in: zone)
        guard fraction != 0 else { return text }
        let cut = text.index(text.startIndex, offsetBy: 19)
        return String(text[..<cut]) + "." + String(String(fraction + 1_000_000).dropFirst()) + String(text[cut...])
    }

    /// Relative time as systemd writes it: "7 months 26 days ago", "1 day 3h left", "5min left".
    static func fromNow(_ d: Date, now: Date) -> String {
        let delta = d.timeIntervalSince(now)
        let a = Int64(abs(delta) * 1_000_000)
        let sec: Int64 = 1_000_000, minute = 60 * sec, hour = 60 * minute, day = 24 * hour
        let week = 7 * day, month = 2_629_800 * sec, year = 31_557_600 * sec
        func n(_ v: Int64, _ one: String, _ many: String) -> String { "\(v) \(v == 1 ? one : many)" }
        let text: String
        if a >= year { text = n(a / year, "year", "years") + " " + n(a % year / month, "month", "months") }
        else if a >= month { text = n(a / month, "month", "months") + " " + n(a % month / day, "day", "days") }
        else if a >= week { text = n(a / week, "week", "weeks") + " " + n(a % week / day, "day", "days") }
        else if a >= 2 * day { text = "\(a / day) days" }
        else if a >= 25 * hour { text = "1 day \((a - day) / hour)h" }
        else if a >= 6 * hour { text = "\(a / hour)h" }
        else if a >= hour { text = "\(a / hour)h \(a % hour / minute)min" }
        else if a >= 5 * minute { text = "\(a / minute)min" }
        else if a >= minute { text = "\(a / minute)min \(a % minute / sec)s" }
        else if a >= sec { text = "\(a / sec)s" }
        else if a >= 1000 { text = "\(a / 1000)ms" }
        else if a > 0 { text = "\(a)us" }
        else { return "now" }
        return text + (delta >= 0 ? " left" : " ago")
    }

    /// "@1700000000[.5]", "2026-03-29T01:30:00+01:00", "2026-03-29T01:30[:00]" or with a space
    /// (local time in `zone`).
    static func parseInstant(_ text: String, zone: Zone) -> Date? {
        let t = text.trimmedASCII
        if t.hasPrefix("@") {
            guard let v = Double(t.dropFirst()), v.isFinite else { return nil }
            return Date(timeIntervalSince1970: v)
        }
        var body = Substring(t)
        var offset: Int?
        if body.hasSuffix("Z") {
            offset = 0
            body = body.dropLast()
        } else if body.count > 6 {
            let tail = body.suffix(6)
            let sign = tail.first
            if sign == "+" || sign == "-", tail.dropFirst().count == 5, tail[tail.index(tail.startIndex, offsetBy: 3)] == ":",
               let h = Int(tail.dropFirst().prefix(2)), let m = Int(tail.suffix(2)), h <= 23, m <= 59 {
                offset = (sign == "-" ? -1 : 1) * (h * 3600 + m * 60)
                body = body.dropLast(6)
            }
        }
        guard let local = CivilDateTime.parse(String(body)) ?? CivilDate.parse(String(body)).map({ CivilDateTime(date: $0, hour: 0, minute: 0) })
        else { return nil }
        if let offset { return Date(timeIntervalSince1970: Double(local.secondsSinceEpoch - offset)) }
        return zone.date(local)
    }

    /// "Mon 2026-03-02 10:00"
    static func weekdayDateTime(_ d: Date, zone: Zone) -> String {
        let c = zone.civil(d)
        return "\(weekdayNames[c.date.isoWeekday - 1]) \(c.date) \(LocalFormat.time(d, in: zone))"
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    static func clip(_ s: String, _ n: Int) -> String {
        let flat = s.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= n ? flat : String(flat.prefix(n - 1)) + "…"
    }

    /// `text` wrapped at spaces to lines of at most `width` columns, each starting with `indent`
    /// (a word longer than a line stays whole).
    static func wrap(_ text: String, width: Int = columns, indent: String) -> String {
        wrapped(text, width: width, indent: indent, continuation: indent).joined(separator: "\n")
    }
}

/// Text output fits this many columns.
let columns = 80

/// Word-wraps `text` to `width` columns, the first line after `indent`, the others after
/// `continuation`.
func wrapped(_ text: String, width: Int = columns, indent: String = "  ", continuation: String = "    ") -> [String] {
    var lines: [String] = []
    var line = indent
    var empty = true
    for word in text.split(separator: " ") {
        if !empty && line.count + 1 + word.count > width {
            lines.append(line)
            line = continuation + word
        } else {
            line += (empty ? "" : " ") + word
        }
        empty = false
    }
    if !empty { lines.append(line) }
    return lines
}
