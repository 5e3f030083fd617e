import LakeCore

/// Where a deletion vector descriptor keeps its bitmap (PROTOCOL.md, "Deletion Vector
/// Descriptor Schema"): storage type `u` is a file in the table named from a Z85-encoded
/// UUID (with an optional random prefix folder), `p` an absolute path, `i` inline (no file).
public enum DeletionVectorFile {
    static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)
    static let digit: [UInt8: UInt32] = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, UInt32($0)) })

    /// The absolute path of the file behind `descriptor` (an action's `deletionVector`
    /// object), or nil when the vector is inline. Throws `corrupt` when the descriptor cannot
    /// be read and when the path leads outside the table.
    public static func path(_ descriptor: JSONValue, root: String) throws -> String? {
        guard let type = descriptor["storageType"]?.stringValue, let value = descriptor["pathOrInlineDv"]?.stringValue else {
            throw DeltaError(.corrupt, "a deletion vector descriptor without storageType or pathOrInlineDv")
        }
        switch type {
        case "u":
            let bytes = Array(value.utf8)
            guard bytes.count >= 20, let uuid = decodeUUID(bytes.suffix(20)) else {
                throw DeltaError(.corrupt, "deletion vector '\(DisplayText.value(value))' does not name a file (20 Z85 characters expected)")
            }
            let prefix = String(decoding: bytes.dropLast(20), as: UTF8.self)
            let name = "deletion_vector_\(uuid).bin"
            return try DeltaTable.resolve(prefix.isEmpty ? name : prefix + "/" + name, root: root)
        case "p":
            return try DeltaTable.resolve(value, root: root)
        case "i":
            return nil
        default:
            throw DeltaError(.unsupported, "deletion vector storage type '\(DisplayText.value(type))' is not one lake knows")
        }
    }

    /// The vector's unique id (PROTOCOL.md: `storageType` and `pathOrInlineDv`, then `@` and
    /// the `offset` when there is one); nil without a descriptor. With the path, it is a data
    /// file's identity in log replay: a commit may remove a file with one vector and add it
    /// back with another.
    public static func uniqueID(_ descriptor: JSONValue?) -> String? {
        guard let descriptor, descriptor != .null else { return nil }
        let base = (descriptor["storageType"]?.stringValue ?? "") + (descriptor["pathOrInlineDv"]?.stringValue ?? "")
        return descriptor["offset"]?.intValue.map { base + "@\($0)" } ?? base
    }

    /// The canonical UUID text of 20 Z85 characters (16 bytes).
    static func decodeUUID<C: Collection>(_ text: C) -> String? where C.Element == UInt8 {
        var bytes: [UInt8] = []
        var chunk = Array(text)[...]
        while !chunk.isEmpty {
            var value: UInt64 = 0
            for c in chunk.prefix(5) {
                guard let d = digit[c] else { return nil }
                value = value * 85 + UInt64(d)
            }
            guard value <= UInt64(UInt32.max) else { return nil }
            bytes += [UInt8(value >> 24 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
            chunk = chunk.dropFirst(5)
        }
        guard bytes.count == 16 else { return nil }
        let hex = bytes.map { String($0, radix: 16).leftPadded(2) }.joined()
        let h = Array(hex)
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
    }
}
