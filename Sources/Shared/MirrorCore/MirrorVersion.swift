/// The version of all three programs, set at release.
public enum MirrorVersion {
    public static let current = "0.1.0"
}
