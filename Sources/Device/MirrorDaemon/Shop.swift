import Foundation
import Logging
import MirrorAPIModel
import MirrorCore
import MirrorDisplay
import MirrorImaging
import MirrorProtocol
import MirrorStore
import MirrorSuggest
import Synchronization

/// The shop side of a session: the cached catalog, stock and opted-in profiles; what the shopper is
/// trying, asked for, liked and dismissed; the suggestions and staff requests that follow.
///
/// The catalog folder (see ``CatalogFolder``) is re-read when its files change (checked at most once a
/// second), so new stock shows on the next refresh. A damaged file is reported and the last good data
/// stays in use. With a hub, the catalog items and stock it sends are laid over the folder's, and shoppers'
/// profiles come from it (see ``identify(_:session:)``).
public final class Shop: Sendable {
    /// Where identified shoppers' profiles come from when the mirror syncs with a hub.
    struct ProfileSource: Sendable {
        /// Asks the hub: the profile's JSON, nil when it has no opted-in profile with that code; throws when
        /// the hub cannot be asked.
        var lookUp: @Sendable (String) async throws -> JSONValue?
        /// How long a fetched copy may stand in while the hub cannot be reached.
        var maxAge: TimeInterval
    }

    struct Loaded: Sendable {
        var catalog: Catalog
        var inventory: Inventory
        var profiles: [String: ShopperProfile]
        /// Price-tag barcodes: the SKU and size each names (UPC-A also under its EAN-13 form, as zbar reads it).
        var tags: [String: Tag] = [:]

        init(catalog: Catalog, inventory: Inventory, profiles: [String: ShopperProfile]) {
            self.catalog = catalog
            self.inventory = inventory
            self.profiles = profiles
            for item in catalog.items {
                for (size, code) in item.barcodes ?? [:] where item.sizes.contains(size) {
                    tags[code] = tags[code] ?? Tag(sku: item.sku, size: size)
                    if code.utf8.count == 12 { tags["0" + code] = tags["0" + code] ?? Tag(sku: item.sku, size: size) }
                }
            }
        }
    }

    /// What a price tag's barcode names.
    struct Tag: Sendable, Hashable {
        var sku: String
        var size: String
    }

    /// This session's shopper: who (if identified), sizes asked for, favourites, dismissals, and what was
    /// already written as events.
    struct Visit {
        var session: String?
        var profile: ShopperProfile?
        var requested: [String: String] = [:]
        /// The colour the shopper tapped for a style: the SKU shown on its card.
        var chosenColour: [String: String] = [:]
        var dismissed: Set<String> = []
        var favourites: [String] = []
        var observations: [GarmentObservation] = []
        var shown: Set<String> = []
        /// The kind each SKU was first suggested as (for the hub's suggestion funnel).
        var shownKinds: [String: String] = [:]
        var tried: Set<String> = []
        var tapped: Set<String> = []
        /// Garments whose tags were scanned, in order, with their sizes.
        var scanned: [Tag] = []
    }

    let folder: CatalogFolder?
    let store: DeviceStore
    let logger: Logger
    let metrics: DeviceMetrics?
    let profiles: ProfileSource?
    private let loaded = Mutex<Loaded?>(nil)
    private let files = Mutex<(checked: MonotonicInstant?, stamps: [Date?], problem: String?, hub: Int)>(
        (nil, [], nil, 0))
    /// Counts the pulls that changed catalog items or stock; the data is rebuilt when it moved.
    private let hubGeneration = Atomic<Int>(0)
    private let visit = Mutex(Visit())
    /// Decoded product photos, by SKU; a few dozen at most (the cards on screen).
    private let photos = Mutex<[String: ProductPhoto]>([:])

    init(
        folder: String?, store: DeviceStore, logger: Logger, metrics: DeviceMetrics? = nil,
        profiles: ProfileSource? = nil
    ) {
        self.metrics = metrics
        self.profiles = profiles
        self.folder = folder.map(CatalogFolder.init)
        self.store = store
        self.logger = logger
        refreshIfChanged(now: .now(), force: true)
    }

    /// Re-reads the catalog folder when a file changed since the last look (at most once a second).
    func refreshIfChanged(now: MonotonicInstant = .now(), force: Bool = false) {
        guard let folder else { return }
        let paths = [folder.catalogFile, folder.inventoryFile, folder.profilesFile]
        let generation = hubGeneration.load(ordering: .acquiring)
        let due = files.withLock { state -> [Date?]? in
            if !force, generation == state.hub, let checked = state.checked, now.since(checked) < .seconds(1) {
                return nil
            }
            state.checked = now
            let stamps = paths.map { path in
                (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
            }
            return stamps == state.stamps && generation == state.hub ? nil : stamps
        }
        guard let stamps = due else { return }
        do {
            let (catalog, inventory, unreadable) = HubShopData.overlay(
                try folder.loadCatalogFile(), try folder.loadInventory(),
                items: (try? store.hubData(kind: .catalogItem)) ?? [:],
                stock: (try? store.hubData(kind: .inventory)) ?? [:])
            let profiles = try folder.loadProfiles()
            loaded.withLock {
                $0 = Loaded(
                    catalog: catalog, inventory: inventory,
                    profiles: Dictionary(profiles.map { ($0.loyaltyID, $0) }, uniquingKeysWith: { first, _ in first }))
            }
            files.withLock {
                $0.stamps = stamps
                $0.problem = nil
                $0.hub = generation
            }
            photos.withLock { $0 = [:] }
            if unreadable > 0 {
                logger.error(
                    "catalog items or stock from the hub unreadable; skipped", metadata: ["count": "\(unreadable)"])
            }
            logger.info(
                "catalog loaded",
                metadata: ["items": "\(catalog.count)", "store": "\(inventory.store)", "profiles": "\(profiles.count)"])
        } catch {
            files.withLock {
                $0.stamps = stamps
                $0.problem = "\(error)"
                $0.hub = generation
            }
            logger.error("catalog not loaded; keeping the last good one", metadata: ["error": "\(error)"])
        }
    }

    /// Runs `body` on this session's visit, starting a fresh one when the session changed.
    private func withVisit<T>(_ session: String?, _ body: (inout Visit) -> T) -> T {
        visit.withLock { v in
            if v.session != session { v = Visit(session: session) }
            return body(&v)
        }
    }

    /// The category of every item of the loaded catalog, by SKU (the vision core's catalog vote uses them).
    func catalogCategories() -> [String: GarmentCategory] {
        guard let catalog = loaded.withLock({ $0?.catalog }) else { return [:] }
        return Dictionary(catalog.items.map { ($0.sku, $0.category) }, uniquingKeysWith: { first, _ in first })
    }

    /// What the vision core recognises over the session (voted observations).
    func observe(_ observations: [GarmentObservation], session: String?) {
        withVisit(session) { $0.observations = observations }
    }

    /// Whether the catalog has price-tag barcodes to read.
    var readsTags: Bool { loaded.withLock { !($0?.tags.isEmpty ?? true) } }

    /// A price tag's barcode read at the mirror: the garment and size it names are tried on in this visit (one
    /// event per SKU and size). Nil when the code is no tag of the catalog or was read already.
    func tagScanned(_ code: String, session: String?) -> (item: CatalogItem, size: String)? {
        guard let session, let data = loaded.withLock({ $0 }), let tag = data.tags[code],
            let item = data.catalog.item(tag.sku)
        else { return nil }
        let fresh = withVisit(session) { v -> Bool in
            guard !v.scanned.contains(tag) else { return false }
            v.scanned.append(tag)
            // Known exactly now: the recognition core's guess at the same SKU adds no second try-on.
            v.tried.insert(tag.sku)
            return true
        }
        guard fresh else { return nil }
        event(.triedOn, session: session, sku: tag.sku, size: tag.size, via: TryOnSource.scan.rawValue)
        logger.info("price tag read", metadata: ["sku": "\(tag.sku)", "size": "\(tag.size)"])
        return (item, tag.size)
    }

    /// Whether a shopper's profile personalises this session.
    func isIdentified(session: String?) -> Bool { withVisit(session) { $0.profile != nil } }

    /// The loyalty id of the shopper identified in this session.
    func identifiedLoyaltyID(session: String?) -> String? { withVisit(session) { $0.profile?.loyaltyID } }

    /// The hub sent new catalog items or stock: the next refresh rebuilds the data.
    func hubDataChanged() { hubGeneration.add(1, ordering: .releasing) }

    /// Shoppers erased at head office (by subject hash): one of them identified now is forgotten at once.
    func forget(subjects: [String]) {
        let erased = Set(subjects)
        visit.withLock { v in
            if let profile = v.profile, erased.contains(SubjectHash.of(loyaltyId: profile.loyaltyID)) {
                v.profile = nil
                v.requested = [:]
            }
        }
    }

    /// The shopper identified with a loyalty code: their profile personalises the suggestions. With a hub, the
    /// hub's answer decides (a shopper who withdrew consent there is unknown here, and their cached copy goes);
    /// while the hub cannot be reached, the copy fetched within `hub.profile_cache_hours`, else the catalog
    /// folder's opted-in profiles. Never a shopper erased at head office. False when no profile is found.
    func identify(_ code: String, session: String?) async -> Bool {
        guard let session else { return false }
        // Fail closed: a store that cannot say whether the shopper was erased identifies no one.
        guard (try? store.isErased(loyaltyId: code)) == false else { return false }
        var profile: ShopperProfile?
        var source = "catalog folder"
        var hubAnswered = false
        if let profiles {
            do {
                let answer = try await profiles.lookUp(code)
                hubAnswered = true
                if let answer {
                    let fetched = try JSONDecoder().decode(ShopperProfile.self, from: try JSONEncoder().encode(answer))
                    profile = fetched
                    source = "hub"
                    do {
                        // Kept without the loyalty code (the store holds subject hashes only); the caller
                        // knows the code when it asks for the copy again.
                        var anonymous = fetched
                        anonymous.loyaltyID = ""
                        let body = String(decoding: try JSONEncoder().encode(anonymous), as: UTF8.self)
                        try store.cacheProfile(loyaltyId: code, body: body)
                    } catch {
                        logger.error("profile not cached for offline use", metadata: ["error": "\(error)"])
                    }
                } else {
                    try store.forgetProfile(loyaltyId: code)
                }
            } catch {
                logger.warning("profile lookup at the hub failed", metadata: ["error": "\(error)"])
                if !hubAnswered, let body = try? store.cachedProfile(loyaltyId: code, maxAge: profiles.maxAge) {
                    profile = try? JSONDecoder().decode(ShopperProfile.self, from: Data(body.utf8))
                    profile?.loyaltyID = code
                    source = "profile cache (hub unreachable)"
                }
            }
        }
        if profile == nil, !hubAnswered { profile = loaded.withLock { $0?.profiles[code] } }
        guard let profile, profile.loyaltyID == code else { return false }
        // Without the link an erasure could not reach this visit's clips: then the shopper stays anonymous.
        do {
            try store.linkSession(session, loyaltyId: code)
        } catch {
            logger.error("session not linked to its shopper; not identified", metadata: ["error": "\(error)"])
            return false
        }
        withVisit(session) { $0.profile = profile }
        logger.info("shopper identified", metadata: ["profile_from": "\(source)"])
        return true
    }

    /// The suggestions for the session now, with the tried items; writes the events of what is new.
    func suggestions(session: String?, limit: Int = 6) -> (tried: [CatalogItem], list: [Suggestion]) {
        refreshIfChanged()
        guard let data = loaded.withLock({ $0 }) else { return ([], []) }
        let suggester = Suggester(catalog: data.catalog, inventory: data.inventory)
        let (input, observations) = withVisit(session) { v in
            (
                SuggestionInput(tried: [], profile: v.profile, requestedSizes: v.requested, dismissed: v.dismissed),
                v.observations
            )
        }
        var full = input
        // Garments whose tags were scanned first (known exactly), then what the camera recognises.
        let scanned = withVisit(session) { $0.scanned }
        var seen = Set<String>()
        full.tried = (scanned.map { TriedGarment(sku: $0.sku) } + suggester.resolve(observations)).filter {
            seen.insert($0.sku).inserted && data.catalog.item($0.sku) != nil
        }
        let list = suggester.suggest(full, limit: limit)
        let tried = full.tried.compactMap { data.catalog.item($0.sku) }
        if let session {
            let newTried = withVisit(session) { v in tried.map(\.sku).filter { v.tried.insert($0).inserted } }
            for sku in newTried {
                // The catalog match's cosine similarity; a garment placed by its category alone has none.
                let score = observations.lazy.flatMap(\.candidates).first { $0.sku == sku }.map {
                    max(0, Double($0.score))
                }
                event(.triedOn, session: session, sku: sku, via: TryOnSource.vision.rawValue, score: score)
            }
        }
        return (tried, list)
    }

    /// The cards of the suggestions screen (the first three are shown), with photos.
    func cards(session: String?) -> (recognised: [String], cards: [Screen.Garment]) {
        let (tried, list) = suggestions(session: session, limit: 3)
        guard let data = loaded.withLock({ $0 }) else { return ([], []) }
        let (favourites, chosen) = withVisit(session) { ($0.favourites, $0.chosenColour) }
        if let session {
            let newShown = withVisit(session) { v in
                list.filter { v.shown.insert($0.sku).inserted }.map { suggestion in
                    v.shownKinds[suggestion.sku] = suggestion.kind.rawValue
                    return suggestion.sku
                }
            }
            for sku in newShown { event(.suggestionShown, session: session, sku: sku) }
        }
        let cards = list.compactMap { suggestion -> Screen.Garment? in
            guard let suggested = data.catalog.item(suggestion.sku) else { return nil }
            // The colour the shopper tapped stands in for the suggested one, with its own stock and photo.
            let item = chosen[suggested.style].flatMap { data.catalog.item($0) } ?? suggested
            let others = data.catalog.variants(of: item.style).filter { $0.sku != item.sku }
            let reason = item.sku == suggested.sku ? suggestion.reason : "In \(item.colour)"
            return Screen.Garment(
                sku: item.sku, name: item.name, price: data.catalog.price(item),
                sizes: item.sizes.map { .init($0, inStock: data.inventory.inStock(item.sku, size: $0)) },
                colours: [item.rgb] + others.map(\.rgb), reason: reason,
                size: suggestion.size.flatMap { item.sizes.contains($0) ? $0 : nil },
                favourite: favourites.contains(item.sku), photo: photo(item.sku),
                colourSKUs: [item.sku] + others.map(\.sku))
        }
        return (tried.map { "\($0.colour) \($0.name)".lowercased() }, cards)
    }

    /// The report for `GET /v1/suggestions`.
    func report(session: String?) -> SuggestionsReport {
        let (tried, list) = suggestions(session: session)
        let data = loaded.withLock { $0 }
        let (identified, favourites) = withVisit(session) { ($0.profile != nil, $0.favourites) }
        let cards = list.compactMap { suggestion -> SuggestionCard? in
            guard let data, let item = data.catalog.item(suggestion.sku) else { return nil }
            return SuggestionCard(
                sku: item.sku, name: item.name, colour: item.colour, price: data.catalog.price(item),
                kind: suggestion.kind.rawValue, reason: suggestion.reason, size: suggestion.size, sizes: item.sizes,
                inStock: item.sizes.map { data.inventory.inStock(item.sku, size: $0) },
                favourite: favourites.contains(item.sku))
        }
        var problem = files.withLock { $0.problem }
        if folder == nil { problem = "no catalog: set suggestions.catalog in the config" }
        if problem == nil, session == nil {
            problem = "no session: suggestions follow a shopper in front of the mirror"
        }
        return SuggestionsReport(
            identified: identified, tried: tried.map(\.sku), suggestions: cards, favourites: favourites,
            catalogItems: data?.catalog.count ?? 0, problem: problem)
    }

    /// Favourite on/off for `sku`; false when there is no session or no such item.
    func toggleFavourite(_ sku: String, session: String?) -> Bool {
        guard let session, loaded.withLock({ $0?.catalog.item(sku) }) != nil else { return false }
        let added = withVisit(session) { v in
            if let index = v.favourites.firstIndex(of: sku) {
                v.favourites.remove(at: index)
                return false
            }
            v.favourites.append(sku)
            return true
        }
        event(added ? .favourite : .unfavourite, session: session, sku: sku)
        tapped(sku, session: session)
        return true
    }

    /// The shopper does not want `sku` suggested again in this session.
    func dismiss(_ sku: String, session: String?) -> Bool {
        guard let session, loaded.withLock({ $0?.catalog.item(sku) }) != nil else { return false }
        withVisit(session) { _ = $0.dismissed.insert(sku) }
        event(.dismissed, session: session, sku: sku)
        return true
    }

    /// The shopper tapped the colour `variant` on the card of `sku` (another colour of the same style).
    func chooseColour(_ variant: String, of sku: String, session: String?) -> Bool {
        guard let session, let item = loaded.withLock({ $0?.catalog.item(sku) }),
            let other = loaded.withLock({ $0?.catalog.item(variant) }), other.style == item.style
        else { return false }
        withVisit(session) { $0.chosenColour[item.style] = variant }
        event(.colourChosen, session: session, sku: variant)
        tapped(sku, session: session)
        return true
    }

    /// The shopper picked `size` of `sku`'s style on a card.
    func select(size: String, of sku: String, session: String?) -> Bool {
        guard session != nil, let item = loaded.withLock({ $0?.catalog.item(sku) }), item.sizes.contains(size)
        else { return false }
        withVisit(session) { $0.requested[item.style] = size }
        if let session { tapped(sku, session: session) }
        return true
    }

    /// The first tap on a suggested card in a visit (the funnel's second step).
    private func tapped(_ sku: String, session: String) {
        let first = withVisit(session) { v in v.shownKinds[sku] != nil && v.tapped.insert(sku).inserted }
        if first { event(.suggestionTapped, session: session, sku: sku) }
    }

    /// "Bring me this": stores a staff request for `sku` in the size asked for or the profile's size.
    func request(_ sku: String, size: String? = nil, session: String?) throws -> StaffRequestRecord {
        guard let session else { throw DaemonError(.refused, "no session: a request needs a shopper at the mirror") }
        guard let item = loaded.withLock({ $0?.catalog.item(sku) }) else {
            throw DaemonError(.refused, "no item \(sku) in the catalog")
        }
        if let size, !item.sizes.contains(size) {
            throw DaemonError(.refused, "\(item.name) comes in \(item.sizes.joined(separator: ", ")), not \(size)")
        }
        let catalog = loaded.withLock { $0?.catalog }
        let (wanted, tried) = withVisit(session) { v in
            (
                size ?? v.requested[item.style] ?? v.profile?.size(for: item.category),
                // The size of this style the shopper has on, when its tag was scanned: the size swap's start.
                v.scanned.last { catalog?.item($0.sku)?.style == item.style }?.size
            )
        }
        let words = "\(item.name), \(item.colour)" + (wanted.map { ", size \($0)" } ?? "")
        let stored = try store.addStaffRequest(
            StaffRequestRecord(sessionId: session, sku: sku, size: wanted, description: words), triedSize: tried)
        event(.suggestionAccepted, session: session, sku: sku, size: wanted)
        logger.notice("staff request", metadata: ["id": "\(stored.id ?? 0)", "what": "\(words)"])
        return stored
    }

    /// A request for a colleague without an item (the "call staff" button).
    func requestHelp(session: String?) throws -> StaffRequestRecord {
        guard let session else { throw DaemonError(.refused, "no session: a request needs a shopper at the mirror") }
        let stored = try store.addStaffRequest(
            StaffRequestRecord(sessionId: session, sku: "", size: nil, description: "Help at the mirror"))
        logger.notice("staff request", metadata: ["id": "\(stored.id ?? 0)", "what": "help"])
        return stored
    }

    private func event(
        _ kind: SessionEventKind, session: String, sku: String?, size: String? = nil, via: String? = nil,
        score: Double? = nil
    ) {
        switch kind {
        case .suggestionShown: metrics?.suggestionsShown.increment()
        case .suggestionAccepted: metrics?.suggestionsRequested.increment()
        case .favourite: metrics?.suggestionsFavourited.increment()
        default: break
        }
        do {
            // Events about a suggested SKU carry the kind it was suggested as.
            let suggested = sku.flatMap { sku in withVisit(session) { $0.shownKinds[sku] } }
            try store.addEvent(
                SessionEventRecord(
                    sessionId: session, kind: kind, sku: sku, size: size, via: via, score: score,
                    suggestionKind: suggested))
        } catch {
            logger.error("session event not stored", metadata: ["kind": "\(kind.rawValue)", "error": "\(error)"])
        }
    }

    /// The product photo of `sku`, decoded once; nil when there is none or it cannot be read.
    private func photo(_ sku: String) -> ProductPhoto? {
        guard let folder else { return nil }
        if let cached = photos.withLock({ $0[sku] }) { return cached }
        guard let bytes = FileManager.default.contents(atPath: "\(folder.photos)/\(sku).jpg") else { return nil }
        let image = PixelBuffer()
        do {
            let decoder = try JPEGDecoder()
            try bytes.withUnsafeBytes { raw in
                _ = try decoder.decode(raw, into: image, scale: .full, fast: false)
            }
        } catch {
            logger.warning("product photo unreadable", metadata: ["sku": "\(sku)", "error": "\(error)"])
            return nil
        }
        let photo = ProductPhoto(image)
        photos.withLock { cache in
            if cache.count >= 48 { cache = [:] }
            cache[sku] = photo
        }
        return photo
    }
}
