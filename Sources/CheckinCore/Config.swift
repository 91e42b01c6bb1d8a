// The daemon's configuration: model, loading (JSON or plist) and validation with precise errors.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A rating scale: integer points `min...max`, optionally with one label per point.
public struct Scale: Hashable, Sendable {
    public var min: Int
    public var max: Int
    public var labels: [String]

    public init(min: Int, max: Int, labels: [String] = []) {
        self.min = min
        self.max = max
        self.labels = labels
    }

    public var points: ClosedRange<Int> { min...max }

    public func label(for value: Int) -> String? {
        guard points.contains(value), labels.count == max - min + 1 else { return nil }
        return labels[value - min]
    }

    /// "4 Good", or "4" without labels.
    public func buttonTitle(for value: Int) -> String {
        label(for: value).map { "\(value) \($0)" } ?? "\(value)"
    }

    /// "1-5", for messages.
    public var rangeDescription: String { "\(min)-\(max)" }
}

/// What an answer measures; each is a column of the journal.
public enum Measure: String, Hashable, Sendable, CaseIterable {
    case mood
    case anxiety
}

/// A question asked in a check-in notification.
public struct Question: Hashable, Sendable {
    public var measure: Measure
    public var title: String
    public var scale: Scale

    public init(measure: Measure, title: String, scale: Scale) {
        self.measure = measure
        self.title = title
        self.scale = scale
    }
}

public enum ReminderKind: String, Hashable, Sendable, CaseIterable {
    case mood
    case `break`
    /// A questionnaire asked item by item (`Config.questionnaireReminders`; never in `reminders`).
    case questionnaire
    /// A tracked item's daily "Did you use it today?" (`TrackedItem.checkIn`; never in `reminders`).
    case use
}

public struct Reminder: Hashable, Sendable {
    public var id: String
    public var kind: ReminderKind
    public var schedule: ScheduleSpec
    /// Notification summary ("How are you feeling?").
    public var title: String
    /// Notification body.
    public var message: String
    /// Seconds after delivery after which an unanswered prompt is closed and recorded as expired.
    public var expireAfter: Int
    /// Seconds a snooze postpones the prompt.
    public var snooze: Int
    /// How often one prompt may be snoozed; the Snooze button disappears after that.
    public var maxSnoozes: Int
    /// The first question of a mood check-in (nil for breaks).
    public var question: Question?
    /// An optional second question asked after the first is answered.
    public var followUp: Question?
    public var enabled: Bool
    /// Up to this many seconds of deterministic random delay after each scheduled time (0: none);
    /// see `firing(after:in:quietHours:seed:)`.
    public var jitter: Int = 0
    /// What happens to firings missed while checkind was not running or the machine slept.
    public var catchUp: CatchUp = .latest
    /// Breaks: what counts towards `every` (`.clock`: the schedule as written; `.active`: time at
    /// the computer since the last break, see docs/ACTIVITY.md).
    public var mode: BreakMode = .clock
    /// Breaks: seconds the break lasts; away (idle, locked, asleep) this long is a natural break.
    public var duration: Int = 300
    /// Breaks: seconds after a resume or an unlock in which this reminder is not shown.
    public var grace: Int = 120
    /// What happens to a prompt that comes due while the notification server's do-not-disturb is on.
    public var dnd: DNDPolicy = .defer
    /// Breaks: a short "welcome back" notification after a natural break.
    public var welcomeBack = false
    /// Breaks: seconds before the break that a quiet "break in …" notice is shown (0: none).
    public var preBreakWarning = 0
    /// How often the reminder's prompts may be snoozed in one local day, all prompts together
    /// (nil: no daily limit, only `maxSnoozes` per prompt).
    public var maxSnoozesPerDay: Int? = nil

    /// The activity model's view of a break reminder (nil for mood check-ins). `active` mode needs
    /// an `every` schedule (the validator makes sure).
    public var breakPolicy: BreakPolicy? {
        guard kind == .break else { return nil }
        var interval: TimeInterval = 3000
        if case .every(let seconds, _, _) = schedule { interval = TimeInterval(seconds) }
        return BreakPolicy(id: id, mode: mode, interval: interval, duration: TimeInterval(duration), grace: TimeInterval(grace))
    }
}

/// `dnd`: while do-not-disturb is on, hold a prompt until it ends (`defer`), record it as skipped
/// with action "dnd" (`drop`), or show it anyway (`deliver`).
public enum DNDPolicy: String, Hashable, Sendable, CaseIterable {
    case `defer`
    case drop
    case deliver
}

/// `catchUp`: after downtime or a suspend, show the latest missed firing late if its window is
/// still open (`latest`), or only record missed firings (`none`). Never a backlog either way.
public enum CatchUp: String, Hashable, Sendable, CaseIterable {
    case latest
    case none
}

/// One entry of `workingHours`: on these weekdays, this window.
public struct WorkingHours: Hashable, Sendable {
    public var days: Weekdays
    public var window: TimeWindow

    public init(days: Weekdays, window: TimeWindow) {
        self.days = days
        self.window = window
    }

    /// The window on those days as a schedule (its `window(containing:)` and minute slots).
    var spec: ScheduleSpec { .every(interval: 60, window: window, days: days) }
}

public struct Config: Hashable, Sendable {
    public var reminders: [Reminder]
    public var quietHours: [TimeWindow]
    /// Breaks are only shown (and active time only counts towards them) inside these; empty: always.
    public var workingHours: [WorkingHours] = []
    /// Seconds of active time a day after which one notice is shown (0: none).
    public var dailyLimit: Int = 0
    /// Seconds without input after which an input-based idle source (Mutter) says "idle".
    public var idleThreshold: Int = 10
    /// Where it came from: a file path, or "(built-in default)".
    public var source: String
    /// The person's own questionnaires (`questionnaires`); the shipped ones are always available too.
    public var questionnaires: [Questionnaire] = []
    /// Reminders of type "questionnaire", kept apart from `reminders` (mood and break only); checkind
    /// schedules them with the others through `scheduledReminders`.
    public var questionnaireReminders: [QuestionnaireReminder] = []
    /// Things the person moderates (`tracked`); none by default.
    public var tracked: [TrackedItem] = []
    /// `nudges`; nil when the config has none (then nothing is ever suggested).
    public var nudges: NudgeSettings?

    public static let builtInSource = "(built-in default)"

    public var enabledReminders: [Reminder] { reminders.filter(\.enabled) }

    public func reminder(id: String) -> Reminder? { reminders.first { $0.id == id } }

    /// What checkind schedules: the enabled reminders, the enabled questionnaire reminders (kind
    /// `.questionnaire`), then the tracked items' daily check-ins (kind `.use`).
    public var scheduledReminders: [Reminder] {
        enabledReminders + questionnaireReminders.filter(\.enabled).map(\.reminder) + tracked.compactMap(\.checkInReminder)
    }

    /// A reminder, questionnaire reminder or tracked item's check-in by id.
    public func scheduledReminder(id: String) -> Reminder? {
        reminder(id: id) ?? questionnaireReminders.first { $0.id == id }?.reminder
            ?? tracked.first { $0.checkInReminderID == id }?.checkInReminder
    }

    /// The shipped questionnaires, then the config's.
    public var allQuestionnaires: [Questionnaire] { Questionnaire.shipped + questionnaires }

    public func questionnaire(named name: String) -> Questionnaire? { allQuestionnaires.first { $0.name == name } }

    public func trackedItem(named name: String) -> TrackedItem? { tracked.first { $0.name == name } }

    /// Whether `t` is inside the working hours (always, without any).
    public func isWorkingTime(_ t: Date, in zone: Zone) -> Bool {
        workingHours.isEmpty || workingHours.contains { $0.spec.window(containing: t, in: zone) != nil }
    }

    /// The first instant after `t` inside the working hours (`t` itself is not considered);
    /// nil without working hours.
    public func nextWorkingTime(after t: Date, in zone: Zone) -> Date? {
        workingHours.compactMap { $0.spec.next(after: t, in: zone) }.min()
    }
}

// MARK: - Errors

/// One problem in a config file, with where it is and what was expected.
public struct ConfigIssue: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var position: SourcePosition?
    /// Key path such as `reminders[1].every`; empty for the document itself.
    public var path: String
    public var message: String

    public var description: String {
        var out = file
        if let p = position { out += ":\(p.line):\(p.column)" }
        out += ": "
        if !path.isEmpty { out += "\(path): " }
        return out + message
    }
}

/// A config that could not be used; `issues` lists every problem found.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var issues: [ConfigIssue]

    public var description: String { issues.map(\.description).joined(separator: "\n") }

    /// One line for STATUS= and logs: the first issue and a count of the rest.
    public var summary: String {
        guard let first = issues.first else { return "\(file): invalid config" }
        return issues.count == 1 ? first.description : "\(first.description) (and \(issues.count - 1) more)"
    }
}

// MARK: - Loading

public enum ConfigFormat: String, Sendable {
    case json
    case plist

    /// By file extension; anything but `.plist` is read as JSON. A plist's content is sniffed too.
    public static func guess(path: String, bytes: [UInt8]) -> ConfigFormat {
        if path.hasSuffix(".plist") { return .plist }
        if bytes.starts(with: Array("bplist".utf8)) { return .plist }
        if bytes.starts(with: Array("<?xml".utf8)) || bytes.starts(with: Array("<plist".utf8)) { return .plist }
        return .json
    }
}

public enum ConfigLoader {
    /// Where the daemon and the CLI look for a config when none is given:
    /// `$XDG_CONFIG_HOME/checkin/config.json`, then `config.plist` (XDG_CONFIG_HOME defaults to ~/.config).
    public static func candidatePaths(environment: [String: String]) -> [String] {
        let base: String
        if let x = environment["XDG_CONFIG_HOME"], x.hasPrefix("/") {
            base = x
        } else {
            base = (environment["HOME"] ?? "/") + "/.config"
        }
        return [base + "/checkin/config.json", base + "/checkin/config.plist"]
    }

    /// The explicit path, else the first candidate that exists, else nil (the built-in default).
    public static func locate(explicit: String?, environment: [String: String]) -> String? {
        if let explicit { return explicit }
        return candidatePaths(environment: environment).first { access($0, F_OK) == 0 }
    }

    /// Loads the config the daemon should run: the file at `path`, or the built-in default.
    public static func load(path: String?) throws(ConfigError) -> Config {
        guard let path else { return try parse(bytes: Array(DefaultConfig.json.utf8), file: Config.builtInSource) }
        let bytes: [UInt8]
        do {
            bytes = try readFile(path)
        } catch {
            throw ConfigError(file: path, issues: [ConfigIssue(file: path, position: nil, path: "", message: error.reason)])
        }
        return try parse(bytes: bytes, file: path)
    }

    public static func parse(bytes: [UInt8], file: String, format: ConfigFormat? = nil) throws(ConfigError) -> Config {
        let fmt = format ?? ConfigFormat.guess(path: file, bytes: bytes)
        let root: ConfigValue.Node
        do {
            root = fmt == .plist ? try PlistConfigReader.parse(bytes) : try JSONConfigParser.parse(bytes)
        } catch {
            let what = fmt == .plist ? "invalid property list" : "invalid JSON"
            throw ConfigError(file: file, issues: [
                ConfigIssue(file: file, position: error.position, path: "", message: "\(what): \(error.reason)"),
            ])
        }
        var validator = ConfigValidator(file: file)
        let config = validator.config(from: root)
        if !validator.issues.isEmpty || config == nil {
            // In document order, so the list reads top to bottom like the file.
            let sorted = validator.issues.enumerated().sorted { a, b in
                let pa = a.element.position, pb = b.element.position
                if let pa, let pb, pa != pb { return (pa.line, pa.column) < (pb.line, pb.column) }
                return a.offset < b.offset
            }.map(\.element)
            throw ConfigError(file: file, issues: sorted)
        }
        return config!
    }

    struct ReadError: Error { var reason: String }

    static func readFile(_ path: String) throws(ReadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(reason: "cannot read the file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            throw ReadError(reason: "cannot read the file: it is a directory")
        }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(reason: "cannot read the file: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
            if out.count > 1 << 20 { throw ReadError(reason: "the file is larger than 1 MiB; is it really a config?") }
        }
        return out
    }
}

// MARK: - Validation

/// Walks the document tree and builds a `Config`, collecting every issue rather than stopping at
/// the first, so `checkin config check` lists them all.
struct ConfigValidator {
    let file: String
    var issues: [ConfigIssue] = []
    /// The shipped questionnaires and the config's, once `questionnaires` is read (reminders name them).
    var knownQuestionnaires: [Questionnaire] = Questionnaire.shipped

    init(file: String) { self.file = file }

    static let topKeys = ["version", "quietHours", "workingHours", "dailyLimit", "idleThreshold", "reminders",
                          "questionnaires", "tracked", "nudges"]
    static let reminderKeys = ["id", "type", "title", "message", "at", "every", "random", "calendar", "between", "days",
                               "expireAfter", "snooze", "maxSnoozes", "scale", "followUp", "enabled", "jitter", "catchUp",
                               "mode", "duration", "grace", "dnd", "welcomeBack", "preBreakWarning",
                               "maxSnoozesPerDay", "questionnaire"]
    /// A reminder has exactly one of these.
    static let scheduleKeys = ["at", "every", "random", "calendar"]
    static let randomKeys = ["count", "between", "minGap", "seed"]
    static let randomExample = "{\"count\": 5, \"between\": \"09:00-21:00\", \"minGap\": \"60m\"}"
    static let scaleKeys = ["min", "max", "labels"]
    static let questionKeys = ["measure", "title", "scale"]

    static let defaultMoodScale = Scale(min: 1, max: 5, labels: ["Very low", "Low", "Okay", "Good", "Very good"])
    static let defaultAnxietyScale = Scale(min: 1, max: 5, labels: ["None", "Mild", "Moderate", "High", "Very high"])

    mutating func issue(_ node: ConfigValue.Node?, _ path: String, _ message: String) {
        issues.append(ConfigIssue(file: file, position: node?.position, path: path, message: message))
    }

    /// Reports keys not in `known`, suggesting the nearest of `listed` (default: `known`) or listing them.
    mutating func members(_ node: ConfigValue.Node, _ path: String, known: [String],
                          listed: [String]? = nil) -> [String: ConfigValue.Node]? {
        guard case .object(let members) = node.value else {
            issue(node, path, "expected an object, found \(node.value.kindDescription) \(node.value.excerpt)")
            return nil
        }
        var out: [String: ConfigValue.Node] = [:]
        for (key, value) in members {
            if known.contains(key) {
                out[key] = value
            } else {
                let keyPath = path.isEmpty ? key : "\(path).\(key)"
                var message = "unknown key \(JSONText.quote(key))"
                if let near = Suggest.nearest(to: key, in: listed ?? known) { message += "; did you mean \(JSONText.quote(near))?" }
                else { message += "; known keys: \((listed ?? known).joined(separator: ", "))" }
                issue(value, keyPath, message)
            }
        }
        return out
    }

    mutating func string(_ node: ConfigValue.Node, _ path: String, expected: String = "a string") -> String? {
        guard case .string(let s) = node.value else {
            issue(node, path, "expected \(expected), found \(node.value.kindDescription) \(node.value.excerpt)")
            return nil
        }
        return s
    }

    mutating func integer(_ node: ConfigValue.Node, _ path: String, range: ClosedRange<Int>) -> Int? {
        let value: Int
        switch node.value {
        case .integer(let i): value = i
        case .double(let d) where d == d.rounded() && abs(d) < 1e15: value = Int(d)
        default:
            issue(node, path, "expected a whole number \(range.lowerBound)...\(range.upperBound), found \(node.value.kindDescription) \(node.value.excerpt)")
            return nil
        }
        guard range.contains(value) else {
            issue(node, path, "\(value) is out of range; expected \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return value
    }

    mutating func bool(_ node: ConfigValue.Node, _ path: String) -> Bool? {
        guard case .bool(let b) = node.value else {
            issue(node, path, "expected true or false, found \(node.value.kindDescription) \(node.value.excerpt)")
            return nil
        }
        return b
    }

    mutating func duration(_ node: ConfigValue.Node, _ path: String, range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, path, expected: "a duration string like \"50m\" or \"1h30m\"") else { return nil }
        guard let seconds = DurationText.parse(text, allowZero: range.lowerBound == 0) else {
            issue(node, path, "\(JSONText.quote(text)) is not a duration; expected a number with a unit (s, m, h, d), e.g. \"50m\", \"1h30m\"")
            return nil
        }
        guard range.contains(seconds) else {
            issue(node, path, "\(JSONText.quote(text)) is out of range; expected \(DurationText.format(range.lowerBound)) to \(DurationText.format(range.upperBound))")
            return nil
        }
        return seconds
    }

    mutating func window(_ node: ConfigValue.Node, _ path: String, allowMidnight: Bool) -> TimeWindow? {
        let expectation = allowMidnight
            ? "expected \"HH:MM-HH:MM\", e.g. \"22:00-07:00\""
            : "expected \"HH:MM-HH:MM\" with the start before the end, e.g. \"09:00-18:00\" (a window that crosses midnight is written \"22:00-02:00+1\")"
        guard let text = string(node, path, expected: "a time window like \"09:00-18:00\"") else { return nil }
        var body = text.trimmedASCII
        var nextDay = false
        if body.hasSuffix("+1") {
            nextDay = true
            body.removeLast(2)
        }
        let parts = body.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let start = LocalTime.parse(parts[0].trimmedASCII),
              let end = LocalTime.parse(parts[1].trimmedASCII, allowEndOfDay: true), start.hour < 24 else {
            issue(node, path, "\(JSONText.quote(text)) is not a time window; \(expectation)")
            return nil
        }
        if start == end {
            issue(node, path, "\(JSONText.quote(text)) is empty; \(expectation)")
            return nil
        }
        if end.hour == 24 {
            // "…-24:00" ends at midnight: stored as a window that ends at 00:00 of the next day.
            return TimeWindow(start: start, end: LocalTime(hour: 0, minute: 0))
        }
        let window = TimeWindow(start: start, end: end)
        if window.crossesMidnight && !allowMidnight && !nextDay {
            issue(node, path, "\(JSONText.quote(text)) ends before it starts; \(expectation)")
            return nil
        }
        if nextDay && !window.crossesMidnight {
            issue(node, path, "\(JSONText.quote(text)) is marked \"+1\" but does not cross midnight; \(expectation)")
            return nil
        }
        return window
    }

    mutating func days(_ node: ConfigValue.Node, _ path: String) -> Weekdays? {
        let expectation = "expected weekdays like \"mon..fri\", \"sat,sun\" or [\"mon\", \"wed..fri\"]"
        switch node.value {
        case .string(let s):
            guard let d = Weekdays.parse(s) else {
                issue(node, path, "\(JSONText.quote(s)) is not a list of weekdays; \(expectation)")
                return nil
            }
            return d
        case .array(let items):
            guard !items.isEmpty else {
                issue(node, path, "no weekdays given; \(expectation)")
                return nil
            }
            var all = Weekdays()
            for (i, item) in items.enumerated() {
                guard let s = string(item, "\(path)[\(i)]") else { continue }
                guard let d = Weekdays.parse(s) else {
                    issue(item, "\(path)[\(i)]", "\(JSONText.quote(s)) is not a weekday or range; \(expectation)")
                    continue
                }
                all.formUnion(d)
            }
            return all.isEmpty ? nil : all
        default:
            issue(node, path, "\(expectation), found \(node.value.kindDescription) \(node.value.excerpt)")
            return nil
        }
    }

    mutating func scale(_ node: ConfigValue.Node, _ path: String) -> Scale? {
        guard let m = members(node, path, known: Self.scaleKeys) else { return nil }
        var ok = true
        var lo = 1, hi = 5
        if let n = m["min"] { if let v = integer(n, "\(path).min", range: 0...100) { lo = v } else { ok = false } }
        if let n = m["max"] { if let v = integer(n, "\(path).max", range: 0...100) { hi = v } else { ok = false } }
        guard ok else { return nil }
        guard hi > lo else {
            issue(m["max"] ?? node, "\(path).max", "\(hi) must be greater than min (\(lo))")
            return nil
        }
        guard hi - lo <= 10 else {
            issue(m["max"] ?? node, "\(path).max", "a scale of \(hi - lo + 1) points does not fit in a notification; expected at most 11 points")
            return nil
        }
        var labels: [String] = []
        if let n = m["labels"] {
            guard case .array(let items) = n.value else {
                issue(n, "\(path).labels", "expected an array of \(hi - lo + 1) strings, found \(n.value.kindDescription) \(n.value.excerpt)")
                return nil
            }
            for (i, item) in items.enumerated() {
                if let s = string(item, "\(path).labels[\(i)]") { labels.append(s) } else { ok = false }
            }
            if ok, labels.count != hi - lo + 1 {
                issue(n, "\(path).labels", "\(labels.count) labels for \(hi - lo + 1) points (\(lo)-\(hi)); expected one label per point")
                return nil
            }
        }
        return ok ? Scale(min: lo, max: hi, labels: labels) : nil
    }

    mutating func question(_ node: ConfigValue.Node, _ path: String) -> Question? {
        guard let m = members(node, path, known: Self.questionKeys) else { return nil }
        var measure = Measure.anxiety
        if let n = m["measure"], let s = string(n, "\(path).measure") {
            guard let v = Measure(rawValue: s) else {
                issue(n, "\(path).measure", "\(JSONText.quote(s)) is not a measure; expected one of \(Measure.allCases.map { JSONText.quote($0.rawValue) }.joined(separator: ", "))")
                return nil
            }
            measure = v
        }
        let defaultScale = measure == .mood ? Self.defaultMoodScale : Self.defaultAnxietyScale
        let defaultTitle = measure == .mood ? "How are you feeling?" : "How anxious do you feel?"
        var title = defaultTitle
        if let n = m["title"], let s = string(n, "\(path).title") { title = s }
        var sc = defaultScale
        if let n = m["scale"] {
            guard let s = scale(n, "\(path).scale") else { return nil }
            sc = s
        }
        return Question(measure: measure, title: title, scale: sc)
    }

    static let idPattern = "lower-case letters, digits, '-' and '_', starting with a letter (at most 64)"

    /// The member `key` of `m` (an object at `path`), which must be an id-like name; "" after an
    /// issue (missing: `whenMissing` says what is expected).
    mutating func identifier(_ m: [String: ConfigValue.Node], _ key: String, of node: ConfigValue.Node, _ path: String,
                             whenMissing: String) -> String {
        guard let n = m[key] else {
            issue(node, "\(path).\(key)", "missing; \(whenMissing)")
            return ""
        }
        guard let s = string(n, "\(path).\(key)") else { return "" }
        guard Self.validID(s) else {
            issue(n, "\(path).\(key)", "\(JSONText.quote(s)) is not a valid \(key); expected \(Self.idPattern)")
            return ""
        }
        return s
    }

    static func validID(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, ("a"..."z").contains(f), s.unicodeScalars.count <= 64 else { return false }
        return s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }

    /// The reminder, and the questionnaire's name when it is of type "questionnaire".
    mutating func reminder(_ node: ConfigValue.Node, _ path: String, index: Int) -> (Reminder, String?)? {
        guard let m = members(node, path, known: Self.reminderKeys) else { return nil }
        let before = issues.count

        let id = identifier(m, "id", of: node, path, whenMissing: "every reminder needs an id such as \"mood\" or \"break\"")

        var kind = ReminderKind.mood
        // A questionnaire reminder is parsed like a break (no scale, no follow-up) and returned
        // apart (`QuestionnaireReminder`, whose `reminder` has the kind `.questionnaire`).
        var isQuestionnaire = false
        if let n = m["type"] {
            if let s = string(n, "\(path).type") {
                if s == "questionnaire" {
                    // Validated like a break (no scale, no follow-up); the kind is set afterwards.
                    isQuestionnaire = true
                    kind = .break
                } else if let k = ReminderKind(rawValue: s), k != .use { kind = k } else {
                    var message = "\(JSONText.quote(s)) is not a reminder type; expected \"mood\", \"break\" or \"questionnaire\""
                    if let near = Suggest.nearest(to: s, in: ReminderKind.allCases.filter { $0 != .use }.map(\.rawValue)) {
                        message += " (did you mean \(JSONText.quote(near))?)"
                    }
                    issue(n, "\(path).type", message)
                }
            }
        } else {
            issue(node, "\(path).type", "missing; expected \"mood\", \"break\" or \"questionnaire\"")
        }
        var questionnaire: Questionnaire?
        if let n = m["questionnaire"] {
            if !isQuestionnaire {
                issue(n, "\(path).questionnaire", "only reminders of type \"questionnaire\" name a questionnaire")
            } else if let s = string(n, "\(path).questionnaire") {
                if let q = knownQuestionnaires.first(where: { $0.name == s }) { questionnaire = q } else {
                    var message = "\(JSONText.quote(s)) is not a questionnaire; expected one of "
                        + knownQuestionnaires.map { JSONText.quote($0.name) }.joined(separator: ", ")
                    if let near = Suggest.nearest(to: s, in: knownQuestionnaires.map(\.name)) {
                        message += " (did you mean \(JSONText.quote(near))?)"
                    }
                    issue(n, "\(path).questionnaire", message)
                }
            }
        } else if isQuestionnaire {
            issue(node, "\(path).questionnaire", "missing; a questionnaire reminder names what it asks, e.g. \"questionnaire\": \"phq2\"")
        }

        var daySet = Weekdays.all
        if let n = m["days"], let d = days(n, "\(path).days") { daySet = d }

        var schedule: ScheduleSpec?
        let kinds = Self.scheduleKeys.filter { m[$0] != nil }
        if kinds.count > 1 {
            let last = kinds[kinds.count - 1]
            issue(m[last], "\(path).\(last)",
                  "a reminder has exactly one of \(Self.orList(Self.scheduleKeys.map(JSONText.quote))); found \(Self.orList(kinds.map(JSONText.quote), conjunction: "and"))")
        } else if let n = m["at"] {
            var times: [LocalTime] = []
            let single: [ConfigValue.Node]
            switch n.value {
            case .array(let items): single = items
            case .string: single = [n]
            default:
                issue(n, "\(path).at", "expected a list of times like [\"10:00\", \"14:00\"], found \(n.value.kindDescription) \(n.value.excerpt)")
                single = []
            }
            if case .array(let items) = n.value, items.isEmpty {
                issue(n, "\(path).at", "empty schedule; expected at least one time like \"10:00\"")
            }
            for (i, item) in single.enumerated() {
                let itemPath = n.value.isArray ? "\(path).at[\(i)]" : "\(path).at"
                guard let s = string(item, itemPath, expected: "a time like \"10:00\"") else { continue }
                guard let t = LocalTime.parse(s.trimmedASCII) else {
                    issue(item, itemPath, "\(JSONText.quote(s)) is not a time of day; expected \"HH:MM\" from 00:00 to 23:59")
                    continue
                }
                if times.contains(t) {
                    issue(item, itemPath, "\(JSONText.quote(s)) is listed twice")
                    continue
                }
                times.append(t)
            }
            if m["between"] != nil {
                issue(m["between"], "\(path).between", "\"between\" goes with \"every\"; \"at\" lists exact times")
            }
            if !times.isEmpty { schedule = .at(times: times.sorted(), days: daySet) }
        } else if let n = m["every"] {
            let interval = duration(n, "\(path).every", range: 60...86400)
            var window = TimeWindow(start: LocalTime(hour: 0, minute: 0), end: LocalTime(hour: 0, minute: 0))
            var windowOK = true
            if let b = m["between"] {
                if let w = self.window(b, "\(path).between", allowMidnight: false) { window = w } else { windowOK = false }
            }
            if let interval, windowOK { schedule = .every(interval: interval, window: window, days: daySet) }
        } else if let n = m["random"] {
            if let b = m["between"] {
                issue(b, "\(path).between", "the window of a random schedule goes inside \"random\", e.g. \"random\": \(Self.randomExample)")
            }
            schedule = random(n, "\(path).random", days: daySet, reminderID: id)
        } else if let n = m["calendar"] {
            for key in ["between", "days"] where m[key] != nil {
                issue(m[key], "\(path).\(key)", "\"\(key)\" does not go with \"calendar\": a calendar expression says its own days and times, e.g. \"Mon..Fri *-*-* 09..17:00\"")
            }
            schedule = calendar(n, "\(path).calendar")
        } else {
            issue(node, path, "empty schedule; expected \"at\": [\"10:00\", ...] or \"every\": \"50m\" (with an optional \"between\": \"09:00-18:00\"), \"calendar\": \"Mon..Fri 10:00\" or \"random\": \(Self.randomExample)")
        }

        let isMood = kind == .mood
        var question: Question? = isMood
            ? Question(measure: .mood, title: "How are you feeling?", scale: Self.defaultMoodScale) : nil
        var title = isMood ? "How are you feeling?" : questionnaire.map { $0.title } ?? "Time for a break"
        if let n = m["title"], let s = string(n, "\(path).title") {
            if s.trimmedASCII.isEmpty { issue(n, "\(path).title", "empty; expected the notification's heading") }
            title = s
            question?.title = s
        }
        var message = isMood ? "" : questionnaire.map { $0.intro } ?? "Stand up, stretch and rest your eyes for a few minutes."
        if let n = m["message"], let s = string(n, "\(path).message") { message = s }

        if let n = m["scale"] {
            if isMood {
                if let sc = scale(n, "\(path).scale") { question?.scale = sc }
            } else {
                issue(n, "\(path).scale", "only mood check-ins have a scale")
            }
        }
        var followUp: Question? = isMood
            ? Question(measure: .anxiety, title: "How anxious do you feel?", scale: Self.defaultAnxietyScale) : nil
        if let n = m["followUp"] {
            if !isMood {
                issue(n, "\(path).followUp", "only mood check-ins have a follow-up question")
            } else if case .null = n.value {
                followUp = nil
            } else if case .bool(false) = n.value {
                followUp = nil
            } else if let q = self.question(n, "\(path).followUp") {
                if q.measure == question?.measure {
                    issue(n, "\(path).followUp.measure", "the follow-up asks about \(q.measure.rawValue) again; expected another measure")
                }
                followUp = q
            }
        }

        var expireAfter = 30 * 60
        if let n = m["expireAfter"], let v = duration(n, "\(path).expireAfter", range: 60...86400) { expireAfter = v }
        var snooze = isMood ? 10 * 60 : 5 * 60
        if let n = m["snooze"], let v = duration(n, "\(path).snooze", range: 60...86400) { snooze = v }
        var maxSnoozes = 3
        if let n = m["maxSnoozes"], let v = integer(n, "\(path).maxSnoozes", range: 0...20) { maxSnoozes = v }
        var maxSnoozesPerDay: Int?
        if let n = m["maxSnoozesPerDay"], let v = integer(n, "\(path).maxSnoozesPerDay", range: 0...100) { maxSnoozesPerDay = v }
        var enabled = true
        if let n = m["enabled"], let v = bool(n, "\(path).enabled") { enabled = v }
        var jitter = 0
        if let n = m["jitter"], let v = duration(n, "\(path).jitter", range: 0...86400) { jitter = v }
        var catchUp = CatchUp.latest
        if let n = m["catchUp"], let text = string(n, "\(path).catchUp") {
            if let v = CatchUp(rawValue: text) { catchUp = v } else {
                issue(n, "\(path).catchUp", "\(JSONText.quote(text)) is not a catch-up policy; expected \"latest\" (show the latest missed one if its window is open) or \"none\" (only record them as missed)")
            }
        }

        var mode = BreakMode.clock
        var breakDuration = 300
        var grace = 120
        var welcomeBack = false
        var preBreakWarning = 0
        if isMood {
            for key in ["mode", "duration", "grace", "welcomeBack", "preBreakWarning"] where m[key] != nil {
                issue(m[key], "\(path).\(key)", "only break reminders have \"\(key)\"")
            }
        } else {
            if let n = m["mode"], let text = string(n, "\(path).mode") {
                if let v = BreakMode(rawValue: text) {
                    mode = v
                    if v == .active, m["every"] == nil, kinds.count == 1 {
                        issue(n, "\(path).mode", "\"active\" counts time at the computer towards \"every\"; expected \"every\": \"50m\" with it (or \"mode\": \"clock\")")
                    }
                } else {
                    issue(n, "\(path).mode", "\(JSONText.quote(text)) is not a break mode; expected \"active\" (time at the computer since the last break) or \"clock\" (the schedule as written)")
                }
            }
            if let n = m["duration"], let v = duration(n, "\(path).duration", range: 10...14400) { breakDuration = v }
            if let n = m["grace"], let v = duration(n, "\(path).grace", range: 0...14400) { grace = v }
            if let n = m["welcomeBack"], let v = bool(n, "\(path).welcomeBack") { welcomeBack = v }
            if let n = m["preBreakWarning"], let v = duration(n, "\(path).preBreakWarning", range: 0...1800) { preBreakWarning = v }
        }
        var dnd = DNDPolicy.defer
        if let n = m["dnd"], let text = string(n, "\(path).dnd") {
            if let v = DNDPolicy(rawValue: text) { dnd = v } else {
                issue(n, "\(path).dnd", "\(JSONText.quote(text)) is not a do-not-disturb policy; expected \"defer\" (show it when do-not-disturb ends), \"drop\" (record it as skipped) or \"deliver\" (show it anyway)")
            }
        }

        guard issues.count == before, let schedule else { return nil }
        let r = Reminder(id: id, kind: kind, schedule: schedule, title: title, message: message,
                         expireAfter: expireAfter, snooze: snooze, maxSnoozes: maxSnoozes,
                         question: question, followUp: followUp, enabled: enabled, jitter: jitter, catchUp: catchUp,
                         mode: mode, duration: breakDuration, grace: grace, dnd: dnd, welcomeBack: welcomeBack,
                         preBreakWarning: preBreakWarning, maxSnoozesPerDay: maxSnoozesPerDay)
        return (r, questionnaire?.name)
    }

    /// "\"a\", \"b\" or \"c\"" (or "... and ...").
    static func orList(_ items: [String], conjunction: String = "or") -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " \(conjunction) " + items[items.count - 1]
    }

    /// `"random": {"count": 5, "between": "09:00-21:00", "minGap": "60m", "seed": 42}`.
    mutating func random(_ node: ConfigValue.Node, _ path: String, days: Weekdays, reminderID: String) -> ScheduleSpec? {
        guard case .object = node.value else {
            issue(node, path, "expected an object like \(Self.randomExample), found \(node.value.kindDescription) \(node.value.excerpt)")
            return nil
        }
        guard let m = members(node, path, known: Self.randomKeys + ["days"], listed: Self.randomKeys) else { return nil }
        let allowed = "expected \(Self.orList(Self.randomKeys.map(JSONText.quote)))"
        if let d = m["days"] {
            issue(d, "\(path).days", "\"days\" belongs to the reminder, next to \"random\"; inside \"random\" \(allowed)")
        }
        var ok = m["days"] == nil
        var count: Int?
        if let n = m["count"] {
            count = integer(n, "\(path).count", range: 1...100)
        } else {
            issue(node, "\(path).count", "missing; expected how many times a day, e.g. \"count\": 5")
        }
        var window = TimeWindow(start: LocalTime(hour: 0, minute: 0), end: LocalTime(hour: 0, minute: 0))
        var windowText = "00:00-24:00"
        if let b = m["between"] {
            if let w = self.window(b, "\(path).between", allowMidnight: false) {
                window = w
                if case .string(let s) = b.value { windowText = s.trimmedASCII }
            } else { ok = false }
        }
        var minGap = 0
        var gapText = ""
        if let g = m["minGap"] {
            if let v = duration(g, "\(path).minGap", range: 60...86400), case .string(let s) = g.value {
                if v % 60 != 0 {
                    issue(g, "\(path).minGap", "\(JSONText.quote(s)) is not a whole number of minutes; random times are whole minutes, so expected e.g. \"2m\" or \"1h30m\"")
                    ok = false
                } else {
                    minGap = v
                    gapText = s.trimmedASCII
                }
            } else { ok = false }
        }
        var seed: UInt64?
        if let n = m["seed"] {
            if let v = integer(n, "\(path).seed", range: 0...Int.max) { seed = UInt64(v) } else { ok = false }
        }
        guard ok, let count else { return nil }
        let capacity = ScheduleSpec.randomCapacity(window: window, minGap: minGap)
        if count > capacity {
            let bounds = ScheduleSpec.windowBounds(window)
            let seconds = bounds.end - bounds.start
            let length = seconds >= 86400 ? "24h" : DurationText.format(seconds)
            var message = minGap > 0
                ? "count \(count) with minGap \(gapText) does not fit in \(windowText) (\(length)): at most \(capacity)"
                : "count \(count) does not fit in \(windowText) (\(length)): at most \(capacity), one per minute"
            if ScheduleSpec.randomSpan(window: window, minGap: minGap) * 60 < bounds.end - bounds.start {
                message += " (the gap also separates the last time from the next day's first)"
            }
            issue(m["count"], "\(path).count", message)
            return nil
        }
        return .random(count: count, window: window, minGap: minGap, days: days, seed: seed, reminderID: reminderID)
    }

    mutating func config(from root: ConfigValue.Node) -> Config? {
        guard let m = members(root, "", known: Self.topKeys) else { return nil }
        if let n = m["version"], let v = integer(n, "version", range: 1...Int.max), v != 1 {
            issue(n, "version", "\(v) is not supported; this checkin reads version 1")
        }
        var quiet: [TimeWindow] = []
        if let n = m["quietHours"] {
            let items: [(ConfigValue.Node, String)]
            switch n.value {
            case .array(let a): items = a.enumerated().map { ($0.element, "quietHours[\($0.offset)]") }
            case .string: items = [(n, "quietHours")]
            default:
                issue(n, "quietHours", "expected a list of windows like [\"22:00-07:00\"], found \(n.value.kindDescription) \(n.value.excerpt)")
                items = []
            }
            for (node, path) in items {
                if let w = window(node, path, allowMidnight: true) { quiet.append(w) }
            }
        }
        var own: [Questionnaire] = []
        if let n = m["questionnaires"] { own = questionnaires(n, "questionnaires") }
        knownQuestionnaires = Questionnaire.shipped + own
        var tracked: [TrackedItem] = []
        if let n = m["tracked"] { tracked = self.tracked(n, "tracked") }
        var nudges: NudgeSettings?
        if let n = m["nudges"] { nudges = self.nudges(n, "nudges") }
        var working: [WorkingHours] = []
        if let n = m["workingHours"] { working = workingHours(n, "workingHours") }
        var dailyLimit = 0
        if let n = m["dailyLimit"], let v = duration(n, "dailyLimit", range: 0...86400) { dailyLimit = v }
        var idleThreshold = 10
        if let n = m["idleThreshold"], let v = duration(n, "idleThreshold", range: 5...600) { idleThreshold = v }
        var reminders: [Reminder] = []
        var questionnaireReminders: [QuestionnaireReminder] = []
        guard let rNode = m["reminders"] else {
            issue(root, "reminders", "missing; expected a list of reminders (see config/default.json)")
            return nil
        }
        guard case .array(let items) = rNode.value else {
            issue(rNode, "reminders", "expected a list of reminders, found \(rNode.value.kindDescription) \(rNode.value.excerpt)")
            return nil
        }
        if items.isEmpty { issue(rNode, "reminders", "empty; expected at least one reminder") }
        var seen: [String: Int] = [:]
        for (i, item) in items.enumerated() {
            guard let (r, questionnaire) = reminder(item, "reminders[\(i)]", index: i) else { continue }
            if let first = seen[r.id] {
                var idNode = item
                if case .object(let members) = item.value, let n = members.first(where: { $0.key == "id" }) { idNode = n.node }
                issue(idNode, "reminders[\(i)].id", "\(JSONText.quote(r.id)) is already used by reminders[\(first)]; ids must be unique")
                continue
            }
            seen[r.id] = i
            if let questionnaire {
                questionnaireReminders.append(QuestionnaireReminder(r, questionnaire: questionnaire))
            } else {
                reminders.append(r)
            }
        }
        guard issues.isEmpty else { return nil }
        // A schedule that never fires (all its times inside quiet hours) is a mistake worth reporting.
        for (i, item) in items.enumerated() {
            guard case .object(let members) = item.value,
                  let idNode = members.first(where: { $0.key == "id" })?.node, case .string(let id) = idNode.value,
                  let schedule = reminders.first(where: { $0.id == id && $0.enabled })?.schedule
                    ?? questionnaireReminders.first(where: { $0.id == id && $0.enabled })?.schedule else { continue }
            if !Self.canFire(schedule, quietHours: quiet) {
                issue(item, "reminders[\(i)]", "never fires: every time of \(JSONText.quote(id)) falls inside quietHours")
            }
        }
        guard issues.isEmpty else { return nil }
        var config = Config(reminders: reminders, quietHours: quiet, workingHours: working, dailyLimit: dailyLimit,
                            idleThreshold: idleThreshold, source: file)
        config.questionnaires = own
        config.questionnaireReminders = questionnaireReminders
        config.tracked = tracked
        config.nudges = nudges
        checkNudgeScale(nudges, config, root: m)
        guard issues.isEmpty else { return nil }
        return config
    }

    /// `"workingHours": {"mon..fri": "09:00-17:30", "sat": "10:00-12:00"}`: each weekday at most once.
    mutating func workingHours(_ node: ConfigValue.Node, _ path: String) -> [WorkingHours] {
        let example = "{\"mon..fri\": \"09:00-17:30\"}"
        guard case .object(let members) = node.value else {
            issue(node, path, "expected an object like \(example), found \(node.value.kindDescription) \(node.value.excerpt)")
            return []
        }
        var out: [WorkingHours] = []
        var seen = Weekdays()
        for (key, value) in members {
            let keyPath = "\(path).\(key)"
            guard let days = Weekdays.parse(key) else {
                issue(value, keyPath, "\(JSONText.quote(key)) is not a list of weekdays; expected keys like \"mon..fri\" or \"sat,sun\", e.g. \(example)")
                continue
            }
            if !seen.intersection(days).isEmpty {
                issue(value, keyPath, "\(JSONText.quote(key)) names a weekday that an earlier key already has; each weekday has one window")
                continue
            }
            seen.formUnion(days)
            if let w = window(value, keyPath, allowMidnight: false) { out.append(WorkingHours(days: days, window: w)) }
        }
        return out
    }

    /// `"calendar": "Mon..Fri *-*-* 09:00"` or a list of expressions (systemd.time(7)).
    mutating func calendar(_ node: ConfigValue.Node, _ path: String) -> ScheduleSpec? {
        let items: [(ConfigValue.Node, String)]
        switch node.value {
        case .string: items = [(node, path)]
        case .array(let a) where !a.isEmpty: items = a.enumerated().map { ($0.element, "\(path)[\($0.offset)]") }
        default:
            issue(node, path, "expected a calendar expression like \"Mon..Fri *-*-* 09:00\" or a list of them, found \(node.value.kindDescription) \(node.value.excerpt)")
            return nil
        }
        var specs: [CalendarSpec] = []
        for (item, itemPath) in items {
            guard let text = string(item, itemPath, expected: "a calendar expression like \"Mon..Fri *-*-* 09:00\"") else { continue }
            do {
                specs.append(try CalendarSpec.parse(text))
            } catch {
                // Point at the offending character itself when the JSON string has no escapes.
                var at = item.position
                if let p = at, !text.contains("\\"), !text.contains("\"") {
                    at = SourcePosition(line: p.line, column: p.column + error.column)
                }
                issues.append(ConfigIssue(file: file, position: at, path: itemPath,
                                          message: "\(JSONText.quote(text)) is not a calendar expression: column \(error.column): \(error.reason) (see systemd.time(7); try `checkin calendar`)"))
            }
        }
        return specs.count == items.count ? .calendar(specs) : nil
    }

    static func canFire(_ schedule: ScheduleSpec, quietHours: [TimeWindow]) -> Bool {
        let quiet = { (m: Int) in quietHours.contains { $0.contains(minuteOfDay: m % 1440) } }
        switch schedule {
        case .at(let times, _):
            return times.contains { !quiet($0.minuteOfDay) }
        case .every(let interval, let window, _):
            var m = window.start.minuteOfDay
            let length = window.crossesMidnight ? window.end.minuteOfDay + 1440 - m : window.end.minuteOfDay - m
            let end = m + (length == 0 ? 1440 : length)
            while m < end {
                if !quiet(m) { return true }
                m += max(1, interval / 60)
            }
            return false
        case .random(_, let window, let minGap, _, _, _):
            let start = window.start.minuteOfDay
            return (start..<(start + ScheduleSpec.randomSpan(window: window, minGap: minGap))).contains { !quiet($0) }
        case .calendar:
            // Judged in UTC from a fixed day; an expression's own zone is honoured.
            return schedule.next(after: Date(timeIntervalSince1970: 1_767_225_600), in: .utc, quietHours: quietHours) != nil
        }
    }
}

extension ConfigValue {
    var isArray: Bool { if case .array = self { return true } else { return false } }
}

/// "Did you mean …?" for unknown keys and values.
public enum Suggest {
    public static func nearest(to word: String, in candidates: [String]) -> String? {
        let w = Array(word.lowercased())
        var best: (String, Int)?
        for c in candidates {
            let d = distance(w, Array(c.lowercased()))
            if d <= max(1, min(3, c.count / 3)), best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1,
                                       previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
