import CheckinDaemon
import SystemdKit
import Foundation
import XCTest

/// The documentation names what the code does.
final class DocsTests: CLITestCase {
    /// checkind(8) is written by hand: it must name every option `checkind --help` lists.
    func testDaemonManualNamesEveryOption() throws {
        let help = try run(Self.binDirectory.appendingPathComponent("checkind"), ["--help"], env: baseEnvironment)
        XCTAssertEqual(help.status, 0)
        let options = Set(help.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," })
            .filter { $0.hasPrefix("--") }.map(String.init))
        XCTAssertEqual(options, ["--config", "--data-dir", "--version", "--help"])
        let page = try String(contentsOf: Self.repoRoot.appendingPathComponent("man/checkind.8"), encoding: .utf8)
        for option in options {
            XCTAssertTrue(page.contains("Fl -\(option.dropFirst(2))"), "man/checkind.8 does not document \(option)")
        }
    }

    func testJournalDocumentListsEveryEvent() throws {
        let doc = try String(contentsOf: Self.repoRoot.appendingPathComponent("docs/JOURNAL.md"), encoding: .utf8)
        let row = try XCTUnwrap(doc.split(separator: "\n").first { $0.hasPrefix("| `CHECKIN_EVENT` |") })
        for event in CheckinEvent.allCases {
            XCTAssertTrue(row.contains("`\(event.rawValue)`"), "docs/JOURNAL.md does not list CHECKIN_EVENT=\(event.rawValue)")
        }
    }

    func testDBusDocumentNamesEveryMember() throws {
        let doc = try String(contentsOf: Self.repoRoot.appendingPathComponent("docs/DBUS.md"), encoding: .utf8)
        let members = ControlInterface.methods.map(\.member) + ControlInterface.properties.map(\.member)
            + ControlInterface.signals.map(\.member)
        XCTAssertGreaterThanOrEqual(members.count, 17)
        for member in members {
            XCTAssertTrue(doc.contains("`\(member)"), "docs/DBUS.md does not describe \(member)")
        }
    }
}
