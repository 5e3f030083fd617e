import Columnar
import LakeCore

/// Appends one value of a column, as JSON or as plain text, switching on the column's
/// storage (an enum, never an existential) for every value.
public enum ColumnText {
    /// Appends value `row` as JSON: numbers, strings, `null`, objects for structs and maps
    /// with string keys, arrays for lists and other maps (`{"key":…,"value":…}` entries).
    public static func appendJSON(_ column: Column, _ row: Int, to out: inout [UInt8]) {
        if column.isNull(row) { out += "null".utf8; return }
        switch column.storage {
        case .bool(let v): out += (v[row] ? "true" : "false").utf8
        case .int8(let v): ValueText.appendInt(Int64(v[row]), to: &out)
        case .int16(let v): ValueText.appendInt(Int64(v[row]), to: &out)
        case .int32(let v):
            if case .date = column.type {
                out.append(UInt8(ascii: "\"")); ValueText.appendDate(days: Int64(v[row]), to: &out); out.append(UInt8(ascii: "\""))
            } else {
                ValueText.appendInt(Int64(v[row]), to: &out)
            }
        case .int64(let v):
            switch column.type {
            case .timestamp, .timestampNTZ:
                out.append(UInt8(ascii: "\""))
                ValueText.appendTimestamp(micros: v[row], utc: column.type == .timestamp, to: &out)
                out.append(UInt8(ascii: "\""))
            default: ValueText.appendInt(v[row], to: &out)
            }
        case .float32(let v): appendJSONFloat(v[row], to: &out)
        case .float64(let v): appendJSONFloat(v[row], to: &out)
        case .int128(let v):
            guard case .decimal(_, let scale) = column.type else { return }
            ValueText.appendDecimal(v[row], scale: scale, to: &out)
        case .bytes(let offsets, let bytes):
            out.append(UInt8(ascii: "\""))
            bytes.withUnsafeBytes { raw in
                let value = UnsafeRawBufferPointer(rebasing: raw[offsets[row]..<offsets[row + 1]])
                if case .binary = column.type { ValueText.appendBase64(value, to: &out) }
                else { JSONText.appendEscaped(value, to: &out) }
            }
            out.append(UInt8(ascii: "\""))
        case .structure(let children):
            guard case .struct(let fields) = column.type else { return }
            out.append(UInt8(ascii: "{"))
            for (i, child) in children.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendJSONKey(fields[i].name, to: &out)
                appendJSON(child, row, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .list(let offsets, let child):
            out.append(UInt8(ascii: "["))
            for k in offsets[row]..<offsets[row + 1] {
                if k > offsets[row] { out.append(UInt8(ascii: ",")) }
                appendJSON(child, k, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .map(let offsets, let keys, let values):
            let range = offsets[row]..<offsets[row + 1]
            if case .string = keys.type {
                out.append(UInt8(ascii: "{"))
                for k in range {
                    if k > range.lowerBound { out.append(UInt8(ascii: ",")) }
                    appendJSON(keys, k, to: &out)
                    out.append(UInt8(ascii: ":"))
                    appendJSON(values, k, to: &out)
                }
                out.append(UInt8(ascii: "}"))
            } else {
                out.append(UInt8(ascii: "["))
                for k in range {
                    if k > range.lowerBound { out.append(UInt8(ascii: ",")) }
                    out += #"{"key":"#.utf8
                    appendJSON(keys, k, to: &out)
                    out += #","value":"#.utf8
                    appendJSON(values, k, to: &out)
                    out.append(UInt8(ascii: "}"))
                }
                out.append(UInt8(ascii: "]"))
            }
        }
    }

    /// Appends `"name":`.
    public static func appendJSONKey(_ name: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var utf8 = Array(name.utf8)
        utf8.withUnsafeMutableBytes { JSONText.appendEscaped(UnsafeRawBufferPointer($0), to: &out) }
        out += "\":".utf8
    }

    private static func appendJSONFloat<F: BinaryFloatingPoint & LosslessStringConvertible>(_ v: F, to out: inout [UInt8]) {
        if v.isNaN || v.isInfinite {
            out.append(UInt8(ascii: "\""))
            ValueText.appendFloat(v, to: &out)
            out.append(UInt8(ascii: "\""))
        } else {
            ValueText.appendFloat(v, to: &out)
        }
    }

    /// Appends value `row` as plain text (CSV, TSV, table): strings as they are, other
    /// scalars in their shared text form, nested values as JSON. Returns false for null
    /// (nothing appended).
    @discardableResult
    public static func appendText(_ column: Column, _ row: Int, to out: inout [UInt8]) -> Bool {
        if column.isNull(row) { return false }
        switch column.storage {
        case .bytes(let offsets, let bytes):
            if case .binary = column.type {
                bytes.withUnsafeBytes { ValueText.appendBase64(UnsafeRawBufferPointer(rebasing: $0[offsets[row]..<offsets[row + 1]]), to: &out) }
            } else {
                out += bytes[offsets[row]..<offsets[row + 1]]
            }
        case .float32(let v): ValueText.appendFloat(v[row], to: &out)
        case .float64(let v): ValueText.appendFloat(v[row], to: &out)
        case .int32(let v) where column.type == .date:
            ValueText.appendDate(days: Int64(v[row]), to: &out)
        case .int64(let v) where column.type == .timestamp || column.type == .timestampNTZ:
            ValueText.appendTimestamp(micros: v[row], utc: column.type == .timestamp, to: &out)
        default:
            appendJSON(column, row, to: &out)
        }
        return true
    }
}
