"""Stripe's webhook endpoint. The only CSRF-exempt view in billing: Stripe cannot hold a CSRF
token, and the request is trusted only when its Stripe-Signature verifies with the endpoint's
secret (anything else: 400 and nothing changes). No session, no patient in the URL."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.gateway import WebhookRefused, stripe_event
from billing.services import webhooks

logger = logging.getLogger(__name__)
# Stripe's events are small; anything larger is not one of them.
MAX_BODY = 256 * 1024


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise Http404  # this clinic does not take payments through Stripe
    if len(request.body) > MAX_BODY:
        return HttpResponseBadRequest("too large")
    try:
        event = stripe_event(payload=request.body, signature=request.headers.get("Stripe-Signature"))
    except WebhookRefused as refused:
        logger.warning("billing.webhook_refused", extra={"reason": str(refused)})
        return HttpResponseBadRequest("invalid signature")
    row = webhooks.webhook_event_apply(gateway="stripe", event=event)
    logger.info("billing.webhook", extra={"event_id": row.event_id, "result": row.result})
    return HttpResponse(status=200)
