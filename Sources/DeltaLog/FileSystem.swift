import Columnar
#if canImport(Glibc)
import Glibc
#endif

/// The local file system operations the log needs, each wrapping one system call and
/// retrying on `EINTR`. Errors are ``DeltaError``s naming the path.
public enum FileSystem {
    static func errorText() -> String { String(cString: strerror(errno)) }

    /// Whether something exists at `path`.
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Whether `path` is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Names in a directory (not `.`/`..`), unsorted; nil when it does not exist.
    public static func list(_ path: String) throws -> [String]? {
        guard let dir = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw DeltaError(.io, "cannot list \(path): \(errorText())")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The whole file; nil when it does not exist.
    public static func read(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw DeltaError(.io, "cannot open \(path): \(errorText())")
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DeltaError(.io, "cannot read \(path): \(errorText())")
            }
            if n == 0 { return out }
            out += buffer[0..<n]
        }
    }

    /// Modification time in milliseconds since the epoch; nil when missing.
    public static func modificationTime(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec) / 1_000_000
    }

    /// Size in bytes; nil when missing.
    public static func size(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    /// Creates `path` and its missing parents.
    public static func makeDirectories(_ path: String) throws {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw DeltaError(.io, "cannot create directory \(prefix): \(errorText())")
            }
            prefix += "/"
        }
    }

    /// Writes `bytes` to a new file at `path` and syncs it; fails if it exists.
    public static func writeNew(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DeltaError(.io, "cannot create \(path): \(errorText())") }
        defer { close(fd) }
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw DeltaError(.io, "cannot write \(path): \(errorText())")
                }
                done += n
            }
        }
        guard fsync(fd) == 0 else { throw DeltaError(.io, "cannot sync \(path): \(errorText())") }
    }

    /// Atomically creates `path` with `bytes` unless it already exists: a synced temporary
    /// file is hard-linked to the name (`link(2)` fails with `EEXIST` if another writer won),
    /// then the directory is synced. Returns false when the name was taken.
    public static func putIfAbsent(_ path: String, _ bytes: [UInt8]) throws -> Bool {
        let dir = parent(of: path)
        let temp = "\(dir)/.\(basename(of: path)).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
        try writeNew(temp, bytes)
        defer { unlink(temp) }
        if link(temp, path) != 0 {
            if errno == EEXIST { return false }
            throw DeltaError(.io, "cannot commit \(path): \(errorText())")
        }
        syncDirectory(dir)
        return true
    }

    /// Makes a directory's entries durable.
    public static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Removes a file; missing is fine.
    public static func remove(_ path: String) {
        unlink(path)
    }

    /// Removes a directory tree without following symbolic links out of it.
    public static func removeTree(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try list(path) ?? [] { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 else { throw DeltaError(.io, "cannot remove \(path): \(errorText())") }
        } else {
            guard unlink(path) == 0 else { throw DeltaError(.io, "cannot remove \(path): \(errorText())") }
        }
    }

    /// An absolute, normalized form of `path` (relative to the working directory).
    public static func absolute(_ path: String) -> String {
        var full = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: 4096)
            if getcwd(&buffer, buffer.count) != nil {
                let cwd = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                full = cwd + "/" + path
            }
        }
        var parts: [Substring] = []
        for part in full.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func basename(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Milliseconds since the epoch, now.
    public static func nowMillis() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
    }

    /// Sleeps for `milliseconds`.
    public static func sleep(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// A random (version 4) UUID string.
    public static func uuid() -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String($0, radix: 16).leftPadded(2) }
        return hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-"
            + hex[8..<10].joined() + "-" + hex[10..<16].joined()
    }
}
