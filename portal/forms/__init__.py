"""The portal's forms, one module per group of shell pages (account, sharing, staff, two_factor).

The base form every app's forms build on lives here: `from portal.forms import PortalForm`.
"""

from __future__ import annotations

from django import forms


class PortalForm(forms.Form):
    """The portal's base form.

    It used to point each refused input's aria-describedby at "<id>_errors" itself, replacing what
    Django (5.2) already writes: aria-invalid and aria-describedby="<id>_helptext <id>_error". Two
    spellings of one id meant forms not built on this class pointed at nothing. Now Django's ids
    are the only ones, and templates/components/field.html gives its hint and errors exactly those.
    """
