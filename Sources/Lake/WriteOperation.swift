import Columnar
import DeltaLog
import LakeCore

/// The steps every command that changes an existing table shares, run exactly once each:
/// resolve the table → read its snapshot → write data files → commit → on failure remove
/// the files written → after the commit, the post-commit hooks.
///
/// A command supplies only what is its own: which files to write and which actions to
/// commit.
///
///     let operation = try WriteOperation(warehouse, name, operation: "WRITE")
///     let version = try operation.run { op in
///         let writer = try op.writer()
///         try writer.write(batch)
///         return op.transaction(actions: try writer.close().map(Action.add))
///     }
final class WriteOperation {
    let warehouse: Warehouse
    let resolved: ResolvedTable
    let snapshot: Snapshot
    let operation: String
    private var writers: [TableWriter] = []
    private var otherFiles: [String] = []

    /// Resolves `name` and reads its latest snapshot (with its files unless `readsFiles` is
    /// false: a blind append needs none); refuses tables lake cannot write (or, for an
    /// operation that `changesData` not, whose writer features lake does not know).
    init(_ warehouse: Warehouse, _ name: TableName, operation: String, changesData: Bool = true,
         readsFiles: Bool = true) throws {
        self.warehouse = warehouse
        self.operation = operation
        resolved = try warehouse.resolve(name)
        try warehouse.checkWritable(resolved)
        snapshot = try resolved.table.snapshot(files: readsFiles)
        try Self.checkFeatures(snapshot, changesData: changesData)
    }

    /// An operation on a table the caller resolved and read already (a command that commits
    /// twice, like vacuum): `snapshot` is the base, however old; conflicts with whatever was
    /// committed since are judged as for any other base.
    init(_ warehouse: Warehouse, _ resolved: ResolvedTable, base snapshot: Snapshot, operation: String,
         changesData: Bool = true) throws {
        self.warehouse = warehouse
        self.operation = operation
        self.resolved = resolved
        self.snapshot = snapshot
        try Self.checkFeatures(snapshot, changesData: changesData)
    }

    private static func checkFeatures(_ snapshot: Snapshot, changesData: Bool) throws {
        if changesData {
            try TableFeatures.checkAppendable(snapshot.protocolAction, snapshot.metadata)
        } else {
            try TableFeatures.checkMaintainable(snapshot.protocolAction, snapshot.metadata)
        }
    }

    /// A writer of new data files for this table; its files are removed if the operation fails.
    func writer() throws -> TableWriter { try writer(for: snapshot) }

    /// A writer for the table as `evolved` describes it (the snapshot with the schema this
    /// operation's commit sets).
    func writer(for evolved: Snapshot, folder: String = "") throws -> TableWriter {
        let writer = try TableWriter(snapshot: evolved, storage: resolved.table.storage, folder: folder)
        writers.append(writer)
        return writer
    }

    /// The CHECK constraints every row this operation writes must pass (of the table as
    /// `evolved` describes it, by default the snapshot); nil when it has none. `badInput`
    /// when one is SQL lake cannot evaluate: the write is refused.
    func constraints(for evolved: Snapshot? = nil) throws -> TableConstraints? {
        let checks = try TableConstraints(evolved ?? snapshot)
        return checks.isEmpty ? nil : checks
    }

    /// The writer of this commit's change data when the table (as `evolved` describes it, by
    /// default the snapshot) records the Change Data Feed; nil when it does not.
    func changeData(for evolved: Snapshot? = nil) throws -> ChangeDataWriter? {
        let table = evolved ?? snapshot
        guard table.recordsChangeData else { return nil }
        let files = try ChangeDataWriter.fileSnapshot(of: table)
        return ChangeDataWriter(table, files: files, writer: try writer(for: files, folder: ChangeDataWriter.folder))
    }

    /// Writes `bytes` as the new file `path` (not a data file: a deletion vector), removed
    /// like the data files if the operation fails or is interrupted before its commit lands.
    func writeNew(_ path: String, _ bytes: [UInt8]) throws {
        PendingFiles.shared.add(path)
        otherFiles.append(path)
        try resolved.table.storage.writeNew(path, bytes)
    }

    /// Removes every file this operation's writers (and ``writeNew(_:_:)``) wrote.
    private func abortWriters() {
        for writer in writers { writer.abort() }
        for path in otherFiles {
            try? resolved.table.storage.remove(path)
            PendingFiles.shared.remove(path)
        }
        otherFiles = []
    }

    /// A transaction on this operation's snapshot.
    func transaction(actions: [Action]) -> Transaction {
        Transaction(table: resolved.table, base: snapshot, operation: operation, actions: actions)
    }

    /// Runs `body` (which writes files and returns the transaction to commit, or nil when
    /// there is nothing to commit), commits, and runs the post-commit hooks. Any failure
    /// before the commit lands removes every file written. Returns the committed transaction
    /// and its version; nil when nothing was committed.
    func run(_ body: (WriteOperation) throws -> Transaction?) throws -> CommittedWrite? {
        let transaction: Transaction
        let version: Int64
        do {
            guard let made = try body(self) else {
                abortWriters()
                return nil
            }
            transaction = made
            version = try transaction.commit()
        } catch {
            abortWriters()
            throw error
        }
        var committed = CommittedWrite(warehouse: warehouse, resolved: resolved, base: snapshot,
                                       transaction: transaction, version: version)
        committed.warnings = PostCommitHooks.run(committed)
        return committed
    }
}

/// A commit that landed, as the post-commit hooks see it.
struct CommittedWrite {
    let warehouse: Warehouse
    let resolved: ResolvedTable
    /// The snapshot the transaction read.
    let base: Snapshot
    let transaction: Transaction
    let version: Int64
    /// What the post-commit hooks could not do (the commit stands).
    var warnings: [String] = []

    /// The table at `version`, when it follows directly from the base (no concurrent winner)
    /// and only added files: derived without reading the log again.
    var snapshotIfDerivable: Snapshot? {
        guard version == base.version + 1, transaction.isBlindAppend, base.hasFiles else { return nil }
        let adds = transaction.actions.compactMap { action -> AddFile? in
            if case .add(let add) = action { return add }
            return nil
        }
        return base.appending(adds, version: version)
    }
}
