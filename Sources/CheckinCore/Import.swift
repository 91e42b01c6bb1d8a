// Reading an export back (docs/EXPORT.md). The whole file is checked before anything is written:
// every problem names the file, the line, the column (CSV) or key (JSONL), the value and what
// was expected, and a file with any problem imports nothing. `Store.importEntries` then writes
// the entries in one transaction, leaving out those already in the journal.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One thing wrong with an import file.
public struct ImportProblem: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line where the row starts (the header is line 1 of a CSV file).
    public var line: Int
    /// `column "mood"`, `key "tags"`, `header`, or nil for the row as a whole.
    public var place: String?
    /// The offending value as shown: a CSV field quoted (cut at 60 characters), a JSON value
    /// as JSON (`ConfigValue.excerpt`); nil when there is none to show.
    public var value: String?
    /// What is wrong and what was expected.
    public var reason: String

    public init(line: Int, place: String?, value: String?, reason: String) {
        self.line = line
        self.place = place
        self.value = value
        self.reason = reason
    }

    public var description: String {
        var text = ""
        if let place { text += place + ": " }
        if let value { text += value + " " }
        return text + reason
    }
}

/// Why a file was not imported: every problem found (up to `ImportError.limit`).
public struct ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    public static let limit = 100

    public var file: String
    public var problems: [ImportProblem]
    /// True when it stopped looking after `limit` problems.
    public var truncated: Bool

    public init(file: String, problems: [ImportProblem], truncated: Bool = false) {
        self.file = file
        self.problems = problems
        self.truncated = truncated
    }

    /// "FILE:3: column "mood": "9x" is not a whole number; expected ..." — one line per problem,
    /// after a first line that says nothing was imported (at most 20 listed).
    public var description: String {
        let count = truncated ? "at least \(problems.count) problems" : problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        var lines = ["\(file) was not imported (\(count); nothing was written):"]
        for p in problems.prefix(20) { lines.append("\(file):\(p.line): \(p)") }
        if problems.count > 20 { lines.append(truncated ? "... and more" : "... and \(problems.count - 20) more") }
        return lines.joined(separator: "\n")
    }
}

/// What an imported entry may hold. Tags follow `LogRules.tag` (trimmed, lower-case, 1-64
/// characters without commas), as for `checkin log`; a comma is the CSV export's tag separator.
public enum ImportRules {
    public static let sources: Set<String> = ["notification", "cli", "import"]
    public static let timeForm = "YYYY-MM-DDTHH:MM:SS+HH:MM (local time with its UTC offset)"
}

public enum Import {
    /// A refusal reason, as an Error so it fits in a Result.
    struct Why: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    /// The format of `path`: by extension (.csv; .jsonl, .ndjson), else by the first byte that is
    /// not white space ("{" is JSON Lines), else CSV.
    public static func format(path: String, contents: [UInt8]) -> ExportFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonl }
        let start = contents.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        for b in contents[start...] where !(b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D) {
            return b == UInt8(ascii: "{") ? .jsonl : .csv
        }
        return .csv
    }

    /// Every entry in the file, or every problem in it. `file` is the name used in messages.
    public static func parse(_ bytes: [UInt8], file: String, format: ExportFormat) throws(ImportError) -> [Entry] {
        var collector = Collector()
        let entries: [Entry]
        switch format {
        case .csv: entries = parseCSV(bytes, &collector)
        case .jsonl: entries = parseJSONL(bytes, &collector)
        }
        guard collector.problems.isEmpty else {
            // By line (structural problems are found before those in the values).
            let sorted = collector.problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            throw ImportError(file: file, problems: sorted.map(\.element), truncated: collector.truncated)
        }
        return entries
    }

    struct Collector {
        var problems: [ImportProblem] = []
        var truncated = false
        var full: Bool { problems.count >= ImportError.limit }

        mutating func add(_ line: Int, _ place: String?, _ value: String?, _ reason: String) {
            guard !full else {
                truncated = true
                return
            }
            problems.append(ImportProblem(line: line, place: place, value: value, reason: reason))
        }

        /// A CSV field as shown in a message: quoted, cut at 60 characters.
        static func shown(_ field: String) -> String {
            JSONText.quote(field.count > 60 ? String(field.prefix(57)) + "..." : field)
        }
    }

    // MARK: Field values (shared)

    /// ISO 8601 with an offset ("Z" is +00:00); fractional seconds are cut.
    static func parseTime(_ text: String) -> Result<(Date, Int), Why> {
        let t = text.trimmedASCII
        var body = Substring(t)
        var offset: Int?
        if body.hasSuffix("Z") || body.hasSuffix("z") {
            offset = 0
            body = body.dropLast()
        } else if let sign = body.lastIndex(where: { $0 == "+" || $0 == "-" }), body.distance(from: body.startIndex, to: sign) >= 16 {
            let fields = body[body.index(after: sign)...].split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(fields.count), fields.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }),
                  let h = Int(fields[0]), let m = Int(fields[1]), h <= 23, m <= 59 else {
                return .failure(Why("has no valid UTC offset; expected " + ImportRules.timeForm))
            }
            let s = fields.count == 3 ? Int(fields[2]) ?? 99 : 0
            guard s <= 59 else { return .failure(Why("has no valid UTC offset; expected " + ImportRules.timeForm)) }
            offset = (body[sign] == "-" ? -1 : 1) * (h * 3600 + m * 60 + s)
            body = body[..<sign]
        }
        guard let offset else { return .failure(Why("has no UTC offset; expected " + ImportRules.timeForm)) }
        if let dot = body.firstIndex(of: ".") {
            let fraction = body[body.index(after: dot)...]
            guard !fraction.isEmpty, fraction.allSatisfy(\.isASCIIDigit) else {
                return .failure(Why("is not a time; expected " + ImportRules.timeForm))
            }
            body = body[..<dot]
        }
        guard body.count == 19 || body.count == 16 else { return .failure(Why("is not a time; expected " + ImportRules.timeForm)) }
        do {
            let local = try TimeRange.parseLocal(String(body), option: "")
            return .success((Date(timeIntervalSince1970: Double(local.secondsSinceEpoch - offset)), offset))
        } catch {
            return .failure(Why(error.reason + "; expected " + ImportRules.timeForm))
        }
    }

    static let valueRule = "a whole number from 0 to 100"

    static func parseValue(_ text: String) -> Result<Int?, Why> {
        let t = text.trimmedASCII
        if t.isEmpty { return .success(nil) }
        guard t.count <= 3, t.allSatisfy(\.isASCIIDigit), let v = Int(t) else {
            return .failure(Why("is not a whole number; expected \(valueRule), or empty for no value"))
        }
        guard v <= 100 else { return .failure(Why("is out of range; expected \(valueRule), or empty for no value")) }
        return .success(v)
    }

    static func checkTags(_ raw: [String]) -> Result<[String], Why> {
        var tags: [String] = []
        for t in raw {
            guard let tag = LogRules.tag(t) else {
                return .failure(Why("holds \(JSONText.quote(t)), which is not a tag; expected tags of \(LogRules.tagRule)"))
            }
            tags.append(tag)
        }
        return .success(tags)
    }

    static func checkSource(_ raw: String?) -> Result<String, Why> {
        guard let raw, !raw.isEmpty else { return .success("import") }
        guard ImportRules.sources.contains(raw) else {
            return .failure(Why("is not a source; expected notification, cli, import, or empty (import)"))
        }
        return .success(raw)
    }

    // MARK: CSV (RFC 4180)

    /// Splits the bytes into records of fields, each with the line it starts on.
    static func csvRecords(_ bytes: [UInt8], _ problems: inout Collector) -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        let n = bytes.count
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        var fieldBytes: [UInt8] = []
        while i < n {
            let recordLine = line
            var fields: [String] = []
            var broken = false
            // One record.
            while true {
                fieldBytes.removeAll(keepingCapacity: true)
                if i < n, bytes[i] == quote {
                    let fieldLine = line
                    i += 1
                    var closed = false
                    while i < n {
                        let b = bytes[i]
                        if b == quote {
                            if i + 1 < n, bytes[i + 1] == quote {
                                fieldBytes.append(quote)
                                i += 2
                                continue
                            }
                            i += 1
                            closed = true
                            break
                        }
                        if b == lf { line += 1 }
                        fieldBytes.append(b)
                        i += 1
                    }
                    if !closed {
                        problems.add(fieldLine, "column \(fields.count + 1)", nil,
                                     "starts a quoted field that is not closed before the end of the file; "
                                         + "expected a closing \" (a quote inside a field is written \"\")")
                        return records
                    }
                    if i < n, bytes[i] != comma, bytes[i] != cr, bytes[i] != lf {
                        broken = true
                        problems.add(line, "column \(fields.count + 1)", nil,
                                     "has text after its closing quote; expected a comma or the end of the line "
                                         + "(a quote inside a field is written \"\")")
                    }
                } else {
                    while i < n, bytes[i] != comma, bytes[i] != cr, bytes[i] != lf {
                        if bytes[i] == quote, !broken {
                            broken = true
                            problems.add(line, "column \(fields.count + 1)", nil,
                                         "has a quote in a field that does not start with one; expected the whole "
                                             + "field in quotes with the quote doubled (\"\")")
                        }
                        fieldBytes.append(bytes[i])
                        i += 1
                    }
                }
                if broken {
                    // Skip to the end of the line; the rest of the row cannot be trusted.
                    while i < n, bytes[i] != lf { i += 1 }
                }
                guard let text = String(validating: fieldBytes, as: UTF8.self) else {
                    broken = true
                    problems.add(recordLine, "column \(fields.count + 1)", nil, "is not valid UTF-8 text; expected UTF-8")
                    while i < n, bytes[i] != lf { i += 1 }
                    fields.append("")
                    break
                }
                fields.append(text)
                if i < n, bytes[i] == comma, !broken {
                    i += 1
                    continue
                }
                break
            }
            // End of the record: CRLF, LF or CR.
            if i < n, bytes[i] == cr { i += 1 }
            if i < n, bytes[i] == lf { i += 1 }
            line += 1
            if broken { continue }
            // A blank line is no record.
            if fields.count == 1, fields[0].isEmpty { continue }
            records.append((recordLine, fields))
            if problems.full {
                if i < n { problems.truncated = true }
                break
            }
        }
        return records
    }

    static func parseCSV(_ bytes: [UInt8], _ problems: inout Collector) -> [Entry] {
        let records = csvRecords(bytes, &problems)
        guard let header = records.first else {
            if problems.problems.isEmpty {
                problems.add(1, nil, nil, "the file is empty; expected a header line " + Export.columns.joined(separator: ","))
            }
            return []
        }
        var index: [String: Int] = [:]
        for (i, raw) in header.fields.enumerated() {
            let name = raw.trimmedASCII.lowercased()
            if !Export.columns.contains(name) {
                problems.add(header.line, "header", Collector.shown(raw), "is not a column; expected the columns "
                                 + Export.columns.joined(separator: ","))
            } else if index[name] != nil {
                problems.add(header.line, "header", Collector.shown(raw), "appears twice; expected each column once")
            } else {
                index[name] = i
            }
        }
        if index["time"] == nil, !problems.problems.contains(where: { $0.line <= header.line }) {
            problems.add(header.line, "header", nil, "has no time column; expected the columns "
                             + Export.columns.joined(separator: ","))
        }
        // A header that is wrong, or a broken line at or before it: the columns are unknown.
        guard !problems.problems.contains(where: { $0.line <= header.line }) else { return [] }

        var entries: [Entry] = []
        entries.reserveCapacity(records.count - 1)
        for (k, record) in records.enumerated().dropFirst() {
            if problems.full {
                if k < records.count { problems.truncated = true }
                break
            }
            let line = record.line
            guard record.fields.count == header.fields.count else {
                problems.add(line, nil, nil, "has \(record.fields.count) fields; expected \(header.fields.count), "
                                 + "as in the header (a field with a comma must be in quotes)")
                continue
            }
            func field(_ name: String) -> String? { index[name].map { record.fields[$0] } }
            var ok = true
            func fail(_ name: String, _ value: String, _ reason: String) {
                ok = false
                problems.add(line, "column \"\(name)\"", Collector.shown(value), reason)
            }
            let timeText = field("time") ?? ""
            var time = Date(timeIntervalSince1970: 0), offset = 0
            if timeText.trimmedASCII.isEmpty {
                fail("time", timeText, "is empty; expected " + ImportRules.timeForm)
            } else {
                switch parseTime(timeText) {
                case .success(let (t, o)): (time, offset) = (t, o)
                case .failure(let why): fail("time", timeText, why.text)
                }
            }
            var values: [Int?] = [nil, nil]
            for (k, name) in ["mood", "anxiety"].enumerated() {
                guard let text = field(name) else { continue }
                switch parseValue(text) {
                case .success(let v): values[k] = v
                case .failure(let why): fail(name, text, why.text)
                }
            }
            let note = field("note").flatMap { $0.isEmpty ? nil : $0 }
            var tags: [String] = []
            if let text = field("tags"), !text.isEmpty {
                switch checkTags(text.split(separator: Export.tagSeparator, omittingEmptySubsequences: false).map(String.init)) {
                case .success(let t): tags = t
                case .failure(let why): fail("tags", text, why.text)
                }
            }
            var source = "import"
            switch checkSource(field("source")) {
            case .success(let s): source = s
            case .failure(let why): fail("source", field("source") ?? "", why.text)
            }
            if ok {
                entries.append(Entry(recordedAt: time, utcOffset: offset, mood: values[0], anxiety: values[1], note: note,
                                     tags: tags, source: source))
            }
        }
        return entries
    }

    // MARK: JSON Lines

    static func parseJSONL(_ bytes: [UInt8], _ problems: inout Collector) -> [Entry] {
        var entries: [Entry] = []
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 0
        while start < bytes.count {
            if problems.full {
                problems.truncated = true
                break
            }
            line += 1
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            let slice = bytes[start..<end]
            start = end + 1
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            if let e = parseJSONLine(Array(slice), line: line, &problems) { entries.append(e) }
        }
        return entries
    }

    static func parseJSONLine(_ bytes: [UInt8], line: Int, _ problems: inout Collector) -> Entry? {
        let node: ConfigValue.Node
        do {
            node = try JSONConfigParser.parse(bytes)
        } catch {
            let at = error.position.map { " at column \($0.column)" } ?? ""
            problems.add(line, nil, nil, "is not valid JSON\(at): \(error.reason); expected one JSON object per line")
            return nil
        }
        guard case .object(let members) = node.value else {
            problems.add(line, nil, nil, "is \(node.value.kindDescription), not an object; expected one JSON object per line "
                             + "with the keys " + Export.columns.joined(separator: ", "))
            return nil
        }
        var ok = true
        func fail(_ key: String, _ value: ConfigValue?, _ reason: String) {
            ok = false
            problems.add(line, "key \"\(key)\"", value?.excerpt, reason)
        }
        var time: Date?, offset = 0, mood: Int?, anxiety: Int?, note: String?, tags: [String] = [], source = "import"
        var seen = Set<String>()
        for (key, value) in members.map({ ($0.key, $0.node.value) }) {
            guard Export.columns.contains(key) else {
                fail(key, nil, "is not a key of an entry; expected " + Export.columns.joined(separator: ", "))
                continue
            }
            guard seen.insert(key).inserted else {
                fail(key, nil, "appears twice; expected each key once")
                continue
            }
            switch key {
            case "time":
                guard case .string(let s) = value else {
                    fail(key, value, "is not a string; expected " + ImportRules.timeForm)
                    continue
                }
                switch parseTime(s) {
                case .success(let (t, o)): (time, offset) = (t, o)
                case .failure(let why): fail(key, value, why.text)
                }
            case "mood", "anxiety":
                var v: Int?
                switch value {
                case .null: v = nil
                case .integer(let i) where (0...100).contains(i): v = i
                case .integer: fail(key, value, "is out of range; expected \(valueRule), or null"); continue
                default: fail(key, value, "is not a whole number; expected \(valueRule), or null"); continue
                }
                if key == "mood" { mood = v } else { anxiety = v }
            case "note":
                switch value {
                case .null: note = nil
                case .string(let s): note = s.isEmpty ? nil : s
                default: fail(key, value, "is not a string; expected text or null")
                }
            case "tags":
                switch value {
                case .null: tags = []
                case .array(let items):
                    var raw: [String] = []
                    for item in items {
                        guard case .string(let s) = item.value else {
                            fail(key, value, "holds \(item.value.kindDescription); expected an array of strings")
                            break
                        }
                        raw.append(s)
                    }
                    guard raw.count == items.count else { continue }
                    switch checkTags(raw) {
                    case .success(let t): tags = t
                    case .failure(let why): fail(key, value, why.text)
                    }
                default: fail(key, value, "is not an array; expected an array of strings, e.g. [\"work\"]")
                }
            default:   // "source"
                switch value {
                case .null: source = "import"
                case .string(let s):
                    switch checkSource(s) {
                    case .success(let s): source = s
                    case .failure(let why): fail(key, value, why.text)
                    }
                default: fail(key, value, "is not a string; expected notification, cli, import, or null (import)")
                }
            }
        }
        if time == nil, ok, !seen.contains("time") {
            fail("time", nil, "is missing; expected " + ImportRules.timeForm)
        }
        guard ok, let time else { return nil }
        return Entry(recordedAt: time, utcOffset: offset, mood: mood, anxiety: anxiety, note: note, tags: tags, source: source)
    }
}
