import Dispatch

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

/// Runs `body` for `0..<count` on all cores and returns the results in order, or throws the
/// first error (by index).
public func parallelMap<T>(_ count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let results = ResultBox<T>(count: count)
    DispatchQueue.concurrentPerform(iterations: count) { i in results.set(i) { try body(i) } }
    return try results.values()
}

/// One piece of work running on a pool thread while its starter goes on; ``wait()`` blocks
/// until it is done and gives its result (or rethrows its error), as often as it is called.
public final class BackgroundJob<T>: @unchecked Sendable {
    private var result: Result<T, Error>?
    private let done = DispatchSemaphore(value: 0)

    /// Starts `body` at once.
    public init(_ body: @escaping @Sendable () throws -> T) {
        DispatchQueue.global().async {
            self.result = Result { try body() }
            self.done.signal()
        }
    }

    /// The job's result, once it has finished.
    public func wait() throws -> T {
        done.wait()
        done.signal()
        return try result!.get()
    }
}
