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
