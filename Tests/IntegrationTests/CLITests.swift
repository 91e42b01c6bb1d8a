import Foundation
import XCTest

/// `checkin` commands that need no daemon: exact output and exit codes.
final class CLITests: CLITestCase {
    /// The transcript with the "at HH:MM." of the confirmation replaced, for exact comparison.
    func withoutTime(_ s: String) -> String {
        s.replacingOccurrences(of: #" at \d\d:\d\d\.\n"#, with: " at HH:MM.\n", options: .regularExpression)
    }

    func testLogOnATerminalAsksEachQuestion() throws {
        let r = try checkinOnTerminal(["log"], answers: ["9", "", "4", "2", " a walk ", "coffee, Work ba;d", "work coffee"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(withoutTime(r.stdout), """
            How are you feeling?
              1 Very low · 2 Low · 3 Okay · 4 Good · 5 Very good
            Mood [1-5]: 9
              "9" is not on the scale; expected a number from 1-5.
            Mood [1-5]: \n  Please answer with a number from 1-5.
            Mood [1-5]: 4
            How anxious do you feel?
              1 None · 2 Mild · 3 Moderate · 4 High · 5 Very high
            Anxiety [1-5, Enter to skip]: 2
            Note (Enter to skip):  a walk \nTags, separated by spaces or commas (Enter to skip): coffee, Work ba;d
            Recorded mood 4 (Good), anxiety 2 (Mild) at HH:MM.

            """)
        let h = try checkin(["history", "--json"])
        let entries = (try JSONSerialization.jsonObject(with: Data(h.stdout.utf8)) as! [String: Any])["entries"] as! [[String: Any]]
        XCTAssertEqual(entries.count, 1)
        XCTAssertEqual(entries[0]["mood"] as? Int, 4)
        XCTAssertEqual(entries[0]["anxiety"] as? Int, 2)
        XCTAssertEqual(entries[0]["note"] as? String, "a walk")
        XCTAssertEqual(entries[0]["tags"] as? [String], ["ba;d", "coffee", "work"])
    }

    func testLogOnATerminalSkipsOptionalAnswersAndCancelsOnEndOfInput() throws {
        let skipped = try checkinOnTerminal(["log"], answers: ["3", "", "", ""])
        XCTAssertEqual(skipped.status, 0, skipped.stdout)
        XCTAssertTrue(withoutTime(skipped.stdout).hasSuffix("Recorded mood 3 (Okay) at HH:MM.\n"), skipped.stdout)

        let cancelled = try checkinOnTerminal(["log"], answers: ["2", "<EOF>"])
        XCTAssertEqual(cancelled.status, 1)
        XCTAssertTrue(cancelled.stdout.hasSuffix("Anxiety [1-5, Enter to skip]: \ncheckin: cancelled; nothing recorded\n"), cancelled.stdout)
        let h = try checkin(["history", "--json"])
        let entries = (try JSONSerialization.jsonObject(with: Data(h.stdout.utf8)) as! [String: Any])["entries"] as! [[String: Any]]
        XCTAssertEqual(entries.map { $0["mood"] as? Int }, [3], "the cancelled entry is not recorded")
    }

    func testLogWithoutATerminalOrAMeasureRefuses() throws {
        let r = try checkin(["log"])   // stdin is not a terminal here
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stderr, "checkin: nothing to record: give --mood and/or --anxiety (see checkin log --help), or run checkin log on a terminal to be asked\n")
        let n = try checkin(["log", "--note", "just a note"])
        XCTAssertEqual(n.status, 64)
        XCTAssertEqual(n.stderr, "checkin: --mood or --anxiety is required with --note and --tag\n")
        let t = try checkin(["log", "--mood", "3", "--tag", "a,b"])
        XCTAssertEqual(t.status, 64)
        XCTAssertEqual(t.stderr, "checkin: --tag \"a,b\" is not a tag; expected 1-64 characters without commas\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: databasePath))
        let a = try checkin(["log", "--anxiety", "2"])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertTrue(a.stdout.hasPrefix("Recorded anxiety 2 (Mild) at "), a.stdout)
    }

    func testCompletionScriptsNameEveryCommand() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try checkin(["--generate-completion-script", shell])
            XCTAssertEqual(r.status, 0, r.stderr)
            for command in ["log", "history", "status", "next", "calendar", "config"] {
                XCTAssertTrue(r.stdout.contains(command), "\(shell) completion lacks \(command)")
            }
        }
        if FileManager.default.isExecutableFile(atPath: "/bin/bash") {
            // bash really loads the script and completes a subcommand from a prefix.
            let script = try checkin(["--generate-completion-script", "bash"]).stdout
            let file = dir.appendingPathComponent("checkin.bash")
            try script.write(to: file, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = ["-c", #"source "$1"; COMP_WORDS=(checkin cal); COMP_CWORD=1; COMP_LINE="checkin cal"; COMP_POINT=11; _checkin; printf '%s\n' "${COMPREPLY[@]}""#, "bash", file.path]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertTrue(o.split(separator: "\n").contains("calendar"), o)
        }
    }

    func testConfigReferenceFitsEightyColumns() throws {
        let r = try checkin(["config", "reference"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("TOP LEVEL\nThe file is one object.\n\n  version (number; default: 1)\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\n  catchUp (\"latest\" or \"none\"; default: \"latest\")\n"))
        for line in r.stdout.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }
        let man = try checkin(["config", "reference", "--man"])
        let committed = try String(contentsOf: Self.repoRoot.appendingPathComponent("man/checkin.json.5"), encoding: .utf8)
        XCTAssertEqual(man.stdout, committed)
    }

    func testLogRefusesOutOfRangeAndWritesNothing() throws {
        let r = try checkin(["log", "--mood", "9"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stderr, "checkin: --mood 9 is outside the scale; expected 1-5 (1 = Very low, 2 = Low, 3 = Okay, 4 = Good, 5 = Very good)\n")
        XCTAssertEqual(r.stdout, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: databasePath))

        let a = try checkin(["log", "--mood", "3", "--anxiety", "0"])
        XCTAssertEqual(a.status, 64)
        XCTAssertEqual(a.stderr, "checkin: --anxiety 0 is outside the scale; expected 1-5 (1 = None, 2 = Mild, 3 = Moderate, 4 = High, 5 = Very high)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: databasePath))
    }

    func testLogThenHistoryJSON() throws {
        let r = try checkin(["log", "--mood", "4", "--anxiety", "2", "--note", "a \"quoted\" walk", "--tag", "Work", "--tag", "outside"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("Recorded mood 4 (Good), anxiety 2 (Mild) at "), r.stdout)
        // The journal is private.
        var st = stat()
        XCTAssertEqual(stat(databasePath, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        XCTAssertEqual(stat(dir.appendingPathComponent("data/checkin").path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o700)

        let h = try checkin(["history", "--json"])
        XCTAssertEqual(h.status, 0, h.stderr)
        let doc = try JSONSerialization.jsonObject(with: Data(h.stdout.utf8)) as! [String: Any]
        let entries = doc["entries"] as! [[String: Any]]
        XCTAssertEqual(entries.count, 1)
        XCTAssertEqual(entries[0]["mood"] as? Int, 4)
        XCTAssertEqual(entries[0]["anxiety"] as? Int, 2)
        XCTAssertEqual(entries[0]["note"] as? String, "a \"quoted\" walk")
        XCTAssertEqual(entries[0]["tags"] as? [String], ["outside", "work"])
        XCTAssertEqual(entries[0]["source"] as? String, "cli")
        XCTAssertTrue((entries[0]["time"] as! String).hasSuffix("+00:00"))
        XCTAssertEqual((doc["prompts"] as! [Any]).count, 0)

        let text = try checkin(["history"])
        XCTAssertEqual(text.status, 0)
        let lines = text.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[0].hasPrefix("Entries since "))
        XCTAssertTrue(lines[1].hasSuffix("  mood 4  anxiety 2  cli           #outside #work"), String(lines[1]))
        XCTAssertEqual(lines[2], "      \"a \"quoted\" walk\"")
    }

    func testHistoryFitsEightyColumnsWithManyTagsAndALongNote() throws {
        let note = "A long note about the walk by the river with the dog,\nthe rain and everything else that happened"
        let r = try checkin(["log", "--mood", "4", "--note", note] + ["work", "coffee", "outside", "family", "friends"].flatMap { ["--tag", $0] })
        XCTAssertEqual(r.status, 0, r.stderr)
        let h = try checkin(["history"])
        let lines = h.stdout.split(separator: "\n").dropFirst()
        XCTAssertEqual(lines.count, 4, h.stdout)
        XCTAssertTrue(lines[1].hasSuffix("  mood 4  anxiety -  cli"), h.stdout)
        XCTAssertEqual(lines[2], "      #coffee #family #friends #outside #work")
        XCTAssertEqual(lines[3], "      \"A long note about the walk by the river with the dog, the rain and")
        XCTAssertEqual(lines[4], "       everything else that happened\"")
        for line in h.stdout.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }
    }

    func testACorruptJournalIsReportedAndLeftAlone() throws {
        let dataDir = dir.appendingPathComponent("data/checkin")
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        let garbage = Data("this is not a database, but it is somebody's data".utf8) + Data(repeating: 7, count: 4096)
        try garbage.write(to: URL(fileURLWithPath: databasePath))
        for args in [["history"], ["log", "--mood", "3"]] {
            let r = try checkin(args)
            XCTAssertEqual(r.status, 1, args.joined(separator: " "))
            XCTAssertTrue(r.stderr.hasPrefix("checkin: "), r.stderr)
            XCTAssertTrue(r.stderr.contains(databasePath), r.stderr)
            XCTAssertTrue(r.stderr.contains("left untouched"), r.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: databasePath)), garbage, "never recreated over the user's data")
        }
    }

    func testHistoryBadDate() throws {
        let r = try checkin(["history", "--since", "2026-13-40"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stderr, "checkin: --since \"2026-13-40\" is not a valid date: month 13 is out of range (01-12), day 40 is out of range (01-31)\n")
    }

    func testHistoryWithoutJournal() throws {
        let r = try checkin(["history"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "No entries yet (no journal at \(databasePath)).\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: databasePath), "a read must not create the journal")
    }

    func testConfigCheckDefault() throws {
        let r = try checkin(["config", "check", Self.repoRoot.appendingPathComponent("config/default.json").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
            \(Self.repoRoot.appendingPathComponent("config/default.json").path): OK, 2 reminders
              mood         mood   at 10:00, 14:00, 19:00 (mon..sun)
              break        break  every 50m between 09:00-18:00 (mon..fri), of active time
              quiet hours: 22:00-07:00+1

            """)
        let builtIn = try checkin(["config", "check"])
        XCTAssertEqual(builtIn.status, 0)
        XCTAssertTrue(builtIn.stdout.hasPrefix("(built-in default): OK, 2 reminders\n"))

        let path = dir.appendingPathComponent("breaks.json").path
        try #"""
            {"workingHours": {"mon..fri": "09:00-17:30"}, "dailyLimit": "8h",
             "reminders": [{"id": "rest", "type": "break", "every": "50m", "between": "08:00-18:00", "mode": "active"}]}
            """#.write(toFile: path, atomically: true, encoding: .utf8)
        let breaks = try checkin(["config", "check", path])
        XCTAssertEqual(breaks.stdout, """
            \(path): OK, 1 reminder
              rest         break  every 50m between 08:00-18:00 (mon..sun), of active time
              working hours (breaks): mon..fri 09:00-17:30
              daily limit: 8h of active time

            """)
    }

    func testConfigCheckListsEveryError() throws {
        let path = dir.appendingPathComponent("bad.json").path
        try """
            {
              "reminders": [
                { "id": "mood", "type": "mood", "at": ["10:00", "25:00"] },
                { "id": "break", "type": "break", "evry": "50m" }
              ]
            }
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try checkin(["config", "check", path])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, """
            checkin: \(path): 3 errors
            \(path):3:53: reminders[0].at[1]: "25:00" is not a time of day; expected "HH:MM" from 00:00 to 23:59
            \(path):4:5: reminders[1]: empty schedule; expected "at": ["10:00", ...] or "every": "50m" (with an optional "between": "09:00-18:00"), "calendar": "Mon..Fri 10:00" or "random": {"count": 5, "between": "09:00-21:00", "minGap": "60m"}
            \(path):4:47: reminders[1].evry: unknown key "evry"; did you mean "every"?

            """)
    }

    func testConfigCheckJSON() throws {
        let path = dir.appendingPathComponent("bad.json").path
        try #"{"reminders": [{"id": "break", "type": "break", "evry": "50m"}]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let bad = try checkin(["config", "check", "--json", path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "")
        let doc = try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(doc["valid"] as? Bool, false)
        XCTAssertEqual(doc["file"] as? String, path)
        let errors = doc["errors"] as! [[String: Any]]
        XCTAssertEqual(errors.map { $0["path"] as? String }, ["reminders[0]", "reminders[0].evry"])
        XCTAssertEqual(errors[1]["line"] as? Int, 1)
        XCTAssertEqual(errors[1]["column"] as? Int, 57)   // the value of the unknown key
        XCTAssertEqual(errors[1]["message"] as? String, #"unknown key "evry"; did you mean "every"?"#)

        let good = try checkin(["config", "check", "--json"])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertTrue(good.stdout.hasPrefix(#"{"file":"(built-in default)","valid":true,"errors":[],"reminders":[{"id":"mood","type":"mood","schedule":"at 10:00, 14:00, 19:00 (mon..sun)","enabled":true},"#), good.stdout)
    }

    func testColourOnlyOnATerminalAndNeverWithNoColor() throws {
        XCTAssertEqual(try checkin(["log", "--mood", "2", "--anxiety", "4"]).status, 0)
        let escape = "\u{1B}["
        let plain = try checkin(["stats"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(plain.stdout.contains(escape), "no colour into a pipe")
        let coloured = try checkinOnTerminal(["stats"], answers: [])
        XCTAssertEqual(coloured.status, 0, coloured.stdout)
        XCTAssertTrue(coloured.stdout.contains(escape), "colour on a terminal: \(coloured.stdout)")
        let flag = try checkinOnTerminal(["stats", "--no-color"], answers: [])
        XCTAssertFalse(flag.stdout.contains(escape), flag.stdout)
        let env = try checkinOnTerminal(["stats"], answers: [], env: ["NO_COLOR": "1"])
        XCTAssertFalse(env.stdout.contains(escape), env.stdout)
        // Without colour the text is the same as into a pipe (the terminal only turns LF into CRLF).
        XCTAssertEqual(env.stdout, plain.stdout)
    }

    func testNextListsUpcomingFiringsInOrder() throws {
        let path = dir.appendingPathComponent("c.json").path
        try """
            {"quietHours": ["12:00-13:00"], "reminders": [
              {"id": "mood", "type": "mood", "at": ["10:00", "12:30", "19:00"]},
              {"id": "break", "type": "break", "every": "50m", "between": "09:00-11:00", "days": "mon..fri"}
            ]}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        // Friday 2026-03-27; the next Sunday is the night Berlin moves to summer time.
        let r = try checkin(["next", "--config", path, "--from", "2026-03-27T09:00", "--count", "7"], env: ["TZ": "Europe/Berlin"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
            Upcoming reminders (Europe/Berlin, \(path)):
              Fri 2026-03-27 09:00  break      every 50m between 09:00-11:00 (mon..fri)
              Fri 2026-03-27 09:50  break      every 50m between 09:00-11:00 (mon..fri)
              Fri 2026-03-27 10:00  mood       at 10:00, 12:30, 19:00 (mon..sun)
              Fri 2026-03-27 10:40  break      every 50m between 09:00-11:00 (mon..fri)
              Fri 2026-03-27 19:00  mood       at 10:00, 12:30, 19:00 (mon..sun)
              Sat 2026-03-28 10:00  mood       at 10:00, 12:30, 19:00 (mon..sun)
              Sat 2026-03-28 19:00  mood       at 10:00, 12:30, 19:00 (mon..sun)

            """)
        let j = try checkin(["next", "--config", path, "--from", "2026-03-29", "--count", "2", "--json"], env: ["TZ": "Europe/Berlin"])
        XCTAssertEqual(j.status, 0, j.stderr)
        XCTAssertEqual(j.stdout, #"[{"reminder":"mood","kind":"mood","at":"2026-03-29T10:00:00+02:00","schedule":"at 10:00, 12:30, 19:00 (mon..sun)","window":null,"scheduled":"2026-03-29T10:00:00+02:00"},{"reminder":"mood","kind":"mood","at":"2026-03-29T19:00:00+02:00","schedule":"at 10:00, 12:30, 19:00 (mon..sun)","window":null,"scheduled":"2026-03-29T19:00:00+02:00"}]"# + "\n")
        let bad = try checkin(["next", "--from", "tomorrow"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertEqual(bad.stderr, "checkin: --from \"tomorrow\" is not a time; expected YYYY-MM-DD or YYYY-MM-DDTHH:MM\n")
    }

    func testCalendarPrintsWhatSystemdAnalyzePrints() throws {
        let analyze = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyze) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("systemd-analyze is missing in CI"); return }
            throw XCTSkip("systemd-analyze is not installed")
        }
        let expressions = ["Mon..Fri *-*-* 09..17:00/30", "*-*~1 18:00", "quarterly", "Sat,Sun 10:00 Asia/Kolkata", "*-*-* 02:30:00"]
        for tz in ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"] {
            // One second before Berlin's spring-forward night, so the DST handling shows.
            let ours = try checkin(["calendar"] + expressions + ["--base-time", "@1774744199", "--iterations", "4"], env: ["TZ": tz])
            XCTAssertEqual(ours.status, 0, ours.stderr)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: analyze)
            p.arguments = ["calendar"] + expressions + ["--base-time=@1774744199", "--iterations=4"]
            p.environment = ["TZ": tz, "PATH": "/usr/bin:/bin", "SYSTEMD_COLORS": "0"]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let theirs = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            // "From now" depends on when each ran; everything else must be identical.
            let strip = { (s: String) in s.split(separator: "\n").filter { !$0.contains("From now:") }.joined(separator: "\n") }
            XCTAssertEqual(strip(ours.stdout), strip(theirs), "TZ=\(tz)")
        }
    }

    func testCalendarJSONAndErrors() throws {
        let j = try checkin(["calendar", "Mon *-*-* 10:00", "--base-time", "2026-03-27T00:00:00+01:00", "--iterations", "2", "--json"],
                            env: ["TZ": "Europe/Berlin"])
        XCTAssertEqual(j.status, 0, j.stderr)
        XCTAssertEqual(j.stdout, #"[{"expression":"Mon *-*-* 10:00","normalized":"Mon *-*-* 10:00:00","next":["2026-03-30T10:00:00+02:00","2026-04-06T10:00:00+02:00"]}]"# + "\n")
        let bad = try checkin(["calendar", "Mon..Fri *-*-* 25:00"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "checkin: Mon..Fri *-*-* 25:00\n                        ^ column 16: hour 25 is out of range (0-23)\n")
        let base = try checkin(["calendar", "daily", "--base-time", "yesterday"])
        XCTAssertEqual(base.status, 64)
        XCTAssertTrue(base.stderr.hasPrefix("checkin: --base-time \"yesterday\" is not a time"), base.stderr)
    }

    func testStatusWhenDaemonIsNotRunning() throws {
        let r = try checkin(["status"])
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stdout.hasPrefix("checkind is not running. Start it with: systemctl --user start checkind\n  Next with the current config: "), r.stdout)
        let j = try checkin(["status", "--json"])
        XCTAssertEqual(j.status, 3)
        let doc = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(doc["running"] as? Bool, false)
        XCTAssertNotNil(doc["nextReminder"] as? String)
    }
}
