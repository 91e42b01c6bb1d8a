// The config's wellbeing sections: the person's own questionnaires, questionnaire reminders,
// tracked (moderated) items and nudges. Every number here is the person's own choice: nothing is
// filled in that suggests an amount, a limit or a threshold.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A reminder of type "questionnaire": asks one questionnaire on its own schedule (e.g. weekly).
/// Kept apart from `Config.reminders` (so mood-only code never meets one); checkind schedules
/// `reminder` with the others (`Config.scheduledReminders`).
public struct QuestionnaireReminder: Hashable, Sendable {
    public var id: String
    /// The questionnaire's name ("phq2").
    public var questionnaire: String
    public var schedule: ScheduleSpec
    public var title: String
    public var message: String
    public var expireAfter: Int
    public var snooze: Int
    public var maxSnoozes: Int
    public var enabled: Bool
    public var jitter: Int
    public var catchUp: CatchUp
    /// The reminder as the engine schedules it: kind `.questionnaire`, no questions.
    public var reminder: Reminder

    init(_ r: Reminder, questionnaire: String) {
        var asked = r
        asked.kind = .questionnaire
        asked.question = nil
        asked.followUp = nil
        reminder = asked
        id = r.id
        self.questionnaire = questionnaire
        schedule = r.schedule
        title = r.title
        message = r.message
        expireAfter = r.expireAfter
        snooze = r.snooze
        maxSnoozes = r.maxSnoozes
        enabled = r.enabled
        jitter = r.jitter
        catchUp = r.catchUp
    }
}

/// Something the person moderates (a habit, a drink, a supplement), with their own plan. Every
/// limit is optional and only what they wrote.
public struct TrackedItem: Hashable, Sendable {
    public var name: String
    /// "cup"; empty when none was given.
    public var unit: String
    public var maxPerDay: Double?
    public var maxDaysInARow: Int?
    public var breakDaysPerWeek: Int?
    /// `checkIn`: a local time at which checkind asks "Did you use NAME today?" every day (nil: never).
    public var checkIn: LocalTime?

    public init(name: String, unit: String = "", maxPerDay: Double? = nil, maxDaysInARow: Int? = nil, breakDaysPerWeek: Int? = nil,
                checkIn: LocalTime? = nil) {
        self.name = name
        self.unit = unit
        self.checkIn = checkIn
        self.maxPerDay = maxPerDay
        self.maxDaysInARow = maxDaysInARow
        self.breakDaysPerWeek = breakDaysPerWeek
    }
}

extension TrackedItem {
    /// The id of the daily check-in's reminder: "tracked.NAME" (a reminder's own id cannot
    /// contain a dot, so it never collides).
    public var checkInReminderID: String { "tracked.\(name)" }

    /// The daily "Did you use NAME today?" as a reminder of kind `.use`, when `checkIn` is set.
    public var checkInReminder: Reminder? {
        guard let checkIn else { return nil }
        return Reminder(id: checkInReminderID, kind: .use, schedule: .at(times: [checkIn], days: .all),
                        title: "Did you use \(name) today?", message: "", expireAfter: 3600, snooze: 600, maxSnoozes: 1,
                        question: nil, followUp: nil, enabled: true)
    }
}

/// `nudges`: a suggestion, in the person's own words, to contact someone when things look low.
/// Nothing is sent anywhere: the daemon shows it as a notification on this machine, no more.
public struct NudgeSettings: Hashable, Sendable {
    public var enabled: Bool
    /// When the 14-day mean mood is at or below this (on the mood scale); nil: mood never nudges.
    public var moodAtOrBelow: Double?
    /// At most one nudge per this many seconds.
    public var every: Int
    /// The person's own text (e.g. "Call Sam, or Dr. Lee's office at 555-0100"); the nudge shows
    /// this and nothing else.
    public var contact: String

    public static let defaultEvery = 14 * 86400

    public init(enabled: Bool = true, moodAtOrBelow: Double?, every: Int = NudgeSettings.defaultEvery, contact: String) {
        self.enabled = enabled
        self.moodAtOrBelow = moodAtOrBelow
        self.every = every
        self.contact = contact
    }
}

extension ConfigValidator {
    static let questionnaireKeys = ["name", "title", "intro", "items", "options", "threshold", "scoring"]
    static let questionnaireItemKeys = ["text"]
    static let questionnaireOptionKeys = ["value", "label"]
    static let thresholdKeys = ["atOrAbove", "atOrBelow", "text"]
    static let trackedKeys = ["name", "unit", "maxPerDay", "maxDaysInARow", "breakDaysPerWeek", "checkIn"]
    static let nudgeKeys = ["enabled", "moodAtOrBelow", "every", "contact"]

    mutating func list(_ node: ConfigValue.Node, _ path: String, of what: String) -> [(ConfigValue.Node, String)]? {
        guard case .array(let items) = node.value else {
            issue(node, path, "expected a list of \(what), found \(node.value.kindDescription) \(node.value.excerpt)")
            return nil
        }
        return items.enumerated().map { ($0.element, "\(path)[\($0.offset)]") }
    }

    /// A number (whole or not) inside `range`.
    mutating func number(_ node: ConfigValue.Node, _ path: String, range: ClosedRange<Double>, expected: String) -> Double? {
        let value: Double
        switch node.value {
        case .integer(let i): value = Double(i)
        case .double(let d) where d.isFinite: value = d
        default:
            issue(node, path, "expected \(expected), found \(node.value.kindDescription) \(node.value.excerpt)")
            return nil
        }
        guard range.contains(value) else {
            issue(node, path, "\(NumberText.json(value)) is out of range; expected \(expected)")
            return nil
        }
        return value
    }

    mutating func nonEmptyText(_ m: [String: ConfigValue.Node], _ key: String, _ path: String, what: String) -> String? {
        guard let n = m[key] else { return nil }
        guard let s = string(n, "\(path).\(key)") else { return nil }
        if s.trimmedASCII.isEmpty {
            issue(n, "\(path).\(key)", "empty; expected \(what)")
            return nil
        }
        return s
    }

    // MARK: questionnaires

    mutating func questionnaires(_ node: ConfigValue.Node, _ path: String) -> [Questionnaire] {
        guard let items = list(node, path, of: "questionnaires") else { return [] }
        var out: [Questionnaire] = []
        var seen: [String: String] = [:]
        for q in Questionnaire.shipped { seen[q.name] = "a shipped questionnaire (\(q.title))" }
        for (item, itemPath) in items {
            guard let q = questionnaire(item, itemPath) else { continue }
            if let other = seen[q.name] {
                var nameNode = item
                if case .object(let members) = item.value, let n = members.first(where: { $0.key == "name" }) { nameNode = n.node }
                issue(nameNode, "\(itemPath).name", "\(JSONText.quote(q.name)) is already \(other); names must be unique")
                continue
            }
            seen[q.name] = "used by \(itemPath)"
            out.append(q)
        }
        return out
    }

    mutating func questionnaire(_ node: ConfigValue.Node, _ path: String) -> Questionnaire? {
        guard let m = members(node, path, known: Self.questionnaireKeys) else { return nil }
        let before = issues.count
        let name = identifier(m, "name", of: node, path, whenMissing: "every questionnaire needs a name such as \"sleep\"")
        let title = nonEmptyText(m, "title", path, what: "the questionnaire's heading") ?? name
        var intro = ""
        if let n = m["intro"], let s = string(n, "\(path).intro") { intro = s }

        var texts: [String] = []
        if let n = m["items"] {
            if let items = list(n, "\(path).items", of: "items") {
                if items.isEmpty { issue(n, "\(path).items", "no items; a questionnaire asks at least one") }
                for (item, itemPath) in items {
                    switch item.value {
                    case .string(let s):
                        if s.trimmedASCII.isEmpty { issue(item, itemPath, "empty; expected the item's text") } else { texts.append(s) }
                    case .object:
                        guard let im = members(item, itemPath, known: Self.questionnaireItemKeys) else { continue }
                        if let t = nonEmptyText(im, "text", itemPath, what: "the item's text") { texts.append(t) }
                        else if im["text"] == nil { issue(item, "\(itemPath).text", "missing; expected the item's text") }
                    default:
                        issue(item, itemPath, "expected the item's text or {\"text\": \"…\"}, found \(item.value.kindDescription) \(item.value.excerpt)")
                    }
                }
            }
        } else {
            issue(node, "\(path).items", "missing; a questionnaire asks at least one item")
        }

        var options: [QuestionnaireOption] = []
        if let n = m["options"] {
            if let items = list(n, "\(path).options", of: "options like {\"value\": 0, \"label\": \"Not at all\"}") {
                if items.count < 2 { issue(n, "\(path).options", "\(items.count) \(items.count == 1 ? "option" : "options"); expected at least 2, each {\"value\": 0, \"label\": \"…\"}") }
                for (item, itemPath) in items {
                    guard let om = members(item, itemPath, known: Self.questionnaireOptionKeys) else { continue }
                    var value: Int?
                    if let v = om["value"] { value = integer(v, "\(itemPath).value", range: 0...100) }
                    else { issue(item, "\(itemPath).value", "missing; expected the option's score, a whole number 0...100") }
                    let label = nonEmptyText(om, "label", itemPath, what: "what the option says")
                    if om["label"] == nil { issue(item, "\(itemPath).label", "missing; expected what the option says") }
                    guard let value, let label else { continue }
                    if let previous = options.last {
                        if options.contains(where: { $0.value == value }) {
                            issue(om["value"], "\(itemPath).value", "\(value) is used twice; every option scores a different value")
                            continue
                        }
                        if value < previous.value {
                            issue(om["value"], "\(itemPath).value", "\(value) comes after \(previous.value); expected the options in ascending order of value")
                            continue
                        }
                    }
                    options.append(QuestionnaireOption(value, label))
                }
            }
        } else {
            issue(node, "\(path).options", "missing; expected the answer options, e.g. [{\"value\": 0, \"label\": \"Not at all\"}, …]")
        }

        if let n = m["scoring"], let s = string(n, "\(path).scoring"), s != "sum" {
            issue(n, "\(path).scoring", "\(JSONText.quote(s)) is not a scoring; expected \"sum\" (the total of the chosen options' values)")
        }

        var q = Questionnaire(name: name, title: title, intro: intro, items: texts, options: options)
        if let n = m["threshold"], issues.count == before {
            q.threshold = threshold(n, "\(path).threshold", totals: q.totals)
        } else if let n = m["threshold"] {
            _ = members(n, "\(path).threshold", known: Self.thresholdKeys)
        }
        guard issues.count == before else { return nil }
        if let t = q.threshold {
            let low = t.direction == .atOrAbove ? q.minTotal...(t.value - 1) : q.minTotal...t.value
            let high = t.direction == .atOrAbove ? t.value...q.maxTotal : (t.value + 1)...q.maxTotal
            let lowLabel = t.direction == .atOrAbove ? "below \(t.value)" : "\(t.value) or less"
            let highLabel = t.direction == .atOrAbove ? "\(t.value) or more" : "above \(t.value)"
            if t.value > q.minTotal || t.direction == .atOrBelow { q.bands.append(QuestionnaireBand(low, lowLabel)) }
            if t.value < q.maxTotal || t.direction == .atOrAbove { q.bands.append(QuestionnaireBand(high, highLabel)) }
            q.bands.removeAll { $0.range.isEmpty }
        }
        return q
    }

    mutating func threshold(_ node: ConfigValue.Node, _ path: String, totals: ClosedRange<Int>) -> QuestionnaireThreshold? {
        let example = "{\"atOrAbove\": 3, \"text\": \"…\"}"
        guard case .object = node.value else {
            issue(node, path, "expected an object like \(example), found \(node.value.kindDescription) \(node.value.excerpt)")
            return nil
        }
        guard let m = members(node, path, known: Self.thresholdKeys) else { return nil }
        let given = ["atOrAbove", "atOrBelow"].filter { m[$0] != nil }
        guard given.count == 1 else {
            issue(given.isEmpty ? node : m["atOrBelow"], given.isEmpty ? path : "\(path).atOrBelow",
                  given.isEmpty ? "expected one of \"atOrAbove\" or \"atOrBelow\", e.g. \(example)"
                                : "a threshold has one of \"atOrAbove\" and \"atOrBelow\", not both")
            return nil
        }
        let key = given[0]
        let text = nonEmptyText(m, "text", path, what: "what to say when the total reaches the threshold")
        if m["text"] == nil { issue(node, "\(path).text", "missing; expected what to say when the total reaches the threshold (your own words)") }
        guard let v = integer(m[key]!, "\(path).\(key)", range: 0...Int.max) else { return nil }
        guard totals.contains(v) else {
            issue(m[key], "\(path).\(key)", "\(v) is outside the possible totals \(totals.lowerBound)-\(totals.upperBound)")
            return nil
        }
        guard let text else { return nil }
        return QuestionnaireThreshold(key == "atOrAbove" ? .atOrAbove : .atOrBelow, v, text: text)
    }

    // MARK: tracked

    mutating func tracked(_ node: ConfigValue.Node, _ path: String) -> [TrackedItem] {
        guard let items = list(node, path, of: "tracked items like {\"name\": \"coffee\", \"unit\": \"cup\"}") else { return [] }
        var out: [TrackedItem] = []
        var seen: [String: String] = [:]
        for (item, itemPath) in items {
            guard let m = members(item, itemPath, known: Self.trackedKeys) else { continue }
            let before = issues.count
            let name = identifier(m, "name", of: item, itemPath, whenMissing: "expected what you track, e.g. \"name\": \"coffee\"")
            var t = TrackedItem(name: name)
            if let n = m["unit"], let s = string(n, "\(itemPath).unit") { t.unit = s.trimmedASCII }
            if let n = m["maxPerDay"] {
                t.maxPerDay = number(n, "\(itemPath).maxPerDay", range: 0.001...1_000_000, expected: "a number above 0 (your own daily limit)")
            }
            if let n = m["maxDaysInARow"] { t.maxDaysInARow = integer(n, "\(itemPath).maxDaysInARow", range: 1...366) }
            if let n = m["breakDaysPerWeek"] { t.breakDaysPerWeek = integer(n, "\(itemPath).breakDaysPerWeek", range: 1...7) }
            if let n = m["checkIn"], let s = string(n, "\(itemPath).checkIn", expected: "a time like \"21:00\"") {
                if let time = LocalTime.parse(s.trimmedASCII) { t.checkIn = time } else {
                    issue(n, "\(itemPath).checkIn", "\(JSONText.quote(s)) is not a time of day; expected \"HH:MM\" from 00:00 to 23:59")
                }
            }
            guard issues.count == before else { continue }
            if let other = seen[name] {
                issue(m["name"], "\(itemPath).name", "\(JSONText.quote(name)) is already used by \(other); names must be unique")
                continue
            }
            seen[name] = itemPath
            out.append(t)
        }
        return out
    }

    // MARK: nudges

    mutating func nudges(_ node: ConfigValue.Node, _ path: String) -> NudgeSettings? {
        guard let m = members(node, path, known: Self.nudgeKeys) else { return nil }
        let before = issues.count
        var enabled = true
        if let n = m["enabled"], let b = bool(n, "\(path).enabled") { enabled = b }
        var mood: Double?
        if let n = m["moodAtOrBelow"] {
            mood = number(n, "\(path).moodAtOrBelow", range: 0...100, expected: "a number on your mood scale")
        }
        var every = NudgeSettings.defaultEvery
        if let n = m["every"], let v = duration(n, "\(path).every", range: 86400...(366 * 86400)) { every = v }
        let contact = nonEmptyText(m, "contact", path, what: "your own words, e.g. who to call")
        if m["contact"] == nil {
            issue(node, "\(path).contact", "missing; expected your own words for the nudge, e.g. \"Call Sam\" (nothing is sent anywhere)")
        }
        guard issues.count == before, let contact else { return nil }
        return NudgeSettings(enabled: enabled, moodAtOrBelow: mood, every: every, contact: contact)
    }

    /// `nudges.moodAtOrBelow` must be on the mood scale the check-ins use.
    mutating func checkNudgeScale(_ nudges: NudgeSettings?, _ config: Config, root: [String: ConfigValue.Node]) {
        guard let threshold = nudges?.moodAtOrBelow else { return }
        let scale = LogRules(config: config).scale(for: .mood)
        guard threshold >= Double(scale.min), threshold <= Double(scale.max) else {
            var node = root["nudges"]
            if let n = node, case .object(let members) = n.value, let t = members.first(where: { $0.key == "moodAtOrBelow" }) { node = t.node }
            issue(node, "nudges.moodAtOrBelow", "\(NumberText.json(threshold)) is outside the mood scale \(scale.rangeDescription)")
            return
        }
    }
}
