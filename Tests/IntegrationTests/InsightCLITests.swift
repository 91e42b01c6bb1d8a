import CheckinCore
import Foundation
import XCTest

/// checkin history filters, stats, export and import through the real binary: exact output and
/// exit codes, and nothing written when the input is refused.
final class InsightCLITests: CLITestCase {
    static let seedCSV = """
        time,mood,anxiety,note,tags,source\r
        2026-03-01T09:00:00+00:00,3,2,,work,cli\r
        2026-03-02T20:00:00+00:00,4,,"walk, then tea",outside,cli\r
        2026-03-03T09:00:00+00:00,2,4,,"coffee,work",cli\r
        2026-03-09T09:00:00+00:00,5,1,,,cli\r

        """

    func write(_ text: String, _ name: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The seed entries, plus a mood prompt answered on 03-04 (with an entry) and a skipped break.
    func seed() throws {
        let r = try checkin(["import", try write(Self.seedCSV, "seed.csv")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "Imported 4 entries, skipped 0 already present.\n")
        let store = try Store(path: databasePath, createIfMissing: false)
        defer { store.close() }
        let t = Date(timeIntervalSince1970: 1_772_618_400)   // 2026-03-04T10:00:00Z
        try store.insertPrompt(PromptRecord(id: "p-mood-1", reminder: "mood", kind: "mood", scheduledAt: t, deliveredAt: t, state: .delivered))
        try store.recordAnswer(promptID: "p-mood-1", state: .answered, at: t.addingTimeInterval(30), action: "4",
                               entry: Entry(recordedAt: t.addingTimeInterval(30), utcOffset: 0, mood: 4, anxiety: 2, tags: ["work"],
                                            source: "notification"))
        let b = t.addingTimeInterval(3600)
        try store.insertPrompt(PromptRecord(id: "p-break-1", reminder: "break", kind: "break", scheduledAt: b, deliveredAt: b,
                                            state: .skipped, outcomeAt: b.addingTimeInterval(60), action: "skip"))
    }

    let week = ["--since", "2026-03-01", "--until", "2026-03-08"]

    func testHistoryFilters() throws {
        try seed()
        let all = try checkin(["history"] + week)
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertEqual(all.stdout, """
            Entries from 2026-03-01 00:00 to 2026-03-08 00:00:
              2026-03-01 09:00  mood 3  anxiety 2  cli           #work
              2026-03-02 20:00  mood 4  anxiety -  cli           #outside
                  "walk, then tea"
              2026-03-03 09:00  mood 2  anxiety 4  cli           #coffee #work
              2026-03-04 10:00  mood 4  anxiety 2  notification  #work

            Prompts:
              2026-03-04 10:00  mood          answered (4)
              2026-03-04 11:00  break         skipped (skip)

            """)

        let mood = try checkin(["history", "--reminder", "mood"] + week)
        XCTAssertEqual(mood.status, 0, mood.stderr)
        XCTAssertEqual(mood.stdout, """
            Entries from 2026-03-01 00:00 to 2026-03-08 00:00 (reminder mood):
              2026-03-04 10:00  mood 4  anxiety 2  notification  #work

            Prompts:
              2026-03-04 10:00  mood          answered (4)

            """)

        let breaks = try checkin(["history", "--reminder", "break"] + week)
        XCTAssertEqual(breaks.stdout, """
            Prompts from 2026-03-01 00:00 to 2026-03-08 00:00 (reminder break):
              2026-03-04 11:00  break         skipped (skip)

            """)

        let tags = try checkin(["history", "--tag", "work", "--tag", " Coffee "] + week)
        XCTAssertEqual(tags.status, 0, tags.stderr)
        XCTAssertEqual(tags.stdout, """
            Entries from 2026-03-01 00:00 to 2026-03-08 00:00 (tags #coffee #work):
              2026-03-03 09:00  mood 2  anxiety 4  cli           #coffee #work

            """)

        let json = try checkin(["history", "--tag", "work", "--json"] + week)
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertEqual(json.stdout, #"{"entries":["#
            + #"{"id":1,"time":"2026-03-01T09:00:00+00:00","mood":3,"anxiety":2,"note":null,"tags":["work"],"source":"cli","prompt":null},"#
            + #"{"id":3,"time":"2026-03-03T09:00:00+00:00","mood":2,"anxiety":4,"note":null,"tags":["coffee","work"],"source":"cli","prompt":null},"#
            + #"{"id":5,"time":"2026-03-04T10:00:30+00:00","mood":4,"anxiety":2,"note":null,"tags":["work"],"source":"notification","prompt":"p-mood-1"}],"#
            + #""prompts":[{"id":"p-mood-1","reminder":"mood","kind":"mood","scheduled":"2026-03-04T10:00:00+00:00","#
            + #""delivered":"2026-03-04T10:00:00+00:00","state":"answered","outcome":"2026-03-04T10:00:30+00:00","action":"4","snoozes":0}],"#
            + #""since":"2026-03-01T00:00:00+00:00","until":"2026-03-08T00:00:00+00:00","responses":[],"uses":[]}"# + "\n")

        let none = try checkin(["history", "--since", "2026-02-01", "--until", "2026-02-10"])
        XCTAssertEqual(none.stdout, "Nothing recorded from 2026-02-01 00:00 to 2026-02-10 00:00.\n")
        let noneTagged = try checkin(["history", "--tag", "nothing"] + week)
        XCTAssertEqual(noneTagged.stdout, "Nothing recorded from 2026-03-01 00:00 to 2026-03-08 00:00 (tag #nothing).\n")

        // Local time in the reader's zone; the file's times keep their own offset in exports.
        let berlin = try checkin(["history", "--since", "2026-03-09", "--until", "2026-03-10"], env: ["TZ": "Europe/Berlin"])
        XCTAssertEqual(berlin.stdout, """
            Entries from 2026-03-09 00:00 to 2026-03-10 00:00:
              2026-03-09 10:00  mood 5  anxiety 1  cli

            """)
    }

    func testHistoryWithoutJournalJSON() throws {
        let r = try checkin(["history", "--json", "--since", "2026-03-01"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, #"{"entries":[],"prompts":[],"since":"2026-03-01T00:00:00+00:00","until":null,"responses":[],"uses":[]}"# + "\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: databasePath))
    }

    func testStatsText() throws {
        try seed()
        let r = try checkin(["stats", "--no-color"] + week)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(r.stdout, Self.statsText)
        // Never colour into a pipe, even without --no-color.
        XCTAssertEqual(try checkin(["stats"] + week).stdout, Self.statsText)
        for line in r.stdout.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }
    }

    static let statsText = """
        Mood and anxiety, 2026-03-01 to 2026-03-07: 4 entries on 4 of 7 days
        Scales: mood 1-5, anxiety 1-5 (values as recorded)

        Daily mean, 2026-03-01 to 2026-03-07 ("-": no entries)
                        mood 1-5                      anxiety 1-5
        Sun 2026-03-01  ██████████             3.0    █████                  2.0
        Mon 2026-03-02  ███████████████        4.0                             -
        Tue 2026-03-03  █████                  2.0    ███████████████        4.0
        Wed 2026-03-04  ███████████████        4.0    █████                  2.0
        Thu 2026-03-05                           -                             -
        Fri 2026-03-06                           -                             -
        Sat 2026-03-07                           -                             -

        Overall         mean  median  entries  trend per week
          mood           3.3     3.5        4  rising, +0.70
          anxiety        2.7     2.0        3  rising, +1.00
        (trend: least-squares slope of the daily means; a description of the period)

        By day          mood  median  7-day  anxiety  median  7-day  entries
          2026-03-01     3.0     3.0    3.0      2.0     2.0    2.0        1
          2026-03-02     4.0     4.0    3.5        -       -    2.0        1
          2026-03-03     2.0     2.0    3.0      4.0     4.0    3.0        1
          2026-03-04     4.0     4.0    3.3      2.0     2.0    2.7        1
          2026-03-05       -       -    3.3        -       -    2.7        0
          2026-03-06       -       -    3.3        -       -    2.7        0
          2026-03-07       -       -    3.3        -       -    2.7        0
        (mood, anxiety: mean; 7-day: moving average of the daily means)

        By weekday      mood  anxiety  entries
          Mon            4.0        -        1
          Tue            2.0      4.0        1
          Wed            4.0      2.0        1
          Thu              -        -        0
          Fri              -        -        0
          Sat              -        -        0
          Sun            3.0      2.0        1

        By hour         mood  anxiety  entries
          09:00-09:59    2.5      3.0        2
          10:00-10:59    4.0      2.0        1
          20:00-20:59    4.0        -        1
        (local time where each entry was recorded)

        Reminders      delivered  answered  skipped  dismissed  expired  missed   rate
          break                1         0        1          0        0       0     0%
          mood                 1         1        0          0        0       0   100%
        (rate: answered ÷ delivered; prompts scheduled in the period)

        Streaks (consecutive days with at least one entry)
          current       0 days
          longest       4 days, 2026-03-01 to 2026-03-04

        Tags: none with at least 3 days with it and 3 days without to compare.

        Breaks          taken  natural  snoozed  skipped
          2026-03-04        0        0        0        1
        (natural: away for the break's duration)

        """

    func testStatsTagTableShowsLongTagsWithinEightyColumns() throws {
        let long = "a-tag-of-thirty-five-characters-xyz"
        var csv = "time,mood,anxiety,note,tags,source\n"
        for day in 10...19 {
            csv += "2026-03-\(day)T09:00:00+00:00,\(1 + day % 5),2,,\(day % 2 == 0 ? long : "short"),cli\n"
        }
        XCTAssertEqual(try checkin(["import", try write(csv, "tags.csv")]).status, 0)
        let r = try checkin(["stats", "--since", "2026-03-10", "--until", "2026-03-20"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        for line in lines { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }
        XCTAssertTrue(lines.contains { $0.hasPrefix("  #\(long)  ") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("  tag      ") && $0.hasSuffix("days with  without    mood  anxiety") }, r.stdout)
    }

    func testStatsJSON() throws {
        try seed()
        let r = try checkin(["stats", "--json", "--since", "2026-03-01", "--until", "2026-03-03"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let day1 = #"{"date":"2026-03-01","entries":1,"mood":{"count":1,"mean":3,"median":3},"anxiety":{"count":1,"mean":2,"median":2},"mood7":3,"anxiety7":2}"#
        let day2 = #"{"date":"2026-03-02","entries":1,"mood":{"count":1,"mean":4,"median":4},"anxiety":{"count":0,"mean":null,"median":null},"mood7":3.5,"anxiety7":2}"#
        let empty = #""mood":{"count":0,"mean":null,"median":null},"anxiety":{"count":0,"mean":null,"median":null}"#
        func weekday(_ name: String) -> String { #"{"weekday":""# + name + #"","entries":0,"# + empty + "}" }
        var hours: [String] = []
        for h in 0..<24 {
            switch h {
            case 9: hours.append(#"{"hour":9,"entries":1,"mood":{"count":1,"mean":3,"median":3},"anxiety":{"count":1,"mean":2,"median":2}}"#)
            case 20: hours.append(#"{"hour":20,"entries":1,"mood":{"count":1,"mean":4,"median":4},"anxiety":{"count":0,"mean":null,"median":null}}"#)
            default: hours.append(#"{"hour":\#(h),"entries":0,"# + empty + "}")
            }
        }
        XCTAssertEqual(r.stdout, "{"
            + #""since":"2026-03-01T00:00:00+00:00","until":"2026-03-03T00:00:00+00:00","#
            + #""firstDay":"2026-03-01","lastDay":"2026-03-02","#
            + #""scales":{"mood":{"min":1,"max":5},"anxiety":{"min":1,"max":5}},"#
            + #""entries":2,"days":2,"daysWithEntries":2,"#
            + #""mood":{"count":2,"mean":3.5,"median":3.5},"anxiety":{"count":1,"mean":2,"median":2},"#
            + #""trend":{"mood":{"perWeek":7,"direction":"rising","days":2},"anxiety":null},"#
            + #""perDay":["# + day1 + "," + day2 + "],"
            + #""perWeek":[{"week":"2026-W09","start":"2026-02-23","entries":1,"mood":{"count":1,"mean":3,"median":3},"anxiety":{"count":1,"mean":2,"median":2}},"#
            + #"{"week":"2026-W10","start":"2026-03-02","entries":1,"mood":{"count":1,"mean":4,"median":4},"anxiety":{"count":0,"mean":null,"median":null}}],"#
            + #""perMonth":[{"month":"2026-03","entries":2,"mood":{"count":2,"mean":3.5,"median":3.5},"anxiety":{"count":1,"mean":2,"median":2}}],"#
            + #""byWeekday":[{"weekday":"Mon","entries":1,"mood":{"count":1,"mean":4,"median":4},"anxiety":{"count":0,"mean":null,"median":null}},"#
            + ["Tue", "Wed", "Thu", "Fri", "Sat"].map(weekday).joined(separator: ",")
            + #",{"weekday":"Sun","entries":1,"mood":{"count":1,"mean":3,"median":3},"anxiety":{"count":1,"mean":2,"median":2}}],"#
            + #""byHour":["# + hours.joined(separator: ",") + "],"
            + #""reminders":[],"#
            + #""streaks":{"current":2,"longest":2,"longestStart":"2026-03-01","longestEnd":"2026-03-02"},"#
            + #""tags":[],"tagsLeftOut":2,"breaksPerDay":[],"questionnaires":[],"tracked":[]}"# + "\n")
        // It is JSON.
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)))
    }

    func testExportImportRoundTripThroughTheBinary() throws {
        try seed()
        let out = dir.appendingPathComponent("journal.csv").path
        let e = try checkin(["export", "--output", out])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(e.stdout, "")
        XCTAssertEqual(e.stderr, "Exported 5 entries to \(out).\n")
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), """
            time,mood,anxiety,note,tags,source\r
            2026-03-01T09:00:00+00:00,3,2,,work,cli\r
            2026-03-02T20:00:00+00:00,4,,"walk, then tea",outside,cli\r
            2026-03-03T09:00:00+00:00,2,4,,"coffee,work",cli\r
            2026-03-04T10:00:30+00:00,4,2,,work,notification\r
            2026-03-09T09:00:00+00:00,5,1,,,cli\r

            """)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int, 0o600)

        // Never over an existing file without --force.
        let again = try checkin(["export", "--output", out, "--since", "2026-03-09"])
        XCTAssertEqual(again.status, 73)
        XCTAssertEqual(again.stderr, "checkin: \(out) already exists; it was left untouched (use --force to replace it)\n")
        XCTAssertTrue(try String(contentsOfFile: out, encoding: .utf8).contains("2026-03-01"))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: out)
        let forced = try checkin(["export", "--output", out, "--since", "2026-03-09", "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8),
                       "time,mood,anxiety,note,tags,source\r\n2026-03-09T09:00:00+00:00,5,1,,,cli\r\n")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int, 0o600)

        // export -> import into an empty journal -> export: the same bytes, in both formats.
        for (format, name) in [("csv", "all.csv"), ("jsonl", "all.jsonl")] {
            let first = try checkin(["export", "--format", format])
            XCTAssertEqual(first.status, 0, first.stderr)
            let file = try write(first.stdout, name)
            let other = ["XDG_DATA_HOME": dir.appendingPathComponent("other-\(format)").path]
            let imported = try checkin(["import", file], env: other)
            XCTAssertEqual(imported.stdout, "Imported 5 entries, skipped 0 already present.\n", imported.stderr)
            let twice = try checkin(["import", file], env: other)
            XCTAssertEqual(twice.stdout, "Imported 0 entries, skipped 5 already present.\n", twice.stderr)
            let second = try checkin(["export", "--format", format], env: other)
            XCTAssertEqual(second.stdout, first.stdout, format)
            // The original journal already has every entry.
            XCTAssertEqual(try checkin(["import", file]).stdout, "Imported 0 entries, skipped 5 already present.\n")
        }
        let jsonl = try checkin(["export", "--format", "jsonl", "--since", "2026-03-02", "--until", "2026-03-03"])
        XCTAssertEqual(jsonl.stdout,
                       #"{"time":"2026-03-02T20:00:00+00:00","mood":4,"anxiety":null,"note":"walk, then tea","tags":["outside"],"source":"cli"}"# + "\n")
        // The format follows the --output name.
        let named = dir.appendingPathComponent("named.jsonl").path
        XCTAssertEqual(try checkin(["export", "--output", named, "--since", "2026-03-02", "--until", "2026-03-03"]).status, 0)
        XCTAssertEqual(try String(contentsOfFile: named, encoding: .utf8), jsonl.stdout)
    }

    func testBadInputIsRefusedAndNothingIsWritten() throws {
        let forms = "expected YYYY-MM-DD (local midnight), YYYY-MM-DDTHH:MM[:SS] or \"YYYY-MM-DD HH:MM[:SS]\" (local time), "
            + "today, yesterday, now, or a duration before now such as 7d, 12h, 30m, 2w, 1h30m"
        let out = dir.appendingPathComponent("never.csv").path
        let cases: [([String], String)] = [
            (["history", "--since", "90x"], "--since \"90x\" is not a date or a duration; \(forms)"),
            (["stats", "--since", "2026-13-40"],
             "--since \"2026-13-40\" is not a valid date: month 13 is out of range (01-12), day 40 is out of range (01-31)"),
            (["stats", "--until", "2026-02-30"], "--until \"2026-02-30\" is not a valid date: day 30 is out of range (2026-02 has 28 days)"),
            (["export", "--since", "2026-03-10", "--until", "2026-03-01", "--output", out],
             "--since \"2026-03-10\" (2026-03-10 00:00:00) is after --until \"2026-03-01\" (2026-03-01 00:00:00); "
                 + "nothing can be recorded in that period"),
            (["export", "--format", "xml", "--output", out], "--format \"xml\" is not a format; expected csv or jsonl"),
            (["history", "--tag", "a,b"], "--tag \"a,b\" is not a tag; expected 1-64 characters without commas"),
            (["stats", "--by", "year"], "--by \"year\" is not a unit; expected day, week or month"),
        ]
        for (args, message) in cases {
            let r = try checkin(args)
            XCTAssertEqual(r.status, 64, args.joined(separator: " "))
            XCTAssertEqual(r.stderr, "checkin: \(message)\n")
            XCTAssertEqual(r.stdout, "")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))

        let broken = try write("""
            time,mood,anxiety,note,tags,source
            2026-03-01T09:00:00+00:00,3,2,,work,cli
            2026-03-01T10:00:00+00:00,7x,2,,,cli
            2026-03-01T11:00:00+00:00,3,2,,,cli
            2026-03-01T12:00:00+00:00,3,2,,,friend

            """, "broken.csv")
        let r = try checkin(["import", broken])
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, """
            checkin: \(broken) was not imported (2 problems; nothing was written):
            \(broken):3: column "mood": "7x" is not a whole number; expected a whole number from 0 to 100, or empty for no value
            \(broken):5: column "source": "friend" is not a source; expected notification, cli, import, or empty (import)

            """)
        XCTAssertFalse(FileManager.default.fileExists(atPath: databasePath), "a refused import does not even create the journal")

        // With a journal: still nothing of the file is added.
        try seed()
        XCTAssertEqual(try checkin(["import", broken]).status, 65)
        XCTAssertEqual(try checkin(["export", "--format", "jsonl"]).stdout.split(separator: "\n").count, 5)

        let missing = dir.appendingPathComponent("missing.csv").path
        let m = try checkin(["import", missing])
        XCTAssertEqual(m.status, 66)
        XCTAssertEqual(m.stderr, "checkin: cannot read \(missing): No such file or directory\n")
        // --format overrides the name.
        let named = try write("{\"time\":\"2026-03-20T10:00:00+01:00\",\"mood\":3}\n", "entries.csv")
        let j = try checkin(["import", "--format", "jsonl", named])
        XCTAssertEqual(j.stdout, "Imported 1 entry, skipped 0 already present.\n", j.stderr)
    }
}
