// Entries as CSV (RFC 4180) or JSON Lines, one documented column set (docs/EXPORT.md):
//   time     ISO 8601 local time with the entry's own UTC offset, whole seconds
//            ("2026-03-01T09:15:00+01:00")
//   mood     whole number, empty (CSV) / null (JSONL) when absent
//   anxiety  the same
//   note     text, empty / null when absent
//   tags     CSV: joined by "," (a tag never contains a comma; see `LogRules.tag`), so a field
//            with two or more tags is quoted; JSONL: an array of strings
//   source   "notification", "cli" or "import"
// Prompts, ids and prompt links are not exported. `Import` reads both formats back.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum ExportFormat: String, Sendable, CaseIterable {
    case csv, jsonl
}

public enum Export {
    public static let columns = ["time", "mood", "anxiety", "note", "tags", "source"]
    /// Joins tags in the CSV `tags` column.
    public static let tagSeparator: Character = ","

    public static func render(_ entries: [Entry], as format: ExportFormat) -> String {
        switch format {
        case .csv: return csv(entries)
        case .jsonl: return jsonl(entries)
        }
    }

    /// "2026-03-01T09:15:00+01:00": the wall time where the entry was written, whole seconds
    /// (cut, not rounded), with the entry's own offset ("+05:45"; "+00:53:28" for an offset
    /// that is not whole minutes).
    public static func time(_ e: Entry) -> String {
        let second = Int(e.recordedAt.timeIntervalSince1970.rounded(.down))
        let local = CivilDateTime(secondsSinceEpoch: second + e.utcOffset)
        return local.description + offset(e.utcOffset)
    }

    static func offset(_ seconds: Int) -> String {
        let a = abs(seconds)
        var text = (seconds < 0 ? "-" : "+") + LocalFormat.two(a / 3600) + ":" + LocalFormat.two(a % 3600 / 60)
        if a % 60 != 0 { text += ":" + LocalFormat.two(a % 60) }
        return text
    }

    /// An empty note is no note (the same in both formats, so a round trip is exact).
    static func note(_ e: Entry) -> String? { e.note.flatMap { $0.isEmpty ? nil : $0 } }

    // MARK: CSV

    /// A header row and one record per entry, CRLF after each record (RFC 4180). Line breaks
    /// inside a note are kept as they are, inside the quoted field.
    public static func csv(_ entries: [Entry]) -> String {
        var out = columns.joined(separator: ",") + "\r\n"
        out.reserveCapacity(entries.count * 48 + 64)
        for e in entries {
            out += time(e)
            out += ","
            if let m = e.mood { out += String(m) }
            out += ","
            if let a = e.anxiety { out += String(a) }
            out += ","
            if let n = note(e) { out += csvField(n) }
            out += ","
            out += csvField(e.tags.joined(separator: String(tagSeparator)))
            out += ","
            out += csvField(e.source)
            out += "\r\n"
        }
        return out
    }

    /// The field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, a quote,
    /// CR or LF; otherwise as it is.
    public static func csvField(_ s: String) -> String {
        var needsQuotes = false
        for u in s.utf8 where u == UInt8(ascii: ",") || u == UInt8(ascii: "\"") || u == 0x0A || u == 0x0D {
            needsQuotes = true
            break
        }
        guard needsQuotes else { return s }
        var out = "\""
        for ch in s.unicodeScalars {
            if ch == "\"" { out += "\"\"" } else { out.unicodeScalars.append(ch) }
        }
        return out + "\""
    }

    // MARK: JSON Lines

    /// One JSON object per line, keys in the column order, absent values null, "\n" after each.
    public static func jsonl(_ entries: [Entry]) -> String {
        var out = ""
        out.reserveCapacity(entries.count * 96)
        for e in entries {
            out += "{\"time\":\"" + time(e) + "\",\"mood\":" + (e.mood.map(String.init) ?? "null")
            out += ",\"anxiety\":" + (e.anxiety.map(String.init) ?? "null")
            out += ",\"note\":" + (note(e).map(JSONText.quote) ?? "null")
            out += ",\"tags\":[" + e.tags.map(JSONText.quote).joined(separator: ",") + "]"
            out += ",\"source\":" + JSONText.quote(e.source) + "}\n"
        }
        return out
    }
}
