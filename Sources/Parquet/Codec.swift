import Columnar
import CLZ4
import CSnappy
import CZlib
import CZstd
import LakeCore

/// Page compression and decompression through the system codec libraries.
///
/// A `Codec` holds reusable library state (zstd contexts), so use one per thread.
final class Codec {
    private var zstdCompress: OpaquePointer?
    private var zstdDecompress: OpaquePointer?

    init() {}

    deinit {
        if let c = zstdCompress { ZSTD_freeCCtx(c) }
        if let d = zstdDecompress { ZSTD_freeDCtx(d) }
    }

    /// Compresses `input` with `codec`; `level` applies to zstd.
    func compress(_ input: [UInt8], codec: CompressionCodec, level: Int32) throws -> [UInt8] {
        switch codec {
        case .uncompressed:
            return input
        case .zstd:
            if zstdCompress == nil { zstdCompress = ZSTD_createCCtx() }
            let bound = ZSTD_compressBound(input.count)
            var failure: String?
            let out = [UInt8](unsafeUninitializedCapacity: bound) { buffer, written in
                let n = input.withUnsafeBytes { src in
                    ZSTD_compressCCtx(zstdCompress, buffer.baseAddress, bound, src.baseAddress, input.count, level)
                }
                if ZSTD_isError(n) != 0 {
                    failure = String(cString: ZSTD_getErrorName(n))
                    written = 0
                } else {
                    written = n
                }
            }
            if let failure { throw ParquetError(.io, "zstd compression failed: \(failure)") }
            return out
        case .snappy:
            var bound = snappy_max_compressed_length(input.count)
            var status = SNAPPY_OK
            let out = [UInt8](unsafeUninitializedCapacity: bound) { buffer, written in
                status = input.withUnsafeBytes { src in
                    buffer.withMemoryRebound(to: CChar.self) { dst in
                        snappy_compress(src.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                                        dst.baseAddress, &bound)
                    }
                }
                written = status == SNAPPY_OK ? bound : 0
            }
            guard status == SNAPPY_OK else { throw ParquetError(.io, "snappy compression failed") }
            return out
        default:
            throw ParquetError(.invalidArgument, "writing \(codec) is not supported (use zstd, snappy or uncompressed)")
        }
    }

    /// Decompresses `input` (one page body) into exactly `uncompressedSize` bytes.
    func decompress(_ input: UnsafeRawBufferPointer, codec: CompressionCodec, uncompressedSize: Int) throws -> [UInt8] {
        guard uncompressedSize >= 0 else { throw ParquetError.corrupt("negative uncompressed page size") }
        switch codec {
        case .uncompressed:
            guard input.count == uncompressedSize else {
                throw ParquetError.corrupt("uncompressed page is \(input.count) bytes, header says \(uncompressedSize)")
            }
            return Array(input)
        case .zstd:
            if zstdDecompress == nil { zstdDecompress = ZSTD_createDCtx() }
            return try fill(uncompressedSize, codec) { dst in
                let n = ZSTD_decompressDCtx(zstdDecompress, dst.baseAddress, dst.count, input.baseAddress, input.count)
                return ZSTD_isError(n) != 0 ? -1 : n
            }
        case .snappy:
            return try fill(uncompressedSize, codec) { dst in
                var length = 0
                let src = input.baseAddress?.assumingMemoryBound(to: CChar.self)
                guard snappy_uncompressed_length(src, input.count, &length) == SNAPPY_OK,
                      length == dst.count else { return -1 }
                return dst.withMemoryRebound(to: CChar.self) { d in
                    snappy_uncompress(src, input.count, d.baseAddress, &length) == SNAPPY_OK ? length : -1
                }
            }
        case .gzip:
            return try fill(uncompressedSize, codec) { dst in Self.inflate(input, into: dst) }
        case .lz4Raw:
            return try fill(uncompressedSize, codec) { dst in
                Int(dst.withMemoryRebound(to: CChar.self) { d in
                    LZ4_decompress_safe(input.baseAddress?.assumingMemoryBound(to: CChar.self), d.baseAddress,
                                        Int32(clamping: input.count), Int32(clamping: d.count))
                })
            }
        case .lz4:
            // Hadoop's framing (big-endian uncompressed and compressed sizes before each block),
            // else a bare LZ4 block, as other readers accept.
            return try fill(uncompressedSize, codec) { dst in
                if let n = Self.hadoopLZ4(input, into: dst) { return n }
                return Int(dst.withMemoryRebound(to: CChar.self) { d in
                    LZ4_decompress_safe(input.baseAddress?.assumingMemoryBound(to: CChar.self), d.baseAddress,
                                        Int32(clamping: input.count), Int32(clamping: d.count))
                })
            }
        case .lzo, .brotli:
            throw ParquetError.unsupported("compression codec \(codec)")
        }
    }

    /// Allocates `size` bytes and lets `body` fill them; `body` returns the bytes written or -1.
    private func fill(_ size: Int, _ codec: CompressionCodec,
                      _ body: (UnsafeMutableRawBufferPointer) -> Int) throws -> [UInt8] {
        var written = -1
        let out = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            written = size == 0 ? 0 : body(UnsafeMutableRawBufferPointer(buffer))
            count = written == size ? size : 0
        }
        if written == 0 && size == 0 { return out }
        guard written == size else {
            throw ParquetError.corrupt("\(codec) page does not decompress to the \(size) bytes its header states")
        }
        return out
    }

    private static func inflate(_ input: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) -> Int {
        var stream = z_stream()
        // 15 + 32: zlib or gzip header, detected automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return -1 }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        stream.next_out = dst.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(dst.count)
        while true {
            let status = zlib_inflate(&stream)
            if status == Z_STREAM_END {
                // Concatenated gzip members: continue with the next one.
                if stream.avail_in > 0 && stream.avail_out > 0 {
                    guard inflateReset(&stream) == Z_OK else { return -1 }
                    continue
                }
                return dst.count - Int(stream.avail_out)
            }
            if status != Z_OK { return -1 }
            if stream.avail_in == 0 || stream.avail_out == 0 { return -1 }
        }
    }

    private static func hadoopLZ4(_ input: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) -> Int? {
        var inPos = 0, outPos = 0
        func be32(_ p: Int) -> Int {
            Int(input[p]) << 24 | Int(input[p + 1]) << 16 | Int(input[p + 2]) << 8 | Int(input[p + 3])
        }
        while inPos < input.count {
            guard input.count - inPos >= 8 else { return nil }
            let expected = be32(inPos), compressed = be32(inPos + 4)
            inPos += 8
            guard compressed <= input.count - inPos, expected <= dst.count - outPos else { return nil }
            let n = LZ4_decompress_safe(
                (input.baseAddress! + inPos).assumingMemoryBound(to: CChar.self),
                (dst.baseAddress! + outPos).assumingMemoryBound(to: CChar.self),
                Int32(compressed), Int32(expected))
            guard n == expected else { return nil }
            inPos += compressed
            outPos += expected
        }
        return outPos == dst.count ? outPos : nil
    }
}

/// Codecs shared by worker threads: each job borrows one (with its warm zstd context) and
/// gives it back.
final class CodecPool: @unchecked Sendable {
    private var free: [Codec] = []
    private let lock = Lock()

    func with<R>(_ body: (Codec) throws -> R) rethrows -> R {
        let codec = lock.withLock { free.popLast() } ?? Codec()
        defer { lock.withLock { free.append(codec) } }
        return try body(codec)
    }
}

/// zlib's `inflate` under a name that does not clash with ours.
@inline(__always)
private func zlib_inflate(_ stream: UnsafeMutablePointer<z_stream>) -> Int32 {
    CZlib.inflate(stream, Z_NO_FLUSH)
}
