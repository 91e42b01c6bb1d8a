// What a hand-written entry may hold: the scales its answers use and what a tag is. Shared by
// `checkin log`, its interactive form and the daemon's Log() method, so all three accept the same.

/// The questions and scales for entries written outside a notification: those of the config's
/// first mood check-in (by default mood 1-5 then anxiety 1-5).
public struct LogRules: Sendable {
    /// In the order a check-in asks them (the first question, then its follow-up).
    public var questions: [Question]

    public init(config: Config) {
        let reminder = config.reminders.first { $0.kind == .mood }
        var questions: [Question] = []
        if let q = reminder?.question { questions.append(q) }
        if let f = reminder?.followUp, !questions.contains(where: { $0.measure == f.measure }) { questions.append(f) }
        for m in Measure.allCases where !questions.contains(where: { $0.measure == m }) {
            // Measures the config does not ask about still take the default 1-5 scale.
            questions.append(Question(measure: m, title: m == .mood ? "Mood" : "Anxiety", scale: Scale(min: 1, max: 5)))
        }
        self.questions = questions
    }

    public func scale(for measure: Measure) -> Scale {
        questions.first { $0.measure == measure }?.scale ?? Scale(min: 1, max: 5)
    }

    /// nil when `value` is on the scale, else "expected 1-5 (1 = Very low, ...)".
    public func problem(_ measure: Measure, _ value: Int) -> String? {
        let scale = scale(for: measure)
        guard !scale.points.contains(value) else { return nil }
        return "expected \(scale.rangeDescription)" + LogRules.describe(scale)
    }

    /// " (1 = Very low, 2 = Low, ...)", or "" for a scale without labels.
    public static func describe(_ scale: Scale) -> String {
        guard !scale.labels.isEmpty else { return "" }
        return " (" + scale.points.map { "\($0) = \(scale.label(for: $0) ?? "")" }.joined(separator: ", ") + ")"
    }

    /// What a tag must be, for messages.
    public static let tagRule = "1-64 characters without commas"

    /// The tag as stored (trimmed, lower-case), or nil when it is not a tag.
    public static func tag(_ raw: String) -> String? {
        let tag = raw.trimmedASCII.lowercased()
        guard !tag.isEmpty, tag.count <= 64, !tag.contains(",") else { return nil }
        return tag
    }
}
