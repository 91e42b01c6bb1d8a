#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSystemd

/// Service-manager notifications (`sd_notify(3)`): readiness, one-line status, watchdog pings,
/// reload and stop announcements.
///
/// Every call is a no-op returning `false` when `$NOTIFY_SOCKET` is unset (not started by systemd,
/// or `Type=` is not `notify`/`notify-reload`), `true` when a datagram was sent, and throws
/// `SystemdError` naming the message when `sd_notify` fails. The environment is never unset
/// (`unset_environment = 0`), so children and later calls still see `$NOTIFY_SOCKET`.
///
/// Messages are sent exactly as documented on each method; tests assert the datagrams byte for byte.
public struct Notifier: Sendable {
    public init() {}

    /// `true` when `$NOTIFY_SOCKET` is set and non-empty, i.e. `sd_notify` would send something.
    public var isEnabled: Bool {
        guard let value = getenv("NOTIFY_SOCKET") else { return false }
        return value.pointee != 0
    }

    /// `READY=1` then, if given, `STATUS=<status>`.
    @discardableResult
    public func ready(status: String? = nil) throws(SystemdError) -> Bool {
        try send(["READY=1"] + Self.statusField(status))
    }

    /// `STATUS=<text>`, sanitized to one line.
    @discardableResult
    public func status(_ text: String) throws(SystemdError) -> Bool {
        try send(Self.statusField(text))
    }

    /// `WATCHDOG=1`. Send at half of `watchdogInterval()`.
    @discardableResult
    public func watchdog() throws(SystemdError) -> Bool {
        try send(["WATCHDOG=1"])
    }

    /// `RELOADING=1`, `MONOTONIC_USEC=<CLOCK_MONOTONIC in µs>` then, if given, `STATUS=<status>`.
    ///
    /// `MONOTONIC_USEC` is required by `Type=notify-reload` (systemd 253+) to match the
    /// `READY=1` that ends the reload; systemd 252 ignores it. Follow with `ready(status:)`.
    @discardableResult
    public func reloading(status: String? = nil) throws(SystemdError) -> Bool {
        try send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())"] + Self.statusField(status))
    }

    /// `STOPPING=1` then, if given, `STATUS=<status>`.
    @discardableResult
    public func stopping(status: String? = nil) throws(SystemdError) -> Bool {
        try send(["STOPPING=1"] + Self.statusField(status))
    }

    /// `ERRNO=<code>` (positive errno describing why the service failed) then, if given, `STATUS=`.
    @discardableResult
    public func errno(_ code: Int32, status: String? = nil) throws(SystemdError) -> Bool {
        try send(["ERRNO=\(code < 0 ? -code : code)"] + Self.statusField(status))
    }

    /// Sends `fields` joined by newlines as one datagram. Each field must be `KEY=value` without
    /// newlines; use the typed methods above unless you need a field they don't cover.
    @discardableResult
    public func send(_ fields: [String]) throws(SystemdError) -> Bool {
        let message = fields.joined(separator: "\n")
        let result = try check("sd_notify(\(Self.summary(fields)))", sd_notify(0, message))
        return result > 0
    }

    /// The watchdog timeout the service manager expects pings within (`WATCHDOG_USEC`), or `nil`
    /// when the watchdog is off, `WATCHDOG_PID` names another process, or the variables are invalid.
    ///
    /// This is the *full* `WatchdogSec=`: ping at half of it (as `sd_watchdog_enabled(3)` advises),
    /// e.g. `WatchdogSec=30` returns 30 s and the event loop sends `WATCHDOG=1` every 15 s.
    public func watchdogInterval() -> Duration? {
        try? checkedWatchdogInterval()
    }

    /// As `watchdogInterval()`, but an unparsable `WATCHDOG_USEC`/`WATCHDOG_PID` throws
    /// (`sd_watchdog_enabled` returns `-EINVAL`) instead of reading as "off".
    public func checkedWatchdogInterval() throws(SystemdError) -> Duration? {
        var usec: UInt64 = 0
        let enabled = try check("sd_watchdog_enabled", sd_watchdog_enabled(0, &usec))
        guard enabled > 0, usec > 0 else { return nil }
        return .microseconds(Int64(clamping: usec))
    }

    // MARK: - Helpers (internal for tests)

    /// Status text as one line: CR, LF, CRLF and other C0 control characters (NUL would truncate
    /// the C string) become a single space each; leading/trailing whitespace is trimmed.
    public static func sanitize(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue  // CRLF already became one space
            }
            previousWasCR = scalar == "\r"
            if scalar.value < 0x20 || scalar.value == 0x7F {
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
        }
        return String(String(scalars).trimmingSpaces())
    }

    /// `CLOCK_MONOTONIC` in microseconds, the clock `MONOTONIC_USEC=` is measured on.
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    static func statusField(_ status: String?) -> [String] {
        guard let status else { return [] }
        return ["STATUS=" + sanitize(status)]
    }

    /// Field names only (`READY,STATUS`), so errors don't echo status text.
    static func summary(_ fields: [String]) -> String {
        fields.map { field in
            field.split(separator: "=", maxSplits: 1).first.map(String.init) ?? field
        }.joined(separator: ",")
    }
}

extension String {
    fileprivate func trimmingSpaces() -> Substring {
        var slice = Substring(self)
        while slice.first == " " { slice.removeFirst() }
        while slice.last == " " { slice.removeLast() }
        return slice
    }
}
