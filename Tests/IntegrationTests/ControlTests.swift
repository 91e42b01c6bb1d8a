import CheckinCore
import CheckinDaemon
import CheckinTestSupport
import Dispatch
import Foundation
import SystemdKit
import XCTest

/// What the control object sends out, as a client sees it.
enum ControlSignal: Equatable {
    /// PropertiesChanged: the changed values and the invalidated names.
    case changed([String: BusVariant], invalidated: [String])
    case delivered(reminder: String, prompt: String, kind: String)
    case recorded(entry: Int64, reminder: String, source: String)
}

/// A second connection that records every signal of /io/checkin/Checkin1, in order.
final class SignalRecorder {
    let bus: Bus
    let queue = DispatchQueue(label: "signal-recorder")
    private var slot: BusSlot?
    let received = Locked<[ControlSignal]>([])

    init(address: String) throws {
        bus = try Bus(address: address)
        let received = self.received
        slot = try bus.matchSignal(sender: nil, path: ControlInterface.objectPath, interface: nil, member: nil) { m in
            do throws(SystemdError) {
                switch m.member {
                case "PropertiesChanged":
                    let interface = try m.readString()
                    guard interface == ControlInterface.interface else { return }
                    let changed = try m.readVariantDictionary()
                    let invalidated = try m.readStringArray()
                    received.withLock { $0.append(.changed(changed, invalidated: invalidated)) }
                case "PromptDelivered":
                    let r = try m.readString(), p = try m.readString(), k = try m.readString()
                    received.withLock { $0.append(.delivered(reminder: r, prompt: p, kind: k)) }
                case "EntryRecorded":
                    let e = try m.readInt64(), r = try m.readString(), s = try m.readString()
                    received.withLock { $0.append(.recorded(entry: e, reminder: r, source: s)) }
                default:
                    break
                }
            } catch {
                XCTFail("unreadable signal \(m.member ?? ""): \(error)")
            }
        }
        try bus.attach(to: queue)
    }

    var all: [ControlSignal] { received.current }

    func stop() {
        queue.sync {
            slot?.cancel()
            slot = nil
            bus.close()
        }
    }
}

/// The control interface of a real daemon (in-process, on a private dbus-daemon, with the scripted
/// notification server and a manual clock), called over the bus: every method, property, signal
/// and error.
final class ControlTests: XCTestCase {
    static let config = DaemonTests.config
    /// Monday 2026-03-02, 09:59 UTC.
    let monday0959 = Date.utc("2026-03-02T09:59:00Z")
    var h: DaemonHarness!
    var client: Bus!
    var signals: SignalRecorder?

    override func tearDown() {
        signals?.stop()
        signals = nil
        client?.close()
        client = nil
        h?.stop()
        h = nil
    }

    func start(_ config: String = ControlTests.config, at date: Date? = nil, serverCapabilities: String? = "actions,body,inline-reply",
               adjust: ((inout DaemonOptions) -> Void)? = nil) throws {
        signals?.stop()
        client?.close()
        h?.stop()
        h = try DaemonHarness(config: config, start: date ?? monday0959, serverCapabilities: serverCapabilities, adjust: adjust)
        client = try Bus(address: h.bus.address)
        signals = try SignalRecorder(address: h.bus.address)
    }

    // MARK: Helpers

    @discardableResult
    func call(_ member: String, interface: String = ControlInterface.interface,
              _ build: (BusMessage) throws(SystemdError) -> Void = { _ in }) throws -> BusMessage {
        try client.call(destination: ControlInterface.busName, path: ControlInterface.objectPath, interface: interface,
                        member: member, build: build)
    }

    /// Calls and expects an error reply with exactly this name and message.
    func assertError(_ member: String, _ name: String, _ message: String?,
                     file: StaticString = #filePath, line: UInt = #line,
                     _ build: (BusMessage) throws(SystemdError) -> Void = { _ in }) {
        do {
            _ = try call(member, build)
            XCTFail("\(member) succeeded; expected \(name)", file: file, line: line)
        } catch let error as SystemdError {
            XCTAssertEqual(error.busErrorName, name, file: file, line: line)
            if let message { XCTAssertEqual(error.message, message, file: file, line: line) }
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
    }

    func status() throws -> [String: BusVariant] { try call("Status").readVariantDictionary() }

    func string(_ reply: BusMessage) throws -> String { try reply.readString() }

    static func usec(_ date: Date) -> UInt64 { UInt64(date.timeIntervalSince1970 * 1_000_000) }

    static func iso(_ usec: UInt64) -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: Date(timeIntervalSince1970: Double(usec) / 1_000_000))
    }

    /// Next(count) as "reminder kind at scheduled" lines (UTC).
    func next(_ count: UInt32) throws -> [String] {
        let reply = try call("Next") { m throws(SystemdError) in try m.append(count) }
        XCTAssertEqual(reply.signature, "a(sstt)")
        var out: [String] = []
        _ = try reply.enterContainer("a", "(sstt)")
        while try reply.enterContainer("r", "sstt") {
            let id = try reply.readString(), kind = try reply.readString()
            let at = try reply.readUInt64(), scheduled = try reply.readUInt64()
            try reply.exitContainer()
            out.append("\(id) \(kind) \(Self.iso(at)) \(Self.iso(scheduled))")
        }
        try reply.exitContainer()
        return out
    }

    /// One a{sv} entry of a Log() call: key, variant signature, writer of the value.
    typealias LogField = (key: String, signature: String, write: (BusMessage) throws(SystemdError) -> Void)

    func logBuild(_ fields: [LogField]) -> (BusMessage) throws(SystemdError) -> Void {
        { m throws(SystemdError) in
            try m.openContainer("a", "{sv}")
            for f in fields {
                try m.openContainer("e", "sv")
                try m.append(f.key)
                try m.openContainer("v", f.signature)
                try f.write(m)
                try m.closeContainer()
                try m.closeContainer()
            }
            try m.closeContainer()
        }
    }

    func waitForSignals(_ count: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [ControlSignal] {
        try h.waitUntil("\(count) signals (have \(signals!.all))", file: file, line: line) {
            self.signals!.all.count >= count ? self.signals!.all : nil
        }
    }

    func busctl(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executablePath("busctl") ?? "/usr/bin/busctl")
        p.arguments = ["--address=\(h.bus.address)"] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func prompts(_ reminder: String? = nil) throws -> [PromptRecord] {
        let s = try h.store()
        defer { s.close() }
        return try s.prompts(since: nil, until: nil).filter { reminder == nil || $0.reminder == reminder }
    }

    // MARK: Status, Next, introspection

    func testStatusNextAndIntrospection() throws {
        try start()
        let s = try status()
        XCTAssertEqual(s["Paused"], .bool(false))
        XCTAssertEqual(s["PausedUntil"], .uint64(0))
        XCTAssertEqual(s["NextReminder"], .string("mood"))
        XCTAssertEqual(s["NextAt"], .uint64(Self.usec(Date.utc("2026-03-02T10:00:00Z"))))
        XCTAssertEqual(s["TodayCount"], .uint32(0))
        XCTAssertEqual(s["Status"], .string("Next: mood at 10:00 (in 1m); 0 check-ins today"))
        XCTAssertEqual(Set(s.keys), ["Version", "Status", "ConfigSource", "ConfigError", "Database", "TodayCount", "OpenPrompts",
                                     "NotificationServer", "TimeZone", "NextReminder", "NextAt", "Paused", "PausedUntil",
                                     "ActivitySources", "DoNotDisturbSources", "DoNotDisturb", "Presence"])

        XCTAssertEqual(try next(4), [
            "mood mood 2026-03-02T10:00:00Z 2026-03-02T10:00:00Z",
            "break break 2026-03-02T10:40:00Z 2026-03-02T10:40:00Z",
            "break break 2026-03-02T11:30:00Z 2026-03-02T11:30:00Z",
            "break break 2026-03-02T12:20:00Z 2026-03-02T12:20:00Z",
        ])
        XCTAssertEqual(try next(1000).count, 1000)

        // Properties: one GetAll, then Get of each.
        let all = try call("GetAll", interface: "org.freedesktop.DBus.Properties") { m throws(SystemdError) in
            try m.append(ControlInterface.interface)
        }.readVariantDictionary()
        XCTAssertEqual(all, [
            "Paused": .bool(false), "PausedUntil": .uint64(0), "NextReminder": .string("mood"),
            "NextAt": .uint64(Self.usec(Date.utc("2026-03-02T10:00:00Z"))), "TodayCount": .uint32(0), "ConfigError": .string(""),
        ])
        for (name, value) in all {
            let got = try call("Get", interface: "org.freedesktop.DBus.Properties") { m throws(SystemdError) in
                try m.append(ControlInterface.interface)
                try m.append(name)
            }.readVariant()
            XCTAssertEqual(got, value, name)
        }

        // Introspection shows methods with argument names, properties and signals.
        let xml = try busctl(["introspect", "--xml-interface", ControlInterface.busName, ControlInterface.objectPath])
        XCTAssertEqual(xml.status, 0, xml.stderr)
        for fragment in [
            #"<interface name="io.checkin.Checkin1">"#,
            #"<method name="Status">"#, #"<arg type="a{sv}" name="status" direction="out"/>"#,
            #"<method name="Next">"#, #"<arg type="u" name="count" direction="in"/>"#, #"<arg type="a(sstt)" name="deliveries" direction="out"/>"#,
            #"<method name="Pause">"#, #"<arg type="t" name="seconds" direction="in"/>"#, #"<method name="Resume">"#,
            #"<method name="Snooze">"#, #"<arg type="s" name="reminder" direction="in"/>"#, #"<arg type="s" name="result" direction="out"/>"#,
            #"<method name="Skip">"#, #"<method name="Trigger">"#, #"<arg type="s" name="prompt_id" direction="out"/>"#,
            #"<method name="Log">"#, #"<arg type="a{sv}" name="entry" direction="in"/>"#, #"<arg type="x" name="entry_id" direction="out"/>"#,
            #"<method name="Reload">"#,
            #"<signal name="PromptDelivered">"#, #"<arg type="s" name="kind"/>"#,
            #"<signal name="EntryRecorded">"#, #"<arg type="x" name="entry_id"/>"#, #"<arg type="s" name="source"/>"#,
            #"<property name="Paused" type="b" access="read">"#, #"<property name="PausedUntil" type="t" access="read">"#,
            #"<property name="NextReminder" type="s" access="read">"#, #"<property name="NextAt" type="t" access="read">"#,
            #"<property name="TodayCount" type="u" access="read">"#, #"<property name="ConfigError" type="s" access="read">"#,
        ] {
            XCTAssertTrue(xml.stdout.contains(fragment), "introspection lacks \(fragment):\n\(xml.stdout)")
        }
        let table = try busctl(["introspect", ControlInterface.busName, ControlInterface.objectPath, ControlInterface.interface])
        XCTAssertTrue(table.stdout.contains(".Paused") && table.stdout.contains("emits-change"), table.stdout)
    }

    // MARK: Errors

    func testArgumentErrorsAndWrongSignatures() throws {
        try start()
        let invalid = ControlInterface.ErrorName.invalidArgument
        assertError("Next", invalid, "count 0 is out of range; expected 1-1000") { m throws(SystemdError) in try m.append(UInt32(0)) }
        assertError("Next", invalid, "count 1001 is out of range; expected 1-1000") { m throws(SystemdError) in try m.append(UInt32(1001)) }
        assertError("Pause", invalid, "seconds 2592001 is out of range; expected 0 (until resumed) to 2592000 (30 days)") {
            m throws(SystemdError) in try m.append(UInt64(2_592_001))
        }
        assertError("Snooze", invalid, "seconds 86401 is out of range; expected 0 (the reminder's snooze, 10m) or 1-86400") {
            m throws(SystemdError) in try m.append("mood"); try m.append(UInt64(86401))
        }
        let unknown = ControlInterface.ErrorName.unknownReminder
        for member in ["Trigger", "Skip", "Snooze"] {
            assertError(member, unknown, "no reminder \"lunch\"; known: mood, break") { m throws(SystemdError) in
                try m.append("lunch")
                if member == "Snooze" { try m.append(UInt64(60)) }
            }
        }
        // sd-bus itself refuses a call whose signature does not match the declared one.
        assertError("Next", "org.freedesktop.DBus.Error.InvalidArgs", "Invalid arguments 's' to call io.checkin.Checkin1.Next(), expecting 'u'.") {
            m throws(SystemdError) in try m.append("3")
        }
        assertError("Pause", "org.freedesktop.DBus.Error.InvalidArgs", "Invalid arguments 'u' to call io.checkin.Checkin1.Pause(), expecting 't'.") {
            m throws(SystemdError) in try m.append(UInt32(60))
        }
        assertError("Snooze", "org.freedesktop.DBus.Error.InvalidArgs", nil) { m throws(SystemdError) in try m.append("mood") }
        assertError("Status", "org.freedesktop.DBus.Error.InvalidArgs", nil) { m throws(SystemdError) in try m.append("x") }
        assertError("Frobnicate", "org.freedesktop.DBus.Error.UnknownMethod", nil)
        // busctl sees the same.
        let r = try busctl(["call", ControlInterface.busName, ControlInterface.objectPath, ControlInterface.interface, "Next", "u", "0"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "Call failed: count 0 is out of range; expected 1-1000\n")
        // Nothing changed.
        XCTAssertEqual(try status()["Paused"], .bool(false))
        XCTAssertEqual(try prompts().count, 0)
    }

    // MARK: Log

    func testLogRecordsAnEntryAndEmitsEntryRecorded() throws {
        try start()
        let id = try call("Log", logBuild([
            ("mood", "i", { m throws(SystemdError) in try m.append(Int32(4)) }),
            ("anxiety", "y", { m throws(SystemdError) in try m.append(UInt8(2)) }),
            ("note", "s", { m throws(SystemdError) in try m.append("after lunch") }),
            ("tags", "as", { m throws(SystemdError) in try m.appendStringArray([" Work ", "work", "Outside"]) }),
        ])).readInt64()
        XCTAssertEqual(id, 1)
        let entries = try h.entries()
        XCTAssertEqual(entries.count, 1)
        XCTAssertEqual(entries[0].mood, 4)
        XCTAssertEqual(entries[0].anxiety, 2)
        XCTAssertEqual(entries[0].note, "after lunch")
        XCTAssertEqual(entries[0].tags, ["outside", "work"])
        XCTAssertEqual(entries[0].source, "dbus")
        XCTAssertNil(entries[0].promptID)
        XCTAssertEqual(entries[0].recordedAt, monday0959)

        // Every integer width is accepted (here t and n); anxiety alone is an entry too.
        XCTAssertEqual(try call("Log", logBuild([("mood", "t", { m throws(SystemdError) in try m.append(UInt64(5)) })])).readInt64(), 2)
        XCTAssertEqual(try call("Log", logBuild([("anxiety", "n", { m throws(SystemdError) in
            try m.append(Int16(3))
        })])).readInt64(), 3)
        XCTAssertEqual(try h.entries().map(\.anxiety), [2, nil, 3])

        let signals = try waitForSignals(6)
        XCTAssertEqual(signals.filter { if case .recorded = $0 { return true }; return false }, [
            .recorded(entry: 1, reminder: "", source: "dbus"), .recorded(entry: 2, reminder: "", source: "dbus"),
            .recorded(entry: 3, reminder: "", source: "dbus"),
        ])
        // TodayCount changed with each entry, announced once per change.
        XCTAssertEqual(signals.filter { if case .changed = $0 { return true }; return false }, [
            .changed(["TodayCount": .uint32(1)], invalidated: []), .changed(["TodayCount": .uint32(2)], invalidated: []),
            .changed(["TodayCount": .uint32(3)], invalidated: []),
        ])
        XCTAssertEqual(try status()["TodayCount"], .uint32(3))
    }

    func testLogRefusesBadEntriesNamingKeyValueAndExpectation() throws {
        try start()
        let invalid = ControlInterface.ErrorName.invalidArgument
        let cases: [(fields: [LogField], message: String)] = [
            ([("mood", "i", { m throws(SystemdError) in try m.append(Int32(9)) })],
             "mood 9 is outside the scale; expected 1-5 (1 = Very low, 2 = Low, 3 = Okay, 4 = Good, 5 = Very good)"),
            ([("mood", "i", { m throws(SystemdError) in try m.append(Int32(3)) }), ("anxiety", "x", { m throws(SystemdError) in try m.append(Int64(-1)) })],
             "anxiety -1 is outside the scale; expected 1-5 (1 = None, 2 = Mild, 3 = Moderate, 4 = High, 5 = Very high)"),
            ([("mood", "s", { m throws(SystemdError) in try m.append("four") })],
             "mood has type s (\"four\"); expected an integer (y, n, q, i, u, x or t)"),
            ([("mood", "d", { m throws(SystemdError) in try m.append(4.0) })],
             "mood has type d (4.0); expected an integer (y, n, q, i, u, x or t)"),
            ([("mood", "i", { m throws(SystemdError) in try m.append(Int32(3)) }), ("note", "i", { m throws(SystemdError) in try m.append(Int32(1)) })],
             "note has type i; expected s (a string)"),
            ([("mood", "i", { m throws(SystemdError) in try m.append(Int32(3)) }), ("tags", "s", { m throws(SystemdError) in try m.append("work") })],
             "tags has type s; expected as (an array of strings)"),
            ([("mood", "i", { m throws(SystemdError) in try m.append(Int32(3)) }),
              ("tags", "as", { m throws(SystemdError) in try m.appendStringArray(["ok", "a,b"]) })],
             "tags: \"a,b\" is not a tag; expected 1-64 characters without commas"),
            ([("mood", "i", { m throws(SystemdError) in try m.append(Int32(3)) }), ("energy", "i", { m throws(SystemdError) in try m.append(Int32(3)) })],
             "unknown key \"energy\" (type i); expected mood, anxiety, note or tags"),
            ([("mood", "i", { m throws(SystemdError) in try m.append(Int32(3)) }), ("mood", "i", { m throws(SystemdError) in try m.append(Int32(4)) })],
             "mood is given twice; expected each key once"),
            ([("note", "s", { m throws(SystemdError) in try m.append("no numbers") })],
             "an entry needs mood or anxiety (or both); got note"),
            ([], "an entry needs mood or anxiety (or both); got no keys"),
        ]
        for (fields, message) in cases {
            assertError("Log", invalid, message, logBuild(fields))
        }
        assertError("Log", "org.freedesktop.DBus.Error.InvalidArgs", nil) { m throws(SystemdError) in try m.append("mood=3") }
        XCTAssertEqual(try h.entries().count, 0, "nothing written")
    }

    // MARK: Pause

    func testPauseAndResumeAnnounceExactlyTheChangedProperties() throws {
        try start()
        try call("Pause") { m throws(SystemdError) in try m.append(UInt64(3600)) }
        let until = monday0959.addingTimeInterval(3600)
        var s = try status()
        XCTAssertEqual(s["Paused"], .bool(true))
        XCTAssertEqual(s["PausedUntil"], .uint64(Self.usec(until)))
        // The 10:00 check-in and 10:40 break fall in the pause: the next delivery is the 11:30 break.
        XCTAssertEqual(s["Status"], .string("Paused until 10:59; Next: break at 11:30 (in 1h 31m); 0 check-ins today"))
        XCTAssertEqual(try next(2), [
            "break break 2026-03-02T11:30:00Z 2026-03-02T11:30:00Z", "break break 2026-03-02T12:20:00Z 2026-03-02T12:20:00Z",
        ])
        // The same pause again changes nothing, so nothing is announced.
        try call("Pause") { m throws(SystemdError) in try m.append(UInt64(3600)) }
        try call("Resume")
        try call("Resume")  // not paused: nothing to do, nothing announced
        // Paused until resumed: PausedUntil stays 0, so only the others change.
        try call("Pause") { m throws(SystemdError) in try m.append(UInt64(0)) }
        s = try status()
        XCTAssertEqual(s["Status"], .string("Paused; 0 check-ins today"))
        XCTAssertNil(s["NextReminder"])
        XCTAssertEqual(try next(5), [])
        try call("Resume")

        let mood10 = Self.usec(Date.utc("2026-03-02T10:00:00Z")), break1130 = Self.usec(Date.utc("2026-03-02T11:30:00Z"))
        XCTAssertEqual(try waitForSignals(4), [
            .changed(["Paused": .bool(true), "PausedUntil": .uint64(Self.usec(until)), "NextReminder": .string("break"),
                      "NextAt": .uint64(break1130)], invalidated: []),
            .changed(["Paused": .bool(false), "PausedUntil": .uint64(0), "NextReminder": .string("mood"), "NextAt": .uint64(mood10)],
                     invalidated: []),
            .changed(["Paused": .bool(true), "NextReminder": .string(""), "NextAt": .uint64(0)], invalidated: []),
            .changed(["Paused": .bool(false), "NextReminder": .string("mood"), "NextAt": .uint64(mood10)], invalidated: []),
        ])
        XCTAssertEqual(h.log.all.filter { $0.metadata["checkin_event"] == "paused" }.map(\.message),
                       ["Reminders paused until 2026-03-02 10:59", "Reminders paused until resumed"])
    }

    func testPauseSurvivesARestartAndATimedPauseEndsByItself() throws {
        try start()
        try call("Pause") { m throws(SystemdError) in try m.append(UInt64(0)) }
        try h.restart()
        client.close()
        client = try Bus(address: h.bus.address)
        var s = try status()
        XCTAssertEqual(s["Paused"], .bool(true))
        XCTAssertEqual(s["PausedUntil"], .uint64(0))
        XCTAssertEqual(s["Status"], .string("Paused; 0 check-ins today"))

        try call("Pause") { m throws(SystemdError) in try m.append(UInt64(90 * 60)) }
        let end = monday0959.addingTimeInterval(90 * 60)
        try h.restart()
        client.close()
        client = try Bus(address: h.bus.address)
        s = try status()
        XCTAssertEqual(s["PausedUntil"], .uint64(Self.usec(end)))
        XCTAssertEqual(s["Status"], .string("Paused until 11:29; Next: break at 11:30 (in 1h 31m); 0 check-ins today"))
        // The pause's end is the daemon's next wake-up: one timer, no polling.
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, Date.utc("2026-03-02T10:00:00Z"), "the 10:00 firing is recorded first")
        h.advance(to: Date.utc("2026-03-02T10:40:00Z"))
        XCTAssertEqual(h.onQueue { h.daemon.engine.nextWakeup }, end)
        let recorder = try SignalRecorder(address: h.bus.address)
        defer { recorder.stop() }
        h.advance(to: end)
        s = try status()
        XCTAssertEqual(s["Paused"], .bool(false))
        XCTAssertEqual(s["Status"], .string("Next: break at 11:30 (in 1m); 0 check-ins today"))
        let store = try h.store()
        XCTAssertNil(try store.stateValue("control.paused-until"))
        store.close()
        try h.waitUntil("PropertiesChanged for the pause's end") { !recorder.all.isEmpty }
        XCTAssertEqual(recorder.all.first, .changed(["Paused": .bool(false), "PausedUntil": .uint64(0)], invalidated: []))
        XCTAssertEqual(h.log.all.filter { $0.metadata["checkin_event"] == "resumed" }.map(\.message), ["The pause ended; reminders are back"])
    }

    func testWhilePausedDueFiringsAreRecordedSkippedAndNothingIsShown() throws {
        try start()
        try call("Pause") { m throws(SystemdError) in try m.append(UInt64(3600)) }
        h.advance(to: Date.utc("2026-03-02T10:00:00Z"))
        h.advance(to: Date.utc("2026-03-02T10:40:00Z"))
        var recorded = try prompts().map { "\($0.reminder) \($0.state.rawValue) \($0.action ?? "-") \(Self.iso(Self.usec($0.scheduledAt)))" }
        XCTAssertEqual(recorded, ["mood skipped paused 2026-03-02T10:00:00Z", "break skipped paused 2026-03-02T10:40:00Z"])
        XCTAssertEqual(h.log.events("skipped").map(\.message), [
            "mood due at 2026-03-02 10:00 not shown: reminders are paused",
            "break due at 2026-03-02 10:40 not shown: reminders are paused",
        ])
        XCTAssertEqual(h.log.events("skipped").first?.metadata["checkin_action"], "paused")
        // Trigger still shows a prompt; it is the first and only thing the server receives.
        let promptID = try string(try call("Trigger") { m throws(SystemdError) in try m.append("break") })
        let n = try h.waitForNotify(1)
        XCTAssertEqual(n["summary"] as? String, "Time for a break")
        try h.waitUntil("the triggered break delivered") { try self.h.prompt(promptID)?.state == .delivered }
        XCTAssertEqual(h.notifies().count, 1)
        // After the pause nothing comes late: the next delivery is the 11:30 break.
        h.advance(to: Date.utc("2026-03-02T11:00:00Z"))
        XCTAssertEqual(try status()["Paused"], .bool(false))
        XCTAssertEqual(h.notifies().count, 1)
        recorded = try prompts().map { "\($0.reminder) \($0.state.rawValue)" }
        XCTAssertEqual(recorded.count, 3)
        XCTAssertEqual(try next(1), ["break break 2026-03-02T11:30:00Z 2026-03-02T11:30:00Z"])
    }

    func testASnoozedPromptComingBackDuringAPauseIsRecordedSkipped() throws {
        try start()
        h.advance(to: Date.utc("2026-03-02T10:00:00Z"))
        let n = try h.waitForNotify(1)
        let promptID = try h.waitUntil("delivered") { self.h.log.events("delivered").first?.metadata["checkin_prompt_id"] }
        try h.command(#"{"cmd":"action","id":\#(n["id"] as! Int),"action":"snooze"}"#)
        try h.waitUntil("snoozed") { try self.h.prompt(promptID)?.state == .snoozed }
        try call("Pause") { m throws(SystemdError) in try m.append(UInt64(1800)) }
        XCTAssertEqual(try next(1), ["break break 2026-03-02T10:40:00Z 2026-03-02T10:40:00Z"], "the snoozed prompt will not come back")
        h.advance(to: Date.utc("2026-03-02T10:10:00Z"))
        XCTAssertEqual(try h.prompt(promptID)?.state, .skipped)
        XCTAssertEqual(try h.prompt(promptID)?.action, "paused")
        XCTAssertEqual(h.notifies().count, 1)
    }

    // MARK: Skip, Snooze, Trigger

    func testSkipTheNextFiringOrTheOpenPrompt() throws {
        try start()
        XCTAssertEqual(try string(try call("Skip") { m throws(SystemdError) in try m.append("mood") }),
                       "No mood prompt was open; skipped the next one, due 10:00 (in 1m).")
        XCTAssertEqual(try next(2), [
            "break break 2026-03-02T10:40:00Z 2026-03-02T10:40:00Z", "break break 2026-03-02T11:30:00Z 2026-03-02T11:30:00Z",
        ])
        XCTAssertEqual(try prompts("mood").map { "\($0.state.rawValue) \($0.action ?? "-") \(Self.iso(Self.usec($0.scheduledAt)))" },
                       ["skipped skip 2026-03-02T10:00:00Z"])
        // Skipping again skips the one after (14:00).
        XCTAssertEqual(try string(try call("Skip") { m throws(SystemdError) in try m.append("mood") }),
                       "No mood prompt was open; skipped the next one, due 14:00 (in 4h 1m).")
        // The skipped firing does not fire, and is not recorded twice; also not after a restart.
        try h.restart()
        client.close()
        client = try Bus(address: h.bus.address)
        h.advance(to: Date.utc("2026-03-02T10:00:00Z"))
        XCTAssertEqual(try prompts("mood").count, 2)
        XCTAssertEqual(h.notifies().count, 0)

        // An open prompt is skipped itself.
        let promptID = try string(try call("Trigger") { m throws(SystemdError) in try m.append("mood") })
        let n = try h.waitForNotify(1)
        try h.waitUntil("delivered") { try self.h.prompt(promptID)?.state == .delivered }
        XCTAssertEqual(try string(try call("Skip") { m throws(SystemdError) in try m.append("mood") }), "Skipped the open mood prompt.")
        XCTAssertEqual(try h.prompt(promptID)?.state, .skipped)
        XCTAssertEqual(try h.prompt(promptID)?.action, "skip")
        try h.waitUntil("its notification closed") {
            self.h.serverCalls().contains { $0["method"] as? String == "CloseNotification" && $0["id"] as? Int == n["id"] as? Int }
        }

        // A disabled reminder has nothing to skip.
        try start(#"{"reminders": [{"id": "mood", "type": "mood", "at": ["20:00"]}, {"id": "off", "type": "break", "at": ["10:00"], "enabled": false}]}"#)
        assertError("Skip", ControlInterface.ErrorName.invalidArgument, "off has no open prompt and no upcoming firing to skip (it is disabled)") {
            m throws(SystemdError) in try m.append("off")
        }
    }

    func testSnoozeSchedulesOrSnoozesAndTriggerDelivers() throws {
        try start()
        // No open break prompt: one is scheduled after the reminder's snooze (5m for breaks).
        XCTAssertEqual(try string(try call("Snooze") { m throws(SystemdError) in try m.append("break"); try m.append(UInt64(0)) }),
                       "No break prompt was open; one is scheduled for 10:04 (in 5m).")
        XCTAssertEqual(try next(2), [
            "mood mood 2026-03-02T10:00:00Z 2026-03-02T10:00:00Z", "break break 2026-03-02T10:04:00Z 2026-03-02T10:04:00Z",
        ])
        XCTAssertEqual(try prompts("break").map(\.state), [.scheduled])
        h.advance(to: Date.utc("2026-03-02T10:04:00Z"))
        // (The 10:00 check-in came first.)
        let shown = try h.waitForNotify(2)
        XCTAssertEqual(shown["summary"] as? String, "Time for a break")
        let breakID = try XCTUnwrap(try prompts("break").first?.id)
        try h.waitUntil("the break delivered") { try self.h.prompt(breakID)?.state == .delivered }

        // Open: snoozed for the given time.
        XCTAssertEqual(try string(try call("Snooze") { m throws(SystemdError) in try m.append("break"); try m.append(UInt64(600)) }),
                       "Snoozed the open break prompt until 10:14 (in 10m).")
        XCTAssertEqual(try h.prompt(breakID)?.state, .snoozed)
        XCTAssertEqual(try h.prompt(breakID)?.snoozeCount, 1)
        try h.waitUntil("its notification closed") {
            self.h.serverCalls().contains { $0["method"] as? String == "CloseNotification" && $0["id"] as? Int == shown["id"] as? Int }
        }
        XCTAssertEqual(try next(1), ["break break 2026-03-02T10:14:00Z 2026-03-02T10:04:00Z"])

        // PromptDelivered for each question shown (not for the follow-up); EntryRecorded for the answer.
        let mood = try h.waitUntil("the 10:00 check-in delivered") { self.h.log.events("delivered").first { $0.metadata["checkin_reminder"] == "mood" } }
        let moodNotification = try XCTUnwrap(h.notifies().first { $0["summary"] as? String == "How are you feeling?" })
        try h.command(#"{"cmd":"action","id":\#(moodNotification["id"] as! Int),"action":"4"}"#)
        try h.waitForNotify(3)
        try h.waitUntil("EntryRecorded") { self.signals!.all.contains { if case .recorded = $0 { return true }; return false } }
        XCTAssertEqual(signals!.all.filter { if case .changed = $0 { return false }; return true }, [
            .delivered(reminder: "mood", prompt: mood.metadata["checkin_prompt_id"]!, kind: "mood"),
            .delivered(reminder: "break", prompt: breakID, kind: "break"),
            .recorded(entry: 1, reminder: "mood", source: "notification"),
        ])
    }

    // MARK: Reload

    func testReloadRefusesABrokenConfigAndConfigErrorFollows() throws {
        try start()
        try #"{"reminders": [{"id": "mood", "type": "mood", "at": ["25:00"]}]}"#.write(toFile: h.configPath, atomically: true, encoding: .utf8)
        let message = "\(h.configPath):1:54: reminders[0].at[0]: \"25:00\" is not a time of day; expected \"HH:MM\" from 00:00 to 23:59"
        assertError("Reload", ControlInterface.ErrorName.invalidConfig, message)
        let summary = try XCTUnwrap(try status()["ConfigError"])
        guard case .string(let text) = summary else { return XCTFail("ConfigError \(summary)") }
        XCTAssertTrue(text.contains("\"25:00\" is not a time of day"), text)
        try #"{"reminders": [{"id": "evening", "type": "mood", "at": ["20:00"]}]}"#.write(toFile: h.configPath, atomically: true, encoding: .utf8)
        try call("Reload")
        XCTAssertEqual(try waitForSignals(2), [
            .changed(["ConfigError": summary], invalidated: []),
            .changed(["NextReminder": .string("evening"), "NextAt": .uint64(Self.usec(Date.utc("2026-03-02T20:00:00Z"))),
                      "ConfigError": .string("")], invalidated: []),
        ])
    }

    // MARK: Access

    func testTheUIDComparison() {
        XCTAssertNil(ControlAccess.refusal(callerUID: 1000, ownerUID: 1000))
        XCTAssertNil(ControlAccess.refusal(callerUID: 0, ownerUID: 0))
        let refusal = ControlAccess.refusal(callerUID: 1001, ownerUID: 1000)
        XCTAssertEqual(refusal?.busErrorName, "org.freedesktop.DBus.Error.AccessDenied")
        XCTAssertEqual(refusal?.message, "checkind serves only uid 1000; the caller is uid 1001")
        XCTAssertNotNil(ControlAccess.refusal(callerUID: 0, ownerUID: 1000), "not even root")
    }

    /// The daemon asks the bus who calls (sd_bus_query_sender_creds) and refuses anyone but its
    /// owner: here the owner is set to another uid than ours.
    func testCallsFromAnotherUIDAreRefused() throws {
        let me = geteuid()
        try start(adjust: { $0.controlUID = me &+ 1 })
        let message = "checkind serves only uid \(me &+ 1); the caller is uid \(me)"
        for member in ["Status", "Resume", "Reload"] {
            assertError(member, "org.freedesktop.DBus.Error.AccessDenied", message)
        }
        assertError("Pause", "org.freedesktop.DBus.Error.AccessDenied", message) { m throws(SystemdError) in try m.append(UInt64(60)) }
        XCTAssertThrowsError(try call("Get", interface: "org.freedesktop.DBus.Properties") { m throws(SystemdError) in
            try m.append(ControlInterface.interface)
            try m.append("Paused")
        }) { XCTAssertEqual(($0 as? SystemdError)?.busErrorName, "org.freedesktop.DBus.Error.AccessDenied") }
        XCTAssertThrowsError(try call("GetAll", interface: "org.freedesktop.DBus.Properties") { m throws(SystemdError) in
            try m.append(ControlInterface.interface)
        }) { XCTAssertEqual(($0 as? SystemdError)?.busErrorName, "org.freedesktop.DBus.Error.AccessDenied") }
        XCTAssertEqual(h.onQueue { h.daemon.engine.pause }, PauseState.none, "the refused Pause did nothing")
    }

    /// A real caller running as another user (nobody, via setpriv) on a bus that lets every user
    /// connect. Needs root (as CI runs); elsewhere skipped.
    func testARealCallerOfAnotherUserIsRefused() throws {
        try requireRealComponents()
        guard geteuid() == 0, let setpriv = executablePath("setpriv") else {
            if isCI { XCTFail("CI=true: this test needs root and setpriv"); return }
            throw XCTSkip("needs root and setpriv to call as another user")
        }
        let dir = URL(fileURLWithPath: "/tmp/checkin-uid-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(at: dir) }
        let socket = dir.appendingPathComponent("bus").path
        try """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
              "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>unix:path=\(socket)</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/>
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """.write(to: dir.appendingPathComponent("bus.conf"), atomically: true, encoding: .utf8)
        let busDaemon = try ScriptedProcess(executablePath("dbus-daemon")!, arguments: [
            "--config-file=\(dir.appendingPathComponent("bus.conf").path)", "--nofork", "--print-address=1", "--nopidfile",
        ], name: "dbus-daemon-open")
        defer { busDaemon.stop() }
        let address = try busDaemon.waitForLine(timeout: 10) { $0.hasPrefix("unix:") }
        try #"{"reminders": [{"id": "mood", "type": "mood", "at": ["20:00"]}]}"#
            .write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let daemon = try Daemon(options: DaemonOptions(configPath: dir.appendingPathComponent("config.json").path,
                                                       dataDirectory: dir.appendingPathComponent("data").path, busAddress: address,
                                                       environment: ["TZ": "UTC", "HOME": dir.path]),
                                logger: LogRecorder().logger)
        daemon.exitHandler = { _ in }
        var failure: String?
        daemon.queue.sync { do { try daemon.start() } catch { failure = "\(error)" } }
        XCTAssertNil(failure)
        defer { daemon.queue.sync { daemon.stop() } }
        let script = """
            import dbus, sys
            bus = dbus.bus.BusConnection(sys.argv[1])
            try:
                bus.get_object("io.checkin.Checkin1", "/io/checkin/Checkin1").Status(dbus_interface="io.checkin.Checkin1")
                print("answered")
            except dbus.DBusException as e:
                print(e.get_dbus_name() + ": " + e.get_dbus_message())
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: setpriv)
        p.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, address]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(text, "org.freedesktop.DBus.Error.AccessDenied: checkind serves only uid 0; the caller is uid 65534\n")
        // Our own uid is served on the same bus.
        let me = try Bus(address: address)
        defer { me.close() }
        let status = try me.call(destination: ControlInterface.busName, path: ControlInterface.objectPath,
                                 interface: ControlInterface.interface, member: "Status").readVariantDictionary()
        XCTAssertEqual(status["NextReminder"], .string("mood"))
    }
}
