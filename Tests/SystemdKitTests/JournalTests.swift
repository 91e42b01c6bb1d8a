import Foundation
import Glibc
import Logging
import SystemdKit
import XCTest

final class JournalTests: XCTestCase {
    // MARK: - Backend selection

    func testBackendSelectionTable() {
        typealias Device = (dev: UInt64, inode: UInt64)
        let stream: Device = (2049, 123_456)
        let cases: [(String, [String: String], Device?, LoggingSetup.Backend)] = [
            ("nothing set", [:], stream, .stderr),
            ("matching stream", ["JOURNAL_STREAM": "2049:123456"], stream, .journal),
            ("other inode (stderr redirected)", ["JOURNAL_STREAM": "2049:123457"], stream, .stderr),
            ("other device", ["JOURNAL_STREAM": "2050:123456"], stream, .stderr),
            ("stderr closed", ["JOURNAL_STREAM": "2049:123456"], nil, .stderr),
            ("empty", ["JOURNAL_STREAM": ""], stream, .stderr),
            ("no colon", ["JOURNAL_STREAM": "2049"], stream, .stderr),
            ("missing inode", ["JOURNAL_STREAM": "2049:"], stream, .stderr),
            ("missing dev", ["JOURNAL_STREAM": ":123456"], stream, .stderr),
            ("extra part", ["JOURNAL_STREAM": "2049:123456:1"], stream, .stderr),
            ("spaces", ["JOURNAL_STREAM": " 2049:123456"], stream, .stderr),
            ("sign", ["JOURNAL_STREAM": "+2049:123456"], stream, .stderr),
            ("hex", ["JOURNAL_STREAM": "0x801:123456"], stream, .stderr),
            ("overflow", ["JOURNAL_STREAM": "18446744073709551616:123456"], stream, .stderr),
            ("max values", ["JOURNAL_STREAM": "18446744073709551615:1"], (UInt64.max, 1), .journal),
            ("leading zeros are the same number", ["JOURNAL_STREAM": "02049:0123456"], stream, .journal),
            ("forced stderr beats a match", ["JOURNAL_STREAM": "2049:123456", "CHECKIN_LOG": "stderr"], stream, .stderr),
            ("forced journal without stream", ["CHECKIN_LOG": "journal"], nil, .journal),
            ("forced, any case", ["CHECKIN_LOG": "Journal"], stream, .journal),
            ("unknown force value is ignored", ["JOURNAL_STREAM": "2049:123456", "CHECKIN_LOG": "syslog"], stream, .journal),
            ("unknown force value, no stream", ["CHECKIN_LOG": "syslog"], stream, .stderr),
        ]
        for (name, environment, device, expected) in cases {
            XCTAssertEqual(LoggingSetup.backend(environment: environment, stderrDevice: device), expected, name)
        }
    }

    func testStderrDeviceIsFstatOfTheDescriptor() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]) }
        let device = try XCTUnwrap(LoggingSetup.stderrDevice(fd: fds[1]))
        var info = stat()
        XCTAssertEqual(fstat(fds[1], &info), 0)
        XCTAssertEqual(device.dev, UInt64(info.st_dev))
        XCTAssertEqual(device.inode, UInt64(info.st_ino))
        // What systemd would put in JOURNAL_STREAM for this fd selects the journal.
        let environment = ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"]
        XCTAssertEqual(LoggingSetup.backend(environment: environment, stderrDevice: device), .journal)
        close(fds[1])
        XCTAssertNil(LoggingSetup.stderrDevice(fd: fds[1]))
    }

    func testLogLevelFromEnvironment() {
        let cases: [(String?, Logger.Level)] = [
            (nil, .notice), ("", .notice), ("debug", .debug), ("TRACE", .trace), ("Warning", .warning),
            ("warn", .warning), ("err", .error), ("crit", .critical), ("critical", .critical),
            ("7", .debug), ("6", .info), ("5", .notice), ("4", .warning), ("3", .error), ("0", .critical),
            ("loud", .notice), ("8", .notice),
        ]
        for (value, expected) in cases {
            let environment = value.map { ["CHECKIN_LOG_LEVEL": $0] } ?? [:]
            XCTAssertEqual(LoggingSetup.logLevel(environment: environment, default: .notice), expected, "\(value ?? "nil")")
        }
    }

    func testProcessEnvironmentReadsEnviron() {
        setenv("CHECKIN_JOURNAL_TEST_VAR", "a=b=c", 1)
        defer { unsetenv("CHECKIN_JOURNAL_TEST_VAR") }
        XCTAssertEqual(LoggingSetup.processEnvironment()["CHECKIN_JOURNAL_TEST_VAR"], "a=b=c")
    }

    func testFactoryMakesTheSelectedHandler() {
        let journal = LoggingSetup.makeFactory(identifier: "checkind", backend: .journal, level: .debug)("x")
        XCTAssertEqual((journal as? JournalLogHandler)?.identifier, "checkind")
        XCTAssertEqual(journal.logLevel, .debug)
        let stderr = LoggingSetup.makeFactory(identifier: "checkind", backend: .stderr, level: .error)("x")
        XCTAssertEqual((stderr as? StderrLogHandler)?.label, "x")
        XCTAssertEqual(stderr.logLevel, .error)
    }

    // MARK: - Journal fields

    func testPriorities() {
        let expected: [Logger.Level: Int] = [.trace: 7, .debug: 7, .info: 6, .notice: 5, .warning: 4, .error: 3, .critical: 2]
        for level in Logger.Level.allCases {
            XCTAssertEqual(JournalLogHandler.priority(level), expected[level], "\(level)")
        }
    }

    func testFieldNames() {
        let cases: [(String, String?)] = [
            ("checkin_event", "CHECKIN_EVENT"), ("CHECKIN_PROMPT_ID", "CHECKIN_PROMPT_ID"),
            ("message_id", "MESSAGE_ID"), ("prompt-id", "PROMPT_ID"), ("a.b c", "A_B_C"),
            ("_private", "PRIVATE"), ("__x1", "X1"), ("2fa", "F_2FA"), ("_9", "F_9"),
            ("ünï", "N_"), ("", nil), ("___", nil),
            ("message", "META_MESSAGE"), ("priority", "META_PRIORITY"), ("code_line", "META_CODE_LINE"),
            ("syslog_identifier", "META_SYSLOG_IDENTIFIER"),
            (String(repeating: "k", count: 80), String(repeating: "K", count: 64)),
        ]
        for (key, expected) in cases {
            XCTAssertEqual(JournalLogHandler.fieldName(key), expected, key)
        }
    }

    func testFieldsForAnEvent() {
        let event = LogEvent(
            level: .notice, message: "Water\ntime", metadata: nil, source: "Test",
            file: "CheckinDaemon/Engine.swift", function: "tick()", line: 42)
        let metadata: Logger.Metadata = [
            "checkin_event": "delivered",
            "nested": ["b": ["x", .stringConvertible(1)], "a": "y"],
            "list": [.stringConvertible(3), "z"],
            "message": "shadow",
        ]
        let fields = JournalLogHandler.fields(for: event, label: "checkind.engine", identifier: "checkind", metadata: metadata)
        XCTAssertEqual(fields.map { "\($0.name)=\($0.value)" }, [
            "MESSAGE=Water\ntime",
            "PRIORITY=5",
            "SYSLOG_IDENTIFIER=checkind",
            "CODE_FILE=CheckinDaemon/Engine.swift",
            "CODE_LINE=42",
            "CODE_FUNC=tick()",
            "SWIFT_LOGGER=checkind.engine",
            "CHECKIN_EVENT=delivered",
            "LIST=[3, z]",
            "META_MESSAGE=shadow",
            "NESTED=[a: y, b: [x, 1]]",
        ])
    }

    // MARK: - Stderr lines

    /// Logs through a `StderrLogHandler` writing into a pipe; returns what came out.
    private func stderrOutput(
        timestamp: StderrLogHandler.Timestamp? = { "2025-01-02T03:04:05+0100" },
        _ body: (inout Logger) -> Void
    ) throws -> String {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let writeEnd = fds[1]
        var logger = Logger(label: "checkind.test") { label in
            StderrLogHandler(label: label, logLevel: .info, fd: writeEnd, timestamp: timestamp)
        }
        body(&logger)
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self)
    }

    func testStderrLineFormat() throws {
        let output = try stderrOutput { logger in
            logger[metadataKey: "handler"] = "h"
            logger.info("Prompt delivered", metadata: ["checkin_event": "delivered", "note": "two words"])
            logger.debug("hidden below info")
            logger.warning("multi\nline", metadata: ["nested": ["k": "v", "a": ["1", "2"]], "empty": ""])
            logger.critical("quote \"this\"", metadata: ["q": "say \"hi\"\n", "eq": "a=b"])
        }
        XCTAssertEqual(output, """
            2025-01-02T03:04:05+0100 info checkind.test: Prompt delivered checkin_event=delivered handler=h note="two words"
            2025-01-02T03:04:05+0100 warning checkind.test: multi\\nline empty="" handler=h nested="[a: [1, 2], k: v]"
            2025-01-02T03:04:05+0100 critical checkind.test: quote "this" eq="a=b" handler=h q="say \\"hi\\"\\n"

            """)
    }

    func testStderrWithoutTimestamp() throws {
        let output = try stderrOutput(timestamp: nil) { logger in
            logger.error("failed", metadata: ["checkin_config_file": "/tmp/x.json"])
        }
        XCTAssertEqual(output, "error checkind.test: failed checkin_config_file=/tmp/x.json\n")
    }

    func testLocalTimestampShape() throws {
        let stamp = try XCTUnwrap(StderrLogHandler.localTimestamp())
        // 2025-11-25T01:22:41+0000
        XCTAssertEqual(stamp.count, 24, stamp)
        XCTAssertNotNil(stamp.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$"#, options: .regularExpression), stamp)
    }

    // MARK: - Real journald

    func testJournalEntryReachesJournald() throws {
        let journald = try Journald.ensureRunning()
        defer { journald.stopIfStarted() }

        let identifier = "checkin-test-\(getpid())"
        let marker = UUID().uuidString
        let logger = Logger(label: "checkin.journal-test") { label in
            JournalLogHandler(label: label, identifier: identifier, logLevel: .trace)
        }
        let line = #line + 1
        logger.warning("journal test \(marker)", metadata: [
            "checkin_test": .string(marker),
            "checkin_multi": "line one\nline two",
            "nested": ["b": .stringConvertible(2), "a": ["x", "y"]],
            "message_id": "6a1c0b1e4f3d4b0c9f2a7c55d0e1a0ff",
        ])

        let entry = try Journald.waitForEntry(identifier: identifier, match: "CHECKIN_TEST=\(marker)")
        XCTAssertEqual(entry["MESSAGE"], "journal test \(marker)")
        XCTAssertEqual(entry["PRIORITY"], "4")
        XCTAssertEqual(entry["SYSLOG_IDENTIFIER"], identifier)
        XCTAssertEqual(entry["CODE_FILE"], "SystemdKitTests/JournalTests.swift")
        XCTAssertEqual(entry["CODE_LINE"], String(line))
        XCTAssertEqual(entry["CODE_FUNC"], "testJournalEntryReachesJournald()")
        XCTAssertEqual(entry["CHECKIN_TEST"], marker)
        XCTAssertEqual(entry["CHECKIN_MULTI"], "line one\nline two")
        XCTAssertEqual(entry["NESTED"], "[a: [x, y], b: 2]")
        XCTAssertEqual(entry["MESSAGE_ID"], "6a1c0b1e4f3d4b0c9f2a7c55d0e1a0ff")
        XCTAssertEqual(entry["SWIFT_LOGGER"], "checkin.journal-test")
        XCTAssertEqual(entry["_PID"], String(getpid()))
        XCTAssertEqual(entry["_TRANSPORT"], "journal")
    }
}

/// A journald for the test: the running one if its socket answers, else
/// `/lib/systemd/systemd-journald` started here (root only) and stopped again by PID.
/// Outside CI a journald that can't be had skips the test; with `CI=true` it fails it.
private struct Journald {
    static let socketPath = "/run/systemd/journal/socket"
    static let binary = "/lib/systemd/systemd-journald"

    let process: Process?
    let createdRuntimeDirectory: Bool

    static func ensureRunning() throws -> Journald {
        if socketAnswers() { return Journald(process: nil, createdRuntimeDirectory: false) }
        let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
        func unavailable(_ why: String) -> Error {
            inCI ? JournaldUnavailable(reason: why) : XCTSkip("journald unavailable: \(why)")
        }
        guard geteuid() == 0 else { throw unavailable("not root, and no journald is running") }
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw unavailable("\(binary) missing") }

        let hadDirectory = FileManager.default.fileExists(atPath: "/run/systemd/journal")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw unavailable("cannot start \(binary): \(error)") }
        let journald = Journald(process: process, createdRuntimeDirectory: !hadDirectory)
        let deadline = Date().addingTimeInterval(10)
        while !socketAnswers() {
            guard process.isRunning, Date() < deadline else {
                journald.stopIfStarted()
                throw unavailable("started \(binary) (pid \(process.processIdentifier)) but its socket never answered")
            }
            usleep(50_000)
        }
        return journald
    }

    /// Stops the journald this test started (by PID), and removes its stale sockets if the
    /// directory did not exist before.
    func stopIfStarted() {
        guard let process else { return }
        let pid = process.processIdentifier
        if process.isRunning { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        if createdRuntimeDirectory {
            try? FileManager.default.removeItem(atPath: "/run/systemd/journal")
        }
    }

    /// A datagram `connect` succeeds only if someone is bound to the path: a stale socket file left
    /// by a killed journald gives ECONNREFUSED.
    static func socketAnswers() -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8) + [0]) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }

    /// Polls `journalctl -o json -t <identifier> <match>` until one entry shows up (10 s).
    /// Field values journalctl prints as byte arrays (non-UTF-8 or control characters) are decoded.
    static func waitForEntry(identifier: String, match: String) throws -> [String: String] {
        let deadline = Date().addingTimeInterval(10)
        var lastOutput = ""
        repeat {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/journalctl")
            process.arguments = ["-o", "json", "--no-pager", "-t", identifier, match]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            lastOutput = String(decoding: data, as: UTF8.self)
            if let first = lastOutput.split(separator: "\n").first,
                let object = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
            {
                var entry: [String: String] = [:]
                for (key, value) in object {
                    if let string = value as? String {
                        entry[key] = string
                    } else if let bytes = value as? [Int] {
                        entry[key] = String(decoding: bytes.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
                    }
                }
                return entry
            }
            usleep(100_000)
        } while Date() < deadline
        throw JournaldUnavailable(reason: "no entry for -t \(identifier) \(match) within 10 s; journalctl said: \(lastOutput)")
    }
}

private struct JournaldUnavailable: Error, CustomStringConvertible {
    var reason: String
    var description: String { "journald: \(reason)" }
}
