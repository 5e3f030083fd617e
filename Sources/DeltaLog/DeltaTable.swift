import Columnar
import LakeCore
import Parquet

/// A Delta table directory: reads its log into snapshots, resolves time travel, and lists its
/// history. Writing goes through ``Transaction``.
public struct DeltaTable: Sendable {
    /// The table root (absolute).
    public let root: String
    /// Where the log and the data files are read and written.
    public let storage: any Storage

    public init(root: String, storage: any Storage = LocalStorage()) {
        self.root = Paths.absolute(root)
        self.storage = storage
    }

    public var logDirectory: String { root + "/_delta_log" }

    /// Whether the directory holds a Delta log (a `_delta_log` directory, or a link to one,
    /// which ``listing()`` then judges).
    public var exists: Bool {
        switch storage.info(logDirectory)?.kind {
        case .directory?: return true
        case .symlink?: return storage.isDirectory(logDirectory + "/.")
        default: return false
        }
    }

    /// The log's files; `notFound` when there is no log. A `_delta_log` that is a symbolic
    /// link is read only when it resolves inside the table root.
    public func listing() throws -> LogListing {
        try checkLogDirectory(forWriting: false)
        guard let listing = try LogListing.list(logDirectory, storage: storage), listing.latestVersion != nil else {
            throw DeltaError(.notFound, "\(root) is not a Delta table (no _delta_log)")
        }
        return listing
    }

    /// Refuses a `_delta_log` that is a symbolic link: always for writing, and for reading
    /// when it leads outside the table root.
    public func checkLogDirectory(forWriting: Bool) throws {
        guard storage.info(logDirectory)?.kind == .symlink else { return }
        if forWriting {
            throw DeltaError(.unsupported, "\(logDirectory) is a symbolic link; lake does not write a table through links")
        }
        guard Paths.isInside(Paths.resolved(logDirectory), Paths.resolved(root)), Paths.resolved(logDirectory) != Paths.resolved(root) else {
            throw DeltaError(.unsupported, "\(logDirectory) is a symbolic link out of the table; lake does not follow it")
        }
    }

    /// Refuses `path` (absolute, under `root`) when a component after the root is a symbolic
    /// link or the file is not a regular file; `notFound` when it does not exist.
    public static func checkNoLinks(_ path: String, root: String, storage: any Storage, version: Int64) throws {
        var current = root
        let relative = path.dropFirst(root.count).split(separator: "/")
        for (i, part) in relative.enumerated() {
            current += "/" + part
            guard let info = storage.info(current) else {
                throw DeltaError(.notFound, "data file \(path) of version \(version) is missing (deleted by a vacuum or by hand?)")
            }
            if info.kind == .symlink {
                throw DeltaError(.unsupported, "\(current) is a symbolic link; lake does not follow links inside a table")
            }
            if i == relative.count - 1, info.kind != .regular {
                throw DeltaError(.corrupt, "data file \(path) of version \(version) is not a regular file")
            }
        }
    }

    /// The latest version.
    public func latestVersion() throws -> Int64 {
        try listing().latestVersion!
    }

    /// The snapshot at `version` (latest when nil); without `files`, only its protocol,
    /// metadata and transactions (the checkpoint's file columns are not read).
    public func snapshot(version: Int64? = nil, listing: LogListing? = nil, files: Bool = true) throws -> Snapshot {
        let listing = try listing ?? self.listing()
        let target = version ?? listing.latestVersion!
        let segment = try listing.segment(for: target)
        // Each file's actions are applied and dropped before the next is read.
        var replay = Replay()
        replay.keepsFiles = files
        if let checkpoint = segment.checkpoint {
            replay.apply(try CheckpointReader.read(checkpoint.files, version: checkpoint.version,
                                                   logDirectory: logDirectory, storage: storage, files: files))
        }
        var fingerprint: UInt64?
        for v in segment.commits {
            let bytes = try readCommitBytes(v, listing: listing)
            replay.apply(try Action.parseCommit(bytes, version: v))
            if v == target { fingerprint = LogFingerprint.of(bytes) }
        }
        if fingerprint == nil { fingerprint = try commitFingerprint(target, listing: listing) }
        return try replay.snapshot(root: root, storage: storage, version: target, fingerprint: fingerprint ?? 0)
    }

    /// The actions of commit `version`.
    public func readCommit(_ version: Int64, listing: LogListing? = nil) throws -> [Action] {
        try Action.parseCommit(try readCommitBytes(version, listing: listing), version: version)
    }

    /// The bytes of commit `version`; `notFound` when its file is gone.
    public func readCommitBytes(_ version: Int64, listing: LogListing? = nil) throws -> [UInt8] {
        let name = listing?.commits[version] ?? DeltaTable.commitName(version)
        guard let bytes = try storage.read(logDirectory + "/" + name) else {
            throw DeltaError(.notFound, "commit \(version) of \(root) is missing")
        }
        return bytes
    }

    /// The fingerprint of commit `version` (nil when its file is gone), which tells this
    /// table's commit from one of a table re-created at the same place.
    public func commitFingerprint(_ version: Int64, listing: LogListing? = nil) throws -> UInt64? {
        let name = listing?.commits[version] ?? DeltaTable.commitName(version)
        return try storage.read(logDirectory + "/" + name).map(LogFingerprint.of)
    }

    /// `%020d.json`.
    public static func commitName(_ version: Int64) -> String {
        String(version).leftPadded(20) + ".json"
    }

    // MARK: Commit timestamps and time travel

    /// The timestamp (ms) of every commit still in the log, ascending by version: the
    /// in-commit timestamp where the table records them, else the commit file's modification
    /// time, made monotonic as Spark does (a modification time not after its predecessor's
    /// timestamp becomes that plus one millisecond). `latest` is the latest snapshot when the caller
    /// has it; `from` and `previous` restrict the answer to versions from `from` on, given the
    /// timestamp of the commit before them; `notAfter` ends it before the first commit newer
    /// than that timestamp.
    public func commitTimestamps(listing: LogListing? = nil, latest: Snapshot? = nil, from: Int64 = 0,
                                 previous: Int64 = .min, notAfter: Int64 = .max) throws -> [(version: Int64, timestamp: Int64)] {
        let listing = try listing ?? self.listing()
        let versions = listing.commits.keys.sorted().filter { $0 >= from }
        let latest = try latest ?? snapshot(listing: listing)
        var ictFrom: Int64?
        if latest.inCommitTimestampsEnabled {
            ictFrom = latest.property("delta.inCommitTimestampEnablementVersion").flatMap { Int64($0) } ?? listing.commits.keys.min()
        }
        var out: [(Int64, Int64)] = []
        var previous = previous
        for v in versions {
            var ts: Int64?
            if let ictFrom, v >= ictFrom {
                if case .commitInfo(let info)? = try readCommit(v, listing: listing).first {
                    ts = info["inCommitTimestamp"]?.intValue
                }
            }
            // In-commit timestamps are monotonic by the protocol and taken as written.
            let inCommit = ts != nil
            if ts == nil { ts = storage.info(logDirectory + "/" + listing.commits[v]!)?.modificationTime }
            var t = ts ?? 0
            if t <= previous && !inCommit { t = previous + 1 }
            if t > notAfter { break }
            previous = t
            out.append((v, t))
        }
        return out
    }

    /// The last version committed at or before `timestamp` (ms since the epoch).
    public func version(asOf timestamp: Int64, listing: LogListing? = nil) throws -> Int64 {
        let stamps = try commitTimestamps(listing: listing)
        guard let match = stamps.last(where: { $0.timestamp <= timestamp }) else {
            let first = stamps.first.map { " (the oldest commit still in the log, version \($0.version), is from \(Self.formatMillis($0.timestamp)))" } ?? ""
            throw DeltaError(.notFound, "no version of \(root) existed at \(Self.formatMillis(timestamp))\(first)")
        }
        return match.version
    }

    /// RFC 3339 text of a millisecond timestamp.
    public static func formatMillis(_ ms: Int64) -> String {
        var out: [UInt8] = []
        ValueText.appendTimestamp(micros: ms * 1000, utc: true, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Paths

    /// The absolute path of a log path (a URI, relative to `root` or absolute). Refuses
    /// anything that leads outside the table.
    public static func resolve(_ uriPath: String, root: String) throws -> String {
        var path = Partitioning.uriDecode(uriPath)
        // A scheme needs a colon: most paths have none, and skip the checks.
        if ByteText.contains(path, UInt8(ascii: ":")) {
            if path.hasPrefix("file://") { path = String(path.dropFirst("file://".count)) }
            if path.hasPrefix("file:") { path = String(path.dropFirst("file:".count)) }
            if path.contains("://") {
                throw DeltaError(.unsupported, "data file \(uriPath) is not on the local file system")
            }
        }
        let full = path.hasPrefix("/") ? Paths.absolute(path) : Paths.absolute(root + "/" + path)
        guard full.hasPrefix(root + "/") else {
            throw DeltaError(.corrupt, "data file \(uriPath) lies outside the table \(root)")
        }
        return full
    }

    /// The key that identifies a file across `add` and `remove` (the decoded path).
    public static func normalizedKey(_ uriPath: String) -> String {
        Partitioning.uriDecode(uriPath)
    }
}

/// A 64-bit FNV-1a hash of a commit file's bytes.
enum LogFingerprint {
    static func of(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        return hash
    }
}
