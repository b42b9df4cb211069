import Foundation
import Hummingbird
import MirrorAPIModel
import MirrorHTTP

extension LocalAPI {
    /// Suggestions, the shopper's actions on them, identification, and the staff request queue.
    static func addShop(_ router: Router<BasicRequestContext>, daemon: some DaemonFacade) {
        router.get("/v1/suggestions") { _, _ -> Response in
            try JSONBody.response(try await BlockingWork.run { daemon.suggestions() })
        }
        router.post("/v1/suggestions/:sku/:action") { request, context -> Response in
            let sku = try PathParameter.decoded(context, "sku")
            let action = try PathParameter.decoded(context, "action")
            guard ["favourite", "dismiss", "request"].contains(action) else {
                throw HTTPError(.badRequest, message: "action must be favourite, dismiss or request")
            }
            let size = request.uri.queryParameters.get("size").map { String($0) }
            if let size, size.isEmpty || size.count > 16 {
                throw HTTPError(.badRequest, message: "size is 1-16 characters")
            }
            do {
                return try JSONBody.response(
                    try await BlockingWork.run { try daemon.actOnSuggestion(sku, action: action, size: size) })
            } catch {
                throw HTTPError(.conflict, message: "\(error)")
            }
        }
        router.post("/v1/session/shopper") { request, context -> Response in
            let body = try await JSONBody.decode(
                ShopperIdentification.self, request, limit: 4096,
                help: "send {\"loyaltyId\": \"...\"} (at most 4 KB of JSON)")
            let code = body.loyaltyId.trimmingCharacters(in: .whitespaces)
            guard (1...64).contains(code.count) else {
                throw HTTPError(.badRequest, message: "loyaltyId is 1-64 characters")
            }
            guard await daemon.identify(shopper: code) else {
                throw HTTPError(.notFound, message: "no opted-in profile with that code on this mirror")
            }
            return try JSONBody.response(try await BlockingWork.run { daemon.suggestions() })
        }
        router.get("/v1/requests") { request, _ -> Response in
            let all = try QueryFlag.value(request, "all")
            do { return try JSONBody.response(try await BlockingWork.run { try daemon.staffRequests(all: all) }) } catch
            {
                throw HTTPError(.internalServerError, message: "\(error)")
            }
        }
        router.post("/v1/requests/:id/done") { _, context -> Response in
            let id = try context.parameters.require("id", as: Int.self)
            let done: StaffRequestInfo?
            do { done = try await BlockingWork.run { try daemon.completeStaffRequest(id) } } catch {
                throw HTTPError(.internalServerError, message: "\(error)")
            }
            guard let done else { throw HTTPError(.notFound, message: "no request \(id)") }
            return try JSONBody.response(done)
        }
    }
}
