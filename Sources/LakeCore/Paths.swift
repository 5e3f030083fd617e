#if canImport(Glibc)
import Glibc
#endif

/// Path text: absolute and normalized forms, parents and base names. Nothing here touches
/// the file system except reading the working directory.
public enum Paths {
    /// An absolute, normalized form of `path` (relative to the working directory); `.` and
    /// `..` are resolved lexically, symbolic links are not.
    public static func absolute(_ path: String) -> String {
        if isNormalAbsolute(path) { return path }
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

    /// Whether `path` is absolute and already normal: no empty, `.` or `..` component and no
    /// trailing slash (the common case, checked in one pass over the bytes).
    static func isNormalAbsolute(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { bytes in
            guard bytes.first == 0x2F else { return false }
            if bytes.count == 1 { return true }
            guard bytes.last != 0x2F else { return false }
            // The length of the current component so far, and how many of its bytes are dots.
            var length = 0, dots = 0
            for b in bytes.dropFirst() {
                if b == 0x2F {
                    if length == 0 || (dots == length && length <= 2) { return false }
                    length = 0
                    dots = 0
                } else {
                    length += 1
                    if b == 0x2E { dots += 1 }
                }
            }
            return !(dots == length && length <= 2)
        }
    }

    /// `path` with every symbolic link resolved (`realpath(3)`); for a path that does not
    /// exist yet, its longest existing prefix is resolved and the rest appended.
    public static func resolved(_ path: String) -> String {
        let full = absolute(path)
        if let real = realpath(full, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        guard full != "/" else { return "/" }
        let parent = resolved(parent(of: full))
        return (parent == "/" ? "" : parent) + "/" + basename(of: full)
    }

    /// Whether `path` is `ancestor` or lies inside it (both absolute and normalized).
    public static func isInside(_ path: String, _ ancestor: String) -> Bool {
        path == ancestor || path.hasPrefix(ancestor == "/" ? "/" : ancestor + "/")
    }

    /// The directory holding `path` (`.` when it names none).
    public static func parent(of path: String) -> String {
        guard let slash = ByteText.lastOffset(of: 0x2F, in: path) else { return "." }
        return slash == 0 ? "/" : ByteText.slice(path, 0..<slash)
    }

    /// The last component of `path`.
    public static func basename(of path: String) -> String {
        guard let slash = ByteText.lastOffset(of: 0x2F, in: path) else { return path }
        return ByteText.slice(path, (slash + 1)..<path.utf8.count)
    }
}
