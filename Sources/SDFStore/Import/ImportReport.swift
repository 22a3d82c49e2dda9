import Foundation
import SDFCore

/// Counts of one kind of record, as read from the files or as found in the store after the import.
public struct ImportCounts: Sendable, Hashable {
    /// JSON files (read: found; stored: whose content was stored or merged).
    public var files = 0
    /// Discussions.
    public var discussions = 0
    /// Seed comments (several per discussion in SynDisco 2.x files).
    public var seedComments = 0
    /// Turns after the seed comments: comments, abstentions (and, from sdf-json, failed calls).
    public var turns = 0
    /// Of the turns: comments.
    public var comments = 0
    /// Of the turns: abstentions (legacy silences).
    public var abstentions = 0
    /// Annotations (read: entries of annotation files and sdf-json annotations; stored: rows).
    public var annotations = 0
    /// Moderator decisions (sdf-json only; legacy files have none).
    public var moderatorDecisions = 0
    /// Distinct prompts (sdf-json only: read, distinct hashes in the files; stored, rows holding those hashes).
    public var prompts = 0
    /// Branch links (sdf-json only: branched discussions; stored, discussions with a trunk recorded).
    public var branchLinks = 0

    /// Creates zero counts.
    public init() {}
}

/// What happened to one file of an import.
public struct ImportedFile: Sendable, Hashable {
    /// What the file became.
    public enum Outcome: String, Sendable, Hashable {
        /// A discussion was stored from it.
        case discussion
        /// Its annotations were stored.
        case annotations
        /// Its content is identical to another file's of the same import and was merged with it.
        case merged
        /// Not an SDF/SynDisco file (no `logs`): nothing read from it.
        case skipped
        /// Recognised but not importable: see the report's problems.
        case failed
    }

    /// The file's path.
    public var path: String
    /// What it became.
    public var outcome: Outcome
    /// A line for people, e.g. `discussion 9c1d… → strategy/model, replicate 0: 1 seed comment, 4 turns`.
    public var detail: String

    /// Creates an entry.
    public init(path: String, outcome: Outcome, detail: String) {
        self.path = path
        self.outcome = outcome
        self.detail = detail
    }
}

/// What an import read, what the store holds afterwards, and every file's fate.
///
/// An import is committed only when nothing went wrong: no problems, and the store holds exactly what was read
/// (minus what is never stored, counted here on its own: annotations of silences, identical duplicates).
public struct ImportReport: Sendable {
    /// Counts read from the files.
    public var read = ImportCounts()
    /// Counts found in the store for the imported ids, after writing, before committing.
    public var stored = ImportCounts()
    /// Annotation entries about a silence (an abstention is not a comment and is not annotated).
    public var annotationsOfSilences = 0
    /// Annotation entries identical to one of another file of the same import (merged into one row).
    public var duplicateAnnotations = 0
    /// Discussion files identical to another file of the same import (merged into one discussion).
    public var duplicateDiscussions = 0
    /// Every file found, in path order, with what became of it.
    public var files: [ImportedFile] = []
    /// Per-file problems: (file, message). Any problem fails the import.
    public var problems: [(file: String, message: String)] = []
    /// The annotators of the imported annotation files: name, persona key, annotating model, files.
    public var annotators: [(name: String, key: String, model: String?, files: Int)] = []
    /// Whether the import was committed.
    public var committed = false

    /// Creates an empty report.
    public init() {}

    /// Discussions stored.
    public var discussions: Int { stored.discussions }
    /// Comments stored (turns; seed comments are counted in ``ImportCounts/seedComments``).
    public var comments: Int { stored.comments }
    /// Abstentions stored.
    public var abstentions: Int { stored.abstentions }
    /// Annotation files whose annotations were stored.
    public var annotationFiles: Int { files.filter { $0.outcome == .annotations }.count }
    /// Annotations stored.
    public var annotations: Int { stored.annotations }

    /// Where read and stored disagree, one line each (empty when they agree).
    public var mismatches: [String] {
        var out: [String] = []
        func check(_ what: String, _ read: Int, _ expected: Int, _ stored: Int) {
            if expected != stored { out.append("\(what): \(read) read, \(expected) to store, \(stored) stored") }
        }
        check("discussions", read.discussions, read.discussions - duplicateDiscussions, stored.discussions)
        check("seed comments", read.seedComments, read.seedComments, stored.seedComments)
        check("turns", read.turns, read.turns, stored.turns)
        check("comments", read.comments, read.comments, stored.comments)
        check("abstentions", read.abstentions, read.abstentions, stored.abstentions)
        check(
            "annotations", read.annotations, read.annotations - annotationsOfSilences - duplicateAnnotations, stored.annotations)
        check("moderator decisions", read.moderatorDecisions, read.moderatorDecisions, stored.moderatorDecisions)
        check("prompts", read.prompts, read.prompts, stored.prompts)
        check("branch links", read.branchLinks, read.branchLinks, stored.branchLinks)
        return out
    }

    /// Whether the import may be committed: no problems and no mismatches.
    public var isConsistent: Bool { problems.isEmpty && mismatches.isEmpty }

    /// The summary for people: read and stored counts side by side, what is never stored, the annotators.
    public var summary: String {
        // The sdf-json-only counts are shown when either side has any (legacy imports keep their two lines).
        let sdfJSONOnly = [read, stored].contains { $0.moderatorDecisions + $0.prompts + $0.branchLinks > 0 }
        func line(_ label: String, _ c: ImportCounts) -> String {
            "\(label) \(c.files) files, \(c.discussions) discussions, \(c.seedComments) seed comments, \(c.turns) turns "
                + "(\(c.comments) comments, \(c.abstentions) abstentions), \(c.annotations) annotations"
                + (sdfJSONOnly ? ", \(c.moderatorDecisions) moderator decisions, \(c.prompts) prompts, \(c.branchLinks) branch links" : "")
        }
        var out = [line("read:  ", read), line("stored:", stored)]
        let skipped = files.filter { $0.outcome == .skipped }.count
        var notStored: [String] = []
        if skipped > 0 { notStored.append("\(skipped) files skipped (not discussion or annotation files)") }
        if duplicateDiscussions > 0 { notStored.append("\(duplicateDiscussions) duplicate discussion files merged") }
        if annotationsOfSilences > 0 {
            notStored.append("\(annotationsOfSilences) annotations of silences (abstentions are not annotated)")
        }
        if duplicateAnnotations > 0 { notStored.append("\(duplicateAnnotations) duplicate annotations merged") }
        if !notStored.isEmpty { out.append("not stored, by rule: " + notStored.joined(separator: "; ")) }
        if !annotators.isEmpty {
            out.append(
                "\(annotators.count) annotators: "
                    + annotators.map { "\($0.name) (persona \($0.key)\($0.model.map { ", model \($0)" } ?? ""), \($0.files) file\($0.files == 1 ? "" : "s"))" }
                    .joined(separator: ", "))
        }
        for m in mismatches { out.append("mismatch: " + m) }
        return out.joined(separator: "\n")
    }
}

/// An import that was not committed: the report says what was read, what would have been stored, and why.
public struct ImportError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// The report of the rolled-back import.
    public var report: ImportReport

    /// Creates an error.
    public init(report: ImportReport) { self.report = report }

    /// `import not committed: N problem(s), M mismatch(es); nothing was stored`.
    public var description: String {
        "import not committed: \(report.problems.count) problem(s), \(report.mismatches.count) mismatch(es) between read and "
            + "stored; nothing was stored"
    }

    /// ``description``.
    public var errorDescription: String? { description }
}

extension ImportError: SDFError {
    /// ``SDFExitCode/someFailed``: the import was not committed (the README's exit 1 of `sdf import`).
    public var exitCode: SDFExitCode { .someFailed }
}
