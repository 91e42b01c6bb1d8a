import Foundation
import XCTest
@testable import CheckinCore

final class ConfigTests: XCTestCase {
    private func parse(_ json: String, file: String = "config.json") throws -> Config {
        try ConfigLoader.parse(bytes: Array(json.utf8), file: file)
    }

    /// Parses and returns the issues' descriptions; fails if the config is accepted.
    private func issues(_ json: String, file: String = "config.json", line: UInt = #line) -> [String] {
        do {
            _ = try parse(json, file: file)
            XCTFail("config was accepted", line: line)
            return []
        } catch {
            return (error as! ConfigError).issues.map(\.description)
        }
    }

    private func reminderJSON(_ body: String) -> String {
        """
        {
          "reminders": [
            { "id": "mood", "type": "mood", "at": ["10:00"] },
            { \(body) }
          ]
        }
        """
    }

    // MARK: the default

    func testBuiltInDefaultIsTheShippedFile() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../config/default.json").standardized
        let file = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(DefaultConfig.json + "\n", file, "run `make default-config` after editing config/default.json")
    }

    func testBuiltInDefault() throws {
        let config = try ConfigLoader.load(path: nil)
        XCTAssertEqual(config.source, Config.builtInSource)
        XCTAssertEqual(config.quietHours, [TimeWindow(start: LocalTime(hour: 22, minute: 0), end: LocalTime(hour: 7, minute: 0))])
        XCTAssertEqual(config.reminders.map(\.id), ["mood", "break"])
        let mood = config.reminders[0]
        XCTAssertEqual(mood.kind, .mood)
        XCTAssertEqual(mood.schedule, .at(times: [LocalTime(hour: 10, minute: 0), LocalTime(hour: 14, minute: 0), LocalTime(hour: 19, minute: 0)], days: .all))
        XCTAssertEqual(mood.question?.scale, Scale(min: 1, max: 5, labels: ["Very low", "Low", "Okay", "Good", "Very good"]))
        XCTAssertEqual(mood.followUp?.measure, .anxiety)
        XCTAssertEqual(mood.followUp?.scale.points, 1...5)
        XCTAssertEqual(mood.expireAfter, 1800)
        let brk = config.reminders[1]
        XCTAssertEqual(brk.kind, .break)
        XCTAssertEqual(brk.schedule, .every(interval: 3000, window: TimeWindow(start: LocalTime(hour: 9, minute: 0), end: LocalTime(hour: 18, minute: 0)), days: .workdays))
        XCTAssertNil(brk.question)
        XCTAssertEqual(brk.snooze, 300)
        XCTAssertEqual(brk.mode, .active)
        XCTAssertEqual(brk.duration, 300)
    }

    // MARK: accepted forms

    func testMinimalReminderGetsDefaults() throws {
        let config = try parse(#"{"reminders": [{"id": "m", "type": "mood", "at": "09:30"}]}"#)
        let r = config.reminders[0]
        XCTAssertEqual(r.schedule, .at(times: [LocalTime(hour: 9, minute: 30)], days: .all))
        XCTAssertEqual(r.title, "How are you feeling?")
        XCTAssertEqual(r.question?.scale.points, 1...5)
        XCTAssertEqual(r.followUp?.measure, .anxiety)
        XCTAssertEqual(r.snooze, 600)
        XCTAssertEqual(r.maxSnoozes, 3)
        XCTAssertTrue(r.enabled)
    }

    func testFollowUpCanBeTurnedOff() throws {
        let config = try parse(#"{"reminders": [{"id": "m", "type": "mood", "at": ["09:30"], "followUp": null}]}"#)
        XCTAssertNil(config.reminders[0].followUp)
    }

    func testDaysAsListAndRanges() throws {
        let config = try parse(#"{"reminders": [{"id": "b", "type": "break", "every": "1h30m", "between": "08:00-20:00", "days": ["mon", "wed..fri"]}]}"#)
        guard case .every(let interval, let window, let days) = config.reminders[0].schedule else { return XCTFail() }
        XCTAssertEqual(interval, 5400)
        XCTAssertEqual(window.description, "08:00-20:00")
        XCTAssertEqual(days.description, "mon,wed..fri")
    }

    func testWindowCrossingMidnightIsWrittenWithPlusOne() throws {
        let config = try parse(#"{"reminders": [{"id": "b", "type": "break", "every": "30m", "between": "22:00-02:00+1"}]}"#)
        guard case .every(_, let window, _) = config.reminders[0].schedule else { return XCTFail() }
        XCTAssertTrue(window.crossesMidnight)
        XCTAssertEqual(window.description, "22:00-02:00+1")
    }

    func testXMLAndBinaryPlistMatchJSON() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
        <plist version="1.0">
        <dict>
          <key>quietHours</key><array><string>22:00-07:00</string></array>
          <key>reminders</key>
          <array>
            <dict>
              <key>id</key><string>mood</string>
              <key>type</key><string>mood</string>
              <key>at</key><array><string>10:00</string><string>19:00</string></array>
              <key>scale</key><dict><key>min</key><integer>0</integer><key>max</key><integer>4</integer></dict>
              <key>enabled</key><true/>
            </dict>
          </array>
        </dict>
        </plist>
        """
        let fromXML = try ConfigLoader.parse(bytes: Array(xml.utf8), file: "config.plist")
        let json = #"{"quietHours": ["22:00-07:00"], "reminders": [{"id": "mood", "type": "mood", "at": ["10:00", "19:00"], "scale": {"min": 0, "max": 4}, "enabled": true}]}"#
        var fromJSON = try parse(json)
        fromJSON.source = "config.plist"
        XCTAssertEqual(fromXML, fromJSON)

        // The same document as a binary plist, written by Foundation's encoder.
        struct Scale: Encodable { var min: Int; var max: Int }
        struct R: Encodable { var id = "mood"; var type = "mood"; var at = ["10:00", "19:00"]; var scale = Scale(min: 0, max: 4); var enabled = true }
        struct C: Encodable { var quietHours = ["22:00-07:00"]; var reminders = [R()] }
        let encoder = PropertyListEncoder()
        encoder.outputFormat = .binary
        let binary = try encoder.encode(C())
        XCTAssertTrue(binary.starts(with: Array("bplist".utf8)))
        let fromBinary = try ConfigLoader.parse(bytes: Array(binary), file: "config.plist")
        XCTAssertEqual(fromBinary, fromJSON)
    }

    // MARK: random schedules and jitter

    func testRandomSchedule() throws {
        let config = try parse(#"{"reminders": [{"id": "esm", "type": "mood", "random": {"count": 5, "between": "09:00-21:00", "minGap": "60m", "seed": 42}, "days": "mon..fri", "jitter": "5m"}]}"#)
        let r = config.reminders[0]
        let window = TimeWindow(start: LocalTime(hour: 9, minute: 0), end: LocalTime(hour: 21, minute: 0))
        XCTAssertEqual(r.schedule, .random(count: 5, window: window, minGap: 3600, days: .workdays, seed: 42, reminderID: "esm"))
        XCTAssertEqual(r.jitter, 300)
        XCTAssertEqual(r.schedule.summary, "5 random times between 09:00-21:00, at least 1h apart (mon..fri)")
        // Exactly as many as fit: 12 an hour apart in 12 hours.
        XCTAssertNoThrow(try parse(#"{"reminders": [{"id": "esm", "type": "mood", "random": {"count": 12, "between": "09:00-21:00", "minGap": "1h"}}]}"#))
    }

    func testRandomDefaults() throws {
        let config = try parse(#"""
        {"reminders": [
          {"id": "a", "type": "mood", "random": {"count": 3}},
          {"id": "b", "type": "break", "random": {"count": 2, "between": "22:00-02:00+1", "seed": 0}, "jitter": "0s"},
          {"id": "c", "type": "break", "every": "1h", "jitter": "1h30m"}
        ]}
        """#)
        let midnight = LocalTime(hour: 0, minute: 0)
        XCTAssertEqual(config.reminders[0].schedule,
                       .random(count: 3, window: TimeWindow(start: midnight, end: midnight), minGap: 0, days: .all, seed: nil, reminderID: "a"))
        XCTAssertEqual(config.reminders[0].jitter, 0)
        XCTAssertEqual(config.reminders[1].schedule,
                       .random(count: 2, window: TimeWindow(start: LocalTime(hour: 22, minute: 0), end: LocalTime(hour: 2, minute: 0)),
                               minGap: 0, days: .all, seed: 0, reminderID: "b"))
        XCTAssertEqual(config.reminders[1].jitter, 0)
        XCTAssertEqual(config.reminders[2].jitter, 5400)
    }

    func testRandomErrors() {
        let cases: [(String, String)] = [
            (#""random": 5"#,
             #"config.json:4:45: reminders[1].random: expected an object like {"count": 5, "between": "09:00-21:00", "minGap": "60m"}, found a number 5"#),
            (#""random": {"between": "09:00-21:00"}"#,
             #"config.json:4:45: reminders[1].random.count: missing; expected how many times a day, e.g. "count": 5"#),
            (#""random": {"count": 0}"#,
             #"config.json:4:55: reminders[1].random.count: 0 is out of range; expected 1...100"#),
            (#""random": {"count": 2.5}"#,
             #"config.json:4:55: reminders[1].random.count: expected a whole number 1...100, found a number 2.5"#),
            (#""random": {"count": 20, "between": "09:00-21:00", "minGap": "60m"}"#,
             #"config.json:4:55: reminders[1].random.count: count 20 with minGap 60m does not fit in 09:00-21:00 (12h): at most 12"#),
            (#""random": {"count": 24, "minGap": "1h"}"#,
             #"config.json:4:55: reminders[1].random.count: count 24 with minGap 1h does not fit in 00:00-24:00 (24h): at most 23 (the gap also separates the last time from the next day's first)"#),
            (#""random": {"count": 50, "between": "09:00-09:30"}"#,
             #"config.json:4:55: reminders[1].random.count: count 50 does not fit in 09:00-09:30 (30m): at most 30, one per minute"#),
            (#""random": {"count": 3, "minGap": "90s"}"#,
             #"config.json:4:68: reminders[1].random.minGap: "90s" is not a whole number of minutes; random times are whole minutes, so expected e.g. "2m" or "1h30m""#),
            (#""random": {"count": 3, "minGap": "soon"}"#,
             #"config.json:4:68: reminders[1].random.minGap: "soon" is not a duration; expected a number with a unit (s, m, h, d), e.g. "50m", "1h30m""#),
            (#""random": {"count": 3, "minGap": "2d"}"#,
             #"config.json:4:68: reminders[1].random.minGap: "2d" is out of range; expected 1m to 1d"#),
            (#""random": {"count": 3, "seed": -1}"#,
             #"config.json:4:66: reminders[1].random.seed: -1 is out of range; expected 0...9223372036854775807"#),
            (#""random": {"count": 3, "seed": "42"}"#,
             #"config.json:4:66: reminders[1].random.seed: expected a whole number 0...9223372036854775807, found a string "42""#),
            (#""random": {"count": 3, "between": "21:00-09:00"}"#,
             #"config.json:4:69: reminders[1].random.between: "21:00-09:00" ends before it starts; expected "HH:MM-HH:MM" with the start before the end, e.g. "09:00-18:00" (a window that crosses midnight is written "22:00-02:00+1")"#),
            (#""random": {"count": 3, "mingap": "1h"}"#,
             #"config.json:4:68: reminders[1].random.mingap: unknown key "mingap"; did you mean "minGap"?"#),
            (#""random": {"count": 3, "window": "09:00-17:00"}"#,
             #"config.json:4:68: reminders[1].random.window: unknown key "window"; known keys: count, between, minGap, seed"#),
            (#""random": {"count": 3, "days": "mon"}"#,
             #"config.json:4:66: reminders[1].random.days: "days" belongs to the reminder, next to "random"; inside "random" expected "count", "between", "minGap" or "seed""#),
            (#""random": {"count": 3}, "between": "09:00-17:00""#,
             #"config.json:4:70: reminders[1].between: the window of a random schedule goes inside "random", e.g. "random": {"count": 5, "between": "09:00-21:00", "minGap": "60m"}"#),
            (#""at": "10:00", "random": {"count": 3}"#,
             #"config.json:4:60: reminders[1].random: a reminder has exactly one of "at", "every", "random" or "calendar"; found "at" and "random""#),
            (#""every": "1h", "random": {"count": 3}"#,
             #"config.json:4:60: reminders[1].random: a reminder has exactly one of "at", "every", "random" or "calendar"; found "every" and "random""#),
            (#""every": "1h", "jitter": "5x""#,
             #"config.json:4:60: reminders[1].jitter: "5x" is not a duration; expected a number with a unit (s, m, h, d), e.g. "50m", "1h30m""#),
            (#""every": "1h", "jitter": "2d""#,
             #"config.json:4:60: reminders[1].jitter: "2d" is out of range; expected 0s to 1d"#),
            (#""every": "1h", "jitter": 300"#,
             #"config.json:4:60: reminders[1].jitter: expected a duration string like "50m" or "1h30m", found a number 300"#),
        ]
        XCTAssertEqual(issues(reminderJSON(#""id": "b", "type": "break", "at": "10:00", "every": "1h", "random": {"count": 3}"#)), [
            #"config.json:4:75: reminders[1].random: a reminder has exactly one of "at", "every", "random" or "calendar"; found "at", "every" and "random""#,
        ])
        for (body, expected) in cases {
            XCTAssertEqual(issues(reminderJSON(#""id": "b", "type": "break", "# + body)), [expected], body)
        }
    }

    func testRandomInsideQuietHoursNeverFires() {
        XCTAssertEqual(issues(#"{"quietHours": ["22:00-07:00"], "reminders": [{"id": "a", "type": "mood", "random": {"count": 2, "between": "23:00-06:00+1"}}]}"#), [
            "config.json:1:47: reminders[0]: never fires: every time of \"a\" falls inside quietHours",
        ])
        XCTAssertNoThrow(try parse(#"{"quietHours": ["22:00-07:00"], "reminders": [{"id": "a", "type": "mood", "random": {"count": 2, "between": "21:00-06:00+1"}}]}"#))
    }

    func testRandomAndJitterInPlistMatchJSON() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
        <plist version="1.0">
        <dict>
          <key>reminders</key>
          <array>
            <dict>
              <key>id</key><string>esm</string>
              <key>type</key><string>mood</string>
              <key>random</key>
              <dict>
                <key>count</key><integer>5</integer>
                <key>between</key><string>09:00-21:00</string>
                <key>minGap</key><string>60m</string>
                <key>seed</key><integer>42</integer>
              </dict>
              <key>days</key><string>mon..fri</string>
              <key>jitter</key><string>5m</string>
            </dict>
          </array>
        </dict>
        </plist>
        """
        let fromXML = try ConfigLoader.parse(bytes: Array(xml.utf8), file: "config.plist")
        let json = #"{"reminders": [{"id": "esm", "type": "mood", "random": {"count": 5, "between": "09:00-21:00", "minGap": "60m", "seed": 42}, "days": "mon..fri", "jitter": "5m"}]}"#
        var fromJSON = try parse(json)
        fromJSON.source = "config.plist"
        XCTAssertEqual(fromXML, fromJSON)
        guard case .random(5, _, 3600, .workdays, 42, "esm") = fromXML.reminders[0].schedule else { return XCTFail() }

        // The same document as a binary plist, written by Foundation's encoder.
        struct Random: Encodable { var count = 5; var between = "09:00-21:00"; var minGap = "60m"; var seed = 42 }
        struct R: Encodable { var id = "esm"; var type = "mood"; var random = Random(); var days = "mon..fri"; var jitter = "5m" }
        struct C: Encodable { var reminders = [R()] }
        let encoder = PropertyListEncoder()
        encoder.outputFormat = .binary
        let binary = try encoder.encode(C())
        XCTAssertEqual(try ConfigLoader.parse(bytes: Array(binary), file: "config.plist"), fromJSON)
        // Errors inside "random" name the key path (plists have no positions).
        let bad = xml.replacingOccurrences(of: "<integer>5</integer>", with: "<integer>20</integer>")
            .replacingOccurrences(of: "<string>09:00-21:00</string>", with: "<string>09:00-12:00</string>")
        XCTAssertEqual(issues(bad, file: "c.plist"), [
            "c.plist: reminders[0].random.count: count 20 with minGap 60m does not fit in 09:00-12:00 (3h): at most 3",
        ])
    }

    // MARK: every error names file, position, key path, value and expectation

    func testSyntaxErrorHasLineAndColumn() {
        let json = "{\n  \"reminders\": [\n    { \"id\": \"mood\" \"type\": \"mood\" }\n  ]\n}\n"
        XCTAssertEqual(issues(json, file: "/home/a/.config/checkin/config.json"), [
            "/home/a/.config/checkin/config.json:3:20: invalid JSON: unexpected character '\"', expected ',' or '}'",
        ])
    }

    func testTrailingCommaAndUnterminatedString() {
        XCTAssertEqual(issues("{\"reminders\": [1,]}"), ["config.json:1:18: invalid JSON: unexpected character ']', expected a value"])
        XCTAssertEqual(issues("{\"reminders\": \"abc"), ["config.json:1:19: invalid JSON: unterminated string"])
        XCTAssertEqual(issues(""), ["config.json:1:1: invalid JSON: unexpected end of file, expected a value"])
        XCTAssertEqual(issues("{\"a\": 1, \"a\": 2}"), ["config.json:1:10: invalid JSON: duplicate key \"a\""])
    }

    func testWrongType() {
        XCTAssertEqual(issues(reminderJSON(#""id": "b", "type": "break", "every": 50"#)), [
            "config.json:4:44: reminders[1].every: expected a duration string like \"50m\" or \"1h30m\", found a number 50",
        ])
        XCTAssertEqual(issues(#"{"reminders": {"id": "x"}}"#), [
            "config.json:1:15: reminders: expected a list of reminders, found an object {\"id\": \"x\"}",
        ])
    }

    func testUnknownKeySuggestsNearest() {
        XCTAssertEqual(issues(reminderJSON(#""id": "b", "type": "break", "evry": "50m""#)), [
            "config.json:4:5: reminders[1]: empty schedule; expected \"at\": [\"10:00\", ...] or \"every\": \"50m\" (with an optional \"between\": \"09:00-18:00\"), \"calendar\": \"Mon..Fri 10:00\" or \"random\": {\"count\": 5, \"between\": \"09:00-21:00\", \"minGap\": \"60m\"}",
            "config.json:4:43: reminders[1].evry: unknown key \"evry\"; did you mean \"every\"?",
        ])
        XCTAssertEqual(issues(#"{"remindres": []}"#), [
            "config.json:1:1: reminders: missing; expected a list of reminders (see config/default.json)",
            "config.json:1:15: remindres: unknown key \"remindres\"; did you mean \"reminders\"?",
        ])
    }

    func testImpossibleTime() {
        XCTAssertEqual(issues(#"{"reminders": [{"id": "m", "type": "mood", "at": ["10:00", "25:00"]}]}"#), [
            "config.json:1:60: reminders[0].at[1]: \"25:00\" is not a time of day; expected \"HH:MM\" from 00:00 to 23:59",
        ])
        XCTAssertEqual(issues(#"{"reminders": [{"id": "m", "type": "mood", "at": ["9:60"]}]}"#), [
            "config.json:1:51: reminders[0].at[0]: \"9:60\" is not a time of day; expected \"HH:MM\" from 00:00 to 23:59",
        ])
    }

    func testEmptySchedule() {
        XCTAssertEqual(issues(#"{"reminders": [{"id": "m", "type": "mood", "at": []}]}"#), [
            "config.json:1:50: reminders[0].at: empty schedule; expected at least one time like \"10:00\"",
        ])
        XCTAssertEqual(issues(#"{"reminders": []}"#), ["config.json:1:15: reminders: empty; expected at least one reminder"])
    }

    func testBadDurationAndWindow() {
        let found = issues(#"{"reminders": [{"id": "b", "type": "break", "every": "90x", "between": "18:00-09:00"}]}"#)
        XCTAssertEqual(found, [
            "config.json:1:54: reminders[0].every: \"90x\" is not a duration; expected a number with a unit (s, m, h, d), e.g. \"50m\", \"1h30m\"",
            "config.json:1:72: reminders[0].between: \"18:00-09:00\" ends before it starts; expected \"HH:MM-HH:MM\" with the start before the end, e.g. \"09:00-18:00\" (a window that crosses midnight is written \"22:00-02:00+1\")",
        ])
    }

    func testEveryErrorIsListed() {
        let found = issues(#"""
        {
          "quietHours": ["22:00-31:00"],
          "reminders": [
            { "id": "Mood", "type": "moood", "at": ["10:00"] },
            { "id": "b", "type": "break", "every": "10s", "scale": {"min": 1, "max": 5} },
            { "id": "c", "type": "mood", "at": ["10:00"], "scale": {"min": 1, "max": 5, "labels": ["a", "b"]} },
            { "id": "c", "type": "mood", "at": ["11:00"] }
          ]
        }
        """#)
        XCTAssertEqual(found, [
            "config.json:2:18: quietHours[0]: \"22:00-31:00\" is not a time window; expected \"HH:MM-HH:MM\", e.g. \"22:00-07:00\"",
            "config.json:4:13: reminders[0].id: \"Mood\" is not a valid id; expected lower-case letters, digits, '-' and '_', starting with a letter (at most 64)",
            "config.json:4:29: reminders[0].type: \"moood\" is not a reminder type; expected \"mood\", \"break\" or \"questionnaire\" (did you mean \"mood\"?)",
            "config.json:5:44: reminders[1].every: \"10s\" is out of range; expected 1m to 1d",
            "config.json:5:60: reminders[1].scale: only mood check-ins have a scale",
            "config.json:6:91: reminders[2].scale.labels: 2 labels for 5 points (1-5); expected one label per point",
        ])
    }

    func testDuplicateIDs() {
        XCTAssertEqual(issues(#"{"reminders": [{"id": "a", "type": "mood", "at": "10:00"}, {"id": "a", "type": "break", "every": "1h"}]}"#), [
            "config.json:1:67: reminders[1].id: \"a\" is already used by reminders[0]; ids must be unique",
        ])
    }

    func testScheduleInsideQuietHoursNeverFires() {
        XCTAssertEqual(issues(#"{"quietHours": ["22:00-07:00"], "reminders": [{"id": "a", "type": "mood", "at": ["23:00", "06:00"]}]}"#), [
            "config.json:1:47: reminders[0]: never fires: every time of \"a\" falls inside quietHours",
        ])
    }

    func testPlistErrorsNameKeyPathWithoutPosition() {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <plist version="1.0"><dict><key>reminders</key><array><dict>
        <key>id</key><string>m</string><key>type</key><string>mood</string><key>at</key><array><string>25:00</string></array>
        </dict></array></dict></plist>
        """
        XCTAssertEqual(issues(xml, file: "c.plist"), [
            "c.plist: reminders[0].at[0]: \"25:00\" is not a time of day; expected \"HH:MM\" from 00:00 to 23:59",
        ])
        XCTAssertTrue(issues("<?xml version=\"1.0\"?><plist><dict><key>a</key>", file: "c.plist")[0]
            .hasPrefix("c.plist: invalid property list:"))
    }

    func testUnreadableFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("checkin-config-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("nope.json").path
        XCTAssertThrowsError(try ConfigLoader.load(path: missing)) { error in
            XCTAssertEqual((error as? ConfigError)?.description, "\(missing): cannot read the file: No such file or directory")
        }
        XCTAssertThrowsError(try ConfigLoader.load(path: dir.path)) { error in
            XCTAssertEqual((error as? ConfigError)?.description, "\(dir.path): cannot read the file: it is a directory")
        }
    }

    func testLocateFollowsXDG() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("checkin-xdg-\(UUID())")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("checkin"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let env = ["XDG_CONFIG_HOME": dir.path, "HOME": "/nonexistent"]
        XCTAssertNil(ConfigLoader.locate(explicit: nil, environment: env))
        let plist = dir.appendingPathComponent("checkin/config.plist").path
        FileManager.default.createFile(atPath: plist, contents: Data())
        XCTAssertEqual(ConfigLoader.locate(explicit: nil, environment: env), plist)
        let json = dir.appendingPathComponent("checkin/config.json").path
        FileManager.default.createFile(atPath: json, contents: Data())
        XCTAssertEqual(ConfigLoader.locate(explicit: nil, environment: env), json)
        XCTAssertEqual(ConfigLoader.locate(explicit: "/x.json", environment: env), "/x.json")
        XCTAssertEqual(ConfigLoader.candidatePaths(environment: ["HOME": "/home/a"]),
                       ["/home/a/.config/checkin/config.json", "/home/a/.config/checkin/config.plist"])
    }

    func testCatchUpPolicy() throws {
        let c = try parse(#"{"reminders": [{"id": "m", "type": "mood", "at": "10:00", "catchUp": "none"}, {"id": "n", "type": "mood", "at": "11:00"}]}"#)
        XCTAssertEqual(c.reminders.map(\.catchUp), [.none, .latest])
        XCTAssertEqual(issues(#"{"reminders": [{"id": "m", "type": "mood", "at": "10:00", "catchUp": "all"}]}"#), [
            "config.json:1:70: reminders[0].catchUp: \"all\" is not a catch-up policy; expected \"latest\" (show the latest missed one if its window is open) or \"none\" (only record them as missed)",
        ])
    }

    func testCalendarSchedules() throws {
        let c = try parse(#"{"quietHours": ["12:00-13:00"], "reminders": [{"id": "m", "type": "mood", "calendar": ["Mon..Fri *-*-* 09..17:00/30", "Sat 10:00"]}]}"#)
        guard case .calendar(let specs) = c.reminders[0].schedule else { return XCTFail("not a calendar schedule") }
        XCTAssertEqual(specs.map(\.normalized), ["Mon..Fri *-*-* 09..17:00/30:00", "Sat *-*-* 10:00:00"])
        XCTAssertEqual(c.reminders[0].schedule.summary, "calendar Mon..Fri *-*-* 09..17:00/30:00; Sat *-*-* 10:00:00")
        // Friday 2026-03-06 11:40 UTC: next 12:00 and 12:30 are quiet, so 13:00.
        let friday = Date(timeIntervalSince1970: 1_772_797_200)  // 2026-03-06T11:40:00Z
        XCTAssertEqual(c.reminders[0].schedule.next(after: friday, in: .utc, quietHours: c.quietHours),
                       Date(timeIntervalSince1970: 1_772_802_000))  // 13:00Z
        XCTAssertEqual(c.reminders[0].schedule.occurrences(from: friday, through: friday.addingTimeInterval(86400), in: .utc,
                                                           quietHours: c.quietHours).count, 11)  // 13:00..17:30 (10), Sat 10:00

        XCTAssertEqual(issues(#"{"reminders": [{"id": "m", "type": "mood", "calendar": "Mon..Fri *-*-* 25:00"}]}"#), [
            "config.json:1:72: reminders[0].calendar: \"Mon..Fri *-*-* 25:00\" is not a calendar expression: column 16: hour 25 is out of range (0-23) (see systemd.time(7); try `checkin calendar`)",
        ])
        XCTAssertEqual(issues(#"{"reminders": [{"id": "m", "type": "mood", "calendar": "daily", "days": "mon"}]}"#), [
            "config.json:1:73: reminders[0].days: \"days\" does not go with \"calendar\": a calendar expression says its own days and times, e.g. \"Mon..Fri *-*-* 09..17:00\"",
        ])
        XCTAssertEqual(issues(#"{"reminders": [{"id": "m", "type": "mood", "calendar": "2026-02-30"}]}"#), [
            "config.json:1:16: reminders[0]: never fires: every time of \"m\" falls inside quietHours",
        ])
    }

    func testSuggestions() {
        XCTAssertEqual(Suggest.nearest(to: "betwen", in: ConfigValidator.reminderKeys), "between")
        XCTAssertEqual(Suggest.nearest(to: "expireafter", in: ConfigValidator.reminderKeys), "expireAfter")
        XCTAssertNil(Suggest.nearest(to: "colour", in: ConfigValidator.reminderKeys))
        XCTAssertEqual(Suggest.nearest(to: "randm", in: ConfigValidator.reminderKeys), "random")
        XCTAssertEqual(Suggest.nearest(to: "jiter", in: ConfigValidator.reminderKeys), "jitter")
    }

    func testDurations() {
        XCTAssertEqual(DurationText.parse("50m"), 3000)
        XCTAssertEqual(DurationText.parse("1h30m"), 5400)
        XCTAssertEqual(DurationText.parse("1d 2h"), 93600)
        XCTAssertNil(DurationText.parse("90x"))
        XCTAssertNil(DurationText.parse("50"))
        XCTAssertNil(DurationText.parse("m"))
        XCTAssertNil(DurationText.parse("0m"))
        XCTAssertEqual(DurationText.parse("0m", allowZero: true), 0)
        XCTAssertEqual(DurationText.parse("0s", allowZero: true), 0)
        XCTAssertNil(DurationText.parse("0", allowZero: true))
        XCTAssertEqual(DurationText.format(5400), "1h30m")
        XCTAssertEqual(DurationText.format(3000), "50m")
    }
}
