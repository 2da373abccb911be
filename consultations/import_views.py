"""Import pages (取込): upload a spreadsheet, see what it would create, confirm it.

Records go to the uploader's own organisation. A batch is seen only by the worker who uploaded it
(another worker, or another organisation's, gets 404).
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import get_for_user, own_organisation_id, request_user, require_right
from accounts.models import User
from accounts.roles import Right
from consultations.import_forms import ImportUploadForm
from consultations.importing.reading import FileRefused, RowError, max_bytes, refuse_if_too_large
from consultations.importing.writing import (
    ImportRefused,
    cancel_batch,
    confirm_batch,
    preview_upload,
)
from consultations.models import ImportBatch

ERROR_LIMIT = 500


def consultation_import(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    organisation_id = own_organisation_id(user)
    refusal = ""
    errors: list[RowError] = []
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                refuse_if_too_large(upload.size)
                batch = preview_upload(
                    content=upload.read(),
                    file_name=upload.name,
                    organisation=user.organisation,  # type: ignore[arg-type]
                    user=user,
                    encoding=form.cleaned_data["encoding"],
                    request=request,
                )
            except FileRefused as error:
                refusal = str(error)
            except ImportRefused as error:
                errors = error.errors
            else:
                return redirect("consultation_import_detail", pk=batch.pk)
    else:
        form = ImportUploadForm()
    recent = ImportBatch.objects.filter(organisation_id=organisation_id, uploaded_by=user)[:10]
    return render(
        request,
        "consultations/import_upload.html",
        {
            "form": form,
            "refusal": refusal,
            "errors": errors[:ERROR_LIMIT],
            "error_count": len(errors),
            "error_limit": ERROR_LIMIT,
            "max_megabytes": max_bytes() // (1024 * 1024),
            "recent": recent,
        },
        status=400 if refusal or errors else 200,
    )


def consultation_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    batch = _own_batch(user, pk, request)
    return render(request, "consultations/import_detail.html", {"batch": batch, "s": batch.summary})


@require_POST
def consultation_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    batch = _own_batch(user, pk, request)
    try:
        confirm_batch(batch, user=user, request=request)
    except FileRefused as error:
        messages.error(request, str(error))
    except ImportRefused as error:
        messages.error(
            request,
            f"確認のあいだに記録が変わり、{len(error.errors)}件の行が取り込めなくなりました。"
            "何も取り込んでいません。もう一度ファイルを選んでください。",
        )
    else:
        messages.success(request, "取り込みました。")
    return redirect("consultation_import_detail", pk=batch.pk)


@require_POST
def consultation_import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    batch = _own_batch(user, pk, request)
    try:
        cancel_batch(batch, user=user, request=request)
    except FileRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "取込を取り消しました。何も取り込んでいません。")
    return redirect("consultation_import")


def _own_batch(user: User, pk: int, request: HttpRequest) -> ImportBatch:
    batch = get_for_user(
        user,
        ImportBatch.objects.select_related("uploaded_by"),
        pk,
        right=Right.EDIT_PERSONAL_DATA,
        request=request,
        fields=("summary",),
    )
    if batch.uploaded_by_id != user.pk:
        raise Http404("該当する記録がありません。")
    return batch
