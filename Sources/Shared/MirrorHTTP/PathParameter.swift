public import Hummingbird

/// Path parameters, percent-decoded once, the same in both servers. Hummingbird hands a route the raw path
/// component (`KN%3A101`), and the clients (mirrorctl, the mirror's hub client) always encode `:`, spaces, `/` and
/// `%`, so an id holding one of them never matched anything.
public enum PathParameter {
    /// Parameter `name`, decoded; a 400 when it is not valid percent-encoding or decodes to nothing.
    public static func decoded(_ context: some RequestContext, _ name: String) throws -> String {
        let raw = try context.parameters.require(name)
        guard let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
            throw HTTPError(.badRequest, message: "\(name) is not valid percent-encoding")
        }
        return decoded
    }
}
