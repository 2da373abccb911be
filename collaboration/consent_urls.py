from django.urls import URLPattern, URLResolver, path

from collaboration import consent_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:pk>/consents/new/", consent_views.consent_new, name="consent_new"),
    path(
        "cases/<int:pk>/consent-form.pdf", consent_views.consent_form_pdf, name="consent_form_pdf"
    ),
    path("consents/<int:pk>/", consent_views.consent_detail, name="consent_detail"),
    path(
        "consents/<int:pk>/withdraw/",
        consent_views.consent_withdraw_view,
        name="consent_withdraw",
    ),
    path(
        "persons/<int:pk>/disclosures/",
        consent_views.disclosure_record_page,
        name="disclosure_record",
    ),
    path(
        "persons/<int:pk>/disclosures.pdf",
        consent_views.disclosure_record_pdf,
        name="disclosure_record_pdf",
    ),
]
