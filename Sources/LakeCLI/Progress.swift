#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on stderr, drawn only when stderr is a terminal and not `--quiet`,
/// so scripts and pipes never see it.
final class Progress: @unchecked Sendable {
    private var total: Int
    private let label: String
    private var enabled: Bool
    private var lastDrawn = 0.0

    init(label: String, total: Int, quiet: Bool) {
        self.label = label
        self.total = max(1, total)
        enabled = !quiet && isatty(2) == 1
    }

    /// Redraws with `done` of `total` (at most ten times a second).
    func update(_ done: Int) {
        guard enabled else { return }
        let now = Self.seconds()
        guard now - lastDrawn >= 0.1 || done >= total else { return }
        lastDrawn = now
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        writeStandardError("\r\(label) \(bar) \(Int(fraction * 100))% (\(done)/\(total))")
    }

    /// A callback for byte counts: draws `done` of `total` when the total is known.
    var bytes: (Int64, Int64?) -> Void {
        { [self] done, total in
            guard let total, total > 0 else { return }
            self.update(Int(done), of: Int(total))
        }
    }

    /// A callback for row counts (called from any one thread at a time).
    var rows: @Sendable (Int) -> Void {
        { [self] done in self.update(done) }
    }

    /// Sets the total once it is known; without one (nil) no bar is drawn.
    func expect(_ total: Int?) {
        guard let total else { enabled = false; return }
        self.total = max(1, total)
    }

    /// Redraws with `done` of a total that became known later.
    func update(_ done: Int, of total: Int) {
        self.total = max(1, total)
        update(done)
    }

    /// Clears the line.
    func finish() {
        guard enabled, lastDrawn > 0 else { return }
        writeStandardError("\r\u{1B}[2K")
    }

    private static func seconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
