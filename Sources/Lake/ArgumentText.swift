import LakeCore

/// The names in a comma-separated list (`a, b,c`), each trimmed of spaces and tabs.
public func commaList(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingSpaces() }
}

/// The Levenshtein distance between two strings (by characters).
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(1, b.count) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}

/// The candidate nearest to `word` (ignoring case), when it is near enough to be a typo.
public func closestMatch(_ word: String, among candidates: [String]) -> String? {
    candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
        .filter { $0.1 <= max(2, word.count / 3) }
        .min { $0.1 < $1.1 }?.0
}
