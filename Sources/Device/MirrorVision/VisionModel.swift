import Foundation
public import MirrorCore

/// A recognition model as its manifest describes it: the checked model file, labels and taxonomy.
public struct VisionModel: Sendable {
    /// The manifest fields the runtime uses (`models/efficientnet-lite0.json`).
    struct Manifest: Decodable {
        struct Model: Decodable {
            var file: String
            var sha256: String
        }

        var name: String
        var model: Model
        var labels: String
        var taxonomy: [String: [Int]]
    }

    public let name: String
    public let sha256: String
    public let file: ModelFile
    public let taxonomy: Taxonomy

    /// Loads the manifest at `path`, then the model file (checked against the manifest's SHA-256) and the
    /// labels beside it.
    public static func load(manifest path: String) throws(VisionError) -> VisionModel {
        let folder = (path as NSString).deletingLastPathComponent
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw VisionError(.model, "cannot read the model manifest \(path): \(error)")
        }
        let file = try ModelFile(
            contentsOf: (folder as NSString).appendingPathComponent(manifest.model.file), sha256: manifest.model.sha256)
        let labelsPath = (folder as NSString).appendingPathComponent(manifest.labels)
        guard let text = try? String(contentsOfFile: labelsPath, encoding: .utf8) else {
            throw VisionError(.model, "cannot read the labels \(labelsPath)")
        }
        let labels = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter {
            !$0.isEmpty
        }
        var mapping: [GarmentCategory: [Int]] = [:]
        for (name, classes) in manifest.taxonomy {
            guard let category = GarmentCategory(rawValue: name) else {
                throw VisionError(.model, "manifest \(path): unknown category '\(name)' in taxonomy")
            }
            guard classes.allSatisfy({ (0..<labels.count).contains($0) }) else {
                throw VisionError(.model, "manifest \(path): category \(name) names a class outside the labels")
            }
            mapping[category] = classes
        }
        return VisionModel(
            name: manifest.name, sha256: manifest.model.sha256, file: file,
            taxonomy: Taxonomy(mapping: mapping, labels: labels))
    }
}
