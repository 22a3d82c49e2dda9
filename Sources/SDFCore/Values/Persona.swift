import Foundation

/// Who a participant is: a username and socio-demographic background (SDB) attributes.
///
/// Every attribute but `username` is optional. Attributes not covered by the named fields go into
/// ``extra``. JSON and YAML keys are the property names; the keys of the earlier Python tools are
/// accepted too (`education_level`, `current_employment`, `demographic_group`,
/// `sexual_orientation`, `personality_characteristics`, `political_leaning`, and `intent` /
/// `special_instructions`, which land in ``extra``).
public struct Persona: Codable, Sendable, Hashable {
    /// The name shown in the thread; unique within a discussion.
    public var username: String
    /// Age in years.
    public var age: Int?
    /// Sex or gender, free text.
    public var sex: String?
    /// Highest education level, free text.
    public var education: String?
    /// Sexual orientation, free text.
    public var sexualOrientation: String?
    /// Ethnicity or demographic group, free text.
    public var ethnicity: String?
    /// Occupation or employment status, free text.
    public var occupation: String?
    /// Political leaning, free text.
    public var politicalLeaning: String?
    /// Personality traits, e.g. `["sarcastic", "impatient"]`.
    public var personality: [String]
    /// Any other attributes, rendered in key order after the named ones.
    public var extra: [String: String]

    /// Creates a persona; every attribute but the username may be left out.
    public init(
        username: String, age: Int? = nil, sex: String? = nil, education: String? = nil,
        sexualOrientation: String? = nil, ethnicity: String? = nil, occupation: String? = nil,
        politicalLeaning: String? = nil, personality: [String] = [], extra: [String: String] = [:]
    ) {
        self.username = username
        self.age = age
        self.sex = sex
        self.education = education
        self.sexualOrientation = sexualOrientation
        self.ethnicity = ethnicity
        self.occupation = occupation
        self.politicalLeaning = politicalLeaning
        self.personality = personality
        self.extra = extra
    }

    /// The attributes as ordered (label, value) pairs for prompts and tables; empty values are left out.
    public var attributes: [(label: String, value: String)] {
        var result: [(String, String)] = []
        if let age { result.append(("age", String(age))) }
        if let sex, !sex.isEmpty { result.append(("sex/gender", sex)) }
        if let education, !education.isEmpty { result.append(("education", education)) }
        if let sexualOrientation, !sexualOrientation.isEmpty {
            result.append(("sexual orientation", sexualOrientation))
        }
        if let ethnicity, !ethnicity.isEmpty { result.append(("ethnicity", ethnicity)) }
        if let occupation, !occupation.isEmpty { result.append(("occupation", occupation)) }
        if let politicalLeaning, !politicalLeaning.isEmpty { result.append(("political leaning", politicalLeaning)) }
        if !personality.isEmpty { result.append(("personality", personality.joined(separator: ", "))) }
        for key in extra.keys.sorted() where !(extra[key] ?? "").isEmpty {
            result.append((key, extra[key]!))
        }
        return result
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { self.stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static let aliases: [String: String] = [
        "username": "username", "name": "username",
        "age": "age",
        "sex": "sex", "gender": "sex",
        "education": "education", "education_level": "education", "educationLevel": "education",
        "sexualOrientation": "sexualOrientation", "sexual_orientation": "sexualOrientation",
        "ethnicity": "ethnicity", "demographic_group": "ethnicity", "demographicGroup": "ethnicity",
        "occupation": "occupation", "current_employment": "occupation", "employment": "occupation",
        "politicalLeaning": "politicalLeaning", "political_leaning": "politicalLeaning", "politics": "politicalLeaning",
        "personality": "personality", "personality_characteristics": "personality",
        "personalityCharacteristics": "personality", "traits": "personality",
        "extra": "extra",
    ]

    /// Decodes a persona, accepting both SDF's own keys and those of the earlier Python tools.
    ///
    /// - Throws: `DecodingError` when `username` is missing or a field has the wrong type.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var username: String?
        var extra: [String: String] = [:]
        var personality: [String] = []
        self.age = nil
        self.sex = nil
        self.education = nil
        self.sexualOrientation = nil
        self.ethnicity = nil
        self.occupation = nil
        self.politicalLeaning = nil
        for key in container.allKeys {
            switch Self.aliases[key.stringValue] {
            case "username": username = try container.decode(String.self, forKey: key)
            case "age": self.age = try Self.decodeAge(container, key)
            case "sex": self.sex = try container.decodeIfPresent(String.self, forKey: key)
            case "education": self.education = try container.decodeIfPresent(String.self, forKey: key)
            case "sexualOrientation": self.sexualOrientation = try container.decodeIfPresent(String.self, forKey: key)
            case "ethnicity": self.ethnicity = try container.decodeIfPresent(String.self, forKey: key)
            case "occupation": self.occupation = try container.decodeIfPresent(String.self, forKey: key)
            case "politicalLeaning": self.politicalLeaning = try container.decodeIfPresent(String.self, forKey: key)
            case "personality":
                if try container.decodeNil(forKey: key) {
                    personality = []
                } else if let list = try? container.decode([String].self, forKey: key) {
                    personality = list
                } else {
                    let text = try container.decode(String.self, forKey: key)
                    personality = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                        .filter { !$0.isEmpty }
                }
            case "extra":
                for (k, v) in try container.decode([String: String].self, forKey: key) { extra[k] = v }
            default:
                if let text = try? container.decode(String.self, forKey: key) {
                    extra[key.stringValue] = text
                } else if let number = try? container.decode(Double.self, forKey: key) {
                    extra[key.stringValue] = number == number.rounded() ? String(Int(number)) : String(number)
                } else if let list = try? container.decode([String].self, forKey: key) {
                    extra[key.stringValue] = list.joined(separator: ", ")
                } else if try container.decodeNil(forKey: key) {
                    continue
                } else {
                    throw DecodingError.typeMismatch(
                        String.self,
                        .init(
                            codingPath: container.codingPath + [key],
                            debugDescription: "expected text, a number or a list of text for persona attribute"))
                }
            }
        }
        guard let username, !username.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DecodingError.keyNotFound(
                Key("username"),
                .init(codingPath: container.codingPath, debugDescription: "a persona needs a non-empty username"))
        }
        self.username = username
        self.personality = personality
        self.extra = extra
    }

    private static func decodeAge(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Int? {
        if let value = try? container.decodeIfPresent(Int.self, forKey: key) { return value }
        if let text = try? container.decode(String.self, forKey: key), let value = Int(text) { return value }
        throw DecodingError.typeMismatch(
            Int.self, .init(codingPath: container.codingPath + [key], debugDescription: "expected an integer age"))
    }

    /// Encodes with SDF's own keys, leaving out absent attributes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(username, forKey: Key("username"))
        try container.encodeIfPresent(age, forKey: Key("age"))
        try container.encodeIfPresent(sex, forKey: Key("sex"))
        try container.encodeIfPresent(education, forKey: Key("education"))
        try container.encodeIfPresent(sexualOrientation, forKey: Key("sexualOrientation"))
        try container.encodeIfPresent(ethnicity, forKey: Key("ethnicity"))
        try container.encodeIfPresent(occupation, forKey: Key("occupation"))
        try container.encodeIfPresent(politicalLeaning, forKey: Key("politicalLeaning"))
        if !personality.isEmpty { try container.encode(personality, forKey: Key("personality")) }
        if !extra.isEmpty { try container.encode(extra, forKey: Key("extra")) }
    }
}
