import CheckinCore
import CheckinDaemon
import CheckinTestSupport
import Foundation
import SystemdKit
import XCTest

/// The real `checkin` binary's control commands (status, next, pause, resume, snooze, skip,
/// trigger, reload) against a real daemon on a private bus (in-process, manual clock at Monday
/// 2026-03-02 09:59 UTC): exact output and exit codes.
final class ControlCLITests: CLITestCase {
    var h: DaemonHarness?
    let notRunning = "checkin: checkind is not running; start it with: systemctl --user start checkind\n"

    override func tearDownWithError() throws {
        h?.stop()
        h = nil
        try super.tearDownWithError()
    }

    /// The harness's bus, once a daemon runs.
    override var sessionBusAddress: String { h?.bus.address ?? super.sessionBusAddress }

    /// Every run's text output must fit 80 columns.
    override func checkin(_ args: [String], env: [String: String] = [:]) throws -> Result {
        let r = try super.checkin(args, env: env)
        for line in r.stdout.split(separator: "\n") where !args.contains("--json") {
            XCTAssertLessThanOrEqual(line.count, 80, "wider than 80 columns: \(line)")
        }
        return r
    }

    /// Runs checkin with `bus` as the session bus.
    func checkin(_ args: [String], bus: String) throws -> Result {
        try checkin(args, env: ["DBUS_SESSION_BUS_ADDRESS": bus])
    }

    func startDaemon(adjust: ((inout DaemonOptions) -> Void)? = nil) throws -> DaemonHarness {
        let harness = try DaemonHarness(config: DaemonTests.config, start: Date.utc("2026-03-02T09:59:00Z"), adjust: adjust)
        h = harness
        return harness
    }

    // MARK: Not running

    func testEveryCommandSaysWhenTheDaemonIsNotRunning() throws {
        for args in [["pause"], ["pause", "1h"], ["resume"], ["snooze", "mood"], ["skip", "mood"], ["trigger", "mood"], ["reload"]] {
            let r = try checkin(args)
            XCTAssertEqual(r.status, 3, args.joined(separator: " "))
            XCTAssertEqual(r.stderr, notRunning, args.joined(separator: " "))
            XCTAssertEqual(r.stdout, "")
        }
        // A bus without checkind on it is the same.
        try requireRealComponents()
        let bus = try TestBus()
        defer { bus.stop() }
        let r = try checkin(["resume"], bus: bus.address)
        XCTAssertEqual(r.status, 3)
        XCTAssertEqual(r.stderr, notRunning)

        // next computes from the config on disk, says so, and exits 3; with --from it needs no daemon.
        let next = try checkin(["next", "--count", "2"], bus: bus.address)
        XCTAssertEqual(next.status, 3)
        XCTAssertEqual(next.stderr, notRunning + "checkin: computed from the config on disk instead\n")
        XCTAssertTrue(next.stdout.hasPrefix("Upcoming reminders (UTC, (built-in default)):\n"), next.stdout)
        XCTAssertEqual(next.stdout.split(separator: "\n").count, 3)
        let from = try checkin(["next", "--count", "1", "--from", "2026-03-02T09:00"], bus: bus.address)
        XCTAssertEqual(from.status, 0, from.stderr)
        XCTAssertEqual(from.stderr, "")
        XCTAssertEqual(from.stdout, """
            Upcoming reminders (UTC, (built-in default)):
              Mon 2026-03-02 09:00  break      every 50m between 09:00-18:00 (mon..fri)

            """)
    }

    // MARK: Bad arguments: exit 64, nothing sent

    func testBadDurationsAreRefusedBeforeAnythingIsSent() throws {
        let expected = "expected a duration like 90m, 1h30m or 2h, \"until HH:MM\" or \"until tomorrow\""
        let cases: [([String], String)] = [
            (["pause", "90x"], "checkin: \"90x\" is not a duration; \(expected)\n"),
            (["pause", "until", "25:00"], "checkin: \"25:00\" is not a time of day; \(expected)\n"),
            (["pause", "until", "later", "today"], "checkin: \"until later today\" is not a duration; \(expected)\n"),
            (["pause", "31d"], "checkin: \"31d\" is longer than 30 days; the longest pause is 30d\n"),
            (["snooze", "mood", "90x"], "checkin: \"90x\" is not a duration; expected e.g. 10m, 1h30m or 2h (at most 24h)\n"),
            (["snooze", "mood", "25h"], "checkin: \"25h\" is longer than 24h; expected at most 24h\n"),
        ]
        // Without a daemon: still 64, the argument is checked first.
        for (args, message) in cases {
            let r = try checkin(args)
            XCTAssertEqual(r.status, 64, args.joined(separator: " "))
            XCTAssertEqual(r.stderr, message)
        }
        let h = try startDaemon()
        for (args, message) in cases {
            let r = try checkin(args)
            XCTAssertEqual(r.status, 64, args.joined(separator: " "))
            XCTAssertEqual(r.stderr, message)
            XCTAssertEqual(r.stdout, "")
        }
        XCTAssertEqual(h.onQueue { h.daemon.engine.pause }, PauseState.none, "nothing was sent")
        XCTAssertEqual(h.onQueue { h.daemon.engine.openPromptCount }, 0)
        // The daemon's refusals: the same exit status, its message.
        for args in [["skip", "lunch"], ["trigger", "lunch"], ["snooze", "lunch", "5m"]] {
            let r = try checkin(args)
            XCTAssertEqual(r.status, 64, args.joined(separator: " "))
            XCTAssertEqual(r.stderr, "checkin: no reminder \"lunch\"; known: mood, break\n")
        }
    }

    // MARK: Reading: status and next

    func testStatusAndNextAskTheDaemon() throws {
        let h = try startDaemon()
        let database = h.dir.appendingPathComponent("data/checkin.sqlite").path
        let s = try checkin(["status"])
        XCTAssertEqual(s.status, 0, s.stderr)
        XCTAssertEqual(s.stdout, """
            checkind is running.
              Next: mood at 10:00 (in 1m)
              0 check-ins today
              Config: \(h.configPath)
              Journal: \(database)
              Activity: no source
              Do not disturb: no source

            """)
        let j = try checkin(["status", "--json"])
        XCTAssertEqual(j.status, 0, j.stderr)
        XCTAssertEqual(j.stdout, #"{"running":true,"version":"0.1.0","status":"Next: mood at 10:00 (in 1m); 0 check-ins today","#
                       + #""nextReminder":"mood","nextAt":"2026-03-02T10:00:00+00:00","todayCount":0,"openPrompts":0,"#
                       + #""notificationServer":true,"config":"\#(h.configPath)","configError":"","database":"\#(database)","#
                       + #""paused":false,"pausedUntil":null,"activitySources":[],"presence":"active","#
                       + #""doNotDisturbSources":[],"doNotDisturb":false}"# + "\n")

        let n = try checkin(["next", "--count", "3"])
        XCTAssertEqual(n.status, 0, n.stderr)
        XCTAssertEqual(n.stderr, "")
        XCTAssertEqual(n.stdout, """
            Upcoming reminders (UTC, as checkind will deliver them):
              Mon 2026-03-02 10:00  mood       at 10:00, 14:00 (mon..sun)
              Mon 2026-03-02 10:40  break      every 50m between 09:00-18:00 (mon..fri)
              Mon 2026-03-02 11:30  break      every 50m between 09:00-18:00 (mon..fri)

            """)
        let nj = try checkin(["next", "--count", "2", "--json"])
        XCTAssertEqual(nj.status, 0, nj.stderr)
        XCTAssertEqual(nj.stdout, #"[{"reminder":"mood","kind":"mood","at":"2026-03-02T10:00:00+00:00","schedule":"at 10:00, 14:00 (mon..sun)","#
                       + #""window":null,"scheduled":"2026-03-02T10:00:00+00:00"},"#
                       + #"{"reminder":"break","kind":"break","at":"2026-03-02T10:40:00+00:00","schedule":"every 50m between 09:00-18:00 (mon..fri)","#
                       + #""window":{"start":"2026-03-02T09:00:00+00:00","end":"2026-03-02T18:00:00+00:00"},"scheduled":"2026-03-02T10:40:00+00:00"}]"#
                       + "\n")
    }

    // MARK: Writing: pause, resume, snooze, skip, trigger, reload

    func testPauseAndResume() throws {
        let h = try startDaemon()
        let before = Date()
        let p = try checkin(["pause", "1h30m"])
        let after = Date()
        XCTAssertEqual(p.status, 0, p.stderr)
        let expected = Set([before, after].map { "Paused until \(LocalFormat.time($0.addingTimeInterval(5400), in: .utc)) (in 1h 30m).\n" })
        XCTAssertTrue(expected.contains(p.stdout), p.stdout)
        // The daemon's clock says 09:59: paused until 11:29.
        XCTAssertEqual(h.onQueue { h.daemon.engine.pause }, .until(Date.utc("2026-03-02T11:29:00Z")))
        var s = try checkin(["status"])
        XCTAssertTrue(s.stdout.hasPrefix("checkind is running.\n  Paused until 11:29\n  Next: break at 11:30 (in 1h 31m)\n"), s.stdout)
        let j = try checkin(["status", "--json"])
        XCTAssertTrue(j.stdout.contains(#","paused":true,"pausedUntil":"2026-03-02T11:29:00+00:00","#), j.stdout)
        let n = try checkin(["next", "--count", "1"])
        XCTAssertEqual(n.stdout, """
            Upcoming reminders (UTC, as checkind will deliver them):
              Paused until Mon 2026-03-02 11:29: before then only what you snoozed or
                triggered is shown.
              Mon 2026-03-02 11:30  break      every 50m between 09:00-18:00 (mon..fri)

            """)

        var r = try checkin(["resume"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "Resumed: reminders are shown again.\n")
        r = try checkin(["resume"])
        XCTAssertEqual(r.stdout, "Reminders were not paused.\n")

        r = try checkin(["pause"])
        XCTAssertEqual(r.stdout, "Paused until you resume (checkin resume).\n")
        XCTAssertEqual(h.onQueue { h.daemon.engine.pause }, .indefinitely)
        s = try checkin(["status"])
        XCTAssertTrue(s.stdout.hasPrefix("checkind is running.\n  Paused\n  0 check-ins today\n"), s.stdout)
        let none = try checkin(["next"])
        XCTAssertEqual(none.stdout, """
            Upcoming reminders (UTC, as checkind will deliver them):
              Paused until you resume (checkin resume): only what you snooze or trigger is
                shown.

            """)

        // "until tomorrow" is the next local midnight; "until HH:MM" the next such time.
        r = try checkin(["pause", "until", "tomorrow"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("Paused until ") && r.stdout.contains(" 00:00 (in "), r.stdout)
        r = try checkin(["pause", "until", "7:05"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("Paused until ") && r.stdout.contains("07:05 (in "), r.stdout)
        guard case .until = h.onQueue({ h.daemon.engine.pause }) else { return XCTFail("not a timed pause") }
    }

    func testSnoozeSkipTriggerAndReload() throws {
        let h = try startDaemon()
        var r = try checkin(["skip", "mood"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "No mood prompt was open; skipped the next one, due 10:00 (in 1m).\n")
        r = try checkin(["snooze", "break"])
        XCTAssertEqual(r.stdout, "No break prompt was open; one is scheduled for 10:04 (in 5m).\n")
        r = try checkin(["snooze", "break", "10m"])
        XCTAssertEqual(r.stdout, "Snoozed the open break prompt until 10:09 (in 10m).\n")
        let n = try checkin(["next", "--count", "2"])
        XCTAssertEqual(n.stdout, """
            Upcoming reminders (UTC, as checkind will deliver them):
              Mon 2026-03-02 10:09  break      snoozed, due 10:04
              Mon 2026-03-02 10:40  break      every 50m between 09:00-18:00 (mon..fri)

            """)

        r = try checkin(["trigger", "mood"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("Triggered mood (prompt ") && r.stdout.hasSuffix(").\n"), r.stdout)
        let notify = try h.waitForNotify(1)
        XCTAssertEqual(notify["summary"] as? String, "How are you feeling?")
        r = try checkin(["skip", "mood"])
        XCTAssertEqual(r.stdout, "Skipped the open mood prompt.\n")

        r = try checkin(["reload"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "Reloaded the config.\n")
        try #"{"reminders": [{"id": "mood", "type": "mood", "at": ["25:00"]}]}"#.write(toFile: h.configPath, atomically: true, encoding: .utf8)
        r = try checkin(["reload"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, """
            checkin: the config is refused; checkind keeps running with the old one:
            \(h.configPath):1:54: reminders[0].at[0]: "25:00" is not a time of day; expected "HH:MM" from 00:00 to 23:59

            """)
        let s = try checkin(["status"])
        XCTAssertTrue(s.stdout.contains("\n  Reload refused: "), s.stdout)
    }

    func testAnotherUsersDaemonRefusesWithExitStatus1() throws {
        let me = geteuid()
        _ = try startDaemon(adjust: { $0.controlUID = me &+ 1 })
        let r = try checkin(["pause", "1h"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "checkin: checkind refused Pause: checkind serves only uid \(me &+ 1); the caller is uid \(me)\n")
        let s = try checkin(["status"])
        XCTAssertEqual(s.status, 1)
        XCTAssertEqual(s.stderr, "checkin: checkind refused Status: checkind serves only uid \(me &+ 1); the caller is uid \(me)\n")
    }
}
