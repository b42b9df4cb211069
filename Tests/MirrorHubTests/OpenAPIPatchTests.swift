import Foundation
import MirrorProtocol
import Testing
import Yams

@testable import MirrorHub

/// Issue: the OpenAPI document listed some session-event fields and said no others were allowed, while the hub
/// takes (and its figures need) `via`, `score`, `suggestionKind`, `triedSize`, `rating` and `subject`: a client built
/// from the document could not send them. Each patch schema now lists exactly the fields the hub's check allows.
@Suite struct OpenAPIPatchTests {
    static let schemas: [(SyncEntity, String)] = [
        (.sessionEvent, "SessionEventPatch"), (.staffRequest, "StaffRequestPatch"), (.consent, "ConsentPatch"),
        (.savedLook, "SavedLookPatch"),
    ]

    @Test func eachPatchSchemaListsTheFieldsTheHubTakes() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/hub-openapi.yaml").path
        let document = try #require(
            try Yams.load(yaml: String(contentsOfFile: path, encoding: .utf8)) as? [String: Any])
        let components = try #require(document["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        for (entity, name) in Self.schemas {
            let schema = try #require(schemas[name] as? [String: Any], "\(name)")
            let properties = try #require(schema["properties"] as? [String: Any], "\(name)")
            #expect(Set(properties.keys) == Validate.patchFields[entity], "\(name)")
            #expect(schema["additionalProperties"] as? Bool == false, "\(name)")
        }
    }
}
