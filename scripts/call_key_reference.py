"""Reference values for SDF's request key (CallKey, canonical encoding version 1).

Run by hand (not by CI):  /work/tmp/venv-models/bin/python scripts/call_key_reference.py
Writes Tests/SDFCoreTests/Fixtures/call-key.json: for each case, the request's fields, the canonical JSON text as
SDF must write it, and its SHA-256 (lowercase hex), computed here with the standard library only (json, hashlib).

Canonical encoding: one JSON object, keys sorted at every level, no whitespace, non-ASCII written as UTF-8 (not
escaped), "/" not escaped; fields v, model, messages, temperature, top_p, max_tokens, seed, stop (always),
frequency_penalty, presence_penalty, extra_body (when non-empty), response_format {schema, type} (when sent);
unset fields absent.
"""
import hashlib
import json
import pathlib

CASES = [
    {
        "name": "turn",
        "request": {
            "v": 1,
            "model": "fake-model",
            "messages": [
                {"role": "system", "content": "You are ann, 31. Seed: Cities should ban cars from the centre."},
                {"role": "user", "content": "Thread so far:\nbob: I disagree / strongly — \"no\".\nann:"},
            ],
            "temperature": 0.7,
            "max_tokens": 40,
            "seed": 1234567,
            "stop": ["\nbob:", "\ncem:", "\nOP:"],
        },
    },
    {
        "name": "annotation",
        "request": {
            "v": 1,
            "model": "qwen2.5-7b-instruct",
            "messages": [
                {"role": "system", "content": "You rate comments. Ünïcode ✓"},
                {"role": "user", "content": "Comment: Homework should be abolished."},
            ],
            "temperature": 0.2,
            "top_p": 0.95,
            "max_tokens": 20,
            "seed": 42,
            "stop": [],
            "frequency_penalty": 0.5,
            "presence_penalty": 1.25,
            "extra_body": {"top_k": 40, "min_p": 0.05, "chat_template_kwargs": {"enable_thinking": False}},
            "response_format": {
                "type": "json_schema",
                "schema": {
                    "type": "object",
                    "required": ["toxicity"],
                    "properties": {"toxicity": {"type": "integer", "minimum": 1, "maximum": 5}},
                },
            },
        },
    },
]


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def main():
    out = []
    for case in CASES:
        text = canonical(case["request"])
        out.append({
            "name": case["name"],
            "canonical": text,
            "key": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        })
    path = pathlib.Path(__file__).resolve().parent.parent / "Tests/SDFCoreTests/Fixtures/call-key.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(path)


if __name__ == "__main__":
    main()
