// The daemon's activity and do-not-disturb sources (SystemdKit), feeding the engine (Breaks.swift).
// None is essential: an absent service is logged once by the source and watched for; a source that
// cannot even start is one warning. No polling: every source is signal-driven.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CheckinCore
import Dispatch
import Logging
import SystemdKit

final class ActivityWatchers {
    var activity: [ActivitySource] = []
    /// The Mutter idle monitor's threshold in seconds (`idleThreshold`), to notice a change on reload.
    var idleThreshold = 0
    var logind: LogindSessionMonitor?
    var doNotDisturb: [DoNotDisturbSource] = []

    /// Names of the activity sources whose services are there now.
    var activityInUse: [String] {
        (activity + (logind.map { [$0 as ActivitySource] } ?? [])).filter(\.isAvailable).map(\.name)
    }

    /// Names of the do-not-disturb monitors whose servers are there and speak their interface.
    var doNotDisturbInUse: [String] { doNotDisturb.filter(\.isAvailable).map(\.name) }

    /// Whether any server says do-not-disturb is on.
    var doNotDisturbOn: Bool { doNotDisturb.contains { $0.isAvailable && $0.isOn == true } }

    func stop() {
        for s in activity { s.stop() }
        logind?.stop()
        for d in doNotDisturb { d.stop() }
        activity = []
        logind = nil
        doNotDisturb = []
    }
}

extension Daemon {
    /// Starts the activity sources on the session bus (Mutter's idle monitor, both screen savers),
    /// logind's session on the system bus the time-change watchers opened, and the four
    /// do-not-disturb monitors. Call on `queue` after the engine and the time-change watchers exist.
    func startActivityWatchers() -> ActivityWatchers {
        dispatchPrecondition(condition: .onQueue(queue))
        let watchers = ActivityWatchers()
        let sourceOptions = ActivitySourceOptions(clock: clock)
        let activityHandler: (ActivitySource) -> (ActivityEvent) -> Void = { source in
            let rank = source.idleRank
            return { [weak self] event in self?.engine?.activity(event, idleRank: rank) }
        }
        watchers.idleThreshold = config.idleThreshold
        let session: [ActivitySource] = [
            MutterIdleMonitor(threshold: .seconds(config.idleThreshold), logger: logger, options: sourceOptions),
            ScreenSaverMonitor(.gnome, logger: logger, options: sourceOptions),
            ScreenSaverMonitor(.freedesktop, logger: logger, options: sourceOptions),
        ]
        for source in session {
            do {
                try source.start(on: bus, handler: activityHandler(source))
                watchers.activity.append(source)
            } catch {
                logger.warning("Cannot watch \(source.name) (\(error)); it is not used")
            }
        }
        if let systemBus = timeChangeWatchers?.systemBus {
            let logind = LogindSessionMonitor(logger: logger, options: sourceOptions)
            do {
                try logind.start(on: systemBus, handler: activityHandler(logind))
                watchers.logind = logind
            } catch {
                logger.warning("Cannot watch the logind session (\(error)); it is not used")
            }
        }
        let monitors: [DoNotDisturbMonitor] = [
            .kde(logger: logger, options: sourceOptions), .dunst(logger: logger, options: sourceOptions),
            .mako(logger: logger, options: sourceOptions), .swaync(logger: logger, options: sourceOptions),
        ]
        for monitor in monitors {
            do {
                try monitor.start(on: bus) { [weak self, weak watchers] _ in
                    guard let self, let watchers else { return }
                    self.engine?.setDoNotDisturb(watchers.doNotDisturbOn)
                    self.publishStatus()
                }
                watchers.doNotDisturb.append(monitor)
            } catch {
                logger.warning("Cannot watch \(monitor.name)'s do-not-disturb (\(error)); it is not used")
            }
        }
        engine.activitySourcesInUse = { [weak watchers] in watchers?.activityInUse ?? [] }
        return watchers
    }

    /// A reload changed `idleThreshold`: the Mutter idle monitor starts again with the new one (it
    /// reads the current state when it appears, so nothing is lost but a moment).
    func applyIdleThreshold() {
        guard let watchers = activityWatchers, watchers.idleThreshold != config.idleThreshold else { return }
        watchers.idleThreshold = config.idleThreshold
        guard let index = watchers.activity.firstIndex(where: { $0 is MutterIdleMonitor }) else { return }
        let old = watchers.activity[index]
        old.stop()
        engine?.activity(ActivityEvent(source: old.name, kind: .lost, at: clock()), idleRank: old.idleRank)
        let mutter = MutterIdleMonitor(threshold: .seconds(config.idleThreshold), logger: logger,
                                       options: ActivitySourceOptions(clock: clock))
        let rank = mutter.idleRank
        do {
            try mutter.start(on: bus) { [weak self] event in self?.engine?.activity(event, idleRank: rank) }
            watchers.activity[index] = mutter
        } catch {
            watchers.activity.remove(at: index)
            logger.warning("Cannot watch \(mutter.name) (\(error)); it is not used")
        }
        logger.info("Mutter's idle threshold is now \(DurationText.format(config.idleThreshold))")
    }
}
