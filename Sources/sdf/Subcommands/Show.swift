import ArgumentParser
import Foundation
import SDFCore
import SDFStore

/// `sdf show STORE [DISCUSSION]`: lists discussions, or prints one thread readably.
struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a store's discussions, or print one thread with abstentions and cleaning flags.")

    @Argument(help: "The store (SQLite file).")
    var store: String

    @Argument(help: "A discussion id (or a unique prefix of one). Omit to list the discussions.")
    var discussion: String?

    @Flag(help: "Also print raw model outputs and each cleaning change.")
    var raw = false

    func run() async throws {
        let opened: Store
        do {
            opened = try Store.openExisting(path: store)
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        }
        guard let discussion else {
            print(try await ThreadFormatter.list(store: opened), terminator: "")
            return
        }
        guard let record = try await opened.discussion(matching: discussion) else {
            printError("error: no single discussion in \(store) has an id starting with '\(discussion)'")
            throw ExitCode(.storeProblem)
        }
        print(try await ThreadFormatter.thread(store: opened, discussion: record, raw: raw), terminator: "")
    }
}
