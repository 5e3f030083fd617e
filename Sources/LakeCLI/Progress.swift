#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on stderr, drawn only when stderr is a terminal and not `-q`,
/// so scripts, pipes and cron never see it. It shows human units (`84.2 MB / 1.2 GB`), a rate
/// and an ETA, redrawn at most ten times a second.
final class Progress: @unchecked Sendable {
    enum Unit { case bytes, rows, files }

    private let label: String
    private let unit: Unit
    private var total: Int?
    private var enabled: Bool
    private let started = Progress.seconds()
    /// The first draw comes 0.1 s in: quick commands show no bar.
    private lazy var lastDrawn = started
    private var drawn = false
    private var drewTotal = false

    init(label: String, unit: Unit, quiet: Bool) {
        self.label = label
        self.unit = unit
        enabled = !quiet && isatty(2) == 1
    }

    /// A callback for byte counts of a known (or unknown, nil) total.
    var bytes: (Int64, Int64?) -> Void {
        { [self] done, total in
            if let total, total > 0 { self.total = Int(total) }
            self.update(Int(done))
        }
    }

    /// A callback for counts of a known total (files, say).
    var counts: (Int, Int) -> Void {
        { [self] done, total in
            self.total = total
            self.update(done)
        }
    }

    /// A callback for row counts (called from any one thread at a time).
    var rows: @Sendable (Int) -> Void {
        { [self] done in self.update(done) }
    }

    /// Sets the total once it is known; without one the bar shows the count and rate only.
    func expect(_ total: Int?) { self.total = total }

    /// Redraws with `done` so far (at most ten times a second, and once at the total).
    func update(_ done: Int) {
        guard enabled else { return }
        let now = Self.seconds()
        let atTotal = total.map { done >= $0 } ?? false
        guard now - lastDrawn >= 0.1 || (atTotal && !drewTotal && drawn) else { return }
        if atTotal { drewTotal = true }
        lastDrawn = now
        drawn = true
        let elapsed = max(0.001, now - started)
        let rate = Double(done) / elapsed
        var line = "\r\(label) "
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let width = 24
            let filled = Int(fraction * Double(width))
            line += String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            line += " \(Int(fraction * 100))%  \(amount(done)) / \(amount(total))"
            line += "  \(amount(Int(rate)))/s"
            if rate > 0 && done < total { line += "  ETA \(Self.clock(Double(total - done) / rate))" }
        } else {
            line += "\(amount(done))  \(amount(Int(rate)))/s"
        }
        writeStandardError(line + "\u{1B}[K")
    }

    /// Clears the line.
    func finish() {
        guard enabled, drawn else { return }
        drawn = false
        writeStandardError("\r\u{1B}[2K")
    }

    /// `84.2 MB` or `1.2M rows`.
    private func amount(_ n: Int) -> String {
        let (units, base): ([String], Double) = unit == .bytes ? (["B", "kB", "MB", "GB", "TB"], 1000) : (["", "k", "M", "G"], 1000)
        var value = Double(n)
        var k = 0
        while value >= base && k < units.count - 1 { value /= base; k += 1 }
        let number = k == 0 ? String(Int(value)) : String(Double(Int(value * 10)) / 10)
        switch unit {
        case .bytes: return "\(number) \(units[k])"
        case .rows: return "\(number)\(units[k]) rows"
        case .files: return "\(number)\(units[k]) files"
        }
    }

    /// `m:ss` (or `h:mm:ss`).
    private static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
        return s >= 3600 ? "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))" : "\(s / 60):\(two(s % 60))"
    }

    private static func seconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
