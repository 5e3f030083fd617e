import LakeCore

/// The names in a comma-separated list (`a, b,c`), each trimmed of spaces and tabs.
public func commaList(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingSpaces() }
}
