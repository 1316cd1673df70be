"""``python -m backend``: the standalone host (the plugin without ComfyUI), on 127.0.0.1 by default."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from pathlib import Path

from . import log
from .api import route_specs
from .api.standalone import StandaloneControls, standalone_endpoints
from .host.standalone.demo import DemoWorkload, SimulatedClock
from .host.standalone.fake_models import (
    DEFAULT_FAKE_MODELS,
    FakeModels,
    ModelHoldingFakeGpuSource,
    fake_device_now,
)
from .host.standalone.server import StandaloneHost
from .plugin import Plugin, create_plugin
from .profiler import Recorder
from .telemetry import MAX_FAKE_GPUS, FakeCpuSource, FakeGpuSource, TelemetrySources, fake_gpu_specs

DEFAULT_PORT = 8199


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m backend", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path.home() / ".swissarmyknife" / "standalone",
        help="where history and settings live (default ~/.swissarmyknife/standalone)",
    )
    parser.add_argument(
        "--fake-gpus",
        action="store_true",
        help=(
            "show two simulated GPUs of different models instead of this machine's (demos, e2e tests); "
            "also serves the test-only routes /swissarmyknife/standalone/fake-gpu and /emit"
        ),
    )
    parser.add_argument(
        "--fake-gpu-count",
        type=int,
        default=None,
        metavar="N",
        help=f"simulate N GPUs (1-{MAX_FAKE_GPUS}, default 2: the two models, then H100s); sets --fake-gpus",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help=(
            "run a simulated workload (text to image, an upscale, cache hits, an error, an interrupt, "
            "an OOM) through the real profiler, with fake GPUs; history is seeded with past runs when empty"
        ),
    )
    parser.add_argument(
        "--demo-interval",
        type=float,
        default=30.0,
        help="seconds between the demo's live runs (default 30)",
    )
    parser.add_argument(
        "--demo-seed-runs",
        type=int,
        default=36,
        help="past runs the demo seeds an empty history with (default 36; e.g. 10000 for a large history)",
    )
    parser.add_argument(
        "--demo-speed",
        type=float,
        default=1.0,
        help="how much faster than real time the demo's live runs go (default 1; e2e tests use more)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow listening on a non-loopback address (the API has no authentication)",
    )
    return parser.parse_args(argv)


def _add_test_controls(
    host: StandaloneHost, plugin: Plugin, sources: TelemetrySources, demo: DemoWorkload | None = None
) -> None:
    # Test-only routes (backend/api/standalone.py): never in ComfyUI, never on real telemetry.
    fake = next(source for source in sources.gpus if isinstance(source, FakeGpuSource))
    controls = StandaloneControls(
        fake_gpus=fake,
        models=host.models,
        queue=host.queue,
        send_event=host.send_event,
        client_count=host.client_count,
        request_sample=plugin.sampler.request_sample,
        request_probe=plugin.sampler.request_probe,
        run_demo=demo.run_now if demo is not None else None,
    )
    host.add_test_routes(route_specs(standalone_endpoints(controls)))


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    if args.demo or args.fake_gpu_count is not None:
        args.fake_gpus = True
    if args.fake_gpu_count is not None and not 1 <= args.fake_gpu_count <= MAX_FAKE_GPUS:
        print(f"--fake-gpu-count must be 1 to {MAX_FAKE_GPUS}", file=sys.stderr)
        return 2
    if args.demo_speed <= 0 or args.demo_interval < 0 or args.demo_seed_runs < 0:
        print(
            "--demo-speed must be above 0, --demo-interval and --demo-seed-runs at least 0", file=sys.stderr
        )
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == "localhost"
    if not loopback and not args.allow_remote:
        print(f"refusing to listen on {args.host}: pass --allow-remote to expose the API", file=sys.stderr)
        return 2
    # With fake GPUs, fake models hold VRAM on them until Clear VRAM unloads them.
    # The demo loads its models as its workflows run; --fake-gpus alone starts with two loaded.
    models = FakeModels(DEFAULT_FAKE_MODELS if args.fake_gpus and not args.demo else ())
    # A bundle built elsewhere (a developer's or a test's build), instead of the committed dist/.
    dist = os.environ.get("SWISSARMYKNIFE_DIST_DIR")
    host = StandaloneHost(args.data_dir, **({"dist_dir": Path(dist)} if dist else {}), models=models)
    if args.fake_gpus:
        gpus = ModelHoldingFakeGpuSource(models, fake_gpu_specs(args.fake_gpu_count or 2))
        sources = TelemetrySources(cpu=FakeCpuSource(), gpus=(gpus,))
        # The check before a run reads the first fake GPU and the models on it.
        host.device_reader = lambda: fake_device_now(gpus, models)
    else:
        sources = TelemetrySources.default()
    plugin = create_plugin(host, sources)
    demo = None
    if args.demo:
        demo = start_demo(
            host, plugin, speed=args.demo_speed, interval_s=args.demo_interval, seed_runs=args.demo_seed_runs
        )
    if args.fake_gpus:
        _add_test_controls(host, plugin, sources, demo)
    try:
        log.info(f"standalone host on http://{args.host}:{args.port}/")
        host.serve(args.host, args.port)
    finally:
        if demo is not None:
            demo.stop()
        plugin.close()
    return 0


def start_demo(
    host: StandaloneHost, plugin: Plugin, *, speed: float, interval_s: float, seed_runs: int = 36
) -> DemoWorkload:
    """Seed an empty history with past runs, then run the demo's workflows live on a thread."""
    demo = DemoWorkload(
        host.models,
        host.queue,
        host.send_event,
        speed=speed,
        interval_s=interval_s,
        on_queued=host.prompt_queued,
    )
    if seed_runs and plugin.history.wait_until_open() and plugin.history.count() == 0:

        def seeded_recorder(clock: SimulatedClock) -> Recorder:
            recorder = Recorder(wall_clock=clock.wall, perf_clock=clock.perf)
            recorder.add_sink(plugin.history.submit)
            recorder.add_oom_sink(plugin.history.submit_oom)
            return recorder

        # The plugin reads this process's environment on a thread: done first, so the seeded runs
        # are recorded in the demo's past environments and the live ones in this one afterwards.
        here = plugin.wait_for_environment(10.0)
        # Over six hours for the default few dozen; a large history spans a day per 200 runs.
        count = demo.seed(
            seeded_recorder,
            runs=seed_runs,
            hours=max(6.0, seed_runs / 200 * 24),
            pace=lambda: plugin.history.flush(60.0),
            set_environment=plugin.history.set_environment,
        )
        plugin.history.flush(max(30.0, seed_runs / 50))
        if here is not None:  # else live runs keep the last seeded environment
            plugin.history.set_environment(here)
        log.info(f"demo: seeded history with {count} past runs")
    demo.start(plugin.recorder)
    return demo


if __name__ == "__main__":
    sys.exit(main())
