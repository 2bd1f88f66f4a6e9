import Testing

@testable import State

@Suite("The replay's event index: events in time order, a resent id kept once, read a page at a time")
struct ScratchEventIndexTests {
    /// Indexes `rows` (seconds, file path, message, event id) in the order given.
    private func index(_ rows: [(Int64, String, Int, String)]) throws -> ScratchEventIndex {
        let index = try ScratchEventIndex()
        var numbers: [String: Int] = [:]
        for (seconds, path, message, id) in rows {
            let file: Int
            if let known = numbers[path] {
                file = known
            } else {
                file = try index.addFile(path)
                numbers[path] = file
            }
            try index.add(seconds: seconds, nanoseconds: 0, file: file, message: message, eventID: id)
        }
        return index
    }

    private func all(_ index: ScratchEventIndex, page: Int) throws -> [ScratchEventIndex.Place] {
        var places: [ScratchEventIndex.Place] = []
        var last: ScratchEventIndex.Place?
        while true {
            let next = try index.places(after: last, limit: page)
            if next.isEmpty { return places }
            places += next
            last = next.last
        }
    }

    @Test("Events come back in time order, then file, then message — whatever order they were added in")
    func timeOrder() throws {
        let index = try index([
            (300, "b.json", 1, "E3"), (100, "a.hl7", 2, "E2"), (100, "a.hl7", 1, "E1"), (200, "c.json", 1, "E4"),
        ])
        #expect(try index.removeDuplicates() == 0)
        let places = try all(index, page: 10)
        #expect(places.map(\.path) == ["a.hl7", "a.hl7", "c.json", "b.json"])
        #expect(places.map(\.message) == [1, 2, 1, 1])
        #expect(places.map(\.seconds) == [100, 100, 200, 300])
        #expect(index.count == 4)
    }

    @Test("An id seen again keeps only its first event in replay order, wherever the later copy was added")
    func duplicatesKeepTheFirst() throws {
        let index = try index([
            (500, "resent.json", 1, "E1"), (100, "first.json", 1, "E1"), (200, "other.json", 1, "E2"),
            (100, "zz-same-time.json", 1, "E1"),
        ])
        #expect(try index.removeDuplicates() == 2)
        let places = try all(index, page: 10)
        #expect(places.map(\.path) == ["first.json", "other.json"])
        #expect(index.count == 2)
    }

    @Test("Reading one event per page gives the same events as reading them all at once")
    func pagesJoinUp() throws {
        var rows: [(Int64, String, Int, String)] = []
        for n in 0..<5000 { rows.append((Int64(n % 97), "f\(n % 13).json", n, "E\(n)")) }
        let index = try index(rows)
        #expect(try index.removeDuplicates() == 0)
        let whole = try all(index, page: 10_000)
        #expect(whole.count == 5000)
        #expect(try all(index, page: 7) == whole)
        #expect(
            zip(whole, whole.dropFirst()).allSatisfy { a, b in
                (a.seconds, a.file, a.message) < (b.seconds, b.file, b.message)
            })
    }
}
