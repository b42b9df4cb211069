public import MirrorConfig
public import MirrorSync

extension DaemonConfig.HubSettings {
    /// How the sync client checks the hub's certificate: `hub.certificate_sha256`, `hub.ca_file`, or the
    /// system's store.
    public var trust: HubTrust {
        if let certificateSHA256 { return .certificateSHA256(certificateSHA256) }
        if let caFile { return .caFile(caFile) }
        return .systemStore
    }
}
