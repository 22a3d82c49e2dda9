import Foundation
import SDFCore

/// The discussion list's filters, search, sort and page, read from and written to a URL query.
struct ListQuery: Sendable, Hashable {
    /// Sort keys of the discussion list.
    enum Sort: String, CaseIterable, Sendable {
        case condition, replicate, status, comments, failed, started
    }

    var store: String?
    var condition: String?
    var replicate: Int?
    var status: String?
    var flag: String?
    var role: String?
    var failures = false
    var search: String?
    var sort: Sort = .condition
    var descending = false
    var page = 1

    static let perPage = 50

    init() {}

    /// Reads the query; unknown values of closed sets (status, flag, role, sort) are ignored.
    init(_ p: QueryParameters) {
        store = p.nonEmpty("store")
        condition = p.nonEmpty("condition")
        replicate = p.nonEmpty("replicate").flatMap { Int($0) }
        status = p.nonEmpty("status").flatMap { DiscussionStatus(rawValue: $0)?.rawValue }
        flag = p.nonEmpty("flag").flatMap { CommentFlag(rawValue: $0)?.rawValue }
        role = p.nonEmpty("role").flatMap { r in ["user", "troll", "moderator"].contains(r) ? r : nil }
        failures = p.nonEmpty("failures") == "1"
        search = p.nonEmpty("q")
        sort = p.nonEmpty("sort").flatMap(Sort.init(rawValue:)) ?? .condition
        descending = p.nonEmpty("order") == "desc"
        page = max(1, p.nonEmpty("page").flatMap { Int($0) } ?? 1)
    }

    /// The query string (without `?`) of this query; parameters at their default are left out.
    var queryString: String {
        var parts: [(String, String)] = []
        if let store { parts.append(("store", store)) }
        if let condition { parts.append(("condition", condition)) }
        if let replicate { parts.append(("replicate", String(replicate))) }
        if let status { parts.append(("status", status)) }
        if let flag { parts.append(("flag", flag)) }
        if let role { parts.append(("role", role)) }
        if failures { parts.append(("failures", "1")) }
        if let search { parts.append(("q", search)) }
        if sort != .condition { parts.append(("sort", sort.rawValue)) }
        if descending { parts.append(("order", "desc")) }
        if page != 1 { parts.append(("page", String(page))) }
        return parts.map { "\($0.0)=\(HTMLEscape.query($0.1))" }.joined(separator: "&")
    }

    /// `/discussions` with this query.
    var url: String { queryString.isEmpty ? "/discussions" : "/discussions?" + queryString }

    /// Whether any filter or search is set.
    var isFiltered: Bool {
        condition != nil || replicate != nil || status != nil || flag != nil || role != nil || failures || search != nil
    }
}

/// A URL query decoded as a form would send it (`+` is a space, then percent-decoding); repeated keys kept.
struct QueryParameters: Sendable {
    var pairs: [(String, String)]

    init(query: String?) {
        pairs = (query ?? "").split(separator: "&").map { part in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(kv[0]), kv.count > 1 ? decode(kv[1]) : "")
        }
    }

    /// The first value of `key`, trimmed; `nil` when absent or blank.
    func nonEmpty(_ key: String) -> String? {
        guard let value = pairs.first(where: { $0.0 == key })?.1.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            return nil
        }
        return value
    }

    /// Every non-blank value of `key` (the key repeated), in order.
    func all(_ key: String) -> [String] {
        pairs.filter { $0.0 == key }.map { $0.1.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
