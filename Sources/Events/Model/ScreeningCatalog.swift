/// The published answer lists of the screening questions RiskScreen knows: the AHC HRSN core
/// questions and the HITS items (`../shared/clinical/INSTRUMENTS.md`, from the CMS AHC HRSN tool and
/// Sherin 1998). For each question: its plain-language name, its LOINC answer codes with their text
/// and, for HITS, their points.
///
/// Rules read it through `answer_text` and `answer_score`; an answer code that is not in its
/// question's list (or a number outside its range) is a data problem, reported — never silently
/// taken as positive or negative.
public enum ScreeningCatalog {
    /// One answer of a question's published list.
    public struct Answer: Sendable, Equatable {
        /// The LOINC answer code (`LA6729-3`).
        public var code: String
        /// Its text, in plain words ("sometimes true").
        public var text: String
        /// Its points where the instrument scores answers (HITS: never 1 … frequently 5).
        public var score: Double?
    }

    /// A question and its answers.
    public struct Question: Sendable, Equatable {
        /// The LOINC code of the question.
        public var code: String
        /// The instrument it belongs to, as the contract names it (`ahc-hrsn`).
        public var instrument: String
        /// What it asks, in plain words ("worried food would run out").
        public var name: String
        /// The published answers; empty for a question answered with a number.
        public var answers: [Answer]
        /// For a question answered with a number: the values it can take.
        public var range: ClosedRange<Double>?
        /// Whether several answers may be given at once (housing quality).
        public var severalAnswers: Bool

        /// The answer with `code`, when it is in this question's list.
        public func answer(_ code: String) -> Answer? { answers.first { $0.code == code } }
    }

    private static let food = [
        Answer(code: "LA28397-0", text: "often true"), Answer(code: "LA6729-3", text: "sometimes true"),
        Answer(code: "LA28398-8", text: "never true"),
    ]
    private static let yesNo = [Answer(code: "LA33-6", text: "yes"), Answer(code: "LA32-8", text: "no")]
    private static let hits = [
        Answer(code: "LA6270-8", text: "never", score: 1), Answer(code: "LA10066-1", text: "rarely", score: 2),
        Answer(code: "LA10082-8", text: "sometimes", score: 3),
        Answer(code: "LA16644-9", text: "fairly often", score: 4),
        Answer(code: "LA6482-9", text: "frequently", score: 5),
    ]

    /// Every question, by LOINC code.
    public static let questions: [String: Question] = Dictionary(
        uniqueKeysWithValues: [
            Question(
                code: "71802-3", instrument: "ahc-hrsn", name: "living situation",
                answers: [
                    Answer(code: "LA31993-1", text: "has a steady place to live"),
                    Answer(code: "LA31994-9", text: "has a place to live today, worried about losing it"),
                    Answer(code: "LA31995-6", text: "does not have a steady place to live"),
                ], severalAnswers: false),
            Question(
                code: "96778-6", instrument: "ahc-hrsn", name: "problems with the place they live",
                answers: [
                    Answer(code: "LA31996-4", text: "pests"), Answer(code: "LA28580-1", text: "mold"),
                    Answer(code: "LA31997-2", text: "lead paint or pipes"),
                    Answer(code: "LA31998-0", text: "lack of heat"),
                    Answer(code: "LA31999-8", text: "oven or stove not working"),
                    Answer(code: "LA32000-4", text: "smoke detectors missing or not working"),
                    Answer(code: "LA32001-2", text: "water leaks"), Answer(code: "LA9-3", text: "none of the above"),
                ], severalAnswers: true),
            Question(
                code: "88122-7", instrument: "ahc-hrsn", name: "worried food would run out", answers: food,
                severalAnswers: false),
            Question(
                code: "88123-5", instrument: "ahc-hrsn", name: "food did not last", answers: food,
                severalAnswers: false),
            Question(
                code: "93030-5", instrument: "ahc-hrsn", name: "lack of transportation kept them from care",
                answers: yesNo, severalAnswers: false),
            Question(
                code: "96779-4", instrument: "ahc-hrsn", name: "utilities threatened to be shut off",
                answers: yesNo + [Answer(code: "LA32002-0", text: "already shut off")], severalAnswers: false),
            Question(
                code: "95618-5", instrument: "ahc-hrsn", name: "physically hurt them", answers: hits, range: 1...5,
                severalAnswers: false),
            Question(
                code: "95617-7", instrument: "ahc-hrsn", name: "insulted or talked down to them", answers: hits,
                range: 1...5, severalAnswers: false),
            Question(
                code: "95616-9", instrument: "ahc-hrsn", name: "threatened them with harm", answers: hits,
                range: 1...5, severalAnswers: false),
            Question(
                code: "95615-1", instrument: "ahc-hrsn", name: "screamed or cursed at them", answers: hits,
                range: 1...5, severalAnswers: false),
            Question(
                code: "95614-4", instrument: "ahc-hrsn", name: "HITS total", answers: [], range: 4...20,
                severalAnswers: false),
        ].map { ($0.code, $0) })

    /// The points of an answer: its number when it was sent as one (within the question's range),
    /// else the points of its code in the question's list (HITS); `nil` when neither.
    public static func score(of answer: ScreeningAnswer) -> Double? {
        if case .number(let number)? = answer.answerValue {
            // A number outside the question's range counts for nothing (and is reported).
            if let range = questions[answer.question]?.range, !range.contains(number) { return nil }
            return number
        }
        guard let code = answer.answerCode else { return nil }
        return questions[answer.question]?.answer(code)?.score
    }

    /// The answer in words: the text of its code in the question's list, else the value or the code
    /// as sent.
    public static func text(of answer: ScreeningAnswer) -> String? {
        if let code = answer.answerCode {
            return questions[answer.question]?.answer(code)?.text ?? code
        }
        switch answer.answerValue {
        case .number(let number)?: return number == number.rounded() ? String(Int(number)) : String(number)
        case .bool(let flag)?: return flag ? "yes" : "no"
        case .text(let text)?: return text
        case nil: return nil
        }
    }

    /// What is wrong with an answer to a known question: a code not in its list, or a number outside
    /// its range; `nil` when nothing is (or the question is not one the catalog knows).
    public static func problem(with answer: ScreeningAnswer) -> String? {
        guard let question = questions[answer.question] else { return nil }
        if let code = answer.answerCode, question.answer(code) == nil {
            let known = question.answers.map(\.code).joined(separator: ", ")
            return
                "screening answer \(code) is not an answer of \(question.code) (\(question.name))\(known.isEmpty ? "" : "; its answers are \(known)"): it counts as neither positive nor negative"
        }
        if case .number(let number)? = answer.answerValue, let range = question.range, !range.contains(number) {
            return
                "screening answer \(number == number.rounded() ? String(Int(number)) : String(number)) to \(question.code) (\(question.name)) is outside \(Int(range.lowerBound))–\(Int(range.upperBound)): it counts as neither positive nor negative"
        }
        return nil
    }
}

extension Array where Element == ScreeningAnswer {
    /// The answers that count: for each question, the answers given at its latest `answered_at`
    /// (an answer without `answered_at` counts only when its question has no dated answer).
    /// Superseded answers are left out.
    public var latestPerQuestion: [Int] {
        // Most events hold a few answers: comparing each with the others costs less than hashing
        // every question. Many answers (a large or hostile file) take the linear way.
        guard count > 32 else {
            return indices.filter { index in
                let answer = self[index]
                for other in self where other.question == answer.question {
                    guard let time = other.answeredAt else { continue }
                    // A dated answer to the same question supersedes an undated or an older one.
                    guard let own = answer.answeredAt, !(own < time) else { return false }
                }
                return true
            }
        }
        var latest: [String: Timestamp] = [:]
        for answer in self {
            guard let time = answer.answeredAt else { continue }
            if latest[answer.question].map({ $0 < time }) ?? true { latest[answer.question] = time }
        }
        return indices.filter { index in
            let answer = self[index]
            guard let newest = latest[answer.question] else { return true }
            return answer.answeredAt == newest
        }
    }

    /// The answers of one screening — one instrument answered at one `answered_at` — the most
    /// recent one holding an answer for which `holds` is true; empty when none does. Undated
    /// answers form one screening, older than any dated one.
    public func latestScreening(where holds: (Int) -> Bool) -> [Int] {
        var best: (time: Timestamp?, instrument: ScreeningInstrument?)?
        for index in indices where holds(index) {
            let answer = self[index]
            guard let current = best else {
                best = (answer.answeredAt, answer.instrument)
                continue
            }
            switch (current.time, answer.answeredAt) {
            case (nil, .some): best = (answer.answeredAt, answer.instrument)
            case (let old?, let new?) where old < new: best = (new, answer.instrument)
            default: break
            }
        }
        guard let best else { return [] }
        return indices.filter { self[$0].answeredAt == best.time && self[$0].instrument == best.instrument }
    }
}
