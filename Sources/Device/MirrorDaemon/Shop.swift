import Foundation
import Logging
import MirrorAPIModel
import MirrorCore
import MirrorDisplay
import MirrorImaging
import MirrorProtocol
import MirrorSession
import MirrorStore
import MirrorSuggest
import Synchronization

/// The shop side of a visit: the cached catalog, stock and opted-in profiles, the suggestions and cards worked
/// out for the visit's ``SuggestionSheet`` (what the shopper is trying, asked for, liked and dismissed: kept in
/// the ``Visit`` value, not here), its session events and staff requests.
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

    typealias Tag = SuggestionSheet.Tag

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

    /// The category of every item of the loaded catalog, by SKU (the vision core's catalog vote uses them).
    func catalogCategories() -> [String: GarmentCategory] {
        guard let catalog = loaded.withLock({ $0?.catalog }) else { return [:] }
        return Dictionary(catalog.items.map { ($0.sku, $0.category) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether the catalog has price-tag barcodes to read.
    var readsTags: Bool { loaded.withLock { !($0?.tags.isEmpty ?? true) } }

    /// The garment and size a price tag's barcode names; nil when it is no tag of the catalog.
    func tag(_ code: String) -> (item: CatalogItem, tag: Tag)? {
        guard let data = loaded.withLock({ $0 }), let tag = data.tags[code], let item = data.catalog.item(tag.sku)
        else { return nil }
        return (item, tag)
    }

    /// An item of the loaded catalog.
    func item(_ sku: String) -> CatalogItem? { loaded.withLock { $0?.catalog.item(sku) } }

    /// The hub sent new catalog items or stock: the next refresh rebuilds the data.
    func hubDataChanged() { hubGeneration.add(1, ordering: .releasing) }

    /// The shopper identified with a loyalty code: their profile personalises the suggestions. With a hub, the
    /// hub's answer decides (a shopper who withdrew consent there is unknown here, and their cached copy goes);
    /// while the hub cannot be reached, the copy fetched within `hub.profile_cache_hours`, else the catalog
    /// folder's opted-in profiles. Never a shopper erased at head office. Nil when no profile is found; the
    /// visit keeps the one found (``SuggestionSheet/Event/identified(_:)``).
    func identify(_ code: String, session: String) async -> ShopperProfile? {
        // Fail closed: a store that cannot say whether the shopper was erased identifies no one.
        guard (try? store.isErased(loyaltyId: code)) == false else { return nil }
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
        guard let profile, profile.loyaltyID == code else { return nil }
        // Without the link an erasure could not reach this visit's clips: then the shopper stays anonymous.
        do {
            try store.linkSession(session, loyaltyId: code)
        } catch {
            logger.error("session not linked to its shopper; not identified", metadata: ["error": "\(error)"])
            return nil
        }
        logger.info("shopper identified", metadata: ["profile_from": "\(source)"])
        return profile
    }

    /// "Not you?": the visit is no longer linked to the shopper with `code`, and the hub is told.
    func unidentify(_ code: String, session: String) {
        do {
            try store.unlinkSession(session, loyaltyId: code)
            logger.info("profile put aside: the shopper said it was not theirs")
        } catch {
            logger.error("session not unlinked from its shopper", metadata: ["error": "\(error)"])
        }
    }

    /// The suggestions for the visit's sheet now, with the tried items and what the sheet should note as
    /// tried (scanned tags first, known exactly, then what the camera recognises). Reads no files but the
    /// catalog's when they changed; writes nothing.
    func suggestions(_ sheet: SuggestionSheet, limit: Int = 6) -> (
        tried: [CatalogItem], triedNow: [SuggestionSheet.Tried], list: [Suggestion]
    ) {
        refreshIfChanged()
        guard let data = loaded.withLock({ $0 }) else { return ([], [], []) }
        let suggester = Suggester(catalog: data.catalog, inventory: data.inventory)
        var input = SuggestionInput(
            tried: [], profile: sheet.profile, requestedSizes: sheet.requestedSizes,
            dismissed: sheet.dismissed.union(
                sheet.dismissedStyles.flatMap { data.catalog.variants(of: $0).map(\.sku) }))
        var seen = Set<String>()
        input.tried = (sheet.scanned.map { TriedGarment(sku: $0.sku) } + suggester.resolve(sheet.observations)).filter {
            seen.insert($0.sku).inserted && data.catalog.item($0.sku) != nil
        }
        let list = suggester.suggest(input, limit: limit)
        let tried = input.tried.compactMap { data.catalog.item($0.sku) }
        let triedNow = tried.map { item in
            // The catalog match's cosine similarity; a garment placed by its category alone has none.
            let score = sheet.observations.lazy.flatMap(\.candidates).first { $0.sku == item.sku }.map {
                max(0, Double($0.score))
            }
            return SuggestionSheet.Tried(sku: item.sku, score: score)
        }
        return (tried, triedNow, list)
    }

    /// A look's garments in words: each one the camera saw by the catalog item it most likely is (the one name the
    /// chips and cards use), else by its colour and kind ("rust knitwear").
    func garmentNames(_ observations: [GarmentObservation]) -> [String] {
        refreshIfChanged()
        let data = loaded.withLock { $0 }
        let suggester = data.map { Suggester(catalog: $0.catalog, inventory: $0.inventory) }
        var names: [String] = []
        for observation in observations {
            let item = suggester?.resolve([observation]).first.flatMap { data?.catalog.item($0.sku) }
            let name = item?.fullName ?? VisionService.describe([observation], byRegion: true).first
            if let name, !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// The cards the suggestions screen shows now (`across` of them, at the sheet's page), with photos, where
    /// they stand among all, and what the sheet should note as seen (the cards shown, no others).
    func cards(_ sheet: SuggestionSheet, across: Int = 2) -> (
        recognised: [String], cards: [Screen.Garment], first: Int, total: Int, seen: SuggestionSheet.Event
    ) {
        let (tried, triedNow, all) = suggestions(sheet, limit: Screen.Suggestions.cardsKept)
        let pages = max(1, (all.count + across - 1) / across)
        let first = sheet.page % pages * across
        let list = Array(all.dropFirst(first).prefix(across))
        let seen = SuggestionSheet.Event.seen(
            tried: triedNow, shown: list.map { .init(sku: $0.sku, kind: $0.kind.rawValue) })
        guard let data = loaded.withLock({ $0 }) else { return ([], [], 0, 0, seen) }
        let cards = list.compactMap { suggestion -> Screen.Garment? in
            guard let suggested = data.catalog.item(suggestion.sku) else { return nil }
            // The colour the shopper tapped stands in for the suggested one, with its own stock and photo.
            let item = sheet.chosenColour[suggested.style].flatMap { data.catalog.item($0) } ?? suggested
            let others = data.catalog.variants(of: item.style).filter { $0.sku != item.sku }
            let reason = item.sku == suggested.sku ? suggestion.reason : "In \(item.colour)"
            return Screen.Garment(
                sku: item.sku, name: item.fullName, price: data.catalog.price(item),
                sizes: item.sizes.map { .init($0, inStock: data.inventory.inStock(item.sku, size: $0)) },
                colours: [item.rgb] + others.map(\.rgb), reason: reason,
                size: suggestion.size.flatMap { item.sizes.contains($0) ? $0 : nil },
                favourite: sheet.favourites.contains(item.sku), photo: photo(item.sku),
                colourSKUs: [item.sku] + others.map(\.sku))
        }
        return (tried.map(\.fullName), cards, first, all.count, seen)
    }

    /// The report for `GET /v1/suggestions`, and what the sheet should note as tried.
    func report(_ sheet: SuggestionSheet, session: String?) -> (report: SuggestionsReport, seen: SuggestionSheet.Event)
    {
        let (tried, triedNow, list) = suggestions(sheet)
        let data = loaded.withLock { $0 }
        let cards = list.compactMap { suggestion -> SuggestionCard? in
            guard let data, let item = data.catalog.item(suggestion.sku) else { return nil }
            return SuggestionCard(
                sku: item.sku, name: item.name, colour: item.colour, price: data.catalog.price(item),
                kind: suggestion.kind.rawValue, reason: suggestion.reason, size: suggestion.size, sizes: item.sizes,
                inStock: item.sizes.map { data.inventory.inStock(item.sku, size: $0) },
                favourite: sheet.favourites.contains(item.sku))
        }
        var problem = files.withLock { $0.problem }
        if folder == nil { problem = "no catalog: set suggestions.catalog in the config" }
        if problem == nil, session == nil {
            problem = "no session: suggestions follow a shopper in front of the mirror"
        }
        let report = SuggestionsReport(
            identified: sheet.profile != nil, tried: tried.map(\.sku), suggestions: cards,
            favourites: sheet.favourites, catalogItems: data?.catalog.count ?? 0, problem: problem)
        return (report, .seen(tried: triedNow, shown: []))
    }

    /// What a tap on a card (or the API's action) means for the sheet, once the catalog has the items; nil
    /// when it has not (or the size or colour is not one of the style's).
    func cardEvent(_ action: String, sku: String, value: String? = nil) -> SuggestionSheet.Event? {
        guard let item = item(sku) else { return nil }
        switch (action, value) {
        case ("favourite", nil): return .favouriteToggled(sku: sku)
        case ("dismiss", nil): return .dismissed(sku: sku, style: item.style)
        case ("size", let size?):
            return item.sizes.contains(size) ? .sizeSelected(size: size, style: item.style, card: sku) : nil
        case ("colour", let variant?):
            guard let other = self.item(variant), other.style == item.style else { return nil }
            return .colourChosen(variant: variant, style: item.style, card: sku)
        default: return nil
        }
    }

    /// "Bring me this": stores a staff request for `sku` in the size asked for or the profile's size.
    func request(
        _ sku: String, size: String? = nil, session: String?, sheet: SuggestionSheet
    ) throws -> StaffRequestRecord {
        guard let session else { throw DaemonError(.refused, "no session: a request needs a shopper at the mirror") }
        guard let item = loaded.withLock({ $0?.catalog.item(sku) }) else {
            throw DaemonError(.refused, "no item \(sku) in the catalog")
        }
        if let size, !item.sizes.contains(size) {
            throw DaemonError(.refused, "\(item.name) comes in \(item.sizes.joined(separator: ", ")), not \(size)")
        }
        let catalog = loaded.withLock { $0?.catalog }
        let wanted = size ?? sheet.requestedSizes[item.style] ?? sheet.profile?.size(for: item.category)
        // The size of this style the shopper has on, when its tag was scanned: the size swap's start.
        let tried = sheet.scannedSize(of: item.style) { catalog?.item($0)?.style }
        let words = item.fullName + (wanted.map { ", size \($0)" } ?? "")
        let stored = try store.addStaffRequest(
            StaffRequestRecord(sessionId: session, sku: sku, size: wanted, description: words), triedSize: tried)
        event(.suggestionAccepted, session: session, sku: sku, size: wanted, suggestionKind: sheet.shownKinds[sku])
        logger.notice("staff request", metadata: ["id": "\(stored.id ?? 0)", "what": "\(words)"])
        return stored
    }

    /// What "Bring" on the glass should ask first when it knows no size for `sku` (none picked on the card, none
    /// in the profile): the item in words and its sizes in stock (all of them when none is). Nil when a size is
    /// known or the item comes in one size.
    func sizesToAsk(_ sku: String, sheet: SuggestionSheet) -> (item: String, sizes: [String])? {
        guard let data = loaded.withLock({ $0 }), let item = data.catalog.item(sku), item.sizes.count > 1 else {
            return nil
        }
        guard sheet.requestedSizes[item.style] == nil, sheet.profile?.size(for: item.category) == nil else {
            return nil
        }
        let inStock = item.sizes.filter { data.inventory.inStock(sku, size: $0) }
        return (item.fullName, inStock.isEmpty ? item.sizes : inStock)
    }

    /// A request for a colleague without an item (the "call staff" button).
    func requestHelp(session: String?) throws -> StaffRequestRecord {
        guard let session else { throw DaemonError(.refused, "no session: a request needs a shopper at the mirror") }
        let stored = try store.addStaffRequest(
            StaffRequestRecord(sessionId: session, sku: "", size: nil, description: "Help at the mirror"))
        logger.notice("staff request", metadata: ["id": "\(stored.id ?? 0)", "what": "help"])
        return stored
    }

    /// The shopper cancelled request `id` on the glass; nil when there is no such request.
    func cancelRequest(_ id: Int64) throws -> StaffRequestRecord? {
        try store.cancelStaffRequest(id)
    }

    /// Stores a session event the suggestion sheet noted.
    func store(_ note: SuggestionSheet.Note, session: String) {
        let kind: SessionEventKind =
            switch note.kind {
            case .triedOn: .triedOn
            case .suggestionShown: .suggestionShown
            case .suggestionTapped: .suggestionTapped
            case .favourite: .favourite
            case .unfavourite: .unfavourite
            case .dismissed: .dismissed
            case .colourChosen: .colourChosen
            }
        if note.kind == .triedOn, note.via == .scan {
            logger.info("price tag read", metadata: ["sku": "\(note.sku)", "size": "\(note.size ?? "-")"])
        }
        event(
            kind, session: session, sku: note.sku, size: note.size, via: note.via?.rawValue, score: note.score,
            suggestionKind: note.suggestionKind)
    }

    private func event(
        _ kind: SessionEventKind, session: String, sku: String?, size: String? = nil, via: String? = nil,
        score: Double? = nil, suggestionKind: String? = nil
    ) {
        switch kind {
        case .suggestionShown: metrics?.suggestionsShown.increment()
        case .suggestionAccepted: metrics?.suggestionsRequested.increment()
        case .favourite: metrics?.suggestionsFavourited.increment()
        default: break
        }
        do {
            try store.addEvent(
                SessionEventRecord(
                    sessionId: session, kind: kind, sku: sku, size: size, via: via, score: score,
                    suggestionKind: suggestionKind))
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
