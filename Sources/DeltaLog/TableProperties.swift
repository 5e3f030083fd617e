import LakeCore

/// The table properties (`metaData.configuration`) that govern maintenance, read with the
/// defaults Spark uses.
extension Snapshot {
    static let day: Int64 = 86_400_000

    /// `delta.deletedFileRetentionDuration`: how long a removed file stays for readers and
    /// time travel before vacuum may delete it (a week unless set). Throws when the table sets
    /// a value lake does not understand: deleting by a guessed retention cannot be undone.
    public func deletedFileRetentionMillis() throws -> Int64 {
        try interval("delta.deletedFileRetentionDuration", default: 7 * Self.day)
    }

    /// `delta.logRetentionDuration`: how long commits are kept for time travel before log
    /// cleanup may delete them (30 days unless set). Throws like ``deletedFileRetentionMillis()``.
    public func logRetentionMillis() throws -> Int64 {
        try interval("delta.logRetentionDuration", default: 30 * Self.day)
    }

    private func interval(_ key: String, default value: Int64) throws -> Int64 {
        guard let text = property(key) else { return value }
        guard let millis = Interval.millis(text) else {
            throw DeltaError(.unsupported, "the table property \(key) = '\(DisplayText.value(text))' is not an interval lake understands "
                             + "(like 'interval 7 days'); lake deletes nothing by it")
        }
        return millis
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
    /// `interval N unit [N unit …]` (also without `interval`) in milliseconds, as Spark writes
    /// the duration properties (`interval 1 week`, `interval 2 weeks 3 days`); nil when not
    /// understood (months and years are not fixed lengths, so they are not understood).
    public static func millis(_ text: String) -> Int64? {
        var words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if words.first == "interval" { words.removeFirst() }
        guard !words.isEmpty, words.count % 2 == 0 else { return nil }
        let scales: [String: Int64] = ["microsecond": 0, "millisecond": 1, "second": 1000, "minute": 60_000, "hour": 3_600_000,
                                       "day": 86_400_000, "week": 604_800_000]
        var total: Int64 = 0
        for i in stride(from: 0, to: words.count, by: 2) {
            let unit = words[i + 1].hasSuffix("s") ? String(words[i + 1].dropLast()) : words[i + 1]
            guard let n = Int64(words[i]), n >= 0, let scale = scales[unit] else { return nil }
            let amount = scale == 0 ? n / 1000 : n
            let (part, o1) = amount.multipliedReportingOverflow(by: max(scale, 1))
            let (sum, o2) = total.addingReportingOverflow(part)
            guard !o1, !o2 else { return nil }
            total = sum
        }
        return total
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
