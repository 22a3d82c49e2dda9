import Foundation

/// Says what differs between two design fingerprints (sorted-key JSON objects), as `path: old → new` lines.
public enum DesignDiff {
    /// The differing leaf paths, e.g. `discussion.turns: 6 → 7`, at most 12 of them.
    public static func changes(from old: String, to new: String) -> [String] {
        guard let a = try? JSONSerialization.jsonObject(with: Data(old.utf8)),
            let b = try? JSONSerialization.jsonObject(with: Data(new.utf8))
        else { return [] }
        var out: [String] = []
        diff(a, b, path: "", into: &out)
        return Array(out.prefix(12))
    }

    static func render(_ value: Any?) -> String {
        guard let value else { return "(absent)" }
        if let s = value as? String { return s.count > 40 ? "\"" + s.prefix(37) + "…\"" : "\"\(s)\"" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]),
            let text = String(data: data, encoding: .utf8)
        {
            return text.count > 40 ? String(text.prefix(37)) + "…" : text
        }
        return "\(value)"
    }

    static func diff(_ a: Any?, _ b: Any?, path: String, into out: inout [String]) {
        if let x = a as? [String: Any], let y = b as? [String: Any] {
            for key in Set(x.keys).union(y.keys).sorted() {
                diff(x[key], y[key], path: path.isEmpty ? key : path + "." + key, into: &out)
            }
        } else if let x = a as? [Any], let y = b as? [Any], x.count == y.count {
            for i in x.indices { diff(x[i], y[i], path: path + "[\(i)]", into: &out) }
        } else if let x = a as? [Any], let y = b as? [Any] {
            out.append("\(path): \(x.count) entries → \(y.count)")
        } else if render(a) != render(b) {
            out.append("\(path): \(render(a)) → \(render(b))")
        }
    }
}
