import Testing

@testable import Rules

@Suite("Parsing expressions")
struct ParserTests {
    /// The tree printed back with full parentheses, to check precedence.
    private func shape(_ text: String) throws -> String {
        func show(_ expression: Expression) -> String {
            switch expression.kind {
            case .number(let value): return Value.format(value)
            case .string(let text): return "'\(text)'"
            case .bool(let flag): return flag ? "true" : "false"
            case .duration(let seconds): return "\(Value.formatDuration(seconds))"
            case .path(let components): return components.joined(separator: ".")
            case .call(let name, let arguments): return "\(name)(" + arguments.map(show).joined(separator: ", ") + ")"
            case .not(let inner): return "(not \(show(inner)))"
            case .negate(let inner): return "(-\(show(inner)))"
            case .binary(let op, let left, let right): return "(\(show(left)) \(op.rawValue) \(show(right)))"
            case .membership(let left, let right, let negated):
                return "(\(show(left)) \(negated ? "not in" : "in") \(show(right)))"
            case .list(let items): return "[" + items.map(show).joined(separator: ", ") + "]"
            }
        }
        return show(try Parser.parse(text))
    }

    @Test("and binds tighter than or, and comparisons tighter than both")
    func precedence() throws {
        #expect(try shape("a > 1 or b < 2 and c == 3") == "((a > 1) || ((b < 2) && (c == 3)))")
        #expect(try shape("a || b && c") == "(a || (b && c))")
        #expect(try shape("not a and b") == "((not a) && b)")
        #expect(try shape("!(a or b)") == "(not (a || b))")
    }

    @Test("arithmetic follows the usual precedence and associates left")
    func arithmetic() throws {
        #expect(try shape("1 + 2 * 3 - 4 / 2") == "((1 + (2 * 3)) - (4 / 2))")
        #expect(try shape("-a + 3") == "((-a) + 3)")
        #expect(try shape("10 - 3 - 2") == "((10 - 3) - 2)")
    }

    @Test("dotted paths, calls, lists, in and not in")
    func forms() throws {
        #expect(try shape("score.lace.L >= param.threshold") == "(score.lace.L >= param.threshold)")
        #expect(try shape("any(diagnoses, code in heart_failure)") == "any(diagnoses, (code in heart_failure))")
        #expect(try shape("x not in ['a', \"b\"]") == "(x not in ['a', 'b'])")
        #expect(try shape("lab(\"718-7\") < 12.0") == "(lab('718-7') < 12)")
    }

    @Test("durations are a number and a unit")
    func durations() throws {
        #expect(try shape("30d") == "30d")
        #expect(try shape("8h + 15m") == "(8h + 15m)")
        #expect(try shape("2w") == "2w")
    }

    @Test("word and symbol operators mean the same")
    func wordOperators() throws {
        #expect(try shape("a and b or not c") == (try shape("a && b || !c")))
    }

    @Test(
        "mistakes are reported at the character where they are",
        arguments: [
            ("a = 1", 2, "use == to compare"),
            ("(a > 1", 6, "expected ')'"),
            ("a > ", 4, "expected a value"),
            ("'open", 0, "not closed"),
            ("a # b", 2, "unexpected character '#'"),
            ("3days", 0, "durations are written"),
            ("a b", 2, "after a complete expression"),
            ("f(a,", 4, "expected a value"),
            // Found by fuzzing (Fuzz/findings, expression): a non-ASCII letter used to start a name
            // the lexer could not continue, and it never advanced (a hang).
            ("any\u{131C}(x)", 3, "unexpected character"),
            ("\u{E9}tat == 1", 0, "unexpected character"),
        ])
    func errors(_ text: String, _ offset: Int, _ message: String) {
        do {
            _ = try Parser.parse(text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.range.lowerBound == offset)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }
}
