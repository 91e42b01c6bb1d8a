import Foundation
import XCTest
@testable import CheckinCore

final class ExportImportTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("checkin-export-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    private func store(_ name: String) throws -> Store {
        try Store(path: root.appendingPathComponent("\(name)/checkin.sqlite").path)
    }

    /// Four entries with what a CSV field can hold: a comma, quotes, LF and CRLF, non-ASCII text,
    /// several tags, odd offsets (+05:45, -03:30, and +00:53:28, Amsterdam's mean time).
    let entries = [
        Entry(id: 1, recordedAt: Date(timeIntervalSince1970: 1_772_352_930.75), utcOffset: 3600, mood: 4, anxiety: 2,
              tags: ["work"], source: "cli"),                                                    // 2026-03-01T08:15:30.75Z
        Entry(id: 2, recordedAt: Date(timeIntervalSince1970: 1_772_424_000), utcOffset: 20700, mood: nil, anxiety: 3,
              note: "a, \"quoted\"\nwalk\r\nok", tags: ["outside", "coffee"], source: "notification"),  // 03-02T04:00Z
        Entry(id: 3, recordedAt: Date(timeIntervalSince1970: 1_772_539_200), utcOffset: -12600, mood: 1, anxiety: nil,
              note: "ünïcode ✓ 😊", tags: ["café"], source: "import"),                            // 03-03T12:00Z
        Entry(id: 4, recordedAt: Date(timeIntervalSince1970: 86400), utcOffset: 3208, mood: 3, note: "", source: "cli"),
    ]

    let csv = "time,mood,anxiety,note,tags,source\r\n"
        + "2026-03-01T09:15:30+01:00,4,2,,work,cli\r\n"
        + "2026-03-02T09:45:00+05:45,,3,\"a, \"\"quoted\"\"\nwalk\r\nok\",\"coffee,outside\",notification\r\n"
        + "2026-03-03T08:30:00-03:30,1,,ünïcode ✓ 😊,café,import\r\n"
        + "1970-01-02T00:53:28+00:53:28,3,,,,cli\r\n"

    let jsonl = #"""
        {"time":"2026-03-01T09:15:30+01:00","mood":4,"anxiety":2,"note":null,"tags":["work"],"source":"cli"}
        {"time":"2026-03-02T09:45:00+05:45","mood":null,"anxiety":3,"note":"a, \"quoted\"\nwalk\r\nok","tags":["coffee","outside"],"source":"notification"}
        {"time":"2026-03-03T08:30:00-03:30","mood":1,"anxiety":null,"note":"ünïcode ✓ 😊","tags":["café"],"source":"import"}
        {"time":"1970-01-02T00:53:28+00:53:28","mood":3,"anxiety":null,"note":null,"tags":[],"source":"cli"}

        """#

    // MARK: Export

    func testCSVFieldQuoting() {
        XCTAssertEqual(Export.csvField("plain text"), "plain text")
        XCTAssertEqual(Export.csvField(""), "")
        XCTAssertEqual(Export.csvField("a,b"), "\"a,b\"")
        XCTAssertEqual(Export.csvField("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(Export.csvField("\""), "\"\"\"\"")
        XCTAssertEqual(Export.csvField("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(Export.csvField("cr\r"), "\"cr\r\"")
        XCTAssertEqual(Export.csvField("ünï ✓; tab\there"), "ünï ✓; tab\there", "semicolons, tabs and Unicode need no quotes")
    }

    func testCSVExport() {
        XCTAssertEqual(Export.csv(entries), csv)
        XCTAssertEqual(Export.csv([]), "time,mood,anxiety,note,tags,source\r\n")
    }

    func testJSONLExport() {
        XCTAssertEqual(Export.jsonl(entries), jsonl)
        XCTAssertEqual(Export.jsonl([]), "")
    }

    func testTimesAreCutToTheSecondInTheEntrysOwnOffset() {
        XCTAssertEqual(Export.time(entries[0]), "2026-03-01T09:15:30+01:00", ".75 is cut, not rounded")
        let before1970 = Entry(recordedAt: Date(timeIntervalSince1970: -0.5), utcOffset: -3600, mood: 3, source: "cli")
        XCTAssertEqual(Export.time(before1970), "1969-12-31T22:59:59-01:00")
    }

    // MARK: Import: reading both formats back

    func testParsesBothFormatsBack() throws {
        for (text, format) in [(csv, ExportFormat.csv), (jsonl, .jsonl)] {
            let parsed = try Import.parse(Array(text.utf8), file: "f", format: format)
            XCTAssertEqual(parsed.count, 4)
            for (p, e) in zip(parsed, entries) {
                XCTAssertEqual(p.recordedAt.timeIntervalSince1970, e.recordedAt.timeIntervalSince1970.rounded(.down))
                XCTAssertEqual(p.utcOffset, e.utcOffset)
                XCTAssertEqual(p.mood, e.mood)
                XCTAssertEqual(p.anxiety, e.anxiety)
                XCTAssertEqual(p.note, e.note == "" ? nil : e.note)
                XCTAssertEqual(p.tags, e.tags)
                XCTAssertEqual(p.source, e.source)
                XCTAssertNil(p.id)
                XCTAssertNil(p.promptID)
            }
        }
    }

    func testLenientWhereItIsSafe() throws {
        // LF line ends, a BOM, columns in another order and some left out, blank lines, "Z",
        // fractions of a second, upper-case tags, an empty source (import).
        let text = "\u{FEFF}source,tags,time,mood\n\n,Work,2026-03-01T10:00:00.5Z,3\ncli,,2026-03-01T11:00+01:00,\n\n"
        let parsed = try Import.parse(Array(text.utf8), file: "f.csv", format: .csv)
        XCTAssertEqual(parsed, [
            Entry(recordedAt: Date(timeIntervalSince1970: 1_772_359_200), utcOffset: 0, mood: 3, tags: ["work"], source: "import"),
            Entry(recordedAt: Date(timeIntervalSince1970: 1_772_359_200), utcOffset: 3600, mood: nil, source: "cli"),
        ])
        let lines = "{\"time\":\"2026-03-01T10:00:00Z\",\"tags\":null,\"source\":null,\"note\":\"\"}\r\n\n"
        XCTAssertEqual(try Import.parse(Array(lines.utf8), file: "f.jsonl", format: .jsonl),
                       [Entry(recordedAt: Date(timeIntervalSince1970: 1_772_359_200), utcOffset: 0, source: "import")])
    }

    func testFormatFromNameOrFirstCharacter() {
        XCTAssertEqual(Import.format(path: "a.CSV", contents: Array("{".utf8)), .csv)
        XCTAssertEqual(Import.format(path: "a.jsonl", contents: []), .jsonl)
        XCTAssertEqual(Import.format(path: "a.ndjson", contents: []), .jsonl)
        XCTAssertEqual(Import.format(path: "backup", contents: Array("\n  {\"time\"".utf8)), .jsonl)
        XCTAssertEqual(Import.format(path: "backup", contents: Array("time,mood".utf8)), .csv)
        XCTAssertEqual(Import.format(path: "backup", contents: []), .csv)
    }

    // MARK: Import: every problem, nothing imported

    private func problems(_ text: String, _ format: ExportFormat, file: String = "f") -> [String] {
        problems(Array(text.utf8), format, file: file)
    }

    private func problems(_ bytes: [UInt8], _ format: ExportFormat, file: String = "f") -> [String] {
        do {
            let parsed = try Import.parse(bytes, file: file, format: format)
            XCTFail("expected problems, parsed \(parsed.count) entries")
            return []
        } catch {
            return error.problems.map { "\($0.line): \($0)" }
        }
    }

    func testEveryCSVProblemIsNamed() {
        let t = "2026-03-01T10:00:00+01:00"
        let text = [
            "time,mood,anxiety,note,tags,source",
            "2026-13-01T10:00:00+01:00,3,2,,,cli",
            "2026-03-01T10:00:00,3,2,,,cli",
            "\(t),9x,2,,,cli",
            "\(t),3,101,,,cli",
            "\(t),3,2,,\"a,,b\",cli",
            "\(t),3,2,,,web",
            "\(t),3,2",
            "\(t),3,2,say \"hi\",,cli",
            "\(t),3,2,\"closed\"x,,cli",
            ",3,2,,,cli",
            "\(t),-1,,,,",
            "\(t),3,2,\"two",
            "lines\",,cli",
            "\(t),4.5,,,,",
            "\(t),3,2,,\(String(repeating: "x", count: 65)),cli",
            "\(t),3,2,\"never closed",
            "",
        ].joined(separator: "\r\n")
        let expected = "expected YYYY-MM-DDTHH:MM:SS+HH:MM (local time with its UTC offset)"
        let number = "expected a whole number from 0 to 100, or empty for no value"
        XCTAssertEqual(problems(text, .csv), [
            "2: column \"time\": \"2026-13-01T10:00:00+01:00\" is not a valid date: month 13 is out of range (01-12); \(expected)",
            "3: column \"time\": \"2026-03-01T10:00:00\" has no UTC offset; \(expected)",
            "4: column \"mood\": \"9x\" is not a whole number; \(number)",
            "5: column \"anxiety\": \"101\" is out of range; \(number)",
            "6: column \"tags\": \"a,,b\" holds \"\", which is not a tag; expected tags of 1-64 characters without commas",
            "7: column \"source\": \"web\" is not a source; expected notification, cli, import, or empty (import)",
            "8: has 3 fields; expected 6, as in the header (a field with a comma must be in quotes)",
            "9: column 4: has a quote in a field that does not start with one; expected the whole field in quotes with the quote doubled (\"\")",
            "10: column 4: has text after its closing quote; expected a comma or the end of the line (a quote inside a field is written \"\")",
            "11: column \"time\": \"\" is empty; \(expected)",
            "12: column \"mood\": \"-1\" is not a whole number; \(number)",
            "15: column \"mood\": \"4.5\" is not a whole number; \(number)",
            "16: column \"tags\": \"\(String(repeating: "x", count: 57))...\" holds \"\(String(repeating: "x", count: 65))\", which is not a tag; "
                + "expected tags of 1-64 characters without commas",
            "17: column 4: starts a quoted field that is not closed before the end of the file; expected a closing \" (a quote inside a field is written \"\")",
        ])
    }

    func testCSVHeaderAndEncodingProblems() {
        XCTAssertEqual(problems("time,mod,tags\r\n", .csv),
                       ["1: header: \"mod\" is not a column; expected the columns time,mood,anxiety,note,tags,source"])
        XCTAssertEqual(problems("time,mood,Mood\r\n", .csv), ["1: header: \"Mood\" appears twice; expected each column once"])
        XCTAssertEqual(problems("mood,anxiety\r\n3,2\r\n", .csv),
                       ["1: header: has no time column; expected the columns time,mood,anxiety,note,tags,source"])
        XCTAssertEqual(problems("", .csv), ["1: the file is empty; expected a header line time,mood,anxiety,note,tags,source"])
        XCTAssertEqual(problems("\r\n\r\n", .csv), ["1: the file is empty; expected a header line time,mood,anxiety,note,tags,source"])
        let latin1 = Array("time,note\r\n2026-03-01T10:00:00+01:00,caf".utf8) + [0xE9] + Array("\r\n".utf8)
        XCTAssertEqual(problems(latin1, .csv), ["2: column 2: is not valid UTF-8 text; expected UTF-8"])
    }

    func testEveryJSONLProblemIsNamed() {
        let t = "\"time\":\"2026-03-01T10:00:00+01:00\""
        let text = [
            "{\(t),\"mood\":4.5}",
            "{\(t),\"mood\":\"4\"}",
            "{\(t),\"mood\":101}",
            "{\(t),\"tags\":\"work\"}",
            "{\(t),\"tags\":[1]}",
            "{\"mood\":3}",
            "{\(t),\"mood\":3,\"feeling\":\"ok\"}",
            "[1,2]",
            "{\"time\": ",
            "",
            "{\(t),\"source\":\"web\"}",
            "{\(t),\"note\":5}",
            "{\"time\":\"yesterday\"}",
            "{\(t),\"tags\":[\"a,b\"]}",
        ].joined(separator: "\n")
        let number = "expected a whole number from 0 to 100, or null"
        let found = problems(text, .jsonl)
        XCTAssertEqual(found.count, 13)
        XCTAssertEqual(Array(found.prefix(8)), [
            "1: key \"mood\": 4.5 is not a whole number; \(number)",
            "2: key \"mood\": \"4\" is not a whole number; \(number)",
            "3: key \"mood\": 101 is out of range; \(number)",
            "4: key \"tags\": \"work\" is not an array; expected an array of strings, e.g. [\"work\"]",
            "5: key \"tags\": [1] holds a number; expected an array of strings",
            "6: key \"time\": is missing; expected YYYY-MM-DDTHH:MM:SS+HH:MM (local time with its UTC offset)",
            "7: key \"feeling\": is not a key of an entry; expected time, mood, anxiety, note, tags, source",
            "8: is an array, not an object; expected one JSON object per line with the keys time, mood, anxiety, note, tags, source",
        ])
        XCTAssertTrue(found[8].hasPrefix("9: is not valid JSON at column "), found[8])
        XCTAssertTrue(found[8].hasSuffix("; expected one JSON object per line"), found[8])
        XCTAssertEqual(Array(found.suffix(4)), [
            "11: key \"source\": \"web\" is not a source; expected notification, cli, import, or empty (import)",
            "12: key \"note\": 5 is not a string; expected text or null",
            "13: key \"time\": \"yesterday\" has no UTC offset; expected YYYY-MM-DDTHH:MM:SS+HH:MM (local time with its UTC offset)",
            "14: key \"tags\": [\"a,b\"] holds \"a,b\", which is not a tag; expected tags of 1-64 characters without commas",
        ])
    }

    func testErrorDescriptionNamesTheFileAndSaysNothingWasImported() {
        let text = "time,mood\r\n2026-03-01T10:00:00+01:00,3\r\n2026-03-01T11:00:00+01:00,x\r\n"
        do {
            _ = try Import.parse(Array(text.utf8), file: "/home/a/mood.csv", format: .csv)
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.description, """
                /home/a/mood.csv was not imported (1 problem; nothing was written):
                /home/a/mood.csv:3: column "mood": "x" is not a whole number; expected a whole number from 0 to 100, or empty for no value
                """)
        }
        // Many problems: the first 20 are listed; after 100 it stops looking.
        let many = "time,mood\r\n" + String(repeating: "2026-03-01T10:00:00+01:00,x\r\n", count: 150)
        do {
            _ = try Import.parse(Array(many.utf8), file: "m.csv", format: .csv)
        } catch {
            XCTAssertEqual(error.problems.count, 100)
            XCTAssertTrue(error.truncated)
            let lines = error.description.split(separator: "\n")
            XCTAssertEqual(lines.first, "m.csv was not imported (at least 100 problems; nothing was written):")
            XCTAssertEqual(lines.count, 22)
            XCTAssertEqual(lines.last, "... and more")
        }
    }

    // MARK: Store: idempotency, one transaction, round trip

    func testImportIsIdempotent() throws {
        let s = try store("idem")
        defer { s.close() }
        let parsed = try Import.parse(Array(csv.utf8), file: "f", format: .csv)
        XCTAssertEqual(try s.importEntries(parsed), ImportOutcome(imported: 4, skipped: 0))
        XCTAssertEqual(try s.importEntries(parsed), ImportOutcome(imported: 0, skipped: 4))
        XCTAssertEqual(try s.entries(in: TimeRange(since: nil, until: nil)).count, 4)
        // The same entries from the other format are the same entries.
        XCTAssertEqual(try s.importEntries(try Import.parse(Array(jsonl.utf8), file: "f", format: .jsonl)),
                       ImportOutcome(imported: 0, skipped: 4))
        // A different note, or another second, is another entry.
        var changed = parsed[0]
        changed.note = "later thoughts"
        var later = parsed[0]
        later.recordedAt = later.recordedAt.addingTimeInterval(1)
        XCTAssertEqual(try s.importEntries([changed, later, parsed[1]]), ImportOutcome(imported: 2, skipped: 1))
    }

    func testAnEntryWrittenWithFractionsOfASecondIsPresent() throws {
        let s = try store("fraction")
        defer { s.close() }
        try s.insertEntry(entries[0])     // recorded at .75 of a second, by the daemon or checkin log
        let exported = Export.csv(try s.entries(in: TimeRange(since: nil, until: nil)))
        XCTAssertEqual(try s.importEntries(try Import.parse(Array(exported.utf8), file: "f", format: .csv)),
                       ImportOutcome(imported: 0, skipped: 1))
    }

    func testIdenticalRowsInOneFileAreCountedNotMerged() throws {
        let s = try store("twice")
        defer { s.close() }
        let row = "2026-03-01T10:00:00+01:00,3,2,,,cli\r\n"
        let parsed = try Import.parse(Array(("time,mood,anxiety,note,tags,source\r\n" + row + row).utf8), file: "f", format: .csv)
        XCTAssertEqual(try s.importEntries(parsed), ImportOutcome(imported: 2, skipped: 0))
        XCTAssertEqual(try s.importEntries(parsed), ImportOutcome(imported: 0, skipped: 2))
        XCTAssertEqual(try s.importEntries(parsed + parsed), ImportOutcome(imported: 2, skipped: 2))
    }

    func testImportIsOneTransaction() throws {
        let s = try store("atomic")
        defer { s.close() }
        let good = Entry(recordedAt: Date(timeIntervalSince1970: 1_772_355_600), utcOffset: 0, mood: 3, tags: ["a"], source: "cli")
        let bad = Entry(recordedAt: Date(timeIntervalSince1970: 1_772_355_601), utcOffset: 0, mood: 101, source: "cli")
        XCTAssertThrowsError(try s.importEntries([good, good, bad])) { error in
            XCTAssertTrue("\(error)".contains("CHECK constraint failed"), "\(error)")
        }
        XCTAssertEqual(try s.entries(in: TimeRange(since: nil, until: nil)), [], "nothing of it was kept")
        XCTAssertEqual(try s.importEntries([good]), ImportOutcome(imported: 1, skipped: 0))
    }

    func testRoundTripIsByteIdentical() throws {
        let original = try store("original")
        defer { original.close() }
        for e in entries { try original.insertEntry(e) }
        let all = TimeRange(since: nil, until: nil)
        for format in ExportFormat.allCases {
            let first = Export.render(try original.entries(in: all), as: format)
            let copy = try store("copy-\(format)")
            defer { copy.close() }
            XCTAssertEqual(try copy.importEntries(try Import.parse(Array(first.utf8), file: "f", format: format)),
                           ImportOutcome(imported: 4, skipped: 0))
            let second = Export.render(try copy.entries(in: all), as: format)
            XCTAssertEqual(Array(second.utf8), Array(first.utf8), "\(format)")
            XCTAssertEqual(first.filter { $0 == "\n" || $0 == "\r\n" }.count, format == .csv ? 7 : 4, "with the note's line breaks")
        }
    }
}
