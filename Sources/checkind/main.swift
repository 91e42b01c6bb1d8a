// checkind: the checkin daemon. Composition root only: arguments, logging, then the Daemon.
// See checkind(8) and docs/ARCHITECTURE.md.

#if canImport(Glibc)
import Glibc
#endif
import CheckinDaemon
import Dispatch
import Logging
import SystemdKit

let usage = """
    Usage: checkind [--config PATH] [--data-dir DIR]
    Delivers mood check-ins and break reminders as desktop notifications and records the answers.

      --config PATH    config file (JSON or plist); default $XDG_CONFIG_HOME/checkin/config.json,
                       then config.plist, else the built-in default
      --data-dir DIR   where the journal database lives; default $XDG_DATA_HOME/checkin
      --version        print the version and exit
      -h, --help       show this help

    Signals: SIGHUP reloads the config (an invalid one is refused and the old one kept);
    SIGTERM and SIGINT stop cleanly.
    """

func fail(_ message: String, code: Int32) -> Never {
    StandardError.write("checkind: \(message)\n")
    exit(code)
}

// Before anything else (and before any thread exists): SIGTERM, SIGINT and SIGHUP stay pending
// until the main thread takes them (below), so a stop right after READY=1 is never lost.
do throws(SystemdError) {
    try SignalWatcher.blockInProcess(Daemon.handledSignals)
} catch {
    StandardError.write("checkind: \(error)\n")
    exit(1)
}

let environment = LoggingSetup.processEnvironment()

var options = DaemonOptions(environment: environment)
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    func value() -> String {
        guard let v = args.popFirst() else { fail("\(arg) needs a value\n\(usage)", code: 64) }
        return v
    }
    switch arg {
    case "--config": options.configPath = value()
    case "--data-dir": options.dataDirectory = value()
    case "--version": print("checkind \(CheckinVersion.string)"); exit(0)
    case "-h", "--help": print(usage); exit(0)
    default:
        if arg.hasPrefix("--config=") { options.configPath = String(arg.dropFirst("--config=".count)) }
        else if arg.hasPrefix("--data-dir=") { options.dataDirectory = String(arg.dropFirst("--data-dir=".count)) }
        else { fail("unknown argument '\(arg)'\n\(usage)", code: 64) }
    }
}

LoggingSetup.bootstrap(identifier: "checkind", environment: environment)
let logger = Logger(label: "checkind")

let daemon: Daemon
do throws(DaemonStartError) {
    daemon = try Daemon(options: options, logger: logger)
} catch {
    error.report(to: logger)
    exit(error.exitCode)
}
daemon.queue.async {
    do throws(DaemonStartError) {
        try daemon.start()
    } catch {
        error.report(to: logger)
        exit(error.exitCode)
    }
}
// The main thread only waits for signals; everything else runs on the daemon's queue.
SignalWatcher.waitForever(Daemon.handledSignals) { signal in
    daemon.queue.async {
        if signal == SIGHUP { daemon.reload() } else { daemon.stop() }
    }
}
