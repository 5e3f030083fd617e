import LakeCore

/// `DURATION` on the command line (DESIGN §3): a whole number with a unit, `90s`, `30m`,
/// `168h`, `7d` (also `2w`).
public enum DurationText {
    static let units: [(suffix: String, millis: Int64)] = [("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000),
                                                           ("m", 60_000), ("s", 1000)]

    /// Milliseconds; `invalidArgument` naming the accepted forms when `text` is not one.
    public static func parse(_ text: String, option: String) throws -> Int64 {
        let trimmed = text.trimmingSpaces()
        if trimmed == "0" { return 0 }
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            let number = trimmed.dropLast(unit.suffix.count)
            if let n = Int64(number), n >= 0 {
                let (millis, overflow) = n.multipliedReportingOverflow(by: unit.millis)
                if !overflow { return millis }
            }
        }
        throw LakeError(.invalidArgument, "\(option) '\(text)' is not a duration: use a whole number with a unit, like 90s, 30m, 168h or 7d")
    }

    /// The shortest exact text of `millis` (`7d`, `36h`, `90s`; `1500ms` when not whole seconds).
    public static func format(_ millis: Int64) -> String {
        if millis == 0 { return "0s" }
        for unit in units where unit.suffix != "w" && millis % unit.millis == 0 { return "\(millis / unit.millis)\(unit.suffix)" }
        return "\(millis)ms"
    }

    /// Bytes as `SIZE` text: `32MB`, `512KB`, `1GB` (exact units where they divide).
    public static func formatSize(_ bytes: Int64) -> String {
        for (unit, size) in [("GB", Int64(1) << 30), ("MB", Int64(1) << 20), ("KB", Int64(1) << 10)] where bytes >= size && bytes % size == 0 {
            return "\(bytes / size)\(unit)"
        }
        return "\(bytes)B"
    }
}
