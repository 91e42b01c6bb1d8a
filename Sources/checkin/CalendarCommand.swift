// checkin calendar: systemd calendar expressions, as systemd-analyze calendar shows them.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CheckinCore
import SystemdKit

// MARK: - calendar

struct Calendar: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Normalize systemd calendar expressions and show their next elapses.",
        discussion: """
            Like `systemd-analyze calendar`, with the same grammar and results (systemd.time(7)). \
            TZ is honoured; an expression may name its own zone ("08:00 Europe/Berlin").
            """
    )

    @Argument(help: ArgumentHelp("Calendar expressions, e.g. 'Mon..Fri *-*-* 09:00'.", valueName: "expression"))
    var expressions: [String]

    @Option(help: "How many elapses to show for each (1-1000000).")
    var iterations: Int = 1

    @Option(name: .customLong("base-time"),
            help: ArgumentHelp("Compute from this time: ISO 8601 with or without offset, or @UNIX_SECONDS.", valueName: "time"))
    var baseTime: String?

    /// --json: [{"expression", "normalized", "next": [ISO 8601 with offset, ...]}] (docs/JSON.md).
    @OptionGroup var output: OutputOptions
    var json: Bool { output.json }

    func validate() throws {
        guard (1...1_000_000).contains(iterations) else {
            throw ValidationError("--iterations \(iterations) is out of range; expected 1-1000000")
        }
    }

    func run() throws {
        try reportingErrors {
            let zone = Zone.system(environment: Env.current)
            let now = Date()
            var base = now
            if let baseTime {
                guard let t = Format.parseInstant(baseTime, zone: zone) else {
                    throw CLIError(message: "--base-time \(JSONText.quote(baseTime)) is not a time; expected ISO 8601 (2026-03-29T01:30:00+01:00, 2026-03-29 01:30) or @UNIX_SECONDS", code: 64)
                }
                base = t
            }
            var specs: [CalendarSpec] = []
            for e in expressions {
                do {
                    specs.append(try CalendarSpec.parse(e))
                } catch let error as CalendarParseError {
                    let caret = String(repeating: " ", count: "checkin: ".count + max(0, error.column - 1)) + "^"
                    throw CLIError(message: "\(e)\n\(caret) column \(error.column): \(error.reason)", code: 1)
                }
            }
            var out = OutputBuffer()
            if json { out.append("[") }
            for (i, (text, spec)) in zip(expressions, specs).enumerated() {
                var micros = CalendarSpec.microseconds(base)
                if json {
                    if i > 0 { out.append(",") }
                    out.append("{\"expression\":\(JSONText.quote(text)),\"normalized\":\(JSONText.quote(spec.normalized)),\"next\":[")
                } else {
                    if i > 0 { out.append("\n") }
                    // As systemd-analyze: the original form only when it differs.
                    if text != spec.normalized { out.append("  Original form: \(text)\n") }
                    out.append("Normalized form: \(spec.normalized)\n")
                }
                var shown = 0
                while shown < iterations, let next = spec.next(afterMicroseconds: micros, in: zone) {
                    micros = next
                    let date = CalendarSpec.date(microseconds: next)
                    let shownZone = zone  // elapses are shown in local time, whatever zone computed them
                    if json {
                        if shown > 0 { out.append(",") }
                        out.append("\"" + Format.iso8601Micro(date, micros: next, zone: shownZone) + "\"")
                    } else {
                        // The layout of `systemd-analyze calendar`.
                        let label = shown == 0 ? "    Next elapse" : Format.pad("       Iter. #\(shown + 1)", 15)
                        out.append("\(label): \(Format.systemdTime(date, micros: next, zone: shownZone))\n")
                        if shownZone.identifier != "UTC" {
                            out.append("       (in UTC): \(Format.systemdTime(date, micros: next, zone: .utc))\n")
                        }
                        out.append("       From now: \(Format.fromNow(date, now: now))\n")
                    }
                    shown += 1
                }
                if json { out.append("]}") } else if shown == 0 { out.append("    Next elapse: never\n") }
            }
            if json { out.append("]\n") }
            out.flush()
        }
    }
}

/// Collects output and writes it in large chunks (100,000 elapses are a lot of lines).
struct OutputBuffer {
    private var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 16) }

    mutating func append(_ s: String) {
        bytes.append(contentsOf: s.utf8)
        if bytes.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { if errno == EINTR { continue }; break }
            offset += n
        }
        bytes.removeAll(keepingCapacity: true)
    }
}
