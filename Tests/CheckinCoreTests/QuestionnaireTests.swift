import Foundation
import XCTest
@testable import CheckinCore

/// Scoring tables of every shipped questionnaire (every total, band edges) and the config's own
/// questionnaires, questionnaire reminders, tracked items and nudges with their errors.
final class QuestionnaireTests: XCTestCase {
    func testPHQ2AndGAD2EveryTotal() {
        for q in [Questionnaire.phq2, Questionnaire.gad2] {
            XCTAssertEqual(q.items.count, 2)
            XCTAssertEqual(q.options.map(\.value), [0, 1, 2, 3])
            XCTAssertEqual(q.options.map(\.label), ["Not at all", "Several days", "More than half the days", "Nearly every day"])
            XCTAssertEqual(q.totals, 0...6)
            var seen = Set<Int>()
            for a in 0...3 {
                for b in 0...3 {
                    let total = q.total([a, b])!
                    XCTAssertEqual(total, a + b)
                    seen.insert(total)
                }
            }
            XCTAssertEqual(seen, Set(0...6))
            let expected = [
                0: "below 3, the published screening threshold.",
                1: "below 3, the published screening threshold.",
                2: "below 3, the published screening threshold.",
                3: "at or above 3, the published screening threshold: consider talking to a professional.",
                4: "at or above 3, the published screening threshold: consider talking to a professional.",
                5: "at or above 3, the published screening threshold: consider talking to a professional.",
                6: "at or above 3, the published screening threshold: consider talking to a professional.",
            ]
            for total in 0...6 {
                XCTAssertEqual(q.summary(total: total), "\(q.title) total \(total) of 6: " + expected[total]!)
                XCTAssertEqual(q.band(for: total)?.label, total >= 3 ? "3 or more" : "below 3")
                XCTAssertEqual(q.threshold!.isReached(by: total), total >= 3)
            }
            XCTAssertNil(q.total([1]), "one answer short")
            XCTAssertNil(q.total([1, 4]), "4 is not an option")
            XCTAssertTrue(q.attribution!.contains("Spitzer") && q.attribution!.contains("Pfizer"))
        }
        XCTAssertEqual(Questionnaire.phq2.summary(total: 4),
                       "PHQ-2 total 4 of 6: at or above 3, the published screening threshold: consider talking to a professional.")
    }

    func testWHO5EveryTotalPercentageAndBands() {
        let q = Questionnaire.who5
        XCTAssertEqual(q.items.count, 5)
        XCTAssertEqual(q.options.map(\.value), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(q.totals, 0...25)
        for raw in 0...25 {
            let band = raw <= 7 ? "0-28%" : raw <= 12 ? "32-48%" : "52-100%"
            XCTAssertEqual(q.band(for: raw)?.label, band, "raw \(raw)")
            let head = "WHO-5 total \(raw) of 25 (\(raw * 4)%): "
            XCTAssertEqual(q.summary(total: raw), head + (raw <= 12
                ? "at or below 12 (48%), the published screening threshold: consider talking to a professional."
                : "above 12 (48%), the published screening threshold."))
        }
        XCTAssertEqual(q.total([5, 5, 5, 5, 5]), 25)
        XCTAssertEqual(q.total([0, 0, 0, 0, 0]), 0)
        XCTAssertTrue(q.attribution!.contains("Psychiatric Research Unit"))
        // Bands cover every total exactly once.
        for q in Questionnaire.shipped {
            for t in q.totals { XCTAssertEqual(q.bands.filter { $0.range.contains(t) }.count, 1, "\(q.name) \(t)") }
        }
    }

    func testNoShippedTextNamesADiagnosis() {
        for q in Questionnaire.shipped {
            for t in q.totals {
                let s = q.summary(total: t).lowercased()
                for word in ["you have", "diagnos", "disorder", "depression", "severe"] { XCTAssertFalse(s.contains(word), s) }
            }
        }
    }

    // MARK: Config

    func parse(_ json: String) throws -> Config {
        try ConfigLoader.parse(bytes: Array(json.utf8), file: "config.json")
    }

    func errors(_ json: String) -> [String] {
        do {
            _ = try parse(json)
            XCTFail("accepted: \(json)")
            return []
        } catch let error as ConfigError {
            return error.issues.map(\.description)
        } catch {
            XCTFail("\(error)")
            return []
        }
    }

    let minimal = #"{"id": "mood", "type": "mood", "at": ["10:00"]}"#

    func testOwnQuestionnaireReminderTrackedAndNudges() throws {
        let c = try parse("""
            {"reminders": [\(minimal),
              {"id": "weekly", "type": "questionnaire", "questionnaire": "phq2", "calendar": "Sun 18:00"},
              {"id": "sleepq", "type": "questionnaire", "questionnaire": "sleep", "at": "09:00", "days": "mon"}],
             "questionnaires": [{"name": "sleep", "title": "Sleep", "intro": "Last week…",
               "items": ["I slept enough", {"text": "I woke rested"}],
               "options": [{"value": 0, "label": "No"}, {"value": 1, "label": "Somewhat"}, {"value": 2, "label": "Yes"}],
               "threshold": {"atOrBelow": 1, "text": "Maybe talk to Dr. Lee about sleep."}, "scoring": "sum"}],
             "tracked": [{"name": "caffeine", "unit": "cup", "maxPerDay": 3, "maxDaysInARow": 5, "breakDaysPerWeek": 2},
                         {"name": "walks"}],
             "nudges": {"enabled": true, "moodAtOrBelow": 2, "every": "14d", "contact": "Call Sam"}}
            """)
        XCTAssertEqual(c.reminders.map(\.id), ["mood"], "questionnaire reminders stay out of the daemon's list")
        XCTAssertEqual(c.questionnaireReminders.map(\.id), ["weekly", "sleepq"])
        XCTAssertEqual(c.questionnaireReminders.map(\.questionnaire), ["phq2", "sleep"])
        XCTAssertEqual(c.questionnaireReminders[0].title, "PHQ-2")
        let sleep = try XCTUnwrap(c.questionnaire(named: "sleep"))
        XCTAssertEqual(sleep.items, ["I slept enough", "I woke rested"])
        XCTAssertEqual(sleep.totals, 0...4)
        XCTAssertEqual(sleep.bands.map(\.label), ["1 or less", "above 1"])
        XCTAssertEqual(sleep.summary(total: 1), "Sleep total 1 of 4: at or below 1, your threshold: Maybe talk to Dr. Lee about sleep.")
        XCTAssertEqual(sleep.summary(total: 3), "Sleep total 3 of 4: above 1, your threshold.")
        XCTAssertEqual(c.allQuestionnaires.map(\.name), ["phq2", "gad2", "who5", "sleep"])
        XCTAssertEqual(c.tracked, [TrackedItem(name: "caffeine", unit: "cup", maxPerDay: 3, maxDaysInARow: 5, breakDaysPerWeek: 2),
                                   TrackedItem(name: "walks")])
        XCTAssertEqual(c.nudges, NudgeSettings(enabled: true, moodAtOrBelow: 2, every: 14 * 86400, contact: "Call Sam"))
        // The built-in default suggests nothing.
        let d = try ConfigLoader.load(path: nil)
        XCTAssertEqual(d.tracked, [])
        XCTAssertNil(d.nudges)
        XCTAssertEqual(d.questionnaires, [])
    }

    func testQuestionnaireErrorsNameKeyPathLineAndColumn() {
        let e = errors("""
            {"reminders": [\(minimal),
              {"id": "w", "type": "questionnaire", "questionnaire": "phq9", "at": "10:00"},
              {"id": "x", "type": "questionnaire", "at": "10:00"},
              {"id": "y", "type": "break", "questionnaire": "phq2", "at": "10:00"}],
             "questionnaires": [
              {"name": "empty", "items": [], "options": [{"value": 0, "label": "a"}, {"value": 1, "label": "b"}]},
              {"name": "order", "items": ["x"], "options": [{"value": 1, "label": "a"}, {"value": 0, "label": "b"}]},
              {"name": "dup", "items": ["x"], "options": [{"value": 1, "label": "a"}, {"value": 1, "label": "b"}]},
              {"name": "far", "items": ["x", "y"], "options": [{"value": 0, "label": "a"}, {"value": 3, "label": "b"}],
               "threshold": {"atOrAbove": 7, "text": "t"}},
              {"name": "phq2", "items": ["x"], "options": [{"value": 0, "label": "a"}, {"value": 1, "label": "b"}]}]}
            """)
        XCTAssertEqual(e, [
            "config.json:2:57: reminders[1].questionnaire: \"phq9\" is not a questionnaire; expected one of \"phq2\", \"gad2\", \"who5\" (did you mean \"phq2\"?)",
            "config.json:3:3: reminders[2].questionnaire: missing; a questionnaire reminder names what it asks, e.g. \"questionnaire\": \"phq2\"",
            "config.json:4:49: reminders[3].questionnaire: only reminders of type \"questionnaire\" name a questionnaire",
            "config.json:6:30: questionnaires[0].items: no items; a questionnaire asks at least one",
            "config.json:7:87: questionnaires[1].options[1].value: 0 comes after 1; expected the options in ascending order of value",
            "config.json:8:85: questionnaires[2].options[1].value: 1 is used twice; every option scores a different value",
            "config.json:10:31: questionnaires[3].threshold.atOrAbove: 7 is outside the possible totals 0-6",
            "config.json:11:12: questionnaires[4].name: \"phq2\" is already a shipped questionnaire (PHQ-2); names must be unique",
        ])
    }

    func testTrackedAndNudgeErrors() {
        let e = errors("""
            {"reminders": [\(minimal)],
             "tracked": [{"name": "Coffee"}, {"name": "tea", "maxPerDay": 0}, {"name": "tea", "breakDaysPerWeek": 8},
                         {"unit": "cup"}, {"name": "x", "maxDayInARow": 3}],
             "nudges": {"moodAtOrBelow": 9, "every": "1h"}}
            """)
        XCTAssertEqual(e, [
            "config.json:2:23: tracked[0].name: \"Coffee\" is not a valid name; expected lower-case letters, digits, '-' and '_', starting with a letter (at most 64)",
            "config.json:2:63: tracked[1].maxPerDay: 0 is out of range; expected a number above 0 (your own daily limit)",
            "config.json:2:103: tracked[2].breakDaysPerWeek: 8 is out of range; expected 1...7",
            "config.json:3:14: tracked[3].name: missing; expected what you track, e.g. \"name\": \"coffee\"",
            "config.json:3:61: tracked[4].maxDayInARow: unknown key \"maxDayInARow\"; did you mean \"maxDaysInARow\"?",
            "config.json:4:12: nudges.contact: missing; expected your own words for the nudge, e.g. \"Call Sam\" (nothing is sent anywhere)",
            "config.json:4:42: nudges.every: \"1h\" is out of range; expected 1d to 366d",
        ])
        let scale = errors("""
            {"reminders": [\(minimal)], "nudges": {"moodAtOrBelow": 7, "contact": "Call Sam"}}
            """)
        XCTAssertEqual(scale, ["config.json:1:94: nudges.moodAtOrBelow: 7 is outside the mood scale 1-5"])
    }

    func testMoreQuestionnaireErrors() {
        let e = errors("""
            {"reminders": [\(minimal)],
             "questionnaires": [{"name": "a", "items": ["x"], "options": [{"value": 0, "label": "n"}, {"value": 1, "label": "y"}], "threshold": {"atOrAbove": 1, "atOrBelow": 0, "text": "t"}},
               {"name": "b", "items": "x", "options": [{"value": 0, "label": "n"}], "scoring": "mean"}]}
            """)
        XCTAssertEqual(e, [
            "config.json:2:163: questionnaires[0].threshold.atOrBelow: a threshold has one of \"atOrAbove\" and \"atOrBelow\", not both",
            "config.json:3:27: questionnaires[1].items: expected a list of items, found a string \"x\"",
            "config.json:3:43: questionnaires[1].options: 1 option; expected at least 2, each {\"value\": 0, \"label\": \"…\"}",
            "config.json:3:84: questionnaires[1].scoring: \"mean\" is not a scoring; expected \"sum\" (the total of the chosen options' values)",
        ])
    }
}
