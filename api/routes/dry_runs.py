"""Dry runs: an integrator runs one of its services on synthetic data through the real path."""

from typing import Annotated

from fastapi import APIRouter, Body

from api.deps import IntegratorDep
from api.openapi import problem_responses
from use_cases import dry_runs
from use_cases.deps import GatewayDep, SessionDep, SettingsDep
from use_cases.dry_runs import DryRunRequest, DryRunResult

router = APIRouter(prefix="/v1/agencies", tags=["integrators"])


@router.post(
    "/{agency_id}/services/{service_id}/dry-run",
    response_model=DryRunResult,
    responses=problem_responses(
        {
            404: "No such service of this agency",
            504: "No decision within timeout_seconds; the dry run goes on",
        }
    ),
)
async def dry_run_service(
    agency_id: str,
    service_id: str,
    agency: IntegratorDep,
    session: SessionDep,
    settings: SettingsDep,
    gateway: GatewayDep,
    body: Annotated[DryRunRequest | None, Body()] = None,
) -> DryRunResult:
    """Run one service on synthetic data through the real path (eligibility, signing,
    submission, callback) and return what was sent and received. No person's data, no
    e-mail, no payment."""
    return await dry_runs.dry_run(
        session=session,
        settings=settings,
        gateway=gateway,
        agency=agency,
        service_id=service_id,
        request=body or DryRunRequest(),
    )
