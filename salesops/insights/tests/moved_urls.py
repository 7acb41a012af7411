"""A URLconf that puts the insights pages elsewhere (test_links)."""

from django.urls import include, path

urlpatterns = [path("elsewhere/", include("salesops.insights.urls"))]
