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

    /// The file's JSON text.
    public var serialized: [UInt8] {
        var members: [(String, JSONValue)] = [("version", .int(version))]
        if let size { members.append(("size", .int(size))) }
        if let parts { members.append(("parts", .int(parts))) }
        if let sizeInBytes { members.append(("sizeInBytes", .int(sizeInBytes))) }
        if let numOfAddFiles { members.append(("numOfAddFiles", .int(numOfAddFiles))) }
        return Array(JSONValue.object(members).serialized().utf8)
    }
}
