import CheckinCore
import CheckinTestSupport
import Foundation
import SystemdKit
import XCTest
@testable import CheckinDaemon

/// The engine's break logic with an injected clock, synthetic activity events and an in-memory
/// notification server: no bus, no processes, so it runs everywhere.
final class BreakEngineTests: EngineTestCase {
    func event(_ kind: ActivityEvent.Kind, _ at: String, source: String = "mutter-idle-monitor", rank: Int = 30) {
        now = max(now, Date.utc(at))
        engine.activity(ActivityEvent(source: source, kind: kind, at: Date.utc(at)), idleRank: rank)
    }

    func prompts() throws -> [PromptRecord] { try store.prompts(since: nil, until: nil) }

    static let rest = #"{"reminders": [{"id": "rest", "type": "break", "every": "50m", "mode": "active", "duration": "5m", "grace": "2m"}]}"#

    func testActiveTimeAccountingAndNaturalBreaks() throws {
        try start(Self.rest)
        XCTAssertEqual(engine.upcoming?.at, Date.utc("2026-03-02T09:50:00Z"))
        // Idle 3 minutes from 09:20: not a break; the break moves by as much.
        event(.idle(since: Date.utc("2026-03-02T09:20:00Z")), "2026-03-02T09:20:10Z")
        XCTAssertNil(engine.upcoming, "nothing is due while away")
        event(.active, "2026-03-02T09:23:00Z")
        XCTAssertEqual(engine.upcoming?.at, Date.utc("2026-03-02T09:53:00Z"))
        // Idle 5 minutes exactly: a natural break, recorded, nothing shown; counting starts again.
        event(.idle(since: Date.utc("2026-03-02T09:40:00Z")), "2026-03-02T09:40:10Z")
        run(to: Date.utc("2026-03-02T09:45:00Z"))
        event(.active, "2026-03-02T09:45:00Z")
        XCTAssertEqual(try prompts().map(\.action), ["natural"])
        XCTAssertEqual(engine.upcoming?.at, Date.utc("2026-03-02T10:35:00Z"))
        run(to: Date.utc("2026-03-02T10:35:00Z"))
        XCTAssertEqual(sink.summaries, ["Time for a break"])
        XCTAssertEqual(engine.upcoming?.at, Date.utc("2026-03-02T11:25:00Z"), "shown: the count starts again")
    }

    func testStartBreakRunsForItsDurationAndIsOneBreak() throws {
        try start(#"{"reminders": [{"id": "rest", "type": "break", "every": "50m", "mode": "active", "duration": "5m", "welcomeBack": true}]}"#)
        run(to: Date.utc("2026-03-02T09:50:00Z"))
        XCTAssertEqual(sink.summaries, ["Time for a break"])
        now = Date.utc("2026-03-02T09:51:00Z")
        engine.handle(.actionInvoked(id: 1, action: "done"))
        XCTAssertEqual(try prompts().map(\.action), ["done"])
        // Away from 09:51:30 to 09:58: the break they started, not a second (natural) one.
        event(.idle(since: Date.utc("2026-03-02T09:51:30Z")), "2026-03-02T09:51:40Z")
        run(to: Date.utc("2026-03-02T09:56:00Z"))
        XCTAssertEqual(sink.summaries, ["Time for a break"], "no Break over notice while still away")
        event(.active, "2026-03-02T09:58:00Z")
        XCTAssertEqual(try prompts().map(\.action), ["done"])
        XCTAssertEqual(engine.upcoming?.at, Date.utc("2026-03-02T10:48:00Z"))
        // At the desk during a started break: "Break over" when its duration is over, and the count
        // starts from there.
        run(to: Date.utc("2026-03-02T10:48:00Z"))
        XCTAssertEqual(sink.requests.count, 2)
        now = Date.utc("2026-03-02T10:48:30Z")
        engine.handle(.actionInvoked(id: 2, action: "done"))
        XCTAssertEqual(engine.nextWakeup, Date.utc("2026-03-02T10:53:30Z"))
        run(to: Date.utc("2026-03-02T10:53:30Z"))
        XCTAssertEqual(sink.summaries.last, "Break over")
        XCTAssertEqual(sink.requests.last?.body, "That was a 5m break.")
        XCTAssertEqual(engine.upcoming?.at, Date.utc("2026-03-02T11:43:30Z"))
    }

    func testSuspendIsAwayAndResumeHasGrace() throws {
        try start(Self.rest)
        event(.sleep, "2026-03-02T09:30:00Z", source: "logind", rank: 10)
        XCTAssertEqual(engine.tracker.presence, .asleep)
        // 3 minutes asleep: no break, and asleep time does not count: 20 minutes left.
        event(.resume, "2026-03-02T09:33:00Z", source: "logind", rank: 10)
        XCTAssertEqual(try prompts().count, 0)
        XCTAssertEqual(engine.upcoming?.at, Date.utc("2026-03-02T09:53:00Z"))
        // Due within the grace period after a second wake: moved to its end (09:52:30 + 2m).
        event(.sleep, "2026-03-02T09:52:00Z", source: "logind", rank: 10)
        event(.resume, "2026-03-02T09:52:30Z", source: "logind", rank: 10)
        XCTAssertEqual(engine.upcoming?.at, Date.utc("2026-03-02T09:54:30Z"))
        run(to: Date.utc("2026-03-02T09:54:29Z"))
        XCTAssertEqual(sink.requests.count, 0)
        run(to: Date.utc("2026-03-02T09:54:30Z"))
        XCTAssertEqual(sink.requests.count, 1)
        // Asleep an hour: a natural break, closing the open prompt.
        event(.sleep, "2026-03-02T10:10:00Z", source: "logind", rank: 10)
        event(.resume, "2026-03-02T11:10:00Z", source: "logind", rank: 10)
        XCTAssertEqual(try prompts().map(\.state), [.answered])
        XCTAssertEqual(try prompts().map(\.action), ["natural"])
        XCTAssertEqual(sink.closed, [1])
    }

    func testDoNotDisturbPolicies() throws {
        try start(#"""
            {"reminders": [
              {"id": "later", "type": "break", "at": "09:10", "dnd": "defer"},
              {"id": "never", "type": "break", "at": "09:10", "dnd": "drop"},
              {"id": "anyway", "type": "break", "at": "09:10", "dnd": "deliver", "title": "Anyway"},
              {"id": "mood", "type": "mood", "at": "09:10"}
            ]}
            """#)
        engine.setDoNotDisturb(true)
        run(to: Date.utc("2026-03-02T09:10:00Z"))
        XCTAssertEqual(sink.summaries, ["Anyway"])
        let byReminder = Dictionary(uniqueKeysWithValues: try prompts().map { ($0.reminder, $0) })
        XCTAssertEqual(byReminder["never"]?.state, .skipped)
        XCTAssertEqual(byReminder["never"]?.action, "dnd")
        XCTAssertEqual(byReminder["later"]?.state, .scheduled)
        XCTAssertEqual(byReminder["mood"]?.state, .scheduled, "mood check-ins defer too")
        // Held prompts do not expire while held.
        run(to: Date.utc("2026-03-02T11:00:00Z"))
        XCTAssertEqual(try prompts().first { $0.reminder == "later" }?.state, .scheduled)
        engine.setDoNotDisturb(false)
        XCTAssertEqual(Set(sink.summaries), ["Anyway", "Time for a break", "How are you feeling?"])
        XCTAssertEqual(sink.requests.count, 3)
    }

    func testWorkingHoursAndRateLimit() throws {
        let breaks = (1...7).map { #"{"id": "b\#($0)", "type": "break", "every": "1h"}"# }.joined(separator: ", ")
        try start(#"{"workingHours": {"mon": "10:00-10:30"}, "reminders": [\#(breaks)]}"#)
        XCTAssertEqual(engine.upcoming?.at, Date.utc("2026-03-02T10:00:00Z"))
        run(to: Date.utc("2026-03-02T10:00:00Z"))
        XCTAssertEqual(sink.requests.count, 5, "at most 5 scheduled prompts a minute")
        run(to: Date.utc("2026-03-02T10:01:00Z"))
        XCTAssertEqual(sink.requests.count, 7)
        // The next ones are a week later (working hours: Mondays 10:00-10:30 only).
        XCTAssertEqual(engine.upcoming?.at, Date.utc("2026-03-09T10:00:00Z"))
    }
}
