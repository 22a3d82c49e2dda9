import Foundation
import SDFCore

/// Formats stored discussions as plain text for people (`sdf show`).
///
/// Text from models and files (comments, raw outputs, personas, labels, errors) may hold terminal control
/// sequences; the output shows every control character visibly (``ControlCharacters/visible(_:keepNewlines:)``),
/// so printing it can never move the cursor, retitle or recolour the terminal, or reorder the display.
public enum ThreadFormatter {
    /// One line per discussion: id, condition, replicate, status, comments, abstentions, failed calls.
    public static func list(store: Store) async throws -> String {
        let discussions = try await store.discussions()
        if discussions.isEmpty { return "no discussions in \(store.path)\n" }
        var out = "id        condition             rep  status   comments  abstentions  failed\n"
        for d in discussions {
            let turns = try await store.turns(of: d.id)
            let comments = turns.filter { $0.outcome == .comment }.count
            let abstentions = turns.filter { $0.outcome == .abstention }.count
            let failed = turns.filter { $0.outcome == .failed }.count
            out += pad(String(d.id.prefix(8)), 10) + pad(d.conditionLabel, 22) + pad(String(d.replicate), 5)
                + pad(d.status.rawValue, 9) + pad(String(comments), 10) + pad(String(abstentions), 13) + String(failed) + "\n"
        }
        return ControlCharacters.visible(out)
    }

    /// The whole thread: header, participants, seed comment, then every turn — comments with their flags,
    /// abstentions and failed calls marked as such.
    ///
    /// - Parameter raw: also show raw outputs and cleaning changes.
    public static func thread(store: Store, discussion d: DiscussionRecord, raw: Bool = false) async throws -> String {
        let participants = try await store.participants(of: d.id)
        let turns = try await store.turns(of: d.id)
        var out = "discussion \(d.id)\n"
        out += "condition \(d.conditionLabel) (strategy \(d.strategy), model \(d.modelName)), replicate \(d.replicate), \(d.status.rawValue)\n"
        out += "turn-taking \(d.turnTaking), history \(d.historyLength.map(String.init) ?? "all")\n"
        out += "participants:\n"
        for p in participants {
            let traits = p.persona.attributes.map { "\($0.label) \($0.value)" }.joined(separator: "; ")
            out += "  \(p.username) [\(p.role.rawValue)]" + (traits.isEmpty ? "" : ": \(traits)") + "\n"
        }
        let seeds = try await store.seedComments(of: d)
        if seeds.isEmpty { out += "\n[0] OP (seed comment):\n" + indent(d.seedComment) }
        for seed in seeds {
            out += "\n[0] \(seed.author) (seed comment" + (seeds.count > 1 ? " \(seed.position + 1) of \(seeds.count)" : "") + "):\n"
                + indent(seed.text)
        }
        for t in turns {
            let head = "[\(t.turnIndex)] \(t.speaker) (\(t.role.rawValue))"
            switch t.outcome {
            case .comment:
                out += "\n\(head):\n" + indent(t.text ?? "")
                if !t.flags.isEmpty { out += "    flags: " + t.flags.map(\.rawValue).joined(separator: ", ") + "\n" }
            case .abstention:
                out += "\n\(head) abstained" + (t.rawText.map { $0.isEmpty ? " (empty output)" : " (said: \(quote($0)))" } ?? "") + "\n"
            case .failed:
                out += "\n\(head) call failed after \(t.call.attempts) attempt(s): \(t.call.error?.description ?? "unknown error")\n"
            }
            if raw, t.outcome != .failed {
                out += "    raw: \(quote(t.rawText ?? ""))\n"
                for change in t.cleaning where change.step != "whitespace" {
                    out += "    cleaned \(change.step): removed \(quote(change.removed))\n"
                }
            }
        }
        return ControlCharacters.visible(out)
    }

    static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n") + "\n"
    }

    static func quote(_ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"" + escaped + "\""
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
