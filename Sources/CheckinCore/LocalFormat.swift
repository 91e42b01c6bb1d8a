// Local times as text, from a `Zone`, without Foundation's ICU formatters. Shared by the daemon
// (logs, STATUS=) and the CLI.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Local time formatting without Foundation's ICU formatters.
public enum LocalFormat {
    public static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// "2026-11-25 14:00"
    public static func dateTime(_ date: Date, in zone: Zone) -> String {
        let c = zone.civil(date)
        return "\(c.date) \(two(c.hour)):\(two(c.minute))"
    }

    /// "14:00"
    public static func time(_ date: Date, in zone: Zone) -> String {
        let c = zone.civil(date)
        return "\(two(c.hour)):\(two(c.minute))"
    }

    /// "2026-11-25T14:00:00+01:00"
    public static func iso8601(_ date: Date, in zone: Zone) -> String {
        let c = zone.civil(date)
        let off = zone.offset(at: date)
        let sign = off < 0 ? "-" : "+"
        let a = abs(off)
        return "\(c.date)T\(two(c.hour)):\(two(c.minute)):\(two(c.second))\(sign)\(two(a / 3600)):\(two(a % 3600 / 60))"
    }

    /// "in 2h 5m"
    public static func relative(_ seconds: Int) -> String {
        if seconds < 60 { return "in less than a minute" }
        let h = seconds / 3600, m = seconds % 3600 / 60
        if h >= 24 { return "in \(h / 24)d \(h % 24)h" }
        return h > 0 ? "in \(h)h \(m)m" : "in \(m)m"
    }
}
