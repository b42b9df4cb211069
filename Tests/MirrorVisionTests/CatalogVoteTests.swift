import MirrorCore
import MirrorImaging
import Testing

@testable import MirrorVision

@Suite struct CatalogVoteTests {
    /// The catalog's categories, by SKU prefix: TR trousers, SK skirts, DR dresses, TS tops; PH has none.
    static func category(_ sku: String) -> GarmentCategory? {
        switch sku.prefix(2) {
        case "TR": .trousers
        case "SK": .skirts
        case "DR": .dresses
        case "TS": .tops
        default: nil
        }
    }

    static func candidates(_ pairs: [(String, Float)]) -> [SKUCandidate] {
        pairs.map { SKUCandidate(sku: $0.0, score: $0.1) }
    }

    /// A stricter rule than the default, so each of its conditions can be seen to hold back the catalog.
    let vote = CatalogVote(agreement: 0.6, margin: 0.02, minimumVotes: 2)
    /// The catalog threshold the candidates were found with.
    let threshold: Float = 0.5
    /// What the ImageNet mapping says in these tests: a weak "tops".
    let imageNet: (category: GarmentCategory, confidence: Float)? = (.tops, 0.2)

    func decide(_ pairs: [(String, Float)], _ rule: CatalogVote? = nil, imageNet: Bool = true) -> CatalogVote.Decision {
        (rule ?? vote).decide(
            candidates: Self.candidates(pairs), threshold: threshold, categoryOf: Self.category,
            imageNet: imageNet ? self.imageNet : nil)
    }

    @Test func agreeingCandidatesWin() {
        let decision = decide([("TR-1", 0.9), ("TR-2", 0.85), ("TR-3", 0.8), ("SK-1", 0.6)])
        #expect(decision.category == .trousers)
        #expect(decision.source == .catalog)
        // The winner's share of the weight (score above the threshold): 1.05 of 1.15.
        #expect(abs(decision.confidence - 1.05 / 1.15) < 1e-5)
    }

    @Test func aFewStrongMatchesOutweighManyWeakOnes() {
        // Summed plain scores would split 1.88 to 1.8; above the threshold it is 0.88 to 0.3.
        let decision = decide([("TR-1", 0.95), ("TR-2", 0.93), ("SK-1", 0.6), ("SK-2", 0.6), ("SK-3", 0.6)])
        #expect(decision.category == .trousers)
        #expect(decision.source == .catalog)
    }

    @Test func disagreeingCandidatesFallBackToImageNet() {
        let fallback = CatalogVote.Decision(category: .tops, confidence: 0.2, source: .imageNet)
        // No category holds 60 % of the weight.
        #expect(decide([("TR-1", 0.8), ("SK-1", 0.79), ("DR-1", 0.78), ("TR-2", 0.7)]) == fallback)
        // A majority, but its best is not clearly above another category's best.
        #expect(decide([("SK-1", 0.81), ("TR-1", 0.8), ("TR-2", 0.79), ("TR-3", 0.78)]) == fallback)
        // One match alone is not enough votes for this rule.
        #expect(decide([("DR-1", 0.95)]) == fallback)
        // With one vote enough, a lone match must still lie clearly above the threshold.
        let one = CatalogVote(agreement: 0.6, margin: 0.02, minimumVotes: 1)
        #expect(decide([("DR-1", 0.51)], one) == fallback)
        #expect(decide([("DR-1", 0.95)], one).category == .dresses)
        // A photo without a category (the best match here) supports nothing and is a rival.
        #expect(decide([("PH-1", 0.9), ("TR-1", 0.7), ("TR-2", 0.68)]) == fallback)
    }

    @Test func noCandidatesFallBackToImageNet() {
        #expect(decide([]) == CatalogVote.Decision(category: .tops, confidence: 0.2, source: .imageNet))
        #expect(decide([], imageNet: false) == CatalogVote.Decision(category: nil, confidence: 0, source: .none))
        // Candidates of SKUs the catalog has no category for are as good as none; so are matches at or
        // below the threshold.
        #expect(
            decide([("PH-1", 0.9), ("PH-2", 0.88)], imageNet: false)
                == CatalogVote.Decision(category: nil, confidence: 0, source: .none))
        #expect(decide([("TR-1", 0.5), ("TR-2", 0.4)]).source == .imageNet)
    }

    @Test func topsStayTopsAndAgreementKeepsTheHigherConfidence() {
        let agreeing = vote.decide(
            candidates: Self.candidates([("TS-1", 0.9), ("TS-2", 0.88)]), threshold: threshold,
            categoryOf: Self.category, imageNet: (.tops, 0.95))
        #expect(agreeing == CatalogVote.Decision(category: .tops, confidence: 1, source: .catalog))
        let confident = vote.decide(
            candidates: Self.candidates([("TS-1", 0.9), ("TS-2", 0.88), ("DR-1", 0.6)]), threshold: threshold,
            categoryOf: Self.category, imageNet: (.tops, 0.95))
        #expect(confident.category == .tops)
        #expect(confident.confidence == 0.95)
    }

    @Test func theVoteIsDeterministic() {
        // Equal support: the category first in GarmentCategory's order wins (dresses before trousers), in
        // whatever order the candidates come, every time.
        let tie = CatalogVote(agreement: 0.5, margin: 0, minimumVotes: 1)
        let pairs: [(String, Float)] = [("TR-1", 0.8), ("DR-1", 0.8)]
        for _ in 0..<20 {
            #expect(decide(pairs, tie).category == .dresses)
            #expect(decide(pairs.reversed(), tie).category == .dresses)
        }
        // Non-finite scores are not votes.
        #expect(decide([("TR-1", .nan), ("TR-2", .infinity), ("SK-1", 0.7), ("SK-2", 0.69)]).category == .skirts)
    }
}

@Suite struct CatalogVoteInAnalyzerTests {
    /// The real network on the fixture photos: with their categories known, a photo's own catalog entry
    /// decides its category; without them the ImageNet mapping's stands, as before.
    @Test func theAnalyzerTakesTheCatalogsCategoryWhenItsMatchesAgree() throws {
        let analyzer = try GarmentAnalyzer(model: try SharedModel.get())
        var index = CatalogIndex(dimension: analyzer.backbone.embeddingCount)
        var images: [String: PixelBuffer] = [:]
        for file in ["astronaut", "coffee", "chelsea", "grace-hopper"] {
            let (_, image) = try rgbBytes("photo-\(file).png")
            images[file] = image
            try index.add(sku: file, embedding: try analyzer.embed(image))
        }
        analyzer.catalog = index
        let before = try analyzer.recognise(images["grace-hopper"]!)
        #expect(before.decision.source != .catalog)
        #expect(before.decision.category == before.imageNet?.category)
        #expect(before.candidates.first?.sku == "grace-hopper")

        analyzer.catalogCategories = ["grace-hopper": .suits, "astronaut": .outerwear, "chelsea": .accessories]
        let after = try analyzer.recognise(images["grace-hopper"]!)
        #expect(after.decision.category == .suits)
        #expect(after.decision.source == .catalog)
        #expect(after.candidates == before.candidates)
    }
}
