import Columnar
import LakeCore

/// The state of a table at one version: protocol, metadata, schema and live data files.
///
/// Built by replaying the log segment (a checkpoint, then the commits after it). Files keep
/// the order in which they were added, which is the order scans return rows in.
public struct Snapshot: Sendable {
    /// The table directory (absolute).
    public let root: String
    /// Where the table's files are.
    public let storage: any Storage
    public let version: Int64
    public let protocolAction: ProtocolAction
    public let metadata: Metadata
    public let schema: Schema
    /// Live data files, in the order they were added (empty when read without files).
    public let files: [AddFile]
    /// Whether `files` and `tombstones` were read: a snapshot for a blind append needs only
    /// the protocol, metadata and transactions, and skips the checkpoint's file columns.
    public var hasFiles = true
    /// Files removed and not added again (`remove` actions still in the log or checkpoint):
    /// what vacuum may delete once their retention has passed.
    public let tombstones: [RemoveFile]
    /// The fingerprint of this version's commit file (0 when the file is gone): a commit
    /// lands only while this version's commit is still the one this snapshot read.
    public let fingerprint: UInt64
    /// The latest `txn` version per application id.
    public let transactions: [String: Int64]
    /// Live domain metadata by domain.
    public let domains: [String: DomainMetadata]

    /// The partition columns as schema fields, in partition order.
    public var partitionFields: [Field] {
        metadata.partitionColumns.compactMap { name in schema.fields.first { $0.name == name } }
    }

    /// A table property.
    public func property(_ key: String) -> String? { metadata.property(key) }

    /// Whether in-commit timestamps are on (`delta.enableInCommitTimestamps`).
    public var inCommitTimestampsEnabled: Bool {
        property("delta.enableInCommitTimestamps")?.lowercased() == "true"
    }

    /// The absolute path of a data file of this table (paths in the log are URIs, usually
    /// relative to the root). Refuses paths that lead outside the table.
    public func absolutePath(of file: AddFile) throws -> String {
        try DeltaTable.resolve(file.path, root: root)
    }

    /// The path of a data file to open: inside the table, reached through no symbolic link,
    /// and a regular file. `notFound` when it is gone (deleted by a vacuum or by hand).
    public func readablePath(of file: AddFile) throws -> String {
        let path = try absolutePath(of: file)
        do {
            try DeltaTable.checkNoLinks(path, root: root, storage: storage, version: version)
        } catch let error as DeltaError where error.kind == .notFound {
            throw missingDataFile(path)
        }
        return path
    }

    /// The `notFound` error for a data file of this version that is gone, naming the vacuum
    /// that deleted it when the log after this version records one.
    public func missingDataFile(_ path: String) -> DeltaError {
        let table = DeltaTable(root: root, storage: storage)
        if let listing = try? table.listing() {
            for v in listing.commits.keys.sorted() where v > version {
                guard case .commitInfo(let info)? = try? table.readCommit(v, listing: listing).first,
                      info["operation"]?.stringValue == "VACUUM START" else { continue }
                let retained = info["operationParameters"]?["specifiedRetentionMillis"]?.stringValue.flatMap { Int64($0) }
                let window = retained.map { " with a retention of \(Interval.describe($0))" } ?? ""
                return DeltaError(.notFound, "data file \(path) of version \(version) was deleted by the vacuum at version \(v)\(window); "
                                  + "version \(version) can no longer be read: read a newer version")
            }
        }
        return DeltaError(.notFound, "data file \(path) of version \(version) is missing (deleted by hand, or by a tool that recorded no vacuum)")
    }

    /// Rows in the table according to the file statistics; nil when a file has none.
    public var statsRowCount: Int64? {
        var total: Int64 = 0
        for f in files {
            guard let n = f.liveRecords else { return nil }
            total += n
        }
        return total
    }

    /// Total bytes of the live data files.
    public var totalBytes: Int64 { files.reduce(0) { $0 + $1.size } }

    /// This snapshot with a blind append's files added, as version `version` (read with files).
    public func appending(_ files: [AddFile], version: Int64) -> Snapshot {
        precondition(hasFiles, "appending to a snapshot read without its files")
        return Snapshot(root: root, storage: storage, version: version, protocolAction: protocolAction, metadata: metadata, schema: schema,
                 files: self.files + files, tombstones: tombstones, fingerprint: 0, transactions: transactions,
                 domains: domains)
    }

    /// Replays `batches` (checkpoint first, then commits in order) into a snapshot.
    static func replay(root: String, storage: any Storage = LocalStorage(), version: Int64, fingerprint: UInt64,
                       _ batches: [[Action]]) throws -> Snapshot {
        var replay = Replay()
        for actions in batches { replay.apply(actions) }
        return try replay.snapshot(root: root, storage: storage, version: version, fingerprint: fingerprint)
    }
}

/// Log replay, one batch of actions at a time (a checkpoint, then each commit), so a commit's
/// actions can be dropped once applied.
struct Replay {
    /// Whether adds and removes are kept (false: only protocol, metadata, txns, domains).
    var keepsFiles = true
    var protocolAction: ProtocolAction?
    var metadata: Metadata?
    /// Live files in the order they were added: a slot per add, emptied by its remove.
    var slots: [AddFile?] = []
    var slotOf: [String: Int] = [:]
    var removed: [String: RemoveFile] = [:]
    var transactions: [String: Int64] = [:]
    var domains: [String: DomainMetadata] = [:]

    /// A data file's identity: its path, and its deletion vector's unique id if it has one.
    static func key(_ path: String, _ deletionVector: JSONValue?) -> String {
        let key = DeltaTable.normalizedKey(path)
        guard let id = DeletionVectorFile.uniqueID(deletionVector) else { return key }
        return key + "\u{0}" + id
    }

    mutating func apply(_ actions: [Action]) {
        // Sized once, for the first (usually the checkpoint's) batch; later commits grow the
        // arrays geometrically instead of copying them at each commit.
        if slots.isEmpty {
            slots.reserveCapacity(actions.count)
            slotOf.reserveCapacity(actions.count)
        }
        for action in actions {
            switch action {
            case .add where !keepsFiles, .remove where !keepsFiles:
                continue
            case .add(let add):
                let key = Self.key(add.path, add.hasDeletionVector ? add[field: "deletionVector"] : nil)
                if let slot = slotOf[key] {
                    slots[slot] = add
                } else {
                    slotOf[key] = slots.count
                    slots.append(add)
                }
                if !removed.isEmpty { removed[key] = nil }
            case .remove(let remove):
                let key = Self.key(remove.path, remove.raw["deletionVector"])
                if let slot = slotOf.removeValue(forKey: key) { slots[slot] = nil }
                removed[key] = remove
            case .metaData(let m): metadata = m
            case .protocolAction(let p): protocolAction = p
            case .txn(let t): transactions[t.appId] = t.version
            case .domainMetadata(let d):
                if d.removed { domains.removeValue(forKey: d.domain) } else { domains[d.domain] = d }
            case .commitInfo, .cdc, .other:
                break
            }
        }
    }

    /// The snapshot the actions applied so far make.
    func snapshot(root: String, storage: any Storage, version: Int64, fingerprint: UInt64) throws -> Snapshot {
        guard let protocolAction else { throw DeltaError(.corrupt, "version \(version) of \(root) has no protocol action") }
        guard let metadata else { throw DeltaError(.corrupt, "version \(version) of \(root) has no metaData action") }
        try TableFeatures.checkReadable(protocolAction, metadata)
        let schema = try SchemaJSON.decode(metadata.schemaString)
        let files = slots.compactMap { $0 }
        let tombstones = removed.keys.sorted(by: ByteText.less).map { removed[$0]! }
        var snapshot = Snapshot(root: root, storage: storage, version: version, protocolAction: protocolAction, metadata: metadata,
                                schema: schema, files: files, tombstones: tombstones, fingerprint: fingerprint,
                                transactions: transactions, domains: domains)
        snapshot.hasFiles = keepsFiles
        return snapshot
    }
}

extension Snapshot {
    /// Whether deletes mark rows in deletion vectors instead of rewriting files: the table
    /// sets `delta.enableDeletionVectors` and its protocol has the `deletionVectors` feature.
    public var writesDeletionVectors: Bool {
        property("delta.enableDeletionVectors")?.lowercased() == "true"
            && (protocolAction.writerFeatures ?? []).contains("deletionVectors")
            && (protocolAction.readerFeatures ?? []).contains("deletionVectors")
    }

    /// Whether data-changing commits must write change data files (PROTOCOL.md, "Change
    /// Data Files"): the table sets `delta.enableChangeDataFeed`.
    public var recordsChangeData: Bool {
        property("delta.enableChangeDataFeed")?.lowercased() == "true"
    }

    /// The deletion vector of `file` (nil without one), read through the table's storage.
    public func deletionVector(of file: AddFile, rowCount: Int64) throws -> DeletionVector? {
        guard file.hasDeletionVector, let descriptor = file[field: "deletionVector"] else { return nil }
        return try DeletionVector.load(descriptor, root: root, maxRows: rowCount) { path in
            guard let bytes = try storage.read(path) else {
                throw DeltaError(.notFound, "the deletion vector \(DisplayText.path(path)) of \(DisplayText.value(file.path)) is missing")
            }
            return bytes
        }
    }
}

extension Snapshot {
    /// This snapshot as a commit changing its metadata and protocol would leave it (the
    /// schema decoded from `metadata`): what an append that evolves the schema writes with.
    public func evolved(metadata: Metadata, protocolAction: ProtocolAction) throws -> Snapshot {
        var snapshot = Snapshot(root: root, storage: storage, version: version, protocolAction: protocolAction, metadata: metadata,
                                schema: try SchemaJSON.decode(metadata.schemaString), files: files, tombstones: tombstones,
                                fingerprint: fingerprint, transactions: transactions, domains: domains)
        snapshot.hasFiles = hasFiles
        return snapshot
    }
}

extension AddFile {
    /// The file's identity in a table's log: its path and its deletion vector's unique id.
    public var identity: String { Replay.key(path, hasDeletionVector ? self[field: "deletionVector"] : nil) }
}
