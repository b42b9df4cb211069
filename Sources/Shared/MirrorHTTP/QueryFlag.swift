public import Hummingbird

/// A yes/no query parameter (`all=1`), read the same in both servers: absent or `0` is no, `1` is yes, and anything
/// else (`all=yes`, `all=`, a repeated one) is a 400 that says so, rather than a silent no.
public enum QueryFlag {
    public static func value(_ request: Request, _ name: String) throws -> Bool {
        let values = request.uri.queryParameters.getAll(name)
        guard let first = values.first else { return false }
        guard values.count == 1, first == "0" || first == "1" else {
            throw HTTPError(.badRequest, message: "\(name) is 0 or 1, given once")
        }
        return first == "1"
    }
}
