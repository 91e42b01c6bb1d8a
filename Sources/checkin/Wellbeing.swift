// checkin questionnaires, checkin log --questionnaire (the interview) and checkin use.

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

// MARK: - questionnaires

struct QuestionnairesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "questionnaires",
        abstract: "List the questionnaires checkin log --questionnaire can ask, with attribution.",
        discussion: """
            The shipped PHQ-2, GAD-2 and WHO-5 and the ones in your config (docs/QUESTIONNAIRES.md). \
            A score is shown with its band; a threshold is a reason to consider talking to a professional, never a diagnosis.
            """
    )

    @OptionGroup var paths: Paths

    func run() throws {
        try reportingErrors {
            let config = try paths.loadConfig()
            var out: [String] = []
            for q in config.allQuestionnaires {
                var line = Format.pad(q.name, 8) + "  " + q.title + ": \(q.items.count) \(q.items.count == 1 ? "item" : "items"), "
                line += "total \(q.minTotal)-\(q.maxTotal)"
                if let f = q.percentFactor { line += " (×\(f): \(q.minTotal * f)-\(q.maxTotal * f)%)" }
                out.append(line)
                if let t = q.threshold {
                    let where_ = t.direction == .atOrAbove ? "at or above" : "at or below"
                    out += Format.wrap("threshold: \(where_) \(t.value): \(t.text)", width: 80, indent: "          ").split(separator: "\n").map(String.init)
                }
                out += Format.wrap(q.attribution ?? "Your own, from your config.", width: 80, indent: "          ")
                    .split(separator: "\n").map(String.init)
            }
            out.append("")
            out.append("Ask one: checkin log --questionnaire NAME (on a terminal).")
            print(out.joined(separator: "\n"))
        }
    }
}

// MARK: - the questionnaire interview

/// `checkin log --questionnaire NAME` on a terminal: the intro and the options, then each item.
/// A wrong answer is asked again; end of input cancels and records nothing.
struct QuestionnaireInterview {
    var questionnaire: Questionnaire

    /// "0-3", or "0, 2, 5" when the values are not consecutive.
    static func choices(_ q: Questionnaire) -> String {
        let values = q.options.map(\.value)
        if let first = values.first, let last = values.last, values == Array(first...last) { return "\(first)-\(last)" }
        return values.map(String.init).joined(separator: ", ")
    }

    func run() throws -> [Int] {
        let q = questionnaire
        print(q.title + (q.intro.isEmpty ? "" : ": " + q.intro))
        print(Format.wrap(q.options.map { "\($0.value) \($0.label)" }.joined(separator: " · "), width: 80, indent: "  "))
        var answers: [Int] = []
        for (i, item) in q.items.enumerated() {
            print("\(i + 1) of \(q.items.count). \(item)")
            while true {
                let line = try ask("  [\(Self.choices(q))]: ")
                if let v = Int(line), q.option(value: v) != nil {
                    answers.append(v)
                    break
                }
                let expected = q.options.map { String($0.value) }
                print("  \(line.isEmpty ? "An answer is needed" : JSONText.quote(line) + " is not an option"); expected "
                      + (expected.count <= 1 ? expected.joined() : expected.dropLast().joined(separator: ", ") + " or " + expected.last!) + ".")
            }
        }
        return answers
    }

    private func ask(_ prompt: String) throws -> String {
        print(prompt, terminator: "")
        fflush(nil)
        guard let line = readLine(strippingNewline: true) else {
            print("")
            throw CLIError(message: "cancelled; nothing recorded", code: 1)
        }
        return line.trimmedASCII
    }
}

enum QuestionnaireLog {
    static func run(name: String, paths: Paths) throws {
        let config = try paths.loadConfig()
        guard let q = config.questionnaire(named: name) else {
            throw CLIError(message: "--questionnaire \(JSONText.quote(name)) is not a questionnaire; expected one of "
                               + config.allQuestionnaires.map(\.name).joined(separator: ", ") + " (see checkin questionnaires)", code: 64)
        }
        guard isatty(0) == 1 else {
            throw CLIError(message: "--questionnaire asks its items one by one and needs a terminal; run checkin log --questionnaire \(name) on one",
                           code: 64)
        }
        let started = Date()
        let answers = try QuestionnaireInterview(questionnaire: q).run()
        let now = Date()
        let zone = paths.zone
        guard let response = QuestionnaireResponse(q, answers: answers, startedAt: started, completedAt: now,
                                                   utcOffset: zone.offset(at: now), source: "cli") else {
            throw CLIError(message: "the answers do not fit \(q.title); nothing recorded", code: 1)
        }
        let store = try paths.openStore(create: true)
        defer { store.close() }
        do { try store.insertResponse(response) } catch { throw CLIError(message: "\(error)", code: 1) }
        print("Recorded at \(LocalFormat.time(now, in: zone)).")
        print(Format.wrap(q.summary(total: response.total), width: 80, indent: ""))
        if q.threshold?.isReached(by: response.total) == true, q.builtIn {
            print(Format.wrap("A score is not a diagnosis; only a conversation with a professional can say what it means for you.",
                              width: 80, indent: ""))
        }
    }
}

// MARK: - use

struct UseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "use",
        abstract: "Record a use of something you track (the config's tracked list).",
        discussion: """
            AMOUNT defaults to 1 (in the item's unit). Prints today's total and what your own plan says; \
            the numbers are yours, checkin suggests none. Exit status 64 for an unknown item or a bad amount \
            (nothing is recorded).
            """
    )

    @Argument(help: ArgumentHelp("A tracked item's name.", valueName: "name"))
    var name: String

    @Argument(help: ArgumentHelp("How much (default 1).", valueName: "amount"))
    var amount: String?

    @OptionGroup var paths: Paths

    static func amountText(_ x: Double) -> String { NumberText.json(x) }

    static func unitText(_ x: Double, _ item: TrackedItem) -> String {
        guard !item.unit.isEmpty else { return amountText(x) }
        return "\(amountText(x)) \(item.unit)\(x == 1 || item.unit.hasSuffix("s") ? "" : "s")"
    }

    func run() throws {
        try reportingErrors {
            let config = try paths.loadConfig()
            guard let item = config.trackedItem(named: name) else {
                let declared = config.tracked.map(\.name)
                throw CLIError(message: declared.isEmpty
                    ? "\(JSONText.quote(name)) is not tracked: the config declares no tracked items (add a \"tracked\" list; see docs/CONFIG.md)"
                    : "\(JSONText.quote(name)) is not tracked; declared: \(declared.joined(separator: ", "))", code: 64)
            }
            var value = 1.0
            if let amount {
                guard let v = Double(amount.trimmedASCII), v.isFinite, v > 0, v <= 1_000_000 else {
                    throw CLIError(message: "amount \(JSONText.quote(amount)) is not a number above 0 (e.g. 1 or 0.5)", code: 64)
                }
                value = v
            }
            let now = Date()
            let zone = paths.zone
            let store = try paths.openStore(create: true)
            defer { store.close() }
            let today = zone.civil(now).date
            let report: ModerationReport
            do {
                try store.insertUse(UseRecord(item: item.name, amount: value, usedAt: now, utcOffset: zone.offset(at: now), source: "cli"))
                let since = zone.date(CivilDateTime(date: today.adding(days: -400), hour: 0, minute: 0))
                let uses = try store.uses(in: TimeRange(since: since, until: nil), item: item.name)
                report = Moderation.report(item, uses: uses, firstDay: today.adding(days: -400), now: now, zone: zone)
            } catch {
                throw CLIError(message: "\(error)", code: 1)
            }
            let what = item.unit.isEmpty ? "\(item.name) (\(Self.amountText(value)))" : "\(Self.unitText(value, item)) of \(item.name)"
            print("Recorded \(what) at \(LocalFormat.time(now, in: zone)).")
            let day = report.days.last!
            var today_ = "Today: " + (item.unit.isEmpty ? "\(Self.amountText(day.amount)) in all" : Self.unitText(day.amount, item))
            if let max = item.maxPerDay {
                today_ += day.amount > max + 1e-9 ? ", over your own limit of \(Self.amountText(max)) a day" : " of your own limit of \(Self.amountText(max)) a day"
            }
            print(today_ + ".")
            var run = "Days in a row with \(item.name): \(report.currentRun)"
            if let limit = item.maxDaysInARow { run += " (your plan: a break after \(limit))" }
            print(run + ".")
        }
    }
}

// MARK: - JSON

enum WellbeingJSON {
    /// One response: docs/JSON.md (`checkin history --json`, `responses`).
    static func response(_ r: QuestionnaireResponse, questionnaire q: Questionnaire?, zone: Zone) -> String {
        func time(_ d: Date) -> String { JSONText.quote(LocalFormat.iso8601(d, in: zone)) }
        var text = "{\"id\":\(r.id.map { String($0) } ?? "null"),\"questionnaire\":\(JSONText.quote(r.questionnaire)),"
        text += "\"time\":\(time(r.completedAt)),\"started\":\(time(r.startedAt)),\"total\":\(r.total),"
        text += "\"maxTotal\":\(q.map { String($0.maxTotal) } ?? "null"),"
        text += "\"percent\":\(q?.percentFactor.map { String(r.total * $0) } ?? "null"),"
        text += "\"band\":\(q?.band(for: r.total).map { JSONText.quote($0.label) } ?? "null"),"
        text += "\"thresholdReached\":\(q?.threshold.map { $0.isReached(by: r.total) ? "true" : "false" } ?? "null"),"
        text += "\"answers\":[\(r.answers.map(String.init).joined(separator: ","))],"
        text += "\"source\":\(JSONText.quote(r.source)),\"prompt\":\(r.promptID.map(JSONText.quote) ?? "null")}"
        return text
    }
}
