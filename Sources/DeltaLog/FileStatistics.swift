import Columnar
import LakeCore

/// The statistics of one data file (`add.stats`, PROTOCOL.md "Per-file Statistics").
///
/// Replaying a log of many files needs only each file's `numRecords`, so that is read when
/// the action is, by one scan over the text that builds nothing; the bounds are parsed the
/// first time pruning or a checkpoint asks for them, once per file.
public struct FileStatistics: Sendable {
    public let numRecords: Int64?
    private let bounds: ParsedOnDemand

    /// Per column (nested for structs): the minimum, maximum and null count, as JSON.
    public var minValues: JSONValue? { bounds.json?["minValues"] }
    public var maxValues: JSONValue? { bounds.json?["maxValues"] }
    public var nullCount: JSONValue? { bounds.json?["nullCount"] }
    /// Whether the bounds are tight (false after deletion vectors hide rows).
    public var tightBounds: Bool? { bounds.json?["tightBounds"]?.boolValue }

    /// The statistics in `text`; nil when it is not a JSON object.
    public init?(parsing text: String) {
        guard let scanned = Self.scan(text) else { return nil }
        numRecords = scanned
        bounds = ParsedOnDemand(text)
    }

    /// What the statistics say about top-level column `column` of type `type`: each part nil
    /// where they say nothing usable.
    public func bounds(of column: String, type: DataType) -> (min: Value?, max: Value?, nullCount: Int64?) {
        let nulls = nullCount?[column]?.intValue
        let min = minValues?[column].flatMap { Self.value($0, type) }
        var max = maxValues?[column].flatMap { Self.value($0, type) }
        if case .int(let t)? = max, type == .timestamp || type == .timestampNTZ {
            // Writers that keep milliseconds round the maximum down: widen it to stay a bound.
            max = .int(t + 999)
        }
        return (min, max, nulls)
    }

    /// A statistics value as a value of a column of `type`; nil when it is not one.
    static func value(_ json: JSONValue, _ type: DataType) -> Value? {
        switch (type, json) {
        case (.byte, .number(let n)), (.short, .number(let n)), (.int, .number(let n)), (.long, .number(let n)):
            return Int64(n).map { Value.int($0) }
        case (.float, .number(let n)):
            // A float's statistic in its own short form (`0.1`) is the float nearest it, not
            // the double: Float("0.1") widened, as the file's values are.
            return Float(n).map { Value.double(Double($0)) }
        case (.double, .number(let n)):
            return Double(n).map { Value.double($0) }
        case (.decimal(_, let s), .number(let n)):
            return Partitioning.parseDecimal(n, scale: s).map { Value.decimal($0) }
        case (.string, .string(let t)):
            return .string(t)
        case (.date, .string(let t)):
            return ValueText.parseDate(Substring(t)).map { Value.int($0) }
        case (.timestamp, .string(let t)), (.timestampNTZ, .string(let t)):
            return ValueText.parseTimestamp(Substring(t)).map { Value.int($0.micros) }
        default:
            return nil
        }
    }

    private static let numRecordsKey = Array("numRecords".utf8)

    /// Walks `text` once: nil unless it is one balanced JSON object (strings and nesting
    /// followed, scalars not checked); else its top-level `numRecords` when that is an integer.
    static func scan(_ text: String) -> Int64?? {
        var text = text
        return text.withUTF8 { bytes -> Int64?? in
            var i = 0
            let n = bytes.count
            func skipSpace() { while i < n, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 } }
            /// Past a string starting at `i` (a quote); false when it does not end.
            func skipString() -> Bool {
                i += 1
                while i < n {
                    switch bytes[i] {
                    case 0x5C: i += 2
                    case 0x22: i += 1; return true
                    default: i += 1
                    }
                }
                return false
            }
            skipSpace()
            guard i < n, bytes[i] == 0x7B else { return nil }
            i += 1
            var depth = 1
            var expectKey = true
            var numRecords: Int64?
            while i < n {
                let b = bytes[i]
                switch b {
                case 0x22:
                    let start = i + 1
                    guard skipString() else { return nil }
                    guard depth == 1, expectKey else { continue }
                    expectKey = false
                    let isNumRecords = i - 1 - start == 10 && (0..<10).allSatisfy { bytes[start + $0] == Self.numRecordsKey[$0] }
                    skipSpace()
                    guard i < n, bytes[i] == 0x3A else { return nil }
                    i += 1
                    skipSpace()
                    if isNumRecords {
                        // A count: digits only (no sign, fraction or exponent), within Int64.
                        var value: Int64 = 0, digits = 0, overflow = false
                        while i < n, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                            let (times, o1) = value.multipliedReportingOverflow(by: 10)
                            let (sum, o2) = times.addingReportingOverflow(Int64(bytes[i] - 0x30))
                            overflow = overflow || o1 || o2
                            value = sum
                            digits += 1
                            i += 1
                        }
                        let ends = i >= n || !(bytes[i] == 0x2E || bytes[i] == 0x65 || bytes[i] == 0x45)
                        if digits > 0 && ends && !overflow { numRecords = value }
                    }
                case 0x7B, 0x5B:
                    depth += 1
                    i += 1
                case 0x7D, 0x5D:
                    depth -= 1
                    i += 1
                    if depth == 0 {
                        skipSpace()
                        return i == n ? .some(numRecords) : nil
                    }
                case 0x2C:
                    if depth == 1 { expectKey = true }
                    i += 1
                default:
                    i += 1
                }
            }
            return nil
        }
    }
}

/// A statistics text, parsed the first time it is asked for (from any thread).
private final class ParsedOnDemand: @unchecked Sendable {
    /// One lock for all: parsing is rare and short next to the number of files.
    private static let lock = Lock()
    private let text: String
    private var parsed: JSONValue??

    init(_ text: String) { self.text = text }

    var json: JSONValue? {
        Self.lock.withLock {
            if let parsed { return parsed }
            let value = try? JSONValue.parse(text)
            parsed = .some(value)
            return value
        }
    }
}
