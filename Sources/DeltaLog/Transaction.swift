import Parquet

/// One atomic change to a table: actions committed as the next version with put-if-absent.
///
/// Data files must be written before ``commit()``. Losing the race for a version means another
/// writer committed first: the winners' commits are read and checked for a real conflict
/// (a metadata or protocol change, or a table created concurrently); appends never conflict
/// with appends. Without a conflict the commit is retried at the next version, with jittered
/// backoff.
public struct Transaction {
    public let table: DeltaTable
    /// The version the change was based on (-1 when creating the table).
    public let readVersion: Int64
    /// Whether in-commit timestamps must be written (the table enables them).
    public var inCommitTimestamps: Bool
    public var operation: String
    public var parameters: [(String, String)] = []
    public var metrics: [(String, Int64)] = []
    public var isBlindAppend: Bool
    public var actions: [Action]

    public static let engineInfo = "lake/\(LakeVersion.current)"
    static let maxAttempts = 200

    public init(table: DeltaTable, readVersion: Int64, operation: String, actions: [Action],
                isBlindAppend: Bool, inCommitTimestamps: Bool) {
        self.table = table
        self.readVersion = readVersion
        self.operation = operation
        self.actions = actions
        self.isBlindAppend = isBlindAppend
        self.inCommitTimestamps = inCommitTimestamps
    }

    /// Commits; returns the version written. Throws `conflict` when a concurrent commit makes
    /// this one invalid.
    public func commit() throws -> Int64 {
        if readVersion < 0 { try FileSystem.makeDirectories(table.logDirectory) }
        var version = readVersion + 1
        for attempt in 0..<Self.maxAttempts {
            let now = FileSystem.nowMillis()
            var info: [(String, JSONValue)] = []
            if inCommitTimestamps {
                info.append(("inCommitTimestamp", .int(max(now, try previousInCommitTimestamp(version) + 1))))
            }
            info += [
                ("timestamp", .int(now)),
                ("operation", .string(operation)),
                ("operationParameters", .strings(parameters)),
                ("readVersion", readVersion >= 0 ? .int(readVersion) : .null),
                ("isolationLevel", .string("Serializable")),
                ("isBlindAppend", .bool(isBlindAppend)),
                ("operationMetrics", .strings(metrics.map { ($0.0, String($0.1)) })),
                ("engineInfo", .string(Self.engineInfo)),
                ("txnId", .string(FileSystem.uuid())),
            ]
            let bytes = Action.serializeCommit([.commitInfo(.object(info))] + actions)
            let path = table.logDirectory + "/" + DeltaTable.commitName(version)
            if try FileSystem.putIfAbsent(path, bytes) { return version }
            // Another writer took `version`: check what it and any later winners did.
            let latest = try table.latestVersion()
            for winner in version...max(version, latest) {
                try checkConflict(with: try table.readCommit(winner), version: winner)
            }
            version = latest + 1
            let ceiling = min(1000, 2 << min(attempt, 9))
            FileSystem.sleep(milliseconds: Int.random(in: 1...ceiling))
        }
        throw DeltaError(.conflict, "could not commit to \(table.root) after \(Self.maxAttempts) attempts: too many concurrent writers")
    }

    private func checkConflict(with winner: [Action], version: Int64) throws {
        if readVersion < 0 {
            throw DeltaError(.conflict, "\(table.root) was created by another writer at the same time")
        }
        for action in winner {
            switch action {
            case .metaData:
                throw DeltaError(.conflict, "version \(version) changed the table's metadata while this \(operation) ran; run it again")
            case .protocolAction:
                throw DeltaError(.conflict, "version \(version) changed the table's protocol while this \(operation) ran; run it again")
            case .remove where !isBlindAppend:
                throw DeltaError(.conflict, "version \(version) removed files while this \(operation) ran; run it again")
            default:
                break
            }
        }
    }

    /// The in-commit timestamp of the commit before `version` (0 when it has none).
    private func previousInCommitTimestamp(_ version: Int64) throws -> Int64 {
        guard version > 0, case .commitInfo(let info)? = try? table.readCommit(version - 1).first else { return 0 }
        return info["inCommitTimestamp"]?.intValue ?? 0
    }
}
