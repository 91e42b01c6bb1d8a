import Foundation
import XCTest
@testable import CheckinCore

/// The report's HTML without a browser: escaping, an empty period, charts only with data.
final class ReportHTMLTests: XCTestCase {
    func testEscapesEverythingItWrites() {
        XCTAssertEqual(Report.escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }

    func testEmptyPeriodHasNoChartsAndLoadsNothing() {
        let now = Date(timeIntervalSince1970: 1_772_000_000)
        let range = TimeRange(since: now.addingTimeInterval(-7 * 86400), until: now)
        let stats = Stats.compute(entries: [], range: range, now: now, zone: .utc, moodScale: Scale(min: 1, max: 5),
                                  anxietyScale: Scale(min: 1, max: 5))
        let html = Report.html(ReportInput(stats: stats, entries: [], responses: [], questionnaires: [], tracked: [],
                                           includeNotes: true, generatedAt: now, zone: .utc))
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n"))
        XCTAssertFalse(html.contains("<svg"))
        XCTAssertTrue(html.contains("0 entries on 0 of 8 days."), html)
        XCTAssertTrue(html.contains("<p>No notes in this period.</p>"))
        XCTAssertFalse(html.contains("http://") || html.contains("https://"))
    }

    func testChartsFollowTheData() {
        let zone = Zone.utc
        let now = Date(timeIntervalSince1970: 1_772_352_000 + 20 * 86400)
        let entries = (0..<20).map { d in
            Entry(id: Int64(d), recordedAt: Date(timeIntervalSince1970: 1_772_352_000 + Double(d) * 86400), utcOffset: 0,
                  mood: 1 + d % 5, anxiety: 2, note: d == 3 ? "a <note>" : nil, source: "cli")
        }
        let range = TimeRange(since: Date(timeIntervalSince1970: 1_772_352_000), until: nil)
        let stats = Stats.compute(entries: entries.map(StatsEntry.init), range: range, now: now, zone: zone,
                                  moodScale: Scale(min: 1, max: 5, labels: ["Very low", "Low", "Okay", "Good", "Very good"]),
                                  anxietyScale: Scale(min: 1, max: 5))
        let responses = [QuestionnaireResponse(.who5, answers: [1, 2, 3, 4, 5], startedAt: now.addingTimeInterval(-86400 - 60), completedAt: now.addingTimeInterval(-86400),
                                               utcOffset: 0, source: "cli")!]
        let html = Report.html(ReportInput(stats: stats, entries: entries, responses: responses,
                                           questionnaires: QuestionnaireSummary.compute(responses, questionnaires: Questionnaire.shipped),
                                           tracked: [], includeNotes: false, generatedAt: now, zone: zone))
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 3)
        XCTAssertEqual(html.components(separatedBy: "<circle class=\"point\"").count - 1, 20 + 20 + 1)
        XCTAssertTrue(html.contains("15 (60%)"))
        XCTAssertTrue(html.contains(">Very good</text>"))
        XCTAssertFalse(html.contains("a &lt;note&gt;"), "no notes without includeNotes")
    }
}
