// Plumbing shared by the activity and do-not-disturb sources (ActivitySources.swift,
// DoNotDisturb.swift): who owns a bus name, coalescing a flapping value, logging that cannot flood
// the journal, and a PropertiesChanged reader that tells wrong types apart from missing ones.
// Everything here runs on the bus queue; nothing polls (the only timers are one-shot coalescing
// windows armed by a change).

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Logging

// MARK: - Name owner

/// Follows the owner of one well-known bus name: NameOwnerChanged (arg0-filtered) plus one
/// asynchronous GetNameOwner at start. Calls `onChange` with the new unique owner (nil: none) on
/// every change, and once at start with whatever GetNameOwner said. Calls meant for the service
/// should go to `owner` (a unique name never activates a service, so a D-Bus-activatable server
/// such as swaync is not started just because we looked).
final class BusNameWatcher {
    let bus: Bus
    let name: String
    private(set) var owner: String?
    /// Whether anything was learnt yet (the GetNameOwner reply or a NameOwnerChanged).
    private(set) var known = false
    private var match: BusSlot?
    private var pendingQuery: BusSlot?
    private let onChange: (String?) -> Void

    init(bus: Bus, name: String, onChange: @escaping (String?) -> Void) {
        self.bus = bus
        self.name = name
        self.onChange = onChange
    }

    func start() throws(SystemdError) {
        let rule = "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
            + "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='\(name)'"
        match = try bus.addMatch(rule: rule) { [weak self] message in self?.ownerChanged(message) }
        pendingQuery = try bus.callAsync(
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            member: "GetNameOwner", build: { [name] m throws(SystemdError) in try m.append(name) }
        ) { [weak self] result in
            guard let self else { return }
            self.pendingQuery = nil
            // A NameOwnerChanged that arrived first is newer than this answer.
            guard !self.known else { return }
            switch result {
            case .success(let reply): self.set((try? reply.readString()).flatMap { $0.isEmpty ? nil : $0 })
            case .failure: self.set(nil)  // NameHasNoOwner (or no bus driver answer): nobody
            }
        }
    }

    func stop() {
        match?.cancel()
        match = nil
        pendingQuery?.cancel()
        pendingQuery = nil
    }

    private func ownerChanged(_ message: BusMessage) {
        guard message.signature == "sss", let n = try? message.readString(), n == name,
              (try? message.readString()) != nil, let new = try? message.readString() else { return }
        set(new.isEmpty ? nil : new)
    }

    private func set(_ newOwner: String?) {
        let first = !known
        known = true
        guard first || newOwner != owner else { return }
        owner = newOwner
        onChange(newOwner)
    }
}

// MARK: - Coalescing

/// Passes on changes of a value at most once per `window`: the first change goes out at once,
/// later ones within the window are held and only the last is delivered when it closes (and only
/// if it differs from what was delivered). A value that flips a thousand times in a burst costs
/// two deliveries. The timer is one-shot and armed only by a delivery.
final class Coalescer<Value: Equatable> {
    let window: DispatchTimeInterval
    private let queue: DispatchQueue
    private let deliver: (Value, Date) -> Void
    private(set) var delivered: Value?
    private var held: (value: Value, at: Date)?
    private var timer: DispatchSourceTimer?
    /// Changes swallowed since the last delivery (for a debug line).
    private(set) var coalesced = 0

    init(window: DispatchTimeInterval, queue: DispatchQueue, deliver: @escaping (Value, Date) -> Void) {
        self.window = window
        self.queue = queue
        self.deliver = deliver
    }

    deinit { timer?.cancel() }

    /// Offers a (possibly unchanged) value observed at `at`.
    func offer(_ value: Value, at: Date) {
        if timer != nil {
            held = (value, at)
            coalesced += 1
            return
        }
        guard value != delivered else { return }
        send(value, at: at)
    }

    /// Forgets the delivered value (the service went away): the next offer goes out whatever it is.
    func reset() {
        timer?.cancel()
        timer = nil
        held = nil
        delivered = nil
    }

    private func send(_ value: Value, at: Date) {
        delivered = value
        coalesced = 0
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [weak self] in self?.windowClosed() }
        timer.schedule(deadline: .now() + window)
        self.timer = timer
        timer.activate()
        deliver(value, at)
    }

    private func windowClosed() {
        timer?.cancel()
        timer = nil
        guard let (value, at) = held else { return }
        held = nil
        if value != delivered { send(value, at: at) }
    }
}

// MARK: - Logging that cannot flood

/// Wraps a `Logger` so that a misbehaving service cannot fill the journal: `once` logs a key
/// the first time only (absence, a wrong type), `limited` logs a key at most once per `interval`
/// and says how many were suppressed in between.
final class RateLimitedLog {
    var logger: Logger
    let interval: UInt64
    private var seen: Set<String> = []
    private var last: [String: (at: UInt64, suppressed: Int)] = [:]

    init(_ logger: Logger, interval seconds: UInt64 = 60) {
        self.logger = logger
        self.interval = seconds * 1_000_000_000
    }

    /// Logs `message` the first time `key` is seen; returns whether it did.
    @discardableResult
    func once(_ key: String, _ level: Logger.Level, _ message: @autoclosure () -> String,
              metadata: Logger.Metadata? = nil) -> Bool {
        guard seen.insert(key).inserted else { return false }
        logger.log(level: level, "\(message())", metadata: metadata)
        return true
    }

    /// Forgets a `once` key, so the next occurrence is logged again (e.g. after recovery).
    func rearm(_ key: String) { seen.remove(key) }

    /// Logs at most once per interval per key.
    func limited(_ key: String, _ level: Logger.Level, _ message: @autoclosure () -> String) {
        let now = DispatchTime.now().uptimeNanoseconds
        if let entry = last[key], now &- entry.at < interval {
            last[key] = (entry.at, entry.suppressed + 1)
            return
        }
        let suppressed = last[key]?.suppressed ?? 0
        last[key] = (now, 0)
        logger.log(level: level, "\(message())\(suppressed > 0 ? " (\(suppressed) similar messages suppressed)" : "")")
    }
}

// MARK: - Reading untrusted messages

/// A property value from an untrusted service: a value `BusVariant` can hold, or the signature
/// of one it cannot (so a wrong type is reported as such instead of looking absent).
enum UntrustedValue: Equatable {
    case value(BusVariant)
    case unsupported(signature: String)

    var bool: Bool? { if case .value(.bool(let b)) = self { b } else { nil } }
    var strings: [String]? { if case .value(.stringArray(let a)) = self { a } else { nil } }
    /// Any unsigned or signed integer width, as UInt64 (negative: nil).
    var unsigned: UInt64? {
        guard case .value(let v) = self else { return nil }
        switch v {
        case .uint64(let x): return x
        case .uint32(let x): return UInt64(x)
        case .int64(let x): return x >= 0 ? UInt64(x) : nil
        case .int32(let x): return x >= 0 ? UInt64(x) : nil
        case .byte(let x): return UInt64(x)
        default: return nil
        }
    }
    var signature: String {
        switch self {
        case .value(let v): v.signature
        case .unsupported(let s): s
        }
    }
}

extension BusMessage {
    /// Reads one `v` without trusting its contents.
    func readUntrustedVariant() throws(SystemdError) -> UntrustedValue {
        guard let (type, contents) = try peekType(), type == "v", let contents else {
            throw SystemdError(call: "sd_bus_message_peek_type(v)", errno: ENXIO,
                               message: "expected a variant in \(member ?? "message") (\(signature))")
        }
        if let value = try readVariant() { return .value(value) }
        return .unsupported(signature: contents)
    }

    /// Reads `a{sv}` without trusting the variants.
    func readUntrustedDictionary() throws(SystemdError) -> [String: UntrustedValue] {
        guard try enterContainer("a", "{sv}") else {
            throw SystemdError(call: "sd_bus_message_enter_container(a {sv})", errno: ENXIO, message: "no more arguments")
        }
        var out: [String: UntrustedValue] = [:]
        while try enterContainer("e", "sv") {
            let key = try readString()
            out[key] = try readUntrustedVariant()
            try exitContainer()
        }
        try exitContainer()
        return out
    }

    /// Reads the body of org.freedesktop.DBus.Properties.PropertiesChanged (`sa{sv}as`).
    func readUntrustedPropertiesChanged() throws(SystemdError) -> (interface: String, changed: [String: UntrustedValue], invalidated: [String]) {
        guard signature == "sa{sv}as" else {
            throw SystemdError(call: "PropertiesChanged", errno: EINVAL,
                               message: "signature \(signature), expected sa{sv}as")
        }
        let interface = try readString()
        let changed = try readUntrustedDictionary()
        let invalidated = try readStringArray()
        return (interface, changed, invalidated)
    }
}

/// Calls Properties.Get(`interface`, `property`) on `destination` and hands back the untrusted value.
func readRemoteProperty(
    _ bus: Bus, destination: String, path: String, interface: String, property: String,
    reply: @escaping (Result<UntrustedValue, SystemdError>) -> Void
) {
    do throws(SystemdError) {
        try bus.callAsync(
            destination: destination, path: path, interface: "org.freedesktop.DBus.Properties", member: "Get",
            build: { m throws(SystemdError) in
                try m.append(interface)
                try m.append(property)
            }
        ) { result in
            switch result {
            case .success(let message):
                do throws(SystemdError) { reply(.success(try message.readUntrustedVariant())) } catch { reply(.failure(error)) }
            case .failure(let error):
                reply(.failure(error))
            }
        }
    } catch {
        reply(.failure(error))
    }
}

/// The largest sane idle time or age: 400 days. Anything above is garbage and ignored.
let maximumPlausibleIdle: TimeInterval = 400 * 86_400
