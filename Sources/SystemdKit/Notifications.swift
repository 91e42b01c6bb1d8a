import Dispatch

/// One desktop notification, as sent with org.freedesktop.Notifications.Notify.
public struct NotificationRequest: Sendable {
    public var appName: String
    /// Id of a notification to replace, or 0 for a new one.
    public var replacesID: UInt32
    public var icon: String
    public var summary: String
    public var body: String
    /// Buttons, in order; sent flattened as key, label, key, label… ("default" is a click on the bubble).
    public var actions: [(key: String, label: String)]
    /// E.g. "urgency" (`.byte(0...2)`), "category", "desktop-entry", "resident", "x-checkin-prompt".
    public var hints: [String: BusVariant]
    /// Milliseconds; -1 lets the server decide, 0 never expires.
    public var expireTimeout: Int32

    public init(
        appName: String = "checkin", replacesID: UInt32 = 0, icon: String = "", summary: String,
        body: String = "", actions: [(key: String, label: String)] = [], hints: [String: BusVariant] = [:],
        expireTimeout: Int32 = -1
    ) {
        self.appName = appName
        self.replacesID = replacesID
        self.icon = icon
        self.summary = summary
        self.body = body
        self.actions = actions
        self.hints = hints
        self.expireTimeout = expireTimeout
    }
}

/// What the notification server reported. Ids are not filtered: every notification of every
/// client shows up here; keep the ones you sent.
public enum NotificationEvent: Sendable, Equatable {
    case actionInvoked(id: UInt32, action: String)
    /// reason: 1 expired, 2 dismissed by the user, 3 closed by CloseNotification, 4 undefined.
    case closed(id: UInt32, reason: UInt32)
    /// `inline-reply` capability (KDE, swaync).
    case replied(id: UInt32, text: String)
    /// A server took org.freedesktop.Notifications (after a restart it knows none of the old ids).
    case serverAppeared(owner: String)
    case serverVanished
}

/// GetServerInformation.
public struct NotificationServerInformation: Sendable, Equatable {
    public var name: String
    public var vendor: String
    public var version: String
    public var specVersion: String

    public init(name: String, vendor: String, version: String, specVersion: String) {
        self.name = name
        self.vendor = vendor
        self.version = version
        self.specVersion = specVersion
    }
}

/// Client for the desktop notification service (org.freedesktop.Notifications), running on the
/// bus's queue: call it there, and completions and events run there.
public final class NotificationsClient {
    public static let busName = "org.freedesktop.Notifications"
    public static let objectPath = "/org/freedesktop/Notifications"
    public static let interface = "org.freedesktop.Notifications"

    public let bus: Bus
    /// Signals from the server and owner changes of its name.
    public var onEvent: (NotificationEvent) -> Void
    private var matches: [BusSlot] = []

    /// Installs the signal matches (synchronous AddMatch calls, so no event is missed after this
    /// returns). Create it before `bus.attach(to:)` or on the bus queue.
    public init(bus: Bus, onEvent: @escaping (NotificationEvent) -> Void = { _ in }) throws(SystemdError) {
        self.bus = bus
        self.onEvent = onEvent
        // Signals carry the server's unique name as sender, so match on path and interface.
        matches.append(try bus.matchSignal(
            sender: nil, path: Self.objectPath, interface: Self.interface, member: nil
        ) { [weak self] message in self?.handleSignal(message) })
        let rule = "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
            + "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='\(Self.busName)'"
        matches.append(try bus.addMatch(rule: rule) { [weak self] message in self?.handleOwnerChange(message) })
    }

    deinit {
        matches.forEach { $0.cancel() }
    }

    /// Whether a notification server currently owns the name (synchronous).
    public func serverAvailable() throws(SystemdError) -> Bool {
        try bus.nameHasOwner(Self.busName)
    }

    /// GetCapabilities, e.g. ["actions", "body", "body-markup", "inline-reply", "persistence"].
    public func capabilities(completion: @escaping (Result<[String], SystemdError>) -> Void) {
        call("GetCapabilities", build: { _ in }, completion: completion) { reply throws(SystemdError) in
            try reply.readStringArray()
        }
    }

    /// GetServerInformation.
    public func serverInformation(completion: @escaping (Result<NotificationServerInformation, SystemdError>) -> Void) {
        call("GetServerInformation", build: { _ in }, completion: completion) { reply throws(SystemdError) in
            NotificationServerInformation(
                name: try reply.readString(), vendor: try reply.readString(),
                version: try reply.readString(), specVersion: try reply.readString())
        }
    }

    /// Notify; the completion gets the id the server assigned (or reused for `replacesID`).
    public func notify(_ n: NotificationRequest, completion: @escaping (Result<UInt32, SystemdError>) -> Void) {
        call("Notify", build: { m throws(SystemdError) in
            try m.append(n.appName)
            try m.append(n.replacesID)
            try m.append(n.icon)
            try m.append(n.summary)
            try m.append(n.body)
            try m.appendStringArray(n.actions.flatMap { [$0.key, $0.label] })
            try m.appendVariantDictionary(n.hints)
            try m.append(n.expireTimeout)
        }, completion: completion) { reply throws(SystemdError) in
            try reply.readUInt32()
        }
    }

    /// CloseNotification; the server answers with a NotificationClosed signal (reason 3).
    public func close(id: UInt32, completion: @escaping (Result<Void, SystemdError>) -> Void = { _ in }) {
        call("CloseNotification", build: { m throws(SystemdError) in try m.append(id) }, completion: completion) { _ in }
    }

    /// Sends one method call. Failures to even send (closed bus) reach `completion` at once, before
    /// this returns; replies and error replies arrive later on the bus queue.
    private func call<T>(
        _ member: String,
        build: (BusMessage) throws(SystemdError) -> Void,
        completion: @escaping (Result<T, SystemdError>) -> Void,
        decode: @escaping (BusMessage) throws(SystemdError) -> T
    ) {
        do throws(SystemdError) {
            try bus.callAsync(
                destination: Self.busName, path: Self.objectPath, interface: Self.interface, member: member,
                build: build
            ) { result in
                switch result {
                case .success(let reply):
                    do throws(SystemdError) { completion(.success(try decode(reply))) } catch { completion(.failure(error)) }
                case .failure(let error):
                    completion(.failure(Self.explain(error)))
                }
            }
        } catch {
            completion(.failure(error))
        }
    }

    /// Says in words what "nobody owns the name" means here.
    static func explain(_ error: SystemdError) -> SystemdError {
        switch error.busErrorName {
        case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
            var explained = error
            explained.message = "no notification server is running (nothing owns \(busName) on this bus)"
                + (error.message.map { ": \($0)" } ?? "")
            return explained
        default:
            return error
        }
    }

    private func handleSignal(_ message: BusMessage) {
        let event: NotificationEvent?
        do throws(SystemdError) {
            switch message.member {
            case "ActionInvoked": event = .actionInvoked(id: try message.readUInt32(), action: try message.readString())
            case "NotificationClosed": event = .closed(id: try message.readUInt32(), reason: try message.readUInt32())
            case "NotificationReplied": event = .replied(id: try message.readUInt32(), text: try message.readString())
            default: event = nil
            }
        } catch {
            event = nil  // malformed signal from a broken server: nothing sensible to report
        }
        if let event { onEvent(event) }
    }

    private func handleOwnerChange(_ message: BusMessage) {
        guard let name = try? message.readString(), name == Self.busName,
              let old = try? message.readString(), let new = try? message.readString() else { return }
        if !old.isEmpty { onEvent(.serverVanished) }
        if !new.isEmpty { onEvent(.serverAppeared(owner: new)) }
    }
}
