/// Tunes glibc's allocator for columnar work: large buffers (column chunks, pages) come from
/// the heap and stay there when freed, so the next row group reuses them instead of asking
/// the kernel for fresh, zeroed pages every time (`mmap` + page faults + `munmap`).
///
/// Call once at program start, before threads exist.
public func configureAllocator() {
    #if os(Linux)
    let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD in <malloc.h>
    let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
    _ = glibcMallopt(mmapThreshold, 1 << 30)
    _ = glibcMallopt(trimThreshold, 1 << 30)
    #endif
}

#if os(Linux)
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
