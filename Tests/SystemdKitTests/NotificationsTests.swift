import CheckinTestSupport
import Dispatch
import Foundation
import SystemdKit
import XCTest

final class NotificationsTests: XCTestCase {
    var testBus: TestBus!
    var server: ScriptedProcess?
    var logPath: String!
    var bus: Bus!
    var queue: BusQueue!
    var client: NotificationsClient!
    let events = Locked<[NotificationEvent]>([])
    let eventArrived = Locked<(count: Int, expectation: XCTestExpectation)?>(nil)

    override func setUpWithError() throws {
        try requireTool("dbus-daemon")
        try skipUnlessCI { () throws(IntegrationUnavailable) in
            try requireIntegration(modules: ["dbus", "dbus.mainloop.glib", "gi.repository.GLib"])
        }
        testBus = try TestBus()
        logPath = testBus.directory.appendingPathComponent("notifications.log").path
        bus = try Bus(address: testBus.address)
        queue = BusQueue("notifications")
        client = try NotificationsClient(bus: bus) { [events, eventArrived] event in
            events.withLock { $0.append(event) }
            eventArrived.withLock { waiting in
                if let (count, expectation) = waiting, events.current.count >= count {
                    expectation.fulfill()
                    waiting = nil
                }
            }
        }
        try bus.attach(to: queue.queue)
    }

    override func tearDown() {
        server?.stop()
        server = nil
        if let queue {
            queue.sync {
                client = nil
                bus?.close()
            }
        }
        testBus?.stop()
        testBus = nil
        bus = nil
    }

    /// Starts the scripted server; returns its unique name.
    @discardableResult
    func startServer(capabilities: String = "actions,body,inline-reply", firstID: Int = 1) throws -> String {
        let process = try ScriptedProcess(
            "/usr/bin/python3",
            arguments: [Fixtures.path("notification-server.py"), "--address", testBus.address,
                        "--capabilities", capabilities, "--log", logPath, "--first-id", String(firstID)],
            name: "notification-server", directory: testBus.directory)
        server = process
        let ready = try process.waitForLine(timeout: 15) { $0.hasPrefix("READY ") }
        return String(ready.dropFirst("READY ".count))
    }

    func command(_ json: String) throws {
        let before = server!.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("OK") || $0.hasPrefix("ERROR") }.count
        try server!.send(json)
        let line = try server!.waitFor(what: "ack of \(json)") { () -> String? in
            let acks = server!.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("OK") || $0.hasPrefix("ERROR") }
            return acks.count > before ? acks[before] : nil
        }
        XCTAssertTrue(line.hasPrefix("OK"), line)
    }

    /// Waits until `count` events in total have arrived.
    func waitForEvents(_ count: Int, timeout: TimeInterval = 5, file: StaticString = #filePath, line: UInt = #line) {
        let arrived = expectation(description: "\(count) events")
        let already = eventArrived.withLock { waiting -> Bool in
            if events.current.count >= count { return true }
            waiting = (count, arrived)
            return false
        }
        if already { arrived.fulfill() }
        wait(for: [arrived], timeout: timeout)
    }

    func result<T>(_ start: (@escaping (Result<T, SystemdError>) -> Void) -> Void) throws -> T {
        let done = expectation(description: "completion")
        let outcome = Locked<Result<T, SystemdError>?>(nil)
        queue.sync {
            start { value in
                XCTAssertTrue(self.queue.isCurrent, "completion must run on the bus queue")
                outcome.withLock { $0 = value }
                done.fulfill()
            }
        }
        wait(for: [done], timeout: 10)
        return try XCTUnwrap(outcome.current).get()
    }

    func logEntries() throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testCapabilitiesAndServerInformation() throws {
        try startServer(capabilities: "actions,body,inline-reply,persistence")
        let caps = try result { self.client.capabilities(completion: $0) }
        XCTAssertEqual(caps, ["actions", "body", "inline-reply", "persistence"])
        let info = try result { self.client.serverInformation(completion: $0) }
        XCTAssertEqual(info, NotificationServerInformation(name: "checkin-test", vendor: "checkin", version: "1.0", specVersion: "1.2"))
        XCTAssertTrue(try queue.sync { try client.serverAvailable() })
    }

    func testNotifyReturnsIDAndSendsEveryField() throws {
        try startServer(firstID: 7)
        let request = NotificationRequest(
            appName: "checkin", icon: "face-smile", summary: "How are you?", body: "Rate your mood",
            actions: [(key: "1", label: "Bad"), (key: "5", label: "Great"), (key: "default", label: "Open")],
            hints: ["urgency": .byte(1), "category": .string("x-checkin.prompt"), "desktop-entry": .string("checkin"),
                    "resident": .bool(true), "x-checkin-prompt": .string("mood-42")],
            expireTimeout: 0)
        let id = try result { self.client.notify(request, completion: $0) }
        XCTAssertEqual(id, 7)

        var replacement = request
        replacement.replacesID = id
        replacement.summary = "Still there?"
        XCTAssertEqual(try result { self.client.notify(replacement, completion: $0) }, 7, "replaces_id is reused")
        XCTAssertEqual(try result { self.client.notify(NotificationRequest(summary: "Break"), completion: $0) }, 8)

        let log = try logEntries()
        XCTAssertEqual(log.count, 3)
        let first = log[0]
        XCTAssertEqual(first["method"] as? String, "Notify")
        XCTAssertEqual(first["id"] as? Int, 7)
        XCTAssertEqual(first["app_name"] as? String, "checkin")
        XCTAssertEqual(first["replaces_id"] as? Int, 0)
        XCTAssertEqual(first["app_icon"] as? String, "face-smile")
        XCTAssertEqual(first["summary"] as? String, "How are you?")
        XCTAssertEqual(first["body"] as? String, "Rate your mood")
        XCTAssertEqual(first["actions"] as? [String], ["1", "Bad", "5", "Great", "default", "Open"])
        XCTAssertEqual(first["expire_timeout"] as? Int, 0)
        let hints = try XCTUnwrap(first["hints"] as? [String: Any])
        XCTAssertEqual(hints["urgency"] as? Int, 1)
        XCTAssertEqual(hints["category"] as? String, "x-checkin.prompt")
        XCTAssertEqual(hints["desktop-entry"] as? String, "checkin")
        XCTAssertEqual(hints["resident"] as? Bool, true)
        XCTAssertEqual(hints["x-checkin-prompt"] as? String, "mood-42")
        XCTAssertEqual(first["hint_types"] as? [String: String],
                       ["urgency": "y", "category": "s", "desktop-entry": "s", "resident": "b", "x-checkin-prompt": "s"])
        XCTAssertEqual(log[1]["replaces_id"] as? Int, 7)
        XCTAssertEqual(log[1]["summary"] as? String, "Still there?")
        XCTAssertEqual(log[2]["summary"] as? String, "Break")
        XCTAssertEqual(log[2]["expire_timeout"] as? Int, -1)
        XCTAssertEqual(log[2]["actions"] as? [String], [])
    }

    func testActionClosedAndRepliedEventsArrive() throws {
        let owner = try startServer()
        let id = try result { self.client.notify(NotificationRequest(summary: "Mood?", actions: [(key: "4", label: "Good")]), completion: $0) }
        XCTAssertEqual(id, 1)
        try command(#"{"cmd":"action","id":1,"action":"4"}"#)
        try command(#"{"cmd":"reply","id":1,"text":"feeling ok ✓"}"#)
        try command(#"{"cmd":"close","id":1,"reason":2}"#)
        waitForEvents(4)
        XCTAssertEqual(events.current, [
            .serverAppeared(owner: owner),
            .actionInvoked(id: 1, action: "4"),
            .replied(id: 1, text: "feeling ok ✓"),
            .closed(id: 1, reason: 2),
        ])

        // CloseNotification: the call is logged and the server answers with reason 3.
        try result { (done: @escaping (Result<Void, SystemdError>) -> Void) in self.client.close(id: 1, completion: done) }
        waitForEvents(5)
        XCTAssertEqual(events.current.last, .closed(id: 1, reason: 3))
        let log = try logEntries()
        XCTAssertEqual(log.last?["method"] as? String, "CloseNotification")
        XCTAssertEqual(log.last?["id"] as? Int, 1)
    }

    func testServerVanishesAndReappears() throws {
        let first = try startServer()
        waitForEvents(1)
        XCTAssertEqual(events.current, [.serverAppeared(owner: first)])

        try server!.send(#"{"cmd":"quit"}"#)
        XCTAssertEqual(server!.waitForExit(timeout: 10), 0)
        waitForEvents(2)
        XCTAssertEqual(events.current.last, .serverVanished)
        XCTAssertFalse(try queue.sync { try client.serverAvailable() })

        let second = try startServer(firstID: 1)
        XCTAssertNotEqual(first, second)
        waitForEvents(3)
        XCTAssertEqual(events.current, [.serverAppeared(owner: first), .serverVanished, .serverAppeared(owner: second)])
        XCTAssertTrue(try queue.sync { try client.serverAvailable() })
        XCTAssertEqual(try result { self.client.notify(NotificationRequest(summary: "again"), completion: $0) }, 1)
    }

    func testNotifyWithoutServerGivesClearError() throws {
        XCTAssertFalse(try queue.sync { try client.serverAvailable() })
        XCTAssertThrowsError(try result { self.client.notify(NotificationRequest(summary: "nobody"), completion: $0) }) { error in
            let error = error as! SystemdError
            XCTAssertEqual(error.call, "sd_bus_call_async(org.freedesktop.Notifications.Notify)")
            XCTAssertEqual(error.busErrorName, "org.freedesktop.DBus.Error.ServiceUnknown")
            XCTAssertTrue(error.message?.hasPrefix(
                "no notification server is running (nothing owns org.freedesktop.Notifications on this bus)") ?? false,
                error.description)
        }
        XCTAssertEqual(events.current, [])
    }
}
