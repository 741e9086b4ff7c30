"""An "are you sure?" page for admin actions and buttons whose effect cannot be taken back.

Outside the admin package: the admin site imports it, and the package's modules register
their admins on that site when imported."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from hqcommerce.models.jobs import JobKind

# Jobs whose effect cannot be taken back ask first.
CONFIRM_FIRST = {
    JobKind.STATEMENT_POSTING: _(
        "Post the statements of these channels? Their cash-and-carry sales become sales orders "
        "and a posted statement is never reopened."
    ),
    JobKind.PURGE: _(
        "Purge the history of these channels? Finished records older than the retention are "
        "deleted for good (nothing unresolved or still needed)."
    ),
}


def confirmation_page(
    request,
    admin_site,
    *,
    title: str,
    question: str,
    items: list[tuple[str, object]],
    confirm_label: str,
    cancel_url: str,
    hidden: list[tuple[str, str]] = (),
):
    """An intermediate "are you sure?" page for an admin action or button; it posts the same
    form again with `confirmed=yes`. `items` are (label, pk) of the selected rows (pk None
    for a row that is only listed)."""
    from django.contrib.admin import helpers
    from django.template.response import TemplateResponse

    context = {
        **admin_site.each_context(request),
        "title": title,
        "question": question,
        "items": items,
        "confirm_label": confirm_label,
        "cancel_url": cancel_url,
        "hidden": list(hidden),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/hqcommerce/confirm_action.html", context)


def action_confirmation(
    modeladmin,
    request,
    action: str,
    *,
    title: str,
    question: str,
    items: list[tuple[str, object]],
    confirm_label: str,
):
    """The confirmation page of a list's bulk action: confirming runs `action` again on the
    same selection; cancelling goes back to the list as it was (or to the record's page the
    action was started from: RETURN_TO)."""
    back = return_to(request)
    return confirmation_page(
        request,
        modeladmin.admin_site,
        title=title,
        question=question,
        items=items,
        confirm_label=confirm_label,
        cancel_url=back or request.get_full_path(),
        hidden=[("action", action)] + ([(RETURN_TO, back)] if back else []),
    )


# A record's own page may start a list's action for that record (a prospect's Approve);
# it names itself in this field, and the answer goes back there instead of to the list.
RETURN_TO = "_return_to"


def return_to(request) -> str:
    """The page an action was started from, if it is one of this site's."""
    from django.utils.http import url_has_allowed_host_and_scheme

    back = request.POST.get(RETURN_TO, "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return ""


def confirmed(request) -> bool:
    return request.POST.get("confirmed") == "yes"
