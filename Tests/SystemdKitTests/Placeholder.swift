import XCTest
final class SystemdKitTestsPlaceholder: XCTestCase { func testBuilds() {} }
