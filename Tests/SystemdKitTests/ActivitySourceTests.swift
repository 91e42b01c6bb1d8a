import CheckinTestSupport
import Dispatch
import Foundation
import Logging
import SystemdKit
import XCTest

/// A scripted service from Tests/Fixtures/activity_services.py, playing one role.
final class ServicePeer {
    let process: ScriptedProcess

    init(role: String, bus: TestBus, arguments: [String] = []) throws {
        process = try ScriptedProcess(
            "/usr/bin/python3",
            arguments: [Fixtures.path("activity_services.py"), "--address", bus.address, "--role", role] + arguments,
            name: "activity-\(role)", directory: bus.directory)
        try process.waitForLine(timeout: 15) { $0.hasPrefix("READY ") }
    }

    private func lines(_ prefix: String) -> [String] {
        process.stdout.components(separatedBy: "\n").filter { $0.hasPrefix(prefix) }
    }

    /// Sends one command and waits for its acknowledgement.
    func command(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let before = lines("OK").count + lines("ERROR").count
        try process.send(json)
        let ack = try process.waitFor(what: "ack of \(json)") { () -> String? in
            let acks = process.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("OK") || $0.hasPrefix("ERROR") }
            return acks.count > before ? acks[before] : nil
        }
        XCTAssertTrue(ack.hasPrefix("OK"), ack, file: file, line: line)
    }

    /// How often `method` was called so far.
    func calls(_ method: String) -> Int { lines("CALL \(method)").count }

    func stop() { process.stop() }
}

/// Common set-up: a private session bus (and, on demand, a second one standing in for the system
/// bus), a connection to each on its own queue, captured events and logs.
class ActivityTestCase: XCTestCase {
    var sessionBus: TestBus!
    var systemBus: TestBus?
    var queue: BusQueue!
    var bus: Bus!
    var system: Bus?
    var peers: [ServicePeer] = []
    let log = LogRecorder()
    let events = Locked<[ActivityEvent]>([])

    override func setUpWithError() throws {
        try requireTool("dbus-daemon")
        try skipUnlessCI { () throws(IntegrationUnavailable) in
            try requireIntegration(modules: ["dbus", "dbus.mainloop.glib", "gi.repository.GLib"])
        }
        sessionBus = try TestBus()
        queue = BusQueue("activity")
        bus = try Bus(address: sessionBus.address)
        try bus.attach(to: queue.queue)
    }

    override func tearDown() {
        peers.forEach { $0.stop() }
        peers = []
        queue?.sync {
            stopSources()
            bus?.close()
            system?.close()
        }
        bus = nil
        system = nil
        sessionBus?.stop()
        systemBus?.stop()
    }

    /// Subclasses stop their sources here (on the bus queue).
    func stopSources() {}

    func peer(_ role: String, on testBus: TestBus? = nil, _ arguments: [String] = []) throws -> ServicePeer {
        let p = try ServicePeer(role: role, bus: testBus ?? sessionBus, arguments: arguments)
        peers.append(p)
        return p
    }

    /// A second private bus, as the system bus.
    func makeSystemBus() throws -> Bus {
        let testBus = try TestBus()
        systemBus = testBus
        let b = try Bus(address: testBus.address)
        try b.attach(to: queue.queue)
        system = b
        return b
    }

    func start(_ source: ActivitySource, on b: Bus? = nil) throws {
        let target = b ?? bus!
        try queue.sync { () throws in
            try source.start(on: target) { [events] event in events.withLock { $0.append(event) } }
        }
    }

    var kinds: [ActivityEvent.Kind] { events.current.map(\.kind) }

    /// Polls (on the test thread) until `condition` holds.
    func waitUntil(_ what: String, timeout: TimeInterval = 5, file: StaticString = #filePath, line: UInt = #line,
                   _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() > deadline {
                XCTFail("timed out waiting for \(what); events: \(events.current); log:\n\(log.dump)", file: file, line: line)
                return
            }
            usleep(10_000)
        }
    }

    /// Lets `seconds` pass for things that must NOT happen (coalescing windows close after 250 ms).
    func settle(_ seconds: TimeInterval = 0.6) { usleep(UInt32(seconds * 1_000_000)) }

    func isIdle(_ kind: ActivityEvent.Kind) -> Bool { if case .idle = kind { true } else { false } }
}

final class ActivitySourceTests: ActivityTestCase {
    var sources: [ActivitySource] = []

    override func stopSources() {
        sources.forEach { $0.stop() }
        sources = []
    }

    func make<S: ActivitySource>(_ source: S) -> S {
        sources.append(source)
        return source
    }

    // MARK: Mutter

    func testMutterWatchesIdleAndActiveInOrderAndRearms() throws {
        let mutter = try peer("mutter")
        let source = make(MutterIdleMonitor(threshold: .seconds(1), logger: log.logger))
        try start(source)
        waitUntil("initial state") { kinds == [.active] }
        XCTAssertEqual(mutter.calls("AddIdleWatch"), 1)
        XCTAssertEqual(mutter.calls("GetIdletime"), 1)
        XCTAssertTrue(queue.sync { source.isAvailable })

        let before = Date()
        try mutter.command(#"{"cmd":"idle","ms":1000}"#)
        waitUntil("idle") { kinds.count == 2 }
        guard case .idle(let since) = kinds[1] else { return XCTFail("\(kinds)") }
        XCTAssertEqual(since.timeIntervalSince(before), -1, accuracy: 0.5, "idle since the threshold ago")
        waitUntil("user-active watch") { mutter.calls("AddUserActiveWatch") == 1 }

        try mutter.command(#"{"cmd":"active"}"#)
        waitUntil("active") { kinds.count == 3 }
        try mutter.command(#"{"cmd":"idle","ms":1000}"#)
        waitUntil("idle again") { kinds.count == 4 }
        waitUntil("re-armed") { mutter.calls("AddUserActiveWatch") == 2 }
        try mutter.command(#"{"cmd":"active"}"#)
        waitUntil("active again") { kinds.count == 5 }
        XCTAssertEqual(kinds.map(isIdle), [false, true, false, true, false])
        XCTAssertTrue(events.current.allSatisfy { $0.source == "mutter-idle-monitor" })
        XCTAssertEqual(events.current.map(\.at), events.current.map(\.at).sorted(), "in order")
    }

    func testMutterStartsIdleFromGetIdletime() throws {
        let mutter = try peer("mutter", ["--idle-ms", "60000"])
        try start(make(MutterIdleMonitor(threshold: .seconds(5), logger: log.logger)))
        waitUntil("idle") { kinds.count == 1 }
        guard case .idle(let since) = kinds.first else { return XCTFail("\(kinds)") }
        XCTAssertEqual(since.timeIntervalSinceNow, -60, accuracy: 2)
        waitUntil("user-active watch") { mutter.calls("AddUserActiveWatch") == 1 }
    }

    func testMutterGarbageIsIgnoredWithOneWarning() throws {
        let mutter = try peer("mutter")
        try start(make(MutterIdleMonitor(threshold: .seconds(1), logger: log.logger)))
        waitUntil("initial state") { kinds == [.active] }
        try mutter.command(#"{"cmd":"garbage"}"#)
        try mutter.command(#"{"cmd":"garbage"}"#)
        settle(0.3)
        XCTAssertEqual(kinds, [.active], "nothing from garbage")
        XCTAssertEqual(log.count(containing: "Ignoring WatchFired"), 1, log.dump)
        try mutter.command(#"{"cmd":"idle","ms":1000}"#)
        waitUntil("still working") { kinds.count == 2 }
    }

    func testMutterFlappingIsCoalesced() throws {
        let mutter = try peer("mutter")
        try start(make(MutterIdleMonitor(threshold: .seconds(1), logger: log.logger)))
        waitUntil("initial state") { kinds == [.active] }
        try mutter.command(#"{"cmd":"flap","count":1000}"#)
        settle()
        XCTAssertEqual(kinds.count, 2, "1000 idle fires are one idle event: \(kinds)")
        XCTAssertEqual(mutter.calls("AddUserActiveWatch"), 1, "one user-active watch, not a thousand")
    }

    func testMutterVanishingIsLostAndComingBackRearms() throws {
        let mutter = try peer("mutter")
        let source = make(MutterIdleMonitor(threshold: .seconds(1), logger: log.logger))
        try start(source)
        waitUntil("initial state") { kinds == [.active] }
        try mutter.command(#"{"cmd":"vanish"}"#)
        waitUntil("lost") { kinds == [.active, .lost] }
        XCTAssertFalse(queue.sync { source.isAvailable })
        try mutter.command(#"{"cmd":"appear"}"#)
        waitUntil("back") { kinds == [.active, .lost, .active] }
        waitUntil("new idle watch") { mutter.calls("AddIdleWatch") == 2 }
        XCTAssertEqual(log.count(containing: "left the session bus"), 1)
    }

    // MARK: Absence

    func testAbsentSourcesAreReportedOnceAndUsedWhenTheyAppear() throws {
        let mutter = make(MutterIdleMonitor(logger: log.logger))
        let gnome = make(ScreenSaverMonitor(.gnome, logger: log.logger))
        try start(mutter)
        try start(gnome)
        waitUntil("absence logged") { log.count(containing: "is not on the session bus") == 2 }
        // Other names coming and going change nothing.
        let unrelated = try peer("swaync")
        try unrelated.command(#"{"cmd":"vanish"}"#)
        try unrelated.command(#"{"cmd":"appear"}"#)
        settle(0.3)
        XCTAssertEqual(log.count(containing: "org.gnome.Mutter.IdleMonitor is not on the session bus"), 1, log.dump)
        XCTAssertEqual(log.count(containing: "org.gnome.ScreenSaver is not on the session bus"), 1, log.dump)
        XCTAssertEqual(kinds, [])
        XCTAssertFalse(queue.sync { mutter.isAvailable || gnome.isAvailable })
        // The service shows up later: used from then on.
        _ = try peer("gnome-screensaver")
        waitUntil("picked up") { kinds == [.unlocked] }
        XCTAssertTrue(queue.sync { gnome.isAvailable })
    }

    func testStartingBeforeAttachIsAnError() throws {
        let unattached = try Bus(address: sessionBus.address)
        defer { unattached.close() }
        XCTAssertThrowsError(try MutterIdleMonitor(logger: log.logger).start(on: unattached) { _ in })
    }

    // MARK: Screen savers

    func testScreenSaversReportLockAndUnlock() throws {
        for flavor in ScreenSaverMonitor.Flavor.allCases {
            events.withLock { $0 = [] }
            let role = flavor == .gnome ? "gnome-screensaver" : "fdo-screensaver"
            let service = try peer(role, ["--active"])
            let source = make(ScreenSaverMonitor(flavor, logger: log.logger))
            try start(source)
            waitUntil("\(flavor) initial") { kinds == [.locked] }
            XCTAssertEqual(service.calls("GetActive"), 1)
            try service.command(#"{"cmd":"unlock"}"#)
            waitUntil("\(flavor) unlocked") { kinds == [.locked, .unlocked] }
            try service.command(#"{"cmd":"lock"}"#)
            waitUntil("\(flavor) locked") { kinds == [.locked, .unlocked, .locked] }
            XCTAssertTrue(events.current.allSatisfy { $0.source == "\(flavor.rawValue)-screensaver" })

            let idle = Locked<Duration??>(nil)
            queue.sync { source.sessionIdleTime { value in idle.withLock { $0 = .some(value) } } }
            waitUntil("session idle time") { idle.current != nil }
            XCTAssertEqual(idle.current!, flavor == .freedesktop ? .seconds(42) : nil)
        }
    }

    func testScreenSaverFlappingIsCoalescedToTheFinalState() throws {
        let service = try peer("gnome-screensaver")
        try start(make(ScreenSaverMonitor(.gnome, logger: log.logger)))
        waitUntil("initial") { kinds == [.unlocked] }
        try service.command(#"{"cmd":"flap","count":1000,"final":true}"#)
        waitUntil("settled on locked") { kinds.last == .locked }
        settle()
        XCTAssertLessThanOrEqual(kinds.count, 4, "1001 changes coalesced: \(kinds.count) events")
        XCTAssertEqual(kinds.last, .locked)
        try service.command(#"{"cmd":"flap","count":1000,"final":false}"#)
        waitUntil("settled on unlocked") { kinds.last == .unlocked }
        settle()
        XCTAssertLessThanOrEqual(kinds.count, 8)
        XCTAssertEqual(kinds.last, .unlocked)
    }

    func testScreenSaverGarbageIsIgnored() throws {
        let service = try peer("fdo-screensaver")
        try start(make(ScreenSaverMonitor(.freedesktop, logger: log.logger)))
        waitUntil("initial") { kinds == [.unlocked] }
        for _ in 0..<3 { try service.command(#"{"cmd":"garbage"}"#) }
        settle(0.3)
        XCTAssertEqual(kinds, [.unlocked])
        XCTAssertEqual(log.count(containing: "Ignoring ActiveChanged"), 1, log.dump)
        try service.command(#"{"cmd":"lock"}"#)
        waitUntil("still working") { kinds == [.unlocked, .locked] }
    }

    // MARK: logind

    func testLogindSessionAndSleepOnTheSystemBus() throws {
        let systemBus = try makeSystemBus()
        let logind = try peer("logind", on: self.systemBus)
        let source = make(LogindSessionMonitor(logger: log.logger))
        try start(source, on: systemBus)
        waitUntil("initial GetAll") { kinds == [.unlocked, .active] }
        XCTAssertEqual(logind.calls("GetSession auto"), 1)
        XCTAssertEqual(queue.sync { source.sessionPath }, "/org/freedesktop/login1/session/_32")

        let since = Date().addingTimeInterval(-30)
        let micros = UInt64(since.timeIntervalSince1970 * 1_000_000)
        try logind.command(#"{"cmd":"idle","since_us":\#(micros)}"#)
        waitUntil("idle") { kinds.count == 3 }
        guard case .idle(let reported) = kinds[2] else { return XCTFail("\(kinds)") }
        XCTAssertEqual(reported.timeIntervalSince1970, since.timeIntervalSince1970, accuracy: 0.001)
        try logind.command(#"{"cmd":"lock"}"#)
        waitUntil("locked") { kinds.count == 4 }
        try logind.command(#"{"cmd":"sleep"}"#)
        waitUntil("sleep") { kinds.count == 5 }
        try logind.command(#"{"cmd":"resume"}"#)
        waitUntil("resume") { kinds.count == 6 }
        try logind.command(#"{"cmd":"unlock"}"#)
        waitUntil("unlocked") { kinds.count == 7 }
        try logind.command(#"{"cmd":"active"}"#)
        waitUntil("active") { kinds.count == 8 }
        XCTAssertEqual(Array(kinds[3...]), [.locked, .sleep, .resume, .unlocked, .active])
        XCTAssertTrue(events.current.allSatisfy { $0.source == "logind" })
    }

    func testLogindGarbageAndImpossibleValues() throws {
        let systemBus = try makeSystemBus()
        let logind = try peer("logind", on: self.systemBus)
        try start(make(LogindSessionMonitor(logger: log.logger)), on: systemBus)
        waitUntil("initial GetAll") { kinds == [.unlocked, .active] }
        try logind.command(#"{"cmd":"garbage"}"#)
        try logind.command(#"{"cmd":"garbage"}"#)
        settle(0.3)
        XCTAssertEqual(kinds, [.unlocked, .active], "garbage changes nothing")
        for what in ["Ignoring IdleHint", "Ignoring LockedHint", "Ignoring PropertiesChanged", "Ignoring PrepareForSleep"] {
            XCTAssertEqual(log.count(containing: what), 1, "\(what) once:\n\(log.dump)")
        }
        // An IdleSinceHint in the far future (2^64-1 µs) is taken as "now".
        try logind.command(#"{"cmd":"idle","since_us":18446744073709551615}"#)
        waitUntil("idle") { kinds.count == 3 }
        guard case .idle(let since) = kinds[2] else { return XCTFail("\(kinds)") }
        XCTAssertEqual(since.timeIntervalSinceNow, 0, accuracy: 5)
    }

    func testLogindFlappingLockIsCoalesced() throws {
        let systemBus = try makeSystemBus()
        let logind = try peer("logind", on: self.systemBus)
        try start(make(LogindSessionMonitor(logger: log.logger)), on: systemBus)
        waitUntil("initial GetAll") { kinds == [.unlocked, .active] }
        try logind.command(#"{"cmd":"flap","count":1000,"final":true}"#)
        waitUntil("settled") { kinds.last == .locked }
        settle()
        XCTAssertLessThanOrEqual(kinds.count, 2 + 4, "coalesced: \(kinds.count) events")
        XCTAssertEqual(kinds.last, .locked)
    }

    func testLogindAbsentOnTheSystemBusIsReportedOnce() throws {
        let systemBus = try makeSystemBus()
        let source = make(LogindSessionMonitor(logger: log.logger))
        try start(source, on: systemBus)
        waitUntil("absence") { log.count(containing: "org.freedesktop.login1 is not on the system bus") == 1 }
        settle(0.3)
        XCTAssertEqual(log.count(containing: "is not on the system bus"), 1)
        XCTAssertFalse(queue.sync { source.isAvailable })
    }
}
