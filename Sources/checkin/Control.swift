// Commands that talk to checkind over the session bus.

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

/// The daemon-control subcommands, in the order `checkin --help` lists them.
enum ControlCommands {
    static let all: [ParsableCommand.Type] = [Status.self, Next.self]
}
