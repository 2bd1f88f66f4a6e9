import Testing
import YAMLDocument

@Suite("The YAML layer")
struct YAMLParserTests {
    let parser = YAMLParser()

    private func parse(_ text: String) throws -> YAMLNode {
        try #require(try parser.parse(text, file: "rules/test.yaml"))
    }

    private func failure(_ text: String, parser: YAMLParser = YAMLParser()) -> YAMLError? {
        do {
            _ = try parser.parse(text, file: "rules/test.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test("every node, however deeply nested, knows its file, line and column (1-based)")
    func marksOnNestedNodes() throws {
        let root = try parse(
            """
            rules:
              - id: caregiver.strain
                when: score.mcsi >= 13
                events: [admission,  discharge]
            """)
        #expect(root.mark == SourceMark(file: "rules/test.yaml", line: 1, column: 1))
        let rule = try #require(root["rules"]?.sequence?.first)
        #expect(rule.mark.line == 2 && rule.mark.column == 5)
        let when = try #require(rule["when"])
        #expect(when.mark == SourceMark(file: "rules/test.yaml", line: 3, column: 11))
        let events = try #require(rule["events"]?.sequence)
        #expect(events.map(\.mark.column) == [14, 26])
        #expect(events.map(\.mark.line) == [4, 4])
        let keyMarks = try #require(rule.mapping).map(\.keyMark)
        #expect(keyMarks.map(\.line) == [2, 3, 4])
        #expect(keyMarks.map(\.column) == [5, 5, 5])
    }

    @Test("scalars keep their text and style: \"10\" is not 10, and no is not false")
    func scalarsKeepTextAndStyle() throws {
        let root = try parse(
            """
            quoted: "10"
            plain: 10
            answer: no
            single: 'it''s'
            block: |
              line one
              line two
            empty:
            """)
        #expect(root["quoted"]?.scalar == YAMLScalar(text: "10", style: .doubleQuoted))
        #expect(root["plain"]?.scalar == YAMLScalar(text: "10", style: .plain))
        #expect(root["answer"]?.scalar == YAMLScalar(text: "no", style: .plain))
        #expect(root["single"]?.scalar == YAMLScalar(text: "it's", style: .singleQuoted))
        #expect(root["block"]?.scalar == YAMLScalar(text: "line one\nline two\n", style: .literal))
        #expect(root["empty"]?.scalar?.isNull == true)
        #expect(root["answer"]?.scalar?.isNull == false)
    }

    @Test("mapping entries keep the order they were written in")
    func mappingOrder() throws {
        let root = try parse("c: 1\na: 2\nb: 3\n")
        #expect(root.mapping?.map(\.key.text) == ["c", "a", "b"])
    }

    @Test("a syntax error is reported at the line and column libyaml gives, 1-based")
    func syntaxErrorLocation() throws {
        let error = try #require(
            failure(
                """
                rules:
                  - id: a
                    title: "unterminated
                  - id: b
                """))
        #expect(error.kind == .syntax)
        #expect(error.mark.file == "rules/test.yaml")
        // libyaml notices at the end of the stream, and says where the scalar began.
        #expect(error.mark == SourceMark(file: "rules/test.yaml", line: 4, column: 10))
        #expect(error.description.hasPrefix("rules/test.yaml:4:10: error: YAML syntax:"))
        #expect(error.message.contains("quoted scalar"))
        #expect(error.message.contains("line 3, column 12"))
    }

    @Test("a mapping value in the wrong place is a syntax error on its own line")
    func badIndentation() throws {
        let error = try #require(failure("id: a\ntitle: b: c\n"))
        #expect(error.kind == .syntax)
        #expect(error.mark.line == 2)
        #expect(error.mark.column == 9)
    }

    @Test("a duplicate key is refused, naming both places")
    func duplicateKeys() throws {
        let error = try #require(
            failure(
                """
                rules:
                  - id: a
                    priority: high
                    priority: low
                """))
        #expect(error.kind == .duplicateKey)
        #expect(error.mark == SourceMark(file: "rules/test.yaml", line: 4, column: 5))
        #expect(error.relatedMark == SourceMark(file: "rules/test.yaml", line: 3, column: 5))
        #expect(
            error.description
                == "rules/test.yaml:4:5: error: duplicate key \"priority\"; it was first given at line 3, column 5")
    }

    @Test("a quoted and a plain key with the same text are the same key")
    func duplicateKeysAcrossStyles() throws {
        let error = try #require(failure("\"10\": a\n10: b\n"))
        #expect(error.kind == .duplicateKey)
    }

    @Test("a billion-laughs file is refused at the alias that passes the budget, without expanding it")
    func aliasBomb() throws {
        let bomb = """
            a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
            g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
            h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
            i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
            """
        let error = try #require(failure(bomb))
        #expect(error.kind == .aliasBudgetExceeded)
        // 10 + 91 + 820 + 7381 + 66430 nodes fit under 100,000 only up to line 5 and part of line 6.
        #expect(error.mark.line == 6)
        #expect(error.message.contains("billion laughs"))
    }

    @Test("a few ordinary aliases are fine and share the anchored node")
    func ordinaryAliases() throws {
        let root = try parse(
            """
            heart: &heart [I50, I110, I130]
            also: *heart
            """)
        #expect(root["also"]?.sequence?.map { $0.scalar?.text } == ["I50", "I110", "I130"])
        #expect(root["also"]?.mark.line == 2)
    }

    @Test("the budget counts every node an alias stands for")
    func aliasBudgetIsCounted() throws {
        let small = YAMLParser(aliasExpansionBudget: 7)
        let text = "a: &a [1, 2, 3]\nb: *a\nc: *a\n"
        #expect(throws: Never.self) { _ = try YAMLParser(aliasExpansionBudget: 8).parse(text, file: "x") }
        #expect(failure(text, parser: small)?.kind == .aliasBudgetExceeded)
    }

    @Test("an alias to an unknown anchor is refused")
    func unknownAlias() throws {
        let error = try #require(failure("a: *nowhere\n"))
        #expect(error.kind == .unknownAlias)
        #expect(error.message.contains("*nowhere"))
        #expect(error.mark.line == 1)
    }

    @Test("a file with more than one document is refused at the second one")
    func multipleDocuments() throws {
        let error = try #require(failure("rules: []\n---\nrules: []\n"))
        #expect(error.kind == .multipleDocuments)
        #expect(error.mark.line == 2)
        #expect(error.message.contains("more than one YAML document"))
    }

    @Test("one explicit document is fine")
    func singleExplicitDocument() throws {
        let root = try parse("---\nrules: []\n...\n")
        #expect(root["rules"]?.sequence?.isEmpty == true)
    }

    @Test("an empty file, or one with only comments, has no document")
    func emptyFile() throws {
        #expect(try parser.parse("", file: "x") == nil)
        #expect(try parser.parse("# nothing here\n", file: "x") == nil)
    }

    @Test("a mapping used as a key is refused")
    func complexKey() throws {
        let error = try #require(failure("? [a, b]\n: c\n"))
        #expect(error.kind == .complexKey)
    }

    @Test("nesting past the limit is refused, not followed")
    func deepNesting() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let error = try #require(failure(deep))
        #expect(error.kind == .tooDeep)
    }

    @Test("invalid UTF-8 is refused with the line where it sits")
    func invalidUTF8() throws {
        let bytes: [UInt8] = Array("a: 1\nb: ".utf8) + [0xFF, 0xFE] + Array("\n".utf8)
        let error = try #require(throws: YAMLError.self) { try parser.parse(bytes: bytes, file: "rules/test.yaml") }
        #expect(error.kind == .syntax)
        #expect(error.mark == SourceMark(file: "rules/test.yaml", line: 2, column: 4))
        #expect(error.message.contains("UTF-8"))
    }

    @Test("a tab used for indentation is a syntax error")
    func tabIndentation() throws {
        let error = try #require(failure("rules:\n\t- id: a\n"))
        #expect(error.kind == .syntax)
        #expect(error.mark.line == 2)
    }
}
