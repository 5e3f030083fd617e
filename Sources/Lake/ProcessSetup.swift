import LakeCore
import Parquet

/// Process-wide settings every lake command starts with: an allocator that reuses large
/// buffers instead of mapping and unmapping them for each row group.
public func configureProcess() {
    configureAllocator()
}

/// The version of this build of lake.
public let lakeVersion = LakeVersion.current
