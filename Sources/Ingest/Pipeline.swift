import Columnar
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Runs a producer of batches on its own thread, handing them to the caller through a small
/// bounded queue: parsing the next batch overlaps with encoding the last one, and memory
/// holds at most `capacity` batches in flight.
///
/// The producer runs on a thread of its own with a large explicit stack (``stackSize``), not
/// on a pool thread: scans evaluate `--where` predicates there, and binding, pruning and
/// evaluation recurse over the expression tree (up to `ExpressionParser.maxDepth` levels).
public final class BatchPipeline: @unchecked Sendable {
    /// The producer thread's stack.
    public static let stackSize = 16 << 20

    private var queue: [RecordBatch] = []
    private var finished = false
    private var failure: Error?
    private var cancelled = false
    private let capacity: Int
    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private let done = DispatchSemaphore(value: 0)

    /// Thrown inside the producer when the consumer has stopped.
    struct Cancelled: Error {}

    /// Starts `produce`, which calls its argument for each batch.
    public init(capacity: Int = 2, produce: @escaping @Sendable (_ emit: (RecordBatch) throws -> Void) throws -> Void) {
        self.capacity = capacity
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
        let body: @Sendable () -> Void = { [self] in
            do {
                try produce { batch in try self.put(batch) }
                self.finish(nil)
            } catch {
                self.finish(error)
            }
            self.done.signal()
        }
        if !Self.startThread(body) {
            // No thread could be created (resource limits): a pool thread is better than none.
            DispatchQueue.global().async(execute: body)
        }
    }

    /// Starts a detached thread with a ``stackSize`` stack running `body`; false if none
    /// could be created.
    private static func startThread(_ body: @escaping @Sendable () -> Void) -> Bool {
        final class Box { let body: @Sendable () -> Void; init(_ body: @escaping @Sendable () -> Void) { self.body = body } }
        var attributes = pthread_attr_t()
        guard pthread_attr_init(&attributes) == 0 else { return false }
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, stackSize)
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, &attributes, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if started != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            return false
        }
        return true
    }

    deinit {
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&mutex)
    }

    private func put(_ batch: RecordBatch) throws {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while queue.count >= capacity && !cancelled { pthread_cond_wait(&changed, &mutex) }
        if cancelled { throw Cancelled() }
        queue.append(batch)
        pthread_cond_broadcast(&changed)
    }

    private func finish(_ error: Error?) {
        pthread_mutex_lock(&mutex)
        finished = true
        if !(error is Cancelled) { failure = error }
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
    }

    /// The next batch; nil when the producer is done; rethrows the producer's error.
    public func next() throws -> RecordBatch? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while queue.isEmpty && !finished { pthread_cond_wait(&changed, &mutex) }
        if !queue.isEmpty {
            let batch = queue.removeFirst()
            pthread_cond_broadcast(&changed)
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the producer (its next hand-over throws) and waits for it to end.
    public func cancel() {
        pthread_mutex_lock(&mutex)
        cancelled = true
        queue.removeAll()
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
        done.wait()
    }

    /// Waits for the producer to end (after `next()` returned nil or threw).
    public func wait() { done.wait() }
}
