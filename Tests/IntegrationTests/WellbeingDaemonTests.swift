import CheckinCore
import CheckinTestSupport
import Foundation
import SystemdKit
import XCTest
@testable import CheckinDaemon

/// The daemon's wellbeing side end to end: the in-process daemon on a private bus, the scripted
/// notification server and a manual clock. Questionnaires asked item by item, break-day reminders
/// of tracked items, nudges. Tests wait for daemon-side state (the journal, the engine).
final class WellbeingDaemonTests: XCTestCase {
    var h: DaemonHarness!

    override func tearDown() {
        h?.stop()
        h = nil
    }

    /// 2026-03-01 is a Sunday.
    static let sunday = Date.utc("2026-03-01T17:00:00Z")

    static let phq2Weekly = """
        {"reminders": [{"id": "weekly-phq2", "type": "questionnaire", "questionnaire": "phq2", "calendar": "Sun 18:00",
                        "expireAfter": "30m"}]}
        """

    func responses() throws -> [QuestionnaireResponse] {
        let s = try h.store()
        defer { s.close() }
        return try s.responses(in: TimeRange(since: nil, until: nil))
    }

    func state(_ key: String) throws -> String? {
        let s = try h.store()
        defer { s.close() }
        return try s.stateValue(key)
    }

    /// Option keys of a Notify's flat action list (key, label, key, label, …).
    func actionKeys(_ n: [String: Any]) -> [String] {
        let flat = n["actions"] as? [String] ?? []
        return stride(from: 0, to: flat.count, by: 2).map { flat[$0] }
    }

    /// Starts a prompt of `reminder` (a questionnaire reminder too) now, as Trigger does.
    @discardableResult
    func trigger(_ reminder: String) -> String {
        h.onQueue {
            let engine = h.daemon.engine!
            let now = h.clock.now
            return engine.fire(engine.config.scheduledReminder(id: reminder)!, scheduledAt: now, now: now, explicit: true)
        }
    }

    func testAWeeklyPHQ2IsAskedItemByItemAndRecordedOnlyWhenComplete() throws {
        h = try DaemonHarness(config: Self.phq2Weekly, start: Self.sunday)
        // Next() and STATUS see it as an upcoming delivery of kind "questionnaire".
        let planned = h.onQueue { h.daemon.engine.plannedDeliveries(count: 2) }
        XCTAssertEqual(planned.first?.reminder, "weekly-phq2")
        XCTAssertEqual(planned.first?.kind, "questionnaire")
        XCTAssertEqual(planned.first?.at, Date.utc("2026-03-01T18:00:00Z"))
        XCTAssertEqual(planned.dropFirst().first?.at, Date.utc("2026-03-08T18:00:00Z"))

        h.advance(to: Date.utc("2026-03-01T18:00:00Z"))
        let promptID = try h.waitUntil("the questionnaire prompt is delivered") { () -> String? in
            let s = try self.h.store()
            defer { s.close() }
            return try s.prompts(since: nil, until: nil).first { $0.kind == "questionnaire" && $0.state == .delivered }?.id
        }
        let item1 = try h.waitForNotify(1)
        XCTAssertEqual(item1["summary"] as? String, "PHQ-2 (1 of 2)")
        XCTAssertEqual(actionKeys(item1), ["0", "1", "2", "3"], "the 4 options, nothing else")
        XCTAssertEqual((item1["actions"] as? [String])?[1], "Not at all")
        let body1 = item1["body"] as? String ?? ""
        XCTAssertTrue(body1.contains(Questionnaire.phq2.items[0]), body1)
        XCTAssertEqual(body1.components(separatedBy: Questionnaire.phq2.intro).count, 2, "the intro once: \(body1)")
        XCTAssertTrue(body1.contains("Nearly\u{00A0}every\u{00A0}day"), "the options are in the body too: \(body1)")
        XCTAssertEqual((item1["hints"] as? [String: Any])?["category"] as? String, "x-checkin.questionnaire")
        let id = item1["id"] as! Int

        // Answering item 1 replaces the notification with item 2; nothing is recorded yet.
        try h.command(#"{"cmd":"action","id":\#(id),"action":"2"}"#)
        try h.waitUntil("item 1 answered") { self.h.onQueue { self.h.daemon.engine.active[promptID]?.answers == [2] } }
        let item2 = try h.waitForNotify(2)
        XCTAssertEqual(item2["replaces_id"] as? Int, id)
        XCTAssertEqual(item2["summary"] as? String, "PHQ-2 (2 of 2)")
        XCTAssertTrue((item2["body"] as? String ?? "").contains(Questionnaire.phq2.items[1]))
        XCTAssertEqual(actionKeys(item2), ["0", "1", "2", "3"])
        XCTAssertEqual(try responses(), [], "nothing partial is written")

        // Answering item 2 records the whole response at once, linked to the prompt.
        h.clock.now = Date.utc("2026-03-01T18:02:00Z")
        try h.command(#"{"cmd":"action","id":\#(id),"action":"1"}"#)
        let recorded = try h.waitUntil("the response is recorded") { try self.responses().first }
        XCTAssertEqual(recorded.questionnaire, "phq2")
        XCTAssertEqual(recorded.answers, [2, 1])
        XCTAssertEqual(recorded.total, 3)
        XCTAssertEqual(recorded.source, "notification")
        XCTAssertEqual(recorded.promptID, promptID)
        XCTAssertEqual(recorded.completedAt, Date.utc("2026-03-01T18:02:00Z"))
        XCTAssertEqual(try h.prompt(promptID)?.state, .answered)
        XCTAssertEqual(try h.prompt(promptID)?.action, "1")
        // The confirmation takes its place, with the core's neutral words.
        let confirmation = try h.waitForNotify(3)
        XCTAssertEqual(confirmation["replaces_id"] as? Int, id)
        XCTAssertEqual(confirmation["body"] as? String, "Recorded. " + Questionnaire.phq2.summary(total: 3))
        XCTAssertEqual(actionKeys(confirmation), [])
        XCTAssertTrue(h.log.events("questionnaire-answered").contains { $0.metadata["checkin_total"] == "3" })

        // Expiry half-way: the prompt expires, no answers are recorded.
        let second = trigger("weekly-phq2")
        let n4 = try h.waitForNotify(4)
        XCTAssertEqual(n4["summary"] as? String, "PHQ-2 (1 of 2)")
        try h.command(#"{"cmd":"action","id":\#(n4["id"] as! Int),"action":"3"}"#)
        try h.waitUntil("item 1 answered") { self.h.onQueue { self.h.daemon.engine.active[second]?.answers == [3] } }
        try h.waitForNotify(5)
        h.advance(to: Date.utc("2026-03-01T18:40:00Z"))
        try h.waitUntil("expired") { try self.h.prompt(second)?.state == .expired }
        XCTAssertEqual(try responses().count, 1, "an unfinished questionnaire records nothing")
        // Dismissal half-way: dismissed, nothing recorded.
        let third = trigger("weekly-phq2")
        let n6 = try h.waitForNotify(6)
        try h.command(#"{"cmd":"action","id":\#(n6["id"] as! Int),"action":"0"}"#)
        try h.waitUntil("item 1 answered") { self.h.onQueue { self.h.daemon.engine.active[third]?.answers == [0] } }
        try h.waitForNotify(7)
        try h.command(#"{"cmd":"close","id":\#(n6["id"] as! Int),"reason":2}"#)
        try h.waitUntil("dismissed") { try self.h.prompt(third)?.state == .dismissed }
        XCTAssertEqual(try responses().count, 1)
    }

    func testWithoutActionsTheBodyPointsToTheCLI() throws {
        h = try DaemonHarness(config: Self.phq2Weekly, start: Self.sunday, serverCapabilities: "body")
        trigger("weekly-phq2")
        let n = try h.waitForNotify(1)
        XCTAssertEqual(actionKeys(n), [])
        XCTAssertTrue((n["body"] as? String ?? "").contains("checkin log --questionnaire phq2"))
    }

    static let questionnairesAndNudge = """
        {"reminders": [{"id": "weekly-phq2", "type": "questionnaire", "questionnaire": "phq2", "calendar": "Sun 18:00"},
                       {"id": "who5", "type": "questionnaire", "questionnaire": "who5", "at": ["12:00"], "enabled": true}],
         "nudges": {"contact": "Talk to Sam"}}
        """

    func testTriggerAsksAQuestionnaireAndReachingItsThresholdNudges() throws {
        h = try DaemonHarness(config: Self.questionnairesAndNudge, start: Self.sunday)
        // Trigger over D-Bus takes a questionnaire reminder's id.
        let client = try Bus(address: h.bus.address)
        defer { client.close() }
        let reply = try client.call(destination: ControlInterface.busName, path: ControlInterface.objectPath,
                                    interface: ControlInterface.interface, member: "Trigger") { m throws(SystemdError) in
            try m.append("weekly-phq2")
        }
        let promptID = try reply.readString()
        XCTAssertEqual(try h.prompt(promptID)?.kind, "questionnaire")
        let item1 = try h.waitForNotify(1)
        let id = item1["id"] as! Int
        try h.command(#"{"cmd":"action","id":\#(id),"action":"3"}"#)
        try h.waitUntil("item 1 answered") { self.h.onQueue { self.h.daemon.engine.active[promptID]?.answers == [3] } }
        try h.waitForNotify(2)
        try h.command(#"{"cmd":"action","id":\#(id),"action":"2"}"#)
        try h.waitUntil("the response is recorded") { try self.responses().first?.total == 5 }
        // The confirmation says where the total stands in the core's neutral words; then the
        // nudge shows the person's own text, nothing else.
        let confirmation = try h.waitForNotify(3)
        XCTAssertEqual(confirmation["body"] as? String, "Recorded. " + Questionnaire.phq2.summary(total: 5))
        XCTAssertTrue((confirmation["body"] as? String ?? "").hasSuffix("consider talking to a professional."))
        let nudge = try h.waitForNotify(4)
        XCTAssertEqual(nudge["summary"] as? String, PromptEngine.nudgeSummary)
        XCTAssertEqual(nudge["body"] as? String, "Talk to Sam")
        XCTAssertTrue(h.log.events("nudge").contains { $0.metadata["checkin_nudge_reason"] == "questionnaire:phq2" })
        XCTAssertNotNil(try state(Nudges.lastNudgeStateKey))
    }

    func testWHO5KeepsAllSixOptionsAsActions() throws {
        h = try DaemonHarness(config: Self.questionnairesAndNudge, start: Self.sunday)
        trigger("who5")
        let n = try h.waitForNotify(1)
        XCTAssertEqual(n["summary"] as? String, "WHO-5 (1 of 5)")
        XCTAssertEqual(actionKeys(n), ["0", "1", "2", "3", "4", "5"])
        XCTAssertTrue((n["body"] as? String ?? "").contains("All\u{00A0}of\u{00A0}the\u{00A0}time"))
    }

    func testAScheduledQuestionnaireWaitsForDoNotDisturbToEnd() throws {
        h = try DaemonHarness(config: Self.phq2Weekly, start: Self.sunday)
        h.onQueue { h.daemon.engine.setDoNotDisturb(true) }
        h.advance(to: Date.utc("2026-03-01T18:00:00Z"))
        let promptID = try h.waitUntil("held") { () -> String? in
            self.h.log.events("deferred").first?.metadata["checkin_prompt_id"]
        }
        XCTAssertEqual(try h.prompt(promptID)?.state, .scheduled)
        XCTAssertEqual(h.notifies().count, 0)
        h.clock.now = Date.utc("2026-03-01T19:00:00Z")
        h.onQueue { h.daemon.engine.setDoNotDisturb(false) }
        try h.waitUntil("delivered when it ends") { try self.h.prompt(promptID)?.state == .delivered }
        XCTAssertEqual(try h.waitForNotify(1)["summary"] as? String, "PHQ-2 (1 of 2)")
    }

    static let caffeine = """
        {"reminders": [{"id": "mood", "type": "mood", "at": ["21:00"]}],
         "tracked": [{"name": "caffeine", "unit": "cup", "maxDaysInARow": 5}]}
        """

    func testABreakDayReminderIsShownOnceOnDaySixEvenAcrossARestart() throws {
        // Uses on five days in a row (Monday to Friday); Saturday is day 6.
        h = try DaemonHarness(config: Self.caffeine, start: Date.utc("2026-03-07T07:00:00Z"), prepareData: { path in
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let s = try Store(path: path)
            defer { s.close() }
            for day in 2...6 {
                try s.insertUse(UseRecord(item: "caffeine", amount: 1, usedAt: Date.utc("2026-03-0\(day)T09:00:00Z"), utcOffset: 0, source: "cli"))
            }
        })
        let key = Moderation.breakReminderStateKey("caffeine")
        // Before 08:00 nothing; the engine wakes at 08:00.
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, Date.utc("2026-03-07T08:00:00Z"))
        XCTAssertNil(try state(key))

        h.advance(to: Date.utc("2026-03-07T08:00:00Z"))
        try h.waitUntil("today's break-day reminder is recorded") { try self.state(key) == "2026-03-07" }
        let n = try h.waitForNotify(1)
        XCTAssertEqual(n["summary"] as? String, "Your plan for caffeine")
        XCTAssertEqual(n["body"] as? String, "You planned a break from caffeine after 5 days in a row: today is day 6.")
        XCTAssertEqual(actionKeys(n), [])
        XCTAssertTrue(h.log.events("break-day-reminder").contains { $0.metadata["checkin_item"] == "caffeine" })

        // A restart the same day: the check runs again and shows nothing.
        h.clock.now = Date.utc("2026-03-07T09:00:00Z")
        try h.restart()
        try h.waitUntil("the new run checked today") { self.h.onQueue { self.h.daemon.engine.wellbeingCheckedOn == "2026-03-07" } }
        // A barrier: whatever the check sent reaches the server before this prompt.
        h.fire("mood")
        let barrier = try h.waitForNotify(2)
        XCTAssertEqual(barrier["summary"] as? String, "How are you feeling?")
        XCTAssertEqual(h.notifies().filter { $0["summary"] as? String == "Your plan for caffeine" }.count, 1)
    }

    func uses() throws -> [UseRecord] {
        let s = try h.store()
        defer { s.close() }
        return try s.uses(in: TimeRange(since: nil, until: nil))
    }

    func testATrackedItemsDailyCheckInRecordsAUseOncePerDay() throws {
        let config = """
            {"reminders": [{"id": "mood", "type": "mood", "at": ["10:00"]}],
             "tracked": [{"name": "caffeine", "unit": "cup", "checkIn": "21:00"}]}
            """
        h = try DaemonHarness(config: config, start: Date.utc("2026-03-02T20:00:00Z"))
        let planned = h.onQueue { h.daemon.engine.plannedDeliveries(count: 1) }
        XCTAssertEqual(planned.first?.reminder, "tracked.caffeine")
        XCTAssertEqual(planned.first?.kind, "use")
        XCTAssertEqual(planned.first?.at, Date.utc("2026-03-02T21:00:00Z"))

        // Yes: one use, recorded with the prompt's outcome.
        h.advance(to: Date.utc("2026-03-02T21:00:00Z"))
        let n1 = try h.waitForNotify(1)
        XCTAssertEqual(n1["summary"] as? String, "Did you use caffeine today?")
        XCTAssertEqual(actionKeys(n1), ["yes", "no"])
        try h.command(#"{"cmd":"action","id":\#(n1["id"] as! Int),"action":"yes"}"#)
        try h.waitUntil("the use is recorded") { try self.uses().count == 1 }
        XCTAssertEqual(try uses().first?.source, "notification")
        XCTAssertEqual(try uses().first?.amount, 1)
        let store = try h.store()
        let first = try XCTUnwrap(try store.prompts(since: nil, until: nil).first { $0.kind == "use" })
        store.close()
        XCTAssertEqual(first.state, .answered)
        XCTAssertEqual(first.action, "yes")

        // Yes on a day that already has a use (checkin use): not counted twice.
        let s = try h.store()
        try s.insertUse(UseRecord(item: "caffeine", amount: 2, usedAt: Date.utc("2026-03-03T12:00:00Z"), utcOffset: 0, source: "cli"))
        s.close()
        h.advance(to: Date.utc("2026-03-03T21:00:00Z"))
        let n2 = try h.waitUntil("the second check-in") { () -> [String: Any]? in
            self.h.notifies().last { $0["summary"] as? String == "Did you use caffeine today?" && ($0["id"] as? Int) != (n1["id"] as? Int) }
        }
        try h.command(#"{"cmd":"action","id":\#(n2["id"] as! Int),"action":"yes"}"#)
        try h.waitUntil("answered") { self.h.log.events("answered").filter { $0.metadata["checkin_item"] == "caffeine" }.count == 2 }
        XCTAssertEqual(try uses().count, 2)

        // No: nothing but the answer.
        h.advance(to: Date.utc("2026-03-04T21:00:00Z"))
        let n3 = try h.waitUntil("the third check-in") { () -> [String: Any]? in
            self.h.notifies().last { $0["summary"] as? String == "Did you use caffeine today?" && ![n1["id"] as? Int, n2["id"] as? Int].contains($0["id"] as? Int) }
        }
        try h.command(#"{"cmd":"action","id":\#(n3["id"] as! Int),"action":"no"}"#)
        try h.waitUntil("answered no") { self.h.log.events("answered").contains { $0.metadata["checkin_action"] == "no" } }
        XCTAssertEqual(try uses().count, 2)
        // A reminder of type "use" cannot be written by hand.
        XCTAssertThrowsError(try ConfigLoader.parse(bytes: Array(#"{"reminders": [{"id": "u", "type": "use", "at": ["10:00"]}]}"#.utf8), file: "c.json"))
    }

    static func nudgeConfig(enabled: Bool) -> String {
        """
        {"reminders": [{"id": "mood", "type": "mood", "at": ["21:00"]}],
         "nudges": {"enabled": \(enabled), "moodAtOrBelow": 2, "every": "7d", "contact": "Call Sam, or Dr. Lee's office at 555-0100"}}
        """
    }

    /// Mood 2 two days ago and 3 yesterday: a 14-day mean of 2.5.
    static func seedMoods(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let s = try Store(path: path)
        defer { s.close() }
        try s.insertEntry(Entry(recordedAt: Date.utc("2026-03-08T12:00:00Z"), utcOffset: 0, mood: 2, source: "cli"))
        try s.insertEntry(Entry(recordedAt: Date.utc("2026-03-09T12:00:00Z"), utcOffset: 0, mood: 3, source: "cli"))
    }

    var nudges: [[String: Any]] { h.notifies().filter { $0["summary"] as? String == PromptEngine.nudgeSummary } }

    /// Shows a mood prompt, answers it with `mood`, waits until the entry is in the journal, then
    /// shows one more prompt and waits for it: a barrier for whatever the answer caused.
    func answerMood(_ mood: Int) throws {
        let before = h.notifies().count
        let count = try h.entries().count
        h.fire("mood")
        let n = try h.waitForNotify(before + 1)
        try h.command(#"{"cmd":"action","id":\#(n["id"] as! Int),"action":"\#(mood)"}"#)
        try h.waitUntil("the entry is recorded") { try self.h.entries().count == count + 1 }
        h.fire("mood")
        let barrier = try h.waitUntil("the barrier prompt") { () -> [String: Any]? in
            self.h.notifies().dropFirst(before + 1).first { $0["summary"] as? String == "How are you feeling?" }
        }
        try h.command(#"{"cmd":"close","id":\#(barrier["id"] as! Int),"reason":2}"#)
        try h.waitUntil("no prompt open") { self.h.onQueue { self.h.daemon.engine.openPromptCount == 0 } }
    }

    func testANudgeShowsOnlyTheContactTextOncePerEvery() throws {
        h = try DaemonHarness(config: Self.nudgeConfig(enabled: true), start: Date.utc("2026-03-10T09:00:00Z"),
                              prepareData: Self.seedMoods)
        // At start: a 14-day mean of 2.5, above 2: nothing.
        try h.waitUntil("the start check ran") { self.h.onQueue { !self.h.daemon.engine.nudgeCheckWaiting } }
        XCTAssertNil(try state(Nudges.lastNudgeStateKey))

        // Mood 1 today: (2 + 3 + 1) / 3 = 2, at the threshold: the nudge, once.
        try answerMood(1)
        XCTAssertEqual(nudges.count, 1)
        let nudge = try XCTUnwrap(nudges.first)
        XCTAssertEqual(nudge["body"] as? String, "Call Sam, or Dr. Lee's office at 555-0100", "only the person's own text")
        XCTAssertEqual(actionKeys(nudge), [])
        XCTAssertEqual(try state(Nudges.lastNudgeStateKey), String(Date.utc("2026-03-10T09:00:00Z").timeIntervalSince1970))
        XCTAssertTrue(h.log.events("nudge").contains { $0.metadata["checkin_nudge_reason"] == "mood" })

        // Still low, but within `every` (7 days): no second nudge, also not after a restart or at
        // the next days' checks.
        h.advance(to: Date.utc("2026-03-14T09:00:00Z"))
        try answerMood(1)
        try h.restart()
        try h.waitUntil("the start check ran") { self.h.onQueue { !self.h.daemon.engine.nudgeCheckWaiting } }
        h.advance(to: Date.utc("2026-03-17T08:59:00Z"))
        try answerMood(1)
        XCTAssertEqual(nudges.count, 1)

        // `every` later: once more.
        h.advance(to: Date.utc("2026-03-17T09:00:00Z"))
        try answerMood(1)
        XCTAssertEqual(nudges.count, 2)
        XCTAssertEqual(nudges.last?["body"] as? String, "Call Sam, or Dr. Lee's office at 555-0100")
    }

    func testADisabledNudgeNeverShows() throws {
        h = try DaemonHarness(config: Self.nudgeConfig(enabled: false), start: Date.utc("2026-03-10T09:00:00Z"),
                              prepareData: Self.seedMoods)
        try answerMood(1)
        try answerMood(1)
        h.advance(to: Date.utc("2026-03-11T09:00:00Z"))
        try answerMood(1)
        XCTAssertEqual(nudges.count, 0)
        XCTAssertNil(try state(Nudges.lastNudgeStateKey))
    }
}
