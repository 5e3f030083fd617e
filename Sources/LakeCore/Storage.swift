/// What a file is, as ``Storage/info(_:)`` reports it (symbolic links are not followed).
public struct FileInfo: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case regular, directory, symlink, other }
    public var kind: Kind
    public var size: Int64
    /// Modification time, milliseconds since the epoch.
    public var modificationTime: Int64

    public init(kind: Kind, size: Int64, modificationTime: Int64) {
        self.kind = kind
        self.size = size
        self.modificationTime = modificationTime
    }
}

/// Where a table's log and data files live. Every operation on a table's files goes through
/// one of these, so its contract is the whole storage contract the log relies on.
///
/// Paths are absolute. Errors are ``StorageError``s naming the path and what the system said.
public protocol Storage: Sendable {
    /// The names in a directory (never `.` or `..`), **sorted** by their UTF-8 bytes, so that
    /// zero-padded log versions come out in version order. Nil when the directory does not
    /// exist (or is not a directory).
    func list(_ directory: String) throws -> [String]?

    /// The names in a directory with what each is (never following a link), in no particular
    /// order; nil when the directory does not exist. Cheaper than ``list(_:)`` and
    /// ``info(_:)`` per name where the file system reports kinds while listing.
    func entries(_ directory: String) throws -> [(name: String, kind: FileInfo.Kind)]?

    /// The whole file; nil when it does not exist. A symbolic link at `path` is never
    /// followed, and anything that is not a regular file (a FIFO, a device) is refused at once.
    func read(_ path: String) throws -> [UInt8]?

    /// What is at `path`, without following a symbolic link there; nil when nothing is.
    func info(_ path: String) -> FileInfo?

    /// Creates `path` with `bytes`, durably, **only if nothing exists at `path`**: returns
    /// false (writing nothing) when the name is taken, even by a writer racing this one on the
    /// same file system. This is what makes a Delta commit atomic.
    func putIfAbsent(_ path: String, _ bytes: [UInt8]) throws -> Bool

    /// Creates a new file with `bytes` and syncs it; fails when `path` exists.
    func writeNew(_ path: String, _ bytes: [UInt8]) throws

    /// Creates a directory and its missing parents; an existing directory is fine.
    func makeDirectories(_ path: String) throws

    /// Removes a file (never a directory); a missing file is fine.
    func remove(_ path: String) throws

    /// Removes a directory tree, never following a symbolic link out of it (a link is
    /// removed, not its target). A missing path is fine.
    func removeTree(_ path: String) throws

    /// Renames `path` to `newPath` atomically (both on the same file system).
    func rename(_ path: String, to newPath: String) throws

    /// Gives the finished file `path` the name `newPath` **only if nothing exists there**
    /// (false, and `path` removed, when the name is taken), then syncs the directory.
    func moveIfAbsent(_ path: String, to newPath: String) throws -> Bool

    /// Replaces the file at `path` (or creates it) with `bytes` atomically: readers see the
    /// old content or the new, never a part.
    func replace(_ path: String, with bytes: [UInt8]) throws

    /// Removes an empty directory; false when it is not empty (or not there).
    func removeEmptyDirectory(_ path: String) -> Bool

    /// Removes the regular files `names` of the directory `root/directory` (`""` for the
    /// root), reaching them through no symbolic link: each directory after `root` is entered
    /// only if it is a real directory at that moment (one swapped for a link meanwhile is
    /// refused, never followed). Returns, per name, whether it was removed: false when the
    /// file is gone, is not a regular file, or the way to it holds a link.
    func removeRegularFiles(_ names: [String], in directory: String, under root: String) throws -> [Bool]
}

extension Storage {
    /// Whether anything exists at `path` (a dangling symbolic link counts).
    public func exists(_ path: String) -> Bool { info(path) != nil }

    /// Whether `path` is a directory (not a link to one).
    public func isDirectory(_ path: String) -> Bool { info(path)?.kind == .directory }
}

/// A storage operation the system refused.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { message }
}
