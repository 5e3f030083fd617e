import Columnar
import LakeCore

/// The statistics of one data file (`add.stats`, PROTOCOL.md "Per-file Statistics"), parsed
/// once when the action is read, and shared by log replay, pruning and the catalog index.
public struct FileStatistics: Sendable {
    public var numRecords: Int64?
    /// Per column (nested for structs): the minimum, maximum and null count, as JSON.
    public var minValues: JSONValue?
    public var maxValues: JSONValue?
    public var nullCount: JSONValue?
    /// Whether the bounds are tight (false after deletion vectors hide rows).
    public var tightBounds: Bool?

    /// The statistics in `text`; nil when it is not a JSON object.
    public init?(parsing text: String) {
        guard let json = try? JSONValue.parse(text), case .object = json else { return nil }
        numRecords = json["numRecords"]?.intValue
        minValues = json["minValues"]
        maxValues = json["maxValues"]
        nullCount = json["nullCount"]
        tightBounds = json["tightBounds"]?.boolValue
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
        case (.float, .number(let n)), (.double, .number(let n)):
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
}
