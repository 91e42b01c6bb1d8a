// The built-in config, used when no config file exists. It is config/default.json verbatim:
// `make default-config` regenerates this file and a test checks that the two agree.
public enum DefaultConfig {
    public static let json = #"""
{
  "version": 1,
  "quietHours": ["22:00-07:00"],
  "reminders": [
    {
      "id": "mood",
      "type": "mood",
      "at": ["10:00", "14:00", "19:00"],
      "title": "How are you feeling?",
      "scale": { "min": 1, "max": 5, "labels": ["Very low", "Low", "Okay", "Good", "Very good"] },
      "followUp": {
        "measure": "anxiety",
        "title": "How anxious do you feel?",
        "scale": { "min": 1, "max": 5, "labels": ["None", "Mild", "Moderate", "High", "Very high"] }
      },
      "expireAfter": "30m",
      "snooze": "10m",
      "maxSnoozes": 3
    },
    {
      "id": "break",
      "type": "break",
      "every": "50m",
      "mode": "active",
      "duration": "5m",
      "between": "09:00-18:00",
      "days": "mon..fri",
      "title": "Time for a break",
      "message": "Stand up, stretch and rest your eyes for a few minutes.",
      "expireAfter": "30m",
      "snooze": "5m",
      "maxSnoozes": 3
    }
  ]
}
"""#
}
