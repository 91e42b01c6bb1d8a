import CheckinCore
@testable import CheckinDaemon
import CheckinTestSupport
import Foundation
import SystemdKit
import XCTest

/// The daemon recomputes its next wake-up when time changes under it: the time zone (a temporary
/// stand-in for /etc/localtime is replaced), suspend and resume (a fake logind on a second private
/// bus), the wall clock being set, and DST (no watcher needed). In-process, manual clock.
final class TimeChangeTests: XCTestCase {
    static let moodConfig = #"{"reminders": [{"id": "mood", "type": "mood", "at": ["10:00", "14:00"]}]}"#
    var h: DaemonHarness!
    var tmp: URL!
    var logind: ScriptedProcess?
    var systemBus: TestBus?

    override func setUpWithError() throws {
        tmp = try makeTemporaryDirectory(prefix: "timechange")
    }

    override func tearDown() {
        h?.stop()
        h = nil
        logind?.stop()
        logind = nil
        systemBus?.stop()
        systemBus = nil
        if let tmp { try? FileManager.default.removeItem(at: tmp) }
    }

    /// An address where no bus listens: the daemon must run without a system bus.
    var noSystemBus: String { "unix:path=\(tmp.path)/no-system-bus" }

    func nextWakeup() -> Date? { h.onQueue { h.daemon.engine.nextWakeup } }
    func upcoming() -> Date? { h.onQueue { h.daemon.engine.upcoming?.at } }
    /// Warnings from the time-change watchers. (Only those: other tests in the same process may
    /// leave variables such as NOTIFY_SOCKET behind, which makes the daemon warn about sd_notify.)
    func timeWarnings() -> [LogRecorder.Record] {
        h.log.all.filter { record in
            // (The logind activity source's own complaints about this fake, which has no session
            // object, are not about time changes.)
            record.level >= .warning && record.metadata["checkin_activity_source"] == nil
                && (record.metadata["checkin_event"] == "no-system-bus"
                || ["wall clock", "localtime", "logind", "PrepareForSleep", "system bus"].contains { record.message.contains($0) })
        }
    }

    func timeChanges(_ kind: TimeChange? = nil) -> [LogRecorder.Record] {
        h.log.events("time-changed").filter { kind == nil || $0.metadata["checkin_time_change"] == kind!.rawValue }
    }

    // MARK: - Time zone

    /// Replaces `path` the way timedatectl does: a new symlink renamed over the old one.
    func replaceAtomically(_ path: String, withLinkTo target: String) throws {
        let temporary = path + ".new"
        try FileManager.default.createSymbolicLink(atPath: temporary, withDestinationPath: target)
        XCTAssertEqual(rename(temporary, path), 0, String(cString: strerror(errno)))
    }

    func testReplacingLocaltimeMovesTheNextFiring() throws {
        let localtime = tmp.appendingPathComponent("localtime").path
        try FileManager.default.createSymbolicLink(atPath: localtime, withDestinationPath: "/usr/share/zoneinfo/UTC")
        // Monday 03:00 UTC = 08:30 in Kolkata; no TZ, so the localtime file decides.
        h = try DaemonHarness(config: Self.moodConfig, start: Date.utc("2026-03-02T03:00:00Z"),
                              timeZone: nil, localtimePath: localtime, systemBusAddress: noSystemBus)
        XCTAssertEqual(h.onQueue { h.daemon.engine.zone.identifier }, "UTC")
        XCTAssertEqual(nextWakeup(), Date.utc("2026-03-02T10:00:00Z"))

        // timedatectl set-timezone Asia/Kolkata: 10:00 there is 04:30Z.
        try replaceAtomically(localtime, withLinkTo: "/usr/share/zoneinfo/Asia/Kolkata")
        try h.waitUntil("the next firing moves to 10:00 in Kolkata") { self.nextWakeup() == Date.utc("2026-03-02T04:30:00Z") }
        let changed = try XCTUnwrap(timeChanges().first)
        XCTAssertEqual(changed.level, .info)
        XCTAssertEqual(changed.message, "The time zone changed from UTC to Asia/Kolkata; schedule recomputed, next: mood at 2026-03-02 10:00")
        XCTAssertEqual(changed.metadata["checkin_time_change"], "time-zone")
        XCTAssertEqual(changed.metadata["checkin_time_zone"], "Asia/Kolkata")
        XCTAssertEqual(changed.metadata["checkin_next_at"], "2026-03-02T10:00:00+05:30")
        XCTAssertEqual(h.onQueue { h.daemon.statusDictionaryForTests["TimeZone"] }, "Asia/Kolkata")
        XCTAssertEqual(h.onQueue { h.daemon.statusDictionaryForTests["Status"] }, "Next: mood at 10:00 (in 1h 30m); 0 check-ins today")

        // ln -sf: delete, then create. One recompute once things settled, not one per event.
        try FileManager.default.removeItem(atPath: localtime)
        try FileManager.default.createSymbolicLink(atPath: localtime, withDestinationPath: "/usr/share/zoneinfo/Europe/Berlin")
        try h.waitUntil("10:00 in Berlin") { self.nextWakeup() == Date.utc("2026-03-02T09:00:00Z") }
        usleep(300_000)
        XCTAssertEqual(timeChanges().map { $0.metadata["checkin_time_zone"] }, ["Asia/Kolkata", "Europe/Berlin"])

        // Replaced by the same zone, or another file in the directory changed: nothing to do.
        try replaceAtomically(localtime, withLinkTo: "/usr/share/zoneinfo/Europe/Berlin")
        try "host".write(toFile: tmp.appendingPathComponent("hostname").path, atomically: true, encoding: .utf8)
        usleep(400_000)
        h.onQueue {}
        XCTAssertEqual(timeChanges().count, 2)

        // A plain file (no zone name: "localtime") is compared by its rules, not its name.
        let newYork = try Data(contentsOf: URL(fileURLWithPath: "/usr/share/zoneinfo/America/New_York"))
        try newYork.write(to: URL(fileURLWithPath: localtime + ".new"))
        XCTAssertEqual(rename(localtime + ".new", localtime), 0)
        try h.waitUntil("10:00 in New York") { self.nextWakeup() == Date.utc("2026-03-02T15:00:00Z") }
        XCTAssertEqual(h.onQueue { h.daemon.engine.zone.identifier }, "localtime")
        // Rewritten in place with Tokyo's rules: same name, different zone. 03:00Z is 12:00 there.
        let tokyo = try Data(contentsOf: URL(fileURLWithPath: "/usr/share/zoneinfo/Asia/Tokyo"))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: localtime))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: tokyo)
        try handle.close()
        try h.waitUntil("14:00 in Tokyo") { self.nextWakeup() == Date.utc("2026-03-02T05:00:00Z") }
        XCTAssertEqual(timeChanges().last?.message,
                       "The time zone changed from localtime to localtime; schedule recomputed, next: mood at 2026-03-02 14:00")
        XCTAssertEqual(timeWarnings().map(\.metadata["checkin_event"]), ["no-system-bus"], "\(timeWarnings())")
    }

    func testTZInTheEnvironmentWinsOverLocaltime() throws {
        // TZ cannot change for a running process; while it is set, /etc/localtime does not matter.
        let localtime = tmp.appendingPathComponent("localtime").path
        try FileManager.default.createSymbolicLink(atPath: localtime, withDestinationPath: "/usr/share/zoneinfo/UTC")
        h = try DaemonHarness(config: Self.moodConfig, start: Date.utc("2026-03-02T03:00:00Z"),
                              timeZone: "Asia/Tokyo", localtimePath: localtime, systemBusAddress: noSystemBus)
        XCTAssertEqual(nextWakeup(), Date.utc("2026-03-02T05:00:00Z"), "14:00 in Tokyo")
        try replaceAtomically(localtime, withLinkTo: "/usr/share/zoneinfo/Asia/Kolkata")
        usleep(400_000)
        h.onQueue {}
        XCTAssertEqual(timeChanges().count, 0)
        XCTAssertEqual(nextWakeup(), Date.utc("2026-03-02T05:00:00Z"))
    }

    // MARK: - Suspend and resume

    /// Starts the fake logind on a second private bus standing in for the system bus.
    func startLogind() throws -> TestBus {
        let bus = try TestBus()
        systemBus = bus
        let process = try ScriptedProcess("/usr/bin/python3", arguments: [Fixtures.path("logind.py"), "--address", bus.address],
                                          name: "logind", directory: bus.directory)
        logind = process
        try process.waitForLine(timeout: 15) { $0.hasPrefix("READY ") }
        return bus
    }

    /// Sends a command to the fake logind and waits until it has written the signal.
    func logindCommand(_ command: String) throws {
        let process = try XCTUnwrap(logind)
        let before = process.stdout.split(separator: "\n").count
        try process.send(command)
        let line = try process.waitFor(what: "ack of \(command)") { () -> String? in
            let lines = process.stdout.split(separator: "\n")
            return lines.count > before ? String(lines[before]) : nil
        }
        XCTAssertEqual(line, "OK \(command)")
    }

    /// Also without a logind session to watch (this fake has none), PrepareForSleep reaches the
    /// activity model: a break due at the resume waits for its grace period, and a long sleep is
    /// a natural break.
    func testABreakDueAtTheResumeWaitsForItsGracePeriod() throws {
        let system = try startLogind()
        h = try DaemonHarness(config: #"{"reminders": [{"id": "b", "type": "break", "at": ["10:00", "13:00"], "duration": "2h", "grace": "3m"}]}"#,
                              start: Date.utc("2026-03-02T09:00:00Z"), systemBusAddress: system.address)
        try logindCommand("sleep")
        try h.waitUntil("asleep") { self.h.onQueue { self.h.daemon.engine.tracker.presence } == .asleep }
        h.clock.now = Date.utc("2026-03-02T10:20:00Z")
        try logindCommand("resume")
        try h.waitUntil("the daemon recomputes") { !self.timeChanges(.resumed).isEmpty }
        XCTAssertEqual(h.onQueue { h.daemon.engine.tracker.presence }, .active)
        XCTAssertEqual(h.log.events("natural-break").count, 0, "80 minutes asleep is no 2h break")
        XCTAssertEqual(nextWakeup(), Date.utc("2026-03-02T10:23:00Z"), "the grace period's end")
        usleep(100_000)
        XCTAssertEqual(h.notifies().count, 0)
        h.advance(to: Date.utc("2026-03-02T10:23:00Z"))
        try h.waitForNotify(1)
        // Asleep from 10:30 to 13:10: a natural break that closes the open prompt; 13:00 waits for
        // the grace period after the resume.
        h.clock.now = Date.utc("2026-03-02T10:30:00Z")
        try logindCommand("sleep")
        try h.waitUntil("asleep again") { self.h.onQueue { self.h.daemon.engine.tracker.presence } == .asleep }
        h.clock.now = Date.utc("2026-03-02T13:10:00Z")
        try logindCommand("resume")
        try h.waitUntil("the natural break") { self.h.log.events("natural-break").count == 1 }
        let records = try h.store().prompts(since: nil, until: nil)
        XCTAssertEqual(records.map(\.state), [.answered, .scheduled])
        XCTAssertEqual(records.first?.action, "natural")
        XCTAssertEqual(nextWakeup(), Date.utc("2026-03-02T13:13:00Z"))
        XCTAssertEqual(h.notifies().count, 1)
    }

    func testResumeHandlesTheOverdueFiringAndPlansFromTheNewNow() throws {
        let system = try startLogind()
        h = try DaemonHarness(config: Self.moodConfig, start: Date.utc("2026-03-02T09:00:00Z"), systemBusAddress: system.address)
        XCTAssertEqual(nextWakeup(), Date.utc("2026-03-02T10:00:00Z"))
        XCTAssertTrue(h.onQueue { h.daemon.timeChangeWatchers?.systemBus?.isOpen ?? false })

        // Only logind may say so: the same signal from anyone else is not even routed to us.
        let impostor = try Bus(address: system.address)
        defer { impostor.close() }
        try impostor.emitSignal(path: "/org/freedesktop/login1", interface: "org.freedesktop.login1.Manager",
                                member: "PrepareForSleep") { m throws(SystemdError) in try m.append(false) }
        try impostor.flush()

        try logindCommand("sleep")
        try h.waitUntil("the daemon hears PrepareForSleep(true)") { !self.h.log.events("sleep").isEmpty }
        XCTAssertEqual(h.log.events("sleep").first?.message, "The system is going to sleep")
        XCTAssertTrue(timeChanges().isEmpty, "the impostor's resume was ignored")

        // Asleep through the 10:00 check-in; awake at 10:20, within its 30 minutes.
        h.clock.now = Date.utc("2026-03-02T10:20:00Z")
        try logindCommand("resume")
        try h.waitUntil("the daemon recomputes") { !self.timeChanges(.resumed).isEmpty }
        let resumed = try XCTUnwrap(timeChanges().first)
        XCTAssertEqual(resumed.message, "The system resumed from sleep (now 2026-03-02 10:20 UTC); schedule recomputed, next: mood at 2026-03-02 14:00")
        // The overdue check-in is shown at once, late, and only once.
        let n = try h.waitForNotify(1)
        XCTAssertEqual(n["summary"] as? String, "How are you feeling?")
        XCTAssertEqual(upcoming(), Date.utc("2026-03-02T14:00:00Z"), "the next occurrence after the new now")
        XCTAssertEqual(nextWakeup(), Date.utc("2026-03-02T10:50:00Z"), "first the open prompt's expiry")
        // (The server logs Notify before the daemon has its reply: wait for the daemon's side.)
        let delivered = try h.waitUntil("delivered") { self.h.log.events("delivered").first?.metadata["checkin_prompt_id"] }
        XCTAssertEqual(try h.prompt(delivered)?.state, .delivered)
        XCTAssertEqual(try h.prompt(delivered)?.scheduledAt, Date.utc("2026-03-02T10:00:00Z"))

        // Asleep again past 14:00, awake at 15:00: too late for it (an hour, over expireAfter):
        // recorded as missed, not shown; the open prompt expired meanwhile.
        try logindCommand("sleep")
        try h.waitUntil("second sleep") { self.h.log.events("sleep").count == 2 }
        h.clock.now = Date.utc("2026-03-02T15:00:00Z")
        try logindCommand("resume")
        try h.waitUntil("second resume") { self.timeChanges(.resumed).count == 2 }
        XCTAssertEqual(h.log.events("missed").map(\.message), ["mood due at 2026-03-02 14:00 not shown: it is 1h late"])
        XCTAssertEqual(try h.prompt(delivered)?.state, .expired)
        XCTAssertEqual(nextWakeup(), Date.utc("2026-03-03T10:00:00Z"))
        usleep(100_000)
        XCTAssertEqual(h.notifies().count, 1)
        XCTAssertTrue(timeWarnings().isEmpty, "\(timeWarnings())")
    }

    func testWithoutASystemBusTheDaemonWarnsOnceAndWorks() throws {
        h = try DaemonHarness(config: Self.moodConfig, start: Date.utc("2026-03-02T09:59:00Z"), systemBusAddress: noSystemBus)
        let warnings = { self.timeWarnings() }
        XCTAssertEqual(warnings().count, 1, "\(warnings())")
        let warning = try XCTUnwrap(warnings().first)
        XCTAssertEqual(warning.level, .warning)
        XCTAssertEqual(warning.metadata["checkin_event"], "no-system-bus")
        XCTAssertTrue(warning.message.hasPrefix("No system bus (sd_bus_start(\(noSystemBus)): No such file or directory)"), warning.message)
        XCTAssertTrue(warning.message.hasSuffix("suspend and resume are noticed only through the wall clock"), warning.message)

        // Everything else works: the other watchers, the schedule, delivery, answers.
        XCTAssertTrue(h.onQueue { h.daemon.timeChangeWatchers?.clock?.isWatching ?? false })
        XCTAssertTrue(h.onQueue { h.daemon.timeChangeWatchers?.localtime?.isWatching ?? false })
        XCTAssertNil(h.onQueue { h.daemon.timeChangeWatchers?.systemBus })
        h.advance(to: Date.utc("2026-03-02T10:00:00Z"))
        let n = try h.waitForNotify(1)
        try h.command(#"{"cmd":"action","id":\#(n["id"] as! Int),"action":"4"}"#)
        try h.waitUntil("answered") { try self.h.entries().first?.mood == 4 }
        // Later time changes do not warn again.
        h.clock.now = Date.utc("2026-03-02T12:00:00Z")
        h.onQueue { h.daemon.timeChanged(.clockSet) }
        XCTAssertEqual(warnings().count, 1, "\(warnings())")
    }

    // MARK: - Wall clock

    /// The kernel's ECANCELED cannot be produced without setting the machine's clock (see
    /// ClockWatcherTests), so this checks the daemon armed a real cancel-on-set timerfd and then
    /// drives what its handler does, with the manual clock jumping forward and back.
    func testSettingTheWallClockRecomputesInBothDirections() throws {
        h = try DaemonHarness(config: Self.moodConfig, start: Date.utc("2026-03-02T09:59:00Z"), systemBusAddress: noSystemBus)
        let fd = try XCTUnwrap(h.onQueue { h.daemon.timeChangeWatchers?.clock?.fileDescriptor })
        let info = try String(contentsOfFile: "/proc/self/fdinfo/\(fd)", encoding: .utf8)
        XCTAssertTrue(info.contains("settime flags:\t03") || info.contains("settime flags: 03"), info)

        // Forward over the 10:00 firing: it is handled at once (20 minutes late: shown).
        h.clock.now = Date.utc("2026-03-02T10:20:00Z")
        h.onQueue { h.daemon.timeChanged(.clockSet) }
        try h.waitForNotify(1)
        XCTAssertEqual(upcoming(), Date.utc("2026-03-02T14:00:00Z"))
        XCTAssertEqual(timeChanges(.clockSet).first?.message,
                       "The wall clock was set (now 2026-03-02 10:20 UTC); schedule recomputed, next: mood at 2026-03-02 14:00")

        // Back to the day before: the schedule follows the new now, not the old plan.
        h.clock.now = Date.utc("2026-03-01T12:00:00Z")
        h.onQueue { h.daemon.timeChanged(.clockSet) }
        XCTAssertEqual(upcoming(), Date.utc("2026-03-01T14:00:00Z"))
    }

    // MARK: - DST

    /// No watcher: deadlines are instants computed with the zone's rules, so a daily 03:00 in
    /// Berlin lands right on the spring-forward instant (02:00 CET becomes 03:00 CEST at 01:00Z).
    func testDaylightSavingTimeInBerlin() throws {
        h = try DaemonHarness(config: #"{"reminders": [{"id": "mood", "type": "mood", "at": ["03:00", "10:00"]}]}"#,
                              start: Date.utc("2026-03-28T23:30:00Z"), timeZone: "Europe/Berlin", systemBusAddress: noSystemBus)
        // Sunday 00:30 CET. 03:00 exists only as CEST today: the first instant after the change.
        XCTAssertEqual(nextWakeup(), Date.utc("2026-03-29T01:00:00Z"))
        XCTAssertEqual(h.onQueue { h.daemon.statusDictionaryForTests["Status"] }, "Next: mood at 03:00 (in 1h 30m); 0 check-ins today")
        h.advance(to: Date.utc("2026-03-29T00:59:59Z"))  // 01:59:59 CET
        XCTAssertTrue(h.notifies().isEmpty)
        h.advance(to: Date.utc("2026-03-29T01:00:00Z"))  // 03:00:00 CEST
        try h.waitForNotify(1)
        XCTAssertEqual(upcoming(), Date.utc("2026-03-29T08:00:00Z"), "10:00 CEST, not 09:00Z")

        // Autumn: 03:00 CEST falls back to 02:00 CET at 01:00Z on 2026-10-25; 10:00 moves from 08:00Z to 09:00Z.
        h.stop()
        h = try DaemonHarness(config: #"{"reminders": [{"id": "mood", "type": "mood", "at": ["10:00"]}]}"#,
                              start: Date.utc("2026-10-24T07:00:00Z"), timeZone: "Europe/Berlin", systemBusAddress: noSystemBus)
        XCTAssertEqual(nextWakeup(), Date.utc("2026-10-24T08:00:00Z"))
        h.advance(to: Date.utc("2026-10-24T08:00:00Z"))
        try h.waitForNotify(1)
        XCTAssertEqual(upcoming(), Date.utc("2026-10-25T09:00:00Z"))
    }
}
