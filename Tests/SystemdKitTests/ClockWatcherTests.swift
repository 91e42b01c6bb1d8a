import CheckinTestSupport
import Dispatch
import Foundation
@testable import SystemdKit
import XCTest

/// ClockWatcher: a timerfd on CLOCK_REALTIME armed with TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET.
///
/// How this is tested without touching the machine's clock: these tests run as root, so they
/// *could* call clock_settime — and must not (it would disturb every other process, NTP, logs).
/// A private time namespace (unshare CLONE_NEWTIME) only offsets CLOCK_MONOTONIC and
/// CLOCK_BOOTTIME, never CLOCK_REALTIME, so there is no safe way to make the kernel report a real
/// ECANCELED. Instead:
/// - real timerfds verify the arming (flags 03 in /proc/self/fdinfo, a far-future deadline), that
///   nothing fires spuriously, and the real read → re-arm → handler path with a near deadline
///   that really expires;
/// - the ECANCELED branch (and failing reads and re-arms) is driven through the injectable
///   system calls, with a pipe standing in for the timerfd so Dispatch really wakes up.
final class ClockWatcherTests: XCTestCase {
    private let queue = DispatchQueue(label: "clock-watcher-test")

    /// "settime flags", "it_value" etc. from /proc/self/fdinfo/FD.
    private func fdinfo(_ fd: Int32) throws -> [String: String] {
        let text = try String(contentsOfFile: "/proc/self/fdinfo/\(fd)", encoding: .utf8)
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    func testArmsACancelOnSetTimerAtTheFarFutureAndStaysQuiet() throws {
        let calls = Locked(0)
        let errors = Locked<[SystemdError]>([])
        let watcher = try queue.sync {
            try ClockWatcher(queue: queue, onError: { e in errors.withLock { $0.append(e) } }) { calls.withLock { $0 += 1 } }
        }
        defer { queue.sync { watcher.cancel() } }
        let fd = watcher.fileDescriptor
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"), "anon_inode:[timerfd]")
        let info = try fdinfo(fd)
        XCTAssertEqual(info["clockid"], "0", "CLOCK_REALTIME")
        XCTAssertEqual(info["settime flags"], "03", "TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET")
        XCTAssertEqual(info["ticks"], "0")
        var current = itimerspec()
        XCTAssertEqual(TimerFD.gettime(fd, &current), 0)
        XCTAssertGreaterThan(current.it_value.tv_sec, 100 * 365 * 86400, "armed far in the future, so it never expires")
        XCTAssertEqual(current.it_interval.tv_sec, 0)
        XCTAssertEqual(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC)
        XCTAssertEqual(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK)

        // Nothing happens on its own.
        Thread.sleep(forTimeInterval: 0.3)
        queue.sync {}
        XCTAssertEqual(calls.current, 0)
        // A spurious wake-up reads EAGAIN from the real fd and is ignored.
        queue.sync { watcher.readable() }
        XCTAssertEqual(calls.current, 0)
        XCTAssertTrue(errors.current.isEmpty)
        XCTAssertTrue(queue.sync { watcher.isWatching })

        // cancel() closes the fd once Dispatch lets go of it.
        queue.sync { watcher.cancel() }
        queue.sync {}
        XCTAssertFalse(queue.sync { watcher.isWatching })
        try waitFor("the timerfd is closed") {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) != "anon_inode:[timerfd]"
        }
    }

    /// The real read and re-arm system calls, with a deadline 50 ms ahead that really expires:
    /// the handler runs, the timer is armed again (still cancel-on-set), and runs again.
    func testARealExpiryIsReadAndTheTimerReArmed() throws {
        let calls = Locked(0)
        let errors = Locked<[SystemdError]>([])
        let soon = { () -> timespec in
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            var t = timespec(tv_sec: now.tv_sec, tv_nsec: now.tv_nsec + 50_000_000)
            if t.tv_nsec >= 1_000_000_000 { t.tv_sec += 1; t.tv_nsec -= 1_000_000_000 }
            return t
        }
        let watcher = try queue.sync {
            try ClockWatcher(queue: queue, system: .live, deadline: soon,
                             onError: { e in errors.withLock { $0.append(e) } }) { calls.withLock { $0 += 1 } }
        }
        defer { queue.sync { watcher.cancel() } }
        try waitFor("two expiries (so the timer was re-armed)") { calls.current >= 2 }
        XCTAssertTrue(errors.current.isEmpty, "\(errors.current)")
        XCTAssertEqual(try fdinfo(watcher.fileDescriptor)["settime flags"], "03")
        XCTAssertTrue(queue.sync { watcher.isWatching })
    }

    /// A scripted stand-in for the timerfd: a non-blocking pipe wakes Dispatch; read() returns
    /// what the test queued, arm() is recorded.
    final class FakeTimer: @unchecked Sendable {
        let log = Locked<[String]>([])
        let results = Locked<[ClockWatcher.ReadResult]>([])
        let armError = Locked<SystemdError?>(nil)
        var pipeFDs: [Int32] = [-1, -1]

        init() throws {
            guard pipe(&pipeFDs) == 0 else { throw ProcessHelperError("pipe: \(errno)") }
            for fd in pipeFDs { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        }

        deinit { Glibc.close(pipeFDs[1]) }

        /// Makes the fd readable; the next read returns `result`.
        func fire(_ result: ClockWatcher.ReadResult) {
            results.withLock { $0.append(result) }
            var byte: UInt8 = 1
            _ = Glibc.write(pipeFDs[1], &byte, 1)
        }

        var system: ClockWatcher.System {
            ClockWatcher.System(
                create: { () throws(SystemdError) -> Int32 in self.pipeFDs[0] },
                arm: { (_: Int32, deadline: timespec) throws(SystemdError) in
                    if let error = self.armError.current { self.log.withLock { $0.append("arm failed") }; throw error }
                    self.log.withLock { $0.append(deadline.tv_sec == ClockWatcher.farFuture.tv_sec ? "arm far-future" : "arm ?") }
                },
                read: { fd in
                    var byte: UInt8 = 0
                    _ = Glibc.read(fd, &byte, 1)  // drain, so Dispatch does not wake again
                    let r = self.results.withLock { $0.isEmpty ? .wouldBlock : $0.removeFirst() }
                    self.log.withLock { $0.append("read \(r)") }
                    return r
                },
                close: { fd in self.log.withLock { $0.append("close") }; Glibc.close(fd) }
            )
        }
    }

    func testECanceledReArmsThenCallsTheHandler() throws {
        let fake = try FakeTimer()
        let errors = Locked<[SystemdError]>([])
        let watcher = try queue.sync {
            try ClockWatcher(queue: queue, system: fake.system, deadline: { ClockWatcher.farFuture },
                             onError: { e in errors.withLock { $0.append(e) } }) { fake.log.withLock { $0.append("handler") } }
        }
        defer { queue.sync { watcher.cancel() } }
        XCTAssertEqual(fake.log.current, ["arm far-future"])

        fake.fire(.canceled)
        try waitFor("the handler") { fake.log.current.contains("handler") }
        // Re-armed before the handler runs, so a change during the handler is not lost.
        XCTAssertEqual(fake.log.current, ["arm far-future", "read canceled", "arm far-future", "handler"])

        // A spurious wake-up does nothing.
        fake.fire(.wouldBlock)
        try waitFor("the read") { fake.log.current.count == 5 }
        queue.sync {}
        XCTAssertEqual(fake.log.current.last, "read wouldBlock")

        // An expiry (the clock reached the far-future deadline) counts as a change too.
        fake.fire(.expired(1))
        try waitFor("the second handler") { fake.log.current.filter { $0 == "handler" }.count == 2 }
        XCTAssertEqual(Array(fake.log.current.suffix(3)), ["read expired(1)", "arm far-future", "handler"])
        XCTAssertTrue(errors.current.isEmpty)
        XCTAssertTrue(queue.sync { watcher.isWatching })
    }

    func testAFailingReadStopsTheWatcherInsteadOfSpinning() throws {
        let fake = try FakeTimer()
        let errors = Locked<[SystemdError]>([])
        let watcher = try queue.sync {
            try ClockWatcher(queue: queue, system: fake.system, deadline: { ClockWatcher.farFuture },
                             onError: { e in errors.withLock { $0.append(e) } }) { fake.log.withLock { $0.append("handler") } }
        }
        fake.fire(.failed(EIO))
        try waitFor("the error") { !errors.current.isEmpty }
        XCTAssertEqual(errors.current.first?.description, "read(timerfd): Input/output error [cannot watch for changes of the wall clock]")
        XCTAssertFalse(queue.sync { watcher.isWatching })
        try waitFor("the fd closed") { fake.log.current.last == "close" }
        XCTAssertFalse(fake.log.current.contains("handler"))
        XCTAssertEqual(errors.current.count, 1)
    }

    func testAFailingReArmIsReportedAndTheChangeStillHandled() throws {
        let fake = try FakeTimer()
        let errors = Locked<[SystemdError]>([])
        let watcher = try queue.sync {
            try ClockWatcher(queue: queue, system: fake.system, deadline: { ClockWatcher.farFuture },
                             onError: { e in errors.withLock { $0.append(e) } }) { fake.log.withLock { $0.append("handler") } }
        }
        fake.armError.withLock { $0 = SystemdError(call: "timerfd_settime(TFD_TIMER_ABSTIME|TFD_TIMER_CANCEL_ON_SET)", errno: EINVAL) }
        fake.fire(.canceled)
        try waitFor("the handler") { fake.log.current.contains("handler") }
        XCTAssertEqual(errors.current.map(\.description), [
            "timerfd_settime(TFD_TIMER_ABSTIME|TFD_TIMER_CANCEL_ON_SET): Invalid argument [cannot watch for changes of the wall clock any more]",
        ])
        XCTAssertFalse(queue.sync { watcher.isWatching })
    }

    func testSystemCallErrorsNameTheCall() throws {
        XCTAssertThrowsError(try ClockWatcher.System.live.arm(-1, ClockWatcher.farFuture)) { error in
            XCTAssertEqual((error as? SystemdError)?.description,
                           "timerfd_settime(TFD_TIMER_ABSTIME|TFD_TIMER_CANCEL_ON_SET): Bad file descriptor")
        }
        XCTAssertEqual(ClockWatcher.System.live.read(-1), .failed(EBADF))
        // A watcher whose timer cannot be armed is not created, and its fd is closed.
        let fake = try FakeTimer()
        fake.armError.withLock { $0 = SystemdError(call: "timerfd_settime(TFD_TIMER_ABSTIME|TFD_TIMER_CANCEL_ON_SET)", errno: EINVAL) }
        XCTAssertThrowsError(try queue.sync {
            try ClockWatcher(queue: queue, system: fake.system, deadline: { ClockWatcher.farFuture }, onError: { _ in }) {}
        })
        XCTAssertEqual(fake.log.current, ["arm failed", "close"])
    }

    private func waitFor(_ what: String, timeout: TimeInterval = 5, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(5_000)
        }
        XCTFail("timed out waiting for \(what)")
        throw ProcessHelperError("timed out waiting for \(what)")
    }
}

/// FileWatcher: inotify on the directory, filtered to one name, in a temporary directory.
final class FileWatcherTests: XCTestCase {
    private let queue = DispatchQueue(label: "file-watcher-test")
    private var dir: URL!

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory(prefix: "filewatcher")
    }

    override func tearDown() {
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    private func watch(_ name: String, calls: Locked<Int>, errors: Locked<[SystemdError]>) throws -> FileWatcher {
        try queue.sync {
            try FileWatcher(path: dir.appendingPathComponent(name).path, queue: queue,
                            onError: { e in errors.withLock { $0.append(e) } }) { calls.withLock { $0 += 1 } }
        }
    }

    private func settle() {
        Thread.sleep(forTimeInterval: 0.1)
        queue.sync {}
    }

    private func waitFor(_ what: String, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if condition() { return }
            usleep(5_000)
        }
        XCTFail("timed out waiting for \(what)")
        throw ProcessHelperError("timed out waiting for \(what)")
    }

    func testReplacementsOfTheNameAreSeenOthersAreNot() throws {
        let fm = FileManager.default
        let path = dir.appendingPathComponent("localtime").path
        try fm.createSymbolicLink(atPath: path, withDestinationPath: "/usr/share/zoneinfo/UTC")
        let calls = Locked(0)
        let errors = Locked<[SystemdError]>([])
        let watcher = try watch("localtime", calls: calls, errors: errors)
        defer { queue.sync { watcher.cancel() } }
        XCTAssertEqual(watcher.directory, dir.path)
        XCTAssertEqual(watcher.name, "localtime")

        // Another file in the directory: nothing.
        try "x".write(toFile: dir.appendingPathComponent("hostname").path, atomically: false, encoding: .utf8)
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("localtime.new").path, withDestinationPath: "/x")
        settle()
        XCTAssertEqual(calls.current, 0)

        // Atomic replacement (timedatectl): rename a new symlink over it.
        var before = calls.current
        XCTAssertEqual(rename(dir.appendingPathComponent("localtime.new").path, path), 0)
        try waitFor("rename seen") { calls.current > before }

        // ln -sf: unlink, then symlink.
        before = calls.current
        try fm.removeItem(atPath: path)
        try fm.createSymbolicLink(atPath: path, withDestinationPath: "/usr/share/zoneinfo/Asia/Kolkata")
        try waitFor("delete + create seen") { calls.current > before }

        // A plain file rewritten in place.
        try fm.removeItem(atPath: path)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        settle()
        before = calls.current
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.write(contentsOf: Data([4]))
        try handle.close()
        try waitFor("close-after-write seen") { calls.current > before }
        XCTAssertTrue(errors.current.isEmpty)
    }

    func testRemovingTheDirectoryIsReported() throws {
        let sub = dir.appendingPathComponent("etc")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let calls = Locked(0)
        let errors = Locked<[SystemdError]>([])
        let watcher = try queue.sync {
            try FileWatcher(path: sub.appendingPathComponent("localtime").path, queue: queue,
                            onError: { e in errors.withLock { $0.append(e) } }) { calls.withLock { $0 += 1 } }
        }
        try FileManager.default.removeItem(at: sub)
        try waitFor("the error") { !errors.current.isEmpty }
        XCTAssertTrue(errors.current[0].description.contains("the directory of \(sub.path)/localtime was removed"), errors.current[0].description)
        XCTAssertFalse(queue.sync { watcher.isWatching })
    }

    func testAMissingDirectoryIsAnError() {
        XCTAssertThrowsError(try FileWatcher(path: dir.appendingPathComponent("nope/localtime").path, queue: queue) {}) { error in
            XCTAssertEqual((error as? SystemdError)?.description,
                           "inotify_add_watch(\(dir.path)/nope): No such file or directory [cannot watch \(dir.path)/nope/localtime for changes]")
        }
    }

    func testParseAndSplit() {
        // wd 1, IN_CREATE, cookie 0, len 16, "localtime" NUL-padded; then wd 1 IN_IGNORED, len 0.
        var bytes: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) } }
        u32(1); u32(UInt32(IN_CREATE)); u32(0); u32(16)
        bytes += Array("localtime".utf8) + [UInt8](repeating: 0, count: 7)
        u32(1); u32(UInt32(IN_IGNORED)); u32(0); u32(0)
        XCTAssertEqual(FileWatcher.parse(bytes[...]), [
            FileWatcher.Event(watch: 1, mask: UInt32(IN_CREATE), name: "localtime"),
            FileWatcher.Event(watch: 1, mask: UInt32(IN_IGNORED), name: ""),
        ])
        XCTAssertEqual(FileWatcher.parse(bytes[0..<20]), [], "a truncated event is not reported")
        XCTAssertEqual(FileWatcher.split("/etc/localtime").directory, "/etc")
        XCTAssertEqual(FileWatcher.split("/localtime").directory, "/")
        XCTAssertEqual(FileWatcher.split("localtime").directory, ".")
    }
}
