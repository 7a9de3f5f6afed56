"""When an organization answers messages: its `BusinessCalendar`, weekly `BusinessHours`
(split shifts allowed, overlaps refused by the database) and `Holiday`s."""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.choices import Weekday

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler


class BusinessCalendar(models.Model):
    """When an organization answers messages. Its time zone is the organization's."""

    organization = models.OneToOneField(
        "portal.Organization", on_delete=models.CASCADE, related_name="business_calendar"
    )

    class Meta:
        verbose_name = _("business calendar")

    def __str__(self) -> str:
        return f"Business calendar of organization {self.organization_id}"


class OpeningPeriod(models.Func):
    """[opens, closes) as a PostgreSQL tsrange on a fixed date, so the database can refuse two
    overlapping periods on one weekday (there is no built-in time range type). A period that
    closes at 00:00 runs to midnight at the end of its day."""

    output_field = DateTimeRangeField()

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        opens_sql, opens_params = compiler.compile(self.source_expressions[0])
        closes_sql, closes_params = compiler.compile(self.source_expressions[1])
        sql = (
            f"tsrange(DATE '2000-01-03' + {opens_sql}, DATE '2000-01-03' + {closes_sql} "
            f"+ CASE WHEN {closes_sql} = TIME '00:00' THEN INTERVAL '1 day' ELSE INTERVAL '0' END, '[)')"
        )
        return sql, [*opens_params, *closes_params, *closes_params]


class BusinessHours(models.Model):
    """One opening period on one weekday; a day may have several (a split shift)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering: ClassVar = ["weekday", "opens"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="business_hours_weekday_valid"),
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")) | models.Q(closes=time(0)),
                name="business_hours_close_after_open",
            ),
            # Needs the btree_gist extension (for the equality parts), created by migration 0001.
            ExclusionConstraint(
                name="business_hours_no_overlap",
                expressions=[
                    ("calendar", RangeOperators.EQUAL),
                    ("weekday", RangeOperators.EQUAL),
                    (OpeningPeriod("opens", "closes"), RangeOperators.OVERLAPS),
                ],
                violation_error_message=_("These hours overlap other hours on the same day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Holiday(models.Model):
    """A whole day the organization is closed: the SLA clock does not run."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("holiday")
        ordering: ClassVar = ["date"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_one_per_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"
