import Catalog
import DeltaLog
import LakeCore
#if canImport(Glibc)
import Glibc
#endif

/// What `lake maintain` is asked to do.
public struct MaintainRequest: Sendable {
    /// The tables; every catalog table when empty.
    public var tables: [TableName] = []
    /// Decide and report; change nothing.
    public var dryRun = false
    public var now: Int64 = SystemClock.nowMillis()

    public init(tables: [TableName] = [], dryRun: Bool = false) {
        self.tables = tables
        self.dryRun = dryRun
    }
}

/// One maintenance action on one table: whether it was due, why, and what it did.
public struct MaintenanceStep: Sendable {
    /// `checkpoint`, `compact`, `vacuum` or `log_cleanup`.
    public var action: String
    public var due: Bool
    public var done = false
    public var reason: String
    public var metrics: [(String, Int64)] = []
}

/// What `lake maintain` did for one table.
public struct TableMaintenance: Sendable {
    public var table: String
    /// `ok`, `failed`, `busy` (another run holds the table's lease) or `nothing_due`.
    public var status: String
    public var steps: [MaintenanceStep] = []
    public var durationMillis: Int64 = 0
    public var error: String?
    /// The shallow `check` run after the steps (nil when the table could not be read).
    public var check: TableCheckResult?
}

extension Warehouse {
    /// How long a maintenance lease lasts without renewal; a run renews it as it works.
    static let leaseMillis: Int64 = 10 * 60_000

    /// For each table, decides what is due and does it, in a safe order: checkpoint →
    /// compact → vacuum → log cleanup; `each` gets every table's outcome as it is known. A
    /// table is maintained under a lease in the catalog, so overlapping runs never maintain
    /// it twice (the second reports it `busy`). One table's failure stops only that table.
    public func maintain(_ request: MaintainRequest, each: (TableMaintenance) -> Void = { _ in }) throws -> [TableMaintenance] {
        var names = request.tables
        if names.isEmpty {
            names = try catalog().tables(namespace: nil).map { .catalog(namespace: $0.namespace, name: $0.name) }
        }
        var outcomes: [TableMaintenance] = []
        for name in names {
            let outcome = maintainTable(name, request)
            each(outcome)
            outcomes.append(outcome)
        }
        return outcomes
    }

    private func maintainTable(_ name: TableName, _ request: MaintainRequest) -> TableMaintenance {
        let started = SystemClock.nowMillis()
        var outcome = maintainTable(name, request, started: started)
        outcome.durationMillis = SystemClock.nowMillis() - started
        return outcome
    }

    private func maintainTable(_ name: TableName, _ request: MaintainRequest, started: Int64) -> TableMaintenance {
        var outcome = TableMaintenance(table: name.description, status: "ok")
        let resolved: ResolvedTable
        do { resolved = try resolve(name) } catch {
            outcome.status = "failed"
            outcome.error = FailureReport(error).message
            return outcome
        }
        outcome.table = resolved.displayName
        var lease: Lease?
        if !request.dryRun {
            // A table named by a path has a lease too, by its resolved location.
            let subject = resolved.entry.map { LeaseSubject.table(id: $0.id) } ?? .path(Paths.resolved(resolved.table.root))
            do {
                lease = try Lease(catalog: try catalog(), subject: subject)
            } catch {
                outcome.status = "failed"
                outcome.error = FailureReport(error).message
                return outcome
            }
            guard lease != nil else {
                outcome.status = "busy"
                return outcome
            }
        }
        defer { lease?.release() }
        var before: Snapshot?
        var fullVacuum = false
        do {
            let snapshot = try resolved.table.snapshot()
            before = snapshot
            let steps = try MaintenancePlan(warehouse: self, resolved: resolved, snapshot: snapshot, now: request.now)
            fullVacuum = steps.fullVacuum
            for var step in steps.steps {
                defer { outcome.steps.append(step) }
                guard step.due, !request.dryRun else { continue }
                try lease?.renew()
                do {
                    step.metrics = try run(step.action, name, resolved, fullVacuum: steps.fullVacuum, now: request.now,
                                           renew: { try? lease?.renew() })
                    step.done = true
                    // A step that outlived the lease finished beside the new holder: stop here.
                    try lease?.renew()
                } catch {
                    outcome.status = "failed"
                    outcome.error = "\(step.action): \(FailureReport(error).message)"
                    break
                }
            }
        } catch {
            outcome.status = "failed"
            outcome.error = FailureReport(error).message
        }
        if outcome.status == "ok" && !outcome.steps.contains(where: \.due) { outcome.status = "nothing_due" }
        // The table's health once the steps are done: a shallow check, recorded like `lake check`'s.
        let checked = SystemClock.nowMillis()
        if let check = try? Self.check(resolved, deep: false, maxAge: nil, now: checked) {
            outcome.check = check
            recordCheck(resolved, check, started: checked)
        }
        if let entry = resolved.entry, !request.dryRun, outcome.steps.contains(where: \.due) || outcome.status == "failed" {
            let after = try? resolved.table.snapshot()
            try? catalog().recordMaintenance(MaintenanceRun(
                tableID: entry.id, started: started, finished: SystemClock.nowMillis(),
                actions: outcome.steps.filter(\.done).map(\.action),
                filesBefore: Int64(before?.files.count ?? 0), bytesBefore: before?.totalBytes ?? 0,
                filesAfter: Int64(after?.files.count ?? 0), bytesAfter: after?.totalBytes ?? 0,
                outcome: outcome.status == "failed" ? "failed" : "ok", error: outcome.error,
                fullVacuum: fullVacuum && outcome.steps.contains { $0.action == "vacuum" && $0.done }))
        }
        return outcome
    }

    /// Runs one due action; returns its metrics.
    private func run(_ action: String, _ name: TableName, _ resolved: ResolvedTable, fullVacuum: Bool, now: Int64,
                     renew: @escaping () -> Void) throws -> [(String, Int64)] {
        let table = resolved.table
        switch action {
        case "checkpoint":
            // Log cleanup is a step of its own, later.
            let result = try checkpoint(name, cleansLog: false)
            return [("version", result.version), ("actions", result.actions ?? 0)]
        case "compact":
            let result = try compact(name, CompactRequest(), progress: { _, _ in renew() })
            return [("files_removed", Int64(result.filesRemoved)), ("files_added", Int64(result.filesAdded)),
                    ("bytes_removed", result.bytesRemoved), ("bytes_added", result.bytesAdded)]
        case "vacuum":
            var request = VacuumRequest()
            request.now = now
            request.listsOrphans = fullVacuum
            request.cleansLog = false
            let result = try vacuum(name, request, progress: { _, _ in renew() })
            return [("files_deleted", Int64(result.filesDeleted)), ("bytes_deleted", result.bytesDeleted)]
        default:
            try checkWritable(resolved)
            let snapshot = try table.snapshot()
            return [("log_files_deleted", Int64(try LogMaintenance.cleanUpIfEnabled(table, latest: snapshot, now: now)))]
        }
    }
}

/// A table's maintenance lease, held while one run works on it.
final class Lease {
    let catalog: TableCatalog
    let subject: LeaseSubject
    let holder: String
    private var renewed = SystemClock.nowMillis()

    /// Takes the lease; nil when another run holds it.
    init?(catalog: TableCatalog, subject: LeaseSubject) throws {
        self.catalog = catalog
        self.subject = subject
        // Host and pid name the holder to people; the UUID keeps two processes apart that
        // share both (containers that each run as pid 1 on one host name).
        holder = "\(Self.hostname()):\(getpid()):\(SystemClock.uuid().prefix(8))"
        let now = SystemClock.nowMillis()
        guard try catalog.acquireLease(subject, holder: holder, now: now, until: now + Warehouse.leaseMillis) else {
            return nil
        }
    }

    /// Whether the lease expired and another run took it.
    private(set) var lost = false

    /// Extends the lease (at most once a minute); throws when it was lost meanwhile.
    func renew() throws {
        let now = SystemClock.nowMillis()
        if !lost && now - renewed >= 60_000 {
            lost = !(try catalog.renewLease(subject, holder: holder, until: now + Warehouse.leaseMillis))
            renewed = now
        }
        if lost { throw LakeError(.runtime, "the maintenance lease on this table expired and another run took it; stopping") }
    }

    func release() { try? catalog.releaseLease(subject, holder: holder) }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(cString: buffer)
    }
}

/// One recorded `lake maintain` run of a table.
public struct MaintenanceRecord: Sendable {
    public var table: String
    public var run: MaintenanceRun
}

extension Warehouse {
    /// The latest maintenance runs, newest first: of one catalog table, or of every table.
    public func maintenanceHistory(_ name: TableName?, limit: Int = 20) throws -> [MaintenanceRecord] {
        let catalog = try self.catalog()
        let names = Dictionary(try catalog.tables(namespace: nil).map { ($0.id, $0.qualifiedName) }, uniquingKeysWith: { a, _ in a })
        var tableID: Int64?
        if let name {
            guard let entry = try resolve(name).entry else {
                throw LakeError(.invalidArgument, "\(name) is not in the catalog: maintenance history is kept for catalog tables")
            }
            tableID = entry.id
        }
        return try catalog.maintenanceRuns(tableID: tableID, limit: limit).map {
            MaintenanceRecord(table: names[$0.tableID] ?? "#\($0.tableID)", run: $0)
        }
    }
}
