import LakeCore

/// `_delta_log/_last_checkpoint` (PROTOCOL.md, "Last Checkpoint File"): a hint naming the
/// newest checkpoint. Listing the log stays the truth; this is read to cross-check it and
/// written after each checkpoint.
public struct LastCheckpoint: Sendable, Equatable {
    public var version: Int64
    /// Actions in the checkpoint.
    public var size: Int64?
    /// Number of parts of a multi-part checkpoint.
    public var parts: Int?
    public var sizeInBytes: Int64?
    public var numOfAddFiles: Int64?

    public init(version: Int64, size: Int64? = nil, parts: Int? = nil, sizeInBytes: Int64? = nil, numOfAddFiles: Int64? = nil) {
        self.version = version
        self.size = size
        self.parts = parts
        self.sizeInBytes = sizeInBytes
        self.numOfAddFiles = numOfAddFiles
    }

    /// Parses the file's bytes; `corrupt` unless it is a JSON object with a non-negative
    /// `version` (and, when present, a `parts` of at least 1).
    public static func parse(_ bytes: [UInt8]) throws -> LastCheckpoint {
        let json: JSONValue
        do { json = try bytes.withUnsafeBytes { try JSONValue.parse($0) } } catch {
            throw DeltaError(.corrupt, "_last_checkpoint is not JSON: \(error)")
        }
        guard case .object = json, let version = json["version"]?.intValue, version >= 0 else {
            throw DeltaError(.corrupt, "_last_checkpoint has no valid version")
        }
        let parts = json["parts"]?.intValue
        if let parts, parts < 1 || parts > 1_000_000 { throw DeltaError(.corrupt, "_last_checkpoint has \(parts) parts") }
        return LastCheckpoint(version: version, size: json["size"]?.intValue, parts: parts.map(Int.init),
                              sizeInBytes: json["sizeInBytes"]?.intValue, numOfAddFiles: json["numOfAddFiles"]?.intValue)
    }

    /// The file's JSON text, with the checksum the protocol defines.
    public var serialized: [UInt8] {
        var members: [(String, JSONValue)] = [("version", .int(version))]
        if let size { members.append(("size", .int(size))) }
        if let parts { members.append(("parts", .int(parts))) }
        if let sizeInBytes { members.append(("sizeInBytes", .int(sizeInBytes))) }
        if let numOfAddFiles { members.append(("numOfAddFiles", .int(numOfAddFiles))) }
        members.append(("checksum", .string(Self.checksum(of: .object(members)))))
        return Array(JSONValue.object(members).serialized().utf8)
    }

    /// PROTOCOL.md "JSON checksum": the MD5 of the canonical form — every leaf as
    /// `path=value`, path parts joined by `+` (object keys quoted and percent-encoded, array
    /// positions bare), string values quoted and percent-encoded, numbers and literals as
    /// written, sorted by path and joined by `,` — ignoring a top-level `checksum`.
    public static func checksum(of json: JSONValue) -> String {
        var pairs: [(path: String, value: String)] = []
        func walk(_ value: JSONValue, _ path: String) {
            switch value {
            case .object(let members):
                for (key, member) in members where !(path.isEmpty && key == "checksum") {
                    walk(member, (path.isEmpty ? "" : path + "+") + "\"" + percentEncoded(key) + "\"")
                }
            case .array(let items):
                for (i, item) in items.enumerated() { walk(item, (path.isEmpty ? "" : path + "+") + String(i)) }
            case .string(let text): pairs.append((path, "\"" + percentEncoded(text) + "\""))
            case .number(let text): pairs.append((path, text))
            case .bool(let b): pairs.append((path, b ? "true" : "false"))
            case .null: pairs.append((path, "null"))
            }
        }
        walk(json, "")
        let canonical = pairs.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
            .map { $0.path + "=" + $0.value }.joined(separator: ",")
        return MD5.hex(Array(canonical.utf8))
    }

    /// Every byte but `A-Z a-z 0-9 - . _ ~` as `%XX` (uppercase hex).
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }
}
