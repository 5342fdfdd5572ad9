"""Replays operation logs through the Python seed's MemoryStore, for test/seed/replay.test.ts.

Usage: python3 driver.py SEED_DIR

Reads one JSON log per line on stdin and answers each with one JSON line on stdout, in order:

    in:  {"options": {"max_turns": 3, "ttl_seconds": 5, "max_conversations": 2},
          "start_ms": 1700000000000,
          "ops": [{"op": "append", "advance_ms": 1, "id": "a", "role": "user", "content": "hi"},
                  {"op": "get", "advance_ms": 7, "id": "a"}]}
    out: {"gets": [[["user", "hi", 1700000000.001]]]}

The seed is imported from SEED_DIR, not copied. Its clock is the log's: before each op the fake
clock moves on by `advance_ms`, and `time.time()` in the seed's module reads it (seconds).
"""
from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys


def load_seed(seed_dir: str):
    path = os.path.join(seed_dir, "memory.py")
    spec = importlib.util.spec_from_file_location("turnstore_seed_memory", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"driver.py: cannot load the seed from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeTime:
    """Stands in for the `time` module inside the seed: only `time()` is used there."""

    def __init__(self, start_ms: int) -> None:
        self.now_ms = start_ms

    def time(self) -> float:
        return self.now_ms / 1000


async def replay(seed, log: dict) -> list:
    clock = FakeTime(log["start_ms"])
    seed.time = clock  # the seed calls time.time() through its module namespace
    options = log["options"]
    store = seed.MemoryStore(
        max_turns=options["max_turns"],
        ttl_seconds=options["ttl_seconds"],
        max_conversations=options["max_conversations"],
    )
    gets = []
    for op in log["ops"]:
        clock.now_ms += op["advance_ms"]
        if op["op"] == "append":
            # turnstore's rule, not the seed's: an expired conversation is gone before an append
            # (the seed would revive its old turns). The seed's own prune check applies it.
            await store._maybe_prune(op["id"])
            await store.append(op["id"], op["role"], op["content"])
        elif op["op"] == "get":
            turns = await store.get(op["id"])
            gets.append([[turn["role"], turn["content"], turn["ts"]] for turn in turns])
        else:
            raise SystemExit(f"driver.py: unknown op {op['op']!r}")
    return gets


async def main() -> None:
    seed = load_seed(sys.argv[1])
    for line in sys.stdin:
        if not line.strip():
            continue
        gets = await replay(seed, json.loads(line))
        sys.stdout.write(json.dumps({"gets": gets}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    # Read and write UTF-8 whatever the locale, so any content round-trips.
    sys.stdin.reconfigure(encoding="utf-8")
    sys.stdout.reconfigure(encoding="utf-8")
    asyncio.run(main())
