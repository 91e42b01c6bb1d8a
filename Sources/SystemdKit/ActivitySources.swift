// Where "is the person at the computer?" comes from: D-Bus services that know about input idleness,
// screen locks and suspend. Each is an `ActivitySource`; the daemon starts every one it has a bus
// for, uses those that answer and merges their reports with CheckinCore.PresenceCombiner (see
// docs/ACTIVITY.md for the rule). Nothing polls: every source is driven by signals, with one read
// when its service appears.
//
// Interfaces (as the servers implement them):
//   org.gnome.Mutter.IdleMonitor   /org/gnome/Mutter/IdleMonitor/Core (mutter src/backends/
//       meta-dbus-idle-monitor / org.gnome.Mutter.IdleMonitor.xml): GetIdletime() -> t (ms),
//       AddIdleWatch(t interval_ms) -> u id (fires every time idleness reaches the interval),
//       AddUserActiveWatch() -> u id (fires once, at the next input, then is gone), RemoveWatch(u),
//       signal WatchFired(u id) (sent to the watch's owner only).
//   org.gnome.ScreenSaver           /org/gnome/ScreenSaver: GetActive() -> b, GetActiveTime() -> u,
//       signal ActiveChanged(b).
//   org.freedesktop.ScreenSaver     /org/freedesktop/ScreenSaver (KDE also /ScreenSaver):
//       GetActive() -> b, GetActiveTime() -> u, GetSessionIdleTime() -> u (seconds), signal
//       ActiveChanged(b).
//   org.freedesktop.login1 (system bus): Manager /org/freedesktop/login1 GetSession(s "auto") -> o,
//       signal PrepareForSleep(b); Session (the path GetSession returned: signals come from the real
//       path, never from /org/freedesktop/login1/session/auto) properties IdleHint b,
//       IdleSinceHint t (µs, CLOCK_REALTIME), LockedHint b, announced by
//       org.freedesktop.DBus.Properties.PropertiesChanged.

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

/// One report from an activity source, already validated and coalesced.
public struct ActivityEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case active
        /// No input since `since` (before `at`, the moment it was noticed).
        case idle(since: Date)
        case locked
        case unlocked
        case sleep
        case resume
        /// The service went away: forget what it said (PresenceCombiner.forget).
        case lost
    }

    /// `ActivitySource.name` of the reporter.
    public var source: String
    public var kind: Kind
    public var at: Date

    public init(source: String, kind: Kind, at: Date) {
        self.source = source
        self.kind = kind
        self.at = at
    }
}

/// A service that tells whether the person is active, idle, locked or asleep. Use on the bus
/// queue only: `start` after `bus.attach(to:)`, every callback runs there.
public protocol ActivitySource: AnyObject {
    /// Short, stable, for logs and PresenceCombiner (e.g. "mutter-idle-monitor").
    var name: String { get }
    /// Rank as an idle source for PresenceCombiner (higher wins); 0 for sources without idleness.
    var idleRank: Int { get }
    /// Whether its service is on the bus right now.
    var isAvailable: Bool { get }
    /// Starts watching: installs the matches, looks for the service and reads its state when it is
    /// there. An absent service is logged once and watched for (NameOwnerChanged), not an error;
    /// only a broken bus throws.
    func start(on bus: Bus, handler: @escaping (ActivityEvent) -> Void) throws(SystemdError)
    func stop()
}

/// Settings shared by the sources.
public struct ActivitySourceOptions: Sendable {
    /// Changes of one value within this window are coalesced (the last one wins).
    public var coalesceWindow: DispatchTimeInterval
    /// The wall clock, for event times.
    public var clock: @Sendable () -> Date

    public init(coalesceWindow: DispatchTimeInterval = .milliseconds(250), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.coalesceWindow = coalesceWindow
        self.clock = clock
    }
}

/// What every source needs: the bus, the name watcher, the handler, throttled logs, and a
/// generation number that makes replies from a previous owner of the name harmless.
final class SourceCore {
    let name: String
    let busName: String
    let busLabel: String
    let options: ActivitySourceOptions
    let log: RateLimitedLog
    private(set) var bus: Bus?
    private(set) var queue: DispatchQueue?
    private var handler: ((ActivityEvent) -> Void)?
    private var watcher: BusNameWatcher?
    var matches: [BusSlot] = []
    /// Bumped on every owner change and on stop.
    private(set) var generation = 0
    private var everSeen = false
    /// Whether comings and goings of the name are worth a log line (a do-not-disturb monitor whose
    /// interface the owner never spoke stays quiet about them).
    var logsOwnerChanges: () -> Bool = { true }

    init(name: String, busName: String, busLabel: String, logger: Logger, options: ActivitySourceOptions) {
        self.name = name
        self.busName = busName
        self.busLabel = busLabel
        self.options = options
        var logger = logger
        logger[metadataKey: "checkin_activity_source"] = .string(name)
        self.log = RateLimitedLog(logger)
    }

    var owner: String? { watcher?.owner }
    var now: Date { options.clock() }

    func begin(on bus: Bus, handler: @escaping (ActivityEvent) -> Void,
               onOwner: @escaping (_ owner: String?, _ generation: Int) -> Void) throws(SystemdError) -> DispatchQueue {
        guard let queue = bus.queue else {
            throw SystemdError(call: "\(name).start", errno: EINVAL, message: "attach the bus to a queue before starting \(name)")
        }
        precondition(self.bus == nil, "\(name) started twice")
        self.bus = bus
        self.queue = queue
        self.handler = handler
        let watcher = BusNameWatcher(bus: bus, name: busName) { [weak self] owner in
            guard let self else { return }
            self.generation += 1
            if let owner {
                if self.everSeen && self.logsOwnerChanges() {
                    self.log.limited("appeared", .info, "\(self.busName) is back on the \(self.busLabel) bus (\(owner))")
                } else {
                    self.log.logger.debug("\(self.busName) found on the \(self.busLabel) bus (\(owner))")
                }
                self.everSeen = true
            } else if self.everSeen {
                if self.logsOwnerChanges() {
                    self.log.limited("vanished", .warning, "\(self.busName) left the \(self.busLabel) bus; \(self.name) is unavailable until it comes back")
                }
            } else {
                self.log.once("absent", .notice, "\(self.busName) is not on the \(self.busLabel) bus; \(self.name) is unavailable (watching for it to appear)")
            }
            onOwner(owner, self.generation)
        }
        self.watcher = watcher
        try watcher.start()
        return queue
    }

    func emit(_ kind: ActivityEvent.Kind, at: Date) {
        handler?(ActivityEvent(source: name, kind: kind, at: at))
    }

    /// A value of the wrong type or an impossible one: warned about once per `what`, then ignored.
    func garbage(_ what: String, _ detail: @autoclosure () -> String) {
        log.once("garbage:\(what)", .warning, "Ignoring \(what) from \(busName): \(detail())")
    }

    func end() {
        generation += 1
        matches.forEach { $0.cancel() }
        matches = []
        watcher?.stop()
        watcher = nil
        handler = nil
        bus = nil
    }

    /// Sends a call to the current owner (never activating anything); the reply is dropped when the
    /// owner changed meanwhile.
    func call(path: String, interface: String, member: String,
              build: (BusMessage) throws(SystemdError) -> Void = { _ in },
              reply: @escaping (Result<BusMessage, SystemdError>) -> Void) {
        guard let bus, let owner else { return }
        let generation = self.generation
        do throws(SystemdError) {
            try bus.callAsync(destination: owner, path: path, interface: interface, member: member, build: build) { [weak self] result in
                guard let self, self.generation == generation else { return }
                reply(result)
            }
        } catch {
            log.limited("call:\(member)", .warning, "Cannot call \(interface).\(member) on \(busName): \(error)")
        }
    }

    func get(path: String, interface: String, property: String, reply: @escaping (Result<UntrustedValue, SystemdError>) -> Void) {
        guard let bus, let owner else { return }
        let generation = self.generation
        readRemoteProperty(bus, destination: owner, path: path, interface: interface, property: property) { [weak self] result in
            guard let self, self.generation == generation else { return }
            reply(result)
        }
    }
}

/// An idle/active value for coalescing: two idles are the same whatever their since.
enum IdleValue: Equatable {
    case active
    case idle(since: Date)

    static func == (a: IdleValue, b: IdleValue) -> Bool {
        switch (a, b) {
        case (.active, .active), (.idle, .idle): true
        default: false
        }
    }
}

// MARK: - Mutter

/// GNOME's idle monitor: one idle watch at `threshold` (persistent: it fires every time idleness
/// reaches it) and, while idle, one user-active watch (one-shot: re-armed after every idle fire).
/// GetIdletime once when the service appears tells the starting state.
public final class MutterIdleMonitor: ActivitySource {
    public static let busName = "org.gnome.Mutter.IdleMonitor"
    public static let objectPath = "/org/gnome/Mutter/IdleMonitor/Core"
    public static let interface = "org.gnome.Mutter.IdleMonitor"

    public let name = "mutter-idle-monitor"
    public let idleRank = 30
    /// Idle after this much time without input (reported as idle since now − threshold).
    public let threshold: Duration
    public var isAvailable: Bool { core.owner != nil && idleWatch != nil }

    private let core: SourceCore
    private var idleWatch: UInt32?
    private var activeWatch: UInt32?
    private var activeWatchPending = false
    private var state: Coalescer<IdleValue>?

    public init(threshold: Duration = .seconds(10), logger: Logger, options: ActivitySourceOptions = .init()) {
        self.threshold = max(threshold, .milliseconds(100))
        core = SourceCore(name: "mutter-idle-monitor", busName: Self.busName, busLabel: "session", logger: logger, options: options)
    }

    private var thresholdMilliseconds: UInt64 {
        let (s, atto) = threshold.components
        return UInt64(s) * 1000 + UInt64(atto / 1_000_000_000_000_000)
    }

    private var thresholdSeconds: TimeInterval { Double(thresholdMilliseconds) / 1000 }

    public func start(on bus: Bus, handler: @escaping (ActivityEvent) -> Void) throws(SystemdError) {
        let queue = try core.begin(on: bus, handler: handler) { [weak self] owner, _ in self?.ownerChanged(owner) }
        state = Coalescer(window: core.options.coalesceWindow, queue: queue) { [weak self] value, at in
            switch value {
            case .active: self?.core.emit(.active, at: at)
            case .idle(let since): self?.core.emit(.idle(since: since), at: at)
            }
        }
        core.matches.append(try bus.matchSignal(sender: Self.busName, path: Self.objectPath, interface: Self.interface,
                                                member: "WatchFired") { [weak self] m in self?.watchFired(m) })
    }

    public func stop() {
        for id in [idleWatch, activeWatch].compactMap({ $0 }) {
            core.call(path: Self.objectPath, interface: Self.interface, member: "RemoveWatch",
                      build: { m throws(SystemdError) in try m.append(id) }) { _ in }
        }
        idleWatch = nil
        activeWatch = nil
        state?.reset()
        state = nil
        core.end()
    }

    private func ownerChanged(_ owner: String?) {
        // Watches belong to the connection that added them: a new owner knows none of ours.
        idleWatch = nil
        activeWatch = nil
        activeWatchPending = false
        guard owner != nil else {
            if state?.delivered != nil { core.emit(.lost, at: core.now) }
            state?.reset()
            return
        }
        let ms = thresholdMilliseconds
        core.call(path: Self.objectPath, interface: Self.interface, member: "AddIdleWatch",
                  build: { m throws(SystemdError) in try m.append(ms) }) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let reply):
                guard reply.signature == "u", let id = try? reply.readUInt32() else {
                    return self.core.garbage("AddIdleWatch reply", "signature \(reply.signature), expected u")
                }
                self.idleWatch = id
            case .failure(let error):
                self.core.log.limited("AddIdleWatch", .warning, "AddIdleWatch failed: \(error); no idle detection from Mutter")
            }
        }
        core.call(path: Self.objectPath, interface: Self.interface, member: "GetIdletime") { [weak self] result in
            guard let self, case .success(let reply) = result else { return }
            guard reply.signature == "t", let ms = try? reply.readUInt64() else {
                return self.core.garbage("GetIdletime reply", "signature \(reply.signature), expected t")
            }
            let idle = Double(ms) / 1000
            guard idle <= maximumPlausibleIdle else {
                return self.core.garbage("GetIdletime reply", "\(ms) ms is not a plausible idle time")
            }
            let now = self.core.now
            if idle >= self.thresholdSeconds {
                self.state?.offer(.idle(since: now.addingTimeInterval(-idle)), at: now)
                self.armActiveWatch()
            } else {
                self.state?.offer(.active, at: now)
            }
        }
    }

    private func armActiveWatch() {
        guard activeWatch == nil, !activeWatchPending else { return }
        activeWatchPending = true
        core.call(path: Self.objectPath, interface: Self.interface, member: "AddUserActiveWatch") { [weak self] result in
            guard let self else { return }
            self.activeWatchPending = false
            switch result {
            case .success(let reply):
                guard reply.signature == "u", let id = try? reply.readUInt32() else {
                    return self.core.garbage("AddUserActiveWatch reply", "signature \(reply.signature), expected u")
                }
                self.activeWatch = id
            case .failure(let error):
                self.core.log.limited("AddUserActiveWatch", .warning, "AddUserActiveWatch failed: \(error)")
            }
        }
    }

    private func watchFired(_ message: BusMessage) {
        guard message.signature == "u", let id = try? message.readUInt32() else {
            return core.garbage("WatchFired", "signature \(message.signature), expected u")
        }
        let now = core.now
        if id == idleWatch {
            state?.offer(.idle(since: now.addingTimeInterval(-thresholdSeconds)), at: now)
            armActiveWatch()
        } else if id == activeWatch {
            activeWatch = nil  // one-shot: Mutter removed it
            state?.offer(.active, at: now)
        } else {
            core.log.limited("unknown-watch", .debug, "WatchFired for a watch that is not ours (\(id))")
        }
    }
}

// MARK: - Screen savers

/// org.gnome.ScreenSaver or org.freedesktop.ScreenSaver: ActiveChanged(b), GetActive() when the
/// service appears. The screen saver being active is reported as locked: either way nobody is
/// looking. (GetSessionIdleTime has no change signal, so it is not used for idleness; read it
/// on demand with `sessionIdleTime`.)
public final class ScreenSaverMonitor: ActivitySource {
    public enum Flavor: String, Sendable, CaseIterable {
        case gnome, freedesktop

        public var busName: String { self == .gnome ? "org.gnome.ScreenSaver" : "org.freedesktop.ScreenSaver" }
        public var objectPath: String { self == .gnome ? "/org/gnome/ScreenSaver" : "/org/freedesktop/ScreenSaver" }
        public var interface: String { busName }
    }

    public let flavor: Flavor
    public let name: String
    public let idleRank = 0
    public var isAvailable: Bool { core.owner != nil }

    private let core: SourceCore
    private var state: Coalescer<Bool>?

    public init(_ flavor: Flavor, logger: Logger, options: ActivitySourceOptions = .init()) {
        self.flavor = flavor
        name = "\(flavor.rawValue)-screensaver"
        core = SourceCore(name: name, busName: flavor.busName, busLabel: "session", logger: logger, options: options)
    }

    public func start(on bus: Bus, handler: @escaping (ActivityEvent) -> Void) throws(SystemdError) {
        let queue = try core.begin(on: bus, handler: handler) { [weak self] owner, _ in self?.ownerChanged(owner) }
        state = Coalescer(window: core.options.coalesceWindow, queue: queue) { [weak self] locked, at in
            self?.core.emit(locked ? .locked : .unlocked, at: at)
        }
        // Any path: KDE emits from /ScreenSaver as well as /org/freedesktop/ScreenSaver.
        core.matches.append(try bus.matchSignal(sender: flavor.busName, path: nil, interface: flavor.interface,
                                                member: "ActiveChanged") { [weak self] m in self?.activeChanged(m) })
    }

    public func stop() {
        state?.reset()
        state = nil
        core.end()
    }

    /// GetSessionIdleTime (org.freedesktop.ScreenSaver only): seconds without input, for a one-off
    /// check (e.g. before delivering a reminder). nil when unsupported, absent or implausible.
    public func sessionIdleTime(completion: @escaping (Duration?) -> Void) {
        guard flavor == .freedesktop, core.owner != nil else { return completion(nil) }
        core.call(path: flavor.objectPath, interface: flavor.interface, member: "GetSessionIdleTime") { [weak self] result in
            guard case .success(let reply) = result, reply.signature == "u", let seconds = try? reply.readUInt32(),
                  Double(seconds) <= maximumPlausibleIdle else {
                if case .success(let reply) = result { self?.core.garbage("GetSessionIdleTime reply", "signature \(reply.signature)") }
                return completion(nil)
            }
            completion(.seconds(seconds))
        }
    }

    private func ownerChanged(_ owner: String?) {
        guard owner != nil else {
            if state?.delivered != nil { core.emit(.lost, at: core.now) }
            state?.reset()
            return
        }
        core.call(path: flavor.objectPath, interface: flavor.interface, member: "GetActive") { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let reply):
                guard reply.signature == "b", let active = try? reply.readBool() else {
                    return self.core.garbage("GetActive reply", "signature \(reply.signature), expected b")
                }
                self.state?.offer(active, at: self.core.now)
            case .failure(let error):
                self.core.log.limited("GetActive", .info, "GetActive failed on \(self.flavor.busName): \(error)")
            }
        }
    }

    private func activeChanged(_ message: BusMessage) {
        guard message.signature == "b", let active = try? message.readBool() else {
            return core.garbage("ActiveChanged", "signature \(message.signature), expected b")
        }
        state?.offer(active, at: core.now)
    }
}

// MARK: - logind

/// logind on the system bus: the session's IdleHint/IdleSinceHint/LockedHint (PropertiesChanged on
/// the session's real object path, found with Manager.GetSession("auto"), read with GetAll when
/// logind appears) and the Manager's PrepareForSleep(b).
public final class LogindSessionMonitor: ActivitySource {
    public static let busName = "org.freedesktop.login1"
    public static let managerPath = "/org/freedesktop/login1"
    public static let managerInterface = "org.freedesktop.login1.Manager"
    public static let sessionInterface = "org.freedesktop.login1.Session"
    /// The caller's session, or the user's display session for a process outside any session
    /// (a user service): org.freedesktop.login1(5).
    public static let autoSessionPath = "/org/freedesktop/login1/session/auto"

    public let name = "logind"
    public let idleRank = 10
    public var isAvailable: Bool { core.owner != nil && sessionPath != nil }
    /// The session object being watched.
    public private(set) var sessionPath: String?

    private let core: SourceCore
    private var idle: Coalescer<IdleValue>?
    private var locked: Coalescer<Bool>?
    private var asleep: Coalescer<Bool>?
    private var sessionMatch: BusSlot?

    public init(logger: Logger, options: ActivitySourceOptions = .init()) {
        core = SourceCore(name: "logind", busName: Self.busName, busLabel: "system", logger: logger, options: options)
    }

    public func start(on bus: Bus, handler: @escaping (ActivityEvent) -> Void) throws(SystemdError) {
        let queue = try core.begin(on: bus, handler: handler) { [weak self] owner, _ in self?.ownerChanged(owner) }
        let window = core.options.coalesceWindow
        idle = Coalescer(window: window, queue: queue) { [weak self] value, at in
            switch value {
            case .active: self?.core.emit(.active, at: at)
            case .idle(let since): self?.core.emit(.idle(since: since), at: at)
            }
        }
        locked = Coalescer(window: window, queue: queue) { [weak self] value, at in self?.core.emit(value ? .locked : .unlocked, at: at) }
        asleep = Coalescer(window: window, queue: queue) { [weak self] value, at in self?.core.emit(value ? .sleep : .resume, at: at) }
        core.matches.append(try bus.matchSignal(sender: Self.busName, path: Self.managerPath, interface: Self.managerInterface,
                                                member: "PrepareForSleep") { [weak self] m in self?.prepareForSleep(m) })
    }

    public func stop() {
        sessionMatch?.cancel()
        sessionMatch = nil
        idle?.reset()
        locked?.reset()
        asleep?.reset()
        idle = nil
        locked = nil
        asleep = nil
        core.end()
    }

    private func ownerChanged(_ owner: String?) {
        sessionMatch?.cancel()
        sessionMatch = nil
        sessionPath = nil
        guard owner != nil else {
            if idle?.delivered != nil || locked?.delivered != nil { core.emit(.lost, at: core.now) }
            idle?.reset()
            locked?.reset()
            return
        }
        core.call(path: Self.managerPath, interface: Self.managerInterface, member: "GetSession",
                  build: { m throws(SystemdError) in try m.append("auto") }) { [weak self] result in
            guard let self else { return }
            var path = Self.autoSessionPath
            switch result {
            case .success(let reply):
                if reply.signature == "o", let p = try? reply.readString(), p.hasPrefix("/") {
                    path = p
                } else {
                    self.core.garbage("GetSession reply", "signature \(reply.signature), expected o")
                }
            case .failure(let error):
                self.core.log.once("no-session", .notice,
                                   "logind has no session for us (GetSession(\"auto\"): \(error)); lock and idle hints are read from \(path) and may never change")
            }
            self.watchSession(at: path)
        }
    }

    private func watchSession(at path: String) {
        guard let bus = core.bus else { return }
        sessionPath = path
        let rule = "type='signal',sender='\(Self.busName)',path='\(path)',interface='org.freedesktop.DBus.Properties',"
            + "member='PropertiesChanged',arg0='\(Self.sessionInterface)'"
        do throws(SystemdError) {
            sessionMatch = try bus.addMatch(rule: rule) { [weak self] m in self?.propertiesChanged(m) }
        } catch {
            core.log.limited("session-match", .warning, "Cannot watch the logind session \(path): \(error)")
        }
        readAll()
    }

    private func readAll() {
        guard let path = sessionPath else { return }
        core.call(path: path, interface: "org.freedesktop.DBus.Properties", member: "GetAll",
                  build: { m throws(SystemdError) in try m.append(Self.sessionInterface) }) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let reply):
                guard reply.signature == "a{sv}", let values = try? reply.readUntrustedDictionary() else {
                    return self.core.garbage("GetAll reply", "signature \(reply.signature), expected a{sv}")
                }
                self.apply(values)
            case .failure(let error):
                self.core.log.limited("GetAll", .warning, "Cannot read the logind session \(path): \(error)")
            }
        }
    }

    private func propertiesChanged(_ message: BusMessage) {
        let body: (interface: String, changed: [String: UntrustedValue], invalidated: [String])
        do throws(SystemdError) { body = try message.readUntrustedPropertiesChanged() } catch {
            return core.garbage("PropertiesChanged", "\(error)")
        }
        guard body.interface == Self.sessionInterface else { return }
        apply(body.changed)
        if body.invalidated.contains(where: { ["IdleHint", "IdleSinceHint", "LockedHint"].contains($0) }) { readAll() }
    }

    private func apply(_ values: [String: UntrustedValue]) {
        let now = core.now
        if let value = values["LockedHint"] {
            if let b = value.bool { locked?.offer(b, at: now) } else { core.garbage("LockedHint", "type \(value.signature), expected b") }
        }
        if let value = values["IdleHint"] {
            guard let isIdle = value.bool else { return core.garbage("IdleHint", "type \(value.signature), expected b") }
            if isIdle {
                idle?.offer(.idle(since: since(values["IdleSinceHint"], now: now)), at: now)
            } else {
                idle?.offer(.active, at: now)
            }
        }
    }

    /// IdleSinceHint (µs since the epoch) made safe: missing, zero, wrong type, in the future or
    /// absurdly old means "now".
    private func since(_ value: UntrustedValue?, now: Date) -> Date {
        guard let value else { return now }
        guard let micros = value.unsigned else {
            core.garbage("IdleSinceHint", "type \(value.signature), expected t")
            return now
        }
        if micros == 0 { return now }
        let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        if date > now { return now }
        if now.timeIntervalSince(date) > maximumPlausibleIdle {
            core.garbage("IdleSinceHint", "\(micros) µs is not a plausible time")
            return now
        }
        return date
    }

    private func prepareForSleep(_ message: BusMessage) {
        guard message.signature == "b", let sleeping = try? message.readBool() else {
            return core.garbage("PrepareForSleep", "signature \(message.signature), expected b")
        }
        asleep?.offer(sleeping, at: core.now)
    }
}
