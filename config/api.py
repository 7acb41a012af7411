"""The JSON API: /api/v1/..., OpenAPI documentation at /api/docs."""

from ninja import NinjaAPI

from salesops.core.api import API_AUTH, install_error_handlers
from salesops.crm.api import router as crm_router
from salesops.insights.api import router as insights_router
from salesops.org.api import router as org_router
from salesops.targets.api import router as targets_router

api = NinjaAPI(
    title="SalesOps API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=API_AUTH,
)
install_error_handlers(api)
api.add_router("/v1/org", org_router, tags=["org"])
api.add_router("/v1/crm", crm_router, tags=["crm"])
api.add_router("/v1/targets", targets_router, tags=["targets"])
api.add_router("/v1/insights", insights_router, tags=["insights"])
