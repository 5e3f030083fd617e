import Lake

/// A JSON document for command output (`--json`); keys keep the order they are given in.
indirect enum JSON {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    /// Pre-rendered JSON text (values rendered by ``ValueJSON``).
    case raw(String)
    case array([JSON])
    case object(KeyValuePairs<String, JSON>)
    case orderedObject([(String, JSON)])

    func serialized(indent: Int? = nil) -> String {
        var out: [UInt8] = []
        write(to: &out, indent: indent, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(to out: inout [UInt8], indent: Int?, level: Int) {
        func newline(_ level: Int) {
            guard let indent else { return }
            out.append(0x0A)
            out += repeatElement(UInt8(ascii: " "), count: indent * level)
        }
        func members(_ pairs: [(String, JSON)]) {
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in pairs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(level + 1)
                out += ValueJSON.quoted(key).utf8
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                value.write(to: &out, indent: indent, level: level + 1)
            }
            if !pairs.isEmpty { newline(level) }
            out.append(UInt8(ascii: "}"))
        }
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .int(let i): out += String(i).utf8
        case .raw(let text): out += text.utf8
        case .string(let s): out += ValueJSON.quoted(s).utf8
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(level + 1)
                item.write(to: &out, indent: indent, level: level + 1)
            }
            if !items.isEmpty { newline(level) }
            out.append(UInt8(ascii: "]"))
        case .object(let pairs): members(pairs.map { ($0.key, $0.value) })
        case .orderedObject(let pairs): members(pairs)
        }
    }
}
