import Foundation
import Logging

/// A swift-log handler that keeps every entry, so tests can assert messages and CHECKIN_* fields.
public final class LogRecorder: @unchecked Sendable {
    public struct Record: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    private let lock = NSLock()
    private var records: [Record] = []

    public init() {}

    public var all: [Record] { lock.withLock { records } }
    func append(_ r: Record) { lock.withLock { records.append(r) } }
    /// Entries with CHECKIN_EVENT=`name`.
    public func events(_ name: String) -> [Record] { all.filter { $0.metadata["checkin_event"] == name } }
    /// How many messages contain `text`.
    public func count(containing text: String) -> Int { all.filter { $0.message.contains(text) }.count }
    /// Every entry, a line each, for failure messages.
    public var dump: String { all.map { "\($0.level): \($0.message)" }.joined(separator: "\n") }

    public var logger: Logger { Logger(label: "checkin-test") { _ in Handler(recorder: self) } }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            var flat: [String: String] = [:]
            for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { flat[k] = "\(v)" }
            recorder.append(Record(level: event.level, message: "\(event.message)", metadata: flat))
        }
    }
}
