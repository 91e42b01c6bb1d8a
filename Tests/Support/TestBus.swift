import Foundation

/// A private message bus for one test: `dbus-daemon --nofork` with a generated session-type config
/// (its own socket directory, no service files, so nothing is ever auto-activated), stopped by PID.
public final class TestBus: @unchecked Sendable {
    /// The address to connect to, e.g. `unix:path=/tmp/checkin-bus-…/bus-…`.
    public let address: String
    public var pid: Int32 { process.pid }
    public let directory: URL
    private let process: ScriptedProcess

    /// Starts the daemon and waits (up to `timeout` seconds) for it to print its address.
    public init(timeout: TimeInterval = 10) throws {
        guard let daemon = executablePath("dbus-daemon") else {
            throw IntegrationUnavailable(missing: "dbus-daemon", isCI: isCI)
        }
        let directory = try makeTemporaryDirectory(prefix: "bus")
        self.directory = directory
        let config = directory.appendingPathComponent("bus.conf")
        try """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
          "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>session</type>
          <keep_umask/>
          <listen>unix:dir=\(directory.path)</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow send_destination="*" eavesdrop="true"/>
            <allow eavesdrop="true"/>
            <allow own="*"/>
          </policy>
        </busconfig>
        """.write(to: config, atomically: true, encoding: .utf8)
        process = try ScriptedProcess(
            daemon, arguments: ["--config-file=\(config.path)", "--nofork", "--print-address=1", "--nopidfile"],
            name: "dbus-daemon", directory: directory)
        do {
            address = try process.waitForLine(timeout: timeout) { $0.hasPrefix("unix:") }
        } catch {
            process.stop()
            throw error
        }
    }

    deinit { stop() }

    /// Kills the daemon (by its PID) and removes its directory. Idempotent.
    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Environment pointing session-bus clients at this bus.
    public var environment: [String: String?] { ["DBUS_SESSION_BUS_ADDRESS": address] }
}
