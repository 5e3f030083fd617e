import Catalog
import Columnar
import DeltaLog
import LakeCore
import Parquet
import Query

/// What `lake check` is asked to check.
public struct CheckRequest: Sendable {
    /// The tables named; empty with `all`: every catalog table.
    public var tables: [TableName]
    public var all = false
    /// Open every live file too: footers, schemas, row counts, statistics, every page.
    public var deep = false
    /// Fail a table whose newest commit is older than this (milliseconds).
    public var maxAge: Int64?

    public init(tables: [TableName]) { self.tables = tables }
}

/// One problem `check` found.
public struct CheckProblem: Sendable, Equatable {
    /// `missing_file`, `not_a_regular_file`, `size_mismatch`, `missing_num_records`, `log_gap`,
    /// `unreadable_commit`, `unreadable_log`, `unsupported_protocol`, `duplicate_path`,
    /// `stale`; with `--deep` also `bad_footer`, `schema_mismatch`, `row_count_mismatch`,
    /// `stats_mismatch`, `corrupt_data`.
    public var kind: String
    /// The file (relative to the table root) or commit file it is about; "" for the table.
    public var path: String
    public var message: String
}

/// What `check` found in one table.
public struct TableCheckResult: Sendable {
    public var table: String
    /// The version checked (nil when the log could not be read far enough to tell).
    public var version: Int64?
    public var deep: Bool
    public var filesChecked = 0
    public var problems: [CheckProblem] = []
    public var ok: Bool { problems.isEmpty }
}

/// What `check` found in every table it checked.
public struct CheckReport: Sendable {
    public var tables: [TableCheckResult]
    public var ok: Bool { tables.allSatisfy(\.ok) }
}

extension Warehouse {
    /// Checks tables' health from the log and the file system (and with `deep` the files'
    /// contents), changing nothing in them: each problem is named with its file or commit.
    /// Results of catalog tables are recorded in the catalog. `progress` is called with
    /// (files checked, files to check) during deep checks.
    public func check(_ request: CheckRequest, progress: ((Int, Int) -> Void)? = nil) throws -> CheckReport {
        var names = request.tables
        if request.all {
            names = try catalog().tables(namespace: nil).map { TableName.catalog(namespace: $0.namespace, name: $0.name) }
        }
        var results: [TableCheckResult] = []
        for name in names {
            let started = SystemClock.nowMillis()
            do {
                let resolved = try resolve(name)
                let result = try Self.check(resolved, deep: request.deep, maxAge: request.maxAge, now: started, progress: progress)
                recordCheck(resolved, result, started: started)
                results.append(result)
            } catch where request.all || names.count > 1 {
                // One table whose log cannot be read is its problem, not the end of the run.
                var result = TableCheckResult(table: name.description, version: nil, deep: request.deep)
                result.problems = [CheckProblem(kind: "unreadable_log", path: "_delta_log", message: FailureReport(error).message)]
                results.append(result)
            }
        }
        return CheckReport(tables: results)
    }

    /// Keeps a catalog table's check result in the catalog, next to its maintenance runs
    /// (a table named by its path is not in the catalog; a read-only catalog keeps nothing).
    func recordCheck(_ resolved: ResolvedTable, _ result: TableCheckResult, started: Int64) {
        guard let entry = resolved.entry else { return }
        try? catalog().recordCheck(CheckRun(tableID: entry.id, started: started, finished: SystemClock.nowMillis(),
                                            version: result.version, deep: result.deep, problems: result.problems.count,
                                            summary: result.problems.first.map { "\($0.kind): \($0.message)" }))
    }

    /// The checks of one table. Throws only when the check cannot run at all (no log).
    static func check(_ resolved: ResolvedTable, deep: Bool, maxAge: Int64?, now: Int64,
                      progress: ((Int, Int) -> Void)? = nil) throws -> TableCheckResult {
        var result = TableCheckResult(table: resolved.displayName, version: nil, deep: deep)
        let table = resolved.table
        let listing = try table.listing()
        guard let latest = listing.latestVersion else {
            throw DeltaError(.notFound, "\(resolved.displayName) has no commits in \(table.logDirectory)")
        }
        result.version = latest
        // The log: contiguous from the newest checkpoint, every commit readable.
        let checkpoint = listing.checkpoint(atOrBefore: latest)?.version
        let first = checkpoint.map { $0 + 1 } ?? 0
        if first <= latest {
            for version in first...latest {
                let name = DeltaTable.commitName(version)
                guard listing.commits[version] != nil else {
                    result.problems.append(CheckProblem(kind: "log_gap", path: "_delta_log/" + name, message: "commit \(version) is missing: the log has a gap after \(checkpoint.map { "the checkpoint at \($0)" } ?? "version 0") before the latest version \(latest)"))
                    continue
                }
                do {
                    var added = Set<String>()
                    for case .add(let add) in try table.readCommit(version, listing: listing) where !added.insert(add.identity).inserted {
                        result.problems.append(CheckProblem(kind: "duplicate_path", path: Partitioning.uriDecode(add.path), message: "commit \(version) adds the file twice"))
                    }
                } catch {
                    result.problems.append(CheckProblem(kind: "unreadable_commit", path: "_delta_log/" + name, message: "commit \(version) does not parse: \(FailureReport(error).message)"))
                }
            }
        }
        guard !result.problems.contains(where: { $0.kind != "duplicate_path" }) else { return result }
        let snapshot: Snapshot
        do {
            snapshot = try table.snapshot(listing: listing)
        } catch let error as DeltaError where error.kind == .unsupported {
            result.problems.append(CheckProblem(kind: "unsupported_protocol", path: "", message: FailureReport(error).message))
            return result
        } catch {
            result.problems.append(CheckProblem(kind: "unreadable_log", path: "_delta_log", message: FailureReport(error).message))
            return result
        }
        do { try TableFeatures.checkReadable(snapshot.protocolAction, snapshot.metadata) } catch {
            result.problems.append(CheckProblem(kind: "unsupported_protocol", path: "", message: FailureReport(error).message))
            return result
        }
        if let maxAge, let newest = try table.commitTimestamps(listing: listing, latest: snapshot, from: latest).last,
           now - newest.timestamp > maxAge {
            result.problems.append(CheckProblem(kind: "stale", path: "", message: "the newest commit (version \(newest.version), \(DeltaTable.formatMillis(newest.timestamp))) is older than \(Interval.describe(maxAge))"))
        }
        // The live files: there, regular, inside the table, of their size, once each, counted.
        var readable: [AddFile] = []
        var seen = Set<String>()
        for file in snapshot.files {
            let shown = Partitioning.uriDecode(file.path)
            let key = DeltaTable.normalizedKey(file.path)
            if !seen.insert(key).inserted {
                result.problems.append(CheckProblem(kind: "duplicate_path", path: shown, message: "the file is live twice"))
                continue
            }
            if let problem = shallowProblem(file, shown, snapshot) {
                result.problems.append(problem)
            } else {
                readable.append(file)
            }
            if file.numRecords == nil {
                result.problems.append(CheckProblem(kind: "missing_num_records", path: shown, message: "its add has no numRecords statistic: counts must read the file"))
            }
        }
        result.filesChecked = snapshot.files.count
        guard deep else { return result }
        // Each file's footer first, then its row groups, all in parallel (a big file is
        // not one long job), then each file's statistics against what its row groups hold.
        let files = readable
        let footers = try parallelMap(files.count) { FileContentCheck(snapshot: snapshot, file: files[$0]).footer() }
        let pieces = footers.indices.flatMap { f in
            (try? footers[f].get()).map { (0..<$0).map { (file: f, group: $0) } } ?? []
        }
        let checked = Counter(progress)
        let observed = try parallelMap(pieces.count) { p -> Result<[ObservedColumn], FileProblem> in
            defer { checked.increment(of: pieces.count) }
            return FileContentCheck(snapshot: snapshot, file: files[pieces[p].file]).observe(rowGroup: pieces[p].group)
        }
        var deepProblems: [[CheckProblem]] = []
        var next = 0
        for (f, footer) in footers.enumerated() {
            let check = FileContentCheck(snapshot: snapshot, file: files[f])
            switch footer {
            case .failure(let problem): deepProblems.append([check.problem(problem)])
            case .success(let groups):
                let parts = observed[next..<next + groups]
                next += groups
                if let failed = parts.lazy.compactMap({ if case .failure(let p) = $0 { return p } else { return nil } }).first {
                    deepProblems.append([check.problem(failed)])
                } else {
                    deepProblems.append(check.compare(parts.compactMap { try? $0.get() }))
                }
            }
        }
        result.problems += deepProblems.flatMap { $0 }
        return result
    }

    /// What is wrong with a live file from the file system alone (nil when nothing).
    private static func shallowProblem(_ file: AddFile, _ shown: String, _ snapshot: Snapshot) -> CheckProblem? {
        let path: String
        do { path = try snapshot.absolutePath(of: file) } catch {
            return CheckProblem(kind: "not_a_regular_file", path: shown, message: FailureReport(error).message)
        }
        do {
            try DeltaTable.checkNoLinks(path, root: snapshot.root, storage: snapshot.storage, version: snapshot.version)
        } catch let error as DeltaError where error.kind == .notFound {
            return CheckProblem(kind: "missing_file", path: shown, message: "the file is missing (deleted by hand, or by a tool that recorded no vacuum)")
        } catch {
            return CheckProblem(kind: "not_a_regular_file", path: shown, message: FailureReport(error).message)
        }
        let size = snapshot.storage.info(path)?.size ?? -1
        if size != file.size {
            return CheckProblem(kind: "size_mismatch", path: shown, message: "the file is \(size) bytes, its add says \(file.size)\(size < file.size ? " (truncated?)" : "")")
        }
        if file.hasDeletionVector {
            do { _ = try snapshot.deletionVector(of: file, rowCount: file.numRecords ?? Int64.max) } catch {
                return CheckProblem(kind: "missing_file", path: shown, message: "its deletion vector cannot be read: \(FailureReport(error).message)")
            }
        }
        return nil
    }
}

/// Files checked so far, counted from any thread and reported one at a time.
private final class Counter: @unchecked Sendable {
    private let lock = Lock()
    private var value = 0
    private let progress: ((Int, Int) -> Void)?

    init(_ progress: ((Int, Int) -> Void)?) { self.progress = progress }

    func increment(of total: Int) {
        lock.withLock {
            value += 1
            progress?(value, total)
        }
    }
}

/// What the deep check of a file found wrong: a kind and the message.
private struct FileProblem: Error {
    let kind: String
    let message: String
}

/// The deep check of one data file: its footer and row count, each row group decoded (every
/// column, every page), and its statistics against what the row groups hold.
private struct FileContentCheck {
    let snapshot: Snapshot
    let file: AddFile

    func problem(_ found: FileProblem) -> CheckProblem {
        CheckProblem(kind: found.kind, path: Partitioning.uriDecode(file.path), message: found.message)
    }

    /// The file's row groups, once its footer reads and its row count is the add's.
    func footer() -> Result<Int, FileProblem> {
        let reader: ParquetReader
        do {
            reader = try ParquetReader(path: try snapshot.readablePath(of: file))
        } catch {
            return .failure(FileProblem(kind: "bad_footer", message: "not a readable Parquet file: \(FailureReport(error).message)"))
        }
        if let records = file.numRecords, Int64(reader.rowCount) != records {
            return .failure(FileProblem(kind: "row_count_mismatch", message: "the file holds \(reader.rowCount) rows, its add says numRecords \(records)"))
        }
        return .success(reader.rowGroupCount)
    }

    /// Every value of row group `group`, as the table reads it: each column's nulls and bounds.
    func observe(rowGroup group: Int) -> Result<[ObservedColumn], FileProblem> {
        // Every row as written, deletion vector aside: the statistics describe them all.
        let physical = AddFile(path: file.path, partitionValues: file.partitionValues, size: file.size,
                               modificationTime: file.modificationTime, dataChange: false, stats: file.stats)
        let fields = snapshot.schema.fields
        let partitionColumns = Set(snapshot.metadata.partitionColumns)
        var observed = [ObservedColumn](repeating: ObservedColumn(), count: fields.count)
        let scan = ScanExecutor(ScanPlan.reading([physical], of: snapshot))
        scan.rowGroups = group..<group + 1
        do {
            while let batch = try scan.next() {
                for c in fields.indices where !partitionColumns.contains(fields[c].name) { observed[c].add(batch.columns[c]) }
            }
        } catch let error as DeltaError where error.kind == .corrupt && error.message.contains("the table says") {
            return .failure(FileProblem(kind: "schema_mismatch", message: FailureReport(error).message))
        } catch {
            return .failure(FileProblem(kind: "corrupt_data", message: "row group \(group) does not decode: \(FailureReport(error).message)"))
        }
        return .success(observed)
    }

    /// The file's statistics against what its row groups hold (`parts`, one per row group).
    func compare(_ parts: [[ObservedColumn]]) -> [CheckProblem] {
        let fields = snapshot.schema.fields
        let partitionColumns = Set(snapshot.metadata.partitionColumns)
        let bounds = FileBounds(snapshot: snapshot)
        var found: [CheckProblem] = []
        func mismatch(_ message: String) { found.append(problem(FileProblem(kind: "stats_mismatch", message: message))) }
        for c in fields.indices where fields[c].type.isPrimitive && !partitionColumns.contains(fields[c].name) {
            guard let stated = bounds.stats(file, fields[c].name) else { continue }
            var seen = ObservedColumn()
            for part in parts { seen.merge(part[c]) }
            let name = fields[c].name
            if let nulls = stated.nullCount, nulls != seen.nulls {
                mismatch("column \(name): \(seen.nulls) null(s) in the file, its stats say nullCount \(nulls)")
            }
            // (An observed string minimum is cut to its first 32 characters: a stated one
            // that starts with it may be the whole string, and is not below it.)
            if case .string(let low)? = seen.min, case .string(let min)? = stated.min, min.hasPrefix(low) {
            } else if let min = stated.min, let low = seen.min, FileStats.less(low, min) {
                mismatch("column \(name): the file holds \(low), below its stats' minValues \(min)")
            }
            if let max = stated.max, let high = seen.max, FileStats.less(max, high) {
                mismatch("column \(name): the file holds \(high), above its stats' maxValues \(max)")
            }
        }
        return found
    }
}

/// A column's nulls and bounds over the batches seen.
private struct ObservedColumn {
    var nulls = 0
    var min: Value?
    var max: Value?

    mutating func add(_ column: Column) {
        nulls += column.nullCount
        guard !FileStats.boundsImpossible(column), let b = FileStats.bounds(column) else { return }
        merge(ObservedColumn(nulls: 0, min: b.minKey, max: b.maxKey))
    }

    mutating func merge(_ other: ObservedColumn) {
        nulls += other.nulls
        if let low = other.min, min == nil || FileStats.less(low, min!) { min = low }
        if let high = other.max, max == nil || FileStats.less(max!, high) { max = high }
    }
}
