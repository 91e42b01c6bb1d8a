import Foundation
import XCTest

/// Base of the CLI test classes: runs the real `checkin` binary in a private home (config, data,
/// no session bus) so tests can compare exact output and exit codes. Has no tests of its own.
class CLITestCase: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("checkin-cli-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    static var binDirectory: URL {
        // The test bundle sits next to the products it was built with (on Linux, bundleURL is
        // already that directory).
        let bundle = Bundle(for: CLITestCase.self).bundleURL
        return [bundle, bundle.deletingLastPathComponent()].first {
            FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("checkind").path)
        } ?? bundle
    }

    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The environment every run gets: a private home, UTC, and no session bus (so `status` says
    /// the daemon is not running).
    var baseEnvironment: [String: String] {
        [
            "HOME": dir.path,
            "XDG_CONFIG_HOME": dir.appendingPathComponent("config").path,
            "XDG_DATA_HOME": dir.appendingPathComponent("data").path,
            "TZ": "UTC",
            "PATH": "/usr/bin:/bin",
            "DBUS_SESSION_BUS_ADDRESS": sessionBusAddress,
        ]
    }

    /// No session bus by default: `status` must say the daemon is not running.
    var sessionBusAddress: String { "unix:path=\(dir.path)/no-bus" }

    func checkin(_ args: [String], env extra: [String: String] = [:]) throws -> Result {
        try run(Self.binDirectory.appendingPathComponent("checkin"), args, env: baseEnvironment.merging(extra) { _, new in new })
    }

    /// Runs `executable` to the end; its output and exit status.
    func run(_ executable: URL, _ args: [String], env: [String: String]) throws -> Result {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }

    var databasePath: String { dir.appendingPathComponent("data/checkin/checkin.sqlite").path }

    /// Runs `checkin ARGS` on a pseudo-terminal (Tests/Fixtures/pty_run.py), typing each answer
    /// once a prompt appears ("<EOF>" types Ctrl-D); stdout is the terminal's transcript.
    func checkinOnTerminal(_ args: [String], answers: [String], env extra: [String: String] = [:]) throws -> Result {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: answers), as: UTF8.self)
        return try run(URL(fileURLWithPath: "/usr/bin/python3"),
                       [Self.repoRoot.appendingPathComponent("Tests/Fixtures/pty_run.py").path, json,
                        Self.binDirectory.appendingPathComponent("checkin").path] + args,
                       env: baseEnvironment.merging(extra) { _, new in new })
    }
}
