// checkin: the command-line companion of checkind. Reading and logging commands work on the files
// directly (no daemon needed); `status` asks the daemon over the session bus.

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

@main
struct Checkin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkin",
        abstract: "Mood check-ins and break reminders: log, review and control.",
        discussion: """
            Entries live in $XDG_DATA_HOME/checkin/checkin.sqlite (readable only by you); nothing \
            leaves this machine. The daemon is checkind (systemctl --user status checkind).
            """,
        version: "0.1.0",
        subcommands: [Log.self, History.self, Status.self, Next.self, Calendar.self, ConfigCommand.self]
    )
}

/// Options every file-based command shares.
struct Paths: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp("Config file (JSON or plist).", valueName: "path"))
    var configPath: String?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Directory of the journal database.", valueName: "dir"))
    var dataDirectory: String?

    var environment: [String: String] { Env.current }

    var databasePath: String {
        dataDirectory.map { $0 + "/checkin.sqlite" } ?? Store.defaultPath(environment: environment)
    }

    func loadConfig() throws -> Config {
        do {
            return try ConfigLoader.load(path: ConfigLoader.locate(explicit: configPath, environment: environment))
        } catch {
            throw CLIError(message: "the config is invalid:\n\(error.description)", code: 1)
        }
    }

    func openStore(create: Bool) throws -> Store {
        do {
            return try Store(path: databasePath, createIfMissing: create)
        } catch {
            throw CLIError(message: "\(error)", code: 1)
        }
    }

    var zone: Zone { Zone.system(environment: environment) }

    /// The journal's schedule seed (see checkind), or 0 before checkind has made one.
    var installSeed: UInt64 {
        guard access(databasePath, F_OK) == 0, let store = try? Store(path: databasePath, createIfMissing: false) else { return 0 }
        defer { store.close() }
        return (try? store.stateValue(Config.installSeedStateKey)).flatMap { $0.flatMap(UInt64.init) } ?? 0
    }
}

struct CLIError: Error, CustomStringConvertible {
    var message: String
    var code: Int32
    var description: String { message }
}

enum Env {
    static let current = LoggingSetup.processEnvironment()
}

/// Prints to stderr and exits with the error's code (ArgumentParser's own errors keep theirs).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as CLIError {
        StandardError.write("checkin: \(error.message)\n")
        throw ExitCode(error.code)
    }
}

// MARK: - log

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record how you feel now, without the daemon.",
        discussion: "Scales come from your config's first mood check-in (by default mood 1-5, anxiety 1-5)."
    )

    @Option(help: "Your mood on the configured scale.")
    var mood: Int

    @Option(help: "Your anxiety on the configured scale.")
    var anxiety: Int?

    @Option(help: "A note to keep with the entry.")
    var note: String?

    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag (repeatable), e.g. --tag work --tag coffee.", valueName: "tag"))
    var tags: [String] = []

    @OptionGroup var paths: Paths

    func run() throws {
        try reportingErrors {
            let config = try paths.loadConfig()
            let moodReminder = config.reminders.first { $0.kind == .mood }
            let moodScale = moodReminder?.question?.scale ?? Scale(min: 1, max: 5)
            let anxietyScale = moodReminder?.followUp.flatMap { $0.measure == .anxiety ? $0.scale : nil } ?? Scale(min: 1, max: 5)
            guard moodScale.points.contains(mood) else {
                throw CLIError(message: "--mood \(mood) is outside the scale; expected \(moodScale.rangeDescription)\(describe(moodScale))", code: 64)
            }
            if let anxiety, !anxietyScale.points.contains(anxiety) {
                throw CLIError(message: "--anxiety \(anxiety) is outside the scale; expected \(anxietyScale.rangeDescription)\(describe(anxietyScale))", code: 64)
            }
            var cleanTags: [String] = []
            for t in tags {
                let tag = t.trimmedASCII.lowercased()
                guard !tag.isEmpty, tag.count <= 64, !tag.contains(",") else {
                    throw CLIError(message: "--tag \(JSONText.quote(t)) is not a tag; expected 1-64 characters without commas", code: 64)
                }
                if !cleanTags.contains(tag) { cleanTags.append(tag) }
            }
            let now = Date()
            let zone = paths.zone
            let store = try paths.openStore(create: true)
            defer { store.close() }
            let entry = Entry(id: nil, recordedAt: now, utcOffset: zone.offset(at: now), mood: mood, anxiety: anxiety,
                              note: note.flatMap { $0.isEmpty ? nil : $0 }, tags: cleanTags.sorted(), source: "cli", promptID: nil)
            do {
                _ = try store.insertEntry(entry)
            } catch {
                throw CLIError(message: "\(error)", code: 1)
            }
            var said = "Recorded mood \(mood)"
            if let l = moodScale.label(for: mood) { said += " (\(l))" }
            if let anxiety {
                said += ", anxiety \(anxiety)"
                if let l = anxietyScale.label(for: anxiety) { said += " (\(l))" }
            }
            print(said + " at \(LocalFormat.time(now, in: zone)).")
        }
    }

    private func describe(_ scale: Scale) -> String {
        guard !scale.labels.isEmpty else { return "" }
        return " (" + scale.points.map { "\($0) = \(scale.label(for: $0)!)" }.joined(separator: ", ") + ")"
    }
}

// MARK: - history

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List recorded entries and prompts.")

    @Option(help: ArgumentHelp("Start date: YYYY-MM-DD, or relative like 7d, 12h (default: 7d).", valueName: "when"))
    var since: String = "7d"

    @Flag(help: "Print JSON (see docs/JSON.md).")
    var json = false

    @OptionGroup var paths: Paths

    func run() throws {
        try reportingErrors {
            let now = Date()
            let zone = paths.zone
            guard let start = Format.parseSince(since, now: now, zone: zone) else {
                throw CLIError(message: "--since \(JSONText.quote(since)) is not a date; expected YYYY-MM-DD or a relative time like 7d, 12h, 30m", code: 64)
            }
            guard access(paths.databasePath, F_OK) == 0 else {
                if json { print(#"{"entries":[],"prompts":[]}"#) } else { print("No entries yet (no journal at \(paths.databasePath)).") }
                return
            }
            let store = try paths.openStore(create: false)
            defer { store.close() }
            let entries: [Entry], prompts: [PromptRecord]
            do {
                entries = try store.entries(since: start, until: nil)
                prompts = try store.prompts(since: start, until: nil)
            } catch {
                throw CLIError(message: "\(error)", code: 1)
            }
            if json {
                print(HistoryJSON.render(entries: entries, prompts: prompts, zone: zone))
                return
            }
            if entries.isEmpty && prompts.isEmpty {
                print("Nothing recorded since \(LocalFormat.dateTime(start, in: zone)).")
                return
            }
            if !entries.isEmpty {
                print("Entries since \(LocalFormat.dateTime(start, in: zone)):")
                for e in entries {
                    var line = "  \(LocalFormat.dateTime(e.recordedAt, in: zone))"
                    line += "  mood " + (e.mood.map(String.init) ?? "-")
                    line += "  anxiety " + (e.anxiety.map(String.init) ?? "-")
                    line += "  " + Format.pad(e.source, 12)
                    if !e.tags.isEmpty { line += "  #" + e.tags.joined(separator: " #") }
                    if let n = e.note { line += "  \"" + Format.clip(n, 40) + "\"" }
                    print(line)
                }
            }
            if !prompts.isEmpty {
                if !entries.isEmpty { print("") }
                print("Prompts:")
                for p in prompts {
                    var line = "  \(LocalFormat.dateTime(p.scheduledAt, in: zone))  \(Format.pad(p.reminder, 12))  \(p.state.rawValue)"
                    if let a = p.action { line += " (\(a))" }
                    if p.snoozeCount > 0 { line += ", snoozed \(p.snoozeCount)x" }
                    print(line)
                }
            }
        }
    }
}

enum HistoryJSON {
    static func render(entries: [Entry], prompts: [PromptRecord], zone: Zone) -> String {
        func time(_ d: Date?) -> String { d.map { JSONText.quote(LocalFormat.iso8601($0, in: zone)) } ?? "null" }
        func int<T: BinaryInteger>(_ v: T?) -> String { v.map { String($0) } ?? "null" }
        func str(_ s: String?) -> String { s.map(JSONText.quote) ?? "null" }
        let e = entries.map { e in
            "{\"id\":\(int(e.id)),\"time\":\(time(e.recordedAt)),\"mood\":\(int(e.mood)),\"anxiety\":\(int(e.anxiety)),"
                + "\"note\":\(str(e.note)),\"tags\":[\(e.tags.map(JSONText.quote).joined(separator: ","))],"
                + "\"source\":\(str(e.source)),\"prompt\":\(str(e.promptID))}"
        }
        let p = prompts.map { p in
            "{\"id\":\(str(p.id)),\"reminder\":\(str(p.reminder)),\"kind\":\(str(p.kind)),\"scheduled\":\(time(p.scheduledAt)),"
                + "\"delivered\":\(time(p.deliveredAt)),\"state\":\(str(p.state.rawValue)),\"outcome\":\(time(p.outcomeAt)),"
                + "\"action\":\(str(p.action)),\"snoozes\":\(p.snoozeCount)}"
        }
        return "{\"entries\":[\(e.joined(separator: ","))],\"prompts\":[\(p.joined(separator: ","))]}"
    }
}

// MARK: - status

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show whether checkind runs and what comes next.",
        discussion: "Exit status 3 when the daemon is not running."
    )

    @Flag(help: "Print JSON (see docs/JSON.md).")
    var json = false

    @OptionGroup var paths: Paths

    func run() throws {
        try reportingErrors {
            var reply: [String: BusVariant]?
            do {
                let bus = try Bus.user()
                defer { bus.close() }
                if try bus.nameHasOwner("io.checkin.Checkin1") {
                    let m = try bus.call(destination: "io.checkin.Checkin1", path: "/io/checkin/Checkin1",
                                         interface: "io.checkin.Checkin1", member: "Status", timeout: .seconds(5))
                    reply = try m.readVariantDictionary()
                }
            } catch {
                // No session bus or no answer: the daemon is not reachable.
                reply = nil
            }
            if let reply {
                if json {
                    print(StatusJSON.render(reply))
                } else {
                    print("checkind is running.")
                    if case .string(let s) = reply["Status"] { print("  \(s)") }
                    if case .string(let c) = reply["ConfigSource"] { print("  Config: \(c)") }
                    if case .string(let e) = reply["ConfigError"], !e.isEmpty { print("  Reload refused: \(e)") }
                    if case .string(let d) = reply["Database"] { print("  Journal: \(d)") }
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
            if json {
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
        var nextAt = "null"
        if case .uint64(let usec) = d["NextAt"] {
            let date = Date(timeIntervalSince1970: Double(usec) / 1_000_000)
            nextAt = JSONText.quote(LocalFormat.iso8601(date, in: Zone.system(environment: Env.current)))
        }
        let fields = [
            "\"running\":true", "\"version\":\(s("Version"))", "\"status\":\(s("Status"))",
            "\"nextReminder\":\(s("NextReminder"))", "\"nextAt\":\(nextAt)", "\"todayCount\":\(u("TodayCount"))",
            "\"openPrompts\":\(u("OpenPrompts"))", "\"notificationServer\":\(b("NotificationServer"))",
            "\"config\":\(s("ConfigSource"))", "\"configError\":\(s("ConfigError"))", "\"database\":\(s("Database"))",
        ]
        return "{" + fields.joined(separator: ",") + "}"
    }
}

// MARK: - next

struct Next: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the upcoming reminders from the config.",
        discussion: "Computed by the same schedule code the daemon uses, from the config on disk; needs no daemon."
    )

    @Option(help: "How many to show (1-100000).")
    var count: Int = 10

    @Option(help: ArgumentHelp("Start from this local time instead of now: YYYY-MM-DD or YYYY-MM-DDTHH:MM.", valueName: "time"))
    var from: String?

    @Flag(help: "Print JSON (see docs/JSON.md).")
    var json = false

    @OptionGroup var paths: Paths

    func validate() throws {
        guard (1...100_000).contains(count) else { throw ValidationError("--count \(count) is out of range; expected 1-100000") }
    }

    func run() throws {
        try reportingErrors {
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
            if json {
                print(NextJSON.render(firings, zone: zone))
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
                print("  \(Format.weekdayDateTime(f.at, zone: zone))  \(Format.pad(f.reminder.id, 10)) \(why)")
            }
        }
    }
}

enum NextJSON {
    static func render(_ firings: [UpcomingFiring], zone: Zone) -> String {
        let items = firings.map { f in
            var fields = [
                "\"reminder\":\(JSONText.quote(f.reminder.id))", "\"kind\":\(JSONText.quote(f.reminder.kind.rawValue))",
                "\"at\":\(JSONText.quote(LocalFormat.iso8601(f.at, in: zone)))",
                "\"schedule\":\(JSONText.quote(f.reminder.schedule.summary))",
            ]
            if let w = f.window {
                fields.append("\"window\":{\"start\":\(JSONText.quote(LocalFormat.iso8601(w.start, in: zone))),\"end\":\(JSONText.quote(LocalFormat.iso8601(w.end, in: zone)))}")
            } else {
                fields.append("\"window\":null")
            }
            return "{" + fields.joined(separator: ",") + "}"
        }
        return "[" + items.joined(separator: ",") + "]"
    }
}

// MARK: - calendar

struct Calendar: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Normalize systemd calendar expressions and show their next elapses.",
        discussion: """
            Like `systemd-analyze calendar`, with the same grammar and results (systemd.time(7)). \
            TZ is honoured; an expression may name its own zone ("08:00 Europe/Berlin").
            """
    )

    @Argument(help: ArgumentHelp("Calendar expressions, e.g. 'Mon..Fri *-*-* 09:00'.", valueName: "expression"))
    var expressions: [String]

    @Option(help: "How many elapses to show for each (1-1000000).")
    var iterations: Int = 1

    @Option(name: .customLong("base-time"),
            help: ArgumentHelp("Compute from this time: ISO 8601 with or without offset, or @UNIX_SECONDS.", valueName: "time"))
    var baseTime: String?

    @Flag(help: "Print JSON: [{\"expression\", \"normalized\", \"next\": [ISO 8601 with offset, ...]}].")
    var json = false

    func validate() throws {
        guard (1...1_000_000).contains(iterations) else {
            throw ValidationError("--iterations \(iterations) is out of range; expected 1-1000000")
        }
    }

    func run() throws {
        try reportingErrors {
            let zone = Zone.system(environment: Env.current)
            let now = Date()
            var base = now
            if let baseTime {
                guard let t = Format.parseInstant(baseTime, zone: zone) else {
                    throw CLIError(message: "--base-time \(JSONText.quote(baseTime)) is not a time; expected ISO 8601 (2026-03-29T01:30:00+01:00, 2026-03-29 01:30) or @UNIX_SECONDS", code: 64)
                }
                base = t
            }
            var specs: [CalendarSpec] = []
            for e in expressions {
                do {
                    specs.append(try CalendarSpec.parse(e))
                } catch let error as CalendarParseError {
                    let caret = String(repeating: " ", count: "checkin: ".count + max(0, error.column - 1)) + "^"
                    throw CLIError(message: "\(e)\n\(caret) column \(error.column): \(error.reason)", code: 1)
                }
            }
            var out = OutputBuffer()
            if json { out.append("[") }
            for (i, (text, spec)) in zip(expressions, specs).enumerated() {
                var micros = CalendarSpec.microseconds(base)
                if json {
                    if i > 0 { out.append(",") }
                    out.append("{\"expression\":\(JSONText.quote(text)),\"normalized\":\(JSONText.quote(spec.normalized)),\"next\":[")
                } else {
                    if i > 0 { out.append("\n") }
                    // As systemd-analyze: the original form only when it differs.
                    if text != spec.normalized { out.append("  Original form: \(text)\n") }
                    out.append("Normalized form: \(spec.normalized)\n")
                }
                var shown = 0
                while shown < iterations, let next = spec.next(afterMicroseconds: micros, in: zone) {
                    micros = next
                    let date = CalendarSpec.date(microseconds: next)
                    let shownZone = zone  // elapses are shown in local time, whatever zone computed them
                    if json {
                        if shown > 0 { out.append(",") }
                        out.append("\"" + Format.iso8601Micro(date, micros: next, zone: shownZone) + "\"")
                    } else {
                        // The layout of `systemd-analyze calendar`.
                        let label = shown == 0 ? "    Next elapse" : Format.pad("       Iter. #\(shown + 1)", 15)
                        out.append("\(label): \(Format.systemdTime(date, micros: next, zone: shownZone))\n")
                        if shownZone.identifier != "UTC" {
                            out.append("       (in UTC): \(Format.systemdTime(date, micros: next, zone: .utc))\n")
                        }
                        out.append("       From now: \(Format.fromNow(date, now: now))\n")
                    }
                    shown += 1
                }
                if json { out.append("]}") } else if shown == 0 { out.append("    Next elapse: never\n") }
            }
            if json { out.append("]\n") }
            out.flush()
        }
    }
}

/// Collects output and writes it in large chunks (100,000 elapses are a lot of lines).
struct OutputBuffer {
    private var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 16) }

    mutating func append(_ s: String) {
        bytes.append(contentsOf: s.utf8)
        if bytes.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { if errno == EINTR { continue }; break }
            offset += n
        }
        bytes.removeAll(keepingCapacity: true)
    }
}

// MARK: - config check

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Work with the config file.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a config and list every error.",
            discussion: "Without PATH, checks the file checkind would use. Exit status 1 if it is invalid.")

        @Argument(help: ArgumentHelp("Config file to check.", valueName: "path"))
        var path: String?

        func run() throws {
            try reportingErrors {
                let located = ConfigLoader.locate(explicit: path, environment: Env.current)
                do {
                    let config = try ConfigLoader.load(path: located)
                    print("\(config.source): OK, \(config.reminders.count) reminder\(config.reminders.count == 1 ? "" : "s")")
                    for r in config.reminders {
                        print("  \(Format.pad(r.id, 12)) \(Format.pad(r.kind.rawValue, 6)) \(r.schedule.summary)\(r.enabled ? "" : " (disabled)")")
                    }
                    if !config.quietHours.isEmpty {
                        print("  quiet hours: \(config.quietHours.map(\.description).joined(separator: ", "))")
                    }
                } catch let error as ConfigError {
                    let n = error.issues.count
                    throw CLIError(message: "\(error.file): \(n) error\(n == 1 ? "" : "s")\n\(error.description)", code: 1)
                }
            }
        }
    }
}

// MARK: - formatting

enum Format {
    static let weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// systemd's timestamp style: "Wed 2026-11-25 09:00:00 CET" (".123456" when not whole).
    static func systemdTime(_ d: Date, micros: Int64, zone: Zone) -> String {
        let c = zone.civil(d)
        let fraction = micros % 1_000_000
        var s = "\(weekdayNames[c.date.isoWeekday - 1]) \(c.date) \(LocalFormat.two(c.hour)):\(LocalFormat.two(c.minute)):\(LocalFormat.two(c.second))"
        if fraction != 0 { s += "." + String(String(fraction + 1_000_000).dropFirst()) }
        return s + " " + zone.abbreviation(at: d)
    }

    /// ISO 8601 with offset, and microseconds when not whole.
    static func iso8601Micro(_ d: Date, micros: Int64, zone: Zone) -> String {
        let fraction = micros % 1_000_000
        let text = LocalFormat.iso8601(d, in: zone)
        guard fraction != 0 else { return text }
        let cut = text.index(text.startIndex, offsetBy: 19)
        return String(text[..<cut]) + "." + String(String(fraction + 1_000_000).dropFirst()) + String(text[cut...])
    }

    /// Relative time as systemd writes it: "7 months 26 days ago", "1 day 3h left", "5min left".
    static func fromNow(_ d: Date, now: Date) -> String {
        let delta = d.timeIntervalSince(now)
        let a = Int64(abs(delta) * 1_000_000)
        let sec: Int64 = 1_000_000, minute = 60 * sec, hour = 60 * minute, day = 24 * hour
        let week = 7 * day, month = 2_629_800 * sec, year = 31_557_600 * sec
        func n(_ v: Int64, _ one: String, _ many: String) -> String { "\(v) \(v == 1 ? one : many)" }
        let text: String
        if a >= year { text = n(a / year, "year", "years") + " " + n(a % year / month, "month", "months") }
        else if a >= month { text = n(a / month, "month", "months") + " " + n(a % month / day, "day", "days") }
        else if a >= week { text = n(a / week, "week", "weeks") + " " + n(a % week / day, "day", "days") }
        else if a >= 2 * day { text = "\(a / day) days" }
        else if a >= 25 * hour { text = "1 day \((a - day) / hour)h" }
        else if a >= 6 * hour { text = "\(a / hour)h" }
        else if a >= hour { text = "\(a / hour)h \(a % hour / minute)min" }
        else if a >= 5 * minute { text = "\(a / minute)min" }
        else if a >= minute { text = "\(a / minute)min \(a % minute / sec)s" }
        else if a >= sec { text = "\(a / sec)s" }
        else if a >= 1000 { text = "\(a / 1000)ms" }
        else if a > 0 { text = "\(a)us" }
        else { return "now" }
        return text + (delta >= 0 ? " left" : " ago")
    }

    /// "@1700000000[.5]", "2026-03-29T01:30:00+01:00", "2026-03-29T01:30[:00]" or with a space
    /// (local time in `zone`).
    static func parseInstant(_ text: String, zone: Zone) -> Date? {
        let t = text.trimmedASCII
        if t.hasPrefix("@") {
            guard let v = Double(t.dropFirst()), v.isFinite else { return nil }
            return Date(timeIntervalSince1970: v)
        }
        var body = Substring(t)
        var offset: Int?
        if body.hasSuffix("Z") {
            offset = 0
            body = body.dropLast()
        } else if body.count > 6 {
            let tail = body.suffix(6)
            let sign = tail.first
            if sign == "+" || sign == "-", tail.dropFirst().count == 5, tail[tail.index(tail.startIndex, offsetBy: 3)] == ":",
               let h = Int(tail.dropFirst().prefix(2)), let m = Int(tail.suffix(2)), h <= 23, m <= 59 {
                offset = (sign == "-" ? -1 : 1) * (h * 3600 + m * 60)
                body = body.dropLast(6)
            }
        }
        guard let local = CivilDateTime.parse(String(body)) ?? CivilDate.parse(String(body)).map({ CivilDateTime(date: $0, hour: 0, minute: 0) })
        else { return nil }
        if let offset { return Date(timeIntervalSince1970: Double(local.secondsSinceEpoch - offset)) }
        return zone.date(local)
    }

    /// "Mon 2026-03-02 10:00"
    static func weekdayDateTime(_ d: Date, zone: Zone) -> String {
        let c = zone.civil(d)
        return "\(weekdayNames[c.date.isoWeekday - 1]) \(c.date) \(LocalFormat.time(d, in: zone))"
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    static func clip(_ s: String, _ n: Int) -> String {
        let flat = s.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= n ? flat : String(flat.prefix(n - 1)) + "…"
    }

    /// "YYYY-MM-DD" (local midnight) or a relative "7d", "12h", "30m" before now.
    static func parseSince(_ text: String, now: Date, zone: Zone) -> Date? {
        if let date = CivilDate.parse(text) {
            return zone.date(CivilDateTime(date: date, hour: 0, minute: 0, second: 0))
        }
        guard let seconds = DurationText.parse(text) else { return nil }
        return now.addingTimeInterval(-TimeInterval(seconds))
    }
}
