/// Parses `.env` files: `KEY=value` lines, optional `export `, `#` comments, and single- or double-quoted
/// values (double quotes understand `\n`, `\"` and `\\`).
public enum DotEnv {
    /// The variables defined in `text`.
    /// - Throws: ``SettingsError`` naming the line (never its value) when a line is malformed.
    public static func parse(_ text: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).trimmingCharacters() }
            guard let equals = line.firstIndex(of: "=") else {
                throw SettingsError(variable: ".env", problem: "line \(offset + 1) is not KEY=value")
            }
            let key = String(line[..<equals]).trimmingCharacters()
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw SettingsError(variable: ".env", problem: "line \(offset + 1) has an invalid variable name")
            }
            let rest = line[line.index(after: equals)...].trimmingCharacters()
            values[String(key)] = try value(rest, line: offset + 1)
        }
        return values
    }

    private static func value(_ text: Substring, line: Int) throws -> String {
        guard let quote = text.first, quote == "\"" || quote == "'" else {
            // Unquoted: an inline comment starts at " #".
            if let comment = text.range(of: " #") { return String(text[..<comment.lowerBound].trimmingCharacters()) }
            return String(text)
        }
        var result = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if character == quote { return result }
            if quote == "\"", character == "\\", text.index(after: index) < text.endIndex {
                index = text.index(after: index)
                switch text[index] {
                case "n": result.append("\n")
                case "t": result.append("\t")
                default: result.append(text[index])
                }
            } else {
                result.append(character)
            }
            index = text.index(after: index)
        }
        throw SettingsError(variable: ".env", problem: "line \(line) has an unterminated quoted value")
    }
}

extension StringProtocol {
    func trimmingCharacters() -> Substring {
        let s = Substring(self)
        guard let start = s.firstIndex(where: { !$0.isWhitespace }) else { return s[s.endIndex...] }
        return s[start...s.lastIndex(where: { !$0.isWhitespace })!]
    }
}

extension Substring {
    fileprivate func range(of needle: String) -> Range<Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) { return index..<self.index(index, offsetBy: needle.count) }
            index = self.index(after: index)
        }
        return nil
    }
}
