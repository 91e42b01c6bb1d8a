import CSystemd
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A D-Bus connection (`sd_bus *`).
///
/// ## Threading
/// sd-bus objects are not thread-safe. After `attach(to:)`, every use of the bus, of its
/// `BusSlot`s and of the `BusMessage`s it hands out must happen on that queue; all callbacks
/// (replies, signals, method calls) run there. Before attaching, use it from one thread at a time
/// (the CLI does only synchronous calls and never attaches).
///
/// ## Event loop
/// `attach(to:)` integrates with Dispatch without polling: a read source on `sd_bus_get_fd`, a write
/// source enabled only while `sd_bus_get_events` asks for `POLLOUT`, and one one-shot timer re-armed
/// from `sd_bus_get_timeout` after every processing round (reply timeouts, queued messages).
public final class Bus: @unchecked Sendable {
    /// The `sd_bus *`; nil once closed.
    public private(set) var pointer: OpaquePointer?
    /// The queue given to `attach(to:)`.
    public private(set) var queue: DispatchQueue?
    /// Called on the bus queue once when the connection drops (e.g. the bus daemon exited).
    /// Replies still pending at that point fail with `org.freedesktop.DBus.Error.NoReply` first.
    public var onDisconnect: (() -> Void)?

    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var writeState = WriteState.inactive
    private var timer: DispatchSourceTimer?
    /// Left by the fd sources' cancel handlers; the fd may only be closed after both ran.
    private var fdSourcesCancelled: DispatchGroup?
    /// Set once the sources were cancelled (by close or a disconnect), until the bus is released.
    private var sourcesCancelling: DispatchGroup?

    private enum WriteState { case inactive, running, suspended }

    private init(adopting pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// The session bus of the current user: `$DBUS_SESSION_BUS_ADDRESS` if set, otherwise
    /// `$XDG_RUNTIME_DIR/bus` (`sd_bus_open_user` needs one of them).
    public static func user() throws(SystemdError) -> Bus {
        var bus: OpaquePointer?
        let r = sd_bus_open_user(&bus)
        if r < 0 {
            let address = getenv("DBUS_SESSION_BUS_ADDRESS").map { String(cString: $0) }
            let runtime = getenv("XDG_RUNTIME_DIR").map { String(cString: $0) }
            let context: String
            switch (address, runtime) {
            case let (address?, _): context = "session bus at DBUS_SESSION_BUS_ADDRESS=\(address)"
            case let (nil, runtime?): context = "session bus at \(runtime)/bus (DBUS_SESSION_BUS_ADDRESS unset)"
            case (nil, nil): context = "neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set — is there a user session?"
            }
            throw SystemdError(call: "sd_bus_open_user", errno: -r, message: context)
        }
        return Bus(adopting: bus!)
    }

    /// The system bus (`$DBUS_SYSTEM_BUS_ADDRESS` if set, otherwise /run/dbus/system_bus_socket).
    public static func system() throws(SystemdError) -> Bus {
        var bus: OpaquePointer?
        let r = sd_bus_open_system(&bus)
        if r < 0 {
            let address = getenv("DBUS_SYSTEM_BUS_ADDRESS").map { String(cString: $0) }
                ?? "unix:path=/run/dbus/system_bus_socket"
            throw SystemdError(call: "sd_bus_open_system", errno: -r, message: "system bus at \(address)")
        }
        return Bus(adopting: bus!)
    }

    /// A client connection to the message bus at `address` (e.g. `unix:path=/tmp/bus`).
    public init(address: String) throws(SystemdError) {
        var bus: OpaquePointer?
        try check("sd_bus_new", sd_bus_new(&bus))
        do {
            try check("sd_bus_set_address(\(address))", sd_bus_set_address(bus, address))
            try check("sd_bus_set_bus_client", sd_bus_set_bus_client(bus, 1))
            try check("sd_bus_start(\(address))", sd_bus_start(bus))
        } catch {
            sd_bus_unref(bus)
            throw error
        }
        self.pointer = bus
    }

    deinit {
        close()
    }

    private func open(_ call: @autoclosure () -> String) throws(SystemdError) -> OpaquePointer {
        guard let pointer else { throw SystemdError(call: call(), errno: ENOTCONN, message: "the bus was closed") }
        return pointer
    }

    /// Whether the connection is still up.
    public var isOpen: Bool {
        guard let pointer else { return false }
        return sd_bus_is_open(pointer) > 0
    }

    // MARK: Lifecycle

    /// Flushes queued outgoing messages (blocking until written) — mostly for one-shot CLI use.
    public func flush() throws(SystemdError) {
        try check("sd_bus_flush", sd_bus_flush(try open("sd_bus_flush")))
    }

    /// Flushes, closes and releases the connection. Idempotent; also done by deinit.
    /// Pending asynchronous calls are dropped without calling their reply handlers.
    public func close() {
        guard let bus = pointer else { return }
        pointer = nil
        // Write what is queued while the fd is still ours.
        _ = sd_bus_flush(bus)
        let handle = UncheckedBus(pointer: bus)
        if let done = cancelSources() ?? sourcesCancelling, let queue {
            // Dispatch may still watch the fd until the cancel handlers ran; close it afterwards.
            done.notify(queue: queue) { sd_bus_flush_close_unref(handle.pointer) }
        } else {
            sd_bus_flush_close_unref(handle.pointer)
        }
    }

    /// Cancels the Dispatch sources; returns the group that completes when the fd is no longer watched.
    private func cancelSources() -> DispatchGroup? {
        timer?.cancel()
        timer = nil
        guard let readSource, let writeSource, let group = fdSourcesCancelled else { return nil }
        readSource.cancel()
        writeSource.cancel()
        // A suspended or never-activated source must be resumed so it can finish cancelling.
        switch writeState {
        case .inactive: writeSource.activate()
        case .suspended: writeSource.resume()
        case .running: break
        }
        writeState = .running
        self.readSource = nil
        self.writeSource = nil
        fdSourcesCancelled = nil
        sourcesCancelling = group
        return group
    }

    // MARK: Dispatch integration

    /// Runs the bus on `queue`: incoming messages, replies, timeouts and outgoing writes are all
    /// handled there from now on. Call once.
    public func attach(to queue: DispatchQueue) throws(SystemdError) {
        let bus = try open("sd_bus_get_fd")
        precondition(self.queue == nil, "Bus.attach(to:) called twice")
        let fd = try check("sd_bus_get_fd", sd_bus_get_fd(bus))
        self.queue = queue

        let group = DispatchGroup()
        let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        let write = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        for source in [read as DispatchSourceProtocol, write] {
            group.enter()
            source.setEventHandler { [weak self] in self?.processAvailable() }
            source.setCancelHandler { group.leave() }
        }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [weak self] in self?.processAvailable() }
        timer.schedule(deadline: .distantFuture)

        readSource = read
        writeSource = write
        self.timer = timer
        fdSourcesCancelled = group
        read.activate()
        timer.activate()
        // Messages may already sit in sd-bus's read queue (read during synchronous calls).
        queue.async { [weak self] in self?.processAvailable() }
    }

    /// One processing round: dispatch everything sd-bus has, then re-arm the sources.
    private func processAvailable() {
        guard let bus = pointer else { return }
        while true {
            let r = sd_bus_process(bus, nil)
            // A callback may have closed the bus (sd_bus_process keeps it alive until it returns).
            guard pointer != nil else { return }
            if r > 0 { continue }
            if r < 0 && sd_bus_is_open(bus) <= 0 {
                disconnected()
                return
            }
            break
        }
        rearm()
    }

    /// Enables the write source only while sd-bus has output queued, and sets the one-shot timer
    /// to the next sd-bus deadline (0 means "process again now").
    private func rearm() {
        guard let bus = pointer, let timer else { return }
        let events = sd_bus_get_events(bus)
        if events < 0 {
            if sd_bus_is_open(bus) <= 0 { disconnected() }
            return
        }
        setWriting(events & Int32(POLLOUT) != 0)

        var deadline: UInt64 = .max
        if sd_bus_get_timeout(bus, &deadline) < 0 { deadline = .max }
        if deadline == .max {
            timer.schedule(deadline: .distantFuture)
        } else {
            let now = Self.monotonicMicroseconds()
            let delay = deadline > now ? min(deadline - now, 86_400_000_000) : 0
            timer.schedule(deadline: .now() + .microseconds(Int(delay)))
        }
    }

    private func setWriting(_ on: Bool) {
        guard let writeSource else { return }
        switch (on, writeState) {
        case (true, .inactive): writeSource.activate(); writeState = .running
        case (true, .suspended): writeSource.resume(); writeState = .running
        case (false, .running): writeSource.suspend(); writeState = .suspended
        default: break
        }
    }

    private func disconnected() {
        // A hung-up fd stays readable forever: stop watching it. The bus itself is released by close().
        _ = cancelSources()
        let handler = onDisconnect
        onDisconnect = nil
        handler?()
    }

    /// After the API queued something (a call, a signal): make sure it gets written and that reply
    /// timeouts are watched. Only meaningful once attached; called on the bus queue.
    private func kick() {
        if queue != nil { rearm() }
    }

    private static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1_000
    }

    private static func microseconds(_ timeout: Duration?) -> UInt64 {
        guard let timeout else { return 0 }  // 0: sd-bus default (25 s)
        let (seconds, attoseconds) = timeout.components
        guard seconds >= 0 else { return 1 }
        return max(1, UInt64(seconds) * 1_000_000 + UInt64(attoseconds / 1_000_000_000_000))
    }

    // MARK: Names

    /// This connection's unique name, e.g. `:1.42`.
    public var uniqueName: String {
        get throws(SystemdError) {
            var name: UnsafePointer<CChar>?
            try check("sd_bus_get_unique_name", sd_bus_get_unique_name(try open("sd_bus_get_unique_name"), &name))
            return String(cString: name!)
        }
    }

    /// Flags for `requestName(_:flags:)` (values of `SD_BUS_NAME_*`).
    public struct NameFlags: OptionSet, Sendable {
        public let rawValue: UInt64
        public init(rawValue: UInt64) { self.rawValue = rawValue }
        public static let replaceExisting = NameFlags(rawValue: 1 << 0)
        public static let allowReplacement = NameFlags(rawValue: 1 << 1)
        public static let queue = NameFlags(rawValue: 1 << 2)
    }

    /// Acquires a well-known name. Returns true when this connection is now the primary owner
    /// (or already was), false when queued (only with `.queue`). When another connection owns the
    /// name, throws EEXIST with a message saying so.
    @discardableResult
    public func requestName(_ name: String, flags: NameFlags = []) throws(SystemdError) -> Bool {
        let bus = try open("sd_bus_request_name(\(name))")
        let r = sd_bus_request_name(bus, name, flags.rawValue)
        kick()
        switch r {
        case -EALREADY: return true
        case -EEXIST:
            throw SystemdError(
                call: "sd_bus_request_name(\(name))", errno: EEXIST,
                message: "another instance already owns \(name) — is checkind already running?")
        default:
            try check("sd_bus_request_name(\(name))", r)
            return r > 0
        }
    }

    /// Gives up a well-known name.
    public func releaseName(_ name: String) throws(SystemdError) {
        let r = sd_bus_release_name(try open("sd_bus_release_name(\(name))"), name)
        kick()
        try check("sd_bus_release_name(\(name))", r)
    }

    /// Whether some connection owns `name` (synchronous org.freedesktop.DBus.NameHasOwner).
    public func nameHasOwner(_ name: String) throws(SystemdError) -> Bool {
        let reply = try call(
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
            interface: "org.freedesktop.DBus", member: "NameHasOwner"
        ) { m throws(SystemdError) in try m.append(name) }
        return try reply.readBool()
    }

    // MARK: Method calls

    private func newMethodCall(
        _ bus: OpaquePointer, destination: String?, path: String, interface: String?, member: String
    ) throws(SystemdError) -> BusMessage {
        var m: OpaquePointer?
        try check("sd_bus_message_new_method_call(\(interface.map { $0 + "." } ?? "")\(member))",
                  sd_bus_message_new_method_call(bus, &m, destination, path, interface, member))
        return BusMessage(adopting: m!)
    }

    /// Calls a method and waits for the reply (blocks the calling thread; for the CLI and start-up).
    /// An error reply throws with its D-Bus error name and message.
    public func call(
        destination: String?, path: String, interface: String?, member: String,
        timeout: Duration? = nil,
        build: (BusMessage) throws(SystemdError) -> Void = { _ in }
    ) throws(SystemdError) -> BusMessage {
        let name = "sd_bus_call(\(interface.map { $0 + "." } ?? "")\(member))"
        let bus = try open(name)
        let message = try newMethodCall(bus, destination: destination, path: path, interface: interface, member: member)
        try build(message)
        var error = sd_bus_error()
        var reply: OpaquePointer?
        let r = sd_bus_call(bus, message.pointer, Self.microseconds(timeout), &error, &reply)
        defer { sd_bus_error_free(&error) }
        // sd_bus_call may have read other messages into sd-bus's queue: let the loop see them.
        kick()
        if r < 0 {
            throw SystemdError(
                call: name, errno: -r,
                busErrorName: error.name.map { String(cString: $0) },
                message: error.message.map { String(cString: $0) })
        }
        return BusMessage(adopting: reply!)
    }

    /// Sends a method call; `reply` runs once on the bus queue with the reply or the error
    /// (error replies, timeouts and disconnects carry the D-Bus error name).
    ///
    /// The call stays pending even if the returned slot is dropped; `cancel()` it to stop waiting.
    @discardableResult
    public func callAsync(
        destination: String?, path: String, interface: String?, member: String,
        timeout: Duration? = nil,
        build: (BusMessage) throws(SystemdError) -> Void = { _ in },
        reply: @escaping (Result<BusMessage, SystemdError>) -> Void
    ) throws(SystemdError) -> BusSlot {
        let name = "sd_bus_call_async(\(interface.map { $0 + "." } ?? "")\(member))"
        let bus = try open(name)
        let message = try newMethodCall(bus, destination: destination, path: path, interface: interface, member: member)
        try build(message)
        let box = Unmanaged.passRetained(ReplyBox(call: name, reply: reply))
        var slot: OpaquePointer?
        let r = sd_bus_call_async(bus, &slot, message.pointer, replyTrampoline, box.toOpaque(), Self.microseconds(timeout))
        if r < 0 {
            box.release()
            throw SystemdError(call: name, errno: -r)
        }
        // From here the slot owns the box: released when the slot is freed.
        sd_bus_slot_set_destroy_callback(slot, releaseBox)
        // Floating: the bus keeps the call alive until the reply came, whatever happens to BusSlot.
        sd_bus_slot_set_floating(slot, 1)
        kick()
        return BusSlot(adopting: slot!, floating: true)
    }

    // MARK: Signals

    /// Calls `handler` on the bus queue for every matching signal. Nil filters match anything.
    /// Signals carry the sender's unique name, so a well-known `sender` only matches while that
    /// name has an owner. The match is installed synchronously (AddMatch), so it is active on return.
    public func matchSignal(
        sender: String?, path: String?, interface: String?, member: String?,
        handler: @escaping (BusMessage) -> Void
    ) throws(SystemdError) -> BusSlot {
        let name = "sd_bus_match_signal(\(interface ?? "*").\(member ?? "*"))"
        let bus = try open(name)
        let box = Unmanaged.passRetained(MessageBox(handler: handler))
        var slot: OpaquePointer?
        let r = sd_bus_match_signal(bus, &slot, sender, path, interface, member, signalTrampoline, box.toOpaque())
        kick()
        if r < 0 {
            box.release()
            throw SystemdError(call: name, errno: -r)
        }
        sd_bus_slot_set_destroy_callback(slot, releaseBox)
        return BusSlot(adopting: slot!, floating: false)
    }

    /// Like `matchSignal` with a full match rule, e.g. to filter on `arg0=`.
    public func addMatch(rule: String, handler: @escaping (BusMessage) -> Void) throws(SystemdError) -> BusSlot {
        let bus = try open("sd_bus_add_match(\(rule))")
        let box = Unmanaged.passRetained(MessageBox(handler: handler))
        var slot: OpaquePointer?
        let r = sd_bus_add_match(bus, &slot, rule, signalTrampoline, box.toOpaque())
        kick()
        if r < 0 {
            box.release()
            throw SystemdError(call: "sd_bus_add_match(\(rule))", errno: -r)
        }
        sd_bus_slot_set_destroy_callback(slot, releaseBox)
        return BusSlot(adopting: slot!, floating: false)
    }

    /// Emits a signal from `path`.
    public func emitSignal(
        path: String, interface: String, member: String,
        build: (BusMessage) throws(SystemdError) -> Void = { _ in }
    ) throws(SystemdError) {
        let name = "sd_bus_emit_signal(\(interface).\(member))"
        let bus = try open(name)
        var m: OpaquePointer?
        try check("sd_bus_message_new_signal(\(interface).\(member))", sd_bus_message_new_signal(bus, &m, path, interface, member))
        let message = BusMessage(adopting: m!)
        try build(message)
        try check(name, sd_bus_send(bus, message.pointer, nil))
        kick()
    }

    /// Emits `org.freedesktop.DBus.Properties.PropertiesChanged` for `names` of `interface` at
    /// `path` (an object exported with `addObject`); sd-bus reads the new values through the
    /// object's property getter while building the signal. Every name must be a property declared
    /// with `emitsChange`. An empty list emits nothing.
    public func emitPropertiesChanged(path: String, interface: String, names: [String]) throws(SystemdError) {
        guard !names.isEmpty else { return }
        let call = "sd_bus_emit_properties_changed_strv(\(interface) \(names.joined(separator: ",")))"
        let bus = try open(call)
        // A NULL-terminated char ** that lives for the call (sd-bus copies what it needs).
        var strings = names.map { strdup($0) }
        defer { strings.forEach { free($0) } }
        strings.append(nil)
        let r = strings.withUnsafeMutableBufferPointer { sd_bus_emit_properties_changed_strv(bus, path, interface, $0.baseAddress) }
        kick()
        try check(call, r)
    }

    /// The message being dispatched right now (inside a method handler or a property getter), or
    /// nil outside of message processing (e.g. when a timer emits PropertiesChanged).
    public var currentMessage: BusMessage? {
        guard let pointer, let m = sd_bus_get_current_message(pointer) else { return nil }
        return BusMessage(retaining: m)
    }

    // MARK: Objects

    /// Exports `interface` at `path`. Every call to one of `methods` runs `handler` on the bus queue;
    /// it returns the reply (from `call.makeReply()`), or throws: a `SystemdError` with a
    /// `busErrorName` becomes an error reply with that name and its `message`; without one,
    /// `org.freedesktop.DBus.Error.Failed` with the error's description.
    /// Every read of one of `properties` (Get, GetAll, `emitPropertiesChanged`) runs `getProperty`
    /// with the property's name; it returns the value, whose signature must be the declared one
    /// (throwing works as for methods).
    /// The object stays exported while the returned slot lives.
    public func addObject(
        path: String, interface: String, methods: [BusMethod], signals: [BusSignal] = [],
        properties: [BusProperty] = [],
        getProperty: @escaping (String) throws(SystemdError) -> BusVariant = { name throws(SystemdError) in
            throw SystemdError(call: "Get(\(name))", errno: ENOENT, busErrorName: "org.freedesktop.DBus.Error.UnknownProperty",
                               message: "no property \(name)")
        },
        handler: @escaping (BusMessage) throws(SystemdError) -> BusMessage
    ) throws(SystemdError) -> BusSlot {
        let name = "sd_bus_add_object_vtable(\(path) \(interface))"
        let bus = try open(name)
        let box = ObjectBox(handler: handler, getProperty: getProperty)
        // The shim copies every string, so these only need to live for the call.
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func c(_ s: String?) -> UnsafePointer<CChar>? {
            guard let s else { return nil }
            let copy = strdup(s)!
            strings.append(copy)
            return UnsafePointer(copy)
        }
        func names(_ list: [String]) -> UnsafePointer<CChar>? {
            list.isEmpty ? nil : c(list.joined(separator: ","))
        }
        let cMethods = methods.map {
            checkin_method(member: c($0.member), in_signature: c($0.inSignature), out_signature: c($0.outSignature),
                           in_names: names($0.inNames), out_names: names($0.outNames), unprivileged: $0.unprivileged ? 1 : 0)
        }
        let cSignals = signals.map {
            checkin_signal(member: c($0.member), signature: c($0.signature), names: names($0.names))
        }
        let cProperties = properties.map {
            checkin_property(member: c($0.member), signature: c($0.signature), emits_change: $0.emitsChange ? 1 : 0)
        }
        var slot: OpaquePointer?
        let r = checkin_bus_add_object(
            bus, &slot, path, interface, cMethods, cMethods.count, cSignals, cSignals.count,
            cProperties, cProperties.count, objectTrampoline, propertyTrampoline, Unmanaged.passUnretained(box).toOpaque())
        try check(name, r)
        // The shim frees the vtable with the slot; the BusSlot keeps the Swift handler alive.
        return BusSlot(adopting: slot!, floating: false, retaining: box)
    }
}

/// A method of an exported interface; argument names are optional, but if given, every in and out
/// argument needs one.
public struct BusMethod: Sendable {
    public var member: String
    public var inSignature: String
    public var outSignature: String
    public var inNames: [String]
    public var outNames: [String]
    /// The handler decides who may call (SD_BUS_VTABLE_UNPRIVILEGED): sd-bus then skips its own
    /// check, which on connections it does not trust (`Bus(address:)`) refuses callers of another
    /// euid without CAP_SYS_ADMIN, and on the user bus checks nothing.
    public var unprivileged: Bool

    public init(_ member: String, in inSignature: String = "", out outSignature: String = "",
                inNames: [String] = [], outNames: [String] = [], unprivileged: Bool = false) {
        self.member = member
        self.inSignature = inSignature
        self.outSignature = outSignature
        self.inNames = inNames
        self.outNames = outNames
        self.unprivileged = unprivileged
    }
}

/// A signal of an exported interface (declared for introspection; send with `Bus.emitSignal`).
public struct BusSignal: Sendable {
    public var member: String
    public var signature: String
    public var names: [String]

    public init(_ member: String, signature: String = "", names: [String] = []) {
        self.member = member
        self.signature = signature
        self.names = names
    }
}

/// A read-only property of an exported interface. With `emitsChange` (EMITS_CHANGE), the owner
/// announces every change with `Bus.emitPropertiesChanged`, which carries the new value.
public struct BusProperty: Sendable {
    public var member: String
    public var signature: String
    public var emitsChange: Bool

    public init(_ member: String, signature: String, emitsChange: Bool = true) {
        self.member = member
        self.signature = signature
        self.emitsChange = emitsChange
    }
}

/// Owns one reference to an `sd_bus_slot`: a signal match, an exported object or a pending call.
///
/// Dropping it (or `cancel()`) removes matches and objects. A pending asynchronous call is owned by
/// the bus until its reply arrives; dropping the slot leaves it running, `cancel()` abandons it
/// (its reply handler is then never called). Use on the bus queue.
public final class BusSlot {
    private var pointer: OpaquePointer?
    private let floating: Bool
    private var retained: AnyObject?

    init(adopting pointer: OpaquePointer, floating: Bool, retaining: AnyObject? = nil) {
        self.pointer = pointer
        self.floating = floating
        self.retained = retaining
    }

    /// Removes the match or object, or abandons the pending call. Idempotent.
    public func cancel() {
        guard let slot = pointer else { return }
        pointer = nil
        // A floating slot is also referenced by its bus; take that reference back so unref frees it.
        // (-ESTALE when the call already completed and the bus let go.)
        if floating { sd_bus_slot_set_floating(slot, 0) }
        sd_bus_slot_unref(slot)
        retained = nil
    }

    deinit {
        if let pointer { sd_bus_slot_unref(pointer) }
    }
}

// MARK: - C callbacks

/// Keeps a reply closure alive while its call is pending; released by the slot's destroy callback.
private final class ReplyBox {
    let call: String
    let reply: (Result<BusMessage, SystemdError>) -> Void
    init(call: String, reply: @escaping (Result<BusMessage, SystemdError>) -> Void) {
        self.call = call
        self.reply = reply
    }
}

private final class MessageBox {
    let handler: (BusMessage) -> Void
    init(handler: @escaping (BusMessage) -> Void) { self.handler = handler }
}

private final class ObjectBox {
    let handler: (BusMessage) throws(SystemdError) -> BusMessage
    let getProperty: (String) throws(SystemdError) -> BusVariant
    init(handler: @escaping (BusMessage) throws(SystemdError) -> BusMessage,
         getProperty: @escaping (String) throws(SystemdError) -> BusVariant) {
        self.handler = handler
        self.getProperty = getProperty
    }
}

/// An `sd_bus *` handed to a Dispatch closure that runs after the `Bus` object is gone.
private struct UncheckedBus: @unchecked Sendable {
    let pointer: OpaquePointer?
}

/// Slot destroy callback: drops the retain taken with `Unmanaged.passRetained`.
private let releaseBox: sd_bus_destroy_t = { userdata in
    guard let userdata else { return }
    Unmanaged<AnyObject>.fromOpaque(userdata).release()
}

private let replyTrampoline: sd_bus_message_handler_t = { m, userdata, _ in
    guard let m, let userdata else { return 0 }
    let box = Unmanaged<ReplyBox>.fromOpaque(userdata).takeUnretainedValue()
    let message = BusMessage(retaining: m)
    if let error = message.error(call: box.call) {
        box.reply(.failure(error))
    } else {
        box.reply(.success(message))
    }
    return 0
}

private let signalTrampoline: sd_bus_message_handler_t = { m, userdata, _ in
    guard let m, let userdata else { return 0 }
    let box = Unmanaged<MessageBox>.fromOpaque(userdata).takeUnretainedValue()
    box.handler(BusMessage(retaining: m))
    // 0: let other matches see the message too.
    return 0
}

private let objectTrampoline: checkin_method_handler = { m, userdata, retError in
    guard let m, let userdata else { return -EINVAL }
    let box = Unmanaged<ObjectBox>.fromOpaque(userdata).takeUnretainedValue()
    let call = BusMessage(retaining: m)
    do throws(SystemdError) {
        let reply = try box.handler(call)
        let r = sd_bus_send(nil, reply.pointer, nil)
        return r < 0 ? r : 1
    } catch {
        // sd-bus turns a negative return with ret_error set into an error reply.
        let name = error.busErrorName ?? "org.freedesktop.DBus.Error.Failed"
        let message = error.message ?? error.description
        let r = sd_bus_error_set(retError, name, message)
        return r < 0 ? r : -EIO
    }
}

private let propertyTrampoline: checkin_property_getter = { reply, property, userdata, retError in
    guard let reply, let property, let userdata else { return -EINVAL }
    let box = Unmanaged<ObjectBox>.fromOpaque(userdata).takeUnretainedValue()
    let name = String(cString: property)
    do throws(SystemdError) {
        let value = try box.getProperty(name)
        // sd-bus opened the variant with the declared signature: append the bare value.
        try BusMessage(retaining: reply).appendValue(value)
        return 0
    } catch {
        let errorName = error.busErrorName ?? "org.freedesktop.DBus.Error.Failed"
        let r = sd_bus_error_set(retError, errorName, error.message ?? error.description)
        return r < 0 ? r : -EIO
    }
}
