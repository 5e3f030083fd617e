#if canImport(Glibc)
import Glibc
#endif

/// Files a write has made but not committed yet: what an interrupt (SIGINT, SIGTERM) must
/// remove. A commit forgets them in the same critical section in which it lands, so an
/// interrupt either removes the files of a commit that did not land, or nothing.
public final class PendingFiles: @unchecked Sendable {
    /// The process's pending files.
    public static let shared = PendingFiles()

    private var mutex = pthread_mutex_t()
    private var paths = Set<String>()

    init() { pthread_mutex_init(&mutex, nil) }

    /// Remembers a file to remove if the process is interrupted before the commit.
    public func add(_ path: String) {
        pthread_mutex_lock(&mutex)
        paths.insert(path)
        pthread_mutex_unlock(&mutex)
    }

    /// Forgets a file (removed already, or kept).
    public func remove(_ path: String) {
        pthread_mutex_lock(&mutex)
        paths.remove(path)
        pthread_mutex_unlock(&mutex)
    }

    /// Runs `commit` (which returns whether the commit landed) so that no interrupt cleanup
    /// runs meanwhile; when it landed, every pending file is now the table's and is forgotten.
    public func committing(_ commit: () throws -> Bool) rethrows -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        let landed = try commit()
        if landed { paths.removeAll() }
        return landed
    }

    /// Removes every pending file and keeps the lock, so no commit can land afterwards; for
    /// the interrupt handler, just before the process exits.
    public func removeAllAndHold() {
        pthread_mutex_lock(&mutex)
        for path in paths { unlink(path) }
        paths.removeAll()
    }
}
