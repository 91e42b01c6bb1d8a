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
    /// The next `count` firings of the enabled reminders and questionnaire reminders strictly
    /// after `now`, earliest first (ties in config order).
    /// `seed` is the journal's install seed (`Config.installSeedStateKey`).
    public func upcoming(after now: Date, in zone: Zone, count: Int, seed: UInt64) -> [UpcomingFiring] {
        let config = withDefaultSeed(seed)
        let reminders = config.scheduledReminders
        var out: [UpcomingFiring] = []
        Firings.mergeEarliest(reminders.map { $0.firing(after: now, in: zone, quietHours: quietHours, seed: seed) },
                              count: count, fireAt: \.fireAt) { i, head in
            let r = reminders[i]
            out.append(UpcomingFiring(reminder: r, at: head.fireAt, scheduled: head.scheduled,
                                      window: r.schedule.window(containing: head.scheduled, in: zone)))
            return r.firing(after: head.fireAt, in: zone, quietHours: quietHours, seed: seed)
        }
        return out
    }
}

public enum Firings {
    /// Merges per-reminder sequences into one in time order: repeatedly hands the earliest head
    /// (ties: the lowest index, i.e. config order) to `take`, which returns that sequence's next
    /// head (nil: exhausted), until `count` were taken or every sequence is exhausted.
    public static func mergeEarliest<Head>(_ heads: [Head?], count: Int, fireAt: (Head) -> Date,
                                           take: (Int, Head) -> Head?) {
        var heads = heads
        var taken = 0
        while taken < count {
            var best: Int?
            for (i, head) in heads.enumerated() {
                guard let head else { continue }
                if best == nil || fireAt(head) < fireAt(heads[best!]!) { best = i }
            }
            guard let i = best, let head = heads[i] else { return }
            heads[i] = take(i, head)
            taken += 1
        }
    }
}
