import Events
import Foundation
import Testing

/// Holds the decoder to the project's copy of the contract: every property the schema names is
/// checked, and the copy is the shared one.
@Suite("The decoder covers the whole event schema")
struct SchemaCoverageTests {
    static let schemaURL = Fixtures.packageRoot.appendingPathComponent("schemas/event.schema.json")
    static let sharedSchemaURL = Fixtures.shared.appendingPathComponent("contract/event.schema.json")

    /// One property of the schema: its path of keys, with `nil` standing for "an item of this array".
    struct Property: CustomTestStringConvertible, Sendable {
        var steps: [String?]
        var isContainer: Bool
        var testDescription: String { steps.map { $0 ?? "[]" }.joined(separator: ".") }

        /// The JSON path the decoder should report, items being index 0.
        var jsonPath: String {
            steps.reduce("$") { path, step in step.map { path + "." + $0 } ?? path + "[0]" }
        }
    }

    static let properties: [Property] = {
        guard let data = try? Data(contentsOf: schemaURL),
            let schema = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [] }
        var found: [Property] = []
        func walk(_ node: [String: Any], _ steps: [String?]) {
            if let properties = node["properties"] as? [String: Any] {
                for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
                    guard let child = value as? [String: Any] else { continue }
                    let childSteps = steps + [name]
                    let container =
                        child["properties"] != nil || child["items"] != nil || (child["type"] as? String) == "object"
                    found.append(Property(steps: childSteps, isContainer: container))
                    walk(child, childSteps)
                }
            }
            if let items = node["items"] as? [String: Any] {
                if items["properties"] == nil {
                    found.append(Property(steps: steps + [nil], isContainer: false))
                }
                walk(items, steps + [nil])
            }
        }
        walk(schema, [])
        return found
    }()

    @Test("the schema has the properties we expect to walk")
    func schemaRead() {
        #expect(Self.properties.count > 70)
    }

    @Test("a wrong type for any property is an error at its path", arguments: properties)
    func wrongTypeAtEveryPath(_ property: Property) {
        // Containers get a string; scalars get an object, which no scalar property accepts.
        let wrong: Any = property.isContainer ? "wrong" : ["wrong": true]
        let errors = TestEvent.errors { event in
            Self.place(wrong, along: property.steps[...], in: &event)
        }
        #expect(errors.contains { $0.hasPrefix("\(property.jsonPath): expected") }, "errors: \(errors)")
    }

    /// Puts `value` at the end of `steps`, creating objects and one-item arrays on the way.
    static func place(_ value: Any, along steps: ArraySlice<String?>, in object: inout [String: Any]) {
        guard let first = steps.first, let key = first else { return }
        let rest = steps.dropFirst()
        if rest.isEmpty {
            object[key] = value
        } else if rest.first == .some(nil) {
            // An array: one item.
            let afterItem = rest.dropFirst()
            if afterItem.isEmpty {
                object[key] = [value]
            } else {
                var item: [String: Any] = [:]
                place(value, along: afterItem, in: &item)
                object[key] = [item]
            }
        } else {
            var inner = object[key] as? [String: Any] ?? [:]
            place(value, along: rest, in: &inner)
            object[key] = inner
        }
    }

    @Test(
        "the project's schema is identical to the shared contract",
        .enabled(if: Fixtures.exists(sharedSchemaURL), "../shared/contract/event.schema.json is absent"))
    func schemaCopyIsIdentical() throws {
        #expect(try Data(contentsOf: Self.schemaURL) == Data(contentsOf: Self.sharedSchemaURL))
    }
}
