// A deliberately small wrapper over the SQLite C API (libsqlite3 3.40 through the CSQLite system
// library target). We do not use GRDB: it needs full Foundation (~9 MiB RSS in the daemon).
//
// Rules kept here, so that Store.swift never touches a raw pointer:
// - every sqlite3_* return code is checked and turned into a `StoreError` naming the operation and
//   the SQL (the way swift-system's syscall wrappers name the failing call);
// - strings are bound with SQLITE_TRANSIENT and an explicit byte count (embedded NULs survive);
// - statements are finalized in deinit; the connection finalizes its cached statements before
//   `sqlite3_close_v2`.

import CSQLite

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SQLite copies the bytes of a value bound with this destructor before `sqlite3_bind_*` returns.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A value bound to a statement parameter.
enum SQLValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    static func integer(_ v: Int64?) -> SQLValue { v.map { .integer($0) } ?? .null }
    static func integer(_ v: Int?) -> SQLValue { v.map { .integer(Int64($0)) } ?? .null }
    static func real(_ v: Double?) -> SQLValue { v.map { .real($0) } ?? .null }
    static func text(_ v: String?) -> SQLValue { v.map { .text($0) } ?? .null }
}

/// One prepared statement. Not shared between connections; owned by `Connection`'s cache or by
/// the caller. Finalized in deinit.
final class Statement {
    let handle: OpaquePointer
    let sql: String
    private let db: OpaquePointer
    private let path: String

    fileprivate init(db: OpaquePointer, path: String, sql: String, persistent: Bool) throws(StoreError) {
        var stmt: OpaquePointer?
        let flags: UInt32 = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let rc = sqlite3_prepare_v3(db, sql, -1, flags, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            sqlite3_finalize(stmt)
            throw StoreError.sqlite(rc, db: db, path: path, operation: "sqlite3_prepare_v3 (\(sql))")
        }
        self.handle = stmt
        self.sql = sql
        self.db = db
        self.path = path
    }

    deinit { sqlite3_finalize(handle) }

    private func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(StoreError) {
        guard rc == SQLITE_OK else {
            throw StoreError.sqlite(rc, db: db, path: path, operation: "\(operation()) (\(sql))")
        }
    }

    /// Binds `values` to parameters 1...n after clearing previous bindings.
    func bind(_ values: [SQLValue]) throws(StoreError) {
        try check(sqlite3_clear_bindings(handle), "sqlite3_clear_bindings")
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null:
                try check(sqlite3_bind_null(handle, index), "sqlite3_bind_null(\(index))")
            case .integer(let v):
                try check(sqlite3_bind_int64(handle, index, v), "sqlite3_bind_int64(\(index))")
            case .real(let v):
                try check(sqlite3_bind_double(handle, index, v), "sqlite3_bind_double(\(index))")
            case .text(let v):
                var copy = v
                let rc = copy.withUTF8 { bytes -> Int32 in
                    guard let base = bytes.baseAddress, !bytes.isEmpty else {
                        // A non-null pointer, so "" is bound as '' and not as NULL.
                        return sqlite3_bind_text(handle, index, "", 0, SQLITE_TRANSIENT)
                    }
                    return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { chars in
                        sqlite3_bind_text64(handle, index, chars, UInt64(bytes.count),
                                            SQLITE_TRANSIENT, UInt8(SQLITE_UTF8))
                    }
                }
                try check(rc, "sqlite3_bind_text64(\(index))")
            }
        }
    }

    /// Advances the statement: `true` when a row is available, `false` when done.
    func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw StoreError.sqlite(rc, db: db, path: path, operation: "sqlite3_step (\(sql))")
        }
    }

    /// Resets the statement so it can run again (and releases its read lock). The return value of
    /// sqlite3_reset repeats the last step's error, which `step` has already reported.
    func reset() { sqlite3_reset(handle) }

    // MARK: Column readers (index is 0-based, as in the C API)

    func isNull(_ i: Int32) -> Bool { sqlite3_column_type(handle, i) == SQLITE_NULL }
    func int64(_ i: Int32) -> Int64 { sqlite3_column_int64(handle, i) }
    func int(_ i: Int32) -> Int { Int(sqlite3_column_int64(handle, i)) }
    func double(_ i: Int32) -> Double { sqlite3_column_double(handle, i) }
    func optionalInt64(_ i: Int32) -> Int64? { isNull(i) ? nil : int64(i) }
    func optionalInt(_ i: Int32) -> Int? { isNull(i) ? nil : int(i) }
    func optionalDouble(_ i: Int32) -> Double? { isNull(i) ? nil : double(i) }

    func text(_ i: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, i) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, i))   // after column_text, per the docs
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func optionalText(_ i: Int32) -> String? { isNull(i) ? nil : text(i) }
}

/// One SQLite connection plus a cache of prepared statements. Not thread-safe by itself: `Store`
/// serializes every use behind its lock.
final class Connection {
    private(set) var handle: OpaquePointer?
    let path: String
    private var cache: [String: Statement] = [:]

    /// Opens an existing file read-write. Never passes SQLITE_OPEN_CREATE: `Store` creates the file
    /// itself with mode 0600, so SQLite can never silently create (or re-create) a journal.
    init(path: String) throws(StoreError) {
        self.path = path
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = StoreError.sqlite(rc, db: db, path: path, operation: "sqlite3_open_v2")
            sqlite3_close_v2(db)
            throw error
        }
        handle = db
    }

    deinit { close() }

    /// Finalizes cached statements and closes the handle. Idempotent.
    func close() {
        cache.removeAll()
        if let handle {
            sqlite3_close_v2(handle)
            self.handle = nil
        }
    }

    func db(_ operation: String) throws(StoreError) -> OpaquePointer {
        guard let handle else {
            throw StoreError(code: .sqlite, path: path, operation: operation,
                             message: "the journal \(path) is already closed")
        }
        return handle
    }

    /// Runs one or more statements without results (schema, BEGIN/COMMIT, pragmas that set).
    func execute(_ sql: String, operation: String) throws(StoreError) {
        let db = try db(operation)
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &errmsg)
        let message = errmsg.map { String(cString: $0) }
        sqlite3_free(errmsg)
        guard rc == SQLITE_OK else {
            var error = StoreError.sqlite(rc, db: db, path: path, operation: "\(operation): \(sql)")
            if let message { error.sqliteMessage = message }
            throw error
        }
    }

    /// A cached prepared statement for `sql`.
    func statement(_ sql: String) throws(StoreError) -> Statement {
        if let cached = cache[sql] { return cached }
        let statement = try Statement(db: try db("prepare"), path: path, sql: sql, persistent: true)
        cache[sql] = statement
        return statement
    }

    /// Runs `sql` with `values`, calling `row` for each result row.
    func query<T>(_ sql: String, _ values: [SQLValue] = [],
                  row: (Statement) throws(StoreError) -> T) throws(StoreError) -> [T] {
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.bind(values)
        var rows: [T] = []
        while try statement.step() { rows.append(try row(statement)) }
        return rows
    }

    /// Runs a statement without results; returns the number of changed rows.
    @discardableResult
    func run(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> Int {
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() {}
        return Int(sqlite3_changes64(try db("sqlite3_changes64")))
    }

    var lastInsertRowID: Int64 { handle.map { sqlite3_last_insert_rowid($0) } ?? 0 }

    /// Runs `body` in a transaction. IMMEDIATE takes the write lock up front, so the busy timeout
    /// applies there and a write never fails half-way with SQLITE_BUSY_SNAPSHOT. On any error the
    /// transaction is rolled back and the error rethrown.
    func transaction<T>(_ operation: String, immediate: Bool = true,
                        _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", operation: operation)
        do throws(StoreError) {
            let result = try body()
            try execute("COMMIT", operation: operation)
            return result
        } catch {
            // ROLLBACK can only fail if there is no transaction left (SQLite already rolled back
            // after e.g. SQLITE_FULL); the original error is the one worth reporting.
            if let handle, sqlite3_get_autocommit(handle) == 0 {
                sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            }
            throw error
        }
    }

    /// The single value of a pragma or one-value query, as text.
    func scalarText(_ sql: String) throws(StoreError) -> String? {
        // Not cached: pragmas are prepared once at open.
        let statement = try Statement(db: try db("prepare"), path: path, sql: sql, persistent: false)
        guard try statement.step() else { return nil }
        return statement.optionalText(0)
    }

    func scalarInt(_ sql: String) throws(StoreError) -> Int {
        let statement = try Statement(db: try db("prepare"), path: path, sql: sql, persistent: false)
        guard try statement.step() else { return 0 }
        return statement.int(0)
    }

    func setBusyTimeout(milliseconds: Int32) throws(StoreError) {
        let db = try db("sqlite3_busy_timeout")
        let rc = sqlite3_busy_timeout(db, milliseconds)
        guard rc == SQLITE_OK else {
            throw StoreError.sqlite(rc, db: db, path: path, operation: "sqlite3_busy_timeout")
        }
    }

    /// Whether SQLite fell back to read-only access (it silently does so when the file cannot be
    /// opened for writing).
    var isReadOnly: Bool { handle.map { sqlite3_db_readonly($0, "main") == 1 } ?? true }
}

// MARK: - Mapping result codes to StoreError

extension StoreError {
    /// Classifies an SQLite result code: NOTADB/CORRUPT -> `.corrupt`; READONLY/PERM/AUTH and
    /// CANTOPEN/IOERR caused by EACCES/EPERM/EROFS -> `.permission`; CANTOPEN caused by ENOENT ->
    /// `.missing`; anything else -> `.sqlite`.
    static func sqlite(_ rc: Int32, db: OpaquePointer?, path: String, operation: String) -> StoreError {
        let primary = rc & 0xFF
        let systemErrno: Int32? = db.map { sqlite3_system_errno($0) }.flatMap { $0 == 0 ? nil : $0 }
        var sqliteMessage = String(cString: sqlite3_errstr(rc))
        // errmsg has the detail ("CHECK constraint failed: mood") for the call that just failed.
        if let db, sqlite3_errcode(db) != SQLITE_OK, let m = sqlite3_errmsg(db) {
            sqliteMessage = String(cString: m)
        }
        let code: Code
        let message: String
        let permissionErrno = systemErrno.map { [EACCES, EPERM, EROFS].contains($0) } ?? false
        switch primary {
        case SQLITE_NOTADB, SQLITE_CORRUPT:
            code = .corrupt
            message = StoreError.corruptMessage(path: path)
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_AUTH:
            code = .permission
            message = "the journal \(path) (or its directory) is not writable by this user"
        case SQLITE_CANTOPEN where systemErrno == ENOENT:
            code = .missing
            message = "the journal \(path) does not exist"
        case SQLITE_CANTOPEN where permissionErrno, SQLITE_IOERR where permissionErrno:
            code = .permission
            message = "the journal \(path) (or its directory) is not writable by this user"
        default:
            code = .sqlite
            message = "SQLite failed on the journal \(path)"
        }
        return StoreError(code: code, path: path, operation: operation, message: message,
                          sqliteCode: rc, sqliteMessage: sqliteMessage, systemErrno: systemErrno)
    }

    static func corruptMessage(path: String) -> String {
        "the journal \(path) is not a readable SQLite database (damaged, or not a checkin journal). "
            + "It was left untouched. Move it aside (mv '\(path)' '\(path).broken') and start checkin "
            + "again to begin a new journal, or restore it from a backup"
    }
}

/// Names of SQLite's primary result codes, for error descriptions.
func sqliteCodeName(_ rc: Int32) -> String {
    switch rc & 0xFF {
    case SQLITE_ERROR: return "SQLITE_ERROR"
    case SQLITE_INTERNAL: return "SQLITE_INTERNAL"
    case SQLITE_PERM: return "SQLITE_PERM"
    case SQLITE_ABORT: return "SQLITE_ABORT"
    case SQLITE_BUSY: return "SQLITE_BUSY"
    case SQLITE_LOCKED: return "SQLITE_LOCKED"
    case SQLITE_NOMEM: return "SQLITE_NOMEM"
    case SQLITE_READONLY: return "SQLITE_READONLY"
    case SQLITE_INTERRUPT: return "SQLITE_INTERRUPT"
    case SQLITE_IOERR: return "SQLITE_IOERR"
    case SQLITE_CORRUPT: return "SQLITE_CORRUPT"
    case SQLITE_NOTFOUND: return "SQLITE_NOTFOUND"
    case SQLITE_FULL: return "SQLITE_FULL"
    case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN"
    case SQLITE_PROTOCOL: return "SQLITE_PROTOCOL"
    case SQLITE_SCHEMA: return "SQLITE_SCHEMA"
    case SQLITE_TOOBIG: return "SQLITE_TOOBIG"
    case SQLITE_CONSTRAINT: return "SQLITE_CONSTRAINT"
    case SQLITE_MISMATCH: return "SQLITE_MISMATCH"
    case SQLITE_MISUSE: return "SQLITE_MISUSE"
    case SQLITE_AUTH: return "SQLITE_AUTH"
    case SQLITE_RANGE: return "SQLITE_RANGE"
    case SQLITE_NOTADB: return "SQLITE_NOTADB"
    default: return "SQLITE_\(rc & 0xFF)"
    }
}

/// A plain pthread mutex (FoundationEssentials has no NSLock; `Synchronization.Mutex` needs
/// macOS 15 availability annotations the package does not declare).
final class Lock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
