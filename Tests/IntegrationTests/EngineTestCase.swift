import CheckinCore
import CheckinTestSupport
import Foundation
import SystemdKit
import XCTest
@testable import CheckinDaemon

/// A notification server in memory: every Notify succeeds at once with the next id.
final class RecordingSink: NotificationSink {
    var requests: [NotificationRequest] = []
    var closed: [UInt32] = []
    func notify(_ request: NotificationRequest, completion: @escaping (Result<UInt32, SystemdError>) -> Void) {
        requests.append(request)
        completion(.success(UInt32(requests.count)))
    }
    func closeNotification(id: UInt32) { closed.append(id) }
    var summaries: [String] { requests.map(\.summary) }
}

/// Base of the engine test classes: a `PromptEngine` on a real journal in a temporary directory,
/// a hand-moved clock and the in-memory server. No bus, no processes, so it runs everywhere.
/// Has no tests of its own.
class EngineTestCase: XCTestCase {
    var dir: URL!
    var store: Store!
    /// Set by each subclass to where its story starts.
    var now = Date.utc("2026-03-02T09:00:00Z")  // a Monday
    let sink = RecordingSink()
    let log = LogRecorder()
    var engine: PromptEngine!
    /// Prompt ids are "p1", "p2", ... across restarts of the engine.
    var ids = 0

    override func tearDown() {
        store?.close()
        if let dir { try? FileManager.default.removeItem(at: dir) }
        super.tearDown()
    }

    /// Starts (or, on the same journal, restarts) the engine with this config, a server with actions present.
    func start(_ json: String) throws {
        if dir == nil {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("checkin-engine-\(UUID())")
            store = try Store(path: dir.appendingPathComponent("checkin.sqlite").path)
        }
        let config = try ConfigLoader.parse(bytes: Array(json.utf8), file: "config.json")
        engine = PromptEngine(config: config, zone: .utc, store: store, logger: log.logger, clock: { [unowned self] in self.now },
                              makeID: { [unowned self] in self.ids += 1; return "p\(self.ids)" })
        engine.sink = sink
        engine.start()
        engine.serverAppeared(capabilities: ["actions", "body"])
    }

    /// Moves the clock, ticking at every wake-up on the way (as the timer would).
    func run(to end: Date) {
        while let w = engine.nextWakeup, w <= end, w >= now {
            now = w
            engine.tick()
            if engine.nextWakeup == w { break }
        }
        now = end
        engine.tick()
    }
}
