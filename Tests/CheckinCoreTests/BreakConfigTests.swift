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

    func testWorkingHoursDailyLimitAndWelcomeBack() throws {
        let c = try parse(#"""
            {"workingHours": {"mon..fri": "09:00-17:30", "sat": "22:00-02:00+1"}, "dailyLimit": "8h",
             "reminders": [{"id": "b", "type": "break", "every": "50m", "welcomeBack": true}]}
            """#)
        XCTAssertEqual(c.workingHours, [
            WorkingHours(days: .workdays, window: TimeWindow(start: LocalTime(hour: 9, minute: 0), end: LocalTime(hour: 17, minute: 30))),
            WorkingHours(days: Weekdays.parse("sat")!, window: TimeWindow(start: LocalTime(hour: 22, minute: 0), end: LocalTime(hour: 2, minute: 0))),
        ])
        XCTAssertEqual(c.dailyLimit, 8 * 3600)
        XCTAssertTrue(c.reminders[0].welcomeBack)
        let monday = Date(timeIntervalSince1970: 1_772_409_600)  // 2026-03-02T00:00:00Z, a Monday
        XCTAssertFalse(c.isWorkingTime(monday.addingTimeInterval(8 * 3600 + 3599), in: .utc))
        XCTAssertTrue(c.isWorkingTime(monday.addingTimeInterval(9 * 3600), in: .utc))
        XCTAssertFalse(c.isWorkingTime(monday.addingTimeInterval(17 * 3600 + 1800), in: .utc))
        XCTAssertEqual(c.nextWorkingTime(after: monday.addingTimeInterval(18 * 3600), in: .utc), monday.addingTimeInterval(86400 + 9 * 3600))
        // Saturday's window runs into Sunday 02:00.
        XCTAssertTrue(c.isWorkingTime(monday.addingTimeInterval(6 * 86400 + 3600), in: .utc))
        XCTAssertFalse(c.isWorkingTime(monday.addingTimeInterval(6 * 86400 + 3 * 3600), in: .utc))
        let none = try parse(#"{"reminders": [{"id": "b", "type": "break", "every": "50m"}]}"#)
        XCTAssertTrue(none.isWorkingTime(monday, in: .utc))
        XCTAssertNil(none.nextWorkingTime(after: monday, in: .utc))
        XCTAssertEqual(none.dailyLimit, 0)
    }

    func testWorkingHoursErrors() {
        XCTAssertEqual(issues(#"{"workingHours": {"mon..fri": "09:00-17:30", "fri": "10:00-12:00", "someday": "10:00-11:00", "sun": "late"}, "reminders": [{"id": "b", "type": "break", "every": "50m"}]}"#), [
            "config.json:1:53: workingHours.fri: \"fri\" names a weekday that an earlier key already has; each weekday has one window",
            "config.json:1:79: workingHours.someday: \"someday\" is not a list of weekdays; expected keys like \"mon..fri\" or \"sat,sun\", e.g. {\"mon..fri\": \"09:00-17:30\"}",
            "config.json:1:101: workingHours.sun: \"late\" is not a time window; expected \"HH:MM-HH:MM\" with the start before the end, e.g. \"09:00-18:00\" (a window that crosses midnight is written \"22:00-02:00+1\")",
        ])
        XCTAssertEqual(issues(#"{"workingHours": ["09:00-17:00"], "dailyLimit": "2d", "reminders": [{"id": "b", "type": "break", "every": "50m"}]}"#), [
            "config.json:1:18: workingHours: expected an object like {\"mon..fri\": \"09:00-17:30\"}, found an array [\"09:00-17:00\"]",
            "config.json:1:49: dailyLimit: \"2d\" is out of range; expected 0s to 1d",
        ])
        XCTAssertEqual(issues(#"{"reminders": [{"id": "b", "type": "break", "every": "50m", "welcomeBack": "yes"}]}"#), [
            "config.json:1:76: reminders[0].welcomeBack: expected true or false, found a string \"yes\"",
        ])
        XCTAssertEqual(try parse(#"{"idleThreshold": "1m", "reminders": [{"id": "b", "type": "break", "every": "50m"}]}"#).idleThreshold, 60)
        XCTAssertEqual(try parse(#"{"reminders": [{"id": "b", "type": "break", "every": "50m"}]}"#).idleThreshold, 10)
        XCTAssertEqual(issues(#"{"idleThreshold": "1s", "reminders": [{"id": "b", "type": "break", "every": "50m"}]}"#), [
            "config.json:1:19: idleThreshold: \"1s\" is out of range; expected 5s to 10m",
        ])
        XCTAssertEqual(issues(#"{"reminders": [{"id": "b", "type": "break", "every": "50m", "preBreakWarning": "1h"}]}"#), [
            "config.json:1:80: reminders[0].preBreakWarning: \"1h\" is out of range; expected 0s to 30m",
        ])
        XCTAssertEqual(try parse(#"{"reminders": [{"id": "b", "type": "break", "every": "50m", "preBreakWarning": "30s"}]}"#)
            .reminders[0].preBreakWarning, 30)
        XCTAssertEqual(try parse(#"{"reminders": [{"id": "m", "type": "mood", "at": "10:00", "maxSnoozesPerDay": 4}]}"#)
            .reminders[0].maxSnoozesPerDay, 4)
        XCTAssertEqual(issues(#"{"reminders": [{"id": "m", "type": "mood", "at": "10:00", "maxSnoozesPerDay": -1}]}"#), [
            "config.json:1:79: reminders[0].maxSnoozesPerDay: -1 is out of range; expected 0...100",
        ])
        XCTAssertEqual(issues(#"{"reminders": [{"id": "m", "type": "mood", "at": "10:00", "welcomeBack": true}]}"#), [
            "config.json:1:74: reminders[0].welcomeBack: only break reminders have \"welcomeBack\"",
        ])
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
