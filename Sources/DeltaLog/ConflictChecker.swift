import Columnar
import LakeCore

/// How strictly a transaction is isolated from the commits that land while it runs
/// (PROTOCOL.md leaves this to writers; these are Delta's levels).
public enum IsolationLevel: String, Sendable {
    /// The outcome equals running the transactions one after another, in commit order: files
    /// any concurrent commit added that match what this transaction read conflict.
    case serializable = "Serializable"
    /// Like serializable, except that concurrent blind appends never conflict: the default.
    case writeSerializable = "WriteSerializable"
}

/// What a transaction read from its snapshot, for conflict checks.
public struct ReadSet: Sendable {
    /// The paths (decoded, as ``DeltaTable/normalizedKey(_:)`` gives them) of the files the
    /// transaction read.
    public var files: Set<String>
    /// Whether a file (added by a concurrent commit) might hold rows the transaction's read
    /// predicate selects; nil when it read nothing by predicate.
    public var predicate: (@Sendable (AddFile) -> Bool)?

    public init(files: Set<String> = [], predicate: (@Sendable (AddFile) -> Bool)? = nil) {
        self.files = files
        self.predicate = predicate
    }

    /// A blind append: nothing read.
    public static let nothing = ReadSet()

    /// Everything in `snapshot`: every file, and any file added concurrently.
    public static func wholeTable(_ snapshot: Snapshot) -> ReadSet {
        ReadSet(files: Set(snapshot.files.map { DeltaTable.normalizedKey($0.path) }), predicate: { _ in true })
    }

    public var isEmpty: Bool { files.isEmpty && predicate == nil }
}

extension Action {
    /// Whether `actions` only add: files, application transactions, domain metadata, commit
    /// info — no removes, metadata, protocol or anything unknown. A transaction that reads
    /// nothing and only adds is a blind append.
    public static func onlyAdd(_ actions: [Action]) -> Bool {
        actions.allSatisfy {
            switch $0 {
            case .add, .txn, .domainMetadata, .commitInfo: return true
            default: return false
            }
        }
    }
}

/// A commit another writer landed after this transaction's read version.
public struct WinningCommit: Sendable {
    public var version: Int64
    public var actions: [Action]

    public init(version: Int64, actions: [Action]) {
        self.version = version
        self.actions = actions
    }

    /// Whether the winner declared itself a blind append (commitInfo `isBlindAppend`); a
    /// winner without that flag counts as one only when it adds and nothing else.
    var isBlindAppend: Bool {
        for case .commitInfo(let info) in actions {
            if let flag = info["isBlindAppend"]?.boolValue { return flag }
        }
        return Action.onlyAdd(actions)
    }
}

/// Judges whether a transaction may still commit after other writers' commits landed since
/// its read version, following Delta's rules:
/// - a protocol change conflicts, unless the transaction is an append that lake can still
///   write under the new protocol;
/// - a metadata change conflicts, unless the transaction is an append whose files the new
///   schema still reads (same partition columns; every column it wrote still there with the
///   same type). A metadata action with another table id means the table was replaced, and
///   always conflicts;
/// - removing a file this transaction read or removes conflicts, whatever `dataChange` says;
/// - files a winner added with `dataChange` that match this transaction's read predicate
///   conflict (under write-serializable isolation, only when the winner was not a blind
///   append); rewrites (`dataChange=false`) never do;
/// - a winner recording the same application transaction (`txn` appId) conflicts.
///
/// Appends read nothing and remove nothing, so they never conflict with appends or
/// compactions.
public struct ConflictChecker: Sendable {
    public let operation: String
    public let base: Snapshot
    public let isolation: IsolationLevel
    public let read: ReadSet
    /// Paths (decoded) this transaction removes.
    public let removes: Set<String>
    /// Application ids this transaction records a `txn` for.
    public let appIDs: Set<String>
    /// Whether this transaction only adds files (no removes, reads, metadata or protocol).
    public let isAppend: Bool
    /// Whether it adds any file (a vacuum's commits add none).
    public let addsFiles: Bool
    /// The schema the appended files were written with (the base's, unless this
    /// transaction changes it), by physical name.
    private let schemaWritten: [String: Field]
    private let baseMapping: ColumnMapping

    public init(operation: String, base: Snapshot, isolation: IsolationLevel, read: ReadSet, actions: [Action]) {
        self.operation = operation
        self.base = base
        self.isolation = isolation
        self.read = read
        var removes = Set<String>(), appIDs = Set<String>(), addsFiles = false
        for action in actions {
            switch action {
            case .add: addsFiles = true
            case .remove(let r): removes.insert(DeltaTable.normalizedKey(r.path))
            case .txn(let t): appIDs.insert(t.appId)
            default: break
            }
        }
        self.removes = removes
        self.appIDs = appIDs
        self.addsFiles = addsFiles
        isAppend = read.isEmpty && Action.onlyAdd(actions)
        let mapping = base.columnMapping
        baseMapping = mapping
        schemaWritten = Dictionary(base.schema.fields.map { (mapping.physicalName($0), $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Throws `conflict` when `winner` makes this transaction invalid.
    public func check(_ winner: WinningCommit) throws {
        let v = winner.version
        let removedByWinner = winner.actions.compactMap { action -> String? in
            if case .remove(let r) = action { return DeltaTable.normalizedKey(r.path) }
            return nil
        }
        var newProtocol: ProtocolAction?, newMetadata: Metadata?
        for action in winner.actions {
            switch action {
            case .protocolAction(let p): newProtocol = p
            case .metaData(let m): newMetadata = m
            case .txn(let t) where appIDs.contains(t.appId):
                throw conflict("version \(v) recorded application transaction '\(t.appId)' too")
            default: break
            }
        }
        if let m = newMetadata, m.id != base.metadata.id {
            throw conflict("the table was replaced (version \(v) has table id \(m.id), this \(operation) read \(base.metadata.id))")
        }
        if newProtocol != nil || newMetadata != nil {
            try revalidate(protocol: newProtocol ?? base.protocolAction, metadata: newMetadata ?? base.metadata, version: v)
        }
        if let path = removedByWinner.first(where: { read.files.contains($0) }) {
            throw conflict("version \(v) removed \(path), which this \(operation) read")
        }
        if let path = removedByWinner.first(where: { removes.contains($0) }) {
            throw conflict("version \(v) removed \(path), which this \(operation) also removes")
        }
        if let predicate = read.predicate, isolation == .serializable || !winner.isBlindAppend {
            for case .add(let add) in winner.actions where add.dataChange && predicate(add) {
                throw conflict("version \(v) added \(DeltaTable.normalizedKey(add.path)), which matches what this \(operation) read")
            }
        }
    }

    /// A protocol or metadata change lets only an append through, and only when its files
    /// stay valid.
    private func revalidate(protocol p: ProtocolAction, metadata: Metadata, version v: Int64) throws {
        guard isAppend else {
            throw conflict("version \(v) changed the table's metadata or protocol")
        }
        do {
            // A commit without files (vacuum's) needs only to know the writer features.
            if addsFiles {
                try TableFeatures.checkAppendable(p, metadata)
            } else {
                try TableFeatures.checkMaintainable(p, metadata)
            }
        } catch let error as DeltaError {
            throw conflict("version \(v) changed the table so that this \(operation) cannot write it: \(error.message)")
        }
        guard metadata.partitionColumns == base.metadata.partitionColumns else {
            throw conflict("version \(v) changed the partition columns")
        }
        // Rows checked against the constraints this transaction read may break new ones.
        func constraints(_ m: Metadata) -> [String: String] {
            Dictionary(m.configuration.filter { $0.0.lowercased().hasPrefix("delta.constraints.") }.map { ($0.0.lowercased(), $0.1) },
                       uniquingKeysWith: { a, _ in a })
        }
        if addsFiles, constraints(metadata).contains(where: { constraints(base.metadata)[$0.key] != $0.value }) {
            throw conflict("version \(v) added a CHECK constraint, which the rows of this \(operation) were not checked against")
        }
        let schema: [Field]
        let mapping: ColumnMapping
        do {
            schema = try SchemaJSON.decode(metadata.schemaString).fields
            mapping = try ColumnMapping(metadata)
        } catch {
            throw conflict("version \(v) has a schema lake cannot read")
        }
        // The files stay valid when every column they hold is still there under the same
        // physical name (a rename under column mapping keeps it) with the same type or one
        // readers widen it to; columns added meanwhile must be nullable.
        let now = Dictionary(schema.map { (mapping.physicalName($0), $0) }, uniquingKeysWith: { a, _ in a })
        for (physical, field) in schemaWritten {
            guard let current = now[physical] else {
                throw conflict("version \(v) dropped column '\(field.name)', which this \(operation) wrote")
            }
            let written = baseMapping.physicalField(field).type, reads = mapping.physicalField(current).type
            guard written == reads || Cast.sameShape(written, reads) || TypeWidening.allowed(from: written, to: reads) else {
                throw conflict("version \(v) changed column '\(field.name)' from \(field.type) to \(current.type), which this \(operation) wrote")
            }
        }
        for (physical, field) in now where schemaWritten[physical] == nil && !field.nullable {
            throw conflict("version \(v) added column '\(field.name)' as not null, which this \(operation) did not write")
        }
    }

    private func conflict(_ why: String) -> DeltaError {
        DeltaError(.conflict, "\(base.root): \(why) while this \(operation) ran; run it again")
    }
}
