// Whether the notification server is in do-not-disturb: a break reminder should then wait (or be
// dropped, by policy) instead of popping up into a presentation. Four servers, four interfaces
// (as they implement them):
//
//   KDE Plasma   org.freedesktop.Notifications at /org/freedesktop/Notifications, interface
//                org.freedesktop.Notifications, property Inhibited (b, EmitsChangedSignal=true;
//                plasma-workspace libnotificationmanager/dbus/org.freedesktop.Notifications.xml).
//   dunst        org.freedesktop.Notifications at /org/freedesktop/Notifications, interface
//                org.dunstproject.cmd0, property paused (b) and pauseLevel (u), both announced with
//                PropertiesChanged carrying the values (dunst src/dbus.c).
//   mako         org.freedesktop.Notifications at /fr/emersion/Mako, interface fr.emersion.Mako:
//                property Modes (as) since mako 1.10 (emersion/mako#552), announced by
//                PropertiesChanged *invalidating* it (no value: read it again); older makos only
//                have ListModes() -> as and NO change signal. DND is a mode, by convention
//                "do-not-disturb" (mako(5)); which modes count is configurable.
//   swaync       org.erikreider.swaync.cc at /org/erikreider/swaync/cc, interface
//                org.erikreider.swaync.cc: GetDnd() -> b, IsInhibited() -> b, signal
//                SubscribeV2(u count, b dnd, b cc_open, b inhibited) (older: Subscribe(u, b, b)).
//                swaync is D-Bus activatable: calls go to the unique owner only, so looking never
//                starts it.
//
// Without a change signal (old mako), the least-bad non-polling approach is used: read when the
// server appears (NameOwnerChanged) and whenever the daemon is about to deliver (`refresh()`).

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

/// A do-not-disturb change: `isOn` nil means unknown (the server went away or does not speak
/// this interface).
public struct DoNotDisturbEvent: Sendable, Equatable {
    public var source: String
    public var isOn: Bool?
    public var at: Date

    public init(source: String, isOn: Bool?, at: Date) {
        self.source = source
        self.isOn = isOn
        self.at = at
    }
}

/// A notification server's do-not-disturb switch. Use on the bus queue, after `bus.attach(to:)`.
public protocol DoNotDisturbSource: AnyObject {
    var name: String { get }
    /// The server is there and speaks this interface.
    var isAvailable: Bool { get }
    /// The last known state (nil: unknown).
    var isOn: Bool? { get }
    /// Whether the server announces changes; if false, `refresh()` is the only way to see them.
    var announcesChanges: Bool { get }
    func start(on bus: Bus, handler: @escaping (DoNotDisturbEvent) -> Void) throws(SystemdError)
    /// Reads the state again now (e.g. right before a delivery attempt). Harmless when absent.
    func refresh()
    func stop()
}

/// One implementation for the four servers; make one with `.kde()`, `.dunst()`, `.mako()`,
/// `.swaync()`. Start all four: at most one of KDE/dunst/mako owns org.freedesktop.Notifications,
/// and the others find it does not speak their interface and stay quiet (logged once).
public final class DoNotDisturbMonitor: DoNotDisturbSource {
    enum Kind {
        /// A boolean property announced with PropertiesChanged (KDE, dunst).
        case boolProperty(property: String)
        /// mako: the Modes property (or ListModes()), on when any of `modes` is active.
        case makoModes(modes: Set<String>)
        /// swaync: GetDnd()/IsInhibited() and the SubscribeV2 signal.
        case swaync
    }

    public let name: String
    public let busName: String
    public let objectPath: String
    public let interface: String
    public private(set) var isOn: Bool?
    public var isAvailable: Bool { core.owner != nil && speaks }
    public private(set) var announcesChanges: Bool

    let kind: Kind
    private let core: SourceCore
    private var handler: ((DoNotDisturbEvent) -> Void)?
    private var state: Coalescer<Bool?>?
    /// The owner answered our interface at least once (false after an UnknownInterface answer).
    private var speaks = false {
        didSet { if speaks { everSpoke = true } }
    }
    /// The current or an earlier owner spoke our interface: only then are its comings and goings logged.
    private var everSpoke = false
    /// mako without the Modes property: use ListModes().
    private var makoLegacy = false

    init(name: String, busName: String, objectPath: String, interface: String, kind: Kind,
         logger: Logger, options: ActivitySourceOptions) {
        self.name = name
        self.busName = busName
        self.objectPath = objectPath
        self.interface = interface
        self.kind = kind
        announcesChanges = true
        core = SourceCore(name: name, busName: busName, busLabel: "session", logger: logger, options: options)
        core.logsOwnerChanges = { [weak self] in self?.everSpoke ?? false }
    }

    /// KDE Plasma: org.freedesktop.Notifications.Inhibited.
    public static func kde(logger: Logger, options: ActivitySourceOptions = .init()) -> DoNotDisturbMonitor {
        DoNotDisturbMonitor(name: "kde-dnd", busName: "org.freedesktop.Notifications", objectPath: "/org/freedesktop/Notifications",
                            interface: "org.freedesktop.Notifications", kind: .boolProperty(property: "Inhibited"),
                            logger: logger, options: options)
    }

    /// dunst: org.dunstproject.cmd0.paused.
    public static func dunst(logger: Logger, options: ActivitySourceOptions = .init()) -> DoNotDisturbMonitor {
        DoNotDisturbMonitor(name: "dunst-dnd", busName: "org.freedesktop.Notifications", objectPath: "/org/freedesktop/Notifications",
                            interface: "org.dunstproject.cmd0", kind: .boolProperty(property: "paused"),
                            logger: logger, options: options)
    }

    /// mako: on while any of `modes` is among fr.emersion.Mako's Modes.
    public static func mako(modes: Set<String> = ["do-not-disturb"], logger: Logger,
                            options: ActivitySourceOptions = .init()) -> DoNotDisturbMonitor {
        DoNotDisturbMonitor(name: "mako-dnd", busName: "org.freedesktop.Notifications", objectPath: "/fr/emersion/Mako",
                            interface: "fr.emersion.Mako", kind: .makoModes(modes: modes), logger: logger, options: options)
    }

    /// swaync: do-not-disturb or inhibited (both hold popups back).
    public static func swaync(logger: Logger, options: ActivitySourceOptions = .init()) -> DoNotDisturbMonitor {
        DoNotDisturbMonitor(name: "swaync-dnd", busName: "org.erikreider.swaync.cc", objectPath: "/org/erikreider/swaync/cc",
                            interface: "org.erikreider.swaync.cc", kind: .swaync, logger: logger, options: options)
    }

    public func start(on bus: Bus, handler: @escaping (DoNotDisturbEvent) -> Void) throws(SystemdError) {
        self.handler = handler
        let queue = try core.begin(on: bus, handler: { _ in }) { [weak self] owner, _ in self?.ownerChanged(owner) }
        state = Coalescer(window: core.options.coalesceWindow, queue: queue) { [weak self] value, at in
            guard let self else { return }
            self.isOn = value
            self.handler?(DoNotDisturbEvent(source: self.name, isOn: value, at: at))
        }
        switch kind {
        case .boolProperty, .makoModes:
            let rule = "type='signal',sender='\(busName)',path='\(objectPath)',interface='org.freedesktop.DBus.Properties',"
                + "member='PropertiesChanged',arg0='\(interface)'"
            core.matches.append(try bus.addMatch(rule: rule) { [weak self] m in self?.propertiesChanged(m) })
        case .swaync:
            core.matches.append(try bus.matchSignal(sender: busName, path: objectPath, interface: interface, member: nil) { [weak self] m in
                self?.swayncSignal(m)
            })
        }
    }

    public func stop() {
        state?.reset()
        state = nil
        handler = nil
        core.end()
    }

    public func refresh() {
        guard core.owner != nil else {
            // Reported once at start (or when it left); a refresh per delivery must not repeat it.
            return
        }
        read()
    }

    private func offer(_ value: Bool?) {
        state?.offer(value, at: core.now)
    }

    private func ownerChanged(_ owner: String?) {
        speaks = false
        makoLegacy = false
        if case .makoModes = kind { announcesChanges = true }
        guard owner != nil else {
            if state?.delivered != nil { offer(nil) }
            return
        }
        read()
    }

    /// The server does not speak our interface (another server owns the shared name).
    private func notSpoken(_ error: SystemdError) -> Bool {
        switch error.busErrorName {
        case "org.freedesktop.DBus.Error.UnknownInterface", "org.freedesktop.DBus.Error.UnknownMethod",
             "org.freedesktop.DBus.Error.UnknownObject", "org.freedesktop.DBus.Error.UnknownProperty",
             "org.freedesktop.DBus.Error.InvalidArgs":
            return true
        default:
            return false
        }
    }

    private func failed(_ what: String, _ error: SystemdError) {
        if notSpoken(error) {
            speaks = false
            core.log.once("not-spoken", .info, "\(busName) does not speak \(interface) (\(error.busErrorName ?? "error")); \(name) is unused")
        } else {
            core.log.limited("read", .warning, "Cannot read \(what) from \(busName): \(error)")
        }
    }

    private func read() {
        switch kind {
        case .boolProperty(let property):
            core.get(path: objectPath, interface: interface, property: property) { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(let value):
                    self.speaks = true
                    guard let on = value.bool else { return self.core.garbage(property, "type \(value.signature), expected b") }
                    self.offer(on)
                case .failure(let error):
                    self.failed(property, error)
                }
            }
        case .makoModes(let modes):
            if makoLegacy { return readMakoListModes(modes) }
            core.get(path: objectPath, interface: interface, property: "Modes") { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(let value):
                    self.speaks = true
                    guard let active = value.strings else { return self.core.garbage("Modes", "type \(value.signature), expected as") }
                    self.offer(!modes.isDisjoint(with: active))
                case .failure(let error) where error.busErrorName == "org.freedesktop.DBus.Error.UnknownProperty"
                    || error.busErrorName == "org.freedesktop.DBus.Error.UnknownInterface"
                    || error.busErrorName == "org.freedesktop.DBus.Error.InvalidArgs":
                    // mako before 1.10 (or not mako at all): try ListModes().
                    self.makoLegacy = true
                    self.readMakoListModes(modes)
                case .failure(let error):
                    self.failed("Modes", error)
                }
            }
        case .swaync:
            core.call(path: objectPath, interface: interface, member: "GetDnd") { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(let reply):
                    self.speaks = true
                    guard reply.signature == "b", let dnd = try? reply.readBool() else {
                        return self.core.garbage("GetDnd reply", "signature \(reply.signature), expected b")
                    }
                    if dnd { return self.offer(true) }
                    self.core.call(path: self.objectPath, interface: self.interface, member: "IsInhibited") { [weak self] result in
                        // Older swaync has no inhibitors: then DND alone decides.
                        guard case .success(let reply) = result, reply.signature == "b", let inhibited = try? reply.readBool() else {
                            self?.offer(false)
                            return
                        }
                        self?.offer(inhibited)
                    }
                case .failure(let error):
                    self.failed("GetDnd", error)
                }
            }
        }
    }

    private func readMakoListModes(_ modes: Set<String>) {
        core.call(path: objectPath, interface: interface, member: "ListModes") { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let reply):
                self.speaks = true
                guard reply.signature == "as", let active = try? reply.readStringArray() else {
                    return self.core.garbage("ListModes reply", "signature \(reply.signature), expected as")
                }
                if self.announcesChanges {
                    self.announcesChanges = false
                    self.core.log.once("mako-legacy", .notice,
                                       "This mako has no Modes property and announces no mode changes (mako < 1.10): do-not-disturb is read when mako appears and before each delivery")
                }
                self.offer(!modes.isDisjoint(with: active))
            case .failure(let error):
                self.failed("ListModes", error)
            }
        }
    }

    private func propertiesChanged(_ message: BusMessage) {
        let body: (interface: String, changed: [String: UntrustedValue], invalidated: [String])
        do throws(SystemdError) { body = try message.readUntrustedPropertiesChanged() } catch {
            return core.garbage("PropertiesChanged", "\(error)")
        }
        guard body.interface == interface else { return }
        switch kind {
        case .boolProperty(let property):
            if let value = body.changed[property] {
                guard let on = value.bool else { return core.garbage(property, "type \(value.signature), expected b") }
                speaks = true
                offer(on)
            } else if body.invalidated.contains(property) {
                read()
            }
        case .makoModes(let modes):
            if let value = body.changed["Modes"] {
                guard let active = value.strings else { return core.garbage("Modes", "type \(value.signature), expected as") }
                speaks = true
                offer(!modes.isDisjoint(with: active))
            } else if body.invalidated.contains("Modes") {
                read()
            }
        case .swaync:
            break
        }
    }

    private func swayncSignal(_ message: BusMessage) {
        switch message.member {
        case "SubscribeV2":
            guard message.signature == "ubbb" else { return core.garbage("SubscribeV2", "signature \(message.signature), expected ubbb") }
            guard (try? message.readUInt32()) != nil, let dnd = try? message.readBool(), (try? message.readBool()) != nil,
                  let inhibited = try? message.readBool() else { return }
            speaks = true
            offer(dnd || inhibited)
        case "Subscribe":
            guard message.signature == "ubb" else { return core.garbage("Subscribe", "signature \(message.signature), expected ubb") }
            // SubscribeV2 says everything Subscribe says; newer swaync sends both, so this one is
            // only used when V2 was never seen.
            guard !sawV2, (try? message.readUInt32()) != nil, let dnd = try? message.readBool() else { return }
            speaks = true
            offer(dnd)
        default:
            break
        }
        if message.member == "SubscribeV2" { sawV2 = true }
    }

    private var sawV2 = false
}
