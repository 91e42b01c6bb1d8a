import Foundation
import XCTest
@testable import CheckinCore

/// An instant from its POSIX seconds.
private func at(_ seconds: Int) -> Date { Date(timeIntervalSince1970: Double(seconds)) }

/// "2026-03-29 02:30" as a CivilDateTime.
private func local(_ text: String) -> CivilDateTime {
    guard let value = CivilDateTime.parse(text) else { fatalError("bad test literal \(text)") }
    return value
}

private func zone(_ identifier: String) -> Zone {
    do { return try Zone.named(identifier) } catch { fatalError("\(error)") }
}

// Deterministic pseudo-random numbers: CheckinCore's SplitMix64 (the one random schedules use).

/// `+HH:MM:SS` like `date +%::z` (which writes "-00:00:00" for the "-00" placeholder abbreviation).
private func formatOffset(_ seconds: Int, abbreviation: String) -> String {
    let sign = seconds < 0 || abbreviation == "-00" ? "-" : "+"
    let s = abs(seconds)
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(sign)\(two(s / 3600)):\(two(s % 3600 / 60)):\(two(s % 60))"
}

/// Builds TZif bytes (both the v1 and the 64-bit block) for parser tests.
private func makeTZif(version: UInt8 = UInt8(ascii: "2"), transitions: [Int64], indices: [UInt8],
                      types: [(offset: Int32, isDST: Bool, abbreviationIndex: UInt8)], abbreviations: String,
                      footer: String?) -> [UInt8] {
    func be32(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }
    func be64(_ v: UInt64) -> [UInt8] { [56, 48, 40, 32, 24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }
    let chars = Array(abbreviations.utf8)
    func block(timeSize: Int) -> [UInt8] {
        var out = Array("TZif".utf8) + [version] + [UInt8](repeating: 0, count: 15)
        for count in [0, 0, 0, transitions.count, types.count, chars.count] { out += be32(UInt32(count)) }
        for t in transitions { out += timeSize == 8 ? be64(UInt64(bitPattern: t)) : be32(UInt32(truncatingIfNeeded: t)) }
        out += indices
        for type in types { out += be32(UInt32(bitPattern: type.offset)) + [type.isDST ? 1 : 0, type.abbreviationIndex] }
        out += chars
        return out
    }
    var bytes = block(timeSize: 4)
    if version != 0 {
        bytes += block(timeSize: 8)
        bytes += Array("\n\(footer ?? "")\n".utf8)
    }
    return bytes
}

final class ZoneTests: XCTestCase {
    // MARK: - UTC and fixed offsets

    func testUTC() {
        let utc = Zone.utc
        XCTAssertEqual(utc.identifier, "UTC")
        XCTAssertEqual(utc.offset(at: at(1_774_746_000)), 0)
        XCTAssertEqual(utc.abbreviation(at: at(0)), "UTC")
        XCTAssertFalse(utc.isDaylightSaving(at: at(0)))
        XCTAssertEqual(utc.civil(at(1_774_747_800)).description, "2026-03-29T01:30:00")
        XCTAssertEqual(utc.civil(Date(timeIntervalSince1970: -0.5)).description, "1969-12-31T23:59:59")
        XCTAssertEqual(utc.resolve(local("2026-03-29 02:30")), .unique(at(1_774_751_400)))
        XCTAssertEqual(utc.date(local("2026-03-29 02:30")), at(1_774_751_400))
        XCTAssertNil(utc.nextTransition(after: at(0)))
        XCTAssertEqual(zone("UTC"), Zone.utc)
        XCTAssertEqual(zone("Etc/UTC").offset(at: at(2_000_000_000)), 0)
    }

    func testKolkata() {
        let z = zone("Asia/Kolkata")
        XCTAssertEqual(z.identifier, "Asia/Kolkata")
        XCTAssertEqual(z.offset(at: at(1_774_746_000)), 19_800)
        XCTAssertEqual(z.abbreviation(at: at(1_774_746_000)), "IST")
        XCTAssertFalse(z.isDaylightSaving(at: at(1_774_746_000)))
        XCTAssertEqual(z.civil(at(1_774_746_000)).description, "2026-03-29T06:30:00")
        XCTAssertEqual(z.resolve(local("2026-03-29 06:30")), .unique(at(1_774_746_000)))
        XCTAssertEqual(z.offset(at: at(3_794_173_200)), 19_800)   // 2090, footer "IST-5:30"
        XCTAssertNil(z.nextTransition(after: at(1_774_746_000)))
    }

    // MARK: - Europe/Berlin

    func testBerlinSpringForward() {
        let z = zone("Europe/Berlin")
        // 2026-03-29 01:00:00Z: 02:00 CET becomes 03:00 CEST.
        XCTAssertEqual(z.offset(at: at(1_774_745_999)), 3600)
        XCTAssertEqual(z.abbreviation(at: at(1_774_745_999)), "CET")
        XCTAssertFalse(z.isDaylightSaving(at: at(1_774_745_999)))
        XCTAssertEqual(z.offset(at: at(1_774_746_000)), 7200)
        XCTAssertEqual(z.abbreviation(at: at(1_774_746_000)), "CEST")
        XCTAssertTrue(z.isDaylightSaving(at: at(1_774_746_000)))
        XCTAssertEqual(z.civil(at(1_774_745_999)).description, "2026-03-29T01:59:59")
        XCTAssertEqual(z.civil(at(1_774_746_000)).description, "2026-03-29T03:00:00")
        XCTAssertEqual(z.nextTransition(after: at(1_774_000_000)), at(1_774_746_000))

        XCTAssertEqual(z.resolve(local("2026-03-29 01:59:59")), .unique(at(1_774_745_999)))
        XCTAssertEqual(z.resolve(local("2026-03-29 02:00")), .gap(at(1_774_746_000)))
        XCTAssertEqual(z.resolve(local("2026-03-29 02:30")), .gap(at(1_774_746_000)))
        XCTAssertEqual(z.resolve(local("2026-03-29 02:59:59")), .gap(at(1_774_746_000)))
        XCTAssertEqual(z.resolve(local("2026-03-29 03:00")), .unique(at(1_774_746_000)))
        // mktime-style: 02:30 that does not exist is read as 03:30 CEST.
        XCTAssertEqual(z.date(local("2026-03-29 02:30")), at(1_774_747_800))
        XCTAssertEqual(z.civil(z.date(local("2026-03-29 02:30"))).description, "2026-03-29T03:30:00")
    }

    func testBerlinFallBack() {
        let z = zone("Europe/Berlin")
        // 2026-10-25 01:00:00Z: 03:00 CEST becomes 02:00 CET.
        XCTAssertEqual(z.offset(at: at(1_792_889_999)), 7200)
        XCTAssertEqual(z.offset(at: at(1_792_890_000)), 3600)
        XCTAssertEqual(z.abbreviation(at: at(1_792_890_000)), "CET")
        XCTAssertEqual(z.civil(at(1_792_889_999)).description, "2026-10-25T02:59:59")
        XCTAssertEqual(z.civil(at(1_792_890_000)).description, "2026-10-25T02:00:00")
        XCTAssertEqual(z.nextTransition(after: at(1_774_746_000)), at(1_792_890_000))

        XCTAssertEqual(z.resolve(local("2026-10-25 01:59:59")), .unique(at(1_792_886_399)))
        XCTAssertEqual(z.resolve(local("2026-10-25 02:00")), .overlap(earlier: at(1_792_886_400), later: at(1_792_890_000)))
        XCTAssertEqual(z.resolve(local("2026-10-25 02:30")), .overlap(earlier: at(1_792_888_200), later: at(1_792_891_800)))
        XCTAssertEqual(z.resolve(local("2026-10-25 03:00")), .unique(at(1_792_893_600)))
        XCTAssertEqual(z.date(local("2026-10-25 02:30")), at(1_792_888_200))
    }

    func testBerlinFarFutureUsesFooterRule() {
        // Debian's fat files list transitions up to 2037; 2090 comes from "CET-1CEST,M3.5.0,M10.5.0/3".
        let z = zone("Europe/Berlin")
        XCTAssertEqual(z.offset(at: at(3_794_173_199)), 3600)
        XCTAssertEqual(z.offset(at: at(3_794_173_200)), 7200)
        XCTAssertEqual(z.abbreviation(at: at(3_794_173_200)), "CEST")
        XCTAssertEqual(z.offset(at: at(3_812_921_999)), 7200)
        XCTAssertEqual(z.offset(at: at(3_812_922_000)), 3600)
        XCTAssertEqual(z.resolve(local("2090-03-26 02:30")), .gap(at(3_794_173_200)))
        XCTAssertEqual(z.resolve(local("2090-10-29 02:30")), .overlap(earlier: at(3_812_920_200), later: at(3_812_923_800)))
        XCTAssertEqual(z.nextTransition(after: at(3_790_000_000)), at(3_794_173_200))
        XCTAssertEqual(z.nextTransition(after: at(3_794_173_200)), at(3_812_922_000))
    }

    // MARK: - Other zones

    func testNewYork() {
        let z = zone("America/New_York")
        XCTAssertEqual(z.offset(at: at(1_772_953_199)), -18_000)
        XCTAssertEqual(z.abbreviation(at: at(1_772_953_199)), "EST")
        XCTAssertEqual(z.offset(at: at(1_772_953_200)), -14_400)
        XCTAssertEqual(z.abbreviation(at: at(1_772_953_200)), "EDT")
        XCTAssertEqual(z.resolve(local("2026-03-08 02:30")), .gap(at(1_772_953_200)))
        XCTAssertEqual(z.date(local("2026-03-08 02:30")), at(1_772_955_000))   // 03:30 EDT
        XCTAssertEqual(z.offset(at: at(1_793_512_799)), -14_400)
        XCTAssertEqual(z.offset(at: at(1_793_512_800)), -18_000)
        XCTAssertEqual(z.resolve(local("2026-11-01 01:30")), .overlap(earlier: at(1_793_511_000), later: at(1_793_514_600)))
        XCTAssertEqual(z.date(local("2026-11-01 01:30")), at(1_793_511_000))
        XCTAssertEqual(z.civil(at(1_793_514_600)).description, "2026-11-01T01:30:00")
    }

    func testLordHoweHalfHourDST() {
        let z = zone("Australia/Lord_Howe")
        // 2026-04-05 02:00 +11 -> 01:30 +1030 (at 2026-04-04 15:00:00Z).
        XCTAssertEqual(z.offset(at: at(1_775_314_799)), 39_600)
        XCTAssertEqual(z.offset(at: at(1_775_314_800)), 37_800)
        XCTAssertEqual(z.abbreviation(at: at(1_775_314_800)), "+1030")
        XCTAssertEqual(z.abbreviation(at: at(1_775_314_799)), "+11")
        XCTAssertTrue(z.isDaylightSaving(at: at(1_775_314_799)))
        XCTAssertEqual(z.resolve(local("2026-04-05 01:45")),
                       .overlap(earlier: at(1_775_314_800 - 900), later: at(1_775_314_800 + 900)))
        // 2026-10-04 02:00 +1030 -> 02:30 +11 (at 2026-10-03 15:30:00Z).
        XCTAssertEqual(z.offset(at: at(1_791_041_399)), 37_800)
        XCTAssertEqual(z.offset(at: at(1_791_041_400)), 39_600)
        XCTAssertEqual(z.resolve(local("2026-10-04 02:15")), .gap(at(1_791_041_400)))
        XCTAssertEqual(z.civil(z.date(local("2026-10-04 02:15"))).description, "2026-10-04T02:45:00")
        // Far future, southern hemisphere footer "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0".
        XCTAssertEqual(z.civil(at(3_794_173_200)).description, "2090-03-26T12:00:00")   // still DST (+11)
        XCTAssertEqual(z.offset(at: at(3_794_173_200 + 30 * 86_400)), 37_800)          // late April: +1030
    }

    func testChatham() {
        let z = zone("Pacific/Chatham")
        // 2026-09-27 02:45 +1245 -> 03:45 +1345 (at 2026-09-26 14:00:00Z).
        XCTAssertEqual(z.offset(at: at(1_790_431_199)), 45_900)
        XCTAssertEqual(z.offset(at: at(1_790_431_200)), 49_500)
        XCTAssertEqual(z.abbreviation(at: at(1_790_431_200)), "+1345")
        XCTAssertEqual(z.civil(at(1_790_431_200)).description, "2026-09-27T03:45:00")
        XCTAssertEqual(z.resolve(local("2026-09-27 03:00")), .gap(at(1_790_431_200)))
        // 2026-04-05 03:45 +1345 -> 02:45 +1245 (at 2026-04-04 14:00:00Z).
        XCTAssertEqual(z.offset(at: at(1_775_311_199)), 49_500)
        XCTAssertEqual(z.offset(at: at(1_775_311_200)), 45_900)
        XCTAssertEqual(z.resolve(local("2026-04-05 03:00")),
                       .overlap(earlier: at(1_775_311_200 - 2700), later: at(1_775_311_200 + 900)))
    }

    // MARK: - POSIX rules

    func testPosixRuleParsing() throws {
        let rule = try XCTUnwrap(PosixTZ.parse("CET-1CEST,M3.5.0,M10.5.0/3"))
        XCTAssertEqual(rule.std, Zone.LocalType(offset: 3600, isDST: false, abbreviation: "CET"))
        let dst = try XCTUnwrap(rule.dst)
        XCTAssertEqual(dst.type, Zone.LocalType(offset: 7200, isDST: true, abbreviation: "CEST"))
        XCTAssertEqual(dst.start, .monthWeekDay(month: 3, week: 5, weekday: 0))
        XCTAssertEqual(dst.startTime, 7200)
        XCTAssertEqual(dst.end, .monthWeekDay(month: 10, week: 5, weekday: 0))
        XCTAssertEqual(dst.endTime, 10_800)

        let chatham = try XCTUnwrap(PosixTZ.parse("<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45"))
        XCTAssertEqual(chatham.std.offset, 45_900)
        XCTAssertEqual(chatham.std.abbreviation, "+1245")
        XCTAssertEqual(chatham.dst?.type.offset, 49_500)   // default: one hour more
        XCTAssertEqual(chatham.dst?.startTime, 9900)
        XCTAssertEqual(chatham.dst?.endTime, 13_500)

        let nuuk = try XCTUnwrap(PosixTZ.parse("<-02>2<-01>,M3.5.0/-1,M10.5.0/0"))
        XCTAssertEqual(nuuk.std.offset, -7200)
        XCTAssertEqual(nuuk.dst?.startTime, -3600)
        XCTAssertEqual(nuuk.dst?.endTime, 0)

        let jerusalem = try XCTUnwrap(PosixTZ.parse("IST-2IDT,M3.4.4/26,M10.5.0"))
        XCTAssertEqual(jerusalem.dst?.startTime, 26 * 3600)
        XCTAssertEqual(jerusalem.dst?.endTime, 7200)

        let julian = try XCTUnwrap(PosixTZ.parse("AAA3BBB2:30:15,J60/1:02:03,300/+167"))
        XCTAssertEqual(julian.std.offset, -10_800)
        XCTAssertEqual(julian.dst?.type.offset, -9015)
        XCTAssertEqual(julian.dst?.start, .julian(60))
        XCTAssertEqual(julian.dst?.startTime, 3723)
        XCTAssertEqual(julian.dst?.end, .zeroBased(300))
        XCTAssertEqual(julian.dst?.endTime, 167 * 3600)

        XCTAssertEqual(PosixTZ.parse("IST-5:30"), PosixTZ(std: .init(offset: 19_800, isDST: false, abbreviation: "IST"), dst: nil))
        // POSIX default rules when only names are given.
        XCTAssertEqual(PosixTZ.parse("EST5EDT")?.dst?.start, .monthWeekDay(month: 3, week: 2, weekday: 0))

        for bad in ["", "CET", "CE-1", "Europe/Berlin", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0",
                    "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,J0,J365",
                    "CET-1CEST,366,J365", "CET-1CEST,M3.5.0/168,M10.5.0", "CET-25", "<+05>-5:60",
                    "<ab>-1", "CET-1CEST,M3.5.0,M10.5.0/3x", ":Europe/Berlin"] {
            XCTAssertNil(PosixTZ.parse(bad), bad)
            XCTAssertNil(Zone(posixRule: bad), bad)
        }
    }

    func testPosixRuleDayForms() {
        // Jn never counts February 29; n does.
        XCTAssertEqual(CivilDate(daysSinceEpoch: PosixTZ.DayRule.julian(59).day(in: 2024)).description, "2024-02-28")
        XCTAssertEqual(CivilDate(daysSinceEpoch: PosixTZ.DayRule.julian(60).day(in: 2024)).description, "2024-03-01")
        XCTAssertEqual(CivilDate(daysSinceEpoch: PosixTZ.DayRule.julian(60).day(in: 2025)).description, "2025-03-01")
        XCTAssertEqual(CivilDate(daysSinceEpoch: PosixTZ.DayRule.julian(365).day(in: 2024)).description, "2024-12-31")
        XCTAssertEqual(CivilDate(daysSinceEpoch: PosixTZ.DayRule.zeroBased(59).day(in: 2024)).description, "2024-02-29")
        XCTAssertEqual(CivilDate(daysSinceEpoch: PosixTZ.DayRule.zeroBased(59).day(in: 2025)).description, "2025-03-01")
        XCTAssertEqual(CivilDate(daysSinceEpoch: PosixTZ.DayRule.zeroBased(0).day(in: 2026)).description, "2026-01-01")
        XCTAssertEqual(CivilDate(daysSinceEpoch: PosixTZ.DayRule.zeroBased(365).day(in: 2024)).description, "2024-12-31")
        // Mm.w.d: week 5 is the last such weekday; week 1 the first.
        let lastSundayMarch = PosixTZ.DayRule.monthWeekDay(month: 3, week: 5, weekday: 0)
        XCTAssertEqual(CivilDate(daysSinceEpoch: lastSundayMarch.day(in: 2026)).description, "2026-03-29")
        XCTAssertEqual(CivilDate(daysSinceEpoch: lastSundayMarch.day(in: 2090)).description, "2090-03-26")
        XCTAssertEqual(CivilDate(daysSinceEpoch: lastSundayMarch.day(in: 2020)).description, "2020-03-29")
        let secondSundayMarch = PosixTZ.DayRule.monthWeekDay(month: 3, week: 2, weekday: 0)
        XCTAssertEqual(CivilDate(daysSinceEpoch: secondSundayMarch.day(in: 2026)).description, "2026-03-08")
        let firstSundayNovember = PosixTZ.DayRule.monthWeekDay(month: 11, week: 1, weekday: 0)
        XCTAssertEqual(CivilDate(daysSinceEpoch: firstSundayNovember.day(in: 2026)).description, "2026-11-01")
        let fourthThursdayMarch = PosixTZ.DayRule.monthWeekDay(month: 3, week: 4, weekday: 4)
        XCTAssertEqual(CivilDate(daysSinceEpoch: fourthThursdayMarch.day(in: 2026)).description, "2026-03-26")
        let lastSaturdayFebruary = PosixTZ.DayRule.monthWeekDay(month: 2, week: 5, weekday: 6)
        XCTAssertEqual(CivilDate(daysSinceEpoch: lastSaturdayFebruary.day(in: 2025)).description, "2025-02-22")
    }

    func testPosixRuleZoneMatchesBerlinFile() throws {
        let rule = try XCTUnwrap(Zone(posixRule: "CET-1CEST,M3.5.0,M10.5.0/3"))
        XCTAssertEqual(rule.identifier, "CET-1CEST,M3.5.0,M10.5.0/3")
        let berlin = zone("Europe/Berlin")
        var rng = SplitMix64(state: 7)
        for _ in 0..<2000 {
            let t = Int.random(in: 852_076_800...4_102_444_800, using: &rng)   // 1997 ... 2100
            XCTAssertEqual(rule.offset(at: at(t)), berlin.offset(at: at(t)), "\(t)")
            XCTAssertEqual(rule.abbreviation(at: at(t)), berlin.abbreviation(at: at(t)), "\(t)")
        }
        XCTAssertEqual(rule.resolve(local("2026-03-29 02:30")), .gap(at(1_774_746_000)))
        XCTAssertEqual(rule.resolve(local("2026-10-25 02:30")), .overlap(earlier: at(1_792_888_200), later: at(1_792_891_800)))
        XCTAssertEqual(rule.nextTransition(after: at(1_774_746_000)), at(1_792_890_000))
    }

    func testPosixRuleSignedAndLateTransitionTimes() throws {
        // Nuuk: DST starts Saturday 22:00 local (Sunday -1:00) and ends at 23:00 local (Sunday 0:00 in DST).
        let nuuk = try XCTUnwrap(Zone(posixRule: "<-02>2<-01>,M3.5.0/-1,M10.5.0/0"))
        let file = zone("America/Nuuk")
        // Jerusalem: Friday before the last Sunday of March, written as Thursday 26:00.
        let jerusalem = try XCTUnwrap(Zone(posixRule: "IST-2IDT,M3.4.4/26,M10.5.0"))
        let jerusalemFile = zone("Asia/Jerusalem")
        var rng = SplitMix64(state: 11)
        for _ in 0..<1000 {
            let t = Int.random(in: 2_000_000_000...4_102_444_800, using: &rng)   // 2033 ... 2100
            XCTAssertEqual(nuuk.offset(at: at(t)), file.offset(at: at(t)), "\(t)")
            XCTAssertEqual(jerusalem.offset(at: at(t)), jerusalemFile.offset(at: at(t)), "\(t)")
        }
        // 2030-03-31 is the last Sunday: DST from "Sunday -1:00" = Saturday 23:00 -02 = 2030-03-31 01:00Z.
        let start = CivilDateTime(year: 2030, month: 3, day: 31, hour: 1, minute: 0).secondsSinceEpoch
        XCTAssertEqual(nuuk.offset(at: at(start - 1)), -7200)
        XCTAssertEqual(nuuk.offset(at: at(start)), -3600)
        XCTAssertEqual(nuuk.civil(at(start - 1)).description, "2030-03-30T22:59:59")
        XCTAssertEqual(nuuk.civil(at(start)).description, "2030-03-31T00:00:00")
        // 2030-03-29 (Friday) 02:00 IST -> 03:00 IDT in Jerusalem.
        XCTAssertEqual(jerusalem.resolve(local("2030-03-29 02:30")),
                       .gap(at(CivilDateTime(year: 2030, month: 3, day: 29, hour: 0, minute: 0).secondsSinceEpoch)))
    }

    func testPosixRulePermanentDaylightTime() throws {
        // RFC 8536 section 3.3.1: DST all year when it starts Jan 1 00:00 and ends Dec 31 24:00 + 1h.
        let z = try XCTUnwrap(Zone(posixRule: "EST5EDT,0/0,J365/25"))
        var rng = SplitMix64(state: 3)
        for _ in 0..<500 {
            let t = Int.random(in: 0...4_102_444_800, using: &rng)
            XCTAssertEqual(z.offset(at: at(t)), -14_400, "\(t)")
            XCTAssertEqual(z.abbreviation(at: at(t)), "EDT")
        }
        XCTAssertNil(z.nextTransition(after: at(1_774_746_000)))
        XCTAssertEqual(z.resolve(local("2027-01-01 00:30")), .unique(at(1_798_777_800)))
    }

    func testPosixRuleSouthernHemisphere() throws {
        let z = try XCTUnwrap(Zone(posixRule: "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"))
        XCTAssertEqual(z.offset(at: at(1_775_314_799)), 39_600)
        XCTAssertEqual(z.offset(at: at(1_775_314_800)), 37_800)
        XCTAssertEqual(z.offset(at: at(1_791_041_399)), 37_800)
        XCTAssertEqual(z.offset(at: at(1_791_041_400)), 39_600)
        XCTAssertEqual(z.offset(at: at(1_798_761_600)), 39_600)   // New Year 2027: summer
    }

    // MARK: - TZif parsing

    func testVersion1FileAndTypeZeroBeforeFirstTransition() throws {
        let bytes = makeTZif(version: 0, transitions: [1000], indices: [1],
                             types: [(3600, false, 0), (7200, true, 4)], abbreviations: "AAA\0BBB\0", footer: nil)
        let z = try Zone(identifier: "Test/V1", tzif: bytes)
        XCTAssertEqual(z.offset(at: at(999)), 3600)
        XCTAssertEqual(z.abbreviation(at: at(999)), "AAA")
        XCTAssertEqual(z.offset(at: at(1000)), 7200)
        XCTAssertEqual(z.abbreviation(at: at(1000)), "BBB")
        XCTAssertTrue(z.isDaylightSaving(at: at(5_000_000_000)))   // no footer: last type forever
        XCTAssertNil(z.nextTransition(after: at(1000)))
        XCTAssertEqual(z.nextTransition(after: at(0)), at(1000))
    }

    func testVersion2UsesSixtyFourBitBlockAndFooter() throws {
        // A transition beyond 2038 only fits the 64-bit block; the footer takes over afterwards.
        let bytes = makeTZif(version: UInt8(ascii: "4"), transitions: [3_000_000_000], indices: [1],
                             types: [(0, false, 0), (19_800, false, 4)], abbreviations: "LMT\0IST\0",
                             footer: "IST-5:30")
        let z = try Zone(identifier: "Test/V4", tzif: bytes)
        XCTAssertEqual(z.offset(at: at(2_999_999_999)), 0)
        XCTAssertEqual(z.offset(at: at(3_000_000_000)), 19_800)
        XCTAssertEqual(z.abbreviation(at: at(4_000_000_000)), "IST")
    }

    func testSlimFileWithoutTransitionsRunsOnFooter() throws {
        let bytes = makeTZif(transitions: [], indices: [], types: [(3600, false, 0)], abbreviations: "CET\0",
                             footer: "CET-1CEST,M3.5.0,M10.5.0/3")
        let z = try Zone(identifier: "Test/Slim", tzif: bytes)
        XCTAssertEqual(z.offset(at: at(1_774_745_999)), 3600)
        XCTAssertEqual(z.offset(at: at(1_774_746_000)), 7200)
        XCTAssertEqual(z.abbreviation(at: at(1_774_746_000)), "CEST")
        XCTAssertEqual(z.resolve(local("2026-03-29 02:30")), .gap(at(1_774_746_000)))
    }

    func testZicSlimOutputMatchesFatFile() throws {
        let zic = "/usr/sbin/zic"
        guard FileManager.default.isExecutableFile(atPath: zic) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("zic is missing in CI"); return }
            throw XCTSkip("zic not installed")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("checkin-zic-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("test.zi")
        try """
        Rule EU 1981 max - Mar lastSun 1:00u 1:00 S
        Rule EU 1996 max - Oct lastSun 1:00u 0 -
        Zone Test/Slim 1:00 EU CE%sT

        """.write(to: source, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: zic)
        process.arguments = ["-b", "slim", "-d", dir.path, source.path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let path = dir.appendingPathComponent("Test/Slim").path
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertLessThan(bytes.count, 200, "expected a slim file")
        let slim = try Zone.named("Test/Slim", zoneinfoDirectory: dir.path)
        XCTAssertLessThan(slim.transitions.count, 5)
        let berlin = zone("Europe/Berlin")
        var rng = SplitMix64(state: 5)
        for _ in 0..<2000 {
            let t = Int.random(in: 852_076_800...4_102_444_800, using: &rng)
            XCTAssertEqual(slim.offset(at: at(t)), berlin.offset(at: at(t)), "\(t)")
            XCTAssertEqual(slim.abbreviation(at: at(t)), berlin.abbreviation(at: at(t)), "\(t)")
        }
        XCTAssertEqual(slim.resolve(local("2026-10-25 02:30")), .overlap(earlier: at(1_792_888_200), later: at(1_792_891_800)))
        XCTAssertEqual(slim.date(local("2026-03-29 02:30")), at(1_774_747_800))
    }

    func testDebianFilesAreVersion2PlusWithFooter() throws {
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: "/usr/share/zoneinfo/Europe/Berlin"))
        XCTAssertEqual(Array(bytes.prefix(4)), Array("TZif".utf8))
        XCTAssertGreaterThanOrEqual(bytes[4], UInt8(ascii: "2"))
        XCTAssertNotNil(zone("Europe/Berlin").rule)
    }

    func testInvalidData() {
        func error(_ bytes: [UInt8]) -> String? {
            do { _ = try Zone(identifier: "Bad/Zone", tzif: bytes); return nil } catch { return error.description }
        }
        XCTAssertEqual(error(Array("NOPE2".utf8) + [UInt8](repeating: 0, count: 60)),
                       "invalid time zone data for 'Bad/Zone' (not a TZif file (bad magic))")
        XCTAssertEqual(error(Array("TZif2".utf8)), "invalid time zone data for 'Bad/Zone' (truncated header)")
        let good = makeTZif(transitions: [10], indices: [0], types: [(0, false, 0)], abbreviations: "UTC\0", footer: "UTC0")
        XCTAssertNil(error(good))
        XCTAssertEqual(error(Array(good.dropLast(3))), "invalid time zone data for 'Bad/Zone' (footer does not end with a newline)")
        XCTAssertEqual(error(Array(good.prefix(50))), "invalid time zone data for 'Bad/Zone' (truncated version 1 data block)")
        let badIndex = makeTZif(transitions: [10], indices: [3], types: [(0, false, 0)], abbreviations: "UTC\0", footer: "UTC0")
        XCTAssertEqual(error(badIndex), "invalid time zone data for 'Bad/Zone' (transition type index 3 out of range)")
        let badFooter = makeTZif(transitions: [], indices: [], types: [(0, false, 0)], abbreviations: "UTC\0", footer: "Mars/Olympus")
        XCTAssertEqual(error(badFooter), "invalid time zone data for 'Bad/Zone' (invalid footer TZ string 'Mars/Olympus')")
        let unordered = makeTZif(transitions: [10, 5], indices: [0, 0], types: [(0, false, 0)], abbreviations: "UTC\0", footer: "")
        XCTAssertEqual(error(unordered), "invalid time zone data for 'Bad/Zone' (transition times are not ascending)")
    }

    // MARK: - Names and errors

    func testUnknownZoneError() {
        XCTAssertThrowsError(try Zone.named("Europe/Berln")) { error in
            XCTAssertEqual("\(error)", "unknown time zone 'Europe/Berln' (no file /usr/share/zoneinfo/Europe/Berln)")
            XCTAssertEqual((error as? ZoneError)?.code, .unknownZone)
            XCTAssertEqual((error as? ZoneError)?.path, "/usr/share/zoneinfo/Europe/Berln")
        }
        XCTAssertThrowsError(try Zone.named("Europe")) { error in
            XCTAssertEqual("\(error)", "unknown time zone 'Europe' (/usr/share/zoneinfo/Europe is a directory)")
        }
        XCTAssertThrowsError(try Zone.named("Europe/Berlin", zoneinfoDirectory: "/nonexistent")) { error in
            XCTAssertEqual("\(error)", "unknown time zone 'Europe/Berlin' (no file /nonexistent/Europe/Berlin)")
        }
        XCTAssertThrowsError(try Zone.named("zone.tab")) { error in
            XCTAssertEqual((error as? ZoneError)?.code, .invalidData)
            XCTAssertEqual("\(error)", "invalid time zone data for 'zone.tab' (/usr/share/zoneinfo/zone.tab: not a TZif file (bad magic))")
        }
    }

    func testRejectedIdentifiers() {
        let cases = [
            ("", "invalid time zone identifier '' (empty)"),
            ("/etc/localtime", "invalid time zone identifier '/etc/localtime' (must be relative to the zoneinfo directory, like 'Europe/Berlin')"),
            ("../../etc/passwd", "invalid time zone identifier '../../etc/passwd' (must not contain '..')"),
            ("Europe/../Europe/Berlin", "invalid time zone identifier 'Europe/../Europe/Berlin' (must not contain '..')"),
        ]
        for (identifier, message) in cases {
            XCTAssertThrowsError(try Zone.named(identifier), identifier) { error in
                XCTAssertEqual("\(error)", message)
                XCTAssertEqual((error as? ZoneError)?.code, .invalidIdentifier)
            }
        }
    }

    func testUTCWithoutZoneinfo() throws {
        XCTAssertEqual(try Zone.named("UTC", zoneinfoDirectory: "/nonexistent").offset(at: at(0)), 0)
        XCTAssertEqual(try Zone.named("Etc/UTC", zoneinfoDirectory: "/nonexistent").identifier, "Etc/UTC")
    }

    func testIdentityByIdentifier() throws {
        let a = zone("Europe/Berlin"), b = zone("Europe/Berlin")
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, zone("Europe/Paris"))
        XCTAssertEqual(Set([a, b, Zone.utc]).count, 2)
        XCTAssertEqual(a.description, "Europe/Berlin")
    }

    // MARK: - System zone

    func testSystemFromTZ() {
        XCTAssertEqual(Zone.system(environment: ["TZ": ":Europe/Berlin"]).identifier, "Europe/Berlin")
        XCTAssertEqual(Zone.system(environment: ["TZ": ":Europe/Berlin"]).offset(at: at(1_774_746_000)), 7200)
        let kolkata = Zone.system(environment: ["TZ": "Asia/Kolkata"])
        XCTAssertEqual(kolkata.identifier, "Asia/Kolkata")
        XCTAssertEqual(kolkata.offset(at: at(0)), 19_800)
        XCTAssertEqual(Zone.system(environment: ["TZ": ""]), .utc)
        XCTAssertEqual(Zone.system(environment: ["TZ": ":"]), .utc)
        XCTAssertEqual(Zone.system(environment: ["TZ": "UTC"]), .utc)
        XCTAssertEqual(Zone.system(environment: ["TZ": "Europe/Berln"]), .utc)        // unknown: UTC like glibc
        XCTAssertEqual(Zone.system(environment: ["TZ": "../../etc/passwd"]), .utc)
        XCTAssertEqual(Zone.system(environment: ["TZ": ":/usr/share/zoneinfo/Asia/Kolkata"]).identifier, "Asia/Kolkata")
        let posix = Zone.system(environment: ["TZ": "CET-1CEST,M3.5.0,M10.5.0/3"])
        XCTAssertEqual(posix.identifier, "CET-1CEST,M3.5.0,M10.5.0/3")
        XCTAssertEqual(posix.offset(at: at(1_774_746_000)), 7200)
        // TZ wins over /etc/localtime.
        XCTAssertEqual(Zone.system(environment: ["TZ": "Asia/Kolkata"], localtimePath: "/nonexistent").identifier, "Asia/Kolkata")
    }

    func testSystemFromLocaltime() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("checkin-localtime-\(getpid())")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }

        let absolute = dir.appendingPathComponent("localtime-absolute").path
        try fm.createSymbolicLink(atPath: absolute, withDestinationPath: "/usr/share/zoneinfo/Europe/Berlin")
        let berlin = Zone.system(environment: [:], localtimePath: absolute)
        XCTAssertEqual(berlin.identifier, "Europe/Berlin")
        XCTAssertEqual(berlin.offset(at: at(1_774_746_000)), 7200)
        XCTAssertEqual(berlin.resolve(local("2026-03-29 02:30")), .gap(at(1_774_746_000)))

        // Relative symlink, as `ln -sr` or timedatectl on some systems writes it.
        let relative = dir.appendingPathComponent("localtime-relative").path
        let ups = String(repeating: "../", count: dir.pathComponents.count - 1)
        try fm.createSymbolicLink(atPath: relative, withDestinationPath: ups + "usr/share/zoneinfo/America/New_York")
        XCTAssertEqual(Zone.system(environment: [:], localtimePath: relative).identifier, "America/New_York")

        // A copy of the file, not a link: the content counts, the name is "localtime".
        let copy = dir.appendingPathComponent("localtime-copy").path
        try fm.copyItem(atPath: "/usr/share/zoneinfo/Asia/Kolkata", toPath: copy)
        let copied = Zone.system(environment: [:], localtimePath: copy)
        XCTAssertEqual(copied.identifier, "localtime")
        XCTAssertEqual(copied.offset(at: at(0)), 19_800)

        // A symlink into a custom zoneinfo directory.
        let custom = dir.appendingPathComponent("zoneinfo-custom/Pacific")
        try fm.createDirectory(at: custom, withIntermediateDirectories: true)
        try fm.copyItem(atPath: "/usr/share/zoneinfo/Pacific/Chatham", toPath: custom.appendingPathComponent("Chatham").path)
        let customLink = dir.appendingPathComponent("localtime-custom").path
        try fm.createSymbolicLink(atPath: customLink, withDestinationPath: custom.appendingPathComponent("Chatham").path)
        XCTAssertEqual(Zone.system(environment: [:], localtimePath: customLink,
                                   zoneinfoDirectory: dir.appendingPathComponent("zoneinfo-custom").path).identifier,
                       "Pacific/Chatham")

        // Dangling link and missing file: UTC.
        let dangling = dir.appendingPathComponent("localtime-dangling").path
        try fm.createSymbolicLink(atPath: dangling, withDestinationPath: "/usr/share/zoneinfo/Nowhere/Land")
        XCTAssertEqual(Zone.system(environment: [:], localtimePath: dangling), .utc)
        XCTAssertEqual(Zone.system(environment: [:], localtimePath: dir.appendingPathComponent("missing").path), .utc)
    }

    func testZoneNameFromPath() {
        XCTAssertEqual(Zone.zoneName(forPath: "/usr/share/zoneinfo/Europe/Berlin", zoneinfoDirectory: "/usr/share/zoneinfo"), "Europe/Berlin")
        XCTAssertEqual(Zone.zoneName(forPath: "/etc/../usr/share/zoneinfo/./Etc/UTC", zoneinfoDirectory: "/usr/share/zoneinfo/"), "Etc/UTC")
        XCTAssertEqual(Zone.zoneName(forPath: "/usr/share/zoneinfo/posix/Asia/Tokyo", zoneinfoDirectory: "/usr/share/zoneinfo"), "Asia/Tokyo")
        XCTAssertEqual(Zone.zoneName(forPath: "/usr/lib/zoneinfo/Asia/Tokyo", zoneinfoDirectory: "/usr/share/zoneinfo"), "Asia/Tokyo")
        XCTAssertNil(Zone.zoneName(forPath: "/etc/some-file", zoneinfoDirectory: "/usr/share/zoneinfo"))
        XCTAssertNil(Zone.zoneName(forPath: "/usr/share/zoneinfo", zoneinfoDirectory: "/usr/share/zoneinfo"))
    }

    // MARK: - Cross-checks

    /// Compares offset, abbreviation and local time with GNU `date` for random instants.
    func testMatchesSystemDate() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/date") else { throw XCTSkip("no /usr/bin/date") }
        let zones = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
                     "Pacific/Chatham", "America/Nuuk", "Asia/Jerusalem", "Europe/Dublin", "America/Sao_Paulo",
                     "Africa/Casablanca", "Pacific/Apia", "America/St_Johns", "Antarctica/Troll"]
        var rng = SplitMix64(state: 42)
        for name in zones {
            let z = zone(name)
            var instants: [Int] = []
            for _ in 0..<200 { instants.append(Int.random(in: -2_000_000_000...7_000_000_000, using: &rng)) }  // 1906 ... 2191
            for _ in 0..<50 { instants.append(Int.random(in: 1_767_225_600...1_830_297_600, using: &rng)) }     // 2026 ... 2027
            // Around every transition in 2026 and 2090 (one second before and at it).
            for start in [1_767_225_600, 3_786_825_600] {
                var t = at(start)
                while let next = z.nextTransition(after: t), next.timeIntervalSince1970 < Double(start + 366 * 86_400) {
                    instants += [Int(next.timeIntervalSince1970) - 1, Int(next.timeIntervalSince1970)]
                    t = next
                }
            }
            let expected = try runDate(zone: name, instants: instants)
            XCTAssertEqual(expected.count, instants.count)
            for (t, line) in zip(instants, expected) {
                let abbreviation = z.abbreviation(at: at(t))
                let mine = "\(formatOffset(z.offset(at: at(t)), abbreviation: abbreviation)) \(abbreviation) \(z.civil(at(t)))"
                XCTAssertEqual(mine, line, "\(name) @\(t)")
            }
        }
    }

    private func runDate(zone: String, instants: [Int]) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/date")
        process.arguments = ["-f", "-", "+%::z %Z %Y-%m-%dT%H:%M:%S"]
        process.environment = ["TZ": zone, "LC_ALL": "C"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let text = instants.map { "@\($0)" }.joined(separator: "\n") + "\n"
        input.fileHandleForWriting.write(text.data(using: .utf8)!)
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Every local time maps back onto itself: unique and overlap instants show that wall time,
    /// a gap's end is the first existing local time after it.
    func testResolveRoundTripsRandomLocalTimes() {
        var rng = SplitMix64(state: 99)
        for name in ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "America/Nuuk", "Pacific/Apia"] {
            let z = zone(name)
            var seen = (unique: 0, gap: 0, overlap: 0)
            var samples: [Int] = (0..<3000).map { _ in Int.random(in: 0...4_102_444_800, using: &rng) }
            // Bias towards transitions so gaps and overlaps are hit.
            var t = at(1_262_304_000)   // 2010, so Apia's skipped 2011-12-30 is included
            while let next = z.nextTransition(after: t), next.timeIntervalSince1970 < 1_900_000_000 {
                let s = Int(next.timeIntervalSince1970)
                let before = z.offset(at: at(s - 1)), after = z.offset(at: at(s))
                for d in stride(from: -2 * 3600, through: 2 * 3600, by: 600) { samples.append(s + before + d) }
                _ = after
                t = next
            }
            for l in samples {
                let wall = CivilDateTime(secondsSinceEpoch: l)
                switch z.resolve(wall) {
                case .unique(let d):
                    seen.unique += 1
                    XCTAssertEqual(z.civil(d), wall, "\(name) \(wall)")
                    XCTAssertEqual(z.date(wall), d)
                case .overlap(let a, let b):
                    seen.overlap += 1
                    XCTAssertLessThan(a, b)
                    XCTAssertEqual(z.civil(a), wall, "\(name) \(wall)")
                    XCTAssertEqual(z.civil(b), wall, "\(name) \(wall)")
                    XCTAssertEqual(z.date(wall), a)
                case .gap(let end):
                    seen.gap += 1
                    XCTAssertGreaterThan(z.civil(end), wall, "\(name) \(wall)")
                    XCTAssertLessThan(z.civil(end.addingTimeInterval(-1)), wall, "\(name) \(wall)")
                    // Shifted forward by the gap length.
                    let gapLength = z.offset(at: end) - z.offset(at: end.addingTimeInterval(-1))
                    XCTAssertEqual(z.civil(z.date(wall)).secondsSinceEpoch, l + gapLength, "\(name) \(wall)")
                }
            }
            XCTAssertGreaterThan(seen.gap, 0, name)
            XCTAssertGreaterThan(seen.overlap, 0, name)
        }
    }

    func testLookupIsFast() {
        let z = zone("Europe/Berlin")
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            var sum = 0
            for i in 0..<100_000 { sum &+= z.offset(at: at(1_700_000_000 + i * 997)) }
            for i in 0..<20_000 { sum &+= Int(z.date(CivilDateTime(secondsSinceEpoch: 1_700_000_000 + i * 4999)).timeIntervalSince1970) }
            XCTAssertNotEqual(sum, 0)
        }
        XCTAssertLessThan(elapsed, .seconds(2), "\(elapsed)")
    }
}
