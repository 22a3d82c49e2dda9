import Foundation
import GRDB
import SDFCore
import SDFEngine
import SDFStore
import SDFTesting
import Synchronization
import Testing
import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// The sharding tests' experiment: 2 conditions (no moderator / a moderator after every comment) × `replicates`,
/// annotated by 2 annotators.
func shardExperimentYAML(url: String, seed: Int = 11, replicates: Int = 3) -> String {
    """
    version: 1
    name: shards
    seed: \(seed)
    replicates: \(replicates)
    personas: [{username: ann, age: 31}, {username: bob, age: 45}, {username: cem, age: 27}, {username: dia, age: 52}]
    seedComments: ["Cities should ban cars from the centre.", "Homework should be abolished."]
    discussion: {users: 3, turns: 4, historyLength: 3}
    strategies: [none, guidelines]
    models: [{name: fake, endpoint: "\(url)", model: fake-model, maxTokens: 40}]
    concurrency: 2
    annotation:
      annotators: [{username: rater1, age: 40}, {username: rater2, age: 50}]
      model: {name: rater, endpoint: "\(url)", model: fake-model, maxTokens: 20}
      concurrency: 2
    """
}

/// Columns that record when or how fast something happened, not what: left out of comparisons.
let wallClockColumns: [String: Set<String>] = [
    "discussion": ["startedAt", "finishedAt"], "turn": ["startedAt", "finishedAt", "latencyMs"],
    "annotation": ["startedAt", "finishedAt", "latencyMs"], "failure_log": ["seq", "failedAt"],
]

/// Every table of a store as sorted row texts, wall-clock columns left out; the run table as its distinct design
/// provenance (experiment, spec and design hashes, spec text, tool version) — one row per process in a merged store.
func storeDump(_ path: String) async throws -> [String: [String]] {
    let store = try Store.openExisting(path: path)
    return try await store.writer.read { db in
        var out: [String: [String]] = [:]
        let tables = [
            "discussion", "participant", "seed_comment", "turn", "prompt", "annotator", "annotation", "annotation_value", "failure_log",
        ]
        for table in tables {
            let columns = try db.columns(in: table).map(\.name).filter { !(wallClockColumns[table] ?? []).contains($0) }
            let rows = try Row.fetchAll(db, sql: "SELECT \(columns.map { "\"\($0)\"" }.joined(separator: ", ")) FROM \(table)")
            out[table] = rows.map(\.description).sorted()
        }
        out["run"] = Set(
            try Row.fetchAll(db, sql: "SELECT experiment, specHash, designHash, specText, design, toolVersion FROM run").map(\.description)
        ).sorted()
        return out
    }
}

/// The tables whose dumps differ, with row counts, for a readable failure.
func dumpDifferences(_ a: [String: [String]], _ b: [String: [String]]) -> [String] {
    Set(a.keys).union(b.keys).sorted().filter { a[$0] != b[$0] }.map { "\($0): \(a[$0]?.count ?? 0) vs \(b[$0]?.count ?? 0) rows" }
}

/// A folder with the experiment file for `url`.
func shardFolder(_ name: String, url: String, seed: Int = 11, replicates: Int = 3) throws -> (dir: String, file: String) {
    let dir = try temporaryFolder(name)
    let file = dir + "/e.yaml"
    try shardExperimentYAML(url: url, seed: seed, replicates: replicates).write(toFile: file, atomically: true, encoding: .utf8)
    return (dir, file)
}

/// Runs the whole design into `dir/whole.sqlite`.
func runWhole(_ file: String, dir: String) async throws -> String {
    let path = dir + "/whole.sqlite"
    let result = try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, store: path, writesReport: false))
    #expect(result.exitCode == .allDone)
    return path
}

/// Runs shards `indices` of `count` concurrently into `dir/shard-I.sqlite`.
func runShards(_ file: String, dir: String, count: Int, indices: [Int]? = nil) async throws -> [String] {
    try await withThrowingTaskGroup(of: (Int, String).self) { group in
        for index in indices ?? Array(0..<count) {
            group.addTask {
                let path = dir + "/shard-\(index).sqlite"
                let result = try await ExperimentRun.run(
                    ExperimentRunOptions(experimentFile: file, store: path, writesReport: false, shard: ShardSpec(index: index, count: count)))
                #expect(result.exitCode == .allDone)
                return (index, path)
            }
        }
        var paths: [(Int, String)] = []
        for try await p in group { paths.append(p) }
        return paths.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

/// The thrown ``StoreError``'s message.
func mergeError(_ inputs: [String], _ output: String) async -> String {
    do {
        _ = try await StoreMerge.merge(inputs: inputs, output: output)
        return "merged"
    } catch let error as StoreError {
        return error.message
    } catch {
        return "\(error)"
    }
}

@Suite("Sharded runs, sdf merge and sdf status over shards", .serialized)
struct ShardRunTests {
    @Test func oneShardOfOneIsTheUnshardedRun() async throws {
        try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let (dir, file) = try shardFolder("shard-1of1", url: url)
            let whole = try await storeDump(try await runWhole(file, dir: dir))
            let shard = try await runShards(file, dir: dir, count: 1)[0]
            #expect(dumpDifferences(try await storeDump(shard), whole) == [])
            #expect(try await Store.openExisting(path: shard).shard()?.shard == ShardSpec(index: 0, count: 1))
            let merged = dir + "/merged.sqlite"
            let report = try await StoreMerge.merge(inputs: [shard], output: merged)
            #expect(report.discussions == 6)
            #expect(dumpDifferences(try await storeDump(merged), whole) == [])
            #expect(try await Store.openExisting(path: merged).shard() == nil, "a merged store is the whole design")
        }
    }

    @Test func twoAndThreeShardsMergedEqualTheUnshardedRun() async throws {
        try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let (dir, file) = try shardFolder("shard-merge", url: url)
            let wholePath = try await runWhole(file, dir: dir)
            let whole = try await storeDump(wholePath)
            #expect(whole["discussion"]?.count == 6 && (whole["annotation"]?.count ?? 0) > 0)
            for count in [2, 3] {
                let sub = dir + "/n\(count)"
                try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
                let shards = try await runShards(file, dir: sub, count: count)
                // The shards are disjoint, cover the design, and none is empty.
                var seen: [String] = []
                for path in shards {
                    let ids = try await Store.openExisting(path: path).discussions().map(\.id)
                    #expect(!ids.isEmpty)
                    seen += ids
                }
                #expect(seen.count == 6 && Set(seen).count == 6)
                let merged = sub + "/merged.sqlite"
                let report = try await StoreMerge.merge(inputs: shards, output: merged)
                #expect(dumpDifferences(try await storeDump(merged), whole) == [], "\(count) shards")
                for t in report.tables { #expect(t.read == t.written + t.duplicates, "\(t)") }
                let discussions = try #require(report.tables.first { $0.table == "discussion" })
                #expect(discussions.read == 6 && discussions.duplicates == 0 && discussions.written == 6)
                #expect(report.tables.first { $0.table == "run" }?.written == count, "one run manifest per shard")

                // Idempotent: the same merge again, and the merged store with one of its inputs, change nothing.
                let first = try Data(contentsOf: URL(fileURLWithPath: merged))
                let again = try await StoreMerge.merge(inputs: shards, output: merged)
                #expect(dumpDifferences(try await storeDump(merged), whole) == [])
                #expect(again.tables.map(\.written) == report.tables.map(\.written))
                #expect(first.count > 0)
                let withInput = sub + "/merged-again.sqlite"
                let overlap = try await StoreMerge.merge(inputs: [merged, shards[0]], output: withInput)
                #expect(dumpDifferences(try await storeDump(withInput), whole) == [])
                let d = try #require(overlap.tables.first { $0.table == "discussion" })
                #expect(d.written == 6 && d.duplicates == d.read - 6 && d.duplicates > 0)
                // OUT among its own inputs.
                _ = try await StoreMerge.merge(inputs: [merged] + shards, output: merged)
                #expect(dumpDifferences(try await storeDump(merged), whole) == [])
            }
        }
    }

    @Test func shardsAreBalancedByExpectedCallsWithinTheStatedBound() async throws {
        try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let (dir, file) = try shardFolder("shard-balance", url: url, replicates: 5)
            let experiment = try ExperimentLoader.load(path: file)
            let perDiscussion = try ExperimentPlanner.expectedCallsPerDiscussion(experiment)
            let design = Design(experiment: experiment)
            let none = perDiscussion[design.conditions[0].id]!
            let guidelines = perDiscussion[design.conditions[1].id]!
            // No moderator: 4 user turns, each comment scored by 2 annotators. The moderator's turns and the
            // annotation of its comments make the other condition dearer.
            #expect(none == 4 + 4 * 2 && guidelines > none, "\(perDiscussion)")
            let partition = try ExperimentPlanner.shardPartition(experiment, count: 3)
            #expect(partition.maxExcess <= partition.maxExcessBound)
            #expect(partition.maxExcessBound == Double(guidelines))
            let shards = try await runShards(file, dir: dir, count: 3)
            var calls: [Int] = []
            for (i, path) in shards.enumerated() {
                let store = try Store.openExisting(path: path)
                let record = try #require(try await store.shard())
                #expect(record.shard == ShardSpec(index: i, count: 3) && record.shares.count == 3)
                #expect(record.share?.expectedCalls == partition.shards[i].weight)
                let made = try await store.summary().calls
                #expect(made <= partition.shards[i].weight, "abstentions only remove calls")
                calls.append(made)
            }
            // Measured calls per shard: the largest is within the bound (one discussion's calls) of the mean.
            let mean = Double(calls.reduce(0, +)) / Double(calls.count)
            #expect(Double(calls.max()!) - mean <= partition.maxExcessBound, "\(calls)")
        }
    }

    @Test func mergeRefusesOtherDesignsAndConflictingCopiesAndLeavesOutAlone() async throws {
        try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let (dir, file) = try shardFolder("shard-refuse", url: url)
            let other = dir + "/other.yaml"
            try shardExperimentYAML(url: url, seed: 12).write(toFile: other, atomically: true, encoding: .utf8)
            let a = try await runShards(file, dir: dir, count: 2, indices: [0])[0]
            let otherDir = dir + "/other"
            try FileManager.default.createDirectory(atPath: otherDir, withIntermediateDirectories: true)
            let b = try await runShards(other, dir: otherDir, count: 2, indices: [1])[0]
            let hashA = try ExperimentLoader.load(path: file).designHash
            let hashB = try ExperimentLoader.load(path: other).designHash
            let out = dir + "/out.sqlite"
            let designs = await mergeError([a, b], out)
            #expect(designs.contains(a) && designs.contains(b) && designs.contains(hashA) && designs.contains(hashB), "\(designs)")
            #expect(designs.contains("different designs"))
            #expect(!FileManager.default.fileExists(atPath: out), "nothing written")

            // A copy of shard 0 with one comment changed: the discussion is named; OUT stays as it was.
            _ = try await StoreMerge.merge(inputs: [a], output: out)
            let before = try Data(contentsOf: URL(fileURLWithPath: out))
            let tampered = dir + "/tampered.sqlite"
            try FileManager.default.copyItem(atPath: a, toPath: tampered)
            let changed = try await Store.open(path: tampered).writer.write { db -> String in
                let id = try String.fetchOne(db, sql: "SELECT discussionId FROM turn WHERE outcome = 'comment' ORDER BY id LIMIT 1")!
                try db.execute(
                    sql: "UPDATE turn SET text = 'something else' WHERE id = (SELECT id FROM turn WHERE discussionId = ? AND outcome = 'comment' LIMIT 1)",
                    arguments: [id])
                return id
            }
            let conflict = await mergeError([a, tampered], out)
            #expect(conflict.contains("discussion \(changed)") && conflict.contains("turn rows differ"), "\(conflict)")
            #expect(conflict.contains(a) && conflict.contains(tampered))
            #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == before, "a refused merge leaves OUT unchanged")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".tmp") }
            #expect(leftovers.isEmpty, "\(leftovers)")
            // A foreign file is not replaced.
            let foreign = dir + "/notes.txt"
            try "notes".write(toFile: foreign, atomically: true, encoding: .utf8)
            #expect(await mergeError([a], foreign).contains("not an SDF store"))
        }
    }

    @Test func anInterruptedShardResumesAndAShardStoreRefusesAnotherShard() async throws {
        try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let (dir, file) = try shardFolder("shard-resume", url: url, replicates: 4)
            let whole = try await storeDump(try await runWhole(file, dir: dir))
            let path = dir + "/shard-1.sqlite"
            let options = ExperimentRunOptions(
                experimentFile: file, store: path, concurrency: 1, writesReport: false, shard: ShardSpec(index: 1, count: 2))
            let finished = Mutex(0)
            let task = Task {
                try await ExperimentRun.run(options) { event in
                    if case .progress(.discussionFinished) = event { finished.withLock { $0 += 1 } }
                }
            }
            var spins = 0
            while finished.withLock({ $0 }) == 0 && spins < 15_000 {
                try await Task.sleep(nanoseconds: 2_000_000)
                spins += 1
            }
            task.cancel()
            let stopped: ExperimentRunError? = await {
                do {
                    _ = try await task.value
                    return nil
                } catch { return error as? ExperimentRunError }
            }()
            let partial = try await Store.openExisting(path: path).discussions().filter { $0.status == .done }.count
            let share = try #require(try await Store.openExisting(path: path).shard()?.share?.discussions)
            if let stopped {
                #expect(stopped.exitCode == .interrupted)
                #expect(partial < share)
            }
            // Another shard on this store is refused, as is an unsharded run.
            var wrong = options
            wrong.shard = ShardSpec(index: 0, count: 2)
            let refusal = try await runError(wrong)
            #expect(refusal.exitCode == .storeProblem && refusal.message.contains("holds shard 1/2 of this design, not 0/2"), "\(refusal.message)")
            wrong.shard = nil
            let unsharded = try await runError(wrong)
            #expect(unsharded.message.contains("holds shard 1/2") && unsharded.message.contains("--shard 1/2"), "\(unsharded.message)")
            // The same command resumes; with shard 0 the merge is the unsharded run.
            let resumed = try await ExperimentRun.run(options)
            #expect(resumed.exitCode == .allDone && resumed.discussions?.skipped == partial)
            let zero = try await runShards(file, dir: dir, count: 2, indices: [0])[0]
            let merged = dir + "/merged.sqlite"
            _ = try await StoreMerge.merge(inputs: [zero, path], output: merged)
            #expect(dumpDifferences(try await storeDump(merged), whole) == [])
        }
    }

    @Test func statusOverShardStoresShowsTheWholeDesign() async throws {
        try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let (dir, file) = try shardFolder("shard-status", url: url)
            let shards = try await runShards(file, dir: dir, count: 3, indices: [0, 1])
            let stores = try shards.map { try Store.openExisting(path: $0) }
            let status = try await StatusReport.combined(stores: stores)
            #expect(status.shardCount == 3 && status.missing == [2] && status.incomplete == [])
            let record = try #require(try await stores[0].shard())
            let held = record.shares[0].discussions + record.shares[1].discussions
            #expect(status.conditions.map(\.done).reduce(0, +) == held)
            #expect(status.conditions.map(\.pending).reduce(0, +) == 6 - held)
            #expect(status.conditions.map(\.label) == ["none", "guidelines"])
            #expect(status.conditions.allSatisfy { $0.done + $0.pending == 3 })
            let text = StatusReport.text(status)
            #expect(text.contains("missing shards: 2") && text.contains("2/3: 0/\(record.shares[2].discussions) done, missing"), "\(text)")
            #expect(text.contains("\(held)/6 discussions of the design done"))
            // One shard store alone: its pending counts are its share's.
            let single = try await StatusReport.status(store: stores[0])
            #expect(single.conditions.map(\.pending).reduce(0, +) == 0)
            #expect(single.conditions.map(\.done).reduce(0, +) == record.shares[0].discussions)
            #expect(StatusReport.text(single, storePath: shards[0]).contains("shard 0/3 of design"))
            // All three: complete, and the merge command is suggested.
            let all = try await runShards(file, dir: dir, count: 3, indices: [2]) + shards
            let complete = try await StatusReport.combined(stores: try all.map { try Store.openExisting(path: $0) })
            #expect(complete.complete && complete.missing.isEmpty && complete.incomplete.isEmpty)
            #expect(StatusReport.text(complete).contains("sdf merge OUT.sqlite"))
            // Stores of another design are refused.
            let other = dir + "/other.yaml"
            try shardExperimentYAML(url: url, seed: 99).write(toFile: other, atomically: true, encoding: .utf8)
            let otherDir = dir + "/o"
            try FileManager.default.createDirectory(atPath: otherDir, withIntermediateDirectories: true)
            let foreign = try await runShards(other, dir: otherDir, count: 3, indices: [2])[0]
            await #expect(throws: StoreError.self) {
                _ = try await StatusReport.combined(stores: [stores[0], try Store.openExisting(path: foreign)])
            }
        }
    }
}

@Suite("Cluster recipes run locally (sdf binary)", .serialized)
struct ClusterRecipeTests {
    var binDir: String { URL(fileURLWithPath: sdfBinary).deletingLastPathComponent().path }

    @Test func theSlurmScriptsRunAsThreeShardsAndMerge() async throws {
        try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let (dir, file) = try shardFolder("recipe-slurm", url: url)
            let whole = try await storeDump(try await runWhole(file, dir: dir))
            let init_ = try await sdf(["init", "--cluster", "slurm", "--shards", "3", "--experiment", "e.yaml", dir])
            #expect(init_.status == 0, "\(init_.stderr)")
            let script = try String(contentsOfFile: dir + "/slurm/shards.sbatch", encoding: .utf8)
            #expect(script.contains("#SBATCH --array=0-2") && script.contains(ClusterRecipe.shardCommand))
            let submit = try String(contentsOfFile: dir + "/slurm/submit.sh", encoding: .utf8)
            #expect(submit.contains("--dependency=afterok:") && submit.contains("merge.sbatch"))
            let stores = dir + "/stores"
            let env = ["SDF": sdfBinary, "EXPERIMENT": file, "STORES": stores]
            let results = try await withThrowingTaskGroup(of: CommandResult.self) { group in
                for i in 0..<3 {
                    group.addTask {
                        try await runProcess("/bin/bash", [dir + "/slurm/shards.sbatch"], environment: env.merging(["SLURM_ARRAY_TASK_ID": "\(i)"]) { $1 })
                    }
                }
                var all: [CommandResult] = []
                for try await r in group { all.append(r) }
                return all
            }
            for r in results { #expect(r.status == 0, "\(r.stderr)") }
            let merge = try await runProcess("/bin/bash", [dir + "/slurm/merge.sbatch"], environment: env)
            #expect(merge.status == 0, "\(merge.stderr)")
            #expect(merge.stdout.contains("6/6 discussions of the design done"), "\(merge.stdout)")
            #expect(dumpDifferences(try await storeDump(stores + "/merged.sqlite"), whole) == [])
            // Without an index the script says what it needs.
            let bare = try await runProcess("/bin/bash", [dir + "/slurm/shards.sbatch"], environment: env)
            #expect(bare.status != 0 && bare.stderr.contains("run as a Slurm array task"))
        }
    }

    @Test func theKubernetesManifestsParseAndTheirCommandsRunAsThreeShardsAndMerge() async throws {
        try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let (dir, file) = try shardFolder("recipe-k8s", url: url)
            let whole = try await storeDump(try await runWhole(file, dir: dir))
            let init_ = try await sdf(["init", "--cluster", "k8s", "--shards", "3", "--experiment", "e.yaml", dir])
            #expect(init_.status == 0, "\(init_.stderr)")
            func manifest(_ name: String) throws -> [String: Any] {
                let text = try String(contentsOfFile: dir + "/k8s/" + name, encoding: .utf8)
                return try #require(try Yams.load(yaml: text) as? [String: Any], "\(name)")
            }
            func pod(_ m: [String: Any]) throws -> [String: Any] {
                let spec = try #require(m["spec"] as? [String: Any])
                let template = try #require(spec["template"] as? [String: Any])
                return try #require(template["spec"] as? [String: Any])
            }
            func sdfContainer(_ m: [String: Any]) throws -> (script: String, env: [String: String]) {
                let containers = try #require(try pod(m)["containers"] as? [[String: Any]])
                let c = try #require(containers.first { $0["name"] as? String == "sdf" })
                #expect(c["command"] as? [String] == ["sh", "-c"])
                let args = try #require(c["args"] as? [String])
                var env: [String: String] = [:]
                for e in (c["env"] as? [[String: Any]]) ?? [] { env[e["name"] as! String] = "\(e["value"]!)" }
                return (args[0], env)
            }
            let sidecar = try manifest("shards-vllm-per-pod.yaml")
            let shared = try manifest("shards-shared-endpoints.yaml")
            for m in [sidecar, shared] {
                #expect(m["kind"] as? String == "Job")
                let spec = try #require(m["spec"] as? [String: Any])
                #expect(spec["completionMode"] as? String == "Indexed" && spec["completions"] as? Int == 3)
            }
            let vllm = try #require((try pod(sidecar)["initContainers"] as? [[String: Any]])?.first)
            #expect(vllm["restartPolicy"] as? String == "Always" && vllm["startupProbe"] != nil)
            #expect(try pod(shared)["initContainers"] == nil)
            let (script, env) = try sdfContainer(shared)
            let side = try sdfContainer(sidecar)
            #expect(side.script == script && side.env == env)
            #expect(env["SHARDS"] == "3" && script.contains("--shard \"auto/$SHARDS\""))
            let mergeJob = try manifest("merge-job.yaml")
            let (mergeScript, _) = try sdfContainer(mergeJob)

            // The manifests' commands, with the volumes' paths pointed at local folders.
            let stores = dir + "/stores"
            try FileManager.default.createDirectory(atPath: stores, withIntermediateDirectories: true)
            let path = binDir + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            let local = env.merging(["EXPERIMENT": file, "STORES": stores, "PATH": path]) { $1 }
            let results = try await withThrowingTaskGroup(of: CommandResult.self) { group in
                for i in 0..<3 {
                    group.addTask {
                        try await runProcess("/bin/sh", ["-c", script], environment: local.merging(["JOB_COMPLETION_INDEX": "\(i)"]) { $1 })
                    }
                }
                var all: [CommandResult] = []
                for try await r in group { all.append(r) }
                return all
            }
            for r in results { #expect(r.status == 0, "\(r.stderr)") }
            let merge = try await runProcess("/bin/sh", ["-c", mergeScript], environment: ["STORES": stores, "PATH": path])
            #expect(merge.status == 0, "\(merge.stderr)")
            #expect(dumpDifferences(try await storeDump(stores + "/merged.sqlite"), whole) == [])
        }
    }

    @Test func badShardValuesAreRefusedByTheCommandLine() async throws {
        let r = try await sdf(["run", "nowhere.yaml", "--shard", "3/3"])
        #expect(r.status == 64 && r.stderr.contains("INDEX must be in 0...2"), "\(r.stderr)")
        let auto = try await sdf(["run", "nowhere.yaml", "--shard", "auto/3"])
        #expect(auto.status == 64 && auto.stderr.contains("JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID"), "\(auto.stderr)")
    }
}

/// Wall times for the report; run by hand: `SDF_SHARD_TIMING=1 swift test --filter ShardTiming`.
@Suite("Shard timing (by hand)", .enabled(if: ProcessInfo.processInfo.environment["SDF_SHARD_TIMING"] != nil), .serialized)
struct ShardTiming {
    @Test func threeConcurrentShardProcessesVersusOne() async throws {
        // 20 ms per call: a server that answers at a fixed pace, as a GPU endpoint per shard would.
        try await FakeOpenAIServer.with(script: { r in .delay(0.02, then: .chat(FakeOpenAIServer.scriptedAnswer(r.body))) }) { url, _ in
            let (dir, file) = try shardFolder("shard-timing", url: url, replicates: 9)
            let clock = ContinuousClock()
            let one = try await clock.measure {
                let r = try await runProcess(sdfBinary, ["run", file, "--store", dir + "/whole.sqlite"], environment: [:])
                #expect(r.status == 0, "\(r.stderr)")
            }
            let three = try await clock.measure {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<3 {
                        group.addTask {
                            let r = try await runProcess(
                                sdfBinary, ["run", file, "--shard", "\(i)/3", "--store", dir + "/shard-\(i).sqlite"], environment: [:])
                            #expect(r.status == 0, "\(r.stderr)")
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let shards = (0..<3).map { dir + "/shard-\($0).sqlite" }
            let merge = try await clock.measure { _ = try await StoreMerge.merge(inputs: shards, output: dir + "/merged.sqlite") }
            print("shard timing: unsharded \(one), 3 concurrent shards \(three), merge \(merge)")
            #expect(dumpDifferences(try await storeDump(dir + "/merged.sqlite"), try await storeDump(dir + "/whole.sqlite")) == [])
        }
    }

    @Test func mergeOfAThousandDiscussions() async throws {
        let dir = try temporaryFolder("merge-bench")
        let result = try await MergeBenchmark.run(shape: .init(discussions: 1_000, turns: 10, annotators: 2), shards: 3, directory: dir)
        print("merge benchmark: \(result)")
        for t in result.tables { print("  \(t.table): read \(t.read), duplicates \(t.duplicates), written \(t.written)") }
        #expect(result.discussions == 1_000)
    }
}
