import Foundation

/// Why an integration test cannot run here. Outside CI a test should skip (`shouldSkip`);
/// in CI (`CI=true`) a missing tool is a failure, so the test rethrows it.
public struct IntegrationUnavailable: Error, CustomStringConvertible {
    public var missing: String
    public var isCI: Bool
    public var shouldSkip: Bool { !isCI }
    public var description: String {
        "\(missing) is not available" + (isCI ? " (CI=true: integration tests must run, install it)" : "; skipping")
    }
}

/// True when running in CI (`CI=true`), where integration tests must never skip.
public var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

/// Throws `IntegrationUnavailable` when `tool` (a name looked up in PATH, or an absolute path)
/// is not executable. Tests turn `shouldSkip` errors into XCTSkip and fail on the others:
///
/// ```swift
/// do { try requireIntegration("dbus-daemon") } catch let e where e.shouldSkip { throw XCTSkip("\(e)") }
/// ```
public func requireIntegration(_ tool: String) throws(IntegrationUnavailable) {
    guard executablePath(tool) == nil else { return }
    throw IntegrationUnavailable(missing: tool, isCI: isCI)
}

/// Like `requireIntegration`, for Python modules of `python` (e.g. `dbus`, `gi`).
public func requireIntegration(python: String = "/usr/bin/python3", modules: [String]) throws(IntegrationUnavailable) {
    try requireIntegration(python)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", modules.map { "import \($0)" }.joined(separator: "; ")]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let ok = (try? process.run()).map { process.waitUntilExit(); return process.terminationStatus == 0 } ?? false
    if !ok {
        throw IntegrationUnavailable(missing: "\(python) modules \(modules.joined(separator: ", "))", isCI: isCI)
    }
}

/// Absolute path of an executable: `tool` itself if it contains a slash, else the first PATH hit.
public func executablePath(_ tool: String) -> String? {
    if tool.contains("/") {
        return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil
    }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}
