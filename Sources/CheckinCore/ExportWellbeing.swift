// The second and third export sets (docs/EXPORT.md): questionnaire responses and uses of tracked
// items, as CSV (RFC 4180, CRLF) or JSON Lines. Times as for entries: ISO 8601 with the record's
// own UTC offset, whole seconds. `checkin import` reads entries only.
//   responses: time (completed), started, questionnaire, total, answers (CSV: item values joined by
//              ","; JSONL: an array of numbers, in item order), source
//   uses:      time, item, amount, source

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `checkin export --what` writes.
public enum ExportSet: String, Sendable, CaseIterable {
    case entries, responses, uses
}

extension Export {
    public static let responseColumns = ["time", "started", "questionnaire", "total", "answers", "source"]
    public static let useColumns = ["time", "item", "amount", "source"]

    static func time(_ date: Date, _ utcOffset: Int) -> String {
        let second = Int(date.timeIntervalSince1970.rounded(.down))
        return CivilDateTime(secondsSinceEpoch: second + utcOffset).description + offset(utcOffset)
    }

    public static func render(_ responses: [QuestionnaireResponse], as format: ExportFormat) -> String {
        var out = format == .csv ? responseColumns.joined(separator: ",") + "\r\n" : ""
        for r in responses {
            let completed = time(r.completedAt, r.utcOffset), started = time(r.startedAt, r.utcOffset)
            switch format {
            case .csv:
                out += [completed, started, csvField(r.questionnaire), String(r.total),
                        csvField(r.answers.map(String.init).joined(separator: ",")), csvField(r.source)].joined(separator: ",") + "\r\n"
            case .jsonl:
                out += "{\"time\":\"\(completed)\",\"started\":\"\(started)\",\"questionnaire\":\(JSONText.quote(r.questionnaire)),"
                    + "\"total\":\(r.total),\"answers\":[\(r.answers.map(String.init).joined(separator: ","))],"
                    + "\"source\":\(JSONText.quote(r.source))}\n"
            }
        }
        return out
    }

    public static func render(_ uses: [UseRecord], as format: ExportFormat) -> String {
        var out = format == .csv ? useColumns.joined(separator: ",") + "\r\n" : ""
        for u in uses {
            let t = time(u.usedAt, u.utcOffset)
            switch format {
            case .csv:
                out += [t, csvField(u.item), NumberText.json(u.amount), csvField(u.source)].joined(separator: ",") + "\r\n"
            case .jsonl:
                out += "{\"time\":\"\(t)\",\"item\":\(JSONText.quote(u.item)),\"amount\":\(NumberText.json(u.amount)),"
                    + "\"source\":\(JSONText.quote(u.source))}\n"
            }
        }
        return out
    }
}
