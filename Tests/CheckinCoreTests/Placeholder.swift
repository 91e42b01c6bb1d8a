import XCTest
final class CheckinCoreTestsPlaceholder: XCTestCase { func testBuilds() {} }
