import Events
import Feeds
import Foundation
import Testing

@Suite("Reading HL7 v2: delimiters, segments, batches, escapes, character sets")
struct HL7ReaderTests {
    static let message = [
        "MSH|^~\\&|ADT-ENGINE|NORTH|RISKSCREEN|NORTH|20261124103500-0500||ADT^A03^ADT_A03|C-1|P|2.5.1",
        "PID|1||S-1^^^NORTH^MR||Ashdown^Perpetua",
    ]

    func read(_ text: String) throws(HL7ReadError) -> [HL7Message] { try HL7Reader().messages(Array(text.utf8)) }

    @Test("segments may end in CR, LF or CRLF, with or without MLLP framing: the same message")
    func terminators() throws {
        let cr = try read(Self.message.joined(separator: "\r") + "\r")
        let lf = try read(Self.message.joined(separator: "\n"))
        let crlf = try read(Self.message.joined(separator: "\r\n") + "\r\n")
        let mllp = try HL7Reader().messages(
            [0x0B] + Array((Self.message.joined(separator: "\r") + "\r").utf8) + [0x1C, 0x0D])
        for messages in [cr, lf, crlf, mllp] {
            #expect(messages.count == 1)
            #expect(messages[0].segments.map(\.name) == ["MSH", "PID"])
            #expect(messages[0].controlID == "C-1")
            #expect(messages[0].messageType.code == "ADT" && messages[0].messageType.trigger == "A03")
        }
    }

    @Test("MSH-1 and MSH-2 declare the delimiters; MSH fields are counted from MSH-1, the separator")
    func customDelimiters() throws {
        let text =
            "MSH#$*@!#ADT-ENGINE#NORTH#R#N#20261124103500-0500##ADT$A01#C-2#P#2.5.1\rPID#1##S-9$$$N$MR*S-10$$$N$SS##Frost$Ada"
        let message = try #require(try read(text).first)
        #expect(message.delimiters.field == "#" && message.delimiters.component == "$")
        #expect(message.delimiters.repetition == "*" && message.delimiters.escape == "@")
        #expect(message.delimiters.subcomponent == "!")
        let msh = try #require(message.segment("MSH"))
        #expect(msh.raw(1) == "#" && msh.raw(2) == "$*@!" && msh.raw(3) == "ADT-ENGINE" && msh.raw(10) == "C-2")
        let pid = try #require(message.segment("PID"))
        let ids = message.field(pid, 3).repetitions
        #expect(ids.count == 2 && ids[1].value(component: 5) == "SS")
        #expect(message.field(pid, 5).value(component: 2) == "Ada")
    }

    @Test("escape sequences: delimiters, hexadecimal bytes, line breaks; an unclosed one is an error")
    func escapes() throws {
        let message = try #require(
            try read(
                Self.message[0] + "\rNTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f \\X4869\\ \\.br\\next\\H\\bold\\N\\|x\\X41"
            ).first)
        let nte = try #require(message.segment("NTE"))
        #expect(message.field(nte, 3).value() == "a|b^c&d~e\\f Hi \nnextbold")
        #expect(throws: HL7EscapeError.self) { try message.field(nte, 4).unescaped() }
        #expect(message.field(nte, 4).value() == "x\\X41", "read leniently, kept as sent")
    }

    @Test("a batch (FHS, BHS … BTS, FTS) gives its messages in order")
    func batch() throws {
        let second = Self.message[0].replacingOccurrences(of: "C-1", with: "C-2")
        let text = (["FHS|^~\\&|X", "BHS|^~\\&|X"] + Self.message + [second, "PID|1||S-2", "BTS|2", "FTS|1"])
            .joined(separator: "\r")
        let messages = try read(text)
        #expect(messages.map(\.controlID) == ["C-1", "C-2"])
        #expect(messages[1].segment("PID").map { $0.raw(3) } == "S-2")
        #expect(messages[0].text.hasPrefix("MSH|") && !messages[0].text.contains("FHS"))
    }

    @Test("in a batch each message stands alone: one that cannot be read is that message's error; each keeps its bytes")
    func batchMessagesStandAlone() throws {
        let latin1 =
            Array((Self.message[0].replacingOccurrences(of: "C-1", with: "C-3") + "||||||8859/1\rPID|1||S-3||M").utf8)
            + [0xFC, 0x0D]
        let bytes =
            Array((["BHS|^~\\&"] + Self.message + ["MSH|^^\\&|broken", "PID|1"]).joined(separator: "\r").utf8) + [0x0D]
            + latin1 + Array("BTS|3\r".utf8)
        let items = FeedInput().hl7(bytes)
        #expect(items.count == 3)
        guard case .failure(let broken) = items[1].result else {
            Issue.record("the broken message was read")
            return
        }
        #expect(broken.errors.map(\.path) == ["MSH-2"])
        #expect(items[2].text == latin1, "a split message keeps its own bytes, in its own character set")
        #expect(try HL7Reader().messages(items[2].text)[0].segment("PID").map { $0.raw(5) } == "Mü")
    }

    @Test("character sets: UTF-8 by default, ISO 8859-1 when MSH-18 says so; invalid UTF-8 is an error")
    func characterSets() throws {
        let latin1Header = Self.message[0] + "||||||8859/1"
        var bytes = Array((latin1Header + "\rPID|1||S-1||M").utf8) + [0xFC] + Array("ller^Zo".utf8) + [0xEB]
        let latin1 = try HL7Reader().messages(bytes)
        #expect(latin1[0].segment("PID").map { latin1[0].field($0, 5).value(component: 1) } == "Müller")
        #expect(latin1[0].segment("PID").map { latin1[0].field($0, 5).value(component: 2) } == "Zoë")
        let utf8 = try read(Self.message[0] + "\rPID|1||S-1||Müller^Zoë")
        #expect(utf8[0].segment("PID").map { utf8[0].field($0, 5).value(component: 1) } == "Müller")
        bytes = Array((Self.message[0] + "\rPID|1||S-1||M").utf8) + [0xFC]
        #expect(throws: HL7ReadError("line 2", "not valid UTF-8 (MSH-18 says nothing, so UTF-8 is expected)")) {
            try HL7Reader().messages(bytes)
        }
        #expect(throws: HL7ReadError.self) { try read(Self.message[0] + "||||||EBCDIC") }
    }

    @Test("what is not HL7 is refused with the place: no MSH, a segment before it, bad delimiters, binary, a bad name")
    func refusals() {
        func place(_ text: String) -> String? {
            do {
                _ = try read(text)
                return nil
            } catch {
                return error.place
            }
        }
        #expect(place("") == "file")
        #expect(place("{\"schema_version\": 1}") == "line 1")
        #expect(place("PID|1\rMSH|^~\\&|X") == "line 1")
        #expect(place("MSH|^^\\&|X|Y|Z") == "MSH-2")
        #expect(place("MSHA^~\\&|X|Y|Z") == "MSH-1")
        #expect(place(Self.message[0] + "\rpid|1") == "line 2")
        #expect(throws: HL7ReadError("file", "binary data (a NUL byte), not HL7 v2 text")) {
            try HL7Reader().messages([0x4D, 0x53, 0x48, 0x00])
        }
    }

    @Test("100,000 repetitions in a field are read without trouble")
    func manyRepetitions() throws {
        let field = Array(repeating: "S-1^^^N^MR", count: 100_000).joined(separator: "~")
        let message = try #require(try read(Self.message[0] + "\rPID|1||" + field).first)
        let pid = try #require(message.segment("PID"))
        #expect(message.field(pid, 3).repetitions.count == 100_000)
    }

    @Test("HL7 is told from JSON by name or by its first bytes")
    func format() {
        #expect(FeedFormat.of(name: "a.hl7", bytes: Array("{}".utf8)) == .hl7)
        #expect(FeedFormat.of(name: "a.json", bytes: Array("MSH|^~\\&".utf8)) == .hl7)
        #expect(FeedFormat.of(name: "a.json", bytes: Array("\n  FHS|^~\\&".utf8)) == .hl7)
        #expect(FeedFormat.of(name: "a.json", bytes: [0x0B] + Array("MSH".utf8)) == .hl7)
        #expect(FeedFormat.of(name: "a.json", bytes: Array("{\"event_id\": 1}".utf8)) == .json)
    }
}
