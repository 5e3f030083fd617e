/// The version this build of lake reports (`lake version`, `created_by`, `engineInfo`).
public enum LakeVersion {
    public static let current = "0.1.0"
}
