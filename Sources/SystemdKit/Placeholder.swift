enum SystemdKitPlaceholder {}
