/// ULEB128 varints and zigzag integers, as Thrift's compact protocol, the RLE hybrid run
/// headers and DELTA_BINARY_PACKED store them; bounds-checked.
enum Varint {
    /// Reads a varint at `position` (advancing it) from `data[..<end]`; `what` names the
    /// structure in the error.
    @inline(__always)
    static func read(_ data: UnsafeRawBufferPointer, _ position: inout Int, end: Int, _ what: String) throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw ParquetError.corrupt("\(what) runs past the end of its data") }
            let b = data[position]
            position += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw ParquetError.corrupt("\(what): varint longer than 10 bytes") }
        }
    }

    /// Reads a zigzag-encoded signed varint.
    @inline(__always)
    static func readZigzag(_ data: UnsafeRawBufferPointer, _ position: inout Int, end: Int, _ what: String) throws -> Int64 {
        let v = try read(data, &position, end: end, what)
        return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }
}
