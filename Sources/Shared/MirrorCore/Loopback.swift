import Foundation

/// Whether an address reaches only this machine: where plain HTTP is allowed without being asked for.
public enum Loopback {
    /// True for `localhost`, `::1` (bracketed or not) and any address in 127.0.0.0/8.
    public static func contains(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" || bare == "::1" { return true }
        var address = in_addr()
        guard inet_pton(AF_INET, bare, &address) == 1 else { return false }
        return UInt32(bigEndian: address.s_addr) >> 24 == 127
    }
}
