import Foundation
import XCTest
@testable import CheckinCore

private let five = Scale(min: 1, max: 5)

private func sp(_ n: Int) -> String { String(repeating: " ", count: n) }
private func full(_ n: Int) -> String { String(repeating: "█", count: n) }

/// Stats over [since, until) (UTC) with one entry at noon on each day `values` gives a value for.
private func stats(since: String, until: String, scale: Scale = five,
                   _ values: (Int) -> (mood: Int?, anxiety: Int?)?) -> Stats {
    let first = CivilDate.parse(since)!, end = CivilDate.parse(until)!
    var entries: [StatsEntry] = []
    for d in 0..<(end.daysSinceEpoch - first.daysSinceEpoch) {
        guard let v = values(d) else { continue }
        entries.append(StatsEntry(time: Double((first.daysSinceEpoch + d) * 86400 + 43200), utcOffset: 0, mood: v.mood, anxiety: v.anxiety))
    }
    return Stats.compute(entries: entries, range: TimeRange(since: Date(timeIntervalSince1970: Double(first.daysSinceEpoch * 86400)),
                                                            until: Date(timeIntervalSince1970: Double(end.daysSinceEpoch * 86400))),
                         now: Date(timeIntervalSince1970: 2_000_000_000), zone: .utc, moodScale: scale, anxietyScale: scale)
}

private func stripANSI(_ s: String) -> String {
    var out = ""
    var inEscape = false
    for ch in s.unicodeScalars {
        if inEscape {
            if ch == "m" { inEscape = false }
        } else if ch == "\u{1B}" {
            inEscape = true
        } else {
            out.unicodeScalars.append(ch)
        }
    }
    return out
}

final class ChartTests: XCTestCase {
    func testBarsForShortPeriods() {
        // Sun 03-01: mood 2, 3, 5 (mean 3.33), anxiety 4, 1 (2.5); Mon: 5 and 2; Tue: nothing;
        // Wed: 4 and 3.
        let entries = [
            StatsEntry(time: 1_772_355_600, utcOffset: 0, mood: 2, anxiety: 4),   // 2026-03-01T09:00Z
            StatsEntry(time: 1_772_370_000, utcOffset: 0, mood: 3, anxiety: nil),
            StatsEntry(time: 1_772_398_800, utcOffset: 0, mood: 5, anxiety: 1),
            StatsEntry(time: 1_772_438_400, utcOffset: 0, mood: 5, anxiety: 2),   // 03-02T08:00Z
            StatsEntry(time: 1_772_663_400, utcOffset: 0, mood: 4, anxiety: 3),   // 03-04T22:30Z
        ]
        let s = Stats.compute(entries: entries, range: TimeRange(since: Date(timeIntervalSince1970: 1_772_323_200),
                                                                 until: Date(timeIntervalSince1970: 1_772_668_800)),
                              now: Date(timeIntervalSince1970: 1_773_000_000), zone: .utc, moodScale: five, anxietyScale: five)
        // 3.33 on 1-5 is 7/12 of 20 cells = 93 eighths: 11 full cells and ▋ (5/8); 2.5 is 60
        // eighths: 7 cells and ▌.
        XCTAssertEqual(Chart.render(s, color: false), [
            "Daily mean, 2026-03-01 to 2026-03-04 (\"-\": no entries)",
            sp(16) + "mood 1-5" + sp(22) + "anxiety 1-5",
            "Sun 2026-03-01  " + full(11) + "▋" + sp(8) + "   3.3" + "    " + full(7) + "▌" + sp(12) + "   2.5",
            "Mon 2026-03-02  " + full(20) + "   5.0" + "    " + full(5) + sp(15) + "   2.0",
            "Tue 2026-03-03  " + sp(20) + "     -" + "    " + sp(20) + "     -",
            "Wed 2026-03-04  " + full(15) + sp(5) + "   4.0" + "    " + full(10) + sp(10) + "   3.0",
        ])
    }

    func testBarCells() {
        XCTAssertEqual(Chart.bar(1, five), "▏" + sp(19), "the scale's minimum still shows")
        XCTAssertEqual(Chart.bar(5, five), full(20))
        XCTAssertEqual(Chart.bar(9, five), full(20), "above the scale: clamped")
        XCTAssertEqual(Chart.bar(nil, five), sp(20))
        XCTAssertEqual(Chart.bar(50, Scale(min: 0, max: 100)), full(10) + sp(10))
        XCTAssertEqual(Chart.bar(1.1, five), "▌" + sp(19), "0.1 of a span of 4 is 4 of 160 eighths")
    }

    func testSparkLevels() {
        XCTAssertEqual([1, 2, 3, 4, 5].map { Chart.sparkChar(Double($0), five) }, ["▁", "▃", "▅", "▆", "█"])
        XCTAssertEqual(Chart.sparkChar(nil, five), " ")
        XCTAssertEqual(Chart.sparkChar(0, five), "▁")
        XCTAssertEqual((0...7).map { Chart.sparkChar(Double($0), Scale(min: 0, max: 7)) }, Chart.sparkLevels)
    }

    func testSparklinePerDayWithGaps() {
        // 20 days; mood 1..5 again and again, anxiety the other way round; nothing on day 7.
        let s = stats(since: "2026-03-01", until: "2026-03-21") { d in d == 7 ? nil : (d % 5 + 1, 5 - d % 5) }
        XCTAssertEqual(Chart.render(s, color: false), [
            "Daily mean (one column per day; blank: no entries)",
            "mood 1-5     ▁▃▅▆█▁▃ ▆█▁▃▅▆█▁▃▅▆█",
            "anxiety 1-5  █▆▅▃▁█▆ ▃▁█▆▅▃▁█▆▅▃▁",
            "             2026-03-01 2026-03-20",
        ])
        let colored = Chart.render(s, color: true)
        XCTAssertEqual(colored[1], "mood 1-5     \u{1B}[36m▁▃▅▆█▁▃ ▆█▁▃▅▆█▁▃▅▆█\u{1B}[0m")
        XCTAssertEqual(colored[2], "anxiety 1-5  \u{1B}[35m█▆▅▃▁█▆ ▃▁█▆▅▃▁█▆▅▃▁\u{1B}[0m")
        XCTAssertEqual(colored.map(stripANSI), Chart.render(s, color: false), "colour only adds")
    }

    func testLongPeriodsAreBucketedToFit() {
        // 100 days from a Monday: 15 ISO weeks; mood by week 1..5 again and again, no anxiety.
        let weekly = stats(since: "2026-01-05", until: "2026-04-15") { d in (d / 7 % 5 + 1, nil) }
        XCTAssertEqual(Chart.render(weekly, color: false), [
            "Weekly mean (one column per ISO week; blank: no entries)",
            "mood 1-5     ▁▃▅▆█▁▃▅▆█▁▃▅▆█",
            "anxiety 1-5",
            "             2026-01-05 2026-04-14",
        ])
        // 67 days still fit one column per day (80 - 13 columns of labels).
        let fits = stats(since: "2026-01-01", until: "2026-03-09") { _ in (3, 3) }
        XCTAssertEqual(fits.days.count, 67)
        XCTAssertEqual(Chart.render(fits, color: false)[0], "Daily mean (one column per day; blank: no entries)")
        XCTAssertEqual(Chart.render(fits, color: false)[3], sp(13) + "2026-01-01" + sp(47) + "2026-03-08")
        let oneMore = stats(since: "2026-01-01", until: "2026-03-10") { _ in (3, 3) }
        XCTAssertEqual(Chart.render(oneMore, color: false)[0], "Weekly mean (one column per ISO week; blank: no entries)")
        // 600 days: 87 weeks are too many, 20 months fit.
        let monthly = stats(since: "2026-01-01", until: "2027-08-24") { d in (d < 31 ? 1 : 5, 3) }
        let m = Chart.render(monthly, color: false)
        XCTAssertEqual(m[0], "Monthly mean (one column per month; blank: no entries)")
        XCTAssertEqual(m[1], "mood 1-5     ▁███████████████████")
        XCTAssertEqual(m[2], "anxiety 1-5  ▅▅▅▅▅▅▅▅▅▅▅▅▅▅▅▅▅▅▅▅")
        // 70 months: two per column. The first pair: January at 1 (31 entries) and February at
        // 5 (28 entries) -> (31 + 140) / 59 = 2.9 -> ▄.
        let years = stats(since: "2026-01-01", until: "2031-11-01") { d in (d < 31 ? 1 : 5, nil) }
        let y = Chart.render(years, color: false)
        XCTAssertEqual(y[0], "Mean (one column per 2 months; blank: no entries)")
        XCTAssertEqual(y[1], "mood 1-5     ▄" + String(repeating: "█", count: 34))
        XCTAssertEqual(y[3], sp(13) + "2026-01-01" + sp(15) + "2031-10-31")
    }

    func testEveryLineFitsIn80Columns() {
        let wide = Scale(min: 0, max: 100)
        for (since, until) in [("2026-03-01", "2026-03-15"), ("2026-03-01", "2026-03-16"), ("2026-01-01", "2026-03-12"),
                               ("2020-01-01", "2026-01-01"), ("2000-01-01", "2026-01-01")] {
            for scale in [five, wide] {
                let s = stats(since: since, until: until, scale: scale) { d in d % 3 == 0 ? nil : (scale.max, scale.min) }
                for colour in [false, true] {
                    let lines = Chart.render(s, color: colour).map(stripANSI)
                    XCTAssertFalse(lines.isEmpty)
                    for line in lines { XCTAssertLessThanOrEqual(line.count, 80, "\(since) \(scale): \(line)") }
                }
                for line in StatsReport.text(s).split(separator: "\n") {
                    XCTAssertLessThanOrEqual(line.count, 80, "\(since) \(scale): \(line)")
                }
            }
        }
    }
}
