#if canImport(Glibc)
import Glibc
#endif

/// The shape of a libFuzzer entry point.
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>, Int) -> Int32

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: FuzzTarget
) -> Int32

/// Hands control to libFuzzer (SwiftPM links an executable's entry point as `<module>_main`,
/// which each fuzz target defines with `@_cdecl` and forwards here).
public func runLibFuzzer(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                         _ target: FuzzTarget) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, target)
}
#endif

/// Without libFuzzer: runs `target` on each file named on the command line (a corpus or
/// crash reproducers) and reports that it returned.
public func replayFiles(_ target: FuzzTarget) {
    for path in CommandLine.arguments.dropFirst() {
        var bytes: [UInt8] = []
        if let f = fopen(path, "rb") {
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while case let n = fread(&buffer, 1, buffer.count, f), n > 0 { bytes += buffer[0..<n] }
            fclose(f)
        }
        bytes.append(0)  // never an empty allocation; the length excludes it
        _ = bytes.withUnsafeBufferPointer { target($0.baseAddress!, $0.count - 1) }
        print("\(path): no crash")
    }
}
