public enum CheckinTestSupportPlaceholder {}
