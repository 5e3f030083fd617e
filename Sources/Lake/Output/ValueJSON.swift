import Columnar
import LakeCore
import Query

/// One value as the value formats render it in JSON (DESIGN §3), for command output.
public enum ValueJSON {
    /// The JSON text of `value`, a value of `type`; `null` when it is not one.
    public static func text(_ value: Value, type: DataType) -> String {
        guard let column = try? Column(type, [value]) else { return "null" }
        var out: [UInt8] = []
        ColumnText.appendJSON(column, 0, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

extension ValueJSON {
    /// `text` as a JSON string literal (quoted and escaped).
    public static func quoted(_ text: String) -> String {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        var utf8 = Array(text.utf8)
        utf8.withUnsafeMutableBytes { JSONText.appendEscaped(UnsafeRawBufferPointer($0), to: &out) }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }
}
