import Testing

@testable import Rules

@Suite("Code sets")
struct CodeSetTests {
    @Test("an exact code matches only itself, with or without the dot, in any case")
    func exact() throws {
        let set = try CodeSet(entries: ["I50.9"])
        #expect(set.contains("I50.9"))
        #expect(set.contains("I509"))
        #expect(set.contains("i50.9"))
        #expect(!set.contains("I50.91"))
        #expect(!set.contains("I50"))
    }

    @Test("a prefix matches every code under it, dot-insensitively")
    func prefix() throws {
        let set = try CodeSet(entries: ["I50*", "I25.2*"])
        #expect(set.contains("I50"))
        #expect(set.contains("I50.23"))
        #expect(set.contains("I5023"))
        #expect(set.contains("I25.2"))
        #expect(set.contains("I2520"))
        #expect(!set.contains("I5"))
        #expect(!set.contains("I25.1"))
        #expect(!set.contains("I49.9"))
    }

    @Test("a range covers every code whose leading characters fall in it, ends included")
    func range() throws {
        let set = try CodeSet(entries: ["I60-I69", "K700–K703", "C00-C26"])
        for code in ["I60", "I63.9", "I69.354", "K70.0", "K70.30", "K703", "C00.1", "C16.9", "C26"] {
            #expect(set.contains(code), "\(code)")
        }
        for code in ["I59.9", "I70.0", "K70.4", "K704", "C27", "C30.0", "I6"] {
            #expect(!set.contains(code), "\(code)")
        }
    }

    @Test("ranges of letters and digits that do not expand are compared by their leading characters")
    func wideRange() throws {
        let set = try CodeSet(entries: ["A0-Z9"])
        #expect(set.contains("M05.79"))
        #expect(!set.contains("0A"))
    }

    @Test("ranges need two codes of one length, the lower first")
    func badRanges() {
        #expect(throws: CodeSet.EntryError.self) { try CodeSet(entries: ["I69-I60"]) }
        #expect(throws: CodeSet.EntryError.self) { try CodeSet(entries: ["I6-I690"]) }
        #expect(throws: CodeSet.EntryError.self) { try CodeSet(entries: ["-"]) }
    }

    @Test("codes longer than eight characters still match")
    func longCodes() throws {
        let set = try CodeSet(entries: ["ABCDEFGHIJ", "LONGPREFIX*"])
        #expect(set.contains("ABCDEFGHIJ"))
        #expect(set.contains("LONGPREFIX123"))
        #expect(!set.contains("ABCDEFGHI"))
    }
}
