import LakeCore

/// The files of a table's `_delta_log` directory, by version.
///
/// Commits are `%020d.json`; classic checkpoints `%020d.checkpoint.parquet` or the parts
/// `%020d.checkpoint.%010d.%010d.parquet`; V2 checkpoints `%020d.checkpoint.<uuid>.json|parquet`.
/// Anything else (`_last_checkpoint`, `.crc`, temporary files, log compactions) is ignored:
/// listing the directory is the truth.
public struct LogListing: Sendable {
    /// Commit file names by version.
    public var commits: [Int64: String] = [:]
    /// Complete classic checkpoints by version: the file names of all parts, in order.
    public var checkpoints: [Int64: [String]] = [:]
    /// V2 checkpoint names (`%020d.checkpoint.<uuid>.(json|parquet)`) by version.
    public var v2Checkpoints: [Int64: String] = [:]

    public init() {}

    /// The commits `from...through` by their standard names, as a writer that just committed
    /// `through` knows them without listing the directory.
    public init(commitsThrough latest: Int64, from first: Int64) {
        guard first <= latest else { return }
        for v in max(0, first)...latest { commits[v] = DeltaTable.commitName(v) }
    }

    /// Lists `logDirectory`; nil when there is no log.
    public static func list(_ logDirectory: String, storage: any Storage) throws -> LogListing? {
        // Names in directory order: versions and part numbers place them.
        guard let names = try storage.entries(logDirectory)?.map(\.name) else { return nil }
        var listing = LogListing()
        // Classic checkpoint parts by version, then by the number of parts of their set.
        var parts: [Int64: [Int: [Int: String]]] = [:]
        for name in names {
            // The common case first, without splitting: `%020d.json`.
            if let version = Self.commitVersion(name) {
                listing.commits[version] = name
                continue
            }
            let pieces = name.split(separator: ".", omittingEmptySubsequences: false)
            guard pieces.count >= 2, pieces[0].utf8.count == 20, let version = Self.version(name) else { continue }
            if pieces.count == 2 && pieces[1] == "json" {
                listing.commits[version] = name
            } else if pieces.count == 3 && pieces[1] == "checkpoint" && pieces[2] == "parquet" {
                parts[version, default: [:]][1, default: [:]][1] = name
            } else if pieces.count == 5 && pieces[1] == "checkpoint" && pieces[4] == "parquet",
                      let part = Int(pieces[2]), let total = Int(pieces[3]), part >= 1, part <= total, total <= 1_000_000 {
                parts[version, default: [:]][total, default: [:]][part] = name
            } else if pieces.count == 4 && pieces[1] == "checkpoint" && (pieces[3] == "json" || pieces[3] == "parquet") {
                listing.v2Checkpoints[version] = name
            }
        }
        // A checkpoint is a complete set of one size: the classic file when there is one, else
        // the complete multi-part set with the fewest parts; parts of different sets never mix.
        for (version, sets) in parts {
            for total in sets.keys.sorted() where sets[total]!.count == total {
                listing.checkpoints[version] = (1...total).map { sets[total]![$0]! }
                break
            }
        }
        return listing
    }

    /// The version of a name of the form `%020d.json`, read from its bytes.
    static func commitVersion(_ name: String) -> Int64? {
        let parsed = name.utf8.withContiguousStorageIfAvailable { bytes -> Int64? in
            guard bytes.count == 25, bytes[20] == 0x2E, bytes[21] == 0x6A, bytes[22] == 0x73, bytes[23] == 0x6F,
                  bytes[24] == 0x6E else { return nil }
            var value: Int64 = 0
            for i in 0..<20 {
                let d = bytes[i] &- 0x30
                guard d <= 9 else { return nil }
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int64(d))
                guard !o1, !o2 else { return nil }
                value = sum
            }
            return value
        }
        return parsed ?? nil
    }

    /// The version in the first 20 characters of `name`, when they are all digits.
    static func version(_ name: String) -> Int64? {
        var value: Int64 = 0
        var count = 0
        for byte in name.utf8.prefix(20) {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(byte - 0x30))
            guard !o1, !o2 else { return nil }
            value = sum
            count += 1
        }
        return count == 20 ? value : nil
    }

    /// The oldest version the log can still reconstruct: version 0 while its commits are all
    /// there, else the oldest complete checkpoint followed by contiguous commits.
    public var oldestReadableVersion: Int64? {
        guard let latest = latestVersion else { return nil }
        var candidates = Set(checkpoints.keys).union(v2Checkpoints.keys).sorted()
        if commits[0] != nil { candidates.insert(0, at: 0) }
        return candidates.first { start in
            start == latest || ((start + 1)...latest).allSatisfy { commits[$0] != nil }
        }
    }

    /// The newest version with a commit file or a complete checkpoint (whose commit may have
    /// been cleaned up).
    public var latestVersion: Int64? {
        [commits.keys.max(), checkpoints.keys.max(), v2Checkpoints.keys.max()].compactMap { $0 }.max()
    }

    /// The newest complete checkpoint at or before `version`: its version and file names (a
    /// classic or multi-part checkpoint's parts; else a V2 checkpoint's one file).
    public func checkpoint(atOrBefore version: Int64) -> (version: Int64, files: [String])? {
        let classic = checkpoints.keys.filter { $0 <= version }.max()
        let v2 = v2Checkpoints.keys.filter { $0 <= version }.max()
        switch (classic, v2) {
        case (let c?, let u?) where u > c: return (u, [v2Checkpoints[u]!])
        case (let c?, _): return (c, checkpoints[c]!)
        case (nil, let u?): return (u, [v2Checkpoints[u]!])
        case (nil, nil): return nil
        }
    }

    /// The files that make up version `version`: the newest complete checkpoint at or before
    /// it (if any) and the commits after that checkpoint. Throws `notFound` when the version
    /// does not exist or its log was cleaned up.
    public func segment(for version: Int64) throws -> (checkpoint: (version: Int64, files: [String])?, commits: [Int64]) {
        guard let latest = latestVersion, version <= latest, version >= 0 else {
            let range = latestVersion.map { " (it has versions up to \($0))" } ?? ""
            throw DeltaError(.notFound, "version \(version) does not exist\(range)")
        }
        let checkpoint = checkpoint(atOrBefore: version)
        let first = (checkpoint?.version ?? -1) + 1
        var needed: [Int64] = []
        if first <= version {
            for v in first...version {
                guard commits[v] != nil else {
                    if v < (commits.keys.min() ?? 0), let oldest = oldestReadableVersion {
                        throw DeltaError(.notFound, "version \(version) is no longer in the log (oldest: \(oldest))")
                    }
                    throw DeltaError(.notFound, "version \(version) cannot be reconstructed: commit \(v) is missing")
                }
                needed.append(v)
            }
        }
        return (checkpoint, needed)
    }
}
