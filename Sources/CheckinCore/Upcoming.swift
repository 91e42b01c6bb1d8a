// The upcoming firings of a whole config, in order: what `checkin next` and `checkin status` show.
// It walks the same `Reminder.firing(after:in:quietHours:seed:)` the daemon's engine uses, so
// jitter and random times come out as the daemon will fire them (given the journal's seed).

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public struct UpcomingFiring: Sendable, Equatable {
    public var reminder: Reminder
    /// When it fires (the scheduled time plus the reminder's jitter).
    public var at: Date
    /// When it is scheduled, before jitter.
    public var scheduled: Date
    /// For `every` schedules: the window instance the firing falls in.
    public var window: (start: Date, end: Date)?

    public static func == (a: UpcomingFiring, b: UpcomingFiring) -> Bool {
        a.reminder == b.reminder && a.at == b.at && a.scheduled == b.scheduled && a.window?.start == b.window?.start && a.window?.end == b.window?.end
    }
}

extension Config {
    /// The next `count` firings of the enabled reminders strictly after `now`, earliest first
    /// (ties in config order).
    /// `seed` is the journal's install seed (`Config.installSeedStateKey`).
    public func upcoming(after now: Date, in zone: Zone, count: Int, seed: UInt64) -> [UpcomingFiring] {
        let config = withDefaultSeed(seed)
        let reminders = config.enabledReminders
        var heads = reminders.map { $0.firing(after: now, in: zone, quietHours: quietHours, seed: seed) }
        var out: [UpcomingFiring] = []
        while out.count < count {
            var best: Int?
            for (i, head) in heads.enumerated() {
                guard let head else { continue }
                if best == nil || head.fireAt < heads[best!]!.fireAt { best = i }
            }
            guard let i = best, let head = heads[i] else { break }
            let r = reminders[i]
            out.append(UpcomingFiring(reminder: r, at: head.fireAt, scheduled: head.scheduled,
                                      window: r.schedule.window(containing: head.scheduled, in: zone)))
            heads[i] = r.firing(after: head.fireAt, in: zone, quietHours: quietHours, seed: seed)
        }
        return out
    }
}
