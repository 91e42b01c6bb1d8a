import CheckinCore
import CheckinTestSupport
import Foundation
import XCTest

/// checkin report on generated months of data: the file (0600, no overwrite, no network, notes only
/// when asked), then rendered by headless Chromium: the DOM has every chart and the screenshot has
/// coloured chart pixels. `CHECKIN_REPORT_EXAMPLE=path` keeps the screenshot (docs/report-example.png).
final class ReportTests: CLITestCase {
    static let config = """
        {"reminders": [{"id": "mood", "type": "mood", "at": ["10:00", "18:00"]}],
         "tracked": [{"name": "caffeine", "unit": "cup", "maxPerDay": 3, "maxDaysInARow": 5, "breakDaysPerWeek": 2}]}
        """

    /// 2026-01-05 (a Monday) to 2026-03-31 in Europe/Berlin: two check-ins most days with a slow,
    /// calm wave, weekly PHQ-2 and GAD-2, a WHO-5 every two weeks, caffeine with break days.
    func seed() throws {
        let d = dir.appendingPathComponent("config/checkin")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        try Self.config.write(to: d.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let zone = try Zone.named("Europe/Berlin")
        let store = try Store(path: databasePath)
        defer { store.close() }
        var rng = SystemRandomNumberGenerator.Seeded(42)
        let first = CivilDate(year: 2026, month: 1, day: 5)
        for day in 0..<86 {
            let date = first.adding(days: day)
            func at(_ h: Int, _ m: Int) -> Date { zone.date(CivilDateTime(date: date, hour: h, minute: m)) }
            let wave = sin(Double(day) / 9.0) * 0.9 + Double(day) / 86.0 * 0.8
            for (i, hour) in [10, 18].enumerated() {
                if rng.next() % 7 == 0 { continue }   // some check-ins missed
                let t = at(hour, Int(rng.next() % 20))
                let id = "p-\(day)-\(i)"
                try store.insertPrompt(PromptRecord(id: id, reminder: "mood", kind: "mood", scheduledAt: at(hour, 0), deliveredAt: at(hour, 0), state: .delivered))
                let mood = max(1, min(5, Int((3.0 + wave + Double(Int(rng.next() % 3)) - 1).rounded())))
                let anxiety = max(1, min(5, Int((2.6 - wave * 0.7 + Double(Int(rng.next() % 3)) - 1).rounded())))
                let note: String? = day % 11 == 3 && i == 0 ? "Slept badly <b>&</b> a long walk helped" : nil
                try store.recordAnswer(promptID: id, state: .answered, at: t, action: String(mood),
                                       entry: Entry(recordedAt: t, utcOffset: zone.offset(at: t), mood: mood, anxiety: anxiety,
                                                    note: note, source: "notification"))
            }
            if rng.next() % 6 == 0 {
                try store.insertPrompt(PromptRecord(id: "x-\(day)", reminder: "mood", kind: "mood", scheduledAt: at(14, 0),
                                                    deliveredAt: at(14, 0), state: .expired, outcomeAt: at(14, 30)))
            }
            let weekday = date.isoWeekday
            if weekday != 6 && weekday != 7 && !(day % 9 == 4) {
                let cups = 1 + Int(rng.next() % 3) + (day % 17 == 0 ? 2 : 0)
                for c in 0..<cups {
                    let t = at(8 + c * 3, 15)
                    try store.insertUse(UseRecord(item: "caffeine", amount: 1, usedAt: t, utcOffset: zone.offset(at: t), source: "cli"))
                }
            }
            if weekday == 7 {
                let t = at(19, 0)
                let level = max(0, min(3, Int((1.6 - wave).rounded())))
                for q in [Questionnaire.phq2, Questionnaire.gad2] {
                    let answers = [level, max(0, min(3, level + Int(rng.next() % 2) - (q.name == "gad2" ? 1 : 0)))]
                    try store.insertResponse(QuestionnaireResponse(q, answers: answers, startedAt: t, completedAt: t.addingTimeInterval(40),
                                                                   utcOffset: zone.offset(at: t), source: "notification")!)
                }
                if (day / 7) % 2 == 0 {
                    let base = max(0, min(5, Int((2.6 + wave).rounded())))
                    let answers = (0..<5).map { _ in max(0, min(5, base + Int(rng.next() % 3) - 1)) }
                    try store.insertResponse(QuestionnaireResponse(.who5, answers: answers, startedAt: t.addingTimeInterval(60),
                                                                   completedAt: t.addingTimeInterval(150), utcOffset: zone.offset(at: t),
                                                                   source: "notification")!)
                }
            }
        }
    }

    let period = ["--since", "2026-01-05", "--until", "2026-04-01"]
    let env = ["TZ": "Europe/Berlin"]

    func testReportFileIsPrivateSelfContainedAndNeverOverwritten() throws {
        try seed()
        let file = dir.appendingPathComponent("report.html").path
        let r = try checkin(["report", "--output", file] + period, env: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("Wrote \(file) ("), r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix(" questionnaire responses).\n"), r.stderr)
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let html = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("default-src 'none'"), "a policy that forbids every fetch")
        for forbidden in ["http://", "https://", "<script", "src=\"", "@import", "url("] {
            XCTAssertFalse(html.contains(forbidden), "the report must not load anything: \(forbidden)")
        }
        XCTAssertFalse(html.contains("Slept badly"), "notes only with --include-notes")
        XCTAssertFalse(html.contains("id=\"notes\""))
        for id in ["mood-chart", "anxiety-chart", "q-phq2", "q-gad2", "q-who5", "t-caffeine", "response-rate"] {
            XCTAssertTrue(html.contains("id=\"\(id)\""), id)
        }
        XCTAssertTrue(html.contains("Nothing here is a diagnosis."))
        XCTAssertTrue(html.contains("PHQ-2 (Patient Health Questionnaire-2). Developed by Drs. Robert L. Spitzer"))
        for word in ["you have", "diagnosed", "you are"] { XCTAssertFalse(html.lowercased().contains(word), word) }

        let again = try checkin(["report", "--output", file] + period, env: env)
        XCTAssertEqual(again.status, 73)
        XCTAssertEqual(again.stderr, "checkin: \(file) already exists; it was left untouched (use --force to replace it)\n")
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), html)

        let notes = try checkin(["report", "--output", file, "--include-notes", "--force"] + period, env: env)
        XCTAssertEqual(notes.status, 0, notes.stderr)
        XCTAssertTrue(notes.stderr.hasSuffix(", with notes).\n"), notes.stderr)
        let withNotes = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertTrue(withNotes.contains("Slept badly &lt;b&gt;&amp;&lt;/b&gt; a long walk helped"), "notes are escaped")
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue, 0o600)

        let bad = try checkin(["report", "--output", file, "--since", "soon"])
        XCTAssertEqual(bad.status, 64)
        let empty = try checkin(["report", "--output", dir.appendingPathComponent("empty.html").path, "--since", "2025-01-01", "--until", "2025-02-01"], env: env)
        XCTAssertEqual(empty.status, 0, empty.stderr)
    }

    func testChromiumRendersEveryChart() throws {
        try requireChromium()
        let chromium = try XCTUnwrap(executablePath("chromium"))
        try seed()
        let file = dir.appendingPathComponent("report.html")
        let r = try checkin(["report", "--output", file.path] + period, env: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                     "--user-data-dir=\(dir.appendingPathComponent("chromium").path)"]
        let chromiumEnv = ["HOME": dir.path, "PATH": "/usr/bin:/bin", "TZ": "Europe/Berlin"]

        // The DOM as Chromium built it: every chart with its points.
        let dom = try run(URL(fileURLWithPath: chromium), flags + ["--dump-dom", file.absoluteString], env: chromiumEnv)
        XCTAssertEqual(dom.status, 0, dom.stderr)
        XCTAssertEqual(dom.stdout.components(separatedBy: "<svg").count - 1, 2 + 3 + 1, "mood, anxiety, 3 questionnaires, caffeine")
        XCTAssertGreaterThan(dom.stdout.components(separatedBy: "class=\"point\"").count, 150)
        XCTAssertGreaterThanOrEqual(dom.stdout.components(separatedBy: "class=\"average\"").count - 1, 2)
        XCTAssertGreaterThan(dom.stdout.components(separatedBy: "class=\"break-day\"").count, 20)

        // The screenshot: coloured pixels (the charts' colours, not grey text) where the charts are.
        let png = dir.appendingPathComponent("report.png")
        let shot = try run(URL(fileURLWithPath: chromium),
                           flags + ["--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=800,3800",
                                    "--screenshot=\(png.path)", file.absoluteString], env: chromiumEnv)
        XCTAssertEqual(shot.status, 0, shot.stderr)
        let stats = try run(URL(fileURLWithPath: "/usr/bin/python3"),
                            [Self.repoRoot.appendingPathComponent("Tests/Fixtures/png_stats.py").path, png.path,
                             0, 0, 800, 200, 0, 200, 800, 1300, 0, 1300, 800, 3800].map { "\($0)" }, env: chromiumEnv)
        XCTAssertEqual(stats.status, 0, stats.stderr)
        let facts = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(facts["width"] as? Int, 800)
        let regions = facts["regions"] as! [[String: Int]]
        XCTAssertLessThan(regions[0]["coloured"]!, 200, "the header is text")
        XCTAssertGreaterThan(regions[1]["coloured"]!, 2000, "mood and anxiety charts")
        XCTAssertGreaterThan(regions[2]["coloured"]!, 1000, "questionnaire and caffeine charts")
        // Printed (A4 by the print CSS's margins): a PDF of a few pages.
        let pdf = dir.appendingPathComponent("report.pdf")
        let printed = try run(URL(fileURLWithPath: chromium), flags + ["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)", file.absoluteString],
                              env: chromiumEnv)
        XCTAssertEqual(printed.status, 0, printed.stderr)
        let bytes = try Data(contentsOf: pdf)
        XCTAssertEqual(Array(bytes.prefix(5)), Array("%PDF-".utf8))
        XCTAssertGreaterThan(bytes.count, 20_000)

        if let keep = ProcessInfo.processInfo.environment["CHECKIN_REPORT_EXAMPLE"] {
            // The top of the report: header, summary, the mood and anxiety charts, PHQ-2.
            let example = try run(URL(fileURLWithPath: chromium),
                                  flags + ["--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=800,1150",
                                           "--screenshot=\(keep)", file.absoluteString], env: chromiumEnv)
            XCTAssertEqual(example.status, 0, example.stderr)
        }
    }
}

/// Chromium in CI; outside CI a missing one skips the test.
func requireChromium() throws {
    do {
        try requireIntegration("chromium")
    } catch {
        if error.shouldSkip { throw XCTSkip(error.description) }
        throw error
    }
}

extension SystemRandomNumberGenerator {
    /// A small deterministic generator (SplitMix64) for test data.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        init(_ seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
