import CheckinDaemon
import SystemdKit
import Foundation
import XCTest

/// The documentation names what the code does.
final class DocsTests: XCTestCase {
    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
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
