import CheckinCore
import CheckinDaemon
import CheckinTestSupport
import Foundation
import SystemdKit
import XCTest

/// A scripted activity or do-not-disturb service (Tests/Fixtures/activity_services.py) for the
/// daemon's tests.
final class ActivityPeer {
    let process: ScriptedProcess

    init(role: String, address: String, directory: URL) throws {
        process = try ScriptedProcess(
            "/usr/bin/python3",
            arguments: [Fixtures.path("activity_services.py"), "--address", address, "--role", role],
            name: "activity-\(role)", directory: directory)
        try process.waitForLine(timeout: 15) { $0.hasPrefix("READY ") }
    }

    func command(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let acks = { self.process.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("OK") || $0.hasPrefix("ERROR") } }
        let before = acks().count
        try process.send(json)
        let ack = try process.waitFor(what: "ack of \(json)") { () -> String? in
            let now = acks()
            return now.count > before ? now[before] : nil
        }
        XCTAssertTrue(ack.hasPrefix("OK"), ack, file: file, line: line)
    }

    func stop() { process.stop() }
}

/// Breaks that follow the person, end to end: the daemon in-process on a private session bus (and
/// a second private bus standing in for the system bus), the scripted notification server, and
/// scripted Mutter, screen saver, logind and swaync services. Tests wait for daemon-side state.
final class BreakTests: XCTestCase {
    var h: DaemonHarness!
    var systemBus: TestBus?
    var peers: [ActivityPeer] = []

    static let start = Date.utc("2026-03-02T09:00:00Z")  // a Monday
    static let rest = #"{"reminders": [{"id": "rest", "type": "break", "every": "50m", "mode": "active", "duration": "5m", "grace": "2m"}]}"#

    override func tearDown() {
        peers.forEach { $0.stop() }
        peers = []
        h?.stop()
        h = nil
        systemBus?.stop()
        systemBus = nil
    }

    func startDaemon(_ config: String = BreakTests.rest, systemBus wantSystemBus: Bool = false) throws {
        if wantSystemBus { systemBus = try TestBus() }
        h = try DaemonHarness(config: config, start: Self.start, systemBusAddress: systemBus?.address)
    }

    /// Starts a scripted service and waits until the daemon uses it.
    @discardableResult
    func peer(_ role: String, source: String? = nil, dnd: String? = nil) throws -> ActivityPeer {
        let onSystemBus = role == "logind"
        let p = try ActivityPeer(role: role, address: onSystemBus ? systemBus!.address : h.bus.address, directory: h.dir)
        peers.append(p)
        if let source {
            try h.waitUntil("the daemon uses \(source)") { self.status()["ActivitySources"].map { "\($0)" }?.contains(source) ?? false }
        }
        if let dnd {
            try h.waitUntil("the daemon uses \(dnd)") { self.status()["DoNotDisturbSources"] == .stringArray([dnd]) }
        }
        return p
    }

    func status() -> [String: BusVariant] { h.onQueue { h.daemon.statusDictionary() } }
    func statusText() -> String { if case .string(let s) = status()["Status"] { return s }; return "" }
    func presence() -> Presence { h.onQueue { h.daemon.engine.tracker.presence } }
    func upcoming() -> Date? { h.onQueue { h.daemon.engine.upcoming?.at } }

    func prompts() throws -> [PromptRecord] {
        let s = try h.store()
        defer { s.close() }
        return try s.prompts(since: nil, until: nil)
    }

    /// Moves the clock in steps (as the wake-up timer would fire), ticking at each.
    func advance(to end: Date, step: TimeInterval = 60) {
        var t = h.clock.now
        while t < end {
            t = min(end, t.addingTimeInterval(step))
            h.advance(to: t)
        }
    }

    // MARK: - (1) Idle for the break's length: a natural break, nothing shown

    func testIdleForTheBreaksLengthIsANaturalBreakAndNothingIsShown() throws {
        try startDaemon()
        XCTAssertEqual(upcoming(), Date.utc("2026-03-02T09:50:00Z"))
        let mutter = try peer("mutter", source: "mutter-idle-monitor")
        XCTAssertEqual(status()["Presence"], .string("active"))

        // Active until 09:45; Mutter's 10 s idle watch fires then (idle since 09:44:50).
        advance(to: Date.utc("2026-03-02T09:45:00Z"))
        try mutter.command(#"{"cmd":"idle","ms":10000}"#)
        try h.waitUntil("idle") { self.presence() == .idle }
        XCTAssertNil(upcoming(), "nothing is due while away")
        // Past the time it would have been due: nothing fires for an empty chair.
        advance(to: Date.utc("2026-03-02T09:55:00Z"))
        try mutter.command(#"{"cmd":"active"}"#)
        try h.waitUntil("the natural break") { self.h.log.events("natural-break").count == 1 }
        XCTAssertEqual(presence(), .active)
        let records = try prompts()
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records.first?.state, .answered)
        XCTAssertEqual(records.first?.action, "natural")
        XCTAssertEqual(records.first?.scheduledAt, Date.utc("2026-03-02T09:44:50Z"))
        XCTAssertEqual(records.first?.outcomeAt, Date.utc("2026-03-02T09:55:00Z"))
        let s = try h.store()
        XCTAssertEqual(try s.reminderCounts(in: TimeRange(since: nil, until: nil)),
                       [ReminderCounts(reminder: "rest", prompts: 1, natural: 1)], "checkin stats counts it")
        s.close()
        // The count starts again at the return.
        XCTAssertEqual(upcoming(), Date.utc("2026-03-02T10:45:00Z"))
        usleep(100_000)
        XCTAssertEqual(h.notifies().count, 0)

        // Idle for less than the break: not a break, and the idle time does not count.
        advance(to: Date.utc("2026-03-02T10:00:00Z"))
        try mutter.command(#"{"cmd":"idle","ms":10000}"#)
        try h.waitUntil("idle again") { self.presence() == .idle }
        h.clock.now = Date.utc("2026-03-02T10:03:00Z")
        try mutter.command(#"{"cmd":"active"}"#)
        try h.waitUntil("active again") { self.presence() == .active }
        XCTAssertEqual(h.log.events("natural-break").count, 1)
        XCTAssertEqual(upcoming(), Date.utc("2026-03-02T10:48:10Z"), "3m10s away moved the break by as much")
        advance(to: Date.utc("2026-03-02T10:48:10Z"))
        let n = try h.waitForNotify(1)
        XCTAssertEqual(n["summary"] as? String, "Time for a break")
    }

    func testIdleThresholdAndItsReload() throws {
        try startDaemon(#"{"idleThreshold": "1m", "reminders": [{"id": "rest", "type": "break", "every": "50m", "mode": "active"}]}"#)
        let mutter = try peer("mutter", source: "mutter-idle-monitor")
        h.clock.now = Date.utc("2026-03-02T09:20:00Z")
        try mutter.command(#"{"cmd":"idle","ms":60000}"#)
        try h.waitUntil("idle") { self.presence() == .idle }
        XCTAssertEqual(h.onQueue { h.daemon.engine.tracker.awaySince }, Date.utc("2026-03-02T09:19:00Z"), "idle since input stopped")
        try mutter.command(#"{"cmd":"active"}"#)
        try h.waitUntil("active") { self.presence() == .active }
        // A reload with another threshold sets Mutter's watch up again.
        try #"{"idleThreshold": "30s", "reminders": [{"id": "rest", "type": "break", "every": "50m", "mode": "active"}]}"#
            .write(toFile: h.configPath, atomically: true, encoding: .utf8)
        XCTAssertNil(h.onQueue { h.daemon.reload() })
        XCTAssertEqual(h.log.count(containing: "Mutter's idle threshold is now 30s"), 1)
        try h.waitUntil("the new monitor is in use") {
            self.status()["ActivitySources"].map { "\($0)" }?.contains("mutter-idle-monitor") ?? false
        }
    }

    // MARK: - (2) Locked, then unlocked: nothing within the grace period

    func testNothingIsShownWithinTheGracePeriodAfterAnUnlock() throws {
        try startDaemon()
        let saver = try peer("gnome-screensaver", source: "gnome-screensaver")
        advance(to: Date.utc("2026-03-02T09:49:00Z"))
        try saver.command(#"{"cmd":"lock"}"#)
        try h.waitUntil("locked") { self.presence() == .locked }
        h.clock.now = Date.utc("2026-03-02T09:50:30Z")
        try saver.command(#"{"cmd":"unlock"}"#)
        try h.waitUntil("unlocked") { self.presence() == .active }
        // 1m30s locked is no 5m break; 1 min of activity is left, but the grace runs to 09:52:30.
        XCTAssertEqual(h.log.events("natural-break").count, 0)
        XCTAssertEqual(upcoming(), Date.utc("2026-03-02T09:52:30Z"))
        advance(to: Date.utc("2026-03-02T09:52:29Z"), step: 30)
        usleep(100_000)
        XCTAssertEqual(h.notifies().count, 0, "nothing within the grace period")
        h.advance(to: Date.utc("2026-03-02T09:52:30Z"))
        try h.waitForNotify(1)
        try h.waitUntil("delivered") { try self.prompts().map(\.state) == [.delivered] }

        // Locked for 6 minutes with the prompt open: the break is taken, the prompt closes.
        h.clock.now = Date.utc("2026-03-02T09:53:00Z")
        try saver.command(#"{"cmd":"lock"}"#)
        try h.waitUntil("locked") { self.presence() == .locked }
        h.clock.now = Date.utc("2026-03-02T09:59:00Z")
        try saver.command(#"{"cmd":"unlock"}"#)
        try h.waitUntil("the natural break") { self.h.log.events("natural-break").count == 1 }
        let records = try prompts()
        XCTAssertEqual(records.map(\.state), [.answered])
        XCTAssertEqual(records.map(\.action), ["natural"])
        try h.waitUntil("the notification closed") { self.h.serverCalls().contains { $0["method"] as? String == "CloseNotification" } }
        XCTAssertEqual(h.notifies().count, 1)
    }

    // MARK: - A clock break while away waits for the person

    func testAClockBreakDueWhileAwayWaitsOrBecomesANaturalBreak() throws {
        try startDaemon(#"{"reminders": [{"id": "b", "type": "break", "at": ["09:10", "09:30"], "duration": "5m"}]}"#)
        let mutter = try peer("mutter", source: "mutter-idle-monitor")
        let saver = try peer("gnome-screensaver", source: "gnome-screensaver")
        // Reading without touching anything at 09:10: held, shown when input comes back.
        h.clock.now = Date.utc("2026-03-02T09:09:00Z")
        try mutter.command(#"{"cmd":"idle","ms":10000}"#)
        try h.waitUntil("idle") { self.presence() == .idle }
        h.advance(to: Date.utc("2026-03-02T09:10:00Z"))
        usleep(100_000)
        XCTAssertEqual(h.notifies().count, 0)
        XCTAssertEqual(try prompts().map(\.state), [.scheduled])
        h.clock.now = Date.utc("2026-03-02T09:11:00Z")
        try mutter.command(#"{"cmd":"active"}"#)
        try h.waitForNotify(1)
        try h.waitUntil("delivered") { try self.prompts().map(\.state) == [.delivered] }
        XCTAssertEqual(try prompts().first?.deliveredAt, Date.utc("2026-03-02T09:11:00Z"))
        // Locked from 09:29 to 09:40: the 09:30 one is never shown; the absence is its break.
        h.clock.now = Date.utc("2026-03-02T09:29:00Z")
        try saver.command(#"{"cmd":"lock"}"#)
        try h.waitUntil("locked") { self.presence() == .locked }
        h.advance(to: Date.utc("2026-03-02T09:30:00Z"))
        h.clock.now = Date.utc("2026-03-02T09:40:00Z")
        try saver.command(#"{"cmd":"unlock"}"#)
        try h.waitUntil("the natural break") { self.h.log.events("natural-break").count == 1 }
        usleep(100_000)
        h.advance(to: Date.utc("2026-03-02T09:45:00Z"))
        XCTAssertEqual(h.notifies().count, 1)
        XCTAssertEqual(try prompts().map(\.action).last, "natural")
        XCTAssertEqual(try prompts().last?.state, .answered)
    }

    // MARK: - Suspend (logind) counts as away; nothing right after resume

    func testSuspendIsANaturalBreakAndStatusListsTheSources() throws {
        try startDaemon(systemBus: true)
        let logind = try peer("logind", source: "logind")
        try peer("mutter", source: "mutter-idle-monitor")
        guard case .stringArray(let sources) = status()["ActivitySources"] else { return XCTFail("no ActivitySources") }
        XCTAssertEqual(Set(sources), ["logind", "mutter-idle-monitor"])
        XCTAssertEqual(status()["DoNotDisturbSources"], .stringArray([]))
        XCTAssertEqual(status()["DoNotDisturb"], .bool(false))

        advance(to: Date.utc("2026-03-02T09:40:00Z"))
        try logind.command(#"{"cmd":"sleep"}"#)
        try h.waitUntil("asleep") { self.presence() == .asleep }
        XCTAssertEqual(status()["Presence"], .string("asleep"))
        h.clock.now = Date.utc("2026-03-02T10:10:00Z")
        try logind.command(#"{"cmd":"resume"}"#)
        try h.waitUntil("the natural break") { self.h.log.events("natural-break").count == 1 }
        XCTAssertEqual(presence(), .active)
        XCTAssertEqual(try prompts().map(\.action), ["natural"])
        XCTAssertEqual(upcoming(), Date.utc("2026-03-02T11:00:00Z"))
        usleep(100_000)
        XCTAssertEqual(h.notifies().count, 0)
    }

    // MARK: - (3) Do not disturb: defer and drop

    func testDoNotDisturbDefersAndDrops() throws {
        try startDaemon(#"""
            {"reminders": [
              {"id": "later", "type": "break", "at": "09:10", "dnd": "defer"},
              {"id": "never", "type": "break", "at": "09:20", "dnd": "drop"},
              {"id": "anyway", "type": "break", "at": "09:30", "dnd": "deliver"}
            ]}
            """#)
        let swaync = try peer("swaync", dnd: "swaync-dnd")
        try swaync.command(#"{"cmd":"dnd","on":true}"#)
        try h.waitUntil("do-not-disturb on") { self.status()["DoNotDisturb"] == .bool(true) }
        XCTAssertTrue(statusText().hasSuffix("do-not-disturb is on"))

        advance(to: Date.utc("2026-03-02T09:10:00Z"))
        XCTAssertEqual(h.log.events("deferred").count, 1)
        advance(to: Date.utc("2026-03-02T09:20:00Z"))
        advance(to: Date.utc("2026-03-02T09:30:00Z"))
        let anyway = try h.waitForNotify(1)
        XCTAssertEqual(anyway["summary"] as? String, "Time for a break")
        let byReminder = Dictionary(uniqueKeysWithValues: try prompts().map { ($0.reminder, $0) })
        XCTAssertEqual(byReminder["never"]?.state, .skipped)
        XCTAssertEqual(byReminder["never"]?.action, "dnd")
        XCTAssertEqual(byReminder["later"]?.state, .scheduled)
        // An hour later do-not-disturb ends: the deferred one is shown, once; the dropped never.
        h.clock.now = Date.utc("2026-03-02T10:30:00Z")
        try swaync.command(#"{"cmd":"dnd","on":false}"#)
        try h.waitForNotify(2)
        usleep(200_000)
        advance(to: Date.utc("2026-03-02T10:35:00Z"))
        XCTAssertEqual(h.notifies().count, 2)
        let later = try h.waitUntil("later delivered") { try self.prompts().first { $0.reminder == "later" && $0.state == .delivered } }
        XCTAssertEqual(later.state, .delivered)
        XCTAssertEqual(later.deliveredAt, Date.utc("2026-03-02T10:30:00Z"))
        XCTAssertEqual(try prompts().filter { $0.reminder == "never" }.map(\.state), [.skipped])
    }

    // MARK: - (4) Garbage and flapping sources

    func testGarbageAndFlappingSourcesNeitherCrashNorFlood() throws {
        try startDaemon(#"{"reminders": [{"id": "micro", "type": "break", "every": "1m", "mode": "active", "duration": "10s", "grace": "0s"}]}"#,
                        systemBus: true)
        let mutter = try peer("mutter", source: "mutter-idle-monitor")
        let saver = try peer("gnome-screensaver", source: "gnome-screensaver")
        let logind = try peer("logind", source: "logind")
        let swaync = try peer("swaync", dnd: "swaync-dnd")
        for p in [mutter, saver, logind, swaync] { try p.command(#"{"cmd":"garbage"}"#) }
        try saver.command(#"{"cmd":"flap","count":1000,"final":false}"#)
        try swaync.command(#"{"cmd":"flap","count":1000,"final":false}"#)
        try logind.command(#"{"cmd":"flap","count":1000,"final":false}"#)
        // Everything settles (the coalescing windows close) with the person active, DND off.
        try h.waitUntil("settled") { self.presence() == .active && self.status()["DoNotDisturb"] == .bool(false) }
        usleep(500_000)
        XCTAssertEqual(presence(), .active)
        // Ten minutes in 10-second steps: at most one break prompt a minute.
        advance(to: Self.start.addingTimeInterval(600), step: 10)
        usleep(200_000)
        XCTAssertLessThanOrEqual(h.notifies().count, 10)
        XCTAssertGreaterThanOrEqual(h.notifies().count, 1)
        XCTAssertEqual(status()["Version"], .string(CheckinVersion.string), "the daemon still answers")
        // Idle, then Mutter goes away: its opinion no longer counts (the person is active again).
        try mutter.command(#"{"cmd":"idle","ms":10000}"#)
        try h.waitUntil("idle") { self.presence() == .idle }
        try mutter.command(#"{"cmd":"vanish"}"#)
        try h.waitUntil("mutter gone") { self.presence() == .active }
        XCTAssertEqual(status()["ActivitySources"].map { "\($0)" }?.contains("mutter-idle-monitor"), false)
        try mutter.command(#"{"cmd":"appear"}"#)
        try h.waitUntil("mutter back") { self.status()["ActivitySources"].map { "\($0)" }?.contains("mutter-idle-monitor") ?? false }
        XCTAssertTrue(h.log.all.filter { $0.level >= .warning && $0.message.contains("Ignoring") }.count <= 20,
                      h.log.dump)
    }

    // MARK: - Outside its window time does not count

    func testActiveTimeOutsideTheWindowDoesNotCount() throws {
        let config = #"{"reminders": [{"id": "rest", "type": "break", "every": "50m", "mode": "active", "between": "09:55-18:00"}]}"#
        try startDaemon(config)
        // Due at 09:50 by wall-clock time (no source), before its window: counting starts at 09:55,
        // so the first one is planned for 10:45.
        XCTAssertEqual(upcoming(), Date.utc("2026-03-02T10:45:00Z"))
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, Date.utc("2026-03-02T09:55:00Z"))
        h.advance(to: Date.utc("2026-03-02T09:55:00Z"))
        XCTAssertEqual(upcoming(), Date.utc("2026-03-02T10:45:00Z"))
        usleep(100_000)
        XCTAssertEqual(h.notifies().count, 0, "no break as the first thing in the window")
        h.advance(to: Date.utc("2026-03-02T10:45:00Z"))
        try h.waitForNotify(1)
        XCTAssertEqual(upcoming(), Date.utc("2026-03-02T11:35:00Z"), "shown: the count starts again")
    }

    // MARK: - Working hours, daily limit, welcome back

    func testWorkingHoursHoldBreaksButNotMoodCheckIns() throws {
        try startDaemon(#"""
            {"workingHours": {"mon": "10:00-12:00", "tue": "09:00-10:00"},
             "reminders": [
              {"id": "mood", "type": "mood", "at": "09:30"},
              {"id": "hourly", "type": "break", "every": "1h"},
              {"id": "rest", "type": "break", "every": "50m", "mode": "active"}
            ]}
            """#)
        let next = h.onQueue { h.daemon.engine.plannedDeliveries(count: 6).map { "\($0.reminder) \(LocalFormat.iso8601($0.at, in: .utc))" } }
        // The active break's count starts at 10:00 (working hours), so its first one is at 10:50;
        // nothing of either break on Monday after 12:00.
        XCTAssertEqual(next, [
            "mood 2026-03-02T09:30:00+00:00",
            "hourly 2026-03-02T10:00:00+00:00",
            "rest 2026-03-02T10:50:00+00:00",
            "hourly 2026-03-02T11:00:00+00:00",
            "rest 2026-03-02T11:40:00+00:00",
            "hourly 2026-03-03T09:00:00+00:00",
        ])
        // 10:00: the hourly break is shown; the active one only starts counting (due 10:50).
        h.advance(to: Date.utc("2026-03-02T09:30:00Z"))
        try h.waitForNotify(1)
        h.advance(to: Date.utc("2026-03-02T10:00:00Z"))
        let n = try h.waitForNotify(2)
        XCTAssertEqual(n["summary"] as? String, "Time for a break")
        XCTAssertEqual(h.onQueue { h.daemon.engine.plannedDeliveries(count: 10).first { $0.reminder == "rest" }?.at }, Date.utc("2026-03-02T10:50:00Z"))
        usleep(100_000)
        XCTAssertEqual(h.notifies().count, 2)
    }

    func testPreBreakWarning() throws {
        try startDaemon(#"""
            {"reminders": [{"id": "b", "type": "break", "at": ["09:10", "09:30"], "preBreakWarning": "1m", "title": "Stretch"},
                           {"id": "m", "type": "mood", "at": "09:20"}]}
            """#)
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, Date.utc("2026-03-02T09:09:00Z"))
        h.advance(to: Date.utc("2026-03-02T09:09:00Z"))
        let warning = try h.waitForNotify(1)
        XCTAssertEqual(warning["summary"] as? String, "Break in 1 min")
        XCTAssertEqual(warning["body"] as? String, "Stretch")
        XCTAssertEqual(warning["actions"] as? [String], [])
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, Date.utc("2026-03-02T09:10:00Z"), "one warning per break")
        h.advance(to: Date.utc("2026-03-02T09:10:00Z"))
        XCTAssertEqual(try h.waitForNotify(2)["summary"] as? String, "Stretch")
        // Paused over the next one: no warning either.
        h.onQueue { h.daemon.engine.pause(until: Date.utc("2026-03-02T09:31:00Z")) }
        advance(to: Date.utc("2026-03-02T09:30:00Z"))
        usleep(100_000)
        XCTAssertEqual(h.notifies().count, 2)
    }

    func testDailyLimitNoticeOnceADay() throws {
        try startDaemon(#"{"dailyLimit": "1h", "reminders": [{"id": "m", "type": "mood", "at": "20:00"}]}"#)
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, Date.utc("2026-03-02T10:00:00Z"))
        h.advance(to: Date.utc("2026-03-02T10:00:00Z"))
        let n = try h.waitForNotify(1)
        XCTAssertEqual(n["summary"] as? String, "Daily limit reached")
        XCTAssertEqual(h.log.events("daily-limit").count, 1)
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, Date.utc("2026-03-02T20:00:00Z"), "once a day")
        h.advance(to: Date.utc("2026-03-02T11:00:00Z"))
        usleep(100_000)
        XCTAssertEqual(h.notifies().count, 1)
        // Remembered across a restart.
        try h.restart()
        h.advance(to: Date.utc("2026-03-02T12:00:00Z"))
        usleep(100_000)
        XCTAssertEqual(h.notifies().count, 1)
    }

    func testWelcomeBackAfterANaturalBreak() throws {
        try startDaemon(#"{"reminders": [{"id": "rest", "type": "break", "every": "50m", "mode": "active", "welcomeBack": true}]}"#)
        let saver = try peer("gnome-screensaver", source: "gnome-screensaver")
        h.clock.now = Date.utc("2026-03-02T09:20:00Z")
        try saver.command(#"{"cmd":"lock"}"#)
        try h.waitUntil("locked") { self.presence() == .locked }
        h.clock.now = Date.utc("2026-03-02T09:27:00Z")
        try saver.command(#"{"cmd":"unlock"}"#)
        let n = try h.waitForNotify(1)
        XCTAssertEqual(n["summary"] as? String, "Welcome back")
        XCTAssertEqual(n["body"] as? String, "That was a 7m break: recorded.")
        XCTAssertEqual(try prompts().map(\.action), ["natural"])
    }

    // MARK: - Daily snooze limit

    func testMaxSnoozesPerDay() throws {
        try startDaemon(#"{"reminders": [{"id": "b", "type": "break", "at": ["09:10", "09:40"], "snooze": "5m", "maxSnoozesPerDay": 1}]}"#)
        h.advance(to: Date.utc("2026-03-02T09:10:00Z"))
        let n1 = try h.waitForNotify(1)
        XCTAssertEqual(n1["actions"] as? [String], ["done", "Start break", "snooze", "Snooze 5 min", "skip", "Skip"])
        try h.command(#"{"cmd":"action","id":\#(n1["id"] as! Int),"action":"snooze"}"#)
        try h.waitUntil("snoozed") { try self.prompts().first?.state == .snoozed }
        h.advance(to: Date.utc("2026-03-02T09:15:00Z"))
        let n2 = try h.waitForNotify(2)
        XCTAssertEqual(n2["actions"] as? [String], ["done", "Start break", "skip", "Skip"], "the prompt may be snoozed 3 times, the day once")
        // The next prompt that day: no Snooze either, also after a restart.
        try h.restart()
        h.advance(to: Date.utc("2026-03-02T09:40:00Z"))
        let n3 = try h.waitForNotify(3)
        XCTAssertEqual(n3["actions"] as? [String], ["done", "Start break", "skip", "Skip"])
    }

    // MARK: - Global rate limit

    func testAtMostFiveScheduledPromptsAMinute() throws {
        let reminders = (1...7).map { #"{"id": "b\#($0)", "type": "break", "at": "09:10"}"# }.joined(separator: ", ")
        try startDaemon(#"{"reminders": [\#(reminders)]}"#)
        h.advance(to: Date.utc("2026-03-02T09:10:00Z"))
        try h.waitForNotify(5)
        usleep(200_000)
        XCTAssertEqual(h.notifies().count, 5)
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, Date.utc("2026-03-02T09:11:00Z"))
        h.advance(to: Date.utc("2026-03-02T09:11:00Z"))
        try h.waitForNotify(7)
        // Trigger is explicit: never held.
        _ = h.onQueue { h.daemon.engine.fire(h.daemon.engine.config.reminder(id: "b1")!, scheduledAt: h.clock.now, now: h.clock.now, explicit: true) }
        try h.waitForNotify(8)
    }

    // MARK: - No source at all

    func testWithoutAnySourceActiveModeCountsWallClockTimeAndSaysSo() throws {
        try startDaemon()
        XCTAssertEqual(status()["ActivitySources"], .stringArray([]))
        XCTAssertTrue(statusText().contains("no activity source: active breaks count wall-clock time"))
        h.advance(to: Date.utc("2026-03-02T09:50:00Z"))
        try h.waitForNotify(1)
        h.advance(to: Date.utc("2026-03-02T10:40:00Z"))
        try h.waitForNotify(2)
        XCTAssertEqual(h.log.count(containing: "No activity source"), 1)
    }
}
