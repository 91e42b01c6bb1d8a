import Foundation
import Glibc
import SystemdKit
import XCTest

/// Real `sd_notify` datagrams into a bound AF_UNIX socket named by `$NOTIFY_SOCKET`.
/// These tests set process environment variables: they restore them in tearDown, and XCTest runs
/// the methods of a class one at a time.
final class NotifierTests: XCTestCase {
    private static let variables = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"]
    private var saved: [String: String?] = [:]
    private var directory: String?
    private var socketFD: Int32 = -1

    override func setUp() {
        for name in Self.variables {
            // `.some(nil)` records "was unset": assigning a plain nil would drop the key, and the
            // variable a test sets would leak into every later test.
            saved[name] = .some(getenv(name).map { String(cString: $0) })
            unsetenv(name)
        }
    }

    override func tearDown() {
        if socketFD >= 0 { close(socketFD) }
        socketFD = -1
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
        directory = nil
        for (name, value) in saved {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
    }

    /// Binds a datagram socket in a fresh temp dir and points `$NOTIFY_SOCKET` at it.
    private func listen() throws {
        var template = Array("/tmp/checkin-notify.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno)!) }
        let dir = String(cString: made)
        directory = dir
        let path = dir + "/notify"

        socketFD = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        XCTAssertGreaterThanOrEqual(socketFD, 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        XCTAssertEqual(bound, 0, "bind \(path): \(String(cString: strerror(errno)))")
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setenv("NOTIFY_SOCKET", path, 1)
    }

    /// The next datagram, or nil after 2 s.
    private func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(socketFD, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// No datagram waiting.
    private func assertNothingQueued(file: StaticString = #filePath, line: UInt = #line) {
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = recv(socketFD, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        XCTAssertEqual(count, -1, "unexpected datagram", file: file, line: line)
    }

    func testWithoutNotifySocketEverythingIsANoOp() throws {
        let notifier = Notifier()
        XCTAssertFalse(notifier.isEnabled)
        XCTAssertFalse(try notifier.ready(status: "x"))
        XCTAssertFalse(try notifier.status("x"))
        XCTAssertFalse(try notifier.watchdog())
        XCTAssertFalse(try notifier.reloading())
        XCTAssertFalse(try notifier.stopping())
        XCTAssertFalse(try notifier.errno(5))
        setenv("NOTIFY_SOCKET", "", 1)
        XCTAssertFalse(notifier.isEnabled)
    }

    func testReady() throws {
        try listen()
        let notifier = Notifier()
        XCTAssertTrue(notifier.isEnabled)
        XCTAssertTrue(try notifier.ready(status: "Next: water at 10:00; 2 today"))
        XCTAssertEqual(receive(), "READY=1\nSTATUS=Next: water at 10:00; 2 today")
        XCTAssertTrue(try notifier.ready())
        XCTAssertEqual(receive(), "READY=1")
        assertNothingQueued()
    }

    func testStatusIsSanitizedToOneLine() throws {
        try listen()
        try Notifier().status("Config error:\nline 3: bad\r\nline 4:\rworse\u{0}!\t ")
        XCTAssertEqual(receive(), "STATUS=Config error: line 3: bad line 4: worse !")
        try Notifier().status("plain")
        XCTAssertEqual(receive(), "STATUS=plain")
    }

    func testWatchdog() throws {
        try listen()
        try Notifier().watchdog()
        XCTAssertEqual(receive(), "WATCHDOG=1")
    }

    func testReloadingCarriesMonotonicTimestamp() throws {
        try listen()
        var before = timespec()
        clock_gettime(CLOCK_MONOTONIC, &before)
        try Notifier().reloading(status: "Reloading\nconfig")
        var after = timespec()
        clock_gettime(CLOCK_MONOTONIC, &after)

        let message = try XCTUnwrap(receive())
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 3, message)
        XCTAssertEqual(lines.first, "RELOADING=1")
        XCTAssertEqual(lines.last, "STATUS=Reloading config")
        let usecText = try XCTUnwrap(lines[1].split(separator: "=", maxSplits: 1).last)
        XCTAssertTrue(lines[1].hasPrefix("MONOTONIC_USEC="), message)
        let usec = try XCTUnwrap(UInt64(usecText))
        let low = UInt64(before.tv_sec) * 1_000_000 + UInt64(before.tv_nsec) / 1000
        let high = UInt64(after.tv_sec) * 1_000_000 + UInt64(after.tv_nsec) / 1000
        XCTAssertTrue((low...high).contains(usec), "\(usec) not in \(low)...\(high)")

        try Notifier().reloading()
        XCTAssertTrue(try XCTUnwrap(receive()).hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
    }

    func testStoppingAndErrno() throws {
        try listen()
        try Notifier().stopping(status: "Stopping")
        XCTAssertEqual(receive(), "STOPPING=1\nSTATUS=Stopping")
        try Notifier().stopping()
        XCTAssertEqual(receive(), "STOPPING=1")
        try Notifier().errno(5, status: "I/O error")
        XCTAssertEqual(receive(), "ERRNO=5\nSTATUS=I/O error")
        try Notifier().errno(-2)
        XCTAssertEqual(receive(), "ERRNO=2")
    }

    func testSendFailureThrowsNamingTheMessage() throws {
        setenv("NOTIFY_SOCKET", "/nonexistent/checkin/notify", 1)
        XCTAssertThrowsError(try Notifier().ready(status: "secret status text")) { error in
            guard let error = error as? SystemdError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.call, "sd_notify(READY,STATUS)")
            XCTAssertEqual(error.errno, ENOENT)
            XCTAssertFalse(error.description.contains("secret"), error.description)
        }
    }

    func testWatchdogInterval() throws {
        let notifier = Notifier()
        XCTAssertNil(notifier.watchdogInterval(), "unset")

        setenv("WATCHDOG_USEC", "30000000", 1)
        setenv("WATCHDOG_PID", String(getpid()), 1)
        XCTAssertEqual(notifier.watchdogInterval(), .seconds(30), "full WatchdogSec, not the ping period")
        XCTAssertEqual(try notifier.checkedWatchdogInterval(), .seconds(30))

        setenv("WATCHDOG_USEC", "1500", 1)
        XCTAssertEqual(notifier.watchdogInterval(), .microseconds(1500))

        unsetenv("WATCHDOG_PID")
        XCTAssertEqual(notifier.watchdogInterval(), .microseconds(1500), "no WATCHDOG_PID: meant for us")

        setenv("WATCHDOG_PID", String(getpid() == 1 ? 2 : 1), 1)
        XCTAssertNil(notifier.watchdogInterval(), "WATCHDOG_PID names another process")

        setenv("WATCHDOG_PID", String(getpid()), 1)
        setenv("WATCHDOG_USEC", "thirty", 1)
        XCTAssertNil(notifier.watchdogInterval(), "invalid reads as off")
        XCTAssertThrowsError(try notifier.checkedWatchdogInterval()) { error in
            XCTAssertEqual((error as? SystemdError)?.call, "sd_watchdog_enabled")
            XCTAssertEqual((error as? SystemdError)?.errno, EINVAL)
        }

        setenv("WATCHDOG_USEC", "0", 1)
        XCTAssertNil(notifier.watchdogInterval())

        // The variables are left in place (unset_environment = 0).
        XCTAssertNotNil(getenv("WATCHDOG_USEC"))
    }

    func testSanitize() {
        XCTAssertEqual(Notifier.sanitize("a\nb"), "a b")
        XCTAssertEqual(Notifier.sanitize("a\r\nb"), "a b")
        XCTAssertEqual(Notifier.sanitize("a\n\nb"), "a  b")
        XCTAssertEqual(Notifier.sanitize("\n trimmed \n"), "trimmed")
        XCTAssertEqual(Notifier.sanitize("Ünïcødé ☕️"), "Ünïcødé ☕️")
        XCTAssertEqual(Notifier.sanitize(""), "")
    }
}
