import Foundation
import XCTest
@testable import CheckinCore

// Differential test: random calendar expressions, base times and zones, compared with
// `systemd-analyze calendar` (systemd 252) as the oracle: parse success, normalized form and five
// successive elapses (to the second, which is what systemd-analyze prints; the iterations chain
// from the exact microsecond, so fractional-second errors still show).
//
// Knobs: CALENDAR_DIFF_SEED (default: random, printed), CALENDAR_DIFF_CASES (default 3000),
// CALENDAR_DIFF_ZONES (comma-separated TZ values; default: the six zones below).
// CALENDAR_DIFF_SYSTEMD_ANALYZE (path to the binary). Without systemd-analyze the test is
// skipped, unless CI=true, where that is a failure.

// Deterministic pseudo-random numbers: CheckinCore's SplitMix64 (the one random schedules use).

/// Random expressions across the grammar, biased towards ones that elapse and that hit DST hours.
struct CalendarExpressionGenerator {
    private var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(state: seed) }

    static let suffixZones = [
        "UTC", "utc", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
        "Pacific/Chatham", "Europe/London", "America/Sao_Paulo", "Asia/Tokyo", "Etc/GMT-14",
        "America/St_Johns", "Pacific/Apia", "Australia/Adelaide", "posix/Europe/Paris",
        // Offset changes without a DST flip, skipped days, 2-hour DST:
        "Europe/Moscow", "America/Caracas", "Antarctica/Troll", "Pacific/Kiritimati", "Asia/Pyongyang",
    ]

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    mutating func number(_ v: Int, width: Int) -> String {
        let s = String(v)
        if chance(0.6), s.count < width { return String(repeating: "0", count: width - s.count) + s }
        return s
    }

    mutating func weekdayName(_ d: Int) -> String {
        let short = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let long = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        var name = chance(0.75) ? short[d] : long[d]
        if chance(0.15) { name = name.lowercased() } else if chance(0.05) { name = name.uppercased() }
        return name
    }

    mutating func weekdays() -> String {
        var items: [String] = []
        for _ in 0..<int(1...3) {
            let a = int(0...6)
            if chance(0.4) {
                let b = chance(0.9) ? int(a...6) : int(0...6)
                items.append(weekdayName(a) + (chance(0.8) ? ".." : "-") + weekdayName(b))
            } else {
                items.append(weekdayName(a))
            }
        }
        return items.joined(separator: ",") + (chance(0.05) ? "," : "")
    }

    /// A list for one field: values in `typical`, sometimes anywhere in `wide`.
    mutating func field(_ typical: ClosedRange<Int>, wide: ClosedRange<Int>, width: Int, star: Double,
                        maxRepeat: Int) -> String {
        if chance(star) { return "*" }
        var items: [String] = []
        for _ in 0..<(chance(0.7) ? 1 : int(2...4)) {
            let a = chance(0.95) ? int(typical) : int(wide)
            switch int(0...9) {
            case 0...5:
                items.append(number(a, width: width))
            case 6, 7:
                let b = chance(0.9) ? int(a...max(a, typical.upperBound)) : int(wide)
                var s = number(a, width: width) + ".." + number(b, width: width)
                if chance(0.4) { s += "/" + String(int(1...maxRepeat)) }
                items.append(s)
            default:
                items.append(number(a, width: width) + "/" + String(int(1...maxRepeat)))
            }
        }
        return items.joined(separator: ",")
    }

    mutating func seconds() -> String {
        if chance(0.3) { return "*" }
        var items: [String] = []
        for _ in 0..<(chance(0.75) ? 1 : int(2...3)) {
            var s = number(chance(0.95) ? int(0...59) : int(55...65), width: 2)
            if chance(0.25) { s += "." + String(int(0...999_999)).prefix(int(1...7)) }
            if chance(0.15) {
                s += ".." + number(int(0...59), width: 2)
                if chance(0.5) { s += "/" + String(int(1...20)) + (chance(0.5) ? "." + String(int(1...99)) : "") }
            } else if chance(0.25) {
                s += "/" + String(int(0...30)) + (chance(0.5) ? "." + String(int(0...999_999)).prefix(int(1...7)) : "")
            }
            items.append(s)
        }
        return items.joined(separator: ",")
    }

    mutating func date() -> String {
        let endOfMonth = chance(0.15)
        let year: String = chance(0.5) ? "*" : (chance(0.1) ? field(0...99, wide: 0...120, width: 2, star: 0, maxRepeat: 5)
                                                  : field(2020...2045, wide: 1965...2205, width: 4, star: 0, maxRepeat: 6))
        let month = field(1...12, wide: 0...14, width: 2, star: 0.5, maxRepeat: 6)
        let day = endOfMonth ? field(1...7, wide: 1...31, width: 2, star: 0.2, maxRepeat: 4)
                             : field(1...31, wide: 0...33, width: 2, star: 0.5, maxRepeat: 10)
        let sep = endOfMonth ? "~" : "-"
        switch int(0...5) {
        case 0: return month + sep + day
        default: return year + "-" + month + sep + day
        }
    }

    mutating func time() -> String {
        let hour = chance(0.5) ? field(0...4, wide: 0...25, width: 2, star: 0.25, maxRepeat: 12)
                               : field(0...23, wide: 0...25, width: 2, star: 0.3, maxRepeat: 12)
        let minute = chance(0.5) ? pick(["00", "0", "30", "45", "15", "*", "0/15", "0/30", "*"])
                                 : field(0...59, wide: 0...61, width: 2, star: 0.3, maxRepeat: 40)
        if chance(0.5) { return hour + ":" + minute }
        return hour + ":" + minute + ":" + seconds()
    }

    /// Hand-picked corners of the grammar, mixed in now and then.
    static let corners = [
        "@ 5", "@+5", "@-0", "@-1", "@0 UTC", "Mon @1700000000", "@1700000000 Europe/Berlin", "Mon\t12:00",
        "Mon,", "Mon, 12:00", "mon..MON", "Sun..Mon", "Monday-Wed", "Mond", "*~*", "*-*~*", "*~01~01",
        "*:*:59.9999995", "*:*:1.9999995", "*:*:0.0000004", "*:*:0.0000005", "*:*:5/0.5", "*:*:0..1/0.1",
        "*-*-* 24:00", "*:*:*.5", "*/2:00", "0/0:00", "2026-01-01T12:00", "12:00 utc", "daily Utc", "UTC",
        " UTC", "Mon UTC UTC", "Europe/Berlin", "12:00 Europe/Berlin ", "*-*-*  ", "*-02~28", "*-02~29",
        "*-*~1,4,7,10", "*-*~25,22", "*-*~1..28/27", "*-*~28/27", "70-1-1", "69-12-31 23:59:59", "0-1-1",
        "2199-12-31 23:59:59.999999", "*-*-* 23:59:59.999999", "quarterly UTC", "semi-annually Asia/Tokyo",
    ]

    mutating func expression() -> String {
        var text: String
        if chance(0.02) { return pick(CalendarExpressionGenerator.corners) }
        if chance(0.06) {
            text = pick(["minutely", "hourly", "daily", "monthly", "weekly", "yearly", "annually", "anually",
                         "quarterly", "semiannually", "semi-annually", "biannually", "bi-annually", "Daily", "WEEKLY"])
        } else if chance(0.02) {
            text = "@" + String(int(0...7_300_000_000))
        } else {
            var parts: [String] = []
            if chance(0.3) { parts.append(weekdays()) }
            let d = chance(0.65)
            let t = chance(0.8)
            if d { parts.append(date()) }
            if t || (!d && parts.isEmpty) { parts.append(time()) }
            text = parts.joined(separator: chance(0.05) ? "  " : " ")
        }
        if chance(0.15) { text += " " + pick(CalendarExpressionGenerator.suffixZones) }
        if chance(0.07) { text = mutate(text) }
        return text
    }

    /// A random edit, mostly producing something invalid.
    mutating func mutate(_ text: String) -> String {
        var chars = Array(text)
        let junk: [Character] = ["x", "-", ".", ",", ":", "/", "~", " ", "*", "9", "0", "@", "Z"]
        switch int(0...2) {
        case 0 where !chars.isEmpty: chars.remove(at: int(0...(chars.count - 1)))
        case 1: chars.insert(pick(junk), at: int(0...chars.count))
        default: if !chars.isEmpty { chars[int(0...(chars.count - 1))] = pick(junk) }
        }
        return String(chars)
    }
}

final class CalendarDifferentialTests: XCTestCase {
    static let zones = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham", "UTC"]
    static let iterations = 5

    struct Batch: Sendable {
        var zone: String
        var baseMicros: Int64
        var expressions: [String]
    }

    /// What systemd-analyze said about one expression.
    struct Oracle: Equatable, Sendable {
        var failed: Bool
        var normalized: String?
        var elapses: [Int]   // POSIX seconds
        /// systemd's search gave up ("Failed to determine next elapse"); it then prints nothing else.
        var gaveUp = false
    }

    func testAgainstSystemdAnalyze() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let analyze = CalendarDifferentialTests.findExecutable("systemd-analyze") else {
            if environment["CI"] == "true" {
                XCTFail("systemd-analyze is not installed (required when CI=true)")
                return
            }
            throw XCTSkip("systemd-analyze is not installed")
        }
        let seed = environment["CALENDAR_DIFF_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64(UInt32.max))
        let cases = environment["CALENDAR_DIFF_CASES"].flatMap { Int($0) } ?? 3000
        print("CalendarDifferentialTests: seed \(seed), \(cases) expressions (rerun with CALENDAR_DIFF_SEED=\(seed))")

        let zones = environment["CALENDAR_DIFF_ZONES"].map { $0.split(separator: ",").map(String.init) }
            ?? CalendarDifferentialTests.zones
        var generator = CalendarExpressionGenerator(seed: seed)
        var batches: [Batch] = []
        var made = 0
        while made < cases {
            let zone = generator.pick(zones)
            let base = CalendarDifferentialTests.baseTime(zone: zone, generator: &generator)
            var seen = Set<String>()
            var expressions: [String] = []
            for _ in 0..<min(60, cases - made) {
                let e = generator.expression()
                // Quotes and leading dashes would confuse the command line we print, not systemd.
                if e.contains("'") || e.hasPrefix("-") || e.isEmpty || !seen.insert(e).inserted { continue }
                expressions.append(e)
            }
            made += max(expressions.count, 1)
            if !expressions.isEmpty { batches.append(Batch(zone: zone, baseMicros: base, expressions: expressions)) }
        }

        let results = Results()
        let allBatches = batches
        DispatchQueue.concurrentPerform(iterations: allBatches.count) { i in
            let batch = allBatches[i]
            do {
                let oracle = try CalendarDifferentialTests.runOracle(analyze, batch)
                var compared = 0
                for (expression, expected) in zip(batch.expressions, oracle) {
                    compared += 1
                    results.count(expected)
                    let ours = CalendarDifferentialTests.ours(expression, batch)
                    if ours != expected {
                        results.addDifference(CalendarDifferentialTests.report(expression, batch, expected: expected, ours: ours))
                    }
                }
                results.addCompared(compared)
            } catch {
                results.addDifference("batch \(i) (\(batch.zone), @\(batch.baseMicros)): \(error)")
            }
        }
        print("CalendarDifferentialTests: compared \(results.compared) expressions in \(batches.count) systemd-analyze runs "
              + "(\(results.rejected) rejected, \(results.never) never elapse, \(results.gaveUp) where systemd gives up, "
              + "\(results.elapses) elapses checked), "
              + "\(results.differences.count) differences")
        if !results.differences.isEmpty {
            XCTFail("\(results.differences.count) differences from systemd-analyze (seed \(seed)); first ones:\n"
                    + results.differences.prefix(15).joined(separator: "\n"))
        }
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var differences: [String] = []
        private(set) var compared = 0
        func addDifference(_ s: String) { lock.lock(); differences.append(s); lock.unlock() }
        private(set) var rejected = 0
        private(set) var never = 0
        private(set) var gaveUp = 0
        private(set) var elapses = 0
        func addCompared(_ n: Int) { lock.lock(); compared += n; lock.unlock() }
        func count(_ o: Oracle) {
            lock.lock()
            if o.failed { rejected += 1 } else if o.gaveUp { gaveUp += 1 } else if o.elapses.isEmpty { never += 1 }
            elapses += o.elapses.count
            lock.unlock()
        }
    }

    /// Uniform over 1970...2100 or within 40 hours of one of the zone's DST changes, sometimes
    /// with a fraction of a second.
    static func baseTime(zone name: String, generator: inout CalendarExpressionGenerator) -> Int64 {
        var seconds = generator.int(0...4_102_444_800)
        if generator.chance(0.5), let zone = try? Zone.named(name) {
            let year = generator.int(1971...2099)
            let start = Date(timeIntervalSince1970: Double(CivilDate(year: year, month: 1, day: 1).daysSinceEpoch * 86400))
            var transitions: [Int] = []
            var t = start
            while let next = zone.nextTransition(after: t), next.timeIntervalSince1970 < start.timeIntervalSince1970 + 366 * 86400 {
                transitions.append(Int(next.timeIntervalSince1970))
                t = next
            }
            if !transitions.isEmpty {
                seconds = generator.pick(transitions) + generator.int(-40 * 3600...40 * 3600)
                if generator.chance(0.3) { seconds = seconds / 900 * 900 + generator.pick([-1, 0, 1]) }
            }
        }
        var micros = Int64(max(seconds, 0)) * 1_000_000
        if generator.chance(0.3) { micros += Int64(generator.int(0...999_999)) }
        return micros
    }

    static func baseArgument(_ micros: Int64) -> String {
        let s = micros / 1_000_000, f = micros % 1_000_000
        return f == 0 ? "@\(s)" : "@\(s).\(CivilMath.pad(Int(f), 6))"
    }

    static func command(_ expression: String, _ batch: Batch) -> String {
        "TZ=\(batch.zone) systemd-analyze calendar --iterations=\(iterations) --base-time=\(baseArgument(batch.baseMicros)) '\(expression)'"
    }

    static func ours(_ expression: String, _ batch: Batch) -> Oracle {
        guard let spec = try? CalendarSpec.parse(expression) else { return Oracle(failed: true, normalized: nil, elapses: []) }
        let zone = (try? Zone.named(batch.zone)) ?? .utc
        var elapses: [Int] = []
        var base = batch.baseMicros
        for _ in 0..<iterations {
            switch spec.outcome(afterMicroseconds: base, in: zone) {
            case .elapse(let next):
                elapses.append(Int(next / 1_000_000))
                base = next
                continue
            case .never:
                break
            case .gaveUp:
                // systemd-analyze prints nothing but the error in that case.
                return Oracle(failed: false, normalized: nil, elapses: [], gaveUp: true)
            }
            break
        }
        return Oracle(failed: false, normalized: spec.normalized, elapses: elapses)
    }

    static func report(_ expression: String, _ batch: Batch, expected: Oracle, ours: Oracle) -> String {
        func show(_ o: Oracle) -> String {
            if o.failed { return "rejected" }
            if o.gaveUp { return "gave up (Failed to determine next elapse)" }
            let times = o.elapses.map { CivilDateTime(secondsSinceEpoch: $0).description + "Z" }
            return "\(o.normalized ?? "?") | " + (times.isEmpty ? "never" : times.joined(separator: ", "))
        }
        return "  \(command(expression, batch))\n    systemd: \(show(expected))\n    ours:    \(show(ours))"
    }

    struct OracleError: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs one systemd-analyze for the batch and splits its output per expression.
    static func runOracle(_ executable: String, _ batch: Batch) throws -> [Oracle] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["calendar", "--no-pager", "--iterations=\(iterations)", "--base-time=\(baseArgument(batch.baseMicros))", "--"]
            + batch.expressions
        var env = ProcessInfo.processInfo.environment
        env["TZ"] = batch.zone
        env["COLUMNS"] = "100000"
        env["SYSTEMD_COLORS"] = "0"
        env["LC_ALL"] = "C"
        process.environment = env
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("calendar-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let stdout = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
        let stderr = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        return try parseOutput(stdout: stdout, stderr: stderr, expressions: batch.expressions)
    }

    /// stdout is one table per expression (empty when it failed), separated by one empty line.
    static func parseOutput(stdout: String, stderr: String, expressions: [String]) throws -> [Oracle] {
        let lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var i = 0
        var result: [Oracle] = []
        for (k, expression) in expressions.enumerated() {
            var block: [String] = []
            while i < lines.count, !lines[i].isEmpty {
                block.append(lines[i])
                i += 1
            }
            if k + 1 < expressions.count {
                guard i < lines.count, lines[i].isEmpty else { throw OracleError(description: "unexpected output layout at '\(expression)'") }
                i += 1
            }
            if block.isEmpty, stderr.contains("Failed to determine next elapse for '\(expression)'") {
                result.append(Oracle(failed: false, normalized: nil, elapses: [], gaveUp: true))
                continue
            }
            if block.isEmpty {
                guard stderr.contains("Failed to parse calendar specification '\(expression)'") else {
                    throw OracleError(description: "no output and no parse error for '\(expression)': \(stderr)")
                }
                result.append(Oracle(failed: true, normalized: nil, elapses: []))
                continue
            }
            var oracle = Oracle(failed: false, normalized: nil, elapses: [])
            var pendingLocal: Int?
            for line in block {
                let trimmed = line.drop(while: { $0 == " " })
                guard let colon = trimmed.firstIndex(of: ":") else { continue }
                let key = String(trimmed[..<colon])
                let value = String(trimmed[trimmed.index(after: colon)...].dropFirst())
                switch key {
                case "Normalized form":
                    oracle.normalized = value
                case "Next elapse" where value == "never":
                    break
                case _ where key == "Next elapse" || key.hasPrefix("Iter. #"):
                    if let p = pendingLocal { oracle.elapses.append(p) }
                    // Local time; replaced by the "(in UTC)" line when there is one.
                    pendingLocal = parseTimestamp(value, utcOnly: true)
                    if pendingLocal == nil { pendingLocal = -1 }
                case "(in UTC)":
                    guard let t = parseTimestamp(value, utcOnly: true) else {
                        throw OracleError(description: "cannot read '\(line)'")
                    }
                    pendingLocal = t
                default:
                    break
                }
            }
            if let p = pendingLocal {
                guard p >= 0 else { throw OracleError(description: "cannot read the elapses of '\(expression)'") }
                oracle.elapses.append(p)
            }
            if oracle.elapses.contains(-1) { throw OracleError(description: "cannot read the elapses of '\(expression)'") }
            result.append(oracle)
        }
        return result
    }

    /// "Wed 2023-11-15 09:00:00 UTC" -> POSIX seconds (nil unless it is UTC).
    static func parseTimestamp(_ text: String, utcOnly: Bool) -> Int? {
        let parts = text.split(separator: " ")
        guard parts.count == 4, parts[3] == "UTC", let dt = CivilDateTime.parse("\(parts[1]) \(parts[2])") else { return nil }
        return dt.secondsSinceEpoch
    }

    /// CALENDAR_DIFF_SYSTEMD_ANALYZE=/path overrides the search (a path that is not executable
    /// counts as "not installed").
    static func findExecutable(_ name: String) -> String? {
        if let explicit = ProcessInfo.processInfo.environment["CALENDAR_DIFF_SYSTEMD_ANALYZE"] {
            return FileManager.default.isExecutableFile(atPath: explicit) ? explicit : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/bin", "/bin"] {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
