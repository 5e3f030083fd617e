import LakeCore
import Parquet

/// One atomic change to a table: actions committed as the next version with put-if-absent.
///
/// Data files must be written before ``commit()``. A commit lands only on the table its base
/// snapshot read: the commit before the one written must still be the one read (its
/// fingerprint matches), so a table dropped and re-created meanwhile, or a log deleted,
/// fails with `conflict` and writes nothing. Losing the race for a version means another
/// writer committed first: each winner is judged by a ``ConflictChecker``; without a
/// conflict the commit is retried at the next version, with jittered backoff.
public struct Transaction {
    public let table: DeltaTable
    /// The snapshot the change was based on (nil when creating the table).
    public let base: Snapshot?
    public var operation: String
    public var parameters: [(String, String)] = []
    public var metrics: [(String, Int64)] = []
    public var actions: [Action]
    /// What the operation read from `base` (nothing for an append).
    public var read: ReadSet = .nothing
    public var isolation: IsolationLevel = .writeSerializable
    /// Whether in-commit timestamps must be written (the table enables them).
    public var inCommitTimestamps: Bool

    public static let engineInfo = "lake/\(LakeVersion.current)"
    static let maxAttempts = 200

    /// A change to the table `base` was read from.
    public init(table: DeltaTable, base: Snapshot, operation: String, actions: [Action]) {
        self.table = table
        self.base = base
        self.operation = operation
        self.actions = actions
        inCommitTimestamps = base.inCommitTimestampsEnabled
    }

    /// Version 0 of a new table.
    public init(creating table: DeltaTable, operation: String, actions: [Action], inCommitTimestamps: Bool) {
        self.table = table
        base = nil
        self.operation = operation
        self.actions = actions
        self.inCommitTimestamps = inCommitTimestamps
    }

    /// The version the change was based on (-1 when creating the table).
    public var readVersion: Int64 { base?.version ?? -1 }

    /// Whether the commit only adds files: no reads, removes, metadata or protocol.
    public var isBlindAppend: Bool { read.isEmpty && Action.onlyAdd(actions) }

    /// Commits; returns the version written. Throws `conflict` when a concurrent commit makes
    /// this one invalid or the table is no longer the one read.
    public func commit() throws -> Int64 {
        let storage = table.storage
        guard let base else { return try create() }
        let checker = ConflictChecker(operation: operation, base: base, isolation: isolation, read: read, actions: actions)
        var version = base.version + 1
        // The commit the next one must follow, as this transaction knows it.
        var previous = (version: base.version, fingerprint: base.fingerprint)
        for attempt in 0..<Self.maxAttempts {
            try checkStillFollows(previous)
            let path = table.logDirectory + "/" + DeltaTable.commitName(version)
            let bytes = try commitBytes(version)
            if try PendingFiles.shared.committing({ try storage.putIfAbsent(path, bytes) }) {
                if (try? checkStillFollows(previous)) != nil { return version }
                // The table was replaced between the check and the commit: take it back.
                try? storage.remove(path)
                try checkStillFollows(previous)
            }
            // Other writers took `version` and maybe more. Back off first, then judge every
            // winner up to the latest and try the next version at once: judging before the
            // sleep would aim at a version that a steady stream of commits takes meanwhile.
            let ceiling = min(1000, 2 << min(attempt, 9))
            SystemClock.sleep(milliseconds: Int.random(in: 1...ceiling))
            let latest = try latestVersion()
            for winner in version...max(version, latest) {
                let bytes: [UInt8]
                do { bytes = try table.readCommitBytes(winner) } catch let error as DeltaError where error.kind == .notFound {
                    throw DeltaError(.conflict, "\(table.root): commit \(winner) vanished while this \(operation) ran (the log was deleted or rewritten)")
                }
                try checker.check(WinningCommit(version: winner, actions: try Action.parseCommit(bytes, version: winner)))
                previous = (winner, LogFingerprint.of(bytes))
            }
            version = previous.version + 1
        }
        throw DeltaError(.conflict, "could not commit to \(table.root) after \(Self.maxAttempts) attempts: too many concurrent writers")
    }

    /// Version 0: the log directory is made, and any existing version 0 wins.
    private func create() throws -> Int64 {
        try table.storage.makeDirectories(table.logDirectory)
        let bytes = try commitBytes(0)
        if try PendingFiles.shared.committing({ try table.storage.putIfAbsent(table.logDirectory + "/" + DeltaTable.commitName(0), bytes) }) {
            return 0
        }
        throw DeltaError(.conflict, "\(table.root) was created by another writer at the same time")
    }

    /// Throws `conflict` unless commit `previous.version` is still the one this transaction read.
    private func checkStillFollows(_ previous: (version: Int64, fingerprint: UInt64)) throws {
        guard table.storage.isDirectory(table.logDirectory) else {
            throw DeltaError(.conflict, "\(table.root): the table's log was deleted while this \(operation) ran; nothing was committed")
        }
        let now = try table.commitFingerprint(previous.version)
        guard now == previous.fingerprint || (previous.fingerprint == 0 && now == nil) else {
            throw DeltaError(.conflict, now == nil
                ? "\(table.root): commit \(previous.version) vanished while this \(operation) ran (the table was dropped or its log cleaned); nothing was committed"
                : "\(table.root): the table was replaced (commit \(previous.version) is not the one this \(operation) read); nothing was committed")
        }
    }

    private func latestVersion() throws -> Int64 {
        do { return try table.latestVersion() } catch let error as DeltaError where error.kind == .notFound {
            throw DeltaError(.conflict, "\(table.root): the table's log was deleted while this \(operation) ran; nothing was committed")
        }
    }

    /// The commit file for `version`: commitInfo first, then the actions.
    private func commitBytes(_ version: Int64) throws -> [UInt8] {
        let now = SystemClock.nowMillis()
        var info: [(String, JSONValue)] = []
        if inCommitTimestamps {
            info.append(("inCommitTimestamp", .int(max(now, try previousInCommitTimestamp(version) + 1))))
        }
        info += [
            ("timestamp", .int(now)),
            ("operation", .string(operation)),
            ("operationParameters", .strings(parameters)),
            ("readVersion", readVersion >= 0 ? .int(readVersion) : .null),
            ("isolationLevel", .string(isolation.rawValue)),
            ("isBlindAppend", .bool(isBlindAppend)),
            ("operationMetrics", .strings(metrics.map { ($0.0, String($0.1)) })),
            ("engineInfo", .string(Self.engineInfo)),
            ("txnId", .string(SystemClock.uuid())),
        ]
        return Action.serializeCommit([.commitInfo(.object(info))] + actions)
    }

    /// The in-commit timestamp of the commit before `version` (0 when it has none).
    private func previousInCommitTimestamp(_ version: Int64) throws -> Int64 {
        guard version > 0, case .commitInfo(let info)? = try? table.readCommit(version - 1).first else { return 0 }
        return info["inCommitTimestamp"]?.intValue ?? 0
    }
}
