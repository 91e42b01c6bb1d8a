import CheckinCore
import CheckinDaemon
import CheckinTestSupport
import Foundation
import SystemdKit
import XCTest

/// The daemon in-process on a private dbus-daemon with the scripted notification server:
/// delivery, answers, follow-up, notes, snooze, dismissal, expiry, foreign ids, server restarts.
final class DaemonTests: XCTestCase {
    static let config = """
        {
          "reminders": [
            { "id": "mood", "type": "mood", "at": ["10:00", "14:00"] },
            { "id": "break", "type": "break", "every": "50m", "between": "09:00-18:00", "days": "mon..fri",
              "message": "Look away from the screen." }
          ]
        }
        """
    /// Nothing fires by itself in the morning: tests that fire prompts by hand use this.
    static let eveningConfig = """
        {
          "reminders": [
            { "id": "mood", "type": "mood", "at": ["20:00"] },
            { "id": "break", "type": "break", "every": "50m", "between": "19:00-21:00", "message": "Look away from the screen." }
          ]
        }
        """
    /// Monday 2026-03-02, 09:59 UTC.
    let monday0959 = Date.utc("2026-03-02T09:59:00Z")
    var h: DaemonHarness!

    override func tearDown() {
        h?.stop()
        h = nil
    }

    func testScheduledCheckInAnswerFollowUpAndNote() throws {
        h = try DaemonHarness(config: Self.config, start: monday0959)
        // One wake-up for the earliest firing: the mood check-in at 10:00 (breaks: 09:00, 09:50, 10:40).
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, Date.utc("2026-03-02T10:00:00Z"))
        h.advance(to: Date.utc("2026-03-02T09:59:59Z"))
        XCTAssertTrue(h.notifies().isEmpty, "nothing before its time")

        h.advance(to: Date.utc("2026-03-02T10:00:00Z"))
        let mood = try h.waitForNotify(1)
        XCTAssertEqual(mood["app_name"] as? String, "checkin")
        XCTAssertEqual(mood["replaces_id"] as? Int, 0)
        XCTAssertEqual(mood["actions"] as? [String], [
            "1", "1 Very low", "2", "2 Low", "3", "3 Okay", "4", "4 Good", "5", "5 Very good",
            "snooze", "Snooze 10 min", "inline-reply", "Add a note",
        ])
        XCTAssertEqual(mood["body"] as? String, "1\u{A0}Very\u{A0}low · 2\u{A0}Low · 3\u{A0}Okay · 4\u{A0}Good · 5\u{A0}Very\u{A0}good")
        XCTAssertEqual(mood["app_icon"] as? String, "face-plain")
        XCTAssertEqual(mood["expire_timeout"] as? Int, 1_800_000)
        XCTAssertEqual((mood["hints"] as? [String: Any])?["category"] as? String, "x-checkin.mood")

        let moodID = mood["id"] as! Int
        // The server logs the call before the daemon has its reply: wait for the daemon's side.
        let promptID = try h.waitUntil("delivered logged") {
            self.h.log.events("delivered").first { $0.metadata["checkin_reminder"] == "mood" }?.metadata["checkin_prompt_id"]
        }
        XCTAssertEqual(try h.prompt(promptID)?.state, .delivered)
        XCTAssertEqual(try h.prompt(promptID)?.notificationID, UInt32(moodID))

        // An inline reply before the answer becomes the entry's note.
        try h.command(#"{"cmd":"reply","id":\#(moodID),"text":"slept badly"}"#)
        h.clock.now = Date.utc("2026-03-02T10:00:30Z")
        try h.command(#"{"cmd":"action","id":\#(moodID),"action":"4"}"#)
        let followUp = try h.waitForNotify(2)
        XCTAssertEqual(followUp["summary"] as? String, "How anxious do you feel?")
        XCTAssertEqual(followUp["body"] as? String, "Recorded mood 4 (Good).\n1\u{A0}None · 2\u{A0}Mild · 3\u{A0}Moderate · 4\u{A0}High · 5\u{A0}Very\u{A0}high")
        XCTAssertEqual(followUp["actions"] as? [String], [
            "1", "1 None", "2", "2 Mild", "3", "3 Moderate", "4", "4 High", "5", "5 Very high",
            "skip", "Skip", "inline-reply", "Add a note",
        ])
        // The answered notification was closed; the entry is already committed.
        XCTAssertTrue(h.serverCalls().contains { $0["method"] as? String == "CloseNotification" && $0["id"] as? Int == moodID })
        var entries = try h.entries()
        XCTAssertEqual(entries.count, 1)
        XCTAssertEqual(entries[0].mood, 4)
        XCTAssertNil(entries[0].anxiety)
        XCTAssertEqual(entries[0].note, "slept badly")
        XCTAssertEqual(entries[0].source, "notification")
        XCTAssertEqual(entries[0].promptID, promptID)
        XCTAssertEqual(entries[0].recordedAt, Date.utc("2026-03-02T10:00:30Z"))
        let answered = try XCTUnwrap(h.prompt(promptID))
        XCTAssertEqual(answered.state, .answered)
        XCTAssertEqual(answered.action, "4")
        XCTAssertEqual(answered.outcomeAt, Date.utc("2026-03-02T10:00:30Z"))
        let answeredLog = try XCTUnwrap(h.log.events("answered").first)
        XCTAssertEqual(answeredLog.metadata["checkin_prompt_id"], promptID)
        XCTAssertEqual(answeredLog.metadata["checkin_mood"], "4")
        XCTAssertEqual(answeredLog.metadata["message_id"], CheckinEvent.answered.messageID)

        let followUpID = followUp["id"] as! Int
        try h.command(#"{"cmd":"action","id":\#(followUpID),"action":"2"}"#)
        try h.waitUntil("anxiety recorded") { try self.h.entries().first?.anxiety == 2 }
        entries = try h.entries()
        XCTAssertEqual(entries.count, 1, "the follow-up completes the same entry")
        XCTAssertEqual(entries[0].mood, 4)
        try h.waitUntil("follow-up closed") {
            self.h.serverCalls().contains { $0["method"] as? String == "CloseNotification" && $0["id"] as? Int == followUpID }
        }
        XCTAssertEqual(h.onQueue { h.daemon.engine.openPromptCount }, 0)
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, Date.utc("2026-03-02T10:40:00Z"), "the next break")
        XCTAssertEqual(h.onQueue { h.daemon.engine.upcoming?.reminder }, "break")
        XCTAssertEqual(h.onQueue { h.daemon.statusDictionaryForTests["Status"] }, "Next: break at 10:40 (in 39m); 1 check-in today")
    }

    func testForeignIdsAndUnknownActionsAreIgnored() throws {
        h = try DaemonHarness(config: Self.eveningConfig, start: monday0959)
        let promptID = h.fire("mood")
        let n = try h.waitForNotify(1)
        let id = n["id"] as! Int
        try h.command(#"{"cmd":"action","id":\#(id + 100),"action":"4"}"#)
        try h.command(#"{"cmd":"close","id":\#(id + 100),"reason":2}"#)
        try h.command(#"{"cmd":"action","id":\#(id),"action":"9"}"#)
        try h.command(#"{"cmd":"action","id":\#(id),"action":"default"}"#)
        // Let the daemon's queue drain what the bus delivered, then look.
        h.onQueue {}
        usleep(200_000)
        h.onQueue {}
        XCTAssertEqual(try h.entries().count, 0)
        XCTAssertEqual(try h.prompt(promptID)?.state, .delivered)
        try h.command(#"{"cmd":"action","id":\#(id),"action":"3"}"#)
        try h.waitUntil("the real answer") { try self.h.entries().first?.mood == 3 }
    }

    func testDismissalAndExpiryAreRecorded() throws {
        h = try DaemonHarness(config: Self.eveningConfig, start: monday0959)
        let dismissed = h.fire("mood")
        let n1 = try h.waitForNotify(1)
        try h.command(#"{"cmd":"close","id":\#(n1["id"] as! Int),"reason":2}"#)
        try h.waitUntil("dismissed") { try self.h.prompt(dismissed)?.state == .dismissed }
        XCTAssertEqual(h.log.events("dismissed").first?.metadata["checkin_prompt_id"], dismissed)

        let expiring = h.fire("mood")
        let n2 = try h.waitForNotify(2)
        try h.waitUntil("delivered") { try self.h.prompt(expiring)?.state == .delivered }
        XCTAssertEqual(n2["replaces_id"] as? Int, 0, "the dismissed notification is gone; nothing to replace")
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, monday0959.addingTimeInterval(1800))
        h.advance(to: monday0959.addingTimeInterval(1799))
        XCTAssertEqual(try h.prompt(expiring)?.state, .delivered)
        h.advance(to: monday0959.addingTimeInterval(1800))
        XCTAssertEqual(try h.prompt(expiring)?.state, .expired)
        try h.waitUntil("expired notification closed") {
            self.h.serverCalls().contains { $0["method"] as? String == "CloseNotification" && $0["id"] as? Int == n2["id"] as? Int }
        }
        XCTAssertEqual(h.log.events("expired").first?.metadata["message_id"], CheckinEvent.expired.messageID)

        // A server-side expiry (reason 1) is recorded as expired too.
        let serverExpired = h.fire("mood")
        let n3 = try h.waitForNotify(3)
        try h.command(#"{"cmd":"close","id":\#(n3["id"] as! Int),"reason":1}"#)
        try h.waitUntil("expired by the server") { try self.h.prompt(serverExpired)?.state == .expired }
        XCTAssertEqual(try h.entries().count, 0)
    }

    func testSnoozeRedeliversUntilTheLimit() throws {
        h = try DaemonHarness(config: #"{"reminders": [{"id": "mood", "type": "mood", "at": ["20:00"], "maxSnoozes": 1, "snooze": "10m"}]}"#,
                              start: monday0959)
        let promptID = h.fire("mood")
        let n1 = try h.waitForNotify(1)
        try h.command(#"{"cmd":"action","id":\#(n1["id"] as! Int),"action":"snooze"}"#)
        try h.waitUntil("snoozed") { try self.h.prompt(promptID)?.state == .snoozed }
        XCTAssertEqual(try h.prompt(promptID)?.snoozeCount, 1)
        XCTAssertTrue(h.serverCalls().contains { $0["method"] as? String == "CloseNotification" && $0["id"] as? Int == n1["id"] as? Int })
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, monday0959.addingTimeInterval(600))

        h.advance(to: monday0959.addingTimeInterval(599))
        XCTAssertEqual(h.notifies().count, 1)
        h.advance(to: monday0959.addingTimeInterval(600))
        let n2 = try h.waitForNotify(2)
        XCTAssertEqual(n2["summary"] as? String, "How are you feeling?")
        XCTAssertFalse((n2["actions"] as! [String]).contains("snooze"), "the limit of one snooze is reached")
        try h.waitUntil("delivered again") { try self.h.prompt(promptID)?.state == .delivered }
        try h.command(#"{"cmd":"action","id":\#(n2["id"] as! Int),"action":"5"}"#)
        try h.waitUntil("answered after the snooze") { try self.h.entries().first?.mood == 5 }
        XCTAssertEqual(try h.prompt(promptID)?.snoozeCount, 1)
    }

    func testBreakChoicesAreRecorded() throws {
        h = try DaemonHarness(config: Self.eveningConfig, start: monday0959)
        let taken = h.fire("break")
        let n1 = try h.waitForNotify(1)
        try h.command(#"{"cmd":"action","id":\#(n1["id"] as! Int),"action":"done"}"#)
        try h.waitUntil("taken") { try self.h.prompt(taken)?.state == .answered }
        XCTAssertEqual(try h.prompt(taken)?.action, "done")

        let skipped = h.fire("break")
        let n2 = try h.waitForNotify(2)
        try h.command(#"{"cmd":"action","id":\#(n2["id"] as! Int),"action":"skip"}"#)
        try h.waitUntil("skipped") { try self.h.prompt(skipped)?.state == .skipped }
        XCTAssertEqual(h.log.events("skipped").first?.metadata["checkin_reminder"], "break")
        XCTAssertEqual(try h.entries().count, 0, "breaks record prompts, not journal entries")
    }

    func testANewPromptReplacesTheUnansweredOne() throws {
        h = try DaemonHarness(config: Self.eveningConfig, start: monday0959)
        let old = h.fire("mood")
        let n1 = try h.waitForNotify(1)
        try h.waitUntil("first delivered") { try self.h.prompt(old)?.state == .delivered }
        let new = h.fire("mood")
        let n2 = try h.waitForNotify(2)
        XCTAssertEqual(n2["replaces_id"] as? Int, n1["id"] as? Int, "notifications never pile up")
        XCTAssertEqual(try h.prompt(old)?.state, .expired)
        try h.waitUntil("new delivered") { try self.h.prompt(new)?.state == .delivered }
        XCTAssertEqual(h.onQueue { h.daemon.engine.openPromptCount }, 1)
    }

    func testServerRestartIsSurvived() throws {
        h = try DaemonHarness(config: Self.eveningConfig, start: monday0959)
        let promptID = h.fire("mood")
        try h.waitForNotify(1)
        h.server?.stop()
        try h.waitUntil("the daemon notices the server left") { self.h.onQueue { !self.h.daemon.engine.serverAvailable } }
        try h.startServer(firstID: 50)
        // The new server knows none of the old ids: the open prompt is shown again, as a new one.
        let again = try h.waitForNotify(2)
        XCTAssertEqual(again["summary"] as? String, "How are you feeling?")
        XCTAssertEqual(again["replaces_id"] as? Int, 0)
        XCTAssertEqual(again["id"] as? Int, 50)
        try h.command(#"{"cmd":"action","id":50,"action":"2"}"#)
        try h.waitUntil("answered on the new server") { try self.h.entries().first?.mood == 2 }
        XCTAssertEqual(try h.prompt(promptID)?.state, .answered)
    }

    func testNoServerAtStartThenOneAppears() throws {
        h = try DaemonHarness(config: Self.eveningConfig, start: monday0959, serverCapabilities: nil)
        XCTAssertFalse(h.onQueue { h.daemon.engine.serverAvailable })
        XCTAssertTrue(h.onQueue { h.daemon.statusDictionaryForTests["Status"] ?? "" }.contains("waiting for a notification server"))
        let promptID = h.fire("mood")
        XCTAssertEqual(try h.prompt(promptID)?.state, .scheduled)
        try h.startServer()
        let n = try h.waitForNotify(1)
        XCTAssertEqual(n["summary"] as? String, "How are you feeling?")
        try h.waitUntil("delivered late") { try self.h.prompt(promptID)?.state == .delivered }
    }

    func testServerWithoutActionsGetsInstructions() throws {
        h = try DaemonHarness(config: Self.eveningConfig, start: monday0959, serverCapabilities: "body")
        h.fire("mood")
        let n = try h.waitForNotify(1)
        XCTAssertEqual(n["actions"] as? [String], [])
        XCTAssertEqual(n["body"] as? String, "Record it with: checkin log --mood N (1-5)")

        // A server that reads markup gets the message escaped, not interpreted.
        h.stop()
        h = try DaemonHarness(config: #"{"reminders": [{"id": "b", "type": "break", "at": ["20:00"], "message": "Stand up & rest <20 s>"}]}"#,
                              start: monday0959, serverCapabilities: "actions,body,body-markup")
        h.fire("b")
        let escaped = try h.waitForNotify(1)
        XCTAssertEqual(escaped["body"] as? String, "Stand up &amp; rest &lt;20 s&gt;")
        XCTAssertEqual(escaped["actions"] as? [String], ["done", "Start break", "snooze", "Snooze 5 min", "skip", "Skip"])
    }

    func testReloadRefusesABrokenConfigAndKeepsTheOldOne() throws {
        h = try DaemonHarness(config: Self.config, start: monday0959)
        try #"{"reminders": [{"id": "mood", "type": "mood", "at": ["25:00"]}]}"#.write(toFile: h.configPath, atomically: true, encoding: .utf8)
        let error = h.onQueue { h.daemon.reload() }
        XCTAssertEqual(error, "\(h.configPath):1:54: reminders[0].at[0]: \"25:00\" is not a time of day; expected \"HH:MM\" from 00:00 to 23:59")
        XCTAssertEqual(h.onQueue { h.daemon.engine.config.reminders.map(\.id) }, ["mood", "break"])
        XCTAssertTrue(h.onQueue { h.daemon.statusDictionaryForTests["Status"] ?? "" }.contains("config error: \(h.configPath):1:54"))
        XCTAssertEqual(h.log.events("reload-failed").first?.level, .error)

        try #"{"reminders": [{"id": "evening", "type": "mood", "at": ["20:00"]}]}"#.write(toFile: h.configPath, atomically: true, encoding: .utf8)
        XCTAssertNil(h.onQueue { h.daemon.reload() })
        XCTAssertEqual(h.onQueue { h.daemon.engine.config.reminders.map(\.id) }, ["evening"])
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, Date.utc("2026-03-02T20:00:00Z"))
        XCTAssertFalse(h.onQueue { h.daemon.statusDictionaryForTests["Status"] ?? "" }.contains("config error"))
    }

    func testControlInterfaceOnTheBus() throws {
        h = try DaemonHarness(config: Self.config, start: monday0959)
        let client = try Bus(address: h.bus.address)
        defer { client.close() }
        let status = try client.call(destination: ControlInterface.busName, path: ControlInterface.objectPath,
                                     interface: ControlInterface.interface, member: "Status").readVariantDictionary()
        XCTAssertEqual(status["NextReminder"], .string("mood"))
        XCTAssertEqual(status["NextAt"], .uint64(UInt64(Date.utc("2026-03-02T10:00:00Z").timeIntervalSince1970) * 1_000_000))
        XCTAssertEqual(status["NotificationServer"], .bool(true))
        XCTAssertEqual(status["TodayCount"], .uint32(0))

        let promptID = try client.call(destination: ControlInterface.busName, path: ControlInterface.objectPath,
                                       interface: ControlInterface.interface, member: "Trigger") { m throws(SystemdError) in
            try m.append("break")
        }.readString()
        let n = try h.waitForNotify(1)
        XCTAssertEqual(n["summary"] as? String, "Time for a break")
        XCTAssertEqual(try h.prompt(promptID)?.reminder, "break")

        XCTAssertThrowsError(try client.call(destination: ControlInterface.busName, path: ControlInterface.objectPath,
                                             interface: ControlInterface.interface, member: "Trigger") { m throws(SystemdError) in
            try m.append("lunch")
        }) { error in
            let e = error as? SystemdError
            XCTAssertEqual(e?.busErrorName, "io.checkin.Error.UnknownReminder")
            XCTAssertEqual(e?.message, "no reminder \"lunch\"; known: mood, break")
        }
    }

    func testAfterASuspendAtMostOneLatePromptAndNoneOutsideItsWindow() throws {
        let evening = Date.utc("2026-03-02T18:59:00Z")
        h = try DaemonHarness(config: Self.eveningConfig, start: evening)
        // Resume at 19:10: the 19:00 break is late but its window is open: shown once.
        h.advance(to: Date.utc("2026-03-02T19:10:00Z"))
        let n = try h.waitForNotify(1)
        XCTAssertEqual(n["summary"] as? String, "Time for a break")
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, Date.utc("2026-03-02T19:40:00Z"), "the break's expiry")
        // Suspended again until 21:30: the 19:50 and 20:40 breaks and the 20:00 check-in are not
        // shown (the windows closed, the check-in is past its expiry); each is recorded as missed.
        h.advance(to: Date.utc("2026-03-02T21:30:00Z"))
        XCTAssertEqual(h.log.events("missed").map(\.message).sorted(), [
            "break due at 2026-03-02 19:50 not shown: a later one is due",
            "break due at 2026-03-02 20:40 not shown: its window closed at 21:00",
            "mood due at 2026-03-02 20:00 not shown: it is 1h30m late",
        ])
        usleep(100_000)
        XCTAssertEqual(h.notifies().count, 1)
        let store = try h.store()
        defer { store.close() }
        let states = try store.prompts(since: nil, until: nil).map { "\($0.reminder) \($0.state.rawValue)" }
        XCTAssertEqual(states, ["break expired", "break missed", "mood missed", "break missed"])
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, Date.utc("2026-03-03T19:00:00Z"))
    }

    func testCatchUpNoneOnlyRecordsMissedFirings() throws {
        let config = #"{"reminders": [{"id": "break", "type": "break", "every": "50m", "between": "19:00-21:00", "catchUp": "none"}]}"#
        h = try DaemonHarness(config: config, start: Date.utc("2026-03-02T18:59:00Z"))
        h.advance(to: Date.utc("2026-03-02T19:55:00Z"))
        XCTAssertEqual(h.log.events("missed").map(\.message).sorted(), [
            "break due at 2026-03-02 19:00 not shown: a later one is due",
            "break due at 2026-03-02 19:50 not shown: catchUp is \"none\"",
        ])
        usleep(100_000)
        XCTAssertEqual(h.notifies().count, 0)
        // On time is not late: the 20:40 one is shown.
        h.advance(to: Date.utc("2026-03-02T20:40:00Z"))
        try h.waitForNotify(1)
    }

    func testTheDaemonRefusesACorruptJournal() throws {
        try requireRealComponents()
        let bus = try TestBus()
        defer { bus.stop() }
        let data = bus.directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let db = data.appendingPathComponent("checkin.sqlite")
        let garbage = Data(repeating: 0x42, count: 8192)
        try garbage.write(to: db)
        let options = DaemonOptions(dataDirectory: data.path, busAddress: bus.address,
                                    environment: ["TZ": "UTC", "HOME": bus.directory.path, "XDG_CONFIG_HOME": bus.directory.path])
        let daemon = try Daemon(options: options, logger: LogRecorder().logger)
        var failure: DaemonStartError?
        daemon.queue.sync {
            do { try daemon.start() } catch let error as DaemonStartError { failure = error } catch {}
        }
        let error = try XCTUnwrap(failure)
        XCTAssertEqual(error.exitCode, 1)
        XCTAssertTrue(error.description.hasPrefix("cannot open the journal database: "), error.description)
        XCTAssertTrue(error.description.contains(db.path), error.description)
        XCTAssertEqual(try Data(contentsOf: db), garbage)
    }

    func testAfterDowntimeTheLatestFiringInAnOpenWindowIsShownOnceAndTheRestMissed() throws {
        // checkind last ran at 08:00 and starts again at 15:05 on a Monday.
        let lastSeen = Date.utc("2026-03-02T08:00:00Z")
        h = try DaemonHarness(config: Self.config, start: Date.utc("2026-03-02T15:05:00Z")) { path in
            let s = try Store(path: path)
            try s.setStateValue("engine.last-seen", String(lastSeen.timeIntervalSince1970))
            s.close()
        }
        // The 14:50 break (window open until 18:00) is shown, once.
        let n = try h.waitForNotify(1)
        XCTAssertEqual(n["summary"] as? String, "Time for a break")
        try h.waitUntil("the late break delivered") {
            try self.h.store().prompts(since: nil, until: nil).contains { $0.reminder == "break" && $0.state == .delivered }
        }
        let store = try h.store()
        defer { store.close() }
        let prompts = try store.prompts(since: nil, until: nil)
        // Minutes after the last run, reminder, state.
        let fmt = { (p: PromptRecord) in "\(Int(p.scheduledAt.timeIntervalSince(lastSeen) / 60)) \(p.reminder) \(p.state.rawValue)" }
        XCTAssertEqual(prompts.map(fmt).sorted { $0.localizedStandardCompare($1) == .orderedAscending }, [
            "60 break missed", "110 break missed", "120 mood missed", "160 break missed", "210 break missed",
            "260 break missed", "310 break missed", "360 break missed", "360 mood missed", "410 break delivered",
        ])
        XCTAssertEqual(h.log.events("missed").first { $0.metadata["checkin_reminder"] == "mood" && $0.message.contains("14:00") }?.message,
                       "mood due at 2026-03-02 14:00 not shown: checkind was not running; it is 1h5m late")
        // Nothing is caught up twice: the next start sees the new last-seen time.
        XCTAssertEqual(try store.stateValue("engine.last-seen").flatMap(Double.init), Date.utc("2026-03-02T15:05:00Z").timeIntervalSince1970)
        XCTAssertEqual(h.notifies().count, 1)
    }

    func testJitterAndRandomTimesUseTheJournalsSeedAndSurviveARestart() throws {
        let config = """
            {"reminders": [
              {"id": "mood", "type": "mood", "at": ["10:00"], "jitter": "20m"},
              {"id": "sample", "type": "mood", "random": {"count": 4, "between": "11:00-19:00", "minGap": "60m"}}
            ]}
            """
        h = try DaemonHarness(config: config, start: monday0959)
        let seed = h.onQueue { h.daemon.engine.installSeed }
        let wake = try XCTUnwrap(h.onQueue { h.daemon.engine.nextWakeup })
        XCTAssertGreaterThanOrEqual(wake, Date.utc("2026-03-02T10:00:00Z"))
        XCTAssertLessThan(wake, Date.utc("2026-03-02T10:20:00Z"))
        // `checkin next` computes the same times from the same seed.
        let parsed = try ConfigLoader.parse(bytes: Array(config.utf8), file: "c.json")
        let upcoming = parsed.upcoming(after: monday0959, in: .utc, count: 5, seed: seed)
        XCTAssertEqual(upcoming.first?.at, wake)
        XCTAssertEqual(upcoming.filter { $0.reminder.id == "sample" }.count, 4)
        let store = try h.store()
        XCTAssertEqual(try store.stateValue(Config.installSeedStateKey), String(seed))
        store.close()
        // A restart keeps the seed, so today's times do not move.
        let dataDir = h.dir.appendingPathComponent("data")
        h.onQueue { h.daemon.stop() }
        let client = try Bus(address: h.bus.address)
        defer { client.close() }
        try h.waitUntil("the first daemon's bus name is released") { try !client.nameHasOwner(ControlInterface.busName) }
        let again = try Daemon(options: DaemonOptions(configPath: h.configPath, dataDirectory: dataDir.path, busAddress: h.bus.address,
                                                      environment: ["TZ": "UTC", "HOME": h.dir.path]),
                               logger: LogRecorder().logger, clock: { [clock = h.clock] in clock.now })
        again.exitHandler = { _ in }
        var failure: String?
        again.queue.sync { do { try again.start() } catch { failure = "\(error)" } }
        XCTAssertNil(failure)
        guard failure == nil else { return }
        XCTAssertEqual(again.queue.sync { again.engine.installSeed }, seed)
        XCTAssertEqual(again.queue.sync { again.engine.nextWakeup }, wake)
        again.queue.sync { again.stop() }
    }

    func testPromptsLeftOpenByACrashAreClosedOutAtStart() throws {
        let before = monday0959
        // An earlier run left one delivered and one never-delivered prompt.
        h = try DaemonHarness(config: Self.config, start: monday0959) { path in
            let s = try Store(path: path)
            try s.insertPrompt(PromptRecord(id: "a", reminder: "mood", kind: "mood", scheduledAt: before.addingTimeInterval(-7200),
                                            deliveredAt: before.addingTimeInterval(-7200), state: .delivered))
            try s.insertPrompt(PromptRecord(id: "b", reminder: "mood", kind: "mood", scheduledAt: before.addingTimeInterval(-3600)))
            s.close()
        }
        XCTAssertEqual(try h.prompt("a")?.state, .expired)
        XCTAssertEqual(try h.prompt("b")?.state, .missed)
        XCTAssertEqual(h.log.events("missed").first?.metadata["checkin_prompt_id"], "b")
        XCTAssertEqual(h.log.events("missed").first?.metadata["message_id"], CheckinEvent.missed.messageID)
    }
}

extension Daemon {
    /// The Status() dictionary's string values, for assertions.
    var statusDictionaryForTests: [String: String] {
        var out: [String: String] = [:]
        for (k, v) in statusDictionary() { if case .string(let s) = v { out[k] = s } }
        return out
    }
}
