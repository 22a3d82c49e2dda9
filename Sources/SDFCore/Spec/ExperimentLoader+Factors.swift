import Foundation
import Yams

extension ExperimentLoader {
    /// Merges every level combination of `section` into `base`, resolves each into its own experiment and records
    /// them in `experiment` (``Experiment/factors``, ``Experiment/levelCombinations``, ``Experiment/variants``).
    ///
    /// Every level is first checked alone (the file merged with that one level), so that a problem names the
    /// factor and level that cause it: `factors.trolls.none: discussion.turnTakng: no such key (did you mean
    /// turnTaking?)`. Then each combination of the design is checked; a problem only a combination has names it.
    ///
    /// - Throws: ``ExperimentFileError`` with every problem found.
    static func addFactors(
        _ section: FactorSection, base: Node, to experiment: inout Experiment, file: String, baseDirectory: String,
        locate: @escaping ([any PathComponent], String) -> SpecDiagnostic
    ) throws {
        var d: [SpecDiagnostic] = []
        let yamlLocate = locate
        /// A diagnostic `field: message` re-attributed to `owner` (the level or combination), at the owner's line.
        func attribute(_ inner: SpecDiagnostic, owner: [any PathComponent], ownerField: String, innerPath: [any PathComponent]?)
            -> SpecDiagnostic
        {
            var at = yamlLocate(owner + (innerPath ?? []), "")
            at.field = ownerField
            at.message = inner.field.isEmpty ? inner.message : "\(inner.field): \(inner.message)"
            return at
        }
        func check(_ node: Node, owner: [any PathComponent], ownerField: String) -> Experiment? {
            let spec: ExperimentSpec
            do {
                spec = try YAMLDecoder().decode(ExperimentSpec.self, from: node)
            } catch let error as DecodingError {
                let (path, message) = overrideProblem(error)
                var at = yamlLocate(owner + path, "")
                at.field = ownerField
                at.message = "\(fieldName(path)): \(message)"
                d.append(at)
                return nil
            } catch {
                d.append(yamlLocate(owner, "\(error)"))
                return nil
            }
            do {
                return try build(spec, file: file, baseDirectory: baseDirectory, locate: { path, message in
                    SpecDiagnostic(file: file, field: fieldName(path), message: message)
                })
            } catch let error as ExperimentFileError {
                d += error.diagnostics.map { attribute($0, owner: owner, ownerField: ownerField, innerPath: nil) }
                return nil
            } catch {
                d.append(yamlLocate(owner, "\(error)"))
                return nil
            }
        }
        let candidates = FactorMerge.overridableKeys + FactorMerge.fixedKeys
        for factor in section.factors {
            for level in factor.levels {
                let owner: [any PathComponent] = ["factors", factor.name, level.name]
                let ownerField = fieldName(owner)
                var fine = true
                if case .mapping(let top) = level.override {
                    for key in top.keys.compactMap(\.string) where !FactorMerge.overridableKeys.contains(key) {
                        fine = false
                        var at = yamlLocate(owner + [key], "")
                        at.field = ownerField
                        if FactorMerge.fixedKeys.contains(key) {
                            at.message = "\(key): cannot be set by a factor level (levels override "
                                + FactorMerge.overridableKeys.joined(separator: ", ") + "; strategies and models are design factors of their own)"
                        } else {
                            let hint = FactorMerge.suggestion(for: key, among: candidates).map { " (did you mean \($0)?)" } ?? ""
                            at.message = "\(key): no such key\(hint)"
                        }
                        d.append(at)
                    }
                }
                if fine { _ = check(FactorMerge.merge(base, section.override(factor.name, level.name)), owner: owner, ownerField: ownerField) }
            }
        }
        if !d.isEmpty { throw ExperimentFileError(d) }
        let combinations = section.combinations
        let cells = experiment.strategies.count * experiment.spec.models.count * experiment.spec.replicates
        let (total, overflow) = cells.multipliedReportingOverflow(by: combinations.count)
        if overflow || total > StudyLimits.discussions.upperBound {
            throw ExperimentFileError([
                yamlLocate(
                    [section.explicit == nil ? "factors" : "conditions"],
                    "the design has \(overflow ? "too many" : String(total)) discussions (strategies × models × factor levels × "
                        + "replicates); expected at most \(StudyLimits.discussions.upperBound)")
            ])
        }
        var variants: [String: Experiment] = [:]
        for (i, combination) in combinations.enumerated() {
            var node = base
            for level in combination { node = FactorMerge.merge(node, section.override(level.factor, level.level)) }
            let key = FactorLevel.key(combination)
            let owner: [any PathComponent] = section.explicit == nil ? ["factors"] : ["conditions", i]
            let ownerField = section.explicit == nil ? "factors (\(key))" : "conditions[\(i)] (\(key))"
            if var variant = check(node, owner: owner, ownerField: ownerField) {
                variant.name = experiment.name
                variants[key] = variant
            }
        }
        if !d.isEmpty { throw ExperimentFileError(d) }
        experiment.factors = section.factors.map { Factor(name: $0.name, levels: $0.levels.map(\.name)) }
        experiment.levelCombinations = combinations
        experiment.variants = variants
    }

    /// The key path and message of a decoding error inside a merged experiment: an unknown key becomes
    /// `no such key (did you mean …?)`.
    static func overrideProblem(_ error: DecodingError) -> (path: [any PathComponent], message: String) {
        func path(_ codingPath: [any CodingKey]) -> [any PathComponent] {
            codingPath.map { key -> any PathComponent in key.intValue.map { $0 as any PathComponent } ?? key.stringValue }
        }
        switch error {
        case .dataCorrupted(let context):
            let text = context.debugDescription
            if text.hasPrefix("unknown key '"), let key = context.codingPath.last?.stringValue {
                let allowed = text.range(of: "expected one of: ").map {
                    text[$0.upperBound...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                } ?? []
                let hint = FactorMerge.suggestion(for: key, among: allowed).map { " (did you mean \($0)?)" } ?? ""
                return (path(context.codingPath), "no such key\(hint)")
            }
            return (path(context.codingPath), text)
        case .keyNotFound(let key, let context):
            return (path(context.codingPath), "missing required key '\(key.stringValue)'")
        case .typeMismatch(let type, let context):
            return (path(context.codingPath), "wrong type: expected \(describe(type))\(found(context.debugDescription))")
        case .valueNotFound(let type, let context):
            return (path(context.codingPath), "missing value: expected \(describe(type))")
        @unknown default:
            return ([], "\(error)")
        }
    }
}
