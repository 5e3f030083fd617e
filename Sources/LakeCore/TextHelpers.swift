extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (and any of `extra`).
    public func trimmingSpaces(_ extra: String = "") -> String {
        func trim(_ c: Character) -> Bool { c == " " || c == "\t" || extra.contains(c) }
        return String(drop(while: trim).reversed().drop(while: trim).reversed())
    }

    /// The text padded on the left with `pad` to at least `width` characters.
    public func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? String(self) : String(repeating: pad, count: width - count) + self
    }
}
