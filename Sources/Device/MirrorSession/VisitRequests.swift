/// Requests that close (``Visit``'s reducer, continued): "Bring" asks for a size when none is known, stores the
/// request and confirms it with an Undo; a chip with Cancel stays on the glass while it is on its way; staff marking
/// it brought, or the shopper cancelling it, closes it and the glass says so.
extension Visit.Step {
    mutating func requests(_ event: Visit.Event, on visit: inout Visit) -> Bool {
        switch event {
        case .bring(let sku, let size):
            guard let id = visit.id, visit.state == .suggestions else { return false }
            effects.append(.storeRequest(visit: id, sku: sku, size: size))
            return true
        case .sizeAsked(let sku, let item, let sizes):
            guard visit.state == .suggestions, !sizes.isEmpty else { return false }
            visit.confirming = .chooseSize(sku: sku, item: item, sizes: sizes)
            return true
        case .sizeChosen(let size):
            guard case .chooseSize(let sku, _, let sizes) = visit.confirming, sizes.contains(size) else { return false }
            visit.confirming = nil
            return requests(.bring(sku: sku, size: size), on: &visit)
        case .requestStored(let request, let confirm):
            guard visit.requests.stored(request) else { return false }
            guard confirm else { return true }
            visit.staffMessage = request.words
            return apply(.staffRequested, to: &visit)
        case .requestNotStored:
            visit.say("That request did not reach staff: please try again or ask a colleague", at: now)
            return false
        case .cancelRequestTapped(let request):
            guard let id = visit.id, visit.requests.onItsWay(request) else { return false }
            effects.append(.cancelRequest(visit: id, id: request))
            // Undo on the confirmation: back to the live mirror, where the notice says it was cancelled.
            if visit.state == .staffOnTheWay { _ = apply(.back, to: &visit) }
            return true
        case .requestClosed(let request, let brought):
            guard let closed = visit.requests.close(request, as: brought ? .brought : .cancelled) else { return false }
            visit.say((brought ? "Brought: " : "Cancelled: ") + closed.words, at: now)
            return true
        case .requestNotCancelled:
            visit.say("That request could not be cancelled: please tell a colleague", at: now)
            return false
        default:
            return false
        }
    }
}
