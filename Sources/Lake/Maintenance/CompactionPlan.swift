import DeltaLog
import LakeCore
import Query

/// Which files a compaction rewrites, from the log alone: per partition, the files smaller
/// than the target, packed in log order into bins of up to the target size; a bin of one
/// file is left alone (rewriting it gains nothing).
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
    static func make(_ snapshot: Snapshot, target: Int64, predicate: Predicate?) -> CompactionPlan {
        var plan = CompactionPlan()
        let bounds = FileBounds(snapshot: snapshot)
        var byPartition: [String: [AddFile]] = [:]
        var order: [String] = []
        for file in snapshot.files {
            if let predicate, !predicate.mightMatch({ bounds.partition(file, $0) }) { continue }
            plan.filesConsidered += 1
            guard file.size < target else {
                plan.filesSkipped += 1
                continue
            }
            let key = Self.key(file.partitionValues)
            if byPartition[key] == nil { order.append(key) }
            byPartition[key, default: []].append(file)
        }
        for key in order {
            var bin: [AddFile] = [], binBytes: Int64 = 0
            func close() {
                if bin.count > 1 { plan.bins.append(Bin(partitionValues: bin[0].partitionValues, files: bin)) }
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
