// The control interface: io.checkin.Checkin1 at /io/checkin/Checkin1 on the session bus (see
// docs/DBUS.md). Methods, properties (with PropertiesChanged) and signals; only the daemon's own
// user may call it. Everything here runs on the daemon's queue, as the bus does.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import CheckinCore
import Logging
import SystemdKit

public enum ControlInterface {
    public static let busName = "io.checkin.Checkin1"
    public static let objectPath = "/io/checkin/Checkin1"
    public static let interface = "io.checkin.Checkin1"

    /// Error names of the interface.
    public enum ErrorName {
        public static let invalidArgument = "io.checkin.Error.InvalidArgument"
        public static let unknownReminder = "io.checkin.Error.UnknownReminder"
        public static let invalidConfig = "io.checkin.Error.InvalidConfig"
        public static let accessDenied = "org.freedesktop.DBus.Error.AccessDenied"
    }

    /// Limits of the arguments.
    public static let nextCount: ClosedRange<UInt32> = 1...1000
    public static let maxPause: UInt64 = 30 * 86400
    public static let snoozeSeconds: ClosedRange<UInt64> = 1...86400
    public static let maxNote = 4000

    /// Every method is "unprivileged" for sd-bus: the daemon checks the caller itself
    /// (`Daemon.authorize`, same euid only), identically on every connection.
    public static let methods: [BusMethod] = [
        BusMethod("Status", out: "a{sv}", outNames: ["status"], unprivileged: true),
        BusMethod("Next", in: "u", out: "a(sstt)", inNames: ["count"], outNames: ["deliveries"], unprivileged: true),
        BusMethod("Pause", in: "t", inNames: ["seconds"], unprivileged: true),
        BusMethod("Resume", unprivileged: true),
        BusMethod("Snooze", in: "st", out: "s", inNames: ["reminder", "seconds"], outNames: ["result"], unprivileged: true),
        BusMethod("Skip", in: "s", out: "s", inNames: ["reminder"], outNames: ["result"], unprivileged: true),
        BusMethod("Trigger", in: "s", out: "s", inNames: ["reminder"], outNames: ["prompt_id"], unprivileged: true),
        BusMethod("Log", in: "a{sv}", out: "x", inNames: ["entry"], outNames: ["entry_id"], unprivileged: true),
        BusMethod("Reload", unprivileged: true),
    ]

    public static let signals: [BusSignal] = [
        BusSignal("PromptDelivered", signature: "sss", names: ["reminder", "prompt_id", "kind"]),
        BusSignal("EntryRecorded", signature: "xss", names: ["entry_id", "reminder", "source"]),
    ]

    public static let properties: [BusProperty] = [
        BusProperty("Paused", signature: "b"),
        BusProperty("PausedUntil", signature: "t"),
        BusProperty("NextReminder", signature: "s"),
        BusProperty("NextAt", signature: "t"),
        BusProperty("TodayCount", signature: "u"),
        BusProperty("ConfigError", signature: "s"),
    ]
}

/// Who may use the control interface: the daemon's own user, nobody else.
public enum ControlAccess {
    /// nil when `callerUID` may call; else the AccessDenied error to reply with.
    public static func refusal(callerUID: uid_t, ownerUID: uid_t) -> SystemdError? {
        guard callerUID != ownerUID else { return nil }
        return SystemdError(call: "checkind", errno: EACCES, busErrorName: ControlInterface.ErrorName.accessDenied,
                            message: "checkind serves only uid \(ownerUID); the caller is uid \(callerUID)")
    }
}

/// `t` microseconds since the epoch (0 for dates before it).
func microseconds(_ date: Date) -> UInt64 {
    UInt64(max(0, (date.timeIntervalSince1970 * 1_000_000).rounded()))
}

extension Daemon {
    private func invalid(_ message: String) -> SystemdError {
        SystemdError(call: "checkind", errno: EINVAL, busErrorName: ControlInterface.ErrorName.invalidArgument, message: message)
    }

    func exportControlObject() throws(SystemdError) -> BusSlot {
        try bus.addObject(
            path: ControlInterface.objectPath, interface: ControlInterface.interface,
            methods: ControlInterface.methods, signals: ControlInterface.signals, properties: ControlInterface.properties,
            getProperty: { [weak self] (name: String) throws(SystemdError) -> BusVariant in
                guard let self else { throw SystemdError(call: "checkind", errno: ESHUTDOWN) }
                return try self.property(name)
            }
        ) { [weak self] (message: BusMessage) throws(SystemdError) -> BusMessage in
            guard let self else { throw SystemdError(call: "checkind", errno: ESHUTDOWN) }
            try self.authorize(message)
            return try self.handleControl(message)
        }
    }

    /// Refuses callers running as another user (org.freedesktop.DBus.Error.AccessDenied).
    func authorize(_ message: BusMessage) throws(SystemdError) {
        let sender = message.sender ?? ""
        let uid: uid_t
        if let known = senderUIDs[sender] {
            uid = known
        } else {
            do {
                uid = try message.senderEUID()
            } catch {
                throw SystemdError(call: "checkind", errno: EACCES, busErrorName: ControlInterface.ErrorName.accessDenied,
                                   message: "cannot tell which user is calling: \(error)")
            }
            if senderUIDs.count >= 256 { senderUIDs = [:] }
            senderUIDs[sender] = uid
        }
        if let refusal = ControlAccess.refusal(callerUID: uid, ownerUID: options.controlUID) { throw refusal }
    }

    private func property(_ name: String) throws(SystemdError) -> BusVariant {
        // Get/GetAll from another user is refused like a method call. Reads sd-bus makes itself
        // (for PropertiesChanged) happen while handling some other message, or none.
        if let current = bus.currentMessage, current.isMethodCall, current.interface == "org.freedesktop.DBus.Properties" {
            try authorize(current)
        }
        guard let value = controlProperties()[name] else {
            throw SystemdError(call: "checkind", errno: ENOENT, busErrorName: "org.freedesktop.DBus.Error.UnknownProperty",
                               message: "no property \(name)")
        }
        return value
    }

    /// The properties' current values.
    func controlProperties() -> [String: BusVariant] {
        let next = engine.upcoming
        let now = clock()
        return [
            "Paused": .bool(engine.pause.isPaused),
            "PausedUntil": .uint64(engine.pause.end.map(microseconds) ?? 0),
            "NextReminder": .string(next?.reminder ?? ""),
            "NextAt": .uint64(next.map { microseconds($0.at) } ?? 0),
            "TodayCount": .uint32(UInt32(todayCount(now: now, zone: engine.zone))),
            "ConfigError": .string(configError ?? ""),
        ]
    }

    /// Sends PropertiesChanged for every property whose value differs from the last one sent.
    func publishProperties() {
        // Nothing before start() took the first values (nobody could have read them yet).
        guard engine != nil, !publishedProperties.isEmpty, let bus, bus.isOpen else { return }
        let current = controlProperties()
        let changed = ControlInterface.properties.map(\.member).filter { current[$0] != publishedProperties[$0] }
        guard !changed.isEmpty else { return }
        publishedProperties = current
        do {
            try bus.emitPropertiesChanged(path: ControlInterface.objectPath, interface: ControlInterface.interface, names: changed)
        } catch {
            logger.warning("Could not announce changed properties \(changed.joined(separator: ", ")): \(error)")
        }
    }

    func emitPromptDelivered(reminder: String, prompt: String, kind: String) {
        emit("PromptDelivered") { m throws(SystemdError) in
            try m.append(reminder)
            try m.append(prompt)
            try m.append(kind)
        }
    }

    func emitEntryRecorded(id: Int64, reminder: String, source: String) {
        emit("EntryRecorded") { m throws(SystemdError) in
            try m.append(id)
            try m.append(reminder)
            try m.append(source)
        }
        // A new entry may bring the 14-day mood mean to the nudge's level.
        engine.entryRecorded()
    }

    private func emit(_ member: String, _ build: (BusMessage) throws(SystemdError) -> Void) {
        guard let bus, bus.isOpen else { return }
        do {
            try bus.emitSignal(path: ControlInterface.objectPath, interface: ControlInterface.interface, member: member, build: build)
        } catch {
            logger.warning("Could not emit \(member): \(error)")
        }
    }

    private func knownReminder(_ id: String) throws(SystemdError) -> Reminder {
        guard let reminder = config.scheduledReminder(id: id) else {
            let known = config.reminders.map(\.id) + config.questionnaireReminders.map(\.id)
            throw SystemdError(call: "checkind", errno: ENOENT, busErrorName: ControlInterface.ErrorName.unknownReminder,
                               message: "no reminder \"\(id)\"; known: \(known.joined(separator: ", "))")
        }
        return reminder
    }

    /// "14:10 (in 10m)" in the engine's zone.
    private func when(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince(clock()).rounded())
        let text = seconds < 86400 ? LocalFormat.time(date, in: engine.zone) : LocalFormat.dateTime(date, in: engine.zone)
        return "\(text) (\(LocalFormat.relative(seconds)))"
    }

    func handleControl(_ message: BusMessage) throws(SystemdError) -> BusMessage {
        let reply = try message.makeReply()
        switch message.member {
        case "Status":
            try reply.appendVariantDictionary(statusDictionary())
        case "Next":
            let count = try message.readUInt32()
            guard ControlInterface.nextCount.contains(count) else {
                throw invalid("count \(count) is out of range; expected 1-1000")
            }
            try reply.openContainer("a", "(sstt)")
            for d in engine.plannedDeliveries(count: Int(count)) {
                try reply.openContainer("r", "sstt")
                try reply.append(d.reminder)
                try reply.append(d.kind)
                try reply.append(microseconds(d.at))
                try reply.append(microseconds(d.scheduled))
                try reply.closeContainer()
            }
            try reply.closeContainer()
        case "Pause":
            let seconds = try message.readUInt64()
            guard seconds <= ControlInterface.maxPause else {
                throw invalid("seconds \(seconds) is out of range; expected 0 (until resumed) to 2592000 (30 days)")
            }
            engine.pause(until: seconds == 0 ? nil : clock().addingTimeInterval(TimeInterval(seconds)))
        case "Resume":
            engine.resume()
        case "Snooze":
            let reminder = try knownReminder(try message.readString())
            var seconds = try message.readUInt64()
            if seconds == 0 { seconds = UInt64(reminder.snooze) }
            guard ControlInterface.snoozeSeconds.contains(seconds) else {
                throw invalid("seconds \(seconds) is out of range; expected 0 (the reminder's snooze, "
                              + "\(DurationText.format(reminder.snooze))) or 1-86400")
            }
            switch engine.snooze(reminder, seconds: Int(seconds)) {
            case .openPrompt(_, let until):
                try reply.append("Snoozed the open \(reminder.id) prompt until \(when(until)).")
            case .scheduled(_, let at):
                try reply.append("No \(reminder.id) prompt was open; one is scheduled for \(when(at)).")
            }
        case "Skip":
            let reminder = try knownReminder(try message.readString())
            switch engine.skip(reminder) {
            case .openPrompt?:
                try reply.append("Skipped the open \(reminder.id) prompt.")
            case .firing(_, let at)?:
                try reply.append("No \(reminder.id) prompt was open; skipped the next one, due \(when(at)).")
            case nil:
                throw invalid("\(reminder.id) has no open prompt and no upcoming firing to skip"
                              + (reminder.enabled ? "" : " (it is disabled)"))
            }
        case "Trigger":
            let reminder = try knownReminder(try message.readString())
            let now = clock()
            try reply.append(engine.fire(reminder, scheduledAt: now, now: now, explicit: true))
        case "Log":
            try reply.append(try log(message))
        case "Reload":
            if let error = reload() {
                throw SystemdError(call: "Reload", errno: EINVAL, busErrorName: ControlInterface.ErrorName.invalidConfig, message: error)
            }
        default:
            throw SystemdError(call: "checkind", errno: EOPNOTSUPP, busErrorName: "org.freedesktop.DBus.Error.UnknownMethod",
                               message: "unknown method \(message.member ?? "")")
        }
        return reply
    }

    // MARK: - Log

    /// Log(a{sv}): validates every key like `checkin log` does, writes the entry (source "dbus"),
    /// emits EntryRecorded and returns the entry's id.
    private func log(_ message: BusMessage) throws(SystemdError) -> Int64 {
        let rules = LogRules(config: config)
        var values: [Measure: Int] = [:]
        var note: String?
        var tags: [String] = []
        var seen: Set<String> = []
        _ = try message.enterContainer("a", "{sv}")
        while try message.enterContainer("e", "sv") {
            let key = try message.readString()
            guard let (_, contents) = try message.peekType(), let signature = contents else {
                throw invalid("\(key) has no value")
            }
            guard seen.insert(key).inserted else { throw invalid("\(key) is given twice; expected each key once") }
            switch key {
            case "mood", "anxiety":
                let measure: Measure = key == "mood" ? .mood : .anxiety
                _ = try message.enterContainer("v", signature)
                let value = try message.readAnyInteger()
                guard let value else {
                    let shown = try describeSkipped(message, signature: signature)
                    throw invalid("\(key) has type \(signature)\(shown); expected an integer (y, n, q, i, u, x or t)")
                }
                try message.exitContainer()
                guard let v = Int(exactly: value), rules.problem(measure, v) == nil else {
                    throw invalid("\(key) \(value) is outside the scale; " + (rules.problem(measure, Int(clamping: value)) ?? ""))
                }
                values[measure] = v
            case "note":
                guard signature == "s" else { throw invalid("note has type \(signature); expected s (a string)") }
                _ = try message.enterContainer("v", "s")
                let text = try message.readString()
                try message.exitContainer()
                guard text.count <= ControlInterface.maxNote else {
                    throw invalid("note has \(text.count) characters; expected at most \(ControlInterface.maxNote)")
                }
                note = text.isEmpty ? nil : text
            case "tags":
                guard signature == "as" else { throw invalid("tags has type \(signature); expected as (an array of strings)") }
                _ = try message.enterContainer("v", "as")
                for raw in try message.readStringArray() {
                    guard let tag = LogRules.tag(raw) else {
                        throw invalid("tags: \(JSONText.quote(raw)) is not a tag; expected \(LogRules.tagRule)")
                    }
                    if !tags.contains(tag) { tags.append(tag) }
                }
                try message.exitContainer()
            default:
                throw invalid("unknown key \(JSONText.quote(key)) (type \(signature)); expected mood, anxiety, note or tags")
            }
            try message.exitContainer()
        }
        try message.exitContainer()
        guard values[.mood] != nil || values[.anxiety] != nil else {
            throw invalid("an entry needs mood or anxiety (or both); got \(seen.isEmpty ? "no keys" : seen.sorted().joined(separator: ", "))")
        }
        let now = clock()
        let zone = engine.zone
        let entry = Entry(id: nil, recordedAt: now, utcOffset: zone.offset(at: now), mood: values[.mood], anxiety: values[.anxiety],
                          note: note, tags: tags.sorted(), source: "dbus", promptID: nil)
        let id: Int64
        do {
            id = try store.insertEntry(entry)
        } catch {
            throw SystemdError(call: "checkind", errno: EIO, busErrorName: "org.freedesktop.DBus.Error.Failed",
                               message: "could not write the entry: \(error)")
        }
        var said = values.sorted { $0.key.rawValue > $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
        if !tags.isEmpty { said += " " + tags.sorted().map { "#\($0)" }.joined(separator: " ") }
        logger.event(.logged, "Recorded \(said) (Log)", extra: ["checkin_entry_id": .stringConvertible(id)])
        emitEntryRecorded(id: id, reminder: "", source: "dbus")
        publishStatus()
        return id
    }

    /// For a wrong-typed value inside an entered variant: " (VALUE)" for values worth showing,
    /// skipping it either way.
    private func describeSkipped(_ message: BusMessage, signature: String) throws(SystemdError) -> String {
        switch signature {
        case "s", "o", "g":
            return " (\(JSONText.quote(try message.readString())))"
        case "b":
            return " (\(try message.readBool()))"
        case "d":
            return " (\(try message.readDouble()))"
        default:
            try message.skip(signature)
            return ""
        }
    }
}
