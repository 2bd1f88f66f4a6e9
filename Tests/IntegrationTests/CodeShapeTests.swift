import Foundation
import Testing

/// Promises about the shape of the code that the compiler does not keep: where the backend and the
/// test hooks may be named.
@Suite("the shape of the code")
struct CodeShapeTests {
    /// Every Swift file under Sources/, by its path from the package root, with its text.
    static func sources() throws -> [(path: String, text: String)] {
        let root = RiskScreenProcess.packageRoot.appendingPathComponent("Sources").path
        let enumerator = try #require(FileManager.default.enumerator(atPath: root))
        var files: [(String, String)] = []
        while let relative = enumerator.nextObject() as? String {
            guard relative.hasSuffix(".swift") else { continue }
            files.append(("Sources/" + relative, try String(contentsOfFile: root + "/" + relative, encoding: .utf8)))
        }
        #expect(files.count > 50, "the sources were not found")
        return files
    }

    @Test("the test hooks are read from the environment only at the command line's edge, and given to the library")
    func testHooksAtTheEdge() throws {
        let readers = try Self.sources().filter { $0.text.contains(#"environment["RISKSCREEN_TEST_"#) }.map(\.path)
        #expect(readers == ["Sources/riskscreen/TestHooks.swift"])
    }

    @Test("only the State module names SQLite and GRDB: the rest talks to the ledger, outbox and queue protocols")
    func backendBehindProtocols() throws {
        let naming = try Self.sources().filter {
            $0.text.contains("SQLiteStateStore") || $0.text.contains("import GRDB")
        }.map(\.path)
        #expect(!naming.isEmpty)
        #expect(naming.allSatisfy { $0.hasPrefix("Sources/State/") }, "\(naming)")
    }
}
