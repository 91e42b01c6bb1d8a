// checkin report: one self-contained HTML file to print or to bring to an appointment.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ArgumentParser
import CheckinCore
import SystemdKit

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a printable HTML summary: charts of mood and anxiety, questionnaires, tracked items.",
        discussion: """
            One self-contained file (no network, no scripts): daily mood and anxiety with the 7-day average, \
            questionnaire totals with their bands, tracked items with break days, the response rate, and notes \
            only with --include-notes. Print it from a browser (A4 or Letter). The file is readable only by you \
            (0600) and an existing file is never replaced without --force.
            """
    )

    @Option(help: ArgumentHelp("Start, in the forms of checkin stats --since (default: 90d).", valueName: "when"))
    var since: String = "90d"

    @Option(help: ArgumentHelp("End (not included), in the same forms (default: now).", valueName: "when"))
    var until: String?

    @Option(help: ArgumentHelp("The HTML file to write.", valueName: "file"))
    var output: String

    @Flag(help: "Include the notes you wrote with your entries.")
    var includeNotes = false

    @Flag(help: "Replace the --output file if it exists.")
    var force = false

    @OptionGroup var paths: Paths

    func run() throws {
        try reportingErrors {
            let now = Date()
            let zone = paths.zone
            let range = try Insight.range(since: since, until: until, now: now, zone: zone)
            let scales = Insight.scales(paths)
            var entries: [Entry] = [], stats: [StatsEntry] = [], tagged: [StatsTag] = [], reminders: [ReminderCounts] = []
            var responses: [QuestionnaireResponse] = [], uses: [UseRecord] = []
            if Insight.journalExists(paths) {
                let store = try Insight.openForReading(paths)
                defer { store.close() }
                do {
                    entries = try store.entries(in: range)
                    (stats, tagged) = try store.statsInput(in: range)
                    reminders = try store.reminderCounts(in: range)
                    responses = try store.responses(in: range)
                    uses = try store.uses(in: range)
                } catch {
                    throw Insight.storeFailure(error)
                }
            }
            let s = Stats.compute(entries: stats, tagged: tagged, reminders: reminders, range: range, now: now, zone: zone,
                                  moodScale: scales.mood, anxietyScale: scales.anxiety)
            let end = range.until.map { min(now, $0.addingTimeInterval(-1)) } ?? now
            let tracked = TrackedStats.compute(tracked: Insight.trackedItems(paths), uses: uses, entries: stats,
                                               firstDay: range.since.map { zone.civil($0).date } ?? s.firstDay, now: end, zone: zone)
                .filter { $0.report.daysWithUse > 0 }
            let input = ReportInput(stats: s, entries: entries, responses: responses,
                                    questionnaires: QuestionnaireSummary.compute(responses, questionnaires: Insight.questionnaires(paths)),
                                    tracked: tracked, includeNotes: includeNotes, generatedAt: now, zone: zone)
            try Insight.writePrivateFile(output, Report.html(input), force: force)
            StandardError.write("Wrote \(output) (\(s.entries) \(s.entries == 1 ? "entry" : "entries"), \(responses.count) questionnaire "
                                + "\(responses.count == 1 ? "response" : "responses")\(includeNotes ? ", with notes" : "")).\n")
        }
    }
}
