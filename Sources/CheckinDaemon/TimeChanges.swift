// How the daemon notices that "now" or "here" changed under it, and recomputes the schedule:
//
// - The wall clock was set (date -s, timedatectl set-time, an NTP step): `ClockWatcher`, a timerfd
//   with TFD_TIMER_CANCEL_ON_SET.
// - The time zone changed: /etc/localtime was replaced (timedatectl set-timezone swaps the symlink
//   atomically): `FileWatcher` on its directory, filtered to its name. `TZ` in the environment
//   cannot change for a running process: after `systemctl --user set-environment TZ=…` the daemon
//   must be restarted (`systemctl --user restart checkind`). With TZ set, /etc/localtime is ignored,
//   as glibc does.
// - The machine resumed from suspend: logind's `PrepareForSleep(false)` on the system bus. Without a
//   system bus this is logged once and the daemon carries on (current kernels also cancel the
//   timerfd on resume, and the wake-up timer is a wall-clock deadline, so little is lost).
// - DST needs no watcher: deadlines are wall-clock instants computed in the zone's rules.
//
// Everything here runs on the daemon's queue; nothing polls.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CheckinCore
import Dispatch
import Logging
import SystemdKit

/// What made the daemon recompute its schedule (CHECKIN_TIME_CHANGE in the journal).
public enum TimeChange: String, Sendable {
    case clockSet = "clock-set"
    case timeZone = "time-zone"
    case resumed = "resume"
}

/// The watchers behind `Daemon.timeChanged(_:)`. Owned by the daemon, used on its queue.
final class TimeChangeWatchers {
    var clock: ClockWatcher?
    var localtime: FileWatcher?
    /// Lets a burst of events on /etc/localtime (delete + create, rename) settle before reading it.
    var settle: DispatchSourceTimer?
    var systemBus: Bus?
    var sleepMatch: BusSlot?

    func cancel() {
        clock?.cancel()
        clock = nil
        localtime?.cancel()
        localtime = nil
        settle?.cancel()
        settle = nil
        sleepMatch?.cancel()
        sleepMatch = nil
        systemBus?.onDisconnect = nil
        systemBus?.close()
        systemBus = nil
    }
}

enum Login1 {
    static let name = "org.freedesktop.login1"
    static let path = "/org/freedesktop/login1"
    static let manager = "org.freedesktop.login1.Manager"
}

extension Daemon {
    /// How long /etc/localtime must be quiet before it is read again.
    static let localtimeSettleDelay: DispatchTimeInterval = .milliseconds(100)

    /// Installs the wall-clock, time-zone and suspend watchers. None of them is essential: a failure
    /// is logged as a warning and the daemon keeps running. Call on `queue` once the engine exists.
    func startTimeChangeWatchers() -> TimeChangeWatchers {
        dispatchPrecondition(condition: .onQueue(queue))
        let watchers = TimeChangeWatchers()
        do {
            watchers.clock = try ClockWatcher(queue: queue, onError: { [weak self] error in
                self?.logger.warning("Stopped watching the wall clock (\(error)); a changed clock is noticed at the next wake-up only")
            }) { [weak self] in
                self?.timeChanged(.clockSet)
            }
        } catch {
            logger.warning("Cannot watch the wall clock (\(error)); a changed clock is noticed at the next wake-up only")
        }

        let localtimePath = options.localtimePath
        do {
            watchers.localtime = try FileWatcher(path: localtimePath, queue: queue, onError: { [weak self] error in
                self?.logger.warning("Stopped watching \(localtimePath) (\(error)); time-zone changes need a restart now")
            }) { [weak self, weak watchers] in
                guard let self, let watchers else { return }
                self.localtimeTouched(watchers)
            }
        } catch {
            logger.warning("Cannot watch \(localtimePath) (\(error)); time-zone changes need a restart")
        }

        watchSleep(watchers)
        return watchers
    }

    /// Something happened to /etc/localtime: read it once things have settled.
    private func localtimeTouched(_ watchers: TimeChangeWatchers) {
        let timer: DispatchSourceTimer
        if let settle = watchers.settle {
            timer = settle
        } else {
            timer = DispatchSource.makeTimerSource(queue: queue)
            timer.setEventHandler { [weak self] in self?.localtimeSettled() }
            watchers.settle = timer
            timer.activate()
        }
        timer.schedule(deadline: .now() + Self.localtimeSettleDelay)
    }

    private func localtimeSettled() {
        guard let engine else { return }
        let newZone = zone
        if Self.sameRules(newZone, engine.zone, around: clock()) {
            logger.debug("\(options.localtimePath) changed but still means \(newZone.identifier)")
            return
        }
        timeChanged(.timeZone, zone: newZone)
    }

    /// Whether two zones agree now and at their next transition. `Zone ==` compares identifiers
    /// only, and an /etc/localtime that is a plain file is always "localtime".
    static func sameRules(_ a: Zone, _ b: Zone, around now: Date) -> Bool {
        guard a.identifier == b.identifier, a.offset(at: now) == b.offset(at: now),
              a.abbreviation(at: now) == b.abbreviation(at: now) else { return false }
        let (ta, tb) = (a.nextTransition(after: now), b.nextTransition(after: now))
        guard ta == tb else { return false }
        if let t = ta, a.offset(at: t) != b.offset(at: t) { return false }
        return true
    }

    // MARK: - Suspend and resume

    private func watchSleep(_ watchers: TimeChangeWatchers) {
        let address = options.systemBusAddress ?? options.environment["DBUS_SYSTEM_BUS_ADDRESS"]
        let bus: Bus
        do {
            bus = try address.map { a throws(SystemdError) in try Bus(address: a) } ?? Bus.system()
        } catch {
            logger.warning("No system bus (\(error)); suspend and resume are noticed only through the wall clock",
                           metadata: ["checkin_event": .string(CheckinEvent.noSystemBus.rawValue)])
            return
        }
        do {
            try bus.attach(to: queue)
            // A well-known sender: the bus only routes PrepareForSleep from whoever owns login1.
            watchers.sleepMatch = try bus.matchSignal(sender: Login1.name, path: Login1.path, interface: Login1.manager,
                                                      member: "PrepareForSleep") { [weak self] message in
                self?.prepareForSleep(message)
            }
        } catch {
            bus.close()
            logger.warning("Cannot watch logind on the system bus (\(error)); suspend and resume are noticed only through the wall clock",
                           metadata: ["checkin_event": .string(CheckinEvent.noSystemBus.rawValue)])
            return
        }
        bus.onDisconnect = { [weak self] in
            guard let self else { return }
            self.logger.warning("Lost the system bus; suspend and resume are noticed only through the wall clock from now on",
                                metadata: ["checkin_event": .string(CheckinEvent.noSystemBus.rawValue)])
            // Released outside the bus's own callback.
            self.queue.async { [weak self] in
                self?.activityWatchers?.logind?.stop()
                self?.activityWatchers?.logind = nil
                guard let watchers = self?.timeChangeWatchers else { return }
                watchers.sleepMatch?.cancel()
                watchers.sleepMatch = nil
                watchers.systemBus?.close()
                watchers.systemBus = nil
            }
        }
        watchers.systemBus = bus
    }

    private func prepareForSleep(_ message: BusMessage) {
        let sleeping: Bool
        do {
            sleeping = try message.readBool()
        } catch {
            logger.warning("Ignoring a PrepareForSleep signal without a boolean: \(error)")
            return
        }
        // The activity model hears of it too (also when logind has no session for us to watch; the
        // logind activity source reports the same signal, and a second sleep or resume is ignored).
        // Before the replan, so breaks due at the resume wait for their grace period.
        engine?.activity(ActivityEvent(source: "logind", kind: sleeping ? .sleep : .resume, at: clock()),
                         idleRank: activityWatchers?.logind?.idleRank ?? 10)
        if sleeping {
            logger.info("The system is going to sleep", metadata: ["checkin_event": .string(CheckinEvent.sleep.rawValue)])
        } else {
            timeChanged(.resumed)
        }
    }

    // MARK: - Recomputing

    /// Recomputes every next firing from the clock's now in `zone` (default: the zone the
    /// environment and /etc/localtime give now), after doing whatever became due.
    func timeChanged(_ change: TimeChange, zone newZone: Zone? = nil) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let engine else { return }
        let oldZone = engine.zone
        let newZone = newZone ?? zone
        // Firings that became due (the clock jumped forward, the machine slept through one) are
        // handled first by the engine, with their window checks, then everything is replanned.
        engine.timeChanged(zone: newZone)
        let now = clock()
        let what: String
        switch change {
        case .clockSet: what = "The wall clock was set (now \(LocalFormat.dateTime(now, in: newZone)) \(newZone.abbreviation(at: now)))"
        case .timeZone: what = "The time zone changed from \(oldZone.identifier) to \(newZone.identifier)"
        case .resumed: what = "The system resumed from sleep (now \(LocalFormat.dateTime(now, in: newZone)) \(newZone.abbreviation(at: now)))"
        }
        var metadata: Logger.Metadata = [
            "checkin_event": .string(CheckinEvent.timeChanged.rawValue),
            "checkin_time_change": .string(change.rawValue),
            "checkin_time_zone": .string(newZone.identifier),
        ]
        var next = "no reminder scheduled"
        if let upcoming = engine.upcoming {
            next = "next: \(upcoming.reminder) at \(LocalFormat.dateTime(upcoming.at, in: newZone))"
            metadata["checkin_next_at"] = .string(LocalFormat.iso8601(upcoming.at, in: newZone))
        }
        logger.info("\(what); schedule recomputed, \(next)", metadata: metadata)
    }
}
