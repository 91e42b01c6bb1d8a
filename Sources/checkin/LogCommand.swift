// checkin log: record an entry without the daemon.

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

// MARK: - log

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record how you feel now, without the daemon.",
        discussion: """
            With no options on a terminal, asks the questions one by one (the scale with its labels, \
            then a note and tags; Enter skips an optional one, Ctrl-D cancels and records nothing). \
            With options, records them at once; --mood or --anxiety is required then. Scales come from \
            your config's first mood check-in (by default mood 1-5, anxiety 1-5). \
            Exit status 64 for a value outside the scale or a bad tag, 1 if nothing could be recorded.
            """
    )

    @Option(help: "Your mood on the configured scale.")
    var mood: Int?

    @Option(help: "Your anxiety on the configured scale.")
    var anxiety: Int?

    @Option(help: "A note to keep with the entry.")
    var note: String?

    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag (repeatable), e.g. --tag work --tag coffee.", valueName: "tag"))
    var tags: [String] = []

    @Option(help: ArgumentHelp("Answer a questionnaire instead, item by item on a terminal (see checkin questionnaires).",
                               valueName: "name"))
    var questionnaire: String?

    @OptionGroup var paths: Paths

    func run() throws {
        try reportingErrors {
            if let questionnaire {
                guard mood == nil, anxiety == nil, note == nil, tags.isEmpty else {
                    throw CLIError(message: "--questionnaire does not go with --mood, --anxiety, --note or --tag", code: 64)
                }
                return try QuestionnaireLog.run(name: questionnaire, paths: paths)
            }
            let rules = LogRules(config: try paths.loadConfig())
            var answers = Answers()
            if mood == nil, anxiety == nil, note == nil, tags.isEmpty {
                guard isatty(0) == 1 else {
                    throw CLIError(message: "nothing to record: give --mood and/or --anxiety (see checkin log --help), "
                                       + "or run checkin log on a terminal to be asked", code: 64)
                }
                answers = try Interview(rules: rules).run()
            } else {
                guard mood != nil || anxiety != nil else {
                    throw CLIError(message: "--mood or --anxiety is required with --note and --tag", code: 64)
                }
                for (measure, value, flag) in [(Measure.mood, mood, "--mood"), (.anxiety, anxiety, "--anxiety")] {
                    guard let value else { continue }
                    if let problem = rules.problem(measure, value) {
                        throw CLIError(message: "\(flag) \(value) is outside the scale; \(problem)", code: 64)
                    }
                    answers.values[measure] = value
                }
                for t in tags {
                    guard let tag = LogRules.tag(t) else {
                        throw CLIError(message: "--tag \(JSONText.quote(t)) is not a tag; expected \(LogRules.tagRule)", code: 64)
                    }
                    if !answers.tags.contains(tag) { answers.tags.append(tag) }
                }
                answers.note = note.flatMap { $0.isEmpty ? nil : $0 }
            }
            let now = Date()
            let zone = paths.zone
            let store = try paths.openStore(create: true)
            defer { store.close() }
            let entry = Entry(id: nil, recordedAt: now, utcOffset: zone.offset(at: now), mood: answers.values[.mood],
                              anxiety: answers.values[.anxiety], note: answers.note, tags: answers.tags, source: "cli")
            do {
                _ = try store.insertEntry(entry)
            } catch {
                throw CLIError(message: "\(error)", code: 1)
            }
            var said: [String] = []
            for q in rules.questions {
                guard let v = answers.values[q.measure] else { continue }
                said.append("\(q.measure.rawValue) \(v)" + (q.scale.label(for: v).map { " (\($0))" } ?? ""))
            }
            print("Recorded " + said.joined(separator: ", ") + " at \(LocalFormat.time(now, in: zone)).")
        }
    }
}

/// What one entry says, whichever way it was asked.
struct Answers {
    var values: [Measure: Int] = [:]
    var note: String?
    var tags: [String] = []
}

/// `checkin log` on a terminal: asks each question, then a note and tags. A wrong answer is asked
/// again with what was expected; end of input (Ctrl-D) cancels without recording anything.
struct Interview {
    var rules: LogRules

    func run() throws -> Answers {
        var answers = Answers()
        for (i, q) in rules.questions.enumerated() {
            // The first question must be answered; later ones may be skipped.
            let optional = i > 0
            say("\(q.title)")
            say(Self.scaleLine(q.scale))
            while true {
                let hint = q.scale.rangeDescription + (optional ? ", Enter to skip" : "")
                let line = try ask("\(q.measure == .mood ? "Mood" : "Anxiety") [\(hint)]: ")
                if line.isEmpty {
                    if optional { break }
                    say("  Please answer with a number from \(q.scale.rangeDescription).")
                    continue
                }
                if let v = Int(line), q.scale.points.contains(v) {
                    answers.values[q.measure] = v
                    break
                }
                say("  \(JSONText.quote(line)) is not on the scale; expected a number from \(q.scale.rangeDescription).")
            }
        }
        let note = try ask("Note (Enter to skip): ")
        answers.note = note.isEmpty ? nil : note
        while true {
            let line = try ask("Tags, separated by spaces or commas (Enter to skip): ")
            var tags: [String] = [], bad: [String] = []
            for word in line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }) {
                if let tag = LogRules.tag(String(word)) {
                    if !tags.contains(tag) { tags.append(tag) }
                } else {
                    bad.append(String(word))
                }
            }
            if bad.isEmpty {
                answers.tags = tags
                break
            }
            say("  Not a tag: \(bad.map(JSONText.quote).joined(separator: ", ")); a tag is \(LogRules.tagRule).")
        }
        return answers
    }

    /// "  1 Very low · 2 Low · 3 Okay · 4 Good · 5 Very good", wrapped to 80 columns.
    static func scaleLine(_ scale: Scale) -> String {
        Format.wrap(scale.points.map { scale.buttonTitle(for: $0) }.joined(separator: " · "), width: 80, indent: "  ")
    }

    private func say(_ text: String) { print(text) }

    /// Prints `prompt` and reads one line (trimmed); end of input cancels.
    private func ask(_ prompt: String) throws -> String {
        print(prompt, terminator: "")
        fflush(nil)  // all output streams: stdout itself is not concurrency-safe to name in Swift 6
        guard let line = readLine(strippingNewline: true) else {
            print("")
            throw CLIError(message: "cancelled; nothing recorded", code: 1)
        }
        return line.trimmedASCII
    }
}
