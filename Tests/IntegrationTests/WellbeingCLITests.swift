import CheckinCore
import Foundation
import XCTest

/// checkin log --questionnaire, checkin questionnaires, checkin use, and questionnaire responses
/// and uses in history, stats and export: exact output, exit codes, nothing written when refused.
final class WellbeingCLITests: CLITestCase {
    func withoutTime(_ s: String) -> String {
        s.replacingOccurrences(of: #"at \d\d:\d\d\."#, with: "at HH:MM.", options: .regularExpression)
    }

    func writeConfig(_ json: String) throws {
        let d = dir.appendingPathComponent("config/checkin")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        try json.write(to: d.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
    }

    static let config = """
        {"reminders": [{"id": "mood", "type": "mood", "at": ["10:00"]}],
         "tracked": [{"name": "caffeine", "unit": "cup", "maxPerDay": 3, "maxDaysInARow": 5, "breakDaysPerWeek": 2},
                     {"name": "walk"}]}
        """

    func testQuestionnaireOnATerminalRecordsTheScoreAndBand() throws {
        let r = try checkinOnTerminal(["log", "--questionnaire", "phq2"], answers: ["9", "2", "", "2"])
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertEqual(withoutTime(r.stdout), """
            PHQ-2: Over the last 2 weeks, how often have you been bothered by the following problems?
              0 Not at all · 1 Several days · 2 More than half the days · 3 Nearly every day
            1 of 2. Little interest or pleasure in doing things
              [0-3]: 9
              "9" is not an option; expected 0, 1, 2 or 3.
              [0-3]: 2
            2 of 2. Feeling down, depressed, or hopeless
              [0-3]: \n  An answer is needed; expected 0, 1, 2 or 3.
              [0-3]: 2
            Recorded at HH:MM.
            PHQ-2 total 4 of 6: at or above 3, the published screening threshold: consider
            talking to a professional.
            A score is not a diagnosis; only a conversation with a professional can say what
            it means for you.

            """)
        let below = try checkinOnTerminal(["log", "--questionnaire", "who5"], answers: ["3", "3", "3", "3", "4"])
        XCTAssertEqual(below.status, 0, below.stdout)
        XCTAssertTrue(withoutTime(below.stdout).hasSuffix("""
            Recorded at HH:MM.
            WHO-5 total 16 of 25 (64%): above 12 (48%), the published screening threshold.

            """), below.stdout)

        let cancelled = try checkinOnTerminal(["log", "--questionnaire", "gad2"], answers: ["1", "<EOF>"])
        XCTAssertEqual(cancelled.status, 1)
        XCTAssertTrue(cancelled.stdout.hasSuffix("  [0-3]: \ncheckin: cancelled; nothing recorded\n"), cancelled.stdout)

        let h = try checkin(["history", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(h.stdout.utf8)) as! [String: Any]
        let responses = object["responses"] as! [[String: Any]]
        XCTAssertEqual(responses.map { $0["questionnaire"] as? String }, ["phq2", "who5"], "the cancelled one is not recorded")
        XCTAssertEqual(responses[0]["total"] as? Int, 4)
        XCTAssertEqual(responses[0]["answers"] as? [Int], [2, 2])
        XCTAssertEqual(responses[0]["band"] as? String, "3 or more")
        XCTAssertEqual(responses[0]["thresholdReached"] as? Bool, true)
        XCTAssertEqual(responses[1]["percent"] as? Int, 64)
        XCTAssertEqual(responses[1]["thresholdReached"] as? Bool, false)
        let text = try checkin(["history"])
        let lines = text.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("Questionnaires since "), text.stdout)
        XCTAssertTrue(lines[1].hasSuffix("  PHQ-2 total 4 of 6, 3 or more (threshold reached)  cli"), text.stdout)
        XCTAssertTrue(lines[2].hasSuffix("  WHO-5 total 16 of 25 (64%), 52-100%  cli"), text.stdout)
    }

    func testQuestionnaireRefusalsWriteNothing() throws {
        let unknown = try checkin(["log", "--questionnaire", "phq9"])
        XCTAssertEqual(unknown.status, 64)
        XCTAssertEqual(unknown.stderr, "checkin: --questionnaire \"phq9\" is not a questionnaire; expected one of phq2, gad2, who5 (see checkin questionnaires)\n")
        let noTerminal = try checkin(["log", "--questionnaire", "phq2"])
        XCTAssertEqual(noTerminal.status, 64)
        XCTAssertEqual(noTerminal.stderr, "checkin: --questionnaire asks its items one by one and needs a terminal; run checkin log --questionnaire phq2 on one\n")
        let mixed = try checkin(["log", "--questionnaire", "phq2", "--mood", "3"])
        XCTAssertEqual(mixed.status, 64)
        XCTAssertEqual(mixed.stderr, "checkin: --questionnaire does not go with --mood, --anxiety, --note or --tag\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: databasePath))
    }

    func testQuestionnairesListsEveryOneWithAttribution() throws {
        try writeConfig("""
            {"reminders": [{"id": "mood", "type": "mood", "at": ["10:00"]}],
             "questionnaires": [{"name": "sleep", "title": "Sleep", "items": ["I slept enough"],
               "options": [{"value": 0, "label": "No"}, {"value": 2, "label": "Yes"}],
               "threshold": {"atOrBelow": 0, "text": "Mention sleep to Dr. Lee."}}]}
            """)
        let r = try checkin(["questionnaires"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
            phq2      PHQ-2: 2 items, total 0-6
                      threshold: at or above 3: consider talking to a professional.
                      PHQ-2 (Patient Health Questionnaire-2). Developed by Drs. Robert L.
                      Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an
                      educational grant from Pfizer Inc. No permission required to
                      reproduce, translate, display or distribute.
            gad2      GAD-2: 2 items, total 0-6
                      threshold: at or above 3: consider talking to a professional.
                      GAD-2 (Generalized Anxiety Disorder-2). Developed by Drs. Robert L.
                      Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an
                      educational grant from Pfizer Inc. No permission required to
                      reproduce, translate, display or distribute.
            who5      WHO-5: 5 items, total 0-25 (×4: 0-100%)
                      threshold: at or below 12: consider talking to a professional.
                      WHO-5 Well-Being Index. © Psychiatric Research Unit, WHO Collaborating
                      Centre in Mental Health, Mental Health Centre North Zealand, Hillerød,
                      Denmark. Free to use.
            sleep     Sleep: 1 item, total 0-2
                      threshold: at or below 0: Mention sleep to Dr. Lee.
                      Your own, from your config.

            Ask one: checkin log --questionnaire NAME (on a terminal).

            """)
        let own = try checkinOnTerminal(["log", "--questionnaire", "sleep"], answers: ["1", "0"])
        XCTAssertEqual(own.status, 0, own.stdout)
        XCTAssertTrue(withoutTime(own.stdout).contains("  [0, 2]: 1\n  \"1\" is not an option; expected 0 or 2.\n"), own.stdout)
        XCTAssertTrue(withoutTime(own.stdout).hasSuffix("Sleep total 0 of 2: at or below 0, your threshold: Mention sleep to Dr. Lee.\n"), own.stdout)
    }

    func testNextListsQuestionnaireReminders() throws {
        let path = dir.appendingPathComponent("next.json").path
        try """
            {"reminders": [{"id": "mood", "type": "mood", "at": ["21:00"]},
                           {"id": "weekly-phq2", "type": "questionnaire", "questionnaire": "phq2", "calendar": "Sun 18:00"}]}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        // 2026-03-01 is a Sunday.
        let r = try checkin(["next", "--config", path, "--from", "2026-03-01", "--count", "3"], env: ["TZ": "UTC"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
            Upcoming reminders (UTC, \(path)):
              Sun 2026-03-01 18:00  weekly-phq2 calendar Sun *-*-* 18:00:00
              Sun 2026-03-01 21:00  mood       at 21:00 (mon..sun)
              Mon 2026-03-02 21:00  mood       at 21:00 (mon..sun)

            """)
        let j = try checkin(["next", "--config", path, "--from", "2026-03-01", "--count", "1", "--json"], env: ["TZ": "UTC"])
        XCTAssertEqual(j.stdout, #"[{"reminder":"weekly-phq2","kind":"questionnaire","at":"2026-03-01T18:00:00+00:00","schedule":"calendar Sun *-*-* 18:00:00","window":null,"scheduled":"2026-03-01T18:00:00+00:00"}]"# + "\n")
    }

    func testUseRecordsAndRefusesUnknownItems() throws {
        let none = try checkin(["use", "caffeine"])
        XCTAssertEqual(none.status, 64)
        XCTAssertEqual(none.stderr, "checkin: \"caffeine\" is not tracked: the config declares no tracked items (add a \"tracked\" list; see docs/CONFIG.md)\n")
        try writeConfig(Self.config)
        let unknown = try checkin(["use", "tea"])
        XCTAssertEqual(unknown.status, 64)
        XCTAssertEqual(unknown.stderr, "checkin: \"tea\" is not tracked; declared: caffeine, walk\n")
        for bad in ["0", "x", "nan", "inf", "1e9"] {
            let r = try checkin(["use", "caffeine", bad])
            XCTAssertEqual(r.status, 64, bad)
            XCTAssertEqual(r.stderr, "checkin: amount \"\(bad)\" is not a number above 0 (e.g. 1 or 0.5)\n")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: databasePath), "nothing written when refused")

        let one = try checkin(["use", "caffeine"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(withoutTime(one.stdout), """
            Recorded 1 cup of caffeine at HH:MM.
            Today: 1 cup of your own limit of 3 a day.
            Days in a row with caffeine: 1 (your plan: a break after 5).

            """)
        let more = try checkin(["use", "caffeine", "2.5"])
        XCTAssertEqual(withoutTime(more.stdout), """
            Recorded 2.5 cups of caffeine at HH:MM.
            Today: 3.5 cups, over your own limit of 3 a day.
            Days in a row with caffeine: 1 (your plan: a break after 5).

            """)
        let walk = try checkin(["use", "walk"])
        XCTAssertEqual(withoutTime(walk.stdout), "Recorded walk (1) at HH:MM.\nToday: 1 in all.\nDays in a row with walk: 1.\n")
        let h = try checkin(["history", "--json"])
        let uses = (try JSONSerialization.jsonObject(with: Data(h.stdout.utf8)) as! [String: Any])["uses"] as! [[String: Any]]
        XCTAssertEqual(uses.map { $0["item"] as? String }, ["caffeine", "caffeine", "walk"])
        XCTAssertEqual(uses.map { $0["amount"] as? Double }, [1, 2.5, 1])
    }

    /// Responses and uses written at fixed times, then stats and export over a closed period.
    func seed() throws {
        try writeConfig(Self.config)
        let store = try Store(path: databasePath)
        defer { store.close() }
        let day = 86400.0
        let start = 1_772_352_000.0   // 2026-03-01T08:00:00Z, a Sunday
        for d in 0..<21 {
            let t = Date(timeIntervalSince1970: start + Double(d) * day)
            let used = d % 3 != 2
            try store.insertEntry(Entry(recordedAt: t.addingTimeInterval(3600 * 4), utcOffset: 0, mood: used ? 3 : 4,
                                        anxiety: used ? 3 : 2, source: "cli"))
            if used { try store.insertUse(UseRecord(item: "caffeine", amount: d == 4 ? 4 : 1, usedAt: t, utcOffset: 0, source: "cli")) }
        }
        for (d, answers) in [(1, [1, 1]), (8, [2, 1]), (15, [2, 2])] {
            let t = Date(timeIntervalSince1970: start + Double(d) * day + 60)
            try store.insertResponse(QuestionnaireResponse(.phq2, answers: answers, startedAt: t.addingTimeInterval(-30), completedAt: t,
                                                           utcOffset: 0, source: "cli")!)
        }
    }

    let period = ["--since", "2026-03-01", "--until", "2026-03-22"]

    func testStatsShowQuestionnairesAndTrackedItems() throws {
        try seed()
        let r = try checkin(["stats"] + period)
        XCTAssertEqual(r.status, 0, r.stderr)
        let tail = r.stdout.components(separatedBy: "\nQuestionnaires:")
        XCTAssertEqual(tail.count, 2, r.stdout)
        XCTAssertEqual("Questionnaires:" + tail[1], """
            Questionnaires: totals as answered; a band is a range of totals, not a diagnosis
              PHQ-2: 3 responses, latest 4 of 6 (3 or more) on 2026-03-16; mean 3.0, trend
                +1.00 per week
                mean per ISO week: 2026-W10 2.0, 2026-W11 3.0, 2026-W12 4.0
                The latest reached the threshold: consider talking to a professional.

            Tracked: caffeine (your own plan: at most 3 cups a day, a break after 5 days in
              a row, 2 break days a week)
              days with use 14 of 21, total 17 cups
              days in a row: current 2, longest 2, days beyond your planned run 0
              ISO weeks with your break days kept 3, not kept 0
              days over your daily limit 1
              mood same day: 3.0 with, 4.0 without; anxiety 3.0 with, 2.0 without
                (14 days with, 7 days without)
              mood next day: 3.5 with, 3.0 without; anxiety 2.5 with, 3.0 without
                (14 days with, 6 days without)
              (means of the daily means; a correlation, not a cause)

            Tracked: walk
              days with use 0 of 21, total 0
              days in a row: current 0, longest 0
              mood same day: not compared (0 days with, 21 days without; at least 3 each)
              mood next day: not compared (0 days with, 20 days without; at least 3 each)
              (means of the daily means; a correlation, not a cause)

            """)
        for line in r.stdout.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }

        let j = try checkin(["stats", "--json"] + period)
        let object = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        let q = (object["questionnaires"] as! [[String: Any]])[0]
        XCTAssertEqual(q["questionnaire"] as? String, "phq2")
        XCTAssertEqual(q["responses"] as? Int, 3)
        XCTAssertEqual((q["perWeek"] as! [[String: Any]]).map { $0["mean"] as? Double }, [2, 3, 4])
        let t = (object["tracked"] as! [[String: Any]])[0]
        XCTAssertEqual(t["daysOverMaxPerDay"] as? [String], ["2026-03-05"])
        XCTAssertEqual((t["perWeek"] as! [[String: Any]]).map { $0["kept"] as? Bool }, [nil, true, true, true])
        XCTAssertEqual((t["sameDay"] as! [String: Any])["moodWith"] as? Double, 3)
    }

    func testExportResponsesAndUses() throws {
        try seed()
        let r = try checkin(["export", "--what", "responses"] + period)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
            time,started,questionnaire,total,answers,source\r
            2026-03-02T08:01:00+00:00,2026-03-02T08:00:30+00:00,phq2,2,"1,1",cli\r
            2026-03-09T08:01:00+00:00,2026-03-09T08:00:30+00:00,phq2,3,"2,1",cli\r
            2026-03-16T08:01:00+00:00,2026-03-16T08:00:30+00:00,phq2,4,"2,2",cli\r

            """)
        let j = try checkin(["export", "--what", "responses", "--format", "jsonl", "--since", "2026-03-16"])
        XCTAssertEqual(j.stdout, #"{"time":"2026-03-16T08:01:00+00:00","started":"2026-03-16T08:00:30+00:00","questionnaire":"phq2","total":4,"answers":[2,2],"source":"cli"}"# + "\n")
        let u = try checkin(["export", "--what", "uses", "--format", "jsonl", "--since", "2026-03-19"])
        XCTAssertEqual(u.stdout, """
            {"time":"2026-03-19T08:00:00+00:00","item":"caffeine","amount":1,"source":"cli"}
            {"time":"2026-03-20T08:00:00+00:00","item":"caffeine","amount":1,"source":"cli"}

            """)
        let file = dir.appendingPathComponent("uses.csv").path
        let w = try checkin(["export", "--what", "uses", "--output", file] + period)
        XCTAssertEqual(w.stderr, "Exported 14 uses to \(file).\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let bad = try checkin(["export", "--what", "everything"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertEqual(bad.stderr, "checkin: --what \"everything\" is not a set; expected entries, responses or uses\n")
    }
}
