#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed libsystemd call: which call, the (positive) errno it returned and, for D-Bus method
/// calls that got an error reply, the D-Bus error name and message.
///
/// Create these through `check(_:_:)` rather than by hand, so every call site names its call.
public struct SystemdError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The call that failed, e.g. `sd_bus_call_method(org.freedesktop.Notifications.Notify)`.
    public var call: String
    /// Positive errno.
    public var errno: Int32
    /// D-Bus error name when a method call failed (e.g. `org.freedesktop.DBus.Error.ServiceUnknown`).
    public var busErrorName: String?
    /// D-Bus error message or extra context.
    public var message: String?

    public init(call: String, errno: Int32, busErrorName: String? = nil, message: String? = nil) {
        self.call = call
        self.errno = errno < 0 ? -errno : errno
        self.busErrorName = busErrorName
        self.message = message
    }

    /// `<call>: <strerror(errno)> [busErrorName: message]`
    public var description: String {
        var text = "\(call): \(Self.errnoDescription(errno))"
        switch (busErrorName, message) {
        case let (name?, message?) where !message.isEmpty: text += " [\(name): \(message)]"
        case let (name?, _): text += " [\(name)]"
        case let (nil, message?) where !message.isEmpty: text += " [\(message)]"
        default: break
        }
        return text
    }

    /// `strerror` text for a positive errno. glibc's `strerror` returns static strings for known
    /// values (thread-safe since 2.32); unknown values fall back to "errno N".
    public static func errnoDescription(_ code: Int32) -> String {
        guard code != 0 else { return "Success" }
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}

/// Every libsystemd call goes through this: a negative return becomes a thrown error naming the call.
///
/// ```swift
/// try check("sd_bus_open_user", sd_bus_open_user(&bus))
/// ```
/// `call` is an autoclosure, so interpolated call descriptions cost nothing on success.
@discardableResult
@inline(__always)
public func check(_ call: @autoclosure () -> String, _ result: Int32) throws(SystemdError) -> Int32 {
    if result < 0 {
        throw SystemdError(call: call(), errno: -result)
    }
    return result
}
