// Store queries for the insight commands (history filters, stats, export, import). Filters are
// SQL, so the index on entries(recorded_at) / prompts(scheduled_at) bounds every scan.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `Store.importEntries` did.
public struct ImportOutcome: Sendable, Equatable {
    /// Entries inserted.
    public var imported: Int
    /// Entries that were already in the journal (same second, mood, anxiety, note and tags).
    public var skipped: Int

    public init(imported: Int, skipped: Int) {
        self.imported = imported
        self.skipped = skipped
    }
}

/// Prompt counts of one reminder in a period (for response rates).
public struct ReminderCounts: Sendable, Equatable {
    public var reminder: String
    /// Prompts scheduled in the period, in any state.
    public var prompts: Int
    /// Prompts that were shown (have a delivery time), whatever happened next.
    public var delivered: Int
    public var answered: Int
    public var expired: Int
    public var missed: Int
    public var skipped: Int
    public var dismissed: Int
    /// Natural breaks: the person was away for the break's duration (state answered, action
    /// natural; never delivered, so not in `answered`).
    public var natural: Int
    /// Prompts snoozed at least once, whatever happened next.
    public var snoozed: Int

    public init(reminder: String, prompts: Int = 0, delivered: Int = 0, answered: Int = 0, expired: Int = 0,
                missed: Int = 0, skipped: Int = 0, dismissed: Int = 0, natural: Int = 0, snoozed: Int = 0) {
        self.reminder = reminder
        self.prompts = prompts
        self.delivered = delivered
        self.answered = answered
        self.expired = expired
        self.missed = missed
        self.skipped = skipped
        self.dismissed = dismissed
        self.natural = natural
        self.snoozed = snoozed
    }

    /// answered ÷ delivered; nil when nothing was delivered.
    public var responseRate: Double? { delivered == 0 ? nil : Double(answered) / Double(delivered) }
}

/// Break prompts of one local day, by outcome.
public struct BreakDay: Sendable, Equatable {
    public var date: CivilDate
    /// "Start break" (answered, not natural).
    public var taken: Int
    /// Away for the break's duration (answered, action natural).
    public var natural: Int
    /// Snoozed at least once, whatever happened next.
    public var snoozed: Int
    /// Skipped (the Skip button or Skip(), paused, or dropped by do-not-disturb).
    public var skipped: Int

    public init(date: CivilDate, taken: Int = 0, natural: Int = 0, snoozed: Int = 0, skipped: Int = 0) {
        self.date = date
        self.taken = taken
        self.natural = natural
        self.snoozed = snoozed
        self.skipped = skipped
    }
}

/// What makes two entries "the same" for import: the time to the second, the values, the note
/// (an empty note counts as none) and the tags. Not the source, offset or prompt.
struct EntryIdentity: Hashable {
    var second: Int64
    var mood: Int?
    var anxiety: Int?
    var note: String?
    var tags: [String]

    init(_ e: Entry) {
        second = Int64(e.recordedAt.timeIntervalSince1970.rounded(.down))
        mood = e.mood
        anxiety = e.anxiety
        note = e.note.flatMap { $0.isEmpty ? nil : $0 }
        tags = Entry.normalizedTags(e.tags)
    }
}

extension Store {
    /// Tags of one entry, joined by U+001F (a tag never contains it in practice, and the split
    /// below never confuses it with a comma or a semicolon a tag might hold).
    static let tagListColumn = "(SELECT group_concat(tag, char(31)) FROM entry_tags WHERE entry_id = e.id)"

    static func splitTags(_ list: String?) -> [String] {
        guard let list, !list.isEmpty else { return [] }
        return list.split(separator: "\u{1F}", omittingEmptySubsequences: true).map(String.init)
    }

    /// `column >= since AND column < until` terms (separate SQL per combination keeps the index usable).
    static func rangeTerms(_ column: String, _ range: TimeRange) -> ([String], [SQLValue]) {
        var terms: [String] = []
        var values: [SQLValue] = []
        if let since = range.since {
            terms.append("\(column) >= ?")
            values.append(.real(since.timeIntervalSince1970))
        }
        if let until = range.until {
            terms.append("\(column) < ?")
            values.append(.real(until.timeIntervalSince1970))
        }
        return (terms, values)
    }

    static func whereClause(_ terms: [String]) -> String {
        terms.isEmpty ? "" : " WHERE " + terms.joined(separator: " AND ")
    }

    /// Entries recorded in `range`, ordered by time, with tags; only those answering a prompt of
    /// `reminder` (if given) and having every tag in `tags` (if any).
    public func entries(in range: TimeRange, reminder: String? = nil, tags: [String] = []) throws(StoreError) -> [Entry] {
        var (terms, values) = Store.rangeTerms("e.recorded_at", range)
        if let reminder {
            terms.append("e.prompt_id IN (SELECT id FROM prompts WHERE reminder = ?)")
            values.append(.text(reminder))
        }
        let wanted = Entry.normalizedTags(tags)
        for tag in wanted {
            terms.append("EXISTS (SELECT 1 FROM entry_tags t WHERE t.entry_id = e.id AND t.tag = ?)")
            values.append(.text(tag))
        }
        let sql = """
            SELECT e.id, e.recorded_at, e.utc_offset, e.mood, e.anxiety, e.note, e.source, e.prompt_id, \(Store.tagListColumn)
            FROM entries e\(Store.whereClause(terms)) ORDER BY e.recorded_at, e.id
            """
        return try withConnection { (c) throws(StoreError) in
            try c.query(sql, values) { s in
                Entry(id: s.int64(0), recordedAt: Date(timeIntervalSince1970: s.double(1)), utcOffset: s.int(2),
                      mood: s.optionalInt(3), anxiety: s.optionalInt(4), note: s.optionalText(5),
                      tags: Store.splitTags(s.optionalText(8)), source: s.text(6), promptID: s.optionalText(7))
            }
        }
    }

    /// Prompts scheduled in `range` (of `reminder`, if given), ordered by scheduled time.
    public func prompts(in range: TimeRange, reminder: String? = nil) throws(StoreError) -> [PromptRecord] {
        var (terms, values) = Store.rangeTerms("scheduled_at", range)
        if let reminder {
            terms.append("reminder = ?")
            values.append(.text(reminder))
        }
        let sql = """
            SELECT \(Store.promptColumns)
            FROM prompts\(Store.whereClause(terms)) ORDER BY scheduled_at, id
            """
        return try withConnection { (c) throws(StoreError) in
            try c.query(sql, values, row: decodePrompt)
        }
    }

    /// The few columns statistics need, in two plain scans in one read transaction: the entries
    /// (no order, no text) and their tags with the entry's time (`StatsTag`). The entries' own
    /// `tags` stay empty. (One query with a per-entry tag sub-select costs ~3x as much.)
    public func statsInput(in range: TimeRange) throws(StoreError) -> (entries: [StatsEntry], tags: [StatsTag]) {
        let (terms, values) = Store.rangeTerms("e.recorded_at", range)
        let clause = Store.whereClause(terms)
        return try withConnection { (c) throws(StoreError) in
            try c.transaction("statsInput", immediate: false) { () throws(StoreError) -> ([StatsEntry], [StatsTag]) in
                let entries = try c.query("SELECT e.recorded_at, e.utc_offset, e.mood, e.anxiety FROM entries e\(clause)", values) { s in
                    StatsEntry(time: s.double(0), utcOffset: s.int(1), mood: s.optionalInt(2), anxiety: s.optionalInt(3))
                }
                let tags = try c.query("""
                    SELECT t.tag, e.recorded_at, e.utc_offset FROM entry_tags t JOIN entries e ON e.id = t.entry_id\(clause)
                    """, values) { s in
                    StatsTag(tag: s.text(0), time: s.double(1), utcOffset: s.int(2))
                }
                return (entries, tags)
            }
        }
    }

    /// Break prompts scheduled in `range` by local day (in `zone`) of their scheduled time, days
    /// without any left out, earliest first.
    public func breakDays(in range: TimeRange, zone: Zone) throws(StoreError) -> [BreakDay] {
        var days: [CivilDate: BreakDay] = [:]
        for p in try prompts(since: range.since, until: range.until) where p.kind == ReminderKind.break.rawValue {
            let date = zone.civil(p.scheduledAt).date
            var d = days[date] ?? BreakDay(date: date)
            if p.state == .answered { if p.action == "natural" { d.natural += 1 } else { d.taken += 1 } }
            if p.state == .skipped { d.skipped += 1 }
            if p.snoozeCount > 0 { d.snoozed += 1 }
            days[date] = d
        }
        return days.values.sorted { $0.date < $1.date }
    }

    /// Prompt outcomes per reminder for prompts scheduled in `range`, ordered by reminder id;
    /// counted by SQLite.
    public func reminderCounts(in range: TimeRange) throws(StoreError) -> [ReminderCounts] {
        let (terms, values) = Store.rangeTerms("scheduled_at", range)
        let sql = """
            SELECT reminder, count(*), sum(delivered_at IS NOT NULL), sum(state = 'answered' AND action IS NOT 'natural'),
                   sum(state = 'expired'), sum(state = 'missed'), sum(state = 'skipped'), sum(state = 'dismissed'),
                   sum(state = 'answered' AND action IS 'natural'), sum(snooze_count > 0)
            FROM prompts\(Store.whereClause(terms)) GROUP BY reminder ORDER BY reminder
            """
        return try withConnection { (c) throws(StoreError) in
            try c.query(sql, values) { s in
                ReminderCounts(reminder: s.text(0), prompts: s.int(1), delivered: s.int(2), answered: s.int(3),
                               expired: s.int(4), missed: s.int(5), skipped: s.int(6), dismissed: s.int(7),
                               natural: s.int(8), snoozed: s.int(9))
            }
        }
    }

    /// Inserts `entries` (with their tags) in ONE transaction, leaving out each one the journal
    /// already holds (`EntryIdentity`; counted as a multiset, so a file with two identical rows
    /// imports both once and nothing the second time). All or nothing: on any error nothing is
    /// inserted. Entries keep their `source`; ids and prompt links are not taken over.
    public func importEntries(_ entries: [Entry]) throws(StoreError) -> ImportOutcome {
        guard !entries.isEmpty else { return ImportOutcome(imported: 0, skipped: 0) }
        var low = Double.infinity, high = -Double.infinity
        for e in entries {
            let t = e.recordedAt.timeIntervalSince1970.rounded(.down)
            low = min(low, t)
            high = max(high, t)
        }
        return try withConnection { (c) throws(StoreError) in
            try c.transaction("importEntries") { () throws(StoreError) -> ImportOutcome in
                var present: [EntryIdentity: Int] = [:]
                let existing = try c.query("""
                    SELECT e.recorded_at, e.mood, e.anxiety, e.note, \(Store.tagListColumn)
                    FROM entries e WHERE e.recorded_at >= ? AND e.recorded_at < ?
                    """, [.real(low), .real(high + 1)]) { s in
                    EntryIdentity(Entry(recordedAt: Date(timeIntervalSince1970: s.double(0)), utcOffset: 0,
                                        mood: s.optionalInt(1), anxiety: s.optionalInt(2), note: s.optionalText(3),
                                        tags: Store.splitTags(s.optionalText(4)), source: ""))
                }
                for key in existing { present[key, default: 0] += 1 }
                var outcome = ImportOutcome(imported: 0, skipped: 0)
                for e in entries {
                    let key = EntryIdentity(e)
                    if let n = present[key], n > 0 {
                        present[key] = n - 1
                        outcome.skipped += 1
                        continue
                    }
                    try c.run("""
                        INSERT INTO entries (recorded_at, utc_offset, mood, anxiety, note, source, prompt_id)
                        VALUES (?, ?, ?, ?, ?, ?, NULL)
                        """, [.real(Double(key.second)), .integer(Int64(e.utcOffset)), .integer(e.mood),
                              .integer(e.anxiety), .text(key.note), .text(e.source)])
                    let id = c.lastInsertRowID
                    for tag in key.tags {
                        try c.run("INSERT INTO entry_tags (entry_id, tag) VALUES (?, ?)", [.integer(id), .text(tag)])
                    }
                    outcome.imported += 1
                }
                return outcome
            }
        }
    }
}
