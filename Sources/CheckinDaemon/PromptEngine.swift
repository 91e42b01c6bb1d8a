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

        enum Stage { case question, followUp }

        init(record: PromptRecord, reminder: Reminder, deliverAt: Date) {
            self.record = record
            self.reminder = reminder
            self.deliverAt = deliverAt
        }
    }

    public private(set) var config: Config
    public private(set) var zone: Zone
    private let store: Store
    private let clock: () -> Date
    private let logger: Logger
    private let makeID: () -> String
    /// Called whenever the earliest wake-up may have changed.
    public var onWakeupChanged: ((Date?) -> Void)?
    /// Called after state visible in STATUS= changed.
    public var onStatusChanged: (() -> Void)?

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
    private(set) var nextFire: [String: Pending] = [:]
    /// Seeds random schedules without their own seed and jitter; made once per journal and kept
    /// in it, so a restart never reshuffles the day.
    public let installSeed: UInt64
    private(set) var active: [String: Active] = [:]          // by prompt id
    private var byNotification: [UInt32: String] = [:]       // notification id → prompt id

    public init(config: Config, zone: Zone, store: Store, logger: Logger,
                clock: @escaping () -> Date, makeID: @escaping () -> String = { UUID().uuidString.lowercased() }) {
        self.installSeed = Self.loadInstallSeed(store: store, logger: logger)
        self.config = config.withDefaultSeed(installSeed)
        self.zone = zone
        self.store = store
        self.logger = logger
        self.clock = clock
        self.makeID = makeID
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
        for reminder in config.enabledReminders {
            let due = reminder.firings(from: from, through: now, in: zone, quietHours: config.quietHours, seed: installSeed)
            if let latest = settleOverdue(reminder, due, now: now, context: "checkind was not running") {
                nextFire[reminder.id] = latest  // shown once, late, by the first tick
            }
        }
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

    private func replan(after now: Date) {
        for reminder in config.enabledReminders where nextFire[reminder.id] == nil {
            if let next = reminder.firing(after: now, in: zone, quietHours: config.quietHours, seed: installSeed) {
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
        for a in active.values {
            if !a.delivering && a.notificationID == nil && serverAvailable {
                earliest = min(earliest ?? a.deliverAt, a.deliverAt)
            }
            if let e = a.expiresAt { earliest = min(earliest ?? e, e) }
        }
        return earliest
    }

    /// The earliest upcoming firing: reminder id and time.
    public var upcoming: (reminder: String, at: Date)? {
        nextFire.min { $0.value.fireAt < $1.value.fireAt }.map { ($0.key, $0.value.fireAt) }
    }

    private func wakeupChanged() {
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
            guard let reminder = config.reminder(id: id), reminder.enabled else { continue }
            // After a suspend several firings may be due: the latest decides, the rest are missed.
            var due = [(scheduled: pending.scheduled, fireAt: pending.fireAt)]
            due += reminder.firings(from: pending.fireAt, through: now, in: zone, quietHours: config.quietHours, seed: installSeed)
                .filter { $0.scheduled > pending.scheduled }
            if let latest = settleOverdue(reminder, due, now: now, context: nil) {
                fire(reminder, scheduledAt: latest.scheduled, now: now)
            }
        }
        for a in active.values where a.notificationID == nil && !a.delivering && a.deliverAt <= now {
            deliver(a)
        }
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

    /// Starts a prompt for `reminder` now (the schedule fired, or a Trigger call).
    @discardableResult
    public func fire(_ reminder: Reminder, scheduledAt: Date, now: Date) -> String {
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
        let a = Active(record: record, reminder: reminder, deliverAt: now)
        // Unanswered prompts expire even when no server could show them.
        a.expiresAt = now.addingTimeInterval(TimeInterval(reminder.expireAfter))
        active[record.id] = a
        deliver(a, replacing: replaces)
        wakeupChanged()
        return record.id
    }

    private func deliver(_ a: Active, replacing: UInt32? = nil) {
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
                if a.stage == .question {
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
        let snooze = a.record.snoozeCount < r.maxSnoozes ? [("snooze", "Snooze \(Self.humanDuration(r.snooze))")] : []
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
            actions = [("done", "Taking it")] + snooze + [("skip", "Skip")]
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
            icon: r.kind == .mood ? "face-plain" : "appointment-soon",
            summary: summary, body: body, actions: hasActions ? actions : [],
            hints: ["category": .string(r.kind == .mood ? "x-checkin.mood" : "x-checkin.break"), "urgency": .byte(1)],
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
    private func finish(_ a: Active, state: PromptState?, at now: Date, action: String? = nil, closeNotification: Bool = true) {
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
            a.deliverAt = now.addingTimeInterval(TimeInterval(r.snooze))
            a.expiresAt = a.deliverAt.addingTimeInterval(TimeInterval(r.expireAfter))
            logger.event(.snoozed, "\(r.id) snoozed for \(Self.humanDuration(r.snooze)) (\(a.record.snoozeCount) of \(r.maxSnoozes))",
                         reminder: r.id, prompt: a.record.id, extra: ["checkin_action": "snooze"])
            wakeupChanged()
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
        case (.break, _, "done"):
            finish(a, state: .answered, at: now, action: "done")
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

    // MARK: - Status

    public var openPromptCount: Int { active.count }
}

extension String {
    func replacingSpaces(with replacement: Character) -> String {
        String(map { $0 == " " ? replacement : $0 })
    }
}
