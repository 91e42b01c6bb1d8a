import CheckinTestSupport
import Dispatch
import Foundation
import Logging
import SystemdKit
import XCTest

final class DoNotDisturbTests: ActivityTestCase {
    var monitors: [DoNotDisturbMonitor] = []
    let changes = Locked<[DoNotDisturbEvent]>([])

    override func stopSources() {
        monitors.forEach { $0.stop() }
        monitors = []
    }

    /// Starts all four monitors, as the daemon will.
    @discardableResult
    func startAll() throws -> (kde: DoNotDisturbMonitor, dunst: DoNotDisturbMonitor, mako: DoNotDisturbMonitor, swaync: DoNotDisturbMonitor) {
        let all = (kde: DoNotDisturbMonitor.kde(logger: log.logger), dunst: DoNotDisturbMonitor.dunst(logger: log.logger),
                   mako: DoNotDisturbMonitor.mako(logger: log.logger), swaync: DoNotDisturbMonitor.swaync(logger: log.logger))
        for monitor in [all.kde, all.dunst, all.mako, all.swaync] {
            monitors.append(monitor)
            try queue.sync { () throws in
                try monitor.start(on: bus) { [changes] event in changes.withLock { $0.append(event) } }
            }
        }
        return all
    }

    func states(_ source: String) -> [Bool?] { changes.current.filter { $0.source == source }.map(\.isOn) }

    func waitFor(_ source: String, _ expected: [Bool?], file: StaticString = #filePath, line: UInt = #line) {
        waitUntil("\(source) \(expected); got \(changes.current)", file: file, line: line) { states(source) == expected }
    }

    func testKDEInhibitedAndTheOthersStayQuiet() throws {
        let kde = try peer("kde")
        let all = try startAll()
        waitFor("kde-dnd", [false])
        try kde.command(#"{"cmd":"dnd","on":true}"#)
        waitFor("kde-dnd", [false, true])
        try kde.command(#"{"cmd":"dnd","on":false}"#)
        waitFor("kde-dnd", [false, true, false])
        settle(0.3)
        XCTAssertEqual(Set(changes.current.map(\.source)), ["kde-dnd"], "dunst, mako and swaync report nothing")
        XCTAssertTrue(queue.sync { all.kde.isAvailable && all.kde.announcesChanges })
        XCTAssertEqual(queue.sync { all.kde.isOn }, false)
        XCTAssertFalse(queue.sync { all.dunst.isAvailable || all.mako.isAvailable || all.swaync.isAvailable })
        XCTAssertEqual(log.count(containing: "does not speak org.dunstproject.cmd0"), 1, log.dump)
        XCTAssertEqual(log.count(containing: "does not speak fr.emersion.Mako"), 1, log.dump)
        XCTAssertEqual(log.count(containing: "org.erikreider.swaync.cc is not on the session bus"), 1, log.dump)
    }

    func testDunstPausedGarbageAndFlapping() throws {
        let dunst = try peer("dunst")
        let all = try startAll()
        waitFor("dunst-dnd", [false])
        try dunst.command(#"{"cmd":"garbage"}"#)
        try dunst.command(#"{"cmd":"garbage"}"#)
        settle(0.3)
        XCTAssertEqual(states("dunst-dnd"), [false], "wrong types change nothing")
        XCTAssertEqual(log.count(containing: "Ignoring paused"), 1, log.dump)
        try dunst.command(#"{"cmd":"flap","count":1000,"final":true}"#)
        waitUntil("settled") { states("dunst-dnd").last == true }
        settle()
        XCTAssertLessThanOrEqual(states("dunst-dnd").count, 1 + 4, "coalesced: \(states("dunst-dnd"))")
        XCTAssertEqual(queue.sync { all.dunst.isOn }, true)
    }

    func testMakoModesInvalidatedAndReadAgain() throws {
        let mako = try peer("mako")
        let all = try startAll()
        waitFor("mako-dnd", [false])
        try mako.command(#"{"cmd":"dnd","on":true}"#)
        waitFor("mako-dnd", [false, true])
        XCTAssertTrue(queue.sync { all.mako.announcesChanges })
        try mako.command(#"{"cmd":"garbage"}"#)
        settle(0.3)
        XCTAssertEqual(states("mako-dnd"), [false, true])
        XCTAssertEqual(log.count(containing: "Ignoring Modes"), 1, log.dump)
    }

    func testOldMakoWithoutChangeSignalIsReadOnRefresh() throws {
        let mako = try peer("mako", ["--mako-legacy"])
        let all = try startAll()
        waitFor("mako-dnd", [false])
        XCTAssertFalse(queue.sync { all.mako.announcesChanges })
        XCTAssertEqual(log.count(containing: "no Modes property"), 1, log.dump)
        try mako.command(#"{"cmd":"dnd","on":true}"#)
        settle(0.3)
        XCTAssertEqual(states("mako-dnd"), [false], "this mako says nothing")
        queue.sync { all.mako.refresh() }   // what the daemon does before each delivery
        waitFor("mako-dnd", [false, true])
        XCTAssertEqual(log.count(containing: "no Modes property"), 1, "said once")
    }

    func testSwayncSubscribeV2AndGarbage() throws {
        let swaync = try peer("swaync")
        let all = try startAll()
        waitFor("swaync-dnd", [false])
        XCTAssertEqual(swaync.calls("GetDnd"), 1)
        try swaync.command(#"{"cmd":"dnd","on":true}"#)
        waitFor("swaync-dnd", [false, true])
        try swaync.command(#"{"cmd":"garbage"}"#)
        try swaync.command(#"{"cmd":"garbage"}"#)
        try swaync.command(#"{"cmd":"dnd","on":false}"#)
        waitFor("swaync-dnd", [false, true, false])
        XCTAssertEqual(log.count(containing: "Ignoring SubscribeV2"), 1, log.dump)
        XCTAssertTrue(queue.sync { all.swaync.isAvailable })
        // The other three find no org.freedesktop.Notifications at all.
        XCTAssertEqual(log.count(containing: "org.freedesktop.Notifications is not on the session bus"), 3, log.dump)
    }

    func testAbsenceIsReportedOnceWhateverTheRefreshes() throws {
        let all = try startAll()
        waitUntil("absence") { log.count(containing: "is not on the session bus") == 4 }
        for _ in 0..<50 { queue.sync { [all.kde, all.dunst, all.mako, all.swaync].forEach { $0.refresh() } } }
        settle(0.3)
        XCTAssertEqual(log.count(containing: "is not on the session bus"), 4, log.dump)
        XCTAssertEqual(changes.current, [])
    }

    func testVanishingServerIsUnknownThenReadAgain() throws {
        let dunst = try peer("dunst")
        try startAll()
        waitFor("dunst-dnd", [false])
        try dunst.command(#"{"cmd":"dnd","on":true}"#)
        waitFor("dunst-dnd", [false, true])
        try dunst.command(#"{"cmd":"vanish"}"#)
        waitFor("dunst-dnd", [false, true, nil])
        try dunst.command(#"{"cmd":"appear"}"#)
        waitFor("dunst-dnd", [false, true, nil, true])
        // Coming and going in a burst: rate-limited logs, no crash.
        for _ in 0..<20 {
            try dunst.command(#"{"cmd":"vanish"}"#)
            try dunst.command(#"{"cmd":"appear"}"#)
        }
        waitUntil("settled on paused") { states("dunst-dnd").last == true }
        settle()
        XCTAssertEqual(states("dunst-dnd").last, true)
        XCTAssertLessThanOrEqual(log.count(containing: "left the session bus"), 2, log.dump)
    }
}
