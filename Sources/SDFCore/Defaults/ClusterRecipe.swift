/// The files `sdf init --cluster slurm|k8s DIR` writes: a sharded run of one experiment on a cluster, then the merge.
///
/// Pure: returns relative paths and contents; the CLI writes them. Every `sdf` command in them is run by the tests
/// (the scripts with `bash`/`sh` and the same variables), so what they do is what was tested:
/// - each shard: `sdf run "$EXPERIMENT" --shard auto/$SHARDS --store "$STORES/shard-$INDEX.sqlite"`, the index
///   coming from `SLURM_ARRAY_TASK_ID` (Slurm `--array=0-(SHARDS-1)`) or `JOB_COMPLETION_INDEX` (Kubernetes Indexed
///   Job);
/// - then, once every shard succeeded: `sdf status` over the shard stores and
///   `sdf merge "$STORES/merged.sqlite" "$STORES"/shard-*.sqlite`.
///
/// The model endpoint is either a vLLM server started beside each shard (Slurm: in the job when `VLLM_MODEL` is
/// set; Kubernetes: a native sidecar container, `shards-vllm-per-pod.yaml`) with the experiment's endpoint
/// `http://127.0.0.1:8000/v1`, or the experiment file's shared endpoint list (`endpoint: [URL, URL, …]`,
/// `shards-shared-endpoints.yaml`). Endpoint URLs are not part of the design hash, so either way the shards are of
/// one design.
public enum ClusterRecipe {
    /// The schedulers recipes exist for.
    public enum Scheduler: String, Sendable, Hashable, CaseIterable {
        /// A Slurm job array and a dependent merge job.
        case slurm
        /// A Kubernetes Indexed Job and a follow-up merge Job.
        case k8s
    }

    /// The recipe's files as (relative path, contents), in a stable order.
    ///
    /// - Parameters:
    ///   - scheduler: Slurm or Kubernetes.
    ///   - shards: the number of shards (array tasks / completions), ≥ 1.
    ///   - experiment: the experiment file's name as the scripts see it.
    public static func files(_ scheduler: Scheduler, shards: Int, experiment: String = "experiment.yaml") -> [(path: String, contents: String)] {
        switch scheduler {
        case .slurm:
            return [
                ("slurm/shards.sbatch", slurmShards(shards: shards, experiment: experiment)),
                ("slurm/merge.sbatch", slurmMerge(shards: shards)),
                ("slurm/submit.sh", slurmSubmit(shards: shards)),
            ]
        case .k8s:
            return [
                ("k8s/shards-vllm-per-pod.yaml", k8sShards(shards: shards, experiment: experiment, sidecar: true)),
                ("k8s/shards-shared-endpoints.yaml", k8sShards(shards: shards, experiment: experiment, sidecar: false)),
                ("k8s/merge-job.yaml", k8sMerge()),
                ("k8s/submit.sh", k8sSubmit(experiment: experiment)),
            ]
        }
    }

    /// The shell command each shard runs (variables `SDF`, `EXPERIMENT`, `SHARDS`, `STORES` and the scheduler's index).
    public static let shardCommand = #""$SDF" run "$EXPERIMENT" --shard "auto/$SHARDS" --store "$STORES/shard-$INDEX.sqlite""#
    /// The shell commands of the merge step.
    public static let mergeCommands = [
        #""$SDF" status "$STORES"/shard-*.sqlite"#,
        #""$SDF" merge "$STORES/merged.sqlite" "$STORES"/shard-*.sqlite"#,
    ]

    static func slurmShards(shards: Int, experiment: String) -> String {
        """
        #!/bin/bash
        # One shard of an SDF experiment per array task. Submit with submit.sh (or:
        #   sbatch --array=0-\(shards - 1) shards.sbatch), SHARDS must equal the array's size.
        #SBATCH --job-name=sdf-shards
        #SBATCH --array=0-\(shards - 1)
        #SBATCH --nodes=1
        #SBATCH --ntasks=1
        #SBATCH --cpus-per-task=8
        #SBATCH --gres=gpu:1
        #SBATCH --time=2-00:00:00
        #SBATCH --output=sdf-shard-%a.log
        # Re-submitting a task resumes its store: finished discussions are skipped.
        set -euo pipefail
        SDF=${SDF:-sdf}
        EXPERIMENT=${EXPERIMENT:-\(experiment)}
        SHARDS=${SHARDS:-\(shards)}
        STORES=${STORES:-stores}          # a shared filesystem: the merge job reads every shard store
        INDEX=${SLURM_ARRAY_TASK_ID:?run as a Slurm array task (or set SLURM_ARRAY_TASK_ID)}
        mkdir -p "$STORES"

        # Endpoint: with VLLM_MODEL set, a vLLM server on this node (the experiment's endpoint must be
        # http://127.0.0.1:${VLLM_PORT:-8000}/v1); without, the experiment file's shared endpoint list.
        if [ -n "${VLLM_MODEL:-}" ]; then
          VLLM_PORT=${VLLM_PORT:-8000}
          vllm serve "$VLLM_MODEL" --host 127.0.0.1 --port "$VLLM_PORT" > "vllm-$INDEX.log" 2>&1 &
          VLLM_PID=$!
          trap 'kill "$VLLM_PID" 2>/dev/null || true' EXIT
          until curl -sf "http://127.0.0.1:$VLLM_PORT/health" > /dev/null; do
            kill -0 "$VLLM_PID" 2>/dev/null || { echo "vLLM exited; see vllm-$INDEX.log" >&2; exit 3; }
            sleep 5
          done
        fi

        \(shardCommand)

        """
    }

    static func slurmMerge(shards: Int) -> String {
        """
        #!/bin/bash
        # Runs after every shard task succeeded (submit.sh: --dependency=afterok): the whole design's progress,
        # then one store as an unsharded run would have written it.
        #SBATCH --job-name=sdf-merge
        #SBATCH --ntasks=1
        #SBATCH --cpus-per-task=2
        #SBATCH --time=02:00:00
        #SBATCH --output=sdf-merge.log
        set -euo pipefail
        SDF=${SDF:-sdf}
        STORES=${STORES:-stores}
        \(mergeCommands.joined(separator: "\n"))

        """
    }

    static func slurmSubmit(shards: Int) -> String {
        """
        #!/bin/bash
        # Submits the shard array, then the merge job once every task ended successfully.
        # A task that failed (exit 1: some discussions failed) is resubmitted with
        #   sbatch --array=INDEX shards.sbatch
        # which resumes its store; then submit merge.sbatch by hand.
        set -euo pipefail
        cd "$(dirname "$0")"
        SHARDS=${SHARDS:-\(shards)}
        export SHARDS
        jid=$(sbatch --parsable --array=0-$((SHARDS - 1)) shards.sbatch)
        sbatch --dependency=afterok:"$jid" merge.sbatch

        """
    }

    static func k8sShards(shards: Int, experiment: String, sidecar: Bool) -> String {
        let head = """
            # SDF: one shard of the experiment per completion index (Kubernetes Indexed Job, JOB_COMPLETION_INDEX).
            # The experiment file comes from the ConfigMap sdf-experiment (kubectl create configmap sdf-experiment
            # --from-file=\(experiment)); the stores go to the ReadWriteMany volume sdf-stores, read by merge-job.yaml.
            # A failed pod is retried (backoffLimitPerIndex) and resumes its store.

            """
        let endpointNote =
            sidecar
            ? "# Endpoint: a vLLM server in each pod (native sidecar); the experiment's endpoint is http://127.0.0.1:8000/v1.\n"
            : "# Endpoint: the experiment file's shared endpoint list (endpoint: [http://vllm-0:8000/v1, ...]).\n"
        let vllm =
            sidecar
            ? [
                "      initContainers:",
                "        - name: vllm",
                "          image: vllm/vllm-openai:latest",
                "          restartPolicy: Always",
                #"          args: ["--model", "$(VLLM_MODEL)", "--host", "127.0.0.1", "--port", "8000"]"#,
                "          env:",
                "            - name: VLLM_MODEL",
                "              value: Qwen/Qwen2.5-7B-Instruct",
                "          resources:",
                "            limits:",
                "              nvidia.com/gpu: 1",
                "          startupProbe:",
                "            httpGet: {path: /health, port: 8000}",
                "            periodSeconds: 10",
                "            failureThreshold: 180",
            ].map { $0 + "\n" }.joined()
            : ""
        return head + endpointNote + """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: sdf-shards
            spec:
              completionMode: Indexed
              completions: \(shards)
              parallelism: \(shards)
              backoffLimitPerIndex: 3
              template:
                spec:
                  restartPolicy: Never
            \(vllm)      containers:
                    - name: sdf
                      image: sdf:latest
                      command: ["sh", "-c"]
                      args:
                        - 'SDF=sdf; INDEX=$JOB_COMPLETION_INDEX; \(shardCommand)'
                      env:
                        - name: EXPERIMENT
                          value: /config/\(experiment)
                        - name: SHARDS
                          value: "\(shards)"
                        - name: STORES
                          value: /stores
                      volumeMounts:
                        - {name: experiment, mountPath: /config, readOnly: true}
                        - {name: stores, mountPath: /stores}
                  volumes:
                    - name: experiment
                      configMap: {name: sdf-experiment}
                    - name: stores
                      persistentVolumeClaim: {claimName: sdf-stores}

            """
    }

    static func k8sMerge() -> String {
        """
        # SDF: after every shard of sdf-shards completed (submit.sh waits for it), the whole design's progress, then
        # one store as an unsharded run would have written it, at /stores/merged.sqlite.
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: sdf-merge
        spec:
          backoffLimit: 1
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: sdf
                  image: sdf:latest
                  command: ["sh", "-c"]
                  args:
                    - 'set -e; SDF=sdf; \(mergeCommands.joined(separator: "; "))'
                  env:
                    - name: STORES
                      value: /stores
                  volumeMounts:
                    - {name: stores, mountPath: /stores}
              volumes:
                - name: stores
                  persistentVolumeClaim: {claimName: sdf-stores}

        """
    }

    static func k8sSubmit(experiment: String) -> String {
        """
        #!/bin/sh
        # Runs the shards, waits for all of them, then the merge job. Choose the shard manifest:
        #   SHARDS_MANIFEST=shards-shared-endpoints.yaml ./submit.sh
        set -eu
        cd "$(dirname "$0")"
        kubectl create configmap sdf-experiment --from-file="${EXPERIMENT:-\(experiment)}" --dry-run=client -o yaml | kubectl apply -f -
        kubectl apply -f "${SHARDS_MANIFEST:-shards-vllm-per-pod.yaml}"
        kubectl wait --for=condition=complete job/sdf-shards --timeout=-1s
        kubectl apply -f merge-job.yaml
        kubectl wait --for=condition=complete job/sdf-merge --timeout=-1s

        """
    }
}
