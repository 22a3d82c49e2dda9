import SDFCore

extension ExperimentAnalysis {
    /// The y-axis wording of a dimension, e.g. `mean score (1–5)`.
    static func axisTitle(_ d: RubricDimension, prefix: String = "mean score") -> String {
        "\(prefix) (\(d.min)–\(d.max))"
    }

    /// The dimension's name with what higher means, e.g. `toxicity (higher = more toxic)`.
    static func titleWithDirection(_ d: RubricDimension) -> String {
        let name = ReportFormat.dimensionName(d.name)
        return d.higherMeans.isEmpty ? name : "\(name) (higher = \(d.higherMeans))"
    }

    /// Chart (a): mean and bootstrap interval per condition, one panel per dimension.
    public func meanCIChart() -> MeanCIChart {
        let level = SVG.num(options.level * 100, decimals: 0)
        return MeanCIChart(
            title: "Mean score per condition with \(level)% bootstrap CI",
            categories: conditionLabels,
            panels: dimensions.map { d in
                MeanCIChart.Panel(
                    title: Self.titleWithDirection(d.dimension), axisTitle: Self.axisTitle(d.dimension),
                    scaleMin: Double(d.dimension.min), scaleMax: Double(d.dimension.max),
                    points: d.conditions.compactMap { c in
                        guard let mean = c.mean else { return nil }
                        return MeanCIChart.Point(
                            label: c.condition, n: c.n, mean: mean, lower: c.ci?.lower ?? mean, upper: c.ci?.upper ?? mean)
                    })
            },
            intervalLabel: "\(level)% bootstrap CI")
    }

    /// Chart (b): the mean of one dimension by user turn, one line per condition.
    public func turnChart(_ d: DimensionAnalysis) -> TurnSeriesChart {
        let name = ReportFormat.dimensionName(d.dimension.name)
        return TurnSeriesChart(
            title: "\(ReportFormat.capitalised(Self.titleWithDirection(d.dimension))) by user turn", xTitle: "user turn",
            yTitle: Self.axisTitle(d.dimension, prefix: "mean \(name)"), scaleMin: Double(d.dimension.min),
            scaleMax: Double(d.dimension.max), categories: conditionLabels,
            series: d.byTurn.map { TurnSeriesChart.Series(label: $0.condition, points: $0.points) })
    }

    /// Chart (c): differences of means between the compared conditions with Dunn–Holm stars.
    public func heatmap(_ d: DimensionAnalysis) -> DifferenceHeatmap {
        let labels = d.compared
        let k = labels.count
        var differences = [[Double?]](repeating: [Double?](repeating: nil, count: k), count: k)
        var pValues = [[Double?]](repeating: [Double?](repeating: nil, count: k), count: k)
        for i in 0..<k {
            for j in 0..<k where i != j {
                if let a = d.scores(labels[i])?.mean, let b = d.scores(labels[j])?.mean { differences[i][j] = a - b }
            }
        }
        for pair in d.dunn {
            guard let i = labels.firstIndex(of: pair.a), let j = labels.firstIndex(of: pair.b) else { continue }
            pValues[i][j] = pair.pHolm
            pValues[j][i] = pair.pHolm
        }
        let largest = differences.flatMap { $0 }.compactMap { $0 }.map(abs).max() ?? 0
        return DifferenceHeatmap(
            title: "\(ReportFormat.capitalised(ReportFormat.dimensionName(d.dimension.name))): pairwise differences of means",
            labels: labels, differences: differences, pValues: pValues, limit: max(0.5, largest), testLabel: "Dunn–Holm")
    }

    /// Chart (d): the distribution of one dimension's `ok` ratings over its scale points, per condition.
    public func histogram(_ d: DimensionAnalysis) -> ScoreHistogram {
        let name = ReportFormat.dimensionName(d.dimension.name)
        let higher = d.dimension.higherMeans.isEmpty ? "" : " (higher = \(d.dimension.higherMeans))"
        return ScoreHistogram(
            title: "\(ReportFormat.capitalised(name)): distribution of ratings", xTitle: "\(name) rating\(higher)",
            points: Array(d.dimension.points),
            pointLabels: d.dimension.labels.count == d.dimension.points.count ? d.dimension.labels : [],
            categories: conditionLabels,
            series: d.conditions.map { ScoreHistogram.Series(label: $0.condition, counts: $0.histogram) })
    }

    /// Chart (e): the moderator's intervention rate per strategy (strategies without a moderator show n/a).
    public func interventionChart() -> RateBarChart {
        RateBarChart(
            title: "Moderator intervention rate per strategy", yTitle: "intervention rate",
            legendLabel: "moderator comments ÷ moderator turns",
            bars: interventionByStrategy.map { s in
                RateBarChart.Bar(
                    label: s.strategy, value: s.rate,
                    detail: s.moderatorTurns == 0 ? "no moderator" : "\(s.moderatorComments) of \(s.moderatorTurns) turns")
            },
            colorIndex: interventionByStrategy.map { s in conditions.firstIndex { $0.strategy == s.strategy } ?? 0 })
    }
}
