"""Profiler routes for "why is this slower than yesterday?": the regression list, each workflow's
pinned baseline (set, read, clear), and the environments runs ran in."""

from __future__ import annotations

import functools
from typing import Any

from ..schemas.baselines import (
    Baseline,
    BaselineCleared,
    BaselineClearRequest,
    BaselinePage,
    BaselinePath,
    BaselineSet,
)
from ..schemas.environment import Environment, EnvironmentPath
from ..schemas.profiler import StoredProfilerSettings
from ..schemas.regressions import RegressionQuery, RegressionReport, RegressionRule
from .endpoints import Call, Endpoint, Guard
from .errors import ApiError
from .profiler_services import ProfilerServices, need, off_loop

REGRESSIONS_PATH = "/swissarmyknife/profiler/regressions"
BASELINES_PATH = "/swissarmyknife/profiler/baselines"
BASELINE_PATH = "/swissarmyknife/profiler/baselines/{workflow_hash}"
ENVIRONMENT_PATH = "/swissarmyknife/profiler/environments/{environment_id}"
MAX_BASELINES = 500


def regression_rule(services: ProfilerServices) -> RegressionRule:
    """The rule in force: the profiler settings, or their defaults where the host has none."""
    values = services.settings.current() if services.settings is not None else StoredProfilerSettings()
    return RegressionRule(
        percent=values.regression_percent,
        sigma=values.regression_sigma,
        window_runs=values.regression_window_runs,
        recent_runs=values.regression_recent_runs,
    )


def regression_endpoints(services: ProfilerServices | None, guard: Guard) -> list[Endpoint]:
    """The regression, baseline and environment routes; without services each answers 503."""

    async def get_regressions(call: Call[Any, RegressionQuery, Any]) -> RegressionReport:
        svc = need(services)
        read = functools.partial(
            svc.history.regressions,
            regression_rule(svc),
            workflow_hash=call.query.workflow_hash,
            limit=call.query.limit,
        )
        return await off_loop(read)

    async def list_baselines(_call: Call[Any, Any, Any]) -> BaselinePage:
        found = await off_loop(functools.partial(need(services).history.baselines, MAX_BASELINES))
        return BaselinePage(data=found, count=len(found))

    async def get_baseline(call: Call[BaselinePath, Any, Any]) -> Baseline:
        workflow_hash = call.path.workflow_hash
        found = await off_loop(functools.partial(need(services).history.baseline, workflow_hash))
        if found is None:
            raise ApiError(404, "not_found", f"workflow {workflow_hash} has no baseline")
        return found

    async def put_baseline(call: Call[BaselinePath, Any, BaselineSet]) -> Baseline:
        pin = functools.partial(
            need(services).history.pin_baseline, call.path.workflow_hash, call.body.prompt_id
        )
        return await off_loop(pin)

    async def delete_baseline(call: Call[BaselinePath, Any, BaselineClearRequest]) -> BaselineCleared:
        workflow_hash = call.path.workflow_hash
        was = await off_loop(functools.partial(need(services).history.unpin_baseline, workflow_hash))
        if was is None:
            raise ApiError(404, "not_found", f"workflow {workflow_hash} has no baseline")
        return BaselineCleared(workflow_hash=workflow_hash, prompt_id=was)

    async def get_environment(call: Call[EnvironmentPath, Any, Any]) -> Environment:
        environment_id = call.path.environment_id
        found = await off_loop(functools.partial(need(services).history.environment, environment_id))
        if found is None:
            raise ApiError(404, "not_found", f"no environment {environment_id} in history")
        return found

    return [
        Endpoint(
            method="GET",
            path=REGRESSIONS_PATH,
            operation_id="getProfilerRegressions",
            summary="Workflows and node classes whose latest runs are markedly slower or hungrier than usual",
            description=(
                "Flagged when the median of the latest runs is above the median of the successful runs "
                "before them by more than the settings' percent and standard deviations (20 %, 3, the "
                "last 20 runs, the latest 3 by default). A workflow's flag names the nodes that moved "
                "most and the environments to compare."
            ),
            handler=get_regressions,
            response_model=RegressionReport,
            tag="profiler",
            query_model=RegressionQuery,
            error_statuses=(503,),
        ),
        Endpoint(
            method="GET",
            path=BASELINES_PATH,
            operation_id="listProfilerBaselines",
            summary="Every workflow's pinned baseline run (without the records), the newest pin first",
            handler=list_baselines,
            response_model=BaselinePage,
            tag="profiler",
            error_statuses=(503,),
        ),
        Endpoint(
            method="GET",
            path=BASELINE_PATH,
            operation_id="getProfilerBaseline",
            summary="A workflow's pinned baseline with its run's record (404 when none is pinned)",
            handler=get_baseline,
            response_model=Baseline,
            tag="profiler",
            path_model=BaselinePath,
            error_statuses=(404, 503),
        ),
        Endpoint(
            method="PUT",
            path=BASELINE_PATH,
            operation_id="setProfilerBaseline",
            summary="Pin a successful run in history as its workflow's baseline (replaces the pin)",
            description=(
                "404 when the run is not in history; 409 when it is another workflow's or did not "
                "succeed. The pin keeps a copy of the record: it outlives the run's stay in history."
            ),
            handler=put_baseline,
            response_model=Baseline,
            tag="profiler",
            path_model=BaselinePath,
            body_model=BaselineSet,
            error_statuses=(404, 409, 503),
        ),
        Endpoint(
            method="DELETE",
            path=BASELINE_PATH,
            operation_id="clearProfilerBaseline",
            summary="Unpin a workflow's baseline (the run stays in history)",
            handler=delete_baseline,
            response_model=BaselineCleared,
            tag="profiler",
            path_model=BaselinePath,
            body_model=BaselineClearRequest,
            error_statuses=(404, 503),
            guard=guard,
        ),
        Endpoint(
            method="GET",
            path=ENVIRONMENT_PATH,
            operation_id="getProfilerEnvironment",
            summary="The environment a run ran in: versions, GPUs and driver, performance launch flags",
            handler=get_environment,
            response_model=Environment,
            tag="profiler",
            path_model=EnvironmentPath,
            error_statuses=(404, 503),
        ),
    ]
