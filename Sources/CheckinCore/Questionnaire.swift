// Short multi-item questionnaires: the shipped public-domain ones (PHQ-2, GAD-2, WHO-5) and those a
// person defines in the config. Scoring is a plain sum of the chosen options' values. A score is
// shown with its band and, where the questionnaire has one, its threshold, in neutral words: a
// threshold is "a reason to consider talking to a professional", never a diagnosis.
// docs/QUESTIONNAIRES.md has the items, scoring, bands and attribution.

/// One answer option of a questionnaire: the value it scores and what it says.
public struct QuestionnaireOption: Hashable, Sendable {
    public var value: Int
    public var label: String

    public init(_ value: Int, _ label: String) {
        self.value = value
        self.label = label
    }
}

/// A published (or the person's own) threshold of the total and what to say when it is reached.
public struct QuestionnaireThreshold: Hashable, Sendable {
    public enum Direction: String, Hashable, Sendable {
        /// Reached when the total is at or above `value` (PHQ-2, GAD-2).
        case atOrAbove
        /// Reached when the total is at or below `value` (WHO-5: low well-being).
        case atOrBelow
    }

    public var direction: Direction
    public var value: Int
    /// What to say when it is reached (the shipped ones: "consider talking to a professional").
    public var text: String

    public init(_ direction: Direction, _ value: Int, text: String) {
        self.direction = direction
        self.value = value
        self.text = text
    }

    public func isReached(by total: Int) -> Bool {
        direction == .atOrAbove ? total >= value : total <= value
    }
}

/// A named range of totals, for charts and tables ("0-2", "3-6"); neutral words only.
public struct QuestionnaireBand: Hashable, Sendable {
    public var range: ClosedRange<Int>
    public var label: String

    public init(_ range: ClosedRange<Int>, _ label: String) {
        self.range = range
        self.label = label
    }
}

public struct Questionnaire: Hashable, Sendable {
    /// Lower-case id, e.g. "phq2" (`checkin log --questionnaire phq2`, the journal's column).
    public var name: String
    /// "PHQ-2".
    public var title: String
    /// The stem every item completes: "Over the last 2 weeks, how often have you been bothered by
    /// the following problems?".
    public var intro: String
    public var items: [String]
    /// Shared by every item, values strictly ascending.
    public var options: [QuestionnaireOption]
    public var threshold: QuestionnaireThreshold?
    /// Cover every possible total without gaps (built-in ones; the config's get one band per side
    /// of the threshold, or none).
    public var bands: [QuestionnaireBand]
    /// The total is also shown times this as a percentage (WHO-5: 4); nil for none.
    public var percentFactor: Int?
    /// Who made it and under what terms; nil for the person's own.
    public var attribution: String?
    public var builtIn: Bool

    public init(name: String, title: String, intro: String, items: [String], options: [QuestionnaireOption],
                threshold: QuestionnaireThreshold? = nil, bands: [QuestionnaireBand] = [], percentFactor: Int? = nil,
                attribution: String? = nil, builtIn: Bool = false) {
        self.name = name
        self.title = title
        self.intro = intro
        self.items = items
        self.options = options
        self.threshold = threshold
        self.bands = bands
        self.percentFactor = percentFactor
        self.attribution = attribution
        self.builtIn = builtIn
    }

    public var minTotal: Int { items.count * (options.map(\.value).min() ?? 0) }
    public var maxTotal: Int { items.count * (options.map(\.value).max() ?? 0) }
    public var totals: ClosedRange<Int> { minTotal...maxTotal }

    public func option(value: Int) -> QuestionnaireOption? { options.first { $0.value == value } }

    /// The sum of `answers` (one option value per item), or nil when the count is wrong or a
    /// value is not one of the options.
    public func total(_ answers: [Int]) -> Int? {
        guard answers.count == items.count, answers.allSatisfy({ option(value: $0) != nil }) else { return nil }
        return answers.reduce(0, +)
    }

    public func band(for total: Int) -> QuestionnaireBand? { bands.first { $0.range.contains(total) } }

    /// "PHQ-2 total 4 of 6" / "WHO-5 total 17 of 25 (68%)".
    public func totalText(_ total: Int) -> String {
        var text = "\(title) total \(total) of \(maxTotal)"
        if let f = percentFactor { text += " (\(total * f)%)" }
        return text
    }

    /// The sentence after a response: the total, then where it stands against the threshold.
    /// "PHQ-2 total 4 of 6: at or above 3, the published screening threshold: consider talking to a
    /// professional." Neutral; it never names a condition.
    public func summary(total: Int) -> String {
        var text = totalText(total)
        guard let t = threshold else { return text + "." }
        let published = builtIn ? "the published screening threshold" : "your threshold"
        let limit = percentFactor.map { "\(t.value) (\(t.value * $0)%)" } ?? "\(t.value)"
        if t.isReached(by: total) {
            text += ": \(t.direction == .atOrAbove ? "at or above" : "at or below") \(limit), \(published): \(t.text)"
        } else {
            text += ": \(t.direction == .atOrAbove ? "below" : "above") \(limit), \(published)."
        }
        if !text.hasSuffix(".") { text += "." }
        return text
    }
}

// MARK: - Shipped questionnaires

extension Questionnaire {
    static let frequencyOptions = [
        QuestionnaireOption(0, "Not at all"), QuestionnaireOption(1, "Several days"),
        QuestionnaireOption(2, "More than half the days"), QuestionnaireOption(3, "Nearly every day"),
    ]
    static let pfizerAttribution = "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
        + "with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute."
    public static let talkToAProfessional = "consider talking to a professional."

    public static let phq2 = Questionnaire(
        name: "phq2", title: "PHQ-2",
        intro: "Over the last 2 weeks, how often have you been bothered by the following problems?",
        items: ["Little interest or pleasure in doing things", "Feeling down, depressed, or hopeless"],
        options: frequencyOptions,
        threshold: QuestionnaireThreshold(.atOrAbove, 3, text: talkToAProfessional),
        bands: [QuestionnaireBand(0...2, "below 3"), QuestionnaireBand(3...6, "3 or more")],
        attribution: "PHQ-2 (Patient Health Questionnaire-2). " + pfizerAttribution,
        builtIn: true)

    public static let gad2 = Questionnaire(
        name: "gad2", title: "GAD-2",
        intro: "Over the last 2 weeks, how often have you been bothered by the following problems?",
        items: ["Feeling nervous, anxious, or on edge", "Not being able to stop or control worrying"],
        options: frequencyOptions,
        threshold: QuestionnaireThreshold(.atOrAbove, 3, text: talkToAProfessional),
        bands: [QuestionnaireBand(0...2, "below 3"), QuestionnaireBand(3...6, "3 or more")],
        attribution: "GAD-2 (Generalized Anxiety Disorder-2). " + pfizerAttribution,
        builtIn: true)

    public static let who5 = Questionnaire(
        name: "who5", title: "WHO-5",
        intro: "Over the last two weeks…",
        items: ["I have felt cheerful and in good spirits", "I have felt calm and relaxed", "I have felt active and vigorous",
                "I woke up feeling fresh and rested", "My daily life has been filled with things that interest me"],
        options: [QuestionnaireOption(0, "At no time"), QuestionnaireOption(1, "Some of the time"),
                  QuestionnaireOption(2, "Less than half of the time"), QuestionnaireOption(3, "More than half of the time"),
                  QuestionnaireOption(4, "Most of the time"), QuestionnaireOption(5, "All of the time")],
        // A raw score below 13 (under 52%) is the published cut-off for low well-being.
        threshold: QuestionnaireThreshold(.atOrBelow, 12, text: talkToAProfessional),
        bands: [QuestionnaireBand(0...7, "0-28%"), QuestionnaireBand(8...12, "32-48%"), QuestionnaireBand(13...25, "52-100%")],
        percentFactor: 4,
        attribution: "WHO-5 Well-Being Index. © Psychiatric Research Unit, WHO Collaborating Centre in Mental Health, "
            + "Mental Health Centre North Zealand, Hillerød, Denmark. Free to use.",
        builtIn: true)

    /// In the order `checkin questionnaires` lists them.
    public static let shipped = [phq2, gad2, who5]
}
