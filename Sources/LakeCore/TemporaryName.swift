/// The names of lake's temporary files: `.<name>.<pid>.<random>.tmp`, as
/// `LocalStorage.putIfAbsent` (commit files) and the Parquet writer (data files) create them
/// next to the file they become; compaction's sort runs are such names themselves.
public enum TemporaryName {
    /// A temporary file not modified for an hour belongs to a writer that died: a live
    /// writer keeps writing its data file (its modification time moves) and links a commit
    /// file into place within moments of creating it.
    public static let staleAfterMillis: Int64 = 3_600_000

    /// A temporary name for `path`'s file, in the same directory.
    public static func next(to path: String, pid: Int32, random: UInt64) -> String {
        "\(Paths.parent(of: path))/.\(Paths.basename(of: path)).\(pid).\(random).tmp"
    }

    /// Whether `name` has the exact shape of a lake temporary file name.
    public static func isLakeTemporary(_ name: String) -> Bool {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return false }
        let parts = name.dropFirst().dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        // <name…>.<pid>.<random>: the name itself may hold dots, and is never empty.
        guard parts.count >= 3 else { return false }
        let pid = parts[parts.count - 2], random = parts[parts.count - 1]
        func digits(_ s: Substring, max: Int) -> Bool {
            !s.isEmpty && s.count <= max && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
        let base = parts[..<(parts.count - 2)].joined(separator: ".")
        // A sort run (itself named as a temporary file) has its own writer's temporary name.
        return digits(pid, max: 10) && digits(random, max: 20) && !base.isEmpty
            && (base.hasSuffix(".json") || base.hasSuffix(".parquet") || base == "_last_checkpoint"
                || base.hasPrefix(".") && isLakeTemporary(base))
    }
}
