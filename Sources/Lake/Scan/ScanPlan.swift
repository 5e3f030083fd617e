import LakeCore
import Columnar
import DeltaLog
import Query

/// Why a scan keeps a file.
public enum FileKeepReason: String, Sendable {
    /// There is no predicate: every file is read.
    case noPredicate = "no_predicate"
    /// The predicate reads only partition columns, and the file's partition values match.
    case partitionMatch = "partition_match"
    /// The file's statistics leave rows that might match.
    case statsMightMatch = "stats_might_match"
    /// The file has no statistics to rule it out.
    case noStats = "no_stats"
}

/// A file a scan will read, and why.
public struct PlannedFile: Sendable {
    public let file: AddFile
    public let reason: FileKeepReason
}

/// What a scan will read, computed from the log alone (no data file is opened): the files
/// kept and why, and how many were pruned by partition values or skipped by statistics.
public struct ScanPlan: Sendable {
    public let snapshot: Snapshot
    /// The schema of the batches: the projected columns in the order asked for.
    public let schema: Schema
    public let predicate: Predicate?
    public let limit: Int?
    public let files: [PlannedFile]
    public let filesPrunedByPartition: Int
    public let filesSkippedByStats: Int
    /// Indices (in the table schema) of the columns returned, then of those read (returned
    /// plus those the predicate needs).
    let columns: [Int]
    let readColumns: [Int]

    public var filesTotal: Int { snapshot.files.count }

    /// Every row of `files` (of `snapshot`), in file order, all columns (or those at
    /// `columns`, in that order): what a rewrite reads.
    static func reading(_ files: [AddFile], of snapshot: Snapshot, columns: [Int]? = nil) -> ScanPlan {
        let read = columns ?? Array(snapshot.schema.fields.indices)
        return ScanPlan(snapshot: snapshot, schema: Schema(read.map { snapshot.schema.fields[$0] }), predicate: nil, limit: nil,
                        files: files.map { PlannedFile(file: $0, reason: .noPredicate) }, filesPrunedByPartition: 0,
                        filesSkippedByStats: 0, columns: read, readColumns: read)
    }

    /// The rows of `file` where `predicate` is TRUE (every row without one), read for the
    /// predicate's columns only: how a delete finds whether (and which) rows of a file match.
    /// With `allColumns`, every column of those rows (what an update rewrites).
    static func matching(_ predicate: Predicate?, in file: AddFile, of snapshot: Snapshot, allColumns: Bool = false) -> ScanPlan {
        let fields = snapshot.schema.fields
        let columns = predicate?.columns ?? []
        let read = allColumns ? Array(fields.indices) : columns.isEmpty ? [0] : fields.indices.filter { columns.contains(fields[$0].name) }
        return ScanPlan(snapshot: snapshot, schema: Schema(read.map { fields[$0] }), predicate: predicate, limit: nil,
                        files: [PlannedFile(file: file, reason: .statsMightMatch)], filesPrunedByPartition: 0,
                        filesSkippedByStats: 0, columns: read, readColumns: read)
    }
}

/// Builds a ``ScanPlan``: `ScanBuilder(snapshot).columns(…).predicate(…).limit(…).build()`.
public struct ScanBuilder: Sendable {
    public let snapshot: Snapshot
    private var columnNames: [String]?
    private var predicateText: String?
    private var bound: Predicate?
    private var rowLimit: Int?

    public init(_ snapshot: Snapshot) { self.snapshot = snapshot }

    /// Only these columns (matched case-insensitively), in this order; all when nil.
    public func columns(_ names: [String]?) -> ScanBuilder {
        var copy = self
        copy.columnNames = names
        return copy
    }

    /// Only rows where the SQL condition `text` is true (bound to the table schema in `build`).
    public func predicate(_ text: String?) -> ScanBuilder {
        var copy = self
        copy.predicateText = text
        copy.bound = nil
        return copy
    }

    /// Only rows where an already bound predicate is true.
    public func predicate(_ predicate: Predicate) -> ScanBuilder {
        var copy = self
        copy.bound = predicate
        copy.predicateText = nil
        return copy
    }

    /// At most `n` rows.
    public func limit(_ n: Int?) -> ScanBuilder {
        var copy = self
        copy.rowLimit = n
        return copy
    }

    /// The plan: columns resolved, predicate bound, files pruned by partition values and
    /// skipped by the log's statistics.
    public func build() throws -> ScanPlan {
        let fields = snapshot.schema.fields
        func index(_ name: String) throws -> Int {
            guard let i = fields.firstIndex(where: { $0.name == name })
                    ?? fields.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw LakeError(.invalidArgument, "no column '\(DisplayText.value(name))' (the table has: \(fields.map(\.name).joined(separator: ", ")))")
            }
            return i
        }
        let columns = try columnNames.map { try $0.map(index) } ?? Array(fields.indices)
        let predicate = try bound ?? predicateText.map { try Predicate(parsing: $0, schema: snapshot.schema) }
        var readColumns = columns
        for name in predicate?.columns.sorted() ?? [] where !readColumns.contains(try index(name)) {
            readColumns.append(try index(name))
        }
        var files: [PlannedFile] = []
        var pruned = 0, skipped = 0
        let bounds = FileBounds(snapshot: snapshot)
        let partitionOnly = predicate.map { $0.columns.isSubset(of: Set(snapshot.metadata.partitionColumns)) } ?? false
        for file in snapshot.files {
            guard let predicate else {
                files.append(PlannedFile(file: file, reason: .noPredicate))
                continue
            }
            if !snapshot.metadata.partitionColumns.isEmpty && !predicate.mightMatch({ bounds.partition(file, $0) }) {
                pruned += 1
                continue
            }
            if !predicate.mightMatch({ bounds.partition(file, $0) ?? bounds.stats(file, $0) }) {
                skipped += 1
                continue
            }
            let reason: FileKeepReason = partitionOnly ? .partitionMatch : file.statistics == nil ? .noStats : .statsMightMatch
            files.append(PlannedFile(file: file, reason: reason))
        }
        return ScanPlan(snapshot: snapshot, schema: Schema(columns.map { fields[$0] }), predicate: predicate, limit: rowLimit,
                        files: files, filesPrunedByPartition: pruned, filesSkippedByStats: skipped,
                        columns: columns, readColumns: readColumns)
    }
}

/// Bounds of a table's columns in one file, for pruning: from partition values and from the
/// file's statistics in the log.
struct FileBounds {
    let snapshot: Snapshot
    /// Each column's field and the name the log keys its partition values and statistics by
    /// (its physical name under column mapping), worked out once.
    private let columns: [String: (field: Field, key: String)]
    private let partitionColumns: Set<String>

    init(snapshot: Snapshot) {
        self.snapshot = snapshot
        let mapping = snapshot.columnMapping
        columns = Dictionary(snapshot.schema.fields.map { ($0.name, ($0, mapping.physicalName($0))) }, uniquingKeysWith: { a, _ in a })
        partitionColumns = Set(snapshot.metadata.partitionColumns)
    }

    /// Bounds of a partition column in a file (its one value); nil for data columns.
    func partition(_ file: AddFile, _ column: String) -> ColumnBounds? {
        guard partitionColumns.contains(column), let (field, key) = columns[column] else { return nil }
        let rows = file.numRecords.map(Int.init) ?? 1
        guard let text = file.partitionValues.first(where: { $0.0 == key })?.1 ?? nil else {
            return ColumnBounds(min: nil, max: nil, nullCount: rows, rowCount: rows)
        }
        guard let value = try? Partitioning.parse(text, type: field.type) else { return nil }
        return ColumnBounds(min: value, max: value, nullCount: 0, rowCount: rows)
    }

    /// Bounds of a data column from the file's statistics in the log.
    func stats(_ file: AddFile, _ column: String) -> ColumnBounds? {
        guard let statistics = file.statistics, let (field, key) = columns[column] else { return nil }
        let b = statistics.bounds(of: key, type: field.type)
        return ColumnBounds(min: b.min, max: b.max, nullCount: b.nullCount.map(Int.init),
                            rowCount: statistics.numRecords.map(Int.init))
    }
}
