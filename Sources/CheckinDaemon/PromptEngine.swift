// The reminder engine: decides when each reminder fires, turns firings into prompts, delivers them
// as notifications, and walks every prompt through its states (scheduled → delivered → answered |
// snoozed | skipped | dismissed | expired | missed), recording each step in the store.
//
// It runs on the daemon's serial queue only. It never reads the clock itself: `clock()` is injected,
// and the owner arms one wake-up timer at `nextWakeup` and calls `tick()` when it fires.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CheckinCore
import Logging
import SystemdKit

/// What the engine needs from a notification server (the real one is `NotificationsClient`).
public protocol NotificationSink: AnyObject {
    func notify(_ request: NotificationRequest, completion: @escaping (Result<UInt32, SystemdError>) -> Void)
    func closeNotification(id: UInt32)
}

extension NotificationsClient: NotificationSink {
    public func closeNotification(id: UInt32) { close(id: id) }
}

public final class PromptEngine {
    /// One prompt the engine is looking after.
    final class Active {
        var record: PromptRecord
        let reminder: Reminder
        /// The question being asked: the first one, or the follow-up after it was answered.
        var stage: Stage = .question
        var notificationID: UInt32?
        /// A Notify call is in flight; its id is not known yet.
        var delivering = false
        var deliverAt: Date
        var expiresAt: Date?
        var entryID: Int64?
        /// The value chosen for the first question, shown in the follow-up.
        var firstAnswer: Int?
        var pendingNote: String?
        /// Started by an explicit request (Trigger): delivered even while paused.
        var explicit = false
        /// Held back while do-not-disturb is on (`dnd: defer`); shown when it ends.
        var heldByDND = false
        /// A break held back while the person is away; shown when they are back (after the grace
        /// period), or closed by the natural break their absence makes.
        var heldAway = false
        /// A questionnaire reminder's questionnaire; `answers` holds the items answered so far
        /// (in memory only: the response is written when the last item is answered).
        var questionnaire: Questionnaire?
        var answers: [Int] = []
        /// When the first item was answered.
        var startedAt: Date?

        enum Stage { case question, followUp }

        init(record: PromptRecord, reminder: Reminder, deliverAt: Date) {
            self.record = record
            self.reminder = reminder
            self.deliverAt = deliverAt
        }
    }

    public private(set) var config: Config
    public private(set) var zone: Zone
    let store: Store
    let clock: () -> Date
    let logger: Logger
    let makeID: () -> String
    /// Called whenever the earliest wake-up may have changed.
    public var onWakeupChanged: ((Date?) -> Void)?
    /// Called after state visible in STATUS= changed.
    public var onStatusChanged: (() -> Void)?
    /// Called when a prompt's question is shown (a notification server accepted it): reminder id,
    /// prompt id, reminder kind.
    public var onDelivered: ((_ reminder: String, _ promptID: String, _ kind: String) -> Void)?
    /// Called after an entry was committed from a notification answer: entry id, reminder id, source.
    public var onEntryRecorded: ((_ entryID: Int64, _ reminder: String, _ source: String) -> Void)?
    /// Called when the pause starts, changes or ends (also when a timed pause runs out).
    public var onPauseChanged: (() -> Void)?

    weak var sink: NotificationSink?
    /// nil until GetCapabilities answered; then the server's capabilities.
    public private(set) var capabilities: Set<String>?
    public var serverAvailable: Bool { capabilities != nil }

    /// One pending firing per enabled reminder: when it is scheduled, and when it fires (later by
    /// the reminder's jitter).
    struct Pending {
        var scheduled: Date
        var fireAt: Date
    }
    var nextFire: [String: Pending] = [:]
    /// Seeds random schedules without their own seed and jitter; made once per journal and kept
    /// in it, so a restart never reshuffles the day.
    public let installSeed: UInt64
    private(set) var active: [String: Active] = [:]          // by prompt id
    /// Whether reminders are paused (kept in the journal's state table, so it survives a restart).
    public private(set) var pause: PauseState
    /// Firings skipped ahead of time (Skip()): reminder id → their scheduled times. Each is
    /// recorded as a skipped prompt when skipped; when it comes due nothing more happens.
    var skippedFirings: [String: Set<Date>] = [:]
    private var byNotification: [UInt32: String] = [:]       // notification id → prompt id
    // Activity and do-not-disturb (Breaks.swift):
    /// Combines the activity sources' reports into one presence stream.
    var combiner = PresenceCombiner()
    /// Active time, natural breaks and due times of the break reminders.
    public internal(set) var tracker: ActivityTracker
    /// Whether the notification server's do-not-disturb is on (the daemon's DND monitors say).
    public internal(set) var doNotDisturb = false
    /// The activity sources whose services are there now (the daemon sets it).
    public var activitySourcesInUse: () -> [String] = { [] }
    /// When each reminder last started a prompt from an activity due time (rate limit).
    var lastActivityFiring: [String: Date] = [:]
    /// `mode: active` breaks whose pending firing is the start of their next window (Breaks.swift).
    var activityWindowStarts: Set<String> = []
    /// "No activity source" was logged.
    var loggedNoActivitySource = false
    /// When recent scheduled prompts were handed to the server (the global rate limit, Breaks.swift).
    var recentDeliveries: [Date] = []
    /// Snoozes from notification buttons per reminder on one local day (`maxSnoozesPerDay`).
    var snoozesToday: (day: String, counts: [String: Int])?
    /// When "Start break" was last used per break reminder, and when that break ends.
    var startedBreaks: [String: (start: Date, end: Date)] = [:]
    /// Started breaks whose end is announced ("Break over", with `welcomeBack`), by reminder.
    var breakEndNotices: [String: Date] = [:]
    /// Breaks whose pre-break warning for their pending firing was shown.
    var warned: Set<String> = []
    /// The local day whose daily-limit notice was shown (kept in the journal's state table).
    var dailyLimitShownOn: String?
    /// The local day whose wellbeing check (break-day reminders, nudges) ran (Wellbeing.swift).
    var wellbeingCheckedOn: String?
    /// A nudge check that could not show anything yet (paused, do-not-disturb, no server).
    var nudgeCheckWaiting = false

    public init(config: Config, zone: Zone, store: Store, logger: Logger,
                clock: @escaping () -> Date, makeID: @escaping () -> String = { UUID().uuidString.lowercased() }) {
        self.installSeed = Self.loadInstallSeed(store: store, logger: logger)
        self.pause = Self.loadPause(store: store, logger: logger)
        self.config = config.withDefaultSeed(installSeed)
        self.zone = zone
        self.store = store
        self.logger = logger
        self.clock = clock
        self.makeID = makeID
        self.tracker = ActivityTracker(policies: config.enabledReminders.compactMap(\.breakPolicy), start: clock())
        self.dailyLimitShownOn = try? store.stateValue(Self.dailyLimitStateKey)
    }

    /// The journal's install seed, made and stored on first use. If the journal cannot keep it,
    /// this run uses a fresh one (random schedules may then differ after a restart: logged).
    static func loadInstallSeed(store: Store, logger: Logger) -> UInt64 {
        if let text = try? store.stateValue(Config.installSeedStateKey), let seed = UInt64(text) { return seed }
        let seed = UInt64.random(in: .min ... .max)
        do {
            try store.setStateValue(Config.installSeedStateKey, String(seed))
        } catch {
            logger.warning("Could not store the schedule seed; random times may change after a restart: \(error)")
        }
        return seed
    }

    // MARK: - Life cycle

    /// Closes out prompts a previous run left open (it crashed or was killed), then plans.
    public func start() {
        let now = clock()
        loadSkippedFirings(now: now)
        do {
            for old in try store.openPrompts() {
                let state: PromptState = old.deliveredAt == nil && old.state == .scheduled ? .missed : .expired
                try store.updatePrompt(id: old.id, state: state, at: now)
                logger.event(state == .missed ? .missed : .expired,
                             "Prompt \(old.id) of \(old.reminder) left open by an earlier run recorded as \(state.rawValue)",
                             reminder: old.reminder, prompt: old.id)
            }
        } catch {
            logger.error("Could not close out prompts left open by an earlier run: \(error)")
        }
        catchUp(now: now)
        nudgeCheckWaiting = true  // once at start, when a server is there (Wellbeing.swift)
        replan(after: now)
        if let due = nextWakeup, due <= now { tick() } else { markSeen(now) }
    }

    /// The state key holding the last time the engine was awake (Unix seconds).
    static let lastSeenKey = "engine.last-seen"
    /// How far back a downtime is looked at; older firings are not recorded at all.
    static let catchUpHorizon: TimeInterval = 7 * 86400

    /// Firings that fell while checkind was not running (stopped, crashed, the user manager was
    /// down): the latest of each reminder is shown late if its window is still open, every other
    /// one is recorded as missed. Never a backlog.
    private func catchUp(now: Date) {
        guard let text = try? store.stateValue(Self.lastSeenKey), let seconds = Double(text) else { return }
        let lastSeen = Date(timeIntervalSince1970: seconds)
        guard lastSeen < now else { return }
        let from = max(lastSeen, now.addingTimeInterval(-Self.catchUpHorizon))
        for reminder in config.scheduledReminders {
            let due = reminder.firings(from: from, through: now, in: zone, quietHours: config.quietHours, seed: installSeed)
            let live = settlePausedAndSkipped(reminder, due, now: now)
            if let latest = settleOverdue(reminder, live, now: now, context: "checkind was not running") {
                nextFire[reminder.id] = latest  // shown once, late, by the first tick
            }
        }
        endPauseIfOver(now)
    }

    /// Of firings that came due, drops those skipped ahead of time (already recorded) and records
    /// those that fell in the pause as skipped (action "paused"); returns the rest.
    func settlePausedAndSkipped(_ reminder: Reminder, _ due: [(scheduled: Date, fireAt: Date)],
                                        now: Date) -> [(scheduled: Date, fireAt: Date)] {
        var live: [(scheduled: Date, fireAt: Date)] = []
        for f in due {
            if skippedFirings[reminder.id]?.remove(f.scheduled) != nil { continue }
            if pause.covers(f.fireAt) {
                recordPaused(reminder, scheduledAt: f.scheduled, now: now)
            } else {
                live.append(f)
            }
        }
        return live
    }

    /// Of several firings that are due at `now` (after a suspend, a clock jump or downtime), all
    /// but the latest are recorded as missed; the latest is returned if it may still be shown,
    /// else recorded as missed too. So: at most one late prompt per reminder, never a backlog.
    private func settleOverdue(_ reminder: Reminder, _ due: [(scheduled: Date, fireAt: Date)], now: Date,
                               context: String?) -> Pending? {
        guard let latest = due.last else { return nil }
        let prefix = context.map { "\($0); " } ?? ""
        for f in due.dropLast() {
            recordMissed(reminder, scheduledAt: f.scheduled, now: now, reason: "\(prefix)a later one is due")
        }
        let pending = Pending(scheduled: latest.scheduled, fireAt: latest.fireAt)
        if reminder.catchUp == .none, now.timeIntervalSince(latest.fireAt) > 60 {
            recordMissed(reminder, scheduledAt: latest.scheduled, now: now, reason: prefix + "catchUp is \"none\"")
            return nil
        }
        if let reason = tooLate(reminder, pending, now: now) {
            recordMissed(reminder, scheduledAt: latest.scheduled, now: now, reason: prefix + reason)
            return nil
        }
        return pending
    }

    /// Remembers that the engine was awake at `now`, for the next start's catch-up.
    private func markSeen(_ now: Date) {
        do {
            try store.setStateValue(Self.lastSeenKey, String(now.timeIntervalSince1970))
        } catch {
            logger.warning("Could not record the time checkind was last awake: \(error)")
        }
    }

    /// Swaps in a new config (reload). Open prompts of reminders that still exist keep going.
    public func apply(config newConfig: Config, zone newZone: Zone) {
        config = newConfig.withDefaultSeed(installSeed)
        zone = newZone
        nextFire = [:]
        wellbeingCheckedOn = nil  // new tracked items or nudges are looked at (each is shown once a day anyway)
        warned = []
        tracker.setPolicies(config.enabledReminders.compactMap(\.breakPolicy), at: clock())
        replan(after: clock())
    }

    /// The wall clock jumped, the time zone changed or the machine resumed: every next firing is
    /// computed again from the new now (in `zone`), then whatever is due runs.
    public func timeChanged(zone newZone: Zone) {
        tick()  // what became due (a forward jump, a resume) is handled with the old plan first
        zone = newZone
        nextFire = [:]
        replan(after: clock())
    }

    func replan(after now: Date) {
        for reminder in config.scheduledReminders where nextFire[reminder.id] == nil {
            if reminder.followsActivity {
                nextFire[reminder.id] = activityFiring(reminder, now: now)
                continue
            }
            if let next = nextFiring(reminder, after: now) {
                nextFire[reminder.id] = Pending(scheduled: next.scheduled, fireAt: next.fireAt)
                logger.event(.scheduled, "Next \(reminder.id) at \(LocalFormat.dateTime(next.fireAt, in: zone))",
                             level: .debug, reminder: reminder.id,
                             extra: ["checkin_next_at": .string(LocalFormat.iso8601(next.fireAt, in: zone))])
            }
        }
        wakeupChanged()
    }

    public var nextWakeup: Date? {
        var earliest = nextFire.values.map(\.fireAt).min()
        if let limit = dailyLimitDue(now: clock()) { earliest = min(earliest ?? limit, limit) }
        if let warning = nextWarning() { earliest = min(earliest ?? warning, warning) }
        if let end = breakEndNotices.values.min() { earliest = min(earliest ?? end, end) }
        if let check = wellbeingCheckDue(now: clock()) { earliest = min(earliest ?? check, check) }
        if case .until(let end) = pause { earliest = min(earliest ?? end, end) }
        for a in active.values {
            if !a.delivering && a.notificationID == nil && serverAvailable {
                earliest = min(earliest ?? a.deliverAt, a.deliverAt)
            }
            if let e = a.expiresAt { earliest = min(earliest ?? e, e) }
        }
        return earliest
    }

    /// The next delivery the engine will really make (see `plannedDeliveries(count:)`): reminder
    /// id and time.
    public var upcoming: (reminder: String, at: Date)? {
        plannedDeliveries(count: 1).first.map { ($0.reminder, $0.at) }
    }

    func wakeupChanged() {
        onWakeupChanged?(nextWakeup)
        onStatusChanged?()
    }

    /// Does everything that is due at the clock's now.
    public func tick() {
        let now = clock()
        // Expiries first, so a new prompt of the same reminder does not meet a stale one.
        for a in active.values.sorted(by: { $0.record.scheduledAt < $1.record.scheduledAt }) {
            if let e = a.expiresAt, e <= now { expire(a, at: now) }
        }
        for (id, pending) in nextFire.sorted(by: { $0.value.fireAt < $1.value.fireAt }) where pending.fireAt <= now {
            nextFire[id] = nil
            warned.remove(id)
            guard let reminder = config.scheduledReminder(id: id), reminder.enabled else { continue }
            if reminder.followsActivity {
                fireActivityBreak(reminder, pending, now: now)
                continue
            }
            // After a suspend several firings may be due: the latest decides, the rest are missed.
            var due = [(scheduled: pending.scheduled, fireAt: pending.fireAt)]
            due += reminder.firings(from: pending.fireAt, through: now, in: zone, quietHours: config.quietHours, seed: installSeed)
                .filter { $0.scheduled > pending.scheduled }
            // Paused: recorded as skipped, never shown late. Skipped ahead: already recorded.
            let live = settlePausedAndSkipped(reminder, due, now: now)
            if let latest = settleOverdue(reminder, live, now: now, context: nil) {
                fireScheduled(reminder, scheduledAt: latest.scheduled, now: now)
            }
        }
        for a in active.values where a.notificationID == nil && !a.delivering && a.deliverAt <= now {
            if !a.explicit && pause.covers(a.deliverAt) {
                // A snoozed prompt (or one waiting for a server) comes back during the pause.
                finish(a, state: .skipped, at: now, action: "paused")
                logger.event(.skipped, "\(a.reminder.id) not shown again: reminders are paused", reminder: a.reminder.id,
                             prompt: a.record.id, extra: ["checkin_action": "paused"])
            } else {
                deliver(a)
            }
        }
        endPauseIfOver(now)
        checkDailyLimit(now: now)
        warnBeforeBreaks(now: now)
        endStartedBreaks(now: now)
        wellbeingCheck(now: now)
        replan(after: now)
        markSeen(now)
    }

    /// Why a firing that is due at `now` should not be shown any more, or nil to show it.
    /// Up to a minute late is on time (timer slack); later than that happens after a suspend.
    /// Lateness counts from `fireAt` (jitter is not lateness); the window is the scheduled one's.
    func tooLate(_ reminder: Reminder, _ pending: Pending, now: Date) -> String? {
        let scheduledAt = pending.scheduled
        let late = now.timeIntervalSince(pending.fireAt)
        guard late > 60 else { return nil }
        let minute = zone.civil(now).minuteOfDay
        if config.quietHours.contains(where: { $0.contains(minuteOfDay: minute) }) {
            return "it is quiet hours now"
        }
        if let window = reminder.schedule.window(containing: scheduledAt, in: zone) {
            return now >= window.end ? "its window closed at \(LocalFormat.time(window.end, in: zone))" : nil
        }
        return late >= Double(reminder.expireAfter) ? "it is \(DurationText.format(Int(late))) late" : nil
    }

    /// A firing that came due while paused: recorded as skipped with action "paused".
    private func recordPaused(_ reminder: Reminder, scheduledAt: Date, now: Date) {
        let record = PromptRecord(id: makeID(), reminder: reminder.id, kind: reminder.kind.rawValue, scheduledAt: scheduledAt,
                                  deliveredAt: nil, notificationID: nil, state: .skipped, outcomeAt: now, action: "paused",
                                  snoozeCount: 0)
        do {
            try store.insertPrompt(record)
        } catch {
            logger.error("Could not record a paused firing of \(reminder.id): \(error)")
        }
        logger.event(.skipped, "\(reminder.id) due at \(LocalFormat.dateTime(scheduledAt, in: zone)) not shown: reminders are paused",
                     reminder: reminder.id, prompt: record.id, extra: ["checkin_action": "paused"])
    }

    private func recordMissed(_ reminder: Reminder, scheduledAt: Date, now: Date, reason: String) {
        let record = PromptRecord(id: makeID(), reminder: reminder.id, kind: reminder.kind.rawValue, scheduledAt: scheduledAt,
                                  deliveredAt: nil, notificationID: nil, state: .missed, outcomeAt: now, action: nil, snoozeCount: 0)
        do {
            try store.insertPrompt(record)
        } catch {
            logger.error("Could not record a missed prompt of \(reminder.id): \(error)")
        }
        logger.event(.missed, "\(reminder.id) due at \(LocalFormat.dateTime(scheduledAt, in: zone)) not shown: \(reason)",
                     reminder: reminder.id, prompt: record.id)
    }

    // MARK: - Prompts

    /// Starts a prompt for `reminder` now (the schedule fired, or a Trigger call). An `explicit`
    /// prompt (Trigger) is shown even while reminders are paused, also when it comes back from a
    /// snooze.
    @discardableResult
    public func fire(_ reminder: Reminder, scheduledAt: Date, now: Date, explicit: Bool = false, deliverAt: Date? = nil) -> String {
        // One open prompt per reminder: an older unanswered one is closed as expired and its
        // notification replaced, so notifications never pile up.
        var replaces: UInt32?
        for old in active.values where old.reminder.id == reminder.id {
            replaces = old.notificationID
            if old.stage == .question {
                finish(old, state: .expired, at: now, closeNotification: false)
                logger.event(.expired, "Prompt \(old.record.id) of \(reminder.id) superseded by a new one",
                             reminder: reminder.id, prompt: old.record.id)
            } else {
                finish(old, state: nil, at: now, closeNotification: false)
            }
        }
        let record = PromptRecord(id: makeID(), reminder: reminder.id, kind: reminder.kind.rawValue,
                                  scheduledAt: scheduledAt, deliveredAt: nil, notificationID: nil,
                                  state: .scheduled, outcomeAt: nil, action: nil, snoozeCount: 0)
        do {
            try store.insertPrompt(record)
        } catch {
            logger.error("Could not record prompt of \(reminder.id): \(error)",
                         metadata: ["checkin_reminder": .string(reminder.id)])
        }
        let a = Active(record: record, reminder: reminder, deliverAt: max(now, deliverAt ?? now))
        a.explicit = explicit
        a.questionnaire = questionnaire(of: reminder)
        // Unanswered prompts expire even when no server could show them.
        a.expiresAt = a.deliverAt.addingTimeInterval(TimeInterval(reminder.expireAfter))
        active[record.id] = a
        if a.deliverAt <= now {
            deliver(a, replacing: replaces)
        } else if let replaces, replaces != 0 {
            sink?.closeNotification(id: replaces)
        }
        wakeupChanged()
        return record.id
    }

    func deliver(_ a: Active, replacing: UInt32? = nil) {
        if holdWhileAway(a, replacing: replacing) || holdForDoNotDisturb(a, replacing: replacing) || holdForRateLimit(a) { return }
        guard let sink, let caps = capabilities else {
            logger.warning("No notification server; \(a.reminder.id) waits until one appears",
                           metadata: ["checkin_reminder": .string(a.reminder.id), "checkin_prompt_id": .string(a.record.id)])
            return
        }
        let request = notificationRequest(for: a, capabilities: caps, replacing: replacing ?? a.notificationID ?? 0)
        a.delivering = true
        sink.notify(request) { [weak self] result in
            guard let self else { return }
            a.delivering = false
            guard self.active[a.record.id] === a else {
                // Finished while the call was in flight: take the notification down again.
                if case .success(let id) = result { self.sink?.closeNotification(id: id) }
                return
            }
            switch result {
            case .success(let id):
                if let old = a.notificationID, old != id { self.byNotification[old] = nil }
                a.notificationID = id
                self.byNotification[id] = a.record.id
                let now = self.clock()
                // (A questionnaire's next item is the same prompt still being answered; after a
                // snooze it is shown again.)
                if a.stage == .question && (a.answers.isEmpty || a.record.state != .delivered) {
                    if a.record.deliveredAt == nil { a.record.deliveredAt = now }
                    a.record.state = .delivered
                    a.record.notificationID = id
                    do {
                        try self.store.updatePrompt(id: a.record.id, state: .delivered, at: now,
                                                    deliveredAt: a.record.deliveredAt, notificationID: id)
                    } catch {
                        self.logger.error("Could not record delivery of \(a.record.id): \(error)")
                    }
                    self.logger.event(.delivered, "Delivered \(a.reminder.id) (notification \(id))",
                                      reminder: a.reminder.id, prompt: a.record.id,
                                      extra: ["checkin_notification_id": .stringConvertible(id)])
                    self.onDelivered?(a.reminder.id, a.record.id, a.reminder.kind.rawValue)
                }
            case .failure(let error):
                self.logger.event(.deliveryFailed, "Could not deliver \(a.reminder.id): \(error)", level: .warning,
                                  reminder: a.reminder.id, prompt: a.record.id)
                // Try again when a server (re)appears; do not spin on a failing server.
                a.deliverAt = .distantFuture
            }
            self.wakeupChanged()
        }
    }

    func notificationRequest(for a: Active, capabilities caps: Set<String>, replacing: UInt32) -> NotificationRequest {
        let r = a.reminder
        let hasActions = caps.contains("actions")
        var actions: [(key: String, label: String)] = []
        var summary = r.title
        var lines: [String] = r.message.isEmpty ? [] : [r.message]
        let snooze = a.record.snoozeCount < r.maxSnoozes && mayStillSnoozeToday(r)
            ? [("snooze", "Snooze \(Self.humanDuration(r.snooze))")] : []
        /// The scale in the body too: dunst and mako show actions only in a menu, GNOME only three.
        func ask(_ q: Question, measure: String) {
            summary = q.title
            actions = q.scale.points.map { (String($0), q.scale.buttonTitle(for: $0)) }
            if hasActions {
                if !q.scale.labels.isEmpty {
                    // No-break spaces keep "5 Very good" on one line when the server wraps.
                    let items = q.scale.points.map { q.scale.buttonTitle(for: $0).replacingSpaces(with: "\u{00A0}") }
                    lines.append(items.joined(separator: " · "))
                }
            } else {
                lines.append("Record it with: checkin log --\(measure) N (\(q.scale.rangeDescription))")
            }
        }
        switch (r.kind, a.stage) {
        case (.mood, .question):
            if let q = r.question { ask(q, measure: q.measure.rawValue) }
            actions += snooze
        case (.mood, .followUp):
            lines = []
            if let q = r.question, let v = a.firstAnswer {
                lines.append("Recorded \(q.measure.rawValue) \(v)" + (q.scale.label(for: v).map { " (\($0))" } ?? "") + ".")
            }
            if let q = r.followUp { ask(q, measure: q.measure.rawValue) }
            actions.append(("skip", "Skip"))
        case (.break, _):
            actions = [("done", "Start break")] + snooze + [("skip", "Skip")]
        case (.use, _):
            // A yes/no question about today; without actions, the command that records a use.
            let item = String(r.id.dropFirst("tracked.".count))
            lines = []
            if hasActions {
                actions = [("yes", "Yes"), ("no", "No")]
            } else {
                lines.append("Record it with: checkin use \(item)")
            }
        case (.questionnaire, _):
            if let q = a.questionnaire, a.answers.count < q.items.count {
                let i = a.answers.count
                // The reminder's title (by default the questionnaire's) and where we are.
                summary = "\(r.title) (\(i + 1) of \(q.items.count))"
                // Its own message first, on the first item (by default it is the intro, shown anyway).
                lines = i == 0 && !r.message.isEmpty && r.message != q.intro ? [r.message] : []
                if !q.intro.isEmpty { lines.append(q.intro) }
                lines.append(q.items[i])
                if hasActions {
                    actions = q.options.map { (String($0.value), $0.label) }
                    // Every option in the body too: GNOME shows three buttons, dunst and mako a menu.
                    // Only the options: no Snooze button takes one of GNOME's three places
                    // (Snooze() on the control interface still works).
                    lines.append(q.options.map { $0.label.replacingSpaces(with: "\u{00A0}") }.joined(separator: " · "))
                } else {
                    lines.append("Answer it with: checkin log --questionnaire \(q.name)")
                }
            }
        }
        if r.kind == .mood && caps.contains("inline-reply") && hasActions {
            actions.append(("inline-reply", "Add a note"))
        }
        var body = lines.joined(separator: "\n")
        if !caps.contains("body") { body = "" }
        if caps.contains("body-markup") { body = Self.escapeMarkup(body) }
        let timeout = a.expiresAt.map { max(1, Int32(min(86400, $0.timeIntervalSince(clock()))) * 1000) } ?? -1
        return NotificationRequest(
            appName: "checkin", replacesID: replacing,
            // Neutral, standard icon names (freedesktop Icon Naming Spec).
            icon: r.kind == .break ? "appointment-soon" : "face-plain",
            summary: summary, body: body, actions: hasActions ? actions : [],
            hints: ["category": .string("x-checkin.\(r.kind.rawValue)"), "urgency": .byte(1)],
            expireTimeout: timeout)
    }

    /// Servers with `body-markup` read the body as a small HTML subset: keep text text.
    static func escapeMarkup(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// "10 min", "1 h", "1 h 30 min" for button labels.
    static func humanDuration(_ seconds: Int) -> String {
        let h = seconds / 3600, m = seconds % 3600 / 60
        if h == 0 { return "\(max(1, m)) min" }
        return m == 0 ? "\(h) h" : "\(h) h \(m) min"
    }

    /// Ends a prompt: records `state` (unless nil), forgets it, and closes its notification.
    func finish(_ a: Active, state: PromptState?, at now: Date, action: String? = nil, closeNotification: Bool = true) {
        if let state {
            a.record.state = state
            do {
                try store.updatePrompt(id: a.record.id, state: state, at: now, action: action)
            } catch {
                logger.error("Could not record \(state.rawValue) for \(a.record.id): \(error)")
            }
        }
        active[a.record.id] = nil
        if let id = a.notificationID {
            byNotification[id] = nil
            if closeNotification { sink?.closeNotification(id: id) }
        }
        wakeupChanged()
    }

    private func expire(_ a: Active, at now: Date) {
        if a.stage == .followUp {
            finish(a, state: nil, at: now)
            return
        }
        finish(a, state: .expired, at: now)
        logger.event(.expired, "Nobody answered \(a.reminder.id); recorded as expired",
                     reminder: a.reminder.id, prompt: a.record.id)
    }

    // MARK: - Notification server events

    public func serverAppeared(capabilities caps: [String]) {
        capabilities = Set(caps)
        logger.info("Notification server available (capabilities: \(caps.sorted().joined(separator: ", ")))")
        let now = clock()
        for a in active.values where a.notificationID == nil && !a.delivering {
            a.deliverAt = now
        }
        tick()
    }

    /// A restarted server forgets every id: drop ours and deliver again when one appears.
    public func serverVanished() {
        capabilities = nil
        byNotification = [:]
        for a in active.values {
            a.notificationID = nil
            a.deliverAt = clock()
        }
        logger.warning("Notification server went away; open prompts will be shown again when one appears")
        wakeupChanged()
    }

    public func handle(_ event: NotificationEvent) {
        switch event {
        case .actionInvoked(let id, let action):
            guard let promptID = byNotification[id], let a = active[promptID] else { return }  // not ours
            handleAction(a, action: action)
        case .closed(let id, let reason):
            guard let promptID = byNotification[id], let a = active[promptID] else { return }
            byNotification[id] = nil
            a.notificationID = nil
            let now = clock()
            if a.stage == .followUp {
                finish(a, state: nil, at: now, closeNotification: false)
                return
            }
            switch reason {
            case 1:  // expired on the server
                finish(a, state: .expired, at: now, closeNotification: false)
                logger.event(.expired, "The notification for \(a.reminder.id) expired unanswered",
                             reminder: a.reminder.id, prompt: a.record.id)
            case 3:  // closed by a CloseNotification call; ours are forgotten before we send one
                finish(a, state: .dismissed, at: now, closeNotification: false)
            default:  // 2: dismissed by the user; 4: undefined
                finish(a, state: .dismissed, at: now, closeNotification: false)
                logger.event(.dismissed, "The notification for \(a.reminder.id) was dismissed",
                             reminder: a.reminder.id, prompt: a.record.id)
            }
        case .replied(let id, let text):
            guard let promptID = byNotification[id], let a = active[promptID] else { return }
            let note = String(text.prefix(4000))
            if let entryID = a.entryID {
                do {
                    try store.updateEntry(id: entryID, note: note)
                    logger.event(.noted, "Note added to the \(a.reminder.id) entry", reminder: a.reminder.id, prompt: promptID)
                } catch {
                    logger.error("Could not record the note for \(promptID): \(error)")
                }
            } else {
                a.pendingNote = note
            }
        case .serverAppeared, .serverVanished:
            break  // handled by the owner, which asks for capabilities first
        }
    }

    private func handleAction(_ a: Active, action: String) {
        let now = clock()
        let r = a.reminder
        switch (r.kind, a.stage, action) {
        case (_, _, "snooze") where a.stage == .question:
            countSnoozeToday(r, now: now)
            snooze(a, seconds: r.snooze, now: now)
        case (.mood, .question, _):
            guard let q = r.question, let value = Int(action), q.scale.points.contains(value) else {
                logger.debug("Ignoring action \(action) on \(a.record.id)")
                return
            }
            let entry = Entry(id: nil, recordedAt: now, utcOffset: zone.offset(at: now),
                              mood: q.measure == .mood ? value : nil, anxiety: q.measure == .anxiety ? value : nil,
                              note: a.pendingNote, tags: [], source: "notification", promptID: a.record.id)
            do {
                a.entryID = try store.recordAnswer(promptID: a.record.id, state: .answered, at: now, action: action, entry: entry)
            } catch {
                logger.error("Could not record the answer \(action) for \(a.record.id): \(error); the notification stays open")
                return
            }
            // Committed: only now say so.
            logger.event(.answered, "Recorded \(q.measure.rawValue) \(value) for \(r.id)", reminder: r.id, prompt: a.record.id,
                         extra: ["checkin_action": .string(action), "checkin_\(q.measure.rawValue)": .stringConvertible(value)])
            a.record.state = .answered
            a.firstAnswer = value
            a.pendingNote = nil
            if let entryID = a.entryID { onEntryRecorded?(entryID, r.id, "notification") }
            if let oldID = a.notificationID {
                byNotification[oldID] = nil
                sink?.closeNotification(id: oldID)
                a.notificationID = nil
            }
            if r.followUp != nil {
                a.stage = .followUp
                a.expiresAt = now.addingTimeInterval(TimeInterval(r.expireAfter))
                deliver(a, replacing: 0)
            } else {
                finish(a, state: nil, at: now)
            }
            onStatusChanged?()
        case (.mood, .followUp, "skip"):
            finish(a, state: nil, at: now)
        case (.mood, .followUp, _):
            guard let q = r.followUp, let value = Int(action), q.scale.points.contains(value), let entryID = a.entryID else { return }
            do {
                try store.updateEntry(id: entryID, measure: q.measure, value: value)
            } catch {
                logger.error("Could not record \(q.measure.rawValue) \(value) for \(a.record.id): \(error)")
                return
            }
            logger.event(.followUpAnswered, "Recorded \(q.measure.rawValue) \(value) for \(r.id)", reminder: r.id, prompt: a.record.id,
                         extra: ["checkin_action": .string(action), "checkin_\(q.measure.rawValue)": .stringConvertible(value)])
            finish(a, state: nil, at: now)
        case (.questionnaire, .question, _):
            answerQuestionnaire(a, action: action, now: now)
        case (.use, .question, "yes"), (.use, .question, "no"):
            answerUseCheckIn(a, yes: action == "yes", now: now)
        case (.break, _, "done"):
            finish(a, state: .answered, at: now, action: "done")
            breakTaken(r, at: now)
            logger.event(.answered, "Break \(r.id) taken", reminder: r.id, prompt: a.record.id, extra: ["checkin_action": "done"])
        case (_, _, "skip"):
            finish(a, state: .skipped, at: now, action: "skip")
            logger.event(.skipped, "\(r.id) skipped", reminder: r.id, prompt: a.record.id, extra: ["checkin_action": "skip"])
        default:
            logger.debug("Ignoring action \(action) on \(a.record.id)")
        }
    }

    /// Closes every open notification (on shutdown); prompts stay open in the store and are
    /// closed out by the next start.
    public func closeAll() {
        markSeen(clock())
        for a in active.values {
            if let id = a.notificationID { sink?.closeNotification(id: id) }
        }
    }

    /// Snoozes an open prompt: its notification goes away and comes back after `seconds`.
    func snooze(_ a: Active, seconds: Int, now: Date) {
        let r = a.reminder
        a.record.snoozeCount += 1
        do {
            try store.updatePrompt(id: a.record.id, state: .snoozed, at: now, action: "snooze", snoozeCount: a.record.snoozeCount)
        } catch {
            logger.error("Could not record snooze for \(a.record.id): \(error)")
        }
        a.record.state = .snoozed
        if let id = a.notificationID {
            byNotification[id] = nil
            sink?.closeNotification(id: id)
            a.notificationID = nil
        }
        a.deliverAt = now.addingTimeInterval(TimeInterval(seconds))
        a.expiresAt = a.deliverAt.addingTimeInterval(TimeInterval(r.expireAfter))
        logger.event(.snoozed, "\(r.id) snoozed for \(Self.humanDuration(seconds)) (\(a.record.snoozeCount) of \(r.maxSnoozes))",
                     reminder: r.id, prompt: a.record.id, extra: ["checkin_action": "snooze"])
        wakeupChanged()
    }

    // MARK: - Status

    public var openPromptCount: Int { active.count }
}

extension String {
    func replacingSpaces(with replacement: Character) -> String {
        String(map { $0 == " " ? replacement : $0 })
    }
}

// MARK: - Control: pause, skip, snooze, the plan ahead

/// Whether reminders are paused. While paused nothing is delivered: firings that come due are
/// recorded as skipped (action "paused") and never shown late; only Trigger shows a prompt.
public enum PauseState: Equatable, Sendable {
    case none
    case indefinitely
    case until(Date)

    /// Whether something due at `t` falls in the pause.
    public func covers(_ t: Date) -> Bool {
        switch self {
        case .none: return false
        case .indefinitely: return true
        case .until(let end): return t < end
        }
    }

    public var isPaused: Bool { self != .none }

    /// The end of a timed pause; nil when not paused or paused until resumed.
    public var end: Date? {
        if case .until(let end) = self { return end }
        return nil
    }
}

/// One delivery the engine has planned: a reminder's firing or an open prompt coming back.
public struct PlannedDelivery: Equatable, Sendable {
    public var reminder: String
    public var kind: String
    /// When it will be shown.
    public var at: Date
    /// When it is scheduled (before jitter; for an open prompt, its original time).
    public var scheduled: Date
}

extension PromptEngine {
    /// The state key holding the pause: "indefinite" or the end as Unix seconds.
    static let pauseStateKey = "control.paused-until"

    static func loadPause(store: Store, logger: Logger) -> PauseState {
        do {
            guard let text = try store.stateValue(pauseStateKey) else { return .none }
            if text == "indefinite" { return .indefinitely }
            if let seconds = Double(text) { return .until(Date(timeIntervalSince1970: seconds)) }
            logger.warning("Ignoring an unreadable pause state \"\(text)\"")
        } catch {
            logger.warning("Could not read the pause state; not paused: \(error)")
        }
        return .none
    }

    /// Pauses until `end` (nil: until `resume()`), replacing any pause.
    public func pause(until end: Date?) {
        guard setPause(end.map { .until($0) } ?? .indefinitely) else { return }
        logger.event(.paused, end.map { "Reminders paused until \(LocalFormat.dateTime($0, in: zone))" } ?? "Reminders paused until resumed")
    }

    /// Ends the pause (nothing happens when not paused).
    public func resume() {
        guard setPause(.none) else { return }
        logger.event(.resumed, "Reminders resumed")
    }

    /// A timed pause that has run out ends by itself (called from `tick()`, which the wake-up timer
    /// runs at the pause's end).
    func endPauseIfOver(_ now: Date) {
        guard let end = pause.end, end <= now, setPause(.none) else { return }
        logger.event(.resumed, "The pause ended; reminders are back")
    }

    /// Sets, stores and announces the pause; false when it was already that.
    @discardableResult
    private func setPause(_ new: PauseState) -> Bool {
        guard new != pause else { return false }
        pause = new
        let text: String?
        switch new {
        case .none: text = nil
        case .indefinitely: text = "indefinite"
        case .until(let end): text = String(end.timeIntervalSince1970)
        }
        do {
            try store.setStateValue(Self.pauseStateKey, text)
        } catch {
            logger.error("Could not store the pause; it will not survive a restart: \(error)")
        }
        wakeupChanged()
        onPauseChanged?()
        return true
    }

    /// Skips ahead recorded by an earlier run (prompts recorded skipped with action "skip" whose
    /// time has not come yet), so a restart does not show them after all.
    func loadSkippedFirings(now: Date) {
        do {
            for p in try store.prompts(since: now.addingTimeInterval(-Self.catchUpHorizon), until: nil)
            where p.state == .skipped && p.action == "skip" && p.deliveredAt == nil && p.scheduledAt > now.addingTimeInterval(-86400) {
                skippedFirings[p.reminder, default: []].insert(p.scheduledAt)
            }
        } catch {
            logger.warning("Could not read firings skipped ahead of time: \(error)")
        }
    }

    /// The open prompt of `reminder` still asking its question (not yet answered), if any.
    func openPrompt(of reminder: String) -> Active? {
        active.values.filter { $0.reminder.id == reminder && $0.stage == .question }
            .max { $0.record.scheduledAt < $1.record.scheduledAt }
    }

    /// The next firing of `reminder` that would really be shown: after `head` (default: its
    /// pending firing), outside the pause, not skipped ahead.
    private func effectiveFiring(_ reminder: Reminder, from head: Pending?) -> Pending? {
        var h = head
        for _ in 0..<10_000 {
            guard let current = h else { return nil }
            if case .indefinitely = pause { return nil }
            if let end = pause.end, current.fireAt < end {
                // The first firing at or after the pause's end.
                h = nextFiring(reminder, after: end.addingTimeInterval(-0.001))
                continue
            }
            if skippedFirings[reminder.id]?.contains(current.scheduled) == true {
                h = nextFiring(reminder, after: current.fireAt)
                continue
            }
            return current
        }
        return nil
    }

    /// The next `count` deliveries, earliest first, as the engine will make them: open prompts
    /// coming back from a snooze (or scheduled by `snooze`), then each enabled reminder's
    /// firings from the one pending now, honouring the pause, skips, jitter and the install seed.
    public func plannedDeliveries(count: Int) -> [PlannedDelivery] {
        let now = clock()
        var out: [PlannedDelivery] = []
        for a in active.values where a.stage == .question && a.notificationID == nil && !a.delivering && a.deliverAt > now {
            if !a.explicit && pause.covers(a.deliverAt) { continue }
            out.append(PlannedDelivery(reminder: a.reminder.id, kind: a.reminder.kind.rawValue, at: a.deliverAt,
                                       scheduled: a.record.scheduledAt))
        }
        let reminders = config.scheduledReminders
        var firings: [PlannedDelivery] = []
        let heads = reminders.map { r in
            effectiveFiring(r, from: r.followsActivity ? plannedActivityDelivery(r, from: nextFire[r.id]) : nextFire[r.id])
        }
        Firings.mergeEarliest(heads, count: count, fireAt: \.fireAt) { i, head in
            let r = reminders[i]
            firings.append(PlannedDelivery(reminder: r.id, kind: r.kind.rawValue, at: head.fireAt, scheduled: head.scheduled))
            // An active break: another `every` of activity after this one (if the person stays).
            let following = r.followsActivity ? followingActivityDelivery(r, after: head.fireAt) : nextFiring(r, after: head.fireAt)
            return effectiveFiring(r, from: following)
        }
        out += firings
        // Stable: by time, open prompts before firings at the same time (they were added first).
        let sorted = out.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        return Array(sorted.prefix(count))
    }

    public enum SkipOutcome: Equatable, Sendable {
        /// The open prompt (this id) was skipped.
        case openPrompt(String)
        /// No prompt was open: this firing (scheduled, fires at) will not be shown.
        case firing(scheduled: Date, at: Date)
    }

    /// Skips `reminder`'s open prompt, or else its next firing that would be shown. Nil when it
    /// has neither (disabled, or its schedule never fires again).
    public func skip(_ reminder: Reminder) -> SkipOutcome? {
        let now = clock()
        if let a = openPrompt(of: reminder.id) {
            finish(a, state: .skipped, at: now, action: "skip")
            logger.event(.skipped, "\(reminder.id) skipped (Skip)", reminder: reminder.id, prompt: a.record.id,
                         extra: ["checkin_action": "skip"])
            return .openPrompt(a.record.id)
        }
        guard reminder.enabled, let next = effectiveFiring(reminder, from: nextFire[reminder.id]) else { return nil }
        skippedFirings[reminder.id, default: []].insert(next.scheduled)
        let record = PromptRecord(id: makeID(), reminder: reminder.id, kind: reminder.kind.rawValue, scheduledAt: next.scheduled,
                                  deliveredAt: nil, notificationID: nil, state: .skipped, outcomeAt: now, action: "skip",
                                  snoozeCount: 0)
        do {
            try store.insertPrompt(record)
        } catch {
            logger.error("Could not record the skipped firing of \(reminder.id): \(error)")
        }
        logger.event(.skipped, "\(reminder.id) at \(LocalFormat.dateTime(next.fireAt, in: zone)) skipped ahead of time",
                     reminder: reminder.id, prompt: record.id, extra: ["checkin_action": "skip"])
        wakeupChanged()
        return .firing(scheduled: next.scheduled, at: next.fireAt)
    }

    public enum SnoozeOutcome: Equatable, Sendable {
        /// The open prompt (this id) comes back at this time.
        case openPrompt(String, until: Date)
        /// No prompt was open: a new one (this id) is shown at this time.
        case scheduled(String, at: Date)
    }

    /// Snoozes `reminder`'s open prompt for `seconds`, or, without one, schedules a prompt of it
    /// at now + `seconds`. Either is an explicit request: shown even while paused.
    public func snooze(_ reminder: Reminder, seconds: Int) -> SnoozeOutcome {
        let now = clock()
        if let a = openPrompt(of: reminder.id) {
            snooze(a, seconds: seconds, now: now)
            a.explicit = true  // asked for: it comes back even while paused
            return .openPrompt(a.record.id, until: a.deliverAt)
        }
        // A follow-up still open for this reminder is done: the new prompt takes its place.
        for old in active.values where old.reminder.id == reminder.id { finish(old, state: nil, at: now) }
        let at = now.addingTimeInterval(TimeInterval(seconds))
        let record = PromptRecord(id: makeID(), reminder: reminder.id, kind: reminder.kind.rawValue, scheduledAt: at,
                                  deliveredAt: nil, notificationID: nil, state: .scheduled, outcomeAt: nil, action: nil,
                                  snoozeCount: 0)
        do {
            try store.insertPrompt(record)
        } catch {
            logger.error("Could not record the prompt of \(reminder.id) scheduled by Snooze: \(error)")
        }
        let a = Active(record: record, reminder: reminder, deliverAt: at)
        a.expiresAt = at.addingTimeInterval(TimeInterval(reminder.expireAfter))
        a.explicit = true  // asked for: shown even while paused
        active[record.id] = a
        logger.event(.snoozed, "\(reminder.id) scheduled for \(LocalFormat.dateTime(at, in: zone)) (Snooze)",
                     reminder: reminder.id, prompt: record.id, extra: ["checkin_action": "snooze"])
        wakeupChanged()
        return .scheduled(record.id, at: at)
    }
}
