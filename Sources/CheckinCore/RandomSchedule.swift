// Random (experience-sampling) schedules and jitter, as pure functions of their inputs.
//
// A `.random` day instance is drawn from a SplitMix64 stream keyed by (seed, reminder id, the day
// the window starts on), so the same day always gets the same times (a restart never reshuffles
// them, and a daemon that starts mid-window simply finds the earlier ones in the past) while other
// days, seeds and reminders get other times. Nothing here reads the clock, the environment or a
// global random generator; `Hasher` is not used either, because it is seeded per process.
//
// The draw, in whole minutes after the window's start (times are minute precision):
//   L = window length, g = max(1, minGap in minutes), S = min(L, 1441 - g) the usable span (a window
//   longer than 24h - g is cut short so the gap also holds from one day's last time to the next
//   day's first), n = count. Stratum i (0 ≤ i < n) is [⌊i·S/n⌋, ⌊(i+1)·S/n⌋). Stratum 0's time is
//   uniform in its stratum; stratum i's is uniform in [max(a_i, x_{i-1} + g), b_i).
// Why that range is never empty when n·g ≤ S (checked when the config is loaded, see
// `randomCapacity`): every stratum is at least ⌊S/n⌋ ≥ g minutes long, and x_{i-1} ≤ b_{i-1} - 1 =
// a_i - 1, so x_{i-1} + g ≤ a_i + g - 1 ≤ b_i - 1. Hence every stratum gets exactly one time, the
// times ascend, and consecutive ones are at least g apart. (Settings built in code that do not fit
// lose the times whose range is empty, deterministically.)
//
// The algorithm is part of the on-disk contract in effect: changing it moves every user's times.
// RandomScheduleTests pins a reference vector and exact times for fixed seeds.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SplitMix64 (Steele, Lea, Flood 2014; the seeding generator of xoshiro): a 64-bit state advanced
/// by the golden gamma and finalised by the MurmurHash3-style mixer. Small, fast, well known, and
/// good enough for spreading prompts over a day.
struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    init(state: UInt64) { self.state = state }

    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The SplitMix64 output function on its own: a bijective 64-bit mixer.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> UInt64 {
        state &+= SplitMix64.gamma
        return SplitMix64.mix(state)
    }

    /// Uniform in `0..<bound` (bound > 0), without modulo bias (rejection, at most a few draws).
    mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        let threshold = (0 &- bound) % bound   // 2^64 mod bound
        while true {
            let r = next()
            if r >= threshold { return r % bound }
        }
    }

    /// FNV-1a over UTF-8: a stable 64-bit hash of a string (unlike `Hasher`, the same in every process).
    static func fnv1a(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01B3
        }
        return h
    }

    /// What a stream is for, so the day's times and a jitter delay never share draws.
    enum Purpose: UInt64 {
        case randomDay = 0x7261_6E64_6F6D_0001   // "random" + 1
        case jitter = 0x6A69_7474_6572_0002      // "jitter" + 2
    }

    /// The stream for (seed, reminder id, purpose, value): each input passes through the mixer.
    static func stream(seed: UInt64, reminderID: String, purpose: Purpose, value: Int) -> SplitMix64 {
        var h = mix(seed &+ gamma)
        h = mix(h ^ fnv1a(reminderID))
        h = mix(h ^ purpose.rawValue)
        h = mix(h ^ UInt64(bitPattern: Int64(value)))
        return SplitMix64(state: h)
    }
}

extension ScheduleSpec {
    // MARK: - Random schedules

    /// The minimum gap in whole minutes that the draw enforces (at least 1: distinct minutes).
    static func gapMinutes(_ minGap: Int) -> Int { max(1, (minGap + 59) / 60) }

    /// The part of the window the times are drawn from, in minutes after its start: the whole
    /// window unless it is longer than 24 hours minus the gap (see the file comment).
    static func randomSpan(window: TimeWindow, minGap: Int) -> Int {
        let bounds = windowBounds(window)
        let length = (bounds.end - bounds.start) / 60
        return max(0, min(length, 1441 - gapMinutes(minGap)))
    }

    /// The most times a day that fit in `window` at least `minGap` seconds apart (one per minute
    /// without a gap), given the stratified draw: ⌊span / gap⌋, and 1 whenever the span is not empty.
    public static func randomCapacity(window: TimeWindow, minGap: Int) -> Int {
        let span = randomSpan(window: window, minGap: minGap)
        guard span > 0 else { return 0 }
        return max(1, span / gapMinutes(minGap))
    }

    /// The day's draw: minutes after the window's start, ascending (see the file comment).
    static func randomMinutes(count: Int, window: TimeWindow, minGap: Int, seed: UInt64, reminderID: String,
                              dayNumber: Int) -> [Int] {
        let span = randomSpan(window: window, minGap: minGap)
        guard count > 0, span > 0 else { return [] }
        let gap = gapMinutes(minGap)
        var rng = SplitMix64.stream(seed: seed, reminderID: reminderID, purpose: .randomDay, value: dayNumber)
        var out: [Int] = []
        out.reserveCapacity(count)
        var previous: Int?
        for i in 0..<count {
            let a = i * span / count, b = (i + 1) * span / count
            let low = max(a, previous.map { $0 + gap } ?? a)
            guard low < b else { continue }   // only for settings that do not fit (validated at load time)
            let x = low + Int(rng.next(below: UInt64(b - low)))
            out.append(x)
            previous = x
        }
        return out
    }

    /// The wall-clock times of the day instance that starts on `day` (a window crossing midnight
    /// continues into the next date), ascending, before daylight-saving resolution and quiet hours;
    /// empty when the day is not active. For every kind of schedule; for `.random` these are the
    /// day's drawn times, e.g. for `checkin next` or to explain a day.
    public func wallTimes(on day: CivilDate) -> [CivilDateTime] {
        localSeconds(onDay: day.daysSinceEpoch).map { CivilDateTime(secondsSinceEpoch: $0) }
    }

    /// The seed a `.random` schedule draws with (nil: none set, or not random).
    public var seed: UInt64? {
        if case .random(_, _, _, _, let seed, _) = self { return seed }
        return nil
    }

    /// This schedule with `seed` filled in where it has none (only `.random` has a seed).
    public func withDefaultSeed(_ seed: UInt64) -> ScheduleSpec {
        guard case .random(let count, let window, let minGap, let days, .none, let id) = self else { return self }
        return .random(count: count, window: window, minGap: minGap, days: days, seed: seed, reminderID: id)
    }
}

extension Reminder {
    /// This reminder with `seed` filled into a `.random` schedule that has none.
    public func withDefaultSeed(_ seed: UInt64) -> Reminder {
        var copy = self
        copy.schedule = schedule.withDefaultSeed(seed)
        return copy
    }

    // MARK: - Jitter

    /// The next firing: the first occurrence (in schedule order) whose jittered time is strictly
    /// after `after`. `scheduled` is the occurrence (the prompt's scheduled time), `fireAt` the
    /// moment to show it: `scheduled` plus a delay drawn uniformly from [0, room) with the
    /// SplitMix64 stream of (`seed`, id, `scheduled`), where room is `jitter` cut down so that
    /// `fireAt` stays before the end of the occurrence's window (`every`, `random`), before the next
    /// occurrence and before the next quiet-hours minute. Like systemd's RandomizedDelaySec, but
    /// deterministic, so a restart between `scheduled` and `fireAt` returns the same pair.
    /// Without jitter `fireAt == scheduled`. Because each `fireAt` comes before the next
    /// occurrence, calling this again with the returned `fireAt` walks every occurrence in order.
    /// `seed` is the install's seed: it keys the delay and stands in for a `.random` schedule's
    /// missing seed (as `withDefaultSeed(_:)` does).
    public func firing(after: Date, in zone: Zone, quietHours: [TimeWindow] = [], seed: UInt64)
        -> (scheduled: Date, fireAt: Date)? {
        let spec = schedule.withDefaultSeed(seed)
        guard jitter > 0 else {
            return spec.next(after: after, in: zone, quietHours: quietHours).map { ($0, $0) }
        }
        // An occurrence at or before after - jitter fires at or before after - 1: never a candidate.
        var candidates = spec.occurrences(from: after.addingTimeInterval(-Double(jitter)), through: after,
                                          in: zone, quietHours: quietHours)
        if let upcoming = spec.next(after: after, in: zone, quietHours: quietHours) { candidates.append(upcoming) }
        for (i, scheduled) in candidates.enumerated() {
            let following = i + 1 < candidates.count
                ? candidates[i + 1] : spec.next(after: scheduled, in: zone, quietHours: quietHours)
            let fireAt = jittered(scheduled, following: following, spec: spec, zone: zone, quietHours: quietHours, seed: seed)
            if fireAt > after { return (scheduled, fireAt) }
        }
        return nil
    }

    /// Every firing whose `fireAt` lies in `(from, through]`, in order (for catching up after a
    /// downtime): the same pairs `firing(after:...)` returns one by one.
    public func firings(from: Date, through: Date, in zone: Zone, quietHours: [TimeWindow] = [], seed: UInt64)
        -> [(scheduled: Date, fireAt: Date)] {
        guard from < through else { return [] }
        let spec = schedule.withDefaultSeed(seed)
        let occurrences = spec.occurrences(from: from.addingTimeInterval(-Double(jitter)), through: through,
                                           in: zone, quietHours: quietHours)
        guard jitter > 0 else { return occurrences.filter { $0 > from }.map { ($0, $0) } }
        var out: [(scheduled: Date, fireAt: Date)] = []
        for (i, scheduled) in occurrences.enumerated() {
            let following = i + 1 < occurrences.count
                ? occurrences[i + 1] : spec.next(after: scheduled, in: zone, quietHours: quietHours)
            let fireAt = jittered(scheduled, following: following, spec: spec, zone: zone, quietHours: quietHours, seed: seed)
            if fireAt > from, fireAt <= through { out.append((scheduled, fireAt)) }
        }
        return out
    }

    /// `scheduled` plus its deterministic delay (see `firing(after:in:quietHours:seed:)`).
    func jittered(_ scheduled: Date, following: Date?, spec: ScheduleSpec, zone: Zone, quietHours: [TimeWindow],
                  seed: UInt64) -> Date {
        let s = Zone.seconds(scheduled)
        var room = jitter
        if let following { room = min(room, Zone.seconds(following) - s) }
        if let window = spec.window(containing: scheduled, in: zone) { room = min(room, Zone.seconds(window.end) - s) }
        if room > 1, let quiet = zone.firstQuietMinute(after: s, before: s + room, quietHours) { room = min(room, quiet - s) }
        guard room > 1 else { return scheduled }
        var rng = SplitMix64.stream(seed: seed, reminderID: id, purpose: .jitter, value: s)
        return scheduled.addingTimeInterval(Double(rng.next(below: UInt64(room))))
    }
}

extension Config {
    /// The store state key (`Store.stateValue(_:)`) under which the daemon keeps the per-install
    /// seed, as a decimal UInt64, so the daemon and the CLI draw the same times.
    public static let installSeedStateKey = "schedule.install-seed"

    /// This config with `seed` filled into every `.random` schedule that has none. The daemon calls
    /// it with the per-install seed it keeps in its store, after every load and reload.
    public func withDefaultSeed(_ seed: UInt64) -> Config {
        var copy = self
        copy.reminders = reminders.map { $0.withDefaultSeed(seed) }
        copy.questionnaireReminders = questionnaireReminders.map {
            var q = $0
            q.schedule = q.schedule.withDefaultSeed(seed)
            q.reminder = q.reminder.withDefaultSeed(seed)
            return q
        }
        return copy
    }
}

extension Zone {
    /// The first local-minute boundary in `(t, limit)` whose minute lies in quiet hours, if any.
    /// (Boundaries are taken from `t`'s offset: exact for zones whose offsets are whole minutes.)
    func firstQuietMinute(after t: Int, before limit: Int, _ quietHours: [TimeWindow]) -> Int? {
        guard !quietHours.isEmpty else { return nil }
        var m = t - CivilMath.floorMod(t + localType(at: t).offset, 60) + 60
        while m < limit {
            if isQuiet(m, quietHours) { return m }
            m += 60
        }
        return nil
    }
}
