// The activity model behind break reminders ("breaks that follow the person"), pure: every time
// is a parameter, nothing here reads the clock or the global time zone. See docs/ACTIVITY.md.
//
//   per-source reports ──PresenceCombiner──> PresenceEvent ──ActivityTracker──> active time per
//   (Mutter, ScreenSaver, logind…)            (one stream)                       policy, natural
//                                                                                breaks, dueAt
//
// Combination rule (PresenceCombiner), written down once:
//   - asleep  from any `sleep` until the next `resume` (only logind reports these);
//   - locked  while ANY source that still exists says locked (a lock screen seen by one source is
//             a lock screen);
//   - idle    decided by the BEST idle source alone: among the sources that have reported an
//             idle/active state and still exist, the one with the highest `idleRank` (Mutter's
//             input-based idle monitor above logind's IdleHint, which depends on the desktop
//             setting it). Lower-ranked sources are ignored while a better one is there, so a
//             stale IdleHint cannot make a typing person idle, and one that never sets it cannot
//             keep an idle person active. When the best source goes away the next one decides.
//   - precedence of the combined presence: asleep > locked > idle > active.
//
// Tracker rules (ActivityTracker):
//   - Active time counts only while the presence is `.active`; `idle(since: T)` ends the active
//     stretch retroactively at T (a source reports idleness after its threshold has passed).
//   - Away (idle, locked or asleep) continuously for at least a policy's `duration` is a natural
//     break for that policy: recorded when the person comes back, and the policy's timer restarts
//     at the return. Suspend is away time like idle.
//   - `dueAt` is nil while away; for `.active` mode it is now + the remaining active time, for
//     `.clock` mode the last reset + interval; never inside the grace period after a resume or an
//     unlock (the grace end is returned instead).
//   - Event times never go backwards: an event older than the last one is taken at the last one
//     (except `idle(since:)`, which may reach back into the current active stretch).

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// MARK: - Inputs

/// One change of the person's presence, at the instant it happened.
public enum PresenceEvent: Hashable, Sendable {
    /// Input again (or a source says the session is not idle).
    case active(at: Date)
    /// No input since `since` (reported some time later, when the source's threshold passed).
    case idle(since: Date)
    /// The screen locked (or the screen saver came up).
    case locked(at: Date)
    case unlocked(at: Date)
    /// The machine is about to suspend (logind PrepareForSleep(true)).
    case sleep(at: Date)
    /// It has resumed (PrepareForSleep(false)).
    case resume(at: Date)

    /// The instant the event refers to.
    public var time: Date {
        switch self {
        case .active(let t), .idle(let t), .locked(let t), .unlocked(let t), .sleep(let t), .resume(let t): t
        }
    }
}

/// What the person is doing, as far as the sources can tell.
public enum Presence: String, Hashable, Sendable {
    case active, idle, locked, asleep
}

/// How a break policy counts time towards its next break.
public enum BreakMode: String, Hashable, Sendable, CaseIterable {
    /// Time actually spent at the computer since the last break.
    case active
    /// Wall-clock time since the last break.
    case clock
}

/// One kind of break: "a 20 s micro-break every 20 min of activity".
public struct BreakPolicy: Hashable, Sendable, Identifiable {
    public var id: String
    public var mode: BreakMode
    /// Seconds of (active or wall-clock) time between breaks; > 0.
    public var interval: TimeInterval
    /// Seconds the break lasts; away for at least this long counts as the break taken.
    public var duration: TimeInterval
    /// Seconds after a resume or an unlock in which this policy never becomes due.
    public var grace: TimeInterval

    public init(id: String, mode: BreakMode = .active, interval: TimeInterval, duration: TimeInterval, grace: TimeInterval = 120) {
        self.id = id
        self.mode = mode
        self.interval = max(1, interval)
        self.duration = max(0, duration)
        self.grace = max(0, grace)
    }

    /// 20 s every 20 min of activity.
    public static let micro = BreakPolicy(id: "micro", interval: 20 * 60, duration: 20)
    /// 5 min every 50 min of activity.
    public static let rest = BreakPolicy(id: "rest", interval: 50 * 60, duration: 5 * 60)
}

/// Away long enough to count as a policy's break.
public struct NaturalBreak: Hashable, Sendable {
    public var policy: String
    /// When the person went away (for `idle(since:)`, the since).
    public var start: Date
    /// When they came back.
    public var end: Date

    public init(policy: String, start: Date, end: Date) {
        self.policy = policy
        self.start = start
        self.end = end
    }

    public var length: TimeInterval { end.timeIntervalSince(start) }
}

// MARK: - Combining sources

/// Merges the reports of several activity sources into one stream of `PresenceEvent`s, by the rule
/// written at the top of this file. A value type: feed it reports in arrival order.
public struct PresenceCombiner: Sendable {
    private struct SourceState: Sendable {
        var idleRank: Int
        /// nil: has not reported idle/active (only lock or sleep so far).
        var idleSince: Date??
        var locked = false
    }

    private var sources: [String: SourceState] = [:]
    private var asleep = false
    /// The combined state last emitted.
    private var emittedLocked = false
    private var emittedIdleSince: Date?

    public init() {}

    /// The combined presence flags, for status output.
    public var isLocked: Bool { emittedLocked }
    public var idleSince: Date? { emittedIdleSince }
    public var isAsleep: Bool { asleep }

    /// One report of `source`. `idleRank` orders idle sources (higher wins); the combined events it
    /// causes are returned (often none).
    public mutating func report(_ event: PresenceEvent, from source: String, idleRank: Int) -> [PresenceEvent] {
        var state = sources[source] ?? SourceState(idleRank: idleRank)
        state.idleRank = idleRank
        switch event {
        case .active: state.idleSince = .some(nil)
        case .idle(let since): state.idleSince = .some(since)
        case .locked: state.locked = true
        case .unlocked: state.locked = false
        case .sleep(let at):
            sources[source] = state
            if asleep { return [] }
            asleep = true
            return [.sleep(at: at)]
        case .resume(let at):
            sources[source] = state
            if !asleep { return [] }
            asleep = false
            return [.resume(at: at)]
        }
        sources[source] = state
        return recombine(at: event.time)
    }

    /// `source` went away (its service vanished): its lock and idle opinions no longer count.
    public mutating func forget(_ source: String, at time: Date) -> [PresenceEvent] {
        guard sources.removeValue(forKey: source) != nil else { return [] }
        return recombine(at: time)
    }

    private mutating func recombine(at time: Date) -> [PresenceEvent] {
        var out: [PresenceEvent] = []
        let locked = sources.values.contains { $0.locked }
        if locked != emittedLocked {
            emittedLocked = locked
            out.append(locked ? .locked(at: time) : .unlocked(at: time))
        }
        // The best idle source: highest rank among those that reported; ties broken by name so
        // the choice does not depend on dictionary order.
        let best = sources.filter { $0.value.idleSince != nil }
            .max { a, b in a.value.idleRank != b.value.idleRank ? a.value.idleRank < b.value.idleRank : a.key > b.key }
        let idleSince: Date? = best.flatMap { $0.value.idleSince ?? nil }
        if idleSince != emittedIdleSince {
            switch (emittedIdleSince, idleSince) {
            case (_, let since?): out.append(.idle(since: since))
            case (_?, nil): out.append(.active(at: time))
            case (nil, nil): break
            }
            emittedIdleSince = idleSince
        }
        return out
    }
}

// MARK: - Tracking

/// Active time, natural breaks and due times of break policies, driven by `PresenceEvent`s.
/// A value type with no clock: every query takes `now`.
public struct ActivityTracker: Sendable {
    private struct PolicyState: Sendable {
        var policy: BreakPolicy
        /// Active seconds counted before the current active stretch (since `resetAt`).
        var accumulated: TimeInterval = 0
        /// The last break (natural or taken) ended here; the timer counts from it.
        var resetAt: Date
    }

    /// A closed stretch of active time, kept for daily totals.
    private struct Stretch: Sendable {
        var start: Date
        var end: Date
    }

    /// How long closed stretches are kept for `activeTime(on:in:now:)`: a local day plus the
    /// largest UTC offsets either side, with room to spare.
    public static let stretchHorizon: TimeInterval = 3 * 86_400

    private var policies: [String: PolicyState] = [:]
    private var order: [String] = []
    private var asleep = false
    private var locked = false
    private var idleSince: Date?
    /// Start of the current active stretch (nil while away).
    private var activeSince: Date?
    /// When the person went away (nil while active).
    public private(set) var awaySince: Date?
    /// The last resume or unlock: the grace period runs from here.
    public private(set) var lastWake: Date?
    private var lastEvent: Date
    private var stretches: [Stretch] = []

    /// Starts with the person active at `start` and every policy's timer at `start`.
    public init(policies: [BreakPolicy], start: Date) {
        lastEvent = start
        activeSince = start
        setPolicies(policies, at: start)
    }

    public var presence: Presence {
        if asleep { return .asleep }
        if locked { return .locked }
        if idleSince != nil { return .idle }
        return .active
    }

    public var currentPolicies: [BreakPolicy] { order.compactMap { policies[$0]?.policy } }

    /// Replaces the policies (a config reload): one whose id stays keeps its counters (with the new
    /// interval and duration), a new one starts counting at `time`.
    public mutating func setPolicies(_ new: [BreakPolicy], at time: Date) {
        var next: [String: PolicyState] = [:]
        order = []
        for policy in new where next[policy.id] == nil {
            var state = policies[policy.id] ?? PolicyState(policy: policy, resetAt: time)
            state.policy = policy
            next[policy.id] = state
            order.append(policy.id)
        }
        policies = next
    }

    // MARK: Events

    /// Applies one presence change; returns the natural breaks it completed (at a return to
    /// `.active`), in policy order.
    @discardableResult
    public mutating func apply(_ event: PresenceEvent) -> [NaturalBreak] {
        let wasActive = presence == .active
        var time = max(event.time, lastEvent)
        switch event {
        case .active:
            idleSince = nil
        case .idle(let since):
            // May reach back into the current active stretch, not before it.
            time = max(since, activeSince ?? lastEvent)
            if idleSince == nil { idleSince = time }
        case .locked:
            locked = true
        case .unlocked:
            locked = false
            lastWake = time
        case .sleep:
            asleep = true
        case .resume:
            asleep = false
            lastWake = time
        }
        lastEvent = max(lastEvent, time)
        let isActive = presence == .active
        if wasActive && !isActive {
            closeStretch(at: time)
            awaySince = time
            return []
        }
        if !wasActive && isActive {
            let start = awaySince ?? time
            awaySince = nil
            activeSince = time
            var breaks: [NaturalBreak] = []
            for id in order {
                guard var state = policies[id] else { continue }
                if time.timeIntervalSince(start) >= state.policy.duration {
                    breaks.append(NaturalBreak(policy: id, start: start, end: time))
                    state.accumulated = 0
                    state.resetAt = time
                    policies[id] = state
                }
            }
            return breaks
        }
        return []
    }

    /// The person took `policy`'s break on request ("Start break" and its completion): its timer
    /// restarts at `time`. Unknown ids are ignored.
    public mutating func breakTaken(_ policy: String, at time: Date) {
        guard var state = policies[policy] else { return }
        state.accumulated = 0
        state.resetAt = time
        policies[policy] = state
    }

    private mutating func closeStretch(at end: Date) {
        guard let start = activeSince else { return }
        activeSince = nil
        for id in order {
            guard var state = policies[id] else { continue }
            state.accumulated += max(0, end.timeIntervalSince(max(start, state.resetAt)))
            policies[id] = state
        }
        if end > start { stretches.append(Stretch(start: start, end: end)) }
        let horizon = end.addingTimeInterval(-Self.stretchHorizon)
        if let first = stretches.firstIndex(where: { $0.end > horizon }), first > 0 {
            stretches.removeFirst(first)
        }
    }

    // MARK: Queries

    /// Active seconds of `policy` since its last break (its `.clock` mode does not matter here).
    public func activeTime(_ policy: String, now: Date) -> TimeInterval {
        guard let state = policies[policy] else { return 0 }
        var total = state.accumulated
        if let start = activeSince {
            total += max(0, now.timeIntervalSince(max(start, state.resetAt)))
        }
        return total
    }

    /// When `policy`'s last break ended (or counting started).
    public func lastReset(_ policy: String) -> Date? { policies[policy]?.resetAt }

    /// Seconds away so far (0 while active).
    public func awayTime(now: Date) -> TimeInterval {
        awaySince.map { max(0, now.timeIntervalSince($0)) } ?? 0
    }

    /// When `policy` is next due: nil while away (idle, locked, asleep) or for an unknown policy.
    /// `.active` mode: now + the remaining active time (now if overdue); `.clock` mode: the last
    /// reset + interval. Never inside the grace period after a resume or unlock: the grace end
    /// is returned instead.
    public func dueAt(_ policy: String, now: Date) -> Date? {
        guard presence == .active, let state = policies[policy] else { return nil }
        var due: Date
        switch state.policy.mode {
        case .active:
            let remaining = state.policy.interval - activeTime(policy, now: now)
            due = now.addingTimeInterval(max(0, remaining))
        case .clock:
            due = state.resetAt.addingTimeInterval(state.policy.interval)
        }
        if let wake = lastWake {
            let graceEnd = wake.addingTimeInterval(state.policy.grace)
            if due < graceEnd { due = graceEnd }
        }
        return due
    }

    /// The earliest `dueAt` over all policies, with its policy id.
    public func nextDue(now: Date) -> (policy: String, at: Date)? {
        var best: (policy: String, at: Date)?
        for id in order {
            guard let at = dueAt(id, now: now) else { continue }
            if best == nil || at < best!.at { best = (id, at) }
        }
        return best
    }

    // MARK: Daily totals

    /// Active seconds within the local day `day` in `zone` (midnight to midnight, so a DST day
    /// has 23 or 25 hours), up to `now`. Only the last `stretchHorizon` of history is kept.
    public func activeTime(on day: CivilDate, in zone: Zone, now: Date) -> TimeInterval {
        let dayStart = zone.date(CivilDateTime(date: day, hour: 0, minute: 0))
        let dayEnd = zone.date(CivilDateTime(date: day.adding(days: 1), hour: 0, minute: 0))
        func overlap(_ a: Date, _ b: Date) -> TimeInterval {
            let lo = max(a, dayStart), hi = min(b, dayEnd, now)
            return hi > lo ? hi.timeIntervalSince(lo) : 0
        }
        var total = stretches.reduce(0) { $0 + overlap($1.start, $1.end) }
        if let start = activeSince { total += overlap(start, now) }
        return total
    }

    /// For a daily limit of `limit` active seconds: `now` once today's (local day of `now`) total
    /// has reached it; otherwise, while active, the instant it will be reached if the person stays
    /// active, or nil when that falls after local midnight or the person is away.
    public func dailyLimitAt(_ limit: TimeInterval, in zone: Zone, now: Date) -> Date? {
        let today = zone.civil(now).date
        let total = activeTime(on: today, in: zone, now: now)
        if total >= limit { return now }
        guard presence == .active else { return nil }
        let at = now.addingTimeInterval(limit - total)
        let midnight = zone.date(CivilDateTime(date: today.adding(days: 1), hour: 0, minute: 0))
        return at <= midnight ? at : nil
    }
}
