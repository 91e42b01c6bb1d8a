import Foundation
import XCTest
@testable import CheckinCore

/// An injected clock: seconds after a fixed origin (2023-11-14 22:13:20 UTC).
private func t(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_700_000_000 + seconds) }

/// Central European time without files: the same rules as Europe/Berlin since 1996.
private let cet = Zone(posixRule: "CET-1CEST,M3.5.0,M10.5.0/3")!

private func local(_ zone: Zone, _ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int = 0) -> Date {
    zone.date(CivilDateTime(year: y, month: m, day: d, hour: h, minute: min))
}

final class ActivityTests: XCTestCase {
    /// 20 s every 20 min, 5 min every 50 min, 2 min grace.
    let micro = BreakPolicy(id: "micro", interval: 1200, duration: 20, grace: 120)
    let rest = BreakPolicy(id: "rest", interval: 3000, duration: 300, grace: 120)

    func tracker(_ policies: [BreakPolicy]? = nil, start: Double = 0) -> ActivityTracker {
        ActivityTracker(policies: policies ?? [micro, rest], start: t(start))
    }

    // MARK: Active time

    func testActiveTimeCountsOnlyWhileActive() {
        var tr = tracker()
        XCTAssertEqual(tr.presence, .active)
        XCTAssertEqual(tr.activeTime("micro", now: t(300)), 300)
        XCTAssertEqual(tr.apply(.idle(since: t(300))), [])
        XCTAssertEqual(tr.presence, .idle)
        XCTAssertEqual(tr.activeTime("micro", now: t(310)), 300, "idle time does not count")
        XCTAssertNil(tr.dueAt("micro", now: t(305)), "nothing is due while idle")
        XCTAssertEqual(tr.awayTime(now: t(305)), 5)
        XCTAssertEqual(tr.apply(.active(at: t(310))), [], "10 s away is no 20 s break")
        XCTAssertEqual(tr.activeTime("micro", now: t(400)), 390)
        XCTAssertEqual(tr.dueAt("micro", now: t(400)), t(400 + 1200 - 390))
        XCTAssertEqual(tr.dueAt("rest", now: t(400)), t(400 + 3000 - 390))
        XCTAssertEqual(tr.nextDue(now: t(400))?.policy, "micro")
        // Overdue: due now, not in the past.
        XCTAssertEqual(tr.dueAt("micro", now: t(2000)), t(2000))
        XCTAssertNil(tr.dueAt("unknown", now: t(400)))
        XCTAssertEqual(tr.activeTime("unknown", now: t(400)), 0)
    }

    func testIdleSinceReachesBackIntoTheActiveStretchOnly() {
        var tr = tracker()
        // The idle monitor noticed at 110 that input stopped at 50.
        tr.apply(.idle(since: t(50)))
        XCTAssertEqual(tr.activeTime("micro", now: t(110)), 50)
        tr.apply(.active(at: t(115)))      // 65 s away: a micro-break, no rest break
        // A stale "since" from before the stretch began is clamped to the stretch start.
        tr.apply(.idle(since: t(100)))
        XCTAssertEqual(tr.activeTime("rest", now: t(200)), 50)
        XCTAssertEqual(tr.awaySince, t(115))
    }

    func testEventsNeverGoBackwards() {
        var tr = tracker()
        tr.apply(.locked(at: t(100)))
        // An unlock stamped before the lock (a clock step) is taken at the lock's time.
        tr.apply(.unlocked(at: t(90)))
        XCTAssertEqual(tr.presence, .active)
        XCTAssertEqual(tr.lastWake, t(100))
        XCTAssertEqual(tr.activeTime("micro", now: t(200)), 200)
    }

    // MARK: Natural breaks

    func testNaturalBreakExactlyAtTheThreshold() {
        var tr = tracker()
        tr.apply(.idle(since: t(100)))
        let breaks = tr.apply(.active(at: t(120)))
        XCTAssertEqual(breaks, [NaturalBreak(policy: "micro", start: t(100), end: t(120))])
        XCTAssertEqual(breaks.first?.length, 20)
        XCTAssertEqual(tr.activeTime("micro", now: t(130)), 10, "the micro timer restarted at the return")
        XCTAssertEqual(tr.lastReset("micro"), t(120))
        XCTAssertEqual(tr.activeTime("rest", now: t(130)), 110, "20 s is no rest break")
    }

    func testOneSecondShortIsNoBreak() {
        var tr = tracker()
        tr.apply(.idle(since: t(100)))
        XCTAssertEqual(tr.apply(.active(at: t(119))), [])
        XCTAssertEqual(tr.activeTime("micro", now: t(130)), 111)
        XCTAssertEqual(tr.lastReset("micro"), t(0))
    }

    func testLockedCountsAsAway() {
        var tr = tracker()
        tr.apply(.locked(at: t(600)))
        XCTAssertEqual(tr.presence, .locked)
        // Idle while locked changes nothing; unlock while still idle keeps the person away.
        tr.apply(.idle(since: t(650)))
        tr.apply(.unlocked(at: t(900)))
        XCTAssertEqual(tr.presence, .idle)
        let breaks = tr.apply(.active(at: t(905)))
        XCTAssertEqual(breaks.map(\.policy), ["micro", "rest"])
        XCTAssertEqual(breaks.first?.start, t(600))
        XCTAssertEqual(breaks.first?.end, t(905))
    }

    func testSuspendCountsAsIdleForItsLength() {
        var tr = tracker()
        tr.apply(.sleep(at: t(600)))
        XCTAssertEqual(tr.presence, .asleep)
        XCTAssertNil(tr.dueAt("micro", now: t(700)))
        let breaks = tr.apply(.resume(at: t(900)))
        XCTAssertEqual(breaks, [NaturalBreak(policy: "micro", start: t(600), end: t(900)),
                                NaturalBreak(policy: "rest", start: t(600), end: t(900))],
                       "300 s asleep is exactly a rest break")
        XCTAssertEqual(tr.presence, .active)
        XCTAssertEqual(tr.activeTime("rest", now: t(1000)), 100)
    }

    func testSleepingWhileIdleExtendsTheAwayStretch() {
        var tr = tracker()
        tr.apply(.idle(since: t(100)))
        tr.apply(.sleep(at: t(150)))
        XCTAssertEqual(tr.apply(.resume(at: t(200))), [], "still idle after the resume")
        XCTAssertEqual(tr.presence, .idle)
        let breaks = tr.apply(.active(at: t(410)))
        XCTAssertEqual(breaks.map(\.policy), ["micro", "rest"])
        XCTAssertEqual(breaks.first?.start, t(100))
        XCTAssertEqual(breaks.first?.end, t(410))
    }

    func testShortSuspendIsNoRestBreak() {
        var tr = tracker()
        tr.apply(.sleep(at: t(1000)))
        XCTAssertEqual(tr.apply(.resume(at: t(1299))).map(\.policy), ["micro"])
        XCTAssertEqual(tr.activeTime("rest", now: t(1299)), 1000)
    }

    // MARK: Grace

    func testNothingIsDueInsideTheGraceAfterUnlock() {
        var tr = tracker()
        tr.apply(.locked(at: t(2990)))
        tr.apply(.unlocked(at: t(3000)))   // 10 s locked: no break at all
        XCTAssertEqual(tr.activeTime("rest", now: t(3000)), 2990)
        // Due in 10 s by the count, but the grace runs to 3120.
        XCTAssertEqual(tr.dueAt("rest", now: t(3000)), t(3120))
        XCTAssertEqual(tr.dueAt("micro", now: t(3000)), t(3120), "micro was overdue: grace end too")
        // After the grace the count rules again.
        XCTAssertEqual(tr.dueAt("rest", now: t(3200)), t(3200))
    }

    func testNothingIsDueInsideTheGraceAfterResume() {
        var tr = tracker([BreakPolicy(id: "rest", interval: 3000, duration: 300, grace: 60)])
        tr.apply(.sleep(at: t(2900)))
        tr.apply(.resume(at: t(2950)))     // 50 s asleep: no rest break
        XCTAssertEqual(tr.dueAt("rest", now: t(2950)), t(3050), "due by the count after the grace end (3010)")
        var overdue = tracker([BreakPolicy(id: "rest", interval: 1000, duration: 300, grace: 60)])
        overdue.apply(.sleep(at: t(2000)))
        overdue.apply(.resume(at: t(2100)))
        XCTAssertEqual(overdue.dueAt("rest", now: t(2100)), t(2160), "overdue right after resume waits for the grace")
    }

    // MARK: Modes

    func testClockModeCountsWallTimeActiveModeCountsActivity() {
        let clock = BreakPolicy(id: "clock", mode: .clock, interval: 3600, duration: 300, grace: 0)
        let active = BreakPolicy(id: "active", mode: .active, interval: 3600, duration: 300, grace: 0)
        var tr = tracker([clock, active])
        tr.apply(.idle(since: t(1000)))
        XCTAssertNil(tr.dueAt("clock", now: t(1005)), "nothing fires at an absent person, whatever the mode")
        tr.apply(.active(at: t(1100)))     // 100 s away: no break
        XCTAssertEqual(tr.dueAt("clock", now: t(1500)), t(3600))
        XCTAssertEqual(tr.dueAt("active", now: t(1500)), t(3700))
        // A natural break resets both.
        tr.apply(.idle(since: t(1800)))
        XCTAssertEqual(tr.apply(.active(at: t(2100))).map(\.policy), ["clock", "active"])
        XCTAssertEqual(tr.dueAt("clock", now: t(2200)), t(5700))
        XCTAssertEqual(tr.dueAt("active", now: t(2200)), t(5700))
    }

    func testBreakTakenRestartsOnlyThatPolicy() {
        var tr = tracker()
        tr.breakTaken("micro", at: t(1000))
        tr.breakTaken("nope", at: t(1000))
        XCTAssertEqual(tr.activeTime("micro", now: t(1100)), 100)
        XCTAssertEqual(tr.dueAt("micro", now: t(1100)), t(2200))
        XCTAssertEqual(tr.activeTime("rest", now: t(1100)), 1100)
    }

    func testSetPoliciesKeepsCountersOfKeptIDs() {
        var tr = tracker()
        tr.setPolicies([BreakPolicy(id: "rest", interval: 600, duration: 60), BreakPolicy(id: "eyes", interval: 900, duration: 10)],
                       at: t(500))
        XCTAssertEqual(tr.currentPolicies.map(\.id), ["rest", "eyes"])
        XCTAssertEqual(tr.activeTime("rest", now: t(550)), 550)
        XCTAssertEqual(tr.dueAt("rest", now: t(550)), t(600))
        XCTAssertEqual(tr.activeTime("eyes", now: t(550)), 50)
        XCTAssertEqual(tr.activeTime("micro", now: t(550)), 0)
    }

    // MARK: Daily totals

    func testDailyTotalAcrossMidnight() {
        let start = local(cet, 2024, 1, 10, 23)
        var tr = ActivityTracker(policies: [micro], start: start)
        let now = local(cet, 2024, 1, 11, 1)
        XCTAssertEqual(tr.activeTime(on: CivilDate(year: 2024, month: 1, day: 10), in: cet, now: now), 3600)
        XCTAssertEqual(tr.activeTime(on: CivilDate(year: 2024, month: 1, day: 11), in: cet, now: now), 3600)
        // A closed stretch is split the same way.
        tr.apply(.idle(since: now))
        let later = local(cet, 2024, 1, 11, 9)
        XCTAssertEqual(tr.activeTime(on: CivilDate(year: 2024, month: 1, day: 10), in: cet, now: later), 3600)
        XCTAssertEqual(tr.activeTime(on: CivilDate(year: 2024, month: 1, day: 11), in: cet, now: later), 3600)
        XCTAssertEqual(tr.activeTime(on: CivilDate(year: 2024, month: 1, day: 12), in: cet, now: later), 0)
        // In UTC the same hours all fall on the 10th (22:00–24:00Z).
        XCTAssertEqual(tr.activeTime(on: CivilDate(year: 2024, month: 1, day: 10), in: .utc, now: later), 7200)
    }

    func testDailyTotalsOnDSTDays() {
        // 2024-03-31 has 23 hours in CET/CEST, 2024-10-27 has 25.
        let spring = ActivityTracker(policies: [micro], start: local(cet, 2024, 3, 31, 0))
        XCTAssertEqual(spring.activeTime(on: CivilDate(year: 2024, month: 3, day: 31), in: cet,
                                         now: local(cet, 2024, 4, 1, 6)), 23 * 3600)
        XCTAssertEqual(spring.activeTime(on: CivilDate(year: 2024, month: 4, day: 1), in: cet,
                                         now: local(cet, 2024, 4, 1, 6)), 6 * 3600)
        let autumn = ActivityTracker(policies: [micro], start: local(cet, 2024, 10, 27, 0))
        XCTAssertEqual(autumn.activeTime(on: CivilDate(year: 2024, month: 10, day: 27), in: cet,
                                         now: local(cet, 2024, 10, 28, 0)), 25 * 3600)
        // 01:00 to 04:00 local on the autumn day is 4 real hours.
        var partial = ActivityTracker(policies: [micro], start: local(cet, 2024, 10, 27, 1))
        partial.apply(.locked(at: local(cet, 2024, 10, 27, 4)))
        XCTAssertEqual(partial.activeTime(on: CivilDate(year: 2024, month: 10, day: 27), in: cet,
                                          now: local(cet, 2024, 10, 27, 12)), 4 * 3600)
    }

    func testDailyLimit() {
        let nine = local(cet, 2024, 6, 3, 9)
        var tr = ActivityTracker(policies: [micro], start: nine)
        let noon = local(cet, 2024, 6, 3, 12)
        XCTAssertEqual(tr.dailyLimitAt(4 * 3600, in: cet, now: noon), local(cet, 2024, 6, 3, 13))
        XCTAssertEqual(tr.dailyLimitAt(3 * 3600, in: cet, now: noon), noon, "reached: due now")
        XCTAssertNil(tr.dailyLimitAt(16 * 3600, in: cet, now: noon), "would be reached after midnight")
        tr.apply(.locked(at: noon))
        XCTAssertNil(tr.dailyLimitAt(4 * 3600, in: cet, now: local(cet, 2024, 6, 3, 12, 30)))
        XCTAssertEqual(tr.dailyLimitAt(3 * 3600, in: cet, now: local(cet, 2024, 6, 3, 12, 30)),
                       local(cet, 2024, 6, 3, 12, 30))
        // The next day starts from zero.
        XCTAssertNil(tr.dailyLimitAt(3 * 3600, in: cet, now: local(cet, 2024, 6, 4, 8)))
    }

    func testOldStretchesArePrunedButRecentDaysStay() {
        var tr = tracker()
        // 10 days of one active hour each.
        for day in 0..<10 {
            let base = Double(day) * 86_400
            tr.apply(.active(at: t(base)))
            tr.apply(.idle(since: t(base + 3600)))
        }
        let now = t(9 * 86_400 + 7200)
        func day(_ n: Double) -> CivilDate { Zone.utc.civil(t(n * 86_400)).date }
        XCTAssertEqual(tr.activeTime(on: day(9), in: .utc, now: now), 3600)
        XCTAssertEqual(tr.activeTime(on: day(8), in: .utc, now: now), 3600)
        XCTAssertEqual(tr.activeTime(on: day(2), in: .utc, now: now), 0, "pruned")
    }

    // MARK: Combining sources

    func testBestIdleSourceDecides() {
        var c = PresenceCombiner()
        // logind (rank 10) says idle, Mutter (rank 30) says active: Mutter wins.
        XCTAssertEqual(c.report(.idle(since: t(100)), from: "logind", idleRank: 10), [.idle(since: t(100))])
        XCTAssertEqual(c.report(.active(at: t(110)), from: "mutter", idleRank: 30), [.active(at: t(110))])
        XCTAssertEqual(c.report(.idle(since: t(200)), from: "mutter", idleRank: 30), [.idle(since: t(200))])
        XCTAssertEqual(c.report(.active(at: t(250)), from: "logind", idleRank: 10), [], "a lower source is ignored")
        XCTAssertEqual(c.report(.active(at: t(300)), from: "mutter", idleRank: 30), [.active(at: t(300))])
        // Mutter goes away: logind (active) decides, nothing changes.
        XCTAssertEqual(c.forget("mutter", at: t(310)), [])
        XCTAssertEqual(c.report(.idle(since: t(320)), from: "logind", idleRank: 10), [.idle(since: t(320))])
        XCTAssertEqual(c.forget("logind", at: t(330)), [.active(at: t(330))], "no idle source left: active")
        XCTAssertEqual(c.forget("logind", at: t(340)), [])
    }

    func testLockedFromAnySource() {
        var c = PresenceCombiner()
        XCTAssertEqual(c.report(.locked(at: t(10)), from: "screensaver", idleRank: 0), [.locked(at: t(10))])
        XCTAssertEqual(c.report(.locked(at: t(11)), from: "logind", idleRank: 10), [])
        XCTAssertEqual(c.report(.unlocked(at: t(20)), from: "screensaver", idleRank: 0), [], "logind still says locked")
        XCTAssertEqual(c.report(.unlocked(at: t(21)), from: "logind", idleRank: 10), [.unlocked(at: t(21))])
        XCTAssertEqual(c.report(.locked(at: t(30)), from: "screensaver", idleRank: 0), [.locked(at: t(30))])
        XCTAssertEqual(c.forget("screensaver", at: t(40)), [.unlocked(at: t(40))], "a vanished locker does not lock forever")
        XCTAssertFalse(c.isLocked)
    }

    func testSleepAndResumePassThroughOnce() {
        var c = PresenceCombiner()
        XCTAssertEqual(c.report(.sleep(at: t(5)), from: "logind", idleRank: 10), [.sleep(at: t(5))])
        XCTAssertEqual(c.report(.sleep(at: t(6)), from: "logind", idleRank: 10), [])
        XCTAssertTrue(c.isAsleep)
        XCTAssertEqual(c.report(.resume(at: t(9)), from: "logind", idleRank: 10), [.resume(at: t(9))])
        XCTAssertEqual(c.report(.resume(at: t(9)), from: "logind", idleRank: 10), [])
    }

    func testCombinerFeedsTracker() {
        var c = PresenceCombiner()
        var tr = tracker()
        var breaks: [NaturalBreak] = []
        func feed(_ e: PresenceEvent, _ source: String, _ rank: Int) {
            for combined in c.report(e, from: source, idleRank: rank) { breaks += tr.apply(combined) }
        }
        feed(.idle(since: t(100)), "mutter", 30)
        feed(.locked(at: t(130)), "screensaver", 0)
        feed(.active(at: t(400)), "mutter", 30)   // moved the mouse on the lock screen
        XCTAssertEqual(tr.presence, .locked)
        feed(.unlocked(at: t(410)), "screensaver", 0)
        XCTAssertEqual(tr.presence, .active)
        XCTAssertEqual(breaks, [NaturalBreak(policy: "micro", start: t(100), end: t(410)),
                                NaturalBreak(policy: "rest", start: t(100), end: t(410))])
        XCTAssertEqual(tr.dueAt("micro", now: t(410)), t(1610), "restarted at the unlock")
    }
}
