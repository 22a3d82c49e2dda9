import Foundation
import SDFStore

/// The machine-readable twin of the HTML report (`sdf report STORE --json FILE`): every statistic the report
/// shows, plus the regression models, at full precision.
///
/// ## Shape
///
/// One JSON object with sorted keys (UTF-8, pretty-printed, ending in a newline):
///
/// ```
/// {
///   "format": "sdf-report",                 // constant
///   "version": 1,                           // bumped when a key changes meaning or disappears
///   "summary": ["…", …],                    // the report's plain-language sentences
///   "analysis": {                           // ``ExperimentAnalysis``, field by field
///     "experiment", "storePath", "annotators", "options" (``AnalysisOptions``),
///     "runs": [``RunManifest``], "conditions": [``ConditionDesign``], "rubric": [``RubricDimension``],
///     "quality": ``DataQuality``, "behaviour": [``ConditionBehaviour``],
///     "interventionByStrategy": [``StrategyIntervention``], "turnTaking": [``TurnTakingSummary``],
///     "roles": ["user", "troll", …], "models": ["…"],   // levels of the role and model splits
///     "interventionsPerDiscussion": [``InterventionCounts`` {condition, strategy, counts: [moderator
///                      comments per discussion], mean, median, min, max}],   // moderated conditions only
///     "participation": [``ConditionParticipation`` {condition, personas: [``PersonaParticipation``
///                      {persona, role, discussions, turns, comments, abstentions, share}], meanGini,
///                      meanTopShare, discussions}],
///     "power": ``PowerAnalysis`` {alpha, power (target 0.8), iccMethod, dimensions: [``DimensionPower``
///                      {dimension, icc, groupVariance, residualVariance, commentsPerDiscussion,
///                      designEffect, comments, discussions, pairs: [``PairPower`` {a, b, commentsA,
///                      commentsB, discussionsA, discussionsB, difference, pooledSD, pilotEffect, effect,
///                      effectiveN, commentsNeeded, discussionsExact, discussionsNeeded, pilotPower}]}]},
///                      // absent with fewer than two conditions with scores
///     "dimensions": [{                      // ``DimensionAnalysis``, one per rubric dimension
///       "dimension", "conditions": [``ConditionScores`` with "ci": {estimate, lower, upper, level}],
///       "kruskalWallis", "discussionKruskalWallis", "anova", "dunn": [``PairwiseComparison``],
///       "compared", "alphaInterval", "alphaOrdinal", "alphaUnits", "byTurn": [{condition, points: [{x, mean, n, lower, upper}]}],  // lower/upper: 95 % t-interval, absent below n = 2
///       "regression": ``RegressionTable`` {terms, coefficients: [{term, estimate, standardError,
///                      statistic, p, lower, upper}], rSquared, adjustedRSquared, n, residualDF},
///       "mixedModel": ``MixedModelTable`` {terms, coefficients, groupVariance, residualVariance, icc,
///                      logLikelihood, converged, n, discussions},
///       "byRole": [``SubgroupScores`` {condition, level (role), comments, ratings, discussions, mean, ci}],
///                      // empty when the analysed comments have one role
///       "byModel": [``SubgroupScores`` {level (model), …}],  // pooled over the model's conditions;
///                      // empty with one model
///       "byFactorLevel": [``SubgroupScores`` {factor, level, …}]  // pooled over the conditions at the level;
///                      // empty without factors
///     }]
///     "fidelity": ``FidelityComparison``     // only with `sdf report --human PATH`
///     "moderatorDecisions": [``ConditionModeratorDecisions`` {condition, strategy, kinds, asked,
///                      decidedToSpeak, spoke, stayedSilent, unparseable, failed, speakRate}]
///                      // only when a condition used decideFirst or onTrigger
///     "paired": [``BranchedPairAnalysis`` {trunk, branched, branchTurn, dimension,
///                      replicates: [{replicate, trunk, branched}], comparison: ``Stats/PairedComparison``}]
///                      // only for a store with branched discussions (`branching:`)
///   }
/// }
/// ```
///
/// Conventions: numbers are written with the shortest decimal that reads back as the same `Double` (full
/// precision); NaN and ±∞ are the strings `"NaN"`, `"Infinity"`, `"-Infinity"`; a statistic that is not
/// computable (an optional that is `nil`) is absent from its object; dates are ISO 8601 in UTC.
public enum ReportJSON {
    /// The value of `"format"`.
    public static let format = "sdf-report"
    /// The value of `"version"`.
    public static let version = 1

    struct Document: Encodable {
        var format: String
        var version: Int
        var summary: [String]
        var analysis: ExperimentAnalysis
    }

    /// The JSON document of an analysis (see the shape above), as UTF-8 text ending in a newline.
    public static func text(_ analysis: ExperimentAnalysis) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(
            Document(format: format, version: version, summary: analysis.summarySentences(), analysis: analysis))
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Writes the JSON document of `analysis` to `path` (atomically, creating the folder).
    ///
    /// - Throws: ``StoreError`` when the file cannot be written.
    public static func write(_ analysis: ExperimentAnalysis, to path: String) throws {
        let text: String
        do {
            text = try Self.text(analysis)
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw StoreError("cannot write \(path): \(error.localizedDescription)")
        }
        try StoreError.write(Data(text.utf8), to: path)
    }
}
