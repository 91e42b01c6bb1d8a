// Time zones read straight from TZif files (RFC 8536), because FoundationEssentials has no named
// TimeZone and full Foundation (ICU) costs too much memory for the daemon.
//
// A zone is the file's transition table (the 64-bit v2+ block; the 32-bit block only for v1 files)
// followed by its POSIX TZ footer ("CET-1CEST,M3.5.0,M10.5.0/3"), which governs every instant after
// the last transition. Debian ships "fat" files (transitions precomputed up to 2037) but "slim"
// files (zic -b slim, the upstream default) stop at the last rule change, so the footer matters.
// Leap-second tables ("right/" zones) are not applied: times are POSIX seconds.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a wall-clock time maps onto instants in a zone.
public enum LocalResolution: Hashable, Sendable {
    /// The local time exists exactly once.
    case unique(Date)
    /// The local time was skipped (spring forward). The payload is the instant the gap ends,
    /// i.e. the first existing local time after it.
    case gap(Date)
    /// The local time happens twice (fall back).
    case overlap(earlier: Date, later: Date)
}

/// Why a time zone could not be loaded. The description names the identifier and the cause.
public struct ZoneError: Error, CustomStringConvertible, Sendable, Hashable {
    public enum Code: Hashable, Sendable {
        /// Empty, absolute, or containing "..".
        case invalidIdentifier
        /// No such file below the zoneinfo directory (or it is a directory).
        case unknownZone
        /// The file exists but could not be read.
        case unreadable
        /// The file is not valid TZif data.
        case invalidData
    }

    public var code: Code
    public var identifier: String
    /// The file involved, if any.
    public var path: String?
    /// What went wrong, e.g. "no file /usr/share/zoneinfo/Europe/Berln".
    public var detail: String

    public init(code: Code, identifier: String, path: String? = nil, detail: String) {
        self.code = code
        self.identifier = identifier
        self.path = path
        self.detail = detail
    }

    public var description: String {
        switch code {
        case .invalidIdentifier: return "invalid time zone identifier '\(identifier)' (\(detail))"
        case .unknownZone: return "unknown time zone '\(identifier)' (\(detail))"
        case .unreadable: return "cannot read time zone '\(identifier)' (\(detail))"
        case .invalidData: return "invalid time zone data for '\(identifier)' (\(detail))"
        }
    }
}

/// A time zone: UTC offset, abbreviation and DST flag for every instant, and the inverse mapping
/// from wall-clock time to instants. Two zones are equal when their identifiers are.
public struct Zone: Sendable, Hashable, CustomStringConvertible {
    /// "Europe/Berlin", "UTC", "localtime" (an /etc/localtime that is not a symlink into zoneinfo),
    /// or the POSIX rule text for a zone built from one.
    public let identifier: String

    /// Transition instants (POSIX seconds), strictly ascending.
    let transitions: [Int]
    /// Index into `types` of the local time type that starts at each transition.
    let transitionTypes: [UInt8]
    /// Local time types; `types[0]` also applies before the first transition.
    let types: [LocalType]
    /// The footer rule, for instants at or after the last transition.
    let rule: PosixTZ?

    struct LocalType: Hashable, Sendable {
        var offset: Int          // seconds east of UTC
        var isDST: Bool
        var abbreviation: String
    }

    struct Transition: Hashable, Sendable {
        var time: Int
        var before: LocalType
        var after: LocalType
    }

    init(identifier: String, transitions: [Int], transitionTypes: [UInt8], types: [LocalType], rule: PosixTZ?) {
        self.identifier = identifier
        self.transitions = transitions
        self.transitionTypes = transitionTypes
        self.types = types
        self.rule = rule
    }

    public static func == (a: Zone, b: Zone) -> Bool { a.identifier == b.identifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }
    public var description: String { identifier }

    public static let utc = Zone(identifier: "UTC", transitions: [], transitionTypes: [],
                                 types: [LocalType(offset: 0, isDST: false, abbreviation: "UTC")], rule: nil)

    // MARK: - Loading

    /// Loads `zoneinfoDirectory/identifier` ("Europe/Berlin").
    public static func named(_ identifier: String, zoneinfoDirectory: String = "/usr/share/zoneinfo") throws(ZoneError) -> Zone {
        if identifier.isEmpty {
            throw ZoneError(code: .invalidIdentifier, identifier: identifier, detail: "empty")
        }
        if identifier.hasPrefix("/") {
            throw ZoneError(code: .invalidIdentifier, identifier: identifier,
                            detail: "must be relative to the zoneinfo directory, like 'Europe/Berlin'")
        }
        if identifier.contains("..") {
            throw ZoneError(code: .invalidIdentifier, identifier: identifier, detail: "must not contain '..'")
        }
        if identifier.utf8.contains(0) {
            throw ZoneError(code: .invalidIdentifier, identifier: identifier, detail: "contains a NUL byte")
        }
        let dir = zoneinfoDirectory.hasSuffix("/") ? String(zoneinfoDirectory.dropLast()) : zoneinfoDirectory
        do {
            return try load(path: dir + "/" + identifier, identifier: identifier)
        } catch {
            // A machine without tzdata still knows UTC.
            if error.code == .unknownZone, ["UTC", "Etc/UTC", "UCT", "Etc/UCT", "Zulu", "Etc/Zulu"].contains(identifier) {
                return Zone(identifier: identifier, transitions: [], transitionTypes: [], types: utc.types, rule: nil)
            }
            throw error
        }
    }

    /// The zone the process environment asks for, the way glibc picks it:
    /// `TZ` (":Area/City", "Area/City", an absolute file, or a POSIX rule; "" or "UTC" is UTC; anything
    /// unloadable falls back to UTC), else `/etc/localtime` (a symlink into zoneinfo gives the zone its
    /// name, a plain file is "localtime"), else UTC. Never throws.
    public static func system(environment: [String: String], localtimePath: String = "/etc/localtime",
                              zoneinfoDirectory: String = "/usr/share/zoneinfo") -> Zone {
        if let raw = environment["TZ"] {
            let colon = raw.hasPrefix(":")
            let value = colon ? String(raw.dropFirst()) : raw
            if value.isEmpty || value == "UTC" { return .utc }
            if value.hasPrefix("/") {
                let name = zoneName(forPath: value, zoneinfoDirectory: zoneinfoDirectory) ?? value
                if let zone = try? load(path: value, identifier: name) { return zone }
            } else if let zone = try? named(value, zoneinfoDirectory: zoneinfoDirectory) {
                return zone
            }
            if !colon, let zone = Zone(posixRule: value) { return zone }
            return .utc
        }
        if let target = readSymlink(localtimePath) {
            let absolute = target.hasPrefix("/") ? target : directoryName(localtimePath) + "/" + target
            if let name = zoneName(forPath: absolute, zoneinfoDirectory: zoneinfoDirectory),
               let zone = try? load(path: localtimePath, identifier: name) {
                return zone
            }
        }
        if let zone = try? load(path: localtimePath, identifier: "localtime") { return zone }
        return .utc
    }

    /// Parses TZif data (RFC 8536, versions 1 to 4).
    public init(identifier: String, tzif bytes: [UInt8]) throws(ZoneError) {
        do {
            self = try TZifParser.parse(bytes, identifier: identifier)
        } catch {
            throw ZoneError(code: .invalidData, identifier: identifier, detail: error.message)
        }
    }

    /// A zone from a POSIX TZ rule such as "CET-1CEST,M3.5.0,M10.5.0/3" (as in a TZif footer or `TZ`).
    /// Nil when the text is not a valid rule. The identifier defaults to the rule text.
    public init?(posixRule text: String, identifier: String? = nil) {
        guard let rule = PosixTZ.parse(text) else { return nil }
        self.init(identifier: identifier ?? text, transitions: [], transitionTypes: [], types: [rule.std], rule: rule)
    }

    static func load(path: String, identifier: String) throws(ZoneError) -> Zone {
        let bytes: [UInt8]
        switch readFile(path) {
        case .success(let b): bytes = b
        case .failure(let failure):
            switch failure {
            case .missing:
                throw ZoneError(code: .unknownZone, identifier: identifier, path: path, detail: "no file \(path)")
            case .directory:
                throw ZoneError(code: .unknownZone, identifier: identifier, path: path, detail: "\(path) is a directory")
            case .tooLarge:
                throw ZoneError(code: .invalidData, identifier: identifier, path: path, detail: "\(path) is too large for a TZif file")
            case .errno(let call, let message):
                throw ZoneError(code: .unreadable, identifier: identifier, path: path, detail: "\(call) \(path): \(message)")
            }
        }
        do {
            return try TZifParser.parse(bytes, identifier: identifier)
        } catch {
            throw ZoneError(code: .invalidData, identifier: identifier, path: path, detail: "\(path): \(error.message)")
        }
    }

    // MARK: - Instant -> local

    /// Seconds east of UTC at `date`.
    public func offset(at date: Date) -> Int { localType(at: Zone.seconds(date)).offset }

    public func abbreviation(at date: Date) -> String { localType(at: Zone.seconds(date)).abbreviation }

    public func isDaylightSaving(at date: Date) -> Bool { localType(at: Zone.seconds(date)).isDST }

    /// The local wall time at `date` (fractional seconds truncated toward the past).
    public func civil(_ date: Date) -> CivilDateTime {
        let t = Zone.seconds(date)
        return CivilDateTime(secondsSinceEpoch: t + localType(at: t).offset)
    }

    /// The next instant after `date` at which the UTC offset changes, or nil if it never does again.
    public func nextTransition(after date: Date) -> Date? {
        nextTransition(after: Zone.seconds(date)).map { Date(timeIntervalSince1970: Double($0.time)) }
    }

    // MARK: - Local -> instant

    public func resolve(_ local: CivilDateTime) -> LocalResolution {
        switch resolve(localSeconds: local.secondsSinceEpoch) {
        case .unique(let t): return .unique(Date(timeIntervalSince1970: Double(t)))
        case .gap(let end, _): return .gap(Date(timeIntervalSince1970: Double(end)))
        case .overlap(let a, let b):
            return .overlap(earlier: Date(timeIntervalSince1970: Double(a)), later: Date(timeIntervalSince1970: Double(b)))
        }
    }

    /// The instant of a wall time: unique -> it; overlap -> the earlier one; gap -> the wall time
    /// moved forward by the gap's length (02:30 on a 02:00->03:00 day is 03:30), like mktime.
    public func date(_ local: CivilDateTime) -> Date {
        Date(timeIntervalSince1970: Double(instant(localSeconds: local.secondsSinceEpoch)))
    }

    enum Resolved: Hashable {
        case unique(Int)
        case gap(end: Int, shifted: Int)
        case overlap(Int, Int)
    }

    /// `date(_:)` on seconds.
    func instant(localSeconds l: Int) -> Int {
        switch resolve(localSeconds: l) {
        case .unique(let t), .overlap(let t, _), .gap(_, let t): return t
        }
    }

    /// Maps wall-clock seconds (civil time read as if UTC) to instants. Every offset in effect within
    /// 30 hours of `l` is a candidate; a candidate `o` is real when the zone's offset at `l - o` is `o`.
    func resolve(localSeconds l: Int) -> Resolved {
        let span = 30 * 3600   // more than any UTC offset ever used
        var offsets = [localType(at: l - span).offset]
        var gap: Transition?
        var t = l - span
        while let tr = nextTransition(after: t), tr.time <= l + span {
            offsets.append(tr.after.offset)
            if tr.time + tr.before.offset <= l, l < tr.time + tr.after.offset { gap = tr }
            t = tr.time
        }
        var valid: [Int] = []
        for o in offsets {
            let u = l - o
            if !valid.contains(u), localType(at: u).offset == o { valid.append(u) }
        }
        valid.sort()
        if valid.count == 1 { return .unique(valid[0]) }
        if valid.count > 1 { return .overlap(valid[0], valid[valid.count - 1]) }
        if let gap { return .gap(end: gap.time, shifted: l - gap.before.offset) }
        return .unique(l - offsets[0])   // unreachable for consistent data
    }

    // MARK: - Lookup

    static func seconds(_ date: Date) -> Int {
        let x = date.timeIntervalSince1970.rounded(.down)
        guard x.isFinite else { return x > 0 ? 1 << 56 : -(1 << 56) }
        return Int(Swift.max(Swift.min(x, 7.2e16), -7.2e16))
    }

    /// The local time type in effect at POSIX second `t`.
    func localType(at t: Int) -> LocalType {
        guard let last = transitions.last else { return rule?.localType(at: t) ?? types[0] }
        if t >= last {
            if let rule { return rule.localType(at: t) }
            return types[Int(transitionTypes[transitions.count - 1])]
        }
        // Index of the last transition <= t, or -1.
        var lo = 0, hi = transitions.count   // first index with transitions[i] > t
        while lo < hi {
            let mid = (lo + hi) / 2
            if transitions[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? types[0] : types[Int(transitionTypes[lo - 1])]
    }

    /// The first change of UTC offset strictly after `t`.
    func nextTransition(after t: Int) -> Transition? {
        if let last = transitions.last, t < last {
            var lo = 0, hi = transitions.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if transitions[mid] <= t { lo = mid + 1 } else { hi = mid }
            }
            var before = lo == 0 ? types[0] : types[Int(transitionTypes[lo - 1])]
            for i in lo..<transitions.count {
                let after = types[Int(transitionTypes[i])]
                if after.offset != before.offset {
                    return Transition(time: transitions[i], before: before, after: after)
                }
                before = after
            }
        }
        guard let rule else { return nil }
        return rule.nextTransition(after: Swift.max(t, transitions.last ?? t))
    }

    // MARK: - Files

    enum ReadFailure: Error { case missing, directory, tooLarge, errno(String, String) }

    static func readFile(_ path: String) -> Result<[UInt8], ReadFailure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            return .failure(e == ENOENT || e == ENOTDIR ? .missing : .errno("open", String(cString: strerror(e))))
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { return .failure(.errno("fstat", String(cString: strerror(errno)))) }
        if (st.st_mode & S_IFMT) == S_IFDIR { return .failure(.directory) }
        let limit = 1 << 20
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(.errno("read", String(cString: strerror(errno))))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { return .failure(.tooLarge) }
        }
        return .success(bytes)
    }

    static func readSymlink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func directoryName(_ path: String) -> String {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()
        let dir = parts.joined(separator: "/")
        return dir.isEmpty ? (path.hasPrefix("/") ? "" : ".") : dir
    }

    /// "/usr/share/zoneinfo/Europe/Berlin" -> "Europe/Berlin" (also via "../", a "zoneinfo"
    /// component elsewhere, and the "posix/" subtree). Nil when the path is not inside zoneinfo.
    static func zoneName(forPath path: String, zoneinfoDirectory: String) -> String? {
        func components(_ p: String) -> [Substring] {
            var out: [Substring] = []
            for c in p.split(separator: "/") {
                if c == "." { continue }
                if c == ".." { if !out.isEmpty { out.removeLast() }; continue }
                out.append(c)
            }
            return out
        }
        let target = components(path)
        let base = components(zoneinfoDirectory)
        var rest: ArraySlice<Substring>
        if !base.isEmpty, target.count > base.count, Array(target.prefix(base.count)) == base {
            rest = target.dropFirst(base.count)
        } else if let i = target.lastIndex(of: "zoneinfo"), i + 1 < target.count {
            rest = target[(i + 1)...]
        } else {
            return nil
        }
        if rest.first == "posix", rest.count > 1 { rest = rest.dropFirst() }
        return rest.joined(separator: "/")
    }
}

// MARK: - TZif

enum TZifParser {
    struct Failure: Error { var message: String }

    static func parse(_ bytes: [UInt8], identifier: String) throws(Failure) -> Zone {
        var reader = Reader(bytes: bytes)
        let header = try readHeader(&reader)
        var timeSize = 4
        var counts = header.counts
        if header.version >= 2 {
            try reader.skip(dataBlockLength(counts, timeSize: 4), what: "version 1 data block")
            let second = try readHeader(&reader)
            counts = second.counts
            timeSize = 8
        }
        let (isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt) = counts
        guard typecnt >= 1 else { throw Failure(message: "no local time types") }
        guard isutcnt == 0 || isutcnt == typecnt, isstdcnt == 0 || isstdcnt == typecnt, charcnt >= 1 else {
            throw Failure(message: "inconsistent header counts")
        }
        var transitions: [Int] = []
        transitions.reserveCapacity(timecnt)
        for _ in 0..<timecnt {
            let t = timeSize == 8 ? Int(Int64(bitPattern: try reader.uint64())) : Int(Int32(bitPattern: try reader.uint32()))
            if let previous = transitions.last, t <= previous {
                throw Failure(message: "transition times are not ascending")
            }
            transitions.append(t)
        }
        var transitionTypes: [UInt8] = []
        for _ in 0..<timecnt {
            let index = try reader.uint8()
            guard Int(index) < typecnt else { throw Failure(message: "transition type index \(index) out of range") }
            transitionTypes.append(index)
        }
        var rawTypes: [(offset: Int, isDST: Bool, abbreviationIndex: Int)] = []
        for _ in 0..<typecnt {
            let offset = Int(Int32(bitPattern: try reader.uint32()))
            let isDST = try reader.uint8()
            let index = try reader.uint8()
            guard isDST <= 1, Int(index) < charcnt, offset != Int(Int32.min) else {
                throw Failure(message: "invalid local time type record")
            }
            rawTypes.append((offset, isDST == 1, Int(index)))
        }
        let chars = Array(try reader.bytes(charcnt, what: "abbreviations"))
        try reader.skip(leapcnt * (timeSize + 4) + isstdcnt + isutcnt, what: "leap second and indicator records")
        let types = rawTypes.map { raw -> Zone.LocalType in
            let tail = chars[raw.abbreviationIndex...]
            let end = tail.firstIndex(of: 0) ?? tail.endIndex
            return Zone.LocalType(offset: raw.offset, isDST: raw.isDST,
                                  abbreviation: String(decoding: chars[raw.abbreviationIndex..<end], as: UTF8.self))
        }
        var rule: PosixTZ?
        if header.version >= 2 {
            // Footer: "\n" rule "\n"; an empty rule means "no POSIX equivalent".
            guard try reader.uint8() == 0x0A else { throw Failure(message: "footer does not start with a newline") }
            let rest = reader.remaining
            guard let newline = rest.firstIndex(of: 0x0A) else { throw Failure(message: "footer does not end with a newline") }
            let text = String(decoding: rest[rest.startIndex..<newline], as: UTF8.self)
            if !text.isEmpty {
                guard let parsed = PosixTZ.parse(text) else { throw Failure(message: "invalid footer TZ string '\(text)'") }
                rule = parsed
            }
        }
        return Zone(identifier: identifier, transitions: transitions, transitionTypes: transitionTypes, types: types, rule: rule)
    }

    typealias Counts = (isutcnt: Int, isstdcnt: Int, leapcnt: Int, timecnt: Int, typecnt: Int, charcnt: Int)

    static func readHeader(_ reader: inout Reader) throws(Failure) -> (version: Int, counts: Counts) {
        let magic = try reader.bytes(4, what: "header")
        guard magic.elementsEqual("TZif".utf8) else { throw Failure(message: "not a TZif file (bad magic)") }
        let v = try reader.uint8()
        let version: Int
        switch v {
        case 0: version = 1
        case UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "4"): version = Int(v - UInt8(ascii: "0"))
        default: throw Failure(message: "unsupported TZif version byte \(v)")
        }
        try reader.skip(15, what: "header")
        var c: [Int] = []
        for _ in 0..<6 {
            let n = try reader.uint32()
            guard n < 1 << 24 else { throw Failure(message: "implausible header count \(n)") }
            c.append(Int(n))
        }
        return (version, (c[0], c[1], c[2], c[3], c[4], c[5]))
    }

    static func dataBlockLength(_ c: Counts, timeSize: Int) -> Int {
        c.timecnt * timeSize + c.timecnt + c.typecnt * 6 + c.charcnt + c.leapcnt * (timeSize + 4) + c.isstdcnt + c.isutcnt
    }

    struct Reader {
        let bytes: [UInt8]
        var position = 0

        var remaining: ArraySlice<UInt8> { bytes[position...] }

        mutating func bytes(_ n: Int, what: String) throws(Failure) -> ArraySlice<UInt8> {
            guard n >= 0, bytes.count - position >= n else { throw Failure(message: "truncated \(what)") }
            defer { position += n }
            return bytes[position..<(position + n)]
        }

        mutating func skip(_ n: Int, what: String) throws(Failure) { _ = try bytes(n, what: what) }

        mutating func uint8() throws(Failure) -> UInt8 { try bytes(1, what: "data").first! }

        mutating func uint32() throws(Failure) -> UInt32 {
            try bytes(4, what: "data").reduce(0) { $0 << 8 | UInt32($1) }
        }

        mutating func uint64() throws(Failure) -> UInt64 {
            try bytes(8, what: "data").reduce(0) { $0 << 8 | UInt64($1) }
        }
    }
}

// MARK: - POSIX TZ rules

/// A POSIX TZ string: `std offset [dst [offset] [,start[/time],end[/time]]]`, with the RFC 8536
/// extensions (transition hours -167...167). Offsets in the text are west of UTC; stored east.
struct PosixTZ: Hashable, Sendable {
    var std: Zone.LocalType
    var dst: Daylight?

    struct Daylight: Hashable, Sendable {
        var type: Zone.LocalType
        var start: DayRule
        var startTime: Int   // seconds after local midnight, in standard time
        var end: DayRule
        var endTime: Int     // seconds after local midnight, in daylight time
    }

    enum DayRule: Hashable, Sendable {
        /// "Jn": 1...365, February 29 is never counted.
        case julian(Int)
        /// "n": 0...365, February 29 is counted.
        case zeroBased(Int)
        /// "Mm.w.d": weekday d (0 = Sunday) of week w (1...5, 5 = last) of month m.
        case monthWeekDay(month: Int, week: Int, weekday: Int)

        /// Days since 1970-01-01 of this rule's day in `year`.
        func day(in year: Int) -> Int {
            switch self {
            case .julian(let n):
                let jan1 = CivilDate(year: year, month: 1, day: 1).daysSinceEpoch
                return jan1 + n - 1 + (CivilDate.isLeapYear(year) && n >= 60 ? 1 : 0)
            case .zeroBased(let n):
                return CivilDate(year: year, month: 1, day: 1).daysSinceEpoch + n
            case .monthWeekDay(let m, let w, let d):
                let first = CivilDate(year: year, month: m, day: 1)
                let firstWeekday = first.isoWeekday % 7   // 0 = Sunday
                var dayOfMonth = 1 + (d - firstWeekday + 7) % 7 + (w - 1) * 7
                let length = CivilDate.daysInMonth(year: year, month: m)
                while dayOfMonth > length { dayOfMonth -= 7 }
                return first.daysSinceEpoch + dayOfMonth - 1
            }
        }
    }

    func localType(at t: Int) -> Zone.LocalType {
        guard let dst else { return std }
        return isDST(at: t, dst) ? dst.type : std
    }

    /// DST and standard-time starts (POSIX seconds) for `year`.
    private func changes(in year: Int, _ d: Daylight) -> [(time: Int, toDST: Bool)] {
        [(d.start.day(in: year) * 86400 + d.startTime - std.offset, true),
         (d.end.day(in: year) * 86400 + d.endTime - d.type.offset, false)]
    }

    private func year(of t: Int) -> Int {
        CivilDate(daysSinceEpoch: CivilMath.floorDiv(t + std.offset, 86400)).year
    }

    /// The state set by the latest change at or before `t`; on a tie DST wins, so a rule that ends
    /// DST exactly when the next year's starts ("EST5EDT,0/0,J365/25") is DST all year.
    private func isDST(at t: Int, _ d: Daylight) -> Bool {
        let y = year(of: t)
        var best: (time: Int, toDST: Bool)?
        for year in (y - 2)...(y + 1) {
            for change in changes(in: year, d) where change.time <= t {
                if let b = best, b.time > change.time || (b.time == change.time && b.toDST) { continue }
                best = change
            }
        }
        return best?.toDST ?? false
    }

    func nextTransition(after t: Int) -> Zone.Transition? {
        guard let dst, dst.type.offset != std.offset else { return nil }
        let y = year(of: t)
        var candidates: [Int] = []
        for year in (y - 1)...(y + 2) {
            for change in changes(in: year, dst) where change.time > t { candidates.append(change.time) }
        }
        candidates.sort()
        for time in candidates {
            let before = isDST(at: time - 1, dst), after = isDST(at: time, dst)
            if before != after {
                return Zone.Transition(time: time, before: before ? dst.type : std, after: after ? dst.type : std)
            }
        }
        return nil
    }

    // MARK: Parsing

    static func parse(_ text: String) -> PosixTZ? {
        var p = Parser(bytes: Array(text.utf8))
        guard let stdName = p.name(), let stdWest = p.offset(maxHours: 24) else { return nil }
        let std = Zone.LocalType(offset: -stdWest, isDST: false, abbreviation: stdName)
        if p.atEnd { return PosixTZ(std: std, dst: nil) }
        guard let dstName = p.name() else { return nil }
        var dstOffset = std.offset + 3600
        if !p.atEnd, p.peek != UInt8(ascii: ",") {
            guard let west = p.offset(maxHours: 24) else { return nil }
            dstOffset = -west
        }
        let type = Zone.LocalType(offset: dstOffset, isDST: true, abbreviation: dstName)
        var start = DayRule.monthWeekDay(month: 3, week: 2, weekday: 0)   // POSIX default: US rules
        var end = DayRule.monthWeekDay(month: 11, week: 1, weekday: 0)
        var startTime = 7200, endTime = 7200
        if !p.atEnd {
            guard p.eat(","), let s = p.dayRule() else { return nil }
            start = s
            if p.eat("/") { guard let time = p.offset(maxHours: 167) else { return nil }; startTime = time }
            guard p.eat(","), let e = p.dayRule() else { return nil }
            end = e
            if p.eat("/") { guard let time = p.offset(maxHours: 167) else { return nil }; endTime = time }
            guard p.atEnd else { return nil }
        }
        return PosixTZ(std: std, dst: Daylight(type: type, start: start, startTime: startTime, end: end, endTime: endTime))
    }

    struct Parser {
        let bytes: [UInt8]
        var i = 0

        var atEnd: Bool { i >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[i] }

        mutating func eat(_ c: Unicode.Scalar) -> Bool {
            guard peek == UInt8(ascii: c) else { return false }
            i += 1
            return true
        }

        static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") }
        static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

        /// "CET" (three or more letters) or "<+0530>" (letters, digits, '+', '-').
        mutating func name() -> String? {
            if eat("<") {
                let start = i
                while let c = peek, Parser.isAlpha(c) || Parser.isDigit(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { i += 1 }
                let end = i
                guard end - start >= 3, eat(">") else { return nil }
                return String(decoding: bytes[start..<end], as: UTF8.self)
            }
            let start = i
            while let c = peek, Parser.isAlpha(c) { i += 1 }
            guard i - start >= 3 else { return nil }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        mutating func number(maxDigits: Int) -> Int? {
            let start = i
            var value = 0
            while let c = peek, Parser.isDigit(c), i - start < maxDigits {
                value = value * 10 + Int(c - UInt8(ascii: "0"))
                i += 1
            }
            return i > start ? value : nil
        }

        /// `[+-]hh[:mm[:ss]]` in seconds; hours up to `maxHours`.
        mutating func offset(maxHours: Int) -> Int? {
            var sign = 1
            if eat("-") { sign = -1 } else { _ = eat("+") }
            guard let h = number(maxDigits: 3), h <= maxHours else { return nil }
            var seconds = h * 3600
            if eat(":") {
                guard let m = number(maxDigits: 2), m < 60 else { return nil }
                seconds += m * 60
                if eat(":") {
                    guard let s = number(maxDigits: 2), s < 60 else { return nil }
                    seconds += s
                }
            }
            return sign * seconds
        }

        mutating func dayRule() -> DayRule? {
            if eat("J") {
                guard let n = number(maxDigits: 3), (1...365).contains(n) else { return nil }
                return .julian(n)
            }
            if eat("M") {
                guard let m = number(maxDigits: 2), (1...12).contains(m), eat("."),
                      let w = number(maxDigits: 1), (1...5).contains(w), eat("."),
                      let d = number(maxDigits: 1), (0...6).contains(d) else { return nil }
                return .monthWeekDay(month: m, week: w, weekday: d)
            }
            guard let n = number(maxDigits: 3), (0...365).contains(n) else { return nil }
            return .zeroBased(n)
        }
    }
}
