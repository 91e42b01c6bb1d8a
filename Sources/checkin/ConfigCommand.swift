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
        commandName: "config", abstract: "Work with the config file.", subcommands: [Check.self, Reference.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a config and list every error.",
            discussion: "Without PATH, checks the file checkind would use. Exit status 1 if it is invalid.")

        @Argument(help: ArgumentHelp("Config file to check.", valueName: "path"))
        var path: String?

        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingErrors {
                let located = ConfigLoader.locate(explicit: path, environment: Env.current)
                do {
                    let config = try ConfigLoader.load(path: located)
                    if output.json {
                        let reminders = config.reminders.map { r in
                            "{\"id\":\(JSONText.quote(r.id)),\"type\":\(JSONText.quote(r.kind.rawValue)),"
                                + "\"schedule\":\(JSONText.quote(r.schedule.summary)),\"enabled\":\(r.enabled)}"
                        }
                        print("{\"file\":\(JSONText.quote(config.source)),\"valid\":true,\"errors\":[],"
                              + "\"reminders\":[\(reminders.joined(separator: ","))]}")
                        return
                    }
                    print("\(config.source): OK, \(config.reminders.count) reminder\(config.reminders.count == 1 ? "" : "s")")
                    for r in config.reminders {
                        // An active break counts time at the computer towards its `every`.
                        let active = r.kind == .break && r.mode == .active ? ", of active time" : ""
                        print("  \(Format.pad(r.id, 12)) \(Format.pad(r.kind.rawValue, 6)) \(r.schedule.summary)\(active)\(r.enabled ? "" : " (disabled)")")
                    }
                    if !config.quietHours.isEmpty {
                        print("  quiet hours: \(config.quietHours.map(\.description).joined(separator: ", "))")
                    }
                    if !config.workingHours.isEmpty {
                        print("  working hours (breaks): \(config.workingHours.map { "\($0.days) \($0.window)" }.joined(separator: ", "))")
                    }
                    if config.dailyLimit > 0 { print("  daily limit: \(DurationText.format(config.dailyLimit)) of active time") }
                } catch let error as ConfigError {
                    if output.json {
                        // For editors and scripts: every error with its position; exit 1 as without --json.
                        let errors = error.issues.map { i in
                            "{\"line\":\(i.position.map { String($0.line) } ?? "null"),"
                                + "\"column\":\(i.position.map { String($0.column) } ?? "null"),"
                                + "\"path\":\(JSONText.quote(i.path)),\"message\":\(JSONText.quote(i.message))}"
                        }
                        print("{\"file\":\(JSONText.quote(error.file)),\"valid\":false,\"errors\":[\(errors.joined(separator: ","))],"
                              + "\"reminders\":[]}")
                        throw ExitCode(1)
                    }
                    let n = error.issues.count
                    throw CLIError(message: "\(error.file): \(n) error\(n == 1 ? "" : "s")\n\(error.description)", code: 1)
                }
            }
        }
    }

    struct Reference: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe every config key: type, default and meaning.",
            discussion: "With --man, prints the checkin.json(5) manual page (mdoc) that make man-pages installs.")

        @Flag(help: "Print the checkin.json(5) manual page source instead of text.")
        var man = false

        func run() throws {
            if man {
                print(ConfigReference.manPage(), terminator: "")
                return
            }
            var out = ""
            for (i, section) in ConfigReference.sections.enumerated() {
                if i > 0 { out += "\n" }
                out += section.title + "\n" + Format.wrap(section.intro, width: 80, indent: "") + "\n"
                for key in section.keys {
                    out += "\n" + Format.wrap("\(key.name) (\(key.type); default: \(key.defaultValue))", width: 80, indent: "  ") + "\n"
                    out += Format.wrap(key.meaning, width: 80, indent: "      ") + "\n"
                }
            }
            print(out, terminator: "")
        }
    }
}
