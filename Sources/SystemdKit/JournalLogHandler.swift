#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSystemd
import Logging

/// A swift-log backend writing native journal entries with `sd_journal_sendv(3)`.
///
/// Every entry carries:
/// - `MESSAGE` (may contain newlines: the native protocol length-prefixes such values),
/// - `PRIORITY` (syslog numbers, see `priority(_:)`),
/// - `SYSLOG_IDENTIFIER` (the process identifier given at init, e.g. `checkind`),
/// - `CODE_FILE` (swift-log's `#fileID`), `CODE_LINE`, `CODE_FUNC`,
/// - `SWIFT_LOGGER` (the logger label) and, when the event carries one, `ERROR`,
/// - every metadata key as an upper-cased field (see `fieldName(_:)`), value flattened to a string
///   (see `flatten(_:)`); handler metadata < metadata provider < per-call metadata.
///
/// If the journal socket cannot be reached (`sd_journal_sendv` fails), the entry is written to
/// stderr as a `StderrLogHandler` line instead, so nothing is lost silently.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    /// The swift-log label (`Logger(label:)`), sent as `SWIFT_LOGGER`.
    public let label: String
    /// `SYSLOG_IDENTIFIER`, what `journalctl -t` matches.
    public let identifier: String

    public init(
        label: String,
        identifier: String,
        logLevel: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.identifier = identifier
        self.logLevel = logLevel
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = LogFormatting.merge(handler: metadata, provider: metadataProvider, event: event.metadata)
        let fields = Self.fields(for: event, label: label, identifier: identifier, metadata: merged)
        do {
            try Self.send(fields)
        } catch {
            var fallback = StderrLogHandler(label: label, logLevel: logLevel, timestamp: nil)
            fallback.metadata = merged
            fallback.log(event: event)
        }
    }

    // MARK: - Fields (pure, tested)

    /// Syslog priority for a swift-log level: trace/debug 7, info 6, notice 5, warning 4, error 3,
    /// critical 2.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Field names this handler sets itself; metadata keys that map onto one of them get a `META_`
    /// prefix instead of adding a second value to, say, `MESSAGE`.
    public static let reservedFields: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC",
        "SWIFT_LOGGER", "ERROR",
    ]

    /// The journal field name for a metadata key, or `nil` if nothing usable is left.
    ///
    /// Journal field names are `[A-Z0-9_]`, at most 64 characters, and must not start with a digit
    /// or `_` (leading `_` marks trusted fields that journald sets). So: ASCII letters upper-cased,
    /// every other character outside `[A-Za-z0-9_]` becomes `_`, leading `_` are dropped, a leading
    /// digit gets an `F_` prefix, reserved names get `META_`, and the result is cut to 64.
    /// `checkin_event` → `CHECKIN_EVENT`, `prompt-id` → `PROMPT_ID`, `_x` → `X`, `2fa` → `F_2FA`.
    public static func fieldName(_ key: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(key.utf8.count)
        for byte in key.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): bytes.append(byte - 32)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                bytes.append(byte)
            default:
                // One `_` per Unicode scalar, not per UTF-8 byte.
                if byte & 0xC0 != 0x80 { bytes.append(UInt8(ascii: "_")) }
            }
        }
        let start = bytes.firstIndex { $0 != UInt8(ascii: "_") } ?? bytes.endIndex
        var name = String(decoding: bytes[start...], as: UTF8.self)
        guard let first = name.utf8.first else { return nil }
        if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) { name = "F_" + name }
        if reservedFields.contains(name) { name = "META_" + name }
        if name.utf8.count > 64 { name = String(name.prefix(64)) }
        return name
    }

    /// The journal fields for one event, in order: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER,
    /// CODE_FILE, CODE_LINE, CODE_FUNC, SWIFT_LOGGER, [ERROR], then metadata sorted by key.
    /// When two keys map to the same field name, the journal keeps both values.
    public static func fields(
        for event: LogEvent,
        label: String,
        identifier: String,
        metadata: Logger.Metadata
    ) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", event.message.description),
            ("PRIORITY", String(priority(event.level))),
            ("SYSLOG_IDENTIFIER", identifier),
            ("CODE_FILE", event.file),
            ("CODE_LINE", String(event.line)),
            ("CODE_FUNC", event.function),
            ("SWIFT_LOGGER", label),
        ]
        if let error = event.error {
            fields.append(("ERROR", String(describing: error)))
        }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            guard let name = fieldName(key) else { continue }
            fields.append((name, LogFormatting.flatten(value)))
        }
        return fields
    }

    /// Sends `NAME=value` fields as one entry: one contiguous buffer, one iovec per field, so
    /// values may hold any bytes including newlines (`sd_journal_sendv` switches to the binary
    /// length-prefixed encoding for those).
    public static func send(_ fields: [(name: String, value: String)]) throws(SystemdError) {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(fields.reduce(0) { $0 + $1.name.utf8.count + 1 + $1.value.utf8.count })
        var ranges: [(offset: Int, length: Int)] = []
        ranges.reserveCapacity(fields.count)
        for field in fields {
            let offset = buffer.count
            buffer.append(contentsOf: field.name.utf8)
            buffer.append(UInt8(ascii: "="))
            buffer.append(contentsOf: field.value.utf8)
            ranges.append((offset, buffer.count - offset))
        }
        let result = buffer.withUnsafeMutableBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return -EINVAL }
            let vectors = ranges.map { iovec(iov_base: base + $0.offset, iov_len: $0.length) }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
        try check("sd_journal_sendv", result)
    }
}

/// Formatting shared by the journal and stderr handlers.
enum LogFormatting {
    /// handler metadata < metadata provider < per-call metadata (swift-log's convention).
    static func merge(
        handler: Logger.Metadata,
        provider: Logger.MetadataProvider?,
        event: Logger.Metadata?
    ) -> Logger.Metadata {
        var merged = handler
        if let provided = provider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, new in new }
        }
        if let event, !event.isEmpty {
            merged.merge(event) { _, new in new }
        }
        return merged
    }

    /// A metadata value as one string: strings as-is; arrays `[a, b]`; dictionaries `[k: v, ...]`
    /// with keys sorted, so output is deterministic.
    static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): "[" + values.map(flatten).joined(separator: ", ") + "]"
        case .dictionary(let dictionary):
            "[" + dictionary.sorted(by: { $0.key < $1.key })
                .map { "\($0.key): \(flatten($0.value))" }
                .joined(separator: ", ") + "]"
        }
    }
}
