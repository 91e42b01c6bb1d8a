// Names the daemon uses in the journal. Every reminder event carries CHECKIN_EVENT,
// CHECKIN_REMINDER and CHECKIN_PROMPT_ID; the important ones carry a stable MESSAGE_ID so they can
// be found with `journalctl MESSAGE_ID=…` (see docs/JOURNAL.md).

import Logging

public enum CheckinEvent: String, Sendable, CaseIterable {
    case started
    case scheduled
    case delivered
    case answered
    case followUpAnswered = "follow-up-answered"
    case noted
    case snoozed
    case skipped
    case dismissed
    case expired
    case missed
    /// Away (idle, locked, suspended) for a break's duration: recorded as that break taken.
    case naturalBreak = "natural-break"
    /// A prompt held back while do-not-disturb is on (`dnd: defer`).
    case deferred
    /// Today's active time reached `dailyLimit` (once a local day).
    case dailyLimit = "daily-limit"
    /// A questionnaire answered item by item from notifications: the whole response recorded
    /// (CHECKIN_QUESTIONNAIRE, CHECKIN_TOTAL, CHECKIN_RESPONSE_ID).
    case questionnaireAnswered = "questionnaire-answered"
    /// A tracked item's plan calls for a break today: the reminder was shown (CHECKIN_ITEM; once a day).
    case breakDayReminder = "break-day-reminder"
    /// The person's own nudge text was shown (CHECKIN_NUDGE_REASON); nothing is sent anywhere.
    case nudge
    case deliveryFailed = "delivery-failed"
    case reloaded
    case reloadFailed = "reload-failed"
    case startFailed = "start-failed"
    /// The wall clock was set, the time zone changed or the machine resumed (CHECKIN_TIME_CHANGE).
    case timeChanged = "time-changed"
    case sleep
    case noSystemBus = "no-system-bus"
    case stopping
    // The control interface (ControlObject.swift):
    /// Reminders paused (Pause()).
    case paused
    /// The pause ended (Resume() or its time came).
    case resumed
    /// An entry written by Log() (CHECKIN_ENTRY_ID).
    case logged

    /// Stable 128-bit ids (sd-id128 style) for the events worth finding directly.
    public var messageID: String? {
        switch self {
        case .started: return "6a1c0b1e4f3d4b0c9f2a7c55d0e1a001"
        case .delivered: return "6a1c0b1e4f3d4b0c9f2a7c55d0e1a002"
        case .answered: return "6a1c0b1e4f3d4b0c9f2a7c55d0e1a003"
        case .expired: return "6a1c0b1e4f3d4b0c9f2a7c55d0e1a004"
        case .reloadFailed: return "6a1c0b1e4f3d4b0c9f2a7c55d0e1a005"
        case .missed: return "6a1c0b1e4f3d4b0c9f2a7c55d0e1a006"
        case .startFailed: return "6a1c0b1e4f3d4b0c9f2a7c55d0e1a007"
        default: return nil
        }
    }
}

extension Logger {
    /// Logs a reminder event with the CHECKIN_* fields.
    public func event(_ event: CheckinEvent, _ message: @autoclosure () -> String, level: Logger.Level = .info,
               reminder: String? = nil, prompt: String? = nil, extra: Logger.Metadata = [:]) {
        var metadata: Logger.Metadata = ["checkin_event": .string(event.rawValue)]
        if let reminder { metadata["checkin_reminder"] = .string(reminder) }
        if let prompt { metadata["checkin_prompt_id"] = .string(prompt) }
        if let id = event.messageID { metadata["message_id"] = .string(id) }
        metadata.merge(extra) { _, new in new }
        log(level: level, Logger.Message(stringLiteral: message()), metadata: metadata)
    }
}
