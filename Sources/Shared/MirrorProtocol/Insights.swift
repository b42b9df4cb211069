/// What a mirror reports about a visit, and what the hub makes of it: the session-event vocabulary both sides
/// share, a till's sale lines, and the figures head office reads (`GET /v1/insights`).
///
/// Figures never name a shopper, a session or a clip, and every cell built from visits covers at least `k`
/// distinct visits: a count of 1 to k−1 visits is nil ("fewer than k"), as is a time or share taken over fewer
/// than k visits, and a row whose visits are fewer than k is left out (and counted in `withheld`).

/// The kinds of session event a mirror syncs (the `kind` of a `session_event` op) that the figures read.
public enum VisitEventKind {
    /// A shopper's visit began (the mirror left its attract screen).
    public static let started = "visit_started"
    /// The visit ended (the shopper left, or ended it); dwell is the time between the two.
    public static let ended = "visit_ended"
    /// A garment was tried: `sku`, `size` when known, `via` (`scan`: its tag's barcode was read at the mirror,
    /// `vision`: the recognition core's catalog match, with its `score`).
    public static let triedOn = "tried_on"
    /// A look was recorded (a clip).
    public static let recordedLook = "recorded_look"
    /// The shopper answered the recording consent: `detail` is `granted` or `declined`.
    public static let consentAnswered = "consent_answered"
    /// The shopper was identified by their loyalty code (`loyaltyId`); the hub keeps the link until an erasure.
    public static let identified = "shopper_identified"
    /// The shopper tapped "Not you?" beside the profile the mirror used (`subject`): the hub drops the visit's link
    /// to that shopper, so its try-ons are matched to no one's sales and nothing is learned for them.
    public static let unidentified = "shopper_unidentified"
    /// A suggestion card was shown, tapped (a colour, a size, a favourite) or dismissed: `sku`, `suggestionKind`.
    public static let suggestionShown = "suggestion_shown"
    public static let suggestionTapped = "suggestion_tapped"
    public static let dismissed = "dismissed"
    /// "Bring me this" on a suggestion card: `sku`, `size` asked for, `suggestionKind`.
    public static let suggestionAccepted = "suggestion_accepted"
    /// A garment asked for (the staff request's own event): `sku`, `size` asked for, `triedSize` (the size of that
    /// style the shopper had on, when its tag was scanned).
    public static let sizeRequest = "size_request"
    /// The shopper sent a look to their phone, or saved it to their profile.
    public static let lookShared = "look_shared"
    public static let lookSaved = "look_saved"
    /// The one-tap rating at the end of the visit: `rating` 1 (unhappy) … 5 (delighted).
    public static let rated = "visit_rated"
}

/// How a try-on was known.
public enum TryOnSource: String, Codable, Sendable, CaseIterable {
    /// The garment's tag barcode was read at the mirror: SKU and size exact.
    case scan
    /// The recognition core matched it to a catalog item (SKU only, with a score).
    case vision
}

/// One line of a till's sale, as `mirrorhub import-sales` and `POST /v1/sales` take it.
public struct SaleLine: Codable, Sendable, Hashable {
    /// Unique per line of its store for ever: importing a line again changes nothing (another store's line may
    /// have the same id).
    public var lineId: String
    public var store: String
    /// When it was sold, milliseconds since 1970 (UTC).
    public var at: Int64
    public var sku: String
    public var size: String?
    public var quantity: Int
    /// The shopper's loyalty code, when they gave it at the till.
    public var loyaltyId: String?
    /// The basket (receipt) the line belongs to.
    public var basket: String?

    public init(
        lineId: String, store: String, at: Int64, sku: String, size: String? = nil, quantity: Int = 1,
        loyaltyId: String? = nil, basket: String? = nil
    ) {
        self.lineId = lineId
        self.store = store
        self.at = at
        self.sku = sku
        self.size = size
        self.quantity = quantity
        self.loyaltyId = loyaltyId
        self.basket = basket
    }
}

/// What an import of sale lines did.
public struct SalesImportResult: Codable, Sendable, Hashable {
    /// Lines stored now.
    public var imported: Int
    /// Lines the hub held already (same line id): left as they were.
    public var alreadyHeld: Int

    public init(imported: Int, alreadyHeld: Int) {
        self.imported = imported
        self.alreadyHeld = alreadyHeld
    }
}

/// The figures of one store (or of every store the caller may see) over a date range, in UTC days.
public struct InsightsReport: Codable, Sendable, Hashable {
    /// The store, or nil for every store the caller may see.
    public var store: String?
    /// First and last day of the range, inclusive (`YYYY-MM-DD`).
    public var from: String
    public var to: String
    /// The least number of distinct visits a published cell covers.
    public var k: Int
    /// A sale counts for a try-on or a suggestion when it is of the same SKU, in the same store, within this many
    /// minutes after it.
    public var boughtWindowMinutes: Int
    public var visits: VisitFigures
    /// Per SKU and size (size nil: not known, the garment was recognised, not scanned), most tried first.
    public var tryOns: [TryOnFigures]
    /// Per SKU: requests for a size other than the one tried.
    public var sizeSwaps: [SizeSwapFigures]
    /// Per suggestion kind.
    public var funnel: [FunnelFigures]
    public var staff: StaffFigures
    public var rating: RatingFigures
    /// Per day (or week) of the range.
    public var series: [SeriesPoint]
    /// Rows left out because they covered fewer than k visits, per table.
    public var withheld: [String: Int]
    /// Stores of the report whose time zone is not set: their days and hours are UTC until it is (nil: none).
    public var unzonedStores: [String]?

    public init(
        store: String?, from: String, to: String, k: Int, boughtWindowMinutes: Int, visits: VisitFigures,
        tryOns: [TryOnFigures], sizeSwaps: [SizeSwapFigures], funnel: [FunnelFigures], staff: StaffFigures,
        rating: RatingFigures, series: [SeriesPoint], withheld: [String: Int]
    ) {
        self.store = store
        self.from = from
        self.to = to
        self.k = k
        self.boughtWindowMinutes = boughtWindowMinutes
        self.visits = visits
        self.tryOns = tryOns
        self.sizeSwaps = sizeSwaps
        self.funnel = funnel
        self.staff = staff
        self.rating = rating
        self.series = series
        self.withheld = withheld
    }
}

/// Visits and what happened in them; nil: fewer than k.
public struct VisitFigures: Codable, Sendable, Hashable {
    public var visits: Int?
    public var withClip: Int?
    public var looksPerVisit: Double?
    /// Share (0…1) of visits whose shopper gave their loyalty code.
    public var identifiedShare: Double?
    public var consentGranted: Int?
    public var consentDeclined: Int?
    /// Time from a visit's start to its end, seconds (visits without an end are left out).
    public var dwellP50Seconds: Double?
    public var dwellP90Seconds: Double?
    public var sharedPerVisit: Double?
    public var savedPerVisit: Double?

    public init(visits: Int?) { self.visits = visits }
}

public struct TryOnFigures: Codable, Sendable, Hashable {
    public var sku: String
    public var size: String?
    /// Visits that tried it (at least k: rows with fewer are withheld).
    public var visits: Int
    public var scanned: Int?
    public var recognised: Int?
    /// Visits that bought the SKU in this size after trying it (size "-": in any size), matched once as sales and
    /// try-ons arrive (`docs/insights.md`); those that bought it in another size; those that bought none. The three
    /// add up to `visits`, and a unit sold counts in one row's `bought` only.
    public var bought: Int?
    public var boughtOtherSize: Int?
    public var notBought: Int?

    public init(
        sku: String, size: String?, visits: Int, scanned: Int?, recognised: Int?, bought: Int?,
        boughtOtherSize: Int? = 0, notBought: Int?
    ) {
        self.sku = sku
        self.size = size
        self.visits = visits
        self.scanned = scanned
        self.recognised = recognised
        self.bought = bought
        self.boughtOtherSize = boughtOtherSize
        self.notBought = notBought
    }
}

public struct SizeSwapFigures: Codable, Sendable, Hashable {
    public var sku: String
    /// Requests with a known tried size (from at least k visits: rows with fewer are withheld).
    public var requests: Int
    /// Asked for a larger size than the one tried, or a smaller one.
    public var up: Int?
    public var down: Int?
    /// `runs small` (at least 3 up and twice as many up as down), `runs large` (the other way), or nil.
    public var flag: String?

    public init(sku: String, requests: Int, up: Int?, down: Int?, flag: String?) {
        self.sku = sku
        self.requests = requests
        self.up = up
        self.down = down
        self.flag = flag
    }

    /// The flag for these counts.
    public static func flag(up: Int, down: Int) -> String? {
        if up >= 3, up >= 2 * down { return "runs small" }
        if down >= 3, down >= 2 * up { return "runs large" }
        return nil
    }
}

/// One suggestion kind's funnel: distinct visit and SKU pairs at each stage, each stage within the one before.
public struct FunnelFigures: Codable, Sendable, Hashable {
    public var kind: String
    public var shown: Int?
    public var tapped: Int?
    /// Staff brought it: the request made from the card was marked done.
    public var brought: Int?
    public var bought: Int?

    public init(kind: String, shown: Int?, tapped: Int?, brought: Int?, bought: Int?) {
        self.kind = kind
        self.shown = shown
        self.tapped = tapped
        self.brought = brought
        self.bought = bought
    }
}

public struct StaffFigures: Codable, Sendable, Hashable {
    public var requests: Int?
    /// Requests of the range still open now.
    public var open: Int?
    /// From request to done, seconds; nil below k answered visits.
    public var answerP50Seconds: Double?
    public var answerP95Seconds: Double?
    /// Per hour of the day (the store's own; UTC for a store with no time zone) with at least k answered visits.
    public var byHour: [HourFigures]

    public init(
        requests: Int?, open: Int?, answerP50Seconds: Double?, answerP95Seconds: Double?, byHour: [HourFigures]
    ) {
        self.requests = requests
        self.open = open
        self.answerP50Seconds = answerP50Seconds
        self.answerP95Seconds = answerP95Seconds
        self.byHour = byHour
    }
}

public struct HourFigures: Codable, Sendable, Hashable {
    public var hour: Int
    public var answered: Int
    public var p50Seconds: Double
    public var p95Seconds: Double

    public init(hour: Int, answered: Int, p50Seconds: Double, p95Seconds: Double) {
        self.hour = hour
        self.answered = answered
        self.p50Seconds = p50Seconds
        self.p95Seconds = p95Seconds
    }
}

public struct RatingFigures: Codable, Sendable, Hashable {
    /// Visits rated.
    public var ratings: Int?
    /// Share (0…1) of each face, 1 to 5; nil where fewer than k gave that face, empty below k ratings.
    public var shares: [Double?]
    public var average: Double?
    /// Per week (Monday first) with at least k ratings.
    public var weeks: [RatingWeek]

    public init(ratings: Int?, shares: [Double?], average: Double?, weeks: [RatingWeek]) {
        self.ratings = ratings
        self.shares = shares
        self.average = average
        self.weeks = weeks
    }
}

public struct RatingWeek: Codable, Sendable, Hashable {
    /// The Monday (`YYYY-MM-DD`).
    public var week: String
    public var ratings: Int
    public var average: Double

    public init(week: String, ratings: Int, average: Double) {
        self.week = week
        self.ratings = ratings
        self.average = average
    }
}

/// Visits, try-ons and requests of one day or week (nil: fewer than k).
public struct SeriesPoint: Codable, Sendable, Hashable {
    /// The day, or the week's Monday (`YYYY-MM-DD`).
    public var start: String
    public var visits: Int?
    public var tryOns: Int?
    public var requests: Int?

    public init(start: String, visits: Int?, tryOns: Int?, requests: Int?) {
        self.start = start
        self.visits = visits
        self.tryOns = tryOns
        self.requests = requests
    }
}
