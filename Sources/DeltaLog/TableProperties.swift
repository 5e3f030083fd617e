/// The table properties (`metaData.configuration`) that govern maintenance, read with the
/// defaults Spark uses.
extension Snapshot {
    static let day: Int64 = 86_400_000

    /// `delta.deletedFileRetentionDuration`: how long a removed file stays for readers and
    /// time travel before vacuum may delete it (a week unless set).
    public var deletedFileRetentionMillis: Int64 {
        property("delta.deletedFileRetentionDuration").flatMap(Interval.millis) ?? 7 * Self.day
    }

    /// `delta.logRetentionDuration`: how long commits are kept for time travel before log
    /// cleanup may delete them (30 days unless set).
    public var logRetentionMillis: Int64 {
        property("delta.logRetentionDuration").flatMap(Interval.millis) ?? 30 * Self.day
    }

    /// `delta.enableExpiredLogCleanup`: whether writing a checkpoint also cleans up expired
    /// log files (true unless set to false).
    public var expiredLogCleanupEnabled: Bool {
        property("delta.enableExpiredLogCleanup")?.lowercased() != "false"
    }

    /// `delta.checkpointInterval`: a checkpoint every this many versions (10 unless set).
    public var checkpointInterval: Int64 {
        property("delta.checkpointInterval").flatMap { Int64($0) }.map { max(1, $0) } ?? 10
    }
}

/// Spark's interval text, as Delta's duration properties hold it.
public enum Interval {
    /// `interval N unit` (also `N unit`) in milliseconds; nil when not understood.
    public static func millis(_ text: String) -> Int64? {
        var words = text.lowercased().split(separator: " ").map(String.init)
        if words.first == "interval" { words.removeFirst() }
        guard words.count == 2, let n = Int64(words[0]), n >= 0 else { return nil }
        let unit = words[1].hasSuffix("s") ? String(words[1].dropLast()) : words[1]
        let millis: [String: Int64] = ["millisecond": 1, "second": 1000, "minute": 60_000, "hour": 3_600_000,
                                       "day": 86_400_000, "week": 604_800_000]
        guard let scale = millis[unit] else { return nil }
        let (total, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : total
    }

    /// Milliseconds in words with the largest exact unit: `7 days`, `36 hours`, `0 seconds`.
    public static func describe(_ millis: Int64) -> String {
        let units: [(String, Int64)] = [("day", 86_400_000), ("hour", 3_600_000), ("minute", 60_000), ("second", 1000)]
        for (name, size) in units where millis != 0 && millis % size == 0 {
            let n = millis / size
            return "\(n) \(name)\(n == 1 ? "" : "s")"
        }
        return millis == 0 ? "0 seconds" : "\(millis) milliseconds"
    }
}
