import DeltaLog
import LakeCore
import Query

/// How `compact --sort-by` / `--zorder-by` orders each partition's rows.
public struct Clustering: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// By the columns in turn, ascending, nulls first.
        case sort
        /// Along the Z-order curve of the columns.
        case zorder
    }

    public var kind: Kind
    public var columns: [String]

    public init(_ kind: Kind, _ columns: [String]) {
        self.kind = kind
        self.columns = columns
    }

    /// The `tags` entry of a file this clustering wrote: `lake.clustering` = `zorder(a,b)`.
    static let tagName = "lake.clustering"
    /// The clustering as the tag and the output name it: `zorder(a,b)`, `sort(a)`.
    public var label: String { "\(kind.rawValue)(\(columns.joined(separator: ",")))" }

    /// The clustering tag of `file`, if a clustering wrote it.
    static func tag(of file: AddFile) -> String? {
        file[field: "tags"]?.objectValue?.first { $0.0 == tagName }?.1.stringValue
    }
}

/// Which files a compaction rewrites, from the log alone.
///
/// - Bin-packing: per partition, the files smaller than the target, packed in log order into
///   bins of up to the target size; a bin of one file is left alone (rewriting it gains
///   nothing) unless it has a deletion vector (rewritten, its deleted rows go), and so are
///   clustered files (a clustering run owns them).
/// - Clustering: per partition, all its files in one bin, unless every one of them already
///   carries this clustering's tag (nothing new arrived since it ran).
struct CompactionPlan {
    struct Bin {
        let partitionValues: PartitionValues
        let files: [AddFile]
        var bytes: Int64 { files.reduce(0) { $0 + $1.size } }
    }

    var bins: [Bin] = []
    /// Files the predicate selected (all, without one).
    var filesConsidered = 0
    /// Selected files left as they are (big enough, or alone in their partition's bin).
    var filesSkipped = 0

    var files: Int { bins.reduce(0) { $0 + $1.files.count } }
    var bytes: Int64 { bins.reduce(0) { $0 + $1.bytes } }
    var partitions: Int { Set(bins.map { Self.key($0.partitionValues) }).count }

    /// The plan for `snapshot` with files rolled at `target` bytes, limited to the
    /// partitions `predicate` (over partition columns only) may select.
    static func make(_ snapshot: Snapshot, target: Int64, predicate: Predicate?, clustering: Clustering? = nil) -> CompactionPlan {
        var plan = CompactionPlan()
        let bounds = FileBounds(snapshot: snapshot)
        var byPartition: [String: [AddFile]] = [:]
        var order: [String] = []
        for file in snapshot.files {
            if let predicate, !predicate.mightMatch({ bounds.partition(file, $0) }) { continue }
            plan.filesConsidered += 1
            if clustering != nil {
                let key = Self.key(file.partitionValues)
                if byPartition[key] == nil { order.append(key) }
                byPartition[key, default: []].append(file)
                continue
            }
            // A file with a deletion vector is rewritten whatever its size: without the rows it deletes.
            guard file.size < target || file.hasDeletionVector, Clustering.tag(of: file) == nil else {
                plan.filesSkipped += 1
                continue
            }
            let key = Self.key(file.partitionValues)
            if byPartition[key] == nil { order.append(key) }
            byPartition[key, default: []].append(file)
        }
        if let clustering {
            for key in order {
                let files = byPartition[key]!
                if files.allSatisfy({ Clustering.tag(of: $0) == clustering.label }) {
                    plan.filesSkipped += files.count
                } else {
                    plan.bins.append(Bin(partitionValues: files[0].partitionValues, files: files))
                }
            }
            return plan
        }
        for key in order {
            var bin: [AddFile] = [], binBytes: Int64 = 0
            func close() {
                if bin.count > 1 || bin.contains(where: \.hasDeletionVector) {
                    plan.bins.append(Bin(partitionValues: bin[0].partitionValues, files: bin))
                }
                else { plan.filesSkipped += bin.count }
                bin = []
                binBytes = 0
            }
            for file in byPartition[key]! {
                if !bin.isEmpty && binBytes + file.size > target { close() }
                bin.append(file)
                binBytes += file.size
            }
            close()
        }
        return plan
    }

    /// A partition's identity: its values by column name (whatever order a writer listed them in).
    static func key(_ values: PartitionValues) -> String {
        values.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1.map { "v" + $0 } ?? "null")" }.joined(separator: "\u{0}")
    }
}
