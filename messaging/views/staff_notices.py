"""Staff notifications: my in-app notices, newest first; open one, mark one or all read."""

from __future__ import annotations

from typing import cast

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from messaging.links import staff_thread_path
from messaging.selectors import staff_notices
from portal.models import User
from portal.services import outbox
from portal.views.decorators import staff_view

PAGE_SIZE = 25


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)  # staff_view: always signed in


@staff_view
def notice_list(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    page = Paginator(staff_notices.my_notices(user=me), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = staff_notices.with_threads(list(page.object_list))
    staff_notices.audit_shown(user=me, notices=page.object_list)
    return render(request, "messaging/notices/list.html", {"page": page, "unread": staff_notices.unread_count(me)})


@staff_view
def notice_open(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Following a notice marks it read (safe to repeat) and opens its thread."""
    notice = staff_notices.my_notices(user=_me(request)).filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    outbox.mark_read(user=_me(request), notice_id=notice.pk)
    return redirect(staff_thread_path(notice.target_id or 0))


@staff_view
@require_POST
def notice_read(request: HttpRequest, notice_id: int) -> HttpResponse:
    marked = outbox.mark_read(user=_me(request), notice_id=notice_id)
    if not marked and not staff_notices.my_notices(user=_me(request)).filter(pk=notice_id).exists():
        raise Http404  # someone else's (or gone); one already read is fine
    return redirect("messaging_notices")


@staff_view
@require_POST
def notice_read_all(request: HttpRequest) -> HttpResponse:
    outbox.mark_all_read(user=_me(request))
    return redirect("messaging_notices")
