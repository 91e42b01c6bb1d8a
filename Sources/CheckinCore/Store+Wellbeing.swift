// Questionnaire responses and uses of tracked items in the journal (schema 2).

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One completed questionnaire: its answers (one option value per item, in item order) and total.
public struct QuestionnaireResponse: Sendable, Equatable {
    public var id: Int64?
    /// The questionnaire's name ("phq2").
    public var questionnaire: String
    public var startedAt: Date
    public var completedAt: Date
    /// Seconds east of UTC when it was completed.
    public var utcOffset: Int
    public var answers: [Int]
    public var total: Int
    /// "cli", "notification" or "import".
    public var source: String
    public var promptID: String?

    public init(id: Int64? = nil, questionnaire: String, startedAt: Date, completedAt: Date, utcOffset: Int,
                answers: [Int], total: Int, source: String, promptID: String? = nil) {
        self.id = id
        self.questionnaire = questionnaire
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.utcOffset = utcOffset
        self.answers = answers
        self.total = total
        self.source = source
        self.promptID = promptID
    }

    /// A response to `q` with the total computed; nil when the answers do not fit `q` (wrong
    /// count, a value that is not an option).
    public init?(_ q: Questionnaire, answers: [Int], startedAt: Date, completedAt: Date, utcOffset: Int,
                 source: String, promptID: String? = nil) {
        guard let total = q.total(answers), completedAt >= startedAt else { return nil }
        self.init(questionnaire: q.name, startedAt: startedAt, completedAt: completedAt, utcOffset: utcOffset,
                  answers: answers, total: total, source: source, promptID: promptID)
    }
}

/// One use of a tracked item.
public struct UseRecord: Sendable, Equatable {
    public var id: Int64?
    public var item: String
    public var amount: Double
    public var usedAt: Date
    public var utcOffset: Int
    public var source: String

    public init(id: Int64? = nil, item: String, amount: Double, usedAt: Date, utcOffset: Int, source: String) {
        self.id = id
        self.item = item
        self.amount = amount
        self.usedAt = usedAt
        self.utcOffset = utcOffset
        self.source = source
    }
}

extension Store {
    /// Records a complete response (the response row and every answer) in one transaction; durable
    /// when it returns. Returns the id. The total must be the sum of the answers (checked here, so
    /// a half-built response never reaches the journal).
    @discardableResult
    public func insertResponse(_ r: QuestionnaireResponse) throws(StoreError) -> Int64 {
        guard !r.answers.isEmpty, r.answers.reduce(0, +) == r.total else {
            throw StoreError(code: .sqlite, path: path, operation: "insertResponse",
                             message: "a questionnaire response needs its answers and their sum as the total; nothing was recorded")
        }
        return try withConnection { (c) throws(StoreError) in
            try c.transaction("insertResponse") { () throws(StoreError) -> Int64 in try insertResponse(c, r) }
        }
    }

    /// Records the answers to a questionnaire prompt: moves the prompt to `state` (outcome time
    /// `at`, `action`) and inserts `response` linked to it (its `promptID` is set), in one
    /// transaction: both or neither. Throws `.notFound` for an unknown prompt. Returns the id.
    @discardableResult
    public func recordResponse(promptID: String, state: PromptState = .answered, at: Date, action: String,
                               response: QuestionnaireResponse) throws(StoreError) -> Int64 {
        guard !response.answers.isEmpty, response.answers.reduce(0, +) == response.total else {
            throw StoreError(code: .sqlite, path: path, operation: "recordResponse",
                             message: "a questionnaire response needs its answers and their sum as the total; nothing was recorded")
        }
        return try withConnection { (c) throws(StoreError) in
            try c.transaction("recordResponse") { () throws(StoreError) -> Int64 in
                try updatePrompt(c, id: promptID, state: state, at: at, action: action, deliveredAt: nil,
                                 notificationID: nil, snoozeCount: nil, operation: "recordResponse")
                var linked = response
                linked.promptID = promptID
                return try insertResponse(c, linked)
            }
        }
    }

    private func insertResponse(_ c: Connection, _ r: QuestionnaireResponse) throws(StoreError) -> Int64 {
        try c.run("""
            INSERT INTO questionnaire_responses (id, questionnaire, started_at, completed_at, utc_offset, total, source, prompt_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(r.id), .text(r.questionnaire), .real(r.startedAt.timeIntervalSince1970),
                  .real(r.completedAt.timeIntervalSince1970), .integer(Int64(r.utcOffset)), .integer(Int64(r.total)),
                  .text(r.source), .text(r.promptID)])
        let id = c.lastInsertRowID
        for (item, value) in r.answers.enumerated() {
            try c.run("INSERT INTO questionnaire_answers (response_id, item, value) VALUES (?, ?, ?)",
                      [.integer(id), .integer(Int64(item)), .integer(Int64(value))])
        }
        return id
    }

    /// Responses completed in `range` (of `questionnaire`, if given), ordered by completion time,
    /// with their answers.
    public func responses(in range: TimeRange, questionnaire: String? = nil) throws(StoreError) -> [QuestionnaireResponse] {
        var (terms, values) = Store.rangeTerms("r.completed_at", range)
        if let questionnaire {
            terms.append("r.questionnaire = ?")
            values.append(.text(questionnaire))
        }
        let clause = Store.whereClause(terms)
        return try withConnection { (c) throws(StoreError) in
            try c.transaction("responses", immediate: false) { () throws(StoreError) -> [QuestionnaireResponse] in
                var answers: [Int64: [(Int, Int)]] = [:]
                for (id, item, value) in try c.query("""
                    SELECT a.response_id, a.item, a.value FROM questionnaire_answers a
                    JOIN questionnaire_responses r ON r.id = a.response_id\(clause)
                    """, values, row: { ($0.int64(0), $0.int(1), $0.int(2)) }) {
                    answers[id, default: []].append((item, value))
                }
                return try c.query("""
                    SELECT r.id, r.questionnaire, r.started_at, r.completed_at, r.utc_offset, r.total, r.source, r.prompt_id
                    FROM questionnaire_responses r\(clause) ORDER BY r.completed_at, r.id
                    """, values) { s in
                    QuestionnaireResponse(id: s.int64(0), questionnaire: s.text(1),
                                          startedAt: Date(timeIntervalSince1970: s.double(2)),
                                          completedAt: Date(timeIntervalSince1970: s.double(3)), utcOffset: s.int(4),
                                          answers: (answers[s.int64(0)] ?? []).sorted { $0.0 < $1.0 }.map(\.1),
                                          total: s.int(5), source: s.text(6), promptID: s.optionalText(7))
                }
            }
        }
    }

    @discardableResult
    public func insertUse(_ u: UseRecord) throws(StoreError) -> Int64 {
        try withConnection { (c) throws(StoreError) in
            try c.transaction("insertUse") { () throws(StoreError) -> Int64 in
                try c.run("INSERT INTO uses (id, item, amount, used_at, utc_offset, source) VALUES (?, ?, ?, ?, ?, ?)",
                          [.integer(u.id), .text(u.item), .real(u.amount), .real(u.usedAt.timeIntervalSince1970),
                           .integer(Int64(u.utcOffset)), .text(u.source)])
                return c.lastInsertRowID
            }
        }
    }

    /// Records the answer to a tracked item's daily check-in: moves the prompt to `.answered` (outcome
    /// time `at`, `action`) and, when `use` is given, inserts it, in one transaction: both or
    /// neither. Throws `.notFound` for an unknown prompt. Returns the use's id, if one was inserted.
    @discardableResult
    public func recordCheckIn(promptID: String, at: Date, action: String, use u: UseRecord?) throws(StoreError) -> Int64? {
        try withConnection { (c) throws(StoreError) in
            try c.transaction("recordCheckIn") { () throws(StoreError) -> Int64? in
                try updatePrompt(c, id: promptID, state: .answered, at: at, action: action, deliveredAt: nil,
                                 notificationID: nil, snoozeCount: nil, operation: "recordCheckIn")
                guard let u else { return nil }
                try c.run("INSERT INTO uses (id, item, amount, used_at, utc_offset, source) VALUES (?, ?, ?, ?, ?, ?)",
                          [.integer(u.id), .text(u.item), .real(u.amount), .real(u.usedAt.timeIntervalSince1970),
                           .integer(Int64(u.utcOffset)), .text(u.source)])
                return c.lastInsertRowID
            }
        }
    }

    /// Uses in `range` (of `item`, if given), ordered by time.
    public func uses(in range: TimeRange, item: String? = nil) throws(StoreError) -> [UseRecord] {
        var (terms, values) = Store.rangeTerms("used_at", range)
        if let item {
            terms.append("item = ?")
            values.append(.text(item))
        }
        return try withConnection { (c) throws(StoreError) in
            try c.query("""
                SELECT id, item, amount, used_at, utc_offset, source FROM uses\(Store.whereClause(terms)) ORDER BY used_at, id
                """, values) { s in
                UseRecord(id: s.int64(0), item: s.text(1), amount: s.double(2), usedAt: Date(timeIntervalSince1970: s.double(3)),
                          utcOffset: s.int(4), source: s.text(5))
            }
        }
    }
}
