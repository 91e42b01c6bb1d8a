// The daemon: start-up, the event loop on one serial queue, reload, shutdown, and what it tells
// systemd. Everything that touches the bus, the store or the engine runs on `queue`.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import CheckinCore
import Dispatch
import Logging
import SystemdKit

public struct DaemonOptions: Sendable {
    /// `--config PATH`; nil: `$XDG_CONFIG_HOME/checkin/config.{json,plist}` or the built-in default.
    public var configPath: String?
    /// `--data-dir DIR`; nil: `$XDG_DATA_HOME/checkin`.
    public var dataDirectory: String?
    /// A bus address to use instead of the session bus (tests).
    public var busAddress: String?
    public var environment: [String: String]
    // Time changes (TimeChanges.swift):
    /// The system bus on which logind announces suspend and resume; nil: `DBUS_SYSTEM_BUS_ADDRESS`
    /// from `environment`, else the default system bus. Without one the daemon still runs.
    public var systemBusAddress: String? = nil
    /// The file naming the local time zone, watched for replacement (tests use a temporary one).
    public var localtimePath: String = "/etc/localtime"
    /// The only uid whose calls the control interface accepts (default: our own effective uid);
    /// tests set another one to see calls refused.
    public var controlUID: uid_t = geteuid()

    public init(configPath: String? = nil, dataDirectory: String? = nil, busAddress: String? = nil,
                environment: [String: String]) {
        self.configPath = configPath
        self.dataDirectory = dataDirectory
        self.busAddress = busAddress
        self.environment = environment
    }

    public var databasePath: String {
        if let dataDirectory { return dataDirectory + "/checkin.sqlite" }
        return Store.defaultPath(environment: environment)
    }
}

/// Why the daemon could not start; the message is what systemd's status shows.
public struct DaemonStartError: Error, CustomStringConvertible {
    public var description: String
    /// Exit status: 78 (EX_CONFIG) for a bad config, 1 otherwise.
    public var exitCode: Int32
    /// The config file at fault, for CHECKIN_CONFIG_FILE.
    public var configFile: String?
    /// One line for STATUS=.
    public var summary: String

    /// Logs the failure (CHECKIN_EVENT=start-failed, with a MESSAGE_ID) and tells systemd.
    public func report(to logger: Logger) {
        var extra: Logger.Metadata = [:]
        if let configFile { extra["checkin_config_file"] = .string(configFile) }
        logger.event(.startFailed, description, level: .critical, extra: extra)
        _ = try? Notifier().status("Failed: \(summary)")
    }
}

public final class Daemon: @unchecked Sendable {
    public let queue = DispatchQueue(label: "io.checkin.daemon")
    public let options: DaemonOptions
    let logger: Logger
    let notifier = Notifier()
    let clock: @Sendable () -> Date

    private(set) var configPath: String?
    var config: Config
    var configError: String?
    var store: Store!
    var bus: Bus!
    var notifications: NotificationsClient!
    public private(set) var engine: PromptEngine!
    var slots: [BusSlot] = []
    private var sources: [DispatchSourceProtocol] = []
    private var wakeTimer: DispatchSourceTimer?
    /// Wall-clock, time-zone and suspend watchers (TimeChanges.swift).
    var timeChangeWatchers: TimeChangeWatchers?
    /// Activity and do-not-disturb sources (ActivityWatchers.swift).
    var activityWatchers: ActivityWatchers?
    private var stopped = false
    private var lastStatus = ""
    /// The control object's property values last announced (PropertiesChanged is sent for the
    /// ones that differ from these).
    var publishedProperties: [String: BusVariant] = [:]
    /// Callers' effective uids by unique name (unique names are never reused on a bus).
    var senderUIDs: [String: uid_t] = [:]
    /// Set by tests to observe shutdown instead of exiting the process.
    public var exitHandler: (Int32) -> Void = { code in exit(code) }

    public init(options: DaemonOptions, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }) throws(DaemonStartError) {
        self.options = options
        self.logger = logger
        self.clock = clock
        let path = ConfigLoader.locate(explicit: options.configPath, environment: options.environment)
        configPath = path
        do {
            config = try ConfigLoader.load(path: path)
        } catch {
            throw DaemonStartError(description: "refusing to start, the config is invalid:\n\(error.description)", exitCode: 78,
                                   configFile: error.file, summary: error.summary)
        }
    }

    var zone: Zone { Zone.system(environment: options.environment, localtimePath: options.localtimePath) }

    /// Store, bus, name, notification client, engine, signals, watchdog; then READY=1.
    /// Call on `queue`.
    public func start() throws(DaemonStartError) {
        dispatchPrecondition(condition: .onQueue(queue))
        do {
            store = try Store(path: options.databasePath)
        } catch {
            throw DaemonStartError(description: "cannot open the journal database: \(error)", exitCode: 1, summary: "cannot open the journal database: \(error)")
        }
        do {
            bus = try options.busAddress.map { a throws(SystemdError) in try Bus(address: a) } ?? Bus.user()
            try bus.attach(to: queue)
            _ = try bus.requestName(ControlInterface.busName)
            slots.append(try exportControlObject())
        } catch {
            throw DaemonStartError(description: "cannot use the session bus: \(error)", exitCode: 1, summary: "cannot use the session bus: \(error)")
        }
        let engine = PromptEngine(config: config, zone: zone, store: store, logger: logger, clock: clock)
        self.engine = engine
        engine.onWakeupChanged = { [weak self] at in self?.armWakeup(at) }
        engine.onStatusChanged = { [weak self] in self?.publishStatus() }
        engine.onPauseChanged = { [weak self] in self?.publishStatus() }
        engine.onDelivered = { [weak self] reminder, prompt, kind in self?.emitPromptDelivered(reminder: reminder, prompt: prompt, kind: kind) }
        engine.onEntryRecorded = { [weak self] id, reminder, source in self?.emitEntryRecorded(id: id, reminder: reminder, source: source) }
        do {
            notifications = try NotificationsClient(bus: bus)
        } catch {
            throw DaemonStartError(description: "cannot watch the notification server: \(error)", exitCode: 1, summary: "cannot watch the notification server: \(error)")
        }
        engine.sink = notifications
        notifications.onEvent = { [weak self] event in self?.handle(event) }
        engine.start()
        publishedProperties = controlProperties()
        timeChangeWatchers = startTimeChangeWatchers()
        activityWatchers = startActivityWatchers()
        queryServer()
        startWatchdog()
        logger.event(.started, "checkind started with \(config.source) (\(config.scheduledReminders.count) reminders, database \(options.databasePath))")
        do { _ = try notifier.ready(status: statusLine()) } catch { logger.warning("sd_notify failed: \(error)") }
        lastStatus = statusLine()
    }

    private func handle(_ event: NotificationEvent) {
        switch event {
        case .serverAppeared:
            queryServer()
        case .serverVanished:
            engine.serverVanished()
        default:
            engine.handle(event)
        }
    }

    /// Asks the server for its capabilities; delivery starts once they are known.
    private func queryServer() {
        notifications.capabilities { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let caps):
                self.engine.serverAppeared(capabilities: caps)
            case .failure(let error):
                self.logger.warning("No notification server on the session bus yet (\(error)); reminders will be shown when one appears")
                self.publishStatus()
            }
        }
    }

    // MARK: - Timers

    /// Arms the one wake-up timer for the engine's next wake-up, or the next local midnight if
    /// that is earlier (today's count starts again: STATUS= and TodayCount follow).
    private func armWakeup(_ at: Date?) {
        wakeTimer?.cancel()
        wakeTimer = nil
        let now = clock()
        let zone = engine?.zone ?? self.zone
        let midnight = zone.date(CivilDateTime(date: zone.civil(now).date.adding(days: 1), hour: 0, minute: 0, second: 0))
        let at = min(at ?? midnight, midnight)
        let timer = DispatchSource.makeTimerSource(queue: queue)
        // A wall-clock deadline: it follows the calendar across suspend.
        let seconds = max(0, at.timeIntervalSince(now))
        timer.schedule(wallDeadline: .now() + seconds, leeway: .milliseconds(250))
        timer.setEventHandler { [weak self] in self?.engine.tick() }
        timer.resume()
        wakeTimer = timer
    }

    private func startWatchdog() {
        guard let interval = notifier.watchdogInterval() else { return }
        let period = interval / 2
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let (seconds, attoseconds) = period.components
        let nanos = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanos), repeating: .nanoseconds(nanos), leeway: .milliseconds(nanos / 1_000_000 / 10))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            do { _ = try self.notifier.watchdog() } catch { self.logger.warning("watchdog ping failed: \(error)") }
        }
        timer.resume()
        sources.append(timer)
    }

    // MARK: - Signals

    /// The signals checkind handles: SIGTERM and SIGINT stop, SIGHUP reloads (checkind's main
    /// thread waits for them and calls `stop()` or `reload()` on the queue).
    public static let handledSignals = [SIGTERM, SIGINT, SIGHUP]

    /// Reloads the config. An invalid one is refused with its errors in the journal and STATUS=,
    /// and the running config stays. Returns the error text, nil on success.
    @discardableResult
    public func reload() -> String? {
        dispatchPrecondition(condition: .onQueue(queue))
        do { _ = try notifier.reloading(status: "Reloading the config") } catch {}
        let path = ConfigLoader.locate(explicit: options.configPath, environment: options.environment)
        defer {
            lastStatus = statusLine()
            do { _ = try notifier.ready(status: lastStatus) } catch {}
            publishProperties()
        }
        do {
            let newConfig = try ConfigLoader.load(path: path)
            config = newConfig
            configPath = path
            configError = nil
            engine.apply(config: newConfig, zone: zone)
            applyIdleThreshold()
            logger.event(.reloaded, "Reloaded \(newConfig.source) (\(newConfig.scheduledReminders.count) reminders)")
            return nil
        } catch {
            configError = error.summary
            logger.event(.reloadFailed, "Reload refused, keeping the running config: \(error.description)", level: .error,
                         extra: ["checkin_config_file": .string(error.file)])
            return error.description
        }
    }

    public func stop() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !stopped else { return }
        stopped = true
        do { _ = try notifier.stopping(status: "Stopping") } catch {}
        logger.event(.stopping, "checkind stopping")
        engine?.closeAll()
        wakeTimer?.cancel()
        activityWatchers?.stop()
        activityWatchers = nil
        timeChangeWatchers?.cancel()
        timeChangeWatchers = nil
        for s in sources { s.cancel() }
        sources = []
        slots = []
        bus?.close()
        store?.close()
        exitHandler(0)
    }

    // MARK: - Status

    func statusLine() -> String {
        var parts: [String] = []
        let now = clock()
        let zone = engine?.zone ?? self.zone
        let pause = engine?.pause ?? .none
        switch pause {
        case .none: break
        case .indefinitely: parts.append("Paused")
        case .until(let end):
            // HH:MM within a day; a later end also names its date.
            let text = end.timeIntervalSince(now) < 86400 ? LocalFormat.time(end, in: zone) : LocalFormat.dateTime(end, in: zone)
            parts.append("Paused until \(text)")
        }
        if let next = engine?.upcoming {
            parts.append("Next: \(next.reminder) at \(LocalFormat.time(next.at, in: zone)) (\(LocalFormat.relative(Int(next.at.timeIntervalSince(now)))))")
        } else if pause != .indefinitely {
            parts.append("No reminder scheduled")
        }
        let count = todayCount(now: now, zone: zone)
        parts.append("\(count) check-in\(count == 1 ? "" : "s") today")
        if let engine, !engine.serverAvailable { parts.append("waiting for a notification server") }
        if let engine, engine.activityDegraded { parts.append("no activity source: active breaks count wall-clock time") }
        if let engine, engine.doNotDisturb { parts.append("do-not-disturb is on") }
        if let configError { parts.append("config error: \(configError)") }
        return parts.joined(separator: "; ")
    }

    func todayCount(now: Date, zone: Zone) -> Int {
        let today = zone.civil(now).date
        let start = zone.date(CivilDateTime(date: today, hour: 0, minute: 0, second: 0))
        let end = zone.date(CivilDateTime(date: today.adding(days: 1), hour: 0, minute: 0, second: 0))
        return (try? store?.countEntries(from: start, to: end)) ?? 0
    }

    func publishStatus() {
        publishProperties()
        let line = statusLine()
        guard line != lastStatus else { return }
        lastStatus = line
        do { _ = try notifier.status(line) } catch {}
    }

    public func statusDictionary() -> [String: BusVariant] {
        let now = clock()
        let zone = engine.zone
        var d: [String: BusVariant] = [
            "Version": .string(CheckinVersion.string),
            "Status": .string(statusLine()),
            "ConfigSource": .string(config.source),
            "ConfigError": .string(configError ?? ""),
            "Database": .string(options.databasePath),
            "TodayCount": .uint32(UInt32(todayCount(now: now, zone: zone))),
            "OpenPrompts": .uint32(UInt32(engine.openPromptCount)),
            "NotificationServer": .bool(engine.serverAvailable),
            "TimeZone": .string(zone.identifier),
        ]
        if let next = engine.upcoming {
            d["NextReminder"] = .string(next.reminder)
            d["NextAt"] = .uint64(microseconds(next.at))
        }
        d["ActivitySources"] = .stringArray(activityWatchers?.activityInUse ?? [])
        d["DoNotDisturbSources"] = .stringArray(activityWatchers?.doNotDisturbInUse ?? [])
        d["DoNotDisturb"] = .bool(engine.doNotDisturb)
        d["Presence"] = .string(engine.tracker.presence.rawValue)
        d["Paused"] = .bool(engine.pause.isPaused)
        d["PausedUntil"] = .uint64(engine.pause.end.map(microseconds) ?? 0)
        return d
    }
}

public enum CheckinVersion {
    public static let string = "0.1.0"
}
