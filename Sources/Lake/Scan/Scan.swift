import Columnar
import DeltaLog
import LakeCore
import Parquet
#if canImport(Glibc)
import Glibc
#endif

/// What `lake scan` reads: a table (name or directory) or a Parquet file.
public struct ScanRequest: Sendable {
    public var source: String
    public var version: VersionSelector = .latest
    public var columns: [String]?
    public var predicate: String?
    public var limit: Int?

    public init(source: String) { self.source = source }
}

extension Warehouse {
    /// Whether a scan's source is a Parquet file rather than a table.
    func isFile(_ source: String) -> Bool {
        switch storage.info(source)?.kind {
        case .regular?, .other?: return true
        case .symlink?: return !storage.isDirectory(source + "/.")
        default: return false
        }
    }

    /// Whether a file starts with Parquet's magic bytes.
    func hasParquetMagic(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        return read(fd, &magic, 4) == 4 && magic == Array("PAR1".utf8)
    }

    /// The rows a request selects, read ahead on their own thread. `progress` gets the rows
    /// read so far.
    public func openRows(_ request: ScanRequest, progress: (@Sendable (Int) -> Void)? = nil) throws -> RowStream {
        if isFile(request.source) {
            guard case .latest = request.version else {
                throw LakeError(.invalidArgument, "--version and --as-of apply to tables, not to a Parquet file")
            }
            let scan: ParquetFileScan
            do {
                scan = try ParquetFileScan(path: request.source, columns: request.columns, predicate: request.predicate,
                                           limit: request.limit)
            } catch let error as ParquetError where error.kind == .corrupt && !hasParquetMagic(request.source)
                        && !request.source.lowercased().hasSuffix(".parquet") {
                // `lake scan x.csv`: the user meant to load it.
                throw LakeError(.badInput, "\(DisplayText.path(request.source)) is not a Parquet file or a Delta table; to load it: lake append TABLE \(DisplayText.path(request.source))")
            }
            return RowStream(scan, progress: progress)
        }
        return RowStream(ScanExecutor(try plan(request)), progress: progress)
    }

    /// The plan of a table scan, from the log alone.
    public func plan(_ request: ScanRequest) throws -> ScanPlan {
        try resolvedPlan(request).plan
    }

    /// The table a request names, and the plan of its scan.
    private func resolvedPlan(_ request: ScanRequest) throws -> (resolved: ResolvedTable, plan: ScanPlan) {
        let (resolved, snapshot) = try snapshot(of: try TableName(parsing: request.source), request.version)
        let plan = try ScanBuilder(snapshot).columns(request.columns).predicate(request.predicate).limit(request.limit).build()
        return (resolved, plan)
    }

    /// `scan --explain`: the plan, from the log alone (no data file is opened); with
    /// `analyze`, the scan is run too and what it read is measured.
    public func explain(_ request: ScanRequest, analyze: Bool) throws -> ScanExplanation {
        guard !isFile(request.source) else { throw LakeError(.invalidArgument, "--explain applies to tables, not to a Parquet file") }
        let (resolved, plan) = try resolvedPlan(request)
        var measured: ScanStatistics?
        if analyze {
            let executor = ScanExecutor(plan)
            // On the read-ahead thread, as a scan runs (its stack is sized for deep predicates).
            let rows = RowStream(executor)
            while try rows.next() != nil {}
            measured = executor.statistics
        }
        return ScanExplanation(table: resolved.displayName, plan: plan, measured: measured)
    }
}

/// `scan --explain [--analyze]`: the plan, and what running it measured.
public struct ScanExplanation: Sendable {
    /// The table as the command named it (catalog name, or path).
    public let table: String
    public let plan: ScanPlan
    /// With `--analyze`: files, row groups, bytes and rows actually read.
    public let measured: ScanStatistics?

    public var location: String { plan.snapshot.root }
    public var version: Int64 { plan.snapshot.version }
    /// The predicate as lake understood it.
    public var predicate: String? { plan.predicate?.expression.description }
    public var columns: [String] { plan.schema.fields.map(\.name) }
    /// The planned files (paths decoded) and why each is read.
    public var files: [(path: String, reason: String)] {
        plan.files.map { (Partitioning.uriDecode($0.file.path), $0.reason.rawValue) }
    }
}
