// The config file's reference: every key the validator accepts, its type, default and meaning.
// `checkin config reference --man` renders it as checkin.json(5) (`make man-pages`), so the manual
// is generated from the code; a test keeps these tables and ConfigValidator's key lists identical.

/// One key of one object in the config file.
public struct ConfigKey: Sendable, Equatable {
    public var name: String
    public var type: String
    public var defaultValue: String
    public var meaning: String

    public init(_ name: String, _ type: String, _ defaultValue: String, _ meaning: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.meaning = meaning
    }
}

/// One object of the config file (the top level, a reminder, ...).
public struct ConfigSection: Sendable {
    public var title: String
    public var intro: String
    public var keys: [ConfigKey]
}

public enum ConfigReference {
    public static let top = ConfigSection(
        title: "TOP LEVEL",
        intro: "The file is one object.",
        keys: [
            ConfigKey("version", "number", "1", "Schema version; only 1 exists."),
            ConfigKey("quietHours", "list of windows", "none",
                      "No reminder fires inside these windows, e.g. [\"22:00-07:00\"] (a window may cross midnight)."),
            ConfigKey("workingHours", "object", "always",
                      "Break reminders are only shown, and active time only counts towards them, inside these hours: {\"mon..fri\": \"09:00-17:30\", \"sat\": \"10:00-12:00\"}; each weekday at most once. Mood check-ins are not affected."),
            ConfigKey("dailyLimit", "duration", "\"0s\" (none)",
                      "One notice a day when today's active time (at the computer, as far as the activity sources tell) reaches this, e.g. \"8h\"."),
            ConfigKey("idleThreshold", "duration", "\"10s\"",
                      "No input for this long is idle (5s to 10m), for GNOME's Mutter idle monitor; the idle time counts from when input stopped. Other sources have their own settings (logind's IdleHint: the desktop or swayidle)."),
            ConfigKey("reminders", "list of reminders", "required", "At least one reminder."),
            ConfigKey("questionnaires", "list of questionnaires", "none",
                      "Your own questionnaires, besides the shipped phq2, gad2 and who5; see QUESTIONNAIRES."),
            ConfigKey("tracked", "list of tracked items", "none",
                      "Things you moderate, with your own plan (checkin use); see TRACKED ITEMS. Nothing is suggested."),
            ConfigKey("nudges", "object", "none",
                      "A suggestion in your own words to contact someone when your mood has been low; see NUDGES."),
        ])

    public static let reminder = ConfigSection(
        title: "REMINDERS",
        intro: "Each reminder has exactly one of at, every, random and calendar.",
        keys: [
            ConfigKey("id", "string", "required",
                      "Unique; lower-case letters, digits, - and _; starts with a letter. The CLI and the D-Bus interface name reminders by it."),
            ConfigKey("type", "\"mood\", \"break\" or \"questionnaire\"", "required",
                      "A check-in that asks questions, a break reminder, or a questionnaire (named by questionnaire)."),
            ConfigKey("title", "string", "\"How are you feeling?\" / \"Time for a break\"",
                      "The notification's heading (for mood: the question)."),
            ConfigKey("message", "string", "\"\" / \"Stand up, stretch and rest your eyes for a few minutes.\"",
                      "The notification's body."),
            ConfigKey("at", "list of \"HH:MM\"", "none", "Fixed times of day (a single string is accepted too)."),
            ConfigKey("every", "duration", "none",
                      "An interval such as \"50m\" or \"1h30m\" (1m to 1d), counted from the start of between."),
            ConfigKey("random", "object", "none",
                      "count times a day at random inside a window: {\"count\": 5, \"between\": \"09:00-21:00\", \"minGap\": \"60m\"}; see RANDOM TIMES."),
            ConfigKey("calendar", "expression or list", "none",
                      "systemd calendar expressions (systemd.time(7)), e.g. \"Mon..Fri *-*-* 09..17:00/30\", computed exactly as systemd does. Not with between or days."),
            ConfigKey("between", "window", "whole day",
                      "With every: \"09:00-18:00\"; a window crossing midnight is written \"22:00-02:00+1\"."),
            ConfigKey("days", "weekdays", "every day", "\"mon..fri\", \"sat,sun\" or a list such as [\"mon\", \"wed..fri\"]."),
            ConfigKey("expireAfter", "duration", "\"30m\"", "An unanswered prompt is closed and recorded as expired."),
            ConfigKey("snooze", "duration", "\"10m\" (mood), \"5m\" (break)", "How long Snooze postpones."),
            ConfigKey("maxSnoozes", "number 0-20", "3", "After that many snoozes the Snooze button is not offered."),
            ConfigKey("maxSnoozesPerDay", "number 0-100", "none",
                      "After that many snoozes of the reminder's prompts in one local day the Snooze button is not offered (checkin snooze still works)."),
            ConfigKey("scale", "scale", "1-5 labelled", "Mood only: the answer buttons; see SCALES."),
            ConfigKey("followUp", "question or null", "anxiety 1-5",
                      "Mood only: a second question once the first is answered; null asks nothing more."),
            ConfigKey("enabled", "boolean", "true", "false keeps the reminder in the file without firing."),
            ConfigKey("jitter", "duration", "\"0s\"",
                      "Up to this much random delay after each scheduled time (0s to 1d), like systemd's RandomizedDelaySec=."),
            ConfigKey("catchUp", "\"latest\" or \"none\"", "\"latest\"",
                      "Firings missed while checkind was stopped or the machine slept: show the latest one late if its window is still open, or only record them as missed. Never a backlog."),
            ConfigKey("questionnaire", "name", "required for type questionnaire",
                      "The questionnaire a questionnaire reminder asks: \"phq2\", \"gad2\", \"who5\" or one of yours."),
            ConfigKey("mode", "\"active\" or \"clock\"", "\"clock\"",
                      "Break only. clock: the schedule as written. active (needs every): every counts time at the computer since the last break (natural, taken or shown); between, days and quietHours still decide when it may be shown. Without an activity source active counts wall-clock time."),
            ConfigKey("duration", "duration", "\"5m\"",
                      "Break only: how long the break lasts (10s to 4h). Away (idle, locked or suspended) at least this long is recorded as a natural break, and the break is not shown then."),
            ConfigKey("grace", "duration", "\"2m\"",
                      "Break only: nothing of this reminder is shown this long after a resume or an unlock (0s to 4h); it is shown when the grace period ends."),
            ConfigKey("dnd", "\"defer\", \"drop\" or \"deliver\"", "\"defer\"",
                      "While the notification server's do-not-disturb is on (KDE, dunst, mako, swaync): hold the prompt until it ends, record it as skipped (action dnd), or show it anyway."),
            ConfigKey("preBreakWarning", "duration", "\"0s\" (none)",
                      "Break only: a quiet \"Break in 1 min\" notice this long before the break (0s to 30m); not while away, paused or in do-not-disturb."),
            ConfigKey("welcomeBack", "boolean", "false",
                      "Break only: a short \"Welcome back\" notification after a natural break, and \"Break over\" when a break started with Start break has lasted its duration (not while do-not-disturb is on)."),
        ])

    public static let random = ConfigSection(
        title: "RANDOM TIMES",
        intro: "The object of a reminder's random key. A day's times depend only on the seed, the reminder's id and the date, so a restart never reshuffles them.",
        keys: [
            ConfigKey("count", "number 1-100", "required", "How many times a day."),
            ConfigKey("between", "window", "whole day", "Where the times fall, e.g. \"09:00-21:00\"."),
            ConfigKey("minGap", "duration", "none", "Consecutive times are at least this far apart (whole minutes, 1m to 1d)."),
            ConfigKey("seed", "number 0 to 2^63-1", "per install",
                      "Fixes the draw, e.g. to give every participant of a study the same times."),
        ])

    public static let scale = ConfigSection(
        title: "SCALES",
        intro: "The answer buttons of a question: whole numbers 0-100, at most 11 points.",
        keys: [
            ConfigKey("min", "number 0-100", "required", "The lowest answer."),
            ConfigKey("max", "number 0-100", "required", "The highest answer."),
            ConfigKey("labels", "list of strings", "none", "Either none or one per point; buttons read \"4 Good\"."),
        ])

    public static let question = ConfigSection(
        title: "QUESTIONS",
        intro: "The object of a mood reminder's followUp key.",
        keys: [
            ConfigKey("measure", "\"mood\" or \"anxiety\"", "required",
                      "The journal column the answer goes to; must differ from the first question's."),
            ConfigKey("title", "string", "required", "The question."),
            ConfigKey("scale", "scale", "1-5 labelled", "The answer buttons."),
        ])

    public static let questionnaire = ConfigSection(
        title: "QUESTIONNAIRES",
        intro: "Each object of the questionnaires list. Every item is answered with one of the options; the total is the sum of their values. Shipped: phq2, gad2, who5 (docs/QUESTIONNAIRES.md).",
        keys: [
            ConfigKey("name", "string", "required",
                      "Unique, not a shipped name; lower-case letters, digits, - and _. checkin log --questionnaire names it."),
            ConfigKey("title", "string", "the name", "The heading shown with scores."),
            ConfigKey("intro", "string", "\"\"", "The stem shown before the items, e.g. \"Over the last week…\"."),
            ConfigKey("items", "list of strings or items", "required", "At least one item: its text, or {\"text\": \"…\"}."),
            ConfigKey("options", "list of options", "required",
                      "At least 2, in ascending order of value, each value once; see OPTIONS."),
            ConfigKey("threshold", "object", "none", "A total that is worth noticing, with your own words; see THRESHOLDS."),
            ConfigKey("scoring", "\"sum\"", "\"sum\"", "The total is the sum of the chosen options' values."),
        ])

    public static let questionnaireItem = ConfigSection(
        title: "ITEMS",
        intro: "An item of a questionnaire written as an object (a plain string is its text).",
        keys: [ConfigKey("text", "string", "required", "What the item asks.")])

    public static let questionnaireOption = ConfigSection(
        title: "OPTIONS",
        intro: "One answer option, shared by every item of the questionnaire.",
        keys: [
            ConfigKey("value", "number 0-100", "required", "What the option scores."),
            ConfigKey("label", "string", "required", "What the option says, e.g. \"Several days\"."),
        ])

    public static let threshold = ConfigSection(
        title: "THRESHOLDS",
        intro: "The object of a questionnaire's threshold key: exactly one of atOrAbove and atOrBelow, inside the possible totals.",
        keys: [
            ConfigKey("atOrAbove", "number", "none", "Reached when the total is at or above it."),
            ConfigKey("atOrBelow", "number", "none", "Reached when the total is at or below it."),
            ConfigKey("text", "string", "required", "Your own words, shown when it is reached."),
        ])

    public static let tracked = ConfigSection(
        title: "TRACKED ITEMS",
        intro: "Each object of the tracked list. Every limit is optional and yours: checkin suggests no amount.",
        keys: [
            ConfigKey("name", "string", "required", "Unique; lower-case letters, digits, - and _ (checkin use NAME)."),
            ConfigKey("unit", "string", "none", "What one counts, e.g. \"cup\"."),
            ConfigKey("maxPerDay", "number", "none", "Your own daily limit; days over it are counted."),
            ConfigKey("maxDaysInARow", "number 1-366", "none", "After that many days in a row with use you planned a break."),
            ConfigKey("breakDaysPerWeek", "number 1-7", "none", "Days without use you planned per ISO week."),
            ConfigKey("checkIn", "time", "none", "Every day at this time checkind asks \"Did you use NAME today?\" (Yes records one use, unless today has one; No records nothing)."),
        ])

    public static let nudges = ConfigSection(
        title: "NUDGES",
        intro: "When the 14-day mean mood is at or below moodAtOrBelow, or a questionnaire reaches its threshold, your contact text is shown, at most once per every. Nothing is sent anywhere.",
        keys: [
            ConfigKey("enabled", "boolean", "true", "false keeps the settings without nudging."),
            ConfigKey("moodAtOrBelow", "number on the mood scale", "none", "The 14-day mean mood that brings a nudge."),
            ConfigKey("every", "duration", "\"14d\"", "At most one nudge per this period (1d to 366d)."),
            ConfigKey("contact", "string", "required", "Your own words, the only text a nudge shows, e.g. who to call."),
        ])

    public static let sections = [top, reminder, random, scale, question, questionnaire, questionnaireItem,
                                  questionnaireOption, threshold, tracked, nudges]

    /// The keys ConfigValidator accepts, per section (what the tests compare against).
    static let validatorKeys: [[String]] = [
        ConfigValidator.topKeys, ConfigValidator.reminderKeys, ConfigValidator.randomKeys,
        ConfigValidator.scaleKeys, ConfigValidator.questionKeys, ConfigValidator.questionnaireKeys,
        ConfigValidator.questionnaireItemKeys, ConfigValidator.questionnaireOptionKeys, ConfigValidator.thresholdKeys,
        ConfigValidator.trackedKeys, ConfigValidator.nudgeKeys,
    ]

    // MARK: - checkin.json(5)

    /// The date on the generated page; changes only with a release, so the page is reproducible.
    public static let pageDate = "November 25, 2026"

    /// The manual page, in mdoc like checkind(8).
    public static func manPage(date: String = pageDate) -> String {
        var out = """
            .\\" Generated by `checkin config reference --man` (make man-pages); edit Sources/CheckinCore/ConfigReference.swift.
            .Dd \(date)
            .Dt CHECKIN.JSON 5
            .Os
            .Sh NAME
            .Nm checkin.json
            .Nd configuration of checkind, the check-in and break reminder daemon
            .Sh SYNOPSIS
            .Pa $XDG_CONFIG_HOME/checkin/config.json
            .Pa $XDG_CONFIG_HOME/checkin/config.plist
            .Sh DESCRIPTION
            .Xr checkind 8
            reads one file:
            .Fl -config Ar path ,
            else
            .Pa $XDG_CONFIG_HOME/checkin/config.json ,
            else
            .Pa config.plist
            in the same directory
            .Pq Ev XDG_CONFIG_HOME No defaults to Pa ~/.config ,
            else its built-in default. JSON (strict RFC 8259: no comments, no trailing commas) and
            property lists (XML or binary) share one schema.
            .Nm checkin config check
            validates a file and lists every error with its file, line, column and key path;
            .Nm systemctl --user reload checkind
            applies it, and an invalid file is refused while the running config stays.
            .Pp
            Durations are written like
            .Qq 90s ,
            .Qq 10m ,
            .Qq 1h30m
            or
            .Qq 1d .
            Times of day are
            .Qq HH:MM
            in local time; windows are
            .Qq HH:MM-HH:MM .

            """
        for section in sections {
            out += ".Sh \(section.title)\n\(roff(section.intro))\n.Bl -tag -width Ds\n"
            for key in section.keys {
                // The key alone on the macro line; type, default and meaning on a text line, where
                // quotes and words like "No" are not taken for mdoc syntax.
                out += ".It Sy \(key.name)\n\(roff("Type: \(key.type). Default: \(key.defaultValue)."))\n.br\n\(roff(key.meaning))\n"
            }
            out += ".El\n"
        }
        out += """
            .Sh EXAMPLES
            Mood check-ins on weekdays and a break every 50 minutes during working hours:
            .Bd -literal -offset indent
            {
              "version": 1,
              "quietHours": ["22:00-07:00"],
              "reminders": [
                {"id": "checkin", "type": "mood", "at": ["10:00", "14:00", "18:00"],
                 "days": "mon..fri"},
                {"id": "break", "type": "break", "every": "50m",
                 "between": "09:00-18:00", "days": "mon..fri"}
              ]
            }
            .Ed
            .Sh SEE ALSO
            .Xr checkin 1 ,
            .Xr checkind 8 ,
            .Xr systemd.time 7

            """
        return out
    }

    /// Text safe inside an mdoc line: no leading dot or quote, backslashes doubled.
    static func roff(_ text: String) -> String {
        var s = text.replacingAll("\\", with: "\\e")
        if s.hasPrefix(".") || s.hasPrefix("'") { s = "\\&" + s }
        return s
    }
}

extension String {
    /// Every occurrence of `target` replaced (FoundationEssentials has no replacingOccurrences).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
