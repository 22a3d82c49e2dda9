import Foundation
import GRDB
import SDFCore

extension Store {
    /// One discussion's annotations, by comment and annotator (the order of ``annotations(ofDiscussion:)``), read
    /// column by column from `Row`s: every field as ``annotations(ofDiscussion:)`` decodes it, except — unless
    /// `sampling` is set (sdf-json) — `call.sampling` (``SamplingParameters/unknown``) and `call.callKey` (`nil`),
    /// which the tidy export does not write.
    ///
    /// Decoding each row's sampling parameters through `JSONDecoder` (GRDB's `Codable` row decoding) was the largest
    /// part of exporting 450,000 annotations; the values objects repeat (a few dozen distinct texts) and are decoded
    /// once per distinct text of the discussion here.
    ///
    /// - Throws: a GRDB error, or `DecodingError` naming the annotation and column for a stored value that is not
    ///   what the schema says (a damaged store).
    func annotationsForExport(ofDiscussion discussionId: String, sampling: Bool = false) async throws -> [AnnotationRecord] {
        try await writer.read { db in
            let samplingDecoder = AnnotationRecord.databaseJSONDecoder(for: "sampling")
            var cache: [String: [String: Int]] = [:]
            let decoder = JSONDecoder()
            func damaged(_ id: String, _ column: String, _ value: String) -> DecodingError {
                Store.damagedColumn("annotation", id, column, value)
            }
            var records: [AnnotationRecord] = []
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, commentId, discussionId, annotator, "values", status, method, detail, rawText, rawTextBytes,
                           structuredOutput, modelName, modelId, endpoint, promptHash, templateId, promptTokens, completionTokens,
                           cachedTokens, latencyMs, finishReason, attempts, errorKind, error, startedAt, finishedAt,
                           \(sampling ? "sampling, callKey" : "NULL, NULL")
                    FROM annotation WHERE discussionId = ? ORDER BY commentId, annotator
                    """, arguments: [discussionId])
            while let row = try rows.next() {
                let id: String = row[0]
                let valuesText: String = row[4]
                let values: [String: Int]
                if let known = cache[valuesText] {
                    values = known
                } else {
                    do { values = try decoder.decode([String: Int].self, from: Data(valuesText.utf8)) } catch { throw damaged(id, "values", valuesText) }
                    cache[valuesText] = values
                }
                let statusText: String = row[5]
                guard let status = AnnotationStatus(rawValue: statusText) else { throw damaged(id, "status", statusText) }
                let methodText: String = row[6]
                guard let method = AnnotationParseMethod(rawValue: methodText) else { throw damaged(id, "method", methodText) }
                let rawBytes: Data? = row[9]
                let rawText: String? = rawBytes.map { String(decoding: $0, as: UTF8.self) } ?? row[8]
                let structuredValue: DatabaseValue = row[10]
                guard let structuredText = String.fromDatabaseValue(structuredValue), let structured = StructuredOutputForm(rawValue: structuredText) else {
                    throw damaged(id, "structuredOutput", "\(structuredValue)")
                }
                let kindText: String? = row[22]
                let message: String? = row[23]
                let kind = try kindText.map { text -> CallErrorKind in
                    guard let kind = CallErrorKind(rawValue: text) else { throw damaged(id, "errorKind", text) }
                    return kind
                }
                let error = message.map { m in kind.map { CallFailure(kind: $0, message: m) } ?? CallFailure(legacyDescription: m) }
                var parameters = SamplingParameters.unknown
                if sampling {
                    let text: String = row[26]
                    do { parameters = try samplingDecoder.decode(SamplingParameters.self, from: Data(text.utf8)) } catch { throw damaged(id, "sampling", text) }
                }
                var record = AnnotationRecord(
                    id: id, commentId: row[1], discussionId: row[2], annotator: row[3], values: values, status: status, method: method,
                    detail: row[7], rawText: rawText, structuredOutput: structured,
                    call: CallProvenance(
                        modelName: row[11], modelId: row[12], endpoint: row[13], sampling: parameters, promptHash: row[14], templateId: row[15],
                        promptTokens: row[16], completionTokens: row[17], cachedTokens: row[18], latencyMs: row[19], finishReason: row[20],
                        attempts: row[21], error: error, callKey: row[27]),
                    startedAt: row[24], finishedAt: row[25])
                // As AnnotationRecord's decoding: an earlier version kept a failed call's error in `detail`.
                if status == .failed, record.call.error == nil, let detail = record.detail {
                    record.call.error = CallFailure(legacyDescription: detail)
                    record.detail = nil
                }
                records.append(record)
            }
            return records
        }
    }
}
