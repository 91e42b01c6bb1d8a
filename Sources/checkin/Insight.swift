// Reading the journal: history (and, with the insight commands, stats, export and import).

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

/// The journal-reading subcommands, in the order `checkin --help` lists them.
enum InsightCommands {
    static let all: [ParsableCommand.Type] = [History.self]
}
