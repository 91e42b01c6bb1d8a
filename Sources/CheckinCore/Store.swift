// The journal: prompts the daemon showed, the answers (entries) and a little daemon state, in one
// SQLite file. It is health data, so the store
// - never deletes, truncates or re-creates an existing file: a damaged or foreign file, or one
//   written by a newer checkin, is reported (`StoreError`) and left exactly as it was;
// - keeps it private: directories it creates are 0700, the database and its -wal/-shm are 0600;
// - commits durably: a write has reached the disk when the call returns (synchronous=FULL).
// Nothing here reads the clock: every time is a parameter.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Errors

/// Why the journal could not be opened or written. `description` is a sentence for a person: it
/// names the file, what went wrong, SQLite's message and code, and what to do.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Hashable {
        /// Not a readable SQLite database (SQLITE_NOTADB/SQLITE_CORRUPT, `quick_check` failed), or
        /// an SQLite file that is not a checkin journal. The file was left untouched.
        case corrupt
        /// Written by a newer checkin (`user_version` above `Store.currentSchemaVersion`); untouched.
        case newerSchema
        /// The file or its directory cannot be created or written (EACCES, EPERM, EROFS, a path
        /// component that is not a directory, ...).
        case permission
        /// The file does not exist and `createIfMissing` was false.
        case missing
        /// `updatePrompt`/`recordAnswer` named a prompt that is not in the journal.
        case notFound
        /// Any other SQLite failure (constraint violations included; see `sqliteMessage`).
        case sqlite
    }

    public var code: Code
    /// The database file.
    public var path: String
    /// What was being done, e.g. "insertEntry" or "sqlite3_step (INSERT INTO entries ...)".
    public var operation: String
    /// The human explanation, without the technical details below.
    public var message: String
    /// SQLite's (extended) result code, when SQLite reported the failure.
    public var sqliteCode: Int32?
    /// SQLite's message, e.g. "CHECK constraint failed: mood BETWEEN 0 AND 100".
    public var sqliteMessage: String?
    /// The operating-system error behind the failure, if any.
    public var systemErrno: Int32?

    public init(code: Code, path: String, operation: String, message: String, sqliteCode: Int32? = nil,
                sqliteMessage: String? = nil, systemErrno: Int32? = nil) {
        self.code = code
        self.path = path
        self.operation = operation
        self.message = message
        self.sqliteCode = sqliteCode
        self.sqliteMessage = sqliteMessage
        self.systemErrno = systemErrno
    }

    public var description: String {
        var details: [String] = []
        if let sqliteCode {
            details.append("sqlite: \(sqliteMessage ?? "error") (\(sqliteCodeName(sqliteCode)), code \(sqliteCode))")
        } else if let sqliteMessage {
            details.append("sqlite: \(sqliteMessage)")
        }
        if let systemErrno { details.append("errno \(systemErrno): \(String(cString: strerror(systemErrno)))") }
        details.append("while: \(operation)")
        return "\(message) [\(details.joined(separator: "; "))]"
    }
}

// MARK: - Model

/// Where a prompt is in its life. Open states: scheduled, delivered, snoozed.
public enum PromptState: String, Sendable, CaseIterable {
    case scheduled, delivered, answered, snoozed, skipped, dismissed, expired, missed, failed

    /// Still waiting for the person (the daemon closes these out after a crash).
    public var isOpen: Bool { self == .scheduled || self == .delivered || self == .snoozed }
}

/// One prompt (a shown or planned notification) and what became of it.
public struct PromptRecord: Sendable, Equatable {
    /// A UUID string.
    public var id: String
    /// The name of the reminder in the config.
    public var reminder: String
    /// "mood" or "break".
    public var kind: String
    public var scheduledAt: Date
    public var deliveredAt: Date?
    public var notificationID: UInt32?
    public var state: PromptState
    /// When it reached its latest state after delivery (answered, snoozed, skipped, ...).
    public var outcomeAt: Date?
    /// The action key the person chose, e.g. "4", "snooze", "skip".
    public var action: String?
    public var snoozeCount: Int

    public init(id: String, reminder: String, kind: String, scheduledAt: Date, deliveredAt: Date? = nil,
                notificationID: UInt32? = nil, state: PromptState = .scheduled, outcomeAt: Date? = nil,
                action: String? = nil, snoozeCount: Int = 0) {
        self.id = id
        self.reminder = reminder
        self.kind = kind
        self.scheduledAt = scheduledAt
        self.deliveredAt = deliveredAt
        self.notificationID = notificationID
        self.state = state
        self.outcomeAt = outcomeAt
        self.action = action
        self.snoozeCount = snoozeCount
    }
}

/// One journal entry: a mood/anxiety rating with optional note and tags.
public struct Entry: Sendable, Equatable {
    /// The row id; nil before insertion (`insertEntry` with a non-nil id keeps that id).
    public var id: Int64?
    public var recordedAt: Date
    /// Seconds east of UTC at recording time (so reports show the local time it was written).
    public var utcOffset: Int
    /// 0...100 (enforced by the database).
    public var mood: Int?
    /// 0...100 (enforced by the database).
    public var anxiety: Int?
    public var note: String?
    /// Sorted, without duplicates (the initializer and the store normalize).
    public var tags: [String]
    /// "notification", "cli" or "import".
    public var source: String
    public var promptID: String?

    public init(id: Int64? = nil, recordedAt: Date, utcOffset: Int, mood: Int? = nil, anxiety: Int? = nil,
                note: String? = nil, tags: [String] = [], source: String, promptID: String? = nil) {
        self.id = id
        self.recordedAt = recordedAt
        self.utcOffset = utcOffset
        self.mood = mood
        self.anxiety = anxiety
        self.note = note
        self.tags = Entry.normalizedTags(tags)
        self.source = source
        self.promptID = promptID
    }

    static func normalizedTags(_ tags: [String]) -> [String] {
        var seen = Set<String>()
        return tags.filter { seen.insert($0).inserted }.sorted()
    }
}

// MARK: - Store

/// The SQLite journal.
///
/// Threading: every method takes an internal lock, so a `Store` may be handed between threads or
/// queues, and the connection is opened with SQLITE_OPEN_FULLMUTEX as a second line of defence.
/// Still, keep one `Store` per thread/queue (the daemon: one, used from its serial queue; the CLI:
/// its own): calls from two threads on one instance simply wait for each other. Separate instances
/// and processes on the same file are fine: WAL mode plus a 5 s busy timeout let the CLI and the
/// daemon write concurrently.
public final class Store: @unchecked Sendable {
    /// The schema this build creates and understands (`PRAGMA user_version`).
    public static let currentSchemaVersion = 2

    public let path: String
    /// The schema version of the open file (always `currentSchemaVersion` after a successful init).
    public let schemaVersion: Int

    private let lock = Lock()
    private var connection: Connection?

    /// Opens (and, if allowed, creates) the journal at `path`, then migrates it to the current
    /// schema. Never deletes or replaces an existing file; see `StoreError.Code` for failures.
    /// `verifyIntegrity: false` skips `PRAGMA quick_check`, which reads the whole file (~25 ms at
    /// 100,000 entries): for commands that only read (history, stats, export). The cheaper checks
    /// (not a database, foreign or newer schema) still run first, and SQLite still reports damage
    /// in any page a query reads (`.corrupt`).
    public init(path: String, createIfMissing: Bool = true, verifyIntegrity: Bool = true) throws(StoreError) {
        self.path = path
        let directory = FileSystem.parentDirectory(of: path)

        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw StoreError(code: .permission, path: path, operation: "stat",
                                 message: "the journal path \(path) exists but is not a regular file")
            }
        } else {
            let e = errno
            guard e == ENOENT else { throw FileSystem.error(e, path: path, operation: "stat(\(path))") }
            guard createIfMissing else {
                throw StoreError(code: .missing, path: path, operation: "stat(\(path))",
                                 message: "the journal \(path) does not exist (nothing has been recorded yet, "
                                     + "or --data-dir points elsewhere)", systemErrno: e)
            }
            try FileSystem.makeDirectories(directory, databasePath: path)
            try FileSystem.createPrivateFile(path)
        }
        try FileSystem.tightenDirectory(directory, databasePath: path)
        try FileSystem.tightenFile(path, databasePath: path)
        // SQLite must create -wal/-shm next to the file, so the directory has to be writable too.
        try FileSystem.checkAccess(directory, W_OK | X_OK, what: "directory", databasePath: path)
        try FileSystem.checkAccess(path, R_OK | W_OK, what: "file", databasePath: path)

        let connection = try Connection(path: path)
        do throws(StoreError) {
            schemaVersion = try Store.prepare(connection, verifyIntegrity: verifyIntegrity)
        } catch {
            connection.close()
            throw error
        }
        self.connection = connection
        for suffix in ["-wal", "-shm"] {
            try FileSystem.tightenFile(path + suffix, databasePath: path, mustExist: false)
        }
    }

    deinit { close() }

    /// Closes the connection (checkpointing the WAL). Idempotent; later calls throw `.sqlite`.
    public func close() {
        lock.withLock {
            connection?.close()
            connection = nil
        }
    }

    /// `$XDG_DATA_HOME/checkin/checkin.sqlite`, else `$HOME/.local/share/checkin/checkin.sqlite`.
    /// A relative `XDG_DATA_HOME` is ignored, as the XDG spec requires; without `HOME` the
    /// password database's home directory is used.
    public static func defaultPath(environment: [String: String]) -> String {
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") {
            return FileSystem.join(data, "checkin/checkin.sqlite")
        }
        var home = environment["HOME"] ?? ""
        if home.isEmpty, let pw = getpwuid(geteuid()), let dir = pw.pointee.pw_dir {
            home = String(cString: dir)
        }
        if home.isEmpty { home = "/" }
        return FileSystem.join(home, ".local/share/checkin/checkin.sqlite")
    }

    // MARK: Opening and migrations

    /// Checks the file before anything writes to it, sets the connection up and migrates.
    private static func prepare(_ c: Connection, verifyIntegrity: Bool) throws(StoreError) -> Int {
        let path = c.path
        if c.isReadOnly {
            throw StoreError(code: .permission, path: path, operation: "sqlite3_open_v2",
                             message: "the journal \(path) can only be opened read-only by this user")
        }
        try c.setBusyTimeout(milliseconds: 5000)

        // Read-only checks first: a file we do not understand must not be written to at all
        // (changing the journal mode would rewrite its header).
        let version = try c.scalarInt("PRAGMA user_version")   // garbage -> SQLITE_NOTADB -> .corrupt
        if version > currentSchemaVersion { throw newerSchemaError(path: path, version: version) }
        let check = verifyIntegrity ? try c.scalarText("PRAGMA quick_check") ?? "no result" : "ok"
        guard check == "ok" else {
            // The report can run to pages; the first lines say enough.
            let lines = check.split(separator: "\n").prefix(4).joined(separator: "; ")
            throw StoreError(code: .corrupt, path: path, operation: "PRAGMA quick_check",
                             message: StoreError.corruptMessage(path: path),
                             sqliteMessage: "quick_check: " + String(lines.prefix(400)))
        }
        if version == 0, try c.scalarInt("SELECT count(*) FROM sqlite_schema") > 0 {
            throw StoreError(code: .corrupt, path: path, operation: "checking schema",
                             message: "the file \(path) is an SQLite database but not a checkin journal "
                                 + "(it has tables but no checkin schema version). It was left untouched. "
                                 + "Move it aside or point --data-dir elsewhere")
        }

        // WAL: readers never block the writer, and the CLI and the daemon write concurrently.
        let mode = try c.scalarText("PRAGMA journal_mode=WAL")
        guard mode?.lowercased() == "wal" else {
            throw StoreError(code: .sqlite, path: path, operation: "PRAGMA journal_mode=WAL",
                             message: "could not switch the journal \(path) to WAL mode (got \(mode ?? "nothing")); "
                                 + "the file system may not support shared memory (network file system?)")
        }
        // FULL, not NORMAL: in WAL mode NORMAL survives an application crash but a power loss can
        // roll back the last commits. An answer is written a few times an hour, so one extra fsync
        // per commit costs nothing noticeable and "recorded" really means on disk.
        try c.execute("PRAGMA synchronous=FULL", operation: "PRAGMA synchronous")
        try c.execute("PRAGMA foreign_keys=ON", operation: "PRAGMA foreign_keys")

        for (target, sql) in migrations where target > version {
            // Each step in its own IMMEDIATE transaction; re-read the version inside it, because
            // another process (CLI vs daemon) may have migrated in the meantime.
            try c.transaction("migrating the journal to schema \(target)") { () throws(StoreError) in
                let now = try c.scalarInt("PRAGMA user_version")
                if now > currentSchemaVersion { throw newerSchemaError(path: path, version: now) }
                guard now < target else { return }
                try c.execute(sql, operation: "migration to schema \(target)")
                try c.execute("PRAGMA user_version = \(target)", operation: "migration to schema \(target)")
            }
        }
        return try c.scalarInt("PRAGMA user_version")
    }

    private static func newerSchemaError(path: String, version: Int) -> StoreError {
        StoreError(code: .newerSchema, path: path, operation: "PRAGMA user_version",
                   message: "the journal \(path) has schema version \(version) and was written by a newer "
                       + "checkin (this one understands up to version \(currentSchemaVersion)). It was left "
                       + "untouched; use the newer checkin")
    }

    /// Schema steps: (version reached, SQL). Append only; never edit a released step.
    static let migrations: [(Int, String)] = [
        (1, """
            CREATE TABLE prompts (
                id              TEXT PRIMARY KEY NOT NULL,             -- UUID string
                reminder        TEXT NOT NULL,
                kind            TEXT NOT NULL,                         -- 'mood' | 'break'
                scheduled_at    REAL NOT NULL,                         -- unix seconds
                delivered_at    REAL,
                notification_id INTEGER CHECK (notification_id BETWEEN 0 AND 4294967295),
                state           TEXT NOT NULL CHECK (state IN ('scheduled', 'delivered', 'answered',
                                    'snoozed', 'skipped', 'dismissed', 'expired', 'missed', 'failed')),
                outcome_at      REAL,
                action          TEXT,                                  -- action key chosen: "4", "snooze"
                snooze_count    INTEGER NOT NULL DEFAULT 0 CHECK (snooze_count >= 0)
            );
            CREATE INDEX prompts_scheduled_at ON prompts(scheduled_at);

            CREATE TABLE entries (
                id          INTEGER PRIMARY KEY,
                recorded_at REAL NOT NULL,                             -- unix seconds
                utc_offset  INTEGER NOT NULL CHECK (utc_offset BETWEEN -86400 AND 86400),
                mood        INTEGER CHECK (mood BETWEEN 0 AND 100),
                anxiety     INTEGER CHECK (anxiety BETWEEN 0 AND 100),
                note        TEXT,
                source      TEXT NOT NULL,                             -- 'notification' | 'cli' | 'import'
                prompt_id   TEXT REFERENCES prompts(id)
            );
            CREATE INDEX entries_recorded_at ON entries(recorded_at);
            CREATE INDEX entries_prompt_id ON entries(prompt_id);

            CREATE TABLE entry_tags (
                entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
                tag      TEXT NOT NULL CHECK (tag <> ''),
                PRIMARY KEY (entry_id, tag)
            ) WITHOUT ROWID;

            CREATE TABLE state (
                key   TEXT PRIMARY KEY NOT NULL,
                value TEXT NOT NULL
            ) WITHOUT ROWID;
            """),
        // Questionnaire responses (one row per completed response, its answers per item) and uses
        // of tracked items.
        (2, """
            CREATE TABLE questionnaire_responses (
                id            INTEGER PRIMARY KEY,
                questionnaire TEXT NOT NULL CHECK (questionnaire <> ''),   -- 'phq2', or a config name
                started_at    REAL NOT NULL,                               -- unix seconds
                completed_at  REAL NOT NULL CHECK (completed_at >= started_at),
                utc_offset    INTEGER NOT NULL CHECK (utc_offset BETWEEN -86400 AND 86400),
                total         INTEGER NOT NULL,
                source        TEXT NOT NULL,                               -- 'notification' | 'cli' | 'import'
                prompt_id     TEXT REFERENCES prompts(id)
            );
            CREATE INDEX questionnaire_responses_completed_at ON questionnaire_responses(completed_at);

            CREATE TABLE questionnaire_answers (
                response_id INTEGER NOT NULL REFERENCES questionnaire_responses(id) ON DELETE CASCADE,
                item        INTEGER NOT NULL CHECK (item >= 0),            -- 0-based item index
                value       INTEGER NOT NULL CHECK (value BETWEEN 0 AND 100),
                PRIMARY KEY (response_id, item)
            ) WITHOUT ROWID;

            CREATE TABLE uses (
                id         INTEGER PRIMARY KEY,
                item       TEXT NOT NULL CHECK (item <> ''),               -- a tracked item's name
                amount     REAL NOT NULL CHECK (amount > 0),
                used_at    REAL NOT NULL,                                  -- unix seconds
                utc_offset INTEGER NOT NULL CHECK (utc_offset BETWEEN -86400 AND 86400),
                source     TEXT NOT NULL                                   -- 'cli' | 'notification' | 'import'
            );
            CREATE INDEX uses_used_at ON uses(used_at);
            """),
    ]

    // MARK: Access

    /// Internal (not private) so the extensions in Store+Insight.swift can use the connection.
    func withConnection<T>(_ body: (Connection) throws(StoreError) -> T) throws(StoreError) -> T {
        try lock.withLock { () throws(StoreError) -> T in
            guard let connection else {
                throw StoreError(code: .sqlite, path: path, operation: "using the store",
                                 message: "the journal \(path) is already closed")
            }
            return try body(connection)
        }
    }

    // MARK: Prompts

    static let promptColumns =
        "id, reminder, kind, scheduled_at, delivered_at, notification_id, state, outcome_at, action, snooze_count"

    func decodePrompt(_ s: Statement) throws(StoreError) -> PromptRecord {
        let raw = s.text(6)
        guard let state = PromptState(rawValue: raw) else {
            throw StoreError(code: .sqlite, path: path, operation: "reading prompts",
                             message: "the journal \(path) has a prompt in unknown state '\(raw)'")
        }
        return PromptRecord(
            id: s.text(0), reminder: s.text(1), kind: s.text(2),
            scheduledAt: Date(timeIntervalSince1970: s.double(3)),
            deliveredAt: s.optionalDouble(4).map(Date.init(timeIntervalSince1970:)),
            notificationID: s.optionalInt64(5).flatMap { UInt32(exactly: $0) },
            state: state,
            outcomeAt: s.optionalDouble(7).map(Date.init(timeIntervalSince1970:)),
            action: s.optionalText(8),
            snoozeCount: s.int(9))
    }

    public func insertPrompt(_ p: PromptRecord) throws(StoreError) {
        try withConnection { (c) throws(StoreError) -> Void in
            try c.run("INSERT INTO prompts (\(Store.promptColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                .text(p.id), .text(p.reminder), .text(p.kind), .real(p.scheduledAt.timeIntervalSince1970),
                .real(p.deliveredAt?.timeIntervalSince1970), .integer(p.notificationID.map(Int64.init)),
                .text(p.state.rawValue), .real(p.outcomeAt?.timeIntervalSince1970), .text(p.action),
                .integer(Int64(p.snoozeCount)),
            ])
        }
    }

    /// Moves a prompt to `state`. `at` is when that happened: it becomes `deliveredAt` for
    /// `.delivered` (unless `deliveredAt` is given) and `outcomeAt` for every state except
    /// `.scheduled` and `.delivered`. Nil optional arguments leave the column unchanged.
    /// Throws `.notFound` for an unknown id.
    public func updatePrompt(id: String, state: PromptState, at: Date, action: String? = nil,
                             deliveredAt: Date? = nil, notificationID: UInt32? = nil,
                             snoozeCount: Int? = nil) throws(StoreError) {
        try withConnection { (c) throws(StoreError) in
            try updatePrompt(c, id: id, state: state, at: at, action: action, deliveredAt: deliveredAt,
                             notificationID: notificationID, snoozeCount: snoozeCount,
                             operation: "updatePrompt")
        }
    }

    func updatePrompt(_ c: Connection, id: String, state: PromptState, at: Date, action: String?,
                              deliveredAt: Date?, notificationID: UInt32?, snoozeCount: Int?,
                              operation: String) throws(StoreError) {
        let delivered = deliveredAt ?? (state == .delivered ? at : nil)
        let outcome = (state == .scheduled || state == .delivered) ? nil : at
        let changed = try c.run("""
            UPDATE prompts SET state = ?1, delivered_at = coalesce(?2, delivered_at),
                outcome_at = coalesce(?3, outcome_at), action = coalesce(?4, action),
                notification_id = coalesce(?5, notification_id), snooze_count = coalesce(?6, snooze_count)
            WHERE id = ?7
            """, [.text(state.rawValue), .real(delivered?.timeIntervalSince1970),
                  .real(outcome?.timeIntervalSince1970), .text(action),
                  .integer(notificationID.map(Int64.init)), .integer(snoozeCount), .text(id)])
        guard changed == 1 else {
            throw StoreError(code: .notFound, path: path, operation: operation,
                             message: "the journal \(path) has no prompt with id \(id)")
        }
    }

    public func prompt(id: String) throws(StoreError) -> PromptRecord? {
        try withConnection { (c) throws(StoreError) in
            try c.query("SELECT \(Store.promptColumns) FROM prompts WHERE id = ?", [.text(id)],
                        row: decodePrompt).first
        }
    }

    /// Prompts scheduled in [since, until) (either bound optional), ordered by scheduled time.
    public func prompts(since: Date?, until: Date?) throws(StoreError) -> [PromptRecord] {
        let (clause, values) = Store.range("scheduled_at", since, until)
        return try withConnection { (c) throws(StoreError) in
            try c.query("SELECT \(Store.promptColumns) FROM prompts\(clause) ORDER BY scheduled_at, id",
                        values, row: decodePrompt)
        }
    }

    /// Prompts still scheduled, delivered or snoozed, ordered by scheduled time.
    public func openPrompts() throws(StoreError) -> [PromptRecord] {
        try withConnection { (c) throws(StoreError) in
            try c.query("""
                SELECT \(Store.promptColumns) FROM prompts
                WHERE state IN ('scheduled', 'delivered', 'snoozed') ORDER BY scheduled_at, id
                """, row: decodePrompt)
        }
    }

    /// Prompts scheduled in [from, to), in `state` (nil: any state).
    public func countPrompts(state: PromptState?, from: Date, to: Date) throws(StoreError) -> Int {
        try withConnection { (c) throws(StoreError) in
            try c.query("""
                SELECT count(*) FROM prompts
                WHERE scheduled_at >= ?1 AND scheduled_at < ?2 AND (?3 IS NULL OR state = ?3)
                """, [.real(from.timeIntervalSince1970), .real(to.timeIntervalSince1970), .text(state?.rawValue)],
                row: { $0.int(0) }).first ?? 0
        }
    }

    // MARK: Entries

    /// Inserts the entry and its tags in one transaction; durable when it returns. Returns the id.
    @discardableResult
    public func insertEntry(_ e: Entry) throws(StoreError) -> Int64 {
        try withConnection { (c) throws(StoreError) in
            try c.transaction("insertEntry") { () throws(StoreError) in try insertEntry(c, e) }
        }
    }

    private func insertEntry(_ c: Connection, _ e: Entry) throws(StoreError) -> Int64 {
        try c.run("""
            INSERT INTO entries (id, recorded_at, utc_offset, mood, anxiety, note, source, prompt_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(e.id), .real(e.recordedAt.timeIntervalSince1970), .integer(Int64(e.utcOffset)),
                  .integer(e.mood), .integer(e.anxiety), .text(e.note), .text(e.source), .text(e.promptID)])
        let id = c.lastInsertRowID
        for tag in Entry.normalizedTags(e.tags) {
            try c.run("INSERT INTO entry_tags (entry_id, tag) VALUES (?, ?)", [.integer(id), .text(tag)])
        }
        return id
    }

    /// Records the person's answer to a prompt: moves the prompt to `state` (outcome time `at`,
    /// `action`) and, if given, inserts `entry` linked to the prompt (its `promptID` is set to
    /// `promptID`) — all in one transaction, so either both happen or neither. Returns the entry id.
    @discardableResult
    public func recordAnswer(promptID: String, state: PromptState, at: Date, action: String,
                             entry: Entry?) throws(StoreError) -> Int64? {
        try withConnection { (c) throws(StoreError) in
            try c.transaction("recordAnswer") { () throws(StoreError) -> Int64? in
                try updatePrompt(c, id: promptID, state: state, at: at, action: action, deliveredAt: nil,
                                 notificationID: nil, snoozeCount: nil, operation: "recordAnswer")
                guard var entry else { return nil }
                entry.promptID = promptID
                return try insertEntry(c, entry)
            }
        }
    }

    /// Sets one measure of an existing entry (the follow-up question's answer).
    public func updateEntry(id: Int64, measure: Measure, value: Int) throws(StoreError) {
        let column = measure == .mood ? "mood" : "anxiety"   // a fixed name, never user text
        try updateEntry(id: id, sql: "UPDATE entries SET \(column) = ? WHERE id = ?", [.integer(value), .integer(id)],
                        operation: "updateEntry(\(column))")
    }

    /// Sets the note of an existing entry (an inline reply that came after the answer).
    public func updateEntry(id: Int64, note: String) throws(StoreError) {
        try updateEntry(id: id, sql: "UPDATE entries SET note = ? WHERE id = ?", [.text(note), .integer(id)],
                        operation: "updateEntry(note)")
    }

    private func updateEntry(id: Int64, sql: String, _ values: [SQLValue], operation: String) throws(StoreError) {
        try withConnection { (c) throws(StoreError) in
            try c.transaction(operation) { () throws(StoreError) in
                guard try c.run(sql, values) == 1 else {
                    throw StoreError(code: .notFound, path: path, operation: operation, message: "no entry \(id)")
                }
            }
        }
    }

    /// Entries recorded in [since, until) (either bound optional), ordered by time, tags filled
    /// (two queries in one read transaction, not one per entry).
    public func entries(since: Date?, until: Date?) throws(StoreError) -> [Entry] {
        let (clause, values) = Store.range("e.recorded_at", since, until)
        return try withConnection { (c) throws(StoreError) in
            try c.transaction("entries", immediate: false) { () throws(StoreError) -> [Entry] in
                var tags: [Int64: [String]] = [:]
                for (id, tag) in try c.query(
                    "SELECT t.entry_id, t.tag FROM entry_tags t JOIN entries e ON e.id = t.entry_id\(clause)",
                    values, row: { ($0.int64(0), $0.text(1)) }) {
                    tags[id, default: []].append(tag)
                }
                return try c.query("""
                    SELECT e.id, e.recorded_at, e.utc_offset, e.mood, e.anxiety, e.note, e.source, e.prompt_id
                    FROM entries e\(clause) ORDER BY e.recorded_at, e.id
                    """, values) { s in
                    Entry(id: s.int64(0), recordedAt: Date(timeIntervalSince1970: s.double(1)),
                          utcOffset: s.int(2), mood: s.optionalInt(3), anxiety: s.optionalInt(4),
                          note: s.optionalText(5), tags: tags[s.int64(0)] ?? [], source: s.text(6),
                          promptID: s.optionalText(7))
                }
            }
        }
    }

    /// Entries recorded in [from, to).
    public func countEntries(from: Date, to: Date) throws(StoreError) -> Int {
        try withConnection { (c) throws(StoreError) in
            try c.query("SELECT count(*) FROM entries WHERE recorded_at >= ? AND recorded_at < ?",
                        [.real(from.timeIntervalSince1970), .real(to.timeIntervalSince1970)],
                        row: { $0.int(0) }).first ?? 0
        }
    }

    // MARK: Daemon state

    public func stateValue(_ key: String) throws(StoreError) -> String? {
        try withConnection { (c) throws(StoreError) in
            try c.query("SELECT value FROM state WHERE key = ?", [.text(key)], row: { $0.text(0) }).first
        }
    }

    /// Sets `key` to `value`; nil removes it.
    public func setStateValue(_ key: String, _ value: String?) throws(StoreError) {
        try withConnection { (c) throws(StoreError) -> Void in
            if let value {
                try c.run("""
                    INSERT INTO state (key, value) VALUES (?1, ?2)
                    ON CONFLICT(key) DO UPDATE SET value = excluded.value
                    """, [.text(key), .text(value)])
            } else {
                try c.run("DELETE FROM state WHERE key = ?", [.text(key)])
            }
        }
    }

    // MARK: Helpers

    /// A WHERE clause for [since, until) on `column`; separate SQL per combination so the index
    /// on the column is used (an `?1 IS NULL OR` form would defeat it).
    private static func range(_ column: String, _ since: Date?, _ until: Date?) -> (String, [SQLValue]) {
        var terms: [String] = []
        var values: [SQLValue] = []
        if let since {
            terms.append("\(column) >= ?")
            values.append(.real(since.timeIntervalSince1970))
        }
        if let until {
            terms.append("\(column) < ?")
            values.append(.real(until.timeIntervalSince1970))
        }
        return (terms.isEmpty ? "" : " WHERE " + terms.joined(separator: " AND "), values)
    }

    /// For tests: the value of a pragma on this connection.
    func pragma(_ name: String) throws(StoreError) -> String? {
        try withConnection { (c) throws(StoreError) in try c.scalarText("PRAGMA \(name)") }
    }
}

// MARK: - File system

/// The few POSIX calls the store needs, each failure turned into a `StoreError` naming the path.
enum FileSystem {
    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    static func join(_ base: String, _ rest: String) -> String {
        base.hasSuffix("/") ? base + rest : base + "/" + rest
    }

    static func error(_ e: Int32, path: String, operation: String, subject: String? = nil) -> StoreError {
        let code: StoreError.Code = e == ENOENT ? .missing : .permission
        let what = subject ?? "the journal \(path)"
        return StoreError(code: code, path: path, operation: operation,
                          message: "cannot create or write \(what): \(String(cString: strerror(e)))",
                          systemErrno: e)
    }

    /// `mkdir -p` with mode 0700 for every directory it creates (XDG base directory spec). Failing
    /// here, even with ENOENT, is a `.permission` error: the location is unusable.
    static func makeDirectories(_ directory: String, databasePath: String) throws(StoreError) {
        var prefix = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            prefix += "/" + component
            var info = stat()
            if stat(prefix, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw StoreError(code: .permission, path: databasePath, operation: "mkdir(\(prefix))",
                                     message: "cannot create the journal \(databasePath): \(prefix) is not a directory",
                                     systemErrno: ENOTDIR)
                }
                continue
            }
            if mkdir(prefix, 0o700) != 0 {
                let e = errno
                if e == EEXIST { continue }   // created concurrently
                var failure = error(e, path: databasePath, operation: "mkdir(\(prefix))",
                                    subject: "the directory \(prefix) for the journal \(databasePath)")
                if failure.code == .missing { failure.code = .permission }
                throw failure
            }
            // mkdir's mode is filtered by the umask; make it exactly 0700.
            if chmod(prefix, 0o700) != 0 {
                throw error(errno, path: databasePath, operation: "chmod(\(prefix), 0700)")
            }
        }
    }

    /// Creates the database file with mode 0600 (explicitly, not through the process-wide umask,
    /// which other threads may be relying on). An existing file (created concurrently) is kept.
    static func createPrivateFile(_ path: String) throws(StoreError) {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            let e = errno
            if e == EEXIST { return }
            var failure = error(e, path: path, operation: "open(\(path), O_CREAT|O_EXCL, 0600)")
            if failure.code == .missing { failure.code = .permission }
            throw failure
        }
        defer { _ = close(fd) }
        if fchmod(fd, 0o600) != 0 {
            throw error(errno, path: path, operation: "fchmod(\(path), 0600)")
        }
    }

    /// Tightens the journal's own directory to 0700, but only if it is called `checkin` and owned
    /// by us: a user-chosen `--data-dir` such as ~/Documents is not ours to change.
    static func tightenDirectory(_ directory: String, databasePath: String) throws(StoreError) {
        guard directory.split(separator: "/").last == "checkin" else { return }
        var info = stat()
        guard stat(directory, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o077 != 0 else { return }
        if chmod(directory, 0o700) != 0 {
            throw error(errno, path: databasePath, operation: "chmod(\(directory), 0700)")
        }
    }

    /// Makes a file we own mode 0600 (the database, its -wal and -shm).
    static func tightenFile(_ file: String, databasePath: String, mustExist: Bool = true) throws(StoreError) {
        var info = stat()
        guard stat(file, &info) == 0 else {
            let e = errno
            if !mustExist && e == ENOENT { return }
            throw error(e, path: databasePath, operation: "stat(\(file))")
        }
        guard info.st_uid == geteuid(), info.st_mode & 0o777 != 0o600 else { return }
        if chmod(file, 0o600) != 0 {
            throw error(errno, path: databasePath, operation: "chmod(\(file), 0600)")
        }
    }

    static func checkAccess(_ file: String, _ mode: Int32, what: String, databasePath: String) throws(StoreError) {
        guard access(file, mode) == 0 else {
            let e = errno
            var failure = error(e, path: databasePath, operation: "access(\(file))",
                                subject: what == "file" ? nil : "the \(what) \(file) of the journal \(databasePath)")
            if failure.code == .missing { failure.code = .permission }
            throw failure
        }
    }
}
