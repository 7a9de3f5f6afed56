"""SMART on FHIR scopes: which ones an app may ask for, what each means to the person asked,
and which resource types a token's scopes let it read.

Read-only, patient-level: `patient/*.read` (SMART v1) and `patient/*.rs` (v2), or the same
per type (`patient/Observation.read`), plus `launch/patient`, `openid`, `fhirUser` and
`offline_access` (the only way to a refresh token). Not yet: v2's `.r` and `.s` apart,
v2's query-narrowed scopes, `online_access`, and an OpenID Connect id_token for `fhirUser`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from records.fhir_api.resource_types import ALL_TYPES

PATIENT_SCOPE = re.compile(r"^patient/(\*|[A-Za-z]+)\.(read|rs)$")
REFRESH_SCOPES = frozenset({"offline_access"})


def _descriptions() -> dict[str, str | Promise]:
    scopes: dict[str, str | Promise] = {
        "patient/*.read": _("Read the whole health record of the person you choose"),
        "patient/*.rs": _("Read and search the whole health record of the person you choose"),
    }
    for name in ALL_TYPES:
        # The FHIR type name is technical; the sentence around it is what the person reads.
        scopes[f"patient/{name}.read"] = _("Read this part of the health record: %(type)s") % {"type": name}
        scopes[f"patient/{name}.rs"] = _("Read and search this part of the health record: %(type)s") % {"type": name}
    scopes["launch/patient"] = _("Know whose record you chose to share")
    scopes["openid"] = _("Know who you are")
    scopes["fhirUser"] = _("Know who you are")
    scopes["offline_access"] = _("Keep reading when you are not signed in, until 90 days after it last connects")
    return scopes


def readable_types(scopes: Iterable[str]) -> frozenset[str]:
    """The resource types a token with these scopes may read."""
    types: set[str] = set()
    for scope in scopes:
        match = PATIENT_SCOPE.match(scope)
        if match is None:
            continue
        types |= set(ALL_TYPES) if match[1] == "*" else {match[1]} & set(ALL_TYPES)
    return frozenset(types)


def all_scopes() -> list[str]:
    return list(_descriptions())


class SmartScopes:
    """django-oauth-toolkit's scopes backend (OAUTH2_PROVIDER["SCOPES_BACKEND_CLASS"])."""

    def get_all_scopes(self) -> dict[str, str | Promise]:
        return _descriptions()

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return all_scopes()

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list[str]:
        return ["patient/*.read", "launch/patient"]
