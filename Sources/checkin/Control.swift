// Commands that talk to checkind over the session bus (DaemonClient, docs/DBUS.md).

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CheckinCore
import SystemdKit

/// The exit statuses every control command documents.
private let exitCodes = """
    Exit status: 0 done; 1 checkind refused or failed (e.g. a refused config); 3 checkind is not \
    running; 64 a bad argument (a malformed duration, an unknown reminder, a value out of range).
    """

/// "15:30 (in 1h30m)" today, else "Tue 2026-11-26 00:00 (in 8h)".
func describeTime(_ date: Date, now: Date, zone: Zone) -> String {
    let text = zone.civil(date).date == zone.civil(now).date ? LocalFormat.time(date, in: zone) : Format.weekdayDateTime(date, zone: zone)
    return "\(text) (\(LocalFormat.relative(Int(date.timeIntervalSince(now).rounded()))))"
}

// MARK: - status

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show whether checkind runs, whether it is paused and what comes next.",
        discussion: "Exit status 3 when the daemon is not running (the report then says so on standard output)."
    )

    @OptionGroup var output: OutputOptions

    @OptionGroup var paths: Paths

    func run() throws {
        try reportingErrors {
            var reply: [String: BusVariant]?
            if let client = DaemonClient.connectIfRunning() {
                defer { client.close() }
                do {
                    let m = try client.call("Status")
                    reply = try client.read("Status") { () throws(SystemdError) in try m.readVariantDictionary() }
                } catch let error as CLIError where error.code == 3 {
                    reply = nil
                }
            }
            if let reply {
                if output.json {
                    print(StatusJSON.render(reply))
                } else {
                    print("checkind is running.")
                    // One part of the status per line ("Paused until 15:00", "Next: ...", ...).
                    for part in (reply.string("Status") ?? "").split(separator: ";").map({ $0.trimmedASCII }) where !part.isEmpty {
                        wrapped(part).forEach { print($0) }
                    }
                    if let c = reply.string("ConfigSource") { wrapped("Config: \(c)").forEach { print($0) } }
                    if let e = reply.string("ConfigError"), !e.isEmpty { wrapped("Reload refused: \(e)").forEach { print($0) } }
                    if let d = reply.string("Database") { wrapped("Journal: \(d)").forEach { print($0) } }
                    if let a = reply.strings("ActivitySources") {
                        let presence = reply.string("Presence").map { " (\($0))" } ?? ""
                        wrapped("Activity: " + (a.isEmpty ? "no source" : a.joined(separator: ", ") + presence)).forEach { print($0) }
                    }
                    if let d = reply.strings("DoNotDisturbSources") {
                        let on = reply["DoNotDisturb"] == .bool(true) ? " (on)" : " (off)"
                        wrapped("Do not disturb: " + (d.isEmpty ? "no source" : d.joined(separator: ", ") + on)).forEach { print($0) }
                    }
                }
                return
            }
            // Not running: say what would come next with the config on disk.
            let now = Date()
            let zone = paths.zone
            var next: (String, Date)?
            if let config = try? paths.loadConfig(),
               let first = config.upcoming(after: now, in: zone, count: 1, seed: paths.installSeed).first {
                next = (first.reminder.id, first.at)
            }
            if output.json {
                var fields = ["\"running\":false"]
                if let next { fields += ["\"nextReminder\":\(JSONText.quote(next.0))", "\"nextAt\":\(JSONText.quote(LocalFormat.iso8601(next.1, in: zone)))"] }
                print("{" + fields.joined(separator: ",") + "}")
            } else {
                print("checkind is not running. Start it with: systemctl --user start checkind")
                if let next { print("  Next with the current config: \(next.0) at \(LocalFormat.dateTime(next.1, in: zone))") }
            }
            throw ExitCode(3)
        }
    }
}

enum StatusJSON {
    static func render(_ d: [String: BusVariant]) -> String {
        func s(_ k: String) -> String { if case .string(let v) = d[k] { return JSONText.quote(v) }; return "null" }
        func u(_ k: String) -> String { if case .uint32(let v) = d[k] { return String(v) }; return "null" }
        func b(_ k: String) -> String { if case .bool(let v) = d[k] { return v ? "true" : "false" }; return "null" }
        func list(_ k: String) -> String {
            if case .stringArray(let v) = d[k] { return "[" + v.map(JSONText.quote).joined(separator: ",") + "]" }
            return "null"
        }
        let zone = Zone.system(environment: Env.current)
        func time(_ k: String) -> String {
            guard case .uint64(let usec) = d[k], usec > 0 else { return "null" }
            return JSONText.quote(LocalFormat.iso8601(dateFromMicroseconds(usec), in: zone))
        }
        let fields = [
            "\"running\":true", "\"version\":\(s("Version"))", "\"status\":\(s("Status"))",
            "\"nextReminder\":\(s("NextReminder"))", "\"nextAt\":\(time("NextAt"))", "\"todayCount\":\(u("TodayCount"))",
            "\"openPrompts\":\(u("OpenPrompts"))", "\"notificationServer\":\(b("NotificationServer"))",
            "\"config\":\(s("ConfigSource"))", "\"configError\":\(s("ConfigError"))", "\"database\":\(s("Database"))",
            "\"paused\":\(b("Paused"))", "\"pausedUntil\":\(time("PausedUntil"))",
            "\"activitySources\":\(list("ActivitySources"))", "\"presence\":\(s("Presence"))",
            "\"doNotDisturbSources\":\(list("DoNotDisturbSources"))", "\"doNotDisturb\":\(b("DoNotDisturb"))",
        ]
        return "{" + fields.joined(separator: ",") + "}"
    }
}

// MARK: - next

struct Next: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the upcoming reminders.",
        discussion: """
            While checkind runs, it says what it will really deliver: the pause, snoozed prompts, \
            skipped firings and the journal's schedule seed are all taken into account (up to 1000). \
            Otherwise, and always with --from or a --count above 1000, they are computed from the \
            config on disk by the same schedule code, with a note on standard error. Exit status 3 \
            when checkind is not running and no --from was given (the list is printed anyway); 64 \
            for a bad option.
            """
    )

    @Option(help: "How many to show (1-100000).")
    var count: Int = 10

    @Option(help: ArgumentHelp("Start from this local time instead of now: YYYY-MM-DD or YYYY-MM-DDTHH:MM.", valueName: "time"))
    var from: String?

    @OptionGroup var output: OutputOptions

    @OptionGroup var paths: Paths

    func validate() throws {
        guard (1...100_000).contains(count) else { throw ValidationError("--count \(count) is out of range; expected 1-100000") }
    }

    func run() throws {
        try reportingErrors {
            var notRunning = false
            if from == nil {
                if let client = DaemonClient.connectIfRunning() {
                    defer { client.close() }
                    if count <= 1000 {
                        do {
                            try fromDaemon(client)
                            return
                        } catch let error as CLIError where error.code == 3 {
                            notRunning = true
                        }
                    } else {
                        StandardError.write("checkin: more than 1000 asked for: computed from the config on disk, without checkind's pause, snoozes and skips\n")
                    }
                } else {
                    notRunning = true
                }
                if notRunning {
                    StandardError.write("checkin: \(DaemonClient.notRunning)\ncheckin: computed from the config on disk instead\n")
                }
            }
            try fromConfig()
            if notRunning { throw ExitCode(3) }
        }
    }

    /// Next(count) from the daemon, with the schedule descriptions from the config on disk.
    private func fromDaemon(_ client: DaemonClient) throws {
        let statusReply = try client.call("Status")
        let status = try client.read("Status") { () throws(SystemdError) in try statusReply.readVariantDictionary() }
        let reply = try client.call("Next") { m throws(SystemdError) in try m.append(UInt32(count)) }
        let items = try client.read("Next") { () throws(SystemdError) -> [NextJSON.Item] in
            var items: [NextJSON.Item] = []
            _ = try reply.enterContainer("a", "(sstt)")
            while try reply.enterContainer("r", "sstt") {
                let id = try reply.readString(), kind = try reply.readString()
                let at = try reply.readUInt64(), scheduled = try reply.readUInt64()
                try reply.exitContainer()
                items.append(NextJSON.Item(id: id, kind: kind, at: dateFromMicroseconds(at), scheduled: dateFromMicroseconds(scheduled)))
            }
            try reply.exitContainer()
            return items
        }
        let zone = paths.zone
        // The daemon's own config file when it has one, for the schedule descriptions.
        var config: Config?
        if let source = status.string("ConfigSource"), source != Config.builtInSource, paths.configPath == nil {
            config = try? ConfigLoader.load(path: source)
        } else {
            config = try? paths.loadConfig()
        }
        let resolved = items.map { item -> NextJSON.Item in
            var item = item
            item.reminder = config?.scheduledReminder(id: item.id)
            return item
        }
        if output.json {
            print(NextJSON.render(resolved, zone: zone))
            return
        }
        print("Upcoming reminders (\(zone.identifier), as checkind will deliver them):")
        if status.bool("Paused") == true {
            if let usec = status.uint64("PausedUntil"), usec > 0 {
                let end = Format.weekdayDateTime(dateFromMicroseconds(usec), zone: zone)
                wrapped("Paused until \(end): before then only what you snoozed or triggered is shown.").forEach { print($0) }
            } else {
                wrapped("Paused until you resume (checkin resume): only what you snooze or trigger is shown.").forEach { print($0) }
            }
        }
        if resolved.isEmpty && status.bool("Paused") != true {
            print("  Nothing scheduled: every reminder is disabled or never fires.")
        }
        for item in resolved {
            var why: String
            // Later than its time by more than the reminder's jitter: an open prompt coming back.
            let late = item.at.timeIntervalSince(item.scheduled)
            if late > Double(item.reminder?.jitter ?? 0) {
                why = "snoozed, due \(LocalFormat.time(item.scheduled, in: zone))"
            } else {
                why = item.reminder?.schedule.summary ?? item.kind
                if item.at != item.scheduled { why += ", jitter +\(DurationText.format(Int(item.at.timeIntervalSince(item.scheduled))))" }
            }
            print(Format.clip("  \(Format.weekdayDateTime(item.at, zone: zone))  \(Format.pad(item.id, 10)) \(why)", columns))
        }
    }

    private func fromConfig() throws {
        let config = try paths.loadConfig()
        let zone = paths.zone
        var start = Date()
        if let from {
            let local = CivilDateTime.parse(from) ?? CivilDate.parse(from).map { CivilDateTime(date: $0, hour: 0, minute: 0) }
            guard let local else {
                throw CLIError(message: "--from \(JSONText.quote(from)) is not a time; expected YYYY-MM-DD or YYYY-MM-DDTHH:MM", code: 64)
            }
            // Firings strictly after the second before, so one at exactly that time is listed.
            start = zone.date(local).addingTimeInterval(-1)
        }
        let firings = config.upcoming(after: start, in: zone, count: count, seed: paths.installSeed)
        if output.json {
            print(NextJSON.render(firings.map { NextJSON.Item(id: $0.reminder.id, kind: $0.reminder.kind.rawValue, at: $0.at,
                                                              scheduled: $0.scheduled, reminder: $0.reminder, window: $0.window) },
                                  zone: zone))
            return
        }
        guard !firings.isEmpty else {
            print("Nothing scheduled: every reminder is disabled or never fires.")
            return
        }
        print("Upcoming reminders (\(zone.identifier), \(config.source)):")
        for f in firings {
            var why = f.reminder.schedule.summary
            if f.at != f.scheduled { why += ", jitter +\(DurationText.format(Int(f.at.timeIntervalSince(f.scheduled))))" }
            print(Format.clip("  \(Format.weekdayDateTime(f.at, zone: zone))  \(Format.pad(f.reminder.id, 10)) \(why)", columns))
        }
    }
}

enum NextJSON {
    struct Item {
        var id: String
        var kind: String
        var at: Date
        var scheduled: Date
        /// The reminder's config, when known (the daemon's answer names only ids).
        var reminder: Reminder?
        var window: (start: Date, end: Date)?
    }

    static func render(_ items: [Item], zone: Zone) -> String {
        let objects = items.map { f in
            var fields = [
                "\"reminder\":\(JSONText.quote(f.id))", "\"kind\":\(JSONText.quote(f.kind))",
                "\"at\":\(JSONText.quote(LocalFormat.iso8601(f.at, in: zone)))",
                "\"schedule\":\(f.reminder.map { JSONText.quote($0.schedule.summary) } ?? "null")",
            ]
            if let w = f.window ?? f.reminder?.schedule.window(containing: f.scheduled, in: zone) {
                fields.append("\"window\":{\"start\":\(JSONText.quote(LocalFormat.iso8601(w.start, in: zone))),\"end\":\(JSONText.quote(LocalFormat.iso8601(w.end, in: zone)))}")
            } else {
                fields.append("\"window\":null")
            }
            fields.append("\"scheduled\":\(JSONText.quote(LocalFormat.iso8601(f.scheduled, in: zone)))")
            return "{" + fields.joined(separator: ",") + "}"
        }
        return "[" + objects.joined(separator: ",") + "]"
    }
}

// MARK: - pause, resume

/// `checkin pause` arguments: nothing (until resumed), a duration, "until HH:MM", "until tomorrow".
enum PauseRequest {
    static let expected = "expected a duration like 90m, 1h30m or 2h, \"until HH:MM\" or \"until tomorrow\""
    static let longest = 30 * 86400

    /// Seconds for Pause() (0: until resumed) and the end it means (nil: until resumed).
    static func parse(_ words: [String], now: Date, zone: Zone) throws(CLIError) -> (seconds: UInt64, end: Date?) {
        let text = words.joined(separator: " ")
        if words.isEmpty { return (0, nil) }
        var seconds: Int
        if words.count == 2, words[0].lowercased() == "until" {
            let today = zone.civil(now).date
            let end: Date
            if words[1].lowercased() == "tomorrow" {
                end = zone.date(CivilDateTime(date: today.adding(days: 1), hour: 0, minute: 0, second: 0))
            } else if let t = LocalTime.parse(words[1]) {
                let candidate = zone.date(CivilDateTime(date: today, hour: t.hour, minute: t.minute, second: 0))
                end = candidate > now ? candidate
                    : zone.date(CivilDateTime(date: today.adding(days: 1), hour: t.hour, minute: t.minute, second: 0))
            } else {
                throw CLIError(message: "\(JSONText.quote(words[1])) is not a time of day; \(expected)", code: 64)
            }
            seconds = max(1, Int(end.timeIntervalSince(now).rounded(.up)))
        } else if words.count == 1, let parsed = DurationText.parse(words[0]) {
            seconds = parsed
        } else {
            throw CLIError(message: "\(JSONText.quote(text)) is not a duration; \(expected)", code: 64)
        }
        guard seconds <= longest else {
            throw CLIError(message: "\(JSONText.quote(text)) is longer than 30 days; the longest pause is 30d", code: 64)
        }
        return (UInt64(seconds), now.addingTimeInterval(TimeInterval(seconds)))
    }
}

struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pause reminders: nothing is shown until the pause ends.",
        discussion: """
            DURATION is like 90m, 1h30m or 2h; "until HH:MM" pauses until that time today, or \
            tomorrow if it has passed; "until tomorrow" pauses until the next local midnight \
            (00:00). Without an argument the pause lasts until `checkin resume`. At most 30 days. \
            Firings that come due meanwhile are recorded as skipped (action "paused") and not \
            shown later; `checkin trigger` still shows a prompt. The pause survives a restart of \
            checkind. \(exitCodes)
            """
    )

    @Argument(help: ArgumentHelp("How long: 90m, 1h30m, 2h, until HH:MM, until tomorrow; none: until resumed.", valueName: "duration"))
    var when: [String] = []

    func run() throws {
        try reportingErrors {
            let now = Date()
            let zone = Zone.system(environment: Env.current)
            let request = try PauseRequest.parse(when, now: now, zone: zone)
            let client = try DaemonClient.connect()
            defer { client.close() }
            _ = try client.call("Pause") { m throws(SystemdError) in try m.append(request.seconds) }
            if let end = request.end {
                print("Paused until \(describeTime(end, now: now, zone: zone)).")
            } else {
                print("Paused until you resume (checkin resume).")
            }
        }
    }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "End a pause: reminders are shown again.",
        discussion: "Firings skipped during the pause are not shown late. \(exitCodes)"
    )

    func run() throws {
        try reportingErrors {
            let client = try DaemonClient.connect()
            defer { client.close() }
            let m = try client.call("Status")
            let status = try client.read("Status") { () throws(SystemdError) in try m.readVariantDictionary() }
            guard status.bool("Paused") == true else {
                print("Reminders were not paused.")
                return
            }
            _ = try client.call("Resume")
            print("Resumed: reminders are shown again.")
        }
    }
}

// MARK: - snooze, skip, trigger

struct Snooze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Snooze a reminder's open prompt, or have one shown later.",
        discussion: """
            With a prompt of REMINDER open, it goes away and comes back after DURATION; without one, \
            a prompt of REMINDER is shown after DURATION. DURATION is like 10m or 1h30m, at most 24h; \
            without it, the reminder's own snooze time. \(exitCodes)
            """
    )

    @Argument(help: "The reminder's id (see checkin config check).")
    var reminder: String

    @Argument(help: ArgumentHelp("How long: 10m, 1h30m (at most 24h); default: the reminder's snooze.", valueName: "duration"))
    var duration: String?

    func run() throws {
        try reportingErrors {
            var seconds: UInt64 = 0
            if let duration {
                guard let parsed = DurationText.parse(duration) else {
                    throw CLIError(message: "\(JSONText.quote(duration)) is not a duration; expected e.g. 10m, 1h30m or 2h (at most 24h)", code: 64)
                }
                guard parsed <= 86400 else {
                    throw CLIError(message: "\(JSONText.quote(duration)) is longer than 24h; expected at most 24h", code: 64)
                }
                seconds = UInt64(parsed)
            }
            print(try DaemonClient.callForString("Snooze") { m throws(SystemdError) in
                try m.append(reminder)
                try m.append(seconds)
            })
        }
    }
}

struct Skip: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Skip a reminder's open prompt, or else its next firing.",
        discussion: "The skipped prompt is recorded (state skipped, action skip). \(exitCodes)"
    )

    @Argument(help: "The reminder's id.")
    var reminder: String

    func run() throws {
        try reportingErrors {
            print(try DaemonClient.callForString("Skip") { m throws(SystemdError) in try m.append(reminder) })
        }
    }
}

struct Trigger: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a reminder's prompt now (also while paused).",
        discussion: exitCodes
    )

    @Argument(help: "The reminder's id.")
    var reminder: String

    func run() throws {
        try reportingErrors {
            let id = try DaemonClient.callForString("Trigger") { m throws(SystemdError) in try m.append(reminder) }
            print("Triggered \(reminder) (prompt \(id)).")
        }
    }
}

// MARK: - reload

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make checkind read its config again.",
        discussion: """
            The same as `systemctl --user reload checkind`. A config with errors is refused, every \
            error is printed, and checkind keeps the one it runs with (exit status 1). \(exitCodes)
            """
    )

    func run() throws {
        try reportingErrors {
            let client = try DaemonClient.connect()
            defer { client.close() }
            _ = try client.call("Reload")
            print("Reloaded the config.")
        }
    }
}

/// The daemon-control subcommands, in the order `checkin --help` lists them.
enum ControlCommands {
    static let all: [ParsableCommand.Type] = [
        Status.self, Next.self, Pause.self, Resume.self, Snooze.self, Skip.self, Trigger.self, Reload.self,
    ]
}
