#if canImport(Glibc)
import Glibc
#endif

/// ``Storage`` on the local file system: each operation wraps one system call, retrying on
/// `EINTR`.
public struct LocalStorage: Storage {
    public init() {}

    static func errorText() -> String { String(cString: strerror(errno)) }

    public func list(_ directory: String) throws -> [String]? {
        // Byte order, as strcmp compares names.
        try entries(directory)?.map(\.name).sorted(by: ByteText.less)
    }

    public func entries(_ directory: String) throws -> [(name: String, kind: FileInfo.Kind)]? {
        guard let dir = opendir(directory) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw StorageError(path: directory, "cannot list \(directory): \(Self.errorText())")
        }
        defer { closedir(dir) }
        var out: [(name: String, kind: FileInfo.Kind)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard name != ".", name != ".." else { continue }
            let kind: FileInfo.Kind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): kind = .regular
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_LNK): kind = .symlink
            case Int32(DT_UNKNOWN):
                guard let info = info(directory + "/" + name) else { continue }
                kind = info.kind
            default: kind = .other
            }
            out.append((name, kind))
        }
        return out
    }

    public func read(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            if errno == ELOOP {
                throw StorageError(path: path, "\(path) is a symbolic link; lake does not follow links inside a table")
            }
            throw StorageError(path: path, "cannot open \(path): \(Self.errorText())")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw StorageError(path: path, "\(path) is not a regular file")
        }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError(path: path, "cannot read \(path): \(Self.errorText())")
            }
            if n == 0 { return out }
            out += buffer[0..<n]
        }
    }

    public func info(_ path: String) -> FileInfo? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        let kind: FileInfo.Kind
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        return FileInfo(kind: kind, size: Int64(st.st_size),
                        modificationTime: Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec) / 1_000_000)
    }

    public func makeDirectories(_ path: String) throws {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw StorageError(path: prefix, "cannot create directory \(prefix): \(Self.errorText())")
            }
            prefix += "/"
        }
    }

    public func writeNew(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError(path: path, "cannot create \(path): \(Self.errorText())") }
        defer { close(fd) }
        do {
            try bytes.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let n = write(fd, raw.baseAddress! + done, raw.count - done)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw StorageError(path: path, "cannot write \(path): \(Self.errorText())")
                    }
                    done += n
                }
            }
            guard fsync(fd) == 0 else { throw StorageError(path: path, "cannot sync \(path): \(Self.errorText())") }
        } catch {
            // A partly written file (ENOSPC, say) is never left behind.
            unlink(path)
            throw error
        }
    }

    /// A synced temporary file is hard-linked to the name (`link(2)` fails with `EEXIST` if
    /// another writer won), then the directory is synced; the temporary file is always removed.
    public func putIfAbsent(_ path: String, _ bytes: [UInt8]) throws -> Bool {
        let dir = Paths.parent(of: path)
        let temp = TemporaryName.next(to: path, pid: getpid(), random: UInt64.random(in: 0...UInt64.max))
        try writeNew(temp, bytes)
        defer { unlink(temp) }
        if link(temp, path) != 0 {
            if errno == EEXIST { return false }
            throw StorageError(path: path, "cannot commit \(path): \(Self.errorText())")
        }
        syncDirectory(dir)
        return true
    }

    /// Makes a directory's entries durable.
    public func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    public func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw StorageError(path: path, "cannot remove \(path): \(Self.errorText())")
        }
    }

    public func rename(_ path: String, to newPath: String) throws {
        guard Glibc.rename(path, newPath) == 0 else {
            throw StorageError(path: path, "cannot rename \(path) to \(newPath): \(Self.errorText())")
        }
    }

    public func moveIfAbsent(_ path: String, to newPath: String) throws -> Bool {
        defer { unlink(path) }
        if link(path, newPath) != 0 {
            if errno == EEXIST { return false }
            throw StorageError(path: newPath, "cannot create \(newPath): \(Self.errorText())")
        }
        syncDirectory(Paths.parent(of: newPath))
        return true
    }

    public func replace(_ path: String, with bytes: [UInt8]) throws {
        let temp = TemporaryName.next(to: path, pid: getpid(), random: UInt64.random(in: 0...UInt64.max))
        try writeNew(temp, bytes)
        do {
            try rename(temp, to: path)
        } catch {
            unlink(temp)
            throw error
        }
        syncDirectory(Paths.parent(of: path))
    }

    public func removeEmptyDirectory(_ path: String) -> Bool {
        rmdir(path) == 0
    }

    public func removeRegularFiles(_ names: [String], in directory: String, under root: String) throws -> [Bool] {
        let parts = directory.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var removed = Array(repeating: false, count: names.count)
        guard !parts.contains(".."), !parts.contains(".") else { return removed }
        var fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return removed }
        defer { close(fd) }
        for part in parts {
            let next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { return removed }
            close(fd)
            fd = next
        }
        for (i, name) in names.enumerated() where !name.isEmpty && !ByteText.contains(name, 0x2F) && name != "." && name != ".." {
            var st = stat()
            guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            if unlinkat(fd, name, 0) == 0 {
                removed[i] = true
            } else if errno != ENOENT {
                let path = directory.isEmpty ? "\(root)/\(name)" : "\(root)/\(directory)/\(name)"
                throw StorageError(path: path, "cannot remove \(path): \(Self.errorText())")
            }
        }
        return removed
    }

    public func removeTree(_ path: String) throws {
        guard let info = info(path) else { return }
        if info.kind == .directory {
            for name in try list(path) ?? [] { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 else { throw StorageError(path: path, "cannot remove \(path): \(Self.errorText())") }
        } else {
            guard unlink(path) == 0 else { throw StorageError(path: path, "cannot remove \(path): \(Self.errorText())") }
        }
    }
}
