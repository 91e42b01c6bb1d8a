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
        subcommands: [Log.self, UseCommand.self, QuestionnairesCommand.self] + ControlCommands.all + InsightCommands.all + [ReportCommand.self, Calendar.self, ConfigCommand.self]
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

/// Output options every reading command takes: `--json` (stable schemas, docs/JSON.md) and
/// `--no-color` (also NO_COLOR=, https://no-color.org, and never colour when stdout is not a terminal).
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON (see docs/JSON.md).")
    var json = false

    @Flag(name: .customLong("no-color"), help: "Never use colour (NO_COLOR= in the environment does the same).")
    var noColor = false

    /// Whether to colour the text output: a terminal on stdout, no --no-color, no NO_COLOR.
    var color: Bool {
        if json || noColor { return false }
        if let v = Env.current["NO_COLOR"], !v.isEmpty { return false }
        if Env.current["TERM"] == "dumb" { return false }
        return isatty(1) == 1
    }
}
