#if canImport(Glibc)
import Glibc
#endif

/// Path text: absolute and normalized forms, parents and base names. Nothing here touches
/// the file system except reading the working directory.
public enum Paths {
    /// An absolute, normalized form of `path` (relative to the working directory); `.` and
    /// `..` are resolved lexically, symbolic links are not.
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
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of `path`.
    public static func basename(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
