import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Collects results (or the first error) from concurrent iterations.
final class ResultBox<T>: @unchecked Sendable {
    private var slots: [Result<T, Error>?]
    private let lock = Lock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ body: () throws -> T) {
        let r = Result { try body() }
        lock.withLock { slots[index] = r }
    }

    func values() throws -> [T] {
        try slots.map { try $0!.get() }
    }
}

/// A mutex over pthread, so the module needs no Foundation.
final class Lock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}

/// Runs `body` for `0..<count` on all cores and returns the results in order, or throws the
/// first error (by index).
func parallelMap<T>(_ count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let results = ResultBox<T>(count: count)
    DispatchQueue.concurrentPerform(iterations: count) { i in results.set(i) { try body(i) } }
    return try results.values()
}
