#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// Chooses and installs the swift-log backend for a process.
///
/// systemd tells a service that its stderr is connected to the journal by setting
/// `$JOURNAL_STREAM=<st_dev>:<st_ino>` of that stream (`systemd.exec(5)`); when it matches fd 2
/// exactly we write native journal entries (structured fields, priorities), otherwise readable
/// lines on stderr. `CHECKIN_LOG=journal|stderr` overrides the choice, `CHECKIN_LOG_LEVEL` the level.
public enum LoggingSetup {
    public enum Backend: String, Sendable, Equatable, CaseIterable {
        case journal
        case stderr
    }

    /// Installs the backend for the whole process (`LoggingSystem.bootstrap`, callable once).
    /// Returns the backend and level chosen, for a first log line.
    @discardableResult
    public static func bootstrap(
        identifier: String,
        environment: [String: String] = processEnvironment(),
        level: Logger.Level = .info
    ) -> (backend: Backend, level: Logger.Level) {
        let backend = backend(environment: environment, stderrDevice: stderrDevice())
        let level = logLevel(environment: environment, default: level)
        LoggingSystem.bootstrap(makeFactory(identifier: identifier, backend: backend, level: level))
        return (backend, level)
    }

    /// The backend selection, pure: `CHECKIN_LOG` (`journal`/`stderr`, case-insensitive) wins;
    /// otherwise `.journal` iff `JOURNAL_STREAM` parses as `DEV:INODE` (decimal) and equals
    /// `stderrDevice` exactly. Anything else (unset, garbage, stderr redirected elsewhere or
    /// closed: `stderrDevice == nil`) is `.stderr`.
    public static func backend(
        environment: [String: String],
        stderrDevice: (dev: UInt64, inode: UInt64)?
    ) -> Backend {
        if let forced = environment["CHECKIN_LOG"].flatMap({ Backend(rawValue: $0.lowercased()) }) {
            return forced
        }
        guard let stream = environment["JOURNAL_STREAM"], let stderrDevice else { return .stderr }
        let parts = stream.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2,
            parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { (48...57).contains($0) } }),
            let dev = UInt64(parts[0]), let inode = UInt64(parts[1])
        else { return .stderr }
        return dev == stderrDevice.dev && inode == stderrDevice.inode ? .journal : .stderr
    }

    /// `CHECKIN_LOG_LEVEL`: a swift-log level name (`trace` ... `critical`, case-insensitive,
    /// also `warn`, `err`, `crit`) or a syslog priority digit `0`-`7`; `default` otherwise.
    public static func logLevel(environment: [String: String], default level: Logger.Level) -> Logger.Level {
        guard let raw = environment["CHECKIN_LOG_LEVEL"]?.lowercased(), !raw.isEmpty else { return level }
        if let parsed = Logger.Level(rawValue: raw) { return parsed }
        switch raw {
        case "warn": return .warning
        case "err": return .error
        case "crit", "alert", "emerg", "0", "1", "2": return .critical
        case "3": return .error
        case "4": return .warning
        case "5": return .notice
        case "6": return .info
        case "7": return .debug
        default: return level
        }
    }

    /// `st_dev`/`st_ino` of `fd` (stderr by default), `nil` if it is closed.
    public static func stderrDevice(fd: Int32 = STDERR_FILENO) -> (dev: UInt64, inode: UInt64)? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    /// A `LoggingSystem.bootstrap` factory for `backend`.
    public static func makeFactory(
        identifier: String,
        backend: Backend,
        level: Logger.Level
    ) -> @Sendable (String) -> any LogHandler {
        switch backend {
        case .journal:
            return { label in JournalLogHandler(label: label, identifier: identifier, logLevel: level) }
        case .stderr:
            return { label in StderrLogHandler(label: label, logLevel: level) }
        }
    }

    /// The process environment from `environ`, without Foundation's `ProcessInfo`.
    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        let start: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        guard var entry = start else { return result }
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let equals = pair.firstIndex(of: "=") {
                result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }
}

/// A swift-log backend writing one readable line per entry to a file descriptor (stderr):
///
///     [<timestamp> ]<level> <label>: <message>[ key=value ...][ error=...]
///
/// Metadata is sorted by key; values containing spaces, quotes, `=` or control characters are
/// double-quoted with `\"`, `\\`, `\n`, `\r`, `\t` escapes; newlines in the message are escaped
/// as `\n`, so one entry is always one line. Each line is written with a single `write(2)`
/// (retried on `EINTR`/partial writes), unbuffered, so lines from threads don't interleave.
public struct StderrLogHandler: LogHandler {
    /// Produces the timestamp prefix, or `nil`/returns `nil` for none. Injected so tests are exact.
    public typealias Timestamp = @Sendable () -> String?

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    public let label: String
    public let fd: Int32
    public let timestamp: Timestamp?

    public init(
        label: String,
        logLevel: Logger.Level = .info,
        fd: Int32 = STDERR_FILENO,
        timestamp: Timestamp? = StderrLogHandler.localTimestamp,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.logLevel = logLevel
        self.fd = fd
        self.timestamp = timestamp
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = LogFormatting.merge(handler: metadata, provider: metadataProvider, event: event.metadata)
        var line = Self.format(event: event, label: label, metadata: merged, timestamp: timestamp?())
        line.append("\n")
        Self.writeAll(fd: fd, line)
    }

    /// The line for `event`, without the trailing newline.
    public static func format(
        event: LogEvent,
        label: String,
        metadata: Logger.Metadata,
        timestamp: String?
    ) -> String {
        var line = ""
        if let timestamp, !timestamp.isEmpty {
            line += timestamp + " "
        }
        line += "\(event.level.rawValue) \(label): "
        line += escapeMessage(event.message.description)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(quoteIfNeeded(LogFormatting.flatten(value)))"
        }
        if let error = event.error {
            line += " error=\(quoteIfNeeded(String(describing: error)))"
        }
        return line
    }

    /// Local time as `2025-11-25T01:22:41+0100` (`strftime("%Y-%m-%dT%H:%M:%S%z")`).
    public static let localTimestamp: Timestamp = {
        var now = time(nil)
        var parts = tm()
        guard localtime_r(&now, &parts) != nil else { return nil }
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func escapeMessage(_ message: String) -> String {
        guard message.utf8.contains(where: { $0 == 10 || $0 == 13 }) else { return message }
        var result = ""
        for scalar in message.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func quoteIfNeeded(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.value < 0x20 || $0.value == 0x7F }
        guard needsQuotes else { return value }
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    static func writeAll(fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            guard var base = bytes.baseAddress else { return }
            var remaining = bytes.count
            while remaining > 0 {
                let written = write(fd, base, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // nowhere left to report a failing stderr
                }
                base += written
                remaining -= written
            }
        }
    }
}

/// Messages for a person at a terminal (usage errors, refusals), written whole to stderr.
public enum StandardError {
    public static func write(_ text: String) {
        StderrLogHandler.writeAll(fd: STDERR_FILENO, text)
    }
}
