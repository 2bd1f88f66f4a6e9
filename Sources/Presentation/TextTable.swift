/// A table for a terminal: every column as wide as its widest cell, headers over their columns, the
/// last column left unpadded (unless right-aligned). Widths count characters, not the escape codes
/// of a colour.
public struct TextTable: Sendable {
    /// The column headers.
    public var headers: [String]
    /// The rows, each a cell per header.
    public var rows: [[String]] = []
    /// Spaces between columns.
    public var gap = 2
    /// The columns whose cells are padded on the left (numbers), by index.
    public var rightAligned: Set<Int> = []

    public init(headers: [String]) { self.headers = headers }

    /// Adds a row (missing cells are empty, extra ones dropped).
    public mutating func append(_ cells: [String]) {
        rows.append((0..<headers.count).map { $0 < cells.count ? cells[$0] : "" })
    }

    /// The lines, header first; `style` may wrap a cell (row, column, padded text) in escape codes.
    public func lines(style: (_ row: Int, _ column: Int, _ text: String) -> String = { _, _, text in text }) -> [String]
    {
        var widths = headers.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        func line(_ cells: [String], row: Int?) -> String {
            var pieces: [String] = []
            for (column, cell) in cells.enumerated() {
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                let padded =
                    rightAligned.contains(column)
                    ? padding + cell : column == cells.count - 1 ? cell : cell + padding
                pieces.append(row.map { style($0, column, padded) } ?? padded)
            }
            var text = pieces.joined(separator: String(repeating: " ", count: gap))
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        return [line(headers, row: nil)] + rows.enumerated().map { line($1, row: $0) }
    }
}
