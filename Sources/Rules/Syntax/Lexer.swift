/// Splits an expression into tokens.
struct Lexer {
    enum TokenKind: Equatable {
        case number(Double)
        case duration(Double)
        case string(String)
        case identifier(String)
        case symbol(String)
        case end
    }

    struct Token {
        var kind: TokenKind
        var range: Range<Int>
    }

    /// A lexing or parsing problem at a character offset in the expression.
    struct Failure: Error {
        var message: String
        var range: Range<Int>
    }

    static let durationUnits: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]

    static func tokens(_ text: String) throws(Failure) -> [Token] {
        let characters = Array(text)
        var tokens: [Token] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace {
                index += 1
                continue
            }
            let start = index
            if character.isASCII && character.isNumber {
                while index < characters.count, characters[index].isASCII, characters[index].isNumber { index += 1 }
                if index + 1 < characters.count, characters[index] == ".", characters[index + 1].isASCII,
                    characters[index + 1].isNumber
                {
                    index += 1
                    while index < characters.count, characters[index].isASCII, characters[index].isNumber { index += 1 }
                }
                let value = Double(String(characters[start..<index])) ?? 0
                if index < characters.count, let unit = durationUnits[characters[index]],
                    index + 1 == characters.count || !isIdentifierCharacter(characters[index + 1])
                {
                    index += 1
                    tokens.append(Token(kind: .duration(value * unit), range: start..<index))
                } else {
                    if index < characters.count, isIdentifierCharacter(characters[index]) {
                        throw Failure(
                            message:
                                "a number cannot run into letters here; durations are written 30d, 8h, 15m, 2w or 10s",
                            range: start..<index + 1)
                    }
                    tokens.append(Token(kind: .number(value), range: start..<index))
                }
            } else if (character.isASCII && character.isLetter) || character == "_" {
                // Names are ASCII (a non-ASCII letter once started a name it could not continue,
                // and the lexer never advanced: found by fuzzing).
                while index < characters.count, isIdentifierCharacter(characters[index]) { index += 1 }
                tokens.append(Token(kind: .identifier(String(characters[start..<index])), range: start..<index))
            } else if character == "\"" || character == "'" {
                index += 1
                var value = ""
                var closed = false
                while index < characters.count {
                    let next = characters[index]
                    if next == character {
                        closed = true
                        index += 1
                        break
                    }
                    if next == "\\", index + 1 < characters.count {
                        let escaped = characters[index + 1]
                        switch escaped {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        default: value.append(escaped)
                        }
                        index += 2
                        continue
                    }
                    value.append(next)
                    index += 1
                }
                guard closed else { throw Failure(message: "this string is not closed", range: start..<index) }
                tokens.append(Token(kind: .string(value), range: start..<index))
            } else {
                let two = index + 1 < characters.count ? String(characters[index...index + 1]) : ""
                if ["&&", "||", "==", "!=", "<=", ">="].contains(two) {
                    tokens.append(Token(kind: .symbol(two), range: index..<index + 2))
                    index += 2
                } else if "()[],.!<>+-*/".contains(character) {
                    tokens.append(Token(kind: .symbol(String(character)), range: index..<index + 1))
                    index += 1
                } else if character == "=" {
                    throw Failure(message: "use == to compare", range: index..<index + 1)
                } else {
                    throw Failure(message: "unexpected character '\(character)'", range: index..<index + 1)
                }
            }
        }
        tokens.append(Token(kind: .end, range: characters.count..<characters.count))
        return tokens
    }

    static func isIdentifierCharacter(_ character: Character) -> Bool {
        (character.isASCII && (character.isLetter || character.isNumber)) || character == "_"
    }
}
