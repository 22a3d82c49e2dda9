import GRDB
import SDFCore

extension Store {
    /// The stored errors of failed turns (`kind: message`), oldest discussion first: after a run, one per failed
    /// discussion (a failed call ends its discussion; a resume removes failed turns before retrying them).
    public func failedTurnErrors() async throws -> [String] {
        try await writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT COALESCE(error, 'unknown: no error recorded') FROM turn WHERE outcome = 'failed' ORDER BY discussionId, turnIndex")
        }
    }
}
