import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Raised by the process helpers: a process that would not start, say what we waited for, or exit.
public struct ProcessHelperError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A child process owned by a test: started with an environment, stdout and stderr captured to
/// files, optional stdin pipe for scripted commands, stopped by its PID (also on deinit).
public final class ScriptedProcess: @unchecked Sendable {
    public let name: String
    public let pid: Int32
    public let stdoutPath: String
    public let stderrPath: String
    public let directory: URL
    private let process: Process
    private let stdinPipe: Pipe
    private let ownsDirectory: Bool
    private let lock = NSLock()
    private var stopped = false

    /// Starts `executable`. `environment` entries are added to (and override) this process's
    /// environment; a nil value removes a variable. Output goes to files in `directory`
    /// (a fresh temporary directory by default, removed on deinit).
    public init(
        _ executable: String, arguments: [String] = [], environment: [String: String?] = [:],
        name: String? = nil, directory: URL? = nil
    ) throws {
        let name = name ?? URL(fileURLWithPath: executable).lastPathComponent
        self.name = name
        ownsDirectory = directory == nil
        let directory = try directory ?? makeTemporaryDirectory(prefix: name)
        self.directory = directory
        stdoutPath = directory.appendingPathComponent("\(name).stdout").path
        stderrPath = directory.appendingPathComponent("\(name).stderr").path
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)

        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        stdinPipe = Pipe()
        process.standardInput = stdinPipe
        do {
            try process.run()
        } catch {
            throw ProcessHelperError("cannot start \(executable) \(arguments.joined(separator: " ")): \(error)")
        }
        self.process = process
        pid = process.processIdentifier
    }

    /// Stops the process; a temporary directory this helper created (with the output files) is removed.
    deinit {
        stop()
        if ownsDirectory { try? FileManager.default.removeItem(at: directory) }
    }

    public var isRunning: Bool { process.isRunning }

    /// Everything the process wrote to stdout so far.
    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Writes one line to the process's stdin.
    public func send(_ line: String) throws {
        guard process.isRunning else { throw ProcessHelperError("\(name) (pid \(pid)) is not running; stderr:\n\(stderr)") }
        try stdinPipe.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Waits until some stdout line satisfies `predicate`; returns it. Fails early if the process exits.
    @discardableResult
    public func waitForLine(timeout: TimeInterval = 10, where predicate: (String) -> Bool) throws -> String {
        try waitFor(timeout: timeout, what: "a matching line on stdout") {
            stdout.split(separator: "\n").map(String.init).first(where: predicate)
        }
    }

    /// Polls `condition` every 10 ms until it returns a value, the timeout passes, or the process exits.
    public func waitFor<T>(timeout: TimeInterval = 10, what: String, _ condition: () throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let value = try condition() { return value }
            if !process.isRunning {
                if let value = try condition() { return value }
                throw ProcessHelperError(
                    "\(name) (pid \(pid)) exited with status \(process.terminationStatus) while waiting for \(what)\n"
                    + "stdout:\n\(stdout)\nstderr:\n\(stderr)")
            }
            if Date() >= deadline {
                throw ProcessHelperError(
                    "timed out after \(timeout)s waiting for \(what) from \(name) (pid \(pid))\n"
                    + "stdout:\n\(stdout)\nstderr:\n\(stderr)")
            }
            usleep(10_000)
        }
    }

    /// Waits for the process to exit by itself; returns its status, or nil on timeout.
    public func waitForExit(timeout: TimeInterval = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline { return nil }
            usleep(10_000)
        }
        return process.terminationStatus
    }

    /// Sends `signal` to this PID, escalates to SIGKILL after `timeout`, and reaps it. Idempotent.
    public func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 5) {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        try? stdinPipe.fileHandleForWriting.close()
        if process.isRunning {
            kill(pid, signal)
            if waitForExit(timeout: timeout) == nil {
                kill(pid, SIGKILL)
            }
        }
        process.waitUntilExit()
    }
}

/// A fresh private directory under the system temporary directory.
public func makeTemporaryDirectory(prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("checkin-\(prefix)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])
    return url
}

/// Files under Tests/Fixtures.
public enum Fixtures {
    public static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    public static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }
}

/// A value shared between a test and callbacks on other queues.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    public init(_ value: Value) { self.value = value }
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
    public var current: Value { withLock { $0 } }
}
