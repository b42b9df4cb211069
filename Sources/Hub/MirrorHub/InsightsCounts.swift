/// A suggestion kind's funnel: each (visit, SKU) pair at the furthest stage it reached (0 shown, 1 tapped,
/// 2 brought, 3 bought), and the visits behind each stage.
struct FunnelCount {
    var pairs = [0, 0, 0, 0]
    var visitsAt: [Set<Int>] = Array(repeating: [], count: 4)

    mutating func add(stage: Int, visit: Int) {
        pairs[stage] += 1
        visitsAt[stage].insert(visit)
    }

    /// Pairs that reached stage `n` or further.
    func pairs(from n: Int) -> Int { pairs[n...].reduce(0, +) }
    /// Visits with a pair that reached stage `n` or further.
    func visits(from n: Int) -> Int { visitsAt[n...].reduce(Set<Int>()) { $0.union($1) }.count }
    /// Visits with a pair that stopped at stage `n` (the rest of stage `n`, which gives away stage `n + 1`).
    func visits(at n: Int) -> Int { visitsAt[n].count }
}

struct VisitKey: Hashable, Comparable {
    var device: String
    var session: String
    static func < (a: VisitKey, b: VisitKey) -> Bool { (a.device, a.session) < (b.device, b.session) }
}

extension VisitKey {
    /// The visit of a row whose first two columns are its device and session.
    init(_ row: SQLRow) { self.init(device: row.text(0), session: row.text(1)) }
}
