import CheckinCore
import CheckinTestSupport
import Foundation
import SystemdKit
import XCTest
@testable import CheckinDaemon

/// The engine's wellbeing logic with an injected clock and an in-memory notification server (no
/// bus, no processes): when the daily check runs, and what a restart does to a questionnaire
/// answered half-way.
final class WellbeingEngineTests: EngineTestCase {
    override func setUp() {
        super.setUp()
        now = Date.utc("2026-03-02T07:00:00Z")  // a Monday, before the daily check
    }

    /// Seven break days planned a week: on a Monday with no use yet, today is one of them.
    static let plan = #"{"quietHours": ["22:00-09:30"], "reminders": [{"id": "mood", "type": "mood", "at": ["20:00"]}], "tracked": [{"name": "caffeine", "breakDaysPerWeek": 7}]}"#

    func testQuietHoursMoveTheDailyCheckToTheirEnd() throws {
        try start(Self.plan)
        XCTAssertEqual(engine.nextWakeup, Date.utc("2026-03-02T09:30:00Z"), "08:00 is in quiet hours")
        run(to: Date.utc("2026-03-02T09:29:00Z"))
        XCTAssertEqual(sink.summaries, [])
        run(to: Date.utc("2026-03-02T09:30:00Z"))
        XCTAssertEqual(sink.summaries, ["Your plan for caffeine"])
        XCTAssertEqual(sink.requests.last?.body, "You planned 7 break days from caffeine a week: this week has 7 days left.")
        XCTAssertEqual(try store.stateValue(Moderation.breakReminderStateKey("caffeine")), "2026-03-02")
        // Once a day: the rest of the day nothing more; the next day at the end of its quiet hours.
        run(to: Date.utc("2026-03-02T21:00:00Z"))
        XCTAssertEqual(sink.summaries.filter { $0 == "Your plan for caffeine" }.count, 1)
        run(to: Date.utc("2026-03-03T09:30:00Z"))
        XCTAssertEqual(sink.summaries.filter { $0 == "Your plan for caffeine" }.count, 2)
    }

    func testWhilePausedTheDailyCheckWaitsForThePauseToEnd() throws {
        try start(Self.plan)
        engine.pause(until: Date.utc("2026-03-02T12:00:00Z"))
        XCTAssertEqual(engine.nextWakeup, Date.utc("2026-03-02T12:00:00Z"))
        run(to: Date.utc("2026-03-02T11:59:00Z"))
        XCTAssertEqual(sink.summaries, [])
        run(to: Date.utc("2026-03-02T12:00:00Z"))
        XCTAssertEqual(sink.summaries, ["Your plan for caffeine"])
    }

    func testAQuestionnaireHalfAnsweredAtARestartRecordsNothing() throws {
        let config = #"{"reminders": [{"id": "gad", "type": "questionnaire", "questionnaire": "gad2", "at": ["09:00"]}]}"#
        try start(config)
        run(to: Date.utc("2026-03-02T09:00:00Z"))
        XCTAssertEqual(sink.summaries, ["GAD-2 (1 of 2)"])
        engine.handle(.actionInvoked(id: 1, action: "2"))
        XCTAssertEqual(sink.summaries, ["GAD-2 (1 of 2)", "GAD-2 (2 of 2)"])
        XCTAssertEqual(sink.requests.last?.replacesID, 1)
        XCTAssertEqual(sink.requests.last?.actions.map(\.key), ["0", "1", "2", "3"])
        // A value that is not an option, and an action on the replaced id, change nothing.
        engine.handle(.actionInvoked(id: 2, action: "7"))
        XCTAssertEqual(engine.activePrompts.first?.answers, [2])
        // checkind stops half-way; the next start closes the prompt out as expired, no answers.
        engine.closeAll()
        now = Date.utc("2026-03-02T09:05:00Z")
        try start(config)
        XCTAssertEqual(try store.prompts(since: nil, until: nil).map(\.state), [.expired])
        XCTAssertEqual(try store.responses(in: TimeRange(since: nil, until: nil)), [])
    }
}
