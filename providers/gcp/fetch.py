"""Fetch GCP pages: Cloud Billing Catalog SKUs of Compute Engine and the
machine types of every zone, saved raw in the REST API's JSON shape.

`MLX_GCP_BILLING_ENDPOINT` points the billing client at a mirror or proxy
(the client's `api_endpoint` option).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from mlx_deploy.providers.raw import FetchRequest, PageSaver, RawPage, RawPages, page_error

PROVIDER = "gcp"
COMPUTE_SERVICE = "services/6F81-5844-456A"
BILLING_ENDPOINT_ENV = "MLX_GCP_BILLING_ENDPOINT"
TIMEOUT_SECONDS = 60.0


def clients() -> tuple[Any, Any, str]:
    """(CloudCatalogClient, MachineTypesClient, project) from Application Default Credentials."""
    from google.api_core.client_info import ClientInfo
    from google.cloud import billing_v1, compute_v1

    from mlx_deploy.providers.gcp.credentials import default_credentials
    from mlx_deploy.providers.http import user_agent

    credentials, project = default_credentials()
    info = ClientInfo(user_agent=user_agent())
    endpoint = os.environ.get(BILLING_ENDPOINT_ENV)
    options = {"api_endpoint": endpoint} if endpoint else None
    catalog = billing_v1.CloudCatalogClient(credentials=credentials, client_options=options, client_info=info)
    machines = compute_v1.MachineTypesClient(credentials=credentials, client_info=info)
    return catalog, machines, project


def fetch(request: FetchRequest, made: tuple[Any, Any, str] | None = None) -> RawPages:
    catalog, machines, project = made or clients()
    saver = PageSaver(request.workdir, PROVIDER)
    raw = RawPages(PROVIDER, "gcp cloud billing catalog", request.regions)
    sku_pages = _call("skus page 1", lambda: catalog.list_skus(
        request={"parent": COMPUTE_SERVICE, "currency_code": "USD"}, timeout=TIMEOUT_SECONDS, retry=_retry()
    ).pages)
    raw.pages += _save_pages(saver, "skus", "skus page", sku_pages, request)
    type_pages = _call("machine_types page 1", lambda: machines.aggregated_list(
        request={"project": project}, timeout=TIMEOUT_SECONDS, retry=_retry()
    ).pages)
    raw.pages += _save_pages(saver, "machine_types", "machine_types page", type_pages, request, _in_regions(request))
    return raw


def _save_pages(saver, kind, label, pages: Iterable, request: FetchRequest, keep=None) -> list[RawPage]:  # noqa: ANN001
    saved: list[RawPage] = []
    iterator = iter(pages)
    while True:
        name = f"{label} {len(saved) + 1}"
        page = _call(name, lambda: next(iterator, None))
        if page is None:
            return saved
        data = _to_rest_json(page)
        if keep is not None:
            data = keep(data)
        saved.append(saver.save(kind, name, data))
        request.progress(PROVIDER, 1, None)


def _to_rest_json(message: Any) -> dict:
    """A proto-plus page as the REST API returns it (camelCase, int64 as strings)."""
    from google.protobuf import json_format

    return json_format.MessageToDict(type(message).pb(message))


def _in_regions(request: FetchRequest) -> Callable[[dict], dict] | None:
    if not request.regions:
        return None
    wanted = set(request.regions)

    def keep(page: dict) -> dict:
        items = page.get("items", {})
        page["items"] = {key: value for key, value in items.items() if key.split("/")[-1].rpartition("-")[0] in wanted}
        return page

    return keep


def _retry():
    from google.api_core import exceptions, retry

    return retry.Retry(
        predicate=retry.if_exception_type(
            exceptions.TooManyRequests, exceptions.InternalServerError, exceptions.ServiceUnavailable,
            exceptions.GatewayTimeout, exceptions.DeadlineExceeded,
        ),
        initial=1.0, maximum=30.0, multiplier=2.0, timeout=300.0,
    )


def _call(label: str, action: Callable[[], Any]) -> Any:
    from google.api_core.exceptions import GoogleAPIError
    from google.auth.exceptions import GoogleAuthError

    try:
        return action()
    except (GoogleAPIError, GoogleAuthError) as exc:
        raise page_error(PROVIDER, label, str(exc).splitlines()[0]) from None
