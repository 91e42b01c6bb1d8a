import Foundation
import XCTest
@testable import CheckinCore

/// The reference (and so checkin.json(5)) documents exactly the keys the validator accepts.
final class ConfigReferenceTests: XCTestCase {
    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    func testEverySectionListsExactlyTheValidatorsKeys() {
        XCTAssertEqual(ConfigReference.sections.count, ConfigReference.validatorKeys.count)
        for (section, keys) in zip(ConfigReference.sections, ConfigReference.validatorKeys) {
            XCTAssertEqual(Set(section.keys.map(\.name)), Set(keys), section.title)
            XCTAssertEqual(section.keys.count, keys.count, "\(section.title) lists a key twice")
        }
    }

    func testCommittedManualPageIsTheGeneratedOne() throws {
        let committed = try String(contentsOf: Self.repoRoot.appendingPathComponent("man/checkin.json.5"), encoding: .utf8)
        XCTAssertEqual(committed, ConfigReference.manPage(), "man/checkin.json.5 is stale: run make man-pages")
    }

    func testConfigGuideMentionsEveryKey() throws {
        let guide = try String(contentsOf: Self.repoRoot.appendingPathComponent("docs/CONFIG.md"), encoding: .utf8)
        for section in ConfigReference.sections {
            for key in section.keys {
                XCTAssertTrue(guide.contains("`\(key.name)`"), "docs/CONFIG.md does not describe \(key.name) (\(section.title))")
            }
        }
    }

    func testManualPageEscapesRoff() {
        XCTAssertEqual(ConfigReference.roff(".hidden"), "\\&.hidden")
        XCTAssertEqual(ConfigReference.roff("a\\b"), "a\\eb")
        XCTAssertEqual(ConfigReference.roff("plain"), "plain")
        // Every macro line of the page is one the generator wrote, none comes from key text.
        let page = ConfigReference.manPage()
        for line in page.split(separator: "\n") where line.hasPrefix(".") {
            let macro = line.split(separator: " ").first.map(String.init) ?? ""
            XCTAssertTrue([".\\\"", ".Dd", ".Dt", ".Os", ".Sh", ".Nm", ".Nd", ".Pa", ".Xr", ".Fl", ".Pq", ".Qq", ".Bl", ".It", ".El",
                           ".br", ".Pp", ".Bd", ".Ed"].contains(macro), "unexpected macro line: \(line)")
        }
    }
}
