// Reading the journal: history, stats, export and import. The commands parse arguments, open the
// store, call CheckinCore (TimeRange, Stats, Chart, Export, Import) and print.
//
// Exit status: 0 done; 64 a usage error (a bad --since/--until, --tag, --format); 65 an import
// file with a problem (nothing imported); 66 an input file that cannot be read; 73 an output file
// that exists (without --force) or cannot be created; 1 the journal could not be read or written.

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

/// The period options shared by the reading commands.
struct PeriodOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Start: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS], today, yesterday, or a duration before now "
                                   + "like 7d, 12h, 30m, 2w, 1h30m.", valueName: "when"))
    var since: String?

    @Option(help: ArgumentHelp("End (not included), in the same forms as --since (default: no end).", valueName: "when"))
    var until: String?

    /// The resolved period; a refused value is a usage error (exit 64).
    func range(now: Date, zone: Zone) throws -> TimeRange {
        try Insight.range(since: since, until: until, now: now, zone: zone)
    }
}

enum Insight {
    static func range(since: String?, until: String?, now: Date, zone: Zone) throws -> TimeRange {
        do {
            return try TimeRange.resolve(since: since, until: until, now: now, zone: zone)
        } catch {
            throw CLIError(message: error.description, code: 64)
        }
    }

    static func storeFailure(_ error: Error) -> CLIError { CLIError(message: "\(error)", code: 1) }

    /// The existing journal, for a command that only reads it: without the whole-file
    /// `quick_check` (see `Store.init`), which would cost more than the query.
    static func openForReading(_ paths: Paths) throws -> Store {
        do {
            return try Store(path: paths.databasePath, createIfMissing: false, verifyIntegrity: false)
        } catch {
            throw CLIError(message: "\(error)", code: 1)
        }
    }

    /// Whether the journal exists (reading commands never create it).
    static func journalExists(_ paths: Paths) -> Bool { access(paths.databasePath, F_OK) == 0 }

    /// The scales of the config (as `checkin log` uses them); with a broken config the defaults,
    /// after a warning: statistics of what was recorded should not depend on the config.
    static func scales(_ paths: Paths) -> (mood: Scale, anxiety: Scale) {
        do {
            let rules = LogRules(config: try paths.loadConfig())
            return (rules.scale(for: .mood), rules.scale(for: .anxiety))
        } catch {
            StandardError.write("checkin: warning: the config is invalid (see checkin config check); "
                                + "charts use the default scales 1-5\n")
            return (Scale(min: 1, max: 5), Scale(min: 1, max: 5))
        }
    }

    /// The shipped questionnaires and the config's; only the shipped ones (after a warning) when
    /// the config is invalid.
    static func questionnaires(_ paths: Paths) -> [Questionnaire] {
        (try? paths.loadConfig())?.allQuestionnaires ?? Questionnaire.shipped
    }

    /// The config's tracked items (none when it is invalid).
    static func trackedItems(_ paths: Paths) -> [TrackedItem] {
        (try? paths.loadConfig())?.tracked ?? []
    }

    /// Writes all of `text` to file descriptor `fd`; false (errno set) on failure.
    static func writeAll(_ fd: Int32, _ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }

    /// Writes all of `text` to standard output (unbuffered: the commands using it print nothing else).
    static func writeStdout(_ text: String) throws {
        guard writeAll(1, text) else {
            throw CLIError(message: "cannot write to standard output: \(String(cString: strerror(errno)))", code: 74)
        }
    }

    /// The whole file, or exit 66 with the reason.
    static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CLIError(message: "cannot read \(path): \(String(cString: strerror(errno)))", code: 66)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CLIError(message: "cannot read \(path): \(String(cString: strerror(errno)))", code: 66)
            }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return bytes
    }

    /// Writes `text` to a new file readable only by its owner (0600, health data). An existing
    /// file is refused unless `force`, in which case it is replaced atomically (a 0600 temporary
    /// file in the same directory, then rename(2)), so a failed write never leaves half a file.
    static func writePrivateFile(_ path: String, _ text: String, force: Bool) throws {
        func fail(_ what: String, _ e: Int32) -> CLIError {
            CLIError(message: "cannot write \(path): \(what)\(String(cString: strerror(e)))", code: 73)
        }
        let target = force ? path + ".checkin-export-\(getpid())" : path
        let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let e = errno
            if e == EEXIST, !force {
                throw CLIError(message: "\(path) already exists; it was left untouched (use --force to replace it)", code: 73)
            }
            throw fail("", e)
        }
        var ok = fchmod(fd, 0o600) == 0
        if ok { ok = writeAll(fd, text) }
        if ok { ok = fsync(fd) == 0 }
        let e = errno
        close(fd)
        if ok, force, rename(target, path) != 0 { ok = false }
        guard ok else {
            let e2 = errno == 0 ? e : errno
            unlink(target)
            throw fail("", e2)
        }
    }
}

// MARK: - history

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List recorded entries and prompts.",
        discussion: """
            --reminder shows the prompts of that reminder and the entries answering them; --tag (repeatable) \
            shows the entries having every given tag, and then only the prompts those entries answer.
            """
    )

    @Option(help: ArgumentHelp("Start: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS], today, yesterday, or a duration before now "
                                   + "like 7d, 12h, 30m, 2w, 1h30m (default: 7d).", valueName: "when"))
    var since: String = "7d"

    @Option(help: ArgumentHelp("End (not included), in the same forms as --since (default: no end).", valueName: "when"))
    var until: String?

    @Option(help: ArgumentHelp("Only this reminder's prompts and the entries answering them.", valueName: "id"))
    var reminder: String?

    @Option(name: .customLong("tag"), help: ArgumentHelp("Only entries with this tag (repeatable: all of them).", valueName: "tag"))
    var tags: [String] = []

    @OptionGroup var output: OutputOptions
    @OptionGroup var paths: Paths

    func run() throws {
        try reportingErrors {
            let now = Date()
            let zone = paths.zone
            let range = try Insight.range(since: since, until: until, now: now, zone: zone)
            var wanted: [String] = []
            for t in tags {
                guard let tag = LogRules.tag(t) else {
                    throw CLIError(message: "--tag \(JSONText.quote(t)) is not a tag; expected \(LogRules.tagRule)", code: 64)
                }
                if !wanted.contains(tag) { wanted.append(tag) }
            }
            wanted.sort()
            var entries: [Entry] = [], prompts: [PromptRecord] = []
            var responses: [QuestionnaireResponse] = [], uses: [UseRecord] = []
            if Insight.journalExists(paths) {
                let store = try Insight.openForReading(paths)
                defer { store.close() }
                do {
                    entries = try store.entries(in: range, reminder: reminder, tags: wanted)
                    prompts = try store.prompts(in: range, reminder: reminder)
                    // Questionnaires and uses have no tags and answer no mood reminder.
                    if reminder == nil, wanted.isEmpty {
                        responses = try store.responses(in: range)
                        uses = try store.uses(in: range)
                    }
                } catch {
                    throw Insight.storeFailure(error)
                }
                if !wanted.isEmpty {
                    let answered = Set(entries.compactMap(\.promptID))
                    prompts = prompts.filter { answered.contains($0.id) }
                }
            } else if !output.json {
                print("No entries yet (no journal at \(paths.databasePath)).")
                return
            }
            let questionnaires = Insight.questionnaires(paths)
            if output.json {
                print(HistoryJSON.render(entries: entries, prompts: prompts, range: range, zone: zone,
                                         responses: responses, uses: uses, questionnaires: questionnaires))
                return
            }
            var period = range.since.map { "since \(LocalFormat.dateTime($0, in: zone))" } ?? "so far"
            if let until = range.until {
                period = range.since.map { "from \(LocalFormat.dateTime($0, in: zone)) to " } ?? "until "
                period += LocalFormat.dateTime(until, in: zone)
            }
            var filters: [String] = []
            if let reminder { filters.append("reminder \(reminder)") }
            if !wanted.isEmpty { filters.append((wanted.count == 1 ? "tag #" : "tags #") + wanted.joined(separator: " #")) }
            let filter = filters.isEmpty ? "" : " (" + filters.joined(separator: ", ") + ")"
            if entries.isEmpty && prompts.isEmpty && responses.isEmpty && uses.isEmpty {
                print("Nothing recorded \(period)\(filter).")
                return
            }
            if !entries.isEmpty {
                print("Entries \(period)\(filter):")
                for e in entries {
                    // One line per entry; tags that do not fit and the note (whole, quoted) follow
                    // on indented lines, so nothing is wider than 80 columns or cut off.
                    var line = "  \(LocalFormat.dateTime(e.recordedAt, in: zone))"
                    line += "  mood " + (e.mood.map(String.init) ?? "-")
                    line += "  anxiety " + (e.anxiety.map(String.init) ?? "-")
                    line += "  " + Format.pad(e.source, 12)
                    var more: [String] = []
                    if !e.tags.isEmpty {
                        let tags = "#" + e.tags.joined(separator: " #")
                        if line.count + 2 + tags.count <= columns { line += "  " + tags } else {
                            more += wrapped(tags, indent: "      ", continuation: "      ")
                        }
                    }
                    if let n = e.note {
                        let flat = n.split(whereSeparator: \.isNewline).joined(separator: " ")
                        more += wrapped("\"" + flat + "\"", indent: "      ", continuation: "       ")
                    }
                    while line.hasSuffix(" ") { line.removeLast() }
                    print(line)
                    more.forEach { print($0) }
                }
            }
            var printed = !entries.isEmpty
            func heading(_ name: String) {
                if printed { print("") }
                print(printed ? "\(name):" : "\(name) \(period)\(filter):")
                printed = true
            }
            if !responses.isEmpty {
                heading("Questionnaires")
                for r in responses {
                    var line = "  \(LocalFormat.dateTime(r.completedAt, in: zone))  "
                    if let q = questionnaires.first(where: { $0.name == r.questionnaire }) {
                        line += q.totalText(r.total)
                        if let band = q.band(for: r.total) { line += ", " + band.label }
                        if q.threshold?.isReached(by: r.total) == true { line += " (threshold reached)" }
                    } else {
                        line += "\(r.questionnaire) total \(r.total)"
                    }
                    print(line + "  " + r.source)
                }
            }
            if !uses.isEmpty {
                heading("Uses")
                let items = Insight.trackedItems(paths)
                for u in uses {
                    let item = items.first { $0.name == u.item } ?? TrackedItem(name: u.item)
                    print("  \(LocalFormat.dateTime(u.usedAt, in: zone))  \(u.item) \(UseCommand.unitText(u.amount, item))  \(u.source)")
                }
            }
            if !prompts.isEmpty {
                if printed { print("") }
                print(printed ? "Prompts:" : "Prompts \(period)\(filter):")
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
    static func render(entries: [Entry], prompts: [PromptRecord], range: TimeRange, zone: Zone,
                       responses: [QuestionnaireResponse] = [], uses: [UseRecord] = [],
                       questionnaires: [Questionnaire] = Questionnaire.shipped) -> String {
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
        let r = responses.map { r in
            WellbeingJSON.response(r, questionnaire: questionnaires.first { $0.name == r.questionnaire }, zone: zone)
        }
        let u = uses.map { u in
            "{\"id\":\(int(u.id)),\"item\":\(str(u.item)),\"amount\":\(NumberText.json(u.amount)),\"time\":\(time(u.usedAt)),"
                + "\"source\":\(str(u.source))}"
        }
        return "{\"entries\":[\(e.joined(separator: ","))],\"prompts\":[\(p.joined(separator: ","))],"
            + "\"since\":\(time(range.since)),\"until\":\(time(range.until)),"
            + "\"responses\":[\(r.joined(separator: ","))],\"uses\":[\(u.joined(separator: ","))]}"
    }
}

// MARK: - stats

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Statistics of your entries: a chart, means and medians, trend, streaks, tags.",
        discussion: """
            Values are as recorded, on your configured scales. Per day, ISO week and month; by weekday and \
            hour (the local time where each entry was recorded); response rate per reminder; streaks of days \
            with entries; tags compared with the days without them (a correlation, not a cause). \
            Without --since: everything recorded. See docs/JSON.md for --json.
            """
    )

    @OptionGroup var period: PeriodOptions

    @Option(help: ArgumentHelp("The breakdown table: day, week or month (default: by the length of the period).", valueName: "unit"))
    var by: String?

    @OptionGroup var output: OutputOptions
    @OptionGroup var paths: Paths

    func run() throws {
        try reportingErrors {
            let now = Date()
            let zone = paths.zone
            let range = try period.range(now: now, zone: zone)
            var granularity: StatsReport.Granularity?
            if let by {
                guard let g = StatsReport.Granularity(rawValue: by.lowercased()) else {
                    throw CLIError(message: "--by \(JSONText.quote(by)) is not a unit; expected day, week or month", code: 64)
                }
                granularity = g
            }
            let scales = Insight.scales(paths)
            var entries: [StatsEntry] = [], tagged: [StatsTag] = [], reminders: [ReminderCounts] = [], breakDays: [BreakDay] = []
            var responses: [QuestionnaireResponse] = [], uses: [UseRecord] = []
            if Insight.journalExists(paths) {
                let store = try Insight.openForReading(paths)
                defer { store.close() }
                do {
                    (entries, tagged) = try store.statsInput(in: range)
                    reminders = try store.reminderCounts(in: range)
                    responses = try store.responses(in: range)
                    uses = try store.uses(in: range)
                    breakDays = try store.breakDays(in: range, zone: zone)
                } catch {
                    throw Insight.storeFailure(error)
                }
            }
            var stats = Stats.compute(entries: entries, tagged: tagged, reminders: reminders, range: range, now: now, zone: zone,
                                      moodScale: scales.mood, anxietyScale: scales.anxiety)
            let summaries = QuestionnaireSummary.compute(responses, questionnaires: Insight.questionnaires(paths))
            // The period's days up to its end (or now).
            let end = range.until.map { min(now, $0.addingTimeInterval(-1)) } ?? now
            let first = range.since.map { zone.civil($0).date } ?? stats.firstDay
            let tracked = TrackedStats.compute(tracked: Insight.trackedItems(paths), uses: uses, entries: entries,
                                               firstDay: first, now: end, zone: zone)
            stats.breakDays = breakDays
            if output.json {
                let extra = WellbeingReport.jsonMembers(questionnaires: summaries, tracked: tracked, zone: zone)
                try Insight.writeStdout(StatsReport.json(stats, zone: zone, extra: extra) + "\n")
            } else {
                var text = StatsReport.text(stats, by: granularity, color: output.color)
                let more = WellbeingReport.text(questionnaires: summaries, tracked: tracked, zone: zone)
                if !more.isEmpty { text += more.joined(separator: "\n") + "\n" }
                try Insight.writeStdout(text)
            }
        }
    }
}

// MARK: - export

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write your entries, questionnaire responses or uses as CSV or JSON Lines (docs/EXPORT.md).",
        discussion: """
            Columns: time (ISO 8601 with the entry's own UTC offset), mood, anxiety, note, tags (CSV: joined \
            by commas), source. --what responses: time, started, questionnaire, total, answers, source; \
            --what uses: time, item, amount, source. Prompts are not exported. A file written with --output is readable only by \
            you (0600) and an existing file is never replaced without --force. checkin import reads it back.
            """
    )

    @Option(help: ArgumentHelp("csv or jsonl (default: from the --output name, else csv).", valueName: "format"))
    var format: String?

    @Option(help: ArgumentHelp("entries, responses (questionnaires) or uses (tracked items); default entries.", valueName: "set"))
    var what: String = "entries"

    @OptionGroup var period: PeriodOptions

    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Flag(help: "Replace the --output file if it exists.")
    var force = false

    @OptionGroup var paths: Paths

    func run() throws {
        try reportingErrors {
            let now = Date()
            let zone = paths.zone
            let range = try period.range(now: now, zone: zone)
            let chosen: ExportFormat
            if let format {
                guard let f = ExportFormat(rawValue: format.lowercased()) else {
                    throw CLIError(message: "--format \(JSONText.quote(format)) is not a format; expected csv or jsonl", code: 64)
                }
                chosen = f
            } else {
                chosen = output.map { Import.format(path: $0, contents: []) } ?? .csv
            }
            guard let set = ExportSet(rawValue: what.lowercased()) else {
                throw CLIError(message: "--what \(JSONText.quote(what)) is not a set; expected entries, responses or uses", code: 64)
            }
            var text = ""
            var count = 0
            let names: (one: String, many: String)
            do {
                let store = Insight.journalExists(paths) ? try Insight.openForReading(paths) : nil
                defer { store?.close() }
                switch set {
                case .entries:
                    let rows = try store?.entries(in: range) ?? []
                    (text, count, names) = (Export.render(rows, as: chosen), rows.count, ("entry", "entries"))
                case .responses:
                    let rows = try store?.responses(in: range) ?? []
                    (text, count, names) = (Export.render(rows, as: chosen), rows.count, ("questionnaire response", "questionnaire responses"))
                case .uses:
                    let rows = try store?.uses(in: range) ?? []
                    (text, count, names) = (Export.render(rows, as: chosen), rows.count, ("use", "uses"))
                }
            } catch let error as StoreError {
                throw Insight.storeFailure(error)
            }
            if let output {
                try Insight.writePrivateFile(output, text, force: force)
                StandardError.write("Exported \(count) \(count == 1 ? names.one : names.many) to \(output).\n")
            } else {
                try Insight.writeStdout(text)
            }
        }
    }
}

// MARK: - import

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add entries from a CSV or JSON Lines export (docs/EXPORT.md).",
        discussion: """
            The whole file is checked first: any problem is reported with its line, column and value, and \
            then nothing is imported (exit 65). Entries already in the journal (same time to the second, \
            mood, anxiety, note and tags) are skipped, so importing a file twice adds nothing. All entries \
            are written in one transaction.
            """
    )

    @Argument(help: ArgumentHelp("The file to import (.csv or .jsonl; otherwise recognised by its first character).", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("csv or jsonl, whatever the file is called.", valueName: "format"))
    var format: String?

    @OptionGroup var paths: Paths

    func run() throws {
        try reportingErrors {
            var chosen: ExportFormat?
            if let format {
                guard let f = ExportFormat(rawValue: format.lowercased()) else {
                    throw CLIError(message: "--format \(JSONText.quote(format)) is not a format; expected csv or jsonl", code: 64)
                }
                chosen = f
            }
            let bytes = try Insight.readFile(file)
            let entries: [Entry]
            do {
                entries = try Import.parse(bytes, file: file, format: chosen ?? Import.format(path: file, contents: bytes))
            } catch let error as ImportError {
                throw CLIError(message: error.description, code: 65)
            }
            let store = try paths.openStore(create: true)
            defer { store.close() }
            let outcome: ImportOutcome
            do { outcome = try store.importEntries(entries) } catch { throw Insight.storeFailure(error) }
            print("Imported \(outcome.imported) \(outcome.imported == 1 ? "entry" : "entries"), "
                  + "skipped \(outcome.skipped) already present.")
        }
    }
}

/// The journal-reading subcommands, in the order `checkin --help` lists them.
enum InsightCommands {
    static let all: [ParsableCommand.Type] = [History.self, StatsCommand.self, ExportCommand.self, ImportCommand.self]
}
