"""URL routes. Every route named here must be in the policy table (see core/policy.py)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import api
from salesops.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("salesops.core.urls")),
    path("org/", include("salesops.org.urls")),
    path("crm/", include("salesops.crm.urls")),
    path("targets/", include("salesops.targets.urls")),
    path("insights/", include("salesops.insights.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
