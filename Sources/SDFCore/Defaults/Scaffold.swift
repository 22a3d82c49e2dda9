/// The files `sdf init` writes: a ready-to-run experiment built from ``DefaultData``.
///
/// Pure: returns relative paths and contents; the CLI writes them.
public enum Scaffold {
    /// The quickstart's file name: two conditions × two replicates, a few turns; minutes on 2 CPU cores.
    public static let quickstartFile = "quickstart.yaml"
    /// The full example's file name: every built-in strategy, more replicates and turns.
    public static let experimentFile = "experiment.yaml"

    /// Every file of the scaffold, as (relative path, contents), in a stable order.
    public static func files() -> [(path: String, contents: String)] {
        var files: [(String, String)] = []
        files.append((quickstartFile, quickstartYAML))
        files.append((experimentFile, experimentYAML))
        files.append(("personas.json", DefaultData.personasJSON.trimmingNewlines() + "\n"))
        for (i, seed) in DefaultData.seedComments.enumerated() {
            let number = i + 1 < 10 ? "0\(i + 1)" : "\(i + 1)"
            files.append(("seeds/\(number)-\(seed.slug).txt", seed.text.trimmingNewlines() + "\n"))
        }
        files.append(("instructions/user.txt", DefaultData.userInstructions.trimmingNewlines() + "\n"))
        files.append(("instructions/troll.txt", DefaultData.trollInstructions.trimmingNewlines() + "\n"))
        files.append(("instructions/annotation.txt", DefaultData.annotationInstructions.trimmingNewlines() + "\n"))
        files.append(("annotators.json", DefaultData.annotatorsJSON.trimmingNewlines() + "\n"))
        for strategy in DefaultData.strategies {
            files.append(("strategies/\(strategy.name).txt", strategy.instructions.trimmingNewlines() + "\n"))
        }
        return files
    }

    /// The quickstart experiment file.
    public static let quickstartYAML = #"""
        # SDF quickstart: does a moderator following community guidelines change the thread?
        # Two conditions (no moderator / guidelines) x two replicates, on the local model.
        # Run it with:  sdf run quickstart.yaml
        version: 1
        name: quickstart
        seed: 42
        replicates: 2
        personas: personas.json
        seedComments: seeds
        discussion:
          users: 3
          turns: 5
          historyLength: 4
          turnTaking: {policy: respond, p: 0.4}
        users:
          instructions: {file: instructions/user.txt}
        trolls:
          share: 0.34
          instructions: {file: instructions/troll.txt}
        moderator:
          username: moderator
          schedule: afterEveryComment
        strategies:
          - name: none
          - name: guidelines
            instructions: {file: strategies/guidelines.txt}
        models:
          - name: smollm2
            endpoint: local
            temperature: 0.8
            maxTokens: 80
            stop: ["\n\n"]        # a comment ends at its first blank line (BENCHMARKS.md: flagged comments 86 % → 42 %)
            parallel: 4
        # Discussions in flight: the engine's slots (parallel) unless 'concurrency' says otherwise.
        # Two annotators keep the quickstart short; experiment.yaml uses the whole panel (annotators.json).
        annotation:
          annotators:
            - {username: annotator_lena, age: 34, sex: female, education: PhD in communication studies, occupation: content moderation researcher, politicalLeaning: centre-left, personality: [careful, even-handed]}
            - {username: annotator_marcus, age: 52, sex: male, education: high school diploma, occupation: bus driver, politicalLeaning: centre, personality: [plain-spoken, fair]}
          instructions: {file: instructions/annotation.txt}
          historyLength: 4
          annotateModerator: true
          structuredOutput: auto
          model: {name: annotator, endpoint: local, temperature: 0.2, maxTokens: 32}

        """#

    /// The full example experiment file: every built-in strategy against no moderator.
    public static let experimentYAML = #"""
        # SDF experiment: four moderation strategies compared on the local model.
        # Every key is documented in the README's experiment file reference.
        version: 1
        name: strategies
        seed: 2026
        replicates: 5
        personas: personas.json
        seedComments: seeds
        discussion:
          users: 4
          turns: 12
          historyLength: 5
          turnTaking: {policy: respond, p: 0.4}
        users:
          instructions: {file: instructions/user.txt}
        trolls:
          share: 0.25
          instructions: {file: instructions/troll.txt}
        moderator:
          username: moderator
          schedule: afterEveryComment
        strategies:
          - name: none
          - name: minimal
            instructions: {file: strategies/minimal.txt}
          - name: guidelines
            instructions: {file: strategies/guidelines.txt}
          - name: constructive
            instructions: {file: strategies/constructive.txt}
        models:
          - name: smollm2
            endpoint: local
            temperature: 0.8
            maxTokens: 120
            stop: ["\n\n"]        # a comment ends at its first blank line
            parallel: 4
          # Another OpenAI-compatible server, e.g. vLLM; uncomment to compare models:
          # - name: qwen7b
          #   endpoint: http://127.0.0.1:8000/v1
          #   model: Qwen/Qwen2.5-7B-Instruct
          #   apiKeyEnv: VLLM_API_KEY
          # Several servers with the same model share the load (a failing one is taken out for a while):
          #   endpoint: [http://gpu1:8000/v1, http://gpu2:8000/v1]
        # concurrency: 16   # discussions in flight; default: the servers' slots (llama-server /props), else 8
        annotation:
          annotators: annotators.json
          instructions: {file: instructions/annotation.txt}
          rubric:
            - name: toxicity
              description: How rude, disrespectful, hateful or aggressive the comment is toward others.
              min: 1
              max: 5
              labels: [not toxic, slightly toxic, moderately toxic, very toxic, extremely toxic]
              higherMeans: more toxic
            - name: argument_quality
              description: How well the comment argues its point with clear claims, reasons or evidence.
              min: 1
              max: 5
              labels: [very poor, poor, fair, good, excellent]
              higherMeans: better argument
          historyLength: 4
          annotateModerator: true
          structuredOutput: auto
          model: {name: annotator, endpoint: local, temperature: 0.2, maxTokens: 64}

        """#
}

extension String {
    func trimmingNewlines() -> String {
        var s = Substring(self)
        while s.first == "\n" { s = s.dropFirst() }
        while s.last == "\n" || s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
