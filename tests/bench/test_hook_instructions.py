"""bench/hook_instructions.py: the chain it counts and how it reads callgrind's dumps."""

from __future__ import annotations

from pathlib import Path

from tests.support.scripts import load_bench

bench = load_bench("hook_instructions")


def test_the_chain_is_a_source_then_inverts_each_fed_by_the_last() -> None:
    prompt = bench.chain(4)
    assert [prompt[k]["class_type"] for k in "0123"] == ["Source", "Invert", "Invert", "Invert"]
    assert prompt["3"]["inputs"]["image"] == ["2", 0]


def test_dumps_are_grouped_by_their_window(tmp_path: Path) -> None:
    def dump(name: str, label: str, total: int) -> None:
        (tmp_path / name).write_text(
            f"version: 1\ncmd: python\ndesc: Trigger: Client Request: {label}\n"
            f"events: Ir\nsummary: {total}\nfn=(1) x\n"
        )

    dump("callgrind.out.7.1", "execute", 100)
    dump("callgrind.out.7.2", "build", 40)
    dump("callgrind.out.7.3", "execute", 120)
    (tmp_path / "callgrind.out.7").write_text("summary: 999\n")  # the final dump: no window
    assert bench.counts(tmp_path) == {"execute": [100, 120], "build": [40]}
