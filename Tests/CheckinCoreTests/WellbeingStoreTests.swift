import Foundation
import XCTest
@testable import CheckinCore

/// Schema 2: upgrading a version-1 journal with data, questionnaire responses and uses.
final class WellbeingStoreTests: XCTestCase {
    var root: URL!
    var dbPath: String { root.appendingPathComponent("checkin/checkin.sqlite").path }
    func t(_ s: Double) -> Date { Date(timeIntervalSince1970: s) }

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("checkin-wellbeing-\(UUID())")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("checkin"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func testUpgradesAVersion1JournalKeepingItsData() throws {
        // A journal exactly as schema 1 left it, with a prompt, an entry with tags and state.
        XCTAssertTrue(FileManager.default.createFile(atPath: dbPath, contents: nil, attributes: [.posixPermissions: 0o600]))
        do {
            let c = try Connection(path: dbPath)
            try c.execute(Store.migrations[0].1, operation: "v1")
            try c.execute("""
                PRAGMA user_version = 1;
                INSERT INTO prompts (id, reminder, kind, scheduled_at, state) VALUES ('p1', 'mood', 'mood', 1000, 'answered');
                INSERT INTO entries (id, recorded_at, utc_offset, mood, anxiety, note, source, prompt_id)
                    VALUES (7, 1010, 3600, 4, 2, 'kept', 'notification', 'p1');
                INSERT INTO entry_tags VALUES (7, 'work');
                INSERT INTO state VALUES ('k', 'v');
                """, operation: "v1 data")
            c.close()
        }
        let store = try Store(path: dbPath, createIfMissing: false)
        XCTAssertEqual(store.schemaVersion, 2)
        XCTAssertEqual(try store.pragma("user_version"), "2")
        XCTAssertEqual(try store.entries(since: nil, until: nil),
                       [Entry(id: 7, recordedAt: t(1010), utcOffset: 3600, mood: 4, anxiety: 2, note: "kept", tags: ["work"],
                              source: "notification", promptID: "p1")])
        XCTAssertEqual(try store.prompt(id: "p1")?.state, .answered)
        XCTAssertEqual(try store.stateValue("k"), "v")
        // The new tables work on the upgraded file, also linked to the old prompt.
        let r = try XCTUnwrap(QuestionnaireResponse(.phq2, answers: [1, 2], startedAt: t(2000), completedAt: t(2030),
                                                    utcOffset: 3600, source: "notification", promptID: "p1"))
        let id = try store.insertResponse(r)
        var expected = r
        expected.id = id
        XCTAssertEqual(try store.responses(in: TimeRange(since: nil, until: nil)), [expected])
        try store.insertUse(UseRecord(item: "caffeine", amount: 1, usedAt: t(3000), utcOffset: 3600, source: "cli"))
        XCTAssertEqual(try store.uses(in: TimeRange(since: nil, until: nil)).map(\.item), ["caffeine"])
        store.close()
        // Opening again does not migrate twice.
        XCTAssertEqual(try Store(path: dbPath).schemaVersion, 2)
    }

    func testResponsesAreAtomicAndFiltered() throws {
        let store = try Store(path: dbPath)
        defer { store.close() }
        let a = QuestionnaireResponse(.who5, answers: [5, 4, 3, 2, 1], startedAt: t(100), completedAt: t(160), utcOffset: 0, source: "cli")!
        let b = QuestionnaireResponse(.gad2, answers: [0, 3], startedAt: t(200), completedAt: t(230), utcOffset: -18000, source: "cli")!
        XCTAssertEqual(a.total, 15)
        try store.insertResponse(a)
        try store.insertResponse(b)
        XCTAssertEqual(try store.responses(in: TimeRange(since: nil, until: nil)).map(\.questionnaire), ["who5", "gad2"])
        XCTAssertEqual(try store.responses(in: TimeRange(since: nil, until: nil), questionnaire: "gad2").map(\.answers), [[0, 3]])
        XCTAssertEqual(try store.responses(in: TimeRange(since: t(150), until: t(200))).map(\.total), [15])
        // A wrong total, or a value the journal refuses, records nothing at all.
        var bad = b
        bad.total = 5
        XCTAssertThrowsError(try store.insertResponse(bad))
        var refused = b
        refused.answers = [1, 101]
        refused.total = 102
        XCTAssertThrowsError(try store.insertResponse(refused))
        XCTAssertEqual(try store.responses(in: TimeRange(since: nil, until: nil)).count, 2)
        // A response that does not fit its questionnaire is not even built.
        XCTAssertNil(QuestionnaireResponse(.phq2, answers: [1, 4], startedAt: t(0), completedAt: t(1), utcOffset: 0, source: "cli"))
        XCTAssertNil(QuestionnaireResponse(.phq2, answers: [1], startedAt: t(0), completedAt: t(1), utcOffset: 0, source: "cli"))
        // A use with no amount is refused by the journal.
        XCTAssertThrowsError(try store.insertUse(UseRecord(item: "x", amount: 0, usedAt: t(1), utcOffset: 0, source: "cli")))
    }

    func testRecordResponseMovesThePromptAndInsertsTheResponseTogether() throws {
        let store = try Store(path: dbPath)
        defer { store.close() }
        try store.insertPrompt(PromptRecord(id: "q1", reminder: "weekly", kind: "questionnaire", scheduledAt: t(100),
                                            deliveredAt: t(100), state: .delivered))
        let r = QuestionnaireResponse(.gad2, answers: [1, 2], startedAt: t(110), completedAt: t(140), utcOffset: 0, source: "notification")!
        let id = try store.recordResponse(promptID: "q1", at: t(140), action: "done", response: r)
        let stored = try store.responses(in: TimeRange(since: nil, until: nil))
        XCTAssertEqual(stored.map(\.id), [id])
        XCTAssertEqual(stored.first?.promptID, "q1")
        XCTAssertEqual(try store.prompt(id: "q1")?.state, .answered)
        XCTAssertEqual(try store.prompt(id: "q1")?.outcomeAt, t(140))
        // An unknown prompt: nothing at all is written.
        XCTAssertThrowsError(try store.recordResponse(promptID: "nope", at: t(200), action: "done", response: r)) { error in
            XCTAssertEqual((error as? StoreError)?.code, .notFound)
        }
        XCTAssertEqual(try store.responses(in: TimeRange(since: nil, until: nil)).count, 1)
    }

    func testRecordCheckInWritesTheUseAndTheOutcomeTogether() throws {
        let store = try Store(path: dbPath)
        defer { store.close() }
        try store.insertPrompt(PromptRecord(id: "c1", reminder: "tracked.caffeine", kind: "use", scheduledAt: t(100),
                                            deliveredAt: t(100), state: .delivered))
        let use = UseRecord(item: "caffeine", amount: 1, usedAt: t(120), utcOffset: 0, source: "notification")
        let id = try store.recordCheckIn(promptID: "c1", at: t(120), action: "yes", use: use)
        XCTAssertNotNil(id)
        XCTAssertEqual(try store.uses(in: TimeRange(since: nil, until: nil)).map(\.id), [id])
        XCTAssertEqual(try store.prompt(id: "c1")?.state, .answered)
        XCTAssertEqual(try store.prompt(id: "c1")?.action, "yes")
        // An unknown prompt: no use either.
        XCTAssertThrowsError(try store.recordCheckIn(promptID: "nope", at: t(200), action: "yes", use: use)) { error in
            XCTAssertEqual((error as? StoreError)?.code, .notFound)
        }
        XCTAssertEqual(try store.uses(in: TimeRange(since: nil, until: nil)).count, 1)
        // No use given: only the outcome.
        try store.insertPrompt(PromptRecord(id: "c2", reminder: "tracked.caffeine", kind: "use", scheduledAt: t(300),
                                            deliveredAt: t(300), state: .delivered))
        XCTAssertNil(try store.recordCheckIn(promptID: "c2", at: t(310), action: "no", use: nil))
        XCTAssertEqual(try store.prompt(id: "c2")?.action, "no")
        XCTAssertEqual(try store.uses(in: TimeRange(since: nil, until: nil)).count, 1)
    }
}
