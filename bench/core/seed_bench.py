"""The core benchmark's workloads, run on the Python seed's MemoryStore.

Usage: python3 seed_bench.py SEED_DIR < parameters.json

Reads the parameters of bench/core/parameters.ts as JSON on stdin (plus "contentAlphabet"),
imports `memory.py` from SEED_DIR (never copied), runs every workload inside one asyncio loop,
timing with time.perf_counter exactly as bench/core/measure.ts does on the Node side (warm-up,
then samples ended by time or op count, median rate), and prints one JSON object on stdout.
Progress goes to stderr.
"""
from __future__ import annotations

import asyncio
import gc
import importlib.util
import json
import os
import random
import statistics
import sys
import time
import tracemalloc


def load_seed(seed_dir: str):
    path = os.path.join(seed_dir, "memory.py")
    spec = importlib.util.spec_from_file_location("turnstore_seed_memory", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"seed_bench.py: cannot load the seed from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def progress(message: str) -> None:
    sys.stderr.write(f"  {message}\n")
    sys.stderr.flush()


def role(index: int) -> str:
    return "assistant" if index & 1 else "user"


class Bench:
    def __init__(self, seed, parameters: dict) -> None:
        self.seed = seed
        self.p = parameters
        alphabet = parameters["contentAlphabet"].encode("ascii")
        self.to_alphabet = bytes(alphabet[b % len(alphabet)] for b in range(256))

    def store(self, max_conversations: int):
        return self.seed.MemoryStore(
            max_turns=self.p["maxTurns"],
            ttl_seconds=self.p["ttlSeconds"],
            max_conversations=max_conversations,
        )

    def fresh_string(self, rng: random.Random) -> str:
        # Random bytes mapped onto the alphabet, decoded into one new compact str: few temporary
        # objects, so tracemalloc (which slows every allocation) stays fast.
        return rng.randbytes(self.p["contentLength"]).translate(self.to_alphabet).decode("ascii")

    async def run_for(self, op, state: list, budget_ms: float, max_ops: int):
        """Calls op with increasing indices until budget_ms passed or max_ops calls were made."""
        ops = 0
        chunk = 1
        start = time.perf_counter()
        while True:
            count = min(chunk, max_ops - ops)
            first = state[0]
            for index in range(first, first + count):
                await op(index)
            state[0] = first + count
            ops += count
            ms = (time.perf_counter() - start) * 1000
            if ms >= budget_ms or ops >= max_ops:
                return ops, ms
            if ms < budget_ms / 16:
                chunk *= 2

    async def measure_rate(self, op) -> dict:
        timing = self.p["timing"]
        state = [0]
        await self.run_for(op, state, timing["warmupMs"], timing["sampleMaxOps"])
        samples = []
        total = 0
        for _ in range(timing["samples"]):
            ops, ms = await self.run_for(op, state, timing["sampleMs"], timing["sampleMaxOps"])
            samples.append(ops * 1000 / ms)
            total += ops
        return {"opsPerSecond": statistics.median(samples), "samples": samples, "ops": total}

    async def existing(self, workload: str) -> dict:
        conversations = self.p["existing"]["conversations"]
        store = self.store(conversations)
        ids = [f"c-{i}" for i in range(conversations)]
        content = self.fresh_string(random.Random(self.p["randomSeed"]))
        for turn in range(self.p["existing"]["turnsEach"]):
            for convo_id in ids:
                await store.append(convo_id, role(turn), content)
        if workload == "append":
            return await self.measure_rate(lambda i: store.append(ids[i % conversations], role(i), content))
        return await self.measure_rate(lambda i: store.get(ids[i % conversations]))

    async def create_at_cap(self, cap: int) -> dict:
        store = self.store(cap)
        content = self.fresh_string(random.Random(self.p["randomSeed"]))
        start = time.perf_counter()
        for i in range(cap):
            await store.append(f"c-{i}", "user", content)
        progress(f"filled {cap:,} conversations in {time.perf_counter() - start:.1f} s")
        result = await self.measure_rate(lambda i: store.append(f"new-{i}", "user", content))
        del store
        gc.collect()
        return result

    async def fill_for_heap(self, conversations: int):
        store = self.store(self.p["heap"]["conversations"])
        rng = random.Random(self.p["randomSeed"])
        for c in range(conversations):
            convo_id = f"c-{c}"
            for turn in range(self.p["heap"]["turnsEach"]):
                await store.append(convo_id, role(turn), self.fresh_string(rng))
        # Then each conversation is read once, as a chatbot reads its history before every reply.
        for c in range(conversations):
            await store.get(f"c-{c}")
        return store

    async def heap(self) -> dict:
        """Python object bytes per turn (tracemalloc), and per string in a bare list for reference."""
        conversations = self.p["heap"]["conversations"]
        count = conversations * self.p["heap"]["turnsEach"]
        store_samples, string_samples = [], []
        tracemalloc.start()
        for _ in range(self.p["heap"]["repeats"]):
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            store = await self.fill_for_heap(conversations)
            gc.collect()
            store_samples.append((tracemalloc.get_traced_memory()[0] - before) / count)
            del store
            gc.collect()
            rng = random.Random(self.p["randomSeed"])
            before = tracemalloc.get_traced_memory()[0]
            strings = [None] * count
            for i in range(count):
                strings[i] = self.fresh_string(rng)
            gc.collect()
            string_samples.append((tracemalloc.get_traced_memory()[0] - before) / count)
            del strings
        tracemalloc.stop()
        return {
            "bytesPerTurn": statistics.median(store_samples),
            "samples": store_samples,
            "turns": count,
            "bareStringBytes": statistics.median(string_samples),
        }

    async def run(self, workload: str) -> dict:
        if workload in ("append", "get"):
            return await self.existing(workload)
        if workload == "heap":
            return await self.heap()
        if workload.startswith("create-at-cap-"):
            return await self.create_at_cap(int(workload.removeprefix("create-at-cap-")))
        raise SystemExit(f"seed_bench.py: unknown workload {workload!r}")


async def main() -> None:
    seed = load_seed(sys.argv[1])
    request = json.load(sys.stdin)
    bench = Bench(seed, request["parameters"])
    results = {}
    for workload in request["workloads"]:
        start = time.perf_counter()
        results[workload] = await bench.run(workload)
        figure = results[workload].get("opsPerSecond")
        shown = f"{figure:,.0f} ops/s" if figure is not None else f"{results[workload]['bytesPerTurn']:.0f} B/turn"
        progress(f"seed {workload}: {shown} ({time.perf_counter() - start:.1f} s)")
    json.dump({"python": sys.version.split()[0], "results": results}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    asyncio.run(main())
