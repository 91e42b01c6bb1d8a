// The wellbeing side of the engine (issue 6): questionnaires asked item by item from their
// reminders, the daily break-day reminders of tracked items, and nudges in the person's own words.
// Like the rest of the engine it runs on the daemon's serial queue and reads only the injected
// clock. Nothing here judges: totals come with the core's neutral band text, break days with the
// person's own plan, nudges with only the text they wrote. Nothing is sent anywhere.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CheckinCore
import Logging
import SystemdKit

extension PromptEngine {
    /// The local hour from which the daily wellbeing check (break-day reminders, the daily nudge
    /// check) may run; it runs at the first wake-up from then on, outside quiet hours.
    static let wellbeingCheckHour = 8

    /// The questionnaire a questionnaire reminder asks (nil for other kinds, or one no longer known).
    func questionnaire(of reminder: Reminder) -> Questionnaire? {
        guard reminder.kind == .questionnaire,
              let name = config.questionnaireReminders.first(where: { $0.id == reminder.id })?.questionnaire else { return nil }
        return config.questionnaire(named: name)
    }

    // MARK: - Questionnaires

    /// An option chosen for the item on screen. Until the last item the answers stay in memory
    /// and the next item replaces the notification; the last one writes the whole response and
    /// the prompt's outcome in one transaction. An unfinished questionnaire records no answers.
    func answerQuestionnaire(_ a: Active, action: String, now: Date) {
        let r = a.reminder
        guard let q = a.questionnaire, !a.delivering, let value = Int(action), q.option(value: value) != nil,
              a.answers.count < q.items.count else {
            logger.debug("Ignoring action \(action) on \(a.record.id)")
            return
        }
        if a.answers.isEmpty { a.startedAt = now }
        a.answers.append(value)
        if a.answers.count < q.items.count {
            // Each item has the whole expireAfter.
            a.expiresAt = now.addingTimeInterval(TimeInterval(r.expireAfter))
            deliver(a, replacing: a.notificationID)
            wakeupChanged()
            return
        }
        guard let response = QuestionnaireResponse(q, answers: a.answers, startedAt: a.startedAt ?? now, completedAt: now,
                                                   utcOffset: zone.offset(at: now), source: "notification") else {
            logger.error("The answers to \(q.name) for \(a.record.id) do not fit the questionnaire; nothing recorded")
            a.answers.removeLast()
            return
        }
        let responseID: Int64
        do {
            responseID = try store.recordResponse(promptID: a.record.id, at: now, action: action, response: response)
        } catch {
            logger.error("Could not record the \(q.title) response for \(a.record.id): \(error); the notification stays open")
            a.answers.removeLast()
            return
        }
        // Committed: only now say so.
        logger.event(.questionnaireAnswered, "Recorded \(q.totalText(response.total)) for \(r.id)", reminder: r.id,
                     prompt: a.record.id,
                     extra: ["checkin_action": .string(action), "checkin_questionnaire": .string(q.name),
                             "checkin_total": .stringConvertible(response.total),
                             "checkin_response_id": .stringConvertible(responseID)])
        a.record.state = .answered
        let shown = a.notificationID
        finish(a, state: nil, at: now, closeNotification: false)
        // The confirmation takes the questionnaire's place: the total and the core's neutral text.
        if !notice(summary: q.title, body: "Recorded. " + q.summary(total: response.total), category: "x-checkin.questionnaire",
                   replacing: shown ?? 0), let shown {
            sink?.closeNotification(id: shown)  // no confirmation now (do-not-disturb): the last item goes away
        }
        onStatusChanged?()
        checkNudges(now: now)
    }

    // MARK: - A tracked item's daily check-in

    /// "Did you use NAME today?" answered. Yes records one use (amount 1, source "notification")
    /// unless a use of the item is already recorded today, so a day is never counted twice; no
    /// records nothing but the answer. The prompt's outcome and the use are written together.
    func answerUseCheckIn(_ a: Active, yes: Bool, now: Date) {
        let r = a.reminder
        let item = String(r.id.dropFirst("tracked.".count))
        var use: UseRecord?
        if yes {
            let start = zone.date(CivilDateTime(date: zone.civil(now).date, hour: 0, minute: 0))
            let today = (try? store.uses(in: TimeRange(since: start, until: nil), item: item)) ?? []
            if today.isEmpty {
                use = UseRecord(item: item, amount: 1, usedAt: now, utcOffset: zone.offset(at: now), source: "notification")
            }
        }
        let action = yes ? "yes" : "no"
        do {
            try store.recordCheckIn(promptID: a.record.id, at: now, action: action, use: use)
        } catch {
            logger.error("Could not record the answer \(action) for \(a.record.id): \(error); the notification stays open")
            return
        }
        logger.event(.answered, yes ? (use == nil ? "Used \(item) today (already recorded)" : "Recorded a use of \(item)")
                     : "No use of \(item) today", reminder: r.id, prompt: a.record.id,
                     extra: ["checkin_action": .string(action), "checkin_item": .string(item)])
        a.record.state = .answered
        finish(a, state: nil, at: now)
    }

    // MARK: - The daily check

    /// Whether `t` falls in quiet hours.
    func isQuiet(_ t: Date) -> Bool {
        let minute = zone.civil(t).minuteOfDay
        return config.quietHours.contains { $0.contains(minuteOfDay: minute) }
    }

    /// When today's wellbeing check runs: the first moment from `wellbeingCheckHour` on (not
    /// before now) outside quiet hours; nil when it ran today, when there is nothing to check, when
    /// it cannot show anything now (paused, do-not-disturb, no server: each of those ending wakes
    /// the engine), or when that moment is tomorrow (the local-midnight wake-up starts a new day).
    func wellbeingCheckDue(now: Date) -> Date? {
        let plans = config.tracked.contains { $0.maxDaysInARow != nil || $0.breakDaysPerWeek != nil }
        guard plans || config.nudges?.enabled == true else { return nil }
        let today = zone.civil(now).date
        guard wellbeingCheckedOn != today.description else { return nil }
        guard !pause.isPaused, !doNotDisturb, capabilities != nil, sink != nil else { return nil }
        var t = max(now, zone.date(CivilDateTime(date: today, hour: Self.wellbeingCheckHour, minute: 0)))
        for _ in 0...config.quietHours.count {
            let c = zone.civil(t)
            guard let w = config.quietHours.first(where: { $0.contains(minuteOfDay: c.minuteOfDay) }) else { break }
            let end = w.end.minuteOfDay
            guard end > c.minuteOfDay, end < 1440 else { return nil }  // quiet until tomorrow
            t = zone.date(CivilDateTime(date: c.date, hour: end / 60, minute: end % 60))
        }
        guard zone.civil(t).date == today, !isQuiet(t) else { return nil }
        return t
    }

    /// Runs today's check when it is due (break-day reminders, then nudges), and a nudge check
    /// that had to wait.
    func wellbeingCheck(now: Date) {
        if let due = wellbeingCheckDue(now: now), due <= now {
            wellbeingCheckedOn = zone.civil(now).date.description
            remindBreakDays(now: now)
            nudgeCheckWaiting = true
        }
        if nudgeCheckWaiting { checkNudges(now: now) }
    }

    // MARK: - Break days

    /// For each tracked item whose plan calls for a break today, one quiet notice with the core's
    /// text, at most once a local day (the day is kept in the journal's state table, so a restart
    /// does not show it again).
    func remindBreakDays(now: Date) {
        let items = config.tracked.filter { $0.maxDaysInARow != nil || $0.breakDaysPerWeek != nil }
        guard !items.isEmpty else { return }
        let today = zone.civil(now).date.description
        let uses: [UseRecord]
        do {
            uses = try store.uses(in: TimeRange(since: now.addingTimeInterval(-400 * 86400), until: nil))
        } catch {
            logger.warning("Could not read the uses of tracked items; no break-day reminders today: \(error)")
            return
        }
        for item in items {
            let key = Moderation.breakReminderStateKey(item.name)
            if (try? store.stateValue(key)) == today { continue }
            guard let text = Moderation.breakReminder(item, uses: uses, now: now, zone: zone) else { continue }
            do {
                try store.setStateValue(key, today)
            } catch {
                logger.warning("Could not store that the break-day reminder for \(item.name) was shown: \(error)")
            }
            logger.event(.breakDayReminder, text, extra: ["checkin_item": .string(item.name)])
            notice(summary: "Your plan for \(item.name)", body: text, category: "x-checkin.tracked", timeout: 0)
        }
    }

    // MARK: - Nudges

    /// After an entry or a response was recorded (from any source): checks whether a nudge is due.
    public func entryRecorded() {
        checkNudges(now: clock())
    }

    /// Shows the person's own nudge text when `Nudges.due` says so, and stores the time, so it is
    /// shown at most once per `every`. Waits while paused, in do-not-disturb, in quiet hours or
    /// without a server (checked again at the next wake-up, and by the next day's check).
    func checkNudges(now: Date) {
        guard let settings = config.nudges, settings.enabled else {
            nudgeCheckWaiting = false
            return
        }
        guard !pause.isPaused, !doNotDisturb, capabilities != nil, sink != nil, !isQuiet(now) else {
            nudgeCheckWaiting = true
            return
        }
        nudgeCheckWaiting = false
        let lastAt = (try? store.stateValue(Nudges.lastNudgeStateKey)).flatMap { $0.flatMap(Double.init) }
            .map(Date.init(timeIntervalSince1970:))
        let moodSince = now.addingTimeInterval(-Double(Nudges.moodDays + 1) * 86400)
        let entries: [StatsEntry], responses: [QuestionnaireResponse]
        do {
            entries = try store.statsInput(in: TimeRange(since: moodSince, until: nil)).entries
            responses = try store.responses(in: TimeRange(since: now.addingTimeInterval(-Double(settings.every)), until: nil))
        } catch {
            logger.warning("Could not read the journal for the nudge check: \(error)")
            return
        }
        guard let nudge = Nudges.due(settings, entries: entries, responses: responses, questionnaires: config.allQuestionnaires,
                                     lastNudgeAt: lastAt, now: now, zone: zone) else { return }
        do {
            try store.setStateValue(Nudges.lastNudgeStateKey, String(now.timeIntervalSince1970))
        } catch {
            // Not shown: without the stored time it would come back at every check.
            logger.warning("Could not store the time of the nudge; not shown: \(error)")
            return
        }
        let reason: String
        switch nudge.reason {
        case .lowMood: reason = "mood"
        case .questionnaireThreshold(let name): reason = "questionnaire:\(name)"
        }
        logger.event(.nudge, "Showed your nudge text (\(reason)); nothing was sent anywhere",
                     extra: ["checkin_nudge_reason": .string(reason)])
        // A server without bodies shows the text as the heading: it is the whole message.
        let summary = capabilities?.contains("body") == true ? Self.nudgeSummary : nudge.text
        notice(summary: summary, body: nudge.text, category: "x-checkin.nudge", timeout: 0)
    }

    /// The nudge's heading; its body is only the person's own text.
    static let nudgeSummary = "A note from you"
}
