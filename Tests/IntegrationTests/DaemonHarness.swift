import CheckinCore
import CheckinDaemon
import CheckinTestSupport
import Foundation
import Logging
import SystemdKit
import XCTest

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Date
    init(_ start: Date) { value = start }
    var now: Date {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// Real components in CI; outside CI a missing one skips the test.
func requireRealComponents() throws {
    do {
        try requireIntegration("dbus-daemon")
        try requireIntegration(modules: ["dbus", "dbus.mainloop.glib", "gi.repository.GLib"])
    } catch {
        if error.shouldSkip { throw XCTSkip(error.description) }
        throw error
    }
}

/// The daemon in-process on a private bus, with the scripted notification server and a manual
/// clock. Everything the daemon owns is touched on its queue.
final class DaemonHarness {
    let bus: TestBus
    let dir: URL
    let clock: ManualClock
    let log = LogRecorder()
    var server: ScriptedProcess?
    var daemon: Daemon!
    let serverLog: String
    let configPath: String
    /// The options the daemon was started with (`restart()` uses them again).
    private(set) var options: DaemonOptions!

    /// `prepareData` may seed the journal (it gets the database path) before the daemon starts.
    /// `timeZone` is the daemon's TZ (nil: unset, so `localtimePath` decides); `localtimePath` and
    /// `systemBusAddress` go to the daemon's options when given.
    /// `adjust` may change the daemon's options last (e.g. `controlUID`).
    init(config: String, start: Date, serverCapabilities: String? = "actions,body,inline-reply",
         timeZone: String? = "UTC", localtimePath: String? = nil, systemBusAddress: String? = nil,
         prepareData: ((String) throws -> Void)? = nil, adjust: ((inout DaemonOptions) -> Void)? = nil) throws {
        try requireRealComponents()
        bus = try TestBus()
        dir = bus.directory
        clock = ManualClock(start)
        serverLog = dir.appendingPathComponent("server.log").path
        configPath = dir.appendingPathComponent("config.json").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        if let serverCapabilities { try startServer(capabilities: serverCapabilities) }
        try prepareData?(dir.appendingPathComponent("data/checkin.sqlite").path)
        var environment = ["HOME": dir.path]
        if let timeZone { environment["TZ"] = timeZone }
        var options = DaemonOptions(configPath: configPath, dataDirectory: dir.appendingPathComponent("data").path,
                                    busAddress: bus.address, environment: environment)
        if let localtimePath { options.localtimePath = localtimePath }
        if let systemBusAddress { options.systemBusAddress = systemBusAddress }
        adjust?(&options)
        self.options = options
        try startDaemon()
        if serverCapabilities != nil { try waitUntil("the daemon sees the server") { self.onQueue { self.daemon.engine.serverAvailable } } }
    }

    private func startDaemon() throws {
        let clock = self.clock
        daemon = try Daemon(options: options, logger: log.logger, clock: { clock.now })
        daemon.exitHandler = { _ in }
        // (queue.sync with a typed-throws closure crashes Swift 6.3.1's SIL passes: carry the error out.)
        var startError: DaemonStartError?
        daemon.queue.sync {
            do { try daemon.start() } catch let error as DaemonStartError { startError = error } catch {}
        }
        if let startError { throw startError }
    }

    /// Stops the daemon and starts a new one with the same options, data and clock (a restart of
    /// checkind); waits until the new one sees the notification server, if one runs.
    func restart() throws {
        daemon.queue.sync { daemon.stop() }
        daemon = nil
        let client = try Bus(address: bus.address)
        defer { client.close() }
        try waitUntil("the old daemon's bus name is released") { try !client.nameHasOwner(ControlInterface.busName) }
        try startDaemon()
        if server != nil { try waitUntil("the new daemon sees the server") { self.onQueue { self.daemon.engine.serverAvailable } } }
    }

    func stop() {
        if let daemon { daemon.queue.sync { daemon.stop() } }
        daemon = nil
        server?.stop()
        server = nil
        bus.stop()
    }

    deinit { stop() }

    @discardableResult
    func startServer(capabilities: String = "actions,body,inline-reply", firstID: Int = 1) throws -> ScriptedProcess {
        let process = try ScriptedProcess(
            "/usr/bin/python3",
            arguments: [Fixtures.path("notification-server.py"), "--address", bus.address,
                        "--capabilities", capabilities, "--log", serverLog, "--first-id", String(firstID)],
            name: "notification-server-\(firstID)", directory: dir)
        try process.waitForLine(timeout: 15) { $0.hasPrefix("READY ") }
        server = process
        return process
    }

    /// Sends a command to the scripted server and waits for its acknowledgement.
    func command(_ json: String) throws {
        let acks = { self.server!.stdout.split(separator: "\n").filter { $0.hasPrefix("OK") || $0.hasPrefix("ERROR") } }
        let before = acks().count
        try server!.send(json)
        let line = try server!.waitFor(what: "ack of \(json)") { () -> String? in
            let now = acks()
            return now.count > before ? String(now[before]) : nil
        }
        XCTAssertTrue(line.hasPrefix("OK"), line)
    }

    func onQueue<T>(_ body: () throws -> T) rethrows -> T { try daemon.queue.sync(execute: body) }

    /// Moves the clock and lets the daemon do what is due, as its wake-up timer would.
    func advance(to date: Date) {
        clock.now = date
        onQueue { daemon.engine.tick() }
    }

    /// Every call the server received, in order.
    func serverCalls() -> [[String: Any]] {
        let text = (try? String(contentsOfFile: serverLog, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func notifies() -> [[String: Any]] { serverCalls().filter { $0["method"] as? String == "Notify" } }

    /// Waits for the n-th (1-based) Notify call and returns it.
    @discardableResult
    func waitForNotify(_ n: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try waitUntil("Notify #\(n)", file: file, line: line) { self.notifies().count >= n ? self.notifies()[n - 1] : nil }
    }

    func waitUntil<T>(_ what: String, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line,
                      _ condition: () throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let v = try condition() { return v }
            usleep(10_000)
        }
        XCTFail("timed out waiting for \(what); server calls: \(serverCalls())", file: file, line: line)
        throw ProcessHelperError("timed out waiting for \(what)")
    }

    func waitUntil(_ what: String, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line,
                   _ condition: () throws -> Bool) throws {
        let _: Bool = try waitUntil(what, timeout: timeout, file: file, line: line) { try condition() ? true : nil }
    }

    /// A second connection to the journal, as the CLI would open it.
    func store() throws -> Store { try Store(path: dir.appendingPathComponent("data/checkin.sqlite").path, createIfMissing: false) }

    func prompt(_ id: String) throws -> PromptRecord? {
        let s = try store()
        defer { s.close() }
        return try s.prompt(id: id)
    }

    func entries() throws -> [Entry] {
        let s = try store()
        defer { s.close() }
        return try s.entries(since: nil, until: nil)
    }

    /// Starts a prompt now, as a schedule firing or a Trigger call does.
    @discardableResult
    func fire(_ reminder: String) -> String {
        onQueue {
            let r = daemon.engine.config.reminder(id: reminder)!
            let now = clock.now
            return daemon.engine.fire(r, scheduledAt: now, now: now)
        }
    }
}

extension Date {
    /// "2026-03-02T10:00:00Z"
    static func utc(_ text: String) -> Date {
        let f = ISO8601DateFormatter()
        return f.date(from: text)!
    }
}
