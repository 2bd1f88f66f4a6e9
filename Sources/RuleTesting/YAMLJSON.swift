public import Events
public import YAMLDocument

extension YAMLNode {
    /// The node as JSON, for events written inline in rule tests.
    ///
    /// Plain scalars are typed the way JSON would be: `~`, `null` and nothing are null, `true` and
    /// `false` are booleans, numbers are numbers, anything else is text; quoted scalars are always
    /// text. (So `postal_code: "02139"` stays text, and `patient: {id: 100}` is the number an event
    /// validator will refuse, with its path.)
    public var jsonValue: JSONValue {
        switch content {
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.text) }
            if scalar.isNull { return .null }
            if scalar.text == "true" { return .bool(true) }
            if scalar.text == "false" { return .bool(false) }
            if let number = Double(scalar.text), scalar.text.first.map({ $0.isNumber || $0 == "-" }) == true {
                return .number(number)
            }
            return .string(scalar.text)
        case .sequence(let items):
            return .array(items.map(\.jsonValue))
        case .mapping(let entries):
            return .object(entries.map { JSONMember(key: $0.key.text, value: $0.value.jsonValue) })
        }
    }
}

extension JSONValue {
    /// This value with `patch` applied as a JSON Merge Patch (RFC 7386): objects merge key by key,
    /// `null` deletes a key, anything else replaces.
    public func merged(with patch: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var members: [JSONMember]
        if case .object(let existing) = self { members = existing } else { members = [] }
        for member in patchMembers {
            let index = members.firstIndex { $0.key == member.key }
            if member.value == .null {
                if let index { members.remove(at: index) }
            } else if let index {
                members[index].value = members[index].value.merged(with: member.value)
            } else {
                members.append(JSONMember(key: member.key, value: JSONValue.null.merged(with: member.value)))
            }
        }
        return .object(members)
    }
}
