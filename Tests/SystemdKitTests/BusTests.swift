import CheckinTestSupport
import Dispatch
import Foundation
import SystemdKit
import XCTest

/// Skips outside CI when a tool is missing; in CI (`CI=true`) rethrows, failing the test.
func requireTool(_ tool: String) throws {
    try skipUnlessCI { () throws(IntegrationUnavailable) in try requireIntegration(tool) }
}

/// Runs an availability check: outside CI a missing piece skips the test, in CI it fails it.
func skipUnlessCI(_ check: () throws(IntegrationUnavailable) -> Void) throws {
    let failure: IntegrationUnavailable
    do { try check(); return } catch { failure = error }
    if failure.shouldSkip { throw XCTSkip(failure.description) }
    throw failure
}

/// A serial queue that can tell whether code runs on it.
final class BusQueue: Sendable {
    let queue: DispatchQueue
    private let key = DispatchSpecificKey<String>()
    let label: String

    init(_ label: String) {
        self.label = label
        queue = DispatchQueue(label: label)
        queue.setSpecific(key: key, value: label)
    }

    var isCurrent: Bool { DispatchQueue.getSpecific(key: key) == label }

    @discardableResult
    func sync<T>(_ body: () throws -> T) rethrows -> T { try queue.sync(execute: body) }
}

/// The test interface served by `BusTests.serve(on:)`.
enum Calc {
    static let name = "io.checkin.Test1"
    static let path = "/io/checkin/Test1"
    static let interface = "io.checkin.Test1"
    static let invalidArgument = "io.checkin.Error.InvalidArgument"
}

final class BusTests: XCTestCase {
    var testBus: TestBus!

    override func setUpWithError() throws {
        try requireTool("dbus-daemon")
        testBus = try TestBus()
    }

    override func tearDown() {
        testBus?.stop()
        testBus = nil
    }

    /// Exports Calc on `bus`: Add(ii)->i, Greet(s)->s (empty name: InvalidArgument error),
    /// Echo(a{sv})->a{sv}, Scalars(sbiuxtdyas)->same.
    func serve(on bus: Bus) throws -> BusSlot {
        try bus.addObject(
            path: Calc.path, interface: Calc.interface,
            methods: [
                BusMethod("Add", in: "ii", out: "i", inNames: ["a", "b"], outNames: ["sum"]),
                BusMethod("Greet", in: "s", out: "s"),
                BusMethod("Echo", in: "a{sv}", out: "a{sv}"),
                BusMethod("Scalars", in: "sbiuxtdyas", out: "sbiuxtdyas"),
            ],
            signals: [BusSignal("Ping", signature: "su", names: ["text", "count"])]
        ) { call throws(SystemdError) in
            let reply = try call.makeReply()
            switch call.member {
            case "Add":
                let a = try call.readInt32(), b = try call.readInt32()
                try reply.append(a &+ b)
            case "Greet":
                let name = try call.readString()
                guard !name.isEmpty else {
                    throw SystemdError(call: "Greet", errno: EINVAL, busErrorName: Calc.invalidArgument,
                                       message: "name must not be empty")
                }
                try reply.append("hello \(name)")
            case "Echo":
                try reply.appendVariantDictionary(try call.readVariantDictionary())
            case "Scalars":
                try reply.append(try call.readString())
                try reply.append(try call.readBool())
                try reply.append(try call.readInt32())
                try reply.append(try call.readUInt32())
                try reply.append(try call.readInt64())
                try reply.append(try call.readUInt64())
                try reply.append(try call.readDouble())
                try reply.append(try call.readByte())
                try reply.appendStringArray(try call.readStringArray())
            default:
                throw SystemdError(call: "dispatch", errno: ENOSYS, busErrorName: "org.freedesktop.DBus.Error.UnknownMethod")
            }
            return reply
        }
    }

    /// A connection exporting Calc under its well-known name, processing on its own queue.
    func startServer() throws -> (Bus, BusQueue, BusSlot) {
        let bus = try Bus(address: testBus.address)
        let slot = try serve(on: bus)
        try bus.requestName(Calc.name)
        let queue = BusQueue("server")
        try bus.attach(to: queue.queue)
        return (bus, queue, slot)
    }

    func testConnectRequestNameAndNameHasOwner() throws {
        let a = try Bus(address: testBus.address)
        let b = try Bus(address: testBus.address)
        XCTAssertTrue(try a.uniqueName.hasPrefix(":"))
        XCTAssertNotEqual(try a.uniqueName, try b.uniqueName)

        XCTAssertFalse(try b.nameHasOwner(Calc.name))
        XCTAssertTrue(try a.requestName(Calc.name))
        XCTAssertTrue(try a.requestName(Calc.name), "asking again as owner is fine")
        XCTAssertTrue(try b.nameHasOwner(Calc.name))
        XCTAssertTrue(try b.nameHasOwner(try a.uniqueName))

        XCTAssertThrowsError(try b.requestName(Calc.name)) { error in
            let error = error as! SystemdError
            XCTAssertEqual(error.errno, EEXIST)
            XCTAssertEqual(error.call, "sd_bus_request_name(io.checkin.Test1)")
            XCTAssertEqual(error.message, "another instance already owns io.checkin.Test1 — is checkind already running?")
            XCTAssertTrue(error.description.hasPrefix("sd_bus_request_name(io.checkin.Test1): File exists"), error.description)
        }
        XCTAssertFalse(try b.requestName(Calc.name, flags: .queue), "queued behind a")

        try a.releaseName(Calc.name)
        // b was queued, so it is the owner now.
        XCTAssertTrue(try b.requestName(Calc.name))
        a.close()
        a.close()
        XCTAssertFalse(a.isOpen)
        XCTAssertThrowsError(try a.nameHasOwner(Calc.name)) { error in
            XCTAssertEqual((error as! SystemdError).errno, ENOTCONN)
        }
    }

    func testUserBusHonoursSessionAddress() throws {
        let saved = ProcessInfo.processInfo.environment["DBUS_SESSION_BUS_ADDRESS"]
        defer {
            if let saved { setenv("DBUS_SESSION_BUS_ADDRESS", saved, 1) } else { unsetenv("DBUS_SESSION_BUS_ADDRESS") }
        }
        setenv("DBUS_SESSION_BUS_ADDRESS", testBus.address, 1)
        let user = try Bus.user()
        try user.requestName("io.checkin.UserBus")
        let direct = try Bus(address: testBus.address)
        XCTAssertTrue(try direct.nameHasOwner("io.checkin.UserBus"))
    }

    func testConnectFailureNamesTheAddress() {
        XCTAssertThrowsError(try Bus(address: "unix:path=/nonexistent/checkin-bus")) { error in
            let error = error as! SystemdError
            XCTAssertEqual(error.call, "sd_bus_start(unix:path=/nonexistent/checkin-bus)")
            XCTAssertEqual(error.errno, ENOENT)
        }
    }

    func testSynchronousCallsAndErrorReply() throws {
        let (server, _, serverSlot) = try startServer()
        defer { withExtendedLifetime((server, serverSlot)) {} }
        let client = try Bus(address: testBus.address)

        let sum = try client.call(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Add") {
            m throws(SystemdError) in
            try m.append(Int32(40))
            try m.append(Int32(2))
        }
        XCTAssertEqual(sum.signature, "i")
        XCTAssertEqual(try sum.readInt32(), 42)

        let hello = try client.call(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Greet") {
            m throws(SystemdError) in try m.append("Ada")
        }
        XCTAssertEqual(try hello.readString(), "hello Ada")
        XCTAssertThrowsError(try hello.readString(), "reading past the end must fail")

        XCTAssertThrowsError(
            try client.call(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Greet") {
                m throws(SystemdError) in try m.append("")
            }
        ) { error in
            let error = error as! SystemdError
            XCTAssertEqual(error.call, "sd_bus_call(io.checkin.Test1.Greet)")
            XCTAssertEqual(error.busErrorName, Calc.invalidArgument)
            XCTAssertEqual(error.message, "name must not be empty")
            XCTAssertEqual(error.description,
                           "sd_bus_call(io.checkin.Test1.Greet): \(SystemdError.errnoDescription(error.errno)) "
                           + "[io.checkin.Error.InvalidArgument: name must not be empty]")
        }

        // Wrong argument types are rejected by sd-bus before the handler runs.
        XCTAssertThrowsError(
            try client.call(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Add") {
                m throws(SystemdError) in try m.append("x")
            }
        ) { error in
            XCTAssertEqual((error as! SystemdError).busErrorName, "org.freedesktop.DBus.Error.InvalidArgs")
        }

        // Introspection carries the argument names from the shim's vtable.
        let xml = try client.call(destination: Calc.name, path: Calc.path,
                                  interface: "org.freedesktop.DBus.Introspectable", member: "Introspect").readString()
        XCTAssertTrue(xml.contains(#"<method name="Add">"#), xml)
        XCTAssertTrue(xml.contains(#"<arg type="i" name="sum" direction="out"/>"#), xml)
        XCTAssertTrue(xml.contains(#"<signal name="Ping">"#), xml)
        XCTAssertTrue(xml.contains(#"<arg type="u" name="count"/>"#), xml)
    }

    func testAsyncCallsReplyOnTheAttachedQueue() throws {
        let (server, _, serverSlot) = try startServer()
        defer { withExtendedLifetime((server, serverSlot)) {} }
        let client = try Bus(address: testBus.address)
        let queue = BusQueue("client")
        try client.attach(to: queue.queue)

        let sum = expectation(description: "Add reply")
        let failed = expectation(description: "Greet error reply")
        let results = Locked<[String]>([])
        try queue.sync {
            try client.callAsync(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Add",
                                 build: { m throws(SystemdError) in try m.append(Int32(2)); try m.append(Int32(3)) }
            ) { result in
                XCTAssertTrue(queue.isCurrent, "reply must arrive on the attached queue")
                let value = try? result.get().readInt32()
                results.withLock { $0.append("sum \(value.map(String.init) ?? "nil")") }
                sum.fulfill()
            }
            try client.callAsync(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Greet",
                                 build: { m throws(SystemdError) in try m.append("") }
            ) { result in
                XCTAssertTrue(queue.isCurrent)
                switch result {
                case .success: XCTFail("expected an error reply")
                case .failure(let error):
                    XCTAssertEqual(error.call, "sd_bus_call_async(io.checkin.Test1.Greet)")
                    XCTAssertEqual(error.busErrorName, Calc.invalidArgument)
                    XCTAssertEqual(error.message, "name must not be empty")
                }
                failed.fulfill()
            }
        }
        wait(for: [sum, failed], timeout: 5, enforceOrder: true)
        XCTAssertEqual(results.current, ["sum 5"])
    }

    func testLargeMessagesAreWrittenThroughTheWriteSource() throws {
        // 24 MiB does not fit the socket buffer (sd-bus asks for 8 MiB): writing it takes POLLOUT rounds.
        let (server, _, serverSlot) = try startServer()
        defer { withExtendedLifetime((server, serverSlot)) {} }
        let client = try Bus(address: testBus.address)
        let queue = BusQueue("client")
        try client.attach(to: queue.queue)
        let big = String(repeating: "x", count: 24 << 20)
        let replied = expectation(description: "large reply")
        try queue.sync {
            try client.callAsync(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Greet",
                                 timeout: .seconds(10), build: { m throws(SystemdError) in try m.append(big) }
            ) { result in
                let text = (try? result.get().readString()) ?? ""
                XCTAssertEqual(text.utf8.count, big.utf8.count + "hello ".utf8.count)
                XCTAssertTrue(text.hasPrefix("hello xxx"))
                replied.fulfill()
            }
        }
        wait(for: [replied], timeout: 15)
    }

    func testCancelledCallNeverReplies() throws {
        let (server, _, serverSlot) = try startServer()
        defer { withExtendedLifetime((server, serverSlot)) {} }
        let client = try Bus(address: testBus.address)
        let queue = BusQueue("client")
        try client.attach(to: queue.queue)
        let replied = expectation(description: "cancelled call replied")
        replied.isInverted = true
        let after = expectation(description: "later call replied")
        try queue.sync {
            let slot = try client.callAsync(destination: Calc.name, path: Calc.path, interface: Calc.interface,
                                            member: "Greet", build: { m throws(SystemdError) in try m.append("x") }
            ) { _ in replied.fulfill() }
            slot.cancel()
            slot.cancel()
            // A dropped (not cancelled) slot keeps the call alive.
            try client.callAsync(destination: Calc.name, path: Calc.path, interface: Calc.interface,
                                 member: "Greet", build: { m throws(SystemdError) in try m.append("y") }
            ) { result in
                XCTAssertEqual(try? result.get().readString(), "hello y")
                after.fulfill()
            }
        }
        wait(for: [after, replied], timeout: 1)
    }

    func testTimeoutFiresFromTheTimerSource() throws {
        // A peer that owns the name but never processes its messages.
        let silent = try Bus(address: testBus.address)
        try silent.requestName(Calc.name)
        let client = try Bus(address: testBus.address)
        let queue = BusQueue("client")
        try client.attach(to: queue.queue)
        let timedOut = expectation(description: "timeout")
        let start = Date()
        try queue.sync {
            try client.callAsync(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Add",
                                 timeout: .milliseconds(200)) { result in
                XCTAssertTrue(queue.isCurrent)
                if case .failure(let error) = result {
                    XCTAssertEqual(error.busErrorName, "org.freedesktop.DBus.Error.NoReply")
                    XCTAssertEqual(error.message, "Method call timed out")
                    XCTAssertEqual(error.errno, ETIMEDOUT)
                } else {
                    XCTFail("expected a timeout")
                }
                timedOut.fulfill()
            }
        }
        wait(for: [timedOut], timeout: 5)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertGreaterThanOrEqual(elapsed, 0.19)
        XCTAssertLessThan(elapsed, 2)
    }

    func testSignalEmitAndMatch() throws {
        let (server, serverQueue, serverSlot) = try startServer()
        defer { withExtendedLifetime(serverSlot) {} }
        let client = try Bus(address: testBus.address)
        let queue = BusQueue("client")
        let received = Locked<[String]>([])
        let got = expectation(description: "signals")
        got.expectedFulfillmentCount = 2
        let serverName = try serverQueue.sync { try server.uniqueName }
        let match = try client.matchSignal(sender: nil, path: Calc.path, interface: Calc.interface, member: "Ping") { m in
            XCTAssertTrue(queue.isCurrent)
            let text = (try? m.readString()) ?? "?"
            let count = (try? m.readUInt32()) ?? 0
            received.withLock { $0.append("\(m.member ?? "?") \(text) \(count) from \(m.sender == serverName ? "server" : m.sender ?? "?") sig \(m.signature)") }
            got.fulfill()
        }
        // A match on another member must not fire.
        let other = try client.matchSignal(sender: nil, path: Calc.path, interface: Calc.interface, member: "Pong") { _ in
            XCTFail("Pong match fired")
        }
        try client.attach(to: queue.queue)
        try serverQueue.sync {
            for (text, count) in [("one", UInt32(1)), ("two", UInt32(2))] {
                try server.emitSignal(path: Calc.path, interface: Calc.interface, member: "Ping") { m throws(SystemdError) in
                    try m.append(text)
                    try m.append(count)
                }
            }
        }
        wait(for: [got], timeout: 5)
        XCTAssertEqual(received.current, ["Ping one 1 from server sig su", "Ping two 2 from server sig su"])

        // After cancel, no more deliveries.
        queue.sync { match.cancel(); other.cancel() }
        let silence = expectation(description: "after cancel")
        silence.isInverted = true
        // Match installation (a synchronous AddMatch call) happens on the bus queue like everything else.
        let again = try queue.sync {
            try client.matchSignal(sender: nil, path: Calc.path, interface: Calc.interface, member: "Ping") { _ in }
        }
        defer { withExtendedLifetime(again) {} }
        try serverQueue.sync {
            try server.emitSignal(path: Calc.path, interface: Calc.interface, member: "Ping") { m throws(SystemdError) in
                try m.append("three"); try m.append(UInt32(3))
            }
        }
        wait(for: [silence], timeout: 0.3)
        XCTAssertEqual(received.current.count, 2)
    }

    /// Properties: Get/GetAll go through the one getter; PropertiesChanged carries the getter's
    /// value for EMITS_CHANGE properties; the others are annotated and cannot be emitted; a getter
    /// error becomes the error reply; a method handler can ask for the caller's euid.
    func testPropertiesGetAndPropertiesChanged() throws {
        let server = try Bus(address: testBus.address)
        let count = Locked<UInt32>(7)
        let callerUID = Locked<uid_t?>(nil)
        let slot = try server.addObject(
            path: Calc.path, interface: Calc.interface,
            methods: [BusMethod("Bump", out: "u", outNames: ["count"])],
            properties: [BusProperty("Count", signature: "u"), BusProperty("Name", signature: "s", emitsChange: false),
                         BusProperty("Broken", signature: "b")],
            getProperty: { name throws(SystemdError) -> BusVariant in
                switch name {
                case "Count": return .uint32(count.current)
                case "Name": return .string("calc")
                default: throw SystemdError(call: "get", errno: EIO, busErrorName: Calc.invalidArgument, message: "\(name) is broken")
                }
            }
        ) { call throws(SystemdError) in
            callerUID.withLock { $0 = try? call.senderEUID() }
            let value = count.withLock { $0 += 1; return $0 }
            try server.emitPropertiesChanged(path: Calc.path, interface: Calc.interface, names: ["Count"])
            let reply = try call.makeReply()
            try reply.append(value)
            return reply
        }
        defer { withExtendedLifetime(slot) {} }
        try server.requestName(Calc.name)
        let serverQueue = BusQueue("server")
        try server.attach(to: serverQueue.queue)

        let client = try Bus(address: testBus.address)
        func get(_ name: String) throws -> BusVariant? {
            try client.call(destination: Calc.name, path: Calc.path, interface: "org.freedesktop.DBus.Properties", member: "Get") {
                m throws(SystemdError) in try m.append(Calc.interface); try m.append(name)
            }.readVariant()
        }
        XCTAssertEqual(try get("Count"), .uint32(7))
        XCTAssertEqual(try get("Name"), .string("calc"))
        XCTAssertThrowsError(try get("Broken")) { error in
            XCTAssertEqual((error as? SystemdError)?.busErrorName, Calc.invalidArgument)
            XCTAssertEqual((error as? SystemdError)?.message, "Broken is broken")
        }
        XCTAssertThrowsError(try get("Missing")) { error in
            XCTAssertEqual((error as? SystemdError)?.busErrorName, "org.freedesktop.DBus.Error.UnknownProperty")
        }

        // PropertiesChanged, seen by a second connection.
        let watcher = try Bus(address: testBus.address)
        let watcherQueue = BusQueue("watcher")
        let changes = Locked<[String]>([])
        let got = expectation(description: "PropertiesChanged")
        let match = try watcher.matchSignal(sender: nil, path: Calc.path, interface: "org.freedesktop.DBus.Properties",
                                            member: "PropertiesChanged") { m in
            let interface = (try? m.readString()) ?? "?"
            let changed = (try? m.readVariantDictionary()) ?? [:]
            let invalidated = (try? m.readStringArray()) ?? ["?"]
            changes.withLock { $0.append("\(interface) \(changed) \(invalidated)") }
            got.fulfill()
        }
        defer { watcherQueue.sync { match.cancel() } }
        try watcher.attach(to: watcherQueue.queue)
        let bumped = try client.call(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Bump").readUInt32()
        XCTAssertEqual(bumped, 8)
        wait(for: [got], timeout: 5)
        XCTAssertEqual(changes.current, ["\(Calc.interface) [\"Count\": SystemdKit.BusVariant.uint32(8)] []"])
        XCTAssertEqual(callerUID.current, geteuid(), "the caller's euid, from the bus")

        // Not EMITS_CHANGE: sd-bus refuses to announce it; the introspection says so.
        XCTAssertThrowsError(try serverQueue.sync {
            try server.emitPropertiesChanged(path: Calc.path, interface: Calc.interface, names: ["Name"])
        }) { error in
            XCTAssertEqual((error as? SystemdError)?.errno, EDOM)
            XCTAssertEqual((error as? SystemdError)?.call, "sd_bus_emit_properties_changed_strv(\(Calc.interface) Name)")
        }
        XCTAssertNoThrow(try serverQueue.sync { try server.emitPropertiesChanged(path: Calc.path, interface: Calc.interface, names: []) })
        let xml = try client.call(destination: Calc.name, path: Calc.path, interface: "org.freedesktop.DBus.Introspectable",
                                  member: "Introspect").readString()
        XCTAssertTrue(xml.contains(#"<property name="Count" type="u" access="read">"#), xml)
        XCTAssertTrue(xml.contains(#"<property name="Name" type="s" access="read">\#n   <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="false"/>"#), xml)
        XCTAssertTrue(xml.contains(#"<arg type="u" name="count" direction="out"/>"#), xml)
        client.close()
        watcherQueue.sync { watcher.close() }
        serverQueue.sync { server.close() }
    }

    func testVariantDictionaryRoundTripsEveryCase() throws {
        let (server, _, serverSlot) = try startServer()
        defer { withExtendedLifetime((server, serverSlot)) {} }
        let client = try Bus(address: testBus.address)
        let sent: [String: BusVariant] = [
            "string": .string("héllo ✓"),
            "empty": .string(""),
            "bool-true": .bool(true),
            "bool-false": .bool(false),
            "int32": .int32(-123_456),
            "uint32": .uint32(.max),
            "int64": .int64(.min),
            "uint64": .uint64(.max),
            "double": .double(-0.5),
            "byte": .byte(2),
            "strings": .stringArray(["a", "", "c"]),
            "no-strings": .stringArray([]),
        ]
        let reply = try client.call(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Echo") {
            m throws(SystemdError) in
            try m.appendVariantDictionary(sent)
        }
        XCTAssertEqual(reply.signature, "a{sv}")
        XCTAssertEqual(try reply.readVariantDictionary(), sent)

        // Unknown variant contents are skipped, the rest is still read.
        let mixed = try client.call(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Echo") {
            m throws(SystemdError) in
            try m.openContainer("a", "{sv}")
            try m.openContainer("e", "sv")
            try m.append("point")
            try m.openContainer("v", "(ii)")
            try m.openContainer("r", "ii")
            try m.append(Int32(1)); try m.append(Int32(2))
            try m.closeContainer(); try m.closeContainer(); try m.closeContainer()
            try m.openContainer("e", "sv")
            try m.append("after")
            try m.appendVariant(.byte(7))
            try m.closeContainer()
            try m.closeContainer()
        }
        // The server read it into [String: BusVariant] and dropped "point".
        XCTAssertEqual(try mixed.readVariantDictionary(), ["after": .byte(7)])
    }

    func testScalarsRoundTrip() throws {
        let (server, _, serverSlot) = try startServer()
        defer { withExtendedLifetime((server, serverSlot)) {} }
        let client = try Bus(address: testBus.address)
        let reply = try client.call(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Scalars") {
            m throws(SystemdError) in
            try m.append("s")
            try m.append(true)
            try m.append(Int32.min)
            try m.append(UInt32.max)
            try m.append(Int64.min)
            try m.append(UInt64.max)
            try m.append(Double.pi)
            try m.append(UInt8(255))
            try m.appendStringArray(["x", "y"])
        }
        XCTAssertEqual(reply.signature, "sbiuxtdyas")
        XCTAssertEqual(try reply.readString(), "s")
        XCTAssertEqual(try reply.readBool(), true)
        XCTAssertEqual(try reply.readInt32(), .min)
        XCTAssertEqual(try reply.readUInt32(), .max)
        XCTAssertEqual(try reply.readInt64(), .min)
        XCTAssertEqual(try reply.readUInt64(), .max)
        XCTAssertEqual(try reply.readDouble(), .pi)
        XCTAssertEqual(try reply.readByte(), 255)
        XCTAssertEqual(try reply.readStringArray(), ["x", "y"])
        // Reading with the wrong type fails instead of returning garbage.
        let again = try client.call(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Add") {
            m throws(SystemdError) in try m.append(Int32(1)); try m.append(Int32(1))
        }
        XCTAssertThrowsError(try again.readString())
        XCTAssertEqual(try again.readInt32(), 2)
    }

    func testDroppingTheObjectSlotUnexportsIt() throws {
        let (server, serverQueue, serverSlot) = try startServer()
        let client = try Bus(address: testBus.address)
        serverQueue.sync { serverSlot.cancel() }
        XCTAssertThrowsError(
            try client.call(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Add") {
                m throws(SystemdError) in try m.append(Int32(1)); try m.append(Int32(1))
            }
        ) { error in
            XCTAssertEqual((error as! SystemdError).busErrorName, "org.freedesktop.DBus.Error.UnknownObject")
        }
        _ = server
    }

    func testDisconnectFailsPendingCallsAndNotifies() throws {
        let silent = try Bus(address: testBus.address)
        try silent.requestName(Calc.name)
        let client = try Bus(address: testBus.address)
        let queue = BusQueue("client")
        let disconnected = expectation(description: "onDisconnect")
        let failed = expectation(description: "pending call failed")
        client.onDisconnect = { disconnected.fulfill() }
        try client.attach(to: queue.queue)
        try queue.sync {
            try client.callAsync(destination: Calc.name, path: Calc.path, interface: Calc.interface, member: "Add") {
                result in
                if case .failure(let error) = result {
                    XCTAssertEqual(error.busErrorName, "org.freedesktop.DBus.Error.NoReply")
                } else {
                    XCTFail("expected failure")
                }
                failed.fulfill()
            }
        }
        testBus.stop()
        wait(for: [failed, disconnected], timeout: 5, enforceOrder: true)
        XCTAssertFalse(queue.sync { client.isOpen })
        // The loop went quiet (no spinning on the hung-up fd) and close still works.
        queue.sync { client.close() }
    }
}
