// Breaks that follow the person: the engine's use of the activity model (CheckinCore/Activity.swift)
// and of the notification server's do-not-disturb. See docs/ACTIVITY.md.
//
//   ActivityEvent (SystemdKit sources) ──PresenceCombiner──> PresenceEvent ──ActivityTracker──>
//     natural breaks (recorded answered/natural), due times of `mode: active` breaks (nextFire)
//   DoNotDisturbEvent ──Daemon (any monitor on)──> setDoNotDisturb ──> held prompts shown
//
// Everything runs on the daemon's queue; the only timer is the engine's wake-up timer.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CheckinCore
import Logging
import SystemdKit

extension Reminder {
    /// A break whose due time comes from the activity model instead of its schedule.
    var followsActivity: Bool { kind == .break && mode == .active }
}

extension PromptEngine {
    /// At most one new prompt of a reminder from activity due times per this many seconds.
    static let activityFiringSpacing: TimeInterval = 60

    // MARK: - Presence

    /// One report of an activity source (`idleRank` from the source). Natural breaks it completes
    /// are recorded; due times of `mode: active` breaks are computed again.
    public func activity(_ event: ActivityEvent, idleRank: Int) {
        let combined: [PresenceEvent]
        switch event.kind {
        case .lost: combined = combiner.forget(event.source, at: event.at)
        case .active: combined = combiner.report(.active(at: event.at), from: event.source, idleRank: idleRank)
        case .idle(let since): combined = combiner.report(.idle(since: since), from: event.source, idleRank: idleRank)
        case .locked: combined = combiner.report(.locked(at: event.at), from: event.source, idleRank: idleRank)
        case .unlocked: combined = combiner.report(.unlocked(at: event.at), from: event.source, idleRank: idleRank)
        case .sleep: combined = combiner.report(.sleep(at: event.at), from: event.source, idleRank: idleRank)
        case .resume: combined = combiner.report(.resume(at: event.at), from: event.source, idleRank: idleRank)
        }
        guard !combined.isEmpty else { return }
        let before = tracker.presence
        for e in combined {
            for natural in tracker.apply(e) { recordNaturalBreak(natural) }
        }
        if tracker.presence != before {
            logger.debug("Presence: \(tracker.presence.rawValue) (from \(event.source))")
        }
        let now = clock()
        if tracker.presence == .active {
            // Back: breaks held while away are shown (after the grace period of a wake).
            for a in active.values where a.heldAway {
                a.heldAway = false
                a.deliverAt = max(now, graceEnd(a.reminder) ?? now)
            }
        }
        // Due times move while away, and after a wake the grace period applies.
        for r in config.enabledReminders where r.followsActivity { nextFire[r.id] = nil }
        replan(after: now)
        if let due = nextWakeup, due <= now { tick() }
    }

    /// Away long enough: the break reminder's break is taken. An open prompt of it is closed as
    /// answered (action "natural"); otherwise a prompt is recorded so in the journal.
    func recordNaturalBreak(_ natural: NaturalBreak) {
        guard let reminder = config.reminder(id: natural.policy) else { return }
        if let started = startedBreaks[reminder.id], natural.start <= started.end, natural.end >= started.start {
            // The person went on the break they started: one break, already recorded as taken.
            logger.debug("\(reminder.id): the absence is the break started at \(LocalFormat.time(started.start, in: zone))")
            return
        }
        let minutes = DurationText.format(Int(natural.length.rounded()))
        var promptID: String
        if let a = openPrompt(of: reminder.id) {
            promptID = a.record.id
            finish(a, state: .answered, at: natural.end, action: "natural")
        } else {
            let record = PromptRecord(id: makeID(), reminder: reminder.id, kind: reminder.kind.rawValue, scheduledAt: natural.start,
                                      deliveredAt: nil, notificationID: nil, state: .answered, outcomeAt: natural.end,
                                      action: "natural", snoozeCount: 0)
            promptID = record.id
            do {
                try store.insertPrompt(record)
            } catch {
                logger.error("Could not record the natural break of \(reminder.id): \(error)")
            }
        }
        logger.event(.naturalBreak, "Natural break for \(reminder.id): away \(minutes)", reminder: reminder.id, prompt: promptID,
                     extra: ["checkin_action": "natural"])
        if reminder.welcomeBack { notice(summary: "Welcome back", body: "That was a \(minutes) break: recorded.", category: "x-checkin.break") }
        onStatusChanged?()
    }

    /// A notice without buttons or a prompt (welcome back, daily limit): shown when a server is
    /// there and do-not-disturb is off, else only logged. False when it was not sent.
    @discardableResult
    func notice(summary: String, body: String, category: String, timeout: Int32 = 15_000, replacing: UInt32 = 0) -> Bool {
        guard let sink, let caps = capabilities, !doNotDisturb else { return false }
        let text = caps.contains("body-markup") ? Self.escapeMarkup(body) : body
        let request = NotificationRequest(appName: "checkin", replacesID: replacing, icon: "appointment-soon", summary: summary,
                                          body: caps.contains("body") ? text : "", actions: [],
                                          hints: ["category": .string(category), "urgency": .byte(0)], expireTimeout: timeout)
        sink.notify(request) { [weak self] result in
            if case .failure(let error) = result { self?.logger.warning("Could not show \"\(summary)\": \(error)") }
        }
        return true
    }

    // MARK: - Daily snooze limit

    /// Snoozes of `reminder`'s prompts today; read from the journal (the snooze counts of the
    /// prompts scheduled today) the first time on each local day.
    func snoozeCountToday(_ reminder: Reminder, now: Date) -> Int {
        let today = zone.civil(now).date
        if snoozesToday?.day != today.description {
            let start = zone.date(CivilDateTime(date: today, hour: 0, minute: 0))
            var counts: [String: Int] = [:]
            do {
                for p in try store.prompts(since: start, until: nil) { counts[p.reminder, default: 0] += p.snoozeCount }
            } catch {
                logger.warning("Could not count today's snoozes: \(error)")
            }
            snoozesToday = (today.description, counts)
        }
        return snoozesToday?.counts[reminder.id] ?? 0
    }

    func mayStillSnoozeToday(_ reminder: Reminder) -> Bool {
        guard let limit = reminder.maxSnoozesPerDay else { return true }
        return snoozeCountToday(reminder, now: clock()) < limit
    }

    func countSnoozeToday(_ reminder: Reminder, now: Date) {
        _ = snoozeCountToday(reminder, now: now)
        snoozesToday?.counts[reminder.id, default: 0] += 1
    }

    // MARK: - Global rate limit

    /// At most this many scheduled prompts are shown per `rateWindow`, whatever happens upstream.
    static let rateLimit = 5
    static let rateWindow: TimeInterval = 60

    /// Holds a scheduled question back when `rateLimit` were shown within `rateWindow`: it is
    /// shown when the window has room again. Explicit prompts (Trigger, Snooze) are not limited.
    func holdForRateLimit(_ a: Active) -> Bool {
        // The next item of a questionnaire being answered is not a new prompt.
        guard a.stage == .question, a.answers.isEmpty, !a.explicit, sink != nil, capabilities != nil else { return false }
        let now = clock()
        recentDeliveries.removeAll { now.timeIntervalSince($0) >= Self.rateWindow || $0 > now }
        if recentDeliveries.count >= Self.rateLimit, let oldest = recentDeliveries.first {
            a.deliverAt = oldest.addingTimeInterval(Self.rateWindow)
            logger.warning("More than \(Self.rateLimit) notifications within a minute; \(a.reminder.id) waits until \(LocalFormat.time(a.deliverAt, in: zone))",
                           metadata: ["checkin_reminder": .string(a.reminder.id), "checkin_prompt_id": .string(a.record.id)])
            return true
        }
        recentDeliveries.append(now)
        return false
    }

    // MARK: - Pre-break warning

    /// The earliest pending pre-break warning not shown yet.
    func nextWarning() -> Date? {
        var earliest: Date?
        for r in config.enabledReminders where r.kind == .break && r.preBreakWarning > 0 && !warned.contains(r.id) {
            guard let pending = nextFire[r.id], !activityWindowStarts.contains(r.id) else { continue }
            let at = pending.fireAt.addingTimeInterval(-TimeInterval(r.preBreakWarning))
            earliest = min(earliest ?? at, at)
        }
        return earliest
    }

    /// Shows the warnings that are due: once per pending firing, only while the person is there,
    /// not paused, and not in do-not-disturb (`notice` checks that).
    func warnBeforeBreaks(now: Date) {
        for r in config.enabledReminders where r.kind == .break && r.preBreakWarning > 0 && !warned.contains(r.id) {
            guard let pending = nextFire[r.id], !activityWindowStarts.contains(r.id),
                  pending.fireAt.addingTimeInterval(-TimeInterval(r.preBreakWarning)) <= now else { continue }
            warned.insert(r.id)
            guard pending.fireAt > now, tracker.presence == .active, !pause.covers(pending.fireAt),
                  skippedFirings[r.id]?.contains(pending.scheduled) != true else { continue }
            let left = Self.humanDuration(max(60, Int(pending.fireAt.timeIntervalSince(now).rounded())))
            logger.debug("Pre-break warning for \(r.id): break in \(left)")
            notice(summary: "Break in \(left)", body: r.title, category: "x-checkin.break", timeout: Int32(min(60, r.preBreakWarning)) * 1000)
        }
    }

    // MARK: - Started breaks

    /// A started break's `duration` is over: the count starts again from its end; with
    /// `welcomeBack`, a "Break over" notice (not when the person is away: they are still on it).
    func endStartedBreaks(now: Date) {
        for (id, end) in breakEndNotices where end <= now {
            breakEndNotices[id] = nil
            guard let reminder = config.reminder(id: id) else { continue }
            tracker.breakTaken(id, at: end)
            if reminder.followsActivity { nextFire[id] = nil }
            if reminder.welcomeBack && tracker.presence == .active {
                notice(summary: "Break over", body: "That was a \(DurationText.format(reminder.duration)) break.", category: "x-checkin.break")
            }
        }
    }

    // MARK: - Daily limit

    /// The state key holding the local day (YYYY-MM-DD) whose daily-limit notice was shown.
    static let dailyLimitStateKey = "breaks.daily-limit-shown"

    /// When today's active time reaches `dailyLimit` (now when it has), unless today's notice was
    /// shown already; nil without a limit or while away.
    func dailyLimitDue(now: Date) -> Date? {
        guard config.dailyLimit > 0, dailyLimitShownOn != zone.civil(now).date.description else { return nil }
        return tracker.dailyLimitAt(TimeInterval(config.dailyLimit), in: zone, now: now)
    }

    /// Shows the daily-limit notice once a local day, when it is reached.
    func checkDailyLimit(now: Date) {
        guard let due = dailyLimitDue(now: now), due <= now else { return }
        let today = zone.civil(now).date.description
        dailyLimitShownOn = today
        do {
            try store.setStateValue(Self.dailyLimitStateKey, today)
        } catch {
            logger.warning("Could not store that today's daily-limit notice was shown: \(error)")
        }
        let limit = DurationText.format(config.dailyLimit)
        logger.event(.dailyLimit, "Daily limit reached: \(limit) at the computer today")
        notice(summary: "Daily limit reached", body: "You have been at the computer for \(limit) today.", category: "x-checkin.break")
    }

    /// "Start break" on a break: its active time starts again (and again when the break's
    /// `duration` is over); with `welcomeBack`, a "Break over" notice then.
    func breakTaken(_ reminder: Reminder, at now: Date) {
        tracker.breakTaken(reminder.id, at: now)
        let end = now.addingTimeInterval(TimeInterval(reminder.duration))
        startedBreaks[reminder.id] = (now, end)
        breakEndNotices[reminder.id] = end
        if reminder.followsActivity {
            nextFire[reminder.id] = nil
            replan(after: now)
        }
    }

    // MARK: - Due times

    /// The next firing of a `mode: active` break: when its active time reaches `every` (never in
    /// its grace period, nil while the person is away) and at most one per
    /// `activityFiringSpacing`. Due outside the times its schedule allows (between, days,
    /// quietHours), it waits for the next allowed time, where its count starts again instead
    /// (time outside them does not count: nobody gets a break as the first thing at 09:00).
    func activityFiring(_ reminder: Reminder, now: Date) -> Pending? {
        guard var at = tracker.dueAt(reminder.id, now: now) else { return nil }
        if let last = lastActivityFiring[reminder.id] { at = max(at, last.addingTimeInterval(Self.activityFiringSpacing)) }
        activityWindowStarts.remove(reminder.id)
        if !allowed(reminder, at: at) {
            // The schedule's next slot in working hours after `at` starts its next window.
            guard let next = nextFiring(reminder, after: at) else { return nil }
            at = next.scheduled
            activityWindowStarts.insert(reminder.id)
        }
        return Pending(scheduled: at, fireAt: at)
    }

    /// For Next() and STATUS=: the first delivery of an active break from its pending firing (a
    /// window start only starts the count: the delivery is an `every` later).
    func plannedActivityDelivery(_ reminder: Reminder, from pending: Pending?) -> Pending? {
        guard let pending else { return nil }
        guard activityWindowStarts.contains(reminder.id) else { return pending }
        return followingActivityDelivery(reminder, after: pending.fireAt)
    }

    /// The delivery after one at `t` if the person stays active: `every` later, or where the
    /// count starts again plus `every` when that is not allowed.
    func followingActivityDelivery(_ reminder: Reminder, after t: Date) -> Pending? {
        guard let interval = reminder.breakPolicy?.interval else { return nil }
        var at = t.addingTimeInterval(interval)
        for _ in 0..<10 where !allowed(reminder, at: at) {
            guard let start = nextFiring(reminder, after: at) else { return nil }
            at = start.scheduled.addingTimeInterval(interval)
        }
        return allowed(reminder, at: at) ? Pending(scheduled: at, fireAt: at) : nil
    }

    /// Whether the reminder may be shown at `t`: inside its window and days, outside quiet hours,
    /// inside the working hours (breaks).
    func allowed(_ reminder: Reminder, at t: Date) -> Bool {
        let minute = zone.civil(t).minuteOfDay
        if config.quietHours.contains(where: { $0.contains(minuteOfDay: minute) }) { return false }
        if reminder.kind == .break && !config.isWorkingTime(t, in: zone) { return false }
        return reminder.schedule.window(containing: t, in: zone) != nil
    }

    /// The reminder's schedule's next firing after `t`; for a break, the first one inside the
    /// working hours.
    func nextFiring(_ reminder: Reminder, after t: Date) -> Pending? {
        var from = t
        for _ in 0..<400 {
            guard let next = reminder.firing(after: from, in: zone, quietHours: config.quietHours, seed: installSeed) else { return nil }
            if reminder.kind != .break || config.isWorkingTime(next.scheduled, in: zone) {
                return Pending(scheduled: next.scheduled, fireAt: next.fireAt)
            }
            // Jump to the next working-hours start (just before it, so a firing there counts).
            guard let work = config.nextWorkingTime(after: next.scheduled, in: zone) else { return nil }
            from = max(next.scheduled, work.addingTimeInterval(-0.001))
        }
        return nil
    }

    /// A `mode: active` break came due: it is shown (or recorded as paused or skipped ahead), and
    /// its count starts again either way, so an ignored reminder returns after another `every`.
    func fireActivityBreak(_ reminder: Reminder, _ pending: Pending, now: Date) {
        if activityWindowStarts.remove(reminder.id) != nil {
            // Its window opened: counting starts here.
            tracker.breakTaken(reminder.id, at: now)
            logger.debug("\(reminder.id): its window opened; active time counts from now")
            return
        }
        if !loggedNoActivitySource && activitySourcesInUse().isEmpty {
            loggedNoActivitySource = true
            logger.notice("No activity source (Mutter idle monitor, screen saver, logind) is available: break reminders with mode \"active\" count wall-clock time since the last break")
        }
        tracker.breakTaken(reminder.id, at: now)
        lastActivityFiring[reminder.id] = now
        let live = settlePausedAndSkipped(reminder, [(scheduled: pending.scheduled, fireAt: pending.fireAt)], now: now)
        guard !live.isEmpty else { return }
        fireScheduled(reminder, scheduledAt: pending.scheduled, now: now)
    }

    /// A scheduled firing (not Trigger or Snooze): a break waits for the end of its grace period
    /// after a resume or unlock (and, in `deliver`, for the person to be there).
    func fireScheduled(_ reminder: Reminder, scheduledAt: Date, now: Date) {
        guard reminder.kind == .break else {
            fire(reminder, scheduledAt: scheduledAt, now: now)
            return
        }
        var deliverAt: Date?
        if let end = graceEnd(reminder), end > now {
            deliverAt = end
            logger.debug("\(reminder.id) waits for the end of its grace period at \(LocalFormat.time(end, in: zone))")
        }
        fire(reminder, scheduledAt: scheduledAt, now: now, deliverAt: deliverAt)
    }

    /// The end of the break reminder's grace period after the last resume or unlock.
    func graceEnd(_ reminder: Reminder) -> Date? {
        guard reminder.kind == .break else { return nil }
        return tracker.lastWake?.addingTimeInterval(TimeInterval(reminder.grace))
    }

    /// Nothing is shown to an empty chair: a scheduled break while the person is away (idle,
    /// locked, asleep) is held until they are back; if they stay away for its duration, the
    /// natural break closes it.
    func holdWhileAway(_ a: Active, replacing: UInt32?) -> Bool {
        guard a.reminder.kind == .break, a.stage == .question, !a.explicit, tracker.presence != .active else { return false }
        if let replacing, replacing != 0 { sink?.closeNotification(id: replacing) }
        if !a.heldAway {
            logger.debug("\(a.reminder.id) waits until the person is back (\(tracker.presence.rawValue))")
        }
        a.heldAway = true
        a.deliverAt = .distantFuture
        return true
    }

    // MARK: - Do not disturb

    /// The notification server's do-not-disturb changed. When it ends, held prompts are shown.
    public func setDoNotDisturb(_ on: Bool) {
        guard on != doNotDisturb else { return }
        doNotDisturb = on
        logger.info(on ? "Do-not-disturb is on" : "Do-not-disturb is off")
        guard !on else { onStatusChanged?(); return }
        let now = clock()
        for a in activePrompts where a.heldByDND {
            a.heldByDND = false
            a.deliverAt = now
            a.expiresAt = now.addingTimeInterval(TimeInterval(a.reminder.expireAfter))
        }
        tick()
    }

    /// Applies the reminder's `dnd` policy before a question is shown; true when it is not shown
    /// now (held until do-not-disturb ends, or dropped). Explicit prompts are always shown.
    func holdForDoNotDisturb(_ a: Active, replacing: UInt32?) -> Bool {
        guard doNotDisturb, a.stage == .question, a.answers.isEmpty, !a.explicit, a.reminder.dnd != .deliver else { return false }
        if let replacing, replacing != 0 { sink?.closeNotification(id: replacing) }
        let now = clock()
        switch a.reminder.dnd {
        case .drop:
            finish(a, state: .skipped, at: now, action: "dnd")
            logger.event(.skipped, "\(a.reminder.id) not shown: do-not-disturb is on", reminder: a.reminder.id, prompt: a.record.id,
                         extra: ["checkin_action": "dnd"])
        default:
            if !a.heldByDND {
                logger.event(.deferred, "\(a.reminder.id) held until do-not-disturb ends", reminder: a.reminder.id, prompt: a.record.id,
                             extra: ["checkin_action": "dnd"])
            }
            a.heldByDND = true
            a.deliverAt = .distantFuture
            a.expiresAt = nil
        }
        return true
    }

    var activePrompts: [Active] { Array(active.values) }

    // MARK: - Status

    /// Whether some enabled break counts active time without any activity source to tell.
    public var activityDegraded: Bool {
        config.enabledReminders.contains(where: \.followsActivity) && activitySourcesInUse().isEmpty
    }
}
