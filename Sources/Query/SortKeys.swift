import Columnar

/// An order of rows by some of their columns, encoded as one byte string per row whose
/// bytewise order (`memcmp`, shorter first on a tie) is the row order. Sorting, spilling and
/// merging then compare keys only, whatever the columns' types.
///
/// - ``lexicographic(_:)``: by the first column, then the next, ascending, nulls first (the
///   default order of `ORDER BY` in Spark SQL). Each value is a null marker (0 null, 1
///   present) and its order-preserving bytes: integers big-endian with the sign bit flipped,
///   floating point with the sign trick (-0.0 equal to 0.0, NaN last), strings and binary with
///   0x00 escaped as 0x00 0xFF and ended by 0x00 0x00.
/// - ``zOrder(_:ranges:)``: along a Z-order curve: each column's value becomes a 128-bit
///   order-preserving key, scaled so the range its files' statistics give spans the whole
///   width (floating point linearly between its bounds; uniform data then uses every bit),
///   and the top bits of all columns interleave into
///   one 64-bit key. Rows close on the curve are close in every column, so files cut along it
///   each cover a small box and skip well on any of the columns.
public struct SortKeyEncoder: Sendable {
    /// How a column's values enter the key.
    public enum Kind: Sendable {
        case lexicographic
        case zOrder
    }

    public let kind: Kind
    /// The batch columns the key is made of, in order.
    public let columns: [Int]
    private let scales: [ZScale]
    private let spreadTable: [UInt64]

    private init(kind: Kind, columns: [Int], scales: [ZScale]) {
        self.kind = kind
        self.columns = columns
        self.scales = scales
        spreadTable = kind == .zOrder ? Self.spreadTable(stride: columns.count) : []
    }

    /// Keys ordering rows by `columns` (indices into the batches), nulls first.
    public static func lexicographic(_ columns: [Int]) -> SortKeyEncoder {
        SortKeyEncoder(kind: .lexicographic, columns: columns, scales: [])
    }

    /// Keys along the Z-order curve of `columns`, each scaled to the range its files'
    /// statistics span: `bounds[i]` holds each file's minimum and maximum of column `i` (a
    /// nil where a file has none: the key's whole width is used as it is).
    public static func zOrder(_ columns: [Int], bounds: [[(min: Value?, max: Value?)]]) -> SortKeyEncoder {
        precondition(columns.count == bounds.count && !columns.isEmpty && columns.count <= 64, "bounds per column, 1 to 64 columns")
        return SortKeyEncoder(kind: .zOrder, columns: columns, scales: bounds.map(ZScale.init))
    }

    /// Whether a column of `type` can be part of a key.
    public static func supports(_ type: DataType) -> Bool { type.isPrimitive }

    /// The key of every row of `batch`, as a binary column (never null).
    public func keys(_ batch: RecordBatch) -> Column {
        let rows = batch.rowCount
        var bytes: [UInt8] = []
        var offsets = [Int](repeating: 0, count: rows + 1)
        switch kind {
        case .zOrder:
            bytes = [UInt8](repeating: 0, count: rows * 8)
            var z = [UInt64](repeating: 0, count: rows)
            let bits = 64 / columns.count
            for (position, column) in columns.enumerated() {
                let scaled = scales[position].scaled(batch.columns[column])
                // Column `position` owns bits position, position + n, … counting from the top:
                // its top `bits` bits, spread a byte at a time.
                let stride = columns.count
                let shift = UInt64(64 - bits * stride + (stride - 1 - position))
                for row in 0..<rows {
                    let top = bits == 64 ? scaled[row] : scaled[row] >> UInt64(64 - bits)
                    z[row] |= spread(top, stride: stride) << shift
                }
            }
            for row in 0..<rows {
                let word = z[row].bigEndian
                withUnsafeBytes(of: word) { raw in
                    for i in 0..<8 { bytes[row * 8 + i] = raw[i] }
                }
                offsets[row + 1] = (row + 1) * 8
            }
        case .lexicographic:
            let parts = columns.map { OrderKey.lexicographic(batch.columns[$0]) }
            bytes.reserveCapacity(parts.reduce(0) { $0 + $1.bytes.count })
            for row in 0..<rows {
                for part in parts { bytes += part.bytes[part.offsets[row]..<part.offsets[row + 1]] }
                offsets[row + 1] = bytes.count
            }
        }
        return Column(type: .binary, count: rows, storage: .bytes(offsets: offsets, bytes: bytes))
    }
}

extension SortKeyEncoder {
    /// `value`'s bits moved apart: bit `j` goes to bit `j * stride`.
    @inline(__always)
    func spread(_ value: UInt64, stride: Int) -> UInt64 {
        if stride == 1 { return value }
        var out: UInt64 = 0
        var rest = value, byte = 0
        while rest != 0 {
            out |= spreadTable[Int(rest & 0xFF)] << UInt64(8 * byte * stride)
            rest >>= 8
            byte += 1
        }
        return out
    }

    /// For each byte, its bits spread `stride` apart (bits past the 64th dropped).
    static func spreadTable(stride: Int) -> [UInt64] {
        (0..<256).map { byte in
            var out: UInt64 = 0
            for bit in 0..<8 where byte >> bit & 1 != 0 && bit * stride < 64 { out |= 1 << UInt64(bit * stride) }
            return out
        }
    }
}

/// A column's place in the Z-order key: its range from statistics, as 128-bit keys.
private struct ZScale: Sendable {
    let low: UInt128
    let shift: Int
    let high: UInt128
    /// For floating point with finite bounds: the range itself, scaled linearly (the bits of
    /// a double are ordered but not evenly spread: most values share a few exponents).
    let linear: (low: Double, high: Double)?

    init(_ files: [(min: Value?, max: Value?)]) {
        var low = UInt128.max, high = UInt128.min
        var lowDouble = Double.infinity, highDouble = -Double.infinity, numeric = !files.isEmpty
        for file in files {
            low = Swift.min(low, file.min.map(OrderKey.wide) ?? 0)
            high = Swift.max(high, file.max.map(OrderKey.wide) ?? .max)
            switch (file.min, file.max) {
            case (.double(let a)?, .double(let b)?): lowDouble = Swift.min(lowDouble, a); highDouble = Swift.max(highDouble, b)
            case (.float(let a)?, .float(let b)?): lowDouble = Swift.min(lowDouble, Double(a)); highDouble = Swift.max(highDouble, Double(b))
            default: numeric = false
            }
        }
        linear = numeric && lowDouble.isFinite && highDouble.isFinite && lowDouble < highDouble ? (lowDouble, highDouble) : nil
        if low < high {
            self.low = low
            self.high = high
            shift = (high - low).leadingZeroBitCount
        } else {
            self.low = 0
            self.high = .max
            shift = 0
        }
    }

    /// Each value's place between low and high as 64 bits (nulls at 0).
    func scaled(_ column: Column) -> [UInt64] {
        if let linear {
            let width = linear.high - linear.low
            func place(_ value: Double) -> UInt64 {
                guard !value.isNaN else { return .max }
                let share = (value - linear.low) / width
                return share <= 0 ? 0 : share >= 1 ? .max : UInt64(share * 0x1p64)
            }
            switch column.storage {
            case .float64(let v): return (0..<column.count).map { column.isNull($0) ? 0 : place(v[$0]) }
            case .float32(let v): return (0..<column.count).map { column.isNull($0) ? 0 : place(Double(v[$0])) }
            default: break
            }
        }
        let wide = OrderKey.wide(column)
        return (0..<column.count).map { column.isNull($0) ? 0 : top64(wide[$0]) }
    }

    /// The top 64 bits of the key's place between low and high.
    @inline(__always)
    func top64(_ key: UInt128) -> UInt64 {
        let clamped = key < low ? low : key > high ? high : key
        return UInt64(truncatingIfNeeded: ((clamped - low) << shift) >> 64)
    }
}

/// Order-preserving encodings of single values.
enum OrderKey {
    static let signBit64: UInt64 = 1 << 63

    /// A double's bits in an order where unsigned comparison matches numeric order.
    @inline(__always)
    static func doubleBits(_ value: Double) -> UInt64 {
        let v = value == 0 ? 0 : value.isNaN ? Double.nan : value
        let bits = v.bitPattern
        return bits & signBit64 != 0 ? ~bits : bits | signBit64
    }

    /// The 128-bit order-preserving key of every value (nulls' slots hold a key of zero or
    /// of the zero value): numbers by value, strings and binary by their first 16 bytes.
    static func wide(_ column: Column) -> [UInt128] {
        switch column.storage {
        case .bool(let v): return v.map { $0 ? 1 << 127 : 0 }
        case .int8(let v): return v.map { signed(Int64($0)) }
        case .int16(let v): return v.map { signed(Int64($0)) }
        case .int32(let v): return v.map { signed(Int64($0)) }
        case .int64(let v): return v.map(signed)
        case .float32(let v): return v.map { UInt128(doubleBits(Double($0))) << 64 }
        case .float64(let v): return v.map { UInt128(doubleBits($0)) << 64 }
        case .int128(let v): return v.map { UInt128(bitPattern: $0) ^ (1 << 127) }
        case .bytes(let offsets, let bytes): return (0..<column.count).map { prefix(bytes[offsets[$0]..<offsets[$0 + 1]]) }
        case .structure, .list, .map: return [UInt128](repeating: 0, count: column.count)
        }
    }

    /// The same key of a statistics value.
    static func wide(_ value: Value) -> UInt128 {
        switch value {
        case .bool(let b): return b ? 1 << 127 : 0
        case .int(let i): return signed(i)
        case .float(let f): return UInt128(doubleBits(Double(f))) << 64
        case .double(let d): return UInt128(doubleBits(d)) << 64
        case .decimal(let d): return UInt128(bitPattern: d) ^ (1 << 127)
        case .string(let s): return prefix(Array(s.utf8)[...])
        case .binary(let b): return prefix(b[...])
        default: return 0
        }
    }

    @inline(__always)
    private static func signed(_ value: Int64) -> UInt128 {
        UInt128(UInt64(bitPattern: value) ^ signBit64) << 64
    }

    @inline(__always)
    private static func prefix(_ bytes: ArraySlice<UInt8>) -> UInt128 {
        var key: UInt128 = 0
        var index = bytes.startIndex
        for shift in stride(from: 120, through: 0, by: -8) {
            guard index < bytes.endIndex else { break }
            key |= UInt128(bytes[index]) << UInt128(shift)
            index += 1
        }
        return key
    }

    /// Each value's lexicographic key bytes (a null marker first): value `i` is
    /// `bytes[offsets[i]..<offsets[i+1]]`.
    static func lexicographic(_ column: Column) -> (offsets: [Int], bytes: [UInt8]) {
        var out: [UInt8] = []
        var offsets = [0]
        offsets.reserveCapacity(column.count + 1)
        func each(width: Int, _ body: (Int) -> UInt64) {
            out.reserveCapacity(column.count * (width + 1))
            for row in 0..<column.count {
                if column.isNull(row) { out.append(0) } else {
                    out.append(1)
                    let value = body(row)
                    for i in stride(from: width - 1, through: 0, by: -1) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * i))) }
                }
                offsets.append(out.count)
            }
        }
        switch column.storage {
        case .bool(let v): each(width: 1) { v[$0] ? 1 : 0 }
        case .int8(let v): each(width: 1) { UInt64(UInt8(bitPattern: v[$0]) ^ 0x80) }
        case .int16(let v): each(width: 2) { UInt64(UInt16(bitPattern: v[$0]) ^ 0x8000) }
        case .int32(let v): each(width: 4) { UInt64(UInt32(bitPattern: v[$0]) ^ 0x8000_0000) }
        case .int64(let v): each(width: 8) { UInt64(bitPattern: v[$0]) ^ signBit64 }
        case .float32(let v): each(width: 8) { doubleBits(Double(v[$0])) }
        case .float64(let v): each(width: 8) { doubleBits(v[$0]) }
        case .int128(let v):
            // The high half, then the low half.
            var high: [UInt8] = [], highOffsets = [0]
            (highOffsets, high) = lexicographic(Column(type: .long, count: column.count, validity: column.validity,
                                                        storage: .int64(v.map { Int64(truncatingIfNeeded: $0 >> 64) })))
            for row in 0..<column.count {
                out += high[highOffsets[row]..<highOffsets[row + 1]]
                if !column.isNull(row) {
                    let low = UInt64(truncatingIfNeeded: v[row])
                    for i in stride(from: 7, through: 0, by: -1) { out.append(UInt8(truncatingIfNeeded: low >> UInt64(8 * i))) }
                }
                offsets.append(out.count)
            }
        case .bytes(let valueOffsets, let bytes):
            for row in 0..<column.count {
                if column.isNull(row) { out.append(0) } else {
                    out.append(1)
                    for byte in bytes[valueOffsets[row]..<valueOffsets[row + 1]] {
                        out.append(byte)
                        if byte == 0 { out.append(0xFF) }
                    }
                    out.append(0)
                    out.append(0)
                }
                offsets.append(out.count)
            }
        case .structure, .list, .map:
            for _ in 0..<column.count { offsets.append(0) }
        }
        return (offsets, out)
    }
}
