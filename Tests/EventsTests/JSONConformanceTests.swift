import Foundation
import Testing

@testable import Events

/// The public JSONTestSuite vectors: `y_` must be accepted, `n_` rejected, `i_` either (never a crash).
@Suite(
    "JSON reading conforms to RFC 8259 (JSONTestSuite)",
    .enabled(
        if: Fixtures.exists(Fixtures.jsonTestSuite), "../shared/data/JSONTestSuite is absent; conformance not checked"))
struct JSONConformanceTests {
    static let vectors = Fixtures.files(in: Fixtures.jsonTestSuite, withExtension: "json")
    /// The suite's own vectors hold duplicate keys among the accepted ones; events refuse them separately.
    let reader = JSONReader(maximumDepth: 128, rejectsDuplicateKeys: false)

    @Test("the vectors are there")
    func vectorsPresent() {
        #expect(Self.vectors.count > 300)
    }

    @Test("y_ vectors are accepted", arguments: vectors.filter { $0.lastPathComponent.hasPrefix("y_") })
    func accepted(_ file: URL) throws {
        #expect(throws: Never.self) { try reader.parse(try Fixtures.bytes(file)) }
    }

    @Test("n_ vectors are rejected", arguments: vectors.filter { $0.lastPathComponent.hasPrefix("n_") })
    func rejected(_ file: URL) throws {
        #expect(throws: JSONSyntaxError.self) { try reader.parse(try Fixtures.bytes(file)) }
    }

    @Test(
        "i_ vectors either parse or are refused, without crashing",
        arguments: vectors.filter { $0.lastPathComponent.hasPrefix("i_") })
    func implementationDefined(_ file: URL) throws {
        _ = try? reader.parse(try Fixtures.bytes(file))
    }
}

@Suite("The JSON reader's own choices")
struct JSONReaderTests {
    let reader = JSONReader()

    private func value(_ text: String) throws -> JSONValue { try reader.parse(Array(text.utf8)) }

    @Test("numbers are read exactly, including the short decimals labs hold")
    func numbers() throws {
        #expect(
            try value("[11.4, 133, -0.5, 1e3, 2.5E-3, 0, -0, 123456789012345678901234567890]")
                == .array([
                    .number(11.4), .number(133), .number(-0.5), .number(1000), .number(0.0025), .number(0),
                    .number(-0.0), .number(1.2345678901234568e29),
                ]))
        #expect(try value("0.1") == .number(0.1))
        #expect(try value("9007199254740993") == .number(9007199254740992))
        #expect(try value("1.7976931348623157e308") == .number(.greatestFiniteMagnitude))
    }

    @Test("a number too large for a Double is refused, not turned into infinity")
    func overflow() {
        #expect(throws: JSONSyntaxError.self) { try value("[1e400]") }
        #expect(throws: JSONSyntaxError.self) { try value("-1e400") }
    }

    @Test("escapes and surrogate pairs decode; lone surrogates are refused")
    func strings() throws {
        #expect(try value(#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\u{8}\u{c}\n\r\té😀"))
        #expect(throws: JSONSyntaxError.self) { try value(#""\ud800""#) }
        #expect(throws: JSONSyntaxError.self) { try value(#""\udc00""#) }
    }

    @Test("invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        #expect(throws: JSONSyntaxError.self) { try reader.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONSyntaxError.self) { try reader.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }
    }

    @Test("a UTF-8 byte-order mark at the start is skipped")
    func byteOrderMark() throws {
        #expect(try reader.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == .object([]))
    }

    @Test("nesting deeper than the limit is refused quickly, not recursed into")
    func deepNesting() {
        let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        let error = #expect(throws: JSONSyntaxError.self) { try value(deep) }
        #expect(error?.message.contains("nesting deeper than 128") == true)
    }

    @Test("errors give the line and column, counting characters not bytes")
    func errorPosition() {
        let error = #expect(throws: JSONSyntaxError.self) { try value("{\n  \"naïve\": tru\n}") }
        #expect(error?.line == 2)
        #expect(error?.column == 12)
        #expect(error?.path.description == "$.naïve" || error?.path.description == #"$["naïve"]"#)
    }

    @Test("duplicate keys are refused when asked, accepted otherwise")
    func duplicates() throws {
        #expect(throws: JSONSyntaxError.self) { try value(#"{"a":1,"a":1}"#) }
        let lenient = JSONReader(maximumDepth: 8, rejectsDuplicateKeys: false)
        #expect(
            try lenient.parse(Array(#"{"a":1,"a":2}"#.utf8))
                == .object([JSONMember(key: "a", value: .number(1)), JSONMember(key: "a", value: .number(2))]))
    }
}
