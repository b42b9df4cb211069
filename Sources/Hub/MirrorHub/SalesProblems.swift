extension SalesFile {
    /// The bad rows of a refusal, held as it lists them: the first ``maxListed`` by line and field, the rest only
    /// counted. An 8 MiB body of `{}` lines has millions of problems; all of them were kept and sorted to list 50.
    public struct Problems: Sendable {
        /// At most twice ``maxListed``: trimmed to the first ``maxListed`` whenever it reaches that.
        private var kept: [Problem] = []
        /// Every problem appended.
        public private(set) var count = 0

        public init() {}

        public var isEmpty: Bool { count == 0 }
        /// How many are held now (never more than twice ``maxListed``).
        public var held: Int { kept.count }

        public mutating func append(_ problem: Problem) {
            count += 1
            kept.append(problem)
            if kept.count >= 2 * maxListed {
                kept.sort(by: Problem.inOrder)
                kept.removeLast(kept.count - maxListed)
            }
        }

        /// The first ``maxListed`` by line, then field.
        public var listed: [Problem] { Array(kept.sorted(by: Problem.inOrder).prefix(maxListed)) }
    }
}

extension SalesFile.Problem {
    static func inOrder(_ a: Self, _ b: Self) -> Bool { (a.line, a.field, a.why) < (b.line, b.field, b.why) }
}
