import Foundation
import XCTest
@testable import CheckinCore

/// The keys of "breaks that follow the person": mode, duration, grace, dnd.
final class BreakConfigTests: XCTestCase {
    private func parse(_ json: String) throws -> Config {
        try ConfigLoader.parse(bytes: Array(json.utf8), file: "config.json")
    }

    private func issues(_ json: String, line: UInt = #line) -> [String] {
        do {
            _ = try parse(json)
            XCTFail("config was accepted", line: line)
            return []
        } catch {
            return (error as! ConfigError).issues.map(\.description)
        }
    }

    func testDefaultsKeepTodaysBehaviour() throws {
        let c = try parse(#"{"reminders": [{"id": "m", "type": "mood", "at": "10:00"}, {"id": "b", "type": "break", "every": "50m"}]}"#)
        let b = c.reminders[1]
        XCTAssertEqual(b.mode, .clock)
        XCTAssertEqual(b.duration, 300)
        XCTAssertEqual(b.grace, 120)
        XCTAssertEqual(b.dnd, .defer)
        XCTAssertEqual(c.reminders[0].dnd, .defer)
        XCTAssertNil(c.reminders[0].breakPolicy)
        XCTAssertEqual(b.breakPolicy, BreakPolicy(id: "b", mode: .clock, interval: 3000, duration: 300, grace: 120))
    }

    func testAllKeys() throws {
        let c = try parse(#"""
            {"reminders": [
              {"id": "micro", "type": "break", "every": "20m", "mode": "active", "duration": "20s", "grace": "0s", "dnd": "drop"},
              {"id": "m", "type": "mood", "at": "10:00", "dnd": "deliver"}
            ]}
            """#)
        let b = c.reminders[0]
        XCTAssertEqual(b.breakPolicy, BreakPolicy(id: "micro", mode: .active, interval: 1200, duration: 20, grace: 0))
        XCTAssertEqual(b.dnd, .drop)
        XCTAssertEqual(c.reminders[1].dnd, .deliver)
    }

    func testErrors() {
        XCTAssertEqual(issues(#"{"reminders": [{"id": "b", "type": "break", "every": "50m", "mode": "busy"}]}"#), [
            "config.json:1:69: reminders[0].mode: \"busy\" is not a break mode; expected \"active\" (time at the computer since the last break) or \"clock\" (the schedule as written)",
        ])
        XCTAssertEqual(issues(#"{"reminders": [{"id": "b", "type": "break", "at": "10:00", "mode": "active"}]}"#), [
            "config.json:1:68: reminders[0].mode: \"active\" counts time at the computer towards \"every\"; expected \"every\": \"50m\" with it (or \"mode\": \"clock\")",
        ])
        XCTAssertEqual(issues(#"{"reminders": [{"id": "b", "type": "break", "every": "50m", "duration": "5s"}]}"#), [
            "config.json:1:73: reminders[0].duration: \"5s\" is out of range; expected 10s to 4h",
        ])
        XCTAssertEqual(issues(#"{"reminders": [{"id": "b", "type": "break", "every": "50m", "duration": 300}]}"#), [
            "config.json:1:73: reminders[0].duration: expected a duration string like \"50m\" or \"1h30m\", found a number 300",
        ])
        XCTAssertEqual(issues(#"{"reminders": [{"id": "b", "type": "break", "every": "50m", "grace": "soon"}]}"#), [
            "config.json:1:70: reminders[0].grace: \"soon\" is not a duration; expected a number with a unit (s, m, h, d), e.g. \"50m\", \"1h30m\"",
        ])
        XCTAssertEqual(issues(#"{"reminders": [{"id": "b", "type": "break", "every": "50m", "dnd": "later"}]}"#), [
            "config.json:1:68: reminders[0].dnd: \"later\" is not a do-not-disturb policy; expected \"defer\" (show it when do-not-disturb ends), \"drop\" (record it as skipped) or \"deliver\" (show it anyway)",
        ])
        XCTAssertEqual(issues(#"{"reminders": [{"id": "m", "type": "mood", "at": "10:00", "mode": "active", "duration": "1m", "grace": "1m"}]}"#), [
            "config.json:1:67: reminders[0].mode: only break reminders have \"mode\"",
            "config.json:1:89: reminders[0].duration: only break reminders have \"duration\"",
            "config.json:1:104: reminders[0].grace: only break reminders have \"grace\"",
        ])
        XCTAssertEqual(issues(#"{"reminders": [{"id": "b", "type": "break", "every": "50m", "dnd": "defer", "graze": "1m"}]}"#), [
            "config.json:1:86: reminders[0].graze: unknown key \"graze\"; did you mean \"grace\"?",
        ])
    }
}
