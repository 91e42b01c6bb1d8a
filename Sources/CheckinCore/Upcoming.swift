// The upcoming firings of a whole config, in order: what `checkin next` and `checkin status` show.
// It walks the same `ScheduleSpec.next(after:in:quietHours:)` the daemon's engine uses.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public struct UpcomingFiring: Sendable, Equatable {
    public var reminder: Reminder
    public var at: Date
    /// For `every` schedules: the window instance the firing falls in.
    public var window: (start: Date, end: Date)?

    public static func == (a: UpcomingFiring, b: UpcomingFiring) -> Bool {
        a.reminder == b.reminder && a.at == b.at && a.window?.start == b.window?.start && a.window?.end == b.window?.end
    }
}

extension Config {
    /// The next `count` firings of the enabled reminders strictly after `now`, earliest first
    /// (ties in config order).
    public func upcoming(after now: Date, in zone: Zone, count: Int) -> [UpcomingFiring] {
        let reminders = enabledReminders
        var heads: [Date?] = reminders.map { $0.schedule.next(after: now, in: zone, quietHours: quietHours) }
        var out: [UpcomingFiring] = []
        while out.count < count {
            var best: Int?
            for (i, head) in heads.enumerated() {
                guard let head else { continue }
                if best == nil || head < heads[best!]! { best = i }
            }
            guard let i = best, let at = heads[i] else { break }
            let r = reminders[i]
            out.append(UpcomingFiring(reminder: r, at: at, window: r.schedule.window(containing: at, in: zone)))
            heads[i] = r.schedule.next(after: at, in: zone, quietHours: quietHours)
        }
        return out
    }
}
