"""SwissArmyKnife backend: schemas, telemetry, profiler, API and host adapters.

Nothing here imports ComfyUI except ``backend.host``; the rest runs and is tested without it.
"""
