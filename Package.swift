// swift-tools-version:6.0
import PackageDescription

// Layout (see docs/ARCHITECTURE.md):
//   checkin (CLI), checkind (daemon) -> CheckinDaemon -> SystemdKit -> CSystemd (libsystemd + shim)
//                                                   \-> CheckinCore (pure Swift: config, schedules, store)
// CheckinCore and the daemon use FoundationEssentials only: full Foundation maps ICU and costs
// ~9 MiB of RSS, which the idle-daemon budget (16 MiB) cannot afford. Time zones come from TZif files.
let package = Package(
    name: "Checkin",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "checkind", targets: ["checkind"]),
        .executable(name: "checkin", targets: ["checkin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "CSystemd",
            linkerSettings: [.linkedLibrary("systemd")]
        ),
        .target(
            name: "CheckinCore",
            dependencies: ["CSQLite"]
        ),
        .target(
            name: "SystemdKit",
            dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "CheckinDaemon",
            dependencies: ["CheckinCore", "SystemdKit", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "checkind",
            dependencies: ["CheckinDaemon", "CheckinCore", "SystemdKit"]
        ),
        .executableTarget(
            name: "checkin",
            dependencies: [
                "CheckinCore", "SystemdKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers that own real processes in tests (private dbus-daemon, scripted peers).
        .target(
            name: "CheckinTestSupport",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "Tests/Support"
        ),
        .testTarget(name: "CheckinCoreTests", dependencies: ["CheckinCore"]),
        .testTarget(name: "SystemdKitTests", dependencies: ["SystemdKit", "CheckinTestSupport"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["CheckinDaemon", "CheckinCore", "SystemdKit", "CheckinTestSupport"]
        ),
    ]
)
