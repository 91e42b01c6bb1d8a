enum CheckinDaemonPlaceholder {}
