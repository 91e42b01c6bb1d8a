// checkin config: validate the config file.

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
