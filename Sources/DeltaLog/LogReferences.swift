import LakeCore

/// Every data file a log names at any version still recorded in it.
public enum LogReferences {
    /// The paths (URI-decoded, as in `add`/`remove`; relative or absolute) named by every
    /// commit and checkpoint (with its sidecars) in `logDirectory`, and the number of log files read.
    /// Another `_delta_log` name (a log moved aside for a purge) reads the same.
    public static func dataFiles(in logDirectory: String, storage: any Storage) throws -> (paths: Set<String>, logFiles: Int) {
        var paths = Set<String>()
        var logFiles = 0
        for name in try storage.list(logDirectory) ?? [] {
            let pieces = name.split(separator: ".", omittingEmptySubsequences: false)
            guard pieces.count >= 2, pieces[0].count == 20, let version = Int64(pieces[0]) else { continue }
            let path = logDirectory + "/" + name
            guard storage.info(path)?.kind == .regular else { continue }
            let actions: [Action]
            if pieces.count == 2 && pieces[1] == "json" {
                actions = try Action.parseCommit(try storage.read(path) ?? [], version: version)
            } else if pieces[1] == "checkpoint" && (pieces.last == "parquet" || pieces.last == "json") {
                actions = try CheckpointReader.read([name], version: version, logDirectory: logDirectory, storage: storage)
            } else {
                continue
            }
            logFiles += 1
            for action in actions {
                switch action {
                case .add(let add): paths.insert(DeltaTable.normalizedKey(add.path))
                case .remove(let remove): paths.insert(DeltaTable.normalizedKey(remove.path))
                default: break
                }
            }
        }
        return (paths, logFiles)
    }
}
