"""Talking to mini-programs by voice with 10,000 of them in the services folder.

Run: python bench/bench_manifest_voice.py [--services 10000] [--sentences 600]

Prints start-up time (cold, then with the caches warm), the time to understand a sentence
naming a mini-program, one asked of the open mini-program, and one the directory routes, as
p50 / p95 in milliseconds (the first sentence to a mini-program builds its voice; later ones
reuse it); and the search latency. Asserts nothing. Targets: search p95 under 5 ms,
start-up with 10,000 manifests under 2 s with the caches warm.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

_SYLLABLES = "ba bo ka ki lu ma mei na pa ping qi ru sha shi tao wan xi ya yun zhu".split()
_GOODS = {
    "groceries": ["apples", "pears", "oranges", "grapes", "melons", "plums"],
    "flowers": ["tulips", "lilies", "orchids", "daisies", "peonies"],
    "pets": ["dog food", "cat litter", "bird seed", "chew toys"],
    "books": ["novels", "comics", "cookbooks", "atlases"],
    "tea": ["green tea", "oolong", "jasmine tea", "black tea"],
}


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"p50 {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms (n={len(ordered)})"


def synthetic(count: int, seed: int = 3) -> list[dict[str, Any]]:
    """``count`` remote manifests, each with three actions: a listing, an order, tracking."""
    rng = random.Random(seed)
    manifests = []
    for n in range(count):
        category = rng.choice(list(_GOODS))
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).title()
        goods = rng.sample(_GOODS[category], 3)
        manifests.append(
            {
                "id": f"svc_{n:05d}",
                "name": f"{name} {rng.choice(['Shop', 'Market', 'Store', 'House'])}",
                "category": category,
                "description": f"{', '.join(goods)} delivered.",
                "keywords": [category, *goods],
                "base_url": f"http://127.0.0.1:9/svc/{n}",
                "actions": [
                    {"name": "list_goods", "description": f"See the {category} on offer"},
                    {
                        "name": "order_goods",
                        "description": f"Order {category} for delivery",
                        "side_effects": True,
                        "parameters": {
                            "item": {"type": "string", "required": True, "enum": goods},
                            "quantity": {"type": "integer"},
                        },
                    },
                    {
                        "name": "track_order",
                        "description": "Track an order",
                        "parameters": {"order_no": {"type": "string", "required": True}},
                    },
                ],
            }
        )
    return manifests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--sentences", type=int, default=600)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            os.environ[var] = str(root / var.lower())
        folder = root / "services"
        folder.mkdir()
        manifests = synthetic(options.services)
        for manifest in manifests:
            (folder / f"{manifest['id']}.json").write_text(json.dumps(manifest), "utf-8")

        from assistant import Assistant, Settings

        def settings() -> Settings:
            return Settings(
                data_dir=root / "data", cache_dir=root / "cache", services={"manifests": folder}
            )

        for label in ("cold", "caches warm"):
            started = time.perf_counter()
            assistant = Assistant.create(settings())
            took = time.perf_counter() - started
            print(f"start-up, {len(assistant.services or ())} mini-programs, {label}: {took:.2f} s")
            if label == "cold":
                assistant.close()
        rng = random.Random(5)
        chosen = rng.sample(manifests, min(options.sentences, len(manifests)))
        named, opened, first = [], [], []
        right_named = right_open = 0
        for manifest in chosen:
            item = rng.choice(manifest["actions"][1]["parameters"]["item"]["enum"])
            session = assistant.new_session()
            text = f"order two {item} from {manifest['name'].lower()}"
            started = time.perf_counter()
            match, _ = assistant.recognise(text)
            first.append((time.perf_counter() - started) * 1000)
            right_named += match is not None and match.intent == f"app.{manifest['id']}.order_goods"
            started = time.perf_counter()
            assistant.recognise(text)
            named.append((time.perf_counter() - started) * 1000)
            session.shared_state["open_app"] = manifest["id"]
            started = time.perf_counter()
            turn = assistant.handle(f"i'd like some {item}", session)
            opened.append((time.perf_counter() - started) * 1000)
            right_open += turn.intent == f"app.{manifest['id']}.order_goods"
        print(
            f"right action: {right_named / len(chosen):.0%} naming it, "
            f"{right_open / len(chosen):.0%} of the open one (names are not unique here)"
        )
        print(f"understand, naming it, first sentence to it: {_percentiles(first)}")
        print(f"understand, naming it, again: {_percentiles(named)}")
        print(f"a turn asked of the open mini-program: {_percentiles(opened)}")
        routed = []
        for _ in range(options.sentences // 3):
            goods = rng.choice(list(_GOODS.values()))
            text = f"i want to order some {rng.choice(goods)} for delivery"
            started = time.perf_counter()
            assistant.recognise(text)
            routed.append((time.perf_counter() - started) * 1000)
        print(f"understand, routed by the directory: {_percentiles(routed)}")
        search = []
        assert assistant.services is not None
        for manifest in chosen:
            started = time.perf_counter()
            assistant.services.search(rng.choice(manifest["keywords"]))
            search.append((time.perf_counter() - started) * 1000)
        print(f"directory search: {_percentiles(search)}  [target p95 < 5 ms]")
        assistant.close()


if __name__ == "__main__":
    main()
