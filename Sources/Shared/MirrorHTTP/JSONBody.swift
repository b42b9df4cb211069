import Foundation
public import Hummingbird
public import MirrorProtocol
import NIOCore

/// How both HTTP servers (mirrord's local API and the hub) read JSON request bodies and answer with JSON, so a
/// client gets the same kind of 400 from either. Hummingbird's own request decoding is not used because its
/// errors do not say which field is missing or of the wrong type.
public enum JSONBody {
    /// `value` as a JSON answer, keys sorted (stable for clients that diff or hash answers).
    public static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// Reads at most `limit` bytes of JSON into `T`. Unknown top-level fields are refused when `fields` is given;
    /// `check` sees the parsed value first. Failures are 400s that name the field; with `help`, every failure
    /// (too long, not JSON, the wrong shape) is a 400 with that text instead, for small bodies with one shape.
    public static func decode<T: Decodable>(
        _ type: T.Type, _ request: Request, limit: Int, fields: Set<String>? = nil, help: String? = nil,
        check: (JSONValue) throws -> Void = { _ in }
    ) async throws -> T {
        guard let help else { return try await decode(type, request, limit: limit, fields: fields, check: check) }
        do {
            return try await decode(type, request, limit: limit, fields: fields, check: check)
        } catch {
            throw HTTPError(.badRequest, message: help)
        }
    }

    private static func decode<T: Decodable>(
        _ type: T.Type, _ request: Request, limit: Int, fields: Set<String>?, check: (JSONValue) throws -> Void
    ) async throws -> T {
        var buffer = try await request.body.collect(upTo: limit)
        let data = Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw HTTPError(.badRequest, message: "the body is not JSON")
        }
        if let fields, case .object(let object) = value,
            let unknown = object.keys.sorted().first(where: { !fields.contains($0) })
        {
            throw HTTPError(.badRequest, message: "unknown field \"\(unknown)\"")
        }
        try check(value)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw HTTPError(.badRequest, message: "missing field \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw HTTPError(.badRequest, message: "wrong type at \"\(path)\"")
        } catch {
            throw HTTPError(.badRequest, message: "the body does not have the expected shape")
        }
    }
}
