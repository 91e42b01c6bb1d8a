// A generic config document tree with source positions, so every config error can say
// file:line:column, the key path, the value and what was expected.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a value starts in its source text (1-based). Plists have no positions.
public struct SourcePosition: Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

public indirect enum ConfigValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case double(Double)
    case string(String)
    case array([Node])
    /// Keys in document order.
    case object([(key: String, node: Node)])

    public static func == (a: ConfigValue, b: ConfigValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.integer(x), .integer(y)): return x == y
        case let (.double(x), .double(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x.map(\.value) == y.map(\.value)
        case let (.object(x), .object(y)):
            return x.map(\.key) == y.map(\.key) && x.map(\.node.value) == y.map(\.node.value)
        default: return false
        }
    }

    /// A node: a value and where it was written.
    public struct Node: Sendable, Equatable {
        public var value: ConfigValue
        public var position: SourcePosition?
        public init(_ value: ConfigValue, at position: SourcePosition? = nil) {
            self.value = value
            self.position = position
        }
    }

    /// The JSON type name used in messages ("a string", "an object").
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Compact JSON-like rendering of the value for error messages, cut at 60 characters.
    public var excerpt: String {
        let text: String
        switch self {
        case .null: text = "null"
        case .bool(let b): text = b ? "true" : "false"
        case .integer(let i): text = String(i)
        case .double(let d): text = String(d)
        case .string(let s): text = JSONText.quote(s)
        case .array(let items): text = "[" + items.map(\.value.excerpt).joined(separator: ", ") + "]"
        case .object(let members):
            text = "{" + members.map { JSONText.quote($0.key) + ": " + $0.node.value.excerpt }
                .joined(separator: ", ") + "}"
        }
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }
}

public enum JSONText {
    public static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A syntax error in a config document.
public struct ConfigSyntaxError: Error, Sendable, Equatable {
    public var position: SourcePosition?
    public var reason: String
}

/// A strict RFC 8259 JSON parser that records the line and column of every value.
/// (Foundation's JSONDecoder reports positions for syntax errors only, and not for key paths.)
public struct JSONConfigParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0

    public static func parse(_ data: [UInt8]) throws(ConfigSyntaxError) -> ConfigValue.Node {
        var parser = JSONConfigParser(bytes: data)
        if parser.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3; parser.lineStart = 3 }
        parser.skipWhitespace()
        let node = try parser.parseValue()
        parser.skipWhitespace()
        if parser.index < parser.bytes.count {
            throw parser.error("unexpected \(parser.describeCurrent()) after the end of the document")
        }
        return node
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var position: SourcePosition {
        // Columns count characters, not bytes: count UTF-8 lead bytes since the line start.
        var column = 1
        var i = lineStart
        while i < index && i < bytes.count {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return SourcePosition(line: line, column: column)
    }

    private func error(_ reason: String) -> ConfigSyntaxError {
        ConfigSyntaxError(position: position, reason: reason)
    }

    private func describeCurrent() -> String {
        guard index < bytes.count else { return "end of file" }
        let b = bytes[index]
        if b >= 0x20 && b < 0x7F { return "character '\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x" + String(b, radix: 16)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    private mutating func parseValue() throws(ConfigSyntaxError) -> ConfigValue.Node {
        guard index < bytes.count else { throw error("unexpected end of file, expected a value") }
        let start = position
        switch bytes[index] {
        case UInt8(ascii: "{"): return ConfigValue.Node(try parseObject(), at: start)
        case UInt8(ascii: "["): return ConfigValue.Node(try parseArray(), at: start)
        case UInt8(ascii: "\""): return ConfigValue.Node(.string(try parseString()), at: start)
        case UInt8(ascii: "t"): try literal("true"); return ConfigValue.Node(.bool(true), at: start)
        case UInt8(ascii: "f"): try literal("false"); return ConfigValue.Node(.bool(false), at: start)
        case UInt8(ascii: "n"): try literal("null"); return ConfigValue.Node(.null, at: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return ConfigValue.Node(try parseNumber(), at: start)
        default:
            throw error("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func literal(_ word: String) throws(ConfigSyntaxError) {
        let w = Array(word.utf8)
        guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else {
            throw error("unexpected \(describeCurrent()), expected a value")
        }
        index += w.count
    }

    private mutating func enter() throws(ConfigSyntaxError) {
        depth += 1
        if depth > 64 { throw error("nesting deeper than 64 levels") }
    }

    private mutating func parseObject() throws(ConfigSyntaxError) -> ConfigValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var members: [(key: String, node: ConfigValue.Node)] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeCurrent()), expected a key in double quotes")
            }
            let keyPosition = position
            let key = try parseString()
            if members.contains(where: { $0.key == key }) {
                throw ConfigSyntaxError(position: keyPosition, reason: "duplicate key \(JSONText.quote(key))")
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error("unexpected \(describeCurrent()), expected ':' after the key")
            }
            index += 1
            skipWhitespace()
            members.append((key, try parseValue()))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of file, expected ',' or '}'") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw error("unexpected \(describeCurrent()), expected ',' or '}'")
        }
    }

    private mutating func parseArray() throws(ConfigSyntaxError) -> ConfigValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var items: [ConfigValue.Node] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of file, expected ',' or ']'") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw error("unexpected \(describeCurrent()), expected ',' or ']'")
        }
    }

    private mutating func parseString() throws(ConfigSyntaxError) -> String {
        index += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw error("unterminated string") }
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw error("string is not valid UTF-8")
                }
                return s
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unterminated string") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                              bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired surrogate in \\u escape")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    index -= 1
                    throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
                }
            case 0x0A:
                throw error("line break inside a string (write \\n)")
            case 0..<0x20:
                throw error("control character inside a string")
            default:
                out.append(b)
                index += 1
            }
        }
    }

    private mutating func hex4() throws(ConfigSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count,
              let v = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
            throw error("invalid \\u escape, expected four hex digits")
        }
        index += 4
        return v
    }

    private mutating func parseNumber() throws(ConfigSyntaxError) -> ConfigValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits(_ p: inout JSONConfigParser) -> Int {
            var n = 0
            while p.index < p.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.bytes[p.index]) {
                p.index += 1
                n += 1
            }
            return n
        }
        let intStart = index
        guard digits(&self) > 0 else { throw error("invalid number") }
        if bytes[intStart] == UInt8(ascii: "0") && index - intStart > 1 {
            throw ConfigSyntaxError(position: position, reason: "numbers must not have leading zeros")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard digits(&self) > 0 else { throw error("invalid number, expected digits after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw error("invalid number, expected digits in the exponent") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let i = Int(text) { return .integer(i) }
        guard let d = Double(text), d.isFinite else { throw error("number out of range") }
        return .double(d)
    }
}

/// Reads a property list (XML or binary) into the same tree, without positions.
public enum PlistConfigReader {
    private struct AnyPlist: Decodable {
        var node: ConfigValue.Node

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: Decoder) throws {
            if let keyed = try? decoder.container(keyedBy: Key.self) {
                var members: [(key: String, node: ConfigValue.Node)] = []
                for key in keyed.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                    members.append((key.stringValue, try keyed.decode(AnyPlist.self, forKey: key).node))
                }
                node = ConfigValue.Node(.object(members))
                return
            }
            if var unkeyed = try? decoder.unkeyedContainer() {
                var items: [ConfigValue.Node] = []
                while !unkeyed.isAtEnd { items.append(try unkeyed.decode(AnyPlist.self).node) }
                node = ConfigValue.Node(.array(items))
                return
            }
            let single = try decoder.singleValueContainer()
            if let b = try? single.decode(Bool.self) {
                node = ConfigValue.Node(.bool(b))
            } else if let i = try? single.decode(Int.self) {
                node = ConfigValue.Node(.integer(i))
            } else if let d = try? single.decode(Double.self) {
                node = ConfigValue.Node(.double(d))
            } else if let s = try? single.decode(String.self) {
                node = ConfigValue.Node(.string(s))
            } else {
                throw DecodingError.dataCorruptedError(
                    in: single, debugDescription: "unsupported property list value (dates and data are not used in this config)")
            }
        }
    }

    public static func parse(_ data: [UInt8]) throws(ConfigSyntaxError) -> ConfigValue.Node {
        do {
            return try PropertyListDecoder().decode(AnyPlist.self, from: Data(data)).node
        } catch let error as DecodingError {
            switch error {
            case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context),
                 .keyNotFound(_, let context):
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                let underlying = context.underlyingError.map { " (\($0))" } ?? ""
                throw ConfigSyntaxError(
                    position: nil,
                    reason: (path.isEmpty ? "" : "\(path): ") + context.debugDescription + underlying)
            @unknown default:
                throw ConfigSyntaxError(position: nil, reason: "not a valid property list")
            }
        } catch {
            throw ConfigSyntaxError(position: nil, reason: "not a valid property list: \(error)")
        }
    }
}
