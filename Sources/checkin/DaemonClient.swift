// DaemonClient: the CLI's connection to checkind's control interface (io.checkin.Checkin1 on the
// session bus, docs/DBUS.md). It never starts the daemon (no D-Bus activation from the CLI), and
// turns every failure into a CLIError with the exit status the control commands document:
//   3   checkind is not running (no session bus, or nobody owns io.checkin.Checkin1)
//   64  the daemon refused an argument (io.checkin.Error.InvalidArgument, UnknownReminder)
//   1   anything else (io.checkin.Error.InvalidConfig, AccessDenied, no answer)

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CheckinCore
import SystemdKit

struct DaemonClient {
    static let busName = "io.checkin.Checkin1"
    static let objectPath = "/io/checkin/Checkin1"
    static let interface = "io.checkin.Checkin1"
    static let notRunning = "checkind is not running; start it with: systemctl --user start checkind"

    let bus: Bus

    /// Connects to the session bus; throws the not-running error (exit 3) when there is no bus
    /// or checkind does not own its name.
    static func connect() throws(CLIError) -> DaemonClient {
        let bus: Bus
        do {
            bus = try Bus.user()
        } catch {
            throw CLIError(message: notRunning, code: 3)
        }
        do {
            guard try bus.nameHasOwner(busName) else {
                bus.close()
                throw CLIError(message: notRunning, code: 3)
            }
        } catch let error as CLIError {
            throw error
        } catch {
            bus.close()
            throw CLIError(message: notRunning, code: 3)
        }
        return DaemonClient(bus: bus)
    }

    /// Connects, or nil when checkind is not running.
    static func connectIfRunning() -> DaemonClient? {
        do { return try connect() } catch { return nil }
    }

    func close() { bus.close() }

    /// Calls `member` and returns the reply; D-Bus errors become CLIErrors (see the file comment).
    func call(_ member: String, build: (BusMessage) throws(SystemdError) -> Void = { _ in }) throws(CLIError) -> BusMessage {
        do {
            return try bus.call(destination: Self.busName, path: Self.objectPath, interface: Self.interface, member: member,
                                timeout: .seconds(30)) { m throws(SystemdError) in
                m.autoStart = false
                try build(m)
            }
        } catch {
            throw Self.cliError(error, member: member)
        }
    }

    /// Connects, calls `member` and returns its one string reply (Snooze, Skip, Trigger).
    static func callForString(_ member: String, build: (BusMessage) throws(SystemdError) -> Void) throws(CLIError) -> String {
        let client = try connect()
        defer { client.close() }
        let m = try client.call(member, build: build)
        return try client.read(member) { () throws(SystemdError) in try m.readString() }
    }

    /// Reads a reply; a reply of an unexpected shape is an error (exit 1).
    func read<T>(_ member: String, _ body: () throws(SystemdError) -> T) throws(CLIError) -> T {
        do {
            return try body()
        } catch {
            throw CLIError(message: "checkind sent an unexpected reply to \(member): \(error)", code: 1)
        }
    }

    static func cliError(_ error: SystemdError, member: String) -> CLIError {
        let text = error.message.flatMap { $0.isEmpty ? nil : $0 } ?? error.description
        switch error.busErrorName {
        case "io.checkin.Error.InvalidArgument", "io.checkin.Error.UnknownReminder":
            return CLIError(message: text, code: 64)
        case "io.checkin.Error.InvalidConfig":
            return CLIError(message: "the config is refused; checkind keeps running with the old one:\n\(text)", code: 1)
        case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
            // It went away between the name check and the call.
            return CLIError(message: notRunning, code: 3)
        case "org.freedesktop.DBus.Error.UnknownMethod":
            return CLIError(message: "checkind does not know \(member) (an older version is running? "
                            + "restart it: systemctl --user restart checkind): \(text)", code: 1)
        default:
            return CLIError(message: "checkind refused \(member): \(text)", code: 1)
        }
    }
}

extension Dictionary where Key == String, Value == BusVariant {
    func string(_ key: String) -> String? { if case .string(let v) = self[key] { return v }; return nil }
    func strings(_ key: String) -> [String]? { if case .stringArray(let v) = self[key] { return v }; return nil }
    func bool(_ key: String) -> Bool? { if case .bool(let v) = self[key] { return v }; return nil }
    func uint64(_ key: String) -> UInt64? { if case .uint64(let v) = self[key] { return v }; return nil }
}

/// A `t` of microseconds since the epoch as a Date.
func dateFromMicroseconds(_ usec: UInt64) -> Date {
    Date(timeIntervalSince1970: Double(usec) / 1_000_000)
}
