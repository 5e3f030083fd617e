import Columnar

/// How a lake column maps onto Parquet's schema tree: one node per lake type, with the
/// definition and repetition levels that Dremel shredding assigns to it.
///
/// Writers and readers share this tree; ``ParquetSchemaMapping`` builds it in both
/// directions (lake `Schema` → Parquet schema elements, and back).
indirect enum SchemaNode: Sendable {
    /// A primitive column; `leaf` indexes ``LeafDescriptor``s in schema order.
    case leaf(NodeInfo, leaf: Int)
    case structure(NodeInfo, children: [SchemaNode])
    /// A list; `elementDef` is the level at which the list holds at least one element,
    /// `elementRep` the repetition level of its repeated group.
    case list(NodeInfo, elementDef: Int, elementRep: Int, element: SchemaNode)
    case map(NodeInfo, entryDef: Int, entryRep: Int, key: SchemaNode, value: SchemaNode)

    struct NodeInfo: Sendable {
        var name: String
        var type: DataType
        /// Whether the node itself may be null.
        var optional: Bool
        /// The definition level at which this node's value is present (not null).
        var definedAt: Int
        /// The repetition level of the nearest repeated ancestor (0 at top level).
        var repeatedAt: Int
    }

    var info: NodeInfo {
        switch self {
        case .leaf(let i, _), .structure(let i, _), .list(let i, _, _, _), .map(let i, _, _, _, _): return i
        }
    }

    /// The index of the first leaf under this node: its levels describe the node's slots.
    var firstLeaf: Int {
        switch self {
        case .leaf(_, let leaf): return leaf
        case .structure(_, let children): return children[0].firstLeaf
        case .list(_, _, _, let element): return element.firstLeaf
        case .map(_, _, _, let key, _): return key.firstLeaf
        }
    }

    /// All leaf indices under this node, in order.
    var leaves: [Int] {
        switch self {
        case .leaf(_, let leaf): return [leaf]
        case .structure(_, let children): return children.flatMap(\.leaves)
        case .list(_, _, _, let element): return element.leaves
        case .map(_, _, _, let key, let value): return key.leaves + value.leaves
        }
    }
}

/// One primitive column of a Parquet file: its path, physical type and how its values map
/// onto a lake type.
public struct LeafDescriptor: Sendable {
    /// The dotted path of names from the root, as `path_in_schema` stores it.
    public var path: [String]
    public var physicalType: PhysicalType
    /// Width of FIXED_LEN_BYTE_ARRAY values.
    public var typeLength: Int
    /// The lake type of the values (a primitive type).
    public var type: DataType
    public var maxDefinitionLevel: Int
    public var maxRepetitionLevel: Int
    /// How stored values convert to the lake type.
    var conversion: LeafConversion
    /// The schema element, for annotations (logical and converted types).
    public var element: SchemaElement
}

/// Conversions from a stored physical value to the lake representation.
enum LeafConversion: Sendable, Equatable {
    /// The physical representation is the lake one (or a plain narrowing, e.g. INT32 → byte).
    case none
    /// Timestamps stored in milliseconds or nanoseconds, converted to microseconds.
    case timestampMillis, timestampNanos
    /// INT96 (nanoseconds of the day + Julian day) to microseconds since the epoch.
    case int96
    /// Unsigned integers widened to the next signed type.
    case unsigned
    /// Half-precision floats to `float`.
    case float16
}
